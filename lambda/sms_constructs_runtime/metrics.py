"""The one rule for the handlers' per-reason metrics: each is published aggregated *and* per ``Reason``.

``SmsMonitoring`` and the ``metric_*`` methods read the aggregated metric (alarms, totals) and the per-reason one
(graphs by reason); a handler publishing only one of them leaves the other empty.

Stdlib only: Powertools (in the functions' layer) is imported inside :func:`count_per_reason`.
"""

from __future__ import annotations

from typing import Any

from .settings import DIMENSION_REASON

__all__ = ["count_per_reason"]


def count_per_reason(metrics: Any, metric: str, reason: str) -> None:
    """One more ``metric`` in ``metrics`` (a Powertools ``Metrics``: the function's ``service`` dimension), and one
    more in the same namespace with the extra dimension ``Reason`` = ``reason``."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric  # noqa: PLC0415 - only in the handlers

    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
    with single_metric(name=metric, unit=MetricUnit.Count, value=1, namespace=metrics.namespace) as by_reason:
        by_reason.add_dimension(name=DIMENSION_REASON, value=reason)
