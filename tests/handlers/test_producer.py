"""The producer client builds the contract the sender reads: producer → queue → sender, end to end."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sms_constructs_runtime import ContractError, SmsProducer, SmsProducerBatchError

import sms_constructs

from .conftest import Aws, FakeClock, FakeSms
from .test_sender import drain, history, make_sender

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def test_producer_messages_are_sent_by_the_sender(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMS_SEND_QUEUE_URL", aws.queue_url)
    producer = SmsProducer.from_environment(client=aws.sqs)
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


def test_the_package_re_exports_the_runtime_client() -> None:
    assert sms_constructs.SmsProducer is SmsProducer


def test_from_environment_names_the_variable_and_the_one_call_when_it_is_missing() -> None:
    with pytest.raises(KeyError, match=r"SMS_SEND_QUEUE_URL is not set: wire the function with SmsSendQueue\.add_"):
        SmsProducer.from_environment(environment={})


def test_producer_refuses_what_the_sender_would_reject(aws: Aws) -> None:
    producer = SmsProducer(aws.queue_url, client=aws.sqs)
    with pytest.raises(ContractError, match="destinationPhoneNumber"):
        producer.send("4255550123", "no plus sign")
    assert aws.sqs.receive_message(QueueUrl=aws.queue_url).get("Messages") is None


def test_send_batch_queues_in_chunks_of_ten_with_the_version_attribute(aws: Aws) -> None:
    producer = SmsProducer(aws.queue_url, client=aws.sqs)
    requests = [producer.build(f"+1425555{n:04d}", f"Message {n}", request_id=f"b-{n}") for n in range(23)]
    requests[0] = producer.build("+14255550000", "Message 0", request_id="b-0", valid_for=timedelta(minutes=5))
    assert producer.send_batch(requests) == [f"b-{n}" for n in range(23)]
    received = []
    while messages := aws.sqs.receive_message(
        QueueUrl=aws.queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages"):
        received += messages
    assert sorted(json.loads(m["Body"])["requestId"] for m in received) == sorted(f"b-{n}" for n in range(23))
    versions = {json.loads(m["Body"])["requestId"]: m["MessageAttributes"]["smsContractVersion"] for m in received}
    assert {v["StringValue"] for k, v in versions.items() if k != "b-0"} == {"1"}  # the lowest version that holds it
    assert versions["b-0"]["StringValue"] == "2"  # notAfter needs version 2


def test_send_batch_reports_refused_entries() -> None:
    class RefusingSqs:
        def send_message_batch(self, **_: object) -> dict[str, object]:
            return {"Successful": [], "Failed": [{"Id": "0", "Code": "InvalidParameterValue", "Message": "nope"}]}

    producer = SmsProducer("https://sqs.example/q", client=RefusingSqs())
    with pytest.raises(SmsProducerBatchError) as caught:
        producer.send_batch([producer.build("+14255550123", "hi", request_id="r-1")])
    assert caught.value.failed == {"r-1": "InvalidParameterValue: nope"}


# -- deadlines -------------------------------------------------------------------------------------------------------


def test_valid_for_becomes_a_not_after_in_epoch_ms() -> None:
    producer = SmsProducer("https://sqs.example/q", clock=lambda: 1_767_225_600.0)
    request = producer.build("+14255550123", "Your code is 123456", valid_for=timedelta(minutes=5))
    assert request.not_after == 1_767_225_900_000
    assert request.to_dict()["version"] == 2
    assert request.to_dict()["notAfter"] == 1_767_225_900_000


def test_not_after_takes_an_aware_datetime_or_epoch_ms() -> None:
    producer = SmsProducer("https://sqs.example/q", clock=lambda: 1_767_225_600.0)
    at = datetime(2026, 1, 1, 0, 5, tzinfo=UTC)
    assert producer.build("+14255550123", "hi", not_after=at).not_after == 1_767_225_900_000
    assert producer.build("+14255550123", "hi", not_after=1_767_225_900_000).not_after == 1_767_225_900_000


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"not_after": 1, "valid_for": timedelta(seconds=60)}, "not both"),
        ({"valid_for": timedelta(0)}, "positive timedelta"),
        ({"valid_for": 60}, "positive timedelta"),
        ({"not_after": datetime(2026, 1, 1)}, "aware datetime"),
        ({"not_after": -5}, "notAfter: must be epoch milliseconds"),
        ({"not_after": "soon"}, r"notAfter: must be a whole number, not \"soon\""),
    ],
)
def test_fails_on_a_deadline_that_means_nothing(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SmsProducer("https://sqs.example/q").build("+14255550123", "hi", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "not_after",
    [1_767_225_600_000, 1_767_225_000_000, datetime(2026, 1, 1, tzinfo=UTC)],
    ids=["now", "past", "datetime"],
)
def test_fails_on_a_deadline_that_has_already_passed_when_building(not_after: object) -> None:
    producer = SmsProducer("https://sqs.example/q", clock=lambda: 1_767_225_600.0)
    passed = (
        r"notAfter: the deadline has already passed \(\d{4}-\d\d-\d\dT[\d:]+Z is not after now, 2026-01-01T00:00:00Z\)"
    )
    with pytest.raises(ContractError, match=passed) as caught:
        producer.build("+14255550123", "Your code is 123456", not_after=not_after)  # type: ignore[arg-type]
    assert caught.value.reason == "EXPIRED"


class _RecordingSqs:
    """An SQS client that records what it is asked to send (nothing must be)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def send_message(self, **kwargs: object) -> dict[str, object]:
        self.calls.append(f"SendMessage {kwargs.get('QueueUrl')}")
        return {}

    def send_message_batch(self, **kwargs: object) -> dict[str, object]:
        self.calls.append(f"SendMessageBatch {kwargs.get('QueueUrl')}")
        return {}


def test_refuses_to_queue_a_request_whose_deadline_passed_after_it_was_built() -> None:
    now = [1_767_225_600.0]
    sqs = _RecordingSqs()
    producer = SmsProducer("https://sqs.example/q", client=sqs, clock=lambda: now[0])
    request = producer.build("+14255550123", "Your code is 123456", valid_for=timedelta(minutes=5))
    now[0] += 301
    with pytest.raises(ContractError, match=r"request\.notAfter: the deadline has already passed"):
        producer.send_request(request)
    with pytest.raises(ContractError, match=r"requests\[0\]\.notAfter: the deadline has already passed"):
        producer.send_batch([request])
    assert sqs.calls == []


@pytest.mark.parametrize("delay", [-1, 901, 1.5, True])
def test_fails_on_a_delay_sqs_would_refuse(delay: object) -> None:
    producer = SmsProducer("https://sqs.example/q", client=object())
    with pytest.raises(ValueError, match="delay_seconds must be a whole number of seconds from 0 to 900"):
        producer.send("+14255550123", "hi", delay_seconds=delay)  # type: ignore[arg-type]


@pytest.mark.parametrize("url", ["", "my-queue", None])
def test_fails_on_something_that_is_not_a_queue_url(url: object) -> None:
    with pytest.raises(ValueError, match="queue_url must be an SQS queue URL"):
        SmsProducer(url)  # type: ignore[arg-type]


def test_a_request_whose_validity_ran_out_on_the_queue_is_expired_not_sent(aws: Aws) -> None:
    """A one-time code valid 5 minutes waits 10 minutes in a backlog: the sender records EXPIRED and sends nothing."""
    clock = FakeClock()
    producer = SmsProducer(aws.queue_url, client=aws.sqs, clock=clock)
    producer.send("+14255550123", "Your code is 123456", request_id="otp-2", valid_for=timedelta(minutes=5))
    clock.advance(600)
    sms = FakeSms(clock)
    drain(aws, make_sender(aws, sms, clock), clock)
    assert sms.sends == []
    [outcome] = history(aws, "otp-2")
    assert (outcome["status"], outcome["reason"]) == ("REJECTED", "EXPIRED")


# -- lanes and the producer's name -----------------------------------------------------------------------------------


def _lane_queues(aws: Aws) -> dict[str, str]:
    """urgent / normal / bulk, ``normal`` being the send queue (a send queue's default lane is its queue)."""
    return {
        "urgent": aws.sqs.create_queue(QueueName="send-urgent")["QueueUrl"],
        "normal": aws.queue_url,
        "bulk": aws.sqs.create_queue(QueueName="send-bulk")["QueueUrl"],
    }


def _received(aws: Aws, queue_url: str) -> list[dict[str, object]]:
    """Every message on ``queue_url``: its body and its contract version attribute."""
    received = []
    while messages := aws.sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages"):
        for message in messages:
            body = json.loads(message["Body"])
            body["version"] = message["MessageAttributes"]["smsContractVersion"]["StringValue"]
            received.append(body)
            aws.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return received


def test_send_with_a_lane_goes_to_that_lanes_queue_with_the_lane_and_version_3(aws: Aws) -> None:
    lanes = _lane_queues(aws)
    producer = SmsProducer(aws.queue_url, lane_queue_urls=lanes, client=aws.sqs)
    producer.send("+14255550123", "Your code is 123456", request_id="otp-1", lane="urgent")
    producer.send("+14255550124", "Reminder", request_id="rem-1")
    producer.send("+14255550125", "Newsletter", request_id="news-1", lane="bulk")
    [urgent] = _received(aws, lanes["urgent"])
    [normal] = _received(aws, lanes["normal"])
    [bulk] = _received(aws, lanes["bulk"])
    assert (urgent["requestId"], urgent["lane"], urgent["version"]) == ("otp-1", "urgent", "3")
    assert (bulk["requestId"], bulk["lane"], bulk["version"]) == ("news-1", "bulk", "3")
    # no lane: the default lane's queue, and nothing a version-1 sender could not read
    assert (normal["requestId"], normal["version"]) == ("rem-1", "1")
    assert "lane" not in normal


def test_fails_on_a_lane_the_producer_does_not_know_and_queues_nothing() -> None:
    sqs = _RecordingSqs()
    producer = SmsProducer(
        "https://sqs.example/normal", lane_queue_urls={"urgent": "https://sqs.example/urgent"}, client=sqs
    )
    with pytest.raises(ContractError, match=r"'marketing' is not a lane of the send queue \(lanes: urgent\)"):
        producer.send("+14255550123", "hi", lane="marketing")
    plain = SmsProducer("https://sqs.example/normal", client=sqs)
    with pytest.raises(ContractError, match=r"lanes: none: the producer was given no lanes"):
        plain.send("+14255550123", "hi", lane="urgent")
    assert sqs.calls == []


def test_from_environment_reads_the_lanes_and_the_producer_name(aws: Aws) -> None:
    lanes = _lane_queues(aws)
    producer = SmsProducer.from_environment(
        client=aws.sqs,
        environment={
            "SMS_SEND_QUEUE_URL": aws.queue_url,
            "SMS_SEND_LANE_QUEUE_URLS": ",".join(f"{name}={url}" for name, url in lanes.items()),
            "SMS_PRODUCER_NAME": "reminders",
        },
    )
    assert producer.lane_queue_urls == lanes
    assert producer.producer == "reminders"
    producer.send("+14255550124", "Reminder", request_id="rem-2")
    [sent] = _received(aws, aws.queue_url)
    assert (sent["producer"], sent["version"]) == ("reminders", "3")  # a producer name needs version 3


def test_from_environment_without_the_lane_and_name_variables_is_a_plain_producer() -> None:
    producer = SmsProducer.from_environment(environment={"SMS_SEND_QUEUE_URL": "https://sqs.example/q"})
    assert (producer.lane_queue_urls, producer.producer) == ({}, None)


def test_send_batch_splits_per_lane_queue_in_chunks_of_ten(aws: Aws) -> None:
    lanes = _lane_queues(aws)
    recording = _RecordingSqs()
    producer = SmsProducer(aws.queue_url, lane_queue_urls=lanes, client=aws.sqs)
    requests = (
        [producer.build(f"+1425555{n:04d}", "code", request_id=f"u-{n}", lane="urgent") for n in range(12)]
        + [producer.build(f"+1425556{n:04d}", "reminder", request_id=f"n-{n}") for n in range(3)]
        + [producer.build(f"+1425557{n:04d}", "news", request_id=f"b-{n}", lane="bulk") for n in range(11)]
    )
    requests[1], requests[13] = requests[13], requests[1]  # interleaved: still grouped per queue
    assert producer.send_batch(requests) == [r.request_id for r in requests]
    urgent, normal, bulk = (_received(aws, lanes[name]) for name in ("urgent", "normal", "bulk"))
    assert sorted(m["requestId"] for m in urgent) == sorted(f"u-{n}" for n in range(12))
    assert sorted(m["requestId"] for m in normal) == sorted(f"n-{n}" for n in range(3))
    assert sorted(m["requestId"] for m in bulk) == sorted(f"b-{n}" for n in range(11))
    assert {m["version"] for m in urgent + bulk} == {"3"}
    # the calls: one queue per call, at most ten entries each (12 → 10 + 2, 3, 11 → 10 + 1)
    recorder = SmsProducer(aws.queue_url, lane_queue_urls=lanes, client=recording)
    recorder.send_batch(requests)
    assert sorted(recording.calls) == sorted(
        [f"SendMessageBatch {lanes['urgent']}"] * 2
        + [f"SendMessageBatch {lanes['normal']}"]
        + [f"SendMessageBatch {lanes['bulk']}"] * 2
    )
