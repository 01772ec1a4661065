"""The producer client builds the contract the sender reads: producer → queue → sender, end to end."""

from __future__ import annotations

import json

import pytest

from sms_constructs.producer import ContractError, SmsProducer, SmsProducerBatchError

from .conftest import Aws, FakeClock, FakeSms
from .test_sender import drain, make_sender

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def test_producer_messages_are_sent_by_the_sender(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMS_SEND_QUEUE_URL", aws.queue_url)
    producer = SmsProducer.from_environment(sqs_client=aws.sqs)
    request_id = producer.send("+14255550123", "Your code is 123456", request_id="otp-1", context={"flow": "login"})
    generated = producer.send("+14255550124", "Hello")
    clock = FakeClock()
    sms = FakeSms(clock)
    drain(aws, make_sender(aws, sms, clock), clock)
    assert request_id == "otp-1"
    assert sorted(sms.sent_request_ids()) == sorted([("otp-1", "1"), (generated, "1")])
    assert (
        next(s for s in sms.sends if s.params["Context"]["smsRequestId"] == "otp-1").params["Context"]["flow"]
        == "login"
    )


def test_producer_refuses_what_the_sender_would_reject(aws: Aws) -> None:
    producer = SmsProducer(aws.queue_url, sqs_client=aws.sqs)
    with pytest.raises(ContractError, match="destinationPhoneNumber"):
        producer.send("4255550123", "no plus sign")
    assert aws.sqs.receive_message(QueueUrl=aws.queue_url).get("Messages") is None


def test_send_batch_queues_in_chunks_of_ten_with_the_version_attribute(aws: Aws) -> None:
    producer = SmsProducer(aws.queue_url, sqs_client=aws.sqs)
    requests = [SmsProducer.build(f"+1425555{n:04d}", f"Message {n}", request_id=f"b-{n}") for n in range(23)]
    assert producer.send_batch(requests) == [f"b-{n}" for n in range(23)]
    received = []
    while messages := aws.sqs.receive_message(
        QueueUrl=aws.queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages"):
        received += messages
    assert sorted(json.loads(m["Body"])["requestId"] for m in received) == sorted(f"b-{n}" for n in range(23))
    assert {m["MessageAttributes"]["smsContractVersion"]["StringValue"] for m in received} == {"1"}


def test_send_batch_reports_refused_entries() -> None:
    class RefusingSqs:
        def send_message_batch(self, **_: object) -> dict[str, object]:
            return {"Successful": [], "Failed": [{"Id": "0", "Code": "InvalidParameterValue", "Message": "nope"}]}

    producer = SmsProducer("https://sqs.example/q", sqs_client=RefusingSqs())
    with pytest.raises(SmsProducerBatchError) as caught:
        producer.send_batch([SmsProducer.build("+14255550123", "hi", request_id="r-1")])
    assert caught.value.failed == {"r-1": "InvalidParameterValue: nope"}
