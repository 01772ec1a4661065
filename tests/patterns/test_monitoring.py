"""SmsMonitoring: the dashboard, each alarm and its threshold, the alarm topic, the event metric filters, validation."""

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
from aws_cdk.assertions import Annotations, Match, Template

from sms_constructs import (
    ConfigurationSet,
    OptOutList,
    ProducerQuota,
    ProtectConfiguration,
    QuickLookLogs,
    SmsAccountSettings,
    SmsEventAnalytics,
    SmsMonitoring,
    SmsRetry,
    ValidationError,
)
from sms_constructs.patterns.inbound import SmsInbound
from sms_constructs.patterns.send_queue import SmsSendQueue
from sms_constructs.patterns.status import SmsStatusNotifier
from sms_constructs.resources.two_way import TwoWayChannel
from tests.compliance.gates import nag_violations
from tests.conftest import ENV, cdk_json_context
from tests.patterns.conftest import build


def after_the_send(stack: cdk.Stack, queue: SmsSendQueue) -> tuple[SmsStatusNotifier, SmsInbound]:
    """A status notifier of ``queue`` with a queue target and a webhook target, and an inbound pattern that replies
    through ``queue`` and reconciles consent with an opt-out list."""
    notifier = SmsStatusNotifier(stack, "Status", send_queue=queue)
    notifier.add_queue_target("ToApp", sqs.Queue(stack, "AppQueue"), statuses=["DELIVERED", "FAILED_FINAL"])
    connection = events.Connection(
        stack, "Hook", authorization=events.Authorization.api_key("X-Secret", cdk.SecretValue.unsafe_plain_text("s"))
    )
    notifier.add_webhook_target("ToHook", endpoint="https://hooks.example.com/sms", connection=connection)
    topic = sns.Topic(stack, "InboundTopic", master_key=kms.Key(stack, "InboundKey", enable_key_rotation=True))
    inbound = SmsInbound(
        stack,
        "Inbound",
        channel=TwoWayChannel.sns_topic(topic),
        send_queue=queue,
        opt_out_list=OptOutList(stack, "OptOuts"),
    )
    return notifier, inbound


def _with_every_input(
    stack_id: str, *, with_after_the_send: bool = False, queue_props: dict[str, Any] | None = None, **props: Any
) -> tuple[cdk.App, cdk.Stack, SmsMonitoring, Template]:
    """An ``SmsMonitoring`` of every pattern that adds alarms (send queue, retry, analytics with the quick look, a
    protect configuration; with ``with_after_the_send`` the status notifier and inbound of :func:`after_the_send`
    too), a 100 USD spend limit, and ``props``."""
    app = cdk.App(context=cdk_json_context())
    stack = cdk.Stack(app, stack_id, env=ENV)
    _, config, queue = build(stack, **(queue_props or {}))
    retry = SmsRetry(stack, "Retry", send_queue=queue, configuration_set=config)
    analytics = SmsEventAnalytics(stack, "Events", configuration_set=config, quick_look=QuickLookLogs())
    if with_after_the_send:
        props["status_notifier"], props["inbound"] = after_the_send(stack, queue)
    monitoring = SmsMonitoring(
        stack,
        "Monitoring",
        configuration_set=config,
        send_queue=queue,
        retry=retry,
        analytics=analytics,
        monthly_spend_limit_usd=100,
        protect_configuration=ProtectConfiguration.allow_only(stack, "Protect", ["US"]),
        **props,
    )
    return app, stack, monitoring, Template.from_stack(stack)


@functools.cache
def _full() -> tuple[cdk.App, cdk.Stack, SmsMonitoring, Template]:
    """Every input given: send queue, retry, analytics with the quick look, a protect configuration, a country."""
    return _with_every_input(
        "TestStack", countries=["US"], alarm_email="sms-oncall@example.com", alarm_name_prefix="acme-sms"
    )


def _alarm(template: Template, name: str) -> dict[str, Any]:
    [alarm] = [
        a["Properties"]
        for a in template.find_resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("AlarmName") == name
    ]
    return alarm


def test_consumer_with_queue_and_limit_gets_a_dashboard_three_spend_alarms_and_more(app: cdk.App) -> None:
    stack = cdk.Stack(app, "Consumer", env=ENV)
    _, config, queue = build(stack)
    monitoring = SmsMonitoring(
        stack, "Monitoring", configuration_set=config, send_queue=queue, monthly_spend_limit_usd=100
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::CloudWatch::Dashboard", 1)
    spend = [k for k in monitoring.alarms if k.startswith("MonthlySpend")]
    assert sorted(spend) == ["MonthlySpend100", "MonthlySpend50", "MonthlySpend80"]
    others = sorted(set(monitoring.alarms) - set(spend))
    assert others == [
        "CircuitBreakerOpen",
        "DeliveryRate",
        "OptedOutRejections",
        "SendQueueDeadLetters",
        "SendQueueOldestMessage",
        "SpendLimitHolds",
    ]
    template.resource_count_is("AWS::CloudWatch::Alarm", 9)


def test_spend_alarms_read_the_monthly_gauge_with_maximum_at_each_level() -> None:
    *_, template = _full()
    for percent, threshold in (("50", 50), ("80", 80), ("100", 100)):
        alarm = _alarm(template, f"acme-sms-MonthlySpend{percent}")
        assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"], alarm["Period"]) == (
            "AWS/SMSVoice",
            "TextMessageMonthlySpend",
            "Maximum",
            3600,
        )
        assert (alarm["Threshold"], alarm["ComparisonOperator"], alarm["TreatMissingData"]) == (
            threshold,
            "GreaterThanOrEqualToThreshold",
            "notBreaching",
        )


def test_delivery_rate_alarm_is_guarded_by_volume() -> None:
    *_, template = _full()
    alarm = _alarm(template, "acme-sms-DeliveryRate")
    [expression] = [m for m in alarm["Metrics"] if "Expression" in m]
    assert expression["Expression"] == "IF(FILL(sent, 0) >= 100, 100 * FILL(delivered, 0) / sent)"
    inputs = {m["Id"]: m["MetricStat"] for m in alarm["Metrics"] if "MetricStat" in m}
    assert {i: (s["Metric"]["MetricName"], s["Stat"], s["Period"]) for i, s in inputs.items()} == {
        "sent": ("NumberOfTextMessagePartsSent", "Sum", 3600),
        "delivered": ("NumberOfTextMessagePartsDelivered", "Sum", 3600),
    }
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (90, "LessThanThreshold")
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"], alarm["TreatMissingData"]) == (3, 2, "notBreaching")


def test_protect_block_rate_alarm_uses_average_and_sample_count_of_the_configuration() -> None:
    _, stack, monitoring, template = _full()
    alarm = _alarm(template, "acme-sms-ProtectBlockRate")
    [expression] = [m for m in alarm["Metrics"] if "Expression" in m]
    assert expression["Expression"] == "IF(messages >= 50, 100 * blocked)"
    stats = {m["Id"]: m["MetricStat"] for m in alarm["Metrics"] if "MetricStat" in m}
    assert (stats["blocked"]["Stat"], stats["messages"]["Stat"]) == ("Average", "SampleCount")
    protect = stack.node.find_child("Protect")
    dimension = {"Name": "ProtectConfigurationId", "Value": {"Ref": stack.get_logical_id(protect.node.default_child)}}
    assert stats["blocked"]["Metric"]["Dimensions"] == [dimension]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (10, "GreaterThanThreshold")
    assert monitoring.protect_configuration_id is not None


def test_queue_alarms_watch_the_dead_letter_queues_backlog_holds_and_opt_outs() -> None:
    _, stack, monitoring, template = _full()
    queue = monitoring.send_queue
    assert queue is not None
    dlq = _alarm(template, "acme-sms-SendQueueDeadLetters")
    assert (dlq["MetricName"], dlq["Statistic"], dlq["Threshold"]) == (
        "ApproximateNumberOfMessagesVisible",
        "Maximum",
        1,
    )
    assert dlq["Dimensions"] == [
        {
            "Name": "QueueName",
            "Value": {"Fn::GetAtt": [stack.get_logical_id(queue.dead_letter_queue.node.default_child), "QueueName"]},
        }
    ]
    retry_dlq = _alarm(template, "acme-sms-RetryDeadLetters")
    assert retry_dlq["Threshold"] == 1
    age = _alarm(template, "acme-sms-SendQueueOldestMessage")
    assert (age["MetricName"], age["Statistic"], age["Threshold"]) == ("ApproximateAgeOfOldestMessage", "Maximum", 900)
    holds = _alarm(template, "acme-sms-SpendLimitHolds")
    assert (holds["Namespace"], holds["MetricName"], holds["Threshold"]) == ("SmsConstructs", "SendsHeld", 1)
    assert {d["Name"]: d["Value"] for d in holds["Dimensions"]} == {
        "Reason": "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT",
        "service": queue.service_name,
    }
    opted_out = _alarm(template, "acme-sms-OptedOutRejections")
    assert (opted_out["MetricName"], opted_out["Period"], opted_out["Threshold"]) == ("MessagesRejected", 3600, 10)
    assert {"Name": "Reason", "Value": "DESTINATION_PHONE_NUMBER_OPTED_OUT"} in opted_out["Dimensions"]
    conversions = _alarm(template, "acme-sms-FailedConversions")
    assert (conversions["Namespace"], conversions["MetricName"]) == ("AWS/Firehose", "FailedConversion.Records")


def test_circuit_breaker_alarm_fires_on_any_period_the_breaker_was_open() -> None:
    _, stack, monitoring, template = _full()
    queue = monitoring.send_queue
    assert queue is not None
    topic = {"Ref": stack.get_logical_id(monitoring.alarm_topic.node.default_child)}
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "acme-sms-CircuitBreakerOpen",
            "Namespace": "SmsConstructs",
            "MetricName": "CircuitBreakerOpen",
            "Dimensions": [{"Name": "service", "Value": queue.service_name}],
            "Statistic": "Maximum",
            "Period": 300,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "EvaluationPeriods": 1,
            "TreatMissingData": "notBreaching",
            "AlarmActions": [topic],
            "OKActions": [topic],
        },
    )
    assert "breaker_probe_interval" in _alarm(template, "acme-sms-CircuitBreakerOpen")["AlarmDescription"]


def test_no_circuit_breaker_alarm_or_pacing_widget_without_a_send_queue(app: cdk.App) -> None:
    stack = cdk.Stack(app, "NoQueue", env=ENV)
    monitoring = SmsMonitoring(
        stack, "Monitoring", configuration_set=ConfigurationSet(stack, "Config"), monthly_spend_limit_usd=100
    )
    assert "CircuitBreakerOpen" not in monitoring.alarms
    rendered = json.dumps(_dashboard(Template.from_stack(stack)))
    for needle in ("Pacing: lost send opportunities", "CircuitBreakerOpen", "ReceivesWithoutSend"):
        assert needle not in rendered, needle


def test_every_alarm_notifies_the_encrypted_topic_and_the_mail_subscription() -> None:
    _, stack, monitoring, template = _full()
    topic = {"Ref": stack.get_logical_id(monitoring.alarm_topic.node.default_child)}
    alarms = template.find_resources("AWS::CloudWatch::Alarm").values()
    assert len(alarms) == 12
    assert all(a["Properties"]["AlarmActions"] == [topic] and a["Properties"]["OKActions"] == [topic] for a in alarms)
    template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "sms-oncall@example.com"}
    )
    alarms_of_this_account = {
        "StringEquals": {"aws:SourceAccount": "111122223333"},
        "ArnLike": {"aws:SourceArn": "arn:aws:cloudwatch:us-east-1:111122223333:alarm:*"},
    }
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        {
                            "Sid": "AllowCloudWatchAlarmsToPublish",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                            "Resource": "*",
                            "Condition": alarms_of_this_account,
                        }
                    ]
                )
            }
        },
    )
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {"Action": "sns:Publish", "Effect": "Allow", "Condition": alarms_of_this_account}
                        )
                    ]
                )
            }
        },
    )


def test_given_topic_is_used_and_no_topic_or_key_is_created(app: cdk.App) -> None:
    stack = cdk.Stack(app, "Given", env=ENV)
    config = ConfigurationSet(stack, "Config")
    topic = sns.Topic(stack, "Ops", master_key=kms.Key(stack, "OpsKey", enable_key_rotation=True), enforce_ssl=True)
    monitoring = SmsMonitoring(
        stack, "Monitoring", configuration_set=config, monthly_spend_limit_usd=5, alarm_topic=topic
    )
    assert monitoring.alarm_topic is topic
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::SNS::Topic", 1)
    template.resource_count_is("AWS::KMS::Key", 1)
    template.resource_count_is("AWS::Logs::MetricFilter", 0)  # no event log group given
    assert sorted(monitoring.alarms) == ["DeliveryRate", "MonthlySpend100", "MonthlySpend50", "MonthlySpend80"]


def test_event_metric_filters_count_final_failures_blocks_and_carrier_errors() -> None:
    _, stack, monitoring, template = _full()
    filters = {
        f["Properties"]["MetricTransformations"][0]["MetricName"]
        + str([d["Key"] for d in f["Properties"]["MetricTransformations"][0].get("Dimensions", [])]): f["Properties"]
        for f in template.find_resources("AWS::Logs::MetricFilter").values()
    }
    assert sorted(filters) == [
        "BlockedOrSpam[]",
        "CarrierUnreachable[]",
        "FinalFailures['Carrier', 'Country']",
        "FinalFailures['MessageStatus']",
        "FinalFailures[]",
    ]
    final = filters["FinalFailures[]"]["FilterPattern"]
    assert final == (
        '{ ($.eventType = "TEXT_*") && ($.isFinal IS TRUE) && ($.messageStatus = "*") && '
        '($.messageStatus != "DELIVERED") && ($.messageStatus != "SUCCESSFUL") }'
    )
    by_carrier = filters["FinalFailures['Carrier', 'Country']"]
    assert '($.carrierName = "*") && ($.isoCountryCode = "*")' in by_carrier["FilterPattern"]
    assert '($.messageStatus = "SPAM")' in filters["BlockedOrSpam[]"]["FilterPattern"]
    log_group = monitoring.event_log_group
    assert log_group is not None
    assert {f["LogGroupName"]["Ref"] for f in filters.values()} == {stack.get_logical_id(log_group.node.default_child)}
    assert {f["MetricTransformations"][0]["MetricNamespace"] for f in filters.values()} == {"SmsConstructs/Events"}


def _dashboard(template: Template) -> dict[str, Any]:
    """The dashboard body as JSON, each deploy-time value (a Ref, GetAtt…) written as ``<token>``."""
    [dashboard] = template.find_resources("AWS::CloudWatch::Dashboard").values()
    _, parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"]
    body: dict[str, Any] = json.loads("".join(p if isinstance(p, str) else "<token>" for p in parts))
    return body


def test_dashboard_graphs_spend_delivery_protect_queue_events_and_analytics() -> None:
    *_, template = _full()
    widgets = _dashboard(template)["widgets"]
    titles = [w["properties"].get("title") for w in widgets]
    assert titles[:3] == [None, "Text spend this month (USD)", "Text spend this month (USD)"]
    spend_graph = widgets[2]["properties"]
    assert [a["value"] for a in spend_graph["annotations"]["horizontal"]] == [50, 80, 100]
    rendered = json.dumps(widgets)
    expressions = [
        m[0]["expression"] for w in widgets for m in w["properties"].get("metrics", []) if "expression" in m[0]
    ]
    assert "IF(FILL(sent, 0) >= 1, 100 * FILL(delivered, 0) / sent)" in expressions
    search = [e for e in expressions if e.startswith("SEARCH(")]
    queue = _full()[2].send_queue
    assert queue is not None
    service = queue.service_name
    assert search == [
        f"SEARCH('{{SmsConstructs,Reason,service}} MetricName=\"MessagesRejected\" service=\"{service}\"', 'Sum', 300)",
        f"SEARCH('{{SmsConstructs,Reason,service}} MetricName=\"SendsHeld\" service=\"{service}\"', 'Sum', 300)",
        f'SEARCH(\'{{SmsConstructs,Cause,service}} MetricName="ReceivesWithoutSend" service="{service}"\', '
        "'Sum', 300)",
        "SEARCH('{SmsConstructs/Events,MessageStatus} MetricName=\"FinalFailures\"', 'Sum', 3600)",
        "SEARCH('{SmsConstructs/Events,Carrier,Country} MetricName=\"FinalFailures\"', 'Sum', 3600)",
    ]
    for needle in ("US: parts sent and delivered", "Dead-letter queues", "Retries and final failures"):
        assert needle in titles, needle
    for metric in (
        "TextMessagesBlockedByProtect",
        "SendOutcomeUnknown",
        "DeliveryToS3.DataFreshness",
        "FailedConversion.Records",
    ):
        assert metric in rendered, metric
    assert widgets[-1]["type"] == "alarm"
    assert len(widgets[-1]["properties"]["alarms"]) == 12


def test_dashboard_graphs_lost_send_opportunities_and_the_breaker_after_the_send_widgets() -> None:
    *_, monitoring, template = _full()
    queue = monitoring.send_queue
    assert queue is not None
    widgets = _dashboard(template)["widgets"]
    titles = [w["properties"].get("title") for w in widgets]
    pacing_at, breaker_at = (
        titles.index("Pacing: lost send opportunities"),
        titles.index("Circuit breaker: open, probes"),
    )
    assert titles.index("Held sends by reason (account, limit, identity)") < pacing_at < breaker_at
    assert titles.index("Final failures by status (events)") > breaker_at
    service = queue.service_name

    def metrics(index: int) -> list[tuple[str, str, str]]:
        """(metric name, statistic, axis) of each plain metric of a widget; the search expressions apart."""
        return [
            (m[1], m[-1]["stat"], m[-1].get("yAxis", "left"))
            for m in widgets[index]["properties"]["metrics"]
            if "expression" not in m[0] and m[2:4] == ["service", service]
        ]

    assert metrics(pacing_at) == [
        ("PacerSlotsAbandoned", "Sum", "left"),
        ("PacerContention", "Sum", "left"),
        ("MessagesDeferred", "Sum", "left"),
    ]
    [search] = [m[0] for m in widgets[pacing_at]["properties"]["metrics"] if "expression" in m[0]]
    assert search == {
        "expression": f'SEARCH(\'{{SmsConstructs,Cause,service}} MetricName="ReceivesWithoutSend" '
        f"service=\"{service}\"', 'Sum', 300)",
        "yAxis": "right",
    }
    assert metrics(breaker_at) == [("CircuitBreakerOpen", "Maximum", "left"), ("CircuitBreakerProbes", "Sum", "right")]
    assert widgets[pacing_at]["y"] == widgets[breaker_at]["y"]
    assert widgets[pacing_at]["width"] + widgets[breaker_at]["width"] == 24


def test_is_clean_under_the_nag_packs() -> None:
    app, *_ = _full()
    assert nag_violations(app) == []


# --- metrics ------------------------------------------------------------------------------------------------------


def test_sms_metric_takes_metric_options_and_valid_dimensions() -> None:
    _, _, monitoring, _ = _full()
    metric = monitoring.metric_text_message_parts_sent(
        iso_country_code="CA", statistic="Average", period=cdk.Duration.hours(6)
    )
    assert (metric.namespace, metric.metric_name, metric.statistic, metric.period.to_hours()) == (
        "AWS/SMSVoice",
        "NumberOfTextMessagePartsSent",
        "Average",
        6,
    )
    assert metric.dimensions == {"IsoCountryCode": "CA"}
    assert monitoring.metric("NumberOfMediaMessagePartsSent", origination_identity_type="POOL").dimensions == {
        "OriginationIdentityType": "POOL"
    }
    assert monitoring.metric_text_message_monthly_spend().statistic == "Maximum"


def test_fails_dimension_combination_the_service_does_not_publish() -> None:
    _, _, monitoring, _ = _full()
    with pytest.raises(ValidationError, match=r"Monitoring: invalid 'origination_identity_type': is published alone"):
        monitoring.metric("NumberOfTextMessagePartsSent", origination_identity_type="POOL", iso_country_code="US")
    with pytest.raises(ValidationError, match=r"invalid 'origination_identity_type': must be one of PHONE_NUMBER"):
        monitoring.metric("NumberOfTextMessagePartsSent", origination_identity_type="SHORT_CODE")
    with pytest.raises(ValidationError, match=r"invalid 'iso_country_code'"):
        monitoring.metric("NumberOfTextMessagePartsSent", iso_country_code="usa")
    with pytest.raises(ValidationError, match=r"invalid 'metric_name': must be one of FinalFailures"):
        monitoring.metric_event("Delivered")


# --- validation -----------------------------------------------------------------------------------------------------


def _monitoring(stack: cdk.Stack, **props: Any) -> SmsMonitoring:
    config = ConfigurationSet(stack, "Config")
    return SmsMonitoring(stack, "Monitoring", configuration_set=config, **{"monthly_spend_limit_usd": 100, **props})


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"monthly_spend_limit_usd": 0},
            r"invalid 'monthly_spend_limit_usd': must be between 0.01 and 1000000000 USD; received 0",
        ),
        ({"monthly_spend_limit_usd": -5}, r"invalid 'monthly_spend_limit_usd': .*received -5"),
        (
            {"spend_alarm_percentages": [50, 120]},
            r"invalid 'spend_alarm_percentages': must be between 0.01 and 100 %; received 120",
        ),
        ({"spend_alarm_percentages": [80, 80]}, r"invalid 'spend_alarm_percentages': percentages must be unique"),
        ({"spend_alarm_percentages": []}, r"invalid 'spend_alarm_percentages': must hold at least one percentage"),
        ({"min_delivery_rate_percent": 101}, r"invalid 'min_delivery_rate_percent'"),
        ({"delivery_rate_min_parts": 0}, r"invalid 'delivery_rate_min_parts'"),
        ({"delivery_rate_period": cdk.Duration.minutes(5)}, r"invalid 'delivery_rate_period': must be between 3600"),
        ({"max_protect_block_rate_percent": 0}, r"invalid 'max_protect_block_rate_percent'"),
        ({"protect_block_rate_min_messages": 0}, r"invalid 'protect_block_rate_min_messages'"),
        ({"max_oldest_message_age": cdk.Duration.seconds(30)}, r"invalid 'max_oldest_message_age'"),
        ({"max_protect_block_rate_percent": 100}, r"invalid 'max_protect_block_rate_percent': must be under 100"),
        ({"max_opted_out_rejections": 0}, r"invalid 'max_opted_out_rejections'"),
        ({"countries": ["us"]}, r"invalid 'countries': must match \[A-Z\]\{2\}"),
        ({"countries": ["US", "US"]}, r"invalid 'countries': countries must be unique"),
        ({"alarm_email": "oncall"}, r"invalid 'alarm_email': must match .*received 'oncall'"),
        ({"alarm_name_prefix": "acme sms"}, r"invalid 'alarm_name_prefix'"),
        ({"dashboard_name": "my dashboard"}, r"invalid 'dashboard_name'"),
        ({"event_metrics_namespace": "AWS:x"}, r"invalid 'event_metrics_namespace'"),
    ],
)
def test_fails_bad_threshold_or_name(stack: cdk.Stack, props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=rf"TestStack/Monitoring: {message}"):
        _monitoring(stack, **props)


def test_fails_retry_without_its_send_queue(stack: cdk.Stack) -> None:
    _, config, queue = build(stack)
    retry = SmsRetry(stack, "Retry", send_queue=queue, configuration_set=config)
    with pytest.raises(
        ValidationError, match=r"TestStack/Monitoring: invalid 'retry': must be the SmsRetry of the given"
    ):
        SmsMonitoring(stack, "Monitoring", configuration_set=config, retry=retry, monthly_spend_limit_usd=10)


def test_fails_send_queue_of_another_region(app: cdk.App) -> None:
    sending = cdk.Stack(app, "Sending", env=ENV)
    _, config, queue = build(sending)
    elsewhere = cdk.Stack(app, "Elsewhere", env=cdk.Environment(account="111122223333", region="eu-west-1"))
    with pytest.raises(
        ValidationError,
        match=r"Elsewhere/Monitoring: invalid 'send_queue': must be in this stack's Region \(eu-west-1\)",
    ):
        SmsMonitoring(elsewhere, "Monitoring", configuration_set=config, send_queue=queue, monthly_spend_limit_usd=10)


# --- values that can never take effect ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0.95, 0.5, 0.01])
def test_fails_delivery_rate_given_as_a_fraction(stack: cdk.Stack, value: float) -> None:
    with pytest.raises(
        ValueError,
        match=rf"TestStack/Monitoring: invalid 'min_delivery_rate_percent': is a percentage \(0-100\), not a "
        rf"fraction: .*for {value * 100:g} % give {value * 100:g}.*; received {value}$",
    ):
        _monitoring(stack, min_delivery_rate_percent=value)


def test_fails_delivery_rate_of_zero_that_never_alarms(stack: cdk.Stack) -> None:
    with pytest.raises(ValueError, match=r"invalid 'min_delivery_rate_percent': must be above 0: .*never fires"):
        _monitoring(stack, min_delivery_rate_percent=0)


def test_fails_protect_block_rate_of_100_that_never_alarms(stack: cdk.Stack) -> None:
    with pytest.raises(
        ValueError, match=r"invalid 'max_protect_block_rate_percent': must be under 100: the alarm fires above it"
    ):
        _monitoring(stack, max_protect_block_rate_percent=100)


@pytest.mark.parametrize(
    "props",
    [{"max_protect_block_rate_percent": 0.1}, {"spend_alarm_percentages": [0.5, 0.8, 1]}],
    ids=["protect", "spend"],
)
def test_warns_percentages_that_look_like_fractions(stack: cdk.Stack, props: dict[str, Any]) -> None:
    _monitoring(stack, **props)
    warnings = Annotations.from_stack(stack).find_warning(
        "/TestStack/Monitoring", Match.string_like_regexp("PercentLooksLikeFraction")
    )
    assert len(warnings) == 1
    assert f"{next(iter(props))}=" in warnings[0].entry.data


def test_no_fraction_warning_for_ordinary_percentages(stack: cdk.Stack) -> None:
    _monitoring(stack, spend_alarm_percentages=[1, 50], max_protect_block_rate_percent=5)
    assert Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("PercentLooksLikeFraction")) == []


@pytest.mark.parametrize("age", [cdk.Duration.days(4), cdk.Duration.days(14)])
def test_fails_oldest_message_alarm_beyond_the_queue_retention(stack: cdk.Stack, age: cdk.Duration) -> None:
    _, config, queue = build(stack)
    with pytest.raises(
        ValueError,
        match=r"TestStack/Monitoring: invalid 'max_oldest_message_age': must be under the send queue's retention of "
        r"4 days: .*could never fire; received Duration \d+ days$",
    ):
        SmsMonitoring(
            stack,
            "Monitoring",
            configuration_set=config,
            send_queue=queue,
            monthly_spend_limit_usd=10,
            max_oldest_message_age=age,
        )


def test_fails_event_metrics_namespace_without_any_event_log_group(stack: cdk.Stack) -> None:
    with pytest.raises(
        ValueError,
        match=r"invalid 'event_metrics_namespace': names the namespace of the event metric filters, and there are "
        r"none.*; received 'Acme/Events'$",
    ):
        _monitoring(stack, event_metrics_namespace="Acme/Events")


def test_fails_spend_alarm_above_the_account_text_spend_override(app: cdk.App) -> None:
    account = cdk.Stack(app, "Account", env=ENV)
    SmsAccountSettings(account, "Settings", text_spend_limit_override_usd=50)
    stack = cdk.Stack(app, "Watch", env=ENV)
    with pytest.raises(
        ValueError,
        match=r"Watch/Monitoring: invalid 'monthly_spend_limit_usd': 100 % of it is 100 USD, above the text spend "
        r"limit override of Account/Settings \(50 USD\): .*monthly_spend_limit_usd=50\) .*; received 100$",
    ):
        _monitoring(stack)


def test_spend_alarms_at_or_under_the_override_or_in_another_region_pass(app: cdk.App) -> None:
    stack = cdk.Stack(app, "Watch", env=ENV)
    SmsAccountSettings(stack, "Settings", text_spend_limit_override_usd=100)
    _monitoring(stack)
    elsewhere = cdk.Stack(app, "Elsewhere", env=cdk.Environment(account="111122223333", region="eu-west-1"))
    _monitoring(elsewhere, monthly_spend_limit_usd=1000)


# --- runbook links --------------------------------------------------------------------------------------------------

RUNBOOK_URL = "https://sms.example.com/docs/operations/incidents.html"


@functools.cache
def every_alarm(runbook_url: str | None = RUNBOOK_URL) -> tuple[SmsMonitoring, Template]:
    """Every input that adds an alarm (send queue with a producer quota, retry, analytics, a protect configuration, a
    status notifier with queue and webhook targets, an inbound pattern that reconciles consent), and ``runbook_url``.

    The incident runbook's docs test reads the alarm list from here, so an alarm added to ``SmsMonitoring`` without
    a section in ``docs/operations/incidents.md`` fails it.
    """
    _, _, monitoring, template = _with_every_input(
        "RunbookStack",
        with_after_the_send=True,
        runbook_url=runbook_url,
        queue_props={"quotas": {"appointments": ProducerQuota(daily_parts=5000, monthly_parts=100_000)}},
    )
    return monitoring, template


def _descriptions(monitoring: SmsMonitoring, template: Template) -> dict[str, str]:
    """Each alarm's ``AlarmDescription`` in the template, by key."""
    stack = cdk.Stack.of(monitoring)
    resources = template.find_resources("AWS::CloudWatch::Alarm")
    return {
        key: resources[stack.get_logical_id(alarm.node.default_child)]["Properties"]["AlarmDescription"]
        for key, alarm in monitoring.alarms.items()
    }


def test_every_alarm_kind_is_created_with_every_input() -> None:
    monitoring, template = every_alarm()
    assert sorted(monitoring.alarms) == [
        "CircuitBreakerOpen",
        "ConsentDrift",
        "ConsentReconciliationErrors",
        "DeliveryRate",
        "FailedConversions",
        "InboundDeadLetters",
        "MonthlySpend100",
        "MonthlySpend50",
        "MonthlySpend80",
        "OptedOutRejections",
        "ProtectBlockRate",
        "QuotaExhausted.appointments.Day",
        "QuotaExhausted.appointments.Month",
        "QuotaWarning.appointments.Day",
        "QuotaWarning.appointments.Month",
        "RetryDeadLetters",
        "SendQueueDeadLetters",
        "SendQueueOldestMessage",
        "SpendLimitHolds",
        "StatusDeadLetters",
        "StatusTargetDeadLetters",
        "StatusWebhookFailures",
    ]
    template.resource_count_is("AWS::CloudWatch::Alarm", 22)


def test_every_alarm_description_links_to_its_own_runbook_section() -> None:
    monitoring, template = every_alarm()
    descriptions = _descriptions(monitoring, template)
    for key, description in descriptions.items():
        anchor = SmsMonitoring.runbook_anchor(key)
        assert description.endswith(f" Runbook: {RUNBOOK_URL}#{anchor}"), key
        assert len(description) <= 1024, key  # the AlarmDescription limit
    anchors = {key: SmsMonitoring.runbook_anchor(key) for key in descriptions}
    assert anchors["SendQueueDeadLetters"] == "send-queue-dead-letters"
    assert anchors["CircuitBreakerOpen"] == "circuit-breaker-open"
    assert {anchors[k] for k in descriptions if k.startswith("MonthlySpend")} == {"monthly-spend"}
    assert {anchors[k] for k in descriptions if k.startswith("QuotaWarning.")} == {"quota-warning"}
    assert {anchors[k] for k in descriptions if k.startswith("QuotaExhausted.")} == {"quota-exhausted"}
    shared = ("MonthlySpend", "QuotaWarning.", "QuotaExhausted.")
    others = [anchor for key, anchor in anchors.items() if not key.startswith(shared)]
    assert len(set(others)) == len(others)  # one section per alarm but the spend and quota alarms' shared ones


def test_runbook_anchor_of_a_fractional_spend_percentage_is_the_spend_section() -> None:
    assert SmsMonitoring.runbook_anchor("MonthlySpend12.5") == "monthly-spend"


def test_alarm_descriptions_carry_no_link_by_default() -> None:
    monitoring, template = every_alarm(None)
    assert monitoring.runbook_url is None
    assert not [d for d in _descriptions(monitoring, template).values() if "Runbook:" in d]


@pytest.mark.parametrize(
    "url",
    [
        "sms.example.com/incidents.html",
        "ftp://sms.example.com/incidents.html",
        "https://sms.example.com/incidents.html#delivery-rate",
        "https://sms.example.com/run book.html",
        "https://" + "a" * 501,
    ],
)
def test_fails_runbook_url_that_is_not_an_http_address_without_fragment(stack: cdk.Stack, url: str) -> None:
    with pytest.raises(ValidationError, match=r"TestStack/Monitoring: invalid 'runbook_url': must match"):
        _monitoring(stack, runbook_url=url)


def test_runbook_url_may_be_a_token(stack: cdk.Stack) -> None:
    url = cdk.Fn.import_value("RunbookUrl")
    monitoring = _monitoring(stack, runbook_url=url)
    assert monitoring.runbook_url == url
