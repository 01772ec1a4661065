"""The built site loads nothing from another origin: Mermaid is served by the site itself, the fonts are the system's,
and every diagram has a full-size view that works from disk too."""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import REPO_ROOT
from tests.docs.tools import load_tool

#: ``<link rel>`` values that make the browser fetch the ``href`` (``canonical``, ``alternate`` only name a page).
FETCHING_RELS = frozenset(
    {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "prefetch", "preconnect", "modulepreload",
     "dns-prefetch", "manifest"}
)  # fmt: skip


class _Loads(HTMLParser):
    """The URLs a page makes the browser fetch: ``<script src>``, fetching ``<link href>``, ``<img>``/``<iframe>``
    ``src``."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in ("script", "img", "iframe", "source", "embed") and values.get("src"):
            self.urls.append(values["src"])
        elif tag == "link" and FETCHING_RELS & set(values.get("rel", "").lower().split()):
            self.urls.append(values.get("href", ""))


def loads(html: str) -> list[str]:
    """What ``html`` fetches (see :class:`_Loads`)."""
    parser = _Loads()
    parser.feed(html)
    return parser.urls


def _foreign(url: str) -> bool:
    """Whether ``url`` is on another origin (any scheme or host; ``data:`` is inline)."""
    parts = urlsplit(url)
    return parts.scheme not in ("", "data") or bool(parts.netloc)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built strictly once from the repository's mkdocs.yml (as ``make docs`` does)."""
    site_dir = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=REPO_ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr[-4000:]}"
    return site_dir


def test_no_page_loads_a_script_a_stylesheet_a_font_or_an_image_from_another_origin(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    foreign = {
        str(page.relative_to(site)): urls
        for page in pages
        if (urls := [url for url in loads(page.read_text(encoding="utf-8")) if _foreign(url)])
    }

    assert len(pages) > 40
    assert foreign == {}


def _target(site: Path, page: Path, url: str) -> Path:
    """The file ``url`` names: relative to ``page``, or (``404.html``'s root-relative links) to the site's root."""
    path = urlsplit(url).path
    return (site / path.lstrip("/")) if path.startswith("/") else (page.parent / path).resolve()


def test_every_local_script_and_stylesheet_a_page_loads_is_in_the_site(site: Path) -> None:
    missing = {
        f"{page.relative_to(site)} -> {url}"
        for page in site.rglob("*.html")
        for url in loads(page.read_text(encoding="utf-8"))
        if not _foreign(url) and url and not _target(site, page, url).is_file()
    }

    assert missing == set()


def test_pages_with_a_diagram_load_the_sites_own_mermaid_before_materials_script(site: Path) -> None:
    page = (site / "sample-app" / "diagram.html").read_text(encoding="utf-8")
    scripts = [url for url in loads(page) if url.endswith(".js")]

    assert (site / "javascripts" / "mermaid.min.js").stat().st_size > 1_000_000
    assert scripts.index("../javascripts/mermaid.min.js") < next(
        index for index, url in enumerate(scripts) if "bundle." in url
    )
    # Only pages that draw a diagram pay for the 3.5 MB script.
    assert "mermaid.min.js" not in (site / "compliance.html").read_text(encoding="utf-8")


def test_every_diagram_links_to_its_full_size_view(site: Path) -> None:
    page = (site / "sample-app" / "diagram.html").read_text(encoding="utf-8")
    full = site / "sample-app" / "diagram-full-1.html"
    views = sorted((site / "sample-app").glob("diagram-full-*.html"))

    drawn = (REPO_ROOT / "docs" / "sample-app" / "diagram.md").read_text(encoding="utf-8").count("```mermaid")
    assert drawn >= 10  # per profile: the overview, then the stacks (split per construct when large)
    assert page.count('class="mermaid"') == len(views) == page.count('class="diagram-full-size"') == drawn
    text = full.read_text(encoding="utf-8")
    assert loads(text) == ["../javascripts/mermaid.min.js"]
    assert '<pre class="mermaid">' in text
    assert 'href="diagram.html"' in text
    assert "useMaxWidth: false" in text


def test_the_hook_reads_every_mermaid_fence_with_its_heading() -> None:
    mermaid = load_tool("mermaid")
    markdown = (
        "# Page\n\n## First\n\n```mermaid\nflowchart LR\n  a --> b\n```\n\n"
        "!!! note\n    ```mermaid\n    flowchart TB\n    ```\n"
    )

    assert mermaid.diagrams(markdown) == [("First", "flowchart LR\n  a --> b"), ("First", "flowchart TB")]
    assert mermaid.full_size_uri("sample-app/diagram.md", 2) == "sample-app/diagram-full-2.html"


def test_the_repository_pins_mermaid_in_the_lockfile() -> None:
    lock = (REPO_ROOT / "package-lock.json").read_text(encoding="utf-8")

    assert '"node_modules/mermaid"' in lock
    assert load_tool("mermaid").MERMAID_SOURCE == REPO_ROOT / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
