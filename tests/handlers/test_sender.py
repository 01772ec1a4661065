"""The sender handler, driven with real SQS event records, moto (SQS, DynamoDB) and a faithful fake of the SMS API.

Every fault scenario ends with the same invariant: each request was sent exactly once, or rejected with a recorded
reason, or is in the DLQ — 0 messages lost, 0 duplicate sends.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from sender.handler import Sender, SenderConfig
from sms_constructs_runtime.contract import SendRequest

from .conftest import CONFIG_SET, IDENTITY, TABLE, Aws, EventSourceMapping, FakeClock, FakeSms, LambdaContext

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # Powertools warns when no metrics were added


def make_sender(aws: Aws, sms: Any, clock: FakeClock, **overrides: Any) -> Sender:
    config = SenderConfig(
        table_name=TABLE,
        queue_url=aws.queue_url,
        origination_identity=IDENTITY,
        configuration_set_name=CONFIG_SET,
        max_parts_per_second=overrides.pop("max_parts_per_second", 10),
        retention_seconds=14 * 86400,
        message_type="TRANSACTIONAL",
        time_to_live_seconds=3600,
        max_price="0.50",
        **overrides,
    )
    return Sender(
        config, sms=sms, sqs=aws.sqs, dynamodb=aws.dynamodb, clock=clock, sleep=clock.sleep, jitter=lambda: 0.5
    )


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


def history(aws: Aws, request_id: str) -> list[dict[str, Any]]:
    items = aws.dynamodb.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"request#{request_id}"}},
    )["Items"]
    return [{k: next(iter(v.values())) for k, v in item.items()} for item in items]


def dlq_bodies(aws: Aws) -> list[str]:
    messages = aws.sqs.receive_message(QueueUrl=aws.dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=0).get(
        "Messages", []
    )
    return [m["Body"] for m in messages]


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
            ("ServiceQuotaExceededException", "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT"),
            "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT",
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
        ('{"version": 2, "requestId": "req-9"}', "UNSUPPORTED_VERSION", "req-9"),
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
    """Timeout mid-batch: at 1 part/s a 10-record batch needs ~10 s, the invocation has 20 s minus a 15 s margin."""
    clock = FakeClock()
    sms = FakeSms(clock)
    enqueue(aws, *(request(n) for n in range(10)))
    sender = make_sender(aws, sms, clock, max_parts_per_second=1)
    failures = drain(aws, sender, clock, timeout=20)
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


def test_configuration_errors_go_back_to_the_queue_and_end_in_the_dlq(aws: Aws) -> None:
    clock = FakeClock()
    sms = FakeSms(clock, faults=[("AccessDeniedException", "ACCOUNT_DISABLED")] * 20)
    enqueue(aws, request(1))
    failures = drain(aws, make_sender(aws, sms, clock), clock, rounds=15)
    assert all(f == [next(iter(failures[0]))] for f in failures)
    assert len(failures) == 10  # maxReceiveCount
    assert [json.loads(b)["requestId"] for b in dlq_bodies(aws)] == ["req-1"]
    assert sms.sends == []
    assert_nothing_lost_or_duplicated(aws, sms, ["req-1"])


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
    assert starts[-1] <= (4 * 1 + 3 * 2) / 2 + 1e-6  # no slower than the MPS either


def test_config_reads_the_environment_the_construct_sets() -> None:
    config = SenderConfig.from_environment(
        {
            "SMS_TABLE_NAME": "t",
            "SMS_QUEUE_URL": "https://sqs/q",
            "SMS_ORIGINATION_IDENTITY": IDENTITY,
            "SMS_CONFIGURATION_SET_NAME": CONFIG_SET,
            "SMS_MAX_PARTS_PER_SECOND": "3",
            "SMS_RETENTION_SECONDS": "1209600",
            "SMS_MESSAGE_TYPE": "TRANSACTIONAL",
            "SMS_TIME_TO_LIVE_SECONDS": "259200",
            "SMS_MAX_PRICE": "0.50",
            "SMS_VALIDATE_NUMBERS": "true",
            "SMS_NUMBER_CACHE_TTL_SECONDS": "2592000",
        }
    )
    assert config == SenderConfig(
        table_name="t",
        queue_url="https://sqs/q",
        origination_identity=IDENTITY,
        configuration_set_name=CONFIG_SET,
        max_parts_per_second=3.0,
        retention_seconds=1209600,
        message_type="TRANSACTIONAL",
        time_to_live_seconds=259200,
        max_price="0.50",
        validate_numbers=True,
        number_cache_ttl_seconds=2592000,
    )
