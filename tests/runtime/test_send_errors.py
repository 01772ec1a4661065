"""The classification of SendTextMessage errors by code and reason, and the docs table that shows it."""

from __future__ import annotations

import re

import pytest
from sms_constructs_runtime.send_errors import (
    BY_FIELD,
    GROUPS,
    NOT_FROM_SEND_TEXT_MESSAGE,
    SEND_ERROR_RULES,
    SendErrorOutcome,
    classify,
    field_names,
    markdown_table,
    message_fields,
    rows,
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
    page = (REPO_ROOT / "docs" / "patterns" / "send-queue" / "reference.md").read_text()
    shown = page.split("<!-- send-errors:begin -->\n", 1)[1].split("\n<!-- send-errors:end -->", 1)[0]
    assert shown == markdown_table(), "regenerate: python -m sms_constructs_runtime.send_errors (PYTHONPATH=lambda)"


def _reasons_shown(table: str) -> set[str]:
    """The reasons of the table's rows, ``<wbr>`` removed (``*`` stands for a code's default)."""
    reasons = set()
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("| `") and len(cells) == 3:
            reason = re.sub(r"</?code>|<wbr>|`", "", cells[1])
            reasons.add("*" if reason.startswith("*any") else reason)
    return reasons


def test_the_docs_table_shows_only_what_send_text_message_returns() -> None:
    shown = _reasons_shown(markdown_table())

    assert "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT" in shown
    assert "DESTINATION_PHONE_NUMBER_OPTED_OUT" in shown
    assert shown.isdisjoint(NOT_FROM_SEND_TEXT_MESSAGE)
    assert {"REGISTRATION_ALREADY_SUBMITTED", "MONTHLY_SPEND_LIMIT_REACHED_FOR_VOICE"} <= NOT_FROM_SEND_TEXT_MESSAGE
    every = {reason for _, reason, _, _ in rows()}
    assert shown == every - NOT_FROM_SEND_TEXT_MESSAGE
    assert _reasons_shown(markdown_table(every_reason=True)) == every


def test_the_reasons_left_out_are_still_classified_and_only_the_opt_out_list_ones_reject() -> None:
    left_out = {(code, reason, outcome) for code, reason, outcome, _ in rows() if reason in NOT_FROM_SEND_TEXT_MESSAGE}

    assert {reason for _, reason, outcome in left_out if outcome is not SendErrorOutcome.HOLD} == {
        "CANNOT_ADD_OPTED_OUT_NUMBER",
        "PHONE_NUMBER_CANNOT_BE_OPTED_IN",
        "ATTACHMENT_TYPE_NOT_SUPPORTED",  # BY_FIELD: a generic reason of the media channel
        "MEDIA_TYPE_NOT_SUPPORTED",
    }


def test_the_docs_table_is_grouped_by_outcome_and_breaks_codes_only_after_an_underscore() -> None:
    table = markdown_table()

    headings = re.findall(r"^### (.+)$", table, re.M)
    assert headings == [heading for _, heading, _ in GROUPS]
    assert {outcome for outcome, _, _ in GROUPS} == set(SendErrorOutcome)  # every outcome has its group
    rejected = table.split("### Held", 1)[0]
    assert "<code>DESTINATION_<wbr>PHONE_<wbr>NUMBER_<wbr>OPTED_<wbr>OUT</code>" in rejected
    assert "<code>MONTHLY_<wbr>SPEND_<wbr>LIMIT_<wbr>REACHED_<wbr>FOR_<wbr>TEXT</code>" in table.split("### Held", 1)[1]
    assert "| `OTHER` |" in table  # no underscore: no break at all
    assert not re.search(r"[A-Z]<wbr>[A-Z]", table)
