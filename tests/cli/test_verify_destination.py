"""``sms-constructs-verify-destination``: finds the number, sends the code, verifies it; every request is checked
against the service model by botocore's Stubber."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest

from sms_constructs_cli import verify_destination
from sms_constructs_cli._cli import BadInputError, CannotRunError
from tests.cli.conftest import FakeSession

NUMBER, NUMBER_ID = "+14255550142", "verifieddestinationnumber-0123456789abcdef0123456789abcdef"
NUMBER_ARN = f"arn:aws:sms-voice:us-east-1:111122223333:verified-destination-number/{NUMBER_ID}"


def _found(status: str) -> dict[str, Any]:
    return {
        "VerifiedDestinationNumbers": [
            {
                "VerifiedDestinationNumberArn": NUMBER_ARN,
                "VerifiedDestinationNumberId": NUMBER_ID,
                "DestinationPhoneNumber": NUMBER,
                "Status": status,
                "CreatedTimestamp": datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC),
            }
        ]
    }


def _expect_lookup(aws: FakeSession, status: str = "PENDING") -> None:
    aws.stubber("pinpoint-sms-voice-v2").add_response(
        "describe_verified_destination_numbers", _found(status), {"DestinationPhoneNumbers": [NUMBER]}
    )


def _verify_response(status: str) -> dict[str, Any]:
    return {
        "VerifiedDestinationNumberArn": NUMBER_ARN,
        "VerifiedDestinationNumberId": NUMBER_ID,
        "DestinationPhoneNumber": NUMBER,
        "Status": status,
        "CreatedTimestamp": datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC),
    }


def test_sends_the_code_then_verifies_the_answer(aws: FakeSession) -> None:
    _expect_lookup(aws)
    stubber = aws.stubber("pinpoint-sms-voice-v2")
    stubber.add_response(
        "send_destination_number_verification_code",
        {"MessageId": "m-1"},
        {"VerifiedDestinationNumberId": NUMBER_ID, "VerificationChannel": "TEXT", "LanguageCode": "EN_GB"},
    )
    stubber.add_response(
        "verify_destination_number",
        _verify_response("VERIFIED"),
        {"VerifiedDestinationNumberId": NUMBER_ID, "VerificationCode": "123456"},
    )
    out = io.StringIO()
    prompts: list[str] = []

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        return " 123456\n"

    status = verify_destination.verify(aws.client("pinpoint-sms-voice-v2"), NUMBER, language="EN_GB", ask=ask, out=out)
    assert status == 0
    assert prompts == ["Code received: "]
    assert out.getvalue().splitlines() == [
        f"Verification code sent to {NUMBER} by text ({NUMBER_ID}).",
        f"{NUMBER}: VERIFIED.",
    ]


def test_without_a_terminal_it_sends_the_code_and_says_how_to_finish(aws: FakeSession) -> None:
    _expect_lookup(aws)
    aws.stubber("pinpoint-sms-voice-v2").add_response(
        "send_destination_number_verification_code",
        {"MessageId": "m-1"},
        {
            "VerifiedDestinationNumberId": NUMBER_ID,
            "VerificationChannel": "VOICE",
            "OriginationIdentity": "pool-1",
            "ConfigurationSetName": "acme",
        },
    )
    out = io.StringIO()
    status = verify_destination.verify(
        aws.client("pinpoint-sms-voice-v2"),
        NUMBER,
        channel="VOICE",
        origination_identity="pool-1",
        configuration_set="acme",
        out=out,
    )
    assert status == 0
    assert f"run: sms-constructs-verify-destination {NUMBER} --code <code>" in out.getvalue()


def test_with_a_code_it_only_verifies(aws: FakeSession) -> None:
    _expect_lookup(aws)
    aws.stubber("pinpoint-sms-voice-v2").add_response(
        "verify_destination_number",
        _verify_response("PENDING"),
        {"VerifiedDestinationNumberId": NUMBER_ID, "VerificationCode": "999999"},
    )
    out = io.StringIO()
    assert verify_destination.verify(aws.client("pinpoint-sms-voice-v2"), NUMBER, code="999999", out=out) == 1
    assert out.getvalue() == f"{NUMBER}: PENDING.\n"


def test_an_already_verified_number_needs_nothing(aws: FakeSession) -> None:
    _expect_lookup(aws, "VERIFIED")
    out = io.StringIO()
    assert verify_destination.verify(aws.client("pinpoint-sms-voice-v2"), NUMBER, out=out) == 0
    assert "already verified" in out.getvalue()


def test_fails_a_number_the_account_does_not_know(aws: FakeSession) -> None:
    aws.stubber("pinpoint-sms-voice-v2").add_response(
        "describe_verified_destination_numbers",
        {"VerifiedDestinationNumbers": []},
        {"DestinationPhoneNumbers": [NUMBER]},
    )
    with pytest.raises(
        CannotRunError, match=r"is not a verified destination number.*VerifiedDestinationNumber construct"
    ):
        verify_destination.verify(aws.client("pinpoint-sms-voice-v2"), NUMBER)


@pytest.mark.parametrize("number", ["4255550142", "+1 425 555 0142", "+0123"])
def test_fails_a_number_that_is_not_e164_before_any_call(aws: FakeSession, number: str) -> None:
    with pytest.raises(BadInputError, match=r"is not an E\.164 number"):
        verify_destination.verify(aws.client("pinpoint-sms-voice-v2"), number)


def test_a_wrong_code_is_reported_in_one_line(
    aws: FakeSession, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _expect_lookup(aws)
    aws.stubber("pinpoint-sms-voice-v2").add_client_error(
        "verify_destination_number",
        service_error_code="ValidationException",
        service_message="The verification code does not match",
        expected_params={"VerifiedDestinationNumberId": NUMBER_ID, "VerificationCode": "000000"},
    )
    monkeypatch.setattr(verify_destination, "session", lambda *_: aws)
    assert verify_destination.main([NUMBER, "--code", "000000"]) == 1  # ran; not verified
    assert capsys.readouterr().err.splitlines() == [
        f"{NUMBER} is not verified: ValidationException: The verification code does not match"
    ]


def test_without_credentials_it_says_so_in_one_line(no_credentials: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert verify_destination.main([NUMBER], ask=lambda _: "1") == 3
    assert len(capsys.readouterr().err.splitlines()) == 1
