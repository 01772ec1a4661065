"""``sms-constructs-simulate`` / ``python -m sms_constructs.simulate`` / ``make simulate``: run the whole pipeline
offline and print a delivery report that ends with the check line ``0 lost, 0 sent twice``; after the send (status
events, replies, keywords and consent; ``--no-after-send`` turns it off) the line goes on with
``; status: 0 lost, 0 duplicated; inbound: 0 lost, 0 duplicated``.

With ``--scenario NAME`` it runs one of the scenarios of :mod:`sms_constructs.simulate.scenarios` instead
(``otp-under-backlog``, ``runaway-producer``, ``word-processor``, ``mixed-country-pool``; ``--seed`` applies): each
synthesizes the constructs with the settings it needs, runs its own traffic through the real handlers and ends its
report with its checks; it exits with status 1 when a check fails.

With ``--processes N`` it runs the real-process mode instead (``sms_constructs.simulate.processes``): the real sender
entry point in N processes through botocore, with wake-up jitter, measuring what the SMS API saw; it exits with status
1 when a 1-second window holds more than the bound, the rate falls short of ``--min-rate``, or a request is lost or
sent twice."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from . import after_send
from .run import SimulationOptions, SimulationResult, simulate
from .scenarios import SCENARIOS, run_scenario

__all__ = ["main", "report"]


def _parser() -> argparse.ArgumentParser:
    defaults = SimulationOptions()
    parser = argparse.ArgumentParser(
        prog="sms-constructs-simulate",
        description="Run SmsSendQueue and SmsRetry offline: the real sender and retry handlers against a fake SMS API "
        "that behaves like the service, on a simulated clock; then the named Athena queries on the event lake.",
    )
    parser.add_argument(
        "--messages",
        type=int,
        default=None,
        help=f"send requests (default {defaults.messages}; with --processes: MPS x --seconds)",
    )
    parser.add_argument("--mps", type=float, default=defaults.mps, help="parts per second (default %(default)s)")
    parser.add_argument(
        "--concurrency", type=int, default=None, help="concurrent sender invocations (default: the construct's)"
    )
    parser.add_argument(
        "--duration", type=float, default=defaults.duration, help="seconds to spread the requests over (0: a backlog)"
    )
    parser.add_argument(
        "--multipart",
        type=float,
        default=None,
        help=f"share of 2-4 part GSM messages (default {defaults.multipart}; with --processes: 0)",
    )
    parser.add_argument("--unicode", type=float, default=defaults.unicode, help="share of UCS-2 messages")
    parser.add_argument(
        "--one-time-codes", type=float, default=defaults.one_time_codes, help="share of codes valid 5 minutes"
    )
    parser.add_argument(
        "--failure-scale", type=float, default=defaults.failure_scale, help="multiplies the failure rates (0: none)"
    )
    parser.add_argument("--opt-out-rate", type=float, default=defaults.opt_out_rate, help="share of opted-out numbers")
    parser.add_argument("--api-latency", type=float, default=defaults.api_latency, help="mean seconds per API call")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="same seed, same run (default %(default)s)")
    parser.add_argument("--lake", type=Path, default=None, help="keep the Parquet event lake in this folder")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--scenario",
        choices=sorted(SCENARIOS),
        default=None,
        help="run a scenario with its own traffic and checks instead (lanes, quotas, GSM-7, routes; only --seed "
        "applies)",
    )
    after = parser.add_argument_group(
        "after the send",
        "SmsStatusNotifier and SmsInbound run too (their real handlers): status events from the store stream and the "
        "SMS events (some delivered twice or late), and replies from simulated recipients (STOP, START, HELP, the "
        "keyword C, unknown text, copies, STOP/START out of order).",
    )
    after.add_argument("--no-after-send", action="store_true", help="only the send path (status and replies off)")
    after.add_argument(
        "--duplicate-events", type=float, default=defaults.duplicate_events, help="share of SMS events delivered twice"
    )
    after.add_argument(
        "--late-events", type=float, default=defaults.late_events, help="share of SMS events delivered 20-120 s late"
    )
    after.add_argument(
        "--inbound-recipients",
        type=int,
        default=defaults.inbound_recipients,
        help="recipients who reply (default %(default)s)",
    )
    after.add_argument(
        "--inbound-duplicates",
        type=float,
        default=defaults.inbound_duplicates,
        help="share of inbound notifications delivered twice",
    )
    real = parser.add_argument_group(
        "real processes",
        "--processes N runs sender.handler.main in N worker processes through botocore against local back ends "
        "(moto's server for DynamoDB and SQS, an HTTP fake of the SMS API), with wake-up jitter: a backlog is queued "
        "at once and drained; the report says what the SMS API saw. --mps, --messages, --multipart and --seed apply.",
    )
    real.add_argument("--processes", type=int, default=None, help="worker processes (concurrent invocations)")
    real.add_argument("--jitter-ms", type=float, default=10, help="each wake-up comes 0 to this many ms late")
    real.add_argument("--seconds", type=float, default=20, help="length of the backlog at the MPS (default 20)")
    real.add_argument("--min-rate", type=float, default=0.95, help="fail below this share of the MPS (default 0.95)")
    real.add_argument(
        "--hold-seconds", type=float, default=0, help="the SMS API refuses with the spend-limit error this long"
    )
    real.add_argument("--max-seconds", type=float, default=None, help="stop after this long (default: 4 x backlog)")
    real.add_argument(
        "--sender-setting",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="replace a SenderSettings field, e.g. release_tolerance_seconds=0.002 (repeatable)",
    )
    real.add_argument(
        "--worker-setup",
        action="append",
        default=[],
        metavar="MODULE:FUNCTION",
        help="a function each worker calls before importing the handler (tests break the pacer with it)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, simulate, print the report; exit status 1 when a request was lost or sent twice, or a status
    event or an inbound message was lost, duplicated, out of order or invalid (with ``--scenario``: when one of the
    scenario's checks fails)."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    args = _parser().parse_args(argv)
    if args.scenario is not None:
        scenario = run_scenario(args.scenario, seed=args.seed)
        print(scenario.text())
        return 1 if scenario.failed else 0
    if args.processes is not None:
        return _main_processes(args)
    defaults = SimulationOptions()
    options = SimulationOptions(
        messages=defaults.messages if args.messages is None else args.messages,
        mps=args.mps,
        concurrency=args.concurrency,
        duration=args.duration,
        multipart=defaults.multipart if args.multipart is None else args.multipart,
        unicode=args.unicode,
        one_time_codes=args.one_time_codes,
        failure_scale=args.failure_scale,
        opt_out_rate=args.opt_out_rate,
        api_latency=args.api_latency,
        seed=args.seed,
        lake=args.lake,
        progress=not args.no_progress and sys.stderr.isatty(),
        after_send=not args.no_after_send,
        duplicate_events=args.duplicate_events,
        late_events=args.late_events,
        inbound_recipients=args.inbound_recipients,
        inbound_duplicates=args.inbound_duplicates,
    )
    result = simulate(options)
    print(report(result))
    failures = result.lost + result.duplicates + (result.after_send.failures if result.after_send else 0)
    return 0 if failures == 0 else 1


def _main_processes(args: argparse.Namespace) -> int:
    from . import processes  # noqa: PLC0415 - moto's server and subprocesses only in this mode

    options = processes.ProcessOptions(
        processes=args.processes,
        mps=args.mps,
        seconds=args.seconds,
        messages=args.messages,
        multipart=args.multipart or 0.0,
        jitter_ms=args.jitter_ms,
        min_rate=args.min_rate,
        hold_seconds=args.hold_seconds,
        max_seconds=args.max_seconds,
        sender_settings=dict(setting.split("=", 1) for setting in args.sender_setting),
        setup=tuple(args.worker_setup),
        seed=args.seed,
    )
    result = processes.run_processes(options)
    print(processes.report(result))
    return 1 if result.failures else 0


def _span(seconds: float) -> str:
    return str(dt.timedelta(seconds=round(seconds)))


def report(result: SimulationResult) -> str:
    """The delivery report: what happened to every request, pacing, spend, what the named queries say, the check."""
    options, deployment, outcomes = result.options, result.deployment, result.outcomes
    kinds = Counter(o.kind for o in outcomes.values())
    lines = [
        f"sms-constructs simulator: {options.messages:,} requests, seed {options.seed}",
        f"SmsSendQueue(max_parts_per_second={options.mps:g}): {deployment.max_concurrency} concurrent sender "
        f"invocations, batch size {deployment.batch_size}, timeout {deployment.sender_timeout:g} s; SmsRetry: "
        f"{deployment.retry.max_attempts} attempts, delays {list(deployment.retry.delays_seconds)} s",
        f"Simulated {_span(result.ended_at - result.started_at)} of traffic in {result.wall_seconds:.1f} s "
        "of wall time.",
        "",
        "Requests",
    ]
    delivered = [o for o in outcomes.values() if o.kind == "delivered"]
    recovered = sum(1 for o in delivered if o.attempts > 1)
    lines.append(
        f"  delivered                {len(delivered):>7,}  ({len(delivered) - recovered:,} at the first attempt, "
        f"{recovered:,} retried and recovered)"
    )
    for kind, label in (("failed", "failed for good"), ("rejected", "rejected")):
        details = Counter(o.detail for o in outcomes.values() if o.kind == kind)
        lines.append(f"  {label:<24} {kinds[kind]:>7,}")
        lines += [f"    {detail:<32} {count:>7,}" for detail, count in details.most_common()]
    lines.append(f"  in a dead-letter queue   {kinds['dead-letter']:>7,}")
    parts = sum(s.parts for s in result.sms.sends)
    lines += [
        "",
        "Sending",
        f"  SendTextMessage accepted {len(result.sms.sends):>7,}  ({parts:,} parts; "
        f"{result.sms.attempts - len(result.sms.sends):,} refused, {result.sms.throttled:,} of them throttled)",
        f"  pacing                   {result.parts_per_second():.2f} parts/s against {options.mps:g} MPS; busiest "
        f"1-second window {result.busiest_second()} parts; windows over the bound (MPS - 1 + the parts of the "
        f"window's last message): {result.over_the_bound()}",
        "  handler metrics          "
        + ", ".join(f"{name} {value:,}" for name, value in sorted(result.metrics.items()) if value),
    ]
    queries = result.queries
    spend = sum(
        float(row["price_usd"] or 0) + float(row["carrier_fee_usd"] or 0)
        for row in queries["spend_by_day_country_type"]
    )
    billed = sum(int(row["message_parts"] or 0) for row in queries["spend_by_day_country_type"])
    latest = Counter(row["messagestatus"] for row in queries["latest_status"])
    lines += [
        "",
        "Analytics (the named Athena queries, run with DuckDB on the Parquet lake)",
        f"  latest_status            {sum(latest.values()):,} messages: "
        + ", ".join(f"{status} {count:,}" for status, count in latest.most_common()),
        f"  spend_by_day_country_type {spend:,.2f} USD for {billed:,} parts",
        "  retry_outcomes           "
        + "; ".join(
            f"{row['attempts']} attempt(s): {row['requests']:,} requests, {row['delivered']:,} delivered"
            for row in queries["retry_outcomes"]
        ),
        "  delivery_latency         "
        + "; ".join(
            f"{row['isocountrycode']} p50 {row['p50_ms'] / 1000:.1f} s, p95 {row['p95_ms'] / 1000:.1f} s"
            for row in queries["delivery_latency"]
        ),
    ]
    check = f"{result.lost} lost, {result.duplicates} sent twice"
    counted = f"{len(outcomes):,} requests, {len(result.sms.sends):,} sends"
    if result.after_send is not None:
        lines += after_send.report_lines(result.after_send, result.metrics)
        check += "; " + after_send.check_line(result.after_send)
        counted += (
            f"; {result.after_send.status.events:,} status events, {result.after_send.inbound.messages:,} inbound "
            "messages"
        )
    lines += ["", f"Check ({counted}):", check]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
