"""The contract's JSON Schema: committed copies are current, and schema and validator agree (a property test).

The schema is checked with ECMA-262 regular expressions (``regress``), as JSON Schema specifies and as producers in
other languages will run it — not Python's ``re``, whose ``$`` also matches before a final newline.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import regress
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from sms_constructs_runtime import schema
from sms_constructs_runtime.contract import (
    LANE_PATTERN,
    PHONE_NUMBER_PATTERN,
    PRODUCER_PATTERN,
    REQUEST_ID_PATTERN,
    ContractError,
    SendRequest,
)

from tests.conftest import REPO_ROOT

COMMITTED = {
    "package": REPO_ROOT / "lambda" / "sms_constructs_runtime" / "contract.schema.json",
    "docs": REPO_ROOT / "docs" / "patterns" / "contract.schema.json",
}


def _ecma_pattern(
    validator: Any, pattern: str, instance: Any, _schema: dict[str, Any]
) -> Iterator[jsonschema.ValidationError]:
    if validator.is_type(instance, "string") and regress.Regex(pattern).find(instance) is None:
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


EcmaValidator = jsonschema.validators.extend(Draft202012Validator, validators={"pattern": _ecma_pattern})
VALIDATOR = EcmaValidator(schema.contract_schema())


def schema_accepts(message: Any) -> bool:
    return VALIDATOR.is_valid(message)


def sender_accepts(message: Any) -> bool:
    try:
        SendRequest.from_json(json.dumps(message))
    except ContractError:
        return False
    return True


@pytest.mark.parametrize("where", sorted(COMMITTED))
def test_committed_schema_is_current(where: str) -> None:
    assert COMMITTED[where].read_text() == schema.render(), (
        "stale: python -m sms_constructs_runtime.schema > lambda/sms_constructs_runtime/contract.schema.json "
        "(and copy it to docs/patterns/)"
    )


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(schema.contract_schema())


def test_what_the_producer_writes_is_valid_for_the_schema() -> None:
    plain = SendRequest(request_id="r-1", destination_phone_number="+14255550123", message_body="Hello")
    laned = SendRequest(
        request_id="r-2",
        destination_phone_number="+14255550123",
        message_body="Hello",
        lane="urgent",
        producer="appointments",
        context={"a": "1", "b": "2"},
    )
    full = SendRequest(
        request_id="otp:7f3a",
        destination_phone_number="+447700900123",
        message_body="Votre code : 123456 €",
        message_type="TRANSACTIONAL",
        context={"flow": "login"},
        time_to_live_seconds=300,
        max_price="0.05",
        not_after=1_767_225_900_000,
        attempt=2,
        first_attempt_at=1_767_225_600_000,
    )
    for request in (plain, full, laned):
        assert schema_accepts(request.to_dict())
    assert laned.version == 3
    assert laned.send_context()["smsProducer"] == "appointments"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"requestId": "abc\n"}, "requestId"),  # Python's $ would accept it; ECMA's does not
        ({"notAfter": 5}, "notAfter"),  # version 1 has no notAfter
        ({"context": {"SMSREQUESTID": "x"}}, "context"),  # reserved, in any case
        ({"version": 4}, "version"),
        ({"version": 2, "lane": "urgent"}, "lane"),  # version 2 has no lane
        ({"version": 3, "lane": "Urgent"}, "lane"),
        ({"version": 3, "producer": "a b"}, "producer"),
        # the producer takes one of the three context entries
        ({"version": 3, "producer": "otp", "context": {"a": "1", "b": "2", "c": "3"}}, "context"),
        ({"version": 3, "context": {"smsProducer": "x"}}, "context"),  # reserved
    ],
)
def test_schema_refuses_what_the_sender_refuses(change: dict[str, Any], field: str) -> None:
    message = {"version": 1, "requestId": "r-1", "destinationPhoneNumber": "+14255550123", "messageBody": "Hi"}
    message.update(change)
    assert not sender_accepts(message), field
    assert not schema_accepts(message), field


# -- the property test ---------------------------------------------------------------------------------------------

# Characters whose class (white space or not) is the same for Python and ECMA-262, and that are GSM-7 or BMP only, so
# no generated body reaches the 630 UCS-2 units the schema cannot check.
TEXT = string.ascii_letters + string.digits + " .,:;!?-_'()@€{}[]éñü你好\n\t"
texts = st.text(alphabet=TEXT, min_size=0, max_size=40)
bodies = st.text(alphabet=TEXT, min_size=1, max_size=600)
context_keys = st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=1, max_size=12)
context_values = st.text(alphabet=TEXT, min_size=1, max_size=30).filter(lambda v: v == v.strip())
contexts = st.dictionaries(context_keys, context_values, max_size=3).filter(
    lambda c: len({k.lower() for k in c}) == len(c)  # keys equal but for case: the one rule JSON Schema cannot say
)
json_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-10, max_value=2**60),
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
    st.lists(st.integers(), max_size=2),
    st.dictionaries(context_keys, texts, max_size=4),
)


@st.composite
def valid_messages(draw: st.DrawFn) -> dict[str, Any]:
    message: dict[str, Any] = {
        "requestId": draw(st.from_regex(REQUEST_ID_PATTERN, fullmatch=True)),
        "destinationPhoneNumber": draw(st.from_regex(PHONE_NUMBER_PATTERN, fullmatch=True)),
        "messageBody": draw(bodies.filter(str.strip)),
    }
    optional = {
        "messageType": st.sampled_from(["TRANSACTIONAL", "PROMOTIONAL"]),
        "context": contexts,
        "timeToLiveSeconds": st.integers(min_value=5, max_value=259_200),
        "maxPrice": st.from_regex(r"[0-9]{0,2}\.[0-9]{1,5}", fullmatch=True),
        "attempt": st.integers(min_value=1, max_value=10),
        "firstAttemptAt": st.integers(min_value=0, max_value=2**53 - 1),
        "notAfter": st.integers(min_value=0, max_value=2**53 - 1),
        "lane": st.from_regex(LANE_PATTERN, fullmatch=True),
        "producer": st.from_regex(PRODUCER_PATTERN, fullmatch=True),
    }
    for name in draw(st.sets(st.sampled_from(sorted(optional)))):
        message[name] = draw(optional[name])
    if "producer" in message and len(message.get("context", {})) > 2:  # the producer takes a context entry
        message["context"] = dict(list(message["context"].items())[:2])
    lowest = 3 if {"lane", "producer"} & set(message) else 2 if "notAfter" in message else 1
    message["version"] = draw(st.sampled_from([v for v in (1, 2, 3) if v >= lowest]))
    return message


@st.composite
def mutated_messages(draw: st.DrawFn) -> dict[str, Any]:
    """A valid message with one to three fields replaced by arbitrary JSON, removed, or added."""
    message = draw(valid_messages())
    names = [*message, "ttl", "notAfter", "context", "version", "lane", "producer"]
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        name = draw(st.sampled_from(names))
        action = draw(st.sampled_from(["replace", "remove"]))
        if action == "remove":
            message.pop(name, None)
        else:
            message[name] = draw(json_values)
    return message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_messages())
def test_schema_and_validator_accept_the_same_valid_messages(message: dict[str, Any]) -> None:
    assert sender_accepts(message)
    assert schema_accepts(message)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_messages())
def test_schema_and_validator_agree_on_mutated_messages(message: dict[str, Any]) -> None:
    assert schema_accepts(message) == sender_accepts(message), message


def test_docs_copy_sits_next_to_the_page_that_links_it() -> None:
    page = (REPO_ROOT / "docs" / "patterns" / "send-queue" / "guide.md").read_text()
    assert "contract.schema.json" in page
    assert Path(COMMITTED["docs"]).exists()


def test_the_shell_recipe_of_the_docs_sends_a_message_the_schema_and_the_sender_accept() -> None:
    page = (REPO_ROOT / "docs" / "patterns" / "send-queue" / "guide.md").read_text()
    recipe = page[page.index("aws sqs send-message") :]
    body = json.loads(recipe[recipe.index("--message-body '") + len("--message-body '") :].split("'", 1)[0])
    attribute = recipe[recipe.index("StringValue=") + len("StringValue=") :].split("}", 1)[0]
    assert schema_accepts(body)
    request = SendRequest.from_dict(body)
    assert int(attribute) == body["version"] == request.version
