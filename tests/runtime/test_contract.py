"""The producer contract: round trip, defaults left out, and one test per validation rule."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sms_constructs_runtime.contract import ContractError, RejectionReason, SendRequest

VALID: dict[str, Any] = {
    "version": 1,
    "requestId": "order-1234",
    "destinationPhoneNumber": "+14255550123",
    "messageBody": "Your order has shipped.",
}


def test_round_trip_and_context() -> None:
    request = SendRequest.from_dict(
        {
            **VALID,
            "messageType": "PROMOTIONAL",
            "context": {"orderId": "1"},
            "timeToLiveSeconds": 60,
            "maxPrice": "0.05",
        }
    )
    assert SendRequest.from_json(request.to_json()) == request
    assert request.send_context() == {"orderId": "1", "smsRequestId": "order-1234", "smsAttempt": "1"}
    assert json.loads(SendRequest.from_dict(VALID).to_json()) == VALID  # optional fields left out
    retry = request.next_attempt(first_attempt_at=5)
    assert (retry.attempt, retry.first_attempt_at, retry.idempotency_key) == (2, 5, "order-1234#2")


@pytest.mark.parametrize(
    ("change", "reason", "field"),
    [
        ({"version": 4}, RejectionReason.UNSUPPORTED_VERSION, "version"),
        ({"version": True}, RejectionReason.UNSUPPORTED_VERSION, "version"),
        ({"requestId": "has space"}, RejectionReason.INVALID_FIELD, "requestId"),
        ({"requestId": "x" * 65}, RejectionReason.INVALID_FIELD, "requestId"),
        ({"destinationPhoneNumber": "14255550123"}, RejectionReason.INVALID_FIELD, "destinationPhoneNumber"),
        ({"messageBody": "   "}, RejectionReason.INVALID_FIELD, "messageBody"),
        ({"messageBody": "a" * 1601}, RejectionReason.INVALID_FIELD, "messageBody"),
        ({"messageBody": "€" * 766}, RejectionReason.MESSAGE_TOO_LONG, "messageBody"),
        ({"messageBody": "ç" * 631}, RejectionReason.MESSAGE_TOO_LONG, "messageBody"),
        ({"messageType": "MARKETING"}, RejectionReason.INVALID_FIELD, "messageType"),
        ({"context": {"a": "1", "b": "2", "c": "3", "d": "4"}}, RejectionReason.INVALID_FIELD, "context"),
        ({"context": {"smsRequestId": "x"}}, RejectionReason.INVALID_FIELD, "context"),
        ({"context": {"smsattempt": "x"}}, RejectionReason.INVALID_FIELD, "context"),
        ({"context": {"a b": "x"}}, RejectionReason.INVALID_FIELD, "context"),
        ({"context": {"orderId": "1", "ORDERID": "2"}}, RejectionReason.INVALID_FIELD, "context"),
        ({"context": {"a": " padded"}}, RejectionReason.INVALID_FIELD, "context"),
        ({"context": {"a": 1}}, RejectionReason.INVALID_FIELD, "context"),
        ({"context": []}, RejectionReason.INVALID_FIELD, "context"),
        ({"timeToLiveSeconds": 4}, RejectionReason.INVALID_FIELD, "timeToLiveSeconds"),
        ({"timeToLiveSeconds": 259_201}, RejectionReason.INVALID_FIELD, "timeToLiveSeconds"),
        ({"timeToLiveSeconds": 60.5}, RejectionReason.INVALID_FIELD, "timeToLiveSeconds"),
        ({"timeToLiveSeconds": True}, RejectionReason.INVALID_FIELD, "timeToLiveSeconds"),
        ({"maxPrice": "1"}, RejectionReason.INVALID_FIELD, "maxPrice"),
        ({"maxPrice": 0.5}, RejectionReason.INVALID_FIELD, "maxPrice"),
        ({"attempt": 0}, RejectionReason.INVALID_FIELD, "attempt"),
        ({"attempt": 11}, RejectionReason.INVALID_FIELD, "attempt"),
        ({"firstAttemptAt": -1}, RejectionReason.INVALID_FIELD, "firstAttemptAt"),
        ({"ttl": 60}, RejectionReason.INVALID_FIELD, "ttl"),
    ],
)
def test_fails_on_each_broken_rule(change: dict[str, Any], reason: str, field: str) -> None:
    with pytest.raises(ContractError) as caught:
        SendRequest.from_dict({**VALID, **change})
    assert (caught.value.reason, caught.value.field) == (reason, field)


@pytest.mark.parametrize("missing", ["requestId", "destinationPhoneNumber", "messageBody"])
def test_fails_on_missing_required_field(missing: str) -> None:
    with pytest.raises(ContractError, match=f"{missing}: is required"):
        SendRequest.from_dict({k: v for k, v in VALID.items() if k != missing})


@pytest.mark.parametrize("body", ["not json", "[1]", "null"])
def test_fails_on_a_body_that_is_not_a_json_object(body: str) -> None:
    with pytest.raises(ContractError) as caught:
        SendRequest.from_json(body)
    assert caught.value.reason == RejectionReason.MALFORMED_MESSAGE


def test_json_numbers_and_nulls_are_read_as_json_means_them() -> None:
    """JSON has one number type (``60.0`` is 60; JSON Schema agrees) and other languages write absent fields as null."""
    request = SendRequest.from_dict({**VALID, "timeToLiveSeconds": 60.0, "version": 1.0, "messageType": None})
    assert (request.time_to_live_seconds, request.message_type) == (60, None)
    assert isinstance(request.time_to_live_seconds, int)


def test_version_2_carries_the_deadline_and_version_1_refuses_it() -> None:
    request = SendRequest.from_dict({**VALID, "version": 2, "notAfter": 1_767_225_900_000})
    assert (request.not_after, request.version, request.to_dict()["version"]) == (1_767_225_900_000, 2, 2)
    assert request.seconds_left(1_767_225_890_000) == 10
    with pytest.raises(ContractError, match="notAfter: is not a field of version 1"):
        SendRequest.from_dict({**VALID, "notAfter": 1_767_225_900_000})
    assert SendRequest.from_dict({**VALID, "version": 2}).version == 1  # written back as the lowest version


@pytest.mark.parametrize("not_after", [-1, 2**53, 1.5, "soon", True])
def test_fails_on_a_deadline_that_is_not_epoch_milliseconds(not_after: Any) -> None:
    with pytest.raises(ContractError, match="notAfter"):
        SendRequest.from_dict({**VALID, "version": 2, "notAfter": not_after})


def test_fails_on_a_message_type_that_is_not_a_string_without_crashing() -> None:
    """A list is unhashable: the check must refuse it, not raise TypeError (found by the schema property test)."""
    with pytest.raises(ContractError, match="messageType"):
        SendRequest.from_dict({**VALID, "messageType": ["TRANSACTIONAL"]})
