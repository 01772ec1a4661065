"""What every benchmark script shares: where results and plots go, and the machine they were measured on."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"
IMAGES = REPO / "docs" / "images"


def machine() -> dict[str, Any]:
    """Cores, memory and Python of this machine."""
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        total_kb = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(total_kb / 2**20),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }


def write_result(name: str, figures: dict[str, Any]) -> Path:
    """Write ``benchmarks/results/<name>.json``: the command, the machine, the date and the figures."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    document = {
        "command": " ".join(
            [".venv/bin/python", *[str(Path(a).relative_to(REPO)) if a.startswith(str(REPO)) else a for a in sys.argv]]
        ),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
        "machine": machine(),
        "figures": figures,
    }
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def pyplot() -> Any:
    """matplotlib's pyplot on the file-only Agg backend (the dev extra installs matplotlib)."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    return plt
