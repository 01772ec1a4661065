"""What the sender records for ``SmsStatusNotifier``: ``accepted`` once per request, ``held#NN`` once per held attempt
(and again only when the reason changes), and the destination and producer context of a rejection before the first
send — written once however often the message is delivered or held, and never at the cost of the message."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Final

import pytest
from botocore.exceptions import ClientError
from sms_constructs_runtime.contract import SendRequest
from sms_constructs_runtime.status import RequestStatus, change_from_store_item
from sms_constructs_runtime.store import MessageStore

from .conftest import TABLE, Aws, FakeClock, FakeSms
from .test_sender import (
    PROBE_EVERY_RECEIVE,
    SPEND_LIMIT,
    assert_nothing_lost_or_duplicated,
    drain,
    enqueue,
    make_sender,
    request,
    request_items,
    run_on_the_clock,
)

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # Powertools warns when no metrics were added

CONTEXT = {"patient": "p-42"}
ACCOUNT_DISABLED = ("AccessDeniedException", "ACCOUNT_DISABLED")

#: A status notifier reads the store (``SmsSendQueue.enable_store_stream`` sets it): the sender records statuses.
NOTIFIED: Final = {"record_statuses": True}


class CountingDynamoDB:
    """The moto DynamoDB client, counting ``PutItem`` calls per kind of request-history item (``accepted``, ``held``,
    ``attempt``); ``fail`` lists the kinds whose puts fail with a throttling error."""

    def __init__(self, client: Any, fail: tuple[str, ...] = ()) -> None:
        self._client = client
        self.puts: Counter[str] = Counter()
        self.fail = fail

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def put_item(self, **params: Any) -> Any:
        pk, sk = params["Item"]["pk"]["S"], params["Item"]["sk"]["S"]
        if pk.startswith("request#"):
            kind = sk.split("#", 1)[0]
            self.puts[kind] += 1
            if kind in self.fail:
                error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}
                raise ClientError(error, "PutItem")  # type: ignore[arg-type]
        return self._client.put_item(**params)


def counting(aws: Aws, fail: tuple[str, ...] = ()) -> tuple[Aws, CountingDynamoDB]:
    dynamodb = CountingDynamoDB(aws.dynamodb, fail)
    return Aws(**{**aws.__dict__, "dynamodb": dynamodb}), dynamodb


def ask(n: int, **kwargs: Any) -> SendRequest:
    return SendRequest(
        request_id=f"req-{n}",
        destination_phone_number=f"+1425555{n:04d}",
        message_body="Your code is 123456",
        context=CONTEXT,
        **kwargs,
    )


def items_by_sk(aws: Aws, request_id: str) -> dict[str, dict[str, Any]]:
    return {item["sk"]: item for item in request_items(aws, request_id)}


def test_a_request_is_recorded_accepted_once_with_its_destination_and_context(aws: Aws) -> None:
    """The producer puts the same request on the queue twice: one send, one ``accepted`` item (the second
    conditional put is refused), and it maps to ``ACCEPTED`` with what the status event needs."""
    clock = FakeClock()
    sms = FakeSms(clock)
    counted, dynamodb = counting(aws)
    enqueue(aws, ask(1), ask(1))
    first_taken_ms = int(clock.now * 1000)
    drain(counted, make_sender(counted, sms, clock, **NOTIFIED), clock)
    assert sms.sent_request_ids() == [("req-1", "1")]
    assert dynamodb.puts["accepted"] == 2
    items = items_by_sk(aws, "req-1")
    assert sorted(items) == ["accepted", "attempt#01"]
    accepted = items["accepted"]
    assert (accepted["status"], accepted["attempt"], accepted["at"]) == ("ACCEPTED", "1", str(first_taken_ms))
    assert accepted["destination"] == "+14255550001"
    assert json.loads(accepted["context"]) == CONTEXT
    item = aws.dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "request#req-1"}, "sk": {"S": "accepted"}})["Item"]
    change = change_from_store_item(item)
    assert change is not None
    assert (change.status, change.attempt, change.destination, change.context) == (
        RequestStatus.ACCEPTED,
        1,
        "+14255550001",
        CONTEXT,
    )


def test_a_retry_attempt_is_not_accepted_again(aws: Aws) -> None:
    clock = FakeClock()
    counted, dynamodb = counting(aws)
    enqueue(aws, ask(1, attempt=2))
    drain(counted, make_sender(counted, FakeSms(clock), clock, **NOTIFIED), clock)
    assert dynamodb.puts["accepted"] == 0
    assert sorted(items_by_sk(aws, "req-1")) == ["attempt#02"]


def test_a_held_request_is_recorded_held_once_however_often_the_breaker_holds_it(
    aws: Aws, sqs_clock: FakeClock
) -> None:
    """The spend limit holds 5 requests for an hour (dozens of receives each): one ``held#01`` put per request, one
    ``accepted`` put per request; once the limit is raised each is sent once, and its items rank ACCEPTED < HELD <
    SENT."""
    clock = sqs_clock
    sms = FakeSms(clock, faults=[SPEND_LIMIT] * 100_000)
    counted, dynamodb = counting(aws)
    enqueue(aws, *(ask(n) for n in range(5)))
    sender = make_sender(counted, sms, clock, **NOTIFIED)
    receives = run_on_the_clock(counted, sender, clock, days=1 / 24)
    assert receives >= 5 * 5
    assert dynamodb.puts["held"] == 5
    assert dynamodb.puts["accepted"] == 5
    for n in range(5):
        held = items_by_sk(aws, f"req-{n}")["held#01"]
        assert (held["status"], held["attempt"], held["reason"]) == ("HELD", "1", SPEND_LIMIT[1])
        assert (held["destination"], json.loads(held["context"])) == (f"+1425555{n:04d}", CONTEXT)

    sms.faults.clear()
    run_on_the_clock(counted, sender, clock, days=1)
    assert_nothing_lost_or_duplicated(aws, sms, [f"req-{n}" for n in range(5)])
    assert dynamodb.puts["held"] == 5
    raw = aws.dynamodb.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "request#req-0"}},
    )["Items"]
    changes = sorted((c for c in map(change_from_store_item, raw) if c is not None), key=lambda c: c.at)
    assert [c.status for c in changes] == ["ACCEPTED", "HELD", "SENT"]
    assert [c.sequence for c in changes] == sorted(c.sequence for c in changes)


def test_another_execution_environment_writes_nothing_new_for_the_same_hold(aws: Aws) -> None:
    """A second sender (a new execution environment) holds the same request for the same reason: its conditional put
    is refused, so the item keeps when the hold began."""
    clock = FakeClock()
    sms = FakeSms(clock, faults=[SPEND_LIMIT] * 10)
    enqueue(aws, ask(1))
    drain(aws, make_sender(aws, sms, clock, **PROBE_EVERY_RECEIVE, **NOTIFIED), clock, rounds=1)
    first = items_by_sk(aws, "req-1")["held#01"]
    clock.advance(120)
    counted, dynamodb = counting(aws)
    drain(counted, make_sender(counted, sms, clock, **PROBE_EVERY_RECEIVE, **NOTIFIED), clock, rounds=1)
    assert dynamodb.puts["held"] == 1
    assert items_by_sk(aws, "req-1")["held#01"] == first


def test_a_changed_hold_reason_is_recorded_again(aws: Aws) -> None:
    clock = FakeClock()
    sms = FakeSms(clock, faults=[SPEND_LIMIT, SPEND_LIMIT, ACCOUNT_DISABLED])
    counted, dynamodb = counting(aws)
    enqueue(aws, ask(1))
    drain(counted, make_sender(counted, sms, clock, **PROBE_EVERY_RECEIVE, **NOTIFIED), clock)
    assert dynamodb.puts["held"] == 2  # SPEND_LIMIT once (the second receive skipped it), then ACCOUNT_DISABLED
    items = items_by_sk(aws, "req-1")
    assert items["held#01"]["reason"] == ACCOUNT_DISABLED[1]
    assert items["attempt#01"]["status"] == "SENT"


def test_a_rejection_before_the_first_send_keeps_the_destination_and_context(aws: Aws) -> None:
    clock = FakeClock()
    sms = FakeSms(clock, opted_out={"+14255550001"})
    enqueue(aws, ask(1))
    drain(aws, make_sender(aws, sms, clock, **NOTIFIED), clock)
    rejection = items_by_sk(aws, "req-1")["attempt#01"]
    assert (rejection["status"], rejection["reason"]) == ("REJECTED", "DESTINATION_PHONE_NUMBER_OPTED_OUT")
    assert (rejection["destination"], json.loads(rejection["context"])) == ("+14255550001", CONTEXT)


def test_a_malformed_message_is_rejected_without_a_destination(aws: Aws) -> None:
    clock = FakeClock()
    enqueue(aws, json.dumps({"requestId": "req-9", "destinationPhoneNumber": "+14255550009"}))
    drain(aws, make_sender(aws, FakeSms(clock), clock, **NOTIFIED), clock)
    items = items_by_sk(aws, "req-9")
    assert sorted(items) == ["attempt#01"]
    assert "destination" not in items["attempt#01"]
    assert "context" not in items["attempt#01"]


def test_failed_status_writes_never_cost_the_message(aws: Aws, sqs_clock: FakeClock) -> None:
    """``accepted`` and ``held#NN`` puts fail: the request is still held, then sent once; only the outcome is kept."""
    clock = sqs_clock
    sms = FakeSms(clock, faults=[SPEND_LIMIT] * 3)
    counted, dynamodb = counting(aws, fail=("accepted", "held"))
    enqueue(aws, ask(1))
    sender = make_sender(counted, sms, clock, **PROBE_EVERY_RECEIVE, **NOTIFIED)
    run_on_the_clock(counted, sender, clock, days=1)
    assert dynamodb.puts["accepted"] == 1
    assert dynamodb.puts["held"] >= 1
    assert_nothing_lost_or_duplicated(aws, sms, ["req-1"])
    assert sorted(items_by_sk(aws, "req-1")) == ["attempt#01"]


def test_the_store_writes_accepted_and_held_conditionally(aws: Aws) -> None:
    """``MessageStore`` directly: the second ``accepted`` and the same ``held`` reason change nothing."""
    store = MessageStore(aws.dynamodb, TABLE, 86_400)
    assert store.put_accepted(ask(1), 1_000) is True
    assert store.put_accepted(ask(1), 2_000) is False
    assert store.put_held(ask(1), "A", 3_000) is True
    assert store.put_held(ask(1), "A", 4_000) is False
    assert store.put_held(ask(1), "B", 5_000) is True
    items = items_by_sk(aws, "req-1")
    assert items["accepted"]["at"] == "1000"
    assert (items["held#01"]["reason"], items["held#01"]["at"]) == ("B", "5000")


def test_without_a_status_notifier_the_sender_records_no_accepted_or_held_items(aws: Aws) -> None:
    """Each status item costs a write: a queue whose store nobody reads (no ``SmsStatusNotifier``) writes none."""
    clock = FakeClock()
    sms = FakeSms(clock, faults=[SPEND_LIMIT])
    enqueue(aws, request(1))
    drain(aws, make_sender(aws, sms, clock, **PROBE_EVERY_RECEIVE), clock)
    items = aws.dynamodb.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "request#req-1"}},
    )["Items"]
    sort_keys = sorted(item["sk"]["S"] for item in items)
    assert sort_keys == ["attempt#01"]
