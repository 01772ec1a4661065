"""Scenarios of the simulated-clock pipeline (``python -m sms_constructs.simulate --scenario NAME``): each synthesizes
``SmsSendQueue`` with the settings it needs, runs traffic of its own through the real sender (and retry handler) on
a simulated clock, and ends its report with checks; the command exits with status 1 when one fails.

- ``otp-under-backlog`` — lanes ``urgent`` and ``bulk`` on one MPS budget: a backlog of reminders on ``bulk`` and
  one-time codes (valid 5 minutes) on ``urgent`` all along; then the same traffic on a queue without lanes;
- ``runaway-producer`` — two producers on one queue with daily part budgets: one overruns its budget five times,
  the other stays well within its own; the simulated UTC day rolls over during the run;
- ``word-processor`` — messages pasted from a word processor (curly quotes, dashes, ellipses, non-breaking and
  zero-width spaces), a few of which also hold characters that need UCS-2 (emoji, Cyrillic, a bullet): what GSM-7
  normalisation saves, and what it must leave alone;
- ``mixed-country-pool`` — a pool serving CA (a long code, 1 MPS), GB (a sender ID, 10 MPS), MX (shared routes, 20
  MPS) and every other country (the queue's MPS) through one send queue with routes: a backlog of each route at its
  MPS, then GB requests while a CA backlog drains, and without it; the fake SMS API meters each country at its
  member's MPS.
"""

from __future__ import annotations

import math
import random
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field, replace
from typing import ClassVar, Final

from sms_constructs_runtime.gsm7 import REPLACEMENTS
from sms_constructs_runtime.parts import Encoding, count_parts, is_gsm7

from .run import (
    Deployment,
    MetricValue,
    Planned,
    SimulationOptions,
    SimulationResult,
    deploy,
    one_second_windows,
    simulate,
)

__all__ = [
    "SCENARIOS",
    "Check",
    "MixedCountryPool",
    "OtpUnderBacklog",
    "RunawayProducer",
    "ScenarioReport",
    "WordProcessor",
    "run_scenario",
]

#: Synthesized deployments by the options they were synthesized for (a caller's cache: synthesis takes seconds).
Deployments = MutableMapping[SimulationOptions, Deployment]

#: What every scenario turns off, so that what it shows is its own: the fake's random failures and opt-outs, the
#: events (nothing is retried) and the lake.
_QUIET: Final = SimulationOptions(
    failure_scale=0.0, opt_out_rate=0.0, special_numbers=0.0, events=False, analytics=False
)
#: :data:`REPLACEMENTS` as a translation table.
_REPLACEMENTS: Final[dict[str, str | int | None]] = dict(REPLACEMENTS)
_TABLE: Final = str.maketrans(_REPLACEMENTS)


@dataclass(frozen=True)
class Check:
    """One check of a scenario: what must hold, whether it did, and the figures that tell."""

    name: str
    passed: bool
    detail: str


@dataclass
class ScenarioReport:
    """What a scenario printed and checked, and the runs behind it (by label)."""

    name: str
    lines: list[str]
    checks: list[Check]
    runs: dict[str, SimulationResult] = field(default_factory=dict)
    #: The figures of the report, by name (for tests and benchmarks).
    figures: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> list[Check]:
        """The checks that did not hold."""
        return [check for check in self.checks if not check.passed]

    def check_line(self) -> str:
        """The report's last line: ``N of N checks passed``, or which failed."""
        if not self.failed:
            return f"{self.name}: {len(self.checks)} of {len(self.checks)} checks passed"
        return f"{self.name}: FAILED {len(self.failed)} of {len(self.checks)} checks: " + "; ".join(
            check.name for check in self.failed
        )

    def text(self) -> str:
        """The whole report: the scenario's lines, each check, the check line."""
        checks = [f"  [{'ok' if check.passed else 'FAILED'}] {check.name}: {check.detail}" for check in self.checks]
        return "\n".join([*self.lines, "", "Checks", *checks, "", self.check_line()])


def _deployment(options: SimulationOptions, deployments: Deployments | None) -> Deployment:
    if deployments is None:
        return deploy(options)
    if options not in deployments:
        deployments[options] = deploy(options)
    return deployments[options]


def _percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in (0, 1]) of ``values`` (0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def _first_sends(result: SimulationResult) -> dict[str, float]:
    """``requestId`` → when its first accepted ``SendTextMessage`` reached the SMS API."""
    first: dict[str, float] = {}
    for send in result.sms.sends:
        request_id = send.params["Context"]["smsRequestId"]
        first[request_id] = min(first.get(request_id, send.at), send.at)
    return first


def _nothing_lost(runs: dict[str, SimulationResult], *, queued_is_held: bool = False) -> Check:
    """0 lost in every run: each request sent, rejected with a reason or failed for good — or, with
    ``queued_is_held``, still held on its send queue — and none in a dead-letter queue."""
    parts = []
    lost_total = 0
    for label, result in runs.items():
        lost = [
            rid
            for rid, o in result.outcomes.items()
            if o.kind == "lost" and not (queued_is_held and rid in result.queued)
        ]
        lost_total += len(lost) + result.dead_letters
        parts.append(f"{label}: {len(lost)} lost, {result.dead_letters} in a dead-letter queue")
    return Check("0 lost", lost_total == 0, "; ".join(parts))


def _nothing_twice(runs: dict[str, SimulationResult]) -> Check:
    total = sum(result.duplicates for result in runs.values())
    detail = "; ".join(f"{label}: {result.duplicates} sent twice" for label, result in runs.items())
    return Check("0 sent twice", total == 0, detail)


# -- OTPs under a bulk backlog -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OtpUnderBacklog:
    """One-time codes on the ``urgent`` lane while a backlog of reminders drains on the ``bulk`` lane, at the full MPS;
    then the same traffic on a queue without lanes, for contrast.

    :param mps: ``max_parts_per_second``. Default: 20.
    :param backlog_seconds: Length of the reminders' backlog at the MPS (MPS x this many single-part reminders queued
        at once). Default: 600.
    :param otp_every: Mean seconds between one-time codes (a Poisson stream over the backlog's length). Default: 3.
    :param otp_valid_seconds: How long a code is valid (its ``notAfter``). Default: 300.
    :param lanes: The lanes, highest first, as ``(name, max_concurrency)`` (``None``: the queue's); the codes go on the
        first, the reminders on the last. Empty: the "with lanes" run has none either. Default: ``urgent`` (2) and
        ``bulk``.
    :param seed: Seed of the traffic and of the run. Default: 7.
    :param contrast: Also run the traffic on a queue without lanes. Default: True.
    """

    mps: float = 20
    backlog_seconds: float = 600
    otp_every: float = 3.0
    otp_valid_seconds: float = 300
    lanes: tuple[tuple[str, int | None], ...] = (("urgent", 2), ("bulk", None))
    seed: int = 7
    contrast: bool = True

    name: ClassVar[str] = "otp-under-backlog"

    def options(self, *, lanes: bool) -> SimulationOptions:
        """The simulation's options, with this scenario's lanes or without any."""
        return replace(_QUIET, mps=self.mps, seed=self.seed, lanes=self.lanes if lanes else ())

    def traffic(self, *, lanes: bool) -> list[Planned]:
        """The reminders (all at once) and the codes (all along), on their lanes when ``lanes``."""
        rng = random.Random(self.seed)
        urgent = self.lanes[0][0] if lanes and self.lanes else None
        bulk = self.lanes[-1][0] if lanes and self.lanes else None
        reminders = round(self.mps * self.backlog_seconds)
        planned = [
            Planned(
                0.0,
                f"reminder-{n:06d}",
                f"+447700{n % 1_000_000:06d}",
                f"Acme Dental: a reminder of your appointment on Tuesday at {9 + n % 8}:{n % 6}0. Reply C to confirm.",
                lane=bulk,
                context=(("campaign", "reminders"),),
            )
            for n in range(reminders)
        ]
        at, n = rng.expovariate(1 / self.otp_every), 0
        while at < self.backlog_seconds:
            planned.append(
                Planned(
                    at,
                    f"otp-{n:05d}",
                    f"+447911{n % 1_000_000:06d}",
                    f"Your Acme code is {rng.randrange(10**6):06d}. It expires in 5 minutes.",
                    lane=urgent,
                    valid_for=self.otp_valid_seconds,
                    context=(("campaign", "one-time-code"),),
                )
            )
            at, n = at + rng.expovariate(1 / self.otp_every), n + 1
        return planned

    def run(self, deployments: Deployments | None = None) -> ScenarioReport:
        """Both runs, the report and the checks."""
        runs: dict[str, SimulationResult] = {}
        for label, lanes in (("with lanes", True), ("without lanes", False))[: 2 if self.contrast else 1]:
            options = self.options(lanes=lanes)
            runs[label] = simulate(
                options, deployment=_deployment(options, deployments), traffic=self.traffic(lanes=lanes)
            )
        with_lanes, without = runs["with lanes"], runs.get("without lanes")
        deployment = with_lanes.deployment
        slot = deployment.batch_size * (1 + deployment.sender.release_tolerance_seconds) / self.mps
        target = slot + 2

        def codes(result: SimulationResult) -> tuple[list[float], int, int]:
            first = _first_sends(result)
            otps = [rid for rid in result.outcomes if rid.startswith("otp-")]
            waits = [first[rid] - result.enqueued_at[rid] for rid in otps if rid in first]
            expired = sum(1 for rid in otps if result.outcomes[rid].detail == "EXPIRED")
            return waits, expired, len(otps)

        waits, expired, otps = codes(with_lanes)
        waits_without, expired_without, _ = codes(without) if without is not None else ([], 0, 0)
        share, bulk_parts, urgent_parts, span = _lower_lane_share(with_lanes, self.mps)
        p50, p99, worst = _percentile(waits, 0.5), _percentile(waits, 0.99), max(waits, default=0.0)
        lane_pollers = ", ".join(f"{name} ({n} pollers)" for name, n in deployment.lanes) or "none"
        reminders = round(self.mps * self.backlog_seconds)
        lines = [
            f"Scenario {self.name}: {reminders:,} reminders queued at once on the lowest lane "
            f"({self.backlog_seconds:g} s of backlog at {self.mps:g} MPS), {otps} one-time codes valid "
            f"{self.otp_valid_seconds:g} s on the first lane, one every {self.otp_every:g} s on average; "
            f"seed {self.seed}",
            f"SmsSendQueue(max_parts_per_second={self.mps:g}, lanes: {lane_pollers}); batch size "
            f"{deployment.batch_size}, one batch's pacing slot {slot:.2f} s",
            "",
            "With lanes",
            f"  urgent enqueue -> SendTextMessage  p50 {p50:.2f} s, p99 {p99:.2f} s, max {worst:.2f} s "
            f"(target: p99 within {target:.2f} s, one batch's slot + 2 s)",
            f"  one-time codes expired             {expired} of {otps}",
            f"  bulk                               {bulk_parts:,} parts in {span:.0f} s while urgent sent "
            f"{urgent_parts:,}: {share:.3f} of the budget urgent left",
            f"  simulated {with_lanes.ended_at - with_lanes.started_at:.0f} s in {with_lanes.wall_seconds:.1f} s; "
            f"throttled by the SMS API {with_lanes.sms.throttled}",
        ]
        if without is not None:
            lines += [
                "",
                "Without lanes (the same traffic on one queue)",
                f"  one-time codes expired             {expired_without} of {otps} (behind the backlog)",
                f"  codes sent: enqueue -> SendTextMessage p50 {_percentile(waits_without, 0.5):.1f} s, max "
                f"{max(waits_without, default=0.0):.1f} s",
            ]
        checks = [
            _nothing_lost(runs),
            _nothing_twice(runs),
            Check("0 one-time codes expired with lanes", expired == 0, f"{expired} of {otps} expired"),
            Check(
                "urgent p99 within one batch's slot + 2 s",
                bool(waits) and p99 <= target,
                f"p99 {p99:.2f} s, target {target:.2f} s ({len(waits)} codes sent)",
            ),
        ]
        figures = {
            "urgent_p50_seconds": p50,
            "urgent_p99_seconds": p99,
            "urgent_max_seconds": worst,
            "urgent_p99_target_seconds": target,
            "otps": otps,
            "otps_expired": expired,
            "otps_expired_without_lanes": expired_without,
            "bulk_share_of_budget_left": share,
        }
        return ScenarioReport(self.name, lines, checks, runs, figures)


def _lower_lane_share(result: SimulationResult, mps: float) -> tuple[float, int, int, float]:
    """(the lowest lane's parts ÷ the budget the other traffic left it, its parts, the other parts, seconds) from the
    first send to the end of the lowest lane's last send's slot."""
    sends = sorted(result.sms.sends, key=lambda s: s.at)
    bulk = [s for s in sends if not s.params["Context"]["smsRequestId"].startswith("otp-")]
    if len(bulk) < 2:
        return 0.0, 0, 0, 0.0
    begin, end = sends[0].at, bulk[-1].at + bulk[-1].parts / mps
    bulk_parts = sum(s.parts for s in bulk)
    other = sum(
        s.parts for s in sends if s.at <= bulk[-1].at and s.params["Context"]["smsRequestId"].startswith("otp-")
    )
    budget = mps * (end - begin) - other
    return bulk_parts / budget, bulk_parts, other, end - begin


# -- a runaway producer against its quota ------------------------------------------------------------------------


@dataclass(frozen=True)
class RunawayProducer:
    """Two producers on one send queue, each with a daily part budget: ``campaigns`` queues five times its budget at
    once (a loop gone wrong) two hours before midnight UTC; ``appointments`` sends well within its own all along. The
    run goes on past midnight, when the day's budgets reset.

    :param mps: ``max_parts_per_second``. Default: 20.
    :param daily_parts: The runaway's daily budget. Default: 200.
    :param overrun: How many times its budget the runaway queues. Default: 5.
    :param appointments: Requests of the well-behaved producer (budget: 10 times as many parts), one every
        ``appointment_every`` seconds from the start. Default: 150.
    :param appointment_every: Seconds between its requests. Default: 8.
    :param hours_to_midnight: Hours from the start to the end of the UTC day. Default: 2.
    :param hours_after_midnight: Hours the run goes on into the next day. Default: 0.5.
    :param seed: Seed of the run. Default: 7.
    """

    mps: float = 20
    daily_parts: int = 200
    overrun: int = 5
    appointments: int = 150
    appointment_every: float = 8.0
    hours_to_midnight: float = 2.0
    hours_after_midnight: float = 0.5
    seed: int = 7

    name: ClassVar[str] = "runaway-producer"
    runaway: ClassVar[str] = "campaigns"
    well_behaved: ClassVar[str] = "appointments"

    def options(self) -> SimulationOptions:
        """The simulation's options: the two producers' daily budgets, a start ``hours_to_midnight`` before midnight."""
        return replace(
            _QUIET,
            mps=self.mps,
            seed=self.seed,
            quotas=(
                (self.runaway, self.daily_parts, None),
                (self.well_behaved, 10 * self.appointments, None),
            ),
            start_hour=24 - self.hours_to_midnight,
            max_hours=self.hours_to_midnight + self.hours_after_midnight,
        )

    def traffic(self) -> list[Planned]:
        """The runaway's burst (in its first 10 s) and the well-behaved producer's steady requests."""
        burst = self.overrun * self.daily_parts
        planned = [
            Planned(
                10 * n / burst,
                f"{self.runaway}-{n:06d}",
                f"+447700{n % 1_000_000:06d}",
                f"Acme Winter Sale: 20% off everything this weekend at acme.example/sale (ref {n}). Reply STOP to opt "
                "out.",
                producer=self.runaway,
            )
            for n in range(burst)
        ]
        planned += [
            Planned(
                n * self.appointment_every,
                f"{self.well_behaved}-{n:05d}",
                f"+447911{n % 1_000_000:06d}",
                f"Acme Dental: your appointment is confirmed for tomorrow at {9 + n % 8}:00.",
                producer=self.well_behaved,
            )
            for n in range(self.appointments)
        ]
        return planned

    def run(self, deployments: Deployments | None = None) -> ScenarioReport:
        """The run, the report and the checks."""
        options = self.options()
        result = simulate(options, deployment=_deployment(options, deployments), traffic=self.traffic())
        midnight = result.started_at + self.hours_to_midnight * 3600
        days: dict[str, Counter[str]] = defaultdict(Counter)  # producer → UTC day → parts
        sends_after_midnight: list[float] = []
        for send in result.sms.sends:
            producer = send.params["Context"].get("smsProducer", "(none)")
            day = "day 1" if send.at < midnight else "day 2"
            days[producer][day] += send.parts
            if producer == self.runaway and send.at >= midnight:
                sends_after_midnight.append(send.at)
        first = _first_sends(result)
        runaway = [rid for rid in result.outcomes if rid.startswith(self.runaway)]
        held_day_1 = sum(1 for rid in runaway if rid not in first or first[rid] >= midnight)
        still_held = sum(1 for rid in runaway if rid in result.queued and rid not in first)
        rejected = sum(1 for rid in runaway if result.outcomes[rid].kind == "rejected")
        holds = sum(
            1 for v in result.metric_values if v.name == "SendsHeld" and v.dimension("Reason") == "QUOTA_EXCEEDED"
        )
        appointments = [rid for rid in result.outcomes if rid.startswith(self.well_behaved)]
        well_behaved_used = max(
            (
                v.value
                for v in result.metric_values
                if v.name == "QuotaUsed" and v.dimension("Producer") == self.well_behaved
            ),
            default=0.0,
        )
        waits = [first[rid] - result.enqueued_at[rid] for rid in appointments if rid in first]
        crossings = _quota_crossings(result.metric_values, result.started_at)
        over = {
            producer: {day: parts for day, parts in per_day.items() if parts > self.daily_parts}
            for producer, per_day in days.items()
            if producer == self.runaway
        }
        day_2 = days[self.runaway]["day 2"]

        def clock(at: float) -> str:
            return _clock_time(at)

        lines = [
            f"Scenario {self.name}: producer {self.runaway} (daily budget {self.daily_parts} parts) queues "
            f"{self.overrun * self.daily_parts:,} single-part requests at once at {clock(result.started_at)} UTC; "
            f"{self.well_behaved} (daily budget {10 * self.appointments:,}) sends {self.appointments} requests, one "
            f"every {self.appointment_every:g} s; the run goes on to {clock(result.ended_at)} UTC; seed {self.seed}",
            f"SmsSendQueue(max_parts_per_second={self.mps:g}, quotas={{{self.runaway}: {self.daily_parts}/day, "
            f"{self.well_behaved}: {10 * self.appointments}/day}}); simulated "
            f"{result.ended_at - result.started_at:.0f} s in {result.wall_seconds:.1f} s",
            "",
            "Parts sent per producer and UTC day",
            *(
                f"  {producer:<24} day 1: {per_day['day 1']:>5,}   day 2: {per_day['day 2']:>5,}"
                for producer, per_day in sorted(days.items())
            ),
            "",
            f"{self.runaway}",
            f"  held on day 1            {held_day_1:,} of {len(runaway):,} requests ({holds:,} holds, "
            f"QUOTA_EXCEEDED); rejected {rejected}, in a dead-letter queue {result.dead_letters}",
            "  QuotaUsed (Day)          "
            + (", ".join(f"{label} at {clock(at)}" for label, at in crossings.get(self.runaway, [])) or "none"),
            f"  at midnight              held requests flowed again: {len(sends_after_midnight):,} sent "
            + (
                f"from {clock(min(sends_after_midnight))} to {clock(max(sends_after_midnight))} "
                if sends_after_midnight
                else ""
            )
            + f"(the new day's budget, {self.daily_parts}); still held at the end {still_held:,}",
            f"{self.well_behaved}",
            f"  enqueue -> SendTextMessage p50 {_percentile(waits, 0.5):.2f} s, p99 {_percentile(waits, 0.99):.2f} s, "
            f"max {max(waits, default=0.0):.2f} s; {len(waits)} of {len(appointments)} sent",
            f"  QuotaUsed (Day)          highest {well_behaved_used:g} %",
        ]
        checks = [
            Check(
                f"{self.runaway} never over its budget in a UTC day",
                not any(over.values()) and bool(days[self.runaway]),
                ", ".join(f"{day}: {parts} parts" for day, parts in sorted(days[self.runaway].items()))
                + f" (budget {self.daily_parts})",
            ),
            Check(
                "held requests flow again when the day rolls over",
                day_2 == min(self.daily_parts, len(runaway) - days[self.runaway]["day 1"]),
                f"{day_2} parts sent after midnight",
            ),
            Check(
                f"{self.well_behaved} unaffected",
                len(waits) == len(appointments) and days[self.well_behaved]["day 2"] == 0,
                f"{len(waits)} of {len(appointments)} sent the day they were queued",
            ),
            _nothing_lost({"the run": result}, queued_is_held=True),
            _nothing_twice({"the run": result}),
        ]
        figures = {
            "runaway_day_1_parts": days[self.runaway]["day 1"],
            "runaway_day_2_parts": day_2,
            "runaway_held_day_1": held_day_1,
            "runaway_still_held": still_held,
            "runaway_rejected": rejected,
            "appointments_p99_seconds": _percentile(waits, 0.99),
        }
        return ScenarioReport(self.name, lines, checks, {"the run": result}, figures)


def _clock_time(at: float) -> str:
    seconds = round(at) % 86_400
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _quota_crossings(values: list[MetricValue], start: float) -> dict[str, list[tuple[str, float]]]:
    """Per producer, when its ``QuotaUsed`` (Day) first reached 80 % and 100 % (after ``start``)."""
    crossings: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for threshold in (80, 100):
        seen: set[str] = set()
        for value in values:
            producer = value.dimension("Producer")
            if value.name != "QuotaUsed" or value.dimension("Period") != "Day" or producer is None:
                continue
            if producer not in seen and value.value >= threshold and value.at >= start:
                seen.add(producer)
                crossings[producer].append((f"{threshold} %", value.at))
    return crossings


# -- a message set pasted from a word processor ------------------------------------------------------------------

#: The message set (``{n}``: the message's number), pasted text with curly quotes, dashes, ellipses, non-breaking,
#: thin and zero-width spaces: five that normalisation makes GSM-7; four that also need UCS-2 for other characters
#: (an emoji, Cyrillic, a bullet, an emoji sequence joined by zero-width joiners); one whose ellipsis leaders would
#: take more parts as full stops; one typed plainly (GSM-7 already).
WORD_PROCESSOR_MESSAGES: Final = (
    "Hi Sam, it\u2019s Acme Dental \u2013 your appointment is on Tuesday 14 May at 10:30. Reply C to confirm\u2026",
    "Your prescription ({n}) is ready at \u201cAcme Pharmacy\u201d, 12 High St \u2014 open 9:00\u201317:30.",
    "Acme:\u00a0your order\u00a0#{n} has shipped. Track it at acme.example/t/{n}\u200b \u2013 thanks for shopping!",
    "Reminder: your flu jab is booked for 3\u202fOctober at 11:15. Can\u2019t make it? Call 0161\u00a0496\u00a00{n}.",
    "\u2018Results ready\u2019 \u2013 log in to see your test results (ref {n}). Questions? We\u2019re here 8\u20138.",
    "Happy birthday from all of us at Acme \U0001f389 \u2013 here\u2019s 10% off your next visit (code B{n}).",
    "\u0417\u0434\u0440\u0430\u0432\u0441\u0442\u0432\u0443\u0439\u0442\u0435, \u041e\u043b\u044c\u0433\u0430 "
    "\u2013 your appointment is confirmed for 14:30 (ref {n}).",
    "Please bring: \u2022 your card \u2022 photo ID \u2013 see you soon! Ref {n}",
    "Family appointments \U0001f468\u200d\U0001f469\u200d\U0001f467 are on Saturdays \u2013 book at acme.example "
    "(ref {n}).",
    "Mon\u2013Fri" + "\u2026" * 24 + "9\u20135\nSat" + "\u2026" * 24 + "10\u20132",
    "Acme: your repeat prescription ({n}) has been approved. Collect it from 2pm.",
)


@dataclass(frozen=True)
class WordProcessor:
    """A message set pasted from a word processor, sent through a queue that normalises (the default).

    :param mps: ``max_parts_per_second``. Default: 20.
    :param messages: Messages sent, cycling through :data:`WORD_PROCESSOR_MESSAGES`. Default: 200.
    :param seed: Seed of the run. Default: 7.
    """

    mps: float = 20
    messages: int = 200
    seed: int = 7

    name: ClassVar[str] = "word-processor"

    def options(self) -> SimulationOptions:
        """The simulation's options: the construct's default normalisation."""
        return replace(_QUIET, mps=self.mps, seed=self.seed)

    def traffic(self) -> list[Planned]:
        """The messages, all queued at once."""
        templates = WORD_PROCESSOR_MESSAGES
        return [
            Planned(
                0.0,
                f"pasted-{n:05d}",
                f"+447700{n % 1_000_000:06d}",
                templates[n % len(templates)].format(n=n),
            )
            for n in range(self.messages)
        ]

    def run(self, deployments: Deployments | None = None) -> ScenarioReport:
        """The run, the report and the checks."""
        options = self.options()
        result = simulate(options, deployment=_deployment(options, deployments), traffic=self.traffic())
        sent = {s.params["Context"]["smsRequestId"]: s for s in result.sms.sends}
        written_parts = sent_parts = 0
        saved_usd = 0.0
        increased: list[str] = []
        touched: list[str] = []
        normalised = already_gsm = 0
        left_ucs2: Counter[str] = Counter()
        for rid, outcome in result.outcomes.items():
            send = sent.get(rid)
            if send is None:
                continue
            original = outcome.request.message_body
            before = count_parts(original)
            written_parts += before.parts
            sent_parts += send.parts
            saved_usd += (before.parts - send.parts) * send.price / send.parts
            if send.parts > before.parts:
                increased.append(rid)
            needs_ucs2 = _needs_ucs2(original)
            body = send.params["MessageBody"]
            if needs_ucs2 and body != original:
                touched.append(rid)
            if before.encoding is Encoding.GSM7:
                already_gsm += 1
            elif body != original:
                normalised += 1
            if count_parts(body).encoding is Encoding.UCS2:
                left_ucs2[needs_ucs2 or _why_not_normalised(original)] += 1
        saved_metric = int(result.metrics["PartsSaved"])
        price = next(iter(result.sms.sends)).price / next(iter(result.sms.sends)).parts if result.sms.sends else 0.0
        lines = [
            f"Scenario {self.name}: {self.messages} messages pasted from a word processor "
            f"({len(WORD_PROCESSOR_MESSAGES)} kinds, to GB numbers at the fake API's {price:.4f} USD per part); "
            f"SmsSendQueue(normalize_characters=True, the default); seed {self.seed}",
            "",
            f"  parts as written         {written_parts:,}",
            f"  parts sent               {sent_parts:,} ({normalised} messages normalised to GSM-7, "
            f"{already_gsm} already GSM-7)",
            f"  PartsSaved (metric)      {saved_metric:,}",
            f"  spend saved              {saved_usd:.2f} USD ({saved_usd / max(1, len(sent)) * 10_000:,.2f} USD per "
            "10,000 such messages)",
            f"  left UCS-2               {sum(left_ucs2.values())} messages, as written:",
            *(f"    {count:>4}  {reason}" for reason, count in left_ucs2.most_common()),
        ]
        checks = [
            Check(
                "normalisation never increased parts",
                not increased,
                f"{len(increased)} messages sent in more parts than written",
            ),
            Check(
                "never touched a message that needs UCS-2 for other characters",
                not touched,
                f"{len(touched)} such messages changed",
            ),
            Check(
                "PartsSaved = parts as written - parts sent",
                saved_metric == written_parts - sent_parts,
                f"{saved_metric} = {written_parts} - {sent_parts}",
            ),
            _nothing_lost({"the run": result}),
            _nothing_twice({"the run": result}),
        ]
        figures = {
            "parts_written": written_parts,
            "parts_sent": sent_parts,
            "parts_saved_metric": saved_metric,
            "spend_saved_usd": saved_usd,
            "left_ucs2": sum(left_ucs2.values()),
        }
        return ScenarioReport(self.name, lines, checks, {"the run": result}, figures)


def _needs_ucs2(body: str) -> str:
    """Why ``body`` needs UCS-2 whatever the normalisation (``""``: it does not): its first characters outside GSM-7
    that have no GSM-7 equivalent in the table."""
    others = sorted({c for c in body if c not in REPLACEMENTS and not is_gsm7(c)}, key=body.index)
    if not others:
        return ""
    names = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in others[:2])
    more = f" and {len(others) - 2} more" if len(others) > 2 else ""
    return f"needs UCS-2 for {names}{more}"


def _why_not_normalised(body: str) -> str:
    """Why a body whose every non-GSM character has an equivalent was still sent as written."""
    candidate = body.translate(_TABLE)
    before, after = count_parts(body), count_parts(candidate)
    if after.parts > before.parts:
        return f"normalising would take more parts ({before.parts} -> {after.parts})"
    return "not normalised"


# -- a mixed-country pool ----------------------------------------------------------------------------------------

#: A destination number of each route's country (``{n}``: a number), by calling code and, for +1, area code; ``*``:
#: Germany, which has no route of its own here.
ROUTE_NUMBERS: Final = {"CA": "+1416555{n:04d}", "GB": "+447700{n:06d}", "MX": "+5255{n:08d}", "*": "+4915{n:08d}"}


@dataclass(frozen=True)
class MixedCountryPool:
    """One pool serving Canada from a long code (1 MPS), the UK from a sender ID (10 MPS) and Mexico over shared
    routes (20 MPS), through one send queue with a route per country (every other country on ``"*"``, at the queue's
    ``max_parts_per_second``); the fake SMS API meters each country at its member's MPS. Three runs:

    - *mixed backlog*: ``backlog_seconds`` of single-part reminders of each route at its MPS, interleaved, queued at
      once: each route's parts per second ÷ its MPS, its busiest 1-second window, its parked records;
    - *GB with a CA backlog*: ``backlog_seconds`` of CA reminders queued at once and more arriving at CA's MPS all
      along (the backlog drains, and holds steady, for ``backlog_seconds``), and a GB passcode every
      ~``trickle_every`` s (±50 %) from another producer meanwhile: each batch the sender takes from the send queue
      may hold both;
    - *GB alone*: the same GB passcodes without the CA backlog.

    :param mps: The queue's ``max_parts_per_second``: the ``"*"`` route's MPS. Default: 5.
    :param routes: ``SmsSendQueue(routes=...)`` as ``(ISO code, MPS)`` pairs. Empty: a queue without routes, paced at
        ``mps`` for every country. Default: CA 1, GB 10, MX 20.
    :param members: The MPS of the pool's member that serves each country, as ``(ISO code, MPS)`` pairs: what the
        fake SMS API enforces (every other country: ``mps``). Default: CA 1, GB 10, MX 20.
    :param backlog_seconds: Seconds of backlog of each route at its MPS, and how long the GB passcodes go on.
        Default: 60.
    :param trickle_every: Mean seconds between GB passcodes. Default: 0.5.
    :param seed: Seed of the traffic and of the runs. Default: 7.
    """

    mps: float = 5
    routes: tuple[tuple[str, float], ...] = (("CA", 1.0), ("GB", 10.0), ("MX", 20.0))
    members: tuple[tuple[str, float], ...] = (("CA", 1.0), ("GB", 10.0), ("MX", 20.0))
    backlog_seconds: float = 60
    trickle_every: float = 0.5
    seed: int = 7

    name: ClassVar[str] = "mixed-country-pool"
    #: The three runs, by label.
    MIXED: ClassVar[str] = "mixed backlog"
    WITH_CA: ClassVar[str] = "GB with a CA backlog"
    GB_ALONE: ClassVar[str] = "GB alone"

    def options(self) -> SimulationOptions:
        """The simulation's options: this scenario's routes, and the members' MPS at the fake SMS API."""
        return replace(
            _QUIET, mps=self.mps, seed=self.seed, routes=self.routes, identity_mps=(*self.members, ("*", self.mps))
        )

    def member_mps(self) -> dict[str, float]:
        """Route (ISO code, ``"*"``: every other country) → the MPS of the member that serves it."""
        return {**dict(self.members), "*": self.mps}

    def _backlog(self, countries: list[str]) -> list[Planned]:
        """``backlog_seconds`` of single-part reminders to each of ``countries`` at its member's MPS, interleaved, all
        queued at once."""
        mps = self.member_mps()
        counts = {country: math.ceil(mps[country] * self.backlog_seconds) for country in countries}
        order = sorted((n / counts[c], i, c, n) for i, c in enumerate(countries) for n in range(counts[c]))
        return [
            Planned(
                0.0,
                f"reminder-{'other' if country == '*' else country}-{n:06d}",
                ROUTE_NUMBERS[country].format(n=n),
                f"Acme Clinic: a reminder of your appointment on Tuesday at {9 + n % 8}:{n % 6}0. Reply C to confirm.",
                producer="reminders",
            )
            for _, _, country, n in order
        ]

    def _passcodes(self) -> list[Planned]:
        """A GB passcode every ~``trickle_every`` s (±50 %) for ``backlog_seconds``."""
        rng = random.Random(self.seed)
        planned: list[Planned] = []
        at = rng.uniform(0.5, 1.5) * self.trickle_every
        while at < self.backlog_seconds:
            n = len(planned)
            planned.append(
                Planned(
                    at,
                    f"gb-code-{n:05d}",
                    ROUTE_NUMBERS["GB"].format(n=900_000 + n),
                    f"Your Acme Clinic code is {rng.randrange(10**6):06d}. It expires in 5 minutes.",
                    producer="passcodes",
                )
            )
            at += rng.uniform(0.5, 1.5) * self.trickle_every
        return planned

    def traffic(self, run: str) -> list[Planned]:
        """The traffic of ``run`` (:attr:`MIXED`, :attr:`WITH_CA` or :attr:`GB_ALONE`)."""
        if run == self.MIXED:
            return self._backlog(list(self.member_mps()))
        if run == self.WITH_CA:
            mps = self.member_mps()["CA"]
            arriving = [
                Planned(
                    (n + 1) / mps,
                    f"reminder-CA-more-{n:06d}",
                    ROUTE_NUMBERS["CA"].format(n=5000 + n),
                    "Acme Clinic: your results are ready. Log in to see them, or call us on 0800 123 456.",
                    producer="reminders",
                )
                for n in range(math.floor(mps * self.backlog_seconds))
            ]
            return [*self._backlog(["CA"]), *arriving, *self._passcodes()]
        return self._passcodes()

    def run(self, deployments: Deployments | None = None) -> ScenarioReport:
        """The three runs, the report and the checks."""
        options = self.options()
        deployment = _deployment(options, deployments)
        runs = {
            label: simulate(options, deployment=deployment, traffic=self.traffic(label))
            for label in (self.MIXED, self.WITH_CA, self.GB_ALONE)
        }
        mixed = runs[self.MIXED]
        members = self.member_mps()
        per_route = {country: _route_figures(mixed, country, mps) for country, mps in members.items()}
        over = {
            label: {c: _windows_over(result.sms.route_offered.get(c, []), mps) for c, mps in members.items()}
            for label, result in runs.items()
        }
        throttled = {label: sum(result.sms.route_throttled.values()) for label, result in runs.items()}
        waits = {label: _times_to_send(runs[label], "gb-code-") for label in (self.WITH_CA, self.GB_ALONE)}
        p50 = {label: _percentile(w, 0.5) for label, w in waits.items()}
        p99 = {label: _percentile(w, 0.99) for label, w in waits.items()}
        ca_drain = _route_figures(runs[self.WITH_CA], "CA", members["CA"])
        route_settings = ", ".join(f"{c}: {m:g}" for c, m in self.routes) or "none"
        pollers = ", ".join(f"{c} {n}" for c, _, n in deployment.routes) or "none"
        lines = [
            f"Scenario {self.name}: one pool, members CA {members['CA']:g} MPS (long code), GB {members['GB']:g} "
            f"(sender ID), MX {members['MX']:g} (shared routes), every other country {self.mps:g} (the fake SMS API "
            f"meters each country at its member's MPS); {self.backlog_seconds:g} s of backlog per route; seed "
            f"{self.seed}",
            f"SmsSendQueue(max_parts_per_second={self.mps:g}, routes: {route_settings}); pollers per parking queue "
            f"(MaximumConcurrency from the template): {pollers}; send queue {deployment.max_concurrency}",
            "",
            f"Mixed backlog (each route's reminders at its MPS, interleaved, queued at once; simulated "
            f"{mixed.ended_at - mixed.started_at:.0f} s in {mixed.wall_seconds:.1f} s)",
            "  route   MPS   parts  parts/s / MPS  busiest 1 s (calls)  over MPS  throttled  parked",
            *(
                f"  {country:<5} {members[country]:>5g} {f['parts']:>7,} {f['rate']:>14.3f} "
                f"{f['busiest']:>8} ({f['busiest_offered']:>3}) {over[self.MIXED][country]:>13} "
                f"{mixed.sms.route_throttled[country]:>10} {f['parked']:>7,.0f}"
                for country, f in per_route.items()
            ),
            "  (busiest 1 s: parts accepted by the SMS API in any 1-second window; calls: offered, throttled ones "
            "included)",
            "",
            f"GB passcodes, one every ~{self.trickle_every:g} s, enqueue -> SendTextMessage",
            f"  with a CA backlog   p50 {p50[self.WITH_CA]:.2f} s, p99 {p99[self.WITH_CA]:.2f} s, max "
            f"{max(waits[self.WITH_CA], default=0.0):.2f} s ({len(waits[self.WITH_CA])} sent; the CA backlog of "
            f"{ca_drain['parts']:,} drained at {ca_drain['rate']:.3f} of its MPS, {ca_drain['parked']:,.0f} parked)",
            f"  without it          p50 {p50[self.GB_ALONE]:.2f} s, p99 {p99[self.GB_ALONE]:.2f} s, max "
            f"{max(waits[self.GB_ALONE], default=0.0):.2f} s ({len(waits[self.GB_ALONE])} sent)",
        ]
        slow = {c: f["rate"] for c, f in per_route.items() if f["rate"] < 0.95}
        checks = [
            Check(
                "every route at >= 0.95 of its MPS",
                not slow,
                ", ".join(f"{c} {f['rate']:.3f}" for c, f in per_route.items()),
            ),
            Check(
                "no route over its MPS in any 1-second window",
                not any(n for per in over.values() for n in per.values()),
                "; ".join(f"{label}: " + ", ".join(f"{c} {n}" for c, n in per.items()) for label, per in over.items()),
            ),
            Check(
                "0 throttled by the SMS API",
                not any(throttled.values()),
                "; ".join(f"{label}: {n}" for label, n in throttled.items()),
            ),
            Check(
                "GB not held up by the CA backlog (p99 within 1 s of without it)",
                bool(waits[self.WITH_CA])
                and len(waits[self.WITH_CA]) == len(waits[self.GB_ALONE])
                and p99[self.WITH_CA] <= p99[self.GB_ALONE] + 1.0,
                f"p99 {p99[self.WITH_CA]:.2f} s with it, {p99[self.GB_ALONE]:.2f} s without",
            ),
            _nothing_lost(runs),
            _nothing_twice(runs),
        ]
        figures: dict[str, float] = {
            **{f"{c}_rate": f["rate"] for c, f in per_route.items()},
            **{f"{c}_busiest_second": f["busiest"] for c, f in per_route.items()},
            **{f"{c}_parked": f["parked"] for c, f in per_route.items()},
            "windows_over": sum(n for per in over.values() for n in per.values()),
            "throttled": sum(throttled.values()),
            "gb_p50_with_ca_backlog": p50[self.WITH_CA],
            "gb_p99_with_ca_backlog": p99[self.WITH_CA],
            "gb_p50_without": p50[self.GB_ALONE],
            "gb_p99_without": p99[self.GB_ALONE],
            "gb_codes": len(waits[self.WITH_CA]),
        }
        return ScenarioReport(self.name, lines, checks, runs, figures)


def _route_figures(result: SimulationResult, route: str, mps: float) -> dict[str, float]:
    """Of ``route``'s accepted sends: parts, parts per second ÷ ``mps`` from its first send to the end of its last
    send's slot, the busiest 1-second window (of accepted parts, and of the parts of every call offered), and the
    records parked (``RouteParked`` with dimension ``Route``)."""
    sms = result.sms
    sends = sorted((s.at, s.parts) for s in sms.sends if sms.route_of(s.params["DestinationPhoneNumber"]) == route)
    parts = sum(p for _, p in sends)
    span = sends[-1][0] - sends[0][0] + sends[-1][1] / mps if sends else 0.0
    offered = sorted(sms.route_offered.get(route, []))
    return {
        "parts": parts,
        "rate": parts / span / mps if span else 0.0,
        "busiest": max((n for n, _ in one_second_windows(sends)), default=0),
        "busiest_offered": max((n for n, _ in one_second_windows(offered)), default=0),
        "parked": sum(
            v.value for v in result.metric_values if v.name == "RouteParked" and v.dimension("Route") == route
        ),
    }


def _windows_over(calls: list[tuple[float, int]], mps: float) -> int:
    """1-second windows of ``calls`` (time, parts: every call offered to a route's meter) holding more than its MPS
    allows: ``MPS - 1 + k`` parts, ``k`` the parts of the window's last call (a message's parts go at once)."""
    return sum(1 for parts, last in one_second_windows(sorted(calls)) if parts >= mps + last)


def _times_to_send(result: SimulationResult, prefix: str) -> list[float]:
    """Seconds from enqueue to the first accepted ``SendTextMessage`` of each request whose id starts with
    ``prefix``."""
    first = _first_sends(result)
    return [first[rid] - result.enqueued_at[rid] for rid in result.outcomes if rid.startswith(prefix) and rid in first]


#: The scenarios by name, each built with its defaults.
SCENARIOS: Final[dict[str, Callable[[], OtpUnderBacklog | RunawayProducer | WordProcessor | MixedCountryPool]]] = {
    OtpUnderBacklog.name: OtpUnderBacklog,
    RunawayProducer.name: RunawayProducer,
    WordProcessor.name: WordProcessor,
    MixedCountryPool.name: MixedCountryPool,
}


def run_scenario(name: str, *, seed: int | None = None, deployments: Deployments | None = None) -> ScenarioReport:
    """Run scenario ``name`` with its defaults (and ``seed``, when given)."""
    scenario = SCENARIOS[name]()
    if seed is not None:
        scenario = replace(scenario, seed=seed)
    return scenario.run(deployments)
