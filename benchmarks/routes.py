"""Pacing per route with the real sender in real processes: each route's rate and 1-second windows under a mixed
backlog, and a GB send's time to ``SendTextMessage`` with and without a CA backlog.

Runs the simulator's real-process mode (``sms_constructs.simulate.processes``) with routes CA 1 MPS, GB 10, MX 5 and
every other country at the queue's 5: the send queue with its workers, and a parking queue per route (``*`` included)
with its own workers, every worker running ``sender.handler.main`` through botocore (DynamoDB and SQS on moto's server,
the SMS API as an HTTP fake that records when each call arrived).

1. **Mixed backlog**: ``seconds`` of single-part requests of each route at its MPS, interleaved on the send queue. Per
   route: parts per second ÷ its MPS (target ≥ 0.95), the busiest 1-second window at the pacer's releases on the
   route's key and at the SMS API (bound: the route's MPS), the records parked.
2. **No head-of-line blocking**: a GB request every ~0.5 s (±50 %) for ``seconds``, once with a CA backlog of
   ``seconds`` at 1 MPS on the same send queue and once without: GB's time from ``send_message`` to the
   ``SendTextMessage`` call reaching the SMS API, p50 and p99.

Every run: lost and duplicated requests (target 0 and 0). Run: ``.venv/bin/python benchmarks/routes.py`` (40 s per
scenario; ``--quick``: 15 s). Writes ``benchmarks/results/routes.json`` (with every GB request's time to send) and
one plot per figure, ``docs/images/routes_rate.png`` and ``docs/images/routes_gb_time_to_send.png``; ``--plot-only``
redraws them from the stored results without running anything.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import IMAGES, REPO, RESULTS, pyplot, write_result

ROUTES = {"CA": 1.0, "GB": 10.0, "MX": 5.0}


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mps", type=float, default=5, help="the queue's max_parts_per_second (the * route)")
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--processes", type=int, default=4, help="workers on the send queue")
    parser.add_argument(
        "--route-processes", type=int, default=None, help="workers per parking queue (default: as the construct's)"
    )
    parser.add_argument("--trickle-every", type=float, default=0.5)
    parser.add_argument("--jitter-ms", type=float, default=10)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--plot-only", action="store_true", help="redraw the plots from the stored results; run nothing"
    )
    args = parser.parse_args()
    if args.plot_only:
        stored = json.loads((RESULTS / "routes.json").read_text(encoding="utf-8"))
        print("Plots: " + ", ".join(str(image.relative_to(REPO)) for image in plot(stored["figures"])))
        return 0
    if args.quick:
        args.seconds = 15

    from sms_constructs.simulate.processes import ProcessOptions, report, run_processes  # noqa: PLC0415
    from sms_constructs.simulate.run import SimulationOptions, deploy  # noqa: PLC0415

    deployment = deploy(SimulationOptions(mps=args.mps, concurrency=args.processes))
    common: dict[str, Any] = {
        "processes": args.processes,
        "mps": args.mps,
        "seconds": args.seconds,
        "jitter_ms": args.jitter_ms,
        "min_rate": 0,
        "routes": ROUTES,
        "route_processes": args.route_processes,
    }
    mixed = run_processes(ProcessOptions(**common), deployment=deployment)
    print(report(mixed), flush=True)
    per_route = {}
    for route, mps in ROUTES.items():
        releases, arrivals = mixed.route_releases(route), mixed.route_arrivals(route)
        per_route[route] = {
            "mps": mps,
            "parts": sum(p for _, p in arrivals),
            "rate": round(mixed.route_rate(route, mps), 4),
            "busiest_second_releases": max((n for n, _ in _windows(releases)), default=0),
            "windows_over_bound_releases": mixed.route_over_bound(releases, mps),
            "busiest_second_api": max((n for n, _ in _windows(arrivals)), default=0),
            "windows_over_bound_api": mixed.route_over_bound(arrivals, mps),
        }
    latency: dict[str, dict[str, Any]] = {}
    for label, backlog in (("with_ca_backlog", ("CA",)), ("without_backlog", ())):
        result = run_processes(
            ProcessOptions(**common, backlog_routes=backlog, trickle_route="GB", trickle_every=args.trickle_every),
            deployment=deployment,
        )
        print(report(result), flush=True)
        waits = result.times_to_send()
        latency[label] = {
            "gb_requests": len(waits),
            "gb_p50_seconds": _percentile(waits, 0.5),
            "gb_p99_seconds": _percentile(waits, 0.99),
            "gb_max_seconds": round(max(waits), 3) if waits else None,
            "gb_seconds": [round(wait, 3) for wait in waits],
            "ca_rate": round(result.route_rate("CA", ROUTES["CA"]), 4) if backlog else None,
            "lost": result.lost,
            "duplicates": result.duplicates,
            "parked": result.metrics.get("RouteParked", 0),
        }
    figures = {
        "routes": ROUTES,
        "queue_mps": args.mps,
        "seconds": args.seconds,
        "batch_size": deployment.batch_size,
        "processes": args.processes,
        "route_processes": args.route_processes,
        "jitter_ms": args.jitter_ms,
        "mixed": {
            "per_route": per_route,
            "lost": mixed.lost,
            "duplicates": mixed.duplicates,
            "parked": mixed.metrics.get("RouteParked", 0),
            "metrics": dict(mixed.metrics),
        },
        "gb_time_to_send": latency,
    }
    path = write_result("routes", figures)
    print(f"written {path}; plots " + ", ".join(str(image.relative_to(REPO)) for image in plot(figures)))
    lost = mixed.lost + sum(v["lost"] for v in latency.values())
    twice = mixed.duplicates + sum(v["duplicates"] for v in latency.values())
    met = (
        all(r["rate"] >= 0.95 for r in per_route.values())
        and all(r["windows_over_bound_releases"] == 0 for r in per_route.values())
        and lost == 0
        and twice == 0
    )
    for route, figure in per_route.items():
        print(
            f"{route}: {figure['rate']:.3f} of {figure['mps']:g} MPS; busiest 1-second window "
            f"{figure['busiest_second_releases']} parts at the pacer's releases, {figure['busiest_second_api']} at the "
            f"SMS API; windows over the bound {figure['windows_over_bound_releases']} / "
            f"{figure['windows_over_bound_api']}"
        )
    for label, figure in latency.items():
        print(
            f"GB enqueue to SendTextMessage {label}: p50 {figure['gb_p50_seconds']} s, p99 {figure['gb_p99_seconds']} s"
        )
    print(f"{lost} lost, {twice} sent twice: {'targets met' if met else 'TARGETS MISSED'}")
    return 0 if met else 1


def plot(figures: dict[str, Any]) -> list[Path]:
    """One figure per question: each route's achieved rate ÷ its MPS under the mixed backlog (target line 0.95), and a
    GB send's time to ``SendTextMessage`` with and without a CA backlog (p50 and p99; every request as a dot when the
    results hold them: results written before they were recorded have only the percentiles)."""
    plt = pyplot()
    plt.rcParams.update({"font.size": 13})
    paths = []

    per_route = figures["mixed"]["per_route"]
    figure, ax = plt.subplots(figsize=(9, 5))
    names = list(per_route)
    rates = [per_route[route]["rate"] for route in names]
    bars = ax.bar([f"{route}\n{per_route[route]['mps']:g} MPS" for route in names], rates, width=0.55, color="#2ca02c")
    ax.bar_label(bars, labels=[f"{rate:.3f}" for rate in rates], label_type="center", color="white", fontsize=15)
    ax.axhline(0.95, color="black", linewidth=1.5, label="target: 0.95 of the route's MPS")
    ax.axhline(1.0, color="black", linewidth=1, linestyle=":", label="the route's MPS (limit)")
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("achieved parts per second ÷ the route's MPS")
    ax.set_title(f"Each route under a mixed backlog ({figures['seconds']:g} s of each at its MPS)", fontsize=13)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="lower center", fontsize=11, framealpha=1)
    figure.tight_layout()
    paths.append(IMAGES / "routes_rate.png")
    figure.savefig(paths[-1], dpi=100)
    plt.close(figure)

    latency = figures["gb_time_to_send"]
    runs = [("without_backlog", "without a CA backlog"), ("with_ca_backlog", "behind a CA backlog")]
    figure, ax = plt.subplots(figsize=(9, 5))
    for position, (key, _) in enumerate(runs):
        waits = latency[key].get("gb_seconds", [])
        if waits:
            ax.scatter(
                [position - 0.3] * len(waits),
                waits,
                s=14,
                color="grey",
                alpha=0.5,
                label="each GB request" if position == 0 else None,
            )
    for offset, field, colour, label in (
        (-0.1, "gb_p50_seconds", "#1f77b4", "p50"),
        (0.1, "gb_p99_seconds", "#d62728", "p99"),
    ):
        values = [latency[key][field] for key, _ in runs]
        bars = ax.bar([p + offset for p in range(len(runs))], values, width=0.2, color=colour, label=label)
        ax.bar_label(bars, labels=[f"{v:.2f} s" for v in values], padding=3, fontsize=11)
    ax.set_xticks(
        range(len(runs)), labels=[f"{label}\n({latency[key]['gb_requests']} GB requests)" for key, label in runs]
    )
    ax.set_xlim(-0.6, len(runs) - 0.4)
    ax.set_ylim(0, max(latency[key]["gb_max_seconds"] for key, _ in runs) * 1.2)
    ax.set_ylabel("enqueue → SendTextMessage (s)")
    ax.set_title("GB sends (10 MPS) with and without a CA backlog (1 MPS)", fontsize=13)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper center", fontsize=11)
    figure.tight_layout()
    paths.append(IMAGES / "routes_gb_time_to_send.png")
    figure.savefig(paths[-1], dpi=100)
    plt.close(figure)
    return paths


def _windows(sends: list[tuple[float, int]]) -> list[tuple[int, int]]:
    from sms_constructs.simulate.run import one_second_windows  # noqa: PLC0415

    return list(one_second_windows(sends))


if __name__ == "__main__":
    sys.exit(main())
