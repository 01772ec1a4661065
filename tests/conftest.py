"""Shared pytest fixtures: an ``App`` carrying the sample app's ``cdk.json`` context and a stack with a fixed env."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

import aws_cdk as cdk

REPO_ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "111122223333"
REGION = "us-east-1"
ENV = cdk.Environment(account=ACCOUNT, region=REGION)


#: The production profile the tests synthesize: ``cdk.json`` ships placeholders there, which fail synthesis by design
#: (``shipped_cdk_json_context`` keeps them). One identity is imported by ARN, one requested.
TEST_PHONE_NUMBER_ARN = "arn:aws:sms-voice:us-east-1:111122223333:phone-number/phone-0123456789abcdef0123456789abcdef"
TEST_PRODUCTION_SETTINGS: dict[str, Any] = {
    "namePrefix": "sms-prod",
    "allowedCountries": ["US", "CA"],
    "originationIdentities": [
        {
            "phoneNumberArn": TEST_PHONE_NUMBER_ARN,
            "maxPartsPerSecond": 1,
        },
        {"numberType": "TOLL_FREE", "isoCountryCode": "US", "maxPartsPerSecond": 3},
    ],
    "monthlySpendLimitUsd": 100,
    "alarmEmail": "sms-oncall@example.com",
}


def shipped_cdk_json_context(**overrides: Any) -> dict[str, Any]:
    """The ``context`` block of ``cdk.json`` exactly as shipped (placeholders included), with ``overrides`` applied."""
    context: dict[str, Any] = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    context.update(overrides)
    return context


def cdk_json_context(**overrides: Any) -> dict[str, Any]:
    """The ``context`` block of ``cdk.json`` (feature flags included) with :data:`TEST_PRODUCTION_SETTINGS` as the
    production profile, and ``overrides`` applied."""
    return shipped_cdk_json_context(**{"sms-constructs:production": TEST_PRODUCTION_SETTINGS, **overrides})


@pytest.fixture
def app() -> cdk.App:
    """A fresh app with the same feature flags as the sample app."""
    return cdk.App(context=cdk_json_context())


@pytest.fixture
def stack(app: cdk.App) -> cdk.Stack:
    """A stack pinned to account 111122223333 in us-east-1."""
    return cdk.Stack(app, "TestStack", env=ENV)
