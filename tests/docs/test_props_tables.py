"""The props tables of the construct pages are generated from the docstrings (``make props``) and current.

``docs/tools/props_tables.py`` writes each table (a definition list, API-style: name and type, default, description)
between ``<!-- props:begin NAME -->`` and ``<!-- props:end -->``;
these tests fail when a committed table is not what the docstrings give, when a construct page has no table, and when a
public construct has no table on any page.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from constructs import Construct

import sms_constructs
from tests.conftest import REPO_ROOT
from tests.docs.tools import load_tool

props = load_tool("props_tables")

#: Public constructs whose props are those of the method that creates them, and that method's table stands for them.
CREATED_BY_A_METHOD = {"ConfigurationSetEventDestination": "ConfigurationSet.add_event_destination"}


def _targets_by_page() -> dict[str, list[str]]:
    return {
        str(page.relative_to(REPO_ROOT)): [target for _, _, _, target in props.blocks(page.read_text())]
        for page in sorted((REPO_ROOT / "docs").rglob("*.md"))
    }


def test_committed_props_tables_are_what_the_docstrings_give() -> None:
    assert props.stale_pages(REPO_ROOT) == [], "run make props"


def test_every_resource_and_pattern_page_has_a_props_table() -> None:
    pages = _targets_by_page()
    construct_pages = [page for page in pages if re.match(r"docs/(resources|patterns)/[^/]+\.md$", page)]

    assert construct_pages
    assert [page for page in construct_pages if not pages[page]] == []


def test_every_public_construct_has_its_props_table_on_a_page() -> None:
    documented = {target for targets in _targets_by_page().values() for target in targets}
    constructs = [
        name
        for name in sms_constructs.__all__
        if inspect.isclass(cls := getattr(sms_constructs, name))
        and issubclass(cls, Construct)
        and "__init__" in vars(cls)  # not the bases of owned and imported resources (PoolBase)
    ]

    assert {"Pool", "SmsSendQueue", "ConfigurationSetEventDestination"} <= set(constructs)
    missing = [
        name for name in constructs if name not in documented and CREATED_BY_A_METHOD.get(name) not in documented
    ]
    assert missing == []


# --- the generator ------------------------------------------------------------------------------------------------


def _names(lines: list[str]) -> list[str]:
    """The prop names of a list's terms (a term is a line that is neither blank nor a definition)."""
    return [line.split(props.NAME_TYPE_SEPARATOR)[0] for line in lines if line and not line.startswith(":")]


def test_an_entry_splits_the_field_at_default_and_drops_the_none_of_an_optional_type() -> None:
    entry = props.Prop(
        name="opt_out_list",
        annotation="IOptOutListRef | None",
        required=False,
        text="Opt-out list of the pool. Default: the account's default opt-out list.",
    ).entry()

    assert entry == [
        "`opt_out_list` · `IOptOutListRef`",
        ":   Default: the account's default opt-out list",
        ":   Opt-out list of the pool.",
    ]


def test_an_entry_of_a_required_prop_says_required_and_keeps_pipes_unescaped() -> None:
    entry = props.Prop(
        name="tax_id",
        annotation="str | RegistrationFieldValue",
        required=True,
        text="The tax ID, ``a | b``. No default: carriers require it.",
    ).entry()

    assert entry == [
        "`tax_id` · `str` | `RegistrationFieldValue`",
        ":   *required*: carriers require it",
        ":   The tax ID, `a | b`.",
    ]


def test_entries_are_separated_by_blank_lines_so_each_is_a_term_and_its_definitions() -> None:
    lines = props.table("VerifiedDestinationNumber")

    assert lines[3] == ""
    assert lines[0].startswith("`destination_phone_number` · `str`")
    assert lines[1] == ":   *required*"


@pytest.mark.parametrize(
    ("text", "default"),
    [
        ("Replies. No default: carriers require both.", "*required*: carriers require both"),
        ("Replies. No default (``add_event_destination``: ``True``).", "*required* (`add_event_destination`: `True`)"),
        ("Replies. No default: required.", "*required*"),
        ("Replies. No default.", "*required*"),
        ("Replies.", "*required*"),
    ],
    ids=["reason", "parenthesis", "required-twice", "bare", "unsaid"],
)
def test_a_required_parameter_says_required_and_why(text: str, default: str) -> None:
    assert props.split_default(text, required=True) == ("Replies.", default)


def test_the_last_default_wins_and_its_final_period_goes() -> None:
    text = "Was once documented with Default: none. Default: ``RetentionDays.ONE_YEAR``."

    assert props.split_default(text, required=False) == (
        "Was once documented with Default: none.",
        "`RetentionDays.ONE_YEAR`",
    )


def test_fails_an_optional_parameter_whose_field_states_no_default() -> None:
    with pytest.raises(props.PropsError, match=r"an optional parameter's field must say 'Default: \.\.\.'"):
        props.split_default("The retention of the logs.", required=False)


def test_markdown_turns_rest_into_code_and_escapes_pipes() -> None:
    text = "Like :class:`~sms_constructs.Pool` and ``a | b``; ``x`` | y, see :meth:`SmsSendQueue.add_producer`."

    assert props.markdown(text) == (r"Like `Pool` and <code>a &#124; b</code>; `x` \| y, see `add_producer`.")
    assert props.markdown(text, table=False) == "Like `Pool` and `a | b`; `x` | y, see `add_producer`."


@pytest.mark.parametrize(
    ("annotation", "optional", "cell"),
    [
        ("cdk.RemovalPolicy | None", True, "`cdk.RemovalPolicy`"),
        ("datetime | int | None", True, r"`datetime` \| `int`"),
        ("cdk.Duration | None", False, r"`cdk.Duration` \| `None`"),
        ("Mapping[str, int | None] | None", True, "`Mapping[str, int | None]`"),
        ("", False, ""),
    ],
)
def test_type_cells_split_unions_at_the_top_level_only(annotation: str, optional: bool, cell: str) -> None:
    assert props.type_cell(annotation, optional=optional) == cell
    assert props.type_cell(annotation, optional=optional, table=False) == cell.replace(r" \| ", " | ")


def test_a_construct_table_lists_the_keyword_props_in_order_without_scope_and_id() -> None:
    lines = props.table("VerifiedDestinationNumber")

    assert _names(lines) == ["`destination_phone_number`", "`removal_policy`"]
    assert ":   *required*" in lines


def test_a_method_table_has_parameters_and_a_dataclass_table_its_fields() -> None:
    method = props.table("ConfigurationSet.add_event_destination")
    dataclass = props.table("OptionalKeyword")

    assert _names(method) == ["`destination`", "`events`", "`enabled`", "`event_destination_name`"]
    assert _names(dataclass) == ["`keyword`", "`message`", "`action`"]
    assert ":   Default: `KeywordAction.AUTOMATIC_RESPONSE` (reply only)" in dataclass


def test_an_optional_scope_is_a_prop() -> None:
    """``SmsChecks(scope=None)`` is a cdk-nag pack, not a construct: its optional scope is documented."""
    assert "`scope`" in _names(props.table("SmsChecks"))


def test_render_fills_each_block_at_its_indentation(tmp_path: Path) -> None:
    page = (
        "# Page\n\n<!-- props:begin RawEventBackup -->\nold\n<!-- props:end -->\n\n"
        '??? note "Fields"\n\n    <!-- props:begin RawEventBackup -->\n    <!-- props:end -->\n\nAfter.\n'
    )

    rendered = props.render(page)

    table = props.table("RawEventBackup")
    wrapped = props.block("RawEventBackup")
    assert wrapped == ['<div class="props-table" markdown>', "", *table, "", "</div>"]
    assert "old" not in rendered
    assert "<!-- props:begin RawEventBackup -->\n" + "\n".join(wrapped) + "\n<!-- props:end -->" in rendered
    indented = "\n".join(f"    {line}" for line in table)  # no wrapper: raw HTML is not parsed in indented blocks
    assert f"    <!-- props:begin RawEventBackup -->\n\n{indented}\n\n    <!-- props:end -->\n\nAfter.\n" in rendered
    assert props.render(rendered) == rendered


def test_stale_pages_names_a_page_whose_table_differs(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    page = tmp_path / "docs" / "page.md"
    page.write_text("<!-- props:begin RawEventBackup -->\n| stale |\n<!-- props:end -->\n")

    assert props.stale_pages(tmp_path) == [Path("docs/page.md")]
    assert props.main(["--root", str(tmp_path), "--check"]) == 1
    assert props.main(["--root", str(tmp_path)]) == 0
    assert props.stale_pages(tmp_path) == []


def test_fails_a_marker_that_names_no_public_object() -> None:
    with pytest.raises(props.PropsError, match=r"'Nowhere' is not a public name"):
        props.render("<!-- props:begin Nowhere -->\n<!-- props:end -->\n")


def test_fails_a_begin_marker_without_its_end() -> None:
    with pytest.raises(props.PropsError, match=r"props:begin Pool at line 1 has no <!-- props:end -->"):
        props.render("<!-- props:begin Pool -->\n| a |\n")


def test_fails_a_parameter_without_a_param_field(monkeypatch: pytest.MonkeyPatch) -> None:
    def add_thing(self: object, id: str, *, colour: str | None = None) -> None:
        """Add a thing.

        :param shade: Not the parameter. Default: none.
        """

    monkeypatch.setattr(sms_constructs.Pool, "add_thing", add_thing, raising=False)

    with pytest.raises(props.PropsError, match=r"Pool\.add_thing: parameter 'colour' has no ':param colour:' field"):
        props.table("Pool.add_thing")
