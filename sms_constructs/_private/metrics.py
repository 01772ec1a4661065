"""``metric_*`` methods in the style of aws-cdk-lib: keyword options of ``cloudwatch.MetricOptions`` over defaults."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

import aws_cdk as cdk
import aws_cdk.aws_cloudwatch as cloudwatch

#: The period of every ``metric_*`` method unless the caller gives one (aws-cdk-lib's default too).
DEFAULT_PERIOD = cdk.Duration.minutes(5)


class MetricOptions(TypedDict, total=False):
    """The keyword options every ``metric_*`` method takes: those of aws-cdk-lib's ``cloudwatch.MetricOptions``.

    Each overrides the method's default; ``dimensions_map`` is merged over the method's own dimensions.
    """

    account: str
    color: str
    dimensions_map: Mapping[str, str]
    id: str
    label: str
    period: cdk.Duration
    region: str
    stack_account: str
    stack_region: str
    statistic: str
    unit: cloudwatch.Unit
    visible: bool


def custom_metric(
    namespace: str,
    metric_name: str,
    dimensions: Mapping[str, str],
    options: MetricOptions,
    *,
    statistic: str = cloudwatch.Stats.SUM,
) -> cloudwatch.Metric:
    """``metric_name`` in ``namespace`` with ``dimensions`` (``options.dimensions_map`` merged over them), ``statistic``
    over 5 minutes unless ``options`` say otherwise."""
    settings = with_defaults(options, statistic=statistic)
    settings["dimensions_map"] = {**dimensions, **dict(options.get("dimensions_map") or {})}
    return cloudwatch.Metric(namespace=namespace, metric_name=metric_name, **settings)


def with_defaults(
    options: MetricOptions, *, statistic: str | None = None, period: cdk.Duration = DEFAULT_PERIOD
) -> MetricOptions:
    """A copy of ``options`` with ``statistic`` and ``period`` where the caller gave none."""
    settings = MetricOptions(period=period)
    if statistic is not None:
        settings["statistic"] = statistic
    settings.update(options)
    return settings
