"""Wall time to synthesize the sample app, as `cdk synth` runs it (`python app.py`), per profile.

    .venv/bin/python benchmarks/synth_time.py --repeat 5

Each run is a fresh Python process (the jsii runtime start-up is part of what users wait for); the median and the
range are reported. No AWS call is made.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def synth_once(profile: str) -> tuple[float, int]:
    """Seconds for one `python app.py`, and the number of templates written."""
    context = json.loads((REPO / "cdk.json").read_text())["context"]
    context["sms-constructs:profile"] = profile
    with tempfile.TemporaryDirectory() as outdir:
        env = {
            **os.environ,
            "CDK_OUTDIR": outdir,
            "CDK_CONTEXT_JSON": json.dumps(context),
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        }
        start = time.perf_counter()
        subprocess.run([sys.executable, "app.py"], cwd=REPO, env=env, check=True, capture_output=True)
        elapsed = time.perf_counter() - start
        return elapsed, len(list(Path(outdir).glob("*.template.json")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print("| profile | templates | median s | min s | max s |")
    print("|---|---|---|---|---|")
    for profile in ("sandbox", "production"):
        runs = [synth_once(profile) for _ in range(args.repeat)]
        times = [t for t, _ in runs]
        print(f"| {profile} | {runs[0][1]} | {statistics.median(times):.2f} | {min(times):.2f} | {max(times):.2f} |")


if __name__ == "__main__":
    main()
