"""The one rule for the handlers' per-reason (and per-cause) metrics: each is published aggregated *and* per ``Reason``
(or ``Cause``).

``SmsMonitoring`` and the ``metric_*`` methods read the aggregated metric (alarms, totals) and the per-reason one
(graphs by reason); a handler publishing only one of them leaves the other empty.

Stdlib only: Powertools (in the functions' layer) is imported inside :func:`count_per_reason`.
"""

from __future__ import annotations

from typing import Any

from .settings import DIMENSION_CAUSE, DIMENSION_REASON

__all__ = ["count_per_cause", "count_per_reason"]


def count_per_reason(metrics: Any, metric: str, reason: str) -> None:
    """One more ``metric`` in ``metrics`` (a Powertools ``Metrics``: the function's ``service`` dimension), and one
    more in the same namespace with the extra dimension ``Reason`` = ``reason``."""
    _count_per(metrics, metric, DIMENSION_REASON, reason)


def count_per_cause(metrics: Any, metric: str, cause: str) -> None:
    """One more ``metric`` in ``metrics``, and one more in the same namespace with the extra dimension ``Cause`` =
    ``cause``."""
    _count_per(metrics, metric, DIMENSION_CAUSE, cause)


def _count_per(metrics: Any, metric: str, dimension: str, value: str) -> None:
    from aws_lambda_powertools.metrics import MetricUnit, single_metric  # noqa: PLC0415 - only in the handlers

    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
    with single_metric(name=metric, unit=MetricUnit.Count, value=1, namespace=metrics.namespace) as by_dimension:
        by_dimension.add_dimension(name=dimension, value=value)
