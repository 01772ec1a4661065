"""Priority lanes with the real sender in real processes: an urgent request's time to ``SendTextMessage`` under a bulk
backlog at the full MPS, and the share of the budget bulk still uses.

Runs the simulator's real-process mode (``sms_constructs.simulate.processes``) with two lanes, ``urgent`` and ``bulk``:
one SQS queue and one pool of worker processes per lane, each worker running ``sender.handler.main`` through botocore
(DynamoDB and SQS on moto's server, the SMS API as an HTTP fake that records when each call arrived). A backlog of
single-part requests (MPS × seconds) is queued on bulk; while it drains, an urgent request is put on the urgent queue
every ~2 s (±50 %). Per repeat:

- urgent: seconds from ``send_message`` on the urgent queue to the ``SendTextMessage`` call reaching the SMS API, p50,
  p99 and max (target: p99 at most one batch's pacing slot, ``batch × (1 + δ) / MPS``, plus 2 s);
- bulk: its parts ÷ the budget urgent left it (the MPS over the drain, minus urgent's parts; target ≥ 0.95);
- the most parts in any 1-second window of the pacer's releases (bound: the MPS for single-part traffic; the target:
  no window over it) and at the SMS API (reported: a worker that loses the CPU between its release and its HTTP
  request can land a send in the next window there, as ``tests/simulate/test_processes.py`` explains);
- lost and duplicated requests.

Medians over the repeats (lost and duplicates summed). Run: ``.venv/bin/python benchmarks/lanes.py`` (20 MPS, 40 s of
backlog, 5 bulk and 2 urgent workers, 3 repeats; ``--quick``: 1 repeat of 12 s). Writes
``benchmarks/results/lanes.json`` (with every urgent request's time to send, per run) and the plot
``docs/images/lanes_urgent_time_to_send.png``; ``--plot-only`` redraws it from the stored results without running
anything.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import IMAGES, REPO, RESULTS, pyplot, write_result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mps", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--bulk-processes", type=int, default=5)
    parser.add_argument("--urgent-processes", type=int, default=2)
    parser.add_argument("--urgent-every", type=float, default=2.0)
    parser.add_argument("--jitter-ms", type=float, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--plot-only", action="store_true", help="redraw the plot from the stored results; run nothing")
    args = parser.parse_args()
    if args.plot_only:
        stored = json.loads((RESULTS / "lanes.json").read_text(encoding="utf-8"))
        print(f"Plot: {plot(stored['figures']).relative_to(REPO)}")
        return 0
    if args.quick:
        args.seconds, args.repeats = 12, 1

    from sms_constructs.simulate.processes import ProcessOptions, report, run_processes  # noqa: PLC0415
    from sms_constructs.simulate.run import SimulationOptions, deploy  # noqa: PLC0415

    processes = args.bulk_processes + args.urgent_processes
    deployment = deploy(SimulationOptions(mps=args.mps, concurrency=processes))
    runs: list[dict[str, Any]] = []
    for repeat in range(args.repeats):
        options = ProcessOptions(
            processes=processes,
            mps=args.mps,
            seconds=args.seconds,
            jitter_ms=args.jitter_ms,
            seed=7 + repeat,
            min_rate=0,
            lanes=("urgent", "bulk"),
            lane_processes=(args.urgent_processes, args.bulk_processes),
            urgent_every=args.urgent_every,
        )
        result = run_processes(options, deployment=deployment)
        tolerance = result.settings.release_tolerance_seconds
        slot = deployment.batch_size * (1 + tolerance) / args.mps
        waits = result.times_to_send()
        ordered = sorted(waits)
        run = {
            "urgent_requests": len(waits),
            "urgent_p50_seconds": round(ordered[len(ordered) // 2], 3) if ordered else None,
            "urgent_p99_seconds": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 3)
            if ordered
            else None,
            "urgent_max_seconds": round(max(waits), 3) if waits else None,
            "urgent_seconds": [round(wait, 3) for wait in waits],
            "bulk_share_of_budget_left": round(result.lower_lane_share(), 4),
            "rate": round(result.rate(), 4),
            "busiest_second": result.busiest_second(),
            "windows_over_bound": result.over_the_bound(),
            "busiest_release_second": result.busiest_second(result.releases),
            "release_windows_over_bound": result.over_the_bound(result.releases),
            "lost": result.lost,
            "duplicates": result.duplicates,
            "metrics": dict(result.metrics),
            "metrics_by_cause": dict(result.metrics_by_cause),
        }
        runs.append(run)
        print(report(result), flush=True)
        print(f"repeat {repeat + 1}: {run}", flush=True)
    slot = deployment.batch_size * (1 + deployment.sender.release_tolerance_seconds) / args.mps
    target = slot + 2
    figures = {
        "mps": args.mps,
        "seconds": args.seconds,
        "repeats": args.repeats,
        "batch_size": deployment.batch_size,
        "bulk_processes": args.bulk_processes,
        "urgent_processes": args.urgent_processes,
        "urgent_every_seconds": args.urgent_every,
        "jitter_ms": args.jitter_ms,
        "urgent_p99_target_seconds": round(target, 3),
        "median_urgent_p50_seconds": statistics.median(r["urgent_p50_seconds"] or 0 for r in runs),
        "median_urgent_p99_seconds": statistics.median(r["urgent_p99_seconds"] or 0 for r in runs),
        "median_urgent_max_seconds": statistics.median(r["urgent_max_seconds"] or 0 for r in runs),
        "median_bulk_share_of_budget_left": statistics.median(r["bulk_share_of_budget_left"] for r in runs),
        "median_busiest_second": statistics.median(r["busiest_second"] for r in runs),
        "windows_over_bound": sum(r["windows_over_bound"] for r in runs),
        "median_busiest_release_second": statistics.median(r["busiest_release_second"] for r in runs),
        "release_windows_over_bound": sum(r["release_windows_over_bound"] for r in runs),
        "lost": sum(r["lost"] for r in runs),
        "duplicates": sum(r["duplicates"] for r in runs),
        "runs": runs,
    }
    path = write_result("lanes", figures)
    print(f"written {path}; plot {plot(figures).relative_to(REPO)}")
    met = (
        figures["median_urgent_p99_seconds"] <= target
        and figures["median_bulk_share_of_budget_left"] >= 0.95
        and figures["release_windows_over_bound"] == 0
        and figures["lost"] == 0
        and figures["duplicates"] == 0
    )
    print(
        f"urgent enqueue to SendTextMessage: p50 {figures['median_urgent_p50_seconds']:.3f} s, p99 "
        f"{figures['median_urgent_p99_seconds']:.3f} s (target {target:.2f} s: one batch's slot {slot:.2f} s + 2 s); "
        f"bulk {figures['median_bulk_share_of_budget_left']:.3f} of the budget urgent left (target 0.95); busiest "
        f"1-second window of the releases {figures['median_busiest_release_second']:g} parts (bound {args.mps:g}), "
        f"{figures['release_windows_over_bound']} windows over it; at the SMS API "
        f"{figures['median_busiest_second']:g} parts, {figures['windows_over_bound']} windows over; "
        f"{figures['lost']} lost, "
        f"{figures['duplicates']} sent twice: {'targets met' if met else 'TARGETS MISSED'}"
    )
    return 0 if met else 1


def plot(figures: dict[str, Any]) -> Path:
    """Urgent time to send, p50 and p99 of each run against the target line (and every urgent request, when the
    results hold them: results written before they were recorded have only the percentiles)."""
    plt = pyplot()
    plt.rcParams.update({"font.size": 13})
    runs = figures["runs"]
    target = figures["urgent_p99_target_seconds"]
    slot = target - 2
    numbers = range(1, len(runs) + 1)
    figure, ax = plt.subplots(figsize=(9, 5))
    requests = [(n, wait) for n, run in zip(numbers, runs, strict=True) for wait in run.get("urgent_seconds", [])]
    if requests:
        ax.scatter(
            [n - 0.2 for n, _ in requests],
            [wait for _, wait in requests],
            s=14,
            color="grey",
            alpha=0.5,
            label="each urgent request",
        )
    for key, offset, marker, colour, label in (
        ("urgent_p50_seconds", -0.08, "o", "#1f77b4", "p50"),
        ("urgent_p99_seconds", 0.08, "D", "#d62728", "p99"),
    ):
        xs, ys = [n + offset for n in numbers], [r[key] for r in runs]
        ax.plot(xs, ys, marker, markersize=10, color=colour, label=label)
        for x, y in zip(xs, ys, strict=True):
            ax.annotate(f"{y:.2f}", (x, y), textcoords="offset points", xytext=(0, 9), ha="center", fontsize=11)
    ax.axhline(target, color="black", linewidth=1.5, label=f"target for the p99: {target:.2f} s")
    ax.axhline(slot, color="black", linewidth=1, linestyle=":", label=f"one batch's pacing slot: {slot:.2f} s")
    ax.set_xticks(
        list(numbers), labels=[f"run {n}\n({r['urgent_requests']} urgent)" for n, r in zip(numbers, runs, strict=True)]
    )
    ax.set_xlim(0.4, len(runs) + 0.6)
    ax.set_ylim(0, target * 1.15)
    ax.set_ylabel("enqueue → SendTextMessage (s)")
    ax.set_title(f"Urgent lane behind a bulk backlog at the full {figures['mps']:g} MPS", fontsize=13)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="center right")
    figure.tight_layout()
    path = IMAGES / "lanes_urgent_time_to_send.png"
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


if __name__ == "__main__":
    sys.exit(main())
