"""Sample-app synthesis against a hand-written L1 app of the same resources: wall time and peak memory, with and
without the cdk-nag packs.

Each run is a fresh Python process writing a cloud assembly to a temporary folder, as ``cdk synth`` starts the app
(``python app.py``; jsii and its Node.js process included). Peak memory is the largest sum of the resident set sizes of
the process tree (Python and Node.js), sampled every 20 ms. Variants:

- ``sample app``: ``app.py`` as is (both cdk-nag packs attached), and without the packs;
- ``plain L1``: an app generated from the sample app's synthesized templates: one ``CfnResource`` per resource with
  the same type, properties and resource attributes, one ``CfnParameter`` per parameter and one ``CfnOutput`` per
  output (what the constructs render, without the constructs), with and without the packs.

Run: ``.venv/bin/python benchmarks/synth_time.py`` (``--repeat 5``, ``--profile sandbox``). Writes
``benchmarks/results/synth_time.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, write_result

from sms_constructs.sample_app.config import example_production_settings

SAMPLE_WITHOUT_NAG = """
import aws_cdk as cdk
from sms_constructs.sample_app import build_sample_app
app = cdk.App()
build_sample_app(app)
app.synth()
"""

#: The generated L1 app: reads the templates and declares every element again, as plain L1.
L1_APP = """
import json, sys
from pathlib import Path
import aws_cdk as cdk
NAG = {nag}
app = cdk.App()
if NAG:  # the sample app's two packs (sms_constructs._private.nag.add_compliance_checks), without the library
    import cdk_nag
    cdk.Validations.of(app).add_plugins(cdk_nag.AwsSolutionsChecks(app), cdk_nag.ServerlessChecks(app))
for path in sorted(Path({templates!r}).glob("*.template.json")):
    template = json.loads(path.read_text())
    stack = cdk.Stack(app, path.name.split(".")[0], description=template.get("Description"))
    for name, parameter in template.get("Parameters", {{}}).items():
        if name != "BootstrapVersion":  # the stack synthesizer adds it (and its rule) again
            cdk.CfnParameter(stack, name, type=parameter["Type"], default=parameter.get("Default"),
                             description=parameter.get("Description"))
    for logical_id, resource in template["Resources"].items():
        element = cdk.CfnResource(stack, logical_id, type=resource["Type"], properties=resource.get("Properties"))
        for attribute in ("DependsOn", "DeletionPolicy", "UpdateReplacePolicy", "Metadata", "Condition"):
            if attribute in resource:
                element.add_override(attribute, resource[attribute])
    def text(value):  # an intrinsic function (Ref, Fn::GetAtt, Fn::Join) as a string token
        return value if value is None or isinstance(value, str) else cdk.Token.as_string(cdk.Intrinsic(value))
    for name, output in template.get("Outputs", {{}}).items():
        export = output.get("Export", {{}}).get("Name")
        cdk.CfnOutput(stack, name, value=text(output["Value"]), description=output.get("Description"),
                      export_name=text(export))
app.synth()
"""


def _tree_rss_kib(pid: int) -> int:
    """Resident set size of ``pid`` and its descendants (KiB)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status", encoding="ascii") as status:
                total += next((int(line.split()[1]) for line in status if line.startswith("VmRSS")), 0)
            with open(f"/proc/{current}/task/{current}/children", encoding="ascii") as children:
                stack += [int(child) for child in children.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def run_once(command: list[str], context: dict[str, Any]) -> tuple[float, float, int]:
    """Seconds, peak MiB and templates written by one synthesis in a fresh process."""
    with tempfile.TemporaryDirectory() as outdir:
        env = {
            **os.environ,
            "CDK_OUTDIR": outdir,
            "CDK_CONTEXT_JSON": json.dumps(context),
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        }
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        peak = 0
        while process.poll() is None:
            peak = max(peak, _tree_rss_kib(process.pid))
            time.sleep(0.02)
        elapsed = time.perf_counter() - start
        if process.returncode != 0:
            raise RuntimeError(f"{command} failed: {process.stderr.read().decode() if process.stderr else ''}")
        return elapsed, peak / 1024, len(list(Path(outdir).glob("*.template.json")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--profile", default="sandbox", choices=["sandbox", "production"])
    args = parser.parse_args()
    context = json.loads((REPO / "cdk.json").read_text())["context"]
    context["sms-constructs:profile"] = args.profile
    # cdk.json ships placeholders for production (they fail synthesis by design): measure the documented example.
    context["sms-constructs:production"] = example_production_settings()
    python = sys.executable
    with tempfile.TemporaryDirectory() as work:
        templates = Path(work) / "templates"
        env = {**os.environ, "CDK_OUTDIR": str(templates), "CDK_CONTEXT_JSON": json.dumps(context)}
        env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"
        subprocess.run([python, "app.py"], cwd=REPO, env=env, check=True, capture_output=True)
        written = sorted(templates.glob("*.template.json"))
        resources = sum(len(json.loads(p.read_text())["Resources"]) for p in written)
        scripts = {}
        for name, source in {
            "sample_no_nag": SAMPLE_WITHOUT_NAG,
            "l1_nag": L1_APP.format(nag=True, templates=str(templates)),
            "l1_no_nag": L1_APP.format(nag=False, templates=str(templates)),
        }.items():
            scripts[name] = Path(work) / f"{name}.py"
            scripts[name].write_text(textwrap.dedent(source), encoding="utf-8")
        variants = {
            "sample app, cdk-nag packs": [python, "app.py"],
            "sample app, no packs": [python, str(scripts["sample_no_nag"])],
            "plain L1, cdk-nag packs": [python, str(scripts["l1_nag"])],
            "plain L1, no packs": [python, str(scripts["l1_no_nag"])],
        }
        samples: dict[str, list[tuple[float, float, int]]] = {name: [] for name in variants}
        for _ in range(args.repeat):  # interleaved, so load on the machine affects every variant alike
            for name, command in variants.items():
                samples[name].append(run_once(command, context))
    rows = {
        name: {
            "median_s": round(statistics.median(s for s, _, _ in runs), 2),
            "min_s": round(min(s for s, _, _ in runs), 2),
            "max_s": round(max(s for s, _, _ in runs), 2),
            "peak_mib": round(statistics.median(m for _, m, _ in runs)),
            "templates": runs[0][2],
        }
        for name, runs in samples.items()
    }
    ratios = {
        "with packs": {
            "time": round(
                rows["sample app, cdk-nag packs"]["median_s"] / rows["plain L1, cdk-nag packs"]["median_s"], 2
            ),
            "memory": round(
                rows["sample app, cdk-nag packs"]["peak_mib"] / rows["plain L1, cdk-nag packs"]["peak_mib"], 2
            ),
        },
        "without packs": {
            "time": round(rows["sample app, no packs"]["median_s"] / rows["plain L1, no packs"]["median_s"], 2),
            "memory": round(rows["sample app, no packs"]["peak_mib"] / rows["plain L1, no packs"]["peak_mib"], 2),
        },
    }
    path = write_result(
        "synth_time",
        {"profile": args.profile, "resources": resources, "stacks": len(written), "variants": rows, "ratios": ratios},
    )
    print(f"Results: {path.relative_to(REPO)}\n")
    print(f"Profile {args.profile}: {resources} resources in {len(written)} stacks, {args.repeat} runs each\n")
    print("| app | median s | min s | max s | peak MiB |\n|---|---|---|---|---|")
    for name, row in rows.items():
        print(f"| {name} | {row['median_s']} | {row['min_s']} | {row['max_s']} | {row['peak_mib']} |")
    print(
        f"\nSample app ÷ plain L1: {ratios['with packs']['time']}x the time and {ratios['with packs']['memory']}x the "
        f"peak memory with the cdk-nag packs; {ratios['without packs']['time']}x and "
        f"{ratios['without packs']['memory']}x without"
    )


if __name__ == "__main__":
    main()
