"""Priority lanes on one pacer: conditional reservations under a lane's horizon, and reserved shares.

Concurrent invocations are threads taking turns on :class:`SimulatedClock` (as in ``test_pacing``): lower-lane
invocations drain a backlog while a first-lane caller asks for a slot every ~2 s; the schedule is a
``MemorySchedule`` behind random latencies, or the real ``DynamoDBSchedule`` on the fake DynamoDB and moto.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws
from sms_constructs_runtime.pacing import (
    MICROS,
    BeyondHorizonError,
    DynamoDBSchedule,
    MemorySchedule,
    Pacer,
    PacerCounters,
    Schedule,
    lane_horizon_seconds,
)

from sms_constructs.simulate.clock import SimulatedClock
from sms_constructs.simulate.fake_aws import FakeDynamoDB

START = 1_767_225_600.0
KEY = "pacer#id"


@dataclass
class Slot:
    key: str
    start_us: int
    cost_us: int
    asked_latest_us: int | None


@dataclass
class LanesRun:
    """What a run of competing lanes did."""

    #: (release time, parts, lane) of every send.
    sends: list[tuple[float, int, str]] = field(default_factory=list)
    #: Seconds each first-lane request waited from asking to its release.
    urgent_waits: list[float] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)
    refusals: int = 0


class RecordingSchedule:
    """Records every slot handed out (and what latest start was asked for); slots given back or moved follow."""

    def __init__(self, inner: Schedule, run: LanesRun) -> None:
        self.inner = inner
        self.run = run

    def reserve(self, key: str, earliest_us: int, cost_us: int, *, latest_start_us: int | None = None) -> int:
        try:
            start = self.inner.reserve(key, earliest_us, cost_us, latest_start_us=latest_start_us)
        except BeyondHorizonError:
            self.run.refusals += 1
            raise
        self.run.slots.append(Slot(key, start, cost_us, latest_start_us))
        return start

    def _drop(self, key: str, start_us: int, cost_us: int) -> Slot:
        slot = next(s for s in self.run.slots if (s.key, s.start_us, s.cost_us) == (key, start_us, cost_us))
        self.run.slots.remove(slot)
        return slot

    def release(self, key: str, start_us: int, cost_us: int) -> bool:
        released = self.inner.release(key, start_us, cost_us)
        if released:
            self._drop(key, start_us, cost_us)
        return released

    def move(self, key: str, start_us: int, cost_us: int, new_start_us: int) -> bool:
        moved = self.inner.move(key, start_us, cost_us, new_start_us)
        if moved:
            self._drop(key, start_us, cost_us)
            self.run.slots.append(Slot(key, new_start_us, cost_us, None))
        return moved


class LatentSchedule:
    """Each call of ``inner`` lands after a random part of its latency and answers after the rest."""

    def __init__(self, inner: Schedule, sleep: Callable[[float], None], latency: Callable[[], float]) -> None:
        self.inner, self._sleep, self._latency = inner, sleep, latency

    def _around(self, call: Callable[[], Any]) -> Any:
        total = self._latency()
        landing = total * random.Random(int(total * 1e9)).random()
        self._sleep(landing)
        try:
            return call()
        finally:
            self._sleep(total - landing)

    def reserve(self, key: str, earliest_us: int, cost_us: int, *, latest_start_us: int | None = None) -> int:
        return int(self._around(lambda: self.inner.reserve(key, earliest_us, cost_us, latest_start_us=latest_start_us)))

    def release(self, key: str, start_us: int, cost_us: int) -> bool:
        return bool(self._around(lambda: self.inner.release(key, start_us, cost_us)))

    def move(self, key: str, start_us: int, cost_us: int, new_start_us: int) -> bool:
        return bool(self._around(lambda: self.inner.move(key, start_us, cost_us, new_start_us)))


def compete(
    *,
    mps: float = 20,
    lanes: int = 2,
    bulk_rank: int = 1,
    bulk_invocations: int = 30,
    batch_size: int = 10,
    horizon: bool = True,
    share: float | None = None,
    seconds: float = 20,
    urgent_every: float = 2.0,
    urgent_parts: int = 1,
    bulk_parts: Callable[[], int] = lambda: 1,
    db_latency: Callable[[], float] = lambda: 0.0,
    api_latency: Callable[[], float] = lambda: 0.05,
    seed: int = 7,
    dynamodb: bool = False,
) -> LanesRun:
    """``bulk_invocations`` invocations of lane ``bulk_rank`` drain a backlog for ``seconds`` while one first-lane
    caller asks for a slot every ``urgent_every`` seconds (±20 %). ``horizon=False``: the lower lane reserves any slot
    (the pacer without lanes). ``share``: the lower lane's reserved share (its own key)."""
    rng = random.Random(seed)
    clock = SimulatedClock(START)
    run = LanesRun()
    inner: Schedule = DynamoDBSchedule(FakeDynamoDB(clock.sleep), "store") if dynamodb else MemorySchedule()
    schedule = RecordingSchedule(LatentSchedule(inner, clock.sleep, db_latency), run)
    shared_rate = mps * (1 - (share or 0))
    ends = START + seconds

    def pacer(key: str, rate: float) -> Pacer:
        return Pacer(schedule, key, rate, clock=clock.now, sleep=clock.sleep)

    def bulk() -> None:
        shared = pacer(KEY, shared_rate)
        own = pacer(f"{KEY}#lane#bulk", mps * share) if share else None
        lane_horizon = lane_horizon_seconds(bulk_rank, lanes, batch_size, shared) if horizon else None
        while clock.now() < ends:
            parts = bulk_parts()
            if shared.acquire(parts, deadline=clock.now() + 60, horizon=lane_horizon, fallback=own):
                run.sends.append((clock.now(), parts, "bulk"))
            clock.sleep(api_latency())

    def urgent() -> None:
        shared = pacer(KEY, shared_rate)
        clock.sleep(1.0)
        while clock.now() < ends - 1:
            asked = clock.now()
            assert shared.acquire(urgent_parts, deadline=asked + 60)
            run.urgent_waits.append(clock.now() - asked)
            run.sends.append((clock.now(), urgent_parts, "urgent"))
            clock.sleep(api_latency())
            clock.sleep(urgent_every * rng.uniform(0.8, 1.2))

    for n in range(bulk_invocations):
        clock.spawn(f"bulk-{n}", bulk, delay=n * 0.001)
    clock.spawn("urgent", urgent)
    clock.run()
    run.sends.sort()
    return run


def slot_seconds(parts: int, rate: float) -> float:
    return Pacer(MemorySchedule(), "k", rate).cost_us(parts) / MICROS


def windows(sends: list[tuple[float, int, str]]) -> list[tuple[int, int]]:
    """(parts, largest send's parts) of every window [t, t + 1) starting at a send."""
    out = []
    for i, (start, _, _) in enumerate(sends):
        inside = [p for t, p, _ in sends[i:] if t < start + 1]
        out.append((sum(inside), max(inside)))
    return out


def assert_no_overlap(run: LanesRun) -> None:
    for key, group in itertools.groupby(sorted(run.slots, key=lambda s: (s.key, s.start_us)), key=lambda s: s.key):
        ordered = list(group)
        for a, b in itertools.pairwise(ordered):
            assert a.start_us + a.cost_us <= b.start_us, key


# -- the conditional reservation ------------------------------------------------------------------------------------


def test_a_conditional_reservation_beyond_the_latest_start_reserves_nothing_and_names_the_next_slot() -> None:
    schedule = MemorySchedule()
    assert schedule.reserve("k", 1000, 500) == 1000
    with pytest.raises(BeyondHorizonError) as refused:
        schedule.reserve("k", 1000, 500, latest_start_us=1499)
    assert refused.value.next_start_us == 1500
    assert schedule.tat["k"] == 1500  # nothing reserved
    assert schedule.reserve("k", 1000, 500, latest_start_us=1500) == 1500  # within: the busy path
    assert schedule.reserve("k", 9000, 500, latest_start_us=9000) == 9000  # idle: starts at the earliest


@pytest.mark.parametrize("backend", ["fake", "moto", "moto-without-old-item"])
def test_dynamodb_schedule_refuses_like_the_memory_schedule(backend: str) -> None:
    """The busy path's condition ``tat <= latest``; a refusal learns ``tat`` from the answer (``ALL_OLD``) or, when the
    answer does not carry it, from one consistent read."""
    calls: list[tuple[int, int, int | None]] = [(1000, 500, None), (1000, 500, 1400), (1000, 500, 1500), (900, 1, 1999)]
    memory = MemorySchedule()

    def outcomes(schedule: Schedule) -> list[int | str]:
        results: list[int | str] = []
        for earliest, cost, latest in calls:
            try:
                results.append(schedule.reserve("pacer#a", earliest, cost, latest_start_us=latest))
            except BeyondHorizonError as refused:
                results.append(f"refused at {refused.next_start_us}")
        return results

    expected = outcomes(memory)
    assert expected == [1000, "refused at 1500", 1500, "refused at 2000"]
    if backend == "fake":
        assert outcomes(DynamoDBSchedule(FakeDynamoDB(), "store")) == expected
        return
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="store",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        reads: list[dict[str, Any]] = []
        candidate: Any = client
        if backend == "moto-without-old-item":

            class WithoutOldItem:
                exceptions = client.exceptions

                def update_item(self, **params: Any) -> Any:
                    try:
                        return client.update_item(**params)
                    except client.exceptions.ConditionalCheckFailedException as error:
                        error.response.pop("Item", None)
                        raise

                def get_item(self, **params: Any) -> Any:
                    reads.append(params)
                    return client.get_item(**params)

            candidate = WithoutOldItem()
        assert outcomes(DynamoDBSchedule(candidate, "store")) == expected
        assert len(reads) == (2 if backend == "moto-without-old-item" else 0)
        assert all(r["ConsistentRead"] for r in reads)


def test_lane_horizons_follow_the_rank_the_batch_size_and_the_rate() -> None:
    shared = Pacer(MemorySchedule(), "k", 20)
    assert lane_horizon_seconds(0, 3, 10, shared) is None
    assert lane_horizon_seconds(1, 3, 10, shared) == pytest.approx(2 * 10 * 1.02 / 20)  # normal: 2 batch slots
    assert lane_horizon_seconds(2, 3, 10, shared) == pytest.approx(10 * 1.02 / 20)  # bulk: 1
    with pytest.raises(ValueError, match="rank"):
        lane_horizon_seconds(3, 3, 10, shared)


def test_a_refused_lane_sleeps_until_the_slot_is_within_its_horizon_then_reserves() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    schedule = MemorySchedule()
    schedule.tat["k"] = round(103.0 * MICROS)  # the first lane holds the next 3 s
    pacer = Pacer(schedule, "k", 10, clock=lambda: now[0], sleep=sleep, release_tolerance=0)
    assert pacer.acquire(1, horizon=0.5)
    assert slept == pytest.approx([2.5, 0.5])  # until tat - horizon, then until the slot
    assert now[0] == pytest.approx(103.0)
    assert pacer.take_counters() == PacerCounters(horizon_refusals=1)


def test_a_refused_lane_gives_up_at_its_deadline_without_waiting() -> None:
    now = [100.0]
    schedule = MemorySchedule()
    schedule.tat["k"] = round(130.0 * MICROS)
    pacer = Pacer(schedule, "k", 10, clock=lambda: now[0], sleep=lambda s: pytest.fail(f"slept {s}"))
    assert not pacer.acquire(1, horizon=0.5, deadline=120.0)  # the retry would come at 129.5
    assert schedule.tat["k"] == round(130.0 * MICROS)


def test_a_refused_lane_with_a_reserved_share_takes_its_own_key_at_once() -> None:
    now = [100.0]
    schedule = MemorySchedule()
    schedule.tat["k"] = round(130.0 * MICROS)
    own = Pacer(schedule, "k#lane#bulk", 5, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    pacer = Pacer(schedule, "k", 15, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    assert pacer.acquire(1, horizon=0.5, fallback=own)
    assert now[0] < 100.01  # not 29.5 s later
    assert schedule.tat["k"] == round(130.0 * MICROS)
    assert schedule.tat["k#lane#bulk"] == round(now[0] * MICROS) + own.cost_us(1)


# -- lanes competing ------------------------------------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(
    mps=st.sampled_from([5, 20, 50]),
    lanes=st.integers(2, 4),
    invocations=st.integers(1, 40),
    db=st.floats(0.0, 0.05),
    seed=st.integers(0, 2**32),
)
def test_a_lower_lane_never_reserves_a_slot_beyond_its_horizon(
    mps: int, lanes: int, invocations: int, db: float, seed: int
) -> None:
    rng = random.Random(seed)
    rank = rng.randrange(1, lanes)
    run = compete(
        mps=mps,
        lanes=lanes,
        bulk_rank=rank,
        bulk_invocations=invocations,
        seconds=6,
        db_latency=lambda: db * rng.random(),
        seed=seed,
    )
    conditional = [s for s in run.slots if s.key == KEY and s.asked_latest_us is not None]
    assert conditional  # the lower lane did reserve
    assert all(s.start_us <= s.asked_latest_us for s in conditional if s.asked_latest_us is not None)
    assert_no_overlap(run)
    for parts, largest in windows(run.sends):  # the bound of every key, lanes or not
        assert parts <= mps - 1 + largest


def test_the_first_lane_waits_at_most_the_lower_lanes_horizon_plus_one_slot() -> None:
    """30 bulk invocations keep a backlog at 20 MPS (batch 10: horizon 0.51 s); an urgent request every ~2 s starts
    within the horizon plus one slot (plus the lead), and bulk still fills what urgent leaves."""
    run = compete(horizon=True)
    bound = slot_seconds(10, 20) + slot_seconds(1, 20) + 0.01
    assert len(run.urgent_waits) >= 8
    assert max(run.urgent_waits) <= bound, (max(run.urgent_waits), bound)
    sent = sum(p for t, p, _ in run.sends if START + 1 <= t < START + 19)
    assert sent >= 0.95 * 18 * 20 / 1.02  # every slot used: the rate under backlog is r / (1 + δ)
    assert run.refusals > 0


def test_the_wait_check_fails_without_the_horizon() -> None:
    """The same run with the lower lane reserving any slot (a pacer without lanes): urgent waits behind up to 30 bulk
    slots, so the check above would fail."""
    run = compete(horizon=False)
    bound = slot_seconds(10, 20) + slot_seconds(1, 20) + 0.01
    assert max(run.urgent_waits) > 2 * bound


def test_lanes_on_the_dynamodb_schedule_keep_the_wait_and_the_bound() -> None:
    rng = random.Random(3)
    run = compete(dynamodb=True, bulk_invocations=12, seconds=10, db_latency=lambda: rng.uniform(0.002, 0.02))
    horizon = slot_seconds(10, 20)
    assert max(run.urgent_waits) <= horizon + slot_seconds(1, 20) + 1.25 * 0.04 + 0.01  # + the lead of a slow answer
    assert_no_overlap(run)
    for parts, largest in windows(run.sends):
        assert parts <= 20 - 1 + largest


# -- reserved shares ------------------------------------------------------------------------------------------------


def test_a_reserved_share_keeps_the_lower_lane_sending_under_a_first_lane_backlog() -> None:
    """The first lane saturates the shared key (15 of 20 MPS with bulk's 0.25 share: its 16 invocations hold more
    than bulk's 0.68 s horizon of slots); bulk, refused on it, still sends at its own key's 5 MPS, and no 1-second
    window exceeds the MPS (whole rates per key)."""
    clock = SimulatedClock(START)
    run = LanesRun()
    schedule = RecordingSchedule(MemorySchedule(), run)
    ends = START + 20

    def invocation(lane: str) -> None:
        shared = Pacer(schedule, KEY, 15, clock=clock.now, sleep=clock.sleep)
        own = Pacer(schedule, f"{KEY}#lane#bulk", 5, clock=clock.now, sleep=clock.sleep)
        horizon = lane_horizon_seconds(1, 2, 10, shared) if lane == "bulk" else None
        while clock.now() < ends:
            if shared.acquire(1, deadline=clock.now() + 60, horizon=horizon, fallback=own if lane == "bulk" else None):
                run.sends.append((clock.now(), 1, lane))
            clock.sleep(0.05)

    for n in range(16):
        clock.spawn(f"urgent-{n}", lambda: invocation("urgent"), delay=n * 0.001)
    for n in range(8):
        clock.spawn(f"bulk-{n}", lambda: invocation("bulk"), delay=n * 0.001 + 0.0005)
    clock.run()
    run.sends.sort()
    steady = [(t, p, lane) for t, p, lane in run.sends if START + 2 <= t < START + 18]
    bulk_rate = sum(p for _, p, lane in steady if lane == "bulk") / 16
    urgent_rate = sum(p for _, p, lane in steady if lane == "urgent") / 16
    assert bulk_rate >= 0.95 * 5 / 1.02
    assert urgent_rate >= 0.95 * 15 / 1.02
    assert max(parts for parts, _ in windows(run.sends)) <= 20
    assert_no_overlap(run)


@settings(max_examples=10, deadline=None)
@given(share=st.sampled_from([0.1, 0.25, 0.33]), seed=st.integers(0, 2**32))
def test_with_reserved_shares_a_window_holds_at_most_one_more_largest_message_per_key(share: float, seed: int) -> None:
    """Multipart bulk on two keys: each key keeps its own bound, so a window holds fewer than ``MPS + 2·k`` parts
    (``k`` its largest message), and at most the MPS plus one part per key for single-part traffic."""
    rng = random.Random(seed)
    run = compete(
        mps=20, share=share, seconds=8, bulk_invocations=10, bulk_parts=lambda: rng.choice([1, 1, 2, 3]), seed=seed
    )
    keys = {s.key for s in run.slots}
    assert keys == {KEY, f"{KEY}#lane#bulk"}  # both keys were used
    for parts, largest in windows(run.sends):
        assert parts < 20 + 2 * largest
    assert_no_overlap(run)
    single = compete(mps=20, share=share, seconds=8, bulk_invocations=10, seed=seed)
    fractional = not math.isclose(20 * share, round(20 * share))
    assert max(parts for parts, _ in windows(single.sends)) <= 20 + (1 if fractional else 0)
