"""Pacing with the real sender entry point in real processes: achieved parts/s ÷ MPS and the busiest 1-second window.

Runs the simulator's real-process mode (``sms_constructs.simulate.processes``): ``sender.handler.main`` in N worker
processes through botocore, DynamoDB and SQS on moto's server, the SMS API as an HTTP fake that records when each call
arrived; every wake-up of a worker comes a random 0–J ms late. A backlog of single-part requests (MPS × seconds) is
queued at once and drained. Per jitter level, the medians over the repeats of:

- achieved rate: parts per second that reached the SMS API from its first call to its last, ÷ the MPS;
- the most parts that reached the SMS API in any 1-second window (the bound: the MPS), and the same over the pacer's
  releases;
- the share of wake-ups late by more than 2 ms; lost and duplicated requests (summed).

Each jitter level runs with the sender's default release tolerance and with the 2 ms tolerance of earlier releases
(``--tolerances``), so the figure shows what the tolerance buys under late wake-ups.

Run: ``.venv/bin/python benchmarks/pacing_processes.py`` (6 processes, 20 MPS, jitter 0 and 10 ms, 20 s, 3 repeats:
what a 2-core machine serves without its own CPU contention delaying sends; raise ``--processes`` and ``--mps`` on a
larger one; ``--quick``: 1 repeat of 8 s). Writes ``benchmarks/results/pacing_processes.json``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", type=int, default=6)
    parser.add_argument("--mps", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jitter-ms", type=float, nargs="+", default=[0, 10])
    parser.add_argument(
        "--tolerances",
        nargs="+",
        default=["default", "0.002"],
        help="release tolerances in seconds to compare ('default': the sender's own)",
    )
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.repeats = 8, 1

    from sms_constructs.simulate.processes import ProcessOptions, run_processes  # noqa: PLC0415
    from sms_constructs.simulate.run import SimulationOptions, deploy  # noqa: PLC0415

    deployment = deploy(SimulationOptions(mps=args.mps, concurrency=args.processes))
    rows: list[dict[str, Any]] = []
    combinations = [(t, j) for t in args.tolerances for j in args.jitter_ms]
    for asked, jitter in combinations:
        runs = []
        overrides = {} if asked == "default" else {"release_tolerance_seconds": float(asked)}
        for repeat in range(args.repeats):
            options = ProcessOptions(
                processes=args.processes,
                mps=args.mps,
                seconds=args.seconds,
                jitter_ms=jitter,
                seed=7 + repeat,
                sender_settings=overrides,
                min_rate=0,
            )
            result = run_processes(options, deployment=deployment)
            tolerance = result.settings.release_tolerance_seconds
            run = {
                "rate": round(result.rate(), 4),
                "busiest_second": result.busiest_second(),
                "busiest_release_second": result.busiest_second(result.releases),
                "windows_over_bound": result.over_the_bound(),
                "late_share": round(result.late_wake_ups(0.002) / max(1, len(result.overshoots)), 4),
                "lost": result.lost,
                "duplicates": result.duplicates,
                "metrics": dict(result.metrics),
                "metrics_by_cause": dict(result.metrics_by_cause),
            }
            runs.append(run)
            print(f"tolerance {tolerance:g} s, jitter {jitter:g} ms, repeat {repeat + 1}: {run}", flush=True)
        rows.append(
            {
                "release_tolerance_seconds": tolerance,
                "jitter_ms": jitter,
                "median_rate": statistics.median(r["rate"] for r in runs),
                "median_busiest_second": statistics.median(r["busiest_second"] for r in runs),
                "median_busiest_release_second": statistics.median(r["busiest_release_second"] for r in runs),
                "median_late_share": statistics.median(r["late_share"] for r in runs),
                "windows_over_bound": sum(r["windows_over_bound"] for r in runs),
                "lost": sum(r["lost"] for r in runs),
                "duplicates": sum(r["duplicates"] for r in runs),
                "runs": runs,
            }
        )
    figures = {
        "processes": args.processes,
        "mps": args.mps,
        "seconds": args.seconds,
        "repeats": args.repeats,
        "batch_size": deployment.batch_size,
        "rows": rows,
    }
    path = write_result("pacing_processes", figures)
    print(f"written {path}")
    for row in rows:
        print(
            f"tolerance {row['release_tolerance_seconds'] * 1000:g} ms, jitter {row['jitter_ms']:g} ms: "
            f"{row['median_rate']:.3f} of the MPS, busiest 1-second window "
            f"{row['median_busiest_second']:g} parts (bound {args.mps:g}), "
            f"late wake-ups {row['median_late_share']:.1%}, "
            f"{row['windows_over_bound']} windows over the bound, {row['lost']} lost, {row['duplicates']} sent twice"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
