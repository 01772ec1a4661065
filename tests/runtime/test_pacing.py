"""The shared pacer with an injected clock: the MPS bound across concurrent invocations, and reaching it."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws
from sms_constructs_runtime.pacing import DynamoDBSchedule, MemorySchedule, Pacer, Schedule


def simulate(
    schedule: Schedule, *, mps: float, invocations: int, messages: list[int], latency: float
) -> list[tuple[float, int]]:
    """``invocations`` concurrent senders drain ``messages`` (parts each): reserve, wait, send, take ``latency``.

    A discrete-event simulation on one virtual clock; returns (send time, parts) of every send.
    """
    now = [1_000.0]
    pacer = Pacer(schedule, "pacer#id", mps, clock=lambda: now[0], sleep=lambda _: None)
    backlog = list(messages)
    sends: list[tuple[float, int]] = []
    ready = [(now[0] + i * 0.001, i) for i in range(invocations)]  # (time the invocation is free, id)
    heapq.heapify(ready)
    while backlog:
        free_at, worker = heapq.heappop(ready)
        now[0] = free_at
        parts = backlog.pop(0)
        start_ms = schedule.reserve(pacer.key, int(now[0] * 1000), pacer.cost_ms(parts))
        sends.append((start_ms / 1000, parts))
        heapq.heappush(ready, (start_ms / 1000 + latency, worker))
    return sorted(sends)


def windows(sends: list[tuple[float, int]], width: float) -> Iterator[int]:
    """Parts sent in every half-open window [t, t + width) that starts at a send."""
    for i, (start, _) in enumerate(sends):  # compared in integer ms, as the schedule keeps times
        yield sum(p for t, p in sends[i:] if round(t * 1000) < round((start + width) * 1000))


@settings(max_examples=60, deadline=None)
@given(
    mps=st.sampled_from([1, 3, 10, 20, 100]),
    invocations=st.integers(min_value=2, max_value=60),
    messages=st.lists(st.integers(min_value=1, max_value=10), min_size=1, max_size=150),
    latency=st.floats(min_value=0.01, max_value=0.5),
)
def test_combined_rate_never_exceeds_the_mps(mps: int, invocations: int, messages: list[int], latency: float) -> None:
    sends = simulate(MemorySchedule(), mps=mps, invocations=invocations, messages=messages, latency=latency)
    largest = max(messages)
    for parts_in_window in windows(sends, 1.0):
        assert parts_in_window < mps + largest  # < r·T plus the last message's parts
    if all(m == 1 for m in messages):
        assert max(windows(sends, 1.0)) <= mps  # single-part traffic: never above the MPS in any second


@pytest.mark.parametrize(("mps", "invocations", "latency"), [(1, 2, 0.2), (3, 2, 0.2), (10, 5, 0.25), (100, 50, 0.3)])
def test_reaches_the_mps_under_backlog(mps: int, invocations: int, latency: float) -> None:
    messages = [1] * (mps * 60)
    sends = simulate(MemorySchedule(), mps=mps, invocations=invocations, messages=messages, latency=latency)
    duration = sends[-1][0] - sends[0][0]
    rate = (len(sends) - 1) / duration
    assert rate == pytest.approx(mps, rel=0.01)


def test_too_few_invocations_for_the_latency_cannot_reach_it() -> None:
    """The sizing rule matters: 2 invocations at 0.5 s per send top out at 4 sends/s, under an MPS of 10."""
    sends = simulate(MemorySchedule(), mps=10, invocations=2, messages=[1] * 200, latency=0.5)
    rate = (len(sends) - 1) / (sends[-1][0] - sends[0][0])
    assert rate == pytest.approx(4, rel=0.02)


def test_acquire_sleeps_until_the_slot_and_respects_the_deadline() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(MemorySchedule(), "k", 2, clock=lambda: now[0], sleep=sleep)
    assert pacer.acquire(1)  # idle: immediately
    assert pacer.acquire(3)  # waits 0.5 s for the first part's slot
    assert not pacer.acquire(1, deadline=now[0] + 1.0)  # next slot is 1.5 s away
    assert slept == [0.5]
    assert pacer.cost_ms(1) == 500
    assert Pacer(MemorySchedule(), "k", 3).cost_ms(1) == 334  # rounded up: never fast


def test_acquire_refuses_a_slot_when_the_reservation_itself_ran_past_the_deadline() -> None:
    """A slow reservation (a DynamoDB brown-out) returns a slot that started in the past: no wait, but the send would
    begin after the deadline, when the invocation may be killed between the send and its idempotency record."""
    now = [100.0]

    class SlowSchedule(MemorySchedule):
        def reserve(self, key: str, now_ms: int, cost_ms: int) -> int:
            start = super().reserve(key, now_ms, cost_ms)
            now[0] += 20.0  # the conditional writes took 20 s
            return start

    slept: list[float] = []
    pacer = Pacer(SlowSchedule(), "k", 2, clock=lambda: now[0], sleep=slept.append)
    assert not pacer.acquire(1, deadline=110.0)
    assert pacer.acquire(1, deadline=200.0)
    assert slept == []


def test_fails_on_non_positive_rate() -> None:
    with pytest.raises(ValueError, match="positive"):
        Pacer(MemorySchedule(), "k", 0)


def test_dynamodb_schedule_matches_the_memory_schedule() -> None:
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
        shared = DynamoDBSchedule(client, "store")
        memory = MemorySchedule()
        calls = [(1000, 500), (1000, 500), (1100, 1000), (5000, 500), (5001, 333), (9000, 1)]
        assert [shared.reserve("pacer#a", n, c) for n, c in calls] == [
            memory.reserve("pacer#a", n, c) for n, c in calls
        ]
        assert shared.reserve("pacer#b", 1000, 500) == 1000  # keys are independent
        sends = simulate(shared, mps=3, invocations=4, messages=[1, 2, 1, 3, 1, 1], latency=0.1)
        gaps = [round(b[0] - a[0], 3) for a, b in itertools.pairwise(sends)]
        assert gaps == [round(-(-p * 1000 // 3) / 1000, 3) for _, p in sends[:-1]]  # each send's ceil(parts/3 s)
