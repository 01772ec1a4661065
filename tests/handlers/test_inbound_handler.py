"""The inbound handler of SmsInbound, driven by the AWS-documented two-way payload inside real SNS envelopes.

moto plays DynamoDB (de-duplication table, consent ledger), SQS (the send queue, an SQS target) and EventBridge (the
pattern's bus and a target bus, each with a rule copying every event to a capture queue); a botocore ``Stubber``
plays Lambda (asynchronous invokes of a Lambda target), so each request is checked against the service model.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from tests.conftest import REPO_ROOT
from tests.handlers.conftest import FakeClock, sqs_record

from inbound.handler import InboundHandler, RetryLaterError  # isort: skip  (lambda/ is on sys.path via conftest)
from sms_constructs_runtime.consent import ConsentLedger, ConsentState  # isort: skip
from sms_constructs_runtime.contract import SendRequest  # isort: skip
from sms_constructs_runtime.inbound import (  # isort: skip
    EVENT_SOURCE,
    InboundMessage,
    InboundParseError,
    InboundSettings,
    Route,
    RouteTarget,
    TargetType,
    reply_request_id,
)

FIXTURE = REPO_ROOT / "tests/handlers/inbound_events/11-awsdoc-two-way-inbound-sns-payload.json"
TOPIC_ARN = "arn:aws:sns:us-east-1:111122223333:inbound"
LAMBDA_ARN = "arn:aws:lambda:us-east-1:111122223333:function:confirm"
T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def documented_payload() -> dict[str, Any]:
    """The two-way payload exactly as AWS documents it."""
    return json.loads(FIXTURE.read_text())  # type: ignore[no-any-return]


def envelope(body: str, *, message_id: str | None = None, at_ms: int = T0, number: str | None = None) -> str:
    """The SNS notification the two-way topic delivers to SQS: the documented payload with ``messageBody`` (and the
    ids) changed, under the envelope's ``Timestamp``."""
    payload = documented_payload()
    payload["messageBody"] = body
    if message_id is not None:
        payload["inboundMessageId"] = message_id
    if number is not None:
        payload["originationNumber"] = number
    seconds, millis = divmod(at_ms, 1000)
    stamp = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{millis:03d}Z"
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": str(uuid.uuid4()),
            "TopicArn": TOPIC_ARN,
            "Message": json.dumps(payload),
            "Timestamp": stamp,
            "SignatureVersion": "1",
            "Signature": "EXAMPLE",
            "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-EXAMPLE.pem",
            "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
        }
    )


def record(body: str) -> dict[str, Any]:
    message = {"MessageId": str(uuid.uuid4()), "ReceiptHandle": str(uuid.uuid4()), "Body": body}
    return sqs_record(message, "arn:aws:sqs:us-east-1:111122223333:inbound")


@dataclass
class Env:
    handler: InboundHandler
    dynamodb: Any
    sqs: Any
    lambda_stub: Stubber
    send_queue_url: str
    bus_capture_url: str
    target_bus_capture_url: str
    target_queue_url: str
    clock: FakeClock

    def run(self, *bodies: str) -> dict[str, Any]:
        return self.handler.handle({"Records": [record(b) for b in bodies]})

    def drain(self, url: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while True:
            messages = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                return out
            for m in messages:
                out.append(json.loads(m["Body"]))
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])

    def bus_events(self) -> list[dict[str, Any]]:
        return self.drain(self.bus_capture_url)

    def replies(self) -> list[SendRequest]:
        return [SendRequest.from_json(json.dumps(b)) for b in self.drain(self.send_queue_url)]


def _table(dynamodb: Any, name: str, sort_key: bool) -> None:
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    attributes = [{"AttributeName": "pk", "AttributeType": "S"}]
    if sort_key:
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
        attributes.append({"AttributeName": "sk", "AttributeType": "S"})
    dynamodb.create_table(
        TableName=name, KeySchema=keys, AttributeDefinitions=attributes, BillingMode="PAY_PER_REQUEST"
    )


def _capture(events: Any, sqs: Any, bus: str, name: str) -> str:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=f"{name}-rule", EventBusName=bus, EventPattern=json.dumps({"source": [EVENT_SOURCE]}))
    events.put_targets(Rule=f"{name}-rule", EventBusName=bus, Targets=[{"Id": "capture", "Arn": arn}])
    return url


def settings(send_queue_url: str | None, target_queue_url: str, target_bus_arn: str) -> InboundSettings:
    routes = {
        "keywords": {
            "C": Route(targets=(RouteTarget(TargetType.LAMBDA, LAMBDA_ARN),), reply="Thanks, confirmed.").to_json(),
            "INFO": Route(targets=(RouteTarget(TargetType.EVENT_BUS, target_bus_arn),)).to_json(),
        },
        "default": Route(targets=(RouteTarget(TargetType.SQS, target_queue_url),)).to_json(),
    }
    built = InboundSettings(
        dedup_table_name="dedup",
        ledger_table_name="ledger",
        event_bus_name="inbound-bus",
        routes=json.dumps(routes),
        opt_out_keywords=("ARRET", "CANCEL", "END", "OPT-OUT", "OPTOUT", "QUIT", "REMOVE", "STOP", "TD", "UNSUBSCRIBE"),
        opt_in_keywords=("START", "UNSTOP"),
        consent_retention_seconds=5 * 365 * 86400,
        dedup_retention_seconds=15 * 86400,
        claim_timeout_seconds=30,
        reply_valid_for_seconds=900,
        service_name="inbound-test",
        metrics_namespace="SmsConstructsTest",
        send_queue_url=send_queue_url,
    )
    return InboundSettings.from_environment(built.to_environment())  # as the function reads it


@pytest.fixture
def env() -> Iterator[Env]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        events = boto3.client("events", region_name="us-east-1")
        _table(dynamodb, "dedup", sort_key=False)
        _table(dynamodb, "ledger", sort_key=True)
        events.create_event_bus(Name="inbound-bus")
        target_bus_arn = events.create_event_bus(Name="app-bus")["EventBusArn"]
        bus_capture = _capture(events, sqs, "inbound-bus", "bus-capture")
        target_bus_capture = _capture(events, sqs, "app-bus", "app-bus-capture")
        send_queue_url = sqs.create_queue(QueueName="send")["QueueUrl"]
        target_queue_url = sqs.create_queue(QueueName="other-messages")["QueueUrl"]
        lambda_client = boto3.client("lambda", region_name="us-east-1")
        stub = Stubber(lambda_client)
        clock = FakeClock(T0 / 1000 + 5)
        handler = InboundHandler(
            settings(send_queue_url, target_queue_url, target_bus_arn),
            dynamodb=dynamodb,
            events=events,
            sqs=sqs,
            lambda_client=lambda_client,
            clock=clock,
        )
        with stub:
            yield Env(
                handler, dynamodb, sqs, stub, send_queue_url, bus_capture, target_bus_capture, target_queue_url, clock
            )


def ledger(env: Env) -> ConsentLedger:
    return ConsentLedger(env.dynamodb, "ledger", 5 * 365 * 86400)


def test_documented_payload_is_parsed_with_the_envelope_time() -> None:
    message = InboundMessage.from_sqs_body(envelope("EXAMPLE", at_ms=T0 + 123))
    payload = documented_payload()
    assert message.inbound_message_id == payload["inboundMessageId"]
    assert message.origination_number == payload["originationNumber"]
    assert message.destination_number == payload["destinationNumber"]
    assert message.message_keyword == payload["messageKeyword"]
    assert message.previous_published_message_id == payload["previousPublishedMessageId"]
    assert message.received_at == T0 + 123


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps({"Type": "Notification", "Timestamp": "2026-01-01T00:00:00.000Z"}),
        json.dumps(documented_payload()),  # raw message delivery: no envelope, no time
    ],
)
def test_fails_on_records_that_are_not_inbound_notifications(body: str) -> None:
    with pytest.raises(InboundParseError):
        InboundMessage.from_sqs_body(body)


def test_malformed_record_is_handed_back_for_the_dlq(env: Env) -> None:
    response = env.run("not json")
    assert len(response["batchItemFailures"]) == 1
    assert env.bus_events() == []


def test_stop_records_opt_out_in_the_ledger_and_publishes_opted_out_without_reply(env: Env) -> None:
    env.run(envelope("  stop ", message_id="m-stop"))
    current = ledger(env).current(documented_payload()["originationNumber"])
    assert current is not None
    assert (current.state, current.keyword, current.inbound_message_id, current.at) == (
        ConsentState.OPTED_OUT,
        "STOP",
        "m-stop",
        T0,
    )
    published = {e["detail-type"]: e["detail"] for e in env.bus_events()}
    assert published["OptedOut"]["phoneNumber"] == documented_payload()["originationNumber"]
    assert published["OptedOut"]["inboundMessageId"] == "m-stop"
    assert published["InboundMessage"]["classification"] == "OPT_OUT"
    assert env.replies() == []  # the service answered STOP
    assert env.drain(env.target_queue_url) == []  # not routed as "anything else"


@pytest.mark.parametrize("word", ["ARRET", "cancel", "End", "OPT-OUT", "optout", "QUIT", "remove", "td", "Unsubscribe"])
def test_every_required_opt_out_keyword_opts_out(env: Env, word: str) -> None:
    env.run(envelope(word, message_id=f"m-{word}"))
    current = ledger(env).current(documented_payload()["originationNumber"])
    assert current is not None
    assert current.state == ConsentState.OPTED_OUT


def test_start_opts_back_in(env: Env) -> None:
    env.run(envelope("STOP", message_id="m1", at_ms=T0), envelope("Start", message_id="m2", at_ms=T0 + 60_000))
    current = ledger(env).current(documented_payload()["originationNumber"])
    assert current is not None
    assert (current.state, current.inbound_message_id) == (ConsentState.OPTED_IN, "m2")
    assert [e["detail-type"] for e in env.bus_events()].count("OptedIn") == 1


def test_an_older_stop_arriving_late_does_not_overwrite_a_newer_start(env: Env) -> None:
    env.run(envelope("START", message_id="newer", at_ms=T0 + 60_000))
    env.bus_events()
    env.run(envelope("STOP", message_id="older", at_ms=T0))
    current = ledger(env).current(documented_payload()["originationNumber"])
    assert current is not None
    assert (current.state, current.inbound_message_id) == (ConsentState.OPTED_IN, "newer")
    history = ledger(env).history(documented_payload()["originationNumber"])
    assert [(r.inbound_message_id, r.state) for r in history] == [
        ("older", ConsentState.OPTED_OUT),
        ("newer", ConsentState.OPTED_IN),
    ]
    late = env.bus_events()
    assert [e["detail-type"] for e in late] == ["InboundMessage"]  # no OptedOut for a superseded STOP


def test_help_is_published_but_never_answered_or_routed(env: Env) -> None:
    env.run(envelope("help", message_id="m-help"))
    [event] = env.bus_events()
    assert event["detail"]["classification"] == "HELP"
    assert env.replies() == []
    assert env.drain(env.target_queue_url) == []
    assert ledger(env).current(documented_payload()["originationNumber"]) is None


def test_custom_keyword_invokes_its_lambda_and_queues_one_idempotent_reply(env: Env) -> None:
    env.lambda_stub.add_response(
        "invoke", {"StatusCode": 202}, {"FunctionName": LAMBDA_ARN, "InvocationType": "Event", "Payload": ANY}
    )
    env.run(envelope(" c ", message_id="m-c"))
    env.lambda_stub.assert_no_pending_responses()
    [reply] = env.replies()
    assert reply.request_id == reply_request_id("m-c") == "reply-m-c"
    assert reply.destination_phone_number == documented_payload()["originationNumber"]
    assert reply.message_body == "Thanks, confirmed."
    assert reply.not_after == round(env.clock() * 1000) + 900_000  # a deadline: never sent late
    [event] = env.bus_events()
    assert event["detail"]["classification"] == "KEYWORD"
    assert event["detail"]["keyword"] == "C"
    assert event["detail"]["replyRequestId"] == "reply-m-c"


def test_lambda_target_receives_the_inbound_message_detail(env: Env) -> None:
    payloads: list[bytes] = []

    class Capture:
        __hash__ = None  # type: ignore[assignment]

        def __eq__(self, other: object) -> bool:
            payloads.append(other)  # type: ignore[arg-type]
            return True

    env.lambda_stub.add_response(
        "invoke", {"StatusCode": 202}, {"FunctionName": LAMBDA_ARN, "InvocationType": "Event", "Payload": Capture()}
    )
    env.run(envelope("C", message_id="m-c2"))
    detail = json.loads(payloads[0])
    assert (detail["inboundMessageId"], detail["keyword"], detail["version"]) == ("m-c2", "C", "1")


def test_keyword_routed_to_an_event_bus(env: Env) -> None:
    env.run(envelope("info", message_id="m-info"))
    [event] = env.drain(env.target_bus_capture_url)
    assert (event["detail-type"], event["detail"]["keyword"]) == ("InboundMessage", "INFO")
    assert env.replies() == []  # INFO has no reply


def test_unknown_text_goes_to_the_default_target(env: Env) -> None:
    env.run(envelope("Running 10 minutes late", message_id="m-other"))
    [routed] = env.drain(env.target_queue_url)
    assert (routed["classification"], routed["messageBody"]) == ("OTHER", "Running 10 minutes late")
    [event] = env.bus_events()
    assert event["detail"]["classification"] == "OTHER"


def test_a_keyword_inside_a_longer_message_is_not_a_keyword(env: Env) -> None:
    env.run(envelope("please STOP texting", message_id="m-long"))
    assert ledger(env).current(documented_payload()["originationNumber"]) is None
    assert len(env.drain(env.target_queue_url)) == 1


def test_duplicates_are_handled_once(env: Env) -> None:
    env.lambda_stub.add_response(
        "invoke", {"StatusCode": 202}, {"FunctionName": LAMBDA_ARN, "InvocationType": "Event", "Payload": ANY}
    )
    copy_one = envelope("C", message_id="m-dup")
    copy_two = envelope("C", message_id="m-dup")  # SNS redelivery: new envelope, same inboundMessageId
    assert env.run(copy_one, copy_two)["batchItemFailures"] == []
    assert env.run(copy_one)["batchItemFailures"] == []
    env.lambda_stub.assert_no_pending_responses()  # one invoke only (a second would find no stubbed response)
    assert len(env.replies()) == 1
    assert len(env.bus_events()) == 1


def test_a_failure_releases_the_claim_so_the_redelivery_is_handled(env: Env) -> None:
    env.lambda_stub.add_client_error("invoke", service_error_code="TooManyRequestsException", http_status_code=429)
    body = envelope("C", message_id="m-retry")
    first = env.run(body)
    assert len(first["batchItemFailures"]) == 1
    env.lambda_stub.add_response(
        "invoke", {"StatusCode": 202}, {"FunctionName": LAMBDA_ARN, "InvocationType": "Event", "Payload": ANY}
    )
    second = env.run(body)
    assert second["batchItemFailures"] == []
    assert [r.request_id for r in env.replies()] == ["reply-m-retry"]
    assert len(env.bus_events()) == 1


def test_a_message_another_invocation_is_handling_comes_back_later(env: Env) -> None:
    env.handler.dedup.claim("m-busy", round(env.clock() * 1000))
    with pytest.raises(RetryLaterError):
        env.handler.process(_sqs_record_object(envelope("hello", message_id="m-busy")))
    env.clock.advance(31)  # the other invocation's timeout has passed: its claim is stale
    assert env.handler.process(_sqs_record_object(envelope("hello", message_id="m-busy"))) == "OTHER"


def test_every_message_of_a_mixed_batch_is_handled_once_and_nothing_is_lost(env: Env) -> None:
    env.lambda_stub.add_response(
        "invoke", {"StatusCode": 202}, {"FunctionName": LAMBDA_ARN, "InvocationType": "Event", "Payload": ANY}
    )
    bodies = [
        envelope("STOP", message_id="b1", number="+14255550101", at_ms=T0),
        envelope("START", message_id="b2", number="+14255550102", at_ms=T0),
        envelope("HELP", message_id="b3", number="+14255550103", at_ms=T0),
        envelope("C", message_id="b4", number="+14255550104", at_ms=T0),
        envelope("what?", message_id="b5", number="+14255550105", at_ms=T0),
    ]
    response = env.run(*bodies, bodies[0], bodies[3])
    assert response["batchItemFailures"] == []
    published = env.bus_events()
    messages = sorted(e["detail"]["inboundMessageId"] for e in published if e["detail-type"] == "InboundMessage")
    assert messages == ["b1", "b2", "b3", "b4", "b5"]
    assert sorted(e["detail-type"] for e in published if e["detail-type"] != "InboundMessage") == [
        "OptedIn",
        "OptedOut",
    ]


def _sqs_record_object(body: str) -> Any:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord  # noqa: PLC0415

    return SQSRecord(copy.deepcopy(record(body)))
