"""Every ``python`` block of the docs and the README runs: a reader who copies an example finds that it works.

See ``tests/docs/snippets.py`` for what a snippet may assume (``self``, the aws_cdk aliases, the fixtures).
"""

from __future__ import annotations

import ast
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match, Template

from tests.conftest import REPO_ROOT
from tests.docs.snippets import PAGES, blocks_of, fixtures_used, malformed_markers, run_snippets

SNIPPET_PAGES = [page for page in PAGES if any(block.runs_as_snippet for block in blocks_of(page))]


def _page_id(page: Path) -> str:
    return str(page.relative_to(REPO_ROOT))


def test_every_resource_and_pattern_page_has_running_snippets() -> None:
    patterns = REPO_ROOT / "docs" / "patterns"
    # A split page (patterns/send-queue/: overview, guide, reference) counts its overview.
    pages = sorted(
        [*(REPO_ROOT / "docs" / "resources").glob("*.md"), *patterns.glob("*.md"), *patterns.glob("*/index.md")]
    )
    assert pages
    assert [_page_id(p) for p in pages if p not in SNIPPET_PAGES] == []


def test_markers_are_well_formed() -> None:
    problems = [problem for page in PAGES for problem in malformed_markers(page)]
    assert problems == []


@pytest.mark.parametrize("page", SNIPPET_PAGES, ids=_page_id)
def test_doc_snippets_run_and_synthesize(page: Path) -> None:
    blocks = [block for block in blocks_of(page) if block.runs_as_snippet]
    app = run_snippets(blocks)
    stacks = [child for child in app.node.children if isinstance(child, cdk.Stack)]
    for stack in stacks:
        Template.from_stack(stack)
        errors = Annotations.from_stack(stack).find_error("*", Match.any_value())
        assert errors == [], f"{_page_id(page)}: error annotations in {stack.stack_name}: {errors}"
    resources = sum(len(Template.from_stack(stack).to_json().get("Resources", {})) for stack in stacks)
    assert resources > 0, f"{_page_id(page)}: the snippets created no resource"


# --- the harness itself -------------------------------------------------------------------------------------------

PAGE = """# Page

```python
opt_outs = OptOutList(self, "OptOuts")
```

<!-- not-tested: calls AWS at run time -->
```python
boto3.client("pinpoint-sms-voice-v2").send_text_message()
```

<!-- tested: whole-app -->
```python
import aws_cdk
```

```bash
make synth
```
"""


def _page(tmp_path: Path, text: str) -> Path:
    page = tmp_path / "page.md"
    page.write_text(text)
    return page


def test_blocks_carry_their_language_marker_and_line(tmp_path: Path) -> None:
    blocks = blocks_of(_page(tmp_path, PAGE))

    assert [(b.lang, b.marker, b.marker_value, b.line) for b in blocks] == [
        ("python", None, "", 4),
        ("python", "not-tested", "calls AWS at run time", 9),
        ("python", "tested", "whole-app", 14),
        ("bash", None, "", 18),
    ]
    assert [b.runs_as_snippet for b in blocks] == [True, False, False, False]
    assert list(malformed_markers(_page(tmp_path, PAGE))) == []


def test_fails_marker_without_reason_or_not_before_a_block(tmp_path: Path) -> None:
    page = _page(
        tmp_path,
        "<!-- not-tested -->\n```python\nx = 1\n```\n\n<!-- not-tested: pseudo-code -->\nSome prose.\n\n"
        "<!-- not-tested: shell -->\n```bash\nls\n```\n",
    )

    problems = [problem.removeprefix(f"{tmp_path}/") for problem in malformed_markers(page)]

    assert problems == [
        "page.md:6: marker '<!-- not-tested: pseudo-code -->' is not right before a code block",
        "page.md:1: <!-- not-tested: ... --> needs a reason",
        "page.md:9: <!-- not-tested --> marks a bash block, not a Python one",
    ]


def test_fixtures_are_built_only_for_names_read_before_they_are_bound() -> None:
    trees = [ast.parse("number = PhoneNumber(self, 'N', keywords=keywords)\n"), ast.parse("print(number, topic)\n")]

    assert fixtures_used(trees) == ["keywords", "topic"]


def test_blocks_of_a_page_share_one_namespace_and_stack(tmp_path: Path) -> None:
    page = _page(
        tmp_path,
        '```python\nlists = [OptOutList(self, "A")]\n```\n\n```python\nlists.append(OptOutList(self, "B"))\n```\n',
    )

    app = run_snippets(blocks_of(page))

    stack = next(child for child in app.node.children if isinstance(child, cdk.Stack))
    Template.from_stack(stack).resource_count_is("AWS::SMSVOICE::OptOutList", 2)


def test_fails_a_broken_snippet_naming_the_page_line(tmp_path: Path) -> None:
    page = _page(tmp_path, '# T\n\n```python\nok = 1\nOptOutList(self, "Bad", opt_out_list_name="no spaces")\n```\n')

    with pytest.raises(AssertionError, match=r"page\.md:5 \(block at line 4\): ValidationError: .*opt_out_list_name"):
        run_snippets(blocks_of(page))


def test_blocks_in_tabs_and_admonitions_run_dedented(tmp_path: Path) -> None:
    """Material's content tabs and admonitions indent their blocks by four spaces: the harness still finds and runs
    them (each tab's block in page order, as a reader who picks one would not expect the others to break)."""
    page = _page(
        tmp_path,
        '# T\n\n=== "Sandbox"\n\n    ```python\n    sandbox = OptOutList(self, "Sandbox")\n    ```\n\n'
        '=== "Production"\n\n    <!-- not-tested: needs a registered number -->\n    ```python\n'
        "    raise RuntimeError\n    ```\n\n"
        '!!! warning "Costs"\n\n    ```python\n    OptOutList(self, "Warned")\n    ```\n',
    )

    blocks = blocks_of(page)

    assert [(b.line, b.marker, b.code) for b in blocks] == [
        (6, None, 'sandbox = OptOutList(self, "Sandbox")\n'),
        (13, "not-tested", "raise RuntimeError\n"),
        (19, None, 'OptOutList(self, "Warned")\n'),
    ]
    assert list(malformed_markers(page)) == []
    app = run_snippets([b for b in blocks if b.runs_as_snippet])
    stack = next(child for child in app.node.children if isinstance(child, cdk.Stack))
    Template.from_stack(stack).resource_count_is("AWS::SMSVOICE::OptOutList", 2)
