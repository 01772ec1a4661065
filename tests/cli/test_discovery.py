"""The outputs SmsSendQueue and SmsEventAnalytics publish, and how the commands find a deployment by them: in the
sample app's synthesized templates (its stacks' outputs, as DescribeStacks would return them), in several stacks, and
with explicit overrides."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from sms_constructs._private import discovery
from sms_constructs_cli import _aws
from sms_constructs_cli._cli import CannotRunError
from tests.cli.conftest import FakeSession, describe_stacks_response
from tests.sample_app.synth import synthesized_sample


def test_the_commands_read_the_prefixes_the_constructs_write() -> None:
    assert (_aws.SEND_QUEUE_URL_OUTPUT, _aws.SEND_QUEUE_TABLE_OUTPUT, _aws.ANALYTICS_LOG_GROUP_OUTPUT) == (
        discovery.SEND_QUEUE_URL_OUTPUT,
        discovery.SEND_QUEUE_TABLE_OUTPUT,
        discovery.ANALYTICS_LOG_GROUP_OUTPUT,
    )


def _deployed_outputs() -> dict[str, dict[str, Any]]:
    """Each sandbox stack's outputs as a deployment would show them: logical ID -> the value's template expression."""
    found = {}
    for path in synthesized_sample("sandbox").templates:
        template = json.loads(path.read_text())
        found[path.name.removesuffix(".template.json")] = {
            key: json.dumps(output["Value"], sort_keys=True) for key, output in template.get("Outputs", {}).items()
        }
    return found


def test_the_sample_app_publishes_one_send_queue_and_one_quick_look_and_the_command_finds_them() -> None:
    outputs = _deployed_outputs()
    sending = outputs["SmsSandboxSending"]
    [url_key] = [k for k in sending if k.startswith("SmsSendQueueUrl")]
    [table_key] = [k for k in sending if k.startswith("SmsSendQueueMessageStoreTableName")]
    assert url_key.removeprefix("SmsSendQueueUrl") == table_key.removeprefix("SmsSendQueueMessageStoreTableName")
    assert sending[url_key] == sending["SendQueueUrl"]  # the same queue as the sample app's own output
    assert sending[table_key] == sending["MessageStoreTableName"]
    [log_key] = [k for k in outputs["SmsSandboxAnalytics"] if k.startswith("SmsEventAnalyticsQuickLookLogGroupName")]

    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    stubber = Stubber(cloudformation)
    stubber.add_response(
        "describe_stacks",
        {"Stacks": [describe_stacks_response(name, values)["Stacks"][0] for name, values in outputs.items()]},
        {},
    )
    with stubber:
        found = _aws.find_deployment(cloudformation)
    assert (found.queue_url, found.table_name, found.log_group_name) == (
        sending[url_key],
        sending[table_key],
        outputs["SmsSandboxAnalytics"][log_key],
    )
    assert found.source == "stack SmsSandboxSending"


def _stacks(aws: FakeSession, stacks: dict[str, dict[str, str]], params: dict[str, str] | None = None) -> None:
    aws.stubber("cloudformation").add_response(
        "describe_stacks",
        {"Stacks": [describe_stacks_response(name, values)["Stacks"][0] for name, values in stacks.items()]},
        params if params is not None else {},
    )


def _queue(construct: str, url: str, table: str) -> dict[str, str]:
    return {f"SmsSendQueueUrl{construct}": url, f"SmsSendQueueMessageStoreTableName{construct}": table}


def test_pairs_each_queue_with_its_own_table_and_prefers_the_quick_look_of_its_stack(aws: FakeSession) -> None:
    _stacks(
        aws,
        {
            "Orders": {
                **_queue("OrdersSendA1", "u-orders", "t-orders"),
                "SmsEventAnalyticsQuickLookLogGroupNameX": "lg-o",
            },
            "Alerts": {
                **_queue("AlertsSendB2", "u-alerts", "t-alerts"),
                "SmsEventAnalyticsQuickLookLogGroupNameY": "lg-a",
            },
        },
    )
    found = _aws.find_deployment(aws.client("cloudformation"), queue_url="u-alerts")
    assert (found.queue_url, found.table_name, found.log_group_name) == ("u-alerts", "t-alerts", "lg-a")


def test_finds_by_table_name_too(aws: FakeSession) -> None:
    _stacks(aws, {"A": _queue("A1", "u-1", "t-1"), "B": _queue("B1", "u-2", "t-2")})
    found = _aws.find_deployment(aws.client("cloudformation"), table_name="t-2")
    assert (found.queue_url, found.table_name, found.log_group_name) == ("u-2", "t-2", None)


def test_a_named_stack_is_the_only_one_read(aws: FakeSession) -> None:
    _stacks(aws, {"Mine": _queue("M1", "u", "t")}, {"StackName": "Mine"})
    found = _aws.find_deployment(aws.client("cloudformation"), stacks=["Mine"])
    assert (found.queue_url, found.table_name) == ("u", "t")


def test_explicit_values_need_no_stack() -> None:
    found = _aws.find_deployment(None, queue_url="u", table_name="t", log_group_name="lg")
    assert found.source == "the command line"


def test_fails_when_two_quick_looks_could_be_meant(aws: FakeSession) -> None:
    _stacks(
        aws,
        {
            "Send": _queue("S1", "u", "t"),
            "A": {"SmsEventAnalyticsQuickLookLogGroupNameA": "lg-1"},
            "B": {"SmsEventAnalyticsQuickLookLogGroupNameB": "lg-2"},
        },
    )
    with pytest.raises(CannotRunError, match=r"^2 SmsEventAnalytics quick looks found: A \(lg-1\), B \(lg-2\); choose"):
        _aws.find_deployment(aws.client("cloudformation"))


def test_fails_when_no_queue_has_the_given_url(aws: FakeSession) -> None:
    _stacks(aws, {"A": _queue("A1", "u-1", "t-1")})
    with pytest.raises(CannotRunError, match=r"^No SmsSendQueue found for that --queue-url in any stack"):
        _aws.find_deployment(aws.client("cloudformation"), queue_url="u-9")
