"""``sms_constructs_runtime.status`` without AWS: masking, ranks, the store-item and SMS-event mappings, the schema."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
from sms_constructs_runtime.events import SmsEvent
from sms_constructs_runtime.status import (
    RANKS,
    RequestStatus,
    carrier_rank,
    change_from_sms_event,
    change_from_store_item,
    load_schema,
    mask_phone_number,
    status_event,
)

EVENTS = Path(__file__).resolve().parent.parent / "handlers" / "status_events"
DELIVERED = json.loads((EVENTS / "05-awsdoc-eventbridge-2024-text-delivered-us.json").read_text())
SUCCESSFUL = json.loads((EVENTS / "02-awsdoc-event-format-current-text-successful.json").read_text())


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(load_schema())


@pytest.mark.parametrize(
    ("number", "masked"), [("+14255557890", "+1******7890"), ("+447700900123", "+4*******0123"), ("+1234", "+****")]
)
def test_mask_keeps_the_first_digit_and_the_last_four(number: str, masked: str) -> None:
    assert mask_phone_number(number) == masked


def test_ranks_order_a_request_forwards() -> None:
    order = [
        RANKS[RequestStatus.ACCEPTED],
        RANKS[RequestStatus.HELD],
        RANKS[RequestStatus.SENT],
        carrier_rank("QUEUED", False),
        carrier_rank("PENDING", False),
        carrier_rank("SUCCESSFUL", False),
        carrier_rank("UNREACHABLE", True),
        carrier_rank("SUCCESSFUL", True),
        carrier_rank("DELIVERED", True),
        RANKS[RequestStatus.RETRIED],
        RANKS[RequestStatus.FAILED_FINAL],
    ]
    assert order == sorted(order)
    assert len(set(order)) == len(order)
    assert RANKS[RequestStatus.FAILED_FINAL] < 100  # the next attempt always ranks above


def test_documented_event_without_the_send_queues_context_is_not_a_request() -> None:
    assert change_from_sms_event(SmsEvent.from_record(DELIVERED)) is None


def test_final_successful_is_final_unless_retried_and_a_retried_status_is_not() -> None:
    record = copy.deepcopy(SUCCESSFUL)
    record["context"] = {"smsRequestId": "r", "smsAttempt": "2", "team": "a"}
    change = change_from_sms_event(SmsEvent.from_record(record))
    assert change is not None
    assert (change.request_id, change.attempt, change.status, change.is_final) == ("r", 2, "SUCCESSFUL", True)
    assert change.context == {"team": "a"}
    record.update(messageStatus="UNREACHABLE", eventType="TEXT_UNREACHABLE")
    retried = change_from_sms_event(SmsEvent.from_record(record), ["UNREACHABLE"])
    assert retried is not None
    assert retried.is_final is False


@pytest.mark.parametrize(
    "item",
    [
        {"pk": {"S": "request#r"}, "sk": {"S": "conflict#abc"}, "status": {"S": "REJECTED"}},
        {"pk": {"S": "request#r"}, "sk": {"S": "rejected#abc"}, "status": {"S": "REJECTED"}},
        {"pk": {"S": "request#r"}, "sk": {"S": "status"}, "status": {"S": "SENT"}},
        {"pk": {"S": "pacer#x"}, "sk": {"S": "pacer"}},
        {"pk": {"S": "message#m"}, "sk": {"S": "message"}},
    ],
)
def test_items_that_are_not_a_requests_outcome_change_nothing(item: dict[str, dict[str, str]]) -> None:
    assert change_from_store_item(item) is None


def test_status_event_without_destination_or_context_validates() -> None:
    item = {
        "requestId": {"S": "r"},
        "attempt": {"N": "1"},
        "status": {"S": "REJECTED"},
        "isFinal": {"BOOL": True},
        "at": {"N": "1767225600000"},
        "reason": {"S": "INVALID_NUMBER"},
    }
    event = status_event(item)
    jsonschema.validate(event, load_schema())
    assert event["context"] == {}
    assert "destination" not in event
