"""The status handler (``status.handler``) against moto DynamoDB and EventBridge: store outcomes and the AWS-documented
SMS events become status events that validate against ``status.schema.json``; out-of-order and duplicate events never
move a status back; a failed publication is published on redelivery; phone numbers are masked unless asked for."""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Iterator
from typing import Any

import boto3
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from sms_constructs_runtime.contract import SendRequest
from sms_constructs_runtime.events import SmsEvent
from sms_constructs_runtime.status import (
    CLAIM_SECONDS,
    DETAIL_TYPE,
    EVENT_SOURCE,
    change_from_sms_event,
    load_schema,
    read_status,
)
from sms_constructs_runtime.status_settings import StatusSettings
from sms_constructs_runtime.store import MessageStore
from status.handler import Notifier

from tests.handlers.status_events import (
    ENVELOPE_DELIVERED,
    ENVELOPE_SUCCESSFUL,
    batch,
    sms_event,
    sqs_record,
    stream_record,
)

TABLE = "message-store"
BUS = "status-bus"
RETENTION = 14 * 86_400
NOW_MS = 1_767_225_600_000
SCHEMA = load_schema()
DESTINATION = "+14255550156"


class RecordingEvents:
    """The moto EventBridge client, recording every published detail; ``failures`` failed entries come first (the
    service answers a failed entry with ``FailedEntryCount`` and an error code, not an exception)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.published: list[dict[str, Any]] = []
        self.failures = 0

    def put_events(self, **kwargs: Any) -> dict[str, Any]:
        if self.failures:
            self.failures -= 1
            return {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "InternalFailure", "ErrorMessage": "try again"}]}
        response = self._client.put_events(**kwargs)
        for entry in kwargs["Entries"]:
            self.published.append(
                {"source": entry["Source"], "detail-type": entry["DetailType"], "detail": json.loads(entry["Detail"])}
            )
        return dict(response)


class Harness:
    """A store table, a bus, the real ``MessageStore`` writing the send queue's items, and the handler."""

    def __init__(self, *, include_phone_numbers: bool = False, retried: tuple[str, ...] = ()) -> None:
        self.dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        if TABLE not in self.dynamodb.list_tables()["TableNames"]:
            self.dynamodb.create_table(
                TableName=TABLE,
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                AttributeDefinitions=[
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                ],
                BillingMode="PAY_PER_REQUEST",
            )
            boto3.client("events", region_name="us-east-1").create_event_bus(Name=BUS)
        self.events = RecordingEvents(boto3.client("events", region_name="us-east-1"))
        self.store = MessageStore(self.dynamodb, TABLE, RETENTION)
        config = StatusSettings(
            table_name=TABLE,
            event_bus_name=BUS,
            retention_seconds=RETENTION,
            service_name="status-test",
            metrics_namespace="SmsConstructsTest",
            include_phone_numbers=include_phone_numbers,
            retried_statuses=retried,
        )
        self.notifier = Notifier(config, dynamodb=self.dynamodb, events=self.events, clock=lambda: NOW_MS / 1000)

    def item(self, pk: str, sk: str) -> dict[str, Any]:
        return dict(self.dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": pk}, "sk": {"S": sk}})["Item"])

    def sent(self, request_id: str, message_id: str, attempt: int = 1, parts: int = 1) -> dict[str, Any]:
        """What the sender writes for a send; returns the ``attempt#NN`` item (the stream's NewImage)."""
        request = SendRequest(
            request_id=request_id,
            destination_phone_number=DESTINATION,
            message_body="Your code is 123456",
            context={"patient": "p-42"},
            attempt=attempt,
        )
        self.store.put_sent(request, message_id, parts, NOW_MS + attempt)
        return self.item(f"request#{request_id}", f"attempt#{attempt:02d}")

    def request(self, request_id: str, attempt: int = 1) -> SendRequest:
        return SendRequest(
            request_id=request_id,
            destination_phone_number=DESTINATION,
            message_body="Your code is 123456",
            context={"patient": "p-42"},
            attempt=attempt,
        )

    def accepted(self, request_id: str) -> dict[str, Any]:
        """What the sender writes when it takes a request; returns the ``accepted`` item."""
        self.store.put_accepted(self.request(request_id), NOW_MS - 10)
        return self.item(f"request#{request_id}", "accepted")

    def held(self, request_id: str, reason: str, attempt: int = 1) -> dict[str, Any]:
        """What the sender writes when an attempt is held; returns the ``held#NN`` item."""
        self.store.put_held(self.request(request_id, attempt), reason, NOW_MS - 5 + attempt)
        return self.item(f"request#{request_id}", f"held#{attempt:02d}")

    def handle(self, *records: dict[str, Any]) -> dict[str, Any]:
        return self.notifier.handle(batch(*records))

    def statuses(self) -> list[str]:
        return [e["detail"]["status"] for e in self.events.published]


@pytest.fixture
def harness() -> Iterator[Harness]:
    with mock_aws():
        yield Harness()


def test_sent_item_publishes_sent_with_message_id_parts_context_and_masked_destination(harness: Harness) -> None:
    item = harness.sent("otp-1", "msg-1", parts=2)
    assert harness.handle(stream_record(item)) == {"batchItemFailures": []}
    [event] = harness.events.published
    assert event["source"] == EVENT_SOURCE
    assert event["detail-type"] == DETAIL_TYPE
    detail = event["detail"]
    jsonschema.validate(detail, SCHEMA)
    assert detail["status"] == "SENT"
    assert detail["isFinal"] is False
    assert (detail["requestId"], detail["attempt"], detail["messageId"], detail["parts"]) == ("otp-1", 1, "msg-1", 2)
    assert detail["destination"] == "+1******0156"
    assert detail["context"] == {"patient": "p-42"}


def test_documented_final_successful_event_is_final_and_carries_the_carrier_status(harness: Harness) -> None:
    harness.handle(stream_record(harness.sent("otp-1", "msg-1")))
    event = sms_event("SUCCESSFUL", is_final=True, request_id="otp-1", message_id="msg-1")
    harness.handle(sqs_record(event))
    detail = harness.events.published[-1]["detail"]
    jsonschema.validate(detail, SCHEMA)
    assert (detail["status"], detail["isFinal"], detail["carrierStatus"]) == ("SUCCESSFUL", True, "SUCCESSFUL")
    assert detail["context"] == {"account": "bar"}  # the producer's context; the send queue's keys left out


def test_delivered_after_a_final_successful_is_still_published(harness: Harness) -> None:
    """AWS examples 05/06: the same message reports a final SUCCESSFUL and a final DELIVERED."""
    for envelope in (ENVELOPE_SUCCESSFUL, ENVELOPE_DELIVERED):
        event = copy.deepcopy(envelope)
        event["detail"]["context"] = {"smsRequestId": "r-5", "smsAttempt": "1"}
        harness.handle(sqs_record(event))
    assert harness.statuses() == ["SUCCESSFUL", "DELIVERED"]
    assert "destination" not in harness.events.published[-1]["detail"]  # the documented events carry none


def test_late_pending_after_delivered_publishes_nothing(harness: Harness) -> None:
    harness.handle(sqs_record(sms_event("DELIVERED", is_final=True, request_id="r-1")))
    harness.handle(sqs_record(sms_event("PENDING", is_final=False, request_id="r-1")))
    harness.handle(stream_record(harness.sent("r-1", "862a8790-60c0-4430-9b2b-658bdexample")))
    assert harness.statuses() == ["DELIVERED"]
    status = read_status(harness.dynamodb, TABLE, "r-1")
    assert status is not None
    assert status.status == "DELIVERED"


def test_duplicate_event_is_published_once(harness: Harness) -> None:
    record = sqs_record(sms_event("PENDING", is_final=False, request_id="r-1"))
    harness.handle(record)
    harness.handle(record)
    assert harness.statuses() == ["PENDING"]


def test_event_of_a_message_the_queue_did_not_send_is_ignored(harness: Harness) -> None:
    assert harness.handle(sqs_record(sms_event("DELIVERED", is_final=True, request_id=None))) == {
        "batchItemFailures": []
    }
    assert harness.events.published == []


def test_sns_envelope_is_unwrapped(harness: Harness) -> None:
    notification = {"Type": "Notification", "Message": json.dumps(sms_event("QUEUED", is_final=False, request_id="r"))}
    harness.handle(sqs_record(notification))
    assert harness.statuses() == ["QUEUED"]


def test_fails_a_record_that_is_not_an_sms_event(harness: Harness) -> None:
    response = harness.handle(sqs_record("not json", message_id="bad"))
    assert response == {"batchItemFailures": [{"itemIdentifier": "bad"}]}


def test_failed_publication_is_handed_back_and_published_on_redelivery(harness: Harness) -> None:
    harness.events.failures = 1
    record = sqs_record(sms_event("DELIVERED", is_final=True, request_id="r-1"), message_id="q-1")
    assert harness.handle(record) == {"batchItemFailures": [{"itemIdentifier": "q-1"}]}
    assert harness.events.published == []
    assert harness.item("request#r-1", "status")["published"] == {"BOOL": False}
    assert harness.handle(record) == {"batchItemFailures": []}
    assert harness.statuses() == ["DELIVERED"]
    assert harness.item("request#r-1", "status")["published"] == {"BOOL": True}
    harness.handle(record)  # a third copy: published already
    assert harness.statuses() == ["DELIVERED"]


def test_rejection_reasons_map_to_rejected_and_expired(harness: Harness) -> None:
    harness.store.put_rejection("r-1", 1, "INVALID_NUMBER", "landline", NOW_MS)
    harness.store.put_rejection("r-2", 1, "EXPIRED", "deadline passed", NOW_MS)
    harness.handle(
        stream_record(harness.item("request#r-1", "attempt#01"), 1),
        stream_record(harness.item("request#r-2", "attempt#01"), 2),
    )
    details = [e["detail"] for e in harness.events.published]
    for detail in details:
        jsonschema.validate(detail, SCHEMA)
    assert [(d["requestId"], d["status"], d["reason"], d["isFinal"]) for d in details] == [
        ("r-1", "REJECTED", "INVALID_NUMBER", True),
        ("r-2", "EXPIRED", "EXPIRED", True),
    ]


def test_accepted_then_sent_are_published_in_order_with_destination_and_context(harness: Harness) -> None:
    harness.handle(stream_record(harness.accepted("r-1")))
    harness.handle(stream_record(harness.sent("r-1", "msg-1")))
    details = [e["detail"] for e in harness.events.published]
    for detail in details:
        jsonschema.validate(detail, SCHEMA)
    assert [(d["status"], d["attempt"], d["isFinal"]) for d in details] == [("ACCEPTED", 1, False), ("SENT", 1, False)]
    assert details[0]["destination"] == "+1******0156"
    assert details[0]["context"] == {"patient": "p-42"}


def test_accepted_after_sent_publishes_nothing(harness: Harness) -> None:
    accepted = harness.accepted("r-1")
    harness.handle(stream_record(harness.sent("r-1", "msg-1")))
    harness.handle(stream_record(accepted))
    assert harness.statuses() == ["SENT"]


def test_held_then_sent_are_published_in_order_and_a_new_reason_publishes_nothing(harness: Harness) -> None:
    harness.handle(stream_record(harness.accepted("r-1")))
    harness.handle(stream_record(harness.held("r-1", "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT")))
    changed = harness.held("r-1", "ACCOUNT_DISABLED")  # the same hold, another reason: the item is rewritten
    harness.handle(stream_record(changed, event_name="MODIFY"))
    harness.handle(stream_record(harness.sent("r-1", "msg-1")))
    details = [e["detail"] for e in harness.events.published]
    for detail in details:
        jsonschema.validate(detail, SCHEMA)
    assert [d["status"] for d in details] == ["ACCEPTED", "HELD", "SENT"]
    held = details[1]
    assert (held["reason"], held["isFinal"], held["destination"]) == (
        "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT",
        False,
        "+1******0156",
    )
    assert len({d["eventId"] for d in details}) == 3


def test_a_hold_of_a_retry_ranks_above_the_retry_and_below_its_send() -> None:
    with mock_aws():
        harness = Harness(retried=("UNREACHABLE",))
        harness.handle(stream_record(harness.sent("r-1", "msg-1")))
        harness.store.put_retry_marker("msg-1", "RETRIED", NOW_MS)
        harness.handle(stream_record(harness.item("message#msg-1", "retry")))
        harness.handle(stream_record(harness.held("r-1", "ACCOUNT_DISABLED", attempt=2)))
        harness.handle(stream_record(harness.sent("r-1", "msg-2", attempt=2)))
        harness.handle(stream_record(harness.held("r-1", "ACCOUNT_DISABLED", attempt=1)))  # late: nothing
        assert [(e["detail"]["attempt"], e["detail"]["status"]) for e in harness.events.published] == [
            (1, "SENT"),
            (1, "RETRIED"),
            (2, "HELD"),
            (2, "SENT"),
        ]


def test_a_rejection_before_the_first_send_carries_the_destination_and_context(harness: Harness) -> None:
    harness.store.put_rejection(
        "r-1", 1, "EXPIRED", "deadline passed", NOW_MS, destination=DESTINATION, context={"patient": "p-42"}
    )
    harness.handle(stream_record(harness.item("request#r-1", "attempt#01")))
    [event] = harness.events.published
    jsonschema.validate(event["detail"], SCHEMA)
    assert (event["detail"]["status"], event["detail"]["destination"], event["detail"]["context"]) == (
        "EXPIRED",
        "+1******0156",
        {"patient": "p-42"},
    )


def test_rejected_copy_of_a_sent_request_changes_nothing(harness: Harness) -> None:
    harness.handle(stream_record(harness.sent("r-1", "msg-1")))
    harness.store.put_rejection("r-1", 1, "IDEMPOTENCY_KEY_REUSED", "other body", NOW_MS, sort_key="conflict#x")
    harness.handle(stream_record(harness.item("request#r-1", "conflict#x")))
    assert harness.statuses() == ["SENT"]


def test_retry_then_final_failure_with_retried_statuses_not_final() -> None:
    with mock_aws():
        harness = Harness(retried=("UNREACHABLE",))
        harness.handle(stream_record(harness.sent("r-1", "msg-1")))
        harness.handle(sqs_record(sms_event("UNREACHABLE", is_final=True, request_id="r-1", message_id="msg-1")))
        harness.store.put_retry_marker("msg-1", "RETRIED", NOW_MS)
        harness.handle(stream_record(harness.item("message#msg-1", "retry")))
        harness.handle(stream_record(harness.sent("r-1", "msg-2", attempt=2)))
        event = sms_event("UNREACHABLE", is_final=True, request_id="r-1", attempt=2, message_id="msg-2")
        harness.handle(sqs_record(event))
        stored = harness.store.get_message("msg-2")
        assert stored is not None
        harness.store.put_final_failure(stored.request, "UNREACHABLE", "msg-2", NOW_MS, "MAX_ATTEMPTS")
        harness.handle(stream_record(harness.item("request#r-1", "final")))
        details = [e["detail"] for e in harness.events.published]
        for detail in details:
            jsonschema.validate(detail, SCHEMA)
        assert [(d["attempt"], d["status"], d["isFinal"]) for d in details] == [
            (1, "SENT", False),
            (1, "UNREACHABLE", False),
            (1, "RETRIED", False),
            (2, "SENT", False),
            (2, "UNREACHABLE", False),
            (2, "FAILED_FINAL", True),
        ]
        assert details[-1]["reason"] == "MAX_ATTEMPTS"
        assert details[-1]["carrierStatus"] == "UNREACHABLE"
        assert details[2]["context"] == {"patient": "p-42"}


def test_include_phone_numbers_publishes_the_destination_in_full() -> None:
    with mock_aws():
        harness = Harness(include_phone_numbers=True)
        harness.handle(stream_record(harness.sent("r-1", "msg-1")))
        assert harness.events.published[0]["detail"]["destination"] == DESTINATION


def test_reader_answers_from_the_status_item_with_one_query_and_no_scan(harness: Harness) -> None:
    harness.handle(stream_record(harness.sent("r-1", "msg-1")))
    harness.handle(sqs_record(sms_event("DELIVERED", is_final=True, request_id="r-1", message_id="msg-1")))
    calls: list[str] = []

    class Recording:
        def __getattr__(self, name: str) -> Any:
            calls.append(name)
            return getattr(harness.dynamodb, name)

    status = read_status(Recording(), TABLE, "r-1")
    assert calls == ["query"]
    assert status is not None
    assert (status.status, status.is_final, status.message_id, status.carrier_status) == (
        "DELIVERED",
        True,
        "msg-1",
        "DELIVERED",
    )
    assert [change.status for change in status.history] == ["SENT"]


def test_reader_without_a_notifier_uses_the_history_and_knows_nothing_of_unknown_ids(harness: Harness) -> None:
    harness.sent("r-1", "msg-1")
    harness.store.put_rejection("r-1", 2, "EXPIRED", "deadline passed", NOW_MS + 10)
    status = read_status(harness.dynamodb, TABLE, "r-1")
    assert status is not None
    assert (status.status, status.attempt, status.is_final, status.reason) == ("EXPIRED", 2, True, "EXPIRED")
    assert read_status(harness.dynamodb, TABLE, "nobody") is None


# -- ordering property ------------------------------------------------------------------------------------------------

_counter = itertools.count()


def _sequence(harness: Harness, request_id: str, retried: bool, held: bool) -> list[tuple[tuple[int, str], Any]]:
    """A realistic sequence of the records one request causes (store items written by ``MessageStore``), in the
    order the request moves through its statuses, each with the (attempt, status) it publishes."""
    records: list[tuple[tuple[int, str], Any]] = [((1, "ACCEPTED"), stream_record(harness.accepted(request_id)))]
    if held:
        records.append(((1, "HELD"), stream_record(harness.held(request_id, "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT"))))
    records.append(((1, "SENT"), stream_record(harness.sent(request_id, f"{request_id}-m1"))))
    records.append(
        (
            (1, "PENDING"),
            sqs_record(sms_event("PENDING", is_final=False, request_id=request_id, message_id=f"{request_id}-m1")),
        )
    )
    if retried:
        event = sms_event("UNREACHABLE", is_final=True, request_id=request_id, message_id=f"{request_id}-m1")
        records.append(((1, "UNREACHABLE"), sqs_record(event)))
        harness.store.put_retry_marker(f"{request_id}-m1", "RETRIED", NOW_MS)
        records.append(((1, "RETRIED"), stream_record(harness.item(f"message#{request_id}-m1", "retry"))))
        if held:
            records.append(((2, "HELD"), stream_record(harness.held(request_id, "ACCOUNT_DISABLED", attempt=2))))
        records.append(((2, "SENT"), stream_record(harness.sent(request_id, f"{request_id}-m2", attempt=2))))
        attempt, message_id = 2, f"{request_id}-m2"
    else:
        attempt, message_id = 1, f"{request_id}-m1"
    for status, final in (("SUCCESSFUL", False), ("DELIVERED", True)):
        event = sms_event(status, is_final=final, request_id=request_id, attempt=attempt, message_id=message_id)
        records.append(((attempt, status), sqs_record(event)))
    return records


@pytest.fixture(scope="module")
def shared() -> Iterator[Harness]:
    with mock_aws():
        yield Harness(retried=("UNREACHABLE",))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), retried=st.booleans(), held=st.booleans())
def test_permutations_and_duplicates_end_in_the_ordered_final_status(
    shared: Harness, data: st.DataObject, retried: bool, held: bool
) -> None:
    """Accepted, held, sent, carrier statuses and a retry, in any order and with duplicates: what is published is in
    the request's own order (never backwards), each change once, and in order every change is published."""
    request_id = f"prop-{next(_counter)}"
    sequence = _sequence(shared, request_id, retried, held)
    order = [change for change, _ in sequence]
    records = [record for _, record in sequence]
    shuffled = data.draw(st.permutations(records))
    duplicates = data.draw(st.lists(st.sampled_from(records), max_size=4))
    start = len(shared.events.published)
    for record in [*shuffled, *duplicates]:
        assert shared.handle(record) == {"batchItemFailures": []}
    published = [e["detail"] for e in shared.events.published[start:]]
    for detail in published:
        jsonschema.validate(detail, SCHEMA)
    changes = [(d["attempt"], d["status"]) for d in published]
    assert len(changes) == len(set(changes)), "a change was published twice"
    positions = [order.index(change) for change in changes]
    assert positions == sorted(positions), f"a status moved backwards: {changes}"
    if shuffled == records:
        assert changes == order
    status = read_status(shared.dynamodb, TABLE, request_id)
    assert status is not None
    assert (status.status, status.attempt, status.is_final) == ("DELIVERED", 2 if retried else 1, True)
    assert published[-1]["status"] == "DELIVERED"


class ReentrantEvents(RecordingEvents):
    """An event bus during whose first ``PutEvents`` another invocation handles a copy of the same record: the two
    invocations of one change at the same moment."""

    def __init__(self, client: Any, during: Any) -> None:
        super().__init__(client)
        self._during = during
        self.concurrent: dict[str, Any] | None = None

    def put_events(self, **kwargs: Any) -> dict[str, Any]:
        if self._during is not None:
            during, self._during = self._during, None
            self.concurrent = during()
        return super().put_events(**kwargs)


def test_a_copy_handled_while_the_change_is_being_published_is_handed_back_not_published_twice(
    harness: Harness,
) -> None:
    record = sqs_record(sms_event("DELIVERED", is_final=True, request_id="r-inflight"), message_id="q-1")
    copy_of_it = sqs_record(sms_event("DELIVERED", is_final=True, request_id="r-inflight"), message_id="q-2")
    second = Notifier(
        harness.notifier.config, dynamodb=harness.dynamodb, events=harness.events, clock=lambda: NOW_MS / 1000
    )
    events = ReentrantEvents(boto3.client("events", region_name="us-east-1"), lambda: second.handle(batch(copy_of_it)))
    harness.events = second.events = events
    harness.notifier.events = events

    assert harness.handle(record) == {"batchItemFailures": []}

    # The copy came while the first invocation had written the change and not yet published it: handed back ...
    assert events.concurrent == {"batchItemFailures": [{"itemIdentifier": "q-2"}]}
    assert harness.statuses() == ["DELIVERED"]
    # ... and on its redelivery the change is published already: nothing more.
    assert second.handle(batch(copy_of_it)) == {"batchItemFailures": []}
    assert harness.statuses() == ["DELIVERED"]
    assert "claim" not in harness.item("request#r-inflight", "status")


def test_a_claim_of_an_invocation_that_died_expires_and_the_change_is_published(harness: Harness) -> None:
    change = sms_event("DELIVERED", is_final=True, request_id="r-died")
    later = Notifier(
        harness.notifier.config,
        dynamodb=harness.dynamodb,
        events=harness.events,
        clock=lambda: NOW_MS / 1000 + CLAIM_SECONDS + 1,
    )
    # An invocation wrote and claimed the change, then died before publishing it.
    written = change_from_sms_event(SmsEvent.from_record(change), ())
    assert written is not None
    assert harness.notifier.store.apply(written, NOW_MS, "died") is not None
    copy_now = sqs_record(change, message_id="q-2")
    assert harness.handle(copy_now) == {"batchItemFailures": [{"itemIdentifier": "q-2"}]}  # the claim is live
    assert harness.statuses() == []
    assert later.handle(batch(copy_now)) == {"batchItemFailures": []}  # expired: published
    assert harness.statuses() == ["DELIVERED"]
