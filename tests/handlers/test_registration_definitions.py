"""The field-definition checks shared by the ``Registration`` construct (synth) and its provider (deploy)."""

from __future__ import annotations

from typing import Any

import pytest
from sms_constructs_runtime.registration_checks import (
    ATTACHMENT,
    ERROR,
    SELECT,
    TEXT,
    WARNING,
    FieldValue,
    check_field_values,
    condition_holds,
    resolve,
)


def text(path: str, value: str | None = "x", *, known: bool = True) -> FieldValue:
    return FieldValue(path, TEXT, text=value, known=known)


def select(path: str, *choices: str, known: bool = True) -> FieldValue:
    return FieldValue(path, SELECT, choices=choices, known=known)


def values(*items: FieldValue) -> dict[str, FieldValue]:
    return {item.field_path: item for item in items}


def conditional(path: str, operator: str, wanted: list[str] | None, behavior: str = "REQUIRED") -> dict[str, Any]:
    condition: dict[str, Any] = {"DependsOnFieldPath": "a.kind", "Operator": operator}
    if wanted is not None:
        condition["Values"] = wanted
    return {
        "FieldPath": path,
        "FieldType": TEXT,
        "FieldRequirement": "CONDITIONAL",
        "ConditionalBehavior": {
            "Rules": [{"Conditions": [condition], "RuleBehavior": behavior}],
            "DefaultBehavior": "OPTIONAL",
        },
    }


@pytest.mark.parametrize(
    ("operator", "wanted", "given", "holds"),
    [
        ("EQUALS", ["A"], ("A",), True),
        ("EQUALS", ["A"], ("B",), False),
        ("EQUALS", ["A"], None, False),
        ("NOT_EQUALS", ["A"], ("B",), True),
        ("NOT_EQUALS", ["A"], None, True),
        ("NOT_EQUALS", ["A"], ("A",), False),
        ("IN", ["A", "B"], ("B",), True),
        ("IN", ["A", "B"], ("C",), False),
        ("NOT_IN", ["A", "B"], ("C",), True),
        ("NOT_IN", ["A", "B"], ("A",), False),
        ("HAS_VALUE", None, ("A",), True),
        ("HAS_VALUE", None, None, False),
        ("NO_VALUE", None, None, True),
        ("NO_VALUE", None, ("A",), False),
        ("GREATER_THAN", ["A"], ("A",), False),  # unknown operators are false, as the API documents
    ],
)
def test_conditions(operator: str, wanted: list[str] | None, given: tuple[str, ...] | None, holds: bool) -> None:
    condition: dict[str, Any] = {"DependsOnFieldPath": "a.kind", "Operator": operator}
    if wanted is not None:
        condition["Values"] = wanted
    present = values(select("a.kind", *given)) if given is not None else {}

    assert condition_holds(condition, present) is holds


def test_a_condition_on_a_deploy_time_value_is_undecided_and_its_field_not_required() -> None:
    definition = conditional("a.detail", "EQUALS", ["A"])
    present = values(select("a.kind", known=False))

    assert condition_holds(definition["ConditionalBehavior"]["Rules"][0]["Conditions"][0], present) is None
    assert resolve(definition, present) == (None, {})
    kind = {"FieldPath": "a.kind", "FieldType": SELECT, "FieldRequirement": "OPTIONAL"}
    assert check_field_values([definition, kind], present, submitting=True) == []


def test_conditional_rules_require_disallow_or_fall_back_to_the_default() -> None:
    required = conditional("a.detail", "EQUALS", ["A"])
    disallowed = conditional("a.other", "EQUALS", ["A"], behavior="DISALLOWED")
    definitions = [required, disallowed, {"FieldPath": "a.kind", "FieldType": SELECT, "FieldRequirement": "OPTIONAL"}]

    missing = check_field_values(definitions, values(select("a.kind", "A"), text("a.other")), submitting=True)
    fine = check_field_values(definitions, values(select("a.kind", "B"), text("a.other")), submitting=True)

    assert [(f.field_path, f.rule.split(" (")[0]) for f in missing] == [
        ("a.other", "must not be set here"),
        ("a.detail", "is required to submit"),
    ]
    assert fine == []


def test_requiredness_is_only_checked_when_submitting() -> None:
    definitions = [{"FieldPath": "a.name", "FieldType": TEXT, "FieldRequirement": "REQUIRED"}]

    assert check_field_values(definitions, {}, submitting=False) == []
    assert [f.rule for f in check_field_values(definitions, {}, submitting=True)] == ["is required to submit"]


def test_text_limits_pattern_and_unconfirmed_limits_as_warnings() -> None:
    confirmed = {
        "FieldPath": "a.name",
        "FieldType": TEXT,
        "FieldRequirement": "OPTIONAL",
        "TextValidation": {"MinLength": 2, "MaxLength": 5, "Pattern": "^[a-z]+$"},
    }
    unconfirmed = {**confirmed, "FieldPath": "a.other", "x-limits-confirmed": False}

    findings = check_field_values(
        [confirmed, unconfirmed], values(text("a.name", "ABCDEFG"), text("a.other", "B")), submitting=False
    )

    assert [(f.field_path, f.rule, f.severity) for f in findings] == [
        ("a.name", "must have 2-5 characters, not 7", ERROR),
        ("a.name", "must match ^[a-z]+$", ERROR),
        ("a.other", "must have 2-5 characters, not 1", WARNING),
        ("a.other", "must match ^[a-z]+$", WARNING),
    ]


def test_a_pattern_python_cannot_compile_is_not_held_against_the_value() -> None:
    definition = {
        "FieldPath": "a.name",
        "FieldType": TEXT,
        "FieldRequirement": "OPTIONAL",
        "TextValidation": {"MinLength": 1, "MaxLength": 9, "Pattern": "^\\p{L}+$"},
    }

    assert check_field_values([definition], values(text("a.name", "Acme")), submitting=False) == []


def test_select_options_counts_and_a_rule_narrowing_the_options() -> None:
    definitions = [
        {"FieldPath": "a.kind", "FieldType": SELECT, "FieldRequirement": "OPTIONAL"},
        {
            "FieldPath": "a.many",
            "FieldType": SELECT,
            "FieldRequirement": "CONDITIONAL",
            "SelectValidation": {"MinChoices": 1, "MaxChoices": 2, "Options": ["X", "Y", "Z"]},
            "ConditionalBehavior": {
                "Rules": [
                    {
                        "Conditions": [{"DependsOnFieldPath": "a.kind", "Operator": "EQUALS", "Values": ["A"]}],
                        "RuleBehavior": "REQUIRED",
                        "ConditionalValidation": {"AllowedValues": ["X"]},
                    }
                ],
                "DefaultBehavior": "OPTIONAL",
            },
        },
    ]

    narrowed = check_field_values(definitions, values(select("a.kind", "A"), select("a.many", "Y")), submitting=False)
    too_many = check_field_values(definitions, values(select("a.many", "X", "Y", "Z")), submitting=False)
    unknown = check_field_values(definitions, values(select("a.many", "W")), submitting=False)

    assert [f.rule for f in narrowed] == ["must be chosen from ['X']"]
    assert [f.rule for f in too_many] == ["takes 1-2 choices, not 3"]
    assert [(f.rule, f.value) for f in unknown] == [("must be chosen from ['X', 'Y', 'Z']", ["W"])]


def test_unknown_paths_wrong_types_and_the_api_limits() -> None:
    definitions = [{"FieldPath": "a.file", "FieldType": ATTACHMENT, "FieldRequirement": "OPTIONAL"}]
    given = values(text("a.file"), text("a.nope"), text("bad path!"), text("a.long", "x" * 2049))

    rules = {
        (f.field_path, f.rule.split(",")[0].split(" (")[0])
        for f in check_field_values(definitions, given, submitting=False)
    }

    assert ("a.file", "is a ATTACHMENT field") in rules
    assert ("a.nope", "is not a field of this registration type") in rules
    assert ("bad path!", "a field path has 1-100 characters matching [A-Za-z0-9_\\.]+") in rules
    assert ("a.long", "a text value has 1-2048 characters") in rules


def test_values_known_only_at_deploy_time_are_present_but_unchecked() -> None:
    definition = {
        "FieldPath": "a.name",
        "FieldType": TEXT,
        "FieldRequirement": "REQUIRED",
        "TextValidation": {"MinLength": 5, "MaxLength": 6, "Pattern": "^x$"},
    }

    assert check_field_values([definition], values(text("a.name", "${Token[1]}", known=False)), submitting=True) == []
