"""``sms-constructs-fixed-cost``: what a synthesized app costs per month before it sends a single message.

Reads the CloudFormation templates of a cloud assembly (``cdk.out``) and prices the resources that bill by the month
whether or not anything happens: customer managed KMS keys, CloudWatch alarm metrics and dashboards, and the
``ReceiveMessage`` calls Lambda's pollers make on an idle SQS queue. Everything else of the library bills by use
(messages, parts, events, requests, GB stored or scanned) and costs nothing idle; SMS parts and phone numbers are
priced per country (https://aws.amazon.com/end-user-messaging/pricing/)::

    make synth && .venv/bin/sms-constructs-fixed-cost cdk.out

Prices are us-east-1 list prices without the free tier, as read on the AWS pricing pages on 2026-11-30 (see
:data:`PRICES`); other Regions differ a little.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final


@dataclass(frozen=True)
class Price:
    """One monthly unit price and where it comes from."""

    usd: float
    unit: str
    source: str


#: The list prices the estimate uses (us-east-1, read 2026-11-30).
PRICES: Final[Mapping[str, Price]] = {
    "kms_key": Price(
        1.00,
        "per customer managed key per month (rotation adds $1 for each of the first two yearly rotations)",
        "https://aws.amazon.com/kms/pricing/",
    ),
    "alarm_metric": Price(
        0.10,
        "per standard-resolution alarm metric per month (a metric-math alarm counts each metric it reads)",
        "https://aws.amazon.com/cloudwatch/pricing/",
    ),
    "dashboard": Price(3.00, "per dashboard per month", "https://aws.amazon.com/cloudwatch/pricing/"),
    "sqs_million_requests": Price(
        0.40, "per million SQS standard-queue requests", "https://aws.amazon.com/sqs/pricing/"
    ),
}
#: ``ReceiveMessage`` calls per month that Lambda's pollers make on an idle queue: an estimate, not a published figure
#: (5 pollers, each a 20-second long poll in a loop: 5 × 3 per minute × 43,200 minutes).
IDLE_POLLS_PER_MAPPING_MONTH: Final = 5 * 3 * 60 * 24 * 30


@dataclass(frozen=True)
class StackCost:
    """The monthly fixed cost of one template."""

    stack: str
    kms_keys: int
    alarm_metrics: int
    dashboards: int
    sqs_event_source_mappings: int

    @property
    def usd(self) -> float:
        """The monthly fixed cost in USD."""
        polls = self.sqs_event_source_mappings * IDLE_POLLS_PER_MAPPING_MONTH / 1_000_000
        return (
            self.kms_keys * PRICES["kms_key"].usd
            + self.alarm_metrics * PRICES["alarm_metric"].usd
            + self.dashboards * PRICES["dashboard"].usd
            + polls * PRICES["sqs_million_requests"].usd
        )


def stack_cost(stack: str, template: Mapping[str, Any]) -> StackCost:
    """Count what bills by the month in ``template``."""
    resources = list(template.get("Resources", {}).values())

    def of_type(kind: str) -> list[Mapping[str, Any]]:
        return [r for r in resources if r.get("Type") == kind]

    alarm_metrics = 0
    for alarm in of_type("AWS::CloudWatch::Alarm"):
        metrics = alarm.get("Properties", {}).get("Metrics")
        alarm_metrics += len([m for m in metrics if "MetricStat" in m]) if metrics else 1
    mappings = [
        m
        for m in of_type("AWS::Lambda::EventSourceMapping")
        if ":sqs:" in json.dumps(m.get("Properties", {}).get("EventSourceArn")) or _sqs_source(m, template)
    ]
    return StackCost(
        stack=stack,
        kms_keys=len(of_type("AWS::KMS::Key")),
        alarm_metrics=alarm_metrics,
        dashboards=len(of_type("AWS::CloudWatch::Dashboard")),
        sqs_event_source_mappings=len(mappings),
    )


def _sqs_source(mapping: Mapping[str, Any], template: Mapping[str, Any]) -> bool:
    """True when the mapping's ``EventSourceArn`` is the ``Arn`` of an SQS queue of the template."""
    source = mapping.get("Properties", {}).get("EventSourceArn")
    if isinstance(source, dict) and "Fn::GetAtt" in source:
        logical_id = source["Fn::GetAtt"][0]
        return bool(template.get("Resources", {}).get(logical_id, {}).get("Type") == "AWS::SQS::Queue")
    return False


def assembly_costs(outdir: Path) -> list[StackCost]:
    """The fixed cost of every stack template in the cloud assembly ``outdir``."""
    templates = sorted(outdir.glob("*.template.json"))
    if not templates:
        raise FileNotFoundError(f"no *.template.json in {outdir}: run `make synth` (or cdk synth) first")
    return [stack_cost(path.name.removesuffix(".template.json"), json.loads(path.read_text())) for path in templates]


def table(costs: Iterable[StackCost]) -> str:
    """A Markdown table: one row per stack and the total."""
    rows = list(costs)
    lines = [
        "| Stack | KMS keys | Alarm metrics | Dashboards | SQS pollers | USD per month |",
        "|---|---|---|---|---|---|",
    ]
    for cost in rows:
        lines.append(
            f"| {cost.stack} | {cost.kms_keys} | {cost.alarm_metrics} | {cost.dashboards} | "
            f"{cost.sqs_event_source_mappings} | {cost.usd:.2f} |"
        )
    total = sum(cost.usd for cost in rows)
    lines.append(
        f"| **Total** | {sum(c.kms_keys for c in rows)} | {sum(c.alarm_metrics for c in rows)} | "
        f"{sum(c.dashboards for c in rows)} | {sum(c.sqs_event_source_mappings for c in rows)} | **{total:.2f}** |"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point (``sms-constructs-fixed-cost``)."""
    parser = argparse.ArgumentParser(prog="sms-constructs-fixed-cost", description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", nargs="?", default="cdk.out", help="the cloud assembly (default: cdk.out)")
    args = parser.parse_args(argv)
    try:
        costs = assembly_costs(Path(args.outdir))
    except FileNotFoundError as problem:
        print(problem, file=sys.stderr)
        return 2
    print(table(costs))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
