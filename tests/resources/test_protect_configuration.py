"""ProtectConfiguration: country rules, allow-only, defaults, importers and validation; the country list."""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match, Template

from sms_constructs._private.errors import ValidationError
from sms_constructs.resources.common import NumberCapability
from sms_constructs.resources.countries import SMS_COUNTRY_CODES
from sms_constructs.resources.protect_configuration import CountryRules, ProtectConfiguration, ProtectStatus


def _rules(template: Template) -> dict[str, object]:
    (resource,) = template.find_resources("AWS::SMSVOICE::ProtectConfiguration").values()
    return resource["Properties"]["CountryRuleSet"]  # type: ignore[no-any-return]


def test_defaults_retain_deletion_protection_and_no_rules(stack: cdk.Stack) -> None:
    ProtectConfiguration(stack, "Protect")
    Template.from_stack(stack).has_resource(
        "AWS::SMSVOICE::ProtectConfiguration",
        {
            "Properties": {"DeletionProtectionEnabled": True, "CountryRuleSet": Match.absent(), "Tags": Match.absent()},
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_country_rules_name_and_removal_policy(stack: cdk.Stack) -> None:
    protect = ProtectConfiguration(
        stack,
        "Protect",
        country_rules={
            NumberCapability.SMS: {"US": ProtectStatus.FILTER, "CA": ProtectStatus.ALLOW},
            NumberCapability.VOICE: {"US": ProtectStatus.MONITOR},
        },
        deletion_protection_enabled=False,
        removal_policy=cdk.RemovalPolicy.DESTROY,
        name="otp",
    )
    protect.add_country_rule(NumberCapability.MMS, "US", ProtectStatus.BLOCK)
    template = Template.from_stack(stack)
    template.has_resource(
        "AWS::SMSVOICE::ProtectConfiguration",
        {
            "Properties": {
                "DeletionProtectionEnabled": False,
                "Tags": [{"Key": "Name", "Value": "otp"}],
                "CountryRuleSet": {
                    "SMS": [
                        {"CountryCode": "CA", "ProtectStatus": "ALLOW"},
                        {"CountryCode": "US", "ProtectStatus": "FILTER"},
                    ],
                    "VOICE": [{"CountryCode": "US", "ProtectStatus": "MONITOR"}],
                    "MMS": [{"CountryCode": "US", "ProtectStatus": "BLOCK"}],
                },
            },
            "DeletionPolicy": "Delete",
        },
    )
    assert protect.country_rules[NumberCapability.MMS] == {"US": ProtectStatus.BLOCK}


def test_attributes_and_reference(stack: cdk.Stack) -> None:
    protect = ProtectConfiguration(stack, "Protect")
    logical_id = stack.get_logical_id(protect.resource)
    assert stack.resolve(protect.protect_configuration_id) == {"Ref": logical_id}
    assert stack.resolve(protect.protect_configuration_arn) == {"Fn::GetAtt": [logical_id, "Arn"]}
    ref = protect.protect_configuration_ref
    assert stack.resolve(ref.protect_configuration_id) == {"Ref": logical_id}
    assert stack.resolve(ref.protect_configuration_arn) == {"Fn::GetAtt": [logical_id, "Arn"]}


def test_allow_only_blocks_every_other_known_country(stack: cdk.Stack) -> None:
    ProtectConfiguration.allow_only(stack, "Protect", ["US", "CA"], name="north-america")
    rules = _rules(Template.from_stack(stack))
    assert set(rules) == {"SMS"}
    sms = {rule["CountryCode"]: rule["ProtectStatus"] for rule in rules["SMS"]}  # type: ignore[attr-defined]
    assert set(sms) == set(SMS_COUNTRY_CODES)
    assert {code for code, status in sms.items() if status == "ALLOW"} == {"US", "CA"}
    assert all(status == "BLOCK" for code, status in sms.items() if code not in {"US", "CA"})


def test_allow_only_on_several_channels_with_filter() -> None:
    rules = CountryRules.allow_only(
        ["US"], channels=[NumberCapability.SMS, NumberCapability.VOICE], status=ProtectStatus.FILTER
    )
    assert set(rules) == {NumberCapability.SMS, NumberCapability.VOICE}
    assert rules[NumberCapability.VOICE]["US"] is ProtectStatus.FILTER
    assert rules[NumberCapability.VOICE]["GB"] is ProtectStatus.BLOCK


def test_allow_only_with_own_country_list() -> None:
    rules = CountryRules.allow_only(["US"], known_countries=["US", "XK"])
    assert rules == {NumberCapability.SMS: {"US": ProtectStatus.ALLOW, "XK": ProtectStatus.BLOCK}}


def test_import_by_id(stack: cdk.Stack) -> None:
    imported = ProtectConfiguration.from_protect_configuration_id(stack, "Imported", "protect-0123abcd")
    assert imported.protect_configuration_id == "protect-0123abcd"
    assert (
        stack.resolve(imported.protect_configuration_arn)
        == "arn:aws:sms-voice:us-east-1:111122223333:protect-configuration/protect-0123abcd"
    )


def test_import_by_arn_takes_env_from_arn(stack: cdk.Stack) -> None:
    arn = "arn:aws:sms-voice:eu-west-1:444455556666:protect-configuration/protect-0123abcd"
    imported = ProtectConfiguration.from_protect_configuration_arn(stack, "Imported", arn)
    assert imported.protect_configuration_id == "protect-0123abcd"
    assert imported.protect_configuration_arn == arn
    assert (imported.env.account, imported.env.region) == ("444455556666", "eu-west-1")


def test_country_list_is_well_formed() -> None:
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in SMS_COUNTRY_CODES)
    assert {"US", "CA", "GB", "DE", "IN", "MN", "MO"} <= SMS_COUNTRY_CODES
    assert "AN" not in SMS_COUNTRY_CODES
    assert 190 <= len(SMS_COUNTRY_CODES) <= 300


def test_token_country_code_is_not_validated(stack: cdk.Stack) -> None:
    code = cdk.CfnParameter(stack, "Country").value_as_string
    ProtectConfiguration(stack, "Protect", country_rules={NumberCapability.SMS: {code: ProtectStatus.ALLOW}})
    assert _rules(Template.from_stack(stack)) == {
        "SMS": [{"CountryCode": {"Ref": "Country"}, "ProtectStatus": "ALLOW"}]
    }


@pytest.mark.parametrize("code", ["us", "USA", "U1", ""])
def test_fails_country_code_pattern(stack: cdk.Stack, code: str) -> None:
    with pytest.raises(
        ValidationError, match=r"TestStack/Protect: invalid 'country_code': must match \^\[A-Z\]\{2\}\$"
    ):
        ProtectConfiguration(stack, "Protect", country_rules={NumberCapability.SMS: {code: ProtectStatus.ALLOW}})


def test_fails_duplicate_country_in_a_channel(stack: cdk.Stack) -> None:
    protect = ProtectConfiguration(stack, "Protect", country_rules={NumberCapability.SMS: {"US": ProtectStatus.ALLOW}})
    with pytest.raises(ValidationError, match=r"invalid 'country_code': each country appears once per channel.*'US'"):
        protect.add_country_rule(NumberCapability.SMS, "US", ProtectStatus.BLOCK)


def test_same_country_on_two_channels_is_fine(stack: cdk.Stack) -> None:
    protect = ProtectConfiguration(stack, "Protect", country_rules={NumberCapability.SMS: {"US": ProtectStatus.ALLOW}})
    protect.add_country_rule(NumberCapability.VOICE, "US", ProtectStatus.BLOCK)
    assert set(_rules(Template.from_stack(stack))) == {"SMS", "VOICE"}


def test_fails_status_that_is_not_a_protect_status(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'status': must be a ProtectStatus.*received 'ALLOW'"):
        ProtectConfiguration(
            stack,
            "Protect",
            country_rules={NumberCapability.SMS: {"US": "ALLOW"}},  # type: ignore[dict-item]
        )


def test_fails_empty_country_rules(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'country_rules': must hold at least one channel"):
        ProtectConfiguration(stack, "Protect", country_rules={})


def test_fails_channel_without_countries(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'country_rules': the SMS rules must name at least one country"):
        ProtectConfiguration(stack, "Protect", country_rules={NumberCapability.SMS: {}})


def test_fails_channel_that_is_not_a_number_capability(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'channel': must be NumberCapability.SMS, VOICE or MMS"):
        ProtectConfiguration(stack, "Protect", country_rules={"RCS": {"US": ProtectStatus.ALLOW}})  # type: ignore[dict-item]


def test_fails_name_length(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'name': length must be between 1 and 256"):
        ProtectConfiguration(stack, "Protect", name="x" * 257)


def test_fails_allow_only_without_countries() -> None:
    with pytest.raises(ValidationError, match=r"CountryRules.allow_only: invalid 'countries': must name at least one"):
        CountryRules.allow_only([])


def test_fails_allow_only_with_unknown_country() -> None:
    with pytest.raises(ValidationError, match=r"invalid 'countries': must be a destination the service supports.*'ZZ'"):
        CountryRules.allow_only(["US", "ZZ"])


def test_fails_allow_only_with_malformed_country() -> None:
    with pytest.raises(ValidationError, match=r"invalid 'countries': must match"):
        CountryRules.allow_only(["us"])


def test_fails_allow_only_without_channels() -> None:
    with pytest.raises(ValidationError, match=r"invalid 'channels': must name at least one channel"):
        CountryRules.allow_only(["US"], channels=[])


def test_fails_allow_only_with_bad_status(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'status': must be a ProtectStatus"):
        ProtectConfiguration.allow_only(stack, "Protect", ["US"], status="ALLOW")  # type: ignore[arg-type]


def test_removal_policy_destroy_turns_deletion_protection_off(stack: cdk.Stack) -> None:
    # With deletion protection on, the service refuses the delete, and the stack could never be deleted.
    ProtectConfiguration(stack, "Protect", removal_policy=cdk.RemovalPolicy.DESTROY)
    Template.from_stack(stack).has_resource(
        "AWS::SMSVOICE::ProtectConfiguration",
        {"Properties": {"DeletionProtectionEnabled": False}, "DeletionPolicy": "Delete"},
    )


def test_warns_deletion_protection_with_destroy(stack: cdk.Stack) -> None:
    ProtectConfiguration(stack, "Protect", deletion_protection_enabled=True, removal_policy=cdk.RemovalPolicy.DESTROY)
    Annotations.from_stack(stack).has_warning(
        "/TestStack/Protect", Match.string_like_regexp("deletion_protection_enabled=True with RemovalPolicy.DESTROY")
    )


def test_tags_reach_the_l1_next_to_the_name_tag(stack: cdk.Stack) -> None:
    protect = ProtectConfiguration(stack, "Protect", name="otp")
    cdk.Tags.of(protect).add("team", "messaging")
    Template.from_stack(stack).has_resource_properties(
        "AWS::SMSVOICE::ProtectConfiguration",
        {"Tags": [{"Key": "Name", "Value": "otp"}, {"Key": "team", "Value": "messaging"}]},
    )


# --- one country check everywhere (issue 9) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda s: ProtectConfiguration(s, "Protect", country_rules={NumberCapability.SMS: {"UK": ProtectStatus.ALLOW}}),
        lambda s: ProtectConfiguration(s, "Protect").add_country_rule(NumberCapability.SMS, "UK", ProtectStatus.BLOCK),
        lambda s: ProtectConfiguration.allow_only(s, "Protect", ["US", "UK"]),
    ],
    ids=["constructor", "add_country_rule", "allow_only"],
)
def test_fails_uk_the_same_way_everywhere_with_the_construct_path(stack: cdk.Stack, build: Any) -> None:
    with pytest.raises(
        ValidationError,
        match=r"^TestStack/Protect: invalid '(country_code|countries)': must be a destination the service supports "
        r".*did you mean 'GB'\?; received 'UK'$",
    ):
        build(stack)


def test_fails_allow_only_of_a_construct_with_its_path_not_the_helper_name(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"^TestStack/Protect: invalid 'countries': must name at least one"):
        ProtectConfiguration.allow_only(stack, "Protect", [])


def test_known_countries_extends_what_a_rule_may_name(stack: cdk.Stack) -> None:
    protect = ProtectConfiguration(
        stack,
        "Protect",
        known_countries=[*SMS_COUNTRY_CODES, "XK"],
        country_rules={NumberCapability.SMS: {"XK": ProtectStatus.BLOCK}},
    )
    assert protect.country_rules == {NumberCapability.SMS: {"XK": ProtectStatus.BLOCK}}


def test_context_key_adds_country_codes_for_every_check() -> None:
    app = cdk.App(context={"sms-constructs:additionalCountryCodes": ["XK"]})
    stack = cdk.Stack(app, "Stack")
    protect = ProtectConfiguration(stack, "Protect")
    protect.add_country_rule(NumberCapability.SMS, "XK", ProtectStatus.BLOCK)
    assert protect.country_rules[NumberCapability.SMS] == {"XK": ProtectStatus.BLOCK}
    with pytest.raises(ValidationError, match=r"Stack/Other: invalid 'country_code': must be a destination"):
        ProtectConfiguration(cdk.Stack(cdk.App(), "Stack"), "Other").add_country_rule(
            NumberCapability.SMS, "XK", ProtectStatus.BLOCK
        )


def test_context_key_adds_country_codes_to_allow_only_too() -> None:
    """The docs promise the context key for every country check: ``allow_only`` may allow such a code, and blocks it
    when it is not allowed."""
    app = cdk.App(context={"sms-constructs:additionalCountryCodes": ["XK"]})
    stack = cdk.Stack(app, "Stack")

    allowed = ProtectConfiguration.allow_only(stack, "Allowed", ["XK"])
    blocked = ProtectConfiguration.allow_only(stack, "Blocked", ["US"])

    assert allowed.country_rules[NumberCapability.SMS]["XK"] is ProtectStatus.ALLOW
    assert blocked.country_rules[NumberCapability.SMS]["XK"] is ProtectStatus.BLOCK
    assert set(blocked.country_rules[NumberCapability.SMS]) == SMS_COUNTRY_CODES | {"XK"}


def test_fails_allow_only_of_a_context_code_without_the_context_key(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"^TestStack/Protect: invalid 'countries': must be a destination"):
        ProtectConfiguration.allow_only(stack, "Protect", ["XK"])


def test_fails_context_key_that_is_not_a_list_of_strings() -> None:
    app = cdk.App(context={"sms-constructs:additionalCountryCodes": "XK"})
    with pytest.raises(
        ValidationError, match=r"invalid 'context sms-constructs:additionalCountryCodes': must be a list"
    ):
        ProtectConfiguration(cdk.Stack(app, "Stack"), "Protect")
