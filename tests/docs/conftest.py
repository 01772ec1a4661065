"""Reports, after the run, how many Python blocks of each doc page ran and how many were skipped, and why."""

from __future__ import annotations

from typing import Any

from tests.conftest import REPO_ROOT
from tests.docs.snippets import PAGES, blocks_of


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line per page with Python blocks: executed as snippets, run as scripts, skipped (with reasons)."""
    reporter = terminalreporter
    reporter.section("doc code blocks")
    totals = {"snippet": 0, "script": 0, "skipped": 0}
    for page in PAGES:
        python = [block for block in blocks_of(page) if block.lang == "python"]
        if not python:
            continue
        snippets = sum(block.runs_as_snippet for block in python)
        scripts = sum(block.marker == "tested" for block in python)
        skipped = [block for block in python if block.marker == "not-tested"]
        totals["snippet"] += snippets
        totals["script"] += scripts
        totals["skipped"] += len(skipped)
        reporter.write_line(
            f"{page.relative_to(REPO_ROOT)}: {snippets} run as snippets, {scripts} as scripts, {len(skipped)} skipped"
        )
        for block in skipped:
            reporter.write_line(f"    skipped {block.where}: {block.marker_value}")
    reporter.write_line(
        f"total: {totals['snippet']} run as snippets, {totals['script']} as scripts, {totals['skipped']} skipped"
    )
