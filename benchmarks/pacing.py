"""Pacing accuracy and throughput of the shared send-slot schedule, and message-part counting speed.

Pacing runs on a simulated clock (no sleeping): N concurrent sender invocations drain a backlog, each reserving a slot,
waiting for it, then spending ``latency`` seconds in the API call. Reported per scenario:

- achieved rate (parts/s over the run) against the MPS;
- the most parts started in any 1-second window (the bound: < MPS + the largest message's parts).

Part counting is timed on real bodies (GSM-7, GSM-7 with escapes, UCS-2 with emoji).

Run: ``.venv/bin/python benchmarks/pacing.py`` (add ``--repeat 7`` for more samples).
"""

from __future__ import annotations

import argparse
import heapq
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "lambda"))

from sms_constructs_runtime.pacing import MemorySchedule, Pacer
from sms_constructs_runtime.parts import count_parts


def simulate(mps: float, invocations: int, parts: list[int], latency: float) -> tuple[float, int]:
    schedule = MemorySchedule()
    pacer = Pacer(schedule, "pacer#bench", mps)
    ready = [(i * 0.001, i) for i in range(invocations)]
    heapq.heapify(ready)
    sends: list[tuple[int, int]] = []  # (start in epoch ms, parts): integer milliseconds, as the schedule keeps them
    for k in parts:
        free_at, worker = heapq.heappop(ready)
        start_ms = schedule.reserve(pacer.key, int(free_at * 1000), pacer.cost_ms(k))
        sends.append((start_ms, k))
        heapq.heappush(ready, (start_ms / 1000 + latency, worker))
    sends.sort()
    duration = (sends[-1][0] - sends[0][0]) / 1000 + sends[-1][1] / mps
    rate = sum(k for _, k in sends) / duration
    worst = 0
    j = 0
    window = 0
    for i, (start, _) in enumerate(sends):  # sliding half-open 1-second windows starting at each send
        while j < len(sends) and sends[j][0] < start + 1000:
            window += sends[j][1]
            j += 1
        worst = max(worst, window)
        window -= sends[i][1]
    return rate, worst


def pacing_table() -> None:
    rng = random.Random(7)
    print("| MPS | invocations | latency | messages (parts) | achieved parts/s | max parts in any 1 s |")
    print("|---|---|---|---|---|---|")
    for mps, invocations, latency, mix in [
        (1, 2, 0.2, "1"),
        (3, 2, 0.2, "1"),
        (3, 2, 0.2, "1-10"),
        (10, 5, 0.25, "1"),
        (20, 10, 0.3, "1-3"),
        (100, 50, 0.3, "1"),
        (100, 50, 0.3, "1-10"),
        (100, 10, 0.3, "1"),
    ]:
        count = int(mps * 120)
        parts = [1] * count if mix == "1" else [rng.randint(1, int(mix.split("-")[1])) for _ in range(count)]
        rate, worst = simulate(mps, invocations, parts, latency)
        print(f"| {mps} | {invocations} | {latency} s | {count} ({mix}) | {rate:.2f} | {worst} |")


def parts_table(repeat: int) -> None:
    bodies = {
        "GSM-7, 160 chars": "a" * 160,
        "GSM-7 with escapes, 600 chars": ("Price: 5€ [promo] {code} ~ " * 23)[:600],
        "UCS-2 with emoji, 300 chars": ("Olá 😀 " * 50)[:300],
        "GSM-7, 1530 chars": "b" * 1530,
    }
    print("| body | parts | median µs per count |")
    print("|---|---|---|")
    for name, body in bodies.items():
        loops = 2000
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            for _ in range(loops):
                count_parts(body)
            samples.append((time.perf_counter() - started) / loops * 1e6)
        print(f"| {name} | {count_parts(body).parts} | {statistics.median(samples):.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    pacing_table()
    print()
    parts_table(args.repeat)


if __name__ == "__main__":
    main()
