"""Code blocks marked ``<!-- tested: NAME -->`` run as complete scripts: a consumer writing from the docs succeeds.

Every other Python block of the docs runs as a snippet (``test_snippets.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.docs.snippets import PAGES, blocks_of


def _marked_blocks() -> list[tuple[str, str]]:
    return [
        (f"{page.relative_to(REPO_ROOT)}::{block.marker_value}", block.code)
        for page in PAGES
        for block in blocks_of(page)
        if block.marker == "tested"
    ]


BLOCKS = _marked_blocks()


def test_docs_have_a_tested_consumer_app() -> None:
    assert any(name.endswith("::consumer-app") for name, _ in BLOCKS)


@pytest.mark.parametrize(("name", "code"), BLOCKS, ids=[name for name, _ in BLOCKS])
def test_marked_doc_example_synthesizes(name: str, code: str, tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(code)
    outdir = tmp_path / "cdk.out"
    env = {**os.environ, "CDK_OUTDIR": str(outdir), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{name} failed:\n{result.stderr[-3000:]}"
    manifest = json.loads((outdir / "manifest.json").read_text())
    stacks = [a for a in manifest["artifacts"].values() if a["type"] == "aws:cloudformation:stack"]
    assert stacks, f"{name} synthesized no stack"
    for stack in stacks:
        template = json.loads((outdir / stack["properties"]["templateFile"]).read_text())
        assert template.get("Resources"), f"{name}: empty template"
