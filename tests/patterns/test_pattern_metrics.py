"""The ``metric_*`` methods of SmsSendQueue, SmsRetry and SmsEventAnalytics take aws-cdk-lib's MetricOptions."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_cloudwatch as cloudwatch
import pytest
from sms_constructs_runtime.settings import DIMENSION_REASON, METRIC_DIMENSION_SERVICE, SenderMetric

from sms_constructs import SmsEventAnalytics, ValidationError


def test_sender_metrics_default_to_sum_over_five_minutes_in_the_service_dimension(synthesized: Any) -> None:
    _, _, queue, _ = synthesized
    for method, name in (
        (queue.metric_messages_sent, SenderMetric.MESSAGES_SENT),
        (queue.metric_message_parts_sent, SenderMetric.PARTS_SENT),
        (queue.metric_transient_send_failures, SenderMetric.TRANSIENT_FAILURES),
        (queue.metric_send_outcome_unknown, SenderMetric.OUTCOME_UNKNOWN),
        (queue.metric_messages_expired, SenderMetric.EXPIRED),
        (queue.metric_store_write_failures, SenderMetric.STORE_WRITE_FAILURES),
    ):
        metric = method()
        assert (metric.metric_name, metric.statistic, metric.period.to_minutes()) == (name, "Sum", 5)
        assert metric.dimensions == {METRIC_DIMENSION_SERVICE: queue.service_name}


def test_metric_options_override_the_defaults(synthesized: Any) -> None:
    _, _, queue, retry = synthesized
    metric = queue.metric_messages_sent(
        statistic="Average",
        period=cdk.Duration.hours(1),
        label="Sent",
        color="#2ca02c",
        unit=cloudwatch.Unit.COUNT,
        region="eu-west-1",
        account="444455556666",
    )
    assert (metric.statistic, metric.period.to_hours(), metric.label, metric.color) == ("Average", 1, "Sent", "#2ca02c")
    assert (metric.unit, metric.region, metric.account) == (cloudwatch.Unit.COUNT, "eu-west-1", "444455556666")
    extra = retry.metric_final_failures(dimensions_map={DIMENSION_REASON: "MAX_ATTEMPTS"})
    assert extra.dimensions == {METRIC_DIMENSION_SERVICE: retry.service_name, DIMENSION_REASON: "MAX_ATTEMPTS"}


def test_rejections_and_held_sends_per_reason(synthesized: Any) -> None:
    _, _, queue, _ = synthesized
    held = queue.metric_sends_held(reason="MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT", period=cdk.Duration.minutes(1))
    assert held.metric_name == "SendsHeld"
    assert held.dimensions == {
        METRIC_DIMENSION_SERVICE: queue.service_name,
        DIMENSION_REASON: "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT",
    }
    assert held.period.to_minutes() == 1
    assert queue.metric_messages_rejected().dimensions == {METRIC_DIMENSION_SERVICE: queue.service_name}
    opted_out = queue.metric_messages_rejected(reason="DESTINATION_PHONE_NUMBER_OPTED_OUT")
    assert opted_out.dimensions[DIMENSION_REASON] == "DESTINATION_PHONE_NUMBER_OPTED_OUT"


@pytest.mark.parametrize("reason", ["opted out", "monthly_spend", ""])
def test_fails_reason_that_the_sender_cannot_publish(synthesized: Any, reason: str) -> None:
    _, _, queue, _ = synthesized
    with pytest.raises(
        ValidationError, match=rf"TestStack/Send: invalid 'reason': must be a service reason.*{reason!r}"
    ):
        queue.metric_messages_rejected(reason=reason)


def test_fails_metric_name_the_functions_never_publish(synthesized: Any) -> None:
    _, _, queue, retry = synthesized
    with pytest.raises(ValidationError, match=r"TestStack/Send: invalid 'metric_name': must be one of MessagesSent"):
        queue.metric("MessagesDelivered")
    with pytest.raises(
        ValidationError, match=r"TestStack/Retry: invalid 'metric_name': must be one of RetriesScheduled"
    ):
        retry.metric("Retries")


def test_queue_and_function_metrics_keep_aws_cdk_lib_names_with_our_defaults(synthesized: Any) -> None:
    _, _, queue, retry = synthesized
    assert (queue.metric_messages_waiting().metric_name, queue.metric_messages_waiting().statistic) == (
        "ApproximateNumberOfMessagesVisible",
        "Maximum",
    )
    assert queue.metric_oldest_message_age(statistic="p90").statistic == "p90"
    assert (queue.metric_sender_errors().namespace, queue.metric_sender_errors().metric_name) == (
        "AWS/Lambda",
        "Errors",
    )
    assert queue.metric_sender_throttles().metric_name == "Throttles"
    assert retry.metric_retries_scheduled().metric_name == "RetriesScheduled"
    assert retry.metric_malformed_events().metric_name == "MalformedEvents"


def test_analytics_metrics_are_the_delivery_streams(stack: cdk.Stack) -> None:
    analytics = SmsEventAnalytics(stack, "Events")
    freshness = analytics.metric_data_freshness()
    assert (freshness.namespace, freshness.metric_name, freshness.statistic) == (
        "AWS/Firehose",
        "DeliveryToS3.DataFreshness",
        "Maximum",
    )
    assert set(freshness.dimensions or {}) == {"DeliveryStreamName"}
    assert analytics.metric_failed_conversions().metric_name == "FailedConversion.Records"
    assert analytics.metric_incoming_records(period=cdk.Duration.hours(1)).period.to_hours() == 1
    assert analytics.metric_delivery_success().statistic == "Average"
    assert analytics.metric("ThrottledRecords").statistic == "Sum"
