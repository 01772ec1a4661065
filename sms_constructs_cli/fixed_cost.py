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

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ._cli import EXIT_OK, BadInputError, command_parser, run_command


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


def _template_error(stack: str, rule: str) -> BadInputError:
    return BadInputError(f"{stack}.template.json is not a CloudFormation template: {rule}.")


def stack_cost(stack: str, template: Any) -> StackCost:
    """Count what bills by the month in ``template``; :class:`~._cli.BadInputError` when it is not a
    CloudFormation template (an object whose ``Resources`` map logical IDs to objects with a string ``Type``)."""
    if not isinstance(template, Mapping):
        raise _template_error(stack, f"the document is a JSON {type(template).__name__}, not an object")
    found = template.get("Resources", {})
    if not isinstance(found, Mapping):
        raise _template_error(stack, "Resources is not an object")
    resources = list(found.values())
    for logical_id, resource in found.items():
        if not isinstance(resource, Mapping) or not isinstance(resource.get("Type"), str):
            raise _template_error(stack, f"resource {logical_id} has no string Type")
        if not isinstance(resource.get("Properties", {}), Mapping):
            raise _template_error(stack, f"the Properties of {logical_id} are not an object")

    def of_type(kind: str) -> list[Mapping[str, Any]]:
        return [r for r in resources if r.get("Type") == kind]

    alarm_metrics = 0
    for alarm in of_type("AWS::CloudWatch::Alarm"):
        metrics = alarm.get("Properties", {}).get("Metrics")
        if metrics is not None and not isinstance(metrics, list):
            raise _template_error(stack, "an alarm's Metrics is not a list")
        alarm_metrics += len([m for m in metrics if isinstance(m, Mapping) and "MetricStat" in m]) if metrics else 1
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
    if isinstance(source, dict) and isinstance(source.get("Fn::GetAtt"), list) and source["Fn::GetAtt"]:
        target = template.get("Resources", {}).get(source["Fn::GetAtt"][0])
        return isinstance(target, Mapping) and target.get("Type") == "AWS::SQS::Queue"
    return False


def assembly_costs(outdir: Path) -> list[StackCost]:
    """The fixed cost of every stack template in the cloud assembly ``outdir``; :class:`~._cli.BadInputError` when
    there is none or one cannot be read."""
    templates = sorted(outdir.glob("*.template.json")) if outdir.is_dir() else []
    if not templates:
        raise BadInputError(f"no *.template.json in {outdir}: run `make synth` (or cdk synth) first")
    costs = []
    for path in templates:
        stack = path.name.removesuffix(".template.json")
        try:
            template = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise _template_error(stack, f"invalid JSON at line {error.lineno} column {error.colno}") from error
        except (OSError, UnicodeDecodeError, RecursionError) as error:
            raise BadInputError(f"Cannot read {path}: {type(error).__name__}: {error}") from error
        costs.append(stack_cost(stack, template))
    return costs


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
    parser = command_parser("sms-constructs-fixed-cost", __doc__.split("\n\n")[0])
    parser.add_argument("outdir", nargs="?", default="cdk.out", help="the cloud assembly (default: cdk.out)")
    args = parser.parse_args(argv)

    def action() -> int:
        print(table(assembly_costs(Path(args.outdir))))
        return EXIT_OK

    return run_command(action)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
