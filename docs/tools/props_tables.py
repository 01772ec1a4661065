"""The props tables of the construct pages, generated from the docstrings: ``make props`` (``--check``: only report).

A page asks for a table with two markers; everything between them is this script's::

    <!-- props:begin Pool -->
    <!-- props:end -->

The name after ``props:begin`` is a public name of ``sms_constructs`` or ``sms_constructs_runtime``, optionally
followed by a method (``ConfigurationSet.add_event_destination``). The "table" is a definition list, one entry per
parameter of the constructor (or method) other than ``self`` and a construct's ``scope`` and ``id`` — for a dataclass,
per field — API-style, so that it fits a narrow column and a phone (a four-column table overflowed the page and broke
defaults mid-word)::

    `max_price` · `str`
    :   Default: `"0.50"`
    :   `MaxPrice` in USD per message ...

- the term: the name and the annotation as written in the signature, without the ``| None`` of an optional prop;
- the first definition: ``Default:`` and what the ``:param x:`` field (a dataclass field: its ``#:`` comment) says
  after ``Default:``, or *required* for a parameter the signature requires (with what follows its "No default");
- the second definition: the rest of the field.

A parameter without a ``:param`` field (or a field without a ``#:`` comment) stops the script: the docstrings are the
one place a prop is described. The markers may be indented (a list inside a collapsible block): the list is written
with the begin marker's indentation. At the top level the list sits in a ``<div class="props-table">`` (which the site's
stylesheet recognises; not in an indented block, where Python-Markdown would not parse it). On GitHub, which has no
definition lists, each entry reads as a line with the name and type and a line with the default and the description;
``tests/docs/test_props_tables.py`` fails when a committed list is not what the docstrings give.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import inspect
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
#: The packages whose public names a marker may name, in the order they are looked up.
PACKAGES = ("sms_constructs", "sms_constructs_runtime")
#: The folder of the pages the script rewrites.
DOCS = Path("docs")

BEGIN = re.compile(r"^(?P<indent> *)<!-- props:begin (?P<target>[A-Za-z_][\w.]*) -->$")
END = "<!-- props:end -->"
#: Parameters that are not props: ``self``, and a construct's (required) scope and id.
SKIPPED = frozenset({"self", "cls"})
CONSTRUCT_ARGUMENTS = frozenset({"scope", "id"})
#: Between a prop's name and its type in the term of its entry.
NAME_TYPE_SEPARATOR = " · "
#: Around each list: a block the site's stylesheet recognises (``docs/stylesheets/extra.css``), invisible on GitHub.
WRAPPER = ('<div class="props-table" markdown>', "</div>")

_ROLE = re.compile(r":(?:py:)?(?:class|meth|func|attr|data|mod|exc|obj):`~?(?P<target>[^`]+)`")
_LITERAL = re.compile(r"``(?P<code>.+?)``")
_DEFAULT = re.compile(r"\bDefault:\s*")
#: A required parameter's field may end with "No default", and why (``No default: carriers require both.``).
_NO_DEFAULT = "No default"


class PropsError(ValueError):
    """A marker names nothing documentable, or a parameter has no description."""


@dataclasses.dataclass(frozen=True)
class Prop:
    """One row of a table."""

    name: str
    annotation: str
    required: bool
    #: The parameter's text: reST as written in the docstring, on one line.
    text: str

    def entry(self) -> list[str]:
        """The Markdown definition-list entry: the name and type, then the default, then the description."""
        description, default = split_default(self.text, required=self.required, table=False)
        annotation = type_cell(self.annotation, optional=not self.required, table=False)
        term = f"`{self.name}`" + (f"{NAME_TYPE_SEPARATOR}{annotation}" if annotation else "")
        lines = [term, f":   {default if self.required else f'Default: {default}'}"]
        return [*lines, f":   {description}"] if description else lines


# ---------------------------------------------------------------------------------------------------------------
# Reading the props of an object.


def resolve(target: str) -> Any:
    """The object a marker names: ``Pool``, ``SmsProducer``, ``ConfigurationSet.add_event_destination``."""
    head, *attributes = target.split(".")
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        if head in getattr(package, "__all__", ()):
            obj = getattr(package, head)
            for attribute in attributes:
                obj = inspect.getattr_static(obj, attribute) if isinstance(obj, type) else getattr(obj, attribute)
                obj = obj.__func__ if isinstance(obj, staticmethod | classmethod) else obj
            return obj
    raise PropsError(f"{target!r} is not a public name of {' or '.join(PACKAGES)} (or one of its methods)")


def props_of(target: str) -> list[Prop]:
    """The props of the object ``target`` names, in signature order."""
    obj = resolve(target)
    if isinstance(obj, type) and dataclasses.is_dataclass(obj):
        return _dataclass_props(target, obj)
    if isinstance(obj, type):
        init = vars(obj).get("__init__")
        if not inspect.isfunction(init):
            raise PropsError(f"{target} has no constructor of its own to document")
        # The fields may be in the class docstring or in the constructor's own (never an inherited one).
        docs = f"{inspect.cleandoc(obj.__doc__ or '')}\n{inspect.cleandoc(init.__doc__ or '')}"
        return _function_props(target, init, docs)
    if inspect.isfunction(obj):
        return _function_props(target, obj, inspect.getdoc(obj) or "")
    raise PropsError(f"{target} is neither a class nor a function")


def _function_props(target: str, function: Callable[..., Any], docs: str) -> list[Prop]:
    props = []
    for parameter in inspect.signature(function).parameters.values():
        required = parameter.default is inspect.Parameter.empty
        if (
            parameter.name in SKIPPED
            or (parameter.name in CONSTRUCT_ARGUMENTS and required)
            or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
        ):
            continue
        field = re.search(rf":param {parameter.name}:(.*?)(?=\n\s*:\w+|\Z)", docs, re.DOTALL)
        if field is None:
            raise PropsError(f"{target}: parameter {parameter.name!r} has no ':param {parameter.name}:' field")
        props.append(
            Prop(
                name=parameter.name,
                annotation=_annotation(parameter.annotation),
                required=required,
                text=" ".join(field.group(1).split()),
            )
        )
    return props


def _dataclass_props(target: str, cls: type) -> list[Prop]:
    lines = inspect.getsource(cls).splitlines()
    props = []
    for item in dataclasses.fields(cls):
        index = next((i for i, line in enumerate(lines) if re.match(rf"\s+{item.name}\s*:", line)), None)
        comment: list[str] = []
        while index is not None and index > 0 and lines[index - 1].strip().startswith("#:"):
            index -= 1
            comment.insert(0, lines[index].strip().removeprefix("#:").strip())
        if not comment:
            raise PropsError(f"{target}: field {item.name!r} has no '#:' comment")
        props.append(
            Prop(
                name=item.name,
                annotation=_annotation(item.type),
                required=item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING,
                text=" ".join(comment),
            )
        )
    return props


def _annotation(annotation: Any) -> str:
    if annotation is inspect.Parameter.empty:
        return ""
    return annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)


# ---------------------------------------------------------------------------------------------------------------
# Writing a table.


def markdown(text: str, *, table: bool = True) -> str:
    """reST inline markup as Markdown (````x```` and roles as code), with the pipes a table cell must escape (none
    outside a ``table``)."""
    text = _ROLE.sub(lambda match: f"``{match['target'].rsplit('.', 1)[-1]}``", text)
    if not table:
        return _LITERAL.sub(lambda match: f"`{match['code']}`", text).strip()
    parts = []
    position = 0
    for match in _LITERAL.finditer(text):
        parts.append(text[position : match.start()].replace("|", r"\|"))
        code = match["code"]
        # A pipe cannot be escaped inside a code span in a table for both GitHub and Python-Markdown: HTML can.
        parts.append(f"<code>{code.replace('|', '&#124;')}</code>" if "|" in code else f"`{code}`")
        position = match.end()
    parts.append(text[position:].replace("|", r"\|"))
    return "".join(parts).strip()


def split_default(text: str, *, required: bool, table: bool = True) -> tuple[str, str]:
    """(description, default) of a parameter's text, both as Markdown: the default is what follows the last
    ``Default:``, or *required* (and what follows "No default", if anything) for a required parameter."""
    found = list(_DEFAULT.finditer(text))
    if found:
        last = found[-1]
        return markdown(text[: last.start()], table=table), markdown(
            _without_final_period(text[last.end() :]), table=table
        )
    if not required:
        raise PropsError(f"an optional parameter's field must say 'Default: ...': {text!r}")
    default = "*required*"
    index = text.rfind(_NO_DEFAULT)
    if index < 0:
        return markdown(text, table=table), default
    why = _without_final_period(text[index + len(_NO_DEFAULT) :]).strip()
    if why.startswith(":"):
        why = why[1:].strip()
        default = default if why == "required" else f"{default}: {markdown(why, table=table)}"
    elif why:
        default = f"{default} {markdown(why, table=table)}"
    description = text[:index]
    return markdown(description, table=table), default.strip()


def _without_final_period(text: str) -> str:
    text = text.strip()
    return text[:-1] if text.endswith(".") and not text.endswith("..") else text


def type_cell(annotation: str, *, optional: bool, table: bool = True) -> str:
    """The annotation as code, one span per alternative, without the ``None`` of an optional prop (the pipe between
    them escaped for a ``table``)."""
    alternatives = _split_union(annotation)
    if optional and len(alternatives) > 1:
        alternatives = [alternative for alternative in alternatives if alternative != "None"]
    return (r" \| " if table else " | ").join(f"`{alternative}`" for alternative in alternatives if alternative)


def _split_union(annotation: str) -> list[str]:
    """``a | b[c | d]`` → ``["a", "b[c | d]"]`` (top-level alternatives only)."""
    parts, depth, current = [], 0, ""
    for character in annotation:
        if character in "[(":
            depth += 1
        elif character in "])":
            depth -= 1
        if character == "|" and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += character
    parts.append(current.strip())
    return parts


def table(target: str) -> list[str]:
    """The lines of the definition list of ``target``'s props: an entry each, separated by blank lines."""
    props = props_of(target)
    if not props:
        raise PropsError(f"{target} has no props to document")
    lines: list[str] = []
    for prop in props:
        lines.extend(["", *prop.entry()] if lines else prop.entry())
    return lines


def block(target: str, *, nested: bool = False) -> list[str]:
    """The lines between the markers: the list of ``target`` in its wrapper; when ``nested`` in an indented block,
    where Python-Markdown parses raw HTML (the wrapper, the markers) only as text of a paragraph, the list alone
    between blank lines."""
    return ["", *table(target), ""] if nested else [WRAPPER[0], "", *table(target), "", WRAPPER[1]]


# ---------------------------------------------------------------------------------------------------------------
# Pages.


def blocks(text: str) -> Iterator[tuple[int, int, str, str]]:
    """(begin line, end line, indentation, target) of each marked block of a page, 0-based line numbers."""
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        begin = BEGIN.match(lines[index])
        if begin is None:
            index += 1
            continue
        end = next((i for i in range(index + 1, len(lines)) if lines[i].strip() == END), None)
        if end is None or lines[end] != begin["indent"] + END:
            raise PropsError(f"props:begin {begin['target']} at line {index + 1} has no {END} at its indentation")
        yield index, end, begin["indent"], begin["target"]
        index = end + 1


def render(text: str) -> str:
    """``text`` with every marked block holding the current table."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    position = 0
    for begin, end, indent, target in blocks(text):
        out.extend(lines[position : begin + 1])
        out.extend(f"{indent}{line}\n" if line else "\n" for line in block(target, nested=bool(indent)))
        position = end
    out.extend(lines[position:])
    return "".join(out)


def pages(root: Path) -> list[Path]:
    """The pages under ``root/docs`` with at least one marked block."""
    return sorted(page for page in (root / DOCS).rglob("*.md") if any(blocks(page.read_text())))


def stale_pages(root: Path) -> list[Path]:
    """The pages whose tables differ from the docstrings (relative to ``root``)."""
    return [page.relative_to(root) for page in pages(root) if render(page.read_text()) != page.read_text()]


def main(argv: Sequence[str] | None = None) -> int:
    """``python docs/tools/props_tables.py [--check] [--root DIR]``."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository (default: this script's)")
    parser.add_argument("--check", action="store_true", help="only say which pages are stale")
    options = parser.parse_args(argv)
    root: Path = options.root
    stale = stale_pages(root)
    if options.check:
        for page in stale:
            print(f"{page}: props tables are stale: run make props", file=sys.stderr)
        return 1 if stale else 0
    for page in stale:
        (root / page).write_text(render((root / page).read_text()))
        print(f"wrote {page}")
    print(f"{len(pages(root))} pages with props tables, {len(stale)} rewritten")
    return 0


if __name__ == "__main__":  # pragma: no cover - the make target
    sys.exit(main())
