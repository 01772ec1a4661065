"""After the send, offline: the real status and inbound handlers in the simulated pipeline, with duplicate and late SMS
events and out-of-order, duplicated replies — and checks that fail when a handler loses or duplicates something."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sms_constructs_runtime import status as status_runtime
from sms_constructs_runtime.consent import ConsentLedger, DedupTable

from sms_constructs.simulate.__main__ import main, report
from sms_constructs.simulate.after_send import CONFIRM_KEYWORD, INBOUND_PAYLOAD, matches_filter
from sms_constructs.simulate.run import Deployment, SimulationOptions, SimulationResult, deploy, simulate

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

REFERENCE_PAYLOAD = (
    Path(__file__).resolve().parents[1] / "handlers/inbound_events/11-awsdoc-two-way-inbound-sns-payload.json"
)
OPTIONS = SimulationOptions(
    messages=80,
    mps=20,
    seed=5,
    failure_scale=4.0,
    opt_out_rate=0.03,
    one_time_codes=0.3,
    after_send=True,
    duplicate_events=0.2,
    late_events=0.1,
    inbound_recipients=12,
    inbound_duplicates=0.5,
)


@pytest.fixture(scope="module")
def deployment() -> Deployment:
    return deploy(OPTIONS)


@pytest.fixture(scope="module")
def result(deployment: Deployment) -> SimulationResult:
    return simulate(OPTIONS, deployment=deployment)


def after(result: SimulationResult) -> Any:
    assert result.after_send is not None
    return result.after_send


def test_the_settings_come_from_the_synthesized_notifier_and_inbound(deployment: Deployment) -> None:
    assert deployment.after_send is not None
    assert deployment.sender.record_statuses  # enable_store_stream() turned it on
    assert set(deployment.after_send.status.retried_statuses) == set(deployment.retry.statuses)
    assert CONFIRM_KEYWORD in deployment.after_send.inbound.keyword_routes()
    assert deployment.after_send.stream_batch_size == 100
    assert Deployment.from_dict(json.loads(json.dumps(deployment.to_dict()))) == deployment


def test_the_stream_filter_is_the_synthesized_one(deployment: Deployment) -> None:
    assert deployment.after_send is not None
    filters = deployment.after_send.stream_filters

    def passes(pk: str, sk: str, event_name: str = "INSERT") -> bool:
        record = {"eventName": event_name, "dynamodb": {"NewImage": {"pk": {"S": pk}, "sk": {"S": sk}}}}
        return any(matches_filter(f, record) for f in filters)

    assert passes("request#r-1", "attempt#01")
    assert passes("message#m-1", "retry", "MODIFY")
    assert not passes("request#r-1", "status")  # the notifier's own writes never come back to it
    assert not passes("message#m-1", "message")
    assert not passes("request#r-1", "attempt#01", "REMOVE")


def test_the_replies_are_the_documented_payload_with_other_values() -> None:
    assert json.loads(INBOUND_PAYLOAD.read_text()) == json.loads(REFERENCE_PAYLOAD.read_text())


def test_both_paths_lose_nothing_and_duplicate_nothing(result: SimulationResult) -> None:
    checks = after(result)
    assert (result.lost, result.duplicates) == (0, 0)
    status, inbound = checks.status, checks.inbound
    assert (status.lost, status.duplicated, status.backwards, status.invalid, status.dead_letters) == (0, 0, 0, 0, 0)
    assert (inbound.lost, inbound.duplicated, inbound.invalid, inbound.dead_letters) == (0, 0, 0, 0)
    assert status.schema_checked
    assert inbound.schema_checked
    # the disorder was there to be survived
    assert status.copies > 0
    assert status.late > 0
    assert result.metrics["StatusChangesSuperseded"] > 0
    assert inbound.copies > 0
    assert result.metrics["DuplicateInboundMessages"] == inbound.copies


def test_every_decided_request_ends_final_and_matches_the_ground_truth(result: SimulationResult) -> None:
    timelines = after(result).status.timelines
    for request_id, outcome in result.outcomes.items():
        last = timelines[request_id][-1]
        assert last["isFinal"], request_id
        if outcome.kind == "delivered":
            assert last["status"] == outcome.detail
        elif outcome.kind == "rejected":
            assert last["status"] in ("REJECTED", "EXPIRED")
    assert any(e["status"] == "RETRIED" for events in timelines.values() for e in events)


def test_inbound_messages_replies_and_the_ledger(result: SimulationResult) -> None:
    inbound = after(result).inbound
    scripts = after(result).scripts
    assert sum(inbound.by_classification.values()) == inbound.messages == len(scripts)
    assert set(inbound.by_classification) == {"OPT_OUT", "OPT_IN", "HELP", "KEYWORD", "OTHER"}
    assert inbound.replies_sent + inbound.replies_rejected == inbound.replies_expected
    assert inbound.replies_expected == inbound.by_classification["KEYWORD"] > inbound.replies_rejected
    assert inbound.ledger_wrong == 0
    states = Counter(entry["state"] for entry in inbound.ledger.values())
    assert states["OPTED_OUT"] > 0
    assert states["OPTED_IN"] > 0
    # the reversed pairs: the ledger follows the messages' time, not their arrival
    reversed_numbers = {s.number: s for s in scripts if "reversed" in s.scenario}
    for number in reversed_numbers:
        newest = max((s for s in scripts if s.number == number), key=lambda s: s.at)
        assert inbound.ledger[number]["state"] == ("OPTED_OUT" if newest.keyword == "STOP" else "OPTED_IN")
    # the service's opt-out list followed the STOPs and STARTs
    opted_out = {n for n, e in inbound.ledger.items() if e["state"] == "OPTED_OUT"}
    assert opted_out <= result.sms.opted_out


def test_the_report_prints_timelines_the_inbound_summary_and_the_check_line(result: SimulationResult) -> None:
    text = report(result)
    assert text.splitlines()[-1] == "0 lost, 0 sent twice; status: 0 lost, 0 duplicated; inbound: 0 lost, 0 duplicated"
    for heading in ("  delivered: ", "  failed, retried: ", "  auto-reply: ", "consent ledger", "auto-replies sent"):
        assert heading in text
    assert "isFinal=true" in text
    assert "+1******" in text  # sample ledger entries are masked


# -- the checks can fail ------------------------------------------------------------------------------------------


@pytest.fixture
def unconditional_notifier(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A notifier that writes and publishes every change, without the rank condition."""
    apply = status_runtime.StatusStore.apply

    def apply_always(self: Any, change: Any, now_ms: int, claim: str = "") -> Any:
        try:
            item = apply(self, change, now_ms, claim)
        except status_runtime.ChangeInFlightError:
            item = None
        if item is not None:
            return item
        self._client.delete_item(TableName=self.table_name, Key=self._key(change.request_id))
        return apply(self, change, now_ms, claim)

    monkeypatch.setattr(status_runtime.StatusStore, "apply", apply_always)
    return


def test_a_notifier_without_the_conditional_write_is_caught(
    deployment: Deployment, unconditional_notifier: None
) -> None:
    broken = simulate(OPTIONS, deployment=deployment)
    status = after(broken).status
    assert status.duplicated > 0
    assert status.backwards > 0
    assert report(broken).splitlines()[-1].startswith("0 lost, 0 sent twice; status: ")
    assert f"status: {status.lost} lost, {status.duplicated} duplicated, {status.backwards} backwards" in report(broken)


def test_replies_handled_past_the_de_duplication_are_caught(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(DedupTable, "claim", lambda _self, _message_id, _now_ms: "CLAIMED")
    broken = after(simulate(OPTIONS, deployment=deployment)).inbound
    assert broken.duplicated > 0


def test_a_ledger_that_lets_an_older_message_win_is_caught(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = ConsentLedger.record

    def last_arrival_wins(self: Any, consent: Any) -> bool:
        record(self, consent)
        self.client.put_item(
            TableName=self.table_name,
            Item={
                "pk": {"S": consent.phone_number},
                "sk": {"S": "CURRENT"},
                "state": {"S": consent.state},
                "keyword": {"S": consent.keyword},
                "at": {"N": str(consent.at)},
                "inboundMessageId": {"S": consent.inbound_message_id},
                "destinationNumber": {"S": consent.destination_number},
            },
        )
        return True

    monkeypatch.setattr(ConsentLedger, "record", last_arrival_wins)
    broken = after(simulate(OPTIONS, deployment=deployment)).inbound
    assert broken.ledger_wrong > 0
    assert broken.lost >= broken.ledger_wrong


def test_the_command_exits_non_zero_when_the_after_send_check_fails(
    capsys: pytest.CaptureFixture[str], unconditional_notifier: None
) -> None:
    args = ["--messages", "40", "--mps", "5", "--seed", "1", "--no-progress", "--inbound-recipients", "4"]
    assert main([*args, "--duplicate-events", "0.5"]) == 1
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("0 lost, 0 sent twice; status: ")
    assert "0 lost, 0 duplicated; inbound" not in last
