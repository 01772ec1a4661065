"""Bytes Athena scans per named query of SmsEventAnalytics, for a given SMS volume, and what that costs.

Model (how Athena bills a Parquet query): with partition projection, a query whose ``dt`` filter covers D days opens
only those D partitions; in each object it reads the footer plus the column chunks of the columns the query
references (Parquet is columnar). So::

    bytes scanned = D x (sum over referenced columns of the compressed column-chunk bytes of one day)
                        + D x (footer bytes of one day)
    billed        = max(10 MB, bytes scanned rounded up to the MB) x $5 per TB

The script generates one day of realistic events (``--messages-per-day`` messages, ~3.3 events each: intermediate
statuses, finals, duplicate receipts of multi-part messages), writes it as Firehose would (SNAPPY Parquet, one object
per buffer flush: ``--objects-per-day``), reads the column-chunk sizes from the Parquet metadata, takes the referenced
columns of each query from its parsed SQL (sqlglot), and multiplies by the days the query's ``dt`` window covers. Days
are statistically alike, so one day stands for every day.

It also prints the Firehose side (every record billed in 5 KB increments, ingestion plus format conversion) and what
dynamic partitioning would add, with the list prices given as options (us-east-1 at the time of writing; check
https://aws.amazon.com/kinesis/data-firehose/pricing/ and https://aws.amazon.com/athena/pricing/).

Run::

    .venv/bin/python benchmarks/athena_cost.py --messages-per-day 300000   # about 1 M events a day

It ends with the bytes each named query scans per run with our layout (Parquet under ``dt`` day partitions with
projection), with raw JSON under the same partitions, and with Parquet under Firehose's hourly ingest prefix (which a
``dt`` filter cannot prune), and writes ``benchmarks/results/athena_cost.json`` and
``docs/images/athena_bytes_scanned.png``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp
from sqlglot.optimizer.qualify import qualify

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "lambda"), str(REPO / "benchmarks")]

from _common import IMAGES, pyplot, write_result  # noqa: E402
from sms_constructs_runtime.events import CONTEXT_ATTEMPT, CONTEXT_REQUEST_ID, FIELDS  # noqa: E402

from sms_constructs.patterns._analytics_queries import NAMED_QUERIES, PARTITION_COLUMN, TABLE_NAME  # noqa: E402
from sms_constructs.simulate.lake import arrow_schema, firehose_row  # noqa: E402

MB = 1_000_000
TB = 1_000_000_000_000
GB = 1_000_000_000

COUNTRIES = [("US", 0.7, "310", ["T-Mobile USA Inc.", "Verizon Wireless", "AT&T Mobility"], 0.00581)]
COUNTRIES += [
    ("GB", 0.08, "234", ["Vodafone UK", "EE", "O2"], 0.0398),
    ("DE", 0.06, "262", ["Telekom Deutschland", "Vodafone DE"], 0.0741),
    ("FR", 0.06, "208", ["Orange", "SFR", "Bouygues"], 0.0643),
    ("IN", 0.05, "405", ["Jio", "Airtel"], 0.0017),
    ("BR", 0.05, "724", ["Vivo", "Claro"], 0.0452),
]
FINALS = [("DELIVERED", 0.86), ("SUCCESSFUL", 0.04), ("UNREACHABLE", 0.03), ("CARRIER_UNREACHABLE", 0.02)]
FINALS += [("INVALID", 0.015), ("BLOCKED", 0.01), ("TTL_EXPIRED", 0.01), ("UNKNOWN", 0.005), ("SPAM", 0.005)]
FINALS += [("PROTECT_BLOCKED", 0.005)]


def _pick(rng: random.Random, weighted: list[Any]) -> Any:
    return rng.choices(weighted, weights=[w[1] for w in weighted])[0]


def day_of_events(messages: int, seed: int = 7) -> list[dict[str, Any]]:
    """One UTC day of SMS event records for ``messages`` messages."""
    rng = random.Random(seed)
    start = 1_767_225_600_000  # 2026-01-01T00:00:00Z
    records: list[dict[str, Any]] = []
    for i in range(messages):
        country, _, mcc, carriers, price = _pick(rng, COUNTRIES)
        status = _pick(rng, FINALS)[0]
        ucs2 = rng.random() < 0.15
        parts = rng.choice([1, 1, 1, 1, 2, 3]) if not ucs2 else rng.choice([1, 2, 3, 4])
        request = start + rng.randrange(86_000_000)
        base = {
            "eventVersion": "1.0",
            "originationPhoneNumber": "+12065550152",
            "destinationPhoneNumber": f"+1{rng.randrange(2_000_000_000, 9_999_999_999)}",
            "isoCountryCode": country,
            "isInternationalSend": country != "US",
            "mcc": mcc,
            "mnc": f"{rng.randrange(1, 99):02d}",
            "carrierName": rng.choice(carriers),
            "messageId": str(uuid.UUID(int=rng.getrandbits(128))),
            "messageRequestTimestamp": request,
            "messageEncoding": "UNICODE" if ucs2 else "GSM",
            "messageType": "TRANSACTIONAL" if rng.random() < 0.8 else "PROMOTIONAL",
            "context": (
                {CONTEXT_REQUEST_ID: f"req-{i}", CONTEXT_ATTEMPT: "1", "campaign": "spring"}
                if rng.random() < 0.5
                else None
            ),
            "totalMessageParts": parts,
            "totalMessagePrice": round(price * parts, 5),
            "totalCarrierFee": 0.00302 * parts if country == "US" else 0.0,
            "protectConfiguration": {
                "protectConfigurationId": "protect-e06e5d722c31455286262a108e7d863d",
                "protectStatus": "BLOCK" if status == "PROTECT_BLOCKED" else "ALLOW",
            },
        }
        steps = [("QUEUED", False, 150), ("PENDING", False, 700)] if status != "PROTECT_BLOCKED" else []
        steps.append((status, True, rng.randrange(1000, 8000)))
        steps += [steps[-1]] * (parts - 1 if rng.random() < 0.5 else 0)  # duplicate receipts of multi-part messages
        for st, final, after in steps:
            records.append(
                {
                    **base,
                    "eventType": f"TEXT_{st}",
                    "eventTimestamp": request + after,
                    "isFinal": final,
                    "messageStatus": st,
                    "messageStatusDescription": f"Message status {st.lower()}",
                }
            )
    records.sort(key=lambda r: r["eventTimestamp"])
    return records


def write_day(records: list[dict[str, Any]], folder: Path, objects: int) -> list[Path]:
    """Write one day as ``objects`` SNAPPY Parquet objects (successive Firehose buffer flushes)."""
    folder.mkdir(parents=True, exist_ok=True)
    schema = arrow_schema()
    size = math.ceil(len(records) / objects)
    paths = []
    for n in range(objects):
        chunk = records[n * size : (n + 1) * size]
        if not chunk:
            break
        path = folder / f"part-{n:04d}.parquet"
        pq.write_table(
            pa.Table.from_pylist([firehose_row(r) for r in chunk], schema=schema), path, compression="snappy"
        )
        paths.append(path)
    return paths


def column_bytes(paths: list[Path]) -> tuple[dict[str, int], int]:
    """Compressed column-chunk bytes per top-level column, and footer bytes, over ``paths``."""
    sizes: dict[str, int] = {}
    footers = 0
    for path in paths:
        meta = pq.ParquetFile(path).metadata
        footers += meta.serialized_size
        for g in range(meta.num_row_groups):
            group = meta.row_group(g)
            for c in range(group.num_columns):
                col = group.column(c)
                top = col.path_in_schema.split(".")[0]
                sizes[top] = sizes.get(top, 0) + col.total_compressed_size
    return sizes, footers


def query_columns_and_days(sql: str) -> tuple[set[str], int]:
    """Columns of the events table a query reads, and the days its ``dt`` window covers (window + today)."""
    schema = {TABLE_NAME: {**{f.column: f.glue_type for f in FIELDS}, PARTITION_COLUMN: "string"}}
    tree = qualify(sqlglot.parse_one(sql, read="trino"), schema=schema, dialect="trino")
    # qualify() expands stars and names every column's source; keep those read straight from the events table.
    aliases = {t.alias_or_name for t in tree.find_all(exp.Table) if t.name == TABLE_NAME}
    data_columns = {f.column for f in FIELDS}
    columns = {c.name for c in tree.find_all(exp.Column) if c.table in aliases and c.name in data_columns}
    window = re.search(r"INTERVAL '(\d+)' DAY", sql)
    days = (int(window.group(1)) if window else 0) + 1
    return columns, days


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages-per-day", type=int, default=300_000)
    parser.add_argument("--objects-per-day", type=int, default=288, help="buffer flushes per day (300 s interval)")
    parser.add_argument("--athena-usd-per-tb", type=float, default=5.0)
    parser.add_argument("--firehose-ingest-usd-per-gb", type=float, default=0.029)
    parser.add_argument("--firehose-conversion-usd-per-gb", type=float, default=0.018)
    parser.add_argument("--dynamic-partitioning-usd-per-gb", type=float, default=0.020)
    parser.add_argument("--dynamic-partitioning-usd-per-1000-objects", type=float, default=0.005)
    parser.add_argument("--days-retained", type=int, default=30, help="days in the lake (what an unpruned scan reads)")
    args = parser.parse_args()

    records = day_of_events(args.messages_per_day)
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_day(records, Path(tmp) / "dt=2026-01-01", args.objects_per_day)
        sizes, footers = column_bytes(paths)
        parquet_bytes = sum(p.stat().st_size for p in paths)
    json_bytes = sum(len(json.dumps(r, separators=(",", ":"))) for r in records)
    events = len(records)
    print(f"# {args.messages_per_day:,} messages/day -> {events:,} events/day, {args.objects_per_day} objects/day\n")
    print(
        f"JSON as sent: {json_bytes / MB:,.1f} MB/day ({json_bytes / events:,.0f} B/event); "
        f"Parquet: {parquet_bytes / MB:,.1f} MB/day ({parquet_bytes / events:,.0f} B/event)\n"
    )
    largest = sorted(sizes.items(), key=lambda kv: -kv[1])[:5]
    print("Largest columns per day: " + ", ".join(f"{name} {size / MB:.1f} MB" for name, size in largest))
    print(f"Parquet footers per day: {footers / MB:.2f} MB\n")
    print("| query | columns read | days | MB scanned | MB billed | USD per run |")
    print("|---|---|---|---|---|---|")
    comparison = []
    for spec in NAMED_QUERIES:
        columns, days = query_columns_and_days(spec.sql)
        scanned = days * (sum(sizes.get(c, 0) for c in columns) + footers)
        billed = max(10 * MB, math.ceil(scanned / MB) * MB)
        usd = billed / TB * args.athena_usd_per_tb
        print(f"| {spec.key} | {len(columns)} | {days} | {scanned / MB:,.1f} | {billed / MB:,.0f} | {usd:.6f} |")
        days_read = min(days, args.days_retained)
        comparison.append(
            {
                "query": spec.key,
                "ours_mb": round(days_read * (sum(sizes.get(c, 0) for c in columns) + footers) / MB, 1),
                # raw JSON objects under the same daily partitions: every byte of every object of the days read
                "raw_json_mb": round(days_read * json_bytes / MB, 1),
                # Parquet under Firehose's hourly ingest prefix (YYYY/MM/DD/HH), crawled: the queries' dt filter
                # cannot prune it, so each query reads its columns over every day retained
                "hourly_ingest_mb": round(
                    args.days_retained * (sum(sizes.get(c, 0) for c in columns) + footers) / MB, 1
                ),
            }
        )
    full_30 = 31 * (sum(sizes.values()) + footers)
    print(f"\nSELECT * over 31 days: {full_30 / MB:,.1f} MB scanned, {full_30 / TB * args.athena_usd_per_tb:.6f} USD")

    monthly_events = events * 30
    billed_gb = monthly_events * 5_000 / GB  # each record rounds up to 5 KB
    ingest = billed_gb * args.firehose_ingest_usd_per_gb
    convert = billed_gb * args.firehose_conversion_usd_per_gb
    dp_objects = args.objects_per_day * 30
    # JQ processing hours (to parse eventTimestamp into a date key) come on top and are not modelled.
    dp = (
        billed_gb * args.dynamic_partitioning_usd_per_gb
        + dp_objects / 1000 * args.dynamic_partitioning_usd_per_1000_objects
    )
    print(f"\nFirehose per 30 days: {monthly_events:,} events = {billed_gb:,.1f} billed GB (5 KB per record)")
    print(f"| item | USD / 30 days |\n|---|---|\n| ingestion | {ingest:,.2f} |\n| format conversion | {convert:,.2f} |")
    print(f"| dynamic partitioning would add (per GB + per object) | {dp:,.2f} |")

    image = plot(comparison, events, args.days_retained)
    path = write_result(
        "athena_cost",
        {
            "messages_per_day": args.messages_per_day,
            "events_per_day": events,
            "days_retained": args.days_retained,
            "json_mb_per_day": round(json_bytes / MB, 1),
            "parquet_mb_per_day": round(parquet_bytes / MB, 1),
            "queries": comparison,
        },
    )
    print(f"\nResults: {path.relative_to(REPO)}; plot: {image.relative_to(REPO)}")
    print_comparison(comparison, events, args.days_retained)


def print_comparison(comparison: list[dict[str, Any]], events: int, days_retained: int) -> None:
    """The three layouts side by side, then the figure."""
    print(f"\nMB scanned per run, {events:,} events/day, {days_retained} days retained:\n")
    print("| query | our layout (dt partitions, Parquet) | raw JSON (dt partitions) | hourly ingest (Parquet) |")
    print("|---|---|---|---|")
    for row in comparison:
        print(
            f"| {row['query']} | {row['ours_mb']:,.1f} | {row['raw_json_mb']:,.1f} | {row['hourly_ingest_mb']:,.1f} |"
        )
    ours, raw = sum(r["ours_mb"] for r in comparison), sum(r["raw_json_mb"] for r in comparison)
    hourly = sum(r["hourly_ingest_mb"] for r in comparison)
    print(
        f"\nAll {len(comparison)} named queries once: {ours:,.0f} MB with our layout, {raw / ours:.1f}x that as raw "
        f"JSON, {hourly / ours:.1f}x with hourly ingest partitions"
    )


def plot(comparison: list[dict[str, Any]], events: int, days_retained: int) -> Path:
    """A bar chart of MB scanned per named query for the three layouts (log scale)."""
    plt = pyplot()
    figure, ax = plt.subplots(figsize=(11, 4.5))
    width = 0.27
    for offset, (key, label) in enumerate(
        [
            ("ours_mb", "our layout: Parquet, dt partitions (projection)"),
            ("raw_json_mb", "raw JSON, dt partitions"),
            ("hourly_ingest_mb", "Parquet, hourly ingest partitions"),
        ]
    ):
        ax.bar(
            [i + (offset - 1) * width for i in range(len(comparison))], [r[key] for r in comparison], width, label=label
        )
    ax.set_xticks(range(len(comparison)), [r["query"] for r in comparison], rotation=20, ha="right", fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("MB scanned per run (log)")
    ax.set_title(f"Athena bytes scanned per named query: {events:,} events/day, {days_retained} days in the lake")
    ax.legend(fontsize=8)
    figure.tight_layout()
    path = IMAGES / "athena_bytes_scanned.png"
    figure.savefig(path, dpi=110)
    return path


if __name__ == "__main__":
    main()
