"""The sample app's producer function: a Lambda that only has its own file and the runtime layer's SmsProducer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sample_producer import handler

from .conftest import Aws, FakeClock, FakeSms
from .test_sender import drain, make_sender

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture
def producer(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("SMS_SEND_QUEUE_URL", aws.queue_url)  # what add_producer sets
    monkeypatch.setattr(handler, "_PRODUCER", None)
    return handler


def test_an_invocation_queues_a_request_the_sender_sends(aws: Aws, producer: Any) -> None:
    result = producer.main(
        {"destinationPhoneNumber": "+14254147755", "messageBody": "Hello", "requestId": "hello-1"}, None
    )
    assert result == {"queued": True, "requestId": "hello-1"}
    clock = FakeClock()
    sms = FakeSms(clock)
    drain(aws, make_sender(aws, sms, clock), clock)
    assert sms.sent_request_ids() == [("hello-1", "1")]


def test_validity_becomes_a_deadline(aws: Aws, producer: Any) -> None:
    producer.main({"destinationPhoneNumber": "+14254147755", "messageBody": "Code 1", "validForSeconds": 300}, None)
    [message] = aws.sqs.receive_message(QueueUrl=aws.queue_url)["Messages"]
    body = json.loads(message["Body"])
    assert (body["version"], isinstance(body["notAfter"], int)) == (2, True)


@pytest.mark.parametrize(
    ("event", "error"),
    [
        ({"destinationPhoneNumber": "4254147755", "messageBody": "Hi"}, "destinationPhoneNumber"),
        ({"destinationPhoneNumber": "+14254147755"}, "messageBody"),
        ({"destinationPhoneNumber": "+14254147755", "messageBody": "Hi", "validForSeconds": -1}, "valid_for"),
    ],
)
def test_a_request_that_breaks_the_contract_is_refused_and_nothing_is_queued(
    aws: Aws, producer: Any, event: dict[str, Any], error: str
) -> None:
    result = producer.main(event, None)
    assert result["queued"] is False
    assert error in result["error"]
    assert aws.sqs.receive_message(QueueUrl=aws.queue_url).get("Messages") is None
