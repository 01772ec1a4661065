"""Pacing with the real sender: achieved parts/s ÷ MPS, the busiest 1-second window, lost and duplicate sends.

Every scenario runs the real sender handler (``lambda/sender``) in N concurrent invocations against the simulator's
fakes (``sms_constructs.simulate``: DynamoDB with atomic conditional writes and 4–12 ms calls, SQS with visibility
timeouts and redrive, the SMS API metering each identity's MPS in parts) on a simulated clock, draining a backlog
queued at once. ``SendTextMessage`` takes 50 ms (±50 %) after the service received it. Reported per scenario:

- achieved rate: parts per second while the backlog drained, ÷ the MPS;
- the most parts offered to the SMS API (every call that reached its MPS meter) in any 1-second window (sliding,
  half-open), in the first second of the busy period, and the bound the pacer guarantees
  (``sms_constructs_runtime.pacing``): the MPS for single-part traffic, MPS − 1 + the window's last message's parts
  otherwise;
- ThrottlingExceptions, lost and duplicate sends.

``--before DIR`` also runs the slow-store scenarios with the handler and runtime in ``DIR`` (the ``lambda/`` folder
of another version of the library), for comparison.

Run: ``.venv/bin/python benchmarks/pacing.py`` (``--messages 10000`` is the default backlog; ``--quick`` for a smaller
matrix). Writes ``benchmarks/results/pacing.json`` and one plot per figure, ``docs/images/pacing_rate.png`` and
``docs/images/pacing_busiest_second.png``; ``--plot-only`` redraws them from the stored results without running
anything.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import IMAGES, REPO, RESULTS, pyplot, write_result


@dataclass(frozen=True)
class Scenario:
    """One busy period."""

    mps: float
    invocations: int
    messages: int
    multipart: float = 0.0
    api_latency: float = 0.05
    dynamodb_latency: float = 0.008
    label: str = ""


def _options(scenario: Scenario) -> Any:
    from sms_constructs.simulate.run import SimulationOptions  # noqa: PLC0415

    return SimulationOptions(
        messages=scenario.messages,
        mps=scenario.mps,
        multipart=scenario.multipart,
        unicode=0.0,
        one_time_codes=0.0,
        failure_scale=0.0,
        opt_out_rate=0.0,
        special_numbers=0.0,
        api_latency=scenario.api_latency,
        dynamodb_latency=scenario.dynamodb_latency,
        events=False,
        analytics=False,
        lambda_root=Path(os.environ["PACING_LAMBDA_ROOT"]) if "PACING_LAMBDA_ROOT" in os.environ else None,
    )


def _worker(work: list[tuple[Scenario, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Run the scenarios in this process (the handler and runtime given first on ``sys.path``), each with the
    deployment the current constructs synthesized for it."""
    from sms_constructs.simulate.run import Deployment, one_second_windows, simulate  # noqa: PLC0415

    results = []
    for scenario, deployed in work:
        options = _options(scenario)
        deployment = replace(Deployment.from_dict(deployed), max_concurrency=scenario.invocations)
        result = simulate(options, deployment=deployment)
        sends = sorted(result.sms.offered)  # every call that reached the MPS meter, throttled or not
        first = sends[0][0]
        windows = one_second_windows(sends)
        largest = max(p for _, p in sends)
        per_second = [0] * (int(sends[-1][0] - first) + 1)
        for at, parts in sends:
            per_second[int(at - first)] += parts
        results.append(
            {
                **asdict(scenario),
                "rate_ratio": round(result.parts_per_second() / scenario.mps, 4),
                "max_parts_in_1s": max(p for p, _ in windows),
                "first_second_parts": windows[0][0],
                "bound": scenario.mps if largest == 1 else f"MPS - 1 + k (k <= {largest})",
                "windows_over_bound": sum(1 for p, last in windows if p >= scenario.mps + last),
                "throttled": result.sms.throttled,
                "lost": result.lost,
                "sent_twice": result.duplicates,
                "per_second": per_second[:120],
                "wall_seconds": round(result.wall_seconds, 1),
            }
        )
    return results


def _run(scenarios: list[Scenario], lambda_root: Path | None) -> list[dict[str, Any]]:
    """Run ``scenarios`` in a fresh process, with ``lambda_root`` (handler and runtime) first on the path if given."""
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    if lambda_root is not None:
        env["PYTHONPATH"] = str(lambda_root)
        env["PACING_LAMBDA_ROOT"] = str(lambda_root)
    from sms_constructs.simulate.run import deploy  # noqa: PLC0415 - the current constructs synthesize

    payload = json.dumps([(asdict(s), deploy(_options(s)).to_dict()) for s in scenarios])
    out = subprocess.run(
        [sys.executable, __file__, "--worker"],
        input=payload,
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(out.stdout.splitlines()[-1]))


def _default_concurrency(mps: float) -> int:
    return max(2, -(-int(mps * 10) // 20))  # the construct's max(2, ceil(MPS x 0.5))


def matrix(messages: int, quick: bool) -> list[Scenario]:
    scenarios = []
    for mps in (1, 3, 20) if quick else (1, 3, 20, 100):
        default = _default_concurrency(mps)
        for invocations in sorted({1, 2, 4, default, 16}):
            scenarios.append(Scenario(mps, invocations, messages if mps >= 3 else messages // 5, label="matrix"))
    scenarios += [
        Scenario(5, 4, messages // 5, multipart=1.0, label="2-4 parts"),
        Scenario(20, 10, messages, multipart=0.3, label="30% 2-4 parts"),
    ]
    return scenarios


def slow_store_scenarios() -> list[Scenario]:
    """A slow message store (30 ms DynamoDB calls) at 20 and 50 MPS with 4 and 16 invocations, and a fast one (3 ms)."""
    return [
        *(
            Scenario(mps, invocations, mps * 40, dynamodb_latency=0.03, label=SLOW_STORE)
            for mps in (20, 50)
            for invocations in (4, 16)
        ),
        Scenario(50, 6, 2000, dynamodb_latency=0.003, label=FAST_STORE),
    ]


#: Scenario labels.
SLOW_STORE = "30 ms DynamoDB"
FAST_STORE = "3 ms DynamoDB"
BEFORE = "other version"


#: Colours of the MPS lines, the same in both figures.
_COLOURS = {1: "#1f77b4", 3: "#ff7f0e", 20: "#2ca02c", 100: "#d62728"}


def plot(rows: list[dict[str, Any]]) -> list[Path]:
    """One figure per question, from the result rows (no per-second series needed): how close to the MPS the queue
    drains for each number of invocations, and how full the busiest second is against the bound."""
    plt = pyplot()
    plt.rcParams.update({"font.size": 13})
    matrix_rows = [r for r in rows if r["label"] == "matrix"]
    paths = []

    figure, ax = plt.subplots(figsize=(9, 5))
    for mps, colour in _COLOURS.items():
        line = sorted((r for r in matrix_rows if r["mps"] == mps), key=lambda r: r["invocations"])
        if not line:
            continue
        ax.plot(
            [r["invocations"] for r in line],
            [r["rate_ratio"] for r in line],
            marker="o",
            color=colour,
            label=f"{mps} MPS",
        )
        default = _default_concurrency(mps)
        chosen = [r for r in line if r["invocations"] == default]
        if chosen:
            ax.plot(default, chosen[0]["rate_ratio"], marker="*", markersize=18, color=colour, linestyle="none")
    ax.plot([], [], marker="*", markersize=14, color="grey", linestyle="none", label="default max_concurrency")
    ax.set_xscale("log", base=2)
    ax.set_xticks([1, 2, 4, 10, 16, 50], labels=["1", "2", "4", "10", "16", "50"])
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("concurrent sender invocations (max_concurrency)")
    ax.set_ylabel("achieved parts per second ÷ MPS")
    ax.set_title("Backlog drain rate against the identity's MPS")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    figure.tight_layout()
    paths.append(IMAGES / "pacing_rate.png")
    figure.savefig(paths[-1], dpi=100)
    plt.close(figure)

    figure, ax = plt.subplots(figsize=(9, 5))
    for mps, colour in _COLOURS.items():
        line = sorted((r for r in matrix_rows if r["mps"] == mps), key=lambda r: r["invocations"])
        if line:
            ax.plot(
                [r["invocations"] for r in line],
                [r["max_parts_in_1s"] / mps for r in line],
                marker="o",
                color=colour,
                label=f"{mps} MPS",
            )
    ax.axhline(1.0, color="black", linewidth=1.5, label="the MPS (limit)")
    ax.set_xscale("log", base=2)
    ax.set_xticks([1, 2, 4, 10, 16, 50], labels=["1", "2", "4", "10", "16", "50"])
    ax.set_ylim(0, 1.25)
    ax.set_xlabel("concurrent sender invocations (max_concurrency)")
    ax.set_ylabel("parts in the busiest 1-second window ÷ MPS")
    ax.set_title("Busiest second, single-part messages: never above the MPS")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    figure.tight_layout()
    paths.append(IMAGES / "pacing_busiest_second.png")
    figure.savefig(paths[-1], dpi=100)
    plt.close(figure)
    return paths


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| scenario | MPS | invocations | messages | achieved ÷ MPS | max parts in any 1 s | first second | bound | "
        "throttled | lost | sent twice |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['label']}{' (2-4 parts)' if r['multipart'] and 'parts' not in r['label'] else ''} | {r['mps']:g} | "
        f"{r['invocations']} | {r['messages']} | {r['rate_ratio']:.3f} | {r['max_parts_in_1s']} | "
        f"{r['first_second_parts']} | {r['bound']} | {r['throttled']} | {r['lost']} | {r['sent_twice']} |"
        for r in rows
    ]
    return "\n".join(lines)


def main() -> None:
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000, help="backlog per scenario (MPS 1: a fifth)")
    parser.add_argument("--quick", action="store_true", help="a smaller matrix (no 100 MPS)")
    parser.add_argument("--before", type=Path, default=None, help="lambda/ of another version, for comparison")
    parser.add_argument(
        "--plot-only", action="store_true", help="redraw the plots from the stored results; run nothing"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plot_only:
        stored = json.loads((RESULTS / "pacing.json").read_text(encoding="utf-8"))
        rows = stored["figures"]["scenarios"]
        images = plot(rows)
        print("Plots: " + ", ".join(str(image.relative_to(REPO)) for image in images) + "\n")
        print(table([r for r in rows if r["label"] != BEFORE]))
        return
    if args.worker:
        work = [(Scenario(**s), deployed) for s, deployed in json.loads(sys.stdin.read())]
        print(json.dumps(_worker(work)))
        return
    results = _run(matrix(args.messages, args.quick) + slow_store_scenarios(), None)
    before = _run(slow_store_scenarios(), args.before.resolve()) if args.before else []
    for row in before:
        row["label"] = BEFORE
    images = plot(results)
    path = write_result(
        "pacing",
        {"scenarios": [{k: v for k, v in r.items() if k != "per_second"} for r in results + before]},
    )
    plots = ", ".join(str(image.relative_to(REPO)) for image in images)
    print(f"Results: {path.relative_to(REPO)}; plots: {plots}\n")
    worst = max(r["windows_over_bound"] for r in results)
    enough = [r for r in results if r["invocations"] >= _default_concurrency(r["mps"])]
    print(table(results + before))
    print(
        f"\nWindows over the bound {worst}, throttled {sum(r['throttled'] for r in results)}, "
        f"lost {sum(r['lost'] for r in results)}, sent twice {sum(r['sent_twice'] for r in results)}; "
        f"achieved rate {min(r['rate_ratio'] for r in enough):.3f}–{max(r['rate_ratio'] for r in enough):.3f} of the "
        "MPS with the default concurrency or more"
    )


if __name__ == "__main__":
    main()
