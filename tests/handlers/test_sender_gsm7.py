"""GSM-7 normalisation in the sender: the body sent, the parts paced and stored, and ``PartsSaved``."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from sender import handler

from .conftest import TABLE, Aws, FakeClock, FakeSms
from .test_sender import drain, enqueue, history, make_sender, request
from .test_sender_breaker import totals

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # Powertools warns when no metrics were added

#: 95 characters with a smart apostrophe, an en dash and an ellipsis: 2 UCS-2 parts as written, 1 GSM-7 part sent.
PASTED = "Hi Sam, it\u2019s Acme Dental \u2013 your appointment is on Tuesday 14 May at 10:30. Reply C to confirm\u2026"
NORMALISED = "Hi Sam, it's Acme Dental - your appointment is on Tuesday 14 May at 10:30. Reply C to confirm..."


@pytest.fixture(autouse=True)
def _fresh_metrics() -> None:
    handler.metrics.clear_metrics()


def sent_and_published(
    aws: Aws, capsys: pytest.CaptureFixture[str], body: str, **overrides: Any
) -> tuple[FakeSms, dict[str, int]]:
    """Send one request with ``body``; the fake's sends and the metric totals the invocation published."""
    clock = FakeClock()
    sms = FakeSms(clock)
    enqueue(aws, request(1, body=body))
    drain(aws, make_sender(aws, sms, clock, **overrides), clock)
    handler.metrics.flush_metrics()
    return sms, dict(totals(capsys.readouterr().out))


def test_a_pasted_body_is_sent_gsm7_and_the_part_saved_is_published(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    sms, published = sent_and_published(aws, capsys, PASTED)
    assert [s.params["MessageBody"] for s in sms.sends] == [NORMALISED]
    assert [s.parts for s in sms.sends] == [1]  # what the service bills and meters
    assert (published["MessagePartsSent"], published["PartsSaved"]) == (1, 1)
    assert [h["parts"] for h in history(aws, "req-1")] == ["1"]  # the store records the parts sent
    stored = aws.dynamodb.get_item(
        TableName=TABLE, Key={"pk": {"S": f"message#{sms.sends[0].message_id}"}, "sk": {"S": "message"}}
    )["Item"]
    assert json.loads(stored["request"]["S"])["messageBody"] == PASTED  # the request as written, for a retry


def test_a_normalised_body_that_saves_no_part_publishes_zero(aws: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    sms, published = sent_and_published(aws, capsys, "It\u2019s done")
    assert [s.params["MessageBody"] for s in sms.sends] == ["It's done"]
    assert (published["MessagePartsSent"], published["PartsSaved"]) == (1, 0)


@pytest.mark.parametrize(
    "body", ["Your code is 123456", "It\u2019s done \U0001f44d", "Caf\u00e9 \u2013 \u00e7a va"], ids=str.isascii
)
def test_a_body_already_gsm7_or_that_needs_ucs2_is_sent_as_written(
    aws: Aws, capsys: pytest.CaptureFixture[str], body: str
) -> None:
    sms, published = sent_and_published(aws, capsys, body)
    assert [s.params["MessageBody"] for s in sms.sends] == [body]
    assert "PartsSaved" not in published
    assert published["MessagesSent"] == 1


def test_without_normalisation_the_body_is_sent_as_written_and_paced_as_ucs2(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    sms, published = sent_and_published(aws, capsys, PASTED, normalize_gsm7=False)
    assert [s.params["MessageBody"] for s in sms.sends] == [PASTED]
    assert [s.parts for s in sms.sends] == [2]
    assert published["MessagePartsSent"] == 2
    assert "PartsSaved" not in published
    assert [h["parts"] for h in history(aws, "req-1")] == ["2"]


def test_the_pacer_counts_the_parts_sent(aws: Aws) -> None:
    """At 1 MPS, four pasted 2-part (UCS-2) bodies go out one second apart once normalised to 1 part, not two."""
    clock = FakeClock()
    sms = FakeSms(clock)
    enqueue(aws, *(request(n, body=PASTED) for n in range(4)))
    drain(aws, make_sender(aws, sms, clock, max_parts_per_second=1), clock)
    starts = sorted(s.at for s in sms.sends)
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert len(starts) == 4
    assert all(0.99 <= gap < 1.5 for gap in gaps), gaps
