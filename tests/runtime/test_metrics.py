"""The per-reason metric rule the sender and the retry handler share."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from aws_lambda_powertools import Metrics
from sms_constructs_runtime.metrics import count_per_cause, count_per_reason


def _publish(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, count: Callable[[Metrics], None]
) -> list[tuple[str, dict[str, str], list[float]]]:
    """(metric, dimensions, values) of what ``count`` publishes through a fresh Powertools ``Metrics``."""
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "sender")
    metrics = Metrics(namespace="SmsConstructsTest")
    metrics.clear_metrics()
    capsys.readouterr()
    count(metrics)
    metrics.flush_metrics()
    published = []
    for line in capsys.readouterr().out.splitlines():
        record = json.loads(line)
        for definition in record["_aws"]["CloudWatchMetrics"]:
            assert definition["Namespace"] == "SmsConstructsTest"
            for metric in definition["Metrics"]:
                dimensions = {name: record[name] for group in definition["Dimensions"] for name in group}
                value = record[metric["Name"]]  # a list when the metric was added to an open set
                published.append((metric["Name"], dimensions, value if isinstance(value, list) else [value]))
    return sorted(published, key=lambda entry: len(entry[1]))


def test_count_per_reason_publishes_the_metric_aggregated_and_per_reason(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    published = _publish(
        capsys, monkeypatch, lambda m: count_per_reason(m, "MessagesRejected", "DESTINATION_PHONE_NUMBER_OPTED_OUT")
    )
    assert published == [
        ("MessagesRejected", {"service": "sender"}, [1.0]),
        ("MessagesRejected", {"service": "sender", "Reason": "DESTINATION_PHONE_NUMBER_OPTED_OUT"}, [1.0]),
    ]


def test_count_per_cause_publishes_the_metric_aggregated_and_per_cause(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    published = _publish(capsys, monkeypatch, lambda m: count_per_cause(m, "ReceivesWithoutSend", "CircuitBreaker"))
    assert published == [
        ("ReceivesWithoutSend", {"service": "sender"}, [1.0]),
        ("ReceivesWithoutSend", {"service": "sender", "Cause": "CircuitBreaker"}, [1.0]),
    ]
