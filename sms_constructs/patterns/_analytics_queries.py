"""The Athena named queries of ``SmsEventAnalytics``, kept as Trino SQL files in ``queries/`` (package data).

Every query reads the ``sms_events`` table (the unqualified name resolves in the named query's database), uses only
column names from :data:`sms_constructs_runtime.events.FIELDS` plus the ``dt`` partition, filters on ``dt`` so
Athena's partition projection reads only the days it needs, and reads SMS events only (``eventType`` ``TEXT_*``: a
destination that matches ``ALL`` also delivers voice, MMS and RCS events). A message's status and figures are those of
its best event (a final event wins, then the newest), each figure falling back to the next event that reports it: the
same rule in every query, so spend and latest status agree. The tests parse each file as Trino SQL, check every
column against the schema, and run the DuckDB transpilation against Parquet written the way Firehose writes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

#: Name of the Glue table the queries read.
TABLE_NAME = "sms_events"
#: The partition column: the UTC day (``YYYY-MM-DD``) Firehose received the event.
PARTITION_COLUMN = "dt"
#: Key prefix of the Parquet objects; partitions sit below it as ``dt=YYYY-MM-DD/``.
EVENTS_PREFIX = "events/"
#: Key prefix of the records Firehose could not convert or deliver.
ERRORS_PREFIX = "errors/"
#: Key prefix of the raw-record backup (``RawEventBackup``): every record as it arrived, GZIP.
RAW_PREFIX = "raw/"


@dataclass(frozen=True)
class NamedQuerySpec:
    """One named query: its file in ``queries/``, its name in the Athena console and what it answers."""

    #: File name without ``.sql``.
    key: str
    #: Name shown in the Athena console.
    title: str
    #: What the query answers (shown in the console).
    description: str

    @property
    def sql(self) -> str:
        """The query text (Trino SQL, Athena engine version 3)."""
        return resources.files(__package__).joinpath("queries", f"{self.key}.sql").read_text(encoding="utf-8")


NAMED_QUERIES: tuple[NamedQuerySpec, ...] = (
    NamedQuerySpec(
        "latest_status",
        "SMS latest status per message",
        "One row per SMS message of the last 7 days with its latest status (a final event wins, then the newest; "
        "duplicate receipts collapse), both numbers, the status description and the figures spend counts.",
    ),
    NamedQuerySpec(
        "delivery_rate_by_country_day",
        "SMS delivery rate by country and day",
        "Messages, delivered, failed and pending per send day and destination country (messages sent in the last 7 "
        "days), and the delivery rate among messages with a final status.",
    ),
    NamedQuerySpec(
        "failures_by_status_carrier",
        "SMS failures by status and carrier",
        "Final failures of the messages sent in the last 7 days by status, carrier and country, with each group's "
        "share of all failures.",
    ),
    NamedQuerySpec(
        "spend_by_day_country_type",
        "SMS spend by day, country and message type",
        "Messages, message parts, price and carrier fees (USD) per send day, country and message type, for SMS "
        "messages sent in the last 30 days; each message counted once, with the figures of its best (final, newest) "
        "event.",
    ),
    NamedQuerySpec(
        "delivery_latency",
        "SMS delivery latency p50/p95",
        "Approximate p50 and p95 of the time from send request to final successful event (ms), per country, for "
        "messages sent in the last 7 days.",
    ),
    NamedQuerySpec(
        "parts_and_encoding",
        "SMS parts per message and UCS-2 share",
        "Parts per message (what a message was split into: average, maximum, multi-part count) and the share of UCS-2 "
        "messages per send day, for messages sent in the last 7 days.",
    ),
    NamedQuerySpec(
        "retry_outcomes",
        "SMS retry outcomes",
        "Send-queue requests of the last 7 days grouped by the number of attempts (context smsAttempt), with how the "
        "last attempt ended.",
    ),
    NamedQuerySpec(
        "carrier_and_handset_latency",
        "SMS time to carrier and to handset",
        "Per SMS message sent in the last 7 days: milliseconds from the send request to the first SUCCESSFUL event "
        "(carrier) and to the first DELIVERED event (handset).",
    ),
    NamedQuerySpec(
        "outcomes_by_origination",
        "SMS outcomes by origination identity",
        "Messages, delivered, failed, pending, delivery rate and spend (USD) per origination phone number or sender "
        "ID, for SMS messages sent in the last 7 days.",
    ),
    NamedQuerySpec(
        "spend_by_producer",
        "SMS spend by producer and day",
        "Messages, message parts, price and carrier fees (USD) per send day and producer (the smsProducer context "
        "entry the send queue writes for a request that names its producer; '(none)' for the others), for SMS "
        "messages sent in the last 30 days; each message counted once, with the figures of its best (final, newest) "
        "event.",
    ),
    NamedQuerySpec(
        "protect_blocks",
        "SMS protect configuration blocks",
        "Messages blocked by a protect configuration per day, protect configuration and country, last 30 days.",
    ),
)
