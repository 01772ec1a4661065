"""The fake SMS API behaves like the service: model-valid requests and responses, MPS in parts, opt-outs, prices,
simulator numbers and the events of each outcome. Its errors are the ones ``send_errors`` classifies."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError
from sms_constructs_runtime.events import SmsEvent
from sms_constructs_runtime.send_errors import SendErrorOutcome, classify

from sms_constructs.simulate.fake_sms import (
    FAKE_OUTCOME_NUMBERS,
    OPTED_OUT,
    SIMULATOR_FAILURE_STATUS,
    SIMULATOR_NUMBERS,
    FakeSms,
    OutcomeRates,
)

IDENTITY = "arn:aws:sms-voice:us-east-1:111122223333:pool/pool-0123456789abcdef0123456789abcdef"


class Clock:
    def __init__(self) -> None:
        self.now = 1_767_225_600.0

    def __call__(self) -> float:
        return self.now


def send(sms: FakeSms, number: str = "+12065550100", body: str = "Hello", **extra: Any) -> dict[str, Any]:
    return sms.send_text_message(
        DestinationPhoneNumber=number,
        OriginationIdentity=IDENTITY,
        MessageBody=body,
        Context={"smsRequestId": "r-1", "smsAttempt": "1"},
        **extra,
    )


def error_of(call: Any) -> tuple[str, str | None, SendErrorOutcome | None]:
    with pytest.raises(ClientError) as raised:
        call()
    code = raised.value.response["Error"]["Code"]
    reason = raised.value.response.get("Reason")
    return code, reason, classify(code, reason)


def test_fails_on_a_request_the_service_model_refuses() -> None:
    sms = FakeSms(Clock())
    with pytest.raises(ParamValidationError, match="DestinationPhoneNumber"):
        sms.send_text_message(OriginationIdentity=IDENTITY, MessageBody="no destination")
    with pytest.raises(ParamValidationError, match="TimeToLive"):
        send(sms, TimeToLive="soon")
    assert sms.attempts == 0


def test_accepted_send_returns_a_model_valid_response_and_counts_parts_and_price() -> None:
    sms = FakeSms(Clock(), seed=1)
    response = send(sms, body="x" * 200)  # 2 GSM-7 parts
    assert set(response) == {"MessageId"}
    [accepted] = sms.sends
    assert (accepted.message_id, accepted.parts, accepted.country) == (response["MessageId"], 2, "US")
    assert accepted.price == pytest.approx(2 * 0.00581)
    assert sms.sent_request_ids() == [("r-1", "1")]


def test_the_identitys_mps_is_metered_in_parts_with_throttling_exception() -> None:
    clock = Clock()
    sms = FakeSms(clock, mps=3)
    for _ in range(3):
        send(sms)
    assert error_of(lambda: send(sms)) == ("ThrottlingException", None, SendErrorOutcome.RETRY)
    clock.now += 1.0  # the second has passed
    send(sms, body="y" * 1530)  # 10 parts: charged at once, accepted while the last second holds < MPS
    clock.now += 0.999
    assert error_of(lambda: send(sms))[0] == "ThrottlingException"
    assert sms.throttled == 2
    assert [p for _, p in sms.offered] == [1, 1, 1, 1, 10, 1]


def test_opted_out_too_long_and_over_max_price_are_the_errors_the_sender_rejects() -> None:
    sms = FakeSms(Clock(), opted_out={"+12065550111"})
    assert error_of(lambda: send(sms, "+12065550111")) == (
        "ConflictException",
        "DESTINATION_PHONE_NUMBER_OPTED_OUT",
        SendErrorOutcome.REJECT,
    )
    opted_out_number = next(n for n, outcome in FAKE_OUTCOME_NUMBERS.items() if outcome == OPTED_OUT)
    assert error_of(lambda: send(sms, opted_out_number))[1] == "DESTINATION_PHONE_NUMBER_OPTED_OUT"
    assert error_of(lambda: send(sms, body="ж" * 631)) == (
        "ValidationException",
        "MAXIMUM_SIZE_EXCEEDED",
        SendErrorOutcome.REJECT,
    )
    assert error_of(lambda: send(sms, "+447700900123", body="z" * 1000, MaxPrice="0.10")) == (
        "ValidationException",
        "PRICE_OVER_THRESHOLD",
        SendErrorOutcome.REJECT,
    )
    assert sms.sends == []


def collect(sms_args: dict[str, Any] | None = None) -> tuple[FakeSms, list[tuple[dict[str, Any], float]]]:
    events: list[tuple[dict[str, Any], float]] = []
    sms = FakeSms(Clock(), on_event=lambda record, at: events.append((record, at)), seed=5, **(sms_args or {}))
    return sms, events


@pytest.mark.parametrize(
    ("number", "final"),
    [
        (SIMULATOR_NUMBERS["US"][0], "DELIVERED"),
        (SIMULATOR_NUMBERS["GB"][0], "DELIVERED"),
        (SIMULATOR_NUMBERS["US"][1], SIMULATOR_FAILURE_STATUS),
        *[(number, status) for number, status in FAKE_OUTCOME_NUMBERS.items() if status != OPTED_OUT],
    ],
)
def test_destination_numbers_give_their_outcome_as_schema_events(number: str, final: str) -> None:
    sms, events = collect()
    send(sms, number, TimeToLive=600)
    records = [SmsEvent.from_record(record) for record, _ in events]
    assert next(e.message_status for e in records if not e.is_final) == "PENDING"
    [last] = {e.message_status for e in records if e.is_final}
    assert last == final
    assert all(e.message_id == sms.sends[0].message_id for e in records)
    assert all(e.context_value("smsRequestId") == "r-1" for e in records)
    final_at = max(record["eventTimestamp"] for record, _ in events if record["isFinal"])
    if final == "TTL_EXPIRED":  # reported when the TTL runs out, and billed
        assert final_at == round(sms.sends[0].at * 1000) + 600_000
        assert next(r for r, _ in events if r["isFinal"])["totalMessagePrice"] > 0
    if final in ("BLOCKED", "INVALID", "SPAM", "CARRIER_BLOCKED"):
        assert next(r for r, _ in events if r["isFinal"])["totalMessagePrice"] == 0


def test_multi_part_receipts_repeat_and_intermediate_events_can_arrive_late() -> None:
    sms, events = collect({"rates": OutcomeRates(failures={}, opted_out=0, duplicate_receipts=1.0, out_of_order=1.0)})
    send(sms, body="w" * 400)  # 3 parts
    finals = [(r, at) for r, at in events if r["isFinal"]]
    assert len(finals) == 3  # one final receipt per part
    assert len({r["messageId"] for r, _ in finals}) == 1
    pending_at = next(at for r, at in events if r["messageStatus"] == "PENDING")
    assert pending_at > min(at for _, at in finals)  # delivered after the final event


def test_ordinary_destinations_draw_outcomes_from_the_rates() -> None:
    sms, events = collect({"rates": OutcomeRates(failures={"UNREACHABLE": 0.5}, opted_out=0.0)})
    for n in range(200):
        send(sms, f"+1206555{n:04d}")
    finals = [r["messageStatus"] for r, _ in events if r["isFinal"]]
    assert 60 < finals.count("UNREACHABLE") < 140
    assert set(finals) == {"UNREACHABLE", "DELIVERED"}


def test_carrier_lookup_answers_model_valid_responses() -> None:
    sms = FakeSms(Clock(), number_types={"+12065550100": "LANDLINE"})
    assert sms.carrier_lookup(PhoneNumber="+12065550100")["PhoneNumberType"] == "LANDLINE"
    assert sms.carrier_lookup(PhoneNumber="+12065550101")["PhoneNumberType"] == "MOBILE"
    assert sms.lookups == ["+12065550100", "+12065550101"]
