"""Fixtures for the sender and retry handlers: moto for SQS/DynamoDB/SNS, a faithful fake of the SMS API, an
injected clock, and an event-source-mapping simulator that builds real SQS event records."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.validate import validate_parameters
from moto import mock_aws

from tests.conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "lambda"))  # handlers import as in Lambda: sender.handler, sms_constructs_runtime

os.environ.update(
    {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_METRICS_NAMESPACE": "SmsConstructsTest",
        "POWERTOOLS_SERVICE_NAME": "sms-test",
        "AWS_LAMBDA_FUNCTION_NAME": "sender",
    }
)

IDENTITY = "arn:aws:sms-voice:us-east-1:111122223333:pool/pool-0123456789abcdef0123456789abcdef"
CONFIG_SET = "acme-config"
TABLE = "message-store"


class FakeClock:
    """Wall clock that only moves when something sleeps (or a test advances it)."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Send:
    """One accepted SendTextMessage call."""

    at: float
    params: dict[str, Any]
    message_id: str


@dataclass
class FakeSms:
    """A fake ``pinpoint-sms-voice-v2`` client that behaves like the service.

    Every request is validated against the real botocore service model; errors are the client's modeled
    exceptions with the members the model defines (Reason, ...). ``faults`` is a queue of error codes (or
    ``(code, reason)``, or an exception raised as is) returned by the next calls; ``opted_out`` numbers get the
    ConflictException the service returns; ``number_types`` drive CarrierLookup.
    """

    clock: FakeClock
    faults: list[Any] = field(default_factory=list)
    opted_out: set[str] = field(default_factory=set)
    number_types: dict[str, str] = field(default_factory=dict)
    sends: list[Send] = field(default_factory=list)
    attempts: int = 0
    lookups: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._client = boto3.client("pinpoint-sms-voice-v2", region_name="us-east-1")
        self.exceptions = self._client.exceptions

    def _validate(self, operation: str, params: dict[str, Any]) -> None:
        model = self._client.meta.service_model.operation_model(operation)
        validate_parameters(params, model.input_shape)

    def _error(self, code: str, message: str, **members: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": message}, **members}, "SendTextMessage")

    def send_text_message(self, **params: Any) -> dict[str, Any]:
        self._validate("SendTextMessage", params)
        self.attempts += 1
        if self.faults:
            fault = self.faults.pop(0)
            if isinstance(fault, Exception):  # a botocore exception as the client raises it (network, HTTP 5xx, ...)
                raise fault
            code, reason = fault if isinstance(fault, tuple) else (fault, None)
            members = {"Reason": reason} if reason else {}
            raise self._error(code, f"simulated {code}", **members)
        if params["DestinationPhoneNumber"] in self.opted_out:
            raise self._error(
                "ConflictException",
                "The destination phone number is opted out.",
                Reason="DESTINATION_PHONE_NUMBER_OPTED_OUT",
                ResourceType="opted-out-number",
                ResourceId=params["DestinationPhoneNumber"],
            )
        message_id = str(uuid.uuid4())
        self.sends.append(Send(at=self.clock(), params=params, message_id=message_id))
        return {"MessageId": message_id}

    def carrier_lookup(self, **params: Any) -> dict[str, Any]:
        self._validate("CarrierLookup", params)
        number = params["PhoneNumber"]
        self.lookups.append(number)
        return {"E164PhoneNumber": number, "PhoneNumberType": self.number_types.get(number, "MOBILE")}

    def sent_request_ids(self) -> list[tuple[str, str]]:
        return [(s.params["Context"]["smsRequestId"], s.params["Context"]["smsAttempt"]) for s in self.sends]


class LambdaContext:
    """The parts of the Lambda context the handlers use; the deadline follows the fake clock."""

    def __init__(self, clock: FakeClock, timeout_seconds: float) -> None:
        self._clock = clock
        self._deadline = clock() + timeout_seconds
        self.function_name = "sender"
        self.memory_limit_in_mb = 256
        self.invoked_function_arn = "arn:aws:lambda:us-east-1:111122223333:function:sender"
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - self._clock()) * 1000))


@dataclass
class Aws:
    """moto clients and the resources the handlers use."""

    sqs: Any
    dynamodb: Any
    sns: Any
    queue_url: str
    dlq_url: str
    queue_arn: str
    topic_arn: str
    topic_queue_url: str


@pytest.fixture
def aws() -> Iterator[Aws]:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        sns = boto3.client("sns", region_name="us-east-1")
        dlq_url = sqs.create_queue(QueueName="send-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queue_url = sqs.create_queue(
            QueueName="send",
            Attributes={
                "VisibilityTimeout": "1800",
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "10"}),
            },
        )["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        topic_arn = sns.create_topic(Name="final-failures")["TopicArn"]
        topic_queue_url = sqs.create_queue(QueueName="final-failures")["QueueUrl"]
        topic_queue_arn = sqs.get_queue_attributes(QueueUrl=topic_queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(
            TopicArn=topic_arn, Protocol="sqs", Endpoint=topic_queue_arn, Attributes={"RawMessageDelivery": "true"}
        )
        yield Aws(sqs, dynamodb, sns, queue_url, dlq_url, queue_arn, topic_arn, topic_queue_url)


def sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """A record of the Lambda SQS event, as the event source mapping builds it from a received message."""
    attributes = message.get("Attributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {
            "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
            "SentTimestamp": attributes.get("SentTimestamp", "1767225600000"),
            "SenderId": attributes.get("SenderId", "AIDAEXAMPLE"),
            "ApproximateFirstReceiveTimestamp": attributes.get("ApproximateFirstReceiveTimestamp", "1767225600000"),
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(message["Body"].encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": "us-east-1",
    }


class EventSourceMapping:
    """Polls a moto queue like the Lambda SQS poller: receive a batch, invoke, delete what did not fail.

    Failed records stay in flight until their visibility timeout ends; ``expire_visibility`` makes them visible
    again at once (simulating the wait), so tests can drive redelivery without real time passing.
    """

    def __init__(self, sqs: Any, queue_url: str, queue_arn: str, batch_size: int = 10) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.batch_size = batch_size
        self.in_flight: dict[str, str] = {}

    def receive(self) -> list[dict[str, Any]]:
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            AttributeNames=["All"],
            VisibilityTimeout=1800,
        ).get("Messages", [])
        return [sqs_record(m, self.queue_arn) for m in messages]

    def settle(self, records: list[dict[str, Any]], response: dict[str, Any]) -> list[str]:
        failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
        for record in records:
            if record["messageId"] in failed:
                self.in_flight[record["messageId"]] = record["receiptHandle"]
            else:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=record["receiptHandle"])
        return sorted(failed)

    def expire_visibility(self) -> None:
        for receipt in self.in_flight.values():
            with contextlib.suppress(ClientError):
                self.sqs.change_message_visibility(QueueUrl=self.queue_url, ReceiptHandle=receipt, VisibilityTimeout=0)
        self.in_flight.clear()

    def depth(self) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])
