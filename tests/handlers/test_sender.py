"""The sender handler, driven with real SQS event records, moto (SQS, DynamoDB) and a faithful fake of the SMS API.

Every fault scenario ends with the same invariant: each request was sent exactly once, or rejected with a recorded
reason, or is in the DLQ — 0 messages lost, 0 duplicate sends.
"""

from __future__ import annotations

import dataclasses
import http.server
import itertools
import json
import threading
import time
from collections import Counter
from typing import Any, Final

import boto3
import moto.sqs.models as moto_sqs
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto.core import DEFAULT_ACCOUNT_ID
from sender import handler
from sender.handler import Sender
from sms_constructs_runtime import send_errors
from sms_constructs_runtime.contract import SendRequest
from sms_constructs_runtime.pacing import DEFAULT_RELEASE_TOLERANCE_SECONDS, MIN_LEAD_SECONDS
from sms_constructs_runtime.send_errors import SendErrorOutcome
from sms_constructs_runtime.settings import (
    DYNAMODB_CLIENT,
    SENDER_DEADLINE_MARGIN_SECONDS,
    SMS_CLIENT,
    BackOff,
    SenderSettings,
)

from sms_constructs.patterns.send_queue import sender_timeout
from tests.patterns.conftest import deployed_environment, synthesize_default

from .conftest import (
    CONFIG_SET,
    IDENTITY,
    TABLE,
    Aws,
    EventSourceMapping,
    FakeClock,
    FakeSms,
    LambdaContext,
    sqs_record,
)

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # Powertools warns when no metrics were added


def sender_environment(queue_url: str = "https://sqs.us-east-1.amazonaws.com/111122223333/send") -> dict[str, str]:
    """The environment ``SmsSendQueue`` gives its sender (from the synthesized template), with the deploy-time values
    of the test's resources."""
    _, template, _, _ = synthesize_default()
    return deployed_environment(
        template,
        "sender.handler.main",
        {
            "SMS_TABLE_NAME": TABLE,
            "SMS_QUEUE_URL": queue_url,
            "SMS_ORIGINATION_IDENTITY": IDENTITY,
            "SMS_CONFIGURATION_SET_NAME": CONFIG_SET,
        },
    )


def make_sender(aws: Aws, sms: Any, clock: FakeClock, **overrides: Any) -> Sender:
    """A sender with the settings the construct writes, at 10 MPS and a 1-hour TTL unless ``overrides`` say else."""
    settings = SenderSettings.from_environment(sender_environment(aws.queue_url))
    settings = dataclasses.replace(
        settings, **{"max_parts_per_second": 10.0, "time_to_live_seconds": 3600, **overrides}
    )
    return Sender(
        settings, sms=sms, sqs=aws.sqs, dynamodb=aws.dynamodb, clock=clock, sleep=clock.sleep, jitter=lambda: 0.5
    )


#: ``drain`` moves the clock 1 s per round: a probe at every receive lets a test see "held, then sent" without waiting
#: out the circuit breaker's interval (its own tests are in ``test_sender_breaker``).
PROBE_EVERY_RECEIVE: Final = {"breaker_probe_interval_seconds": 0}


def enqueue(aws: Aws, *requests: SendRequest | str) -> None:
    for request in requests:
        body = request if isinstance(request, str) else request.to_json()
        aws.sqs.send_message(QueueUrl=aws.queue_url, MessageBody=body)


def request(n: int, body: str = "Your code is 123456", **kwargs: Any) -> SendRequest:
    return SendRequest(request_id=f"req-{n}", destination_phone_number=f"+1425555{n:04d}", message_body=body, **kwargs)


def drain(aws: Aws, sender: Sender, clock: FakeClock, *, rounds: int = 20, timeout: float = 300) -> list[list[str]]:
    """Run the event source mapping until the queue is empty; returns the failed message ids of each round."""
    esm = EventSourceMapping(aws.sqs, aws.queue_url, aws.queue_arn)
    failures: list[list[str]] = []
    for _ in range(rounds):
        records = esm.receive()
        if not records:
            break
        response = sender.handle({"Records": records}, LambdaContext(clock, timeout))
        failures.append(esm.settle(records, response))
        esm.expire_visibility()  # the back-off passes
        clock.advance(1)
    return failures


def request_items(aws: Aws, request_id: str) -> list[dict[str, Any]]:
    """Every item of the request's partition, attribute values unwrapped, in sort-key order."""
    items = aws.dynamodb.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"request#{request_id}"}},
    )["Items"]
    return [{k: next(iter(v.values())) for k, v in item.items()} for item in items]


def history(aws: Aws, request_id: str) -> list[dict[str, Any]]:
    """The request's outcomes (sent, rejected, failed): its items without ``accepted`` and ``held#NN``, which record
    progress (see ``test_sender_status``)."""
    return [
        item
        for item in request_items(aws, request_id)
        if item["sk"] != "accepted" and not item["sk"].startswith("held#")
    ]


def dlq_bodies(aws: Aws) -> list[str]:
    messages = aws.sqs.receive_message(QueueUrl=aws.dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=0).get(
        "Messages", []
    )
    return [m["Body"] for m in messages]


class ClockedEventSourceMapping(EventSourceMapping):
    """The Lambda SQS poller on the test's clock: message attributes included, failed records wait for the visibility
    the sender gave them (no ``expire_visibility``)."""

    def receive(self) -> list[dict[str, Any]]:
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        return [sqs_record(m, self.queue_arn) for m in messages]


def _next_visible_ms(queue_url: str) -> float | None:
    """When moto's queue next has a message to receive (visibility and delay), or ``None`` when it is empty."""
    queue = moto_sqs.sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].queues[queue_url.rsplit("/", 1)[1]]
    times = [max(m.visible_at or 0, m.delayed_until or 0) for m in queue._messages]
    return min(times) if times else None


def run_on_the_clock(aws: Aws, sender: Sender, clock: FakeClock, *, days: float) -> int:
    """Poll the send queue for ``days`` of simulated time, jumping the clock from one visible message to the next
    (queue-level waits only; nothing is made visible early). Returns the number of records the sender received."""
    esm = ClockedEventSourceMapping(aws.sqs, aws.queue_url, aws.queue_arn)
    until = clock() + days * 86_400
    received = 0
    while clock() < until:
        records = esm.receive()
        if records:
            received += len(records)
            esm.settle(records, sender.handle({"Records": records}, LambdaContext(clock, 60)))
            esm.in_flight.clear()
            continue
        next_ms = _next_visible_ms(aws.queue_url)
        if next_ms is None:
            break
        clock.now = min(until, max(clock() + 0.001, next_ms / 1000 + 0.001))
    return received


def queue_depth(aws: Aws) -> int:
    return EventSourceMapping(aws.sqs, aws.queue_url, aws.queue_arn).depth()


def assert_nothing_lost_or_duplicated(aws: Aws, sms: FakeSms, request_ids: list[str]) -> None:
    sent = Counter(sms.sent_request_ids())
    assert all(count == 1 for count in sent.values()), f"duplicate sends: {sent}"
    dlq = {json.loads(body).get("requestId") for body in dlq_bodies(aws)}
    for request_id in request_ids:
        outcomes = {item["status"] for item in history(aws, request_id)}
        assert (request_id, "1") in sent or "REJECTED" in outcomes or request_id in dlq, f"{request_id} was lost"
    depth = aws.sqs.get_queue_attributes(
        QueueUrl=aws.queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    assert depth == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}


# -- the send itself ---------------------------------------------------------------------------------------------


def test_sends_with_identity_configuration_set_defaults_and_context(aws: Aws) -> None:
    clock = FakeClock()
    sms = FakeSms(clock)
    enqueue(aws, request(1, context={"orderId": "A-1"}))
    drain(aws, make_sender(aws, sms, clock), clock)
    assert [s.params for s in sms.sends] == [
        {
            "DestinationPhoneNumber": "+14255550001",
            "OriginationIdentity": IDENTITY,
            "MessageBody": "Your code is 123456",
            "ConfigurationSetName": CONFIG_SET,
            "MessageType": "TRANSACTIONAL",
            "TimeToLive": 3600,
            "MaxPrice": "0.50",
            "Context": {"orderId": "A-1", "smsRequestId": "req-1", "smsAttempt": "1"},
        }
    ]
    stored = aws.dynamodb.get_item(
        TableName=TABLE, Key={"pk": {"S": f"message#{sms.sends[0].message_id}"}, "sk": {"S": "message"}}
    )["Item"]
    assert stored["requestId"] == {"S": "req-1"}
    assert json.loads(stored["request"]["S"])["messageBody"] == "Your code is 123456"
    assert [(h["sk"], h["status"], h["messageId"]) for h in history(aws, "req-1")] == [
        ("attempt#01", "SENT", sms.sends[0].message_id)
    ]


def test_request_values_override_the_queue_defaults(aws: Aws) -> None:
    clock = FakeClock()
    sms = FakeSms(clock)
    enqueue(aws, request(1, message_type="PROMOTIONAL", time_to_live_seconds=60, max_price="0.01"))
    drain(aws, make_sender(aws, sms, clock), clock)
    params = sms.sends[0].params
    assert (params["MessageType"], params["TimeToLive"], params["MaxPrice"]) == ("PROMOTIONAL", 60, "0.01")


def test_request_is_checked_against_the_service_model_with_stubber(aws: Aws) -> None:
    clock = FakeClock()
    client = boto3.client("pinpoint-sms-voice-v2", region_name="us-east-1")
    with Stubber(client) as stubber:
        stubber.add_response(
            "send_text_message",
            {"MessageId": "m-1"},
            expected_params={
                "DestinationPhoneNumber": "+14255550001",
                "OriginationIdentity": IDENTITY,
                "MessageBody": "Your code is 123456",
                "ConfigurationSetName": CONFIG_SET,
                "MessageType": "TRANSACTIONAL",
                "TimeToLive": 3600,
                "MaxPrice": "0.50",
                "Context": {"smsRequestId": "req-1", "smsAttempt": "1"},
            },
        )
        stubber.add_client_error(
            "send_text_message",
            service_error_code="ConflictException",
            service_message="opted out",
            http_status_code=400,
            modeled_fields={
                "Message": "opted out",
                "Reason": "DESTINATION_PHONE_NUMBER_OPTED_OUT",
                "ResourceType": "opted-out-number",
                "ResourceId": "+14255550002",
            },
        )
        enqueue(aws, request(1))
        drain(aws, make_sender(aws, client, clock), clock)
        enqueue(aws, request(2))
        drain(aws, make_sender(aws, client, clock), clock)
        stubber.assert_no_pending_responses()
    assert history(aws, "req-2")[0]["reason"] == "DESTINATION_PHONE_NUMBER_OPTED_OUT"


# -- faults: each ends with 0 lost, 0 duplicated ----------------------------------------------------------------


@pytest.mark.parametrize("code", ["ThrottlingException", "InternalServerException"])
def test_transient_errors_come_back_later_and_are_sent_once(aws: Aws, code: str) -> None:
    clock = FakeClock()
    sms = FakeSms(clock, faults=[code] * 5)  # a burst: the first five calls fail
    requests = [request(n) for n in range(8)]
    enqueue(aws, *requests)
    sender = make_sender(aws, sms, clock)
    visibility: list[int] = []
    original = aws.sqs.change_message_visibility

    def spy(**kwargs: Any) -> Any:
        visibility.append(kwargs["VisibilityTimeout"])
        return original(**kwargs)

    sender.sqs = type("Spy", (), {"change_message_visibility": staticmethod(spy)})()
    failures = drain(aws, sender, clock)
    assert len(failures[0]) == 5  # returned as batch item failures
    assert visibility == [10] * 5  # back-off 10 s (first receive, jitter centred)
    assert sorted(sms.sent_request_ids()) == sorted((f"req-{n}", "1") for n in range(8))
    assert_nothing_lost_or_duplicated(aws, sms, [r.request_id for r in requests])


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (("ConflictException", "DESTINATION_PHONE_NUMBER_OPTED_OUT"), "DESTINATION_PHONE_NUMBER_OPTED_OUT"),
        (("ValidationException", "PRICE_OVER_THRESHOLD"), "PRICE_OVER_THRESHOLD"),
        (
            ("ConflictException", "DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION"),
            "DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION",
        ),
    ],
)
def test_permanent_errors_are_recorded_rejections_never_retried(aws: Aws, fault: tuple[str, str], reason: str) -> None:
    clock = FakeClock()
    sms = FakeSms(clock, faults=[fault])
    enqueue(aws, request(1))
    failures = drain(aws, make_sender(aws, sms, clock), clock)
    assert failures == [[]]  # deleted, not retried
    assert sms.attempts == 1
    [rejection] = history(aws, "req-1")
    assert (rejection["status"], rejection["reason"], rejection["sk"]) == ("REJECTED", reason, "attempt#01")
    assert fault[0] in rejection["detail"]
    assert_nothing_lost_or_duplicated(aws, sms, ["req-1"])


def reason_metrics(output: str) -> list[tuple[str, str]]:
    """(metric, Reason) of each per-reason EMF record the handler printed."""
    found = []
    for line in output.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            record = json.loads(line)
            for definition in record["_aws"]["CloudWatchMetrics"]:
                if ["Reason", "service"] in [sorted(d) for d in definition["Dimensions"]]:
                    found += [(m["Name"], record["Reason"]) for m in definition["Metrics"]]
    return found


@pytest.mark.parametrize(
    ("code", "reason", "outcome"),
    [pytest.param(code, reason, outcome, id=f"{code}-{reason}") for code, reason, outcome, _ in send_errors.rows()],
)
def test_every_row_of_the_send_error_table(
    aws: Aws, capsys: pytest.CaptureFixture[str], code: str, reason: str, outcome: SendErrorOutcome
) -> None:
    """Each (code, Reason) the model defines, and each code's default (``*``: a reason the table does not know), does
    what docs/patterns/send-queue/reference.md says, through the real handler: REJECT records a rejection and deletes
    the record; HOLD hands it back with the long back-off and counts ``SendsHeld`` per reason; RETRY hands it back
    with the short back-off."""
    clock = FakeClock()
    service_reason = "A_REASON_OF_A_NEWER_MODEL" if reason == "*" else reason
    if outcome is SendErrorOutcome.BY_FIELD:  # the fault names no field: nothing shows the message is wrong
        outcome = SendErrorOutcome.HOLD
    sms = FakeSms(clock, faults=[(code, service_reason)])
    enqueue(aws, request(1))
    sender = make_sender(aws, sms, clock)
    backed_off: list[int] = []
    original = aws.sqs.change_message_visibility
    sender.sqs = type(
        "Spy",
        (),
        {
            "change_message_visibility": staticmethod(
                lambda **kw: (backed_off.append(kw["VisibilityTimeout"]), original(**kw))
            )
        },
    )()
    failures = drain(aws, sender, clock, rounds=1)
    outcomes = history(aws, "req-1")
    if outcome is SendErrorOutcome.REJECT:
        assert failures == [[]]
        assert [(h["status"], h["reason"]) for h in outcomes] == [("REJECTED", service_reason)]
        assert ("MessagesRejected", service_reason) in reason_metrics(capsys.readouterr().out)
    else:
        assert len(failures[0]) == 1
        assert outcomes == []  # nothing recorded: the request is still to be sent
        expected = BackOff.HELD_SECONDS if outcome is SendErrorOutcome.HOLD else BackOff.TRANSIENT_SECONDS
        assert backed_off == [expected]
        held = ("SendsHeld", service_reason) in reason_metrics(capsys.readouterr().out)
        assert held is (outcome is SendErrorOutcome.HOLD)


def test_the_table_covers_every_reason_of_the_installed_service_model() -> None:
    model = boto3.client("pinpoint-sms-voice-v2", region_name="us-east-1").meta.service_model
    modeled = {e.name for e in model.operation_model("SendTextMessage").error_shapes}
    assert set(send_errors.SEND_ERROR_RULES) == modeled
    for code, rule in send_errors.SEND_ERROR_RULES.items():
        reason_member = model.shape_for(code).members.get("Reason")
        reasons = set(reason_member.enum) if reason_member is not None else set()
        assert set(rule.reasons) == reasons, code


def test_spend_limit_holds_every_message_and_sends_each_once_after_never_a_rejection(
    aws: Aws, sqs_clock: FakeClock
) -> None:
    """The monthly spend limit is hit mid-campaign: nothing is rejected and nothing reaches the DLQ; every message
    waits (re-enqueued before its receives run out) and is sent once after the limit is raised."""
    clock = sqs_clock
    spend_limit = ("ServiceQuotaExceededException", "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT")
    sms = FakeSms(clock, faults=[spend_limit] * 10_000)
    enqueue(aws, *(request(n) for n in range(3)))
    sender = make_sender(aws, sms, clock)
    run_on_the_clock(aws, sender, clock, days=2)
    assert sms.sends == []
    assert all(history(aws, f"req-{n}") == [] for n in range(3))
    assert dlq_bodies(aws) == []
    assert queue_depth(aws) == 3
    sms.faults.clear()  # the limit is raised
    run_on_the_clock(aws, sender, clock, days=1)
    assert sorted(sms.sent_request_ids()) == [(f"req-{n}", "1") for n in range(3)]
    assert_nothing_lost_or_duplicated(aws, sms, [f"req-{n}" for n in range(3)])


@pytest.mark.parametrize(
    "fault",
    [
        ("ConflictException", "RESOURCE_NOT_ACTIVE"),
        ("ConflictException", "DESTINATION_PHONE_NUMBER_NOT_VERIFIED"),
        ("AccessDeniedException", "ACCOUNT_DISABLED"),
        ("ValidationException", "INVALID_PARAMETER", [{"Name": "OriginationIdentity", "Message": "malformed ARN"}]),
    ],
)
def test_an_account_identity_or_deployment_error_holds_the_message_past_max_receive_count(
    aws: Aws, sqs_clock: FakeClock, fault: tuple[Any, ...]
) -> None:
    """Held for longer than maxReceiveCount (10) receives could keep it: re-enqueued, never dead-lettered."""
    clock = sqs_clock
    sms = FakeSms(clock, faults=[fault] * 40)
    enqueue(aws, request(1))
    receives = run_on_the_clock(aws, make_sender(aws, sms, clock), clock, days=1)
    assert receives > 10  # more receives than maxReceiveCount, across re-enqueued copies
    assert history(aws, "req-1") == []
    assert dlq_bodies(aws) == []
    assert queue_depth(aws) == 1


# -- request deadlines ----------------------------------------------------------------------------------------------


def test_a_request_past_its_deadline_is_expired_never_sent(aws: Aws) -> None:
    clock = FakeClock()
    sms = FakeSms(clock)
    enqueue(aws, request(1, not_after=int(clock() * 1000) - 1))
    drain(aws, make_sender(aws, sms, clock), clock)
    assert sms.attempts == 0
    [outcome] = history(aws, "req-1")
    assert (outcome["status"], outcome["reason"], outcome["sk"]) == ("REJECTED", "EXPIRED", "attempt#01")
    assert_nothing_lost_or_duplicated(aws, sms, ["req-1"])


def test_time_to_live_is_capped_to_the_time_left(aws: Aws) -> None:
    clock = FakeClock()
    sms = FakeSms(clock)
    enqueue(aws, request(1, not_after=int(clock() * 1000) + 90_500), request(2, not_after=int(clock() * 1000) + 10**9))
    drain(aws, make_sender(aws, sms, clock), clock)
    ttl = {s.params["Context"]["smsRequestId"]: s.params["TimeToLive"] for s in sms.sends}
    assert ttl == {"req-1": 90, "req-2": 3600}  # the queue's 1 hour where the deadline is further away


def test_a_request_without_a_ttl_anywhere_still_gets_one_bounded_by_its_deadline(aws: Aws) -> None:
    clock = FakeClock()
    sms = FakeSms(clock)
    enqueue(aws, request(1, not_after=int(clock() * 1000) + 120_000))
    drain(aws, make_sender(aws, sms, clock, time_to_live_seconds=None), clock)
    # whole seconds left at the send: an idle schedule starts the slot a lead (5 ms) after the reservation
    assert sms.sends[0].params["TimeToLive"] == 119


def test_a_send_slot_after_the_deadline_expires_the_request_instead_of_sending_it_late(aws: Aws) -> None:
    """At 1 part/s ten requests valid 4.5 s: the slots of the later ones start too late to leave 5 s of TTL."""
    clock = FakeClock()
    sms = FakeSms(clock)
    not_after = int(clock() * 1000) + 9_500
    enqueue(aws, *(request(n, not_after=not_after) for n in range(10)))
    drain(aws, make_sender(aws, sms, clock, max_parts_per_second=1), clock)
    sent = {s.params["Context"]["smsRequestId"] for s in sms.sends}
    expired = {f"req-{n}" for n in range(10) if history(aws, f"req-{n}")[0]["status"] == "REJECTED"}
    assert sent
    assert expired
    assert sent.isdisjoint(expired)
    assert sent | expired == {f"req-{n}" for n in range(10)}
    assert all(s.at * 1000 <= not_after - 5000 for s in sms.sends)  # every send left the 5 s minimum TTL
    assert all(history(aws, r)[0]["reason"] == "EXPIRED" for r in expired)


def test_a_version_1_message_is_still_read(aws: Aws) -> None:
    clock = FakeClock()
    sms = FakeSms(clock)
    body = {"version": 1, "requestId": "v1", "destinationPhoneNumber": "+14255550100", "messageBody": "Hello"}
    enqueue(aws, json.dumps(body))
    drain(aws, make_sender(aws, sms, clock), clock)
    assert sms.sent_request_ids() == [("v1", "1")]


def test_not_after_in_a_version_1_message_is_refused(aws: Aws) -> None:
    clock = FakeClock()
    sms = FakeSms(clock)
    body = {
        "version": 1,
        "requestId": "v1",
        "destinationPhoneNumber": "+14255550100",
        "messageBody": "Hi",
        "notAfter": 1,
    }
    enqueue(aws, json.dumps(body))
    drain(aws, make_sender(aws, sms, clock), clock)
    [outcome] = history(aws, "v1")
    assert (outcome["reason"], "notAfter" in outcome["detail"]) == ("INVALID_FIELD", True)


def test_opted_out_number_is_rejected_and_other_numbers_still_sent(aws: Aws) -> None:
    clock = FakeClock()
    sms = FakeSms(clock, opted_out={"+14255550002"})
    enqueue(aws, request(1), request(2), request(3))
    drain(aws, make_sender(aws, sms, clock), clock)
    assert sorted(sms.sent_request_ids()) == [("req-1", "1"), ("req-3", "1")]
    assert history(aws, "req-2")[0]["reason"] == "DESTINATION_PHONE_NUMBER_OPTED_OUT"
    assert_nothing_lost_or_duplicated(aws, sms, ["req-1", "req-2", "req-3"])


@pytest.mark.parametrize(
    ("body", "reason", "request_id"),
    [
        ("not json", "MALFORMED_MESSAGE", None),
        ('{"version": 4, "requestId": "req-9"}', "UNSUPPORTED_VERSION", "req-9"),
        (
            '{"version": 1, "requestId": "req-8", "destinationPhoneNumber": "4255550100", "messageBody": "hi"}',
            "INVALID_FIELD",
            "req-8",
        ),
        (
            json.dumps(
                {"version": 1, "requestId": "req-7", "destinationPhoneNumber": "+14255550100", "messageBody": "€" * 800}
            ),
            "MESSAGE_TOO_LONG",
            "req-7",
        ),
    ],
)
def test_poison_and_malformed_messages_are_recorded_rejections(
    aws: Aws, body: str, reason: str, request_id: str | None
) -> None:
    clock = FakeClock()
    sms = FakeSms(clock)
    enqueue(aws, body, request(1))
    failures = drain(aws, make_sender(aws, sms, clock), clock)
    assert failures == [[]]
    assert sms.sent_request_ids() == [("req-1", "1")]
    if request_id is None:
        [message] = aws.dynamodb.scan(
            TableName=TABLE,
            FilterExpression="begins_with(pk, :p)",
            ExpressionAttributeValues={":p": {"S": "request#sqs:"}},
        )["Items"]
        assert message["reason"] == {"S": reason}
    else:
        assert history(aws, request_id)[0]["reason"] == reason


def test_duplicate_sqs_delivery_never_sends_twice(aws: Aws) -> None:
    clock = FakeClock()
    sms = FakeSms(clock)
    enqueue(aws, request(1), request(1), request(2))  # the producer sent req-1 twice
    sender = make_sender(aws, sms, clock)
    drain(aws, sender, clock)
    assert sorted(sms.sent_request_ids()) == [("req-1", "1"), ("req-2", "1")]
    assert_nothing_lost_or_duplicated(aws, sms, ["req-1", "req-2"])


def test_redelivery_after_a_crash_mid_batch_sends_only_what_was_not_sent(aws: Aws) -> None:
    """The invocation dies after two sends (timeout, out of memory): the whole batch comes back."""
    clock = FakeClock()
    sms = FakeSms(clock)
    enqueue(aws, *(request(n) for n in range(5)))
    sender = make_sender(aws, sms, clock)
    esm = EventSourceMapping(aws.sqs, aws.queue_url, aws.queue_arn)
    records = esm.receive()
    original = sender.process
    calls = {"n": 0}

    def crash_after_two(record: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise SystemExit("the runtime was killed")  # not an Exception: nothing is reported, nothing deleted
        return original(record)

    sender.process = crash_after_two  # type: ignore[method-assign]
    sender.processor = type(sender.processor)(
        event_type=sender.processor.event_type, raise_on_entire_batch_failure=False
    )
    with pytest.raises(SystemExit):
        sender.handle({"Records": records}, LambdaContext(clock, 300))
    assert len(sms.sends) == 2
    for record in records:  # the visibility timeout passes; everything is redelivered
        aws.sqs.change_message_visibility(
            QueueUrl=aws.queue_url, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=0
        )
    clock.advance(400)  # later than the crashed invocation's deadline, so its in-progress records have expired
    sender.process = original  # type: ignore[method-assign]
    drain(aws, sender, clock)
    assert sorted(sms.sent_request_ids()) == sorted((f"req-{n}", "1") for n in range(5))
    assert_nothing_lost_or_duplicated(aws, sms, [f"req-{n}" for n in range(5)])


def test_records_past_the_deadline_are_handed_back_unsent_then_sent_once(aws: Aws) -> None:
    """Timeout mid-batch: at 1 part/s a 10-record batch needs ~10 s, the invocation has 5 s beyond its margin."""
    clock = FakeClock()
    sms = FakeSms(clock)
    enqueue(aws, *(request(n) for n in range(10)))
    sender = make_sender(aws, sms, clock, max_parts_per_second=1)
    failures = drain(aws, sender, clock, timeout=SENDER_DEADLINE_MARGIN_SECONDS + 5)
    assert len(failures[0]) > 0  # some records deferred in the first invocation
    assert len(failures[0]) < 10
    assert sorted(sms.sent_request_ids()) == sorted((f"req-{n}", "1") for n in range(10))
    assert_nothing_lost_or_duplicated(aws, sms, [f"req-{n}" for n in range(10)])


def test_same_request_id_with_another_body_is_a_rejection_not_a_send(aws: Aws) -> None:
    clock = FakeClock()
    sms = FakeSms(clock)
    enqueue(aws, request(1), request(1, body="A different body"))
    drain(aws, make_sender(aws, sms, clock), clock)
    assert sms.sent_request_ids() == [("req-1", "1")]
    outcomes = {h["sk"]: h for h in history(aws, "req-1")}
    assert outcomes["attempt#01"]["status"] == "SENT"
    [conflict] = [h for sk, h in outcomes.items() if sk.startswith("conflict#")]
    assert conflict["reason"] == "IDEMPOTENCY_KEY_REUSED"


def test_retry_attempt_is_a_new_send_of_the_same_request(aws: Aws) -> None:
    clock = FakeClock()
    sms = FakeSms(clock)
    first = request(1)
    enqueue(aws, first, first.next_attempt(first_attempt_at=1_767_225_600_000))
    drain(aws, make_sender(aws, sms, clock), clock)
    assert sorted(sms.sent_request_ids()) == [("req-1", "1"), ("req-1", "2")]


# -- number validation -------------------------------------------------------------------------------------------


def test_validate_numbers_rejects_landlines_and_caches_lookups(aws: Aws) -> None:
    clock = FakeClock()
    sms = FakeSms(clock, number_types={"+14255550002": "LANDLINE", "+14255550003": "INVALID"})
    enqueue(aws, request(1), request(2), request(3))
    drain(aws, make_sender(aws, sms, clock, validate_numbers=True), clock)
    enqueue(aws, SendRequest(request_id="req-4", destination_phone_number="+14255550001", message_body="again"))
    drain(aws, make_sender(aws, sms, clock, validate_numbers=True), clock)
    assert sorted(sms.sent_request_ids()) == [("req-1", "1"), ("req-4", "1")]
    assert history(aws, "req-2")[0]["reason"] == "LANDLINE_NUMBER"
    assert history(aws, "req-3")[0]["reason"] == "INVALID_NUMBER"
    assert sorted(sms.lookups) == ["+14255550001", "+14255550002", "+14255550003"]  # req-4 used the cache


def test_numbers_are_not_looked_up_by_default(aws: Aws) -> None:
    clock = FakeClock()
    sms = FakeSms(clock)
    enqueue(aws, request(1))
    drain(aws, make_sender(aws, sms, clock), clock)
    assert sms.lookups == []


# -- pacing ------------------------------------------------------------------------------------------------------


def test_sends_are_paced_by_message_parts(aws: Aws) -> None:
    clock = FakeClock()
    sms = FakeSms(clock)
    long_body = "x" * 200  # 2 GSM-7 parts
    enqueue(aws, *(request(n) for n in range(4)), *(request(n, body=long_body) for n in range(4, 8)))
    start = clock()
    drain(aws, make_sender(aws, sms, clock, max_parts_per_second=2), clock)
    starts = [s.at - start for s in sorted(sms.sends, key=lambda s: s.at)]
    parts = {f"req-{n}": 1 if n < 4 else 2 for n in range(8)}
    ordered = sorted(sms.sends, key=lambda s: s.at)
    for previous, current in itertools.pairwise(ordered):
        needed = parts[previous.params["Context"]["smsRequestId"]] / 2
        assert current.at - previous.at >= needed - 1e-6
    # no slower than the MPS either: r / (1 + δ), after the idle schedule's lead
    assert starts[-1] <= (4 * 1 + 3 * 2) / 2 * (1 + DEFAULT_RELEASE_TOLERANCE_SECONDS) + MIN_LEAD_SECONDS + 1e-6


def test_settings_read_the_environment_the_construct_sets() -> None:
    """The sender reads back exactly what ``SmsSendQueue`` (3 MPS, the documented defaults) put in its environment."""
    settings = SenderSettings.from_environment(sender_environment())
    assert settings == SenderSettings(
        table_name=TABLE,
        queue_url="https://sqs.us-east-1.amazonaws.com/111122223333/send",
        origination_identity=IDENTITY,
        configuration_set_name=CONFIG_SET,
        max_parts_per_second=3.0,
        retention_seconds=14 * 86400,
        service_name=synthesize_default()[2].service_name,
        metrics_namespace="SmsConstructs",
        message_type="TRANSACTIONAL",
        time_to_live_seconds=72 * 3600,
        max_price="0.50",
        validate_numbers=False,
        number_cache_ttl_seconds=30 * 86400,
    )


# -- production fault paths: no silent resend, no loss ---------------------------------------------------------

IDEMPOTENCY_PK = "idempotency#sms-send"


class FaultyDynamoDB:
    """Forwards to moto's DynamoDB; ``fail(operation, pk_prefix, error, times)`` makes matching calls raise."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.exceptions = client.exceptions
        self._faults: list[tuple[str, str, BaseException, list[int]]] = []

    def fail(self, operation: str, pk_prefix: str, error: BaseException, times: int = 1) -> None:
        self._faults.append((operation, pk_prefix, error, [times]))

    def _call(self, operation: str, **kwargs: Any) -> Any:
        pk = (kwargs.get("Item") or kwargs.get("Key") or {}).get("pk", {}).get("S", "")
        for name, prefix, error, left in self._faults:
            if name == operation and pk.startswith(prefix) and left[0] > 0:
                left[0] -= 1
                raise error
        return getattr(self._client, operation)(**kwargs)

    def __getattr__(self, operation: str) -> Any:
        return lambda **kwargs: self._call(operation, **kwargs)


def throughput_exceeded(operation: str) -> Exception:
    return ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, operation)


def age_in_progress_records(aws: Aws) -> None:
    """The queue's visibility timeout (6 × the function timeout) passes, so every in-progress idempotency record of a
    dead invocation is past its ``in_progress_expiration`` (Powertools compares it with the real clock)."""
    items = aws.dynamodb.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": IDEMPOTENCY_PK}},
    )["Items"]
    for item in items:
        if item.get("status", {}).get("S") == "INPROGRESS":
            aws.dynamodb.update_item(
                TableName=TABLE,
                Key={"pk": item["pk"], "sk": item["sk"]},
                UpdateExpression="SET in_progress_expiration = :past",
                ExpressionAttributeValues={":past": {"N": "1"}},
            )


def sender_on(aws: Aws, sms: Any, clock: FakeClock, dynamodb: Any) -> Sender:
    config = make_sender(aws, sms, clock).config
    return Sender(config, sms=sms, sqs=aws.sqs, dynamodb=dynamodb, clock=clock, sleep=clock.sleep, jitter=lambda: 0.5)


def test_a_kill_during_the_store_write_after_a_send_does_not_send_again(aws: Aws) -> None:
    """The SMS is accepted; the invocation dies while writing the message store (timeout in a DynamoDB brown-out).
    The idempotency record must already say COMPLETED, or the redelivered message is sent a second time."""
    clock = FakeClock()
    sms = FakeSms(clock)
    dynamodb = FaultyDynamoDB(aws.dynamodb)
    dynamodb.fail("put_item", "message#", SystemExit("killed at the deadline"))
    enqueue(aws, request(1))
    sender = sender_on(aws, sms, clock, dynamodb)
    esm = EventSourceMapping(aws.sqs, aws.queue_url, aws.queue_arn)
    records = esm.receive()
    with pytest.raises(SystemExit):
        sender.handle({"Records": records}, LambdaContext(clock, 300))
    assert len(sms.sends) == 1
    for record in records:  # nothing was deleted: the visibility timeout passes and the message comes back
        aws.sqs.change_message_visibility(
            QueueUrl=aws.queue_url, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=0
        )
    age_in_progress_records(aws)
    drain(aws, sender, clock)
    assert sms.sent_request_ids() == [("req-1", "1")]
    assert_nothing_lost_or_duplicated(aws, sms, ["req-1"])


@pytest.mark.parametrize("failures", [1, 2])
def test_a_failed_idempotency_save_after_a_send_never_resends(aws: Aws, failures: int) -> None:
    """Powertools raises IdempotencyPersistenceLayerError when it cannot mark the record COMPLETED after the send.
    Failing the record would bring it back — and send it again once the in-progress record expires."""
    clock = FakeClock()
    sms = FakeSms(clock)
    dynamodb = FaultyDynamoDB(aws.dynamodb)
    dynamodb.fail("update_item", IDEMPOTENCY_PK, throughput_exceeded("UpdateItem"), times=failures)
    enqueue(aws, request(1))
    sender = sender_on(aws, sms, clock, dynamodb)
    failures_per_round = drain(aws, sender, clock)
    assert failures_per_round == [[]]  # the record succeeded and was deleted: this delivery never comes back
    assert sms.sent_request_ids() == [("req-1", "1")]
    assert [h["status"] for h in history(aws, "req-1")] == ["SENT"]  # the store is written all the same
    assert_nothing_lost_or_duplicated(aws, sms, ["req-1"])
    if failures == 1:  # the save was tried again and landed: a later copy of the request is suppressed too
        age_in_progress_records(aws)
        enqueue(aws, request(1))
        drain(aws, sender, clock)
        assert sms.sent_request_ids() == [("req-1", "1")]


def test_the_sms_client_never_resends_by_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's standard retry mode retries HTTP 5xx, read timeouts and dropped connections, which can follow an
    accepted SendTextMessage (there is no idempotency token): the sender's SMS client must make one attempt per call
    and leave retries to the queue."""
    calls: list[str] = []

    class Failing(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            calls.append(self.headers.get("X-Amz-Target", ""))
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = b'{"__type":"InternalServerException","Message":"boom"}'
            self.send_response(500)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", f"http://127.0.0.1:{server.server_port}")
        for name, value in sender_environment().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr(handler, "_SENDER", None)
        sms = handler._sender().sms
        with pytest.raises(ClientError, match="InternalServerException"):
            sms.send_text_message(DestinationPhoneNumber="+14255550100", MessageBody="hi")
    finally:
        server.shutdown()
        server.server_close()
    assert calls == ["PinpointSMSVoiceV2.SendTextMessage"]


def _worst_case_seconds(config: Any) -> float:
    """The longest one botocore call can take with ``config``: every attempt timing out, plus standard back-off."""
    attempts = int(config.retries.get("total_max_attempts", 1 + config.retries.get("max_attempts", 2)))
    back_off = sum(min(20, 2 ** (n - 1)) for n in range(1, attempts))
    return float(attempts * (config.connect_timeout + config.read_timeout) + back_off)


def test_deadline_margin_covers_a_send_and_the_idempotency_save(monkeypatch: pytest.MonkeyPatch) -> None:
    """A record is only started when its send and the COMPLETED write fit before the invocation is killed; a kill
    between them would send the message again on redelivery."""
    for name, value in sender_environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(handler, "_SENDER", None)
    sender = handler._sender()
    needed = _worst_case_seconds(sender.sms.meta.config) + _worst_case_seconds(sender.store._client.meta.config)
    assert needed <= SENDER_DEADLINE_MARGIN_SECONDS
    assert needed == SMS_CLIENT.worst_case_seconds + DYNAMODB_CLIENT.worst_case_seconds  # the settings' own sum
    for mps, concurrency, batch in [(1, 2, 10), (3, 2, 10), (100, 50, 10)]:  # the construct leaves room for it
        pacing = 1.2 * batch * 10 * concurrency / mps
        assert sender_timeout(mps, concurrency, batch).to_seconds() - pacing >= SENDER_DEADLINE_MARGIN_SECONDS


@pytest.mark.parametrize(
    ("error", "sent"),
    [
        # A gateway error without a modeled code: transient, the message is sent later.
        (
            {"Error": {"Code": "502", "Message": "Bad Gateway"}, "ResponseMetadata": {"HTTPStatusCode": 502}},
            True,
        ),
        # Credentials or signing problems: a deployment problem, never the message's fault -> held, sent once fixed.
        (
            {
                "Error": {"Code": "ExpiredTokenException", "Message": "expired"},
                "ResponseMetadata": {"HTTPStatusCode": 400},
            },
            False,
        ),
    ],
)
def test_unmodeled_errors_are_never_recorded_as_rejections(
    aws: Aws, sqs_clock: FakeClock, error: dict[str, Any], sent: bool
) -> None:
    clock = sqs_clock
    sms = FakeSms(clock, faults=[ClientError(error, "SendTextMessage")] * (1 if sent else 20))  # type: ignore[arg-type]
    enqueue(aws, request(1))
    run_on_the_clock(aws, make_sender(aws, sms, clock), clock, days=2)
    assert "REJECTED" not in {h["status"] for h in history(aws, "req-1")}
    assert sms.sent_request_ids() == [("req-1", "1")]  # once the 20 faults are over, when held
    assert sms.attempts == (2 if sent else 21)
    assert_nothing_lost_or_duplicated(aws, sms, ["req-1"])


@pytest.mark.parametrize("kind", ["connect", "read"])
def test_network_errors_come_back_and_are_sent_once(aws: Aws, kind: str) -> None:
    url = "https://sms-voice.us-east-1.amazonaws.com/"
    error = EndpointConnectionError(endpoint_url=url) if kind == "connect" else ReadTimeoutError(endpoint_url=url)
    clock = FakeClock()
    sms = FakeSms(clock, faults=[error])
    enqueue(aws, request(1))
    failures = drain(aws, make_sender(aws, sms, clock), clock)
    assert len(failures[0]) == 1
    assert (sms.attempts, sms.sent_request_ids()) == (2, [("req-1", "1")])
    assert_nothing_lost_or_duplicated(aws, sms, ["req-1"])


def test_a_malformed_copy_never_overwrites_the_record_of_a_send(aws: Aws) -> None:
    clock = FakeClock()
    sms = FakeSms(clock)
    enqueue(aws, request(1))
    sender = make_sender(aws, sms, clock)
    drain(aws, sender, clock)
    enqueue(aws, json.dumps({"version": 1, "requestId": "req-1", "destinationPhoneNumber": "+1", "messageBody": "x"}))
    drain(aws, sender, clock)
    outcomes = {h["sk"]: h for h in history(aws, "req-1")}
    assert outcomes["attempt#01"]["status"] == "SENT"
    [rejection] = [h for sk, h in outcomes.items() if sk != "attempt#01"]
    assert (rejection["status"], rejection["reason"]) == ("REJECTED", "INVALID_FIELD")


def test_every_item_expires_through_the_tables_ttl_attribute_in_epoch_seconds(aws: Aws) -> None:
    """The table's TTL attribute is ``expiration`` (seconds): an item without it, or in milliseconds, lives forever."""
    clock = FakeClock()
    sms = FakeSms(clock)
    enqueue(aws, request(1), "not json")
    drain(aws, make_sender(aws, sms, clock, validate_numbers=True), clock)
    items = aws.dynamodb.scan(TableName=TABLE)["Items"]
    kinds = {item["pk"]["S"].split("#")[0] for item in items}
    assert kinds == {"idempotency", "message", "request", "number", "pacer"}
    retention = 14 * 86400
    for item in items:
        if item["pk"]["S"].startswith("pacer#"):  # one item per identity, rewritten on every send
            continue
        expiration = int(item["expiration"]["N"])
        base = time.time() if item["pk"]["S"] == IDEMPOTENCY_PK else clock()  # Powertools reads the real clock
        assert base < expiration <= base + 30 * 86400 + 60, item
    [idempotency] = [i for i in items if i["pk"]["S"] == IDEMPOTENCY_PK]
    assert int(idempotency["expiration"]["N"]) == pytest.approx(time.time() + retention, abs=60)


def test_a_message_that_keeps_failing_reaches_the_dlq_after_the_documented_time(aws: Aws) -> None:
    """The docs promise ~50 minutes for transient failures with maxReceiveCount 10."""
    sender = make_sender(aws, FakeSms(FakeClock()), FakeClock())  # jitter centred
    waited = sum(sender._delay(BackOff.TRANSIENT_SECONDS, receive) for receive in range(1, 10))
    assert round(waited / 60) == 51


def test_the_held_back_off_doubles_from_a_minute_to_an_hour(aws: Aws) -> None:
    sender = make_sender(aws, FakeSms(FakeClock()), FakeClock())  # jitter centred
    delays = [sender._delay(BackOff.HELD_SECONDS, n, cap=BackOff.HELD_MAX_SECONDS) for n in range(1, 9)]
    assert delays == [60, 120, 240, 480, 960, 1920, 3600, 3600]


# -- held messages outlive SQS retention -------------------------------------------------------------------------

SPEND_LIMIT = ("ServiceQuotaExceededException", "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT")
DAY_MS = 86_400_000


def spy_on_send_message(aws: Aws, sender: Sender) -> list[dict[str, Any]]:
    """The ``SendMessage`` calls the sender makes (its re-enqueued copies), still made against moto."""
    sent: list[dict[str, Any]] = []
    real = aws.sqs

    class Spy:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def send_message(self, **params: Any) -> Any:
            sent.append(params)
            return real.send_message(**params)

    sender.sqs = Spy()
    return sent


def test_a_message_held_for_35_days_is_sent_exactly_once_and_a_deadline_passed_while_held_is_rejected(
    aws: Aws, sqs_clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """The spend limit is reached on day 0 and raised on day 35 — far past the queue's 4-day retention (moto drops a
    message past it) and its 10 receives. A request without a deadline and one due on day 40 are each sent once after
    the limit is raised; one due on day 10 is rejected EXPIRED on day 10 and never sent."""
    clock = sqs_clock
    start_ms = int(clock() * 1000)
    sms = FakeSms(clock, faults=[SPEND_LIMIT] * 100_000)
    no_deadline, due_day_10, due_day_40 = (
        request(1),
        request(2, not_after=start_ms + 10 * DAY_MS),
        request(3, not_after=start_ms + 40 * DAY_MS),
    )
    enqueue(aws, no_deadline, due_day_10, due_day_40)
    sender = make_sender(aws, sms, clock)
    received = run_on_the_clock(aws, sender, clock, days=35)
    assert sms.sends == []
    # the circuit breaker: one probe per interval at most, and fewer calls than receives (each came back hourly)
    assert 35 * 20 < sms.attempts <= min(received, 35 * 86_400 / 60 + 1)
    [expired] = history(aws, "req-2")
    assert (expired["status"], expired["reason"]) == ("REJECTED", "EXPIRED")
    assert start_ms + 10 * DAY_MS <= int(expired["at"]) <= start_ms + 10 * DAY_MS + 60_000
    assert history(aws, "req-1") == history(aws, "req-3") == []
    assert dlq_bodies(aws) == []
    assert queue_depth(aws) == 2
    reenqueued = [r for m, r in reason_metrics(capsys.readouterr().out) if m == "HeldSendsReenqueued"]
    assert len(reenqueued) >= 2 * 8
    assert set(reenqueued) == {SPEND_LIMIT[1]}

    sms.faults.clear()  # the limit is raised
    run_on_the_clock(aws, sender, clock, days=1)
    assert sorted(sms.sent_request_ids()) == [("req-1", "1"), ("req-3", "1")]
    assert sms.sends[-1].at - 35 * 86_400 - start_ms / 1000 <= BackOff.HELD_MAX_SECONDS * 1.2  # within the back-off
    assert [h["status"] for h in history(aws, "req-1")] == ["SENT"]
    assert_nothing_lost_or_duplicated(aws, sms, ["req-1", "req-2", "req-3"])


def test_without_re_enqueueing_the_held_message_would_have_expired(aws: Aws, sqs_clock: FakeClock) -> None:
    """The test above can fail: told that the queue keeps messages for ever and never dead-letters them, the sender
    never re-enqueues, and SQS (moto) moves the held message to the DLQ after 10 receives and expires it: when the
    limit is raised it is not sent."""
    clock = sqs_clock
    sms = FakeSms(clock, faults=[SPEND_LIMIT] * 100_000)
    enqueue(aws, request(1))
    sender = make_sender(aws, sms, clock, max_receive_count=1_000_000, queue_retention_seconds=10**9)
    run_on_the_clock(aws, sender, clock, days=6)
    sms.faults.clear()
    run_on_the_clock(aws, sender, clock, days=1)
    assert sms.sends == []  # dead-lettered, then expired by SQS: not sent when the hold lifted
    assert history(aws, "req-1") == []


def test_a_crash_after_re_enqueueing_leaves_two_copies_and_still_one_send(aws: Aws, sqs_clock: FakeClock) -> None:
    """The invocation dies after the new copy is on the queue and before the old one is deleted: both copies come
    back; once the hold lifts, the idempotency records let only one be sent."""
    clock = sqs_clock
    sms = FakeSms(clock, faults=[SPEND_LIMIT] * 100_000)
    enqueue(aws, request(1))
    sender = make_sender(aws, sms, clock)
    copies = spy_on_send_message(aws, sender)
    esm = ClockedEventSourceMapping(aws.sqs, aws.queue_url, aws.queue_arn)
    while not copies:
        records = esm.receive()
        if not records:
            next_ms = _next_visible_ms(aws.queue_url)
            assert next_ms is not None
            clock.now = max(clock() + 0.001, next_ms / 1000 + 0.001)
            continue
        response = sender.handle({"Records": records}, LambdaContext(clock, 60))
        if not copies:  # once re-enqueued, the invocation is killed before the ESM deletes the old copy
            esm.settle(records, response)
    assert len(copies) == 1
    assert len(moto_sqs.sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].queues["send"]._messages) == 2
    run_on_the_clock(aws, sender, clock, days=1)
    sms.faults.clear()
    run_on_the_clock(aws, sender, clock, days=1)
    assert sms.sent_request_ids() == [("req-1", "1")]
    assert_nothing_lost_or_duplicated(aws, sms, ["req-1"])  # both copies consumed, one send


def test_a_re_enqueued_copy_carries_the_body_and_when_it_was_first_queued_and_held(
    aws: Aws, sqs_clock: FakeClock
) -> None:
    clock = sqs_clock
    first_ms = int(clock() * 1000)
    sms = FakeSms(clock, faults=[SPEND_LIMIT] * 100_000)
    original = request(1, not_after=first_ms + 30 * DAY_MS)
    enqueue(aws, original)
    sender = make_sender(aws, sms, clock)
    sent = spy_on_send_message(aws, sender)
    run_on_the_clock(aws, sender, clock, days=9)
    assert len(sent) >= 2
    for copy in sent:
        assert copy["MessageBody"] == original.to_json()
        assert 0 < copy["DelaySeconds"] <= 900
        attributes = {k: int(v["StringValue"]) for k, v in copy["MessageAttributes"].items()}
        assert attributes["smsFirstEnqueuedAt"] == first_ms  # the original enqueue time, across copies
        assert first_ms <= attributes["smsHeldSince"] <= first_ms + 1000
        assert attributes["smsPriorReceives"] >= 9
    assert [int(c["MessageAttributes"]["smsPriorReceives"]["StringValue"]) for c in sent] == sorted(
        int(c["MessageAttributes"]["smsPriorReceives"]["StringValue"]) for c in sent
    )


# -- ValidationException: reject only what the message caused ----------------------------------------------------


def stubbed_validation_error(fields: list[dict[str, str]], reason: str = "INVALID_PARAMETER") -> Any:
    """A real client whose SendTextMessage fails once with a ValidationException shaped as botocore parses it."""
    client = boto3.client("pinpoint-sms-voice-v2", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_client_error(
        "send_text_message",
        service_error_code="ValidationException",
        service_message="1 validation error detected",
        http_status_code=400,
        modeled_fields={"Message": "1 validation error detected", "Reason": reason, "Fields": fields},
    )
    stubber.add_response("send_text_message", {"MessageId": "m-after-fix"})
    stubber.activate()
    return client


def test_a_validation_error_naming_the_body_is_a_rejection_with_the_fields_recorded(aws: Aws) -> None:
    clock = FakeClock()
    client = stubbed_validation_error([{"Name": "MessageBody", "Message": "must not contain a link"}])
    enqueue(aws, request(1))
    failures = drain(aws, make_sender(aws, client, clock), clock)
    assert failures == [[]]
    [rejection] = history(aws, "req-1")
    assert (rejection["status"], rejection["reason"]) == ("REJECTED", "INVALID_PARAMETER")
    assert "Fields: MessageBody" in rejection["detail"]


@pytest.mark.parametrize("field", ["DestinationPhoneNumber", "Context"])
def test_a_validation_error_naming_the_destination_or_context_is_a_rejection(aws: Aws, field: str) -> None:
    clock = FakeClock()
    sms = FakeSms(clock, faults=[("ValidationException", "FIELD_VALIDATION_FAILED", [{"Name": field, "Message": "x"}])])
    enqueue(aws, request(1))
    drain(aws, make_sender(aws, sms, clock), clock)
    assert [(h["status"], h["reason"]) for h in history(aws, "req-1")] == [("REJECTED", "FIELD_VALIDATION_FAILED")]
    assert sms.sends == []


def test_a_validation_error_naming_the_identity_holds_then_sends(aws: Aws) -> None:
    """A malformed identity ARN is the deployment's: every queued message would get it; none is rejected."""
    clock = FakeClock()
    client = stubbed_validation_error([{"Name": "OriginationIdentity", "Message": "not a valid ARN"}])
    enqueue(aws, request(1))
    failures = drain(aws, make_sender(aws, client, clock, **PROBE_EVERY_RECEIVE), clock)
    assert len(failures[0]) == 1
    assert failures[1:] == [[]]
    assert [h["status"] for h in history(aws, "req-1")] == ["SENT"]


def test_a_validation_error_without_fields_holds(aws: Aws) -> None:
    clock = FakeClock()
    client = stubbed_validation_error([], reason="OTHER")
    enqueue(aws, request(1))
    drain(aws, make_sender(aws, client, clock, **PROBE_EVERY_RECEIVE), clock)
    assert [h["status"] for h in history(aws, "req-1")] == ["SENT"]


@pytest.mark.parametrize(
    ("field", "request_sets"),
    [
        ("TimeToLive", {"time_to_live_seconds": 600}),
        ("MaxPrice", {"max_price": "0.01"}),
        ("MessageType", {"message_type": "PROMOTIONAL"}),
    ],
)
def test_ttl_max_price_or_message_type_reject_only_when_the_request_set_them(
    aws: Aws, field: str, request_sets: dict[str, Any]
) -> None:
    clock = FakeClock()
    fault = ("ValidationException", "INVALID_PARAMETER", [{"Name": field, "Message": "out of range"}])
    sms = FakeSms(clock, faults=[fault, fault])
    enqueue(aws, request(1, **request_sets), request(2))  # request 2 takes the queue's default
    drain(aws, make_sender(aws, sms, clock, **PROBE_EVERY_RECEIVE), clock)
    assert [(h["status"], h["reason"]) for h in history(aws, "req-1")] == [("REJECTED", "INVALID_PARAMETER")]
    assert [h["status"] for h in history(aws, "req-2")] == ["SENT"]  # held once, then sent
    assert sms.sent_request_ids() == [("req-2", "1")]


def test_an_unknown_validation_reason_holds_even_naming_the_body(aws: Aws) -> None:
    clock = FakeClock()
    error = ClientError(
        {
            "Error": {"Code": "ValidationException", "Message": "a new rule"},
            "Reason": "A_REASON_OF_A_NEWER_MODEL",
            "Fields": [{"Name": "MessageBody", "Message": "a new rule"}],
            "ResponseMetadata": {"HTTPStatusCode": 400},
        },
        "SendTextMessage",
    )
    sms = FakeSms(clock, faults=[error])
    enqueue(aws, request(1))
    drain(aws, make_sender(aws, sms, clock, **PROBE_EVERY_RECEIVE), clock)
    assert [h["status"] for h in history(aws, "req-1")] == ["SENT"]


# -- contract edges: a record the sender cannot decode or validate is a recorded rejection, never a raise -----------


def _nested_body(request_id: str, depth: int) -> str:
    """A message whose body nests ``depth`` levels (written by hand: ``json.dumps`` itself would recurse)."""
    head = json.dumps({"version": 1, "requestId": request_id, "destinationPhoneNumber": "+14255550100"})[:-1]
    return f'{head},"messageBody":{"[" * depth}"x"{"]" * depth}}}'


def _rejections(aws: Aws, request_id: str, message_id: str) -> list[dict[str, Any]]:
    """What the store recorded for a record: under its request id, or its SQS message id when none can be read."""
    return [h for key in (request_id, f"sqs:{message_id}") for h in history(aws, key) if h["status"] == "REJECTED"]


def test_deep_nesting_and_refused_characters_are_rejected_malformed_not_raised(aws: Aws) -> None:
    """A body nested 100 000 deep once raised RecursionError (until the DLQ); an escaped lone surrogate was sent and
    then broke the store write. Both are rejections ``MALFORMED_MESSAGE`` now, and the batch goes on."""
    clock = FakeClock()
    sms = FakeSms(clock)
    surrogate = {"version": 1, "requestId": "req-8", "destinationPhoneNumber": "+14255550100", "messageBody": "\ud800"}
    enqueue(aws, _nested_body("req-9", 100_000), json.dumps(surrogate), request(1))
    failures = drain(aws, make_sender(aws, sms, clock), clock)
    assert failures == [[]]
    assert sms.sent_request_ids() == [("req-1", "1")]
    [deep] = aws.dynamodb.scan(
        TableName=TABLE, FilterExpression="begins_with(pk, :p)", ExpressionAttributeValues={":p": {"S": "request#sqs:"}}
    )["Items"]
    assert (deep["reason"]["S"], "nested deeper than 32" in deep["detail"]["S"]) == ("MALFORMED_MESSAGE", True)
    [outcome] = history(aws, "req-8")
    assert (outcome["reason"], outcome["detail"]) == (
        "MALFORMED_MESSAGE",
        "messageBody: the value holds U+D800 (a lone surrogate) at position 0; SQS carries only tab, line feed, "
        "carriage return, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF",
    )
    assert dlq_bodies(aws) == []


_EDGE_IDS = itertools.count()
_EDGE_SENDER: dict[str, Any] = {}
_FORBIDDEN = st.one_of(
    st.integers(min_value=0xD800, max_value=0xDFFF).map(chr),
    st.sampled_from(["\ufffe", "\uffff"]),
    st.integers(min_value=0, max_value=0x1F).filter(lambda c: c not in (9, 10, 13)).map(chr),
)
_WRONG_TYPES = st.one_of(
    st.integers(),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(alphabet="abc", max_size=2), st.none()),
)


@st.composite
def _bad_records(draw: st.DrawFn) -> tuple[str, str, str]:
    """(body, request id, expected reason) of a record that breaks the contract at one of its edges; the test makes
    the request id ``edge-ID`` unique."""
    request_id = "edge-ID"
    message: dict[str, Any] = {
        "version": 1,
        "requestId": request_id,
        "destinationPhoneNumber": "+14255550100",
        "messageBody": "Your code is 123456",
    }
    edge = draw(st.sampled_from(["depth", "character", "empty id", "wrong type"]))
    if edge == "depth":
        return _nested_body(request_id, draw(st.integers(min_value=33, max_value=50_000))), request_id, "MALFORMED"
    if edge == "character":
        where = draw(st.sampled_from(["messageBody", "context value", "context key", "unknown field"]))
        character = draw(_FORBIDDEN)
        text = f"ab{character}c"
        if where == "messageBody":
            message["messageBody"] = text
        elif where == "context value":
            message["context"] = {"k": text}
        elif where == "context key":
            message["context"] = {text: "v"}
        else:
            message[text] = 1
        # escaped, or raw where UTF-8 can hold it at all (an SQS body is UTF-8: a lone surrogate arrives escaped)
        escaped = draw(st.booleans()) or 0xD800 <= ord(character) <= 0xDFFF
        return json.dumps(message, ensure_ascii=escaped), request_id, "MALFORMED_MESSAGE"
    if edge == "empty id":
        message["requestId"] = ""
        return json.dumps(message), request_id, "INVALID_FIELD"
    name = draw(st.sampled_from(["requestId", "destinationPhoneNumber", "messageBody", "context", "timeToLiveSeconds"]))
    right_type = {"context": dict, "timeToLiveSeconds": int}.get(name)  # an empty context, a TTL in range: valid
    message[name] = draw(_WRONG_TYPES.filter(lambda v: right_type is None or type(v) is not right_type))
    return json.dumps(message), request_id, "INVALID_FIELD"


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(bad=_bad_records())
def test_every_record_at_a_contract_edge_is_rejected_with_a_reason_and_nothing_is_sent(
    aws: Aws, bad: tuple[str, str, str]
) -> None:
    body, request_id, reason = bad
    request_id = f"edge-{next(_EDGE_IDS)}"  # the table outlives the examples: one id each
    body = body.replace("edge-ID", request_id)
    if _EDGE_SENDER.get("aws") is not aws:  # one sender per test run (the fixture's moto), not one per example
        clock = FakeClock()
        sms = FakeSms(clock)
        _EDGE_SENDER.update(aws=aws, clock=clock, sms=sms, sender=make_sender(aws, sms, clock))
    clock, sms, sender = _EDGE_SENDER["clock"], _EDGE_SENDER["sms"], _EDGE_SENDER["sender"]
    attempts = sms.attempts
    message_id = f"m-{request_id}"
    record = sqs_record({"MessageId": message_id, "ReceiptHandle": f"rh-{request_id}", "Body": body}, aws.queue_arn)
    response = sender.handle({"Records": [record]}, LambdaContext(clock, 300))
    assert response["batchItemFailures"] == []
    assert sms.attempts == attempts, body
    [rejection] = _rejections(aws, request_id, message_id)
    assert rejection["reason"].startswith(reason)
    assert rejection["detail"]
