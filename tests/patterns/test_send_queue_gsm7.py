"""``SmsSendQueue(normalize_characters=...)``: what reaches the sender's settings, and the ``PartsSaved`` metric."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template
from sms_constructs_runtime.settings import METRIC_DIMENSION_SERVICE, SenderMetric, SenderSettings

from sms_constructs._private.errors import ValidationError

from .conftest import build, function_environment

SENDER = "sender.handler.main"


def sender_settings(template: Template) -> dict[str, Any]:
    return function_environment(template, SENDER)


def test_normalisation_is_on_by_default(synthesized: Any) -> None:
    environment = sender_settings(synthesized[1])
    assert environment["SMS_NORMALIZE_GSM7"] == "true"
    assert SenderSettings.from_environment({**environment, **_deploy_time()}).normalize_gsm7 is True


@pytest.mark.parametrize(("prop", "rendered"), [(True, "true"), (False, "false")])
def test_the_prop_reaches_the_sender(stack: cdk.Stack, prop: bool, rendered: str) -> None:
    build(stack, normalize_characters=prop)
    environment = sender_settings(Template.from_stack(stack))
    assert environment["SMS_NORMALIZE_GSM7"] == rendered
    assert SenderSettings.from_environment({**environment, **_deploy_time()}).normalize_gsm7 is prop


@pytest.mark.parametrize("value", ["false", "yes", 0, 1])
def test_fails_normalize_characters_that_is_not_a_bool(stack: cdk.Stack, value: Any) -> None:
    with pytest.raises(ValidationError, match=r"TestStack/Send: invalid 'normalize_characters': must be True or False"):
        build(stack, normalize_characters=value)


def test_parts_saved_metric(synthesized: Any) -> None:
    queue = synthesized[2]
    metric = queue.metric_parts_saved()
    assert (metric.metric_name, metric.statistic, metric.period.to_minutes()) == (SenderMetric.PARTS_SAVED, "Sum", 5)
    assert metric.dimensions == {METRIC_DIMENSION_SERVICE: queue.service_name}
    assert queue.metric("PartsSaved").metric_name == "PartsSaved"


def _deploy_time() -> dict[str, str]:
    """Values CloudFormation resolves at deploy time (tokens in the template)."""
    return {
        "SMS_TABLE_NAME": "store",
        "SMS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/111122223333/send",
        "SMS_ORIGINATION_IDENTITY": "arn:aws:sms-voice:us-east-1:111122223333:pool/pool-1",
        "SMS_CONFIGURATION_SET_NAME": "acme",
    }
