"""``SmsProducer.parts``: the parts a producer's body takes as written and as the sender sends it."""

from __future__ import annotations

import pytest
from sms_constructs_runtime import ContractError, SmsProducer
from sms_constructs_runtime.parts import Encoding

from .conftest import Aws, FakeClock, FakeSms
from .test_sender import drain, make_sender

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

PASTED = "Hi Sam, it\u2019s Acme Dental \u2013 your appointment is on Tuesday 14 May at 10:30. Reply C to confirm\u2026"


def test_parts_before_and_after_without_a_queue() -> None:
    estimate = SmsProducer.parts(PASTED)
    assert (estimate.before.encoding, estimate.before.parts) == (Encoding.UCS2, 2)
    assert (estimate.after.encoding, estimate.after.parts, estimate.parts_saved) == (Encoding.GSM7, 1, 1)
    assert estimate.body.startswith("Hi Sam, it's Acme Dental - ")


def test_a_body_that_stays_ucs2_has_the_same_parts_after() -> None:
    estimate = SmsProducer.parts("It\u2019s done \U0001f44d")
    assert (estimate.changed, estimate.before, estimate.parts_saved) == (False, estimate.after, 0)


def test_fails_parts_of_what_is_not_a_string() -> None:
    with pytest.raises(ContractError, match=r"messageBody: must be a string, not a int"):
        SmsProducer.parts(42)  # type: ignore[arg-type]


def test_the_estimate_is_what_the_sender_sends_and_the_contract_is_unchanged(aws: Aws) -> None:
    producer = SmsProducer(aws.queue_url, client=aws.sqs)
    request = producer.build("+14255550123", PASTED, request_id="remind-1")
    assert request.message_body == PASTED  # the request carries the body as written
    assert set(request.to_dict()) == {"version", "requestId", "destinationPhoneNumber", "messageBody"}  # no new field
    producer.send_request(request)
    clock = FakeClock()
    sms = FakeSms(clock)
    drain(aws, make_sender(aws, sms, clock), clock)
    [sent] = sms.sends
    estimate = SmsProducer.parts(PASTED)
    assert (sent.params["MessageBody"], sent.parts) == (estimate.body, estimate.after.parts)
