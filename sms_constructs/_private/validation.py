"""Construction-time validation helpers.

Every helper skips values that are unresolved CDK tokens: a token is only known at deploy time and must never be
validated as if it were a literal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import aws_cdk as cdk
from constructs import IConstruct
from sms_constructs_runtime.contract import E164_PATTERN

from .errors import ValidationError

#: What every encoded string token and list token contains (``${Token[TOKEN.12]}``, ``#{Token[TOKEN.12]}``).
_STRING_TOKEN_MARKER = "${Token["
_LIST_TOKEN_MARKER = "#{Token["
#: Encoded number tokens are doubles around -1.9e289; no literal a construct takes comes near.
_NUMBER_TOKEN_MAGNITUDE = 1e250


def is_unresolved(value: Any) -> bool:
    """True when ``value`` is a CDK token resolved only at deploy time.

    Strings, numbers and string lists that could hold an encoded token are asked of ``Token.is_unresolved`` (an encoded
    token list is a list of one string); a string without a token marker, a number of ordinary size and a list of such
    strings are literals and never cross to jsii (one round trip each: the sample app asks about 250 times). Other
    Python values (enums, dataclasses) cannot be tokens and are not sent through jsii.
    """
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        return _STRING_TOKEN_MARKER in value and bool(cdk.Token.is_unresolved(value))
    if isinstance(value, int | float):
        return abs(value) > _NUMBER_TOKEN_MAGNITUDE and bool(cdk.Token.is_unresolved(value))
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return (
            len(value) == 1
            and (_LIST_TOKEN_MARKER in value[0] or _STRING_TOKEN_MARKER in value[0])
            and bool(cdk.Token.is_unresolved(value))
        )
    # jsii objects (e.g. an IResolvable) can be asked; plain Python objects cannot be tokens.
    return hasattr(type(value), "__jsii_type__") and bool(cdk.Token.is_unresolved(value))


def check_pattern(scope: IConstruct, prop: str, value: str | None, pattern: str, description: str) -> None:
    """Raise unless ``value`` fully matches ``pattern`` (``None`` and tokens pass)."""
    if value is None or is_unresolved(value):
        return
    if re.fullmatch(pattern, value) is None:
        raise ValidationError(scope, prop, f"must match {pattern} ({description})", value)


def check_length(scope: IConstruct, prop: str, value: str | None, min_len: int, max_len: int) -> None:
    """Raise unless ``min_len <= len(value) <= max_len`` (``None`` and tokens pass)."""
    if value is None or is_unresolved(value):
        return
    if not min_len <= len(value) <= max_len:
        raise ValidationError(scope, prop, f"length must be between {min_len} and {max_len} characters", value)


def check_number(scope: IConstruct | str, prop: str, value: Any) -> None:
    """Raise unless ``value`` is an ``int`` or ``float`` (``None`` passes; booleans and numeric strings do not).

    jsii would otherwise fail later with a deserialization error that names neither the construct nor the prop.
    """
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(scope, prop, f"must be a number, not {type(value).__name__}", value)


def check_range(scope: IConstruct, prop: str, value: float | None, low: float, high: float, unit: str = "") -> None:
    """Raise unless ``value`` is a number and ``low <= value <= high`` (``None`` and tokens pass)."""
    check_number(scope, prop, value)
    if value is None or is_unresolved(value):
        return
    if not low <= value <= high:
        suffix = f" {unit}" if unit else ""
        raise ValidationError(scope, prop, f"must be between {low} and {high}{suffix}", value)


def check_not_blank(scope: IConstruct, prop: str, value: str | None) -> None:
    """Raise when ``value`` is empty or only white space (``None`` and tokens pass)."""
    if value is None or is_unresolved(value):
        return
    if not value.strip():
        raise ValidationError(scope, prop, "must not be empty or only white space", value)


def check_unique(scope: IConstruct, prop: str, values: Iterable[Any], key_description: str = "items") -> None:
    """Raise when a resolved value occurs twice in ``values``."""
    seen: set[Any] = set()
    for value in values:
        if is_unresolved(value):
            continue
        if value in seen:
            raise ValidationError(scope, prop, f"{key_description} must be unique; duplicate", value)
        seen.add(value)


def check_count(scope: IConstruct, prop: str, values: Sequence[Any], min_items: int, max_items: int) -> None:
    """Raise unless the number of items is between ``min_items`` and ``max_items``."""
    if is_unresolved(values):
        return
    if not min_items <= len(values) <= max_items:
        raise ValidationError(
            scope, prop, f"must hold between {min_items} and {max_items} items, not {len(values)}", list(values)
        )


def check_exclusive(scope: IConstruct, first: tuple[str, Any], second: tuple[str, Any]) -> None:
    """Raise when both props of a mutually exclusive pair are given."""
    (first_name, first_value), (second_name, second_value) = first, second
    if first_value is not None and second_value is not None:
        raise ValidationError(
            scope,
            f"{first_name}/{second_name}",
            f"give either '{first_name}' or '{second_name}', not both",
            {first_name: first_value, second_name: second_value},
        )


def check_e164(scope: IConstruct | str, prop: str, value: Any) -> None:
    """Raise unless ``value`` is a phone number in E.164 format (``+14255550142``); ``None`` and tokens pass."""
    if value is None or is_unresolved(value):
        return
    if not isinstance(value, str) or re.fullmatch(E164_PATTERN, value) is None:
        raise ValidationError(
            scope,
            prop,
            f"must match ^{E164_PATTERN}$ (E.164: '+', the country code, then the number; 2-15 digits, no spaces, "
            "dashes or brackets)",
            value,
        )
