"""The consent reconciliation of SmsInbound: the ledger (moto DynamoDB) against ``DescribeOptedOutNumbers`` (a botocore
``Stubber``, which checks every request against the service model), drift published to EventBridge (moto)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

import tests.handlers.conftest  # noqa: F401 - puts lambda/ on sys.path and sets the test environment

from inbound.reconcile import Reconciler  # isort: skip
from sms_constructs_runtime.consent import ConsentLedger, ConsentRecord, ConsentState  # isort: skip
from sms_constructs_runtime.inbound import EVENT_SOURCE, DriftKind, ReconcileSettings  # isort: skip

LIST = "acme-opt-outs"
T0 = 1_767_225_600_000


@pytest.fixture
def aws() -> Iterator[tuple[Any, Any, Any, str]]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        events = boto3.client("events", region_name="us-east-1")
        dynamodb.create_table(
            TableName="ledger",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        events.create_event_bus(Name="inbound-bus")
        url = sqs.create_queue(QueueName="capture")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name="all", EventBusName="inbound-bus", EventPattern=json.dumps({"source": [EVENT_SOURCE]}))
        events.put_targets(Rule="all", EventBusName="inbound-bus", Targets=[{"Id": "q", "Arn": arn}])
        yield dynamodb, sqs, events, url


def consent(number: str, state: str, at: int, message_id: str) -> ConsentRecord:
    keyword = "STOP" if state == ConsentState.OPTED_OUT else "START"
    return ConsentRecord(number, state, keyword, at, message_id, "+12125550101")


def opted_out(number: str) -> dict[str, Any]:
    return {"OptedOutNumber": number, "OptedOutTimestamp": datetime(2026, 1, 1, tzinfo=UTC), "EndUserOptedOut": True}


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for m in messages:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out


def test_reports_each_kind_of_drift_and_nothing_for_numbers_in_step(aws: tuple[Any, Any, Any, str]) -> None:
    dynamodb, sqs, events, url = aws
    ledger = ConsentLedger(dynamodb, "ledger", 86400 * 365)
    ledger.record(consent("+14255550101", ConsentState.OPTED_OUT, T0, "a"))  # in step: on the list
    ledger.record(consent("+14255550102", ConsentState.OPTED_IN, T0, "b"))  # in step: not on the list
    ledger.record(consent("+14255550103", ConsentState.OPTED_OUT, T0, "c"))  # drift: not on the list
    ledger.record(consent("+14255550104", ConsentState.OPTED_IN, T0, "d"))  # drift: on the list
    sms = boto3.client("pinpoint-sms-voice-v2", region_name="us-east-1")
    with Stubber(sms) as stub:
        stub.add_response(
            "describe_opted_out_numbers",
            {"OptOutListName": LIST, "OptedOutNumbers": [opted_out("+14255550101")], "NextToken": "page2"},
            {"OptOutListName": LIST, "MaxResults": 100},
        )
        stub.add_response(
            "describe_opted_out_numbers",
            {"OptOutListName": LIST, "OptedOutNumbers": [opted_out("+14255550104"), opted_out("+14255550105")]},
            {"OptOutListName": LIST, "MaxResults": 100, "NextToken": "page2"},
        )
        counts = Reconciler(
            ReconcileSettings(
                ledger_table_name="ledger",
                opt_out_list_name=LIST,
                event_bus_name="inbound-bus",
                service_name="reconcile-test",
                metrics_namespace="SmsConstructsTest",
            ),
            dynamodb=dynamodb,
            sms=sms,
            events=events,
        ).run()
        stub.assert_no_pending_responses()
    assert counts == {
        "checked": 5,
        DriftKind.LEDGER_OPTED_OUT_NOT_ON_LIST: 1,
        DriftKind.LEDGER_OPTED_IN_ON_LIST: 1,
        DriftKind.ON_LIST_NOT_IN_LEDGER: 1,
    }
    drifts = {e["detail"]["phoneNumber"]: e["detail"] for e in drain(sqs, url) if e["detail-type"] == "ConsentDrift"}
    assert {n: d["kind"] for n, d in drifts.items()} == {
        "+14255550103": DriftKind.LEDGER_OPTED_OUT_NOT_ON_LIST,
        "+14255550104": DriftKind.LEDGER_OPTED_IN_ON_LIST,
        "+14255550105": DriftKind.ON_LIST_NOT_IN_LEDGER,
    }
    assert drifts["+14255550104"]["ledgerInboundMessageId"] == "d"
    assert drifts["+14255550104"]["endUserOptedOut"] is True
    assert drifts["+14255550105"]["ledgerState"] is None


def test_reconciliation_never_changes_the_opt_out_list(aws: tuple[Any, Any, Any, str]) -> None:
    dynamodb, _, events, _ = aws
    ConsentLedger(dynamodb, "ledger", 86400).record(consent("+14255550103", ConsentState.OPTED_IN, T0, "x"))
    sms = boto3.client("pinpoint-sms-voice-v2", region_name="us-east-1")
    with Stubber(sms) as stub:  # any call but this one (PutOptedOutNumber, DeleteOptedOutNumber) would fail
        stub.add_response(
            "describe_opted_out_numbers",
            {"OptOutListName": LIST, "OptedOutNumbers": [opted_out("+14255550103")]},
            {"OptOutListName": LIST, "MaxResults": 100},
        )
        settings = ReconcileSettings("ledger", LIST, "inbound-bus", "reconcile-test", "SmsConstructsTest")
        counts = Reconciler(settings, dynamodb=dynamodb, sms=sms, events=events).run()
        stub.assert_no_pending_responses()
    assert counts[DriftKind.LEDGER_OPTED_IN_ON_LIST] == 1
