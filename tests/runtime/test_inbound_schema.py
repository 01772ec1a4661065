"""The inbound events' JSON Schema and the runtime agree: every detail the handlers build validates (property tests),
and the schema refuses what the handlers never write."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

import tests.handlers.conftest  # noqa: F401 - puts lambda/ on sys.path

from inbound.reconcile import Reconciler  # isort: skip
from sms_constructs_runtime.consent import ConsentRecord  # isort: skip
from sms_constructs_runtime.inbound import (  # isort: skip
    Classification,
    DriftKind,
    InboundMessage,
    ReconcileSettings,
    classify,
    consent_detail,
    message_detail,
    reply_request_id,
)
from tests.conftest import REPO_ROOT

SCHEMA = json.loads((REPO_ROOT / "lambda/sms_constructs_runtime/inbound_events.schema.json").read_text())
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
WORDS = {"opt_out_keywords": ("STOP", "QUIT"), "opt_in_keywords": ("START",), "keywords": ("C", "YES PLEASE")}

numbers = st.from_regex(r"\+[1-9][0-9]{7,14}", fullmatch=True)
ids = st.one_of(st.uuids().map(str), st.text(min_size=1, max_size=120))
bodies = st.one_of(
    st.sampled_from(["STOP", " stop ", "Start", "help", "c", "yes please", "", "hello"]), st.text(max_size=300)
)
times = st.integers(min_value=0, max_value=4_102_444_800_000)


def test_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(SCHEMA)


@settings(max_examples=300, deadline=None)
@given(ids, numbers, numbers, bodies, times, st.one_of(st.none(), st.text(min_size=1, max_size=30)), st.booleans())
def test_every_inbound_message_detail_validates(
    message_id: str, sender: str, ours: str, body: str, at: int, service_keyword: str | None, replied: bool
) -> None:
    message = InboundMessage(message_id, sender, ours, body, at, message_keyword=service_keyword)
    classification, keyword = classify(message, **WORDS)
    detail = message_detail(message, classification, keyword, reply_request_id(message_id) if replied else None)
    VALIDATOR.validate(detail)
    if classification in (Classification.OPT_OUT, Classification.OPT_IN):
        assert keyword is not None
        VALIDATOR.validate(consent_detail(message, keyword))


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(
        [DriftKind.LEDGER_OPTED_OUT_NOT_ON_LIST, DriftKind.LEDGER_OPTED_IN_ON_LIST, DriftKind.ON_LIST_NOT_IN_LEDGER]
    ),
    numbers,
    times,
    st.booleans(),
)
def test_every_drift_detail_validates(kind: str, number: str, at: int, end_user: bool) -> None:
    reconciler = Reconciler(
        ReconcileSettings("ledger", "list", "bus", "svc", "ns"), dynamodb=None, sms=None, events=None
    )
    record = ConsentRecord(number, "OPTED_IN", "START", at, "m", "+12125550101")
    listed = {
        "OptedOutNumber": number,
        "OptedOutTimestamp": datetime(2026, 1, 1, tzinfo=UTC),
        "EndUserOptedOut": end_user,
    }
    with_record = kind != DriftKind.ON_LIST_NOT_IN_LEDGER
    with_listing = kind != DriftKind.LEDGER_OPTED_OUT_NOT_ON_LIST
    VALIDATOR.validate(
        reconciler._drift(kind, number, record if with_record else None, listed if with_listing else None)
    )


@pytest.mark.parametrize(
    "mutation",
    [
        {"version": "2"},
        {"classification": "SPAM"},
        {"receivedAt": "2026-01-01T00:00:00Z"},
        {"extra": 1},
        {"replyRequestId": "not-a-reply"},
    ],
)
def test_schema_refuses_what_the_handler_never_writes(mutation: dict[str, Any]) -> None:
    message = InboundMessage("m", "+14255550182", "+12125550101", "hello", 0)
    detail = {**message_detail(message, Classification.OTHER, None, None), **mutation}
    assert not VALIDATOR.is_valid(detail)
