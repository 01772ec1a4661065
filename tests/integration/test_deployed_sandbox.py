"""Deploy-mode checks against the deployed sandbox sample app (simulator numbers; nothing reaches a carrier).

Opt-in only: they run with ``make integ`` after ``make deploy``, when AWS credentials are configured and
``SMS_CONSTRUCTS_INTEG=1`` is set. ``make test`` deselects them (``-m "not integration"``), because CI has no
account. Sending to the US simulator numbers is billed like a US message and counts toward the spend limit.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from sms_constructs import SmsProducer

pytestmark = pytest.mark.integration

SUCCESS_SIMULATOR = "+14254147755"
STACK_NAME = os.environ.get("SMS_CONSTRUCTS_INTEG_STACK", "SmsSandboxMessaging")


@pytest.fixture(scope="module")
def outputs() -> dict[str, str]:
    if os.environ.get("SMS_CONSTRUCTS_INTEG") != "1":
        pytest.skip("deploy-mode test: set SMS_CONSTRUCTS_INTEG=1 with AWS credentials after `make deploy`")
    stacks = boto3.client("cloudformation").describe_stacks(StackName=STACK_NAME)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def _output(outputs: dict[str, str], prefix: str) -> str:
    (value,) = [v for k, v in outputs.items() if k.startswith(prefix)]
    return value


def _wait_for(probe: Callable[[], Any], timeout_seconds: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(5)
    raise AssertionError(f"timed out after {timeout_seconds:.0f} s waiting for {what}")


def test_a_queued_message_is_sent_once_and_recorded(outputs: dict[str, str]) -> None:
    table = _output(outputs, "SendingMessageStoreTableName")
    producer = SmsProducer(_output(outputs, "SendingSendQueueUrl"))
    request_id = producer.send(SUCCESS_SIMULATOR, "sms-constructs integration test: hello from the simulator.")
    dynamodb = boto3.client("dynamodb")

    def history() -> list[dict[str, Any]]:
        items = dynamodb.query(
            TableName=table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"request#{request_id}"}},
        )["Items"]
        return [i for i in items if i["sk"]["S"].startswith("attempt#")]

    attempts = _wait_for(history, 180, f"the send of request {request_id}")
    assert [a["status"]["S"] for a in attempts] == ["SENT"]
    message_id = attempts[0]["messageId"]["S"]
    stored = dynamodb.get_item(TableName=table, Key={"pk": {"S": f"message#{message_id}"}, "sk": {"S": "message"}}).get(
        "Item"
    )
    assert stored is not None, "the MessageId -> request mapping the retries rely on is missing"
