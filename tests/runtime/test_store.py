"""The message store (``sms_constructs_runtime.store``) against a DynamoDB table as the send queue creates it (moto):
item keys, expirations, the request history, rejections that never overwrite a send, retry markers, final failures,
and the number-lookup cache."""

from __future__ import annotations

from typing import Any

import pytest
from sms_constructs_runtime.contract import SendRequest
from sms_constructs_runtime.store import EXPIRATION_ATTRIBUTE, Breaker, MessageStore, Status

from tests.runtime.conftest import STORE_TABLE

TABLE = STORE_TABLE
RETENTION = 14 * 86_400
NOW_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


@pytest.fixture
def store(client: Any) -> MessageStore:
    return MessageStore(client, TABLE, RETENTION)


def _request(**overrides: Any) -> SendRequest:
    fields: dict[str, Any] = {
        "request_id": "otp-7f3a",
        "destination_phone_number": "+14255550123",
        "message_body": "Your code is 123456",
        "context": {"campaign": "spring"},
    }
    fields.update(overrides)
    return SendRequest(**fields)


def _history(client: Any, request_id: str) -> list[dict[str, Any]]:
    return client.query(  # type: ignore[no-any-return]
        TableName=TABLE,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"request#{request_id}"}},
    )["Items"]


def test_a_send_maps_the_message_id_to_the_request_and_records_the_attempt(client: Any, store: MessageStore) -> None:
    request = _request()
    store.put_sent(request, "msg-1", parts=2, now_ms=NOW_MS)
    stored = store.get_message("msg-1")
    assert stored is not None
    assert stored.message_id == "msg-1"
    assert stored.sent_at_ms == NOW_MS
    # The stored copy remembers when the first attempt was made (the retry window counts from it).
    assert stored.request.first_attempt_at == NOW_MS
    assert stored.request.request_id == request.request_id
    assert stored.request.context == {"campaign": "spring"}
    [attempt] = _history(client, "otp-7f3a")
    assert attempt["sk"] == {"S": "attempt#01"}
    assert attempt["status"] == {"S": Status.SENT}
    assert attempt["messageId"] == {"S": "msg-1"}
    assert attempt["parts"] == {"N": "2"}


def test_a_retry_keeps_the_time_of_the_first_attempt(store: MessageStore) -> None:
    retried = _request(attempt=2, first_attempt_at=NOW_MS - 60_000)
    store.put_sent(retried, "msg-2", parts=1, now_ms=NOW_MS)
    stored = store.get_message("msg-2")
    assert stored is not None
    assert (stored.request.attempt, stored.request.first_attempt_at) == (2, NOW_MS - 60_000)


def test_every_item_expires_after_the_retention(client: Any, store: MessageStore) -> None:
    store.put_sent(_request(), "msg-1", parts=1, now_ms=NOW_MS)
    store.put_retry_marker("msg-1", "RETRIED", NOW_MS)
    store.put_final_failure(_request(attempt=3), "UNREACHABLE", "msg-3", NOW_MS, "MAX_ATTEMPTS")
    items = client.scan(TableName=TABLE)["Items"]
    assert len(items) == 4  # message, its attempt, the retry marker, the final failure
    assert {item[EXPIRATION_ATTRIBUTE]["N"] for item in items} == {str(NOW_MS // 1000 + RETENTION)}


def test_an_unknown_message_id_is_none(store: MessageStore) -> None:
    assert store.get_message("never-sent") is None


def test_a_rejection_is_recorded_with_its_reason_and_a_capped_detail(client: Any, store: MessageStore) -> None:
    store.put_rejection("otp-7f3a", 1, "OPTED_OUT", "x" * 5000, NOW_MS)
    [item] = _history(client, "otp-7f3a")
    assert (item["status"]["S"], item["reason"]["S"]) == (Status.REJECTED, "OPTED_OUT")
    assert len(item["detail"]["S"]) == 1000


def test_a_malformed_copy_of_a_sent_attempt_never_overwrites_the_send(client: Any, store: MessageStore) -> None:
    store.put_sent(_request(), "msg-1", parts=1, now_ms=NOW_MS)
    store.put_rejection("otp-7f3a", 1, "MALFORMED_MESSAGE", "bad copy", NOW_MS + 1, fallback_sort_key="rejected#copy-1")
    items = {item["sk"]["S"]: item for item in _history(client, "otp-7f3a")}
    assert items["attempt#01"]["status"]["S"] == Status.SENT
    assert items["rejected#copy-1"]["reason"]["S"] == "MALFORMED_MESSAGE"


def test_a_malformed_message_without_a_send_takes_the_attempt_slot(client: Any, store: MessageStore) -> None:
    store.put_rejection("otp-7f3a", 1, "MALFORMED_MESSAGE", "bad", NOW_MS, fallback_sort_key="rejected#copy-1")
    [item] = _history(client, "otp-7f3a")
    assert (item["sk"]["S"], item["status"]["S"]) == ("attempt#01", Status.REJECTED)


def test_a_conflicting_copy_is_recorded_under_its_own_key(client: Any, store: MessageStore) -> None:
    store.put_sent(_request(), "msg-1", parts=1, now_ms=NOW_MS)
    store.put_rejection("otp-7f3a", 1, "IDEMPOTENCY_CONFLICT", "other body", NOW_MS, sort_key="conflict#abc")
    items = {item["sk"]["S"]: item["status"]["S"] for item in _history(client, "otp-7f3a")}
    assert items == {"attempt#01": Status.SENT, "conflict#abc": Status.REJECTED}


def test_retry_markers_deduplicate_final_events(store: MessageStore) -> None:
    assert store.has_retry_marker("msg-1") is False
    store.put_retry_marker("msg-1", "RETRIED", NOW_MS)
    assert store.has_retry_marker("msg-1") is True
    assert store.has_retry_marker("msg-2") is False


def test_a_final_failure_names_the_last_status_message_and_attempts(client: Any, store: MessageStore) -> None:
    store.put_final_failure(_request(attempt=3), "TTL_EXPIRED", "msg-3", NOW_MS, "MAX_ATTEMPTS")
    [item] = _history(client, "otp-7f3a")
    assert item["sk"]["S"] == "final"
    assert (item["status"]["S"], item["lastStatus"]["S"], item["lastMessageId"]["S"]) == (
        Status.FAILED,
        "TTL_EXPIRED",
        "msg-3",
    )
    assert (item["attempts"]["N"], item["reason"]["S"]) == ("3", "MAX_ATTEMPTS")


def test_number_lookups_are_cached_until_they_expire(client: Any, store: MessageStore) -> None:
    assert store.get_number_type("+14255550123", NOW_MS) is None
    store.put_number_type("+14255550123", "MOBILE", NOW_MS, ttl_seconds=3600)
    assert store.get_number_type("+14255550123", NOW_MS + 3_599_000) == "MOBILE"
    assert store.get_number_type("+14255550123", NOW_MS + 3_600_000) is None  # expired, even before TTL deletion
    [item] = client.scan(TableName=TABLE)["Items"]
    assert item[EXPIRATION_ATTRIBUTE]["N"] == str(NOW_MS // 1000 + 3600)


def test_the_circuit_breaker_opens_once_probes_once_per_claim_and_closes_only_its_own_opening(
    client: Any, store: MessageStore
) -> None:
    """Against moto's DynamoDB and the simulator's fake, the same answers: the first opening wins (later held sends
    keep it open with their reason), one claim per due probe, and a close names the opening it probed."""
    from sms_constructs.simulate.fake_aws import FakeDynamoDB  # noqa: PLC0415 - the fake the simulator runs on

    for candidate in (store, MessageStore(FakeDynamoDB(), TABLE, RETENTION)):
        key = "pacer#arn:aws:sms-voice:us-east-1:111122223333:pool/pool-1"
        assert candidate.get_breaker(key) is None
        opened = candidate.open_breaker(key, "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT", NOW_MS, NOW_MS + 60_000)
        assert opened == Breaker("MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT", NOW_MS, NOW_MS + 60_000)
        kept = candidate.open_breaker(key, "RESOURCE_NOT_ACTIVE", NOW_MS + 5_000, NOW_MS + 65_000)
        assert kept == Breaker("RESOURCE_NOT_ACTIVE", NOW_MS, NOW_MS + 60_000)  # opening and next probe unchanged
        assert candidate.get_breaker(key) == kept
        assert not candidate.claim_breaker_probe(key, NOW_MS + 59_999, NOW_MS + 120_000)  # not due yet
        assert candidate.claim_breaker_probe(key, NOW_MS + 60_000, NOW_MS + 120_000)
        assert not candidate.claim_breaker_probe(key, NOW_MS + 60_001, NOW_MS + 120_001)  # taken: one probe
        assert candidate.get_breaker(key) == Breaker("RESOURCE_NOT_ACTIVE", NOW_MS, NOW_MS + 120_000)
        assert not candidate.close_breaker(key, NOW_MS + 1)  # another opening: stays open
        assert candidate.close_breaker(key, NOW_MS)
        assert candidate.get_breaker(key) is None
        assert not candidate.claim_breaker_probe(key, NOW_MS + 200_000, NOW_MS + 260_000)  # closed: nothing to claim

    assert [i for i in client.scan(TableName=TABLE)["Items"] if i["sk"]["S"] == "breaker"] == []  # closed: deleted


def test_the_breaker_item_expires_with_the_store_and_each_probe_pushes_it_back(
    client: Any, store: MessageStore
) -> None:
    key = "pacer#id"
    store.open_breaker(key, "SPEND", NOW_MS, NOW_MS + 60_000)
    expiration = {"pk": {"S": key}, "sk": {"S": "breaker"}}

    def expires() -> int:
        return int(client.get_item(TableName=TABLE, Key=expiration)["Item"][EXPIRATION_ATTRIBUTE]["N"])

    assert expires() == NOW_MS // 1000 + RETENTION
    assert store.claim_breaker_probe(key, NOW_MS + 86_400_000, NOW_MS + 86_460_000)
    assert expires() == NOW_MS // 1000 + 86_400 + RETENTION
