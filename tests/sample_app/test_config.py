"""The sample app's profiles: what cdk.json's context becomes, and every bad or placeholder value failing at synth time
with the key to set."""

from __future__ import annotations

import copy
from typing import Any

import aws_cdk as cdk
import pytest

from sms_constructs import ValidationError
from sms_constructs.sample_app import PROFILE_CONTEXT_KEY, IdentitySpec, build_sample_app, load_profile
from tests.conftest import TEST_PRODUCTION_SETTINGS, shipped_cdk_json_context

PRODUCTION = "sms-constructs:production"
SANDBOX = "sms-constructs:sandbox"


def _production(**changes: Any) -> cdk.App:
    settings = copy.deepcopy(TEST_PRODUCTION_SETTINGS)
    for key, value in changes.items():
        if value is None:
            settings.pop(key, None)
        else:
            settings[key] = value
    return cdk.App(context={PROFILE_CONTEXT_KEY: "production", PRODUCTION: settings})


def test_sandbox_profile_by_default() -> None:
    profile = load_profile(cdk.App(context=shipped_cdk_json_context()))
    assert (profile.name, profile.name_prefix, profile.allowed_countries) == ("sandbox", "sms-sandbox", ("US",))
    assert (profile.monthly_spend_limit_usd, profile.alarm_email, profile.identities) == (1, None, ())
    assert profile.max_parts_per_second == 3  # the simulator, paced like US toll-free
    assert profile.verified_destination_numbers == ()


def test_sandbox_reads_its_settings() -> None:
    app = cdk.App(
        context={
            SANDBOX: {
                "monthlySpendLimitUsd": 1,
                "alarmEmail": "dev@example.com",
                "verifiedDestinationNumbers": ["+14255550142", "+447700900123"],
            }
        }
    )
    profile = load_profile(app)
    assert profile.alarm_email == "dev@example.com"
    assert profile.verified_destination_numbers == ("+14255550142", "+447700900123")


def test_production_reads_identities_countries_limit_and_email() -> None:
    app = cdk.App(
        context={
            PROFILE_CONTEXT_KEY: "production",
            PRODUCTION: TEST_PRODUCTION_SETTINGS,
            "sms-constructs:env": {"account": "111122223333", "region": "eu-west-1"},
        }
    )
    profile = load_profile(app)
    assert (profile.name, profile.allowed_countries, profile.monthly_spend_limit_usd) == (
        "production",
        ("US", "CA"),
        100,
    )
    assert profile.alarm_email == "sms-oncall@example.com"
    assert profile.identities == (
        IdentitySpec(
            max_parts_per_second=1,
            phone_number_arn=TEST_PRODUCTION_SETTINGS["originationIdentities"][0]["phoneNumberArn"],
        ),
        IdentitySpec(max_parts_per_second=3, number_type="TOLL_FREE", iso_country_code="US"),
    )
    assert profile.max_parts_per_second == 1  # the pool is paced to its slowest identity's MPS
    assert (profile.account, profile.region) == ("111122223333", "eu-west-1")


def test_fails_unknown_profile() -> None:
    with pytest.raises(ValidationError, match="must be one of sandbox, production; received 'staging'"):
        load_profile(cdk.App(context={PROFILE_CONTEXT_KEY: "staging"}))


def test_fails_production_synth_with_the_shipped_placeholders_naming_the_key() -> None:
    app = cdk.App(context=shipped_cdk_json_context(**{PROFILE_CONTEXT_KEY: "production"}))
    with pytest.raises(
        ValidationError,
        match=r"invalid 'context sms-constructs:production\.originationIdentities\[0\]\.phoneNumberArn': is still the "
        r"placeholder shipped in cdk\.json: set it to the ARN of your registered phone number: arn:aws:sms-voice:",
    ):
        build_sample_app(app)


@pytest.mark.parametrize(
    ("changes", "key", "rule"),
    [
        ({"monthlySpendLimitUsd": "REPLACE_WITH your budget"}, "monthlySpendLimitUsd", "is still the placeholder"),
        ({"alarmEmail": "REPLACE_WITH an address"}, "alarmEmail", "is still the placeholder"),
        ({"monthlySpendLimitUsd": 0}, "monthlySpendLimitUsd", "must be a whole number of USD, at least 1"),
        ({"monthlySpendLimitUsd": 12.5}, "monthlySpendLimitUsd", "must be a whole number of USD, at least 1"),
        ({"monthlySpendLimitUsd": None}, "monthlySpendLimitUsd", "is required"),
        ({"alarmEmail": "oncall"}, "alarmEmail", "must be an e-mail address"),
        ({"allowedCountries": ["USA"]}, r"allowedCountries\[0\]", "must be an SMS destination country code"),
        ({"allowedCountries": []}, "allowedCountries", "must be a non-empty list"),
        ({"namePrefix": "Prod!"}, "namePrefix", "must match"),
        ({"originationIdentities": []}, "originationIdentities", "must be a non-empty list"),
        ({"originationIdentities": None}, "originationIdentities", "is required"),
        (
            {"originationIdentities": [{"maxPartsPerSecond": 1}]},
            r"originationIdentities\[0\]",
            "must give either phoneNumberArn \\(import\\) or numberType \\(request\\)",
        ),
        (
            {
                "originationIdentities": [
                    {"phoneNumberArn": "arn:aws:sms-voice:us-east-1:1:pool/x", "maxPartsPerSecond": 1}
                ]
            },
            r"originationIdentities\[0\]\.phoneNumberArn",
            "must be a phone-number ARN",
        ),
        (
            {"originationIdentities": [{"numberType": "SIMULATOR", "maxPartsPerSecond": 1}]},
            r"originationIdentities\[0\]\.numberType",
            "must be one of LONG_CODE, TOLL_FREE, TEN_DLC",
        ),
        (
            {"originationIdentities": [{"numberType": "TOLL_FREE", "maxPartsPerSecond": 0}]},
            r"originationIdentities\[0\]\.maxPartsPerSecond",
            "must be a number > 0",
        ),
        (
            {"originationIdentities": [{"numberType": "TOLL_FREE", "maxPartsPerSecond": True}]},
            r"originationIdentities\[0\]\.maxPartsPerSecond",
            "must be a number > 0",
        ),
        (
            {"originationIdentities": [{"numberType": "TOLL_FREE", "maxPartsPerSecond": 3, "mps": 3}]},
            r"originationIdentities\[0\]",
            "must be an object with the keys",
        ),
        ({"phoneNumberArn": "arn:aws:sms-voice:us-east-1:111122223333:phone-number/phone-1"}, "", "has unknown keys"),
    ],
)
def test_fails_bad_production_setting_naming_its_key(changes: dict[str, Any], key: str, rule: str) -> None:
    where = rf"sms-constructs:production\.{key}" if key else r"sms-constructs:production"
    with pytest.raises(ValidationError, match=rf"invalid 'context {where}': {rule}"):
        load_profile(_production(**changes))


@pytest.mark.parametrize(
    ("numbers", "key", "rule"),
    [
        (["4255550142"], r"verifiedDestinationNumbers\[0\]", "must be an E.164 number"),
        (["+1 425 555 0142"], r"verifiedDestinationNumbers\[0\]", "must be an E.164 number"),
        (["+14255550142", "+14255550142"], "verifiedDestinationNumbers", "must not repeat a number"),
        ("+14255550142", "verifiedDestinationNumbers", "must be a list of E.164 numbers"),
    ],
)
def test_fails_bad_verified_destination_numbers(numbers: object, key: str, rule: str) -> None:
    app = cdk.App(context={SANDBOX: {"verifiedDestinationNumbers": numbers}})
    with pytest.raises(ValidationError, match=rf"invalid 'context sms-constructs:sandbox\.{key}': {rule}"):
        load_profile(app)


def test_fails_sandbox_spend_limit_that_is_not_positive() -> None:
    app = cdk.App(context={SANDBOX: {"monthlySpendLimitUsd": -1}})
    with pytest.raises(ValidationError, match=r"sandbox\.monthlySpendLimitUsd': must be a whole number of USD"):
        load_profile(app)


def test_production_deploys_to_the_region_of_its_registered_numbers() -> None:
    arn = "arn:aws:sms-voice:eu-west-1:111122223333:phone-number/phone-abc"
    identities = [{"phoneNumberArn": arn, "maxPartsPerSecond": 10}]
    assert load_profile(_production(originationIdentities=identities)).region == "eu-west-1"
    pinned = cdk.App(
        context={
            PROFILE_CONTEXT_KEY: "production",
            PRODUCTION: {**TEST_PRODUCTION_SETTINGS, "originationIdentities": identities},
            "sms-constructs:env": {"region": "us-west-2"},
        }
    )
    assert load_profile(pinned).region == "us-west-2"
    requested_only = [{"numberType": "TOLL_FREE", "maxPartsPerSecond": 3}]
    assert load_profile(_production(originationIdentities=requested_only)).region is None


def test_fails_identities_in_two_regions() -> None:
    identities = [
        {"phoneNumberArn": "arn:aws:sms-voice:eu-west-1:111122223333:phone-number/phone-a", "maxPartsPerSecond": 1},
        {"phoneNumberArn": "arn:aws:sms-voice:us-east-1:111122223333:phone-number/phone-b", "maxPartsPerSecond": 1},
    ]
    with pytest.raises(ValidationError, match=r"originationIdentities': must all be in one Region.*eu-west-1"):
        load_profile(_production(originationIdentities=identities))
