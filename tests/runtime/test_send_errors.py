"""The classification of SendTextMessage errors by code and reason, and the docs table that shows it."""

from __future__ import annotations

import pytest
from sms_constructs_runtime.send_errors import (
    BY_FIELD,
    SEND_ERROR_RULES,
    SendErrorOutcome,
    classify,
    field_names,
    markdown_table,
    message_fields,
)

from tests.conftest import REPO_ROOT


@pytest.mark.parametrize(
    ("code", "reason", "outcome"),
    [
        ("ConflictException", "DESTINATION_PHONE_NUMBER_OPTED_OUT", SendErrorOutcome.REJECT),
        ("ConflictException", "RESOURCE_NOT_ACTIVE", SendErrorOutcome.HOLD),
        ("ConflictException", "DESTINATION_PHONE_NUMBER_NOT_VERIFIED", SendErrorOutcome.HOLD),
        ("ServiceQuotaExceededException", "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT", SendErrorOutcome.HOLD),
        ("ValidationException", "PRICE_OVER_THRESHOLD", SendErrorOutcome.REJECT),
        ("ValidationException", "SENDER_ID_NOT_REGISTERED", SendErrorOutcome.HOLD),
        ("ValidationException", None, SendErrorOutcome.HOLD),  # no reason, no field: not shown to be the message
        ("ValidationException", "A_REASON_OF_A_NEWER_MODEL", SendErrorOutcome.HOLD),  # a new rule rejects nothing
        ("ValidationException", "MAXIMUM_SIZE_EXCEEDED", SendErrorOutcome.REJECT),  # the body
        ("ValidationException", "DESTINATION_COUNTRY_BLOCKED", SendErrorOutcome.REJECT),  # the destination
        ("ConflictException", None, SendErrorOutcome.HOLD),  # a resource state: not the message's fault
        ("ConflictException", "A_REASON_OF_A_NEWER_MODEL", SendErrorOutcome.HOLD),
        ("ThrottlingException", None, SendErrorOutcome.RETRY),
        ("AccessDeniedException", "ACCOUNT_DISABLED", SendErrorOutcome.HOLD),
    ],
)
def test_classify(code: str, reason: str | None, outcome: SendErrorOutcome) -> None:
    assert classify(code, reason) is outcome


def test_codes_outside_the_model_are_left_to_the_sender() -> None:
    assert classify("ExpiredTokenException", None) is None


def test_only_destination_and_message_reasons_are_rejections() -> None:
    """The rejections are the reasons a resend of the unchanged request could never fix."""
    rejections = {
        (code, reason)
        for code, rule in SEND_ERROR_RULES.items()
        for reason, (o, _) in rule.reasons.items()
        if o.value == "REJECT"
    }
    assert {code for code, _ in rejections} == {"ConflictException", "ValidationException"}
    assert {r for c, r in rejections if c == "ConflictException"} == {
        "DESTINATION_PHONE_NUMBER_OPTED_OUT",
        "DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION",
        "DESTINATION_PHONE_NUMBER_BLOCKED_BY_PROTECT_NUMBER_OVERRIDE",
    }


GENERIC = sorted(r for r, (o, _) in SEND_ERROR_RULES["ValidationException"].reasons.items() if o is BY_FIELD)
REQUEST_SET_NOTHING = message_fields(time_to_live=False, max_price=False, message_type=False)


def test_the_generic_validation_reasons_are_decided_by_their_fields() -> None:
    assert GENERIC == [
        "ATTACHMENT_TYPE_NOT_SUPPORTED",
        "CANNOT_PARSE",
        "FIELD_VALIDATION_FAILED",
        "INVALID_PARAMETER",
        "INVALID_REQUEST",
        "MEDIA_TYPE_NOT_SUPPORTED",
        "MISSING_PARAMETER",
        "OTHER",
        "PARAMETERS_CANNOT_BE_USED_TOGETHER",
        "UNSPECIFIED_PARAMETER_NOT_SUPPORTED",
    ]


@pytest.mark.parametrize("reason", GENERIC)
@pytest.mark.parametrize(
    "field", ["DestinationPhoneNumber", "MessageBody", "Context", "messageBody", "Context.orderId"]
)
def test_a_generic_reason_naming_a_field_of_the_message_is_a_rejection(reason: str, field: str) -> None:
    assert classify("ValidationException", reason, [field], REQUEST_SET_NOTHING) is SendErrorOutcome.REJECT


@pytest.mark.parametrize("reason", GENERIC)
@pytest.mark.parametrize(
    "fields", [[], ["OriginationIdentity"], ["ConfigurationSetName"], ["ProtectConfigurationId"], ["DryRun"]]
)
def test_a_generic_reason_about_the_deployment_or_no_field_holds(reason: str, fields: list[str]) -> None:
    assert classify("ValidationException", reason, fields, REQUEST_SET_NOTHING) is SendErrorOutcome.HOLD


@pytest.mark.parametrize(
    ("field", "keyword"), [("TimeToLive", "time_to_live"), ("MaxPrice", "max_price"), ("MessageType", "message_type")]
)
def test_ttl_max_price_and_message_type_are_the_messages_only_when_the_request_set_them(
    field: str, keyword: str
) -> None:
    set_by_request = message_fields(**{"time_to_live": False, "max_price": False, "message_type": False, keyword: True})
    assert classify("ValidationException", "INVALID_PARAMETER", [field], set_by_request) is SendErrorOutcome.REJECT
    assert classify("ValidationException", "INVALID_PARAMETER", [field], REQUEST_SET_NOTHING) is SendErrorOutcome.HOLD


def test_one_field_of_the_message_among_others_is_a_rejection() -> None:
    fields = ["OriginationIdentity", "MessageBody"]
    assert classify("ValidationException", "OTHER", fields, REQUEST_SET_NOTHING) is SendErrorOutcome.REJECT


def test_fields_do_not_turn_a_hold_reason_into_a_rejection() -> None:
    assert (
        classify("ValidationException", "SENDER_ID_NOT_REGISTERED", ["MessageBody"], REQUEST_SET_NOTHING)
        is SendErrorOutcome.HOLD
    )


def test_field_names_read_the_parsed_error_response() -> None:
    response = {
        "Error": {"Code": "ValidationException", "Message": "bad"},
        "Reason": "INVALID_PARAMETER",
        "Fields": [{"Name": "MessageBody", "Message": "empty"}, {"Name": "TimeToLive", "Message": "too long"}],
    }
    assert field_names(response) == ("MessageBody", "TimeToLive")
    assert field_names({"Error": {}}) == ()


def test_the_docs_show_the_current_table() -> None:
    page = (REPO_ROOT / "docs" / "patterns" / "send-queue.md").read_text()
    shown = page.split("<!-- send-errors:begin -->\n", 1)[1].split("\n<!-- send-errors:end -->", 1)[0]
    assert shown == markdown_table(), "regenerate: python -m sms_constructs_runtime.send_errors (PYTHONPATH=lambda)"
