"""The message store: one DynamoDB table (``pk``/``sk`` strings, TTL attribute ``expiration``) shared by the sender
and the retry handler.

========================  ================  ===========================================================
pk                        sk                what
========================  ================  ===========================================================
``message#<MessageId>``   ``message``       the request sent as that MessageId (body included) and its attempt
``message#<MessageId>``   ``retry``         marker: the retry handler has re-queued this message (dedup)
``request#<requestId>``   ``accepted``      ``ACCEPTED``: the sender took the request (its first receive; written once)
``request#<requestId>``   ``held#01``       ``HELD``: the attempt was held (written once; again if the reason changes)
``request#<requestId>``   ``attempt#01``    outcome of each attempt: ``SENT`` (with MessageId) or ``REJECTED``
``request#<requestId>``   ``conflict#…``    ``REJECTED``: a copy that reused the id with another destination or body
``request#<requestId>``   ``rejected#…``    ``REJECTED``: a malformed copy of an attempt that was already sent
``request#<requestId>``   ``final``         ``FAILED`` once retries are exhausted
``number#<E.164>``        ``lookup``        cached ``CarrierLookup`` result (``validate_numbers``)
``pacer#<identity>``      ``pacer``         the pacing schedule (see ``pacing``)
``pacer#<identity>``      ``breaker``       the circuit breaker: open while sends to the identity are held
``idempotency#sms-send``  ``sms-send#…``    Powertools idempotency records of the sender
========================  ================  ===========================================================

``accepted``, ``held#NN`` and a ``REJECTED`` ``attempt#NN`` carry the request's ``destination`` and its producer's
``context`` (JSON), so that a status published from them needs no other read.

Read a request's history with ``Query(pk = "request#<requestId>")``. Every item but the pacer expires after the
store's retention (default 14 days), which covers the retry window plus the 72 hours a final event can take; the
breaker's expiry is pushed back at every probe, so it only expires if nothing probed it for a whole retention.

Stdlib only: the caller passes a boto3 DynamoDB client.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .contract import SendRequest

EXPIRATION_ATTRIBUTE: Final = "expiration"


class Status:
    """``status`` of a request-history item."""

    ACCEPTED: Final = "ACCEPTED"
    HELD: Final = "HELD"
    SENT: Final = "SENT"
    REJECTED: Final = "REJECTED"
    FAILED: Final = "FAILED"


#: Sort key of the item that records when the sender took a request.
ACCEPTED_SORT_KEY: Final = "accepted"


def held_sort_key(attempt: int) -> str:
    """Sort key of the item that records that ``attempt`` was held (``held#01``)."""
    return f"held#{attempt:02d}"


def _request_fields(destination: str | None, context: Mapping[str, str] | None) -> dict[str, Any]:
    """The ``destination`` and producer ``context`` (JSON; left out when empty) of a history item."""
    fields: dict[str, Any] = {}
    if destination:
        fields["destination"] = destination
    if context:
        fields["context"] = json.dumps(dict(context), sort_keys=True, ensure_ascii=False)
    return fields


@dataclass(frozen=True)
class Breaker:
    """The circuit breaker of an origination identity, while open.

    :param reason: Why the last held send was refused (the service's ``Reason``).
    :param opened_at_ms: When it opened (epoch ms).
    :param next_probe_at_ms: From when one send may probe whether the hold cleared (epoch ms).
    """

    reason: str
    opened_at_ms: int
    next_probe_at_ms: int


#: Sort key of the circuit breaker item (its partition key is the pacer's).
BREAKER_SORT_KEY: Final = "breaker"


@dataclass(frozen=True)
class StoredMessage:
    """A sent message as the store keeps it."""

    message_id: str
    request: SendRequest
    sent_at_ms: int


class MessageStore:
    """Reads and writes the store's items.

    :param client: A boto3 ``dynamodb`` client.
    :param table_name: The table.
    :param retention_seconds: How long items live (the ``expiration`` TTL attribute).
    """

    def __init__(self, client: Any, table_name: str, retention_seconds: int) -> None:
        self._client = client
        self.table_name = table_name
        self.retention_seconds = retention_seconds

    def _expiration(self, now_ms: int) -> dict[str, str]:
        return {"N": str(now_ms // 1000 + self.retention_seconds)}

    def _put(self, item: dict[str, Any], condition: Mapping[str, Any] | None = None) -> None:
        """``condition``: ``ConditionExpression`` and its ``ExpressionAttributeNames`` / ``Values``."""
        self._client.put_item(TableName=self.table_name, Item=item, **(condition or {}))

    # -- sender --------------------------------------------------------------------------------------------------

    def put_sent(self, request: SendRequest, message_id: str, parts: int, now_ms: int) -> None:
        """Record a successful send: the MessageId → request mapping and the request's history."""
        first_attempt_at = request.first_attempt_at if request.first_attempt_at is not None else now_ms
        stored = SendRequest.from_dict({**request.to_dict(), "firstAttemptAt": first_attempt_at})
        self._put(
            {
                "pk": {"S": f"message#{message_id}"},
                "sk": {"S": "message"},
                "requestId": {"S": request.request_id},
                "attempt": {"N": str(request.attempt)},
                "request": {"S": stored.to_json()},
                "sentAt": {"N": str(now_ms)},
                EXPIRATION_ATTRIBUTE: self._expiration(now_ms),
            }
        )
        self._put_history(request.request_id, request.attempt, now_ms, Status.SENT, messageId=message_id, parts=parts)

    def put_accepted(self, request: SendRequest, now_ms: int) -> bool:
        """Record that the sender took ``request`` (``accepted``, with its attempt, destination and producer context):
        one conditional put that writes only the first time. ``False`` when the item was there already (a duplicate:
        DynamoDB still bills the refused write)."""
        try:
            self._put_history(
                request.request_id,
                request.attempt,
                now_ms,
                Status.ACCEPTED,
                sort_key=ACCEPTED_SORT_KEY,
                condition={"ConditionExpression": "attribute_not_exists(pk)"},
                **_request_fields(request.destination_phone_number, request.context),
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def put_held(self, request: SendRequest, reason: str, now_ms: int) -> bool:
        """Record that the attempt of ``request`` was held and why (``held#NN``, with its destination and producer
        context): one conditional put that writes the first time and when the reason changes, never for the same
        reason again. ``False`` when it changed nothing."""
        try:
            self._put_history(
                request.request_id,
                request.attempt,
                now_ms,
                Status.HELD,
                sort_key=held_sort_key(request.attempt),
                condition={
                    "ConditionExpression": "attribute_not_exists(pk) OR #reason <> :reason",
                    "ExpressionAttributeNames": {"#reason": "reason"},
                    "ExpressionAttributeValues": {":reason": {"S": reason}},
                },
                reason=reason,
                **_request_fields(request.destination_phone_number, request.context),
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def put_rejection(
        self,
        request_id: str,
        attempt: int,
        reason: str,
        detail: str,
        now_ms: int,
        *,
        sort_key: str | None = None,
        fallback_sort_key: str | None = None,
        destination: str | None = None,
        context: Mapping[str, str] | None = None,
    ) -> None:
        """Record that an attempt was rejected and why (never retried).

        ``sort_key`` overrides ``attempt#NN``, for a rejection that must not overwrite the attempt's own outcome
        (a reused idempotency key). With ``fallback_sort_key``, ``attempt#NN`` is written unless it records a send,
        and the rejection goes under ``fallback_sort_key`` instead (a malformed copy of a message that was sent).
        ``destination`` and ``context`` (the producer's), when the request could be read, are kept with it.
        """
        fields: dict[str, Any] = {"reason": reason, "detail": detail[:1000], **_request_fields(destination, context)}
        if fallback_sort_key is None or sort_key is not None:
            self._put_history(request_id, attempt, now_ms, Status.REJECTED, sort_key=sort_key, **fields)
            return
        unless_sent = {
            "ConditionExpression": "attribute_not_exists(#status) OR #status <> :sent",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":sent": {"S": Status.SENT}},
        }
        try:
            self._put_history(request_id, attempt, now_ms, Status.REJECTED, condition=unless_sent, **fields)
        except self._client.exceptions.ConditionalCheckFailedException:
            self._put_history(request_id, attempt, now_ms, Status.REJECTED, sort_key=fallback_sort_key, **fields)

    def _put_history(
        self,
        request_id: str,
        attempt: int,
        now_ms: int,
        status: str,
        *,
        sort_key: str | None = None,
        condition: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> None:
        item: dict[str, Any] = {
            "pk": {"S": f"request#{request_id}"},
            "sk": {"S": sort_key or f"attempt#{attempt:02d}"},
            "attempt": {"N": str(attempt)},
            "status": {"S": status},
            "at": {"N": str(now_ms)},
            EXPIRATION_ATTRIBUTE: self._expiration(now_ms),
        }
        for name, value in fields.items():
            item[name] = {"N": str(value)} if isinstance(value, int) else {"S": str(value)}
        self._put(item, condition)

    def get_number_type(self, phone_number: str, now_ms: int) -> str | None:
        """The cached ``CarrierLookup`` ``PhoneNumberType`` of ``phone_number``, unless missing or expired."""
        response = self._client.get_item(
            TableName=self.table_name,
            Key={"pk": {"S": f"number#{phone_number}"}, "sk": {"S": "lookup"}},
            ConsistentRead=False,
        )
        item = response.get("Item")
        if not item or int(item["validUntil"]["N"]) <= now_ms // 1000:
            return None
        return str(item["phoneNumberType"]["S"])

    def put_number_type(self, phone_number: str, number_type: str, now_ms: int, ttl_seconds: int) -> None:
        """Cache a ``CarrierLookup`` result for ``ttl_seconds``."""
        valid_until = now_ms // 1000 + ttl_seconds
        self._put(
            {
                "pk": {"S": f"number#{phone_number}"},
                "sk": {"S": "lookup"},
                "phoneNumberType": {"S": number_type},
                "validUntil": {"N": str(valid_until)},
                EXPIRATION_ATTRIBUTE: {"N": str(valid_until)},
            }
        )

    # -- circuit breaker -----------------------------------------------------------------------------------------

    @staticmethod
    def _breaker_key(key: str) -> dict[str, Any]:
        return {"pk": {"S": key}, "sk": {"S": BREAKER_SORT_KEY}}

    def get_breaker(self, key: str) -> Breaker | None:
        """The open breaker of pacer key ``key``, or ``None`` when it is closed (one strongly consistent read)."""
        response = self._client.get_item(TableName=self.table_name, Key=self._breaker_key(key), ConsistentRead=True)
        item = response.get("Item")
        if not item:
            return None
        return Breaker(
            reason=str(item["reason"]["S"]),
            opened_at_ms=int(item["openedAt"]["N"]),
            next_probe_at_ms=int(item["nextProbeAt"]["N"]),
        )

    def open_breaker(self, key: str, reason: str, now_ms: int, next_probe_at_ms: int) -> Breaker:
        """Open the breaker of ``key`` (probe from ``next_probe_at_ms``), or, if it is open already, keep it open with
        ``reason`` (its opening time and next probe unchanged). Returns the breaker as it now is."""
        for _ in range(3):  # a breaker closed or opened by another invocation in between: try the other write
            try:
                self._put(
                    {
                        **self._breaker_key(key),
                        "reason": {"S": reason},
                        "openedAt": {"N": str(now_ms)},
                        "nextProbeAt": {"N": str(next_probe_at_ms)},
                        EXPIRATION_ATTRIBUTE: self._expiration(now_ms),
                    },
                    {"ConditionExpression": "attribute_not_exists(pk)"},
                )
                return Breaker(reason, now_ms, next_probe_at_ms)
            except self._client.exceptions.ConditionalCheckFailedException:
                pass
            try:
                response = self._client.update_item(
                    TableName=self.table_name,
                    Key=self._breaker_key(key),
                    UpdateExpression="SET #r = :r, #e = :e",
                    ConditionExpression="attribute_exists(pk)",
                    ExpressionAttributeNames={"#r": "reason", "#e": EXPIRATION_ATTRIBUTE},
                    ExpressionAttributeValues={":r": {"S": reason}, ":e": self._expiration(now_ms)},
                    ReturnValues="ALL_NEW",
                )
            except self._client.exceptions.ConditionalCheckFailedException:
                continue
            item = response["Attributes"]
            return Breaker(reason, int(item["openedAt"]["N"]), int(item["nextProbeAt"]["N"]))
        return Breaker(reason, now_ms, next_probe_at_ms)

    def claim_breaker_probe(self, key: str, now_ms: int, next_probe_at_ms: int) -> bool:
        """Win the right to send the probe: one conditional write moves the next probe to ``next_probe_at_ms`` if it
        was due (``nextProbeAt <= now``). ``False`` when another invocation won it, or the breaker closed."""
        try:
            self._client.update_item(
                TableName=self.table_name,
                Key=self._breaker_key(key),
                UpdateExpression="SET #n = :next, #e = :e",
                ConditionExpression="attribute_exists(pk) AND #n <= :now",
                ExpressionAttributeNames={"#n": "nextProbeAt", "#e": EXPIRATION_ATTRIBUTE},
                ExpressionAttributeValues={
                    ":next": {"N": str(next_probe_at_ms)},
                    ":now": {"N": str(now_ms)},
                    ":e": self._expiration(now_ms),
                },
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def close_breaker(self, key: str, opened_at_ms: int) -> bool:
        """Close the breaker of ``key`` that opened at ``opened_at_ms`` (a conditional delete: a breaker opened again
        since stays). ``False`` when there was no such breaker."""
        try:
            self._client.delete_item(
                TableName=self.table_name,
                Key=self._breaker_key(key),
                ConditionExpression="#o = :o",
                ExpressionAttributeNames={"#o": "openedAt"},
                ExpressionAttributeValues={":o": {"N": str(opened_at_ms)}},
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    # -- retry ---------------------------------------------------------------------------------------------------

    def get_message(self, message_id: str) -> StoredMessage | None:
        """The request sent as ``message_id``, or ``None`` when the store does not know it."""
        response = self._client.get_item(
            TableName=self.table_name,
            Key={"pk": {"S": f"message#{message_id}"}, "sk": {"S": "message"}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        if not item:
            return None
        return StoredMessage(
            message_id=message_id,
            request=SendRequest.from_dict(json.loads(item["request"]["S"])),
            sent_at_ms=int(item["sentAt"]["N"]),
        )

    def has_retry_marker(self, message_id: str) -> bool:
        """True when the retry handler already acted on a final event of ``message_id``."""
        response = self._client.get_item(
            TableName=self.table_name,
            Key={"pk": {"S": f"message#{message_id}"}, "sk": {"S": "retry"}},
            ConsistentRead=True,
        )
        return "Item" in response

    def put_retry_marker(self, message_id: str, outcome: str, now_ms: int) -> None:
        """Remember that a final event of ``message_id`` was acted on (``outcome``: RETRIED or EXHAUSTED)."""
        self._put(
            {
                "pk": {"S": f"message#{message_id}"},
                "sk": {"S": "retry"},
                "outcome": {"S": outcome},
                "at": {"N": str(now_ms)},
                EXPIRATION_ATTRIBUTE: self._expiration(now_ms),
            }
        )

    def put_final_failure(
        self, request: SendRequest, last_status: str, message_id: str, now_ms: int, reason: str
    ) -> None:
        """Record that ``request`` failed for good after ``request.attempt`` attempts, and why it is not retried again
        (``reason``, e.g. ``MAX_ATTEMPTS``)."""
        self._put(
            {
                "pk": {"S": f"request#{request.request_id}"},
                "sk": {"S": "final"},
                "status": {"S": Status.FAILED},
                "lastStatus": {"S": last_status},
                "lastMessageId": {"S": message_id},
                "reason": {"S": reason},
                "attempts": {"N": str(request.attempt)},
                "at": {"N": str(now_ms)},
                EXPIRATION_ATTRIBUTE: self._expiration(now_ms),
            }
        )
