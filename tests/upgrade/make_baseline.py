"""Regenerate the upgrade gate's baseline from a released commit: ``make upgrade-baseline REF=<release commit or tag>``.

The released tree is extracted with ``git archive REF`` into a temporary folder (no worktree, no checkout: the
repository's state is not touched), then a child process synthesizes the guarded apps of :mod:`tests.upgrade.apps`
with ``sms_constructs``, ``sms_constructs_runtime``, ``cdk.json`` and the test helpers imported **from that tree**
(it checks ``sms_constructs.__file__``), and writes one JSON file per stack, asset hashes scrubbed, into
``tests/upgrade/baseline/``, with ``manifest.json`` naming the commit and the stacks of each app.

Run it right after a release, with the release's commit, and commit the result with the release's CHANGELOG entry.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
BASELINE_DIR = HERE / "baseline"
MANIFEST = "manifest.json"


def extract(ref: str, into: Path) -> str:
    """Extract the tree of ``ref`` into ``into``; return the full commit id."""
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{ref}^{{commit}}"], cwd=REPO_ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    archive = subprocess.run(["git", "archive", commit], cwd=REPO_ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return commit


def synthesize_from(source: Path, commit: str, out: Path) -> None:
    """In this process (started by :func:`main` with ``--source``): import everything from ``source``, synthesize
    the guarded apps and write their templates into ``out``."""
    sys.path[:0] = [str(source), str(source / "lambda")]
    os.chdir(source)  # cdk.json and relative asset paths of the released tree
    import sms_constructs  # noqa: PLC0415

    if not Path(sms_constructs.__file__).resolve().is_relative_to(source.resolve()):
        raise SystemExit(f"sms_constructs imported from {sms_constructs.__file__}, not from {source}")
    spec = importlib.util.spec_from_file_location("upgrade_apps", HERE / "apps.py")
    assert spec is not None
    assert spec.loader is not None
    apps = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(apps)
    out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, object] = {"commit": commit, "apps": {}}
    for app_name in apps.APPS:
        templates = apps.synthesize(app_name)
        manifest["apps"][app_name] = sorted(templates)  # type: ignore[index]
        for stack_name, template in templates.items():
            (out / f"{stack_name}.json").write_text(json.dumps(template, indent=1, sort_keys=True) + "\n")
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    print(f"sms_constructs from {sms_constructs.__file__}; wrote {len(list(out.glob('*.json'))) - 1} templates")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", help="the released commit or tag to take the baseline from")
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--commit", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=BASELINE_DIR, help="where to write it (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.source is not None:
        synthesize_from(args.source, args.commit, args.out.resolve())
        return 0
    if not args.ref:
        parser.error("--ref is required (the release's commit or tag)")
    with tempfile.TemporaryDirectory(prefix="sms-constructs-baseline-") as tmp:
        source, staged = Path(tmp) / "src", Path(tmp) / "baseline"
        source.mkdir()
        commit = extract(args.ref, source)
        subprocess.run(
            [sys.executable, __file__, "--source", str(source), "--commit", commit, "--out", str(staged)],
            check=True,
            cwd=source,
        )
        shutil.rmtree(args.out, ignore_errors=True)
        shutil.copytree(staged, args.out)
    print(f"Baseline of {commit} written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
