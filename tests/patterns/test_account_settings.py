"""SmsAccountSettings and OptOutList.add_opted_out_number: the SDK calls, their exact IAM, the provider's compliance,
and every validation rule."""

from __future__ import annotations

import functools
import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from sms_constructs import (
    ConfigurationSet,
    MessageType,
    OptOutList,
    ProtectConfiguration,
    SmsAccountSettings,
    ValidationError,
)
from sms_constructs._private.sdk_calls import PROVIDER_ID
from tests.compliance.gates import nag_violations
from tests.conftest import ENV, cdk_json_context


@functools.cache
def _synthesized() -> tuple[cdk.App, cdk.Stack, SmsAccountSettings, Template]:
    app = cdk.App(context=cdk_json_context())
    stack = cdk.Stack(app, "TestStack", env=ENV)
    protect = ProtectConfiguration.allow_only(stack, "Protect", ["US"])
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    settings = SmsAccountSettings(
        stack,
        "Account",
        text_spend_limit_override_usd=100,
        media_spend_limit_override_usd=20,
        voice_spend_limit_override_usd=10,
        notify_spend_limit_override_usd=5,
        default_protect_configuration=protect,
    )
    settings.set_default_message_type(config, MessageType.TRANSACTIONAL)
    opt_outs = OptOutList(stack, "OptOuts", opt_out_list_name="acme-opt-outs")
    opt_outs.add_opted_out_number("+14255550142")
    return app, stack, settings, Template.from_stack(stack)


def _calls(template: Template, resource_type: str) -> list[dict[str, Any]]:
    """The (Create, Delete) SDK calls of each custom resource of ``resource_type``, tokens resolved to ``<token>``."""
    calls = []
    for resource in template.find_resources(resource_type).values():
        properties = resource["Properties"]
        calls.append({phase: _json(properties.get(phase)) for phase in ("Create", "Update", "Delete")})
    return calls


def _json(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dict) and "Fn::Join" in value:
        value = "".join(p if isinstance(p, str) else "<token>" for p in value["Fn::Join"][1])
    return json.loads(value)


def _policy_statements(template: Template, resource_logical_prefix: str) -> list[dict[str, Any]]:
    [policy] = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for logical_id, p in template.find_resources("AWS::IAM::Policy").items()
        if logical_id.startswith(resource_logical_prefix) and "CustomResourcePolicy" in logical_id
    ]
    return policy  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("resource_type", "stem", "limit"),
    [
        ("Custom::SmsConstructsTextSpendLimitOverride", "TextMessage", 100),
        ("Custom::SmsConstructsMediaSpendLimitOverride", "MediaMessage", 20),
        ("Custom::SmsConstructsVoiceSpendLimitOverride", "VoiceMessage", 10),
        ("Custom::SmsConstructsNotifySpendLimitOverride", "NotifyMessage", 5),
    ],
)
def test_spend_limit_override_is_set_on_create_and_update_and_deleted_on_delete(
    resource_type: str, stem: str, limit: int
) -> None:
    *_, template = _synthesized()
    [call] = _calls(template, resource_type)
    assert call["Create"]["action"] == call["Update"]["action"] == f"Set{stem}SpendLimitOverride"
    assert call["Create"]["parameters"] == {"MonthlyLimit": limit}
    assert call["Create"]["service"] == "PinpointSMSVoiceV2"
    assert call["Create"]["logApiResponseData"] is False
    assert call["Delete"] == {
        "action": f"Delete{stem}SpendLimitOverride",
        "service": "PinpointSMSVoiceV2",
        "logApiResponseData": False,
    }


def test_spend_limit_policy_is_exactly_the_two_unscoped_actions() -> None:
    *_, template = _synthesized()
    assert _policy_statements(template, "AccountTextSpendLimitOverride") == [
        {
            "Action": ["sms-voice:DeleteTextMessageSpendLimitOverride", "sms-voice:SetTextMessageSpendLimitOverride"],
            "Effect": "Allow",
            "Resource": "*",
        }
    ]


def test_only_the_notify_override_installs_the_latest_sdk() -> None:
    *_, template = _synthesized()
    latest = {
        resource["Type"]: resource["Properties"]["InstallLatestAwsSdk"]
        for resource in template.to_json()["Resources"].values()
        if resource["Type"].startswith("Custom::SmsConstructs")
    }
    assert [t for t, value in latest.items() if value] == ["Custom::SmsConstructsNotifySpendLimitOverride"]


def test_default_protect_configuration_is_set_on_the_configuration_and_unset_on_delete() -> None:
    _, stack, _, template = _synthesized()
    protect = stack.node.find_child("Protect")
    [call] = _calls(template, "Custom::SmsConstructsDefaultProtectConfiguration")
    assert (call["Create"]["action"], call["Create"]["parameters"]) == (
        "SetAccountDefaultProtectConfiguration",
        {"ProtectConfigurationId": "<token>"},
    )
    assert call["Delete"]["action"] == "DeleteAccountDefaultProtectConfiguration"
    assert _policy_statements(template, "AccountDefaultProtectConfiguration") == [
        {
            "Action": "sms-voice:SetAccountDefaultProtectConfiguration",
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [stack.get_logical_id(protect.node.default_child), "Arn"]},
        },
        {"Action": "sms-voice:DeleteAccountDefaultProtectConfiguration", "Effect": "Allow", "Resource": "*"},
    ]


def test_default_message_type_is_scoped_to_the_configuration_set() -> None:
    _, stack, _, template = _synthesized()
    [call] = _calls(template, "Custom::SmsConstructsDefaultMessageType")
    assert call["Create"]["parameters"] == {"ConfigurationSetName": "<token>", "MessageType": "TRANSACTIONAL"}
    assert (call["Delete"]["action"], call["Delete"]["parameters"]) == (
        "DeleteDefaultMessageType",
        {"ConfigurationSetName": "<token>"},
    )
    config = stack.node.find_child("Config")
    assert _policy_statements(template, "AccountDefaultMessageType") == [
        {
            "Action": ["sms-voice:DeleteDefaultMessageType", "sms-voice:SetDefaultMessageType"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [stack.get_logical_id(config.node.default_child), "Arn"]},
        }
    ]


def test_opted_out_number_is_put_on_the_list_and_removed_on_delete() -> None:
    _, stack, _, template = _synthesized()
    [call] = _calls(template, "Custom::SmsConstructsOptedOutNumber")
    assert call["Create"]["action"] == "PutOptedOutNumber"
    assert call["Create"]["parameters"] == {"OptOutListName": "<token>", "OptedOutNumber": "+14255550142"}
    assert call["Delete"]["action"] == "DeleteOptedOutNumber"
    physical_id = call["Create"]["physicalResourceId"]["id"]
    assert physical_id.startswith("opted-out/")
    assert "14255550142" not in physical_id
    opt_outs = stack.node.find_child("OptOuts")
    assert _policy_statements(template, "OptOutsOptedOut") == [
        {
            "Action": ["sms-voice:DeleteOptedOutNumber", "sms-voice:PutOptedOutNumber"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [stack.get_logical_id(opt_outs.node.default_child), "Arn"]},
        }
    ]


def test_one_provider_with_its_own_role_encrypted_logs_memory_tracing_and_concurrency() -> None:
    _, stack, _, template = _synthesized()
    [function] = template.find_resources("AWS::Lambda::Function").values()
    assert function["Properties"]["MemorySize"] == 512
    assert function["Properties"]["TracingConfig"] == {"Mode": "Active"}
    assert function["Properties"]["ReservedConcurrentExecutions"] == 5
    role = stack.node.find_child("SmsConstructsSdkCallsRole")
    assert function["Properties"]["Role"] == {"Fn::GetAtt": [stack.get_logical_id(role.node.default_child), "Arn"]}
    [role_resource] = template.find_resources("AWS::IAM::Role").values()
    assert "ManagedPolicyArns" not in role_resource["Properties"]  # no AWSLambdaBasicExecutionRole
    [log_group] = template.find_resources("AWS::Logs::LogGroup").values()
    assert log_group["Properties"]["RetentionInDays"] == 365
    assert "KmsKeyId" in log_group["Properties"]
    checkov = stack.node.find_child(PROVIDER_ID).node.default_child.get_metadata("checkov")
    assert sorted(skip["id"] for skip in checkov["skip"]) == ["CKV_AWS_116", "CKV_AWS_117"]  # DLQ, VPC
    tracing = stack.node.find_child("SmsConstructsSdkCallsTracingPolicy").node.default_child
    assert stack.resolve(tracing.policy_document)["Statement"] == [
        {"Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], "Effect": "Allow", "Resource": "*"}
    ]


def test_is_clean_under_the_nag_packs() -> None:
    app, *_ = _synthesized()
    assert nag_violations(app) == []


# --- validation -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prop", "value", "rule"),
    [
        ("text_spend_limit_override_usd", 0, "must be between 1 and 1000000000 USD"),
        ("text_spend_limit_override_usd", -10, "must be between 1 and 1000000000 USD"),
        ("media_spend_limit_override_usd", 12.5, "must be a whole number of USD"),
        ("voice_spend_limit_override_usd", True, "must be a whole number of USD"),
        ("notify_spend_limit_override_usd", 2_000_000_000, "must be between 1 and 1000000000 USD"),
    ],
)
def test_fails_spend_limit_that_is_not_a_positive_whole_number(
    stack: cdk.Stack, prop: str, value: object, rule: str
) -> None:
    with pytest.raises(ValidationError, match=rf"TestStack/Account: invalid '{prop}': {rule}.*received {value!r}"):
        SmsAccountSettings(stack, "Account", **{prop: value})


def test_fails_a_second_account_settings_in_the_same_account_and_region(app: cdk.App) -> None:
    SmsAccountSettings(cdk.Stack(app, "First", env=ENV), "Account", text_spend_limit_override_usd=10)
    with pytest.raises(
        ValidationError,
        match=r"Second/Account: invalid 'scope': an app may hold one SmsAccountSettings per account and "
        r"Region.*received 'First/Account'",
    ):
        SmsAccountSettings(cdk.Stack(app, "Second", env=ENV), "Account", text_spend_limit_override_usd=20)


def test_fails_a_second_account_settings_when_an_environment_is_unknown(app: cdk.App) -> None:
    SmsAccountSettings(cdk.Stack(app, "Agnostic"), "Account")
    with pytest.raises(ValidationError, match=r"Pinned/Account: invalid 'scope'.*received 'Agnostic/Account'"):
        SmsAccountSettings(cdk.Stack(app, "Pinned", env=ENV), "Account")


def test_accepts_one_account_settings_per_region(app: cdk.App) -> None:
    SmsAccountSettings(cdk.Stack(app, "East", env=ENV), "Account", text_spend_limit_override_usd=10)
    west = cdk.Stack(app, "West", env=cdk.Environment(account="111122223333", region="us-west-2"))
    SmsAccountSettings(west, "Account", text_spend_limit_override_usd=10)
    Template.from_stack(west).resource_count_is("Custom::SmsConstructsTextSpendLimitOverride", 1)


def test_fails_default_protect_configuration_of_another_region(app: cdk.App) -> None:
    east = cdk.Stack(app, "East", env=ENV)
    protect = ProtectConfiguration.allow_only(east, "Protect", ["US"])
    west = cdk.Stack(app, "West", env=cdk.Environment(account="111122223333", region="us-west-2"))
    with pytest.raises(
        ValidationError, match=r"West/Account: invalid 'default_protect_configuration': must be in the same Region"
    ):
        SmsAccountSettings(west, "Account", default_protect_configuration=protect)


def test_fails_setting_the_default_message_type_twice(stack: cdk.Stack) -> None:
    settings = SmsAccountSettings(stack, "Account")
    config = ConfigurationSet(stack, "Config")
    settings.set_default_message_type(config, MessageType.PROMOTIONAL)
    with pytest.raises(
        ValidationError, match=r"TestStack/Account: invalid 'configuration_set': already has its default"
    ):
        settings.set_default_message_type(config, MessageType.TRANSACTIONAL)
    with pytest.raises(
        ValidationError, match=r"invalid 'message_type': must be a MessageType; received 'TRANSACTIONAL'"
    ):
        settings.set_default_message_type(ConfigurationSet(stack, "Other"), "TRANSACTIONAL")  # type: ignore[arg-type]


@pytest.mark.parametrize("number", ["4255550142", "+1 425 555 0142", "+0425555014", "+1234567890123456"])
def test_fails_opted_out_number_that_is_not_e164(stack: cdk.Stack, number: str) -> None:
    opt_outs = OptOutList(stack, "OptOuts")
    with pytest.raises(ValidationError, match=r"TestStack/OptOuts: invalid 'phone_number': must match .*E\.164"):
        opt_outs.add_opted_out_number(number)


def test_fails_the_same_opted_out_number_twice(stack: cdk.Stack) -> None:
    opt_outs = OptOutList(stack, "OptOuts")
    opt_outs.add_opted_out_number("+14255550142")
    with pytest.raises(ValidationError, match=r"invalid 'phone_number': is already added to this list"):
        opt_outs.add_opted_out_number("+14255550142")
