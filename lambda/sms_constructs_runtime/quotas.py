"""Part budgets per producer: a daily and a monthly number of message parts a named producer may send.

A producer is named by the request's ``producer`` field (contract version 3). ``SmsSendQueue(quotas=...)`` renders
its budgets into the sender's settings (``SenderSettings.producer_quotas``, ``producer=daily/monthly`` items, an empty
side for no budget); the sender reads them with :func:`parse_producer_quotas`. The limits therefore come from the
deployment (raising one takes effect at the next check after the redeploy), the usage from the message store.

Usage lives in the message store, one item per producer and period:

========================  =====================  ==================================================================
pk                        sk                     what
========================  =====================  ==================================================================
``quota#<producer>``      ``day#2026-12-07``     ``used``: parts counted in that UTC day
``quota#<producer>``      ``month#2026-12``      ``used``: parts counted in that UTC month
========================  =====================  ==================================================================

Each item expires (the store's ``expiration`` TTL attribute) :data:`EXPIRY_AFTER_PERIOD_SECONDS` after its period ends.
A new period is a new key, so an item the TTL has not removed yet never counts against the next period.

Before the pacer, the sender calls :meth:`QuotaStore.consume` for a request whose producer has a budget: one
``TransactWriteItems`` of one conditional ``ADD used :parts`` per budgeted period, each conditioned on
``attribute_not_exists(used) OR used <= :most`` with ``:most = limit - parts`` (DynamoDB conditions have no
arithmetic, so the difference is computed here). Either every period counts the parts or none does, and concurrent
consumers can never take a period past its limit: the conditions are checked and the additions made atomically. A
request larger than a whole budget is refused without a write. A refusal raises :class:`QuotaExceededError`: the sender
holds the request (``QUOTA_EXCEEDED``), never rejects it.

Parts counted for a send that did not go out are given back (:meth:`QuotaStore.give_back`, ``ADD used -parts`` on each
period's item, best effort): see the sender for when. A failed give-back leaves the parts counted until the period
ends (the budget errs on the side of sending less).

Stdlib only: the caller passes a boto3 DynamoDB client.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from .contract import PRODUCER_PATTERN
from .store import EXPIRATION_ATTRIBUTE

__all__ = [
    "EXPIRY_AFTER_PERIOD_SECONDS",
    "QUOTA_EXCEEDED_REASON",
    "Budget",
    "Consumption",
    "Period",
    "QuotaExceededError",
    "QuotaStore",
    "QuotaUnavailableError",
    "Usage",
    "format_producer_quota",
    "parse_producer_quotas",
]

#: The hold reason (``SendsHeld`` ``Reason``, the ``HELD`` status) of a request over its producer's budget.
QUOTA_EXCEEDED_REASON: Final = "QUOTA_EXCEEDED"
#: A usage item outlives its period by this long (two days), so the last day's and month's usage stay readable.
EXPIRY_AFTER_PERIOD_SECONDS: Final = 2 * 86_400
#: ``TransactWriteItems`` calls per :meth:`QuotaStore.consume` when another transaction on the same items conflicts.
MAX_TRANSACTION_ATTEMPTS: Final = 3
#: Attribute of a usage item holding the parts counted.
USED_ATTRIBUTE: Final = "used"


class Period:
    """A budget's period: the ``Period`` dimension of ``QuotaUsed``, and the usage item's sort key prefix."""

    DAY: Final = "Day"
    MONTH: Final = "Month"


@dataclass(frozen=True)
class Budget:
    """A producer's part budgets; ``None`` for no budget in that period (at least one is set).

    :param daily: Parts per UTC day.
    :param monthly: Parts per UTC calendar month.
    """

    daily: int | None = None
    monthly: int | None = None

    def __post_init__(self) -> None:
        if self.daily is None and self.monthly is None:
            raise ValueError("a budget needs a daily or a monthly number of parts, or both")
        for name, value in (("daily", self.daily), ("monthly", self.monthly)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be a whole number of parts of at least 1, not {value!r}")

    def limits(self) -> tuple[tuple[str, int], ...]:
        """``(period, limit)`` of each budget that is set, the day first."""
        pairs = ((Period.DAY, self.daily), (Period.MONTH, self.monthly))
        return tuple((period, limit) for period, limit in pairs if limit is not None)


def format_producer_quota(producer: str, budget: Budget) -> str:
    """One ``SenderSettings.producer_quotas`` item: ``producer=daily/monthly``, an empty side for no budget."""
    daily = "" if budget.daily is None else str(budget.daily)
    monthly = "" if budget.monthly is None else str(budget.monthly)
    return f"{producer}={daily}/{monthly}"


def parse_producer_quotas(items: Iterable[str]) -> dict[str, Budget]:
    """The budgets of ``SenderSettings.producer_quotas`` by producer; raises ``ValueError`` on an item that is not
    ``producer=daily/monthly`` (a name per the contract's producer pattern, whole numbers or empty)."""
    budgets: dict[str, Budget] = {}
    for item in items:
        producer, equals, limits = item.partition("=")
        daily, slash, monthly = limits.partition("/")
        if not equals or not slash or not PRODUCER_PATTERN.fullmatch(producer):
            raise ValueError(f"{item!r} is not producer=daily/monthly")
        if producer in budgets:
            raise ValueError(f"{producer!r} has two quotas")
        try:
            budgets[producer] = Budget(daily=int(daily) if daily else None, monthly=int(monthly) if monthly else None)
        except ValueError as error:
            raise ValueError(f"{item!r}: {error}") from error
    return budgets


@dataclass(frozen=True)
class Usage:
    """Parts counted in one period of a producer's budget.

    :param period: :attr:`Period.DAY` or :attr:`Period.MONTH`.
    :param sort_key: The usage item's sort key (``day#2026-12-07``, ``month#2026-12``).
    :param used: Parts counted.
    :param limit: The budget.
    """

    period: str
    sort_key: str
    used: int
    limit: int

    @property
    def percent(self) -> float:
        """``used`` as a percentage of ``limit`` (``QuotaUsed``), two decimals."""
        return round(100 * self.used / self.limit, 2)


@dataclass(frozen=True)
class Consumption:
    """Parts counted against a producer's budget by :meth:`QuotaStore.consume` (what :meth:`QuotaStore.give_back`
    returns).

    :param producer: The producer.
    :param parts: The parts counted in each period.
    :param sort_keys: The usage items' sort keys, one per budgeted period.
    """

    producer: str
    parts: int
    sort_keys: tuple[str, ...]


class QuotaExceededError(Exception):
    """The parts do not fit in the producer's budget: nothing was counted.

    :param usage: The periods' usage as read after the refusal (the period that refused is over its budget less the
        parts asked).
    :param resets_at_ms: When the earliest refusing period ends (epoch ms): the request may fit from then on.
    """

    def __init__(self, message: str, usage: tuple[Usage, ...], resets_at_ms: int) -> None:
        super().__init__(message)
        self.usage = usage
        self.resets_at_ms = resets_at_ms


class QuotaUnavailableError(Exception):
    """The budget could not be checked (the store throttled, failed, or other transactions kept conflicting): nothing
    was counted, and the request should come back later."""


def period_keys(now_ms: int) -> dict[str, tuple[str, int]]:
    """``{period: (sort key, end in epoch ms)}`` of the UTC day and month containing ``now_ms``."""
    now = dt.datetime.fromtimestamp(now_ms / 1000, tz=dt.UTC)
    day_start = dt.datetime(now.year, now.month, now.day, tzinfo=dt.UTC)
    day_end = day_start + dt.timedelta(days=1)
    month_end = dt.datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=dt.UTC)
    return {
        Period.DAY: (f"day#{day_start:%Y-%m-%d}", int(day_end.timestamp() * 1000)),
        Period.MONTH: (f"month#{now:%Y-%m}", int(month_end.timestamp() * 1000)),
    }


class QuotaStore:
    """Counts producers' parts in the message store.

    :param client: A boto3 ``dynamodb`` client.
    :param table_name: The message store table.
    :param sleep: Waits the given seconds (between conflicting transactions).
    :param jitter: Returns a float in [0, 1).
    """

    def __init__(
        self,
        client: Any,
        table_name: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._client = client
        self.table_name = table_name
        self._sleep = sleep
        self._jitter = jitter

    @staticmethod
    def partition_key(producer: str) -> str:
        """The partition key of a producer's usage items."""
        return f"quota#{producer}"

    def consume(self, producer: str, budget: Budget, parts: int, now_ms: int) -> Consumption:
        """Count ``parts`` in every budgeted period of ``producer`` at ``now_ms``, all or nothing.

        Raises :class:`QuotaExceededError` when a period would go over its limit (nothing counted), and
        :class:`QuotaUnavailableError` when the store cannot answer (nothing counted)."""
        keys = period_keys(now_ms)
        limits = budget.limits()
        too_big = [(period, limit) for period, limit in limits if parts > limit]
        if too_big:  # never fits, whatever was used: no write (the condition below would pass on an empty period)
            raise self._exceeded(producer, budget, parts, now_ms, [period for period, _ in too_big])
        items = []
        for period, limit in limits:
            sort_key, end_ms = keys[period]
            items.append(
                {
                    "Update": {
                        "TableName": self.table_name,
                        "Key": {"pk": {"S": self.partition_key(producer)}, "sk": {"S": sort_key}},
                        "UpdateExpression": "ADD #used :parts SET #expiration = :expiration",
                        "ConditionExpression": "attribute_not_exists(#used) OR #used <= :most",
                        "ExpressionAttributeNames": {"#used": USED_ATTRIBUTE, "#expiration": EXPIRATION_ATTRIBUTE},
                        "ExpressionAttributeValues": {
                            ":parts": {"N": str(parts)},
                            ":most": {"N": str(limit - parts)},
                            ":expiration": {"N": str(end_ms // 1000 + EXPIRY_AFTER_PERIOD_SECONDS)},
                        },
                    }
                }
            )
        for attempt in range(1, MAX_TRANSACTION_ATTEMPTS + 1):
            try:
                self._client.transact_write_items(TransactItems=items)
            except self._client.exceptions.TransactionCanceledException as error:
                codes = [str(reason.get("Code", "None")) for reason in error.response.get("CancellationReasons", [])]
                refused = [
                    period for (period, _), code in zip(limits, codes, strict=False) if code == "ConditionalCheckFailed"
                ]
                if refused:
                    raise self._exceeded(producer, budget, parts, now_ms, refused) from error
                if attempt == MAX_TRANSACTION_ATTEMPTS:
                    raise QuotaUnavailableError(f"quota transaction cancelled: {', '.join(codes)}") from error
                self._sleep(0.01 * attempt * (1 + self._jitter()))  # another transaction on the same items
            except Exception as error:  # throttling, a server fault, a network error
                raise QuotaUnavailableError(f"quota transaction failed: {error}") from error
            else:
                return Consumption(producer, parts, tuple(keys[period][0] for period, _ in limits))
        raise AssertionError("unreachable")  # pragma: no cover

    def _exceeded(
        self, producer: str, budget: Budget, parts: int, now_ms: int, refused: list[str]
    ) -> QuotaExceededError:
        keys = period_keys(now_ms)
        try:
            usage = self.usage(producer, budget, now_ms)
        except Exception:  # the refusal stands; only the figures are missing
            usage = ()
        resets_at_ms = min(keys[period][1] for period in refused)
        return QuotaExceededError(
            f"{parts} parts of producer {producer} do not fit in its {' and '.join(p.lower() for p in refused)} budget",
            usage,
            resets_at_ms,
        )

    def usage(self, producer: str, budget: Budget, now_ms: int) -> tuple[Usage, ...]:
        """Parts counted in each budgeted period of ``producer`` at ``now_ms`` (one strongly consistent read per
        period)."""
        keys = period_keys(now_ms)
        result = []
        for period, limit in budget.limits():
            sort_key = keys[period][0]
            response = self._client.get_item(
                TableName=self.table_name,
                Key={"pk": {"S": self.partition_key(producer)}, "sk": {"S": sort_key}},
                ConsistentRead=True,
            )
            used = response.get("Item", {}).get(USED_ATTRIBUTE, {}).get("N", "0")
            result.append(Usage(period, sort_key, int(used), limit))
        return tuple(result)

    def give_back(self, consumption: Consumption) -> bool:
        """Take the parts of ``consumption`` off again (``ADD used -parts`` on each of its items, only while the item
        exists). Best effort: ``False`` when an item could not be updated (its parts stay counted)."""
        complete = True
        for sort_key in consumption.sort_keys:
            try:
                self._client.update_item(
                    TableName=self.table_name,
                    Key={"pk": {"S": self.partition_key(consumption.producer)}, "sk": {"S": sort_key}},
                    UpdateExpression="ADD #used :minus",
                    ConditionExpression="attribute_exists(#used)",
                    ExpressionAttributeNames={"#used": USED_ATTRIBUTE},
                    ExpressionAttributeValues={":minus": {"N": str(-consumption.parts)}},
                )
            except Exception:
                complete = False
        return complete
