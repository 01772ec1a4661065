"""The simulator's EMF reader (both modes) counts each metric once: the per-``Reason`` and per-``Cause`` copies that
``sms_constructs_runtime.metrics`` publishes beside the aggregated metric, and the sender's per-``Route`` copies, are
not added to its total."""

from __future__ import annotations

import pytest
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from sms_constructs_runtime.metrics import count_per_cause, count_per_reason

from sms_constructs.simulate.run import _MetricSink, emf_metrics


def _published(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "sender")
    metrics = Metrics(namespace="SmsConstructsTest")
    metrics.clear_metrics()
    capsys.readouterr()
    count_per_cause(metrics, "ReceivesWithoutSend", "CircuitBreaker")
    count_per_cause(metrics, "ReceivesWithoutSend", "Deadline")
    count_per_reason(metrics, "SendsHeld", "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT")
    metrics.add_metric(name="MessagesSent", unit=MetricUnit.Count, value=3)
    metrics.add_metric(name="RouteParked", unit=MetricUnit.Count, value=1)
    metrics.flush_metrics()
    # The sender's per-route copy (its _publish_per): a metric of its own with the Route dimension.
    with single_metric(name="RouteParked", unit=MetricUnit.Count, value=1, namespace="SmsConstructsTest") as metric:
        metric.add_dimension(name="Route", value="CA")
    return capsys.readouterr().out + "a log line, not a metric\n"


def test_per_cause_per_reason_and_per_route_copies_are_not_counted_twice(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    totals, by_cause = emf_metrics(_published(capsys, monkeypatch).splitlines())
    assert totals == {"ReceivesWithoutSend": 2, "SendsHeld": 1, "MessagesSent": 3, "RouteParked": 1}
    assert by_cause == {"ReceivesWithoutSend/CircuitBreaker": 1, "ReceivesWithoutSend/Deadline": 1}


def test_the_simulated_clock_mode_sums_the_same_totals(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = _MetricSink()
    sink.write(_published(capsys, monkeypatch))
    assert sink.totals == {"ReceivesWithoutSend": 2, "SendsHeld": 1, "MessagesSent": 3, "RouteParked": 1}
