"""SmsSendQueue: the pacer's release tolerance, the circuit breaker's probe interval, and the metrics of lost send
opportunities and of the breaker."""

from __future__ import annotations

import ast
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template
from sms_constructs_runtime.settings import SenderSettings

from sms_constructs._private.errors import ValidationError
from sms_constructs.patterns.send_queue import RECEIVE_CAUSES
from tests.conftest import REPO_ROOT
from tests.patterns.conftest import build, deployed_environment, function_environment, logical_id, statements_of

SENDER = "sender.handler.main"

# -- the two props reach the sender's settings ----------------------------------------------------------------------


def test_defaults_reach_the_sender_as_20_ms_and_60_seconds(synthesized: Any) -> None:
    _, template, _, _ = synthesized
    environment = function_environment(template, SENDER)
    assert environment["SMS_RELEASE_TOLERANCE_SECONDS"] == "0.02"
    assert environment["SMS_BREAKER_PROBE_INTERVAL_SECONDS"] == "60"


def test_given_values_reach_the_sender_and_read_back_as_its_settings(stack: cdk.Stack) -> None:
    _, _, queue = build(
        stack, release_tolerance=cdk.Duration.millis(50), breaker_probe_interval=cdk.Duration.minutes(5)
    )
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": SENDER,
            "Environment": {
                "Variables": {
                    "SMS_RELEASE_TOLERANCE_SECONDS": "0.05",
                    "SMS_BREAKER_PROBE_INTERVAL_SECONDS": "300",
                }
            },
        },
    )
    resolved = {
        "SMS_TABLE_NAME": "store",
        "SMS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/111122223333/send",
        "SMS_ORIGINATION_IDENTITY": "arn:aws:sms-voice:us-east-1:111122223333:pool/pool-1",
        "SMS_CONFIGURATION_SET_NAME": "acme",
    }
    settings = SenderSettings.from_environment(deployed_environment(template, SENDER, resolved))
    assert (settings.release_tolerance_seconds, settings.breaker_probe_interval_seconds) == (0.05, 300)
    assert queue.function is not None


@pytest.mark.parametrize(
    ("props", "variables"),
    [
        ({"release_tolerance": cdk.Duration.millis(1)}, {"SMS_RELEASE_TOLERANCE_SECONDS": "0.001"}),
        ({"release_tolerance": cdk.Duration.millis(200)}, {"SMS_RELEASE_TOLERANCE_SECONDS": "0.2"}),
        ({"release_tolerance": cdk.Duration.millis(2.5)}, {"SMS_RELEASE_TOLERANCE_SECONDS": "0.0025"}),
        ({"breaker_probe_interval": cdk.Duration.seconds(10)}, {"SMS_BREAKER_PROBE_INTERVAL_SECONDS": "10"}),
        ({"breaker_probe_interval": cdk.Duration.hours(1)}, {"SMS_BREAKER_PROBE_INTERVAL_SECONDS": "3600"}),
        ({"breaker_probe_interval": cdk.Duration.millis(90_000)}, {"SMS_BREAKER_PROBE_INTERVAL_SECONDS": "90"}),
    ],
)
def test_bounds_are_accepted(stack: cdk.Stack, props: dict[str, Any], variables: dict[str, str]) -> None:
    build(stack, **props)
    environment = function_environment(Template.from_stack(stack), SENDER)
    assert {name: environment[name] for name in variables} == variables


# -- validation ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "match"),
    [
        ({"release_tolerance": cdk.Duration.millis(0.5)}, r"'release_tolerance': must be between 1 and 200 ms.*0\.5"),
        ({"release_tolerance": cdk.Duration.millis(201)}, r"'release_tolerance': must be between 1 and 200 ms.*201"),
        ({"release_tolerance": cdk.Duration.seconds(1)}, r"'release_tolerance': must be between 1 and 200 ms"),
        (
            {"breaker_probe_interval": cdk.Duration.seconds(9)},
            r"'breaker_probe_interval': must be between 10 and 3600 seconds; received Duration 9 seconds",
        ),
        (
            {"breaker_probe_interval": cdk.Duration.seconds(3601)},
            r"'breaker_probe_interval': must be between 10 and 3600 seconds",
        ),
        (
            {"breaker_probe_interval": cdk.Duration.millis(15_500)},
            r"'breaker_probe_interval': must be a whole number of seconds; received Duration 15 seconds 500 millis",
        ),
        ({"release_tolerance": 0.02}, r"'release_tolerance': must be a cdk.Duration"),
        ({"breaker_probe_interval": 60}, r"'breaker_probe_interval': must be a cdk.Duration"),
        (
            {"breaker_probe_interval": cdk.Duration.seconds(cdk.Token.as_number(cdk.Fn.import_value("Interval")))},
            r"'breaker_probe_interval': must be known at synth time",
        ),
        (
            {"release_tolerance": cdk.Duration.millis(cdk.Token.as_number(cdk.Fn.import_value("Tolerance")))},
            r"'release_tolerance': must be known at synth time",
        ),
    ],
)
def test_fails_on_a_tolerance_or_probe_interval_out_of_range(
    stack: cdk.Stack, props: dict[str, Any], match: str
) -> None:
    with pytest.raises(ValueError, match=r"TestStack/Send: invalid " + match) as raised:
        build(stack, **props)
    assert isinstance(raised.value, ValidationError)
    assert raised.value.prop == next(iter(props))


# -- least privilege on the message store --------------------------------------------------------------------------


def test_the_sender_gets_item_actions_on_the_table_arn_alone(synthesized: Any) -> None:
    """The pacer updates its item; idempotency puts, updates and deletes its records; the circuit breaker reads,
    writes and deletes its item: four item actions on the table's ARN, nothing on an index, no scan, query or batch."""
    stack, template, queue, _ = synthesized
    dynamodb = [s for s in statements_of(template, "SendSenderRole") if "dynamodb:" in str(s["Action"])]
    assert dynamodb == [
        {
            "Action": ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [logical_id(stack, queue.table), "Arn"]},
        }
    ]


# -- metrics -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "name", "statistic"),
    [
        ("metric_pacer_slots_abandoned", "PacerSlotsAbandoned", "Sum"),
        ("metric_pacer_contention", "PacerContention", "Sum"),
        ("metric_receives_without_send", "ReceivesWithoutSend", "Sum"),
        ("metric_messages_deferred", "MessagesDeferred", "Sum"),
        ("metric_circuit_breaker_open", "CircuitBreakerOpen", "Maximum"),
        ("metric_circuit_breaker_probes", "CircuitBreakerProbes", "Sum"),
    ],
)
def test_metric_methods(synthesized: Any, method: str, name: str, statistic: str) -> None:
    _, _, queue, _ = synthesized
    metric = getattr(queue, method)()
    assert (metric.namespace, metric.metric_name, metric.statistic) == ("SmsConstructs", name, statistic)
    assert metric.dimensions == {"service": queue.service_name}
    assert metric.period.to_seconds() == 300
    longer = getattr(queue, method)(period=cdk.Duration.hours(1), statistic="Average")
    assert (longer.period.to_seconds(), longer.statistic) == (3600, "Average")


@pytest.mark.parametrize("cause", RECEIVE_CAUSES)
def test_receives_without_send_by_cause(synthesized: Any, cause: str) -> None:
    _, _, queue, _ = synthesized
    metric = queue.metric_receives_without_send(cause=cause, label=cause)
    assert metric.metric_name == "ReceivesWithoutSend"
    assert metric.dimensions == {"service": queue.service_name, "Cause": cause}
    assert metric.label == cause


def test_the_causes_are_the_ones_the_sender_publishes() -> None:
    """The ``Cause`` values of the sender's ``Cause`` class, read from its source (no Powertools import here)."""
    tree = ast.parse((REPO_ROOT / "lambda" / "sender" / "handler.py").read_text(encoding="utf-8"))
    [cause] = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Cause"]
    published = [
        node.value.value
        for node in cause.body
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    ]
    assert sorted(RECEIVE_CAUSES) == sorted(published)


@pytest.mark.parametrize("cause", ["deadline", "Throttling", "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT", ""])
def test_fails_on_a_cause_the_sender_never_publishes(synthesized: Any, cause: str) -> None:
    _, _, queue, _ = synthesized
    with pytest.raises(
        ValidationError,
        match=r"TestStack/Send: invalid 'cause': must be one of Deadline, PacerContention, CircuitBreaker, InProgress",
    ):
        queue.metric_receives_without_send(cause=cause)
