"""Pacing sends to an origination identity's MPS across every concurrent sender invocation.

The pacer is a *shared* GCRA (generic cell rate algorithm, the virtual-scheduling form of a token bucket): one item
per origination identity holds the theoretical arrival time ``tat`` (epoch ms) of the next free send slot. A send of
``k`` parts at ``r`` parts per second reserves ``k / r`` seconds:

- busy (``tat >= now``): an atomic ``SET tat = tat + cost`` (conditioned on ``tat >= now``); the send starts at the
  old ``tat`` — the caller sleeps until then;
- idle (``tat < now`` or no item): ``SET tat = now + cost`` (conditioned on ``tat < now``); the send starts now.

Neither path reads first, and a lost race only moves a caller from one path to the other, so every reservation takes
one or two conditional writes. Start times are therefore spaced by at least the previous send's ``k / r`` across *all*
invocations, whatever their number; in any window of ``T`` seconds the sends start fewer than ``r·T`` parts plus the
last message's parts (at most 10) — single-part traffic never exceeds ``r`` in any one-second window. Under backlog
``tat`` stays ahead of ``now``, every slot is used, and the rate is exactly ``r`` as long as enough invocations are
waiting for slots (the event source mapping's maximum concurrency, sized so a slot is never idle while an invocation
is busy in the API call).

Stdlib only: the DynamoDB schedule receives a boto3 client from the caller.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any, Final, Protocol

#: Sort key of the pacer item in the message store.
PACER_SORT_KEY: Final = "pacer"
#: Attribute holding the theoretical arrival time (epoch ms).
TAT_ATTRIBUTE: Final = "tat"


class PacerContentionError(RuntimeError):
    """The schedule item changed under every attempt to reserve a slot; the record goes back to the queue."""


class Schedule(Protocol):
    """Where the next free send slot of each key is kept."""

    def reserve(self, key: str, now_ms: int, cost_ms: int) -> int:
        """Reserve ``cost_ms`` of send time on ``key``; return the epoch ms at which the send may start."""
        ...


class MemorySchedule:
    """A schedule held in memory: exact for one process (tests, benchmarks, single-threaded producers)."""

    def __init__(self) -> None:
        self.tat: dict[str, int] = {}

    def reserve(self, key: str, now_ms: int, cost_ms: int) -> int:
        """See :meth:`Schedule.reserve`."""
        start = max(self.tat.get(key, now_ms), now_ms)
        self.tat[key] = start + cost_ms
        return start


class DynamoDBSchedule:
    """A schedule in a DynamoDB table (partition key ``pk``, sort key ``sk``), shared by every invocation."""

    def __init__(self, client: Any, table_name: str, *, max_tries: int = 5) -> None:
        self._client = client
        self._table = table_name
        self._max_tries = max_tries

    def reserve(self, key: str, now_ms: int, cost_ms: int) -> int:
        """See :meth:`Schedule.reserve`."""
        item_key = {"pk": {"S": key}, "sk": {"S": PACER_SORT_KEY}}
        names = {"#t": TAT_ATTRIBUTE}
        for _ in range(self._max_tries):
            try:  # busy: append after the last reservation
                response = self._client.update_item(
                    TableName=self._table,
                    Key=item_key,
                    UpdateExpression="SET #t = #t + :cost",
                    ConditionExpression="#t >= :now",
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues={":cost": {"N": str(cost_ms)}, ":now": {"N": str(now_ms)}},
                    ReturnValues="UPDATED_NEW",
                )
                return int(response["Attributes"][TAT_ATTRIBUTE]["N"]) - cost_ms
            except self._client.exceptions.ConditionalCheckFailedException:
                pass
            try:  # idle: start now
                self._client.update_item(
                    TableName=self._table,
                    Key=item_key,
                    UpdateExpression="SET #t = :tat",
                    ConditionExpression="attribute_not_exists(#t) OR #t < :now",
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues={":tat": {"N": str(now_ms + cost_ms)}, ":now": {"N": str(now_ms)}},
                )
                return now_ms
            except self._client.exceptions.ConditionalCheckFailedException:
                continue  # another invocation made the schedule busy in between
        raise PacerContentionError(f"could not reserve a send slot on {key} in {self._max_tries} tries")


class Pacer:
    """Spends message parts against a shared schedule at ``parts_per_second``.

    :param schedule: Where slots are reserved (:class:`DynamoDBSchedule` in Lambda).
    :param key: The schedule key, one per origination identity.
    :param parts_per_second: The MPS to pace to.
    :param clock: Seconds since the epoch (``time.time``); injected in tests.
    :param sleep: Waits the given seconds (``time.sleep``); injected in tests.
    """

    def __init__(
        self,
        schedule: Schedule,
        key: str,
        parts_per_second: float,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if parts_per_second <= 0:
            raise ValueError(f"parts_per_second must be positive, not {parts_per_second}")
        self.schedule = schedule
        self.key = key
        self.parts_per_second = parts_per_second
        self._clock = clock
        self._sleep = sleep

    def cost_ms(self, parts: int) -> int:
        """Milliseconds of send time ``parts`` occupy (rounded up: pacing never runs fast)."""
        return math.ceil(parts * 1000 / self.parts_per_second)

    def acquire(self, parts: int, *, deadline: float | None = None) -> bool:
        """Wait until ``parts`` may be sent; ``False`` (without waiting) when the send would start after ``deadline``
        — because the slot starts after it, or because the reservation itself took until after it.

        A slot reserved past the deadline is left unused: the schedule runs a little slow, never fast.
        """
        now = self._clock()
        start = self.schedule.reserve(self.key, math.floor(now * 1000), self.cost_ms(parts)) / 1000
        if deadline is not None and max(start, self._clock()) > deadline:
            return False
        wait = start - self._clock()
        if wait > 0:
            self._sleep(wait)
        return True
