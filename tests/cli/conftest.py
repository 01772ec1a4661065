"""A boto3 "session" for the operator commands: moto for SQS, DynamoDB and CloudWatch Logs, botocore Stubbers for the
rest. Nothing reaches AWS."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import boto3
import moto
import pytest
from botocore.stub import Stubber

from tests.conftest import REGION


class FakeSession:
    """What the commands ask of a boto3 session: ``client(name)``. Clients are built once per name."""

    region_name = REGION

    def __init__(self) -> None:
        self.clients: dict[str, Any] = {}
        self.stubbers: dict[str, Stubber] = {}

    def client(self, name: str) -> Any:
        if name not in self.clients:
            self.clients[name] = boto3.client(name, region_name=REGION)
            if name in ("cloudformation", "pinpoint-sms-voice-v2"):
                self.stubbers[name] = Stubber(self.clients[name])
                self.stubbers[name].activate()
        return self.clients[name]

    def stubber(self, name: str) -> Stubber:
        self.client(name)
        return self.stubbers[name]


def simulator_numbers_response() -> dict[str, Any]:
    """A ``DescribePhoneNumbers`` response with one US simulator origination number."""
    return {
        "PhoneNumbers": [
            {
                "PhoneNumberArn": "arn:aws:sms-voice:us-east-1:111122223333:phone-number/phone-1",
                "PhoneNumberId": "phone-1",
                "PhoneNumber": "+12065550100",
                "Status": "ACTIVE",
                "IsoCountryCode": "US",
                "MessageType": "TRANSACTIONAL",
                "NumberCapabilities": ["SMS"],
                "NumberType": "SIMULATOR",
                "MonthlyLeasingPrice": "0.00",
                "TwoWayEnabled": False,
                "SelfManagedOptOutsEnabled": False,
                "OptOutListName": "Default",
                "DeletionProtectionEnabled": False,
                "CreatedTimestamp": datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC),
            }
        ]
    }


#: The ``DescribePhoneNumbers`` request of the simulator check.
SIMULATOR_FILTER = {"Filters": [{"Name": "number-type", "Values": ["SIMULATOR"]}]}


def create_message_store(aws: FakeSession, table_name: str) -> None:
    """The send queue's message store (``pk``/``sk`` keys, as ``SmsSendQueue`` creates it) in moto's DynamoDB."""
    aws.client("dynamodb").create_table(
        TableName=table_name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def describe_stacks_response(stack_name: str, outputs: dict[str, str]) -> dict[str, Any]:
    """A ``DescribeStacks`` response for one deployed stack with ``outputs``."""
    return {
        "Stacks": [
            {
                "StackName": stack_name,
                "CreationTime": datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC),
                "StackStatus": "CREATE_COMPLETE",
                "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
            }
        ]
    }


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSession]:
    """A fake session over a mocked AWS (moto) in us-east-1."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with moto.mock_aws():
        session = FakeSession()
        yield session
        for stubber in session.stubbers.values():
            stubber.assert_no_pending_responses()


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """An environment where boto3 finds no credentials anywhere (and never asks the instance metadata service)."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
