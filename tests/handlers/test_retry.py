"""The retry handler, with real SMS event records delivered through SQS, moto and the sender end to end."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from retry.handler import Retrier
from sms_constructs_runtime.contract import SendRequest
from sms_constructs_runtime.settings import RetrySettings
from sms_constructs_runtime.store import MessageStore

from tests.patterns.conftest import deployed_environment, synthesize_default

from .conftest import TABLE, Aws, EventSourceMapping, FakeClock, FakeSms, LambdaContext, sqs_record
from .test_sender import drain, make_sender, reason_metrics

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

RETENTION = 14 * 86400


class DelayedSqs:
    """Forwards to moto's SQS, recording each ``DelaySeconds`` and letting the delay pass at once."""

    def __init__(self, sqs: Any) -> None:
        self._sqs = sqs
        self.delays: list[int] = []

    def send_message(self, **kwargs: Any) -> Any:
        self.delays.append(kwargs["DelaySeconds"])
        return self._sqs.send_message(**{**kwargs, "DelaySeconds": 0})


def retry_environment(aws: Aws) -> dict[str, str]:
    """The environment ``SmsRetry`` with the default policy gives its function (from the synthesized template), with
    the deploy-time values of the test's resources."""
    _, template, _, _ = synthesize_default()
    return deployed_environment(
        template,
        "retry.handler.main",
        {
            "SMS_TABLE_NAME": TABLE,
            "SMS_SEND_QUEUE_URL": aws.queue_url,
            "SMS_FINAL_FAILURE_TOPIC_ARN": aws.topic_arn,
        },
    )


def make_retrier(aws: Aws, clock: FakeClock, **overrides: Any) -> Retrier:
    """A retry handler with the default policy the construct writes, unless ``overrides`` (settings fields) say else."""
    settings = dataclasses.replace(RetrySettings.from_environment(retry_environment(aws)), **overrides)
    return Retrier(
        settings, sqs=DelayedSqs(aws.sqs), sns=aws.sns, dynamodb=aws.dynamodb, clock=clock, jitter=lambda: 0.5
    )


def sms_event(
    message_id: str,
    status: str,
    *,
    final: bool = True,
    request_id: str = "req-1",
    attempt: int = 1,
    at_ms: int = 1_767_225_600_000,
) -> dict[str, Any]:
    """An SMS event record as the configuration set's SNS destination publishes it (fields of the AWS example)."""
    return {
        "eventType": f"TEXT_{status}",
        "eventVersion": "1.0",
        "eventTimestamp": at_ms + 5000,
        "isFinal": final,
        "originationPhoneNumber": "+12065550152",
        "destinationPhoneNumber": "+14255550001",
        "isoCountryCode": "US",
        "isInternationalSend": False,
        "mcc": "310",
        "mnc": "800",
        "carrierName": "T-mobile USA Inc.",
        "messageId": message_id,
        "messageRequestTimestamp": at_ms,
        "messageEncoding": "GSM",
        "messageType": "TRANSACTIONAL",
        "messageStatus": status,
        "messageStatusDescription": "Phone carrier is currently unreachable",
        "context": {"smsRequestId": request_id, "smsAttempt": str(attempt)},
        "totalMessageParts": 1,
        "totalMessagePrice": 0.00581,
        "totalCarrierFee": 0.003,
    }


def deliver(retrier: Retrier, *events: dict[str, Any] | str, envelope: bool = False) -> dict[str, Any]:
    """Invoke the retry handler with SQS records whose bodies are the events (raw delivery, or the SNS envelope)."""
    records = []
    for n, event in enumerate(events):
        body = event if isinstance(event, str) else json.dumps(event)
        if envelope:
            body = json.dumps(
                {
                    "Type": "Notification",
                    "MessageId": f"sns-{n}",
                    "TopicArn": "arn:aws:sns:us-east-1:111122223333:events",
                    "Message": body,
                }
            )
        records.append(
            sqs_record(
                {"MessageId": f"m-{n}", "ReceiptHandle": f"rh-{n}", "Body": body},
                "arn:aws:sqs:us-east-1:111122223333:retry",
            )
        )
    return retrier.handle({"Records": records}, None)


def queued(aws: Aws) -> list[dict[str, Any]]:
    """Bodies of the messages on the send queue."""
    messages = aws.sqs.receive_message(QueueUrl=aws.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0).get(
        "Messages", []
    )
    return [json.loads(m["Body"]) for m in messages]


def stored(aws: Aws, clock: FakeClock, request: SendRequest, message_id: str = "msg-1") -> None:
    MessageStore(aws.dynamodb, TABLE, RETENTION).put_sent(request, message_id, 1, int(clock() * 1000))


def notifications(aws: Aws) -> list[dict[str, Any]]:
    messages = aws.sqs.receive_message(QueueUrl=aws.topic_queue_url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


REQUEST = SendRequest(request_id="req-1", destination_phone_number="+14255550001", message_body="Your code is 123456")


def test_final_transient_failure_is_put_back_on_the_send_queue_with_the_delay(aws: Aws) -> None:
    clock = FakeClock()
    stored(aws, clock, REQUEST)
    retrier = make_retrier(aws, clock)
    response = deliver(retrier, sms_event("msg-1", "CARRIER_UNREACHABLE"))
    assert response == {"batchItemFailures": []}
    assert retrier.sqs.delays == [60]
    assert queued(aws) == [
        {
            "version": 1,
            "requestId": "req-1",
            "destinationPhoneNumber": "+14255550001",
            "messageBody": "Your code is 123456",
            "attempt": 2,
            "firstAttemptAt": int(clock() * 1000),
        }
    ]


def test_second_retry_waits_the_second_delay(aws: Aws) -> None:
    clock = FakeClock()
    stored(aws, clock, REQUEST.next_attempt(int(clock() * 1000)), "msg-2")
    retrier = make_retrier(aws, clock)
    deliver(retrier, sms_event("msg-2", "UNREACHABLE", attempt=2), envelope=True)
    assert retrier.sqs.delays == [600]
    assert [b["attempt"] for b in queued(aws)] == [3]


def test_duplicate_and_out_of_order_events_retry_once(aws: Aws) -> None:
    clock = FakeClock()
    stored(aws, clock, REQUEST)
    retrier = make_retrier(aws, clock)
    final = sms_event("msg-1", "CARRIER_UNREACHABLE")
    late_pending = sms_event("msg-1", "PENDING", final=False)
    deliver(retrier, final, late_pending, final)  # duplicate in one batch, a non-final after the final
    deliver(retrier, final)  # and again later
    assert [b["attempt"] for b in queued(aws)] == [2]


def test_event_that_overtakes_the_store_write_comes_back_then_retries(aws: Aws) -> None:
    clock = FakeClock()
    retrier = make_retrier(aws, clock)
    event = sms_event("msg-1", "UNREACHABLE", at_ms=int(clock() * 1000))
    assert deliver(retrier, event) == {"batchItemFailures": [{"itemIdentifier": "m-0"}]}
    stored(aws, clock, REQUEST)  # the sender's write lands
    assert deliver(retrier, event) == {"batchItemFailures": []}
    assert [b["attempt"] for b in queued(aws)] == [2]


def test_unknown_old_message_ids_are_ignored(aws: Aws) -> None:
    clock = FakeClock()
    retrier = make_retrier(aws, clock)
    old = sms_event("not-ours", "UNKNOWN", at_ms=int(clock() * 1000) - 3600_000)
    assert retrier.process(_record(old)) == "UnknownMessageIds"
    assert queued(aws) == []


@pytest.mark.parametrize("status", ["BLOCKED", "INVALID", "SPAM", "CARRIER_BLOCKED", "PROTECT_BLOCKED", "DELIVERED"])
def test_other_statuses_are_never_retried(aws: Aws, status: str) -> None:
    clock = FakeClock()
    stored(aws, clock, REQUEST)
    retrier = make_retrier(aws, clock)
    assert retrier.process(_record(sms_event("msg-1", status))) == "EventsIgnoredStatus"
    assert queued(aws) == []


def test_non_final_events_are_ignored(aws: Aws) -> None:
    clock = FakeClock()
    stored(aws, clock, REQUEST)
    assert (
        make_retrier(aws, clock).process(_record(sms_event("msg-1", "UNKNOWN", final=False))) == "EventsIgnoredNotFinal"
    )


def test_exhausted_attempts_publish_one_final_failure(aws: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    clock = FakeClock()
    third = REQUEST.next_attempt(int(clock() * 1000)).next_attempt(int(clock() * 1000))
    stored(aws, clock, third, "msg-3")
    retrier = make_retrier(aws, clock)
    deliver(retrier, sms_event("msg-3", "CARRIER_UNREACHABLE", attempt=3))
    deliver(retrier, sms_event("msg-3", "CARRIER_UNREACHABLE", attempt=3))  # duplicate: no second notification
    assert queued(aws) == []
    assert notifications(aws) == [
        {
            "attempts": 3,
            "context": {},
            "firstAttemptAt": int(clock() * 1000),
            "lastMessageId": "msg-3",
            "lastStatus": "CARRIER_UNREACHABLE",
            "notAfter": None,
            "reason": "MAX_ATTEMPTS",
            "requestId": "req-1",
        }
    ]
    final = aws.dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "request#req-1"}, "sk": {"S": "final"}})["Item"]
    assert (final["status"]["S"], final["attempts"]["N"], final["reason"]["S"]) == ("FAILED", "3", "MAX_ATTEMPTS")
    assert reason_metrics(capsys.readouterr().out) == [("FinalFailures", "MAX_ATTEMPTS")]  # and none for the duplicate


def test_retries_stop_at_the_window(aws: Aws) -> None:
    clock = FakeClock()
    stored(aws, clock, REQUEST)
    clock.advance(3 * 86400)  # the final event came 3 days later: the retry would start outside the window
    deliver(make_retrier(aws, clock), sms_event("msg-1", "UNKNOWN"))
    assert queued(aws) == []
    assert notifications(aws)[0]["reason"] == "WINDOW_EXPIRED"


# -- the default policy, as deployed (the settings come from the synthesized SmsRetry) ------------------------------


@pytest.mark.parametrize("status", ["CARRIER_UNREACHABLE", "UNREACHABLE", "UNKNOWN"])
def test_default_policy_retries_transient_statuses_twice_at_about_60_then_600_seconds(aws: Aws, status: str) -> None:
    """Design decision 7: 2 retries inside 3 days at ~60 s and ~600 s (±10 %), then one final failure."""
    clock = FakeClock()
    request = REQUEST
    delays = []
    for attempt in (1, 2, 3):
        stored(aws, clock, request, f"msg-{attempt}")
        retrier = make_retrier(aws, clock)
        retrier._jitter = lambda: 0.999  # the longest delay the jitter allows
        deliver(retrier, sms_event(f"msg-{attempt}", status, attempt=attempt))
        delays += retrier.sqs.delays
        if attempt < 3:  # the sender takes the retry off the queue and sends it as the next attempt
            [message] = aws.sqs.receive_message(QueueUrl=aws.queue_url)["Messages"]
            aws.sqs.delete_message(QueueUrl=aws.queue_url, ReceiptHandle=message["ReceiptHandle"])
            request = SendRequest.from_json(message["Body"])
    assert delays == [66, 660]
    assert [n["reason"] for n in notifications(aws)] == ["MAX_ATTEMPTS"]


def test_default_policy_never_retries_a_ttl_expiry_without_a_deadline(aws: Aws) -> None:
    """A TTL expiry is billed and the message outlived the validity its sender gave it: resending it without a
    deadline could deliver a stale one-time code, billed twice."""
    clock = FakeClock()
    stored(aws, clock, REQUEST)
    deliver(make_retrier(aws, clock), sms_event("msg-1", "TTL_EXPIRED"))
    assert queued(aws) == []
    [notification] = notifications(aws)
    assert (notification["reason"], notification["lastStatus"], notification["attempts"]) == (
        "NO_DEADLINE",
        "TTL_EXPIRED",
        1,
    )


def test_default_policy_retries_a_ttl_expiry_while_the_deadline_allows(aws: Aws) -> None:
    clock = FakeClock()
    deadline = int(clock() * 1000) + 3600_000
    stored(aws, clock, dataclasses.replace(REQUEST, not_after=deadline))
    deliver(make_retrier(aws, clock), sms_event("msg-1", "TTL_EXPIRED"))
    [retry] = queued(aws)
    assert (retry["attempt"], retry["notAfter"], retry["version"]) == (2, deadline, 2)


@pytest.mark.parametrize("status", ["CARRIER_UNREACHABLE", "TTL_EXPIRED"])
def test_no_retry_would_start_after_the_deadline(aws: Aws, status: str) -> None:
    """The retry would be queued 60 s later; the request's deadline leaves less than that plus the 5 s minimum TTL."""
    clock = FakeClock()
    stored(aws, clock, dataclasses.replace(REQUEST, not_after=int(clock() * 1000) + 64_000))
    deliver(make_retrier(aws, clock), sms_event("msg-1", status))
    assert queued(aws) == []
    assert notifications(aws)[0]["reason"] == "DEADLINE_PASSED"


def test_a_retry_just_inside_the_deadline_is_queued(aws: Aws) -> None:
    clock = FakeClock()
    stored(aws, clock, dataclasses.replace(REQUEST, not_after=int(clock() * 1000) + 66_000))
    deliver(make_retrier(aws, clock), sms_event("msg-1", "CARRIER_UNREACHABLE"))
    assert [b["attempt"] for b in queued(aws)] == [2]
    assert notifications(aws) == []


def test_poison_events_fail_so_they_reach_the_dlq(aws: Aws) -> None:
    clock = FakeClock()
    stored(aws, clock, REQUEST)
    response = deliver(
        make_retrier(aws, clock), "not json", {"eventType": "TEXT_UNKNOWN"}, sms_event("msg-1", "UNKNOWN")
    )
    assert response == {"batchItemFailures": [{"itemIdentifier": "m-0"}, {"itemIdentifier": "m-1"}]}
    assert [b["attempt"] for b in queued(aws)] == [2]


def test_settings_read_the_environment_the_construct_sets(aws: Aws) -> None:
    """The retry handler reads back the default policy ``SmsRetry`` put in its environment."""
    settings = RetrySettings.from_environment(retry_environment(aws))
    assert settings == RetrySettings(
        table_name=TABLE,
        send_queue_url=aws.queue_url,
        final_failure_topic_arn=aws.topic_arn,
        retention_seconds=RETENTION,
        service_name=synthesize_default()[3].service_name,
        metrics_namespace="SmsConstructs",
        max_attempts=3,
        delays_seconds=(60, 600),
        jitter=0.1,
        window_seconds=3 * 86400,
        statuses=("CARRIER_UNREACHABLE", "UNREACHABLE", "TTL_EXPIRED", "UNKNOWN"),
        deadline_required_statuses=("TTL_EXPIRED",),
    )
    assert [settings.delay_for(1, j) for j in (0.0, 0.5, 0.999)] == [54, 60, 66]  # ±10 %
    assert settings.delay_for(5, 0.5) == 600  # the last delay repeats


def test_end_to_end_two_retries_then_one_final_failure_with_duplicates(aws: Aws) -> None:
    """send → CARRIER_UNREACHABLE → resend → … → final failure; events duplicated; 3 sends, 1 notification."""
    clock = FakeClock()
    sms = FakeSms(clock)
    sender = make_sender(aws, sms, clock)
    retrier = make_retrier(aws, clock)
    aws.sqs.send_message(QueueUrl=aws.queue_url, MessageBody=REQUEST.to_json())
    for _ in range(4):
        drain(aws, sender, clock)
        if not sms.sends:
            break
        last = sms.sends[-1]
        event = sms_event(last.message_id, "CARRIER_UNREACHABLE", attempt=int(last.params["Context"]["smsAttempt"]))
        deliver(retrier, event, event)
        clock.advance(700)
    assert Counter(sms.sent_request_ids()) == {("req-1", "1"): 1, ("req-1", "2"): 1, ("req-1", "3"): 1}
    assert [n["attempts"] for n in notifications(aws)] == [3]
    esm = EventSourceMapping(aws.sqs, aws.queue_url, aws.queue_arn)
    assert esm.depth() == 0


def _record(event: dict[str, Any]) -> Any:
    return SQSRecord(
        sqs_record(
            {"MessageId": "m", "ReceiptHandle": "r", "Body": json.dumps(event)},
            "arn:aws:sqs:us-east-1:111122223333:retry",
        )
    )


def test_lambda_context_is_accepted(aws: Aws) -> None:
    clock = FakeClock()
    stored(aws, clock, REQUEST)
    record = sqs_record(
        {"MessageId": "m", "ReceiptHandle": "r", "Body": json.dumps(sms_event("msg-1", "UNKNOWN"))}, "arn"
    )
    response = make_retrier(aws, clock).handle({"Records": [record]}, LambdaContext(clock, 30))  # type: ignore[arg-type]
    assert response == {"batchItemFailures": []}
    assert [b["attempt"] for b in queued(aws)] == [2]  # handled, not merely accepted


def test_unknown_message_grace_is_bounded_well_inside_the_receive_budget(aws: Aws) -> None:
    """An event that overtakes a store write that never lands comes back at most until it is 5 minutes old (the event
    queue's visibility timeout is 180 s, its maxReceiveCount 5): then it is counted and dropped, never looped."""
    clock = FakeClock()
    retrier = make_retrier(aws, clock)
    event = sms_event("never-stored", "CARRIER_UNREACHABLE", at_ms=int(clock() * 1000))
    outcomes = []
    for _ in range(5):  # the receives the queue allows before its DLQ
        response = deliver(retrier, event)
        outcomes.append("retry later" if response["batchItemFailures"] else "done")
        if not response["batchItemFailures"]:
            break
        clock.advance(180)  # the visibility timeout
    assert outcomes == ["retry later", "retry later", "done"]
    assert queued(aws) == []
