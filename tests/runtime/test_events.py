"""The SMS event schema module: FIELDS, the status sets, and parsing of the record shapes the service delivers."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from sms_constructs_runtime.events import (
    CONTEXT_ATTEMPT,
    CONTEXT_REQUEST_ID,
    FAILURE_STATUSES,
    FIELDS,
    FIELDS_BY_NAME,
    INTERMEDIATE_STATUSES,
    PERMANENT_FAILURE_STATUSES,
    SUCCESS_STATUSES,
    TRANSIENT_FAILURE_STATUSES,
    EventParseError,
    ProtectVerdict,
    SmsEvent,
    glue_columns,
)

#: The merged AWS example (user guide event format + EventBridge examples): every field present.
FULL: dict[str, Any] = {
    "eventType": "TEXT_SUCCESSFUL",
    "eventVersion": "1.0",
    "eventTimestamp": 1686975103470,
    "isFinal": True,
    "originationPhoneNumber": "+12065550152",
    "destinationPhoneNumber": "+14255550156",
    "isoCountryCode": "US",
    "isInternationalSend": False,
    "mcc": "310",
    "mnc": "800",
    "carrierName": "T-mobile USA Inc.",
    "messageId": "862a8790-60c0-4430-9b2b-658bdexample",
    "messageRequestTimestamp": 1686975103170,
    "messageEncoding": "GSM",
    "messageType": "PROMOTIONAL",
    "messageStatus": "SUCCESSFUL",
    "messageStatusDescription": "Message has been accepted by phone carrier",
    "context": {"account": "bar", CONTEXT_REQUEST_ID: "req-1", CONTEXT_ATTEMPT: "2"},
    "totalMessageParts": 1,
    "totalMessagePrice": 0.09582,
    "totalCarrierFee": 0.0,
    "protectConfiguration": {
        "protectConfigurationId": "protect-e06e5d722c31455286262a108e7d863d",
        "protectStatus": "ALLOW",
    },
}

REQUIRED = ("eventType", "eventTimestamp", "isFinal", "messageId", "messageStatus")


def test_fields_cover_the_documented_record_exactly() -> None:
    assert [f.name for f in FIELDS] == list(FULL)
    assert set(FIELDS_BY_NAME) == set(FULL)


def test_every_field_maps_to_an_event_attribute() -> None:
    event = SmsEvent.from_record(FULL)
    for f in FIELDS:
        value = getattr(event, f.attribute)
        expected = FULL[f.name]
        if f.name == "protectConfiguration":
            expected = ProtectVerdict(expected["protectConfigurationId"], expected["protectStatus"])
        assert value == expected, f.name


def test_glue_columns_are_lower_case_and_typed() -> None:
    columns = glue_columns()
    assert [c for c, _, _ in columns] == [f.name.lower() for f in FIELDS]
    types = {c: t for c, t, _ in columns}
    assert types["context"] == "map<string,string>"
    assert types["protectconfiguration"] == "struct<protectconfigurationid:string,protectstatus:string>"
    assert types["eventtimestamp"] == types["messagerequesttimestamp"] == "bigint"
    assert types["isfinal"] == types["isinternationalsend"] == "boolean"
    assert all(comment for _, _, comment in columns)


def test_required_flags() -> None:
    assert {f.name for f in FIELDS if f.required} == {*REQUIRED, "eventVersion"}


def test_status_sets_are_disjoint_and_failures_are_their_union() -> None:
    sets = [SUCCESS_STATUSES, TRANSIENT_FAILURE_STATUSES, PERMANENT_FAILURE_STATUSES, INTERMEDIATE_STATUSES]
    assert sum(len(s) for s in sets) == len(frozenset().union(*sets))
    assert FAILURE_STATUSES == TRANSIENT_FAILURE_STATUSES | PERMANENT_FAILURE_STATUSES
    assert "PROTECT_BLOCKED" in PERMANENT_FAILURE_STATUSES
    assert "CARRIER_UNREACHABLE" in TRANSIENT_FAILURE_STATUSES


def test_parse_full_record_and_derived_properties() -> None:
    event = SmsEvent.from_json(json.dumps(FULL))
    assert event.request_id == "req-1"
    assert event.attempt == 2
    assert event.is_success
    assert not event.is_final_failure
    assert event.context["account"] == "bar"


def test_parse_eventbridge_envelope() -> None:
    envelope = {
        "version": "0",
        "id": "c8d0a5b4-1111-2222-3333-444455556666",
        "detail-type": "Text Message Delivery Status Updated",
        "source": "aws.sms-voice",
        "account": "111122223333",
        "time": "2023-06-17T04:11:43Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {k: v for k, v in FULL.items() if k != "destinationPhoneNumber"},
    }
    event = SmsEvent.from_record(envelope)
    assert event.message_id == FULL["messageId"]
    assert event.destination_phone_number is None


def test_parse_sns_message_string() -> None:
    notification = {"Type": "Notification", "Message": json.dumps(FULL)}
    assert SmsEvent.from_json(notification["Message"]).message_status == "SUCCESSFUL"


def test_missing_optional_fields_are_none() -> None:
    minimal = {name: FULL[name] for name in REQUIRED}
    event = SmsEvent.from_record(minimal)
    for f in FIELDS:
        if f.name in REQUIRED:
            continue
        value = getattr(event, f.attribute)
        if f.name == "context":
            assert value == {}
        elif f.name == "eventVersion":
            assert value == "1.0"  # the only version there is
        else:
            assert value is None, f.name
    assert event.request_id is None
    assert event.attempt is None


def test_null_optional_fields_are_none() -> None:
    record = {**FULL, "carrierName": None, "mcc": None, "context": None, "protectConfiguration": None}
    event = SmsEvent.from_record(record)
    assert (event.carrier_name, event.mcc, event.protect_configuration) == (None, None, None)
    assert event.context == {}


def test_numbers_sent_as_floats_are_accepted_where_integral() -> None:
    event = SmsEvent.from_record({**FULL, "eventTimestamp": 1686975103470.0, "totalMessagePrice": 1})
    assert event.event_timestamp == 1686975103470
    assert isinstance(event.event_timestamp, int)
    assert event.total_message_price == 1.0
    assert isinstance(event.total_message_price, float)


def test_context_lookup_falls_back_to_lower_cased_keys() -> None:
    # Records read back from the Parquet table: Firehose's OpenX SerDe lower-cases map keys.
    record = {**FULL, "context": {CONTEXT_REQUEST_ID.lower(): "req-9", CONTEXT_ATTEMPT.lower(): "3"}}
    event = SmsEvent.from_record(record)
    assert (event.request_id, event.attempt) == ("req-9", 3)


def test_context_none_values_dropped_and_non_digit_attempt_ignored() -> None:
    event = SmsEvent.from_record({**FULL, "context": {CONTEXT_ATTEMPT: "two", "empty": None}})
    assert event.attempt is None
    assert "empty" not in event.context


def test_final_failure() -> None:
    event = SmsEvent.from_record(
        {**FULL, "messageStatus": "CARRIER_UNREACHABLE", "eventType": "TEXT_CARRIER_UNREACHABLE"}
    )
    assert event.is_final_failure
    assert not event.is_success
    pending = SmsEvent.from_record({**FULL, "messageStatus": "PENDING", "isFinal": False})
    assert not pending.is_final_failure


@pytest.mark.parametrize("name", REQUIRED)
def test_fails_when_a_required_field_is_missing(name: str) -> None:
    record = copy.deepcopy(FULL)
    del record[name]
    with pytest.raises(EventParseError, match=rf"required field '{name}' is missing"):
        SmsEvent.from_record(record)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("isFinal", "true", "field 'isFinal' must be bool, not str"),
        ("eventTimestamp", "1686975103470", "field 'eventTimestamp' must be int, not str"),
        ("eventTimestamp", True, "field 'eventTimestamp' must be an integer, not a boolean"),
        ("totalMessageParts", 1.5, "field 'totalMessageParts' must be int, not float"),
        ("totalMessagePrice", "0.1", "field 'totalMessagePrice' must be a number, not str"),
        ("totalCarrierFee", False, "field 'totalCarrierFee' must be a number, not bool"),
        ("isoCountryCode", 1, "field 'isoCountryCode' must be str, not int"),
        ("context", ["a"], "field 'context' must be an object of strings, not list"),
        ("protectConfiguration", "ALLOW", "field 'protectConfiguration' must be an object, not str"),
        ("eventVersion", 1, "field 'eventVersion' must be str, not int"),
    ],
)
def test_fails_on_mistyped_fields(name: str, value: Any, message: str) -> None:
    with pytest.raises(EventParseError, match=message):
        SmsEvent.from_record({**FULL, name: value})


def test_fails_on_mistyped_protect_member() -> None:
    record = {**FULL, "protectConfiguration": {"protectConfigurationId": 7, "protectStatus": "ALLOW"}}
    with pytest.raises(EventParseError, match="field 'protectConfigurationId' must be str"):
        SmsEvent.from_record(record)


@pytest.mark.parametrize("text", ["not json", b"\xff", "[1, 2]", "null"])
def test_fails_on_non_object_input(text: str | bytes) -> None:
    with pytest.raises(EventParseError):
        SmsEvent.from_json(text)
