"""Wall time of the whole test suite (``make test``'s pytest run) on this machine.

Run: ``.venv/bin/python benchmarks/test_suite.py`` (``--repeat 1``; ``--workers 0`` for one process, the default 2 is
what ``make test`` runs with pytest-xdist). Writes ``benchmarks/results/test_suite.json``. The figure includes every
synthesis, compliance gate (cdk-nag, cfn-lint, checkov) and the simulator's smoke test.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, write_result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist processes (0: none)")
    args = parser.parse_args()
    workers = ["-n", str(args.workers)] if args.workers else []
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    runs, summary = [], ""
    for _ in range(args.repeat):
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *workers],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(time.perf_counter() - started)
        summary = next(line for line in reversed(out.stdout.splitlines()) if re.search(r"\d+ passed", line))
    path = write_result(
        "test_suite",
        {
            "workers": args.workers,
            "runs_s": [round(r, 1) for r in runs],
            "median_s": round(statistics.median(runs), 1),
            "summary": summary,
        },
    )
    print(f"Results: {path.relative_to(REPO)}\n")
    print(
        f"Test suite ({args.workers or 'no'} xdist workers): {summary.strip('= ')}; median wall time "
        f"{statistics.median(runs):.0f} s on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
