"""Keywords: rendering of HELP/STOP and optional keywords, and every keyword rule, on PhoneNumber and Pool."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from sms_constructs._private.errors import ValidationError
from sms_constructs.resources.common import KeywordAction, NumberCapability, NumberType
from sms_constructs.resources.keywords import MandatoryKeywords, OptionalKeyword
from sms_constructs.resources.phone_number import PhoneNumber
from sms_constructs.resources.pool import Pool
from sms_constructs.resources.sender_id import SenderId

KEYWORDS = MandatoryKeywords(help="Acme alerts: help at acme.example. Reply STOP to opt out.", stop="Unsubscribed.")


def _number(stack: cdk.Stack, **overrides: Any) -> PhoneNumber:
    props: dict[str, Any] = {
        "iso_country_code": "US",
        "number_type": NumberType.SIMULATOR,
        "capabilities": [NumberCapability.SMS],
        "keywords": KEYWORDS,
    }
    props.update(overrides)
    return PhoneNumber(stack, "Number", **props)


def test_mandatory_and_optional_keywords_render_on_phone_number(stack: cdk.Stack) -> None:
    _number(
        stack,
        optional_keywords=[
            OptionalKeyword(keyword="START", message="Subscribed again.", action=KeywordAction.OPT_IN),
            OptionalKeyword(keyword="INFO please", message="Acme alerts."),
        ],
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::SMSVOICE::PhoneNumber",
        {
            "MandatoryKeywords": {
                "HELP": {"Message": "Acme alerts: help at acme.example. Reply STOP to opt out."},
                "STOP": {"Message": "Unsubscribed."},
            },
            "OptionalKeywords": [
                {"Keyword": "START", "Message": "Subscribed again.", "Action": "OPT_IN"},
                {"Keyword": "INFO please", "Message": "Acme alerts.", "Action": "AUTOMATIC_RESPONSE"},
            ],
        },
    )


def test_keywords_render_on_pool(stack: cdk.Stack) -> None:
    sender = SenderId(stack, "Sender", sender_id="ACME", iso_country_code="DE")
    Pool(
        stack,
        "Pool",
        origination_identities=[sender],
        keywords=KEYWORDS,
        optional_keywords=[OptionalKeyword(keyword="NOMORE", message="Bye.", action=KeywordAction.OPT_OUT)],
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::SMSVOICE::Pool",
        {
            "MandatoryKeywords": {"HELP": {"Message": KEYWORDS.help}, "STOP": {"Message": "Unsubscribed."}},
            "OptionalKeywords": [{"Keyword": "NOMORE", "Message": "Bye.", "Action": "OPT_OUT"}],
        },
    )


def test_token_messages_are_not_validated(stack: cdk.Stack) -> None:
    help_text = cdk.CfnParameter(stack, "Help").value_as_string
    _number(stack, keywords=MandatoryKeywords(help=help_text, stop="Unsubscribed."))
    Template.from_stack(stack).has_resource_properties(
        "AWS::SMSVOICE::PhoneNumber", {"MandatoryKeywords": {"HELP": {"Message": {"Ref": "Help"}}}}
    )


@pytest.mark.parametrize("field", ["help", "stop"])
def test_fails_blank_mandatory_message(stack: cdk.Stack, field: str) -> None:
    keywords = MandatoryKeywords(**{"help": "Help text.", "stop": "Stop text.", field: "  \n "})
    with pytest.raises(ValidationError, match=rf"invalid 'keywords.{field}': must not be empty or only white space"):
        _number(stack, keywords=keywords)


def test_fails_message_longer_than_1600(stack: cdk.Stack) -> None:
    with pytest.raises(
        ValidationError, match=r"invalid 'keywords.stop': must be at most 1600 characters \(it has 1601\)"
    ):
        _number(stack, keywords=MandatoryKeywords(help="Help.", stop="x" * 1601))


def test_message_of_exactly_1600_is_accepted(stack: cdk.Stack) -> None:
    _number(stack, keywords=MandatoryKeywords(help="h" * 1600, stop="Stop."))
    Template.from_stack(stack).has_resource_properties(
        "AWS::SMSVOICE::PhoneNumber", {"MandatoryKeywords": {"HELP": {"Message": "h" * 1600}}}
    )


def test_fails_keywords_not_mandatory_keywords(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'keywords': must be a MandatoryKeywords"):
        _number(stack, keywords={"help": "h", "stop": "s"})


@pytest.mark.parametrize("keyword", ["STOP", "help", "Stop"])
def test_fails_optional_keyword_help_or_stop(stack: cdk.Stack, keyword: str) -> None:
    with pytest.raises(ValidationError, match=r"optional_keywords\[0\].keyword': HELP and STOP are mandatory"):
        _number(stack, optional_keywords=[OptionalKeyword(keyword=keyword, message="m")])


@pytest.mark.parametrize(
    "keyword", ["ARRET", "cancel", "End", "OPT-OUT", "optout", "QUIT", "REMOVE", "td", "Unsubscribe"]
)
@pytest.mark.parametrize("action", list(KeywordAction))
def test_fails_optional_keyword_that_is_a_required_opt_out_keyword(
    stack: cdk.Stack, keyword: str, action: KeywordAction
) -> None:
    with pytest.raises(
        ValidationError,
        match=rf"optional_keywords\[0\].keyword': is one of the service's required opt-out keywords .*could never "
        rf"take effect; received '{keyword}'$",
    ):
        _number(stack, optional_keywords=[OptionalKeyword(keyword=keyword, message="m", action=action)])


def test_fails_pool_optional_keyword_that_is_a_required_opt_out_keyword(stack: cdk.Stack) -> None:
    sender = SenderId(stack, "Sender", sender_id="ACME", iso_country_code="DE")
    with pytest.raises(ValidationError, match=r"Pool: invalid 'optional_keywords\[1\].keyword': is one of the"):
        Pool(
            stack,
            "Pool",
            origination_identities=[sender],
            keywords=KEYWORDS,
            optional_keywords=[
                OptionalKeyword(keyword="INFO", message="m"),
                OptionalKeyword(keyword="QUIT", message="m"),
            ],
        )


def test_fails_optional_keyword_longer_than_30(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"must be at most 30 characters \(it has 31\)"):
        _number(stack, optional_keywords=[OptionalKeyword(keyword="K" * 31, message="m")])


@pytest.mark.parametrize("keyword", [" START", "START "])
def test_fails_optional_keyword_leading_or_trailing_space(stack: cdk.Stack, keyword: str) -> None:
    with pytest.raises(ValidationError, match=r"must not start or end with a space"):
        _number(stack, optional_keywords=[OptionalKeyword(keyword=keyword, message="m")])


def test_fails_optional_keyword_with_tab(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"must not contain tabs or line breaks"):
        _number(stack, optional_keywords=[OptionalKeyword(keyword="GO\tNOW", message="m")])


def test_fails_duplicate_optional_keywords_in_any_case(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"optional_keywords\[1\].keyword': keywords must be unique .*'start'"):
        _number(
            stack,
            optional_keywords=[
                OptionalKeyword(keyword="START", message="m"),
                OptionalKeyword(keyword="start", message="n"),
            ],
        )


def test_fails_blank_optional_keyword_message(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"optional_keywords\[0\].message': must not be empty"):
        _number(stack, optional_keywords=[OptionalKeyword(keyword="START", message=" ")])


def test_fails_optional_keyword_action_not_enum(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"optional_keywords\[0\].action': must be a KeywordAction"):
        _number(stack, optional_keywords=[OptionalKeyword(keyword="START", message="m", action="OPT_IN")])  # type: ignore[arg-type]


def test_fails_blank_keyword_message_on_pool(stack: cdk.Stack) -> None:
    sender = SenderId(stack, "Sender", sender_id="ACME", iso_country_code="DE")
    with pytest.raises(ValidationError, match=r"TestStack/Pool: invalid 'keywords.help'"):
        Pool(stack, "Pool", origination_identities=[sender], keywords=MandatoryKeywords(help="", stop="s"))
