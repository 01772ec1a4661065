"""The ``make simulate`` scenarios at small sizes: lanes (one-time codes under a bulk backlog), quotas per producer (a
runaway producer over a UTC midnight), GSM-7 normalisation (a message set pasted from a word processor) and pacing per
route (a mixed-country pool), each through the real sender on the simulated clock — and, for each check, a broken
variant that makes it fail."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sms_constructs_runtime.quotas import QuotaStore

from sms_constructs.simulate import scenarios
from sms_constructs.simulate.__main__ import main
from sms_constructs.simulate.fake_sms import FakeSms
from sms_constructs.simulate.run import Deployment, SimulationOptions, _handlers, _MetricSink
from sms_constructs.simulate.scenarios import (
    Deployments,
    MixedCountryPool,
    OtpUnderBacklog,
    RunawayProducer,
    ScenarioReport,
    WordProcessor,
)
from tests.simulate.broken_scenarios import always_normalize, read_then_write_consume, wait_on_route

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

#: 400 s of backlog at 4 MPS (1,600 reminders): codes queued in its first 100 s expire without lanes.
OTP = OtpUnderBacklog(mps=4, backlog_seconds=400, otp_every=3.0)
#: A daily budget of 40 parts overrun five times, two hours before midnight.
RUNAWAY = RunawayProducer(daily_parts=40, appointments=30, appointment_every=20, hours_after_midnight=0.25)
WORDS = WordProcessor(messages=44)
#: 20 s of backlog per route (CA 20, GB 200, MX 400 and 100 to Germany on "*"), GB passcodes every ~0.5 s for 20 s.
POOL = MixedCountryPool(backlog_seconds=20)


@pytest.fixture(scope="module")
def deployments() -> Deployments:
    return {}


@pytest.fixture(scope="module")
def otp(deployments: Deployments) -> ScenarioReport:
    return OTP.run(deployments)


@pytest.fixture(scope="module")
def runaway(deployments: Deployments) -> ScenarioReport:
    return RUNAWAY.run(deployments)


@pytest.fixture(scope="module")
def words(deployments: Deployments) -> ScenarioReport:
    return WORDS.run(deployments)


def check(report: ScenarioReport, name: str) -> Any:
    [found] = [c for c in report.checks if c.name == name]
    return found


@pytest.fixture(scope="module")
def pool(deployments: Deployments) -> ScenarioReport:
    return POOL.run(deployments)


@pytest.fixture
def sender_module(deployments: Deployments) -> Iterator[Any]:
    """The sender handler module the pipeline runs (imported as Lambda imports it), to break a piece of it."""
    settings = scenarios._deployment(WORDS.options(), deployments).sender
    with _handlers(None, _MetricSink(), settings) as modules:
        yield modules[0]


# -- otp-under-backlog ---------------------------------------------------------------------------------------------


def test_the_lanes_run_reads_each_lane_and_its_pollers_from_the_template(otp: ScenarioReport) -> None:
    deployment = otp.runs["with lanes"].deployment
    assert deployment.lanes == (("urgent", 2), ("bulk", 2))  # SendLane max_concurrency; bulk: max(2, ceil(4 x 0.5))
    assert deployment.default_lane == "bulk"
    assert [item.split("=")[0] for item in deployment.sender.lanes] == ["urgent", "bulk"]
    assert deployment.sender.lanes[1].endswith("/sms-simulator-send")  # the default lane's queue is the send queue
    assert deployment.retry.lanes == deployment.sender.lanes
    assert Deployment.from_dict(deployment.to_dict()) == deployment
    without = otp.runs["without lanes"].deployment
    assert (without.lanes, without.default_lane, without.sender.lanes) == ((), None, ())


def test_otps_on_the_urgent_lane_are_sent_within_the_target_and_none_expires(otp: ScenarioReport) -> None:
    assert not otp.failed, otp.text()
    assert otp.figures["otps"] > 100
    assert otp.figures["otps_expired"] == 0
    assert otp.figures["urgent_p99_seconds"] <= otp.figures["urgent_p99_target_seconds"]
    assert otp.figures["bulk_share_of_budget_left"] >= 0.95
    result = otp.runs["with lanes"]
    assert result.sms.throttled == 0
    assert result.over_the_bound() == 0  # the lanes together keep the identity's MPS
    lanes_seen = {v.dimension("Lane") for v in result.metric_values if v.name == "TimeToSend"}
    assert lanes_seen == {"urgent", "bulk"}
    assert otp.check_line() == "otp-under-backlog: 4 of 4 checks passed"


def test_without_lanes_the_same_otps_expire_behind_the_backlog(otp: ScenarioReport) -> None:
    assert otp.figures["otps_expired_without_lanes"] > 10
    without = otp.runs["without lanes"]
    expired = [o for rid, o in without.outcomes.items() if rid.startswith("otp-") and o.detail == "EXPIRED"]
    assert all(o.kind == "rejected" for o in expired)  # rejected with a recorded reason, never lost or sent late
    assert "(behind the backlog)" in otp.text()


def test_with_the_lanes_removed_the_otp_checks_fail(deployments: Deployments) -> None:
    broken = replace(OTP, lanes=(), contrast=False).run(deployments)
    assert not check(broken, "0 one-time codes expired with lanes").passed
    assert not check(broken, "urgent p99 within one batch's slot + 2 s").passed
    assert check(broken, "0 lost").passed  # expired codes are rejections with a reason, not losses
    assert broken.check_line().startswith("otp-under-backlog: FAILED 2 of 4 checks")


# -- runaway-producer ----------------------------------------------------------------------------------------------


def test_the_runaway_is_held_at_its_budget_and_flows_again_after_midnight(runaway: ScenarioReport) -> None:
    assert not runaway.failed, runaway.text()
    figures = runaway.figures
    assert (figures["runaway_day_1_parts"], figures["runaway_day_2_parts"]) == (40, 40)
    assert figures["runaway_held_day_1"] == 160
    assert figures["runaway_still_held"] == 120  # held, on the send queue: never rejected, never dead-lettered
    assert figures["runaway_rejected"] == 0
    result = runaway.runs["the run"]
    assert result.dead_letters == 0
    assert all(result.outcomes[rid].kind == "lost" for rid in result.queued)  # undecided: still held
    assert len(result.queued) == 120


def test_quota_used_crosses_80_and_100_percent_and_the_other_producer_is_unaffected(runaway: ScenarioReport) -> None:
    text = runaway.text()
    assert "QuotaUsed (Day)          80 % at 22:00:" in text
    assert ", 100 % at 22:00:" in text
    result = runaway.runs["the run"]
    used = [v.value for v in result.metric_values if v.name == "QuotaUsed" and v.dimension("Producer") == "campaigns"]
    assert max(used) == 100
    assert any(80 <= value < 100 for value in used)
    assert runaway.figures["appointments_p99_seconds"] < 5
    assert check(runaway, "appointments unaffected").passed


def test_a_quota_store_that_reads_then_writes_overruns_the_budget(
    deployments: Deployments, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QuotaStore, "consume", read_then_write_consume)
    broken = RUNAWAY.run(deployments)
    assert not check(broken, "campaigns never over its budget in a UTC day").passed
    # two senders read the same usage and both count their parts: at the latest when the held requests all come
    # back at midnight
    assert max(broken.figures["runaway_day_1_parts"], broken.figures["runaway_day_2_parts"]) > 40


def test_a_sender_that_drops_held_requests_loses_them(
    deployments: Deployments, sender_module: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sender_module.Sender, "_hold", lambda *_: None)  # deleted, never sent
    broken = RUNAWAY.run(deployments)
    assert not check(broken, "0 lost").passed
    assert "the run: 160 lost" in check(broken, "0 lost").detail


# -- word-processor ------------------------------------------------------------------------------------------------


def test_pasted_text_is_sent_in_fewer_parts_and_ucs2_messages_are_left_alone(words: ScenarioReport) -> None:
    assert not words.failed, words.text()
    figures = words.figures
    assert figures["parts_sent"] < figures["parts_written"]
    assert figures["parts_saved_metric"] == figures["parts_written"] - figures["parts_sent"]
    assert figures["spend_saved_usd"] > 0
    text = words.text()
    assert "needs UCS-2 for U+1F389 PARTY POPPER" in text
    assert "needs UCS-2 for U+2022 BULLET" in text
    assert "normalising would take more parts (1 -> 2)" in text
    result = words.runs["the run"]
    sent = {s.params["Context"]["smsRequestId"]: s.params["MessageBody"] for s in result.sms.sends}
    joined = [rid for rid, o in result.outcomes.items() if "\u200d" in o.request.message_body]
    assert joined
    assert all("\u200d" in sent[rid] for rid in joined)  # the emoji sequence kept its zero-width joiners


def test_a_normaliser_that_always_applies_fails_the_checks(
    deployments: Deployments, sender_module: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sender_module, "normalize_gsm7", always_normalize)
    broken = WORDS.run(deployments)
    assert not check(broken, "normalisation never increased parts").passed
    assert not check(broken, "never touched a message that needs UCS-2 for other characters").passed
    assert check(broken, "0 lost").passed


def test_the_command_runs_a_scenario_and_exits_1_when_a_check_fails(
    deployments: Deployments, sender_module: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    small = WordProcessor(messages=22)
    scenarios._deployment(small.options(), deployments)
    monkeypatch.setitem(scenarios.SCENARIOS, "word-processor", lambda: small)
    monkeypatch.setattr(scenarios, "deploy", deployments.__getitem__)  # synthesized once, above
    assert main(["--scenario", "word-processor"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "word-processor: 5 of 5 checks passed"
    monkeypatch.setattr(sender_module, "normalize_gsm7", always_normalize)
    assert main(["--scenario", "word-processor"]) == 1
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("word-processor: FAILED 2 of 5 checks: normalisation never increased parts")


def test_every_scenario_is_a_choice_of_the_command() -> None:
    assert sorted(scenarios.SCENARIOS) == [
        "mixed-country-pool",
        "otp-under-backlog",
        "runaway-producer",
        "word-processor",
    ]
    assert SimulationOptions().lanes == ()  # the default run has no lanes, quotas or planned traffic
    assert (SimulationOptions().routes, SimulationOptions().api_route_mps()) == ((), {})  # nor routes


# -- mixed-country-pool --------------------------------------------------------------------------------------------


def test_the_fake_sms_api_throttles_a_burst_over_a_countrys_mps_and_meters_each_country_on_its_own() -> None:
    now = [0.0]
    sms = FakeSms(lambda: now[0], mps=5, route_mps={"CA": 1, "GB": 10})
    send = {"OriginationIdentity": "pool-1", "MessageBody": "Your code is 123456"}
    sms.send_text_message(DestinationPhoneNumber="+14165550100", **send)  # Toronto: CA, 1 MPS
    with pytest.raises(sms.exceptions.ThrottlingException):
        sms.send_text_message(DestinationPhoneNumber="+15145550100", **send)  # Montreal, the same second: over CA's
    for n in range(10):  # GB's own 10 in that second, whatever CA did
        sms.send_text_message(DestinationPhoneNumber=f"+4477009000{n:02d}", **send)
    with pytest.raises(sms.exceptions.ThrottlingException):
        sms.send_text_message(DestinationPhoneNumber="+447700900099", **send)
    for n in range(5):  # a US and a German number share "*" (not named: the identity's mps, 5)
        sms.send_text_message(DestinationPhoneNumber=f"+1206555010{n}" if n % 2 else f"+491512345678{n}", **send)
    with pytest.raises(sms.exceptions.ThrottlingException):
        sms.send_text_message(DestinationPhoneNumber="+12065550199", **send)
    now[0] = 1.0
    sms.send_text_message(DestinationPhoneNumber="+14165550101", **send)  # a second later: CA again
    assert (sms.throttled, dict(sms.route_throttled)) == (3, {"CA": 1, "GB": 1, "*": 1})
    assert {route: len(calls) for route, calls in sms.route_offered.items()} == {"CA": 3, "GB": 11, "*": 6}
    assert [s.country for s in sms.sends if s.params["DestinationPhoneNumber"].startswith("+1416")] == ["CA", "CA"]
    assert FakeSms(lambda: 0.0).route_of("+14165550100") is None  # without route_mps: one meter per identity


def test_the_routes_run_reads_each_parking_queue_and_its_pollers_from_the_template(pool: ScenarioReport) -> None:
    deployment = pool.runs[MixedCountryPool.MIXED].deployment
    # MaximumConcurrency of each parking queue's mapping: max(2, ceil(MPS x 0.5)); "*" at the queue's 5 MPS
    assert deployment.routes == (("CA", 1.0, 2), ("GB", 10.0, 5), ("MX", 20.0, 10), ("*", 5.0, 3))
    assert deployment.sender.routes == ("CA=1", "GB=10", "MX=20", "*=5")
    assert deployment.sender.route_parking_queues == tuple(
        f"{country}={deployment.route_queue_url(country)}" for country in ("CA", "GB", "MX", "*")
    )
    assert Deployment.from_dict(deployment.to_dict()) == deployment
    for label, result in pool.runs.items():  # every parking queue drained: nothing left on any queue
        assert result.queued == {}, label
    assert "pollers per parking queue (MaximumConcurrency from the template): CA 2, GB 5, MX 10, * 3" in pool.text()


def test_each_route_is_paced_at_its_members_mps_and_never_over_it(pool: ScenarioReport) -> None:
    assert not pool.failed, pool.text()
    figures = pool.figures
    for route, mps in {"CA": 1, "GB": 10, "MX": 20, "*": 5}.items():
        assert figures[f"{route}_rate"] >= 0.95, route
        assert figures[f"{route}_busiest_second"] == mps, route  # the full MPS in some second, never more
        assert figures[f"{route}_parked"] > 0, route  # a backlog queued at once waits on its parking queue
    assert (figures["windows_over"], figures["throttled"]) == (0, 0)
    mixed = pool.runs[MixedCountryPool.MIXED]
    sent = {country: sum(s.parts for s in mixed.sms.sends if s.country == country) for country in ("CA", "GB", "MX")}
    assert sent == {"CA": 20, "GB": 200, "MX": 400}  # by the fake's own country table
    assert mixed.metrics["RouteParked"] == sum(figures[f"{r}_parked"] for r in ("CA", "GB", "MX", "*"))
    assert pool.check_line() == "mixed-country-pool: 6 of 6 checks passed"


def test_gb_passcodes_are_not_held_up_by_a_ca_backlog(pool: ScenarioReport) -> None:
    figures = pool.figures
    assert figures["gb_codes"] > 30
    assert figures["gb_p99_with_ca_backlog"] <= figures["gb_p99_without"] + 1.0
    with_ca = pool.runs[MixedCountryPool.WITH_CA]
    ca = sorted(s.at for s in with_ca.sms.sends if s.country == "CA")
    assert len(ca) == 40  # 20 queued at once, 20 more arriving at 1 per second
    assert all(later - earlier > 0.999 for earlier, later in itertools.pairwise(ca))  # 1 MPS, never faster


def test_with_the_routes_removed_the_pace_checks_fail(deployments: Deployments) -> None:
    broken = replace(POOL, routes=()).run(deployments)
    assert broken.runs[MixedCountryPool.MIXED].deployment.routes == ()
    assert not check(broken, "every route at >= 0.95 of its MPS").passed  # all paced together at the queue's 5
    assert broken.figures["GB_rate"] < 0.5
    assert not check(broken, "0 throttled by the SMS API").passed  # a CA backlog sent at 5 MPS to a 1 MPS member
    assert not check(broken, "no route over its MPS in any 1-second window").passed
    assert broken.runs[MixedCountryPool.WITH_CA].sms.route_throttled["CA"] > 0
    assert check(broken, "0 lost").passed  # throttled sends are retried, not lost
    assert check(broken, "0 sent twice").passed


def test_a_sender_that_never_parks_holds_gb_up_behind_ca_and_the_command_exits_1(
    deployments: Deployments, pool: ScenarioReport, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = scenarios._deployment(POOL.options(), deployments).sender
    monkeypatch.setitem(scenarios.SCENARIOS, "mixed-country-pool", lambda: POOL)
    monkeypatch.setattr(scenarios, "deploy", deployments.__getitem__)  # synthesized once, for the pool fixture
    with _handlers(None, _MetricSink(), settings) as modules:  # the module the pipeline imports (it stays imported)
        monkeypatch.setattr(modules[0].Sender, "_acquire_on_route", wait_on_route)
    assert main(["--scenario", "mixed-country-pool"]) == 1
    out = capsys.readouterr().out
    assert "GB not held up by the CA backlog (p99 within 1 s of without it)" in out.strip().splitlines()[-1]
    assert "[FAILED] GB not held up by the CA backlog" in out
    assert "[ok] 0 lost" in out
