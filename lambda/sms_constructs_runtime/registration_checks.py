"""Checks registration field values against field definitions in the shape ``DescribeRegistrationFieldDefinitions``
returns (standard library only).

The same rules run twice: at synth time against the definitions shipped with sms-constructs (the construct then
names the construct path and prop), and at deploy time in the provider against the live definitions of the Region,
before anything is created or changed. A definition is the API's ``RegistrationFieldDefinition`` (``FieldPath``,
``FieldType``, ``FieldRequirement``, ``SelectValidation``, ``TextValidation``, ``ConditionalBehavior``); keys starting
with ``x-`` are the library's own (``x-limits-confirmed: false`` turns length and pattern problems into warnings).

A value whose content is only known at deploy time (a CDK token at synth) is *present* but not checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

TEXT: Final = "TEXT"
SELECT: Final = "SELECT"
ATTACHMENT: Final = "ATTACHMENT"
FIELD_TYPES: Final = (TEXT, SELECT, ATTACHMENT)

REQUIRED: Final = "REQUIRED"
OPTIONAL: Final = "OPTIONAL"
CONDITIONAL: Final = "CONDITIONAL"
DISALLOWED: Final = "DISALLOWED"

ERROR: Final = "error"
WARNING: Final = "warning"

#: ``FieldPath`` of ``PutRegistrationFieldValue``: 1–100 characters.
FIELD_PATH_PATTERN: Final = r"[A-Za-z0-9_\.]+"
#: ``TextValue``: 1–2048 characters; ``SelectChoices``: at most 100, each 1–256 characters.
MAX_TEXT_VALUE: Final = 2048
MAX_CHOICES: Final = 100
MAX_CHOICE_LENGTH: Final = 256


@dataclass(frozen=True)
class FieldValue:
    """The value of one field: text, choices or an attachment ID. ``None`` content means "known only at deploy"."""

    field_path: str
    field_type: str
    text: str | None = None
    choices: tuple[str, ...] | None = None
    attachment_id: str | None = None
    #: False when the content is a deploy-time token (present, but not checkable).
    known: bool = True

    @property
    def values(self) -> tuple[str, ...]:
        """The value as a tuple of strings, for conditions (``()`` when unknown)."""
        if not self.known:
            return ()
        if self.field_type == SELECT:
            return self.choices or ()
        if self.field_type == TEXT:
            return (self.text,) if self.text is not None else ()
        return (self.attachment_id,) if self.attachment_id is not None else ()


@dataclass(frozen=True)
class Finding:
    """One problem with the values: the field, the rule it breaks, the value and how serious it is."""

    field_path: str
    rule: str
    value: Any
    severity: str = ERROR


def by_path(definitions: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The definitions keyed by ``FieldPath``."""
    return {str(definition["FieldPath"]): definition for definition in definitions}


def check_field_values(
    definitions: Iterable[Mapping[str, Any]], values: Mapping[str, FieldValue], *, submitting: bool
) -> list[Finding]:
    """Every problem of ``values`` against ``definitions``; requiredness is only checked when ``submitting``."""
    known = by_path(definitions)
    findings: list[Finding] = []
    for path, value in values.items():
        findings.extend(_check_shape(value))
        definition = known.get(path)
        if definition is None:
            findings.append(Finding(path, "is not a field of this registration type", sorted(known)))
            continue
        if definition.get("FieldType") != value.field_type:
            findings.append(
                Finding(path, f"is a {definition.get('FieldType')} field, not a {value.field_type} one", value.values)
            )
            continue
        behavior, rule = resolve(definition, values)
        if behavior == DISALLOWED:
            findings.append(
                Finding(path, "must not be set here (the definition's conditions disallow it)", value.values)
            )
            continue
        if value.known:
            findings.extend(_check_content(definition, rule, value))
    if submitting:
        for path, definition in known.items():
            if path in values:
                continue
            behavior, _ = resolve(definition, values)
            if behavior == REQUIRED:
                findings.append(Finding(path, "is required to submit" + _why(definition), None))
    return findings


def resolve(definition: Mapping[str, Any], values: Mapping[str, FieldValue]) -> tuple[str | None, Mapping[str, Any]]:
    """The field's requirement given the other values (``REQUIRED``, ``OPTIONAL``, ``DISALLOWED`` or ``None`` when a
    condition depends on a value known only at deploy time), and the matching rule (``{}`` when none)."""
    requirement = definition.get("FieldRequirement")
    if requirement in (REQUIRED, OPTIONAL):
        return str(requirement), {}
    behavior = definition.get("ConditionalBehavior")
    if requirement != CONDITIONAL or not isinstance(behavior, Mapping):
        return None, {}
    for rule in behavior.get("Rules", []):
        outcomes = [condition_holds(condition, values) for condition in rule.get("Conditions", [])]
        if False in outcomes:
            continue
        if None in outcomes:
            return None, {}
        return str(rule.get("RuleBehavior")), rule
    return str(behavior.get("DefaultBehavior")), {}


def condition_holds(condition: Mapping[str, Any], values: Mapping[str, FieldValue]) -> bool | None:
    """Whether a ``FieldCondition`` holds; ``None`` when the field it depends on is known only at deploy time.

    ``EQUALS``/``IN``: the field has one of ``Values``; ``NOT_EQUALS``/``NOT_IN``: it has none of them (an empty
    field has none); ``HAS_VALUE``/``NO_VALUE``: presence. Any other operator is false, as the API documents.
    """
    dependency = values.get(str(condition.get("DependsOnFieldPath")))
    operator = condition.get("Operator")
    if operator == "HAS_VALUE":
        return dependency is not None
    if operator == "NO_VALUE":
        return dependency is None
    if dependency is not None and not dependency.known:
        return None
    present = set(dependency.values) if dependency is not None else set()
    wanted = set(condition.get("Values") or [])
    if operator in ("EQUALS", "IN"):
        return bool(present & wanted)
    if operator in ("NOT_EQUALS", "NOT_IN"):
        return not present & wanted
    return False


def _why(definition: Mapping[str, Any]) -> str:
    if definition.get("FieldRequirement") != CONDITIONAL:
        return ""
    return " (conditional: " + describe_conditions(definition) + ")"


def describe_conditions(definition: Mapping[str, Any]) -> str:
    """The conditional rules of a definition, in words, e.g. ``companyInfo.legalType EQUALS PUBLIC_PROFIT``."""
    rules = (definition.get("ConditionalBehavior") or {}).get("Rules", [])
    parts = []
    for rule in rules:
        terms = [
            " ".join(str(p) for p in (c.get("DependsOnFieldPath"), c.get("Operator"), ",".join(c.get("Values") or [])))
            for c in rule.get("Conditions", [])
        ]
        parts.append(f"{rule.get('RuleBehavior')} when " + " and ".join(t.strip() for t in terms))
    return "; ".join(parts) or "no rule"


def _check_shape(value: FieldValue) -> list[Finding]:
    """The API's own limits, whatever the definitions say."""
    path = value.field_path
    findings = []
    if not 1 <= len(path) <= 100 or re.fullmatch(FIELD_PATH_PATTERN, path) is None:
        findings.append(Finding(path, f"a field path has 1-100 characters matching {FIELD_PATH_PATTERN}", path))
    if value.field_type not in FIELD_TYPES:
        findings.append(Finding(path, f"the field type must be one of {', '.join(FIELD_TYPES)}", value.field_type))
    if value.known and value.text is not None and not 1 <= len(value.text) <= MAX_TEXT_VALUE:
        findings.append(Finding(path, f"a text value has 1-{MAX_TEXT_VALUE} characters", value.text))
    choices = value.choices if value.known and value.choices is not None else ()
    if len(choices) > MAX_CHOICES or any(not 1 <= len(c) <= MAX_CHOICE_LENGTH for c in choices):
        findings.append(
            Finding(path, f"at most {MAX_CHOICES} choices of 1-{MAX_CHOICE_LENGTH} characters", value.choices)
        )
    return findings


def _check_content(definition: Mapping[str, Any], rule: Mapping[str, Any], value: FieldValue) -> list[Finding]:
    path = value.field_path
    override = rule.get("ConditionalValidation") or {}
    severity = ERROR if definition.get("x-limits-confirmed", True) else WARNING
    findings: list[Finding] = []
    if value.field_type == TEXT and value.text is not None:
        validation = {**(definition.get("TextValidation") or {}), **override}
        low, high = validation.get("MinLength"), validation.get("MaxLength")
        if isinstance(low, int) and isinstance(high, int) and not low <= len(value.text) <= high:
            findings.append(
                Finding(path, f"must have {low}-{high} characters, not {len(value.text)}", value.text, severity)
            )
        pattern = validation.get("Pattern")
        if isinstance(pattern, str) and _mismatch(pattern, value.text):
            findings.append(Finding(path, f"must match {pattern}", value.text, severity))
    elif value.field_type == SELECT and value.choices is not None:
        validation = definition.get("SelectValidation") or {}
        options: Sequence[str] = override.get("AllowedValues") or validation.get("Options") or []
        unknown = [choice for choice in value.choices if choice not in options]
        if options and unknown:
            findings.append(Finding(path, f"must be chosen from {list(options)}", unknown))
        low, high = validation.get("MinChoices"), validation.get("MaxChoices")
        if isinstance(low, int) and isinstance(high, int) and not low <= len(value.choices) <= high:
            findings.append(Finding(path, f"takes {low}-{high} choices, not {len(value.choices)}", value.choices))
    return findings


def _mismatch(pattern: str, text: str) -> bool:
    """True when ``text`` does not match ``pattern``; a pattern Python cannot compile is not held against the value."""
    try:
        return re.search(pattern, text) is None
    except re.error:
        return False
