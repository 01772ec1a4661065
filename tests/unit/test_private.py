"""The library's validation error and helpers."""

from __future__ import annotations

import re

import aws_cdk as cdk
import aws_cdk.aws_kms as kms
import aws_cdk.aws_logs as logs
import pytest
from aws_cdk.assertions import Template

from sms_constructs import ValidationError
from sms_constructs._private import nag
from sms_constructs._private.kms import library_log_group
from sms_constructs._private.validation import (
    check_count,
    check_exclusive,
    check_length,
    check_not_blank,
    check_pattern,
    check_range,
    check_unique,
    is_unresolved,
)


def test_validation_error_names_path_prop_rule_and_value(stack: cdk.Stack) -> None:
    error = ValidationError(stack, "iso_country_code", "must be two upper-case letters", "usa")
    assert isinstance(error, ValueError)
    assert str(error) == "TestStack: invalid 'iso_country_code': must be two upper-case letters; received 'usa'"
    assert (error.path, error.prop, error.rule, error.value) == ("TestStack", "iso_country_code", error.rule, "usa")


def test_validation_error_truncates_huge_values() -> None:
    error = ValidationError("A/B", "body", "too long", "x" * 1000)
    assert len(str(error)) < 300
    assert str(error).endswith("...")


def test_fails_pattern(stack: cdk.Stack) -> None:
    with pytest.raises(
        ValidationError, match=r"TestStack: invalid 'name': must match \[a-z\]\+ \(lower\); received 'A'"
    ):
        check_pattern(stack, "name", "A", "[a-z]+", "lower")


def test_pattern_skips_tokens_and_none(stack: cdk.Stack) -> None:
    tokens = [cdk.Aws.ACCOUNT_ID, cdk.Fn.ref("SomeParameter"), cdk.CfnParameter(stack, "Name").value_as_string]
    # Each token's string form breaks the pattern, so checking it as a literal would raise ...
    for token in tokens:
        assert re.fullmatch("[a-z]+", token) is None
        with pytest.raises(ValidationError):
            check_pattern(stack, "name", token.replace("$", "literal"), "[a-z]+", "lower")
    # ... but tokens (and None) are left for deploy time.
    assert [check_pattern(stack, "name", value, "[a-z]+", "lower") for value in [None, *tokens]] == [None] * 4


def test_fails_length(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match="length must be between 1 and 3 characters; received 'abcd'"):
        check_length(stack, "name", "abcd", 1, 3)
    check_length(stack, "name", "abc", 1, 3)


def test_fails_range(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match="must be between 5 and 10 seconds; received 4"):
        check_range(stack, "ttl", 4, 5, 10, "seconds")
    check_range(stack, "ttl", 10, 5, 10)


def test_fails_blank(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match="must not be empty or only white space"):
        check_not_blank(stack, "message", " \n\t")
    check_not_blank(stack, "message", "Reply STOP")


def test_fails_duplicates(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match="keywords must be unique; duplicate; received 'JOIN'"):
        check_unique(stack, "keywords", ["JOIN", "INFO", "JOIN"], "keywords")
    check_unique(stack, "keywords", ["JOIN", "INFO"])


def test_fails_count(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match="must hold between 1 and 2 items, not 3"):
        check_count(stack, "events", [1, 2, 3], 1, 2)
    with pytest.raises(ValidationError, match="not 0"):
        check_count(stack, "events", [], 1, 2)


def test_fails_exclusive_pair(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match="give either 'a' or 'b', not both"):
        check_exclusive(stack, ("a", 1), ("b", 2))
    check_exclusive(stack, ("a", 1), ("b", None))


def test_acknowledge_requires_evidence(stack: cdk.Stack) -> None:
    with pytest.raises(ValueError, match="needs a reason stating the evidence"):
        nag.acknowledge(stack, nag.AwsSolutions.IAM5, "ok")


def test_granular_finding_id() -> None:
    assert nag.granular(nag.AwsSolutions.IAM5, "Action::s3:Abort*") == "AwsSolutions-IAM5[Action::s3:Abort*]"


def test_is_unresolved_finds_every_kind_of_token_and_asks_jsii_only_about_candidates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tokens = [
        cdk.Aws.ACCOUNT_ID,
        f"arn:aws:sns:us-east-1:{cdk.Aws.ACCOUNT_ID}:topic",
        cdk.Token.as_number(cdk.Fn.ref("Count")),
        cdk.Fn.split(",", cdk.Fn.ref("List")),
        cdk.Fn.ref("Param"),
    ]
    assert [is_unresolved(token) for token in tokens] == [True] * len(tokens)
    asked: list[object] = []
    original = cdk.Token.is_unresolved
    monkeypatch.setattr(cdk.Token, "is_unresolved", lambda value: asked.append(value) or original(value))
    literals = ["US", "arn:aws:sns:us-east-1:111122223333:topic", 3, 2.5, 86_400, ["US", "CA"], [], True, None]
    assert [is_unresolved(literal) for literal in literals] == [False] * len(literals)
    assert asked == []  # literals never cross to jsii


@pytest.mark.parametrize(
    ("removal_policy", "deletion_policy"),
    [
        # A named group kept from a rolled-back update would fail the next deployment of the same change.
        (cdk.RemovalPolicy.RETAIN, "RetainExceptOnCreate"),
        (cdk.RemovalPolicy.DESTROY, "Delete"),
    ],
)
def test_library_log_groups_are_not_kept_from_the_operation_that_failed_to_create_them(
    stack: cdk.Stack, removal_policy: cdk.RemovalPolicy, deletion_policy: str
) -> None:
    key = kms.Key(stack, "Key")
    library_log_group(
        stack, "Logs", encryption_key=key, retention=logs.RetentionDays.ONE_YEAR, removal_policy=removal_policy
    )
    [group] = Template.from_stack(stack).find_resources("AWS::Logs::LogGroup").values()
    assert group["DeletionPolicy"] == deletion_policy
    assert group["UpdateReplacePolicy"] == ("Retain" if removal_policy == cdk.RemovalPolicy.RETAIN else "Delete")


# --- how ValidationError renders the value received -----------------------------------------------------------------


def test_validation_error_names_a_construct_by_its_path(stack: cdk.Stack) -> None:
    key = kms.Key(stack, "Key")
    error = ValidationError(stack, "encryption_key", "must be a key of this stack", key)
    assert (
        str(error)
        == "TestStack: invalid 'encryption_key': must be a key of this stack; received construct TestStack/Key"
    )
    assert error.value is key


def test_validation_error_renders_tokens_as_a_placeholder(stack: cdk.Stack) -> None:
    key = kms.Key(stack, "Key")
    arn = f"prefix-{key.key_arn}"
    assert str(ValidationError(stack, "p", "r", arn)).endswith("received 'prefix-<deploy-time value>'")
    assert str(ValidationError(stack, "p", "r", [key.key_id])).endswith("received ['<deploy-time value>']")
    number = cdk.Token.as_number(key.key_id)
    assert str(ValidationError(stack, "p", "r", number)).endswith("received <deploy-time number>")
    assert str(ValidationError(stack, "p", "r", cdk.Fn.get_att("X", "Y"))).endswith("received <deploy-time value>")


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        (cdk.Duration.minutes(5), "Duration 5 minutes"),
        (cdk.Size.mebibytes(3), "Size 3 MiB"),
        (logs.RetentionDays.ONE_WEEK, "RetentionDays.ONE_WEEK"),
        ({"a": 1, "b": [True, None]}, "{'a': 1, 'b': [True, None]}"),
        ("usa", "'usa'"),
    ],
)
def test_validation_error_renders_values_for_a_reader(value: object, rendered: str) -> None:
    assert str(ValidationError("Stack/X", "p", "r", value)) == f"Stack/X: invalid 'p': r; received {rendered}"


def test_validation_error_never_prints_a_python_object_repr() -> None:
    class Opaque:
        pass

    message = str(ValidationError("Stack/X", "p", "r", Opaque()))
    assert " object at 0x" not in message
    assert message.endswith("received a tests.unit.test_private.Opaque") or message.endswith(".<locals>.Opaque")


def test_validation_error_shortens_long_values() -> None:
    message = str(ValidationError("Stack/X", "p", "r", "x" * 500))
    assert message.endswith("...")
    assert len(message.split("received ", 1)[1]) == 200
