"""``sms-constructs-test-message``: queues through the deployed send queue, follows the store and the events, prints a
table, and says in one line when it cannot run. moto plays SQS, DynamoDB and CloudWatch Logs; CloudFormation is
stubbed."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.stub import Stubber
from sms_constructs_runtime.contract import SendRequest

from sms_constructs_cli import test_message
from sms_constructs_cli._aws import CannotRunError
from tests.cli.conftest import (
    SIMULATOR_FILTER,
    FakeSession,
    create_message_store,
    describe_stacks_response,
    simulator_numbers_response,
)

TABLE, LOG_GROUP = "store", "/sms/quick-look"
SUCCESS, FAILURE = test_message.SUCCESS_SIMULATOR, test_message.FAILURE_SIMULATOR


def _deploy(aws: FakeSession, *, sending: dict[str, str] | None = None) -> str:
    """A deployed sample app: the queue, the store and the log group, and the two stacks' outputs."""
    queue_url = aws.client("sqs").create_queue(QueueName="send")["QueueUrl"]
    create_message_store(aws, TABLE)
    aws.client("logs").create_log_group(logGroupName=LOG_GROUP)
    aws.client("logs").create_log_stream(logGroupName=LOG_GROUP, logStreamName="events")
    outputs = (
        sending
        if sending is not None
        else {
            "SendQueueUrl": queue_url,  # the sample app's own outputs are not what the command reads
            "SmsSendQueueUrlSmsSandboxSendingSendQueue1A2B3C4D": queue_url,
            "SmsSendQueueMessageStoreTableNameSmsSandboxSendingSendQueue1A2B3C4D": TABLE,
        }
    )
    stubber = aws.stubber("cloudformation")
    stubber.add_response(
        "describe_stacks", describe_stacks_response("SmsSandboxSending", outputs), {"StackName": "SmsSandboxSending"}
    )
    stubber.add_response(
        "describe_stacks",
        describe_stacks_response(
            "SmsSandboxAnalytics",
            {
                "EventsBucketName": "b",
                "SmsEventAnalyticsQuickLookLogGroupNameSmsSandboxAnalyticsEvents5F3E2A1C": LOG_GROUP,
            },
        ),
        {"StackName": "SmsSandboxAnalytics"},
    )
    if sending is None:
        aws.stubber("pinpoint-sms-voice-v2").add_response(
            "describe_phone_numbers", simulator_numbers_response(), SIMULATOR_FILTER
        )
    return str(queue_url)


class Service:
    """Plays the deployed sender, retry function and SMS service: writes store items and events, step by step."""

    def __init__(self, aws: FakeSession) -> None:
        self.aws = aws
        self.steps: list[Callable[[list[SendRequest]], None]] = []
        self.polls = 0

    def queued(self, queue_url: str) -> list[SendRequest]:
        messages = self.aws.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
        return [SendRequest.from_json(m["Body"]) for m in messages]

    def store(self, request_id: str, sort_key: str, **fields: str | int) -> None:
        item = {"pk": {"S": f"request#{request_id}"}, "sk": {"S": sort_key}}
        item.update({k: {"N": str(v)} if isinstance(v, int) else {"S": v} for k, v in fields.items()})
        self.aws.client("dynamodb").put_item(TableName=TABLE, Item=item)

    def event(self, request: SendRequest, message_id: str, status: str, *, final: bool, attempt: int = 1) -> None:
        now = int(time.time() * 1000)
        record = {
            "eventType": f"TEXT_{status}",
            "eventVersion": "1.0",
            "eventTimestamp": now,
            "isFinal": final,
            "destinationPhoneNumber": request.destination_phone_number,
            "messageId": message_id,
            "messageStatus": status,
            "context": {"smsRequestId": request.request_id, "smsAttempt": str(attempt)},
        }
        self.aws.client("logs").put_log_events(
            logGroupName=LOG_GROUP,
            logStreamName="events",
            logEvents=[{"timestamp": now, "message": json.dumps(record)}],
        )


def _run(aws: FakeSession, service: Service, queue_url: str, **kwargs: Any) -> tuple[int, str]:
    out = io.StringIO()
    requests: list[SendRequest] = []

    def sleep(_: float) -> None:  # each poll interval, the service takes its next step
        if not requests:
            requests.extend(sorted(service.queued(queue_url), key=lambda r: r.request_id))
        if service.polls < len(service.steps):
            service.steps[service.polls](requests)
        service.polls += 1

    ticks = iter(range(10_000))
    status = test_message.run(
        aws, stack_prefix="SmsSandbox", out=out, sleep=sleep, clock=lambda: float(next(ticks)), **kwargs
    )
    return status, out.getvalue()


def test_follows_a_delivered_and_a_retried_then_failed_message_to_the_end(aws: FakeSession) -> None:
    queue_url = _deploy(aws)
    service = Service(aws)

    def first_sends(requests: list[SendRequest]) -> None:
        success, failure = requests
        service.store(success.request_id, "attempt#01", status="SENT", messageId="m-success", attempt=1)
        service.event(success, "m-success", "PENDING", final=False)
        service.event(success, "m-success", "DELIVERED", final=True)
        service.store(failure.request_id, "attempt#01", status="SENT", messageId="m-failure-1", attempt=1)
        service.event(failure, "m-failure-1", "CARRIER_UNREACHABLE", final=True)

    def retry(requests: list[SendRequest]) -> None:
        failure = requests[1]
        service.store(failure.request_id, "attempt#02", status="SENT", messageId="m-failure-2", attempt=2)
        service.event(failure, "m-failure-2", "UNREACHABLE", final=True, attempt=2)
        service.store(
            failure.request_id, "final", status="FAILED", lastStatus="UNREACHABLE", reason="MAX_ATTEMPTS", attempts=2
        )

    service.steps = [first_sends, lambda _: None, retry]
    status, out = _run(aws, service, queue_url, timeout_seconds=100, interval_seconds=1)

    assert status == 0, out
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("+1")}
    assert set(rows) == {SUCCESS, FAILURE}
    assert "m-success" in rows[SUCCESS]
    assert "DELIVERED" in rows[SUCCESS]
    assert rows[SUCCESS].rstrip().endswith("none")
    assert "FAILED (UNREACHABLE)" in rows[FAILURE]
    assert "m-failure-2" in rows[FAILURE]
    assert rows[FAILURE].rstrip().endswith("1 retry; not retried again (MAX_ATTEMPTS)")
    assert service.polls == 3  # it stopped as soon as both ended


def test_queues_contract_messages_to_both_simulator_numbers(aws: FakeSession) -> None:
    queue_url = _deploy(aws)
    service = Service(aws)
    seen: list[SendRequest] = []
    service.steps = [seen.extend]
    _run(aws, service, queue_url, timeout_seconds=5, interval_seconds=1)
    assert sorted(r.destination_phone_number for r in seen) == sorted([SUCCESS, FAILURE])
    assert all(r.request_id.startswith("sms-constructs-test-") and r.attempt == 1 for r in seen)
    assert all(r.context == {"test": "sms-constructs-test-message"} for r in seen)


def test_shows_what_it_knows_and_fails_when_time_runs_out(aws: FakeSession) -> None:
    queue_url = _deploy(aws)
    service = Service(aws)

    def only_sent(requests: list[SendRequest]) -> None:
        service.store(requests[0].request_id, "attempt#01", status="SENT", messageId="m-1", attempt=1)

    service.steps = [only_sent]
    status, out = _run(aws, service, queue_url, timeout_seconds=3, interval_seconds=1)
    assert status == 1
    rows = [line for line in out.splitlines() if line.startswith("+1")]
    assert [row.split()[3] for row in rows] == ["SENT", "QUEUED"]
    assert "run again with a longer --timeout" in out


def test_a_rejection_ends_the_message(aws: FakeSession) -> None:
    queue_url = _deploy(aws)
    service = Service(aws)

    def rejected(requests: list[SendRequest]) -> None:
        for request in requests:
            service.store(
                request.request_id, "attempt#01", status="REJECTED", reason="DESTINATION_PHONE_NUMBER_OPTED_OUT"
            )

    service.steps = [rejected]
    status, out = _run(aws, service, queue_url, destinations=[FAILURE], timeout_seconds=50, interval_seconds=1)
    assert status == 0
    assert "REJECTED (DESTINATION_PHONE_NUMBER_OPTED_OUT)" in out


def test_success_number_not_delivered_is_a_failure(aws: FakeSession) -> None:
    queue_url = _deploy(aws)
    service = Service(aws)

    def blocked(requests: list[SendRequest]) -> None:
        service.store(requests[0].request_id, "attempt#01", status="SENT", messageId="m-1", attempt=1)
        service.event(requests[0], "m-1", "BLOCKED", final=True)

    service.steps = [blocked]
    status, out = _run(aws, service, queue_url, destinations=[SUCCESS], timeout_seconds=50, interval_seconds=1)
    assert status == 1
    assert "should have been delivered was not" in out


def test_fails_in_one_line_when_the_stack_is_not_deployed(aws: FakeSession) -> None:
    stubber: Stubber = aws.stubber("cloudformation")
    stubber.add_client_error(
        "describe_stacks",
        service_error_code="ValidationError",
        service_message="Stack with id SmsSandboxSending does not exist",
        expected_params={"StackName": "SmsSandboxSending"},
    )
    with pytest.raises(
        CannotRunError, match=r"^Stack SmsSandboxSending is not deployed in this account and Region: check --stack"
    ):
        test_message.run(aws, stack_prefix="SmsSandbox")


def test_fails_in_one_line_when_an_output_is_missing(aws: FakeSession) -> None:
    _deploy(aws, sending={"SmsSendQueueUrlX": "https://sqs.us-east-1.amazonaws.com/111122223333/send"})
    with pytest.raises(
        CannotRunError, match=r"Stack SmsSandboxSending has no SmsSendQueueMessageStoreTableName\* output"
    ):
        test_message.run(aws, stack_prefix="SmsSandbox")


def test_without_credentials_it_says_so_in_one_line(no_credentials: None, capsys: pytest.CaptureFixture[str]) -> None:

    assert test_message.main([]) == 3

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "No AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and run again."
    ]
