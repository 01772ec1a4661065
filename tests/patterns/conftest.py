"""Shared builders and fixtures of the SmsSendQueue and SmsRetry construct tests."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from sms_constructs.patterns.retry import SmsRetry
from sms_constructs.patterns.send_queue import SmsSendQueue
from sms_constructs.resources.common import NumberCapability, NumberType
from sms_constructs.resources.configuration_set import ConfigurationSet
from sms_constructs.resources.keywords import MandatoryKeywords
from sms_constructs.resources.phone_number import PhoneNumber
from sms_constructs.resources.pool import Pool
from tests.conftest import ENV, cdk_json_context

LOG_GROUP_ARN_PREFIX = "arn:aws:logs:us-east-1:111122223333:log-group:"

KEYWORDS = MandatoryKeywords(help="Acme alerts: help at acme.example. Reply STOP to end.", stop="You are unsubscribed.")


def build(stack: cdk.Stack, **queue_props: Any) -> tuple[Pool, ConfigurationSet, SmsSendQueue]:
    """A simulator number in a pool, a configuration set ``acme`` and a send queue at 3 MPS (``queue_props`` win)."""
    number = PhoneNumber(
        stack,
        "Number",
        iso_country_code="US",
        number_type=NumberType.SIMULATOR,
        capabilities=[NumberCapability.SMS],
        keywords=KEYWORDS,
    )
    pool = Pool(stack, "Pool", origination_identities=[number], keywords=KEYWORDS)
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    queue = SmsSendQueue(
        stack,
        "Send",
        origination_identity=pool,
        **{"configuration_set": config, "max_parts_per_second": 3, **queue_props},
    )
    return pool, config, queue


@functools.cache
def synthesize_default() -> tuple[cdk.Stack, Template, SmsSendQueue, SmsRetry]:
    """One stack with the default send queue and retry, synthesized once per test process."""
    app = cdk.App(context=cdk_json_context())
    stack = cdk.Stack(app, "TestStack", env=ENV)
    _, config, queue = build(stack)
    retry = SmsRetry(stack, "Retry", send_queue=queue, configuration_set=config)
    return stack, Template.from_stack(stack), queue, retry


@pytest.fixture(scope="session")
def synthesized() -> tuple[cdk.Stack, Template, SmsSendQueue, SmsRetry]:
    """The default send queue and retry (:func:`synthesize_default`), for read-only template tests."""
    return synthesize_default()


def function_environment(template: Template, handler: str) -> dict[str, Any]:
    """The ``Environment.Variables`` of the one function of ``template`` whose handler is ``handler``."""
    [function] = [
        f for f in template.find_resources("AWS::Lambda::Function").values() if f["Properties"]["Handler"] == handler
    ]
    return dict(function["Properties"]["Environment"]["Variables"])


def deployed_environment(template: Template, handler: str, resolved: Mapping[str, str]) -> dict[str, str]:
    """The environment the function running ``handler`` gets once deployed: the synthesized variables, with each value
    CloudFormation resolves at deploy time (a ``Ref``, ``Fn::GetAtt``…) replaced by ``resolved[variable]``. A token
    without a replacement fails, so a new deploy-time variable cannot slip past the handler tests."""
    environment: dict[str, str] = {}
    for name, value in function_environment(template, handler).items():
        if isinstance(value, str):
            environment[name] = value
        elif name in resolved:
            environment[name] = resolved[name]
        else:
            raise AssertionError(f"{name} is resolved at deploy time ({value}); give the test a value for it")
    return environment


def logical_id(stack: cdk.Stack, construct: Any) -> str:
    """Logical id of ``construct``'s default child."""
    return stack.get_logical_id(construct.node.default_child)


def statements_of(template: Template, role_prefix: str) -> list[dict[str, Any]]:
    """The statements of the default policy of the role whose logical id starts with ``role_prefix``."""
    policies = template.find_resources("AWS::IAM::Policy")
    [policy] = [
        p
        for logical, p in policies.items()
        if logical.startswith(f"{role_prefix}DefaultPolicy")
        and p["Properties"]["Roles"][0]["Ref"].startswith(role_prefix)
    ]
    return policy["Properties"]["PolicyDocument"]["Statement"]  # type: ignore[no-any-return]


def policies_of(template: Template, role_prefix: str) -> dict[str, list[dict[str, Any]]]:
    """Every inline policy of the role whose logical id starts with ``role_prefix``: logical id → statements."""
    return {
        logical: p["Properties"]["PolicyDocument"]["Statement"]
        for logical, p in template.find_resources("AWS::IAM::Policy").items()
        if p["Properties"]["Roles"][0]["Ref"].startswith(role_prefix)
    }


def log_group_stems(template: Template, key_logical_id: str) -> list[str]:
    """The literal part of the names of the log groups ``key_logical_id`` encrypts (before the stack creation id)."""
    stems = []
    for log_group in template.find_resources("AWS::Logs::LogGroup").values():
        properties = log_group["Properties"]
        if properties.get("KmsKeyId") != {"Fn::GetAtt": [key_logical_id, "Arn"]}:
            continue
        name = properties["LogGroupName"]
        if isinstance(name, str):
            stems.append(name)
            continue
        separator, (stem, creation_id) = name["Fn::Join"]
        assert separator == ""
        assert creation_id == {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}
        stems.append(stem)
    return sorted(stems)
