"""Every public name has a docstring, and every optional construct prop says its default."""

from __future__ import annotations

import dataclasses
import inspect
import re

import pytest

import sms_constructs

PUBLIC = [(name, getattr(sms_constructs, name)) for name in sms_constructs.__all__]
CLASSES = [(name, obj) for name, obj in PUBLIC if inspect.isclass(obj)]


def _own_public_methods(cls: type) -> list[tuple[str, object]]:
    return [
        (name, member)
        for name, member in vars(cls).items()
        if not name.startswith("_") and (inspect.isfunction(member) or isinstance(member, staticmethod | property))
    ]


@pytest.mark.parametrize(("name", "obj"), PUBLIC, ids=[n for n, _ in PUBLIC])
def test_public_name_has_a_docstring(name: str, obj: object) -> None:
    assert inspect.getdoc(obj), f"{name} has no docstring"


@pytest.mark.parametrize(("name", "cls"), CLASSES, ids=[n for n, _ in CLASSES])
def test_public_methods_and_properties_have_docstrings(name: str, cls: type) -> None:
    missing = []
    for member_name, member in _own_public_methods(cls):
        target = member.fget if isinstance(member, property) else member
        target = target.__func__ if isinstance(target, staticmethod) else target
        if not (getattr(target, "__doc__", None) or "").strip():
            missing.append(member_name)
    assert missing == [], f"{name}: undocumented {missing}"


DATACLASSES = [(name, cls) for name, cls in CLASSES if dataclasses.is_dataclass(cls)]


@pytest.mark.parametrize(("name", "cls"), DATACLASSES, ids=[n for n, _ in DATACLASSES])
def test_dataclass_fields_are_documented_with_their_default(name: str, cls: type) -> None:
    lines = inspect.getsource(cls).splitlines()
    problems = []
    for item in dataclasses.fields(cls):
        index = next(i for i, line in enumerate(lines) if re.match(rf"\s+{item.name}\s*:", line))
        comment = []
        while index > 0 and lines[index - 1].strip().startswith("#:"):
            index -= 1
            comment.insert(0, lines[index].strip())
        text = " ".join(comment).lower()
        has_default = item.default is not dataclasses.MISSING or item.default_factory is not dataclasses.MISSING
        if not text or (has_default and "default" not in text):
            problems.append(item.name)
    assert problems == [], f"{name}: fields without a '#:' comment stating their default: {problems}"


#: Classes with a hand-written constructor (dataclass fields are checked by their ``#:`` comments above).
CONSTRUCTORS = [
    (name, cls)
    for name, cls in CLASSES
    if not dataclasses.is_dataclass(cls) and inspect.isfunction(vars(cls).get("__init__"))
]


@pytest.mark.parametrize(("name", "cls"), CONSTRUCTORS, ids=[n for n, _ in CONSTRUCTORS])
def test_optional_props_state_their_default(name: str, cls: type) -> None:
    init = vars(cls)["__init__"]
    docs = f"{inspect.getdoc(cls) or ''}\n{inspect.getdoc(init) or ''}"
    undocumented, no_default = [], []
    for param in inspect.signature(init).parameters.values():
        if param.kind is not inspect.Parameter.KEYWORD_ONLY:
            continue
        section = re.search(rf":param {param.name}:(.*?)(?=\n\s*:param |\Z)", docs, re.DOTALL)
        if section is None:
            undocumented.append(param.name)
        elif param.default is None and "default" not in section.group(1).lower():
            no_default.append(param.name)
    assert (undocumented, no_default) == ([], []), f"{name}: undocumented {undocumented}, no default {no_default}"
