"""Fixtures for the sender and retry handlers: moto for SQS/DynamoDB/SNS, the library's fake of the SMS API
(``sms_constructs.simulate.fake_sms``, also the simulator's), an injected clock, and an event-source-mapping simulator
that builds real SQS event records."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import moto.sqs.models as moto_sqs
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from sms_constructs.simulate.fake_aws import LambdaContext, sqs_record
from sms_constructs.simulate.fake_sms import FakeSms, Send
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

__all__ = ["Aws", "EventSourceMapping", "FakeClock", "FakeSms", "LambdaContext", "Send", "sqs_record"]

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


@pytest.fixture
def sqs_clock(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """A clock that moto's SQS follows too: ``SentTimestamp``, delays, visibility timeouts and the queue's 4-day
    retention (moto does not return a message past it) run on it, so a test can hold a message for weeks."""
    clock = FakeClock()
    monkeypatch.setattr(moto_sqs, "unix_time", lambda _=None: clock())
    monkeypatch.setattr(moto_sqs, "unix_time_millis", lambda _=None: clock() * 1000)
    return clock
