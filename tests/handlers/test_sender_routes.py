"""The sender with routes: each destination country is paced on its route's key at its MPS, a record of a saturated
route is parked on the route's parking queue (never delaying the other records of its batch), a parked record waits
for its route's slot in its lane's horizon, a first-lane record is never parked, and nothing is lost or sent twice.

moto (SQS, DynamoDB), the library's fake SMS API, an injected clock.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any
from unittest import mock

import pytest
from botocore.exceptions import ClientError
from sender import handler
from sender.handler import Sender
from sms_constructs_runtime.contract import FIRST_ENQUEUED_ATTRIBUTE, VERSION_ATTRIBUTE, SendRequest
from sms_constructs_runtime.pacing import MICROS, PACER_SORT_KEY, TAT_ATTRIBUTE
from sms_constructs_runtime.routes import PARKED_LANE_ATTRIBUTE
from sms_constructs_runtime.settings import SENDER_DEADLINE_MARGIN_SECONDS, SenderSettings

from .conftest import CONFIG_SET, IDENTITY, TABLE, Aws, FakeClock, FakeSms, LambdaContext, sqs_record

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

MPS = 5.0
PACER_KEY = f"pacer#{IDENTITY}"
NUMBERS = {"CA": "+14165550123", "GB": "+447860019066", "MX": "+525512345678"}


class Queues:
    """The parking queues (CA, GB and ``*``) and the lane queues (urgent, bulk; normal is the fixture's queue)."""

    def __init__(self, aws: Aws) -> None:
        self.urls: dict[str, str] = {"normal": aws.queue_url}
        self.arns: dict[str, str] = {"normal": aws.queue_arn}
        for name in ("park-CA", "park-GB", "park-any", "urgent", "bulk"):
            url = aws.sqs.create_queue(QueueName=f"send-{name}", Attributes={"VisibilityTimeout": "1800"})["QueueUrl"]
            self.urls[name] = url
            attributes = aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
            self.arns[name] = attributes["QueueArn"]

    def parking(self) -> tuple[str, ...]:
        return (f"CA={self.urls['park-CA']}", f"GB={self.urls['park-GB']}", f"*={self.urls['park-any']}")

    def lanes(self) -> tuple[str, ...]:
        return tuple(f"{n}={self.urls[n]}" for n in ("urgent", "normal", "bulk"))


@pytest.fixture
def queues(aws: Aws) -> Queues:
    return Queues(aws)


@pytest.fixture(autouse=True)
def _fresh_metrics() -> None:
    handler.metrics.clear_metrics()


def make_sender(aws: Aws, queues: Queues, sms: FakeSms, clock: FakeClock, **overrides: Any) -> Sender:
    settings = SenderSettings(
        table_name=TABLE,
        queue_url=aws.queue_url,
        origination_identity=IDENTITY,
        configuration_set_name=CONFIG_SET,
        max_parts_per_second=MPS,
        retention_seconds=14 * 86400,
        service_name="sms-test",
        metrics_namespace="SmsConstructsTest",
        time_to_live_seconds=3600,
        routes=("CA=1", "GB=10"),
        route_parking_queues=queues.parking(),
    )
    return Sender(
        replace(settings, **overrides),
        sms=sms,
        sqs=aws.sqs,
        dynamodb=aws.dynamodb,
        clock=clock,
        sleep=clock.sleep,
        jitter=lambda: 0.5,
    )


def request(n: int, country: str, **kwargs: Any) -> SendRequest:
    return SendRequest(
        request_id=f"req-{n}", destination_phone_number=NUMBERS[country], message_body="Your code is 123456", **kwargs
    )


def put(aws: Aws, url: str, *requests: SendRequest) -> None:
    for item in requests:
        aws.sqs.send_message(QueueUrl=url, MessageBody=item.to_json(), MessageAttributes=item.message_attributes())


def receive(aws: Aws, url: str, arn: str, **attributes: str) -> list[dict[str, Any]]:
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


def messages(aws: Aws, url: str) -> list[dict[str, Any]]:
    return aws.sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], VisibilityTimeout=0
    ).get("Messages", [])


def tat(aws: Aws, key: str) -> int | None:
    item = aws.dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": key}, "sk": {"S": PACER_SORT_KEY}}).get("Item")
    return int(item[TAT_ATTRIBUTE]["N"]) if item else None


def busy_until(aws: Aws, key: str, at: float) -> None:
    aws.dynamodb.put_item(
        TableName=TABLE,
        Item={"pk": {"S": key}, "sk": {"S": PACER_SORT_KEY}, TAT_ATTRIBUTE: {"N": str(round(at * MICROS))}},
    )


def sent_ids(sms: FakeSms) -> list[str]:
    return [str(s.params["Context"]["smsRequestId"]) for s in sms.sends]


def metric_values(output: str, name: str) -> list[tuple[dict[str, str], float]]:
    """(dimensions, value) of every ``name`` the handler published."""
    found = []
    for line in output.splitlines():
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        record = json.loads(line)
        for definition in record["_aws"]["CloudWatchMetrics"]:
            if any(m["Name"] == name for m in definition["Metrics"]):
                for dimensions in definition["Dimensions"]:
                    values = record[name] if isinstance(record[name], list) else [record[name]]
                    found += [({d: record[d] for d in dimensions}, float(v)) for v in values]
    return found


# -- the route key -------------------------------------------------------------------------------------------------


def test_each_destination_is_paced_on_its_routes_key_at_its_mps(aws: Aws, queues: Queues) -> None:
    """CA on ``#route#CA`` at 1 MPS, GB on ``#route#GB`` at 10, MX (no route) on the queue's key at the queue's 5."""
    clock = FakeClock()
    put(aws, aws.queue_url, request(1, "CA"), request(2, "GB"), request(3, "MX"))
    sms = FakeSms(clock)
    sender = make_sender(aws, queues, sms, clock)
    response = sender.handle({"Records": receive(aws, aws.queue_url, aws.queue_arn)}, LambdaContext(clock, 900))
    assert response == {"batchItemFailures": []}
    assert sorted(sent_ids(sms)) == ["req-1", "req-2", "req-3"]
    rates = {country: pacer.parts_per_second for country, (pacer, _) in sender._route_pacing.items()}
    assert rates == {"CA": 1, "GB": 10, "*": MPS}
    # each key holds exactly the one slot its send reserved: 1 part x 1.02 / its MPS
    for key, mps in ((f"{PACER_KEY}#route#CA", 1), (f"{PACER_KEY}#route#GB", 10), (PACER_KEY, MPS)):
        end = tat(aws, key)
        assert end is not None, key
        assert end / MICROS - clock() == pytest.approx(1.02 / mps, abs=0.02), key


# -- parking -------------------------------------------------------------------------------------------------------


def test_a_record_of_a_saturated_route_is_parked_and_the_others_are_not_delayed(
    aws: Aws, queues: Queues, capsys: pytest.CaptureFixture[str]
) -> None:
    """CA's key is busy 30 s ahead. In one batch, the CA record is moved to CA's parking queue (same body, its version
    and first enqueue) and succeeds; the GB record behind it is sent without waiting; nothing is reserved on CA."""
    clock = FakeClock()
    busy_until(aws, f"{PACER_KEY}#route#CA", clock() + 30)
    put(aws, aws.queue_url, request(1, "CA"), request(2, "GB"))
    records = receive(aws, aws.queue_url, aws.queue_arn)
    assert [json.loads(r["body"])["requestId"] for r in records] == ["req-1", "req-2"]
    first_sent = records[0]["attributes"]["SentTimestamp"]
    sms = FakeSms(clock)
    response = make_sender(aws, queues, sms, clock).handle({"Records": records}, LambdaContext(clock, 900))
    assert response == {"batchItemFailures": []}
    assert sent_ids(sms) == ["req-2"]
    assert sum(clock.sleeps) < 0.1  # GB did not wait for CA
    assert tat(aws, f"{PACER_KEY}#route#CA") == round((1_767_225_600.0 + 30) * MICROS)
    parked = messages(aws, queues.urls["park-CA"])
    assert [m["Body"] for m in parked] == [records[0]["body"]]
    attributes = parked[0]["MessageAttributes"]
    assert attributes[FIRST_ENQUEUED_ATTRIBUTE]["StringValue"] == first_sent
    assert (
        attributes[VERSION_ATTRIBUTE]["StringValue"]
        == records[0]["messageAttributes"][VERSION_ATTRIBUTE]["stringValue"]
    )
    assert PARKED_LANE_ATTRIBUTE not in attributes  # a queue without lanes
    assert messages(aws, queues.urls["park-GB"]) == []
    handler.metrics.flush_metrics()  # what main does after each invocation
    output = capsys.readouterr().out
    assert ({"service": "sms-test", "Route": "CA"}, 1.0) in metric_values(output, "RouteParked")
    assert ({"service": "sms-test"}, 1.0) in metric_values(output, "RouteParked")


def test_a_route_slot_within_the_park_horizon_is_taken_not_parked(aws: Aws, queues: Queues) -> None:
    """Without lanes the park horizon is one batch slot of the route, at most 1 s / batch size (0.1 s at batch 10):
    CA busy 0.05 s ahead → sent after 0.05 s; nothing parked."""
    clock = FakeClock()
    busy_until(aws, f"{PACER_KEY}#route#CA", clock() + 0.05)
    put(aws, aws.queue_url, request(1, "CA"))
    sms = FakeSms(clock)
    response = make_sender(aws, queues, sms, clock).handle(
        {"Records": receive(aws, aws.queue_url, aws.queue_arn)}, LambdaContext(clock, 900)
    )
    assert response == {"batchItemFailures": []}
    assert sent_ids(sms) == ["req-1"]
    assert clock.sleeps == pytest.approx([0.05], abs=1e-5)
    assert messages(aws, queues.urls["park-CA"]) == []


def test_a_parked_record_waits_for_its_routes_slot_and_is_sent_once(
    aws: Aws, queues: Queues, capsys: pytest.CaptureFixture[str]
) -> None:
    """Parked, then received from CA's parking queue: it waits for CA's slot 30 s ahead (it blocks nobody there), is
    sent once, and its TimeToSend per Route counts from its first enqueue. A second delivery of the original (a crash
    after the parking SendMessage) is not sent again."""
    clock = FakeClock()
    busy_until(aws, f"{PACER_KEY}#route#CA", clock() + 30)
    put(aws, aws.queue_url, request(1, "CA"))
    now_ms = int(clock() * 1000)
    original = receive(aws, aws.queue_url, aws.queue_arn, SentTimestamp=str(now_ms))
    sms = FakeSms(clock)
    sender = make_sender(aws, queues, sms, clock)
    assert sender.handle({"Records": original}, LambdaContext(clock, 900)) == {"batchItemFailures": []}
    parked = receive(aws, queues.urls["park-CA"], queues.arns["park-CA"])
    assert sender.handle({"Records": parked}, LambdaContext(clock, 900)) == {"batchItemFailures": []}
    assert sent_ids(sms) == ["req-1"]
    assert clock.sleeps == pytest.approx([30], abs=0.01)
    waited = [v for d, v in metric_values(capsys.readouterr().out, "TimeToSend") if d.get("Route") == "CA"]
    assert waited == [pytest.approx(30_000, abs=20)]
    # the original comes back (its deletion was lost): the idempotency record lets it through without a send
    assert sender.handle({"Records": original}, LambdaContext(clock, 900)) == {"batchItemFailures": []}
    assert sent_ids(sms) == ["req-1"]


def test_a_parked_record_handed_back_at_the_deadline_goes_back_to_its_parking_queue(aws: Aws, queues: Queues) -> None:
    """CA's next slot comes after the invocation's deadline: the parked record is handed back, on CA's parking queue
    (visible again at once), not on the send queue."""
    clock = FakeClock()
    busy_until(aws, f"{PACER_KEY}#route#CA", clock() + 600)
    put(aws, queues.urls["park-CA"], request(1, "CA"))
    records = receive(aws, queues.urls["park-CA"], queues.arns["park-CA"])
    sms = FakeSms(clock)
    response = make_sender(aws, queues, sms, clock).handle({"Records": records}, LambdaContext(clock, 120))
    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == [records[0]["messageId"]]
    assert sms.sends == []
    again = receive(aws, queues.urls["park-CA"], queues.arns["park-CA"])
    assert [r["messageId"] for r in again] == [records[0]["messageId"]]
    assert messages(aws, aws.queue_url) == []


def test_a_parked_record_re_enqueued_stays_on_its_parking_queue_in_its_lane(aws: Aws, queues: Queues) -> None:
    """At its 9th receive a deferred parked bulk record is re-enqueued — on CA's parking queue, still bulk."""
    clock = FakeClock()
    put(aws, queues.urls["park-CA"], request(1, "CA", lane="bulk"))
    aws.sqs.send_message(
        QueueUrl=queues.urls["park-CA"],
        MessageBody=request(2, "CA", lane="bulk").to_json(),
        MessageAttributes={PARKED_LANE_ATTRIBUTE: {"DataType": "String", "StringValue": "bulk"}},
    )
    records = receive(aws, queues.urls["park-CA"], queues.arns["park-CA"], ApproximateReceiveCount="9")
    records = [r for r in records if json.loads(r["body"])["requestId"] == "req-2"]
    sender = make_sender(aws, queues, FakeSms(clock), clock, lanes=queues.lanes())
    response = sender.handle({"Records": records}, LambdaContext(clock, SENDER_DEADLINE_MARGIN_SECONDS - 1))
    assert response == {"batchItemFailures": []}
    aws.sqs.delete_message(QueueUrl=queues.urls["park-CA"], ReceiptHandle=records[0]["receiptHandle"])
    copies = [m for m in messages(aws, queues.urls["park-CA"]) if json.loads(m["Body"])["requestId"] == "req-2"]
    assert len(copies) == 1
    assert copies[0]["MessageAttributes"][PARKED_LANE_ATTRIBUTE]["StringValue"] == "bulk"
    assert messages(aws, queues.urls["bulk"]) == []


def test_a_failed_parking_send_brings_the_record_back(aws: Aws, queues: Queues) -> None:
    """The parking ``SendMessage`` fails: the record is a batch item failure (it comes back), nothing is sent."""
    clock = FakeClock()
    busy_until(aws, f"{PACER_KEY}#route#CA", clock() + 30)
    put(aws, aws.queue_url, request(1, "CA"))
    records = receive(aws, aws.queue_url, aws.queue_arn)
    sms = FakeSms(clock)
    sender = make_sender(aws, queues, sms, clock)
    refused = ClientError({"Error": {"Code": "KMS.ThrottlingException", "Message": "slow down"}}, "SendMessage")
    with mock.patch.object(aws.sqs, "send_message", side_effect=refused):
        response = sender.handle({"Records": records}, LambdaContext(clock, 900))
    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == [records[0]["messageId"]]
    assert sms.sends == []
    assert messages(aws, queues.urls["park-CA"]) == []


# -- lanes within routes -------------------------------------------------------------------------------------------


def test_the_first_lane_is_never_parked(aws: Aws, queues: Queues) -> None:
    """An urgent CA record with CA busy 30 s ahead waits for the slot (no horizon) and is sent; nothing parked."""
    clock = FakeClock()
    busy_until(aws, f"{PACER_KEY}#route#CA", clock() + 30)
    put(aws, queues.urls["urgent"], request(1, "CA", lane="urgent"))
    sms = FakeSms(clock)
    sender = make_sender(aws, queues, sms, clock, lanes=queues.lanes())
    response = sender.handle(
        {"Records": receive(aws, queues.urls["urgent"], queues.arns["urgent"])}, LambdaContext(clock, 900)
    )
    assert response == {"batchItemFailures": []}
    assert sent_ids(sms) == ["req-1"]
    assert clock.sleeps == pytest.approx([30], abs=0.01)
    assert messages(aws, queues.urls["park-CA"]) == []


def test_a_lower_lane_record_is_parked_with_its_lane_and_waits_in_its_lanes_horizon(aws: Aws, queues: Queues) -> None:
    """A bulk CA record (CA busy 30 s ahead) is parked carrying ``bulk``; from the parking queue it waits like bulk:
    sleeps until the slot is within bulk's horizon on CA's key (one batch slot at 1 MPS: 10.2 s), then takes it."""
    clock = FakeClock()
    busy_until(aws, f"{PACER_KEY}#route#CA", clock() + 30)
    put(aws, queues.urls["bulk"], request(1, "CA", lane="bulk"))
    sms = FakeSms(clock)
    sender = make_sender(aws, queues, sms, clock, lanes=queues.lanes())
    response = sender.handle(
        {"Records": receive(aws, queues.urls["bulk"], queues.arns["bulk"])}, LambdaContext(clock, 900)
    )
    assert response == {"batchItemFailures": []}
    assert sms.sends == []
    parked = receive(aws, queues.urls["park-CA"], queues.arns["park-CA"])
    assert parked[0]["messageAttributes"][PARKED_LANE_ATTRIBUTE]["stringValue"] == "bulk"
    assert sender.handle({"Records": parked}, LambdaContext(clock, 900)) == {"batchItemFailures": []}
    assert sent_ids(sms) == ["req-1"]
    horizon = 10 * 1.02 / 1
    assert clock.sleeps == pytest.approx([30 - horizon, horizon], abs=1e-3)


def test_reserved_shares_apply_within_each_route(aws: Aws, queues: Queues) -> None:
    """bulk=0.5: CA's shared key runs at 0.5 MPS and bulk's own CA key (``#route#CA#lane#bulk``) at 0.5; GB at 5
    and 5. A bulk CA record with CA's shared key busy goes to its own CA key at once, not parked."""
    clock = FakeClock()
    busy_until(aws, f"{PACER_KEY}#route#CA", clock() + 30)
    put(aws, queues.urls["bulk"], request(1, "CA", lane="bulk"))
    sms = FakeSms(clock)
    sender = make_sender(aws, queues, sms, clock, lanes=queues.lanes(), lane_reserved_shares=("bulk=0.5",))
    ca, ca_lanes = sender._route_pacing["CA"]
    gb, gb_lanes = sender._route_pacing["GB"]
    own_ca, own_gb = ca_lanes["bulk"][1], gb_lanes["bulk"][1]
    assert own_ca is not None
    assert own_gb is not None
    assert (ca.parts_per_second, own_ca.parts_per_second) == (0.5, 0.5)
    assert (gb.parts_per_second, own_gb.parts_per_second) == (5, 5)
    assert own_ca.key == f"{PACER_KEY}#route#CA#lane#bulk"
    response = sender.handle(
        {"Records": receive(aws, queues.urls["bulk"], queues.arns["bulk"])}, LambdaContext(clock, 900)
    )
    assert response == {"batchItemFailures": []}
    assert sent_ids(sms) == ["req-1"]
    assert tat(aws, own_ca.key) is not None
    assert messages(aws, queues.urls["park-CA"]) == []


# -- without routes ------------------------------------------------------------------------------------------------


def test_a_queue_without_routes_paces_every_destination_on_its_one_key(aws: Aws, queues: Queues) -> None:
    """No routes: a CA record with the queue's key busy waits for it (never parked), and no route key is written."""
    clock = FakeClock()
    busy_until(aws, PACER_KEY, clock() + 5)
    put(aws, aws.queue_url, request(1, "CA"))
    sms = FakeSms(clock)
    sender = make_sender(aws, queues, sms, clock, routes=(), route_parking_queues=())
    response = sender.handle({"Records": receive(aws, aws.queue_url, aws.queue_arn)}, LambdaContext(clock, 900))
    assert response == {"batchItemFailures": []}
    assert sent_ids(sms) == ["req-1"]
    assert clock.sleeps == pytest.approx([5], abs=1e-5)
    assert tat(aws, f"{PACER_KEY}#route#CA") is None
    assert messages(aws, queues.urls["park-CA"]) == []
