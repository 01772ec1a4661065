"""Runtime pieces broken on purpose, for the scenario tests: each replaces one safeguard the scenario's checks stand
for, so that the test can show the check fails without it."""

from __future__ import annotations

from typing import Any

from sms_constructs_runtime.gsm7 import REPLACEMENTS, Normalization
from sms_constructs_runtime.parts import count_parts
from sms_constructs_runtime.quotas import USED_ATTRIBUTE, Consumption, QuotaStore, period_keys

_TABLE = str.maketrans(dict(REPLACEMENTS))


def read_then_write_consume(self: QuotaStore, producer: str, budget: Any, parts: int, now_ms: int) -> Consumption:
    """``QuotaStore.consume`` as a read, a check, then unconditional writes: two senders that both read the last
    free parts both count them, and the budget is overrun."""
    usage = self.usage(producer, budget, now_ms)  # read ...
    refused = [u.period for u in usage if u.used + parts > u.limit]
    if refused:
        raise self._exceeded(producer, budget, parts, now_ms, refused)
    keys = period_keys(now_ms)
    for period, _ in budget.limits():  # ... then write, whatever happened in between
        self._client.update_item(
            TableName=self.table_name,
            Key={"pk": {"S": self.partition_key(producer)}, "sk": {"S": keys[period][0]}},
            UpdateExpression="ADD #used :parts",
            ExpressionAttributeNames={"#used": USED_ATTRIBUTE},
            ExpressionAttributeValues={":parts": {"N": str(parts)}},
        )
    return Consumption(producer, parts, tuple(keys[period][0] for period, _ in budget.limits()))


def always_normalize(body: str) -> Normalization:
    """``normalize_gsm7`` without its conditions: the table is applied to every body, whether or not that makes it
    GSM-7 and whatever it does to the parts."""
    return Normalization(body, body.translate(_TABLE), count_parts(body), count_parts(body.translate(_TABLE)))


def wait_on_route(self: Any, route: Any, parts: int, deadline: float | None) -> bool:
    """``Sender._acquire_on_route`` without parking: every record waits in its invocation for its route's next slot,
    however far off, so a batch holding a record of a saturated route holds up the others with it (head-of-line
    blocking)."""
    pacer, _ = self._route_pacing[route.country]
    acquired: bool = pacer.acquire(parts, deadline=deadline)
    return acquired
