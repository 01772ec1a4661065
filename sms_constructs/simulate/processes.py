"""The simulator's real-process mode (``--processes N``): the real sender entry point in N operating-system processes,
through botocore, with wake-up jitter — a pacing measurement that can show a burst or a shortfall.

The simulated-clock mode (``sms_constructs.simulate.run``) wakes every invocation exactly on time and runs one at a
time, so its pacing figures hold by construction. Here:

- **N worker processes** (``sms_constructs.simulate.worker``) each play one Lambda execution environment of the
  sender: they import ``sender.handler`` as Lambda does and call ``main(event, context)`` with the SQS batches they
  long-poll, deleting what the partial batch response does not list; every ``time.sleep`` wakes up a random 0–J ms
  late (``jitter_ms``);
- **DynamoDB and SQS** (the message store, the pacer's schedule, the idempotency records, the send queue and its DLQ)
  are moto's server in a process of its own (``sms_constructs.simulate.backend``), one request at a time so
  conditional writes are atomic;
- **the SMS API** is an HTTP server in this process (``sms_constructs.simulate.sms_server``) that validates every
  request against botocore's model and records when each ``SendTextMessage`` arrived, with its parts and request id.

Every call goes through real botocore clients (serialization, signing, HTTP, response parsing). The settings come
from ``SmsSendQueue`` as synthesized (``sms_constructs.simulate.run.deploy``). A backlog of single-part (or
``multipart``) requests is queued, the workers are released together, and the run ends when the send queue is empty
(or at ``max_seconds``).

With ``lanes`` (e.g. ``("urgent", "bulk")``, highest first) the send queue has one SQS queue per lane and a pool of
workers per lane (``lane_processes``), each polling its own lane's queue and calling the same sender, as the event
source mappings of a send queue with lanes do; the sender is told its lanes as ``SmsSendQueue(lanes=...)`` tells it
(``SenderSettings.lanes``; the last lane's queue is the default one). The backlog goes to the last lane; with
``urgent_every`` a request on the first lane is put on its queue every ~that many seconds (±50 %) while the backlog
drains, and each one's time from its enqueue to its ``SendTextMessage`` is measured.

With ``routes`` (e.g. ``{"CA": 1, "GB": 10, "MX": 5}``: ISO code → MPS) the send queue has a parking queue per route
(``*`` included: every other country, at ``mps``) and ``route_processes`` workers per parking queue, as the event source
mappings of ``SmsSendQueue(routes=...)`` do; the sender is told its routes as the construct tells it
(``SenderSettings.routes``, ``route_parking_queues``). The backlog is ``seconds`` of each route in ``backlog_routes``
(default: every declared route) at its MPS, interleaved on the send queue; with ``trickle_route`` a request to that
route is put on the send queue every ~``trickle_every`` s (±50 %) for ``seconds``, and each one's time from its enqueue
to its ``SendTextMessage`` is measured. Measured per route: parts per second ÷ its MPS, the busiest 1-second window at
the SMS API and at the pacer's releases on the route's key.

Measured: parts per second while the backlog drained ÷ the MPS; the most parts in any 1-second window of arrivals at
the SMS API and the bound (the MPS for single-part traffic, MPS − 1 + the window's last message's parts otherwise);
the same over the pacer's releases (where the sender let a send go); sent, lost and duplicated requests; how late
wake-ups came; the sender's metrics from the EMF lines the workers print.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
import typing
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import IO, Any, Final

from sms_constructs_runtime.producer import SmsProducer
from sms_constructs_runtime.settings import SenderSettings

from . import backend as _backend_module
from . import worker as _worker_module
from .run import Deployment, SimulationOptions, deploy, emf_metrics, one_second_windows
from .sms_server import Call, SmsServer

__all__ = ["NOT_MODELLED", "ProcessOptions", "ProcessResult", "report", "run_processes"]

#: What the real-process mode does not model; printed with every report.
NOT_MODELLED: Final = (
    "Lambda's fractional vCPU (a 256 MB function has about a sixth of one; here each worker shares this machine's "
    "cores) and its scheduler",
    "cold starts during the run (each worker imports the handler and builds its clients before the clock starts)",
    "network latency to AWS: DynamoDB, SQS and the SMS API answer from localhost (moto and a fake), not in 5-60 ms",
    "clock skew between execution environments (every worker reads this machine's clock)",
    "the event source mapping's scaling (a fixed number of workers, each polling for itself) and SQS's distribution",
    "the SMS API's throttling (the fake records every call as offered and never answers ThrottlingException), "
    "delivery events and retries of final failures",
)
_REGION: Final = "us-east-1"
_TABLE: Final = "sms-simulator-store"
_FUNCTION_NAME: Final = "sms-simulator-sender"


@dataclass(frozen=True)
class ProcessOptions:
    """What the real-process mode runs.

    :param processes: Worker processes: concurrent sender invocations. Default: 8.
    :param mps: The send queue's ``max_parts_per_second``. Default: 20.
    :param seconds: Length of the backlog at the MPS: ``messages`` defaults to ``mps × seconds`` parts. Default: 20.
    :param messages: Requests queued at once. Default: enough for ``seconds`` at the MPS.
    :param multipart: Share of 2–4-part GSM-7 messages (the rest are single-part). Default: 0.
    :param jitter_ms: Each wake-up of a worker comes a random 0 to this many milliseconds late. Default: 10.
    :param min_rate: The run fails when the achieved parts/s is below this share of the MPS. Default: 0.95.
    :param hold_seconds: The SMS API refuses every send with the spend-limit error for the first this many seconds
        (``ServiceQuotaExceededException`` ``MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT``). Default: 0, never.
    :param max_seconds: The run stops after this long even if the queue is not empty. Default: 4 × the backlog's
        length + 60 s (+ ``hold_seconds``).
    :param sender_settings: ``SenderSettings`` fields replaced after synthesis (e.g. ``release_tolerance_seconds``).
        Default: none.
    :param setup: ``module:function`` each worker calls before it imports the handler (tests break the pacer with it).
        Default: none.
    :param seed: Seed of the workers' jitter and the message mix. Default: 7.
    :param wait_seconds: ``WaitTimeSeconds`` of the workers' long polls. Default: 1.
    :param lanes: Lane names, highest priority first: one queue and one worker pool each; the backlog goes to the last
        (the default lane). Default: none (one send queue, as without lanes).
    :param lane_processes: Workers per lane, in the order of ``lanes``. Default: ``processes`` for each lane.
    :param urgent_every: With lanes, a first-lane request every this many seconds on average (uniform ±50 %) while the
        backlog drains. Default: 0, none.
    """

    processes: int = 8
    mps: float = 20
    seconds: float = 20
    messages: int | None = None
    multipart: float = 0.0
    jitter_ms: float = 10
    min_rate: float = 0.95
    hold_seconds: float = 0
    max_seconds: float | None = None
    sender_settings: Mapping[str, Any] = field(default_factory=dict)
    setup: tuple[str, ...] = ()
    seed: int = 7
    wait_seconds: int = 1
    lanes: tuple[str, ...] = ()
    lane_processes: tuple[int, ...] = ()
    urgent_every: float = 0.0
    routes: Mapping[str, float] = field(default_factory=dict)
    route_processes: int | None = None
    backlog_routes: tuple[str, ...] | None = None
    trickle_route: str = ""
    trickle_every: float = 0.0

    def workers_per_route(self, route: str) -> int:
        """Workers on ``route``'s parking queue: ``route_processes``, else what ``SmsSendQueue`` gives the route's
        mapping, ``max(2, ceil(MPS × 0.5))``."""
        if self.route_processes is not None:
            return self.route_processes
        return max(2, math.ceil(self.routes.get(route, self.mps) * 0.5))

    def workers_per_lane(self) -> dict[str, int]:
        """Lane → worker processes (``{"": processes}`` without lanes)."""
        if not self.lanes:
            return {"": self.processes}
        if self.lane_processes and len(self.lane_processes) != len(self.lanes):
            raise ValueError(
                f"lane_processes must give one number per lane ({len(self.lanes)}), not {self.lane_processes}"
            )
        return dict(zip(self.lanes, self.lane_processes or (self.processes,) * len(self.lanes), strict=True))

    @property
    def backlog(self) -> int:
        """Requests queued."""
        if self.messages is not None:
            return self.messages
        mean_parts = 1 + 2 * self.multipart  # 2-4 parts average 3
        return max(1, math.ceil(self.mps * self.seconds / mean_parts))


@dataclass
class ProcessResult:
    """What a real-process run measured."""

    options: ProcessOptions
    settings: SenderSettings
    calls: list[Call]
    requests: dict[str, int]
    releases: list[tuple[float, int]]
    overshoots: list[float]
    rejected: dict[str, str]
    dead_letters: set[str]
    still_queued: int
    metrics: Counter[str]
    metrics_by_cause: Counter[str]
    wall_seconds: float
    invalid_requests: list[str]
    worker_errors: int
    invocations: int
    timed_out: bool
    #: Request id → the lane it was put on (empty without lanes).
    lane_of: dict[str, str] = field(default_factory=dict)
    #: Request id → when it was put on its queue (seconds since the epoch), for the first lane's requests.
    enqueued_at: dict[str, float] = field(default_factory=dict)
    #: Request id → its route's ISO code (empty without routes).
    route_of: dict[str, str] = field(default_factory=dict)
    #: (time, parts, pacer key) of every release of the pacer.
    keyed_releases: list[tuple[float, int, str]] = field(default_factory=list)

    def route_arrivals(self, route: str) -> list[tuple[float, int]]:
        """(time, parts) of the ``SendTextMessage`` calls of ``route``'s requests, sorted."""
        return sorted((c.at, c.parts) for c in self.calls if self.route_of.get(c.request_id) == route)

    def route_releases(self, route: str) -> list[tuple[float, int]]:
        """(time, parts) of the pacer's releases on ``route``'s key (``*``: the queue's own key), sorted."""
        suffix = f"#route#{route}"
        return sorted(
            (at, parts)
            for at, parts, key in self.keyed_releases
            if (key.endswith(suffix) if route != "*" else "#route#" not in key)
        )

    def route_rate(self, route: str, mps: float) -> float:
        """Parts per second of ``route`` from its first call to its last (the last call's slot included) ÷ ``mps``."""
        arrivals = self.route_arrivals(route)
        if len(arrivals) < 2:
            return 0.0
        span = arrivals[-1][0] - arrivals[0][0] + arrivals[-1][1] / mps
        return sum(p for _, p in arrivals) / span / mps

    def route_mps(self) -> dict[str, float]:
        """Route → its MPS, ``*`` (the queue's ``mps``) included; empty without routes."""
        if not self.options.routes:
            return {}
        return {**self.options.routes, "*": self.options.routes.get("*", self.options.mps)}

    def _routes_over_the_bound(self) -> int:
        """1-second windows over the bound of their route, at the pacer's releases on each route's key (each route
        has its own bound; the SMS API's arrivals are reported per route, not checked)."""
        return sum(self.route_over_bound(self.route_releases(r), mps) for r, mps in self.route_mps().items())

    def route_over_bound(self, sends: list[tuple[float, int]], mps: float) -> int:
        """1-second windows of ``sends`` holding more than ``floor(mps) − 1 + k`` parts."""
        return sum(1 for parts, last in one_second_windows(sends) if parts > math.floor(mps) - 1 + last)

    def lane_arrivals(self, lane: str) -> list[tuple[float, int]]:
        """(time, parts) of the ``SendTextMessage`` calls of ``lane``'s requests, sorted."""
        return sorted((c.at, c.parts) for c in self.calls if self.lane_of.get(c.request_id) == lane)

    def times_to_send(self) -> list[float]:
        """Seconds from enqueue to the first ``SendTextMessage`` call, for every first-lane request sent."""
        first: dict[str, float] = {}
        for call in sorted(self.calls, key=lambda c: c.at):
            first.setdefault(call.request_id, call.at)
        return sorted(first[rid] - at for rid, at in self.enqueued_at.items() if rid in first)

    def lower_lane_share(self) -> float:
        """Parts of the lanes below the first ÷ the budget the first lane left them, while the backlog drained: the MPS
        over the span from the first call to the last lower-lane call (its own slot included), minus the first lane's
        parts in that span. 1.0 means every part the first lane did not use went to the lower lanes."""
        if not self.options.lanes:
            return self.rate()
        first_lane = self.options.lanes[0]
        lower = sorted((c.at, c.parts) for c in self.calls if self.lane_of.get(c.request_id, first_lane) != first_lane)
        if len(lower) < 2:
            return 0.0
        start, end = self.arrivals()[0][0], lower[-1][0] + lower[-1][1] / self.options.mps
        urgent = sum(p for at, p in self.lane_arrivals(first_lane) if start <= at <= end)
        budget = self.options.mps * (end - start) - urgent
        return sum(p for _, p in lower) / budget if budget > 0 else 0.0

    @property
    def sent(self) -> Counter[str]:
        """Accepted sends per request id."""
        return Counter(c.request_id for c in self.calls if c.accepted)

    @property
    def duplicates(self) -> int:
        """Sends beyond the first of each request id."""
        return sum(n - 1 for n in self.sent.values() if n > 1)

    @property
    def unaccounted(self) -> int:
        """Requests neither sent, nor rejected, nor in the dead-letter queue."""
        accounted = set(self.sent) | set(self.rejected) | self.dead_letters
        return sum(1 for rid in self.requests if rid not in accounted)

    @property
    def lost(self) -> int:
        """Requests with no outcome that are not on the send queue either (when the run stopped at its time limit,
        the messages still queued may be any of the unaccounted requests)."""
        return max(0, self.unaccounted - self.still_queued)

    def arrivals(self) -> list[tuple[float, int]]:
        """(time, parts) of every ``SendTextMessage`` that reached the SMS API, accepted or refused, sorted."""
        return sorted((c.at, c.parts) for c in self.calls)

    def busiest_second(self, sends: list[tuple[float, int]] | None = None) -> int:
        """Most parts in any 1-second window [t, t + 1) of ``sends`` (default: the arrivals at the SMS API)."""
        return max((parts for parts, _ in one_second_windows(self.arrivals() if sends is None else sends)), default=0)

    def over_the_bound(self, sends: list[tuple[float, int]] | None = None) -> int:
        """1-second windows of ``sends`` (default: the arrivals) holding more than ``MPS − 1 + k`` parts, ``k`` the
        parts of the window's last message: the bound the pacer guarantees."""
        windows = one_second_windows(self.arrivals() if sends is None else sorted(sends))
        return sum(1 for parts, last in windows if parts > self.bound(last))

    def bound(self, last_parts: int = 1) -> int:
        """The most parts a 1-second window may hold when its last message has ``last_parts`` parts."""
        return math.floor(self.options.mps) - 1 + last_parts

    def parts_per_second(self) -> float:
        """Parts per second that reached the SMS API from its first call to its last (the last call's own slot
        included): the backlog's drain rate."""
        arrivals = self.arrivals()
        if len(arrivals) < 2:
            return 0.0
        span = arrivals[-1][0] - arrivals[0][0] + arrivals[-1][1] / self.options.mps
        return sum(p for _, p in arrivals) / span

    def rate(self) -> float:
        """:meth:`parts_per_second` ÷ the MPS."""
        return self.parts_per_second() / self.options.mps

    def late_wake_ups(self, threshold: float) -> int:
        """Wake-ups that came more than ``threshold`` seconds after they were asked for."""
        return sum(1 for o in self.overshoots if o > threshold)

    @property
    def failures(self) -> list[str]:
        """Why the run fails: a window over the bound, a shortfall, a lost or duplicated request, an invalid request."""
        problems = []
        over = self.over_the_bound() if not self.options.routes else self._routes_over_the_bound()
        if over:
            problems.append(f"{over} one-second windows over the bound (busiest: {self.busiest_second()} parts)")
        held = self.options.hold_seconds > 0
        if not held and not self.options.routes and self.rate() < self.options.min_rate:
            problems.append(f"achieved {self.rate():.3f} of the MPS, below {self.options.min_rate:g}")
        if self.lost:
            problems.append(f"{self.lost} requests lost")
        if self.duplicates:
            problems.append(f"{self.duplicates} requests sent more than once")
        if self.invalid_requests:
            problems.append(f"{len(self.invalid_requests)} requests the service model refuses")
        if self.timed_out and not held:
            problems.append(f"the queue was not drained in {self.options.max_seconds or 'the allowed'} s")
        return problems


def _percentile(values: Sequence[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.floor(share * len(ordered)))]


def report(result: ProcessResult) -> str:
    """The real-process report: pacing as the SMS API saw it, what happened to every request, what is not modelled."""
    options, settings = result.options, result.settings
    arrivals = result.arrivals()
    tolerance = float(getattr(settings, "release_tolerance_seconds", 0.0) or 0.0)
    overshoots = result.overshoots
    late_2ms = result.late_wake_ups(0.002)
    late_tolerance = result.late_wake_ups(tolerance) if tolerance else late_2ms
    refused = Counter(c.error for c in result.calls if not c.accepted)
    lines = [
        f"sms-constructs simulator, real processes: {options.processes} worker processes running "
        f"sender.handler.main, {len(result.requests):,} requests queued at once, seed {options.seed}",
        f"SmsSendQueue(max_parts_per_second={options.mps:g}): batch size from the template, release tolerance "
        f"{tolerance * 1000:g} ms; wake-up jitter 0-{options.jitter_ms:g} ms; {result.wall_seconds:.1f} s of wall time",
        "",
        "Pacing (what the SMS API saw)",
        f"  achieved                 {result.parts_per_second():.2f} parts/s = {result.rate():.3f} of the MPS "
        f"(at least {options.min_rate:g} required)",
        f"  busiest 1-second window  {result.busiest_second()} parts at the SMS API (bound {result.bound()} for "
        f"single-part traffic, MPS - 1 + the parts of the window's last message); windows over the bound: "
        f"{result.over_the_bound()}",
        f"  at the pacer's releases  busiest window {result.busiest_second(sorted(result.releases))} parts; windows "
        f"over the bound: {result.over_the_bound(result.releases)}",
        f"  wake-ups                 {len(overshoots):,}; late by more than 2 ms: {late_2ms:,} "
        f"({late_2ms / max(1, len(overshoots)):.1%}); by more than the release tolerance: {late_tolerance:,}; "
        f"median {_percentile(overshoots, 0.5) * 1000:.1f} ms, p99 {_percentile(overshoots, 0.99) * 1000:.1f} ms",
        "",
        "Requests",
        f"  SendTextMessage calls    {len(arrivals):,} ({sum(p for _, p in arrivals):,} parts); refused: "
        + (", ".join(f"{code} {n:,}" for code, n in refused.items()) or "none"),
        f"  sent                     {len(result.sent):,} requests; sent more than once: {result.duplicates}",
        f"  rejected                 {len(result.rejected):,}"
        + (
            " (" + ", ".join(f"{r} {n:,}" for r, n in Counter(result.rejected.values()).most_common()) + ")"
            if result.rejected
            else ""
        ),
        f"  in the dead-letter queue {len(result.dead_letters):,}",
        f"  still queued at the end  {result.still_queued:,}"
        + (" (the run stopped at its time limit)" if result.timed_out else ""),
        f"  lost                     {result.lost}",
        f"  invocations              {result.invocations:,}; failed invocations: {result.worker_errors}",
        "",
        "Sender metrics (from the workers' EMF output)",
        "  "
        + (
            ", ".join(
                f"{name} {value:,}"
                for name, value in sorted(result.metrics.items())
                if value and name != "TimeToSend"  # a latency: its sum means nothing
            )
            or "none"
        ),
    ]
    if options.lanes:
        waits = result.times_to_send()
        per_lane = ", ".join(f"{lane} {n}" for lane, n in options.workers_per_lane().items())
        lines += [
            "",
            f"Lanes ({per_lane} worker processes; the backlog on {options.lanes[-1]}, a {options.lanes[0]} request "
            f"every ~{options.urgent_every:g} s)",
            f"  {options.lanes[0]:<24} {len(waits)} requests; enqueue to SendTextMessage p50 "
            f"{_percentile(waits, 0.5):.3f} s, p99 {_percentile(waits, 0.99):.3f} s, max {max(waits, default=0):.3f} s",
            f"  lower lanes              {result.lower_lane_share():.3f} of the budget the first lane left them",
        ]
    if options.routes:
        per_route = ", ".join(f"{r} {options.workers_per_route(r)}" for r in result.route_mps())
        lines += ["", f"Routes (worker processes per parking queue: {per_route})"]
        for route, mps in result.route_mps().items():
            releases, arrivals = result.route_releases(route), result.route_arrivals(route)
            lines.append(
                f"  {route:<4} {mps:>6g} MPS  {sum(p for _, p in arrivals):>6,} parts, "
                f"{result.route_rate(route, mps):.3f} of its MPS; busiest 1-second window "
                f"{max((n for n, _ in one_second_windows(releases)), default=0)} parts at the pacer's releases "
                f"(over the bound: {result.route_over_bound(releases, mps)}), "
                f"{max((n for n, _ in one_second_windows(arrivals)), default=0)} at the SMS API"
            )
        if result.enqueued_at:
            waits = result.times_to_send()
            lines.append(
                f"  {options.trickle_route} requests every ~{options.trickle_every:g} s: {len(waits)}; enqueue to "
                f"SendTextMessage p50 {_percentile(waits, 0.5):.3f} s, p99 {_percentile(waits, 0.99):.3f} s"
            )
    if result.metrics_by_cause:
        lines.append(
            "  by Cause: " + ", ".join(f"{cause} {n:,}" for cause, n in sorted(result.metrics_by_cause.items()))
        )
    lines += ["", "Not modelled:"] + [f"  - {item}" for item in NOT_MODELLED]
    problems = result.failures
    lines += [
        "",
        "Check: " + ("; ".join(problems) if problems else "within the bound, at the rate, 0 lost, 0 sent twice"),
    ]
    return "\n".join(lines)


# -- the run ------------------------------------------------------------------------------------------------------


def _client(service: str, endpoint: str) -> Any:
    import boto3  # noqa: PLC0415

    client: Any = boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoint,
        region_name=_REGION,
        aws_access_key_id="simulator",
        aws_secret_access_key="simulator",
    )
    return client


@contextlib.contextmanager
def _backend() -> Iterator[str]:
    """moto's server in its own process (run as a script: it imports neither the CDK nor this package)."""
    process = subprocess.Popen(
        [sys.executable, _backend_module.__file__],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    try:
        assert process.stdout is not None
        endpoint = process.stdout.readline().strip()
        if not endpoint.startswith("http://"):
            raise RuntimeError("moto's server did not start (is the simulate extra installed: moto[server]?)")
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


def _replace_settings(settings: SenderSettings, overrides: Mapping[str, Any]) -> SenderSettings:
    known = {f.name for f in fields(SenderSettings)}
    unknown = set(overrides) - known
    if unknown:
        raise ValueError(f"SenderSettings has no field {', '.join(sorted(unknown))}")
    hints = typing.get_type_hints(SenderSettings)
    values = {}
    for name, value in overrides.items():
        kind = hints[name]
        values[name] = kind(value) if kind in (int, float, str) and isinstance(value, str) else value
    return replace(settings, **values)


def _environment(settings: SenderSettings, aws_endpoint: str, sms_endpoint: str) -> dict[str, str]:
    return {
        **settings.to_environment(),
        "AWS_ENDPOINT_URL_DYNAMODB": aws_endpoint,
        "AWS_ENDPOINT_URL_SQS": aws_endpoint,
        "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2": sms_endpoint,
        "AWS_ACCESS_KEY_ID": "simulator",
        "AWS_SECRET_ACCESS_KEY": "simulator",
        "AWS_DEFAULT_REGION": _REGION,
        "AWS_REGION": _REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_LAMBDA_FUNCTION_NAME": _FUNCTION_NAME,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }


def _bodies(options: ProcessOptions) -> list[str]:
    import random  # noqa: PLC0415

    rng = random.Random(options.seed)
    bodies = []
    for n in range(options.backlog):
        if rng.random() < options.multipart:
            bodies.append((f"Order {n}: your parcel is on its way. " * 12)[: rng.choice([300, 450, 600])])
        else:
            bodies.append(f"Acme: order {n} has shipped. Track it at acme.example/t/{n}")
    return bodies


@dataclass
class _Worker:
    process: subprocess.Popen[str]
    result: Path
    output: IO[str]


def run_processes(options: ProcessOptions, *, deployment: Deployment | None = None) -> ProcessResult:
    """Run the real-process mode (see the module docstring) and return what it measured."""
    deployment = deployment or deploy(SimulationOptions(mps=options.mps, concurrency=options.processes))
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sms-sim-")))
        aws_endpoint = stack.enter_context(_backend())
        sms = SmsServer().start()
        stack.callback(sms.stop)
        dynamodb, sqs = _client("dynamodb", aws_endpoint), _client("sqs", aws_endpoint)
        per_lane = options.workers_per_lane()
        queues, dlq = _create_resources(dynamodb, sqs, deployment, list(per_lane))
        queue = queues[list(per_lane)[-1]][0]  # the default lane's (the only one without lanes)
        lane_items = tuple(f"{lane}={queues[lane][0]}" for lane in options.lanes)
        parking, route_settings = _create_parking_queues(sqs, deployment, dlq, options.routes)
        settings = _replace_settings(
            replace(deployment.sender, table_name=_TABLE, queue_url=queue, lanes=lane_items, **route_settings),
            options.sender_settings,
        )
        environment = _environment(settings, aws_endpoint, sms.endpoint_url)
        workers: list[_Worker] = []
        pools = [(queues[lane], count) for lane, count in per_lane.items()]
        pools += [(queue_and_arn, options.workers_per_route(route)) for route, queue_and_arn in parking.items()]
        for (pool_queue, pool_arn), count in pools:  # each lane's queue, then each parking queue
            workers += [
                _start_worker(stack, folder, len(workers) + n, options, deployment, environment, pool_queue, pool_arn)
                for n in range(count)
            ]
        stack.callback(_kill, [w.process for w in workers])
        _wait_ready(workers)
        lane_urls = {lane: url for lane, (url, _) in queues.items() if lane}
        producer = SmsProducer(queue, lane_queue_urls=lane_urls, client=sqs)
        route_of: dict[str, str] = {}
        requests = _enqueue_routes(producer, options, route_of) if options.routes else _enqueue(producer, options)
        lane_of = dict.fromkeys(requests, options.lanes[-1]) if options.lanes else {}
        all_queues = [*queues_of(queues), *queues_of(parking)]

        limit = options.max_seconds or 4 * options.backlog / options.mps + 60 + options.hold_seconds
        started = time.monotonic()
        if options.hold_seconds:
            sms.hold(options.hold_seconds)
        _tell(workers, "go")
        urgent = _arrivals(producer, options, [url for url, _ in queues.values()][-1:], route_of)
        timed_out = True
        while time.monotonic() - started < limit:
            time.sleep(0.25)
            if urgent.backlog_drained.is_set() and not urgent.is_alive() and _depth(sqs, *all_queues) == 0:
                timed_out = False
                break
        urgent.backlog_drained.set()
        urgent.join()
        requests.update(urgent.requests)
        if options.lanes:
            lane_of.update(dict.fromkeys(urgent.requests, options.lanes[0]))
        _tell(workers, "stop")
        for worker in workers:
            worker.process.wait(timeout=30 + options.wait_seconds)
        wall = time.monotonic() - started
        return _collect(
            workers,
            options=options,
            settings=settings,
            calls=list(sms.calls),
            requests=requests,
            rejected=_rejections(dynamodb),
            dead_letters=_drain(sqs, dlq),
            still_queued=_depth(sqs, *all_queues),
            wall_seconds=wall,
            invalid_requests=list(sms.invalid),
            timed_out=timed_out,
            lane_of=lane_of,
            enqueued_at=dict(urgent.enqueued_at),
            route_of=route_of,
        )
    raise AssertionError("unreachable")  # pragma: no cover - mypy: the with block returns


def queues_of(queues: Mapping[str, tuple[str, str]]) -> list[str]:
    """The URLs of ``_create_resources``' queues."""
    return [url for url, _ in queues.values()]


class _UrgentRequests(threading.Thread):
    """Puts a first-lane request on its queue every ~``urgent_every`` s (±50 %) until the default lane's queue (the
    backlog) is empty, recording when each was enqueued."""

    def __init__(self, producer: SmsProducer, options: ProcessOptions, backlog_queues: list[str]) -> None:
        super().__init__(name="urgent-requests", daemon=True)
        import random  # noqa: PLC0415

        self._producer = producer
        self._options = options
        self._backlog_queues = backlog_queues
        self._random = random.Random(options.seed + 1)
        self.requests: dict[str, int] = {}
        self.enqueued_at: dict[str, float] = {}
        #: Set when the backlog is gone (or the run is over): no more urgent requests.
        self.backlog_drained = threading.Event()

    def run(self) -> None:
        sqs = self._producer.client
        n = 0
        while not self.backlog_drained.wait(self._options.urgent_every * self._random.uniform(0.5, 1.5)):
            if _depth(sqs, *self._backlog_queues) == 0:
                break
            request = self._producer.build(
                "+14254147755", f"Acme: your code is {n:06d}", request_id=f"urgent-{n:06d}", lane=self._options.lanes[0]
            )
            self.enqueued_at[request.request_id] = time.time()
            self._producer.send_batch([request])
            self.requests[request.request_id] = request.parts.parts
            n += 1
        self.backlog_drained.set()

    def start(self) -> None:
        """Start putting requests on the first lane."""
        super().start()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread (a no-op when it was never started)."""
        if self.ident is not None:
            super().join(timeout)


#: A destination number of each country the route scenarios send to (by calling code and, for +1, area code).
ROUTE_NUMBERS: Final = {"CA": "+1416555{n:04d}", "GB": "+447700{n:06d}", "MX": "+5255{n:08d}", "US": "+1425555{n:04d}"}


def _number(country: str, n: int) -> str:
    return ROUTE_NUMBERS.get(country, "+4915{n:08d}").format(n=n)  # "*": Germany, which has no route here


class _TrickleRequests(_UrgentRequests):
    """Puts a request to ``trickle_route`` on the send queue every ~``trickle_every`` s (±50 %) for ``seconds``,
    recording when each was enqueued."""

    def __init__(self, producer: SmsProducer, options: ProcessOptions, route_of: dict[str, str]) -> None:
        super().__init__(producer, options, [])
        self._route_of = route_of

    def run(self) -> None:
        ends = time.monotonic() + self._options.seconds
        n = 0
        while time.monotonic() < ends and not self.backlog_drained.wait(
            self._options.trickle_every * self._random.uniform(0.5, 1.5)
        ):
            route = self._options.trickle_route
            request = self._producer.build(
                _number(route, 9000 + n), f"Acme: your code is {n:06d}", request_id=f"trickle-{n:06d}"
            )
            self.enqueued_at[request.request_id] = time.time()
            self._producer.send_batch([request])
            self.requests[request.request_id] = request.parts.parts
            self._route_of[request.request_id] = route
            n += 1
        self.backlog_drained.set()


def _arrivals(
    producer: SmsProducer, options: ProcessOptions, backlog_queues: list[str], route_of: dict[str, str]
) -> _UrgentRequests:
    """The thread putting first-lane requests (with lanes) or requests to ``trickle_route`` (with routes) on their
    queue while the run goes on, started; or, without either, one that is already done."""
    if options.lanes and options.urgent_every > 0:
        thread = _UrgentRequests(producer, options, backlog_queues)
    elif options.routes and options.trickle_route and options.trickle_every > 0:
        thread = _TrickleRequests(producer, options, route_of)
    else:
        thread = _UrgentRequests(producer, options, backlog_queues)
        thread.backlog_drained.set()
        return thread
    thread.start()
    return thread


def _enqueue_routes(producer: SmsProducer, options: ProcessOptions, route_of: dict[str, str]) -> dict[str, int]:
    """Queue ``seconds`` of single-part requests of each backlog route at its MPS, interleaved; request id → parts."""
    backlog = options.backlog_routes if options.backlog_routes is not None else tuple(options.routes)
    counts = {route: math.ceil(options.routes.get(route, options.mps) * options.seconds) for route in backlog}
    order = sorted(
        ((n / counts[route], route, n) for route in backlog for n in range(counts[route])), key=lambda item: item[:2]
    )
    built = [
        (
            route,
            producer.build(
                _number(route, n),
                f"Acme: your appointment {n} is tomorrow",
                request_id=f"{route}-{n:06d}".replace("*", "X"),
            ),
        )
        for _, route, n in order
    ]
    route_of.update((request.request_id, route) for route, request in built)
    producer.send_batch(request for _, request in built)  # 10 per SendMessageBatch, in this order
    return {request.request_id: request.parts.parts for _, request in built}


def _create_parking_queues(
    sqs: Any, deployment: Deployment, dlq: str, routes: Mapping[str, float]
) -> tuple[dict[str, tuple[str, str]], dict[str, Any]]:
    """A parking queue per route and for ``*`` (none without routes), like the send queue: (route → (URL, ARN), the
    sender's route settings as ``SmsSendQueue(routes=...)`` writes them)."""
    if not routes:
        return {}, {}
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": deployment.send_max_receive_count}
    parking: dict[str, tuple[str, str]] = {}
    for route in [*routes, *(["*"] if "*" not in routes else [])]:
        url = sqs.create_queue(
            QueueName=f"sms-simulator-park-{'other' if route == '*' else route}",
            Attributes={
                "VisibilityTimeout": str(int(deployment.send_queue_visibility)),
                "RedrivePolicy": json.dumps(redrive),
            },
        )["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        parking[route] = (url, arn)
    settings = {
        "routes": tuple(f"{c}={mps:g}" for c, mps in routes.items()),
        "route_parking_queues": tuple(f"{c}={url}" for c, (url, _) in parking.items()),
        "batch_size": deployment.batch_size,
    }
    return parking, settings


def _create_resources(
    dynamodb: Any, sqs: Any, deployment: Deployment, lanes: Sequence[str]
) -> tuple[dict[str, tuple[str, str]], str]:
    """The message store table, one send queue per lane (``""``: the send queue without lanes; the last is
    ``sms-simulator-send``) and their DLQ as the constructs configure them: (lane → (queue URL, queue ARN), DLQ
    URL)."""
    dynamodb.create_table(
        TableName=_TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    dlq = sqs.create_queue(QueueName="sms-simulator-send-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": deployment.send_max_receive_count}
    queues: dict[str, tuple[str, str]] = {}
    for n, lane in enumerate(lanes):
        queue = sqs.create_queue(
            QueueName="sms-simulator-send" if n == len(lanes) - 1 else f"sms-simulator-send-{lane}",
            Attributes={
                "VisibilityTimeout": str(int(deployment.send_queue_visibility)),
                "RedrivePolicy": json.dumps(redrive),
            },
        )["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queues[lane] = (queue, arn)
    return queues, dlq


def _start_worker(
    stack: contextlib.ExitStack,
    folder: Path,
    n: int,
    options: ProcessOptions,
    deployment: Deployment,
    environment: Mapping[str, str],
    queue: str,
    queue_arn: str,
) -> _Worker:
    from .._private.assets import LAMBDA_ROOT  # noqa: PLC0415

    result_path = folder / f"worker-{n}.json"
    config = {
        "jitter_ms": options.jitter_ms,
        "seed": options.seed * 1000 + n,
        "lambda_root": str(LAMBDA_ROOT),
        "environment": dict(environment),
        "setup": list(options.setup),
        "queue_url": queue,
        "queue_arn": queue_arn,
        "batch_size": deployment.batch_size,
        "wait_seconds": options.wait_seconds,
        "timeout_seconds": deployment.sender_timeout,
        "function_name": _FUNCTION_NAME,
        "result": str(result_path),
    }
    config_path = folder / f"worker-{n}.config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    output = stack.enter_context(open(folder / f"worker-{n}.out", "w+", encoding="utf-8"))  # noqa: SIM115
    python_path = os.pathsep.join([*(p for p in sys.path if p), os.environ.get("PYTHONPATH", "")])
    process = subprocess.Popen(
        [sys.executable, _worker_module.__file__, str(config_path)],
        stdin=subprocess.PIPE,
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": python_path, "PYTHONWARNINGS": "ignore"},
    )
    return _Worker(process, result_path, output)


def _enqueue(producer: SmsProducer, options: ProcessOptions) -> dict[str, int]:
    """Queue the backlog with the producer client; request id → parts."""
    lane = options.lanes[-1] if options.lanes else None
    built = [
        producer.build("+14254147755", body, request_id=f"proc-{n:06d}", lane=lane)
        for n, body in enumerate(_bodies(options))
    ]
    producer.send_batch(built)  # 10 per SendMessageBatch, in this order
    return {request.request_id: request.parts.parts for request in built}


def _tell(workers: list[_Worker], word: str) -> None:
    for worker in workers:
        stdin = worker.process.stdin
        assert stdin is not None
        with contextlib.suppress(BrokenPipeError, ValueError):
            stdin.write(word + "\n")
            stdin.flush()
            if word == "stop":
                stdin.close()


def _collect(workers: list[_Worker], **measured: Any) -> ProcessResult:
    """Add what the workers measured and printed (EMF metrics) to what the parent measured."""
    totals: Counter[str] = Counter()
    by_cause: Counter[str] = Counter()
    releases: list[tuple[float, int]] = []
    keyed_releases: list[tuple[float, int, str]] = []
    overshoots: list[float] = []
    invocations = errors = 0
    for worker in workers:
        worker.output.seek(0)
        worker_totals, worker_causes = emf_metrics(worker.output)
        totals.update(worker_totals)
        by_cause.update(worker_causes)
        if not worker.result.exists():
            errors += 1
            continue
        figures = json.loads(worker.result.read_text(encoding="utf-8"))
        releases += [(float(at), int(parts)) for at, parts in figures["releases"]]
        keyed_releases += [(float(at), int(parts), str(key)) for at, parts, key in figures.get("keyed_releases", [])]
        overshoots += figures["overshoots"]
        invocations += figures["invocations"]
        errors += figures["errors"]
    return ProcessResult(
        keyed_releases=sorted(keyed_releases),
        releases=sorted(releases),
        overshoots=overshoots,
        metrics=totals,
        metrics_by_cause=by_cause,
        worker_errors=errors,
        invocations=invocations,
        **measured,
    )


def _wait_ready(workers: list[_Worker], timeout: float = 300) -> None:
    ends = time.monotonic() + timeout
    while not all(Path(str(w.result) + ".ready").exists() for w in workers):
        for worker in workers:
            if worker.process.poll() is not None:
                worker.output.seek(0)
                raise RuntimeError(f"a worker process exited while starting:\n{worker.output.read()[-4000:]}")
        if time.monotonic() > ends:
            raise RuntimeError(f"the worker processes were not ready after {timeout:g} s")
        time.sleep(0.1)


def _kill(processes: list[subprocess.Popen[str]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def _depth(sqs: Any, *queues: str) -> int:
    """Messages on ``queues``: visible, in flight and delayed."""
    return sum(_depth_of(sqs, queue) for queue in queues)


def _depth_of(sqs: Any, queue: str) -> int:
    names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=names)["Attributes"]
    return sum(int(attributes.get(name, 0)) for name in names)


def _drain(sqs: Any, queue: str) -> set[str]:
    """Request ids of the messages in ``queue`` (the DLQ), read without deleting."""
    ids: set[str] = set()
    while True:
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=60).get("Messages", [])
        if not messages:
            return ids
        ids.update(str(json.loads(m["Body"]).get("requestId")) for m in messages)


def _rejections(dynamodb: Any) -> dict[str, str]:
    """Request id → rejection reason, from the message store's history items."""
    rejected: dict[str, str] = {}
    paginator = dynamodb.get_paginator("scan")
    for page in paginator.paginate(TableName=_TABLE):
        for item in page["Items"]:
            pk, sk = item["pk"]["S"], item["sk"]["S"]
            if (
                pk.startswith("request#")
                and sk.startswith("attempt#")
                and item.get("status", {}).get("S") == "REJECTED"
            ):
                rejected[pk.removeprefix("request#")] = item.get("reason", {}).get("S", "")
    return rejected
