"""Sample-app synthesis against a hand-written L1 app of the same resources: wall time and peak memory, with and
without the cdk-nag packs, and the library's own phases (import and construct building) apart from ``app.synth()``.

Each run is a fresh Python process writing a cloud assembly to a temporary folder, as ``cdk synth`` starts the app
(``python app.py``; jsii and its Node.js process included). Peak memory is the largest sum of the resident set sizes of
the process tree (Python and Node.js), sampled every 20 ms. Variants:

- ``sample app``: what ``app.py`` does (both cdk-nag packs attached), and the same without the packs;
- ``plain L1``: an app generated from the sample app's synthesized templates: one ``CfnResource`` per resource with
  the same type, properties and resource attributes, one ``CfnParameter`` per parameter and one ``CfnOutput`` per
  output (what the constructs render, without the constructs), with and without the packs.

Every variant's script starts with the same few lines (:data:`PHASES`) that time its phases from the first line of the
script and count jsii round trips (requests to the Node.js process, callbacks included): **import** (the imports:
aws-cdk-lib, and for the sample app the library and the aws-cdk-lib modules it builds on; the L1 app also reads its
templates here), **build** (``cdk.App()``, the packs, the stacks and their constructs) and **synth** (``app.synth()``:
validation, the packs' checks, assets, templates). Import + build is the library's own cost; synth is mostly
aws-cdk-lib's and cdk-nag's.

Run: ``.venv/bin/python benchmarks/synth_time.py`` (``--repeat 7``, ``--profile sandbox``). Writes
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

#: The first lines of every variant: a clock from the script's first line, a counter of jsii round trips (every
#: request written to the Node.js process), and ``_phase(name)`` that records both when a phase ends.
PHASES = """
import time as _time
_START = _time.perf_counter()
import json as _json, os as _os
import jsii._kernel.providers.process as _process
_ROUND_TRIPS = [0]
_send = _process._NodeProcess.send
def _counting_send(self, request, response_type):
    _ROUND_TRIPS[0] += 1
    return _send(self, request, response_type)
_process._NodeProcess.send = _counting_send
_MARKS = {}
def _phase(name):
    _MARKS[name] = (_time.perf_counter() - _START, _ROUND_TRIPS[0])
    with open(_os.environ["SYNTH_PHASES_FILE"], "w") as _out:
        _json.dump(_MARKS, _out)
"""

#: ``app.py`` (strict warnings from context, both packs, the sample stacks) with its phases marked.
SAMPLE_APP = """
import aws_cdk as cdk
from sms_constructs import SmsStrictWarnings
from sms_constructs._private.nag import add_compliance_checks
from sms_constructs.sample_app import build_sample_app
_phase("import")
app = cdk.App()
SmsStrictWarnings.apply_from_context(app)
if {nag}:
    add_compliance_checks(app)
build_sample_app(app)
_phase("build")
app.synth()
_phase("synth")
"""

#: The generated L1 app: reads the templates and declares every element again, as plain L1.
L1_APP = """
import json
from pathlib import Path
import aws_cdk as cdk
TEMPLATES = [(p.name.split(".")[0], json.loads(p.read_text()))
             for p in sorted(Path({templates!r}).glob("*.template.json"))]
_phase("import")
app = cdk.App()
if {nag}:  # the sample app's two packs (sms_constructs._private.nag.add_compliance_checks), without the library
    import cdk_nag
    cdk.Validations.of(app).add_plugins(cdk_nag.AwsSolutionsChecks(app), cdk_nag.ServerlessChecks(app))
for stack_name, template in TEMPLATES:
    stack = cdk.Stack(app, stack_name, description=template.get("Description"))
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
_phase("build")
app.synth()
_phase("synth")
"""

VARIANTS = {
    "sample app, cdk-nag packs": ("sample", True),
    "sample app, no packs": ("sample", False),
    "plain L1, cdk-nag packs": ("l1", True),
    "plain L1, no packs": ("l1", False),
}


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


def run_once(command: list[str], context: dict[str, Any]) -> dict[str, Any]:
    """One synthesis in a fresh process: seconds, peak MiB, templates written, and each phase's end (seconds from the
    script's first line, jsii round trips so far)."""
    with tempfile.TemporaryDirectory() as outdir:
        phases_file = Path(outdir) / "phases.json"
        env = {
            **os.environ,
            "CDK_OUTDIR": outdir,
            "CDK_CONTEXT_JSON": json.dumps(context),
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
            "SYNTH_PHASES_FILE": str(phases_file),
            # The library and its runtime from this checkout, whatever the virtualenv has installed.
            "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "lambda"), os.environ.get("PYTHONPATH", "")]),
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
        marks = json.loads(phases_file.read_text())
        ends = {name: marks[name] for name in ("import", "build", "synth")}
        phases = {
            "import": ends["import"],
            "build": [ends["build"][0] - ends["import"][0], ends["build"][1] - ends["import"][1]],
            "synth": [ends["synth"][0] - ends["build"][0], ends["synth"][1] - ends["build"][1]],
        }
        return {
            "seconds": elapsed,
            "peak_mib": peak / 1024,
            "templates": len(list(Path(outdir).glob("*.template.json"))),
            "phases": phases,
        }


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians (and the range of the wall time) of one variant's runs."""
    own = [run["phases"]["import"][0] + run["phases"]["build"][0] for run in runs]
    return {
        "median_s": round(statistics.median(run["seconds"] for run in runs), 2),
        "min_s": round(min(run["seconds"] for run in runs), 2),
        "max_s": round(max(run["seconds"] for run in runs), 2),
        "peak_mib": round(statistics.median(run["peak_mib"] for run in runs)),
        "templates": runs[0]["templates"],
        "phases_s": {
            phase: round(statistics.median(run["phases"][phase][0] for run in runs), 3)
            for phase in ("import", "build", "synth")
        },
        "import_and_build_s": round(statistics.median(own), 3),
        "import_and_build_min_s": round(min(own), 3),
        "round_trips": {
            phase: round(statistics.median(run["phases"][phase][1] for run in runs))
            for phase in ("import", "build", "synth")
        },
    }


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
        commands = {}
        for name, (kind, nag) in VARIANTS.items():
            source = (
                SAMPLE_APP.format(nag=nag) if kind == "sample" else L1_APP.format(nag=nag, templates=str(templates))
            )
            script = Path(work) / f"{kind}_{'nag' if nag else 'no_nag'}.py"
            script.write_text(textwrap.dedent(PHASES) + textwrap.dedent(source), encoding="utf-8")
            commands[name] = [python, str(script)]
        samples: dict[str, list[dict[str, Any]]] = {name: [] for name in commands}
        for _ in range(args.repeat):  # interleaved, so load on the machine affects every variant alike
            for name, command in commands.items():
                samples[name].append(run_once(command, context))
    rows = {name: _summary(runs) for name, runs in samples.items()}
    ratios = {}
    for packs, sample, l1 in (
        ("with packs", "sample app, cdk-nag packs", "plain L1, cdk-nag packs"),
        ("without packs", "sample app, no packs", "plain L1, no packs"),
    ):
        ratios[packs] = {
            "time": round(rows[sample]["median_s"] / rows[l1]["median_s"], 2),
            "memory": round(rows[sample]["peak_mib"] / rows[l1]["peak_mib"], 2),
            "import_and_build": round(rows[sample]["import_and_build_s"] / rows[l1]["import_and_build_s"], 2),
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
        "\n| app | import s | build s | import + build s (min) | synth s | jsii round trips: import / build / synth |"
        "\n|---|---|---|---|---|---|"
    )
    for name, row in rows.items():
        phases, trips = row["phases_s"], row["round_trips"]
        print(
            f"| {name} | {phases['import']} | {phases['build']} | {row['import_and_build_s']} "
            f"({row['import_and_build_min_s']}) | {phases['synth']} | "
            f"{trips['import']} / {trips['build']} / {trips['synth']} |"
        )
    print(
        f"\nSample app ÷ plain L1: {ratios['with packs']['time']}x the time and {ratios['with packs']['memory']}x the "
        f"peak memory with the cdk-nag packs; {ratios['without packs']['time']}x and "
        f"{ratios['without packs']['memory']}x without"
    )
    print(
        f"Import + construct building (the library's own phases) ÷ plain L1's: "
        f"{ratios['with packs']['import_and_build']}x with the packs, {ratios['without packs']['import_and_build']}x "
        "without"
    )


if __name__ == "__main__":
    main()
