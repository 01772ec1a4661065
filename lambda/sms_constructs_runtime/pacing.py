"""Pacing sends to an origination identity's MPS across every concurrent sender invocation.

The pacer is a *shared* GCRA (generic cell rate algorithm, the virtual-scheduling form of a token bucket): one item
per origination identity holds the theoretical arrival time ``tat`` (epoch µs) of the next free send slot. A send of
``k`` parts at ``r`` parts per second reserves the slot ``[start, start + k·(1 + δ)/r)`` (``δ``: the release
tolerance below):

- busy (``tat >= earliest``): an atomic ``SET tat = tat + cost`` (conditioned on ``tat >= earliest``); the slot
  starts at the old ``tat``;
- idle (``tat < earliest`` or no item): ``SET tat = earliest + cost`` (conditioned on ``tat < earliest``); the slot
  starts at ``earliest``.

``earliest`` is the caller's clock plus a *lead* (1.25 × the last reservation's round trip, 5 ms–0.5 s), so a slot is
never handed out for a moment the caller can no longer reach. Neither path reads first, and a lost race only moves a
caller from one path to the other, so every reservation takes one or two conditional writes; slots never overlap,
whatever the number of invocations, their clocks' leads or the DynamoDB latency.

A send is **released** (the caller goes on to call ``SendTextMessage``) only inside its slot's first ``δ`` seconds
(``release_tolerance``, default 20 ms): the caller sleeps until the slot starts and is released when it wakes. A caller
that finds its slot already passed by more than ``δ`` — the reservation came back late, or the sleep overran (a busy
host, a fraction of a vCPU) — never sends in it:

- if its slot is still the **last one reserved** (``tat == start + cost``), it **moves** the slot to the present with
  one conditional write (``SET tat = now + cost`` if ``tat = start + cost``, ``now`` read just before the write) and
  is released as soon as the write returns, provided that is within ``δ`` of ``now``. This is exactly giving the slot
  back and reserving ``[now, now + cost)`` on the then idle schedule, in one atomic step: every other slot ends at or
  before the old start, which is before ``now``, so slots still never overlap;
- otherwise (a later slot was reserved meanwhile: moving would overlap it) the slot is **abandoned**
  (``abandoned_slots``), left as a gap, and a new slot is reserved.

A slot left unused (abandoned, or starting after the caller's deadline) is given back with one more conditional write
if no later slot was reserved meanwhile; otherwise it stays a gap. Unused slots only make the schedule run slower,
never faster. After ``max_reservations`` unusable slots in a row the caller gives up (:class:`PacerContentionError`,
counted in ``contention``) and the record goes back to the queue.

The bound. Every message released in a window was released within ``δ`` after its slot's start, and slots never
overlap (moved slots included). Take the messages released in a window ``[t, t + W)`` of ``W ≥ 1`` seconds, ``P``
parts in all, and let ``m`` be the one whose slot starts last (``k`` parts; with ``k·(1 + δ)/r < δ``, above 50 MPS
with the default ``δ``, releases can come out of slot order, so ``m`` need not be the last released). Every slot
start lies in ``[t − δ, t + W)``; the slots of the other messages lie whole within ``[t − δ, start_m)``, shorter than
``W + δ``, and each of their parts occupies ``(1 + δ)/r`` of it, so ``(P − k)(1 + δ)/r < W + δ``, that is
``P − k < r·(W + δ)/(1 + δ) ≤ r·W``. So any window holds **fewer than ``r·W + k`` parts**, ``k`` at most the largest
message released in it. For a whole MPS ``r`` and a 1-second window:

- **single-part traffic never exceeds ``r`` parts in any 1-second window** — whatever the DynamoDB latency, the
  number of invocations, their lead, how late they wake up, or the start of a busy period;
- a window whose messages have up to ``k`` parts holds at most ``r + k − 1`` parts (at most ``r + 9``: a message has
  at most 10 parts, 1530 GSM-7 characters). A message's parts go out in one ``SendTextMessage`` call, so they cannot
  be spread; a 2-part message at 1 MPS (US 10DLC) could never be sent if every second were metered strictly. The next
  message waits ``k·(1 + δ)/r``, so over ``T`` seconds the rate is still ``r``. To cap every 1-second window at the
  identity's MPS with messages of up to ``k`` parts, pace to ``MPS − (k − 1)``.

The price of the tolerance. Under backlog ``tat`` stays ahead of the clock, every slot is used, and the rate is
``r / (1 + δ)`` (2 % under ``r`` with the default 20 ms) as long as enough invocations are waiting for slots (the
event source mapping's maximum concurrency, sized so a slot is never idle while an invocation is busy in the API
call). A wake-up later than ``δ`` under backlog costs a slot (the schedule is ahead, so the slot is rarely the last);
a tolerance of 2 ms lost 6–16 % of the slots on a host where 3–6 % of the wake-ups were late, 20 ms absorbs ordinary
scheduler lateness for the price of 2 %. With too few invocations for the API latency the schedule falls idle between
sends and the rate is what the invocations can do, still within the bound.

Clock skew between execution environments (NTP-synchronised, typically well under a millisecond in Lambda) adds to
``δ``. Stdlib only: the DynamoDB schedule receives a boto3 client from the caller.

Lanes: priority by horizon. The lanes of a send queue (highest first, ``L`` of them) share the identity's key and
its rate. The first lane reserves as above. A lane of rank ``i ≥ 1`` reserves only a slot that starts within its
**horizon** ``H_i = (L − i)·b·(1 + δ)/r`` of its clock (``b`` the batch size, :func:`lane_horizon_seconds`): the busy
path's condition also requires ``tat ≤ now + H_i`` (a *conditional reservation*, ``latest_start_us``); a refused
write changes nothing and returns the ``tat`` it found (``ReturnValuesOnConditionCheckFailure=ALL_OLD``, or one
consistent read), and the caller sleeps until ``tat − H_i`` and tries again, until its deadline. The idle path needs
no horizon (an idle slot starts at ``earliest``). So under a backlog of lane ``i`` alone the schedule runs at most
``H_i`` plus one slot ahead of the clock, every slot still used (some lower-lane caller is always holding the next
``H_i`` of slots), and a request of a higher lane ``j < i`` — which may reserve up to ``H_j > H_i`` ahead — starts at
most ``H_i`` plus one slot (plus the higher-lane requests ahead of it) after it asks. The bound above is untouched:
a refused reservation reserves nothing, so slots still never overlap and are released within ``δ`` of their start.

Reserved shares. A lane with a reserved share ``s`` also has a key of its own (``<key>#lane#<name>``) paced at
``s·MPS``, and the shared key then runs at ``(1 − Σs)·MPS``. Such a lane first tries the shared key under its
horizon; refused, it reserves on its own key (no horizon: nobody else uses it), so a higher lane can delay it but
never starve it. Each key keeps its own bound: a window of ``W`` seconds holds fewer than ``r_k·W + k`` parts of key
``k``'s sends, so fewer than ``MPS·W + K·k`` in all with ``K`` keys (``Σ r_k = MPS``) — at most one more largest
message per key. Single-part traffic with a whole number of parts per second on every key still never exceeds the
MPS in any 1-second window (``⌊r_k⌋`` parts per key, summing to the MPS); with fractional per-key rates a window may
hold up to ``K − 1`` parts more.

Routes: one key per route. A send queue with routes paces each destination country on a key of its own
(``<key>#route#<ISO>``, ``sms_constructs_runtime.routes``) at that route's MPS, and every other destination on the
queue's key at the ``*`` route's MPS. The bound above is per key: each route's sends alone hold fewer than
``r_route·W + k`` parts in any window of ``W`` seconds, whatever the other routes do (each route is an origination
identity of its own, with its own MPS). Lanes work within each route as above (their horizons on the route's key, a
reserved share as a key of its own per route: ``<key>#route#<ISO>#lane#<name>`` at ``s·r_route``). A record on a
lane's queue reserves on its route only within a *park horizon* and otherwise raises :class:`BeyondHorizonError` at
once (``park``): it is moved to the route's parking queue, so a saturated route never keeps an invocation that also
holds other routes' records waiting. A refused reservation reserves nothing, so parking never breaks the bound.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Protocol

#: Sort key of the pacer item in the message store.
PACER_SORT_KEY: Final = "pacer"
#: Attribute holding the theoretical arrival time, in epoch **microseconds** (``tat`` in ms before version 0.2).
TAT_ATTRIBUTE: Final = "tatUs"
#: Microseconds per second: the schedule's unit.
MICROS: Final = 1_000_000
#: A send is released only within this many seconds after its slot starts (``δ``); later, the slot is moved (when it
#: is the last one) or abandoned. Each slot is ``1 + δ`` times as long: the tolerance costs a fraction ``δ`` of the MPS.
DEFAULT_RELEASE_TOLERANCE_SECONDS: Final = 0.02
#: The lead is this many times the last reservation's round trip (a slot reserved on an idle schedule must still be
#: ahead when the answer comes back), within the bounds below.
LEAD_FACTOR: Final = 1.25
#: Bounds of the lead: how far ahead of the caller's clock an idle schedule starts a slot.
MIN_LEAD_SECONDS: Final = 0.005
MAX_LEAD_SECONDS: Final = 0.5
#: Reservations per :meth:`Pacer.acquire` before it gives up (each one abandoned a slot that had passed).
DEFAULT_MAX_RESERVATIONS: Final = 8
#: The shortest sleep between two conditional reservations refused beyond a lane's horizon.
MIN_HORIZON_RETRY_SECONDS: Final = 0.001


@dataclass(frozen=True)
class PacerCounters:
    """What a :class:`Pacer` lost and saved since its counters were last taken.

    :param abandoned_slots: Slots that had passed before the send could be released and could not be moved.
    :param moved_slots: Late slots that were still the last one reserved, moved to the present and used.
    :param contention: :meth:`Pacer.acquire` calls that gave up (the record goes back to the queue).
    :param horizon_refusals: Conditional reservations refused because the next free slot started beyond the lane's
        horizon (a lower lane waiting for a higher one).
    """

    abandoned_slots: int = 0
    moved_slots: int = 0
    contention: int = 0
    horizon_refusals: int = 0


class BeyondHorizonError(Exception):
    """A conditional reservation was refused: the next free slot starts after the caller's latest start.

    :param next_start_us: Where the next free slot starts (the ``tat`` the refused write found), epoch µs.
    """

    def __init__(self, next_start_us: int) -> None:
        super().__init__(f"the next free slot starts at {next_start_us} µs, beyond the horizon")
        self.next_start_us = next_start_us


class PacerContentionError(RuntimeError):
    """No usable send slot could be reserved (every attempt lost a race or came back late); the record goes back to
    the queue."""


class Schedule(Protocol):
    """Where the next free send slot of each key is kept."""

    def reserve(self, key: str, earliest_us: int, cost_us: int, *, latest_start_us: int | None = None) -> int:
        """Reserve ``cost_us`` of send time on ``key``, starting no earlier than ``earliest_us``; return the epoch µs
        at which the slot starts (the end of the last reservation, or ``earliest_us`` if that is later).

        With ``latest_start_us`` (at least ``earliest_us``) the reservation is conditional: when the slot would start
        after it, nothing is reserved and :class:`BeyondHorizonError` names where the next free slot starts."""
        ...

    def release(self, key: str, start_us: int, cost_us: int) -> bool:
        """Give back an unused slot if it is still the last one reserved on ``key``; ``False`` when a later slot was
        reserved meanwhile (the slot then stays unused: the schedule runs a little slow, never fast)."""
        ...

    def move(self, key: str, start_us: int, cost_us: int, new_start_us: int) -> bool:
        """Move a slot that is still the last one reserved on ``key`` to start at ``new_start_us`` (later than
        ``start_us``); ``False`` when a later slot was reserved meanwhile (the slot is then not moved)."""
        ...


class MemorySchedule:
    """A schedule held in memory: exact for one process (tests, benchmarks, single-threaded producers)."""

    def __init__(self) -> None:
        self.tat: dict[str, int] = {}

    def reserve(self, key: str, earliest_us: int, cost_us: int, *, latest_start_us: int | None = None) -> int:
        """See :meth:`Schedule.reserve`."""
        start = max(self.tat.get(key, earliest_us), earliest_us)
        if latest_start_us is not None and start > latest_start_us:
            raise BeyondHorizonError(start)
        self.tat[key] = start + cost_us
        return start

    def release(self, key: str, start_us: int, cost_us: int) -> bool:
        """See :meth:`Schedule.release`."""
        if self.tat.get(key) != start_us + cost_us:
            return False
        self.tat[key] = start_us
        return True

    def move(self, key: str, start_us: int, cost_us: int, new_start_us: int) -> bool:
        """See :meth:`Schedule.move`."""
        if self.tat.get(key) != start_us + cost_us:
            return False
        self.tat[key] = new_start_us + cost_us
        return True


class DynamoDBSchedule:
    """A schedule in a DynamoDB table (partition key ``pk``, sort key ``sk``), shared by every invocation."""

    def __init__(self, client: Any, table_name: str, *, max_tries: int = 5) -> None:
        self._client = client
        self._table = table_name
        self._max_tries = max_tries

    def reserve(self, key: str, earliest_us: int, cost_us: int, *, latest_start_us: int | None = None) -> int:
        """See :meth:`Schedule.reserve`. With ``latest_start_us`` the busy path's condition also requires
        ``tat <= latest``; a refused write returns the item it found (``ReturnValuesOnConditionCheckFailure``), or the
        ``tat`` is read back with one consistent read when the answer does not carry it."""
        item_key = {"pk": {"S": key}, "sk": {"S": PACER_SORT_KEY}}
        names = {"#t": TAT_ATTRIBUTE}
        busy: dict[str, Any] = {
            "ConditionExpression": "#t >= :earliest",
            "ExpressionAttributeValues": {":cost": {"N": str(cost_us)}, ":earliest": {"N": str(earliest_us)}},
        }
        if latest_start_us is not None:
            busy = {
                "ConditionExpression": "#t >= :earliest AND #t <= :latest",
                "ExpressionAttributeValues": {
                    **busy["ExpressionAttributeValues"],
                    ":latest": {"N": str(latest_start_us)},
                },
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        for _ in range(self._max_tries):
            try:  # busy: append after the last reservation
                response = self._client.update_item(
                    TableName=self._table,
                    Key=item_key,
                    UpdateExpression="SET #t = #t + :cost",
                    ExpressionAttributeNames=names,
                    ReturnValues="UPDATED_NEW",
                    **busy,
                )
                return int(response["Attributes"][TAT_ATTRIBUTE]["N"]) - cost_us
            except self._client.exceptions.ConditionalCheckFailedException as refused:
                if latest_start_us is not None:
                    tat = self._tat_found(refused, item_key)
                    if tat is not None and tat > latest_start_us:
                        raise BeyondHorizonError(tat) from None
            try:  # idle: start at the earliest moment the caller can reach
                self._client.update_item(
                    TableName=self._table,
                    Key=item_key,
                    UpdateExpression="SET #t = :tat",
                    ConditionExpression="attribute_not_exists(#t) OR #t < :earliest",
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues={
                        ":tat": {"N": str(earliest_us + cost_us)},
                        ":earliest": {"N": str(earliest_us)},
                    },
                )
                return earliest_us
            except self._client.exceptions.ConditionalCheckFailedException:
                continue  # another invocation made the schedule busy in between
        raise PacerContentionError(f"could not reserve a send slot on {key} in {self._max_tries} tries")

    def _tat_found(self, refused: Any, item_key: dict[str, Any]) -> int | None:
        """The ``tat`` a refused conditional write found: from its answer (``ALL_OLD``), else one consistent read;
        ``None`` when there is no schedule item yet."""
        item = getattr(refused, "response", {}).get("Item")
        if item is None:
            item = self._client.get_item(
                TableName=self._table,
                Key=item_key,
                ConsistentRead=True,
                ProjectionExpression="#t",
                ExpressionAttributeNames={"#t": TAT_ATTRIBUTE},
            ).get("Item")
        value = (item or {}).get(TAT_ATTRIBUTE)
        return int(value["N"]) if value is not None else None

    def release(self, key: str, start_us: int, cost_us: int) -> bool:
        """See :meth:`Schedule.release`: one conditional write (``tat`` back to ``start`` if it is ``start + cost``)."""
        return self._set_if_last(key, start_us + cost_us, start_us)

    def move(self, key: str, start_us: int, cost_us: int, new_start_us: int) -> bool:
        """See :meth:`Schedule.move`: one conditional write (``tat`` to ``new_start + cost`` if it is
        ``start + cost``)."""
        return self._set_if_last(key, start_us + cost_us, new_start_us + cost_us)

    def _set_if_last(self, key: str, end_us: int, tat_us: int) -> bool:
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": key}, "sk": {"S": PACER_SORT_KEY}},
                UpdateExpression="SET #t = :tat",
                ConditionExpression="#t = :end",
                ExpressionAttributeNames={"#t": TAT_ATTRIBUTE},
                ExpressionAttributeValues={":tat": {"N": str(tat_us)}, ":end": {"N": str(end_us)}},
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True


class Pacer:
    """Spends message parts against a shared schedule at ``parts_per_second``.

    :param schedule: Where slots are reserved (:class:`DynamoDBSchedule` in Lambda).
    :param key: The schedule key, one per origination identity.
    :param parts_per_second: The MPS to pace to.
    :param clock: Seconds since the epoch (``time.time``); injected in tests.
    :param sleep: Waits the given seconds (``time.sleep``); injected in tests.
    :param release_tolerance: ``δ``: how late after its slot's start a send may still be released, in seconds
        (default 20 ms, :data:`DEFAULT_RELEASE_TOLERANCE_SECONDS`). Each part's slot is ``(1 + δ)/r`` long, so the
        bound holds for sends released up to ``δ`` late, and the rate under backlog is ``r / (1 + δ)``.
    :param max_reservations: Slots reserved per :meth:`acquire` before it raises :class:`PacerContentionError`
        (default 8).

    The counters (``abandoned_slots``, ``moved_slots``, ``contention``, ``horizon_refusals``) only grow;
    :meth:`take_counters` reads and resets them (the sender publishes them once per invocation).
    """

    def __init__(
        self,
        schedule: Schedule,
        key: str,
        parts_per_second: float,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        release_tolerance: float = DEFAULT_RELEASE_TOLERANCE_SECONDS,
        max_reservations: int = DEFAULT_MAX_RESERVATIONS,
    ) -> None:
        if parts_per_second <= 0:
            raise ValueError(f"parts_per_second must be positive, not {parts_per_second}")
        if not 0 <= release_tolerance < 1:
            raise ValueError(f"release_tolerance must be in [0, 1) seconds, not {release_tolerance}")
        self.schedule = schedule
        self.key = key
        self.parts_per_second = parts_per_second
        self.release_tolerance = release_tolerance
        self.max_reservations = max_reservations
        self._clock = clock
        self._sleep = sleep
        self._lead = MIN_LEAD_SECONDS
        self._refused_at_us: int | None = None
        #: Slots abandoned because they had passed when the send could be released (``PacerSlotsAbandoned``).
        self.abandoned_slots = 0
        #: Late slots that were still the last one reserved, moved to the present and used.
        self.moved_slots = 0
        #: :meth:`acquire` calls that gave up (:class:`PacerContentionError`, ``PacerContention``).
        self.contention = 0
        #: Conditional reservations refused beyond a lane's horizon.
        self.horizon_refusals = 0

    def take_counters(self) -> PacerCounters:
        """The counters since the last call (or since the pacer was built), and reset them to 0."""
        counters = PacerCounters(self.abandoned_slots, self.moved_slots, self.contention, self.horizon_refusals)
        self.abandoned_slots = self.moved_slots = self.contention = self.horizon_refusals = 0
        return counters

    def cost_us(self, parts: int) -> int:
        """Microseconds of schedule ``parts`` occupy: ``parts·(1 + δ)/r``, rounded up (pacing never runs fast)."""
        return math.ceil(parts * MICROS * (1 + self.release_tolerance) / self.parts_per_second)

    def acquire(
        self,
        parts: int,
        *,
        deadline: float | None = None,
        horizon: float | None = None,
        fallback: Pacer | None = None,
        park: bool = False,
    ) -> bool:
        """Wait until ``parts`` may be sent and return ``True`` at the moment the send is released; ``False`` (without
        waiting) when the send would start after ``deadline`` — because its slot starts after it, or because the
        reservation itself took until after it. A slot that is not used (past the deadline, or passed before it could
        be used and not movable) is given back when no later slot was reserved meanwhile, else left unused.

        ``horizon`` (seconds; a lane below the first, :func:`lane_horizon_seconds`): reserve only a slot that starts
        within this long of the clock. When the next free slot starts later, sleep until it is within the horizon and
        try again — or, with a ``fallback`` (the lane's reserved share, its own key), reserve there at once; ``False``
        when the next try would come after ``deadline``. Default: none (any slot, as the first lane).

        ``park`` (with a ``horizon``; a record on a lane's queue of a send queue with routes): never wait for the
        horizon. Refused beyond it, raise :class:`BeyondHorizonError` at once (the caller parks the record on its
        route's parking queue); with a ``fallback``, try the fallback under the same horizon first. Default:
        ``False``.

        Raises :class:`PacerContentionError` when ``max_reservations`` slots in a row had passed before they could
        be used.
        """
        tolerance_us = math.floor(self.release_tolerance * MICROS)
        cost_us = self.cost_us(parts)
        for _ in range(self.max_reservations):
            reserved = self._reserve(cost_us, deadline, horizon, wait=fallback is None and not park)
            if reserved is None:  # refused beyond the horizon
                if fallback is not None:
                    return fallback.acquire(parts, deadline=deadline, horizon=horizon if park else None, park=park)
                if park and self._refused_at_us is not None:
                    raise BeyondHorizonError(self._refused_at_us)
                return False
            start_us, answered = reserved
            start = start_us / MICROS
            if deadline is not None and max(start, answered) > deadline:
                self.schedule.release(self.key, start_us, cost_us)
                return False
            wait = start - answered
            if wait > 0:
                self._sleep(wait)
            woke_us = math.floor(self._clock() * MICROS)
            if woke_us <= start_us + tolerance_us:  # released at most δ after the slot starts
                return True
            # The slot passed (a late reservation or a late wake-up): never send late. If it is still the last slot
            # reserved, move it to the present (one conditional write) and send if the write came back within δ.
            if self.schedule.move(self.key, start_us, cost_us, woke_us):
                if math.floor(self._clock() * MICROS) <= woke_us + tolerance_us and (
                    deadline is None or woke_us / MICROS <= deadline
                ):
                    self.moved_slots += 1
                    return True
                start_us = woke_us  # the moved slot passed too (or is after the deadline): treat it as the slot
            self.abandoned_slots += 1  # give it back if still the last, else it stays a gap; reserve another one
            self.schedule.release(self.key, start_us, cost_us)
        self.contention += 1
        raise PacerContentionError(f"{self.max_reservations} send slots on {self.key} passed before they could be used")

    def _reserve(
        self, cost_us: int, deadline: float | None, horizon: float | None, *, wait: bool
    ) -> tuple[int, float] | None:
        """Reserve a slot (under ``horizon`` when given): ``(start µs, when the answer came back)``, or ``None`` when
        the reservation was refused beyond the horizon and waiting is not allowed or would run past ``deadline``
        (``_refused_at_us``: where the next free slot started, when waiting was not allowed)."""
        self._refused_at_us = None
        while True:
            asked = self._clock()
            earliest_us = math.ceil((asked + self._lead) * MICROS)
            if horizon is None:
                start_us = self.schedule.reserve(self.key, earliest_us, cost_us)
                answered = self._clock()
                self._learn_lead(asked, answered)
                return start_us, answered
            reach = max(horizon, self._lead)  # an idle slot starts a lead ahead: the horizon is never shorter
            try:
                start_us = self.schedule.reserve(
                    self.key,
                    earliest_us,
                    cost_us,
                    latest_start_us=max(earliest_us, math.floor((asked + reach) * MICROS)),
                )
            except BeyondHorizonError as refused:
                answered = self._clock()
                self._learn_lead(asked, answered)
                self.horizon_refusals += 1
                retry_at = refused.next_start_us / MICROS - reach
                if not wait:
                    self._refused_at_us = refused.next_start_us
                    return None
                if deadline is not None and retry_at > deadline:
                    return None
                self._sleep(max(retry_at - answered, MIN_HORIZON_RETRY_SECONDS))
                continue
            answered = self._clock()
            self._learn_lead(asked, answered)
            return start_us, answered

    def _learn_lead(self, asked: float, answered: float) -> None:
        self._lead = min(MAX_LEAD_SECONDS, max(MIN_LEAD_SECONDS, LEAD_FACTOR * (answered - asked)))


def lane_horizon_seconds(rank: int, lanes: int, batch_size: int, pacer: Pacer) -> float | None:
    """How far ahead of its clock a lane may reserve a slot on ``pacer``'s key: ``None`` (no limit) for the first lane
    (``rank`` 0), else ``(lanes − rank)`` batches of single-part slots, ``(L − i)·b·(1 + δ)/r`` seconds. With
    urgent/normal/bulk at batch size 10 and 20 MPS: normal 2 batch slots (1.02 s), bulk 1 (0.51 s)."""
    if not 0 <= rank < lanes:
        raise ValueError(f"rank must be in [0, {lanes}), not {rank}")
    if rank == 0:
        return None
    return (lanes - rank) * pacer.cost_us(max(1, batch_size)) / MICROS
