"""Part budgets per producer (``sms_constructs_runtime.quotas``): the settings' encoding, the period keys, consuming
and refusing at the limit (day and month both enforced, all or nothing), giving back, and concurrent consumers that
never take a period past its budget — against moto (as the sender runs them) and the simulator's ``FakeDynamoDB``
(atomic transactions, used with real threads)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sms_constructs_runtime.quotas import (
    EXPIRY_AFTER_PERIOD_SECONDS,
    Budget,
    Consumption,
    Period,
    QuotaExceededError,
    QuotaStore,
    QuotaUnavailableError,
    format_producer_quota,
    parse_producer_quotas,
    period_keys,
)
from sms_constructs_runtime.settings import SenderSettings
from sms_constructs_runtime.store import EXPIRATION_ATTRIBUTE

from sms_constructs.simulate.fake_aws import FakeDynamoDB
from tests.runtime.conftest import STORE_TABLE

TABLE = STORE_TABLE
NOW_MS = 1_796_601_600_000  # 2026-12-07T00:00:00Z
HOUR_MS = 3_600_000


def ms(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp() * 1000)


@pytest.fixture
def quotas(client: Any) -> QuotaStore:
    return QuotaStore(client, TABLE, sleep=lambda _: None)


def used(client: Any, producer: str, sort_key: str) -> int | None:
    item = client.get_item(TableName=TABLE, Key={"pk": {"S": f"quota#{producer}"}, "sk": {"S": sort_key}}).get("Item")
    return None if item is None else int(item["used"]["N"])


# --- the settings' encoding --------------------------------------------------------------------------------------


def test_quotas_round_trip_through_the_sender_settings() -> None:
    budgets = {"appointments": Budget(5000, 100_000), "otp": Budget(monthly=20_000), "bulk.v2": Budget(daily=10)}
    items = tuple(format_producer_quota(name, budget) for name, budget in budgets.items())
    assert items == ("appointments=5000/100000", "otp=/20000", "bulk.v2=10/")
    environment = {
        "SMS_TABLE_NAME": TABLE,
        "SMS_QUEUE_URL": "q",
        "SMS_ORIGINATION_IDENTITY": "o",
        "SMS_CONFIGURATION_SET_NAME": "c",
        "SMS_MAX_PARTS_PER_SECOND": "1",
        "SMS_RETENTION_SECONDS": "1209600",
        "POWERTOOLS_SERVICE_NAME": "s",
        "POWERTOOLS_METRICS_NAMESPACE": "n",
        "SMS_PRODUCER_QUOTAS": ",".join(items),
    }
    settings_read = SenderSettings.from_environment(environment)
    assert parse_producer_quotas(settings_read.producer_quotas) == budgets


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("appointments", "not producer=daily/monthly"),
        ("appointments=5000", "not producer=daily/monthly"),
        ("has space=1/2", "not producer=daily/monthly"),
        ("otp=/", "daily or a monthly"),
        ("otp=0/10", "at least 1"),
        ("otp=x/10", "invalid literal"),
    ],
)
def test_fails_to_parse_a_malformed_quota(item: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_producer_quotas([item])


def test_fails_to_parse_two_quotas_of_one_producer() -> None:
    with pytest.raises(ValueError, match="two quotas"):
        parse_producer_quotas(["otp=1/", "otp=/2"])


# --- the period keys ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "day", "day_end", "month", "month_end"),
    [
        ("2026-12-07T00:00:00", "day#2026-12-07", "2026-12-08T00:00:00", "month#2026-12", "2027-01-01T00:00:00"),
        ("2026-12-31T23:59:59.999", "day#2026-12-31", "2027-01-01T00:00:00", "month#2026-12", "2027-01-01T00:00:00"),
        ("2027-01-01T00:00:00", "day#2027-01-01", "2027-01-02T00:00:00", "month#2027-01", "2027-02-01T00:00:00"),
        ("2028-02-29T12:00:00", "day#2028-02-29", "2028-03-01T00:00:00", "month#2028-02", "2028-03-01T00:00:00"),
    ],
)
def test_period_keys_are_the_utc_day_and_month(now: str, day: str, day_end: str, month: str, month_end: str) -> None:
    assert period_keys(ms(now)) == {Period.DAY: (day, ms(day_end)), Period.MONTH: (month, ms(month_end))}


def test_usage_items_expire_two_days_after_their_period(client: Any, quotas: QuotaStore) -> None:
    quotas.consume("appointments", Budget(10, 100), 1, NOW_MS)
    for sort_key, end in (("day#2026-12-07", "2026-12-08T00:00:00"), ("month#2026-12", "2027-01-01T00:00:00")):
        item = client.get_item(TableName=TABLE, Key={"pk": {"S": "quota#appointments"}, "sk": {"S": sort_key}})["Item"]
        assert int(item[EXPIRATION_ATTRIBUTE]["N"]) == ms(end) // 1000 + EXPIRY_AFTER_PERIOD_SECONDS


# --- consume, refuse, give back --------------------------------------------------------------------------------------


def test_consume_counts_the_parts_in_the_day_and_the_month(client: Any, quotas: QuotaStore) -> None:
    consumption = quotas.consume("appointments", Budget(10, 100), 3, NOW_MS)
    quotas.consume("appointments", Budget(10, 100), 2, NOW_MS + HOUR_MS)
    assert consumption == Consumption("appointments", 3, ("day#2026-12-07", "month#2026-12"))
    assert used(client, "appointments", "day#2026-12-07") == 5
    assert used(client, "appointments", "month#2026-12") == 5
    assert [(u.period, u.used, u.limit, u.percent) for u in quotas.usage("appointments", Budget(10, 100), NOW_MS)] == [
        (Period.DAY, 5, 10, 50.0),
        (Period.MONTH, 5, 100, 5.0),
    ]


def test_consume_fills_the_budget_exactly_then_refuses(client: Any, quotas: QuotaStore) -> None:
    budget = Budget(daily=10)
    quotas.consume("otp", budget, 7, NOW_MS)
    quotas.consume("otp", budget, 3, NOW_MS)  # 10 of 10: at the limit is allowed
    with pytest.raises(QuotaExceededError, match="day budget") as refused:
        quotas.consume("otp", budget, 1, NOW_MS)
    assert used(client, "otp", "day#2026-12-07") == 10
    assert refused.value.resets_at_ms == ms("2026-12-08T00:00:00")
    assert [(u.used, u.percent) for u in refused.value.usage] == [(10, 100.0)]
    assert used(client, "otp", "month#2026-12") is None  # no monthly budget: no monthly item


def test_the_month_is_enforced_across_days_and_refuses_all_or_nothing(client: Any, quotas: QuotaStore) -> None:
    budget = Budget(daily=5, monthly=8)
    quotas.consume("appointments", budget, 5, NOW_MS)
    quotas.consume("appointments", budget, 2, NOW_MS + 24 * HOUR_MS)  # the next day: 2 of 5, month 7 of 8
    with pytest.raises(QuotaExceededError, match="month budget") as refused:
        quotas.consume("appointments", budget, 2, NOW_MS + 25 * HOUR_MS)
    # The day had room for 2: the refused month took nothing from it either.
    assert used(client, "appointments", "day#2026-12-08") == 2
    assert used(client, "appointments", "month#2026-12") == 7
    assert refused.value.resets_at_ms == ms("2027-01-01T00:00:00")


def test_a_new_day_and_a_new_month_start_from_zero(client: Any, quotas: QuotaStore) -> None:
    budget = Budget(daily=3, monthly=3)
    quotas.consume("p", budget, 3, ms("2026-12-31T23:00:00"))
    with pytest.raises(QuotaExceededError):
        quotas.consume("p", budget, 1, ms("2026-12-31T23:59:59"))
    quotas.consume("p", budget, 3, ms("2027-01-01T00:00:00"))
    assert used(client, "p", "day#2027-01-01") == 3
    assert used(client, "p", "month#2027-01") == 3


def test_a_request_larger_than_the_budget_is_refused_without_a_write(client: Any, quotas: QuotaStore) -> None:
    with pytest.raises(QuotaExceededError, match="day budget"):
        quotas.consume("p", Budget(daily=2, monthly=100), 3, NOW_MS)
    assert used(client, "p", "day#2026-12-07") is None
    assert used(client, "p", "month#2026-12") is None


def test_raising_the_budget_lets_the_next_check_through(client: Any, quotas: QuotaStore) -> None:
    quotas.consume("p", Budget(daily=4), 4, NOW_MS)
    with pytest.raises(QuotaExceededError):
        quotas.consume("p", Budget(daily=4), 2, NOW_MS)
    quotas.consume("p", Budget(daily=6), 2, NOW_MS)  # the limit comes from the settings, the usage from the store
    assert used(client, "p", "day#2026-12-07") == 6


def test_producers_are_counted_apart(client: Any, quotas: QuotaStore) -> None:
    quotas.consume("a", Budget(daily=2), 2, NOW_MS)
    quotas.consume("b", Budget(daily=2), 2, NOW_MS)
    assert (used(client, "a", "day#2026-12-07"), used(client, "b", "day#2026-12-07")) == (2, 2)


def test_give_back_takes_the_parts_off_both_periods(client: Any, quotas: QuotaStore) -> None:
    budget = Budget(daily=5, monthly=50)
    quotas.consume("p", budget, 2, NOW_MS)
    consumption = quotas.consume("p", budget, 3, NOW_MS)
    assert quotas.give_back(consumption) is True
    assert used(client, "p", "day#2026-12-07") == 2
    assert used(client, "p", "month#2026-12") == 2
    quotas.consume("p", budget, 3, NOW_MS)  # room again


def test_give_back_never_creates_an_item(client: Any, quotas: QuotaStore) -> None:
    client.delete_item(TableName=TABLE, Key={"pk": {"S": "quota#p"}, "sk": {"S": "day#2026-12-07"}})
    assert quotas.give_back(Consumption("p", 2, ("day#2026-12-07",))) is False
    assert used(client, "p", "day#2026-12-07") is None


class _FailingClient:
    """A DynamoDB client whose transactions fail as a throttled or conflicting table does."""

    def __init__(self, real: Any, code: str, error: str = "TransactionCanceledException") -> None:
        self._real = real
        self.exceptions = real.exceptions
        self.code = code
        self.error = error
        self.calls = 0

    def transact_write_items(self, **_: Any) -> None:
        self.calls += 1
        from botocore.exceptions import ClientError  # noqa: PLC0415

        response: dict[str, Any] = {"Error": {"Code": self.error, "Message": "no"}}
        if self.error == "TransactionCanceledException":
            response["CancellationReasons"] = [{"Code": self.code}, {"Code": "None"}]
            raise self.exceptions.TransactionCanceledException(response, "TransactWriteItems")
        raise ClientError(response, "TransactWriteItems")


def test_conflicting_transactions_are_tried_three_times_then_unavailable(client: Any) -> None:
    failing = _FailingClient(client, "TransactionConflict")
    sleeps: list[float] = []
    with pytest.raises(QuotaUnavailableError, match="TransactionConflict"):
        QuotaStore(failing, TABLE, sleep=sleeps.append, jitter=lambda: 0.0).consume("p", Budget(1, 2), 1, NOW_MS)
    assert failing.calls == 3
    assert sleeps == [0.01, 0.02]


def test_a_throttled_table_is_unavailable_not_exceeded(client: Any) -> None:
    failing = _FailingClient(client, "", error="ProvisionedThroughputExceededException")
    with pytest.raises(QuotaUnavailableError):
        QuotaStore(failing, TABLE).consume("p", Budget(1, 2), 1, NOW_MS)
    assert failing.calls == 1


# --- the simulator's fake behaves like DynamoDB here ---------------------------------------------------------------


def test_the_fake_refuses_and_counts_like_moto(client: Any) -> None:
    fake = FakeDynamoDB()
    outcomes: dict[str, list[Any]] = {}
    for name, dynamodb in (("moto", client), ("fake", fake)):
        store = QuotaStore(dynamodb, TABLE)
        budget = Budget(daily=5, monthly=6)
        seen: list[Any] = []
        for parts, at in (
            (3, NOW_MS),
            (3, NOW_MS),
            (2, NOW_MS),
            (2, NOW_MS + 24 * HOUR_MS),
            (1, NOW_MS + 24 * HOUR_MS),
        ):
            try:
                seen.append(store.consume("p", budget, parts, at).sort_keys)
            except QuotaExceededError as error:
                seen.append(("refused", error.resets_at_ms, [(u.used, u.limit) for u in error.usage]))
        seen.append([(u.used, u.limit) for u in store.usage("p", budget, NOW_MS + 24 * HOUR_MS)])
        outcomes[name] = seen
    assert outcomes["fake"] == outcomes["moto"]
    assert outcomes["moto"][1][0] == "refused"


# --- concurrent consumers never exceed the budget ------------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    daily=st.integers(1, 30),
    monthly=st.integers(1, 40),
    requests=st.lists(st.tuples(st.integers(1, 10), st.booleans()), min_size=1, max_size=24),
    threads=st.integers(2, 6),
)
def test_concurrent_consumers_never_exceed_the_budget(
    daily: int, monthly: int, requests: list[tuple[int, bool]], threads: int
) -> None:
    """Threads consume (and some give back) at once against the fake, whose calls each take a little real time so
    they interleave: whatever the order, each period's usage is exactly the parts kept, never above its budget, and a
    refused request never fit in what was left at the end (usage only grows but for give-backs, which happen after)."""
    fake = FakeDynamoDB(sleep=lambda seconds: threading.Event().wait(seconds), latency=lambda _: 0.0004)
    store = QuotaStore(fake, TABLE)
    budget = Budget(daily=daily, monthly=monthly)
    kept: list[int] = []
    given_back: list[int] = []
    refused: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)
    queue = list(enumerate(requests))

    def worker(offset: int) -> None:
        start.wait()
        for index, (parts, give_back) in queue[offset::threads]:
            try:
                consumption = store.consume("p", budget, parts, NOW_MS + index)
            except QuotaExceededError:
                with lock:
                    refused.append(parts)
                continue
            if give_back:
                assert store.give_back(consumption)
            with lock:
                (given_back if give_back else kept).append(parts)

    runners = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()

    usage = {u.period: u.used for u in store.usage("p", budget, NOW_MS)}
    assert len(kept) + len(given_back) + len(refused) == len(requests)
    assert usage[Period.DAY] == usage[Period.MONTH] == sum(kept)
    assert sum(kept) <= min(daily, monthly)
    # Give-backs happen after their consumption, so at the end at least this much room was free at any refusal...
    peak_free = min(daily, monthly) - sum(kept) - sum(given_back)
    for parts in refused:
        assert parts > peak_free, (parts, peak_free)


def test_the_concurrency_property_fails_for_a_read_then_write_budget() -> None:
    """The property above can fail: a budget that reads the usage and then writes it (not one conditional
    transaction) lets interleaved consumers through together and goes over."""
    fake = FakeDynamoDB(sleep=lambda seconds: threading.Event().wait(seconds), latency=lambda _: 0.002)
    limit, parts, threads = 10, 4, 6
    kept: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)
    key = {"pk": {"S": "quota#p"}, "sk": {"S": "day#2026-12-07"}}

    def naive() -> None:
        start.wait()
        item = fake.get_item(TableName=TABLE, Key=key).get("Item")
        current = int(item["used"]["N"]) if item else 0
        if current + parts <= limit:
            fake.update_item(
                TableName=TABLE,
                Key=key,
                UpdateExpression="ADD #u :p",
                ExpressionAttributeNames={"#u": "used"},
                ExpressionAttributeValues={":p": {"N": str(parts)}},
            )
            with lock:
                kept.append(parts)

    runners = [threading.Thread(target=naive) for _ in range(threads)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    assert sum(kept) > limit  # what test_concurrent_consumers_never_exceed_the_budget would catch
