"""A griffe extension that lets mkdocstrings render the library's reST docstrings as Markdown.

The docstrings are written for Sphinx-style tools (``:param x:`` fields, ``:class:`X``` roles, ``Example::`` literal
blocks). mkdocstrings' ``sphinx`` docstring style reads the fields; this extension rewrites the rest, once the package
is loaded (so every name can be resolved):

- a role (``:class:``, ``:meth:``, ``:func:``, ``:attr:``, ``:data:``, ``:mod:``, ``:exc:``, ``:obj:``) becomes an
  autorefs cross-reference to the object it names, resolved from the docstring's scope as Python would; a name that
  does not resolve is a warning, so ``mkdocs build --strict`` fails on it;
- a paragraph ending in ``::`` ends in ``:`` and the indented block after it becomes a fenced Python block;
- a list right after a paragraph line gets the blank line Markdown needs to see a list.
"""

from __future__ import annotations

import builtins
import importlib.util
import re
from typing import Any

import griffe

#: The packages whose objects the site documents (with the package being loaded): roles naming anything else (builtins,
#: aws_cdk) render as code, without a link.
DOCUMENTED_PACKAGES = ("sms_constructs", "sms_constructs_runtime")

_ROLE = re.compile(r":(?:py:)?(?P<role>class|meth|func|attr|data|mod|exc|obj):`(?P<target>[^`]+)`")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+\.)\s")
_FIELD = re.compile(r"^\s*:\w+")


def resolve(obj: griffe.Object, name: str) -> str | None:
    """The path of ``name`` as seen from ``obj``'s scope (``SmsProducer.send`` from a method of the runtime module
    gives ``sms_constructs_runtime.producer.SmsProducer.send``), or ``None`` when it names a builtin or an object of a
    package the site does not document (``aws_cdk.Duration``).

    :raises griffe.NameResolutionError: when the first part of the name is bound nowhere in the scope.
    """
    documented = {*DOCUMENTED_PACKAGES, obj.package.name}
    head, _, rest = name.partition(".")
    if head in documented:
        return name
    try:
        base = obj.resolve(head)
    except griffe.NameResolutionError:
        if hasattr(builtins, head) or (rest and importlib.util.find_spec(head) is not None):
            return None
        raise
    path = f"{base}.{rest}" if rest else base
    return path if path.split(".")[0] in documented else None


def convert_roles(obj: griffe.Object, text: str) -> str:
    """``text`` with every role replaced by an autorefs link (or by code when it names something not documented)."""

    def replace(match: re.Match[str]) -> str:
        target = match["target"].strip()
        shown = target.removeprefix("~")
        if target.startswith("~"):
            shown = shown.rsplit(".", 1)[-1]
        try:
            path = resolve(obj, target.removeprefix("~"))
        except griffe.NameResolutionError:
            griffe.logger.warning(f"{obj.path}: docstring reference {match[0]} does not resolve")
            return f"`{shown}`"
        return f"`{shown}`" if path is None else f"[`{shown}`][{path}]"

    return _ROLE.sub(replace, text)


def convert_blocks(text: str) -> str:
    """reST literal blocks (``...::`` and an indented block) as fenced Python; blank lines before lists."""
    lines = text.splitlines()
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.rstrip().endswith("::") and not _FIELD.match(line):
            stripped = line.rstrip()[:-2].rstrip()
            if stripped:
                out.append(stripped + ":")
            block_start = index + 1
            while block_start < len(lines) and not lines[block_start].strip():
                block_start += 1
            indent = _indent(line)
            end = block_start
            while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > indent):
                end += 1
            while end > block_start and not lines[end - 1].strip():
                end -= 1
            if end > block_start:
                body = [candidate[indent:] for candidate in lines[block_start:end]]
                body_indent = min(_indent(candidate) for candidate in body if candidate.strip())
                out.extend(["", " " * indent + "```python"])
                out.extend(" " * indent + candidate[body_indent:] if candidate.strip() else "" for candidate in body)
                out.append(" " * indent + "```")
                if end < len(lines) and lines[end].strip():
                    out.append("")
                index = end
                continue
            index += 1
            continue
        previous = out[-1] if out else ""
        if _LIST_ITEM.match(line) and previous.strip() and not _LIST_ITEM.match(previous) and _indent(previous) == 0:
            out.append("")
        out.append(line)
        index += 1
    return "\n".join(out)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


class SphinxRoles(griffe.Extension):
    """Rewrites the docstrings of every object of a loaded package (see the module docstring)."""

    def on_package(self, *, pkg: griffe.Module, **_kwargs: Any) -> None:
        """Convert the docstrings of ``pkg`` and everything in it, once it is fully loaded."""
        for obj in _walk(pkg):
            if obj.docstring is not None:
                obj.docstring.value = convert_roles(obj, convert_blocks(obj.docstring.value))


def _walk(obj: griffe.Object) -> list[griffe.Object]:
    found = [obj]
    for member in obj.members.values():
        if not member.is_alias and isinstance(member, griffe.Object):
            found.extend(_walk(member))
    return found
