"""``ProducerQuota``: the part budgets of one producer of an ``SmsSendQueue`` (``SmsSendQueue(quotas=...)``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from constructs import Construct
from sms_constructs_runtime.contract import PRODUCER_PATTERN
from sms_constructs_runtime.quotas import Budget, format_producer_quota

from .._private.errors import ValidationError
from .._private.validation import is_unresolved

__all__ = ["ProducerQuota"]

#: Most producers with a quota on one send queue: each renders about 30 characters into the sender's environment
#: (4 KB in all for a Lambda function) and adds two alarms per period in ``SmsMonitoring``.
MAX_QUOTAS = 50


@dataclass(frozen=True)
class ProducerQuota:
    """How many message parts one producer may send per UTC day and per UTC calendar month through a send queue.

    A request whose ``producer`` (contract version 3: ``SmsProducer(producer=...)``,
    ``SmsSendQueue.add_producer(function, producer_name=...)``, or the ``producer`` field of a raw SQS message) has a
    quota is counted against it before it is paced. Once a budget is used up, the producer's requests are **held**:
    they wait on the queue (never rejected, never sent, never in the dead-letter queue) until the period ends or the
    budget is raised by a deploy, or are rejected ``EXPIRED`` when their deadline passes first.

    Example::

        SmsSendQueue(self, "Send", ..., quotas={"appointments": ProducerQuota(daily_parts=5000, monthly_parts=100_000)})

    :param daily_parts: Parts per UTC day (a whole number, at least 1). Default: no daily budget.
    :param monthly_parts: Parts per UTC calendar month (a whole number, at least 1). Default: no monthly budget (at
        least one of the two is required).
    """

    #: Parts per UTC day (a whole number, at least 1). Default: ``None``, no daily budget.
    daily_parts: int | None = None
    #: Parts per UTC calendar month (a whole number, at least 1). Default: ``None``, no monthly budget.
    monthly_parts: int | None = None


def render_quotas(scope: Construct, quotas: Mapping[str, ProducerQuota] | None) -> tuple[str, ...]:
    """Check ``quotas`` (the ``quotas`` prop of ``scope``) and render them as ``SenderSettings.producer_quotas``
    items; ``()`` for none. Raises :class:`ValidationError` naming the prop, the rule and the value."""
    if quotas is None:
        return ()
    if not isinstance(quotas, Mapping):
        raise ValidationError(scope, "quotas", "must be a mapping of producer name to ProducerQuota", quotas)
    if not quotas:
        raise ValidationError(scope, "quotas", "must name at least one producer (leave it out for no quotas)", quotas)
    if len(quotas) > MAX_QUOTAS:
        raise ValidationError(scope, "quotas", f"holds at most {MAX_QUOTAS} producers", len(quotas))
    return tuple(_render_quota(scope, producer, quota) for producer, quota in quotas.items())


def _render_quota(scope: Construct, producer: object, quota: object) -> str:
    """Check one producer's quota and render it (``producer=daily/monthly``)."""
    if not isinstance(producer, str) or is_unresolved(producer) or not PRODUCER_PATTERN.fullmatch(producer):
        raise ValidationError(
            scope,
            "quotas",
            "names producers by the contract's producer name: 1-64 characters of A-Z a-z 0-9 . _ - (known at "
            "synth time)",
            producer,
        )
    if not isinstance(quota, ProducerQuota):
        raise ValidationError(scope, f"quotas[{producer!r}]", "must be a ProducerQuota", quota)
    if quota.daily_parts is None and quota.monthly_parts is None:
        raise ValidationError(
            scope, f"quotas[{producer!r}]", "needs daily_parts, monthly_parts or both (at least one budget)", quota
        )
    for prop, value in (("daily_parts", quota.daily_parts), ("monthly_parts", quota.monthly_parts)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not float(value).is_integer():
            raise ValidationError(scope, f"quotas[{producer!r}].{prop}", "must be a whole number of parts", value)
        if value < 1:
            raise ValidationError(scope, f"quotas[{producer!r}].{prop}", "must be at least 1 part", value)
    daily, monthly = quota.daily_parts, quota.monthly_parts
    if daily is not None and monthly is not None and daily > monthly:
        raise ValidationError(
            scope,
            f"quotas[{producer!r}].daily_parts",
            f"must be at most monthly_parts ({monthly}): a day's budget above the month's could never be used",
            daily,
        )
    budget = Budget(
        daily=int(daily) if daily is not None else None, monthly=int(monthly) if monthly is not None else None
    )
    return format_producer_quota(producer, budget)
