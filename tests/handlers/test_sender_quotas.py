"""Quotas per producer in the sender: a producer over its part budget is held (never rejected, never sent, never
dead-lettered), comes back when the budget resets or is raised, and parts that were not sent are given back; the
per-producer metrics (``ProducerParts``, ``ProducerSpendCeiling``, ``QuotaUsed``) and ``SendsHeld`` per reason."""

from __future__ import annotations

import json
from typing import Any

import moto.sqs.models as moto_sqs
import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from moto.core import DEFAULT_ACCOUNT_ID
from sender import handler
from sms_constructs_runtime.contract import HELD_SINCE_ATTRIBUTE, PRIOR_RECEIVES_ATTRIBUTE, SendRequest
from sms_constructs_runtime.quotas import Budget, QuotaStore, format_producer_quota

from .conftest import TABLE, Aws, FakeClock, FakeSms
from .test_sender import (
    assert_nothing_lost_or_duplicated,
    dlq_bodies,
    drain,
    enqueue,
    history,
    make_sender,
    queue_depth,
    request,
    request_items,
    run_on_the_clock,
)
from .test_sender_breaker import emitted, totals

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # Powertools warns when no metrics were added

DAY = "day#2026-01-01"  # the FakeClock starts at 2026-01-01T00:00:00Z
MONTH = "month#2026-01"
#: A 153-character GSM-7 message is 1 part, 161 characters are 2.
TWO_PARTS = "x" * 161


@pytest.fixture(autouse=True)
def _fresh_metrics() -> None:
    handler.metrics.clear_metrics()


def quotas(**budgets: Budget) -> dict[str, Any]:
    """The ``producer_quotas`` setting of ``budgets``."""
    return {"producer_quotas": tuple(format_producer_quota(name, budget) for name, budget in budgets.items())}


def used(aws: Aws, producer: str, sort_key: str) -> int | None:
    item = aws.dynamodb.get_item(
        TableName=TABLE, Key={"pk": {"S": f"quota#{producer}"}, "sk": {"S": sort_key}}, ConsistentRead=True
    ).get("Item")
    return None if item is None else int(item["used"]["N"])


def by_producer(output: str) -> list[tuple[str, dict[str, str], float]]:
    """(metric, dimensions without ``service``, value) of the per-producer metrics printed."""
    return [
        (name, {k: v for k, v in dimensions.items() if k != "service"}, value)
        for name, dimensions, value in emitted(output)
        if "Producer" in dimensions
    ]


def published(capsys: pytest.CaptureFixture[str]) -> str:
    handler.metrics.flush_metrics()
    return capsys.readouterr().out


# -- held, never rejected -------------------------------------------------------------------------------------------


def test_over_budget_the_request_is_held_not_rejected_and_not_sent(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = FakeClock()
    sms = FakeSms(clock)
    enqueue(aws, *(request(n, producer="appointments") for n in range(3)))
    sender = make_sender(aws, sms, clock, **quotas(appointments=Budget(daily=2)))
    failures = drain(aws, sender, clock, rounds=3)
    assert len(sms.sends) == 2  # two single-part sends fill the daily budget of 2
    assert all(len(round_) == 1 for round_ in failures)  # the third comes back every round, a batch item failure
    [held_id] = {f"req-{n}" for n in range(3)} - {request_id for request_id, _ in sms.sent_request_ids()}
    assert history(aws, held_id) == []  # no rejection, no outcome: it waits
    assert dlq_bodies(aws) == []
    assert queue_depth(aws) == 1
    assert used(aws, "appointments", DAY) == 2
    output = published(capsys)
    assert totals(output, Reason="QUOTA_EXCEEDED")["SendsHeld"] == 3
    assert totals(output)["SendsHeld"] == 3
    assert totals(output)["MessagesRejected"] == 0


def test_a_held_request_records_its_hold_for_the_status_notifier(aws: Aws) -> None:
    clock = FakeClock()
    enqueue(aws, request(1, producer="otp"))
    sender = make_sender(aws, FakeSms(clock), clock, record_statuses=True, **quotas(otp=Budget(monthly=1)))
    QuotaStore(aws.dynamodb, TABLE).consume("otp", Budget(monthly=1), 1, int(clock() * 1000))  # the month is used up
    drain(aws, sender, clock, rounds=1)
    held = [item for item in request_items(aws, "req-1") if item["sk"] == "held#01"]
    assert [(item["status"], item["reason"]) for item in held] == [("HELD", "QUOTA_EXCEEDED")]


def test_a_request_larger_than_the_whole_budget_is_held_until_the_budget_is_raised(aws: Aws) -> None:
    clock = FakeClock()
    sms = FakeSms(clock)
    enqueue(aws, request(1, body=TWO_PARTS, producer="otp"))
    drain(aws, make_sender(aws, sms, clock, **quotas(otp=Budget(daily=1))), clock, rounds=2)
    assert sms.sends == []
    assert used(aws, "otp", DAY) is None  # refused without a write
    drain(aws, make_sender(aws, sms, clock, **quotas(otp=Budget(daily=2))), clock, rounds=2)  # redeployed, raised
    assert sms.sent_request_ids() == [("req-1", "1")]
    assert used(aws, "otp", DAY) == 2


def test_held_past_max_receive_count_it_is_reenqueued_on_its_queue_never_dead_lettered(
    aws: Aws, sqs_clock: FakeClock
) -> None:
    clock = sqs_clock
    sms = FakeSms(clock)
    QuotaStore(aws.dynamodb, TABLE).consume("bulk", Budget(daily=5), 5, int(clock() * 1000))
    enqueue(aws, request(1, producer="bulk"))
    receives = run_on_the_clock(aws, make_sender(aws, sms, clock, **quotas(bulk=Budget(daily=5))), clock, days=0.9)
    assert receives > 10  # more receives than maxReceiveCount (10), across re-enqueued copies
    queue = moto_sqs.sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].queues[aws.queue_url.rsplit("/", 1)[1]]
    copies = [{"Body": m.body, "MessageAttributes": m.message_attributes} for m in queue._messages]
    assert sms.sends == []
    assert dlq_bodies(aws) == []
    [copy] = copies  # the new message, on the send queue itself (the old copies were deleted)
    assert json.loads(copy["Body"])["requestId"] == "req-1"
    assert HELD_SINCE_ATTRIBUTE in copy["MessageAttributes"]
    assert int(copy["MessageAttributes"][PRIOR_RECEIVES_ATTRIBUTE]["StringValue"]) >= 9  # maxReceiveCount 10


def test_the_held_request_is_sent_once_after_the_day_resets(aws: Aws, sqs_clock: FakeClock) -> None:
    clock = sqs_clock
    sms = FakeSms(clock)
    budget = Budget(daily=1, monthly=10)
    enqueue(aws, request(1, producer="p"), request(2, producer="p"))
    sender = make_sender(aws, sms, clock, **quotas(p=budget))
    run_on_the_clock(aws, sender, clock, days=0.5)
    assert len(sms.sends) == 1
    run_on_the_clock(aws, sender, clock, days=1)  # past midnight: the day's budget resets
    assert sorted(sms.sent_request_ids()) == [("req-1", "1"), ("req-2", "1")]
    sent_at = sorted(send.at for send in sms.sends)
    midnight = 1_767_225_600 + 86_400
    assert midnight <= sent_at[1] <= midnight + 3600 * 1.2  # back within the held back-off's hour of the reset
    assert (used(aws, "p", DAY), used(aws, "p", "day#2026-01-02"), used(aws, "p", MONTH)) == (1, 1, 2)
    assert_nothing_lost_or_duplicated(aws, sms, ["req-1", "req-2"])


def test_a_held_request_comes_back_at_its_deadline_and_is_expired(aws: Aws, sqs_clock: FakeClock) -> None:
    clock = sqs_clock
    sms = FakeSms(clock)
    QuotaStore(aws.dynamodb, TABLE).consume("p", Budget(daily=1), 1, int(clock() * 1000))
    deadline = int(clock() * 1000) + 600_000  # 10 minutes left
    enqueue(aws, request(1, producer="p", not_after=deadline))
    run_on_the_clock(aws, make_sender(aws, sms, clock, **quotas(p=Budget(daily=1))), clock, days=0.1)
    assert sms.sends == []
    [outcome] = history(aws, "req-1")
    assert (outcome["status"], outcome["reason"]) == ("REJECTED", "EXPIRED")
    assert deadline - 5_000 <= int(outcome["at"]) <= deadline + 2_000  # the back-off stopped at the deadline
    assert_nothing_lost_or_duplicated(aws, sms, ["req-1"])


# -- who is counted -------------------------------------------------------------------------------------------------


def test_requests_without_a_producer_or_without_a_budget_are_not_counted(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = FakeClock()
    sms = FakeSms(clock)
    enqueue(aws, request(1), request(2, producer="reports"), request(3, producer="otp"))
    drain(aws, make_sender(aws, sms, clock, **quotas(otp=Budget(daily=1))), clock)
    assert len(sms.sends) == 3
    assert used(aws, "reports", DAY) is None
    assert used(aws, "otp", DAY) == 1
    metrics = by_producer(published(capsys))
    assert ("ProducerParts", {"Producer": "reports"}, 1.0) in metrics  # named, so counted in the metrics
    assert not [m for m in metrics if m[0] == "QuotaUsed" and m[1]["Producer"] == "reports"]
    assert {dimensions["Producer"] for _, dimensions, _ in metrics} == {"reports", "otp"}


def test_the_producer_metrics_after_each_accepted_send(aws: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    clock = FakeClock()
    sms = FakeSms(clock)
    enqueue(aws, request(1, body=TWO_PARTS, producer="appointments", max_price="0.05"))
    drain(aws, make_sender(aws, sms, clock, **quotas(appointments=Budget(daily=8, monthly=200))), clock)
    assert sorted(by_producer(published(capsys)), key=repr) == [
        ("ProducerParts", {"Producer": "appointments"}, 2.0),
        ("ProducerSpendCeiling", {"Producer": "appointments"}, 0.1),  # 2 parts x MaxPrice 0.05
        ("QuotaUsed", {"Producer": "appointments", "Period": "Day"}, 25.0),  # 2 of 8
        ("QuotaUsed", {"Producer": "appointments", "Period": "Month"}, 1.0),  # 2 of 200
    ]


def test_quota_used_is_published_on_each_hold(aws: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    clock = FakeClock()
    QuotaStore(aws.dynamodb, TABLE).consume("p", Budget(daily=4, monthly=5), 4, int(clock() * 1000))
    enqueue(aws, request(1, producer="p"))
    drain(aws, make_sender(aws, FakeSms(clock), clock, **quotas(p=Budget(daily=4, monthly=5))), clock, rounds=2)
    quota_used = [(d["Period"], v) for name, d, v in by_producer(published(capsys)) if name == "QuotaUsed"]
    assert quota_used == [("Day", 100.0), ("Month", 80.0)] * 2


# -- parts that were not sent are given back ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "what"),
    [
        (("ConflictException", "DESTINATION_PHONE_NUMBER_OPTED_OUT"), "rejected by the service"),
        (("ServiceQuotaExceededException", "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT"), "held by the service"),
        ("ThrottlingException", "throttled"),
        (EndpointConnectionError(endpoint_url="https://sms-voice.us-east-1.amazonaws.com"), "never connected"),
    ],
)
def test_parts_are_given_back_when_the_service_sent_nothing(aws: Aws, fault: Any, what: str) -> None:
    clock = FakeClock()
    enqueue(aws, request(1, body=TWO_PARTS, producer="p"))
    drain(aws, make_sender(aws, FakeSms(clock, faults=[fault]), clock, **quotas(p=Budget(daily=10))), clock, rounds=1)
    assert (used(aws, "p", DAY), what) == (0, what)


def test_parts_stay_counted_when_the_send_may_have_gone_out(aws: Aws) -> None:
    clock = FakeClock()
    timeout = ReadTimeoutError(endpoint_url="https://sms-voice.us-east-1.amazonaws.com")
    enqueue(aws, request(1, body=TWO_PARTS, producer="p"))
    drain(aws, make_sender(aws, FakeSms(clock, faults=[timeout]), clock, **quotas(p=Budget(daily=10))), clock, rounds=1)
    assert used(aws, "p", DAY) == 2  # SendOutcomeUnknown: the budget errs on the side of sending less


def test_parts_are_given_back_when_the_request_expires_waiting_for_its_slot(aws: Aws) -> None:
    clock = FakeClock()
    sms = FakeSms(clock)
    sender = make_sender(aws, sms, clock, max_parts_per_second=1.0, **quotas(p=Budget(daily=10)))
    assert sender.pacer.acquire(5)  # another invocation holds the next 5 seconds of slots
    enqueue(aws, request(1, producer="p", not_after=int(clock() * 1000) + 6_000))  # its last slot starts in 1 s
    drain(aws, sender, clock, rounds=1)
    assert sms.attempts == 0
    [outcome] = history(aws, "req-1")
    assert (outcome["status"], outcome["reason"]) == ("REJECTED", "EXPIRED")
    assert used(aws, "p", DAY) == 0  # counted before the pacer, given back


def test_parts_are_given_back_when_the_record_is_handed_back_near_the_invocation_deadline(aws: Aws) -> None:
    clock = FakeClock()
    sms = FakeSms(clock)
    enqueue(aws, *(request(n, producer="p") for n in range(3)))
    sender = make_sender(aws, sms, clock, max_parts_per_second=0.1, **quotas(p=Budget(daily=10)))
    drain(aws, sender, clock, rounds=1, timeout=45)  # 15 s of sending time: one send, the next slot is 10 s later
    sent = len(sms.sends)
    assert 0 < sent < 3
    assert used(aws, "p", DAY) == sent


def test_a_send_request_with_a_producer_is_accepted_by_the_contract() -> None:
    payload = json.loads(request(1, producer="appointments").to_json())
    assert (payload["version"], payload["producer"]) == (3, "appointments")
    assert SendRequest.from_json(json.dumps(payload)).send_context()["smsProducer"] == "appointments"
