"""Lost opportunities made visible, and the circuit breaker for account-level holds, through the real sender.

Hand-backs without a ``SendTextMessage`` call (near the deadline, pacer contention, the breaker, an idempotency record
in progress) are counted per cause and never move a message towards the DLQ; a held identity costs one probe per
interval, not a call per receive.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import moto.sqs.models as moto_sqs
import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError
from moto.core import DEFAULT_ACCOUNT_ID
from sender import handler
from sender.handler import Sender
from sms_constructs_runtime.pacing import PacerContentionError
from sms_constructs_runtime.send_errors import DESTINATION_DEPENDENT_HOLDS, SEND_ERROR_RULES, SendErrorOutcome
from sms_constructs_runtime.settings import BackOff

from .conftest import IDENTITY, TABLE, Aws, FakeClock, FakeSms, LambdaContext
from .test_sender import (
    SPEND_LIMIT,
    ClockedEventSourceMapping,
    assert_nothing_lost_or_duplicated,
    dlq_bodies,
    drain,
    enqueue,
    history,
    make_sender,
    queue_depth,
    request,
    run_on_the_clock,
)

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # Powertools warns when no metrics were added


def emitted(output: str) -> list[tuple[str, dict[str, str], float]]:
    """Every (metric, dimensions, value) in the EMF records printed, one entry per value."""
    found = []
    for line in output.splitlines():
        if not (line.startswith("{") and '"_aws"' in line):
            continue
        record = json.loads(line)
        for definition in record["_aws"]["CloudWatchMetrics"]:
            dimensions = {name: str(record[name]) for group in definition["Dimensions"] for name in group}
            for metric in definition["Metrics"]:
                values = record[metric["Name"]]
                for value in values if isinstance(values, list) else [values]:
                    found.append((metric["Name"], dimensions, float(value)))
    return found


def totals(output: str, **dimension: str) -> Counter[str]:
    """Sum of each metric with exactly the ``service`` dimension plus ``dimension``."""
    counted: Counter[str] = Counter()
    for name, dimensions, value in emitted(output):
        if {k: v for k, v in dimensions.items() if k != "service"} == dimension:
            counted[name] += int(value)
    return counted


def published(capsys: pytest.CaptureFixture[str]) -> str:
    """Everything printed so far, after flushing the metrics still held (``main`` flushes them per invocation)."""
    handler.metrics.flush_metrics()
    return capsys.readouterr().out


def handle(sender: Sender, records: list[dict[str, Any]], clock: FakeClock, timeout: float = 60) -> dict[str, Any]:
    """One invocation, with its metrics flushed as ``main`` does."""
    try:
        return sender.handle({"Records": records}, LambdaContext(clock, timeout))
    finally:
        handler.metrics.flush_metrics()


@pytest.fixture(autouse=True)
def _fresh_metrics() -> None:
    handler.metrics.clear_metrics()


def copies_on_the_queue() -> int:
    """Messages on the send queue, delayed ones included (a re-enqueued copy is delayed by its back-off)."""
    return len(moto_sqs.sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].queues["send"]._messages)


def breaker_item(aws: Aws) -> dict[str, Any] | None:
    """The breaker item of the identity every test sender uses, or ``None`` (closed)."""
    key = {"pk": {"S": f"pacer#{IDENTITY}"}, "sk": {"S": "breaker"}}
    return aws.dynamodb.get_item(TableName=TABLE, Key=key, ConsistentRead=True).get("Item")


# -- the circuit breaker -----------------------------------------------------------------------------------------


def test_a_held_account_costs_one_probe_per_interval_then_every_message_is_sent_once(
    aws: Aws, sqs_clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """The spend limit is reached with 100 messages queued: in an hour of simulated time the sender calls
    ``SendTextMessage`` once per probe interval (+1), not once per receive; nothing reaches the DLQ. Once the limit
    is raised, the next probe closes the breaker and every message is sent exactly once."""
    clock = sqs_clock
    sms = FakeSms(clock, faults=[SPEND_LIMIT] * 100_000)
    enqueue(aws, *(request(n) for n in range(100)))
    sender = make_sender(aws, sms, clock)
    receives = run_on_the_clock(aws, sender, clock, days=1 / 24)
    assert sms.sends == []
    assert receives > 400  # every message came back about 6 times (60 s, 120 s, ... 1920 s)
    assert sms.attempts <= 3600 / 60 + 1
    assert dlq_bodies(aws) == []
    assert queue_depth(aws) == 100
    item = breaker_item(aws)
    assert item is not None
    assert item["reason"]["S"] == SPEND_LIMIT[1]
    assert int(item["nextProbeAt"]["N"]) > int(item["openedAt"]["N"])
    assert int(item["expiration"]["N"]) == pytest.approx(clock() + sender.config.retention_seconds, abs=3700)

    output = published(capsys)
    without_send = totals(output, Cause="CircuitBreaker")["ReceivesWithoutSend"]
    assert without_send == receives - sms.attempts  # every receive but the probes
    assert totals(output, Reason=SPEND_LIMIT[1])["SendsHeld"] == receives  # probes held and breaker-held alike
    aggregated = totals(output)
    assert aggregated["CircuitBreakerProbes"] == sms.attempts - 1  # the first send was no probe: it opened it
    assert aggregated["ReceivesWithoutSend"] == without_send
    assert aggregated["CircuitBreakerOpen"] >= 1

    sms.faults.clear()  # the limit is raised
    run_on_the_clock(aws, sender, clock, days=1)
    assert breaker_item(aws) is None
    assert sorted(sms.sent_request_ids()) == sorted((f"req-{n}", "1") for n in range(100))
    assert_nothing_lost_or_duplicated(aws, sms, [f"req-{n}" for n in range(100)])


def test_without_the_breaker_every_receive_would_call_the_api(aws: Aws, sqs_clock: FakeClock) -> None:
    """The count above can fail: with a probe allowed at every receive (interval 0), the sender calls the API for
    every record it receives."""
    clock = sqs_clock
    sms = FakeSms(clock, faults=[SPEND_LIMIT] * 100_000)
    enqueue(aws, *(request(n) for n in range(20)))
    sender = make_sender(aws, sms, clock, breaker_probe_interval_seconds=0)
    receives = run_on_the_clock(aws, sender, clock, days=1 / 24)
    assert sms.attempts > 3600 / 60 + 1
    assert sms.attempts >= receives / 10  # at least one call per batch


def test_an_open_breaker_holds_records_without_a_call_or_a_pacer_slot(aws: Aws) -> None:
    """One batch: the first send is held and opens the breaker; the other records are held without calling and
    without reserving a send slot; each goes back with the held back-off."""
    clock = FakeClock()
    sms = FakeSms(clock, faults=[("ConflictException", "RESOURCE_NOT_ACTIVE")] * 100)
    enqueue(aws, *(request(n) for n in range(5)))
    sender = make_sender(aws, sms, clock)
    reserved: list[int] = []
    original = sender.pacer.schedule.reserve
    sender.pacer.schedule.reserve = lambda *a: (reserved.append(1), original(*a))[1]  # type: ignore[method-assign]
    backed_off: list[int] = []
    real = aws.sqs

    class Spy:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def change_message_visibility(self, **params: Any) -> Any:
            backed_off.append(params["VisibilityTimeout"])
            return real.change_message_visibility(**params)

    sender.sqs = Spy()
    esm = ClockedEventSourceMapping(aws.sqs, aws.queue_url, aws.queue_arn)
    records = esm.receive()
    response = handle(sender, records, clock)
    assert len(response["batchItemFailures"]) == 5
    assert sms.attempts == 1
    assert len(reserved) == 1
    assert backed_off == [BackOff.HELD_SECONDS] * 5
    assert all(history(aws, f"req-{n}") == [] for n in range(5))


def test_a_probe_that_is_held_keeps_the_breaker_open_and_only_one_invocation_probes(aws: Aws) -> None:
    clock = FakeClock()
    sms = FakeSms(clock, faults=[SPEND_LIMIT] * 100)
    enqueue(aws, request(1))
    sender = make_sender(aws, sms, clock)
    other = make_sender(aws, sms, clock)
    drain(aws, sender, clock, rounds=1)  # opens the breaker
    opened = breaker_item(aws)
    assert opened is not None
    clock.advance(sender.config.breaker_probe_interval_seconds)
    other._read_breaker()  # another invocation read the breaker at the same time, before the probe was claimed
    drain(aws, sender, clock, rounds=1)  # the probe: held
    assert sms.attempts == 2
    kept = breaker_item(aws)
    assert kept is not None
    assert kept["openedAt"] == opened["openedAt"]
    assert int(kept["nextProbeAt"]["N"]) > int(opened["nextProbeAt"]["N"])
    with pytest.raises(handler.HeldError):
        other._breaker_holds(request(2))  # lost the claim: held, no second probe in the interval
    assert sms.attempts == 2


def test_a_probe_that_is_accepted_closes_the_breaker(aws: Aws) -> None:
    clock = FakeClock()
    sms = FakeSms(clock, faults=[SPEND_LIMIT])
    enqueue(aws, request(1), request(2))
    sender = make_sender(aws, sms, clock)
    drain(aws, sender, clock, rounds=1)
    assert breaker_item(aws) is not None
    assert sms.sends == []
    clock.advance(sender.config.breaker_probe_interval_seconds)
    drain(aws, sender, clock)
    assert breaker_item(aws) is None
    assert sorted(sms.sent_request_ids()) == [("req-1", "1"), ("req-2", "1")]
    assert_nothing_lost_or_duplicated(aws, sms, ["req-1", "req-2"])


def test_a_request_whose_deadline_passes_behind_an_open_breaker_is_rejected_expired(aws: Aws) -> None:
    clock = FakeClock()
    sms = FakeSms(clock, faults=[SPEND_LIMIT] * 100)
    due_ms = int(clock() * 1000) + 30_000
    enqueue(aws, request(1), request(2, not_after=due_ms))
    sender = make_sender(aws, sms, clock)
    drain(aws, sender, clock, rounds=1)
    clock.advance(31)
    drain(aws, sender, clock, rounds=2)
    [expired] = history(aws, "req-2")
    assert (expired["status"], expired["reason"]) == ("REJECTED", "EXPIRED")
    assert sms.sends == []


# -- hand-backs without a send -------------------------------------------------------------------------------------


def test_pacer_contention_is_counted_and_never_sends_the_message_to_the_dlq(
    aws: Aws, sqs_clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every receive finds no usable slot, more times than maxReceiveCount (10): the record is re-enqueued as a new
    message before its receives run out, never dead-lettered, and sent once when slots can be used again."""
    clock = sqs_clock
    sms = FakeSms(clock)
    enqueue(aws, request(1))
    sender = make_sender(aws, sms, clock)
    real_acquire = sender.pacer.acquire

    def contended(parts: int, *, deadline: float | None = None) -> bool:
        sender.pacer.abandoned_slots += 8
        sender.pacer.contention += 1
        raise PacerContentionError("8 send slots passed")

    sender.pacer.acquire = contended  # type: ignore[method-assign]
    receives = run_on_the_clock(aws, sender, clock, days=0.5)
    assert receives > 10
    assert sms.attempts == 0
    assert dlq_bodies(aws) == []
    assert copies_on_the_queue() == 1
    output = published(capsys)
    assert totals(output, Cause="PacerContention")["ReceivesWithoutSend"] == receives
    assert totals(output)["PacerContention"] == receives
    assert totals(output)["PacerSlotsAbandoned"] == receives * 8
    assert totals(output, Reason="PacerContention")["HeldSendsReenqueued"] >= 1

    sender.pacer.acquire = real_acquire  # type: ignore[method-assign]
    run_on_the_clock(aws, sender, clock, days=0.5)
    assert sms.sent_request_ids() == [("req-1", "1")]
    assert_nothing_lost_or_duplicated(aws, sms, ["req-1"])


def test_deferrals_near_the_deadline_are_counted_per_cause(aws: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    clock = FakeClock()
    sms = FakeSms(clock)
    enqueue(aws, *(request(n) for n in range(3)))
    sender = make_sender(aws, sms, clock)
    esm = ClockedEventSourceMapping(aws.sqs, aws.queue_url, aws.queue_arn)
    records = esm.receive()
    handle(sender, records, clock, timeout=1)  # already inside the deadline margin
    output = published(capsys)
    assert totals(output, Cause="Deadline")["ReceivesWithoutSend"] == len(records)
    assert totals(output)["MessagesDeferred"] == len(records)
    assert sms.attempts == 0


def test_an_idempotency_record_in_progress_is_counted_and_never_dead_letters(
    aws: Aws, sqs_clock: FakeClock, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = sqs_clock
    sms = FakeSms(clock)
    enqueue(aws, request(1))
    sender = make_sender(aws, sms, clock)

    def in_progress(**_: Any) -> dict[str, Any]:
        raise IdempotencyAlreadyInProgressError("in progress")

    monkeypatch.setattr(sender, "_send_once", in_progress)
    receives = run_on_the_clock(aws, sender, clock, days=0.5)
    assert receives > 10
    output = published(capsys)
    assert totals(output, Cause="InProgress")["ReceivesWithoutSend"] == receives
    assert dlq_bodies(aws) == []
    assert copies_on_the_queue() == 1


def test_abandoned_slots_are_published_once_per_invocation(aws: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    clock = FakeClock()
    sms = FakeSms(clock)
    enqueue(aws, request(1))
    sender = make_sender(aws, sms, clock)
    sender.pacer.abandoned_slots = 3  # what acquire counted during the batch
    records = ClockedEventSourceMapping(aws.sqs, aws.queue_url, aws.queue_arn).receive()
    handle(sender, records, clock)
    abandoned = [v for name, _, v in emitted(capsys.readouterr().out) if name == "PacerSlotsAbandoned"]
    assert abandoned == [3.0]
    assert sender.pacer.abandoned_slots == 0  # taken: the next invocation starts from 0


@pytest.mark.parametrize(
    "fault",
    [
        ("ConflictException", "DESTINATION_PHONE_NUMBER_NOT_VERIFIED"),
        ("ConflictException", "NO_ORIGINATION_IDENTITIES_FOUND"),
        ("ValidationException", "INVALID_IDENTITY_FOR_DESTINATION_COUNTRY"),
    ],
)
def test_a_hold_that_depends_on_the_destination_never_opens_the_breaker(aws: Aws, fault: tuple[str, str]) -> None:
    """The sandbox refuses one unverified number (or a pool has no member for one country): that request is held, but
    the next request, to another number, is sent at once — the breaker stays closed."""
    clock = FakeClock()
    sms = FakeSms(clock, faults=[fault])
    enqueue(aws, request(1), request(2))
    sender = make_sender(aws, sms, clock)
    drain(aws, sender, clock, rounds=1)
    assert breaker_item(aws) is None
    assert sms.sent_request_ids() == [("req-2", "1")]
    assert sms.attempts == 2


def test_the_destination_dependent_holds_are_held_reasons_of_the_model() -> None:
    """Every reason that spares the breaker is one the classification holds (a typo would silently open it)."""
    held = {
        reason
        for rule in SEND_ERROR_RULES.values()
        for reason, (outcome, _) in rule.reasons.items()
        if outcome in (SendErrorOutcome.HOLD, SendErrorOutcome.BY_FIELD)
    }
    assert held >= DESTINATION_DEPENDENT_HOLDS
