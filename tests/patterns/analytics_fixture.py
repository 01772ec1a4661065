"""Realistic SMS event records, written as Parquet exactly the way the analytics Firehose stream writes them.

What Firehose does, and what this module reproduces:

- record format conversion with the OpenX JSON SerDe (``CaseInsensitive``: every JSON key is lower-cased, map keys
  included) and the Glue table as schema: one column per field of ``FIELDS`` (same names, same types), keys that are not
  in the schema dropped, missing fields written as nulls;
- Parquet, SNAPPY-compressed;
- objects under ``events/dt=YYYY-MM-DD/`` (``!{timestamp:yyyy-MM-dd}``, the UTC day the record arrived), named
  ``<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>.parquet``.

The scenario (:func:`scenario`) is built relative to "today" (UTC) because the named queries look back from
``current_date``. It covers GSM and UCS-2, multi-part messages and their duplicate receipts, non-final then final
events (one spanning partitions), every final status, several countries and days, retries through the send-queue
context keys, protect blocks, a message still pending, and records missing every optional field.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sms_constructs_runtime.events import CONTEXT_ATTEMPT, CONTEXT_REQUEST_ID

from sms_constructs.simulate.lake import ARRIVED_AT, STREAM_NAME, arrow_schema, arrow_type, firehose_row, write_events

__all__ = [
    "ARRIVED_AT",
    "STREAM_NAME",
    "arrow_schema",
    "arrow_type",
    "firehose_row",
    "foreign_channel_records",
    "scenario",
    "write_events",
]

PROTECT_ID = "protect-e06e5d722c31455286262a108e7d863d"

# --- the scenario ---------------------------------------------------------------------------------------------------


@dataclass
class Message:
    """One sent message and the events the service reports for it."""

    message_id: str
    sent_days_ago: int
    country: str | None = "US"
    carrier: str | None = "T-Mobile USA Inc."
    message_type: str | None = "TRANSACTIONAL"
    encoding: str | None = "GSM"
    parts: int | None = 1
    price: float | None = 0.00581
    carrier_fee: float | None = 0.00302
    #: (status, is_final, milliseconds after the request) in the order the service reports them.
    events: list[tuple[str, bool, int]] = field(default_factory=list)
    #: Extra identical copies of the final event (multi-part messages produce duplicate receipts).
    duplicate_finals: int = 0
    context: dict[str, str] | None = None
    protect_status: str | None = "ALLOW"
    #: Leave out every optional field (only the required ones and the status).
    minimal: bool = False
    mcc: str | None = "310"
    mnc: str | None = "260"
    #: UTC time of day of the send request.
    sent_at: dt.time = dt.time(12, 0)
    #: How long after each event Firehose receives it (a buffer flush across midnight moves it to the next ``dt``).
    arrival_lag_ms: int = 0
    #: The origination identity the service reports (E.164 number or sender ID); ``None`` leaves it out.
    origination: str | None = "+12065550152"
    #: Carrier fee of the last event when it differs from the others (a second final event, re-billed).
    last_carrier_fee: float | None = None

    def request_ms(self, today: dt.date) -> int:
        day = today - dt.timedelta(days=self.sent_days_ago)
        sent = dt.datetime.combine(day, self.sent_at, tzinfo=dt.UTC)
        return int(sent.timestamp() * 1000)

    def records(self, today: dt.date) -> list[dict[str, Any]]:
        request = self.request_ms(today)
        out = []
        for status, final, after in self.events:
            out.append(self._record(status, final, request + after, request))
        if self.duplicate_finals:
            status, final, after = self.events[-1]
            out.extend(self._record(status, final, request + after, request) for _ in range(self.duplicate_finals))
        if self.arrival_lag_ms:
            for record in out:
                record[ARRIVED_AT] = record["eventTimestamp"] + self.arrival_lag_ms
        if self.last_carrier_fee is not None:
            out[-1]["totalCarrierFee"] = self.last_carrier_fee
        return out

    def _record(self, status: str, final: bool, at: int, request: int) -> dict[str, Any]:
        record: dict[str, Any] = {
            "eventType": f"TEXT_{status}",
            "eventVersion": "1.0",
            "eventTimestamp": at,
            "isFinal": final,
            "messageId": self.message_id,
            "messageStatus": status,
        }
        if self.minimal:
            return record
        optional: dict[str, Any] = {
            "originationPhoneNumber": self.origination,
            "destinationPhoneNumber": f"+1425555{zlib.crc32(self.message_id.encode()) % 10000:04d}",
            "isoCountryCode": self.country,
            "isInternationalSend": self.country not in (None, "US"),
            "mcc": self.mcc,
            "mnc": self.mnc,
            "carrierName": self.carrier,
            "messageRequestTimestamp": request,
            "messageEncoding": self.encoding,
            "messageType": self.message_type,
            "messageStatusDescription": f"Message status {status.lower()}",
            "context": self.context,
            "totalMessageParts": self.parts,
            "totalMessagePrice": self.price,
            "totalCarrierFee": self.carrier_fee,
            "protectConfiguration": (
                {"protectConfigurationId": PROTECT_ID, "protectStatus": self.protect_status}
                if self.protect_status
                else None
            ),
            "rcsMetadata": {"billingEventType": "NONE"},  # not in the schema: Firehose drops it
        }
        record.update({k: v for k, v in optional.items() if v is not None})
        return record


def _ctx(request_id: str, attempt: int) -> dict[str, str]:
    return {CONTEXT_REQUEST_ID: request_id, CONTEXT_ATTEMPT: str(attempt), "campaign": "spring"}


def _final(status: str, after: int = 3000) -> list[tuple[str, bool, int]]:
    return [("QUEUED", False, 150), ("PENDING", False, 600), (status, True, after)]


#: Every message of the scenario (ids say what each one exercises).
MESSAGES: tuple[Message, ...] = (
    # US, yesterday: delivered after a non-final SUCCESSFUL, one duplicate receipt; first attempt of request r1.
    Message(
        "us-delivered-1",
        1,
        events=[("QUEUED", False, 200), ("SUCCESSFUL", False, 1000), ("DELIVERED", True, 1000)],
        duplicate_finals=1,
        context=_ctx("r1", 1),
    ),
    # US, yesterday: UCS-2, three parts, three duplicate receipts.
    Message(
        "us-ucs2-multipart",
        1,
        carrier="Verizon Wireless",
        message_type="PROMOTIONAL",
        encoding="UNICODE",
        parts=3,
        price=0.01743,
        carrier_fee=0.00906,
        events=_final("DELIVERED", 2000),
        duplicate_finals=3,
        context=_ctx("r2", 1),
    ),
    # US, two days ago: request r3 fails transiently, its retry is delivered.
    Message(
        "us-r3-a1",
        2,
        carrier="AT&T Mobility",
        parts=2,
        price=0.01162,
        carrier_fee=0.00604,
        events=_final("CARRIER_UNREACHABLE", 5000),
        context=_ctx("r3", 1),
    ),
    Message(
        "us-r3-a2",
        2,
        carrier="AT&T Mobility",
        parts=2,
        price=0.01162,
        carrier_fee=0.00604,
        events=_final("DELIVERED", 4000),
        context=_ctx("r3", 2),
    ),
    # US, two days ago: request r4 fails three times (UNREACHABLE, UNREACHABLE, TTL_EXPIRED).
    Message("us-r4-a1", 2, events=_final("UNREACHABLE", 9000), context=_ctx("r4", 1)),
    Message("us-r4-a2", 2, events=_final("UNREACHABLE", 9000), context=_ctx("r4", 2)),
    Message("us-r4-a3", 2, events=_final("TTL_EXPIRED", 60000), context=_ctx("r4", 3)),
    # US, yesterday: request r5 blocked by the protect configuration (permanent: no retry).
    Message(
        "us-protect-blocked",
        1,
        events=[("PROTECT_BLOCKED", True, 100)],
        protect_status="BLOCK",
        context=_ctx("r5", 1),
        price=0.0,
        carrier_fee=0.0,
        carrier=None,
    ),
    # US, yesterday: plain deliveries for the latency percentiles (1 s, 4 s).
    Message("us-delivered-2", 1, events=_final("DELIVERED", 1000)),
    Message("us-delivered-3", 1, events=_final("DELIVERED", 4000)),
    # GB, yesterday: SUCCESSFUL is the final status there; another message has an invalid number.
    Message(
        "gb-successful",
        1,
        country="GB",
        origination="ACMEALERTS",
        carrier="Vodafone UK",
        mcc="234",
        mnc="15",
        price=0.0398,
        carrier_fee=0.0,
        events=[("SUCCESSFUL", True, 1500)],
    ),
    Message(
        "gb-invalid",
        1,
        country="GB",
        origination="ACMEALERTS",
        carrier="EE",
        mcc="234",
        mnc="30",
        price=0.0398,
        carrier_fee=0.0,
        events=[("INVALID", True, 300)],
    ),
    # DE, two days ago: invalid body; blocked by a handset with no carrier, mcc or mnc reported.
    Message(
        "de-invalid-message",
        2,
        country="DE",
        carrier="Telekom Deutschland",
        mcc="262",
        mnc="01",
        price=0.0741,
        carrier_fee=0.0,
        events=[("INVALID_MESSAGE", True, 400)],
    ),
    Message(
        "de-blocked",
        2,
        country="DE",
        origination=None,  # a real blocked message reports no origination identity
        carrier=None,
        mcc=None,
        mnc=None,
        price=0.0741,
        carrier_fee=0.0,
        events=_final("BLOCKED", 2500),
    ),
    # FR, three days ago: carrier-blocked and spam.
    Message(
        "fr-carrier-blocked",
        3,
        country="FR",
        carrier="Orange",
        mcc="208",
        mnc="01",
        message_type="PROMOTIONAL",
        price=0.0643,
        carrier_fee=0.0,
        events=_final("CARRIER_BLOCKED", 3500),
    ),
    Message(
        "fr-spam",
        3,
        country="FR",
        carrier="SFR",
        mcc="208",
        mnc="10",
        message_type="PROMOTIONAL",
        price=0.0643,
        carrier_fee=0.0,
        events=_final("SPAM", 3500),
    ),
    # IN, sent six days ago: pending for 72 h, then UNKNOWN; the final event lands in a later partition.
    Message(
        "in-unknown",
        6,
        country="IN",
        carrier="Jio",
        mcc="405",
        mnc="857",
        price=0.0017,
        carrier_fee=0.0,
        events=[("PENDING", False, 500), ("UNKNOWN", True, 72 * 3600 * 1000)],
    ),
    # BR, today: still queued (no final event yet).
    Message(
        "br-pending",
        0,
        country="BR",
        carrier="Vivo",
        mcc="724",
        mnc="06",
        price=0.0452,
        carrier_fee=0.0,
        events=[("QUEUED", False, 100)],
    ),
    # Yesterday: a record with only the required fields (no country, price, context, request time...).
    Message("minimal-delivered", 1, minimal=True, events=[("DELIVERED", True, 800)]),
    # Ten days ago (outside the 7-day window, inside the 30-day one): delivered; and a protect block.
    Message("us-old-delivered", 10, events=_final("DELIVERED", 2000)),
    Message(
        "us-old-protect",
        10,
        events=[("PROTECT_BLOCKED", True, 100)],
        protect_status="BLOCK",
        price=0.0,
        carrier_fee=0.0,
    ),
    # Forty days ago: outside every window.
    Message("us-ancient", 40, events=_final("DELIVERED", 2000)),
)

#: Every final status the scenario reports (the fixture test checks this covers all of them).
FINAL_STATUSES_COVERED = frozenset(status for m in MESSAGES for status, final, _ in m.events if final)


def scenario(today: dt.date) -> list[dict[str, Any]]:
    """Every record of :data:`MESSAGES`, as the service would send them, relative to ``today`` (UTC)."""
    return [record for message in MESSAGES for record in message.records(today)]


#: Messages at the edges of the queries' windows (a separate lake: the main scenario's expectations stay as they are).
#: Events arrive up to 72 h after the send, so the first days read by a ``dt`` window also hold the late events of
#: messages sent before it; the per-message queries must not report those messages from a fraction of their events.
BOUNDARY_MESSAGES: tuple[Message, ...] = (
    # Sent 9 days ago: PENDING, then UNKNOWN after 72 h, which lands 6 days ago, inside the 7-day window.
    Message("before-7d-unknown", 9, events=[("PENDING", False, 500), ("UNKNOWN", True, 72 * 3600 * 1000)]),
    # Sent 8 days ago at noon, delivered 13 h later: the receipt lands 7 days ago, the first day of the window.
    Message("before-7d-slow-delivered", 8, events=[("QUEUED", False, 150), ("DELIVERED", True, 13 * 3600 * 1000)]),
    # Sent on the first day of the 7-day window: it is in every 7-day result.
    Message("first-day-of-7d", 7, events=[("QUEUED", False, 150), ("DELIVERED", True, 1000)]),
    # Sent 32 days ago, UNKNOWN after 72 h (lands 29 days ago, inside the 30-day window).
    Message("before-30d-unknown", 32, events=[("PENDING", False, 500), ("UNKNOWN", True, 72 * 3600 * 1000)]),
    # Sent on the first day of the 30-day window.
    Message("first-day-of-30d", 30, events=_final("DELIVERED", 2000)),
    # Protect-blocked 31 days ago at 23:59:00, received by Firehose two minutes later, 30 days ago.
    Message(
        "protect-across-midnight",
        31,
        events=[("PROTECT_BLOCKED", True, 0)],
        protect_status="BLOCK",
        price=0.0,
        carrier_fee=0.0,
        sent_at=dt.time(23, 59),
        arrival_lag_ms=120_000,
    ),
    # Protect-blocked on the first day of the 30-day window.
    Message("protect-first-day-of-30d", 30, events=[("PROTECT_BLOCKED", True, 100)], protect_status="BLOCK"),
)


def boundary_scenario(today: dt.date) -> list[dict[str, Any]]:
    """Every record of :data:`BOUNDARY_MESSAGES`, relative to ``today`` (UTC)."""
    return [record for message in BOUNDARY_MESSAGES for record in message.records(today)]


# --- events of other channels, and a message with two final events ---------------------------------------------------

#: AWS-documented events of other channels (tests/patterns/events/): a voice call initiated, an RCS message delivered
#: and read. A destination matching ALL, VOICE_ALL, MEDIA_ALL or RCS_ALL delivers them next to the SMS events.
FOREIGN_EVENT_FILES = (
    "07-awsdoc-eventbridge-current-voice-initiated.json",
    "09-awsdoc-rcs-events-rcs-delivered.json",
    "10-awsdoc-rcs-events-rcs-read.json",
)


def foreign_channel_records(today: dt.date) -> list[dict[str, Any]]:
    """The documented voice and RCS events, unchanged but for their timestamps: each message's request moves to
    noon four days ago (so the RCS receipts, about 100 hours later, land yesterday), keeping every interval."""
    records = []
    request = int(dt.datetime.combine(today - dt.timedelta(days=4), dt.time(12, 0), tzinfo=dt.UTC).timestamp() * 1000)
    for name in FOREIGN_EVENT_FILES:
        record = json.loads((Path(__file__).parent / "events" / name).read_text())
        record = record.get("detail", record)  # the EventBridge envelope carries the event under "detail"
        shift = request - record["messageRequestTimestamp"]
        record["messageRequestTimestamp"] += shift
        record["eventTimestamp"] += shift
        records.append(record)
    return records


#: A message reported by two final events (SUCCESSFUL, then DELIVERED with a slightly different carrier fee), as real
#: captures show: every query must use one figure for it.
TWO_FINALS = Message(
    "us-two-finals",
    1,
    events=[("SUCCESSFUL", True, 900), ("DELIVERED", True, 2500)],
    carrier_fee=0.00302,
    last_carrier_fee=0.00300,
)
