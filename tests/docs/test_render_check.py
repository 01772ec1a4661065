"""The rendered check's parts that need no browser (docs/tools/render_check.py; the check itself: make docs-check).

Which pages it renders (from mkdocs.yml's nav), the overflow and resource rules on measurements as the browser
reports them, the summaries it writes, and the local server it renders from.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT
from tests.docs.tools import load_tool

rc = load_tool("render_check")

ORIGIN = "http://127.0.0.1:8123"


def _measured(**overrides: Any) -> dict[str, Any]:
    """Measurements of a page that fits: a 1280 px window, one table, one code block and one drawn diagram."""
    measured: dict[str, Any] = {
        "viewport_width": 1280,
        "page_width": 1280,
        "page_height": 3000,
        "elements": [
            {"kind": "table", "label": "table 1", "scroll_width": 700, "container_width": 748, "visible": True},
            {"kind": "code", "label": "code block 1", "scroll_width": 748, "container_width": 748, "visible": True},
            {"kind": "diagram", "label": "picture 1", "scroll_width": 600, "container_width": 748, "visible": True},
        ],
        "diagrams_rendered": 1,
        "diagram_sources": [],
    }
    measured.update(overrides)
    return measured


def _element(kind: str, scroll_width: int, container_width: int, *, visible: bool = True) -> dict[str, Any]:
    return {
        "kind": kind,
        "label": f"{kind} under X",
        "scroll_width": scroll_width,
        "container_width": container_width,
        "visible": visible,
    }


# --- which pages ----------------------------------------------------------------------------------------------------


def test_nav_pages_flattens_sections_and_leaves_out_links() -> None:
    nav = [
        {"Home": "index.md"},
        {"Guide": ["guide.md", {"Deep": [{"A": "guide/a.md"}]}]},
        {"Repository": "https://example.com/repo"},
        "bare.md",
    ]

    assert rc.nav_pages(nav) == ["index.md", "guide.md", "guide/a.md", "bare.md"]


def test_the_key_pages_of_the_site_are_the_ones_the_check_must_pass_on() -> None:
    nav = rc.load_nav(REPO_ROOT / "mkdocs.yml")
    pages = rc.key_pages(nav)
    in_nav = rc.nav_pages(nav)

    assert pages[0] == "index.md"
    assert any(page.startswith("getting-started") for page in pages)
    assert {"architecture.md", "benchmarks.md"} <= set(pages)
    assert [page for page in in_nav if page.startswith("patterns/")] == [p for p in pages if p.startswith("patterns/")]
    assert [page for page in in_nav if page.startswith("operations/")] == [
        p for p in pages if p.startswith("operations/")
    ]
    assert "operations/runbook.md" in pages
    assert pages[-1] == rc.API_PAGE
    assert len(pages) == len(set(pages))


def test_the_api_page_checked_is_one_the_site_generates() -> None:
    generated = {page.uri for page in load_tool("api_pages").api_pages()}

    assert rc.API_PAGE in generated


def test_key_pages_take_pages_added_under_a_key_folder_or_a_page_that_became_a_section() -> None:
    nav = [
        {"Home": "index.md"},
        {"Getting started": [{"In your app": "getting-started/app.md"}, {"Sample": "getting-started/sample.md"}]},
        {"Patterns": [{"Send queue": ["patterns/send-queue/index.md", {"Guide": "patterns/send-queue/guide.md"}]}]},
        {"Other": "resources/pool.md"},
    ]

    pages = rc.key_pages(nav, keys=("index.md", "getting-started.md", "patterns/"), api_page=None)

    assert pages == [
        "index.md",
        "getting-started/app.md",
        "getting-started/sample.md",
        "patterns/send-queue/index.md",
        "patterns/send-queue/guide.md",
    ]


def test_fails_when_a_key_page_is_no_longer_in_the_nav() -> None:
    with pytest.raises(ValueError, match=r"'benchmarks.md' selects no page"):
        rc.key_pages([{"Home": "index.md"}], keys=("index.md", "benchmarks.md"))


def test_page_urls_and_screenshot_names() -> None:
    assert rc.page_url("patterns/retry.md") == "patterns/retry.html"
    assert rc.page_url("index.md") == "index.html"
    assert rc.screenshot_name("api/patterns/send_queue.md", 390) == "api-patterns-send_queue-390.png"


def test_mermaid_blocks_counts_the_diagrams_of_a_built_page() -> None:
    html = '<pre class="mermaid"><code>flowchart LR</code></pre><pre><code>x</code></pre><pre class="mermaid"><code>'

    assert rc.mermaid_blocks(html) == 2


# --- the overflow rules ---------------------------------------------------------------------------------------------


def test_a_page_that_fits_has_no_finding() -> None:
    assert rc.layout_findings("p.md", 1280, _measured(), expected_diagrams=1) == []


@pytest.mark.parametrize(
    ("kind", "rule"),
    [("table", "table-overflow"), ("code", "code-overflow"), ("diagram", "diagram-overflow")],
)
def test_fails_an_element_wider_than_its_container(kind: str, rule: str) -> None:
    measured = _measured(elements=[_element(kind, 800, 748)])

    findings = rc.layout_findings("p.md", 1280, measured, expected_diagrams=1)

    assert findings == [rc.Finding("p.md", 1280, rule, f"{kind} under X: 800 px in 748 px")]


def test_a_pixel_of_rounding_is_tolerated_and_two_are_not() -> None:
    assert rc.layout_findings("p.md", 390, _measured(elements=[_element("code", 359, 358)]), 1) == []
    assert len(rc.layout_findings("p.md", 390, _measured(elements=[_element("code", 360, 358)]), 1)) == 1


def test_an_element_not_displayed_is_not_judged() -> None:
    measured = _measured(elements=[_element("table", 2000, 0, visible=False)])

    assert rc.layout_findings("p.md", 1280, measured, expected_diagrams=1) == []


def test_fails_a_page_wider_than_the_window() -> None:
    findings = rc.layout_findings("p.md", 390, _measured(viewport_width=390, page_width=452), expected_diagrams=1)

    assert [(f.rule, f.detail) for f in findings] == [("page-overflow", "page 452 px wide in a 390 px window")]


def test_fails_mermaid_diagrams_left_as_source() -> None:
    measured = _measured(diagrams_rendered=0, diagram_sources=['Mermaid diagram 1 under "Data flow" (flowchart TB)'])

    findings = rc.layout_findings("architecture.md", 1280, measured, expected_diagrams=2)

    assert [f.rule for f in findings] == ["diagram-unrendered"]
    assert findings[0].detail.startswith("2 of 2 Mermaid diagram(s) not drawn: Mermaid diagram 1 under")


# --- the resource rules ---------------------------------------------------------------------------------------------


def test_requests_to_the_local_server_that_succeed_have_no_finding() -> None:
    requests = [
        rc.Request(f"{ORIGIN}/index.html", status=200),
        rc.Request(f"{ORIGIN}/assets/javascripts/bundle.js", status=304),
        rc.Request("data:image/svg+xml;base64,PHN2Zz4=", error="net::ERR_FAILED"),
        rc.Request("blob:http://127.0.0.1:8123/1234"),
    ]

    assert rc.resource_findings("p.md", 1280, requests, ORIGIN) == []


def test_fails_a_request_to_another_origin_even_when_it_succeeds() -> None:
    requests = [
        rc.Request("https://unpkg.com/mermaid@11/dist/mermaid.min.js", error="net::ERR_NAME_NOT_RESOLVED"),
        rc.Request("https://fonts.googleapis.com/css?family=Roboto", status=200),
        rc.Request("http://127.0.0.1:9999/other-port.js", status=200),
    ]

    findings = rc.resource_findings("p.md", 1280, requests, ORIGIN)

    assert [f.rule for f in findings] == ["resource-off-origin"] * 3
    assert findings[0].detail == "https://unpkg.com/mermaid@11/dist/mermaid.min.js"


def test_fails_a_local_request_that_errors_or_is_answered_with_an_error_status() -> None:
    requests = [
        rc.Request(f"{ORIGIN}/assets/missing.js", status=404),
        rc.Request(f"{ORIGIN}/assets/aborted.css", error="net::ERR_ABORTED"),
    ]

    findings = rc.resource_findings("p.md", 390, requests, ORIGIN)

    assert [(f.rule, f.detail) for f in findings] == [
        ("resource-failed", f"{ORIGIN}/assets/missing.js: HTTP 404"),
        ("resource-failed", f"{ORIGIN}/assets/aborted.css: net::ERR_ABORTED"),
    ]


def test_the_measuring_script_reports_every_field_the_rules_read() -> None:
    for field in (
        "viewport_width",
        "page_width",
        "page_height",
        "elements",
        "scroll_width",
        "container_width",
        "visible",
        "diagrams_rendered",
        "diagram_sources",
    ):
        assert f"{field}:" in rc.MEASURE_JS or f"{field}," in rc.MEASURE_JS, field
    for kind in rc.ELEMENT_RULES:
        assert f'kind: "{kind}"' in rc.MEASURE_JS


# --- the report -----------------------------------------------------------------------------------------------------


def _results() -> list[Any]:
    overflow = rc.Finding("patterns/retry.md", 390, "code-overflow", "code block 2 | pipes: 600 px in 358 px")
    return [
        rc.PageResult("index.md", 1280, "index-1280.png"),
        rc.PageResult("index.md", 390, "index-390.png"),
        rc.PageResult("patterns/retry.md", 1280, "patterns-retry-1280.png"),
        rc.PageResult("patterns/retry.md", 390, "patterns-retry-390.png", [overflow]),
    ]


def test_the_json_summary_fails_with_counts_per_rule_and_every_render() -> None:
    data = rc.summary(_results())

    assert data["passed"] is False
    assert (data["pages"], data["widths"], data["failures"]) == (2, [1280, 390], 1)
    assert data["failures_by_rule"] == {"code-overflow": 1}
    assert data["results"][3] == {
        "page": "patterns/retry.md",
        "width": 390,
        "screenshot": "patterns-retry-390.png",
        "findings": [{"rule": "code-overflow", "detail": "code block 2 | pipes: 600 px in 358 px"}],
    }
    json.dumps(data)


def test_the_json_summary_passes_when_nothing_was_found() -> None:
    data = rc.summary(_results()[:3])

    assert data["passed"] is True
    assert data["failures_by_rule"] == {}


def test_the_markdown_summary_has_a_verdict_a_page_table_and_every_finding() -> None:
    text = rc.summary_markdown(_results())

    assert text.startswith("# Rendered check: FAILED: 1 finding(s)\n")
    assert "- code block scrolls sideways (`code-overflow`): 1" in text
    assert "| Page | 1280 px | 390 px |" in text
    assert "| `index.md` | ok ([screenshot](index-1280.png)) | ok ([screenshot](index-390.png)) |" in text
    assert "| `patterns/retry.md` | ok ([screenshot](patterns-retry-1280.png)) | **1** (" in text
    assert "### `patterns/retry.md` at 390 px" in text
    assert "- `code-overflow`: code block 2 \\| pipes: 600 px in 358 px" in text


def test_the_markdown_summary_of_a_clean_run_says_passed() -> None:
    text = rc.summary_markdown(_results()[:2])

    assert text.startswith("# Rendered check: PASSED\n")
    assert "## Findings" not in text


# --- the local server -----------------------------------------------------------------------------------------------


def test_the_server_serves_the_site_on_loopback_only_and_stops(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<h1>hello</h1>")

    with rc.serve(tmp_path, lifetime=30) as origin:
        assert origin.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{origin}/index.html", timeout=5) as response:
            assert response.read() == b"<h1>hello</h1>"

    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{origin}/index.html", timeout=2)
