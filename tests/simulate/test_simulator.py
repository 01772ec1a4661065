"""A fast run of the whole pipeline offline (``make simulate`` runs 10,000 requests; this runs a few hundred): the real
handlers, the constructs' settings, the lake and the named queries — and the check that nothing is lost or sent twice.
"""

from __future__ import annotations

from collections import Counter

import pytest

from sms_constructs.simulate.__main__ import main, report
from sms_constructs.simulate.run import Deployment, SimulationOptions, SimulationResult, deploy, simulate

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

OPTIONS = SimulationOptions(messages=240, mps=20, seed=3, failure_scale=4.0, opt_out_rate=0.03, special_numbers=0.1)


@pytest.fixture(scope="module")
def deployment() -> Deployment:
    return deploy(OPTIONS)


@pytest.fixture(scope="module")
def result(deployment: Deployment) -> SimulationResult:
    return simulate(OPTIONS, deployment=deployment)


def test_settings_come_from_the_synthesized_constructs(deployment: Deployment) -> None:
    assert deployment.sender.max_parts_per_second == 20
    assert deployment.max_concurrency == 10  # SmsSendQueue's default: max(2, ceil(MPS x 0.5))
    assert deployment.retry.max_attempts == 3  # RetryPolicy's default
    assert deployment.send_max_receive_count == 10
    assert deployment.send_queue_visibility == 6 * deployment.sender_timeout


def test_nothing_is_lost_or_sent_twice_and_every_path_is_taken(result: SimulationResult) -> None:
    assert (result.lost, result.duplicates, result.dead_letters) == (0, 0, 0)
    kinds = Counter(o.kind for o in result.outcomes.values())
    assert set(kinds) == {"delivered", "failed", "rejected"}
    assert sum(kinds.values()) == OPTIONS.messages
    assert any(o.attempts > 1 for o in result.outcomes.values() if o.kind == "delivered")  # retried and recovered
    rejected = Counter(o.detail for o in result.outcomes.values() if o.kind == "rejected")
    assert rejected["DESTINATION_PHONE_NUMBER_OPTED_OUT"] > 0
    assert result.metrics["MessagesSent"] == len(result.sms.sends)
    assert result.metrics["RetriesScheduled"] > 0


def test_pacing_holds_the_bound_and_the_service_never_throttles(result: SimulationResult) -> None:
    assert result.sms.throttled == 0
    assert result.over_the_bound() == 0
    assert result.busiest_second() <= OPTIONS.mps - 1 + 4  # messages of at most 4 parts in this mix
    assert result.parts_per_second() == pytest.approx(OPTIONS.mps, rel=0.05)


def test_the_named_queries_on_the_lake_agree_with_the_ground_truth(result: SimulationResult) -> None:
    latest = Counter(row["messagestatus"] for row in result.queries["latest_status"])
    finals = Counter(send.status for send in result.sms.sends)
    assert latest == finals
    billed = sum(send.parts for send in result.sms.sends if send.status not in {"BLOCKED", "INVALID", "SPAM"})
    spend_parts = sum(row["message_parts"] for row in result.queries["spend_by_day_country_type"])
    assert spend_parts == sum(send.parts for send in result.sms.sends)
    assert billed <= spend_parts
    retried = {row["attempts"]: row for row in result.queries["retry_outcomes"]}
    assert retried[1]["requests"] + sum(r["requests"] for a, r in retried.items() if a > 1) == len(
        {rid for rid, _ in result.sms.sent_request_ids()}
    )


def test_the_same_seed_gives_the_same_run(deployment: Deployment, result: SimulationResult) -> None:
    again = simulate(OPTIONS, deployment=deployment)
    assert [(s.at, s.message_id, s.status) for s in again.sms.sends] == [
        (s.at, s.message_id, s.status) for s in result.sms.sends
    ]
    assert {k: (o.kind, o.detail) for k, o in again.outcomes.items()} == {
        k: (o.kind, o.detail) for k, o in result.outcomes.items()
    }


def test_the_report_ends_with_the_check_line(result: SimulationResult) -> None:
    text = report(result)
    assert text.splitlines()[-1] == "0 lost, 0 sent twice"
    assert "retried and recovered" in text
    assert "latest_status" in text


def test_the_check_fails_the_command_when_a_request_is_lost(result: SimulationResult) -> None:
    outcome = next(iter(result.outcomes.values()))
    kind, outcome.kind = outcome.kind, "lost"
    try:
        assert report(result).splitlines()[-1] == "1 lost, 0 sent twice"
    finally:
        outcome.kind = kind


def test_the_command_line_runs_and_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--messages", "40", "--mps", "5", "--seed", "1", "--no-progress", "--no-after-send"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "0 lost, 0 sent twice"
