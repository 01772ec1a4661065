"""SmsMonitoring of the status notifier and the inbound pattern: each alarm's metric, threshold, periods and
missing-data treatment, the widgets, and validation."""

from __future__ import annotations

import functools
import json
from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_events as events
import aws_cdk.aws_kms as kms
import aws_cdk.aws_sns as sns
import aws_cdk.aws_sqs as sqs
import pytest
from aws_cdk.assertions import Template

from sms_constructs import ConfigurationSet, SmsMonitoring, ValidationError
from sms_constructs.patterns.inbound import SmsInbound
from sms_constructs.patterns.status import SmsStatusNotifier
from sms_constructs.resources.two_way import TwoWayChannel
from tests.compliance.gates import nag_violations
from tests.conftest import ENV, cdk_json_context
from tests.patterns.conftest import build, logical_id
from tests.patterns.test_monitoring import after_the_send


@functools.cache
def _watched() -> tuple[cdk.Stack, SmsMonitoring, Template]:
    """A send queue, its status notifier (a queue and a webhook target) and an inbound pattern that reconciles."""
    app = cdk.App(context=cdk_json_context())
    stack = cdk.Stack(app, "TestStack", env=ENV)
    _, config, queue = build(stack)
    notifier, inbound = after_the_send(stack, queue)
    monitoring = SmsMonitoring(
        stack,
        "Monitoring",
        configuration_set=config,
        send_queue=queue,
        status_notifier=notifier,
        inbound=inbound,
        monthly_spend_limit_usd=100,
        alarm_name_prefix="acme-sms",
    )
    return stack, monitoring, Template.from_stack(stack)


def _alarm(template: Template, key: str) -> dict[str, Any]:
    [alarm] = [
        a["Properties"]
        for a in template.find_resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("AlarmName") == f"acme-sms-{key}"
    ]
    return alarm


def _assert_any_in_one_period(alarm: dict[str, Any]) -> None:
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["Threshold"] == 1
    assert alarm["EvaluationPeriods"] == 1
    assert alarm["TreatMissingData"] == "notBreaching"


@pytest.mark.parametrize(
    ("key", "queue"),
    [
        ("StatusDeadLetters", lambda m: m.status_notifier.dead_letter_queue),
        ("StatusTargetDeadLetters", lambda m: m.status_notifier.target_dead_letter_queue),
        ("InboundDeadLetters", lambda m: m.inbound.dead_letter_queue),
    ],
)
def test_dead_letter_alarms_fire_on_one_message_in_their_queue(key: str, queue: Any) -> None:
    stack, monitoring, template = _watched()
    alarm = _alarm(template, key)
    _assert_any_in_one_period(alarm)
    assert alarm["Namespace"] == "AWS/SQS"
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Statistic"] == "Maximum"
    assert alarm["Period"] == 300
    [dimension] = alarm["Dimensions"]
    assert dimension == {
        "Name": "QueueName",
        "Value": {"Fn::GetAtt": [logical_id(stack, queue(monitoring)), "QueueName"]},
    }


def test_consent_drift_alarm_fires_on_one_ledger_change_missing_from_the_list_in_a_day() -> None:
    """Only the ledger's own opt-outs and opt-ins missing from the list alarm: numbers the list held before the
    ledger existed (ON_LIST_NOT_IN_LEDGER) would keep it in ALARM for good."""
    _, monitoring, template = _watched()
    alarm = _alarm(template, "ConsentDrift")
    assert (alarm["Threshold"], alarm["EvaluationPeriods"], alarm["TreatMissingData"]) == (1, 1, "notBreaching")
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    [expression] = [q for q in alarm["Metrics"] if "Expression" in q]
    assert expression["Expression"] == "optedOut + optedIn"
    reasons = {}
    for query in alarm["Metrics"]:
        if "MetricStat" not in query:
            continue
        stat = query["MetricStat"]
        assert (stat["Metric"]["MetricName"], stat["Metric"]["Namespace"]) == (
            "ConsentDrift",
            monitoring.inbound.metrics_namespace,
        )
        assert (stat["Stat"], stat["Period"]) == ("Sum", 86_400)
        dimensions = {d["Name"]: d["Value"] for d in stat["Metric"]["Dimensions"]}
        assert dimensions["service"] == monitoring.inbound.service_name
        reasons[query["Id"]] = dimensions["Reason"]
    assert reasons == {"optedOut": "LEDGER_OPTED_OUT_NOT_ON_LIST", "optedIn": "LEDGER_OPTED_IN_ON_LIST"}


def test_reconciliation_errors_alarm_fires_on_one_failed_run_in_a_day() -> None:
    stack, monitoring, template = _watched()
    alarm = _alarm(template, "ConsentReconciliationErrors")
    _assert_any_in_one_period(alarm)
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"], alarm["Period"]) == (
        "AWS/Lambda",
        "Errors",
        "Sum",
        86_400,
    )
    function = logical_id(stack, monitoring.inbound.reconciliation_function)
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function}}]


def test_webhook_alarm_sums_retries_and_failures_of_the_webhook_rule_in_three_periods_in_a_row() -> None:
    stack, monitoring, template = _watched()
    alarm = _alarm(template, "StatusWebhookFailures")
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert (alarm["Threshold"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (1, 3, 3)
    assert alarm["TreatMissingData"] == "notBreaching"
    queries = {q["Id"]: q for q in alarm["Metrics"]}
    assert queries["expr_1"]["Expression"] == "FILL(retried0, 0) + FILL(failed0, 0)"
    notifier = monitoring.status_notifier
    webhook_rule = notifier.node.find_child("ToHook")
    bus = logical_id(stack, notifier.event_bus)
    for query, metric_name in (("retried0", "RetryInvocationAttempts"), ("failed0", "FailedInvocations")):
        stat = queries[query]["MetricStat"]
        assert queries[query]["ReturnData"] is False
        assert (stat["Stat"], stat["Period"]) == ("Sum", 300)
        assert stat["Metric"]["Namespace"] == "AWS/Events"
        assert stat["Metric"]["MetricName"] == metric_name
        # a custom bus: EventBridge publishes the rule's metrics with the bus name and the rule name
        assert stat["Metric"]["Dimensions"] == [
            {"Name": "EventBusName", "Value": {"Ref": bus}},
            {"Name": "RuleName", "Value": {"Ref": logical_id(stack, webhook_rule)}},
        ]


def test_webhook_alarm_on_the_default_bus_names_the_rule_only(app: cdk.App) -> None:
    stack = cdk.Stack(app, "Default", env=ENV)
    _, config, queue = build(stack)
    bus = events.EventBus.from_event_bus_name(stack, "DefaultBus", "default")
    notifier = SmsStatusNotifier(stack, "Status", send_queue=queue, event_bus=bus)
    connection = events.Connection(
        stack, "Hook", authorization=events.Authorization.api_key("X-Secret", cdk.SecretValue.unsafe_plain_text("s"))
    )
    notifier.add_webhook_target("ToHook", endpoint="https://hooks.example.com/sms", connection=connection)
    monitoring = SmsMonitoring(
        stack, "Monitoring", configuration_set=config, status_notifier=notifier, monthly_spend_limit_usd=10
    )
    expression = monitoring.metric_status_webhook_failures()
    assert expression is not None
    dimensions = [dict(m.dimensions or {}) for m in expression.using_metrics.values()]
    assert [list(d) for d in dimensions] == [["RuleName"], ["RuleName"]]


def test_notifier_without_targets_gets_only_its_dead_letter_alarm(app: cdk.App) -> None:
    stack = cdk.Stack(app, "NoTargets", env=ENV)
    _, config, queue = build(stack)
    notifier = SmsStatusNotifier(stack, "Status", send_queue=queue)
    monitoring = SmsMonitoring(
        stack, "Monitoring", configuration_set=config, status_notifier=notifier, monthly_spend_limit_usd=10
    )
    assert "StatusDeadLetters" in monitoring.alarms
    assert not {"StatusTargetDeadLetters", "StatusWebhookFailures"} & set(monitoring.alarms)
    assert monitoring.metric_status_webhook_failures() is None
    assert notifier.node.try_find_child("TargetDeadLetterQueue") is None  # watching creates no queue


def test_queue_target_alone_gets_the_target_dead_letter_alarm_and_no_webhook_alarm(app: cdk.App) -> None:
    stack = cdk.Stack(app, "QueueTarget", env=ENV)
    _, config, queue = build(stack)
    notifier = SmsStatusNotifier(stack, "Status", send_queue=queue)
    notifier.add_queue_target("ToApp", sqs.Queue(stack, "AppQueue"))
    monitoring = SmsMonitoring(
        stack, "Monitoring", configuration_set=config, status_notifier=notifier, monthly_spend_limit_usd=10
    )
    assert "StatusTargetDeadLetters" in monitoring.alarms
    assert "StatusWebhookFailures" not in monitoring.alarms


def test_inbound_without_reconciliation_gets_only_its_dead_letter_alarm(app: cdk.App) -> None:
    stack = cdk.Stack(app, "NoReconcile", env=ENV)
    config = ConfigurationSet(stack, "Config")
    topic = sns.Topic(stack, "InboundTopic", master_key=kms.Key(stack, "InboundKey", enable_key_rotation=True))
    inbound = SmsInbound(stack, "Inbound", channel=TwoWayChannel.sns_topic(topic))
    monitoring = SmsMonitoring(
        stack, "Monitoring", configuration_set=config, inbound=inbound, monthly_spend_limit_usd=10
    )
    new = {k for k in monitoring.alarms if not k.startswith(("MonthlySpend", "DeliveryRate"))}
    assert new == {"InboundDeadLetters"}
    titles = [w["properties"].get("title") for w in _dashboard(Template.from_stack(stack))["widgets"]]
    assert "Inbound: dead-letter queue" in titles
    assert not [t for t in titles if t and t.startswith("Consent drift")]


def _dashboard(template: Template) -> dict[str, Any]:
    [dashboard] = template.find_resources("AWS::CloudWatch::Dashboard").values()
    _, parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"]
    body: dict[str, Any] = json.loads("".join(p if isinstance(p, str) else "<token>" for p in parts))
    return body


def _metric_names(widget: dict[str, Any]) -> list[str]:
    """The metric names a graph widget plots (``[namespace, name, ...]`` rows; expressions skipped)."""
    names = []
    for row in widget["properties"].get("metrics", []):
        if isinstance(row[0], str) or "expression" not in row[0]:
            names.append(row[1])
    return names


def test_dashboard_graphs_status_and_inbound_before_the_alarm_widget() -> None:
    _, monitoring, template = _watched()
    widgets = _dashboard(template)["widgets"]
    by_title = {w["properties"].get("title"): w for w in widgets}
    assert _metric_names(by_title["Status events: published, superseded, malformed"]) == [
        "StatusEventsPublished",
        "StatusChangesSuperseded",
        "StatusForeignEvents",
        "StatusMalformedRecords",
    ]
    assert _metric_names(by_title["Status: dead-letter queues"]) == ["ApproximateNumberOfMessagesVisible"] * 2
    assert _metric_names(by_title["Status webhooks"]) == [
        "SuccessfulInvocationAttempts",
        "RetryInvocationAttempts",
        "FailedInvocations",
    ]
    assert _metric_names(by_title["Inbound: messages, duplicates, replies, malformed"]) == [
        "InboundMessages",
        "DuplicateInboundMessages",
        "RepliesQueued",
        "OutOfOrderConsentChanges",
        "MalformedInboundMessages",
    ]
    drift = by_title["Consent drift by kind (a day), reconciliation errors"]
    rendered = json.dumps(drift)
    service = monitoring.inbound.service_name
    assert (
        f'SEARCH(\'{{SmsConstructs,Reason,service}} MetricName=\\"ConsentDrift\\" service=\\"{service}\\"\', '
        "'Sum', 86400)" in rendered
    )
    assert "Errors" in _metric_names(drift)
    assert widgets[-1]["type"] == "alarm"
    assert len(widgets[-1]["properties"]["alarms"]) == len(monitoring.alarms)


def test_is_clean_under_the_nag_packs() -> None:
    stack, _, _ = _watched()
    # the test's own application queue (a plain sqs.Queue, the notifier's target) is not the library's
    assert [v for v in nag_violations(stack) if "TestStack/AppQueue/" not in v] == []


# --- validation -----------------------------------------------------------------------------------------------------


def test_fails_status_notifier_of_another_send_queue(app: cdk.App) -> None:
    stack = cdk.Stack(app, "TestStack", env=ENV)
    _, config, queue = build(stack)
    other = SmsStatusNotifier(stack, "Status", send_queue=build_second_queue(stack, config))
    with pytest.raises(
        ValidationError,
        match=r"TestStack/Monitoring: invalid 'status_notifier': must be the SmsStatusNotifier of the given send_queue "
        r"\(TestStack/Send\).*received 'TestStack/Status'",
    ):
        SmsMonitoring(
            stack,
            "Monitoring",
            configuration_set=config,
            send_queue=queue,
            status_notifier=other,
            monthly_spend_limit_usd=10,
        )


def build_second_queue(stack: cdk.Stack, config: ConfigurationSet) -> Any:
    """A second send queue on the pool of :func:`build`."""
    from sms_constructs.patterns.send_queue import SmsSendQueue  # noqa: PLC0415

    pool = stack.node.find_child("Pool")
    return SmsSendQueue(stack, "Send2", origination_identity=pool, configuration_set=config, max_parts_per_second=1)


@pytest.mark.parametrize("prop", ["status_notifier", "inbound"])
def test_fails_pattern_of_another_region(app: cdk.App, prop: str) -> None:
    elsewhere = cdk.Stack(app, "Elsewhere", env=cdk.Environment(account="111122223333", region="eu-west-1"))
    _, _, queue = build(elsewhere)
    notifier, inbound = after_the_send(elsewhere, queue)
    watch = cdk.Stack(app, "Watch", env=ENV)
    config = ConfigurationSet(watch, "Config")
    with pytest.raises(
        ValidationError,
        match=rf"Watch/Monitoring: invalid '{prop}': must be in this stack's Region \(us-east-1\).*"
        rf"received 'Elsewhere/{'Status' if prop == 'status_notifier' else 'Inbound'} \(eu-west-1\)'",
    ):
        SmsMonitoring(
            watch,
            "Monitoring",
            configuration_set=config,
            monthly_spend_limit_usd=10,
            **{prop: notifier if prop == "status_notifier" else inbound},
        )


def test_notifier_in_another_stack_of_the_region_is_watched(app: cdk.App) -> None:
    sending = cdk.Stack(app, "Sending", env=ENV)
    _, _, queue = build(sending)
    notifier, inbound = after_the_send(sending, queue)
    watch = cdk.Stack(app, "Watch", env=ENV)
    monitoring = SmsMonitoring(
        watch,
        "Monitoring",
        configuration_set=ConfigurationSet(watch, "Config"),
        status_notifier=notifier,
        inbound=inbound,
        monthly_spend_limit_usd=10,
    )
    assert {"StatusDeadLetters", "StatusWebhookFailures", "InboundDeadLetters", "ConsentDrift"} <= set(
        monitoring.alarms
    )
    Template.from_stack(watch).resource_count_is("AWS::CloudWatch::Alarm", len(monitoring.alarms))


def test_fails_synthesis_when_a_target_is_added_after_the_monitoring(app: cdk.App) -> None:
    stack = cdk.Stack(app, "Late", env=ENV)
    _, config, queue = build(stack)
    notifier = SmsStatusNotifier(stack, "Status", send_queue=queue)
    SmsMonitoring(stack, "Monitoring", configuration_set=config, status_notifier=notifier, monthly_spend_limit_usd=10)
    notifier.add_queue_target("Late", sqs.Queue(stack, "AppQueue"))
    with pytest.raises(
        Exception, match=r"Late/Monitoring: invalid 'status_notifier': got targets after.*Late/Status/Late"
    ):
        app.synth()


def test_fails_more_webhooks_than_one_alarm_can_watch(app: cdk.App) -> None:
    stack = cdk.Stack(app, "Many", env=ENV)
    _, config, queue = build(stack)
    notifier = SmsStatusNotifier(stack, "Status", send_queue=queue)
    connection = events.Connection(
        stack, "Hook", authorization=events.Authorization.api_key("X-Secret", cdk.SecretValue.unsafe_plain_text("s"))
    )
    for index in range(6):
        notifier.add_webhook_target(f"Hook{index}", endpoint="https://hooks.example.com/sms", connection=connection)
    with pytest.raises(
        ValidationError, match=r"Many/Monitoring: invalid 'status_notifier': has more webhook targets.*received 6"
    ):
        SmsMonitoring(
            stack, "Monitoring", configuration_set=config, status_notifier=notifier, monthly_spend_limit_usd=10
        )
