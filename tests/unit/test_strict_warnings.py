"""SmsStrictWarnings: an unacknowledged sms-constructs:* warning fails a strict synthesis; an acknowledged one not."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from sms_constructs import (
    MandatoryKeywords,
    NumberCapability,
    NumberType,
    OptOutList,
    PhoneNumber,
    SmsStrictWarnings,
)
from sms_constructs.sample_app import build_sample_app
from sms_constructs.strict_warnings import STRICT_WARNINGS_CONTEXT, unacknowledged_warnings
from tests.conftest import ENV, REPO_ROOT, cdk_json_context

WARNING_ID = "sms-constructs:SelfManagedOptOuts"


def _app(**context: object) -> cdk.App:
    return cdk.App(context=cdk_json_context(**context))


def _number(stack: cdk.Stack) -> PhoneNumber:
    """A simulator number with self-managed opt-outs: the library warns ``sms-constructs:SelfManagedOptOuts``."""
    return PhoneNumber(
        stack,
        "Number",
        iso_country_code="US",
        number_type=NumberType.SIMULATOR,
        capabilities=[NumberCapability.SMS],
        keywords=MandatoryKeywords(help="Acme alerts: help at acme.example. Reply STOP to end.", stop="Unsubscribed."),
        self_managed_opt_outs_enabled=True,
    )


def test_fails_a_strict_synth_naming_the_path_and_the_warning_id() -> None:
    app = _app()
    stack = cdk.Stack(app, "Strict", env=ENV)
    _number(stack)
    cdk.Aspects.of(app).add(SmsStrictWarnings())
    with pytest.raises(RuntimeError, match=r"\[Strict/Number\] sms-constructs:SelfManagedOptOuts is an error") as info:
        app.synth()
    assert "self_managed_opt_outs_enabled=True" in str(info.value)  # the warning's own text
    assert "acknowledge_warning('sms-constructs:SelfManagedOptOuts'" in str(info.value)


def test_fails_template_from_stack_in_a_test_too() -> None:
    app = _app()
    stack = cdk.Stack(app, "Strict", env=ENV)
    _number(stack)
    cdk.Aspects.of(app).add(SmsStrictWarnings())
    with pytest.raises(RuntimeError, match=r"Strict/Number\] sms-constructs:SelfManagedOptOuts"):
        Template.from_stack(stack)


def test_without_the_switch_the_warning_stays_a_warning() -> None:
    app = _app()
    stack = cdk.Stack(app, "Lenient", env=ENV)
    number = _number(stack)
    app.synth()
    assert [warning_id for warning_id, _ in unacknowledged_warnings(number)] == [WARNING_ID]


@pytest.mark.parametrize("before", [True, False], ids=["acknowledged-before", "acknowledged-after"])
def test_an_acknowledged_warning_passes_a_strict_synth(before: bool) -> None:
    app = _app()
    stack = cdk.Stack(app, "Strict", env=ENV)
    if before:  # an acknowledgement on a scope above, made before the warning is raised
        cdk.Annotations.of(stack).acknowledge_warning(WARNING_ID, "our application answers STOP and HELP itself")
        _number(stack)
    else:
        number = _number(stack)
        cdk.Annotations.of(number).acknowledge_warning(WARNING_ID, "our application answers STOP and HELP itself")
    cdk.Aspects.of(app).add(SmsStrictWarnings())
    assembly = app.synth()
    assert assembly.get_stack_by_name("Strict").template["Resources"]


def test_only_library_warnings_are_strict() -> None:
    app = _app()
    stack = cdk.Stack(app, "Strict", env=ENV)
    OptOutList(stack, "OptOuts")
    cdk.Annotations.of(stack).add_warning_v2("other-library:Something", "not ours")
    cdk.Annotations.of(stack).add_warning("no id at all")
    cdk.Aspects.of(app).add(SmsStrictWarnings())
    app.synth()


def test_every_warning_is_listed_at_once() -> None:
    app = _app()
    first = cdk.Stack(app, "First", env=ENV)
    second = cdk.Stack(app, "Second", env=ENV)
    _number(first)
    _number(second)
    cdk.Aspects.of(app).add(SmsStrictWarnings())
    with pytest.raises(RuntimeError) as info:
        app.synth()
    assert "[First/Number] sms-constructs:SelfManagedOptOuts" in str(info.value)
    assert "[Second/Number] sms-constructs:SelfManagedOptOuts" in str(info.value)


@pytest.mark.parametrize("value", [True, "true", "TRUE"])
def test_the_context_key_turns_strict_warnings_on(value: object) -> None:
    app = _app(**{STRICT_WARNINGS_CONTEXT: value})
    assert SmsStrictWarnings.apply_from_context(app) is True
    _number(cdk.Stack(app, "Strict", env=ENV))
    with pytest.raises(RuntimeError, match=r"\[Strict/Number\] sms-constructs:SelfManagedOptOuts is an error"):
        app.synth()


@pytest.mark.parametrize("value", [None, False, "false"])
def test_the_context_key_off_or_absent_leaves_warnings_alone(value: object) -> None:
    app = _app(**({} if value is None else {STRICT_WARNINGS_CONTEXT: value}))
    assert SmsStrictWarnings.apply_from_context(app) is False
    _number(cdk.Stack(app, "Lenient", env=ENV))
    app.synth()


@pytest.mark.parametrize("value", ["yes", 1, {"on": True}])
def test_fails_on_a_context_value_that_is_not_a_boolean(value: object) -> None:
    app = _app(**{STRICT_WARNINGS_CONTEXT: value})
    with pytest.raises(ValueError, match=r"'context sms-constructs:strictWarnings': must be true or false; received"):
        SmsStrictWarnings.apply_from_context(app)


def test_the_sample_app_honours_the_context_key_and_its_sandbox_profile_is_clean() -> None:
    """`python app.py` / `npx cdk synth -c sms-constructs:strictWarnings=true`: the sandbox profile raises no warning.

    (cdk.json leaves the key off: a production profile that requests a toll-free number warns
    `sms-constructs:RegistrationRequired` until its registration is in place.)"""
    assert "SmsStrictWarnings.apply_from_context(app)" in (REPO_ROOT / "app.py").read_text()
    app = _app(**{STRICT_WARNINGS_CONTEXT: True, "sms-constructs:profile": "sandbox"})
    assert SmsStrictWarnings.apply_from_context(app) is True
    build_sample_app(app)
    assert app.synth().stacks
