"""The validation error raised by every construct in the library."""

from __future__ import annotations

from typing import Any

from constructs import IConstruct


class ValidationError(ValueError):
    """Raised at synth time when a construct receives a value it cannot deploy.

    The message names the construct path, the prop, the rule that was broken and the value received, e.g.::

        Stack/Number: invalid 'iso_country_code': must match ^[A-Z]{2}$ (two upper-case letters); received 'usa'

    Attributes mirror the message parts so tests and tools can inspect them without parsing.
    """

    def __init__(self, scope: IConstruct | str, prop: str, rule: str, value: Any) -> None:
        self.path = scope if isinstance(scope, str) else scope.node.path
        self.prop = prop
        self.rule = rule
        self.value = value
        super().__init__(f"{self.path}: invalid '{prop}': {rule}; received {_render(value)}")


def _render(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."
