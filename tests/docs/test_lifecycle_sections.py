"""Every construct page says what create, update, replacement, rollback and delete do (design.md §4, decision 14).

The pages are those of the Resources and Patterns sections of ``mkdocs.yml``'s nav, plus every page of
``docs/resources`` and ``docs/patterns``, so a new construct page is covered as soon as it exists.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO_ROOT

DOCS = REPO_ROOT / "docs"
CONSTRUCT_FOLDERS = ("resources", "patterns")
HEADING = "Lifecycle"
#: The words the section must use, each as the start of a word (``updates``, ``deleted`` and ``rolled back`` count).
EVENTS = {
    "create": r"\bcreat",
    "update": r"\bupdat",
    "replacement": r"\breplace",
    "rollback": r"\broll(?:ed|s|ing)?[ -]?back",
    "delete": r"\bdelet",
}


class _NavLoader(yaml.SafeLoader):
    """A safe loader that reads mkdocs.yml's ``!!python/name:`` and ``!ENV`` tags as plain values."""


def _ignore_tag(_loader: yaml.SafeLoader, _suffix: str, _node: yaml.Node) -> None:
    """Any tagged value (a Python name, an environment variable) reads as ``None``: only the nav matters here."""


_NavLoader.add_multi_constructor("", _ignore_tag)


def _nav_pages(entries: Any) -> list[str]:
    """Every page path under ``entries`` (a nav list, or one entry), depth first."""
    if isinstance(entries, str):
        return [entries]
    if isinstance(entries, list):
        return [page for entry in entries for page in _nav_pages(entry)]
    if isinstance(entries, dict):
        return [page for value in entries.values() for page in _nav_pages(value)]
    return []


def construct_pages() -> list[Path]:
    """The construct pages: nav entries under ``resources/`` and ``patterns/`` and the Markdown files there; a
    construct whose page is split (``patterns/send-queue/``: overview, guide, reference) counts its overview,
    ``index.md``."""
    config = yaml.load((REPO_ROOT / "mkdocs.yml").read_text(), Loader=_NavLoader)
    in_nav = {
        DOCS / page
        for page in _nav_pages(config["nav"])
        if page.split("/", 1)[0] in CONSTRUCT_FOLDERS and (page.count("/") == 1 or page.endswith("/index.md"))
    }
    in_folders = {
        page
        for folder in CONSTRUCT_FOLDERS
        for page in [*(DOCS / folder).glob("*.md"), *(DOCS / folder).glob("*/index.md")]
    }
    return sorted(in_nav | in_folders)


def lifecycle_section(text: str) -> str | None:
    """The text of the ``## Lifecycle`` section (up to the next heading of level 1 or 2), or ``None``."""
    lines = text.splitlines()
    for start, line in enumerate(lines):
        if re.fullmatch(rf"##\s+{HEADING}\s*(\{{[^}}]*\}})?\s*", line):
            body = []
            for following in lines[start + 1 :]:
                if re.match(r"#{1,2}\s", following):
                    break
                body.append(following)
            return "\n".join(body)
    return None


def missing_events(text: str) -> list[str]:
    """The lifecycle events a page's ``## Lifecycle`` section does not mention (all of them without the section)."""
    section = lifecycle_section(text)
    if section is None:
        return list(EVENTS)
    return [event for event, pattern in EVENTS.items() if not re.search(pattern, section, re.IGNORECASE)]


def test_the_nav_and_the_folders_give_the_construct_pages() -> None:
    pages = construct_pages()

    assert DOCS / "resources" / "phone-number.md" in pages
    assert DOCS / "patterns" / "send-queue" / "index.md" in pages
    assert DOCS / "patterns" / "send-queue" / "reference.md" not in pages
    assert DOCS / "patterns" / "event-analytics" / "index.md" in pages
    assert DOCS / "patterns" / "monitoring" / "index.md" in pages
    assert all(page.exists() for page in pages), [str(page) for page in pages if not page.exists()]


@pytest.mark.parametrize("page", construct_pages(), ids=lambda page: str(page.relative_to(DOCS)))
def test_every_construct_page_has_a_lifecycle_section_naming_each_event(page: Path) -> None:
    text = page.read_text()

    assert lifecycle_section(text) is not None, f"{page.relative_to(REPO_ROOT)} has no '## {HEADING}' section"
    assert missing_events(text) == [], f"{page.relative_to(REPO_ROOT)}'s '## {HEADING}' section does not mention these"


COMPLETE = """# Thing

## Lifecycle

- **Create**: a thing. **Update**: in place. **Replacement**: a new thing.
- **Rollback** keeps it. **Delete**: retained.

## Props
"""


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        (COMPLETE, []),
        (COMPLETE.replace("## Lifecycle", "## Lifecycle {#updates-and-deletion}"), []),
        ("# Thing\n\n## Props\n\nCreate, update, replacement, rollback, delete.\n", list(EVENTS)),
        (COMPLETE.replace("**Rollback** keeps it.", ""), ["rollback"]),
        (COMPLETE.replace("**Replacement**: a new thing.", ""), ["replacement"]),
        # The words must be in the section itself, not in a later one.
        (COMPLETE.replace("**Delete**: retained.", "") + "\nDeleted with the stack.\n", ["delete"]),
        ("## Lifecycle\n\nNothing to say.\n", list(EVENTS)),
    ],
    ids=["complete", "heading-with-anchor", "no-section", "no-rollback", "no-replacement", "delete-elsewhere", "empty"],
)
def test_the_check_fails_a_page_that_misses_an_event(text: str, missing: list[str]) -> None:
    assert missing_events(text) == missing
