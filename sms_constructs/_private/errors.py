"""The validation error raised by every construct in the library."""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Mapping
from typing import Any

from constructs import IConstruct


class ValidationError(ValueError):
    """Raised at synth time when a construct receives a value it cannot deploy.

    The message names the construct path, the prop, the rule that was broken and the value received, e.g.::

        Stack/Number: invalid 'iso_country_code': must match ^[A-Z]{2}$ (two upper-case letters); received 'usa'

    The value is rendered for a reader, never as a Python object repr: a construct as its path
    (``construct Stack/Bucket``), a CDK token as ``<deploy-time value>``, a duration as ``Duration 5 minutes``, an enum
    member as ``EventType.TEXT_ALL``. Attributes mirror the message parts so tests and tools can inspect them without
    parsing.
    """

    def __init__(self, scope: IConstruct | str, prop: str, rule: str, value: Any) -> None:
        self.path = scope if isinstance(scope, str) else scope.node.path
        self.prop = prop
        self.rule = rule
        self.value = value
        super().__init__(f"{self.path}: invalid '{prop}': {rule}; received {render_value(value)}")


#: What an unresolved CDK token looks like inside a string (``${Token[TOKEN.12]}``, ``#{Token[TOKEN.12]}``).
_TOKEN = re.compile(r"[$#]\{Token\[[^\]]*\]\}")
#: Encoded number tokens are doubles around -1.9e289; no literal a construct takes comes near.
_NUMBER_TOKEN_MAGNITUDE = 1e250
#: The repr Python gives an object without one of its own (``<aws_cdk.aws_s3.Bucket object at 0x7f...>``).
_DEFAULT_REPR = re.compile(r"<.+ object at 0x[0-9a-fA-F]+>", re.DOTALL)
#: What a deploy-time value (a token) reads as.
TOKEN_PLACEHOLDER = "<deploy-time value>"
_MAX_LENGTH = 200


def render_value(value: Any) -> str:
    """``value`` as a reader should see it in an error message (at most 200 characters)."""
    text = _render(value, depth=0)
    return text if len(text) <= _MAX_LENGTH else text[: _MAX_LENGTH - 3] + "..."


def _render(value: Any, depth: int) -> str:  # noqa: PLR0911 - one return per kind of value
    if depth > 4:
        return "..."
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, str):
        return repr(_TOKEN.sub(TOKEN_PLACEHOLDER, value))
    if isinstance(value, int | float):
        return "<deploy-time number>" if abs(value) > _NUMBER_TOKEN_MAGNITUDE else repr(value)
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    if isinstance(value, Mapping):
        items = ", ".join(f"{_render(k, depth + 1)}: {_render(v, depth + 1)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, list | tuple | set | frozenset):
        items = ", ".join(_render(item, depth + 1) for item in value)
        return f"[{items}]" if not isinstance(value, tuple) else f"({items}{',' if len(value) == 1 else ''})"
    node = getattr(value, "node", None)
    path = getattr(node, "path", None)
    if isinstance(path, str):
        return f"construct {path or '<app>'}"
    human = getattr(value, "to_human_string", None)
    if callable(human):  # cdk.Duration, cdk.Size
        try:
            text = _TOKEN.sub(TOKEN_PLACEHOLDER, str(human())).replace("<token>", TOKEN_PLACEHOLDER)
        except Exception:  # an unresolved amount cannot always say how much it is
            text = TOKEN_PLACEHOLDER
        return f"{type(value).__name__} {text}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = ", ".join(
            f"{f.name}={_render(getattr(value, f.name), depth + 1)}" for f in dataclasses.fields(value) if f.repr
        )
        return f"{type(value).__name__}({fields})"
    text = repr(value)
    if _DEFAULT_REPR.fullmatch(text):
        kind = type(value)
        return f"a {kind.__module__}.{kind.__qualname__}" if not _is_token_object(value) else TOKEN_PLACEHOLDER
    return _TOKEN.sub(TOKEN_PLACEHOLDER, text)


def _is_token_object(value: Any) -> bool:
    """True for a jsii object that is a token (an ``IResolvable``); only jsii objects are asked."""
    import aws_cdk as cdk  # noqa: PLC0415 - only for the rare jsii value in a message

    try:
        return bool(cdk.Token.is_unresolved(value))
    except Exception:  # a jsii value the kernel cannot serialize is not a token we can name
        return False
