"""The documentation site builds strictly, and its API reference documents every public name.

One build of the real site (``mkdocs build --strict``, in a subprocess, as ``make docs`` runs it) serves every test
here; a second, tiny build shows that the strict settings really fail on what they should.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import griffe
import pytest
import sms_constructs_runtime

import sms_constructs
from tests.conftest import REPO_ROOT
from tests.docs.tools import TOOLS, load_tool


def _build(config: Path, site_dir: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """``mkdocs build --strict`` of ``config`` into ``site_dir``, and how long it took (seconds)."""
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(config),
            "--site-dir",
            str(site_dir),
        ],
        cwd=config.parent,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    return result, time.monotonic() - started


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once from the repository's mkdocs.yml."""
    site_dir = tmp_path_factory.mktemp("site")
    result, seconds = _build(REPO_ROOT / "mkdocs.yml", site_dir)
    assert result.returncode == 0, f"mkdocs build --strict failed after {seconds:.1f} s:\n{result.stderr[-4000:]}"
    return site_dir


def _anchors(site: Path) -> set[str]:
    return {
        anchor for page in (site / "api").rglob("*.html") for anchor in re.findall(r'id="([^"]+)"', page.read_text())
    }


def _public_names() -> list[tuple[str, Any]]:
    return [
        *((name, getattr(sms_constructs, name)) for name in sms_constructs.__all__),
        *((name, getattr(sms_constructs_runtime, name)) for name in sms_constructs_runtime.__all__),
    ]


def test_every_public_name_has_its_entry_in_the_api_reference(site: Path) -> None:
    anchors = _anchors(site)
    missing = []
    for name, value in _public_names():
        if isinstance(value, type) or callable(value):
            # Documented where it is defined: sms_constructs.Pool on the page of sms_constructs.resources.pool.
            expected = f"{value.__module__}.{value.__qualname__}"
            if expected not in anchors:
                missing.append(expected)
        elif not any(anchor.endswith(f".{name}") for anchor in anchors):
            missing.append(name)
    assert missing == []


def test_the_api_overview_lists_every_public_name(site: Path) -> None:
    overview = (site / "api" / "index.html").read_text()
    assert [name for name, _ in _public_names() if f"<code>{name}</code>" not in overview] == []


def test_api_pages_render_sphinx_fields_as_parameter_tables(site: Path) -> None:
    page = (site / "api" / "resources" / "pool.html").read_text()
    parameters = page[page.index('id="sms_constructs.resources.pool.Pool"') :]

    assert "Parameters:" in parameters
    assert re.search(r"<code>origination_identities</code>", parameters)
    assert ":param" not in page  # every field was parsed, none left as text


def test_docstring_roles_become_links_to_the_objects_they_name(site: Path) -> None:
    page = (site / "api" / "runtime" / "contract.html").read_text()

    # SendRequest.from_dict: "Validate a decoded message; raises :class:`ContractError`."
    assert re.search(
        r'raises <a class="autorefs[^"]*"[^>]*href="#sms_constructs_runtime\.contract\.ContractError"><code>'
        r"ContractError</code></a>",
        page,
    )
    assert ":class:`" not in page


def test_the_navigation_goes_by_layer(site: Path) -> None:
    home = (site / "index.html").read_text()
    sections = re.findall(
        r'data-md-level="1"[^>]*>\s*<label class="md-nav__title"[^>]*>\s*<span class="md-nav__icon md-icon"></span>'
        r"\s*([^<]+?)\s*<",
        home,
    )

    expected = [
        "Getting started",
        "Resources (L2)",
        "Patterns (L3)",
        "Sample app",
        "Operations",
        "Compliance",
        "API reference",
    ]
    assert [section for section in sections if section in expected] == expected


def test_the_sample_app_diagram_is_rendered_as_mermaid(site: Path) -> None:
    page = (site / "sample-app" / "diagram.html").read_text()

    # Per profile: the overview, then the stacks (tests/sample_app/test_diagram.py): every fence drawn.
    drawn = (REPO_ROOT / "docs" / "sample-app" / "diagram.md").read_text(encoding="utf-8").count("```mermaid")
    assert drawn >= 10
    assert page.count('class="mermaid"') == drawn
    assert "flowchart LR" in page


def test_props_tables_render_as_definition_lists_also_inside_collapsible_blocks(site: Path) -> None:
    registration = (site / "resources" / "registration.html").read_text()
    forms = registration[registration.index('id="the-forms"') :]

    assert len(re.findall(r'<div class="props-table">\s*<dl>', registration)) == 2  # Registration, the attachment
    assert len(re.findall(r"<details class=\"note\">\s*<summary>.*?</summary>.*?<dl>", forms, re.S)) == 5
    assert "<dt><code>company_name</code> · <code>str</code></dt>\n<dd><em>required</em></dd>" in forms
    assert ":   " not in registration
    assert "markdown>" not in registration
    assert "props-table" in (site / "stylesheets" / "extra.css").read_text()


def test_long_tables_fold_and_choices_are_tabs(site: Path) -> None:
    reference = (site / "patterns" / "send-queue" / "reference.html").read_text()
    errors = reference[reference.index('<div class="send-errors">') :]
    getting_started = (site / "getting-started.html").read_text()

    # The send errors: a table per outcome, each reason breakable only after an underscore.
    assert re.match(r'<div class="send-errors">\s*<!-- send-errors:begin -->\s*<h3 id="rejected">', errors)
    assert len(re.findall(r"<h3 id=\"[\w-]+\">.*?</h3>\s*<p>.*?</p>\s*<table>", errors, re.S)) == 4
    assert "<code>DESTINATION_<wbr>PHONE_<wbr>NUMBER_<wbr>OPTED_<wbr>OUT</code>" in errors
    assert re.findall(r'<label for="__tabbed_\d+_\d+">([^<]+)</label>', getting_started) == [
        "Sandbox",
        "Production",
        "Sandbox",
        "Production",
    ]
    assert '<div class="admonition warning">' in getting_started


# --- the strict settings really fail ------------------------------------------------------------------------------


def test_fails_a_strict_build_on_a_broken_link_anchor_unlisted_page_or_unresolved_docstring_reference(
    tmp_path: Path,
) -> None:
    """A small site that inherits the real settings and breaks each rule once; the build must name all four."""
    (tmp_path / "src" / "demo").mkdir(parents=True)
    (tmp_path / "src" / "demo" / "__init__.py").write_text(
        '"""Demo."""\n\n\nclass Thing:\n    """Uses :class:`Nowhere`."""\n'
    )
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n\n[gone](missing.md) and [no anchor](other.md#nothing-here)\n")
    (docs / "other.md").write_text("# Other\n\n::: demo.Thing\n")
    (docs / "unlisted.md").write_text("# Not in the navigation\n")
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        textwrap.dedent(
            f"""\
            INHERIT: {REPO_ROOT / "mkdocs.yml"}
            docs_dir: docs
            theme:
              custom_dir: {REPO_ROOT / "docs" / "overrides"}
            hooks: []
            nav: [index.md, other.md]
            plugins:
              - autorefs
              - mkdocstrings:
                  handlers:
                    python:
                      paths: [src]
                      options:
                        docstring_style: sphinx
                        extensions: [{TOOLS / "griffe_sphinx_roles.py"}]
            """
        )
    )

    result, _ = _build(config, tmp_path / "site")

    assert result.returncode != 0
    assert "'missing.md'" in result.stderr
    assert "'#nothing-here'" in result.stderr
    assert "unlisted.md" in result.stderr
    assert ":class:`Nowhere` does not resolve" in result.stderr


# --- the griffe extension -----------------------------------------------------------------------------------------


ROLES = load_tool("griffe_sphinx_roles")


def test_roles_resolve_from_the_docstring_scope_as_python_would(caplog: pytest.LogCaptureFixture) -> None:
    source = '''
        """Module."""

        from .other import Helper


        class Queue:
            """See :class:`Helper`, :meth:`send`, :meth:`~Queue.send` and :class:`demo.other.Helper`."""

            def send(self) -> None:
                """Like :meth:`Queue.send`; :class:`int` and :class:`logging.Logger` are not ours."""
    '''
    modules = {"__init__.py": textwrap.dedent(source), "other.py": '"""Other."""\n\n\nclass Helper:\n    """H."""\n'}
    extension = griffe.load_extensions(ROLES.SphinxRoles)
    with (
        caplog.at_level(logging.WARNING),
        griffe.temporary_visited_package("demo", modules, extensions=extension) as package,
    ):
        queue = package["Queue"]
        assert queue.docstring.value == (
            "See [`Helper`][demo.other.Helper], [`send`][demo.Queue.send], [`send`][demo.Queue.send] and "
            "[`demo.other.Helper`][demo.other.Helper]."
        )
        assert queue["send"].docstring.value == (
            "Like [`Queue.send`][demo.Queue.send]; `int` and `logging.Logger` are not ours."
        )
    assert caplog.text == ""


def test_fails_an_unresolved_role_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    modules = {"__init__.py": '"""Module."""\n\n\nclass Queue:\n    """See :class:`Missing`."""\n'}
    extension = griffe.load_extensions(ROLES.SphinxRoles)
    with (
        caplog.at_level(logging.WARNING),
        griffe.temporary_visited_package("demo", modules, extensions=extension) as package,
    ):
        assert package["Queue"].docstring.value == "See `Missing`."
    assert "demo.Queue: docstring reference :class:`Missing` does not resolve" in caplog.text


def test_literal_blocks_become_fenced_python_and_lists_get_their_blank_line() -> None:
    text = "Example::\n\n    pool = Pool(self, 'P')\n    pool.grant(fn)\n\nThen:\n- one\n- two"

    assert ROLES.convert_blocks(text) == (
        "Example:\n\n```python\npool = Pool(self, 'P')\npool.grant(fn)\n```\n\nThen:\n\n- one\n- two"
    )


def test_api_pages_group_every_exported_name_by_layer() -> None:
    pages = load_tool("api_pages").api_pages()
    by_uri = {page.uri: page for page in pages}

    assert [name for _, name, _ in by_uri["api/resources/pool.md"].names] == ["Pool", "PoolBase"]
    producer = by_uri["api/runtime/producer.md"]
    assert ("sms_constructs_runtime.producer.SmsProducer", "SmsProducer") in [
        (path, name) for path, name, _ in producer.names
    ]
    assert {page.layer for page in pages} == {"Resources (L2)", "Patterns (L3)", "Rule pack", "Errors", "Runtime"}
    documented = {name for page in pages for _, name, _ in page.names}
    assert documented == set(sms_constructs.__all__) | set(sms_constructs_runtime.__all__)


def test_every_page_shows_the_release_version_in_its_footer(site: Path) -> None:
    version = load_tool("version").release_version()
    for page in ("index.html", "getting-started.html", "operations.html"):
        assert f"sms-constructs {version}" in (site / page).read_text(), page


def test_the_home_page_names_the_release_and_links_its_changelog(site: Path) -> None:
    version = load_tool("version").release_version()
    home = (site / "index.html").read_text()

    assert re.search(rf"<strong>Release</strong>\s*<strong>{re.escape(version)}</strong>", home)
    assert 'href="changelog.html"' in home
    assert 'href="upgrading.html"' in home
    assert "<!-- release-version -->" not in home


def test_the_sitemap_lists_every_page(site: Path) -> None:
    """Without DOCS_URL the sitemap holds the preview's addresses (test_home.py: the published ones)."""
    locations = re.findall(r"<loc>([^<]+)</loc>", (site / "sitemap.xml").read_text())

    assert len(locations) > 50  # every page of the navigation, the API reference included
    assert "http://127.0.0.1:8000/getting-started.html" in locations
