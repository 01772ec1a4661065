"""The named queries: Trino SQL that parses, uses only schema columns, prunes on ``dt`` and returns the right rows.

Each query is transpiled to DuckDB with sqlglot and run against Parquet written as the Firehose stream writes it
(``analytics_fixture``); the expected rows are worked out by hand from the scenario.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
import sqlglot
from sms_constructs_runtime.events import (
    CONTEXT_ATTEMPT,
    CONTEXT_REQUEST_ID,
    FIELDS,
    FIELDS_BY_NAME,
    INTERMEDIATE_STATUSES,
    PERMANENT_FAILURE_STATUSES,
    SMS_EVENT_TYPE_PREFIX,
    SUCCESS_STATUSES,
    TRANSIENT_FAILURE_STATUSES,
)
from sqlglot import exp
from sqlglot.errors import OptimizeError
from sqlglot.optimizer.qualify import qualify

from sms_constructs.patterns._analytics_queries import NAMED_QUERIES, PARTITION_COLUMN, TABLE_NAME, NamedQuerySpec
from sms_constructs.simulate.lake import connect, run_query
from tests.patterns import analytics_fixture as fixture

QUERIES = {spec.key: spec for spec in NAMED_QUERIES}
SCHEMA = {TABLE_NAME: {**{f.column: f.glue_type for f in FIELDS}, PARTITION_COLUMN: "string"}}
TODAY = dt.datetime.now(dt.UTC).date()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lake")
    fixture.write_events(root, fixture.scenario(TODAY))
    return root


def _connect(lake: Path) -> duckdb.DuckDBPyConnection:
    return connect(lake)


@pytest.fixture(scope="module")
def db(lake: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = _connect(lake)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def boundary_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    root = tmp_path_factory.mktemp("boundary-lake")
    fixture.write_events(root, fixture.boundary_scenario(TODAY))
    connection = _connect(root)
    yield connection
    connection.close()


def run(db: duckdb.DuckDBPyConnection, key: str) -> list[dict[str, Any]]:
    return run_query(db, QUERIES[key].sql)


# --- static checks ----------------------------------------------------------------------------------------------


def test_at_least_eight_queries_each_with_a_file_and_unique_title() -> None:
    assert len(NAMED_QUERIES) >= 8
    assert len({spec.title for spec in NAMED_QUERIES}) == len(NAMED_QUERIES)
    package_files = {p.stem for p in (Path(__file__).parents[2] / "sms_constructs/patterns/queries").glob("*.sql")}
    assert package_files == set(QUERIES)
    for spec in NAMED_QUERIES:
        assert len(spec.title) <= 128
        assert len(spec.description) <= 1024


@pytest.mark.parametrize("spec", NAMED_QUERIES, ids=lambda s: s.key)
def test_query_parses_as_trino(spec: NamedQuerySpec) -> None:
    expressions = sqlglot.parse(spec.sql, read="trino")
    assert len(expressions) == 1
    assert isinstance(expressions[0], exp.Query)


@pytest.mark.parametrize("spec", NAMED_QUERIES, ids=lambda s: s.key)
def test_query_uses_only_schema_columns(spec: NamedQuerySpec) -> None:
    # qualify() resolves every column against the schema and raises on any it cannot find.
    qualify(sqlglot.parse_one(spec.sql, read="trino"), schema=SCHEMA, dialect="trino", validate_qualify_columns=True)


def test_fails_column_check_on_a_column_not_in_the_schema() -> None:
    sql = QUERIES["latest_status"].sql.replace("carriername,", "carrier_name,", 1)
    with pytest.raises(OptimizeError):
        qualify(sqlglot.parse_one(sql, read="trino"), schema=SCHEMA, dialect="trino", validate_qualify_columns=True)


@pytest.mark.parametrize("spec", NAMED_QUERIES, ids=lambda s: s.key)
def test_every_read_of_the_table_prunes_on_dt(spec: NamedQuerySpec) -> None:
    tree = sqlglot.parse_one(spec.sql, read="trino")
    reads = [t for t in tree.find_all(exp.Table) if t.name == TABLE_NAME]
    assert reads, "the query must read the events table"
    for table in reads:
        select = table.find_ancestor(exp.Select)
        assert select is not None
        where = select.args.get("where")
        assert where is not None, f"{spec.key}: a read of {TABLE_NAME} without WHERE scans every partition"
        bounds = [
            cond
            for cond in where.find_all(exp.GTE, exp.GT, exp.EQ, exp.Between)
            if isinstance(cond.this, exp.Column) and cond.this.name == PARTITION_COLUMN
        ]
        assert bounds, f"{spec.key}: no lower bound on {PARTITION_COLUMN}"
        # The bound is a constant (folded at planning time), never another column.
        assert not list(bounds[0].expression.find_all(exp.Column))


def test_status_literals_match_the_schema_status_sets() -> None:
    known = SUCCESS_STATUSES | TRANSIENT_FAILURE_STATUSES | PERMANENT_FAILURE_STATUSES | INTERMEDIATE_STATUSES
    for spec in NAMED_QUERIES:
        literals = {
            lit.this for lit in sqlglot.parse_one(spec.sql, read="trino").find_all(exp.Literal) if lit.is_string
        }
        statuses = {value for value in literals if re.fullmatch(r"[A-Z_]{4,}", value)}
        assert statuses <= known | {"UNICODE", "UCS2", "BLOCK", SMS_EVENT_TYPE_PREFIX}, spec.key
        if "'DELIVERED'" in spec.sql:
            assert {"DELIVERED", "SUCCESSFUL"} <= statuses  # success is always both statuses
    retry = sqlglot.parse_one(QUERIES["retry_outcomes"].sql, read="trino")
    retry_literals = {lit.this for lit in retry.find_all(exp.Literal) if lit.is_string}
    assert retry_literals >= TRANSIENT_FAILURE_STATUSES
    assert retry_literals >= PERMANENT_FAILURE_STATUSES


def test_retry_query_reads_both_spellings_of_the_context_keys() -> None:
    sql = QUERIES["retry_outcomes"].sql
    for key in (CONTEXT_ATTEMPT, CONTEXT_REQUEST_ID):
        assert f"'{key}'" in sql
        assert f"'{key.lower()}'" in sql


# --- the fixture is what Firehose writes -------------------------------------------------------------------------


def test_fixture_layout_and_types_match_the_table(lake: Path) -> None:
    objects = sorted(lake.glob("events/*/*.parquet"))
    assert objects
    days = {p.parent.name for p in objects}
    assert all(re.fullmatch(r"dt=\d{4}-\d{2}-\d{2}", d) for d in days)
    assert len(days) >= 6
    for path in objects:
        assert re.fullmatch(rf"{fixture.STREAM_NAME}-1-\d{{4}}(-\d{{2}}){{5}}-[0-9a-f-]{{36}}\.parquet", path.name)
        parquet = pq.ParquetFile(path)
        assert parquet.schema_arrow == fixture.arrow_schema()
        assert parquet.metadata.row_group(0).column(0).compression == "SNAPPY"
    assert [f.name for f in fixture.arrow_schema()] == [f.column for f in FIELDS]


def test_fixture_covers_every_final_status_and_edge_case(db: duckdb.DuckDBPyConnection) -> None:
    assert {"DELIVERED", "SUCCESSFUL"} | TRANSIENT_FAILURE_STATUSES | PERMANENT_FAILURE_STATUSES <= (
        fixture.FINAL_STATUSES_COVERED
    )
    row = db.execute(
        f"SELECT count(*) FILTER (WHERE isocountrycode IS NULL), count(*) FILTER (WHERE context IS NULL), "
        f"count(DISTINCT isocountrycode), count(*) - count(DISTINCT (messageid, messagestatus, eventtimestamp)), "
        f"count(*) FILTER (WHERE messageencoding = 'UNICODE' AND totalmessageparts > 1) FROM {TABLE_NAME}"
    ).fetchone()
    missing_country, missing_context, countries, duplicates, ucs2_multipart = row
    assert missing_country >= 1
    assert missing_context >= 1
    assert countries >= 5
    assert duplicates >= 4
    assert ucs2_multipart >= 1
    # Map keys are lower-cased by the conversion, as Firehose's OpenX SerDe does.
    keys = db.execute(f"SELECT DISTINCT unnest(map_keys(context)) FROM {TABLE_NAME} ORDER BY 1").fetchall()
    assert [k for (k,) in keys] == ["campaign", "smsattempt", "smsrequestid"]


# --- results ------------------------------------------------------------------------------------------------------


def test_latest_status_one_row_per_message_final_wins(db: duckdb.DuckDBPyConnection) -> None:
    rows = {r["messageid"]: r for r in run(db, "latest_status")}
    assert len(rows) == 19  # the messages with events in the last 7 days
    assert "us-old-delivered" not in rows
    assert "us-ancient" not in rows
    expect = {
        "us-delivered-1": ("DELIVERED", True, 4),  # QUEUED, SUCCESSFUL (non-final), DELIVERED + 1 duplicate
        "us-ucs2-multipart": ("DELIVERED", True, 6),  # 3 events + 3 duplicate receipts
        "in-unknown": ("UNKNOWN", True, 2),  # PENDING then UNKNOWN 72 h later, in another partition
        "br-pending": ("QUEUED", False, 1),
        "gb-successful": ("SUCCESSFUL", True, 1),
        "minimal-delivered": ("DELIVERED", True, 1),
    }
    for message_id, (status, final, seen) in expect.items():
        row = rows[message_id]
        assert (row["messagestatus"], row["isfinal"], row["events_received"]) == (status, final, seen), message_id
    assert rows["minimal-delivered"]["isocountrycode"] is None


def test_delivery_rate_by_country_and_day(db: duckdb.DuckDBPyConnection) -> None:
    rows = {(r["send_date"], r["isocountrycode"]): r for r in run(db, "delivery_rate_by_country_day")}
    expect = {
        (days_ago(1), "US"): (5, 4, 1, 0, 0.8),
        (days_ago(2), "US"): (5, 1, 4, 0, 0.2),
        (days_ago(1), "GB"): (2, 1, 1, 0, 0.5),
        (days_ago(2), "DE"): (2, 0, 2, 0, 0.0),
        (days_ago(3), "FR"): (2, 0, 2, 0, 0.0),
        (days_ago(6), "IN"): (1, 0, 1, 0, 0.0),
        (days_ago(0), "BR"): (1, 0, 0, 1, None),
        (days_ago(1), None): (1, 1, 0, 0, 1.0),
    }
    actual = {
        k: (r["messages"], r["delivered"], r["failed"], r["pending"], r["delivery_rate"]) for k, r in rows.items()
    }
    assert actual == expect


def test_failures_by_status_and_carrier(db: duckdb.DuckDBPyConnection) -> None:
    rows = run(db, "failures_by_status_carrier")
    actual = {(r["messagestatus"], r["carrier"], r["isocountrycode"]): (r["messages"], r["share_pct"]) for r in rows}
    assert actual == {
        ("UNREACHABLE", "T-Mobile USA Inc.", "US"): (2, 18.18),
        ("TTL_EXPIRED", "T-Mobile USA Inc.", "US"): (1, 9.09),
        ("CARRIER_UNREACHABLE", "AT&T Mobility", "US"): (1, 9.09),
        ("PROTECT_BLOCKED", "unknown", "US"): (1, 9.09),
        ("INVALID", "EE", "GB"): (1, 9.09),
        ("INVALID_MESSAGE", "Telekom Deutschland", "DE"): (1, 9.09),
        ("BLOCKED", "unknown", "DE"): (1, 9.09),
        ("CARRIER_BLOCKED", "Orange", "FR"): (1, 9.09),
        ("SPAM", "SFR", "FR"): (1, 9.09),
        ("UNKNOWN", "Jio", "IN"): (1, 9.09),
    }
    assert rows[0]["messagestatus"] == "UNREACHABLE"  # most frequent first


def test_spend_by_day_country_and_type_counts_each_message_once(db: duckdb.DuckDBPyConnection) -> None:
    rows = run(db, "spend_by_day_country_type")
    actual = {
        (r["send_date"], r["isocountrycode"], r["messagetype"]): (
            r["messages"],
            r["message_parts"],
            r["price_usd"],
            r["carrier_fee_usd"],
        )
        for r in rows
    }
    assert actual == {
        (days_ago(1), "US", "TRANSACTIONAL"): (4, 4, 0.01743, 0.00906),
        (days_ago(1), "US", "PROMOTIONAL"): (1, 3, 0.01743, 0.00906),
        (days_ago(2), "US", "TRANSACTIONAL"): (5, 7, 0.04067, 0.02114),
        (days_ago(1), "GB", "TRANSACTIONAL"): (2, 2, 0.0796, 0.0),
        (days_ago(2), "DE", "TRANSACTIONAL"): (2, 2, 0.1482, 0.0),
        (days_ago(3), "FR", "PROMOTIONAL"): (2, 2, 0.1286, 0.0),
        (days_ago(6), "IN", "TRANSACTIONAL"): (1, 1, 0.0017, 0.0),
        (days_ago(0), "BR", "TRANSACTIONAL"): (1, 1, 0.0452, 0.0),
        (days_ago(1), None, None): (1, None, None, None),
        (days_ago(10), "US", "TRANSACTIONAL"): (2, 2, 0.00581, 0.00302),  # 30-day window; day 40 is out
    }


def test_delivery_latency_percentiles(db: duckdb.DuckDBPyConnection) -> None:
    rows = {r["isocountrycode"]: r for r in run(db, "delivery_latency")}
    # US deliveries: 1000, 1000, 2000, 4000, 4000 ms (the retried r3 counts with its own request time).
    assert (rows["US"]["delivered_messages"], rows["US"]["p50_ms"], rows["US"]["p95_ms"]) == (5, 2000, 4000)
    assert (rows["GB"]["delivered_messages"], rows["GB"]["p50_ms"], rows["GB"]["p95_ms"]) == (1, 1500, 1500)
    assert set(rows) == {"US", "GB"}  # the minimal record has no request time


def test_parts_per_message_and_ucs2_share(db: duckdb.DuckDBPyConnection) -> None:
    rows = {r["send_date"]: r for r in run(db, "parts_and_encoding")}
    keys = (
        "messages",
        "message_parts",
        "avg_parts_per_message",
        "max_parts",
        "multipart_messages",
        "ucs2_messages",
        "ucs2_share",
    )
    actual = {day: tuple(r[k] for k in keys) for day, r in rows.items()}
    assert actual == {
        days_ago(0): (1, 1, 1.0, 1, 0, 0, 0.0),
        days_ago(1): (8, 9, 1.29, 3, 1, 1, 0.125),
        days_ago(2): (7, 9, 1.29, 2, 2, 0, 0.0),
        days_ago(3): (2, 2, 1.0, 1, 0, 0, 0.0),
        days_ago(6): (1, 1, 1.0, 1, 0, 0, 0.0),
    }


def test_retry_outcomes_by_attempts(db: duckdb.DuckDBPyConnection) -> None:
    rows = run(db, "retry_outcomes")
    keys = ("attempts", "requests", "delivered", "failed_transient", "failed_permanent", "in_flight")
    assert [tuple(r[k] for k in keys) for r in rows] == [
        (1, 3, 2, 0, 1, 0),  # r1 and r2 delivered first time; r5 protect-blocked (never retried)
        (2, 1, 1, 0, 0, 0),  # r3 delivered on its retry
        (3, 1, 0, 1, 0, 0),  # r4 gave up after three transient failures
    ]


def test_protect_blocks(db: duckdb.DuckDBPyConnection) -> None:
    rows = run(db, "protect_blocks")
    assert [
        (r["event_date"], r["protect_configuration_id"], r["isocountrycode"], r["blocked_messages"]) for r in rows
    ] == [
        (days_ago(1), fixture.PROTECT_ID, "US", 1),
        (days_ago(10), fixture.PROTECT_ID, "US", 1),
    ]


# --- window edges: late events of messages sent before a window ---------------------------------------------------


def test_fixture_puts_late_events_in_the_window_and_midnight_receipts_in_the_next_day(
    boundary_db: duckdb.DuckDBPyConnection,
) -> None:
    rows = boundary_db.execute(
        f"SELECT messageid, messagestatus, dt FROM {TABLE_NAME} WHERE isfinal ORDER BY messageid"
    ).fetchall()
    partitions = {message_id: (status, day) for message_id, status, day in rows}
    assert partitions["before-7d-unknown"] == ("UNKNOWN", days_ago(6).isoformat())
    assert partitions["before-7d-slow-delivered"] == ("DELIVERED", days_ago(7).isoformat())
    assert partitions["before-30d-unknown"] == ("UNKNOWN", days_ago(29).isoformat())
    assert partitions["protect-across-midnight"] == ("PROTECT_BLOCKED", days_ago(30).isoformat())


def test_delivery_rate_reports_only_send_days_inside_the_window(boundary_db: duckdb.DuckDBPyConnection) -> None:
    # Messages sent 8 and 9 days ago show up in the window only through their late receipts: reporting their send
    # days from those alone would show a 0 % (UNKNOWN after 72 h) or 100 % day made of one message.
    rows = run(boundary_db, "delivery_rate_by_country_day")
    actual = {
        (r["send_date"], r["isocountrycode"]): (r["messages"], r["delivered"], r["failed"], r["pending"]) for r in rows
    }
    assert actual == {(days_ago(7), "US"): (1, 1, 0, 0)}


def test_failures_count_the_messages_the_delivery_rate_counts(boundary_db: duckdb.DuckDBPyConnection) -> None:
    # The UNKNOWN of a message sent 9 days ago is not a failure of the 7 days the delivery rate covers.
    assert run(boundary_db, "failures_by_status_carrier") == []


def test_latency_covers_messages_sent_inside_the_window(boundary_db: duckdb.DuckDBPyConnection) -> None:
    rows = {r["isocountrycode"]: r for r in run(boundary_db, "delivery_latency")}
    # Not the 13 h delivery of the message sent 8 days ago: only slow messages cross the window edge.
    assert (rows["US"]["delivered_messages"], rows["US"]["p50_ms"], rows["US"]["p95_ms"]) == (1, 1000, 1000)


def test_parts_report_only_send_days_inside_the_window(boundary_db: duckdb.DuckDBPyConnection) -> None:
    rows = {r["send_date"]: (r["messages"], r["message_parts"]) for r in run(boundary_db, "parts_and_encoding")}
    assert rows == {days_ago(7): (1, 1)}


def test_spend_reports_only_send_days_inside_the_window(boundary_db: duckdb.DuckDBPyConnection) -> None:
    rows = run(boundary_db, "spend_by_day_country_type")
    actual = {(r["send_date"], r["isocountrycode"], r["messagetype"]): (r["messages"], r["price_usd"]) for r in rows}
    # Sent 31 and 32 days ago: their late events land inside the 30-day window, their spend belongs to days the
    # query does not cover in full.
    assert actual == {
        (days_ago(9), "US", "TRANSACTIONAL"): (1, 0.00581),
        (days_ago(8), "US", "TRANSACTIONAL"): (1, 0.00581),
        (days_ago(7), "US", "TRANSACTIONAL"): (1, 0.00581),
        (days_ago(30), "US", "TRANSACTIONAL"): (2, 0.01162),
    }


def test_protect_blocks_report_only_event_days_inside_the_window(boundary_db: duckdb.DuckDBPyConnection) -> None:
    rows = run(boundary_db, "protect_blocks")
    assert [(r["event_date"], r["blocked_messages"]) for r in rows] == [(days_ago(30), 1)]


# --- the docs page tells the truth --------------------------------------------------------------------------------

DOCS = Path(__file__).parents[2] / "docs/patterns/event-analytics"
#: The schema table is on the reference page, the named queries table on the guide.
SCHEMA_DOC = DOCS / "reference.md"
QUERIES_DOC = DOCS / "guide.md"


def test_docs_schema_table_matches_fields() -> None:
    rows = re.findall(r"^\| `(\w+)` \| `(\w+)` \| `([^`]+)` \| (yes|no) \|", SCHEMA_DOC.read_text(), flags=re.MULTILINE)
    assert rows == [(f.name, f.column, f.glue_type, "yes" if f.required else "no") for f in FIELDS]


def test_docs_list_every_named_query() -> None:
    text = QUERIES_DOC.read_text()
    for spec in NAMED_QUERIES:
        assert f"| {spec.title} | `{spec.key}.sql` |" in text


def test_spend_keeps_the_price_when_the_final_event_leaves_it_out(tmp_path: Path) -> None:
    message = fixture.Message(
        "m-price-gap", sent_days_ago=1, events=[("SUCCESSFUL", False, 500), ("DELIVERED", True, 3000)]
    )
    records = message.records(TODAY)
    for field_name in ("totalMessageParts", "totalMessagePrice", "totalCarrierFee"):
        del records[-1][field_name]  # the final receipt carries no billing fields
    fixture.write_events(tmp_path, records)
    connection = _connect(tmp_path)
    try:
        rows = run(connection, "spend_by_day_country_type")
    finally:
        connection.close()
    assert [(r["messages"], r["message_parts"], r["price_usd"], r["carrier_fee_usd"]) for r in rows] == [
        (1, 1, 0.00581, 0.00302)
    ]


# --- only SMS events count (issue 9) ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mixed_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """The scenario's lake plus the AWS-documented voice and RCS events a destination matching ALL delivers."""
    root = tmp_path_factory.mktemp("mixed-lake")
    fixture.write_events(root, [*fixture.scenario(TODAY), *fixture.foreign_channel_records(TODAY)])
    connection = _connect(root)
    yield connection
    connection.close()


def test_the_mixed_lake_holds_voice_and_rcs_events_inside_the_windows(mixed_db: duckdb.DuckDBPyConnection) -> None:
    rows = mixed_db.execute(
        f"SELECT eventtype, dt FROM {TABLE_NAME} WHERE NOT starts_with(eventtype, 'TEXT_') ORDER BY eventtype"
    ).fetchall()
    assert [event_type for event_type, _ in rows] == ["RCS_DELIVERED", "RCS_READ", "VOICE_INITIATED"]
    assert all(day >= days_ago(7).isoformat() for _, day in rows)


@pytest.mark.parametrize("spec", NAMED_QUERIES, ids=lambda s: s.key)
def test_every_query_gives_the_same_rows_with_voice_and_rcs_events_in_the_lake(
    db: duckdb.DuckDBPyConnection, mixed_db: duckdb.DuckDBPyConnection, spec: NamedQuerySpec
) -> None:
    assert run(mixed_db, spec.key) == run(db, spec.key)


@pytest.mark.parametrize("spec", NAMED_QUERIES, ids=lambda s: s.key)
def test_every_query_reads_sms_events_only(spec: NamedQuerySpec) -> None:
    tree = sqlglot.parse_one(spec.sql, read="trino")
    for table in (t for t in tree.find_all(exp.Table) if t.name == TABLE_NAME):
        select = table.find_ancestor(exp.Select)
        assert select is not None
        assert "STARTS_WITH(eventtype, 'TEXT_')" in select.args["where"].sql(dialect="trino"), spec.key


# --- one figure per message, whatever reports it (issue 9) ------------------------------------------------------


def test_a_message_with_two_final_events_has_the_same_figures_in_every_query(tmp_path: Path) -> None:
    fixture.write_events(tmp_path, fixture.TWO_FINALS.records(TODAY))
    connection = _connect(tmp_path)
    try:
        [latest] = run(connection, "latest_status")
        [spend] = run(connection, "spend_by_day_country_type")
        [origin] = run(connection, "outcomes_by_origination")
    finally:
        connection.close()
    # The newest final event (DELIVERED) wins, its carrier fee too: the docs state this rule.
    assert (latest["messagestatus"], latest["totalcarrierfee"]) == ("DELIVERED", 0.003)
    assert spend["carrier_fee_usd"] == latest["totalcarrierfee"]
    assert spend["price_usd"] == latest["totalmessageprice"] == origin["price_usd"]
    assert (spend["messages"], spend["message_parts"]) == (1, latest["totalmessageparts"])


def test_parts_are_described_as_the_split_not_the_bill() -> None:
    assert "not the parts billed" in FIELDS_BY_NAME["totalMessageParts"].description
    for spec in NAMED_QUERIES:
        assert "billed parts" not in spec.description + spec.sql, spec.key


# --- latest_status columns and the new queries (issue 9) -------------------------------------------------------


def test_latest_status_names_both_numbers_and_the_status_description(db: duckdb.DuckDBPyConnection) -> None:
    rows = {r["messageid"]: r for r in run(db, "latest_status")}
    gb = rows["gb-successful"]
    assert gb["originationphonenumber"] == "ACMEALERTS"
    assert gb["destinationphonenumber"].startswith("+1425555")
    assert gb["messagestatusdescription"] == "Message status successful"
    assert rows["de-blocked"]["originationphonenumber"] is None


def test_time_to_carrier_and_to_handset_per_message(db: duckdb.DuckDBPyConnection) -> None:
    rows = {r["messageid"]: r for r in run(db, "carrier_and_handset_latency")}
    # QUEUED at 200 ms, SUCCESSFUL (carrier) at 1000 ms, DELIVERED (handset) at 1000 ms after the request.
    assert (rows["us-delivered-1"]["ms_to_carrier"], rows["us-delivered-1"]["ms_to_handset"]) == (1000, 1000)
    assert (rows["gb-successful"]["ms_to_carrier"], rows["gb-successful"]["ms_to_handset"]) == (1500, None)
    assert (rows["us-delivered-3"]["ms_to_carrier"], rows["us-delivered-3"]["ms_to_handset"]) == (None, 4000)
    assert "br-pending" not in rows  # neither reached yet
    assert "minimal-delivered" not in rows  # no request time
    assert "us-old-delivered" not in rows  # sent before the window


def test_outcomes_by_origination_identity(db: duckdb.DuckDBPyConnection) -> None:
    rows = {r["origination_identity"]: r for r in run(db, "outcomes_by_origination")}
    keys = ("messages", "delivered", "failed", "pending", "delivery_rate")
    assert {k: tuple(r[c] for c in keys) for k, r in rows.items()} == {
        "+12065550152": (15, 5, 9, 1, 0.3571),
        "ACMEALERTS": (2, 1, 1, 0, 0.5),
        "unknown": (2, 1, 1, 0, 0.5),  # the minimal record and the blocked message report no identity
    }
    assert rows["ACMEALERTS"]["price_usd"] == 0.0796
