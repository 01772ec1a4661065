"""``sms-constructs-fixed-cost``: counts what bills by the month in synthesized templates, and the figure in
docs/operations.md is the one the sample app's templates give."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from sms_constructs_cli import fixed_cost
from tests.conftest import REPO_ROOT
from tests.sample_app.synth import PROFILES, synthesized_sample

OPERATIONS = REPO_ROOT / "docs" / "operations.md"


def _documented_table() -> str:
    text = OPERATIONS.read_text()
    match = re.search(r"<!-- fixed-cost:sandbox -->\n(.*?)\n<!-- /fixed-cost -->", text, re.S)
    assert match, "docs/operations.md lost its fixed-cost table markers"
    return match.group(1)


def test_the_documented_fixed_cost_is_the_sandbox_apps() -> None:
    computed = fixed_cost.table(fixed_cost.assembly_costs(synthesized_sample("sandbox").outdir))
    assert computed == _documented_table()


@pytest.mark.parametrize("profile", PROFILES)
def test_the_sample_app_costs_eight_keys_nineteen_alarm_metrics_a_dashboard_and_four_pollers(profile: str) -> None:
    costs = fixed_cost.assembly_costs(synthesized_sample(profile).outdir)
    totals = (
        sum(c.kms_keys for c in costs),
        sum(c.alarm_metrics for c in costs),
        sum(c.dashboards for c in costs),
        sum(c.sqs_event_source_mappings for c in costs),
    )
    assert totals == (8, 19, 1, 4)
    assert round(sum(c.usd for c in costs), 2) == 13.94  # 8 + 1.90 + 3 + 4 × 0.648 M × 0.40


def _template(**resources: dict[str, Any]) -> dict[str, Any]:
    return {"Resources": resources}


def test_counts_each_metric_a_math_alarm_reads_and_only_sqs_pollers() -> None:
    template = _template(
        Key={"Type": "AWS::KMS::Key"},
        Plain={"Type": "AWS::CloudWatch::Alarm", "Properties": {"MetricName": "Errors"}},
        Math={
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "Metrics": [
                    {"Id": "e", "Expression": "a / b"},
                    {"Id": "a", "MetricStat": {}},
                    {"Id": "b", "MetricStat": {}},
                ]
            },
        },
        Board={"Type": "AWS::CloudWatch::Dashboard"},
        Queue={"Type": "AWS::SQS::Queue"},
        FromQueue={
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {"EventSourceArn": {"Fn::GetAtt": ["Queue", "Arn"]}},
        },
        FromArn={
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {"EventSourceArn": "arn:aws:sqs:us-east-1:111122223333:other"},
        },
        FromStream={
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {"EventSourceArn": "arn:aws:dynamodb:us-east-1:111122223333:table/t/stream/1"},
        },
        Table={"Type": "AWS::DynamoDB::Table"},
    )
    cost = fixed_cost.stack_cost("S", template)
    assert (cost.kms_keys, cost.alarm_metrics, cost.dashboards, cost.sqs_event_source_mappings) == (1, 3, 1, 2)
    assert cost.usd == pytest.approx(1 + 0.3 + 3 + 2 * 0.648 * 0.4)


def test_command_prints_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "A.template.json").write_text(json.dumps(_template(Key={"Type": "AWS::KMS::Key"})))
    assert fixed_cost.main([str(tmp_path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "| **Total** | 1 | 0 | 0 | 0 | **1.00** |"


def test_command_without_templates_says_so_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert fixed_cost.main([str(tmp_path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"no *.template.json in {tmp_path}: run `make synth` (or cdk synth) first"
    ]
