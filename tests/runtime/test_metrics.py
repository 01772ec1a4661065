"""The per-reason metric rule the sender and the retry handler share."""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools import Metrics
from sms_constructs_runtime.metrics import count_per_reason


def test_count_per_reason_publishes_the_metric_aggregated_and_per_reason(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "sender")
    metrics = Metrics(namespace="SmsConstructsTest")
    metrics.clear_metrics()
    capsys.readouterr()
    count_per_reason(metrics, "MessagesRejected", "DESTINATION_PHONE_NUMBER_OPTED_OUT")
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
    assert sorted(published, key=lambda entry: len(entry[1])) == [
        ("MessagesRejected", {"service": "sender"}, [1.0]),
        ("MessagesRejected", {"service": "sender", "Reason": "DESTINATION_PHONE_NUMBER_OPTED_OUT"}, [1.0]),
    ]
