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

from sms_constructs.sample_app.config import example_production_settings

REPO_ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "111122223333"
REGION = "us-east-1"
ENV = cdk.Environment(account=ACCOUNT, region=REGION)


#: The production profile the tests synthesize: ``cdk.json`` ships placeholders there, which fail synthesis by design
#: (``shipped_cdk_json_context`` keeps them). The sample app's example (one identity imported by ARN, one requested).
TEST_PRODUCTION_SETTINGS: dict[str, Any] = example_production_settings()
TEST_PHONE_NUMBER_ARN: str = TEST_PRODUCTION_SETTINGS["originationIdentities"][0]["phoneNumberArn"]


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
