"""The sender with lanes: a record's lane is the queue it came from, a lower lane waits within its horizon, what goes
back goes to its own lane's queue, and each send publishes ``TimeToSend`` per lane.

moto (SQS, DynamoDB) with one queue per lane, the library's fake SMS API, an injected clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

import pytest
from sender.handler import Sender
from sms_constructs_runtime.contract import FIRST_ENQUEUED_ATTRIBUTE, PRIOR_RECEIVES_ATTRIBUTE, SendRequest
from sms_constructs_runtime.pacing import MICROS, PACER_SORT_KEY, TAT_ATTRIBUTE
from sms_constructs_runtime.settings import SENDER_DEADLINE_MARGIN_SECONDS, SenderSettings

from .conftest import CONFIG_SET, IDENTITY, TABLE, Aws, FakeClock, FakeSms, LambdaContext, sqs_record

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

MPS = 20.0
PACER_KEY = f"pacer#{IDENTITY}"


@dataclass
class Lanes:
    """The lane queues: urgent and bulk are new, normal is the fixture's send queue (the default lane)."""

    urls: dict[str, str]
    arns: dict[str, str]


@pytest.fixture
def lanes(aws: Aws) -> Lanes:
    urls, arns = {"normal": aws.queue_url}, {"normal": aws.queue_arn}
    for name in ("urgent", "bulk"):
        url = aws.sqs.create_queue(QueueName=f"send-{name}", Attributes={"VisibilityTimeout": "1800"})["QueueUrl"]
        urls[name] = url
        arns[name] = aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return Lanes(urls, arns)


def settings(aws: Aws, lanes: Lanes | None, **overrides: Any) -> SenderSettings:
    base = SenderSettings(
        table_name=TABLE,
        queue_url=aws.queue_url,
        origination_identity=IDENTITY,
        configuration_set_name=CONFIG_SET,
        max_parts_per_second=MPS,
        retention_seconds=14 * 86400,
        service_name="sms-test",
        metrics_namespace="SmsConstructsTest",
        time_to_live_seconds=3600,
        lanes=() if lanes is None else tuple(f"{n}={lanes.urls[n]}" for n in ("urgent", "normal", "bulk")),
    )
    return replace(base, **overrides)


def make_sender(aws: Aws, sms: FakeSms, clock: FakeClock, lanes: Lanes | None, **overrides: Any) -> Sender:
    return Sender(
        settings(aws, lanes, **overrides),
        sms=sms,
        sqs=aws.sqs,
        dynamodb=aws.dynamodb,
        clock=clock,
        sleep=clock.sleep,
        jitter=lambda: 0.5,
    )


def request(n: int, **kwargs: Any) -> SendRequest:
    return SendRequest(
        request_id=f"req-{n}", destination_phone_number=f"+1425555{n:04d}", message_body="Your code is 123456", **kwargs
    )


def receive(aws: Aws, url: str, arn: str, **attributes: str) -> list[dict[str, Any]]:
    """Event records of what ``url`` holds, as the event source mapping of that queue builds them."""
    messages = aws.sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=10,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
        VisibilityTimeout=1800,
    ).get("Messages", [])
    records = [sqs_record(m, arn) for m in messages]
    for record in records:
        record["attributes"].update(attributes)
    return records


def schedule_busy_until(aws: Aws, at: float) -> None:
    """The shared pacer key's next free slot starts at ``at`` (a first-lane backlog)."""
    aws.dynamodb.put_item(
        TableName=TABLE,
        Item={"pk": {"S": PACER_KEY}, "sk": {"S": PACER_SORT_KEY}, TAT_ATTRIBUTE: {"N": str(round(at * MICROS))}},
    )


def emf(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{") and '"_aws"' in line]


def time_to_send(output: str) -> list[tuple[str, float]]:
    """(Lane, value) of every ``TimeToSend`` the handler published."""
    found = []
    for record in emf(output):
        for definition in record["_aws"]["CloudWatchMetrics"]:
            if any(m["Name"] == "TimeToSend" for m in definition["Metrics"]):
                assert ["Lane", "service"] in [sorted(d) for d in definition["Dimensions"]]
                assert record["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "SmsConstructsTest"
                found += [(record["Lane"], float(v)) for v in record["TimeToSend"]]
    return found


def sent_ids(sms: FakeSms) -> list[str]:
    return [str(s.params["Context"]["smsRequestId"]) for s in sms.sends]


def depth(aws: Aws, url: str) -> int:
    attributes = aws.sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ],
    )["Attributes"]
    return sum(int(v) for v in attributes.values())


# -- the lane of a record -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lane", "waits_within_horizon"), [("urgent", False), ("normal", True), ("bulk", True)])
def test_the_queue_a_record_came_from_decides_its_priority(
    aws: Aws, lanes: Lanes, lane: str, waits_within_horizon: bool
) -> None:
    """The shared key is busy 5 s ahead. An urgent record takes the slot at 5 s at once (one sleep); a normal or bulk
    record first sleeps until the slot is within its horizon (normal 2 batch slots, bulk 1), then reserves it."""
    clock = FakeClock()
    schedule_busy_until(aws, clock() + 5)
    aws.sqs.send_message(QueueUrl=lanes.urls[lane], MessageBody=request(1, lane=lane).to_json())
    sms = FakeSms(clock)
    sender = make_sender(aws, sms, clock, lanes)
    response = sender.handle({"Records": receive(aws, lanes.urls[lane], lanes.arns[lane])}, LambdaContext(clock, 900))
    assert response == {"batchItemFailures": []}
    assert sent_ids(sms) == ["req-1"]
    slot = 10 * 1.02 / MPS
    horizon = {"urgent": None, "normal": 2 * slot, "bulk": slot}[lane]
    if waits_within_horizon:
        assert horizon is not None
        assert clock.sleeps == pytest.approx([5 - horizon, horizon], abs=1e-5)
    else:
        assert clock.sleeps == pytest.approx([5], abs=1e-5)


def test_a_request_naming_another_lane_is_paced_as_its_queues_lane(
    aws: Aws, lanes: Lanes, caplog: pytest.LogCaptureFixture
) -> None:
    """A request that says ``urgent`` but was put on the bulk queue waits like bulk (and the mismatch is logged); one
    that names a lane the queue does not have is sent as its queue's lane too."""
    clock = FakeClock()
    schedule_busy_until(aws, clock() + 5)
    aws.sqs.send_message(QueueUrl=lanes.urls["bulk"], MessageBody=request(1, lane="urgent").to_json())
    aws.sqs.send_message(QueueUrl=lanes.urls["bulk"], MessageBody=request(2, lane="vip").to_json())
    sms = FakeSms(clock)
    sender = make_sender(aws, sms, clock, lanes)
    response = sender.handle(
        {"Records": receive(aws, lanes.urls["bulk"], lanes.arns["bulk"])}, LambdaContext(clock, 900)
    )
    assert response == {"batchItemFailures": []}
    assert sorted(sent_ids(sms)) == ["req-1", "req-2"]
    horizon = 10 * 1.02 / MPS
    assert clock.sleeps[:2] == pytest.approx([5 - horizon, horizon], abs=1e-5)  # bulk's horizon, not urgent's none
    logged = [r for r in caplog.records if hasattr(r, "requestLane")]
    assert [(r.requestLane, r.lane, r.levelname) for r in logged] == [  # type: ignore[attr-defined]
        ("urgent", "bulk", "WARNING"),
        ("vip", "bulk", "WARNING"),
    ]


def test_a_record_from_a_queue_that_is_no_lanes_is_sent_as_the_default_lane(
    aws: Aws, lanes: Lanes, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    aws.sqs.send_message(QueueUrl=lanes.urls["normal"], MessageBody=request(1).to_json())
    records = receive(aws, lanes.urls["normal"], "arn:aws:sqs:us-east-1:111122223333:somewhere-else")
    sms = FakeSms(clock)
    response = make_sender(aws, sms, clock, lanes).handle({"Records": records}, LambdaContext(clock, 900))
    assert response == {"batchItemFailures": []}
    assert any("no lane's" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)
    assert [lane for lane, _ in time_to_send(capsys.readouterr().out)] == ["normal"]


# -- what goes back goes to its own lane ----------------------------------------------------------------------------


def test_a_record_handed_back_is_backed_off_on_its_own_lanes_queue(aws: Aws, lanes: Lanes) -> None:
    """Too close to the invocation's deadline: the bulk record goes back (visible again at once) on the bulk queue;
    a back-off sent to another queue would leave it invisible for the 30-minute visibility timeout."""
    clock = FakeClock()
    aws.sqs.send_message(QueueUrl=lanes.urls["bulk"], MessageBody=request(1, lane="bulk").to_json())
    records = receive(aws, lanes.urls["bulk"], lanes.arns["bulk"])
    sms = FakeSms(clock)
    sender = make_sender(aws, sms, clock, lanes)
    response = sender.handle({"Records": records}, LambdaContext(clock, SENDER_DEADLINE_MARGIN_SECONDS - 1))
    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == [records[0]["messageId"]]
    assert sms.sends == []
    again = receive(aws, lanes.urls["bulk"], lanes.arns["bulk"])
    assert [r["messageId"] for r in again] == [records[0]["messageId"]]
    assert depth(aws, lanes.urls["normal"]) == 0


def test_a_record_re_enqueued_goes_back_to_its_own_lanes_queue(aws: Aws, lanes: Lanes) -> None:
    """At its 9th receive (of 10 before the DLQ) a deferred bulk record is re-enqueued as a new message — on the bulk
    queue, with its first enqueue time — and the old copy succeeds."""
    clock = FakeClock()
    aws.sqs.send_message(QueueUrl=lanes.urls["bulk"], MessageBody=request(1, lane="bulk").to_json())
    records = receive(aws, lanes.urls["bulk"], lanes.arns["bulk"], ApproximateReceiveCount="9")
    first_sent = records[0]["attributes"]["SentTimestamp"]
    sender = make_sender(aws, FakeSms(clock), clock, lanes)
    response = sender.handle({"Records": records}, LambdaContext(clock, SENDER_DEADLINE_MARGIN_SECONDS - 1))
    assert response == {"batchItemFailures": []}  # the old copy is deleted: the new one carries on
    aws.sqs.delete_message(QueueUrl=lanes.urls["bulk"], ReceiptHandle=records[0]["receiptHandle"])
    copies = aws.sqs.receive_message(
        QueueUrl=lanes.urls["bulk"], MessageAttributeNames=["All"], VisibilityTimeout=0
    ).get("Messages", [])
    assert [json.loads(m["Body"])["requestId"] for m in copies] == ["req-1"]
    assert copies[0]["MessageAttributes"][PRIOR_RECEIVES_ATTRIBUTE]["StringValue"] == "9"
    assert copies[0]["MessageAttributes"][FIRST_ENQUEUED_ATTRIBUTE]["StringValue"] == first_sent
    assert depth(aws, lanes.urls["normal"]) == 0
    assert depth(aws, lanes.urls["urgent"]) == 0


# -- TimeToSend -----------------------------------------------------------------------------------------------------


def test_time_to_send_is_published_per_lane_from_the_first_enqueue(
    aws: Aws, lanes: Lanes, capsys: pytest.CaptureFixture[str]
) -> None:
    """Urgent waits for the busy schedule (3 s after its enqueue); a re-enqueued bulk copy counts from when the
    request first reached the queue (its ``smsFirstEnqueuedAt``), not from the copy."""
    clock = FakeClock()
    schedule_busy_until(aws, clock() + 3)
    now_ms = int(clock() * 1000)
    aws.sqs.send_message(QueueUrl=lanes.urls["urgent"], MessageBody=request(1, lane="urgent").to_json())
    aws.sqs.send_message(
        QueueUrl=lanes.urls["bulk"],
        MessageBody=request(2, lane="bulk").to_json(),
        MessageAttributes={FIRST_ENQUEUED_ATTRIBUTE: {"DataType": "Number", "StringValue": str(now_ms - 60_000)}},
    )
    sender = make_sender(aws, FakeSms(clock), clock, lanes)
    urgent = receive(aws, lanes.urls["urgent"], lanes.arns["urgent"], SentTimestamp=str(now_ms))
    assert sender.handle({"Records": urgent}, LambdaContext(clock, 900)) == {"batchItemFailures": []}
    sent_urgent_ms = int(clock() * 1000)
    bulk = receive(aws, lanes.urls["bulk"], lanes.arns["bulk"], SentTimestamp=str(now_ms))
    assert sender.handle({"Records": bulk}, LambdaContext(clock, 900)) == {"batchItemFailures": []}
    sent_bulk_ms = int(clock() * 1000)
    published = time_to_send(capsys.readouterr().out)
    assert published == [("urgent", sent_urgent_ms - now_ms), ("bulk", sent_bulk_ms - (now_ms - 60_000))]
    assert published[0][1] >= 3000


def test_a_queue_without_lanes_publishes_no_time_to_send_and_paces_as_before(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without lanes: one pacer key at the whole MPS, no horizon, no ``TimeToSend``, back-offs on the send queue."""
    clock = FakeClock()
    schedule_busy_until(aws, clock() + 5)
    aws.sqs.send_message(QueueUrl=aws.queue_url, MessageBody=request(1, lane="bulk").to_json())
    sms = FakeSms(clock)
    sender = make_sender(aws, sms, clock, None)
    response = sender.handle({"Records": receive(aws, aws.queue_url, aws.queue_arn)}, LambdaContext(clock, 900))
    assert response == {"batchItemFailures": []}
    assert clock.sleeps == pytest.approx([5], abs=1e-5)  # the lane the request names changes nothing
    assert sender.pacer.parts_per_second == MPS
    assert time_to_send(capsys.readouterr().out) == []


# -- reserved shares ------------------------------------------------------------------------------------------------


def test_a_lane_with_a_reserved_share_sends_on_its_own_key_when_the_shared_one_is_beyond_its_horizon(
    aws: Aws, lanes: Lanes
) -> None:
    """bulk=0.25 at 20 MPS: the shared key runs at 15, bulk's own key (``<key>#lane#bulk``) at 5. With the shared key
    busy 30 s ahead, a bulk record is sent at once on its own key; the shared key is untouched."""
    clock = FakeClock()
    schedule_busy_until(aws, clock() + 30)
    aws.sqs.send_message(QueueUrl=lanes.urls["bulk"], MessageBody=request(1, lane="bulk").to_json())
    sms = FakeSms(clock)
    sender = make_sender(aws, sms, clock, lanes, lane_reserved_shares=("bulk=0.25",))
    assert sender.pacer.parts_per_second == pytest.approx(15)
    response = sender.handle(
        {"Records": receive(aws, lanes.urls["bulk"], lanes.arns["bulk"])}, LambdaContext(clock, 900)
    )
    assert response == {"batchItemFailures": []}
    assert sent_ids(sms) == ["req-1"]
    assert sum(clock.sleeps) < 0.1

    def tat(key: str) -> int:
        item = aws.dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": key}, "sk": {"S": PACER_SORT_KEY}})["Item"]
        return int(item[TAT_ATTRIBUTE]["N"])

    assert tat(PACER_KEY) == round((1_767_225_600.0 + 30) * MICROS)
    assert tat(f"{PACER_KEY}#lane#bulk") > 0


def test_fails_on_reserved_shares_that_leave_nothing_shared(aws: Aws, lanes: Lanes) -> None:
    clock = FakeClock()
    with pytest.raises(ValueError, match="sum to less than 1"):
        make_sender(aws, FakeSms(clock), clock, lanes, lane_reserved_shares=("bulk=0.5", "normal=0.5"))
    with pytest.raises(ValueError, match="'vip' is not a lane"):
        make_sender(aws, FakeSms(clock), clock, lanes, lane_reserved_shares=("vip=0.1",))
