"""The classification of SendTextMessage errors by code and reason, and the docs table that shows it."""

from __future__ import annotations

import pytest
from sms_constructs_runtime.send_errors import SEND_ERROR_RULES, SendErrorOutcome, classify, markdown_table

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
        ("ValidationException", None, SendErrorOutcome.REJECT),  # the service says the request is invalid
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


def test_the_docs_show_the_current_table() -> None:
    page = (REPO_ROOT / "docs" / "patterns" / "send-queue.md").read_text()
    shown = page.split("<!-- send-errors:begin -->\n", 1)[1].split("\n<!-- send-errors:end -->", 1)[0]
    assert shown == markdown_table(), "regenerate: python -m sms_constructs_runtime.send_errors (PYTHONPATH=lambda)"
