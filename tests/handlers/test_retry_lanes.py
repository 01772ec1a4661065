"""Retries re-enter their original lane: attempt n + 1 goes to the queue of the lane the request names."""

from __future__ import annotations

import json
from typing import Any

import pytest
from retry.handler import Retrier
from sms_constructs_runtime.contract import SendRequest
from sms_constructs_runtime.settings import RetrySettings

from .conftest import TABLE, Aws, FakeClock
from .test_retry import DelayedSqs, deliver, sms_event, stored

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def make_retrier(aws: Aws, clock: FakeClock, lanes: dict[str, str]) -> Retrier:
    settings = RetrySettings(
        table_name=TABLE,
        send_queue_url=aws.queue_url,
        final_failure_topic_arn=aws.topic_arn,
        retention_seconds=14 * 86400,
        service_name="sms-test",
        metrics_namespace="SmsConstructsTest",
        max_attempts=3,
        delays_seconds=(60, 600),
        jitter=0.1,
        window_seconds=3 * 86400,
        statuses=("CARRIER_UNREACHABLE", "UNREACHABLE"),
        lanes=tuple(f"{name}={url}" for name, url in lanes.items()),
    )
    return Retrier(
        settings, sqs=DelayedSqs(aws.sqs), sns=aws.sns, dynamodb=aws.dynamodb, clock=clock, jitter=lambda: 0.5
    )


@pytest.fixture
def lane_urls(aws: Aws) -> dict[str, str]:
    """urgent and bulk are queues of their own; normal (the default lane) is the send queue."""
    return {
        "urgent": aws.sqs.create_queue(QueueName="send-urgent")["QueueUrl"],
        "normal": aws.queue_url,
        "bulk": aws.sqs.create_queue(QueueName="send-bulk")["QueueUrl"],
    }


def bodies(aws: Aws, url: str) -> list[dict[str, Any]]:
    messages = aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def request(lane: str | None) -> SendRequest:
    return SendRequest(
        request_id="req-1", destination_phone_number="+14255550001", message_body="Your code is 123456", lane=lane
    )


@pytest.mark.parametrize("lane", ["urgent", "bulk", "normal"])
def test_a_retry_goes_back_to_the_queue_of_its_lane(aws: Aws, lane_urls: dict[str, str], lane: str) -> None:
    clock = FakeClock()
    stored(aws, clock, request(lane))
    response = deliver(make_retrier(aws, clock, lane_urls), sms_event("msg-1", "CARRIER_UNREACHABLE"))
    assert response == {"batchItemFailures": []}
    for name, url in lane_urls.items():
        expected = [(2, lane)] if name == lane else []
        assert [(b["attempt"], b["lane"]) for b in bodies(aws, url)] == expected, name


@pytest.mark.parametrize("lane", [None, "vip"])
def test_a_retry_of_a_request_naming_no_lane_or_an_unknown_one_goes_to_the_default_lane(
    aws: Aws, lane_urls: dict[str, str], lane: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    stored(aws, clock, request(lane))
    deliver(make_retrier(aws, clock, lane_urls), sms_event("msg-1", "UNREACHABLE"))
    assert [b["attempt"] for b in bodies(aws, aws.queue_url)] == [2]
    assert bodies(aws, lane_urls["urgent"]) == bodies(aws, lane_urls["bulk"]) == []
    warned = [r for r in caplog.records if "lane the send queue does not have" in r.getMessage()]
    assert len(warned) == (1 if lane == "vip" else 0)


def test_without_lanes_a_retry_naming_a_lane_goes_to_the_send_queue(aws: Aws) -> None:
    clock = FakeClock()
    stored(aws, clock, request("urgent"))
    deliver(make_retrier(aws, clock, {}), sms_event("msg-1", "CARRIER_UNREACHABLE"))
    assert [(b["attempt"], b["lane"]) for b in bodies(aws, aws.queue_url)] == [(2, "urgent")]
