"""SmsAccountSettings and OptOutList.add_opted_out_number: the custom resources of the account provider, their exact
IAM, the provider's hardening and compliance, and every validation rule. What they do at deploy time is tested in
``tests/lifecycle/test_account_provider_lifecycle.py``."""

from __future__ import annotations

import functools
import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import botocore
import pytest
from aws_cdk.assertions import Template

from sms_constructs import (
    ConfigurationSet,
    MessageType,
    OptOutList,
    ProtectConfiguration,
    SmsAccountSettings,
    SmsMonitoring,
    ValidationError,
)
from sms_constructs._private.sdk_calls import PROVIDER_ID
from tests.compliance.gates import cfn_lint_findings, checkov_failures, control_tower_violations, nag_violations
from tests.conftest import ENV, REPO_ROOT, cdk_json_context

MODEL = "pinpoint-sms-voice-v2/2022-03-31/service-2.json"
SHIPPED_MODEL = REPO_ROOT / "lambda" / "account_provider" / "models" / MODEL


def _build(stack: cdk.Stack) -> SmsAccountSettings:
    protect = ProtectConfiguration.allow_only(stack, "Protect", ["US"])
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    settings = SmsAccountSettings(
        stack,
        "Account",
        text_spend_limit_override_usd=100,
        media_spend_limit_override_usd=20,
        voice_spend_limit_override_usd=10,
        notify_spend_limit_override_usd=15,
        rcs_spend_limit_override_usd=5,
        default_protect_configuration=protect,
    )
    settings.set_default_message_type(config, MessageType.TRANSACTIONAL)
    opt_outs = OptOutList(stack, "OptOuts", opt_out_list_name="acme-opt-outs")
    opt_outs.add_opted_out_number("+14255550142")
    opt_outs.add_opted_out_number("+14255550143", remove_on_delete=True)
    return settings


@functools.cache
def _synthesized() -> tuple[cdk.App, cdk.Stack, SmsAccountSettings, Template]:
    app = cdk.App(context=cdk_json_context())
    stack = cdk.Stack(app, "TestStack", env=ENV)
    settings = _build(stack)
    return app, stack, settings, Template.from_stack(stack)


def _statements(template: Template, logical_prefix: str) -> list[dict[str, Any]]:
    [policy] = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for logical_id, p in template.find_resources("AWS::IAM::Policy").items()
        if logical_id.startswith(logical_prefix)
    ]
    return policy  # type: ignore[no-any-return]


def _text(value: Any) -> str:
    """``value`` with tokens rendered as ``<token>`` (``Fn::Join`` of strings and references)."""
    if isinstance(value, dict) and "Fn::Join" in value:
        return "".join(p if isinstance(p, str) else "<token>" for p in value["Fn::Join"][1])
    return value if isinstance(value, str) else "<token>"


@pytest.mark.parametrize(
    ("resource_type", "channel", "limit"),
    [
        ("Custom::SmsConstructsTextSpendLimitOverride", "TEXT", 100),
        ("Custom::SmsConstructsMediaSpendLimitOverride", "MEDIA", 20),
        ("Custom::SmsConstructsVoiceSpendLimitOverride", "VOICE", 10),
        ("Custom::SmsConstructsNotifySpendLimitOverride", "NOTIFY", 15),
        ("Custom::SmsConstructsRcsSpendLimitOverride", "RCS", 5),
    ],
)
def test_each_spend_limit_is_a_custom_resource_of_the_account_provider(
    resource_type: str, channel: str, limit: int
) -> None:
    *_, template = _synthesized()
    [resource] = template.find_resources(resource_type).values()
    properties = dict(resource["Properties"])
    token = properties.pop("ServiceToken")
    assert token == {"Fn::GetAtt": [_framework(template), "Arn"]}
    assert properties == {"Channel": channel, "MonthlyLimit": limit}


def _framework(template: Template) -> str:
    [logical_id] = [
        logical_id
        for logical_id, f in template.find_resources("AWS::Lambda::Function").items()
        if f["Properties"].get("Handler") == "framework.onEvent"
    ]
    return logical_id


def test_default_protect_configuration_and_message_type_name_what_they_set() -> None:
    *_, template = _synthesized()
    [protect] = template.find_resources("Custom::SmsConstructsDefaultProtectConfiguration").values()
    assert protect["Properties"]["ProtectConfigurationId"] == {"Ref": "Protect938F9021"}
    [message_type] = template.find_resources("Custom::SmsConstructsDefaultMessageType").values()
    assert message_type["Properties"]["ConfigurationSetName"] == {"Ref": "Config57D1D894"}
    assert message_type["Properties"]["MessageType"] == "TRANSACTIONAL"


def test_opted_out_numbers_carry_remove_on_delete_only_when_asked() -> None:
    *_, template = _synthesized()
    numbers = {
        r["Properties"]["OptedOutNumber"]: r["Properties"]
        for r in template.find_resources("Custom::SmsConstructsOptedOutNumber").values()
    }
    assert "RemoveOnDelete" not in numbers["+14255550142"]
    assert numbers["+14255550143"]["RemoveOnDelete"] == "true"
    assert numbers["+14255550142"]["OptOutListName"] == {"Ref": "OptOutsDA0E11F0"}


def test_no_aws_custom_resource_and_no_sdk_download_anywhere() -> None:
    *_, template = _synthesized()
    assert template.find_resources("Custom::AWS") == {}
    assert all(
        "InstallLatestAwsSdk" not in json.dumps(r.get("Properties", {}))
        for r in template.to_json()["Resources"].values()
    )
    found = subprocess.run(
        ["grep", "-rn", "AwsCustomResource\\|install_latest_aws_sdk", "sms_constructs", "lambda"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.stdout == ""


def test_handler_iam_is_exact_actions_on_exact_arns() -> None:
    *_, template = _synthesized()
    statements = _statements(template, "SmsConstructsAccountProviderHandlerRoleDefaultPolicy")
    rendered = {tuple(sorted(_list(s["Action"]))): sorted(_text(r) for r in _list(s["Resource"])) for s in statements}
    ssm = "arn:aws:ssm:us-east-1:111122223333:parameter/sms-constructs"
    assert rendered.pop(("ssm:DeleteParameter", "ssm:GetParameter", "ssm:PutParameter")) == sorted(
        [
            *(f"{ssm}/account-settings/spend-limit/{c}" for c in ("TEXT", "MEDIA", "VOICE", "NOTIFY", "RCS")),
            f"{ssm}/account-settings/default-protect-configuration",
            f"{ssm}/account-settings/default-message-type/<token>",
            f"{ssm}/opted-out-numbers/<token>/1158b53f416cbb00",  # digests of the numbers, never the numbers
            f"{ssm}/opted-out-numbers/<token>/90c14821c364c004",
        ]
    )
    assert rendered == {
        ("logs:CreateLogStream", "logs:PutLogEvents"): ["<token>"],
        ("sms-voice:SetAccountDefaultProtectConfiguration",): [
            "<token>",
            "arn:aws:sms-voice:us-east-1:111122223333:protect-configuration/*",
        ],
        (
            "sms-voice:DeleteDefaultMessageType",
            "sms-voice:DescribeConfigurationSets",
            "sms-voice:SetDefaultMessageType",
        ): ["<token>"],
        # one number asks for removal on delete: the list's statement holds DeleteOptedOutNumber
        (
            "sms-voice:DeleteOptedOutNumber",
            "sms-voice:DescribeOptedOutNumbers",
            "sms-voice:PutOptedOutNumber",
        ): ["<token>"],
    }


def test_delete_opted_out_number_is_granted_only_with_remove_on_delete(stack: cdk.Stack) -> None:
    OptOutList(stack, "OptOuts").add_opted_out_number("+14255550142")
    statements = _statements(Template.from_stack(stack), "SmsConstructsAccountProviderHandlerRoleDefaultPolicy")
    actions = {a for s in statements for a in _list(s["Action"])}
    assert {"sms-voice:PutOptedOutNumber", "sms-voice:DescribeOptedOutNumbers"} <= actions
    assert "sms-voice:DeleteOptedOutNumber" not in actions


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_unscoped_actions_are_only_those_without_a_resource_type() -> None:
    *_, template = _synthesized()
    [statement] = _statements(template, "SmsConstructsAccountProviderHandlerUnscopedPolicy")
    assert statement["Resource"] == "*"
    reference = json.loads((REPO_ROOT / "tests/data/service_authorization/sms-voice.json").read_text())["actions"]
    for action in statement["Action"]:
        assert reference[action.removeprefix("sms-voice:")]["resourceTypes"] == [], action
    assert "sms-voice:SetRcsMessageSpendLimitOverride" in statement["Action"]


def test_the_framework_logs_nothing_below_fatal() -> None:
    *_, template = _synthesized()
    framework = template.find_resources("AWS::Lambda::Function")[_framework(template)]
    assert framework["Properties"]["LoggingConfig"]["ApplicationLogLevel"] == "FATAL"


def test_one_provider_per_stack_hardened() -> None:
    _, stack, _, template = _synthesized()
    functions = template.find_resources("AWS::Lambda::Function")
    assert len(functions) == 2  # the handler and the framework, shared by every setting and number
    for function in functions.values():
        assert function["Properties"]["TracingConfig"] == {"Mode": "Active"}
        assert function["Properties"]["ReservedConcurrentExecutions"] == 5
        assert "KmsKeyArn" in function["Properties"]
    [handler] = [f for f in functions.values() if f["Properties"]["Handler"] == "account_provider.handler.main"]
    assert handler["Properties"]["Runtime"].startswith("python")
    assert "Layers" not in handler["Properties"]  # standard library and boto3 only
    assert handler["Properties"]["Environment"]["Variables"]["AWS_DATA_PATH"] == "/var/task/account_provider/models"
    for role in template.find_resources("AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]
    for log_group in template.find_resources("AWS::Logs::LogGroup").values():
        assert log_group["Properties"]["RetentionInDays"] == 365
        assert "KmsKeyId" in log_group["Properties"]
    log_groups = template.find_resources("AWS::Logs::LogGroup").values()
    assert all(g["DeletionPolicy"] == "RetainExceptOnCreate" for g in log_groups)
    assert stack.node.try_find_child(PROVIDER_ID) is not None


def test_the_shipped_api_model_is_botocores_and_has_every_operation_the_handler_calls() -> None:
    pinned = Path(botocore.__file__).parent / "data" / MODEL
    pinned_text = (
        gzip.decompress(pinned.with_suffix(".json.gz").read_bytes()) if not pinned.exists() else pinned.read_bytes()
    )
    assert json.loads(SHIPPED_MODEL.read_bytes()) == json.loads(pinned_text), "regenerate the shipped model"
    code = (
        "import json, sys; sys.path.insert(0, 'lambda'); from account_provider import handler;"
        "print(json.dumps(sorted(handler.OPERATIONS)))"
    )
    operations = json.loads(
        subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    )
    model = json.loads(SHIPPED_MODEL.read_bytes())["operations"]
    assert {"SetNotifyMessageSpendLimitOverride", "SetRcsMessageSpendLimitOverride"} <= set(operations)
    assert set(operations) <= set(model)
    source = (REPO_ROOT / "lambda" / "account_provider" / "handler.py").read_text()
    called = {op for op in model if _snake(op) in source}
    assert called <= set(operations) | {"DescribeOptOutLists"}


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_") + "("


def test_is_clean_under_every_gate(tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    app = cdk.App(outdir=str(out), context=cdk_json_context())
    _build(cdk.Stack(app, "Gates", env=ENV))
    assert nag_violations(app) == []
    assert control_tower_violations(app) == []  # synthesizes the app into out
    assert cfn_lint_findings(out.glob("*.template.json")) == []
    assert checkov_failures(out) == []


# --- validation -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prop", "value", "rule"),
    [
        ("text_spend_limit_override_usd", 0, "must be between 1 and 1000000000 USD"),
        ("text_spend_limit_override_usd", -10, "must be between 1 and 1000000000 USD"),
        ("media_spend_limit_override_usd", 12.5, "must be a whole number of USD"),
        ("voice_spend_limit_override_usd", True, "must be a whole number of USD"),
        ("notify_spend_limit_override_usd", 2_000_000_000, "must be between 11 and 1000000000 USD"),
        ("notify_spend_limit_override_usd", 10, "must be between 11 and 1000000000 USD"),
        ("rcs_spend_limit_override_usd", 0, "must be between 1 and 1000000000 USD"),
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


def test_fails_account_override_below_an_existing_spend_alarm(app: cdk.App) -> None:
    stack = cdk.Stack(app, "Watch", env=ENV)
    SmsMonitoring(
        stack,
        "Monitoring",
        configuration_set=ConfigurationSet(stack, "Config"),
        monthly_spend_limit_usd=100,
        spend_alarm_percentages=[50, 80],
    )
    with pytest.raises(
        ValueError,
        match=r"Watch/Settings: invalid 'text_spend_limit_override_usd': is below the spend alarm Watch/Monitoring "
        r"alarm MonthlySpend80 \(80 % of 100 USD = 80 USD\): .*; received 70$",
    ):
        SmsAccountSettings(stack, "Settings", text_spend_limit_override_usd=70)
