"""The S3 event lake of ``SmsEventAnalytics``, locally: Parquet written exactly the way the analytics Firehose stream
writes it, and the named Athena queries run on it with DuckDB.

What Firehose does, and what :func:`write_events` reproduces:

- record format conversion with the OpenX JSON SerDe (``CaseInsensitive``: every JSON key is lower-cased, map keys
  included) and the Glue table as schema: one column per field of ``FIELDS`` (same names, same types), keys that are not
  in the schema dropped, missing fields written as nulls;
- Parquet, SNAPPY-compressed;
- objects under ``events/dt=YYYY-MM-DD/`` (``!{timestamp:yyyy-MM-dd}``, the UTC day the record arrived), named
  ``<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>.parquet``.

:func:`connect` exposes the lake as the ``sms_events`` table (``dt`` from the Hive-style path) and :func:`run_query`
transpiles a named query's Trino SQL (Athena engine version 3) to DuckDB with sqlglot and runs it. Needs the
``simulate`` extra (pyarrow, duckdb, sqlglot).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from sms_constructs_runtime.events import FIELDS

__all__ = [
    "ARRIVED_AT",
    "STREAM_NAME",
    "arrow_schema",
    "arrow_type",
    "connect",
    "firehose_row",
    "run_query",
    "write_events",
]

#: The delivery stream's name in object keys.
STREAM_NAME: Final = "SmsEvents-Stream-AbCdEf123456"
#: Not part of the record the service sends: when Firehose received it (epoch ms), which decides the ``dt`` partition.
#: Absent means the moment of ``eventTimestamp``. Firehose's conversion drops it like any key that is not a column.
ARRIVED_AT: Final = "_firehoseArrivalTimestamp"
#: The Glue table the named queries read.
TABLE: Final = "sms_events"

_SCALARS: Final[dict[str, pa.DataType]] = {
    "string": pa.string(),
    "bigint": pa.int64(),
    "int": pa.int32(),
    "boolean": pa.bool_(),
    "double": pa.float64(),
}


def arrow_type(glue_type: str) -> pa.DataType:
    """The Parquet (Arrow) type Firehose writes for a Glue/Hive type."""
    if glue_type in _SCALARS:
        return _SCALARS[glue_type]
    if match := re.fullmatch(r"map<(\w+),(\w+)>", glue_type):
        return pa.map_(_SCALARS[match[1]], _SCALARS[match[2]])
    if match := re.fullmatch(r"struct<(.+)>", glue_type):
        members = [member.split(":", 1) for member in match[1].split(",")]
        return pa.struct([pa.field(name, _SCALARS[kind]) for name, kind in members])
    raise ValueError(f"no Arrow type for {glue_type}")


def arrow_schema() -> pa.Schema:
    """One column per field of ``FIELDS``, named and typed as the Glue table (the partition column is in the path)."""
    return pa.schema([pa.field(f.column, arrow_type(f.glue_type)) for f in FIELDS])


def _lower_keys(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k).lower(): _lower_keys(v) for k, v in value.items()}
    return value


def firehose_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """The row Firehose's conversion makes of one JSON record (lower-cased keys, schema columns only)."""
    lowered = _lower_keys(record)
    row: dict[str, Any] = {}
    for f in FIELDS:
        value = lowered.get(f.column)
        if value is not None and f.glue_type.startswith("map<"):
            value = list(value.items())
        row[f.column] = value
    return row


def write_events(root: Path, records: Iterable[Mapping[str, Any]], *, objects_per_day: int = 2) -> list[Path]:
    """Write ``records`` under ``root/events/dt=YYYY-MM-DD/`` as Firehose would; return the object paths.

    A record's partition is the UTC day Firehose received it: ``ARRIVED_AT`` when set (an event delivered across
    midnight), else its ``eventTimestamp``. Each day's records are split over ``objects_per_day`` objects, as
    successive buffer flushes would.
    """
    by_day: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for record in records:
        arrived = dt.datetime.fromtimestamp(record.get(ARRIVED_AT, record["eventTimestamp"]) / 1000, tz=dt.UTC)
        by_day[arrived.strftime("%Y-%m-%d")].append(record)
    schema = arrow_schema()
    written: list[Path] = []
    for day, day_records in sorted(by_day.items()):
        folder = root / "events" / f"dt={day}"
        folder.mkdir(parents=True, exist_ok=True)
        chunks = [day_records[i::objects_per_day] for i in range(objects_per_day)]
        for chunk in filter(None, chunks):
            first = min(r["eventTimestamp"] for r in chunk)
            stamp = dt.datetime.fromtimestamp(first / 1000, tz=dt.UTC).strftime("%Y-%m-%d-%H-%M-%S")
            path = folder / f"{STREAM_NAME}-1-{stamp}-{uuid.uuid4()}.parquet"
            table = pa.Table.from_pylist([firehose_row(r) for r in chunk], schema=schema)
            pq.write_table(table, path, compression="snappy")
            written.append(path)
    return written


def connect(root: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection (UTC, one thread: approximate percentiles come out the same every run) where
    ``sms_events`` reads every Parquet object under ``root/events/``."""
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    connection.execute("SET threads = 1")
    connection.execute(
        f"CREATE VIEW {TABLE} AS SELECT * FROM read_parquet('{root}/events/*/*.parquet', "
        "hive_partitioning = true, hive_types = {'dt': VARCHAR})"
    )
    return connection


def run_query(connection: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    """Run Athena (Trino) ``sql`` on DuckDB, transpiled by sqlglot; rows as dicts."""
    cursor = connection.execute(sqlglot.transpile(sql, read="trino", write="duckdb")[0])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
