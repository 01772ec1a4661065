"""Contract edges: what the producer and the sender's decoding refuse, each with a reason, before anything is sent.

Deep nesting, characters SQS does not carry (lone surrogates, U+FFFE, U+FFFF, control characters), empty ids and
wrong types are refused by name; the error message renders the value safely (it can always be logged and stored).
"""

from __future__ import annotations

import json
import re
import string
from typing import Any

import jsonschema
import pytest
import regress
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sms_constructs_runtime import SmsProducer
from sms_constructs_runtime.contract import (
    MAX_NESTING_DEPTH,
    ContractError,
    RejectionReason,
    SendRequest,
    decode_message,
)
from sms_constructs_runtime.schema import FORBIDDEN_CHARACTER, contract_schema

VALID: dict[str, Any] = {
    "version": 1,
    "requestId": "order-1234",
    "destinationPhoneNumber": "+14255550123",
    "messageBody": "Your order has shipped.",
}
#: Every kind of character SQS refuses, with what the error calls it.
FORBIDDEN = [
    ("\ud800", "U+D800 (a lone surrogate)"),
    ("\udfff", "U+DFFF (a lone surrogate)"),
    ("\ufffe", "U+FFFE (a non-character)"),
    ("\uffff", "U+FFFF (a non-character)"),
    ("\x00", "U+0000 (a control character)"),
    ("\x1b", "U+001B (a control character)"),
]


class RecordingSqs:
    """An SQS client that records every call: a refused request must leave it empty."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def send_message(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("send_message", kwargs))
        return {"MessageId": "m-1"}

    def send_message_batch(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("send_message_batch", kwargs))
        return {"Successful": [], "Failed": []}


def producer() -> tuple[SmsProducer, RecordingSqs]:
    sqs = RecordingSqs()
    return SmsProducer("https://sqs.us-east-1.amazonaws.com/111122223333/send", client=sqs), sqs


def nested(depth: int, inner: str = '"x"') -> str:
    """A message whose body is ``depth`` arrays and objects deep (written by hand: ``json.dumps`` would recurse)."""
    opened = "".join("[" if n % 2 else '{"a":' for n in range(depth))
    closed = "".join("]" if n % 2 else "}" for n in reversed(range(depth)))
    return json.dumps(VALID)[:-1] + f',"messageBody":{opened}{inner}{closed}}}'


def assert_safe(error: ContractError) -> None:
    """The message names the problem in text any log or store takes (no lone surrogate, no raw control char)."""
    text = str(error)
    text.encode("utf-8")
    assert text.isprintable(), text


# -- nesting ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_NESTING_DEPTH + 1, 5_000, 200_000])
def test_fails_on_nesting_deeper_than_the_limit_without_recursion(depth: int) -> None:
    with pytest.raises(ContractError, match=rf"JSON nested deeper than {MAX_NESTING_DEPTH} levels") as caught:
        SendRequest.from_json(nested(depth))
    assert caught.value.reason == RejectionReason.MALFORMED_MESSAGE


def test_nesting_up_to_the_limit_is_parsed_and_refused_by_the_field_rule() -> None:
    with pytest.raises(ContractError, match="messageBody: must be a string, not an object") as caught:
        SendRequest.from_json(nested(MAX_NESTING_DEPTH - 1))
    assert caught.value.reason == RejectionReason.INVALID_FIELD


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    body = "[{" * 40 + ' \\" ' + "}]" * 40
    request = SendRequest.from_json(json.dumps({**VALID, "messageBody": body}))
    assert request.message_body == body


def test_fails_on_a_body_that_is_not_a_string() -> None:
    with pytest.raises(ContractError, match="the body must be a string, not a bytes"):
        decode_message(b"{}")


# -- characters ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("character", "named"), FORBIDDEN)
@pytest.mark.parametrize("escaped", [True, False])
def test_fails_on_a_character_sqs_does_not_carry_in_the_body(character: str, named: str, escaped: bool) -> None:
    body = json.dumps({**VALID, "messageBody": f"Hi {character}"}, ensure_ascii=escaped)
    with pytest.raises(ContractError, match=f"messageBody: .*{re.escape(named)} at position 3") as e:
        SendRequest.from_json(body)
    assert e.value.reason == RejectionReason.MALFORMED_MESSAGE
    assert e.value.field == "messageBody"
    assert_safe(e.value)


@pytest.mark.parametrize(
    "message",
    [
        {**VALID, "context": {"k\ud800": "v"}},
        {**VALID, "context": {"k": "v\uffff"}},
        {**VALID, "ttl\ufffe": 5},  # an unknown field's name
        {**VALID, "requestId": "r\ud800"},
    ],
)
def test_fails_on_a_refused_character_anywhere_in_the_message(message: dict[str, Any]) -> None:
    with pytest.raises(ContractError, match="SQS carries only tab, line feed, carriage return") as caught:
        SendRequest.from_json(json.dumps(message))
    assert caught.value.reason == RejectionReason.MALFORMED_MESSAGE
    assert_safe(caught.value)


def test_emoji_and_other_characters_sqs_carries_are_accepted() -> None:
    body = "Code 123456 \U0001f600 \ue000 \ufffd caf\u00e9 \u4f60\u597d\ttab\r\nnew line"
    for ascii_only in (True, False):  # an escaped surrogate pair decodes to one character
        assert SendRequest.from_json(
            json.dumps({**VALID, "messageBody": body}, ensure_ascii=ascii_only)
        ).message_body == (body)


@pytest.mark.parametrize(("character", "named"), FORBIDDEN)
def test_the_schema_refuses_what_the_sender_refuses(character: str, named: str) -> None:
    message = {**VALID, "messageBody": f"Hi {character}", "context": {"k": "v"}}
    # ECMA-262 (regress) takes no lone surrogate through its bindings; Python's re reads the same pattern alike
    validator = jsonschema.Draft202012Validator(contract_schema())
    assert not validator.is_valid(message), named
    assert not validator.is_valid({**VALID, "context": {"k": f"v{character}"}}), named
    assert not validator.is_valid({**VALID, "context": {f"k{character}": "v"}}), named
    if not 0xD800 <= ord(character) <= 0xDFFF:
        assert regress.Regex(FORBIDDEN_CHARACTER).find(f"Hi {character}") is not None


def test_the_schemas_character_pattern_lets_surrogate_pairs_through_in_ecma_262() -> None:
    assert regress.Regex(FORBIDDEN_CHARACTER).find("Hi \U0001f600 \ufffd\t\r\n") is None
    assert jsonschema.Draft202012Validator(contract_schema()).is_valid({**VALID, "messageBody": "Hi \U0001f600"})


# -- the producer ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"request_id": ""}, r'requestId: must be 1-64 characters of A-Z a-z 0-9 \. _ : -, not ""'),
        ({"request_id": 7}, "requestId: must be a string, not 7"),
        ({"context": "abc"}, 'context: must be an object of strings, not "abc"'),
        ({"context": ["a", "b"]}, "context: must be an object of strings, not a list of 2 items"),
        ({"context": ""}, 'context: must be an object of strings, not ""'),
        ({"context": {"a": {"b": "c"}}}, 'context: the value of "a" must be 1-800 characters.*not an object of 1'),
        ({"time_to_live_seconds": "60"}, 'timeToLiveSeconds: must be a whole number, not "60"'),
        ({"max_price": 0.05}, "maxPrice: must be a string, not 0.05"),
        ({"message_type": "MARKETING"}, 'messageType: must be TRANSACTIONAL or PROMOTIONAL, not "MARKETING"'),
    ],
)
def test_producer_fails_on_bad_arguments_by_name_before_sending(kwargs: dict[str, Any], match: str) -> None:
    client, sqs = producer()
    with pytest.raises(ContractError, match=match) as caught:
        client.send("+14255550123", "Hello", **kwargs)
    assert_safe(caught.value)
    assert sqs.calls == []


def test_producer_generates_a_request_id_only_when_none_is_given() -> None:
    client, sqs = producer()
    assert len(client.send("+14255550123", "Hello")) == 36
    assert len(sqs.calls) == 1


@pytest.mark.parametrize(
    ("requests", "match"),
    [
        ({"r-1": "x"}, "requests: must be a list of requests built with SmsProducer.build, not a dict"),
        ("abc", "requests: must be a list of requests built with SmsProducer.build, not a str"),
        (None, "requests: must be a list of requests built with SmsProducer.build, not a NoneType"),
        ([{"requestId": "r-1"}], r"requests\[0\]: must be a request built with SmsProducer.build .*not a dict"),
    ],
)
def test_send_batch_fails_on_anything_but_requests_before_sending(requests: Any, match: str) -> None:
    client, sqs = producer()
    with pytest.raises(ContractError, match=match):
        client.send_batch(requests)
    assert sqs.calls == []


def test_send_batch_checks_every_request_before_sending_the_first_chunk() -> None:
    client, sqs = producer()
    good = [client.build("+14255550123", f"Message {n}", request_id=f"b-{n}") for n in range(12)]
    with pytest.raises(ContractError, match=r"requests\[12\]: must be a request built with SmsProducer.build"):
        client.send_batch([*good, "b-12"])
    assert sqs.calls == []
    assert client.send_batch(iter(good)) == [f"b-{n}" for n in range(12)]  # any iterable of requests
    assert [name for name, _ in sqs.calls] == ["send_message_batch", "send_message_batch"]


def test_send_request_fails_on_something_that_is_not_a_request() -> None:
    client, sqs = producer()
    with pytest.raises(ContractError, match=r"request: must be a request built with SmsProducer\.build .*not a dict"):
        client.send_request({"requestId": "r-1"})  # type: ignore[arg-type]
    assert sqs.calls == []


# -- the property test: whatever is wrong, the producer refuses it with a reason and sends nothing ------------------

TEXT = string.ascii_letters + string.digits + " .,:!?-€éñ你\U0001f600"
forbidden_characters = st.one_of(
    st.integers(min_value=0xD800, max_value=0xDFFF).map(chr),
    st.sampled_from(["\ufffe", "\uffff"]),
    st.integers(min_value=0, max_value=0x1F).filter(lambda c: c not in (9, 10, 13)).map(chr),
)


@st.composite
def tainted(draw: st.DrawFn) -> str:
    """A short text with one refused character somewhere in it."""
    text = draw(st.text(alphabet=TEXT, min_size=1, max_size=20))
    at = draw(st.integers(min_value=0, max_value=len(text)))
    return text[:at] + draw(forbidden_characters) + text[at:] + "x"


def deep_mapping(depth: int) -> dict[str, Any]:
    value: Any = "x"
    for _ in range(depth):
        value = {"k": value}
    return value  # type: ignore[no-any-return]


wrong_types = st.one_of(
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.binary(max_size=5),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
#: (argument, bad value, field the error names, reason)
bad_arguments = st.one_of(
    tainted().map(lambda t: ("message_body", t, "messageBody", RejectionReason.MALFORMED_MESSAGE)),
    tainted().map(lambda t: ("context", {t: "v"}, "context", RejectionReason.MALFORMED_MESSAGE)),
    tainted().map(lambda t: ("context", {"k": t}, "context", RejectionReason.MALFORMED_MESSAGE)),
    st.integers(min_value=1, max_value=3000).map(
        lambda d: ("context", {"k": deep_mapping(d)}, "context", RejectionReason.INVALID_FIELD)
    ),
    st.just(("request_id", "", "requestId", RejectionReason.INVALID_FIELD)),
    wrong_types.map(lambda v: ("request_id", v, "requestId", RejectionReason.INVALID_FIELD)),
    wrong_types.map(lambda v: ("message_body", v, "messageBody", RejectionReason.INVALID_FIELD)),
    wrong_types.map(lambda v: ("destination_phone_number", v, "destinationPhoneNumber", RejectionReason.INVALID_FIELD)),
    st.one_of(wrong_types.filter(lambda v: not isinstance(v, dict)), st.text(max_size=5)).map(
        lambda v: ("context", v, "context", RejectionReason.INVALID_FIELD)
    ),
    st.one_of(st.floats(), st.booleans(), st.text(max_size=5)).map(
        lambda v: ("time_to_live_seconds", v, "timeToLiveSeconds", RejectionReason.INVALID_FIELD)
    ),
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bad_arguments)
def test_producer_refuses_every_bad_argument_with_a_reason_and_sends_nothing(bad: tuple[str, Any, str, str]) -> None:
    argument, value, field, reason = bad
    arguments: dict[str, Any] = {"destination_phone_number": "+14255550123", "message_body": "Hello", argument: value}
    client, sqs = producer()
    with pytest.raises(ContractError) as caught:
        client.send(**arguments)
    assert (caught.value.field, caught.value.reason) == (field, reason)
    assert_safe(caught.value)
    assert sqs.calls == []
