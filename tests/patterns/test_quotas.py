"""Quotas per producer in the constructs: ``SmsSendQueue(quotas=...)`` renders the sender's settings (and nothing
without quotas), refuses bad budgets at synth, needs no new permission, ``SmsMonitoring`` alarms at 80 % and 100 % of
each budget, and the event lake's "spend by producer" named query adds the price per producer and day."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template
from sms_constructs_runtime.events import CONTEXT_ATTEMPT, CONTEXT_PRODUCER, CONTEXT_REQUEST_ID
from sms_constructs_runtime.quotas import Budget, parse_producer_quotas

from sms_constructs import ProducerQuota, SmsMonitoring, SmsSendQueue
from sms_constructs.patterns._analytics_queries import NAMED_QUERIES
from sms_constructs.simulate.lake import connect, run_query
from tests.conftest import ENV, cdk_json_context
from tests.patterns import analytics_fixture as fixture
from tests.patterns.conftest import build
from tests.patterns.test_event_analytics_queries import TODAY, days_ago

QUOTAS = {
    "appointments": ProducerQuota(daily_parts=5000, monthly_parts=100_000),
    "otp": ProducerQuota(monthly_parts=20_000),
}


def _stack(stack_id: str = "TestStack") -> cdk.Stack:
    return cdk.Stack(cdk.App(context=cdk_json_context()), stack_id, env=ENV)


@functools.cache
def _with_quotas() -> tuple[cdk.Stack, SmsSendQueue, SmsMonitoring, Template]:
    stack = _stack()
    _, config, queue = build(stack, quotas=QUOTAS)
    monitoring = SmsMonitoring(
        stack,
        "Monitoring",
        configuration_set=config,
        send_queue=queue,
        monthly_spend_limit_usd=100,
        alarm_name_prefix="acme-sms",
        runbook_url="https://sms.example.com/docs/operations/incidents.html",
    )
    return stack, queue, monitoring, Template.from_stack(stack)


def _sender(template: Template) -> dict[str, Any]:
    [sender] = [
        f["Properties"]
        for f in template.find_resources("AWS::Lambda::Function").values()
        if f["Properties"].get("Handler") == "sender.handler.main"
    ]
    return sender


def _sender_statements(stack: cdk.Stack, queue: SmsSendQueue, template: Template) -> list[dict[str, Any]]:
    role = stack.get_logical_id(queue.function.role.node.default_child)  # type: ignore[union-attr]
    statements = []
    for policy in template.find_resources("AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


# --- the sender's settings ------------------------------------------------------------------------------------------


def test_quotas_render_the_senders_producer_quotas() -> None:
    _, queue, _, template = _with_quotas()
    environment = _sender(template)["Environment"]["Variables"]
    assert environment["SMS_PRODUCER_QUOTAS"] == "appointments=5000/100000,otp=/20000"
    assert parse_producer_quotas(environment["SMS_PRODUCER_QUOTAS"].split(",")) == {
        "appointments": Budget(5000, 100_000),
        "otp": Budget(monthly=20_000),
    }
    assert queue.quotas == QUOTAS


def test_without_quotas_the_sender_has_no_quota_setting(synthesized: Any) -> None:
    _, template, queue, _ = synthesized
    assert "SMS_PRODUCER_QUOTAS" not in _sender(template)["Environment"]["Variables"]
    assert queue.quotas == {}


def test_quotas_need_no_new_permission_the_store_grant_covers_the_transaction(synthesized: Any) -> None:
    """A transaction's Update actions are authorised as ``dynamodb:UpdateItem`` (DynamoDB Developer Guide, "Using IAM
    with DynamoDB transactions"); the usage reads are ``GetItem``. Both are the sender's already, on the table alone."""
    default_stack, default_template, default_queue, _ = synthesized
    stack, queue, _, template = _with_quotas()
    with_quotas = _sender_statements(stack, queue, template)
    without = _sender_statements(default_stack, default_queue, default_template)
    assert [s["Action"] for s in with_quotas] == [s["Action"] for s in without]
    table = {"Fn::GetAtt": [stack.get_logical_id(queue.table.node.default_child), "Arn"]}
    [store] = [s for s in with_quotas if "dynamodb:UpdateItem" in s["Action"]]
    assert {"dynamodb:GetItem", "dynamodb:UpdateItem"} <= set(store["Action"])
    resources = store["Resource"] if isinstance(store["Resource"], list) else [store["Resource"]]
    assert resources == [table]  # no index, no other table
    every_action = {a for s in with_quotas for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
    assert not {a for a in every_action if a.startswith("dynamodb:") and ("Transact" in a or "Batch" in a)}


# --- validation ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quotas", "match"),
    [
        ({}, r"'quotas': must name at least one producer \(leave it out for no quotas\); received \{\}"),
        ({"has space": ProducerQuota(daily_parts=1)}, r"'quotas': names producers .*received 'has space'"),
        ({"x" * 65: ProducerQuota(daily_parts=1)}, r"'quotas': names producers"),
        ({"otp": ProducerQuota()}, r"'quotas\['otp'\]': needs daily_parts, monthly_parts or both"),
        ({"otp": ProducerQuota(daily_parts=0)}, r"'quotas\['otp'\].daily_parts': must be at least 1 part; received 0"),
        ({"otp": ProducerQuota(monthly_parts=-5)}, r"'quotas\['otp'\].monthly_parts': must be at least 1 part"),
        ({"otp": ProducerQuota(daily_parts=2.5)}, r"'quotas\['otp'\].daily_parts': must be a whole number"),
        ({"otp": ProducerQuota(daily_parts=True)}, r"'quotas\['otp'\].daily_parts': must be a whole number"),
        (
            {"otp": ProducerQuota(daily_parts=200, monthly_parts=100)},
            r"'quotas\['otp'\].daily_parts': must be at most monthly_parts \(100\)",
        ),
        ({"otp": 5000}, r"'quotas\['otp'\]': must be a ProducerQuota; received 5000"),
        ({f"p{n}": ProducerQuota(daily_parts=1) for n in range(51)}, r"'quotas': holds at most 50 producers"),
    ],
)
def test_fails_on_a_bad_quota(quotas: Any, match: str) -> None:
    stack = _stack()
    with pytest.raises(ValueError, match=match) as error:
        build(stack, quotas=quotas)
    assert str(error.value).startswith("TestStack/Send: invalid ")


def test_fails_on_quotas_that_are_not_a_mapping() -> None:
    with pytest.raises(ValueError, match=r"'quotas': must be a mapping of producer name to ProducerQuota"):
        build(_stack(), quotas=[ProducerQuota(daily_parts=1)])


def test_fails_on_a_quota_metric_of_an_unknown_producer_or_period() -> None:
    _, queue, _, _ = _with_quotas()
    with pytest.raises(ValueError, match=r"'producer': must be a producer of quotas \(appointments, otp\)"):
        queue.metric_quota_used("reports", "Day")
    with pytest.raises(ValueError, match=r"'quota_period': must be a budget of otp: Month; received 'Day'"):
        queue.metric_quota_used("otp", "Day")
    with pytest.raises(ValueError, match=r"'producer': must be 1-64 characters"):
        queue.metric_producer_parts("no spaces please")


# --- the alarms -----------------------------------------------------------------------------------------------------


def _alarm(template: Template, name: str) -> dict[str, Any]:
    [alarm] = [
        a["Properties"]
        for a in template.find_resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("AlarmName") == name
    ]
    return alarm


def test_two_alarms_per_producer_and_budget() -> None:
    _, _, monitoring, _ = _with_quotas()
    assert sorted(key for key in monitoring.alarms if key.startswith("Quota")) == [
        "QuotaExhausted.appointments.Day",
        "QuotaExhausted.appointments.Month",
        "QuotaExhausted.otp.Month",
        "QuotaWarning.appointments.Day",
        "QuotaWarning.appointments.Month",
        "QuotaWarning.otp.Month",
    ]


@pytest.mark.parametrize(
    ("kind", "threshold"), [("QuotaWarning", 80), ("QuotaExhausted", 100)], ids=["warning", "exhausted"]
)
@pytest.mark.parametrize(("producer", "period"), [("appointments", "Day"), ("appointments", "Month"), ("otp", "Month")])
def test_quota_alarm_reads_quota_used_maximum_per_producer_and_period(
    kind: str, threshold: int, producer: str, period: str
) -> None:
    stack, queue, monitoring, template = _with_quotas()
    alarm = _alarm(template, f"acme-sms-{kind}.{producer}.{period}")
    topic = {"Ref": stack.get_logical_id(monitoring.alarm_topic.node.default_child)}
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"], alarm["Period"]) == (
        "SmsConstructs",
        "QuotaUsed",
        "Maximum",
        300,
    )
    assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]} == {
        "Producer": producer,
        "Period": period,
        "service": queue.service_name,
    }
    assert (alarm["Threshold"], alarm["ComparisonOperator"], alarm["EvaluationPeriods"]) == (
        threshold,
        "GreaterThanOrEqualToThreshold",
        1,
    )
    assert alarm["TreatMissingData"] == "notBreaching"
    assert (alarm["AlarmActions"], alarm["OKActions"]) == ([topic], [topic])
    anchor = "quota-warning" if kind == "QuotaWarning" else "quota-exhausted"
    assert alarm["AlarmDescription"].endswith(
        f"Runbook: https://sms.example.com/docs/operations/incidents.html#{anchor}"
    )
    assert SmsMonitoring.runbook_anchor(f"{kind}.{producer}.{period}") == anchor


def test_a_producer_named_like_a_number_still_gets_its_runbook_section() -> None:
    assert SmsMonitoring.runbook_anchor("QuotaWarning.v2.0.Day") == "quota-warning"
    assert SmsMonitoring.runbook_anchor("MonthlySpend80") == "monthly-spend"


def test_no_quota_alarms_without_quotas(synthesized: Any) -> None:
    stack = _stack("NoQuotas")
    _, config, queue = build(stack)
    monitoring = SmsMonitoring(
        stack, "Monitoring", configuration_set=config, send_queue=queue, monthly_spend_limit_usd=1
    )
    assert not [key for key in monitoring.alarms if key.startswith("Quota")]


# --- spend by producer in the event lake --------------------------------------------------------------------------

SPEND = next(spec for spec in NAMED_QUERIES if spec.key == "spend_by_producer")


def _context(producer: str | None, request: str) -> dict[str, str]:
    context = {CONTEXT_REQUEST_ID: request, CONTEXT_ATTEMPT: "1"}
    if producer is not None:
        context[CONTEXT_PRODUCER] = producer
    return context


def _final(status: str, after: int = 3000) -> list[tuple[str, bool, int]]:
    return [("QUEUED", False, 150), (status, True, after)]


#: Messages of two producers and one without a producer, over three days, with duplicate receipts, a multi-part
#: message, a final event without billing fields, and a message sent before the 30-day window.
PRODUCER_MESSAGES = (
    fixture.Message(
        "appt-1",
        1,
        price=0.00581,
        events=_final("DELIVERED"),
        duplicate_finals=2,
        context=_context("appointments", "a1"),
    ),
    fixture.Message(
        "appt-2", 1, parts=3, price=0.01743, events=_final("DELIVERED"), context=_context("appointments", "a2")
    ),
    fixture.Message("appt-3", 2, price=0.00581, events=_final("UNREACHABLE"), context=_context("appointments", "a3")),
    fixture.Message("otp-1", 1, country="GB", price=0.0398, events=_final("DELIVERED"), context=_context("otp", "o1")),
    fixture.Message("none-1", 1, price=0.00581, events=_final("DELIVERED"), context=_context(None, "n1")),
    fixture.Message("no-context", 1, price=0.00581, events=_final("DELIVERED")),
    fixture.Message("appt-old", 40, price=0.00581, events=_final("DELIVERED"), context=_context("appointments", "x")),
)


def _lake(tmp_path: Path, messages: tuple[fixture.Message, ...]) -> list[dict[str, Any]]:
    records = [record for message in messages for record in message.records(TODAY)]
    fixture.write_events(tmp_path, records)
    connection = connect(tmp_path)
    try:
        return run_query(connection, SPEND.sql)
    finally:
        connection.close()


def test_spend_by_producer_sums_each_message_once_per_producer_and_day(tmp_path: Path) -> None:
    rows = _lake(tmp_path, PRODUCER_MESSAGES)
    actual = {
        (r["send_date"], r["producer"]): (r["messages"], r["message_parts"], r["price_usd"], r["carrier_fee_usd"])
        for r in rows
    }
    assert actual == {
        (days_ago(1), "appointments"): (2, 4, 0.02324, 0.00604),  # duplicates of appt-1 count once
        (days_ago(2), "appointments"): (1, 1, 0.00581, 0.00302),
        (days_ago(1), "otp"): (1, 1, 0.0398, 0.00302),
        (days_ago(1), "(none)"): (2, 2, 0.01162, 0.00604),
    }
    assert [(r["send_date"], r["producer"]) for r in rows][:2] == [(days_ago(1), "otp"), (days_ago(1), "appointments")]


def test_spend_by_producer_keeps_the_price_when_the_final_event_leaves_it_out(tmp_path: Path) -> None:
    message = fixture.Message(
        "gap", 1, events=[("SUCCESSFUL", False, 500), ("DELIVERED", True, 3000)], context=_context("otp", "g")
    )
    records = message.records(TODAY)
    for field_name in ("totalMessageParts", "totalMessagePrice", "totalCarrierFee", "context"):
        del records[-1][field_name]  # the final receipt carries neither the billing fields nor the context
    fixture.write_events(tmp_path, records)
    connection = connect(tmp_path)
    try:
        rows = run_query(connection, SPEND.sql)
    finally:
        connection.close()
    assert [(r["producer"], r["messages"], r["price_usd"]) for r in rows] == [("otp", 1, 0.00581)]


def test_spend_by_producer_adds_up_to_spend_by_day(tmp_path: Path) -> None:
    records = [record for message in PRODUCER_MESSAGES for record in message.records(TODAY)]
    fixture.write_events(tmp_path, records)
    connection = connect(tmp_path)
    try:
        by_producer = run_query(connection, SPEND.sql)
        by_country = run_query(connection, next(s for s in NAMED_QUERIES if s.key == "spend_by_day_country_type").sql)
    finally:
        connection.close()
    assert round(sum(r["price_usd"] for r in by_producer), 5) == round(sum(r["price_usd"] for r in by_country), 5)
    assert sum(r["messages"] for r in by_producer) == sum(r["messages"] for r in by_country)


def test_the_spend_query_reads_both_spellings_of_the_producer_key() -> None:
    assert f"'{CONTEXT_PRODUCER}'" in SPEND.sql
    assert f"'{CONTEXT_PRODUCER.lower()}'" in SPEND.sql
