"""Delivery status of send-queue requests: the status event, its ranking, the status item and the reader.

A request moves through statuses: the send queue's own outcomes (recorded in the message store) and the carrier
statuses of the SMS events of its configuration set. ``SmsStatusNotifier`` turns each change into one **status event**
(schema: ``status.schema.json`` next to this module, version :data:`SCHEMA_VERSION`) and keeps the request's latest
status in the store:

========================  ================  ===========================================================
pk                        sk                what
========================  ================  ===========================================================
``request#<requestId>``   ``status``        the latest status of the request (written by the notifier)
========================  ================  ===========================================================

**Never backwards.** Every status has a *rank* inside its attempt (:data:`RANKS`); the item is written only when the
new ``attempt * 100 + rank`` is higher than the stored one (one conditional write), and an event is published only
when that write succeeds. Late, out-of-order and duplicate SMS events therefore never move a request back, and each
change is published once (at least once: a crash between the publication and its acknowledgement publishes it again
with the same ``eventId``).

**One publisher per change.** The write that takes a change also *claims* its publication for :data:`CLAIM_SECONDS`
(``claim``, ``claimUntil``). A copy of the same change handled at the same time (two invocations, two copies of one
SMS event) finds the change written, unpublished and claimed: it is neither published nor dropped but handed back
(:class:`ChangeInFlightError`), and on its redelivery it finds the change published (nothing to do) or, if the
claimant failed, unclaimed (a failed publication gives its claim back) or its claim expired (a claimant that died):
then it publishes.

:func:`read_status` answers "where is my message" with one ``Query`` of the request's partition (no scan).

Stdlib only: the caller passes a boto3 DynamoDB client.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any, Final

from .events import CONTEXT_ATTEMPT, CONTEXT_REQUEST_ID, SUCCESS_STATUSES, SmsEvent

__all__ = [
    "CLAIM_SECONDS",
    "DETAIL_TYPE",
    "EVENT_SOURCE",
    "RANKS",
    "SCHEMA_VERSION",
    "STATUS_SORT_KEY",
    "ChangeInFlightError",
    "DeliveryStatus",
    "RequestStatus",
    "StatusChange",
    "StatusStore",
    "change_from_sms_event",
    "change_from_store_item",
    "load_schema",
    "mask_phone_number",
    "read_status",
]

#: Version of the status event schema (``schemaVersion`` of every event). A new optional field is a minor change; a
#: removed or retyped field, a major one.
SCHEMA_VERSION: Final = "1.0"
#: ``source`` of the status events on the event bus.
EVENT_SOURCE: Final = "sms-constructs"
#: ``detail-type`` of the status events on the event bus.
DETAIL_TYPE: Final = "SMS Request Status Changed"
#: Sort key of the status item in the request's partition.
STATUS_SORT_KEY: Final = "status"
#: How long the write of a change claims its publication: longer than an invocation of the status function can last
#: (``SmsStatusNotifier``'s timeout, 30 s), so a live claimant is never overtaken.
CLAIM_SECONDS: Final = 60


class ChangeInFlightError(RuntimeError):
    """The same change is being published by another invocation (its claim is live): hand the record back; on its
    redelivery the change is published already, or free to publish."""


_EXPIRATION: Final = "expiration"


class RequestStatus:
    """The library's own status values. Carrier statuses are published as the SMS events give them (``PENDING``,
    ``QUEUED``, ``SUCCESSFUL``, ``DELIVERED``, ``CARRIER_UNREACHABLE``, …)."""

    #: The sender took the request from the send queue (its first receive of the first attempt).
    ACCEPTED: Final = "ACCEPTED"
    #: The send was refused for a reason of the account, a limit, the identity or the deployment and waits
    #: (``reason``); published once per attempt.
    HELD: Final = "HELD"
    #: The service accepted ``SendTextMessage``: ``messageId`` and ``parts`` are set.
    SENT: Final = "SENT"
    #: The send queue rejected the attempt (``reason``); never retried.
    REJECTED: Final = "REJECTED"
    #: The attempt's deadline passed before it could be sent (a rejection with reason ``EXPIRED``).
    EXPIRED: Final = "EXPIRED"
    #: The attempt failed on a transient carrier status and the next attempt is scheduled.
    RETRIED: Final = "RETRIED"
    #: The request failed for good after its last attempt (``reason``: why it is not retried again).
    FAILED_FINAL: Final = "FAILED_FINAL"
    #: No final carrier status within 72 hours (the service's own ``UNKNOWN`` event).
    UNKNOWN: Final = "UNKNOWN"


#: Rank of each status inside its attempt: a change is applied only when ``attempt * 100 + rank`` grows. Carrier
#: statuses not named here rank by finality (:func:`carrier_rank`).
RANKS: Final[Mapping[str, int]] = {
    RequestStatus.ACCEPTED: 10,
    RequestStatus.HELD: 15,
    RequestStatus.SENT: 20,
    "QUEUED": 30,
    "PENDING": 32,
    RequestStatus.REJECTED: 90,
    RequestStatus.EXPIRED: 90,
    RequestStatus.RETRIED: 95,
    RequestStatus.FAILED_FINAL: 99,
}
_NON_FINAL_CARRIER_RANK: Final = 35
_NON_FINAL_SUCCESS_RANK: Final = 40
_FINAL_FAILURE_RANK: Final = 60
_FINAL_SUCCESS_RANKS: Final[Mapping[str, int]] = {"SUCCESSFUL": 70, "DELIVERED": 80}
_ATTEMPT_WEIGHT: Final = 100
#: Keys the send queue adds to the ``Context`` it sends; not the producer's, so left out of the published context.
_LIBRARY_CONTEXT_KEYS: Final = frozenset({CONTEXT_REQUEST_ID, CONTEXT_ATTEMPT})


def carrier_rank(status: str, is_final: bool) -> int:
    """Rank of a carrier status: intermediate ones below final ones, final successes above final failures (a message
    can report ``SUCCESSFUL`` and then ``DELIVERED``, both final)."""
    if is_final:
        return _FINAL_SUCCESS_RANKS.get(status, _FINAL_FAILURE_RANK)
    if status in RANKS:
        return RANKS[status]
    return _NON_FINAL_SUCCESS_RANK if status in SUCCESS_STATUSES else _NON_FINAL_CARRIER_RANK


def mask_phone_number(number: str) -> str:
    """``+14255557890`` → ``+1******7890``: the ``+``, the first digit and the last four stay."""
    if len(number) <= 6:  # too short to keep anything but the plus
        return number[:1] + "*" * (len(number) - 1) if number.startswith("+") else "*" * len(number)
    return number[:2] + "*" * (len(number) - 6) + number[-4:]


@dataclass(frozen=True)
class StatusChange:
    """One status change of a request, before it is ranked against the stored status."""

    request_id: str
    attempt: int
    status: str
    rank: int
    is_final: bool
    at: int
    message_id: str | None = None
    parts: int | None = None
    reason: str | None = None
    carrier_status: str | None = None
    destination: str | None = None
    context: Mapping[str, str] | None = None

    @property
    def sequence(self) -> int:
        """``attempt * 100 + rank``: the order the status item follows."""
        return self.attempt * _ATTEMPT_WEIGHT + self.rank

    @property
    def event_id(self) -> str:
        """Stable id of the change (the same for every redelivery): consumers deduplicate on it."""
        digest = hashlib.sha256(f"{self.request_id}\x00{self.attempt}\x00{self.status}".encode()).hexdigest()
        return digest[:32]


def change_from_sms_event(event: SmsEvent, retried_statuses: Iterable[str] = ()) -> StatusChange | None:
    """The change an SMS event of the configuration set makes, or ``None`` when the message was not sent by the send
    queue (no ``smsRequestId`` in its context).

    ``isFinal`` follows the event's flag (short codes end at a final ``SUCCESSFUL``), except for the statuses in
    ``retried_statuses`` (those ``SmsRetry`` retries): the request then goes on to ``RETRIED`` or ``FAILED_FINAL``.
    """
    request_id = event.request_id
    if not request_id:
        return None
    status = event.message_status
    is_final = event.is_final and status not in frozenset(retried_statuses)
    context = {k: v for k, v in event.context.items() if k not in _LIBRARY_CONTEXT_KEYS}
    return StatusChange(
        request_id=request_id,
        attempt=event.attempt or 1,
        status=status,
        rank=carrier_rank(status, event.is_final),
        is_final=is_final,
        at=event.event_timestamp,
        message_id=event.message_id,
        parts=event.total_message_parts,
        carrier_status=status,
        destination=event.destination_phone_number,
        context=context,
    )


def _s(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name)
    return str(value["S"]) if isinstance(value, Mapping) and "S" in value else None


def _n(item: Mapping[str, Any], name: str) -> int | None:
    value = item.get(name)
    return int(value["N"]) if isinstance(value, Mapping) and "N" in value else None


def _context(item: Mapping[str, Any]) -> dict[str, str] | None:
    """The producer's ``context`` a history item keeps (JSON), without the send queue's keys; ``None`` if none."""
    raw = _s(item, "context")
    if not raw:
        return None
    try:
        decoded = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(decoded, dict):
        return None
    return {str(k): str(v) for k, v in decoded.items() if k not in _LIBRARY_CONTEXT_KEYS}


def change_from_store_item(item: Mapping[str, Any]) -> StatusChange | None:  # noqa: PLR0911 - one return per item kind
    """The change a request-history item of the message store records (a DynamoDB-JSON item, e.g. a stream record's
    ``NewImage``), or ``None`` for items that are not a request's outcome.

    ``attempt#NN`` SENT → ``SENT``; REJECTED → ``REJECTED`` (``EXPIRED`` for reason ``EXPIRED``); ``final`` →
    ``FAILED_FINAL``; ``held#NN`` → ``HELD``; ``accepted`` → ``ACCEPTED``. The destination and producer context an
    ``accepted``, ``held#NN`` or rejection item keeps go with the change. ``conflict#…`` and
    ``rejected#…`` items are rejected *copies* that reused the id: the request itself is unchanged. A retry marker
    (``message#<id>`` / ``retry``) needs the message's request: :meth:`StatusStore.change_from_item` resolves it.
    """
    pk, sk = _s(item, "pk") or "", _s(item, "sk") or ""
    if not pk.startswith("request#"):
        return None
    request_id = pk.removeprefix("request#")
    at = _n(item, "at") or 0
    status = _s(item, "status")
    destination, context = _s(item, "destination"), _context(item)
    if sk.startswith("attempt#"):
        attempt = _n(item, "attempt") or int(sk.removeprefix("attempt#") or 1)
        if status == "SENT":
            return StatusChange(
                request_id, attempt, RequestStatus.SENT, RANKS[RequestStatus.SENT], False, at,
                message_id=_s(item, "messageId"), parts=_n(item, "parts"),
            )  # fmt: skip
        if status == "REJECTED":
            reason = _s(item, "reason")
            name = RequestStatus.EXPIRED if reason == "EXPIRED" else RequestStatus.REJECTED
            return StatusChange(
                request_id, attempt, name, RANKS[name], True, at,
                reason=reason, destination=destination, context=context,
            )  # fmt: skip
        return None
    if sk == "final":
        attempt = _n(item, "attempts") or 1
        return StatusChange(
            request_id, attempt, RequestStatus.FAILED_FINAL, RANKS[RequestStatus.FAILED_FINAL], True, at,
            message_id=_s(item, "lastMessageId"), reason=_s(item, "reason"), carrier_status=_s(item, "lastStatus"),
        )  # fmt: skip
    if sk.startswith("held#"):
        attempt = _n(item, "attempt") or int(sk.removeprefix("held#") or 1)
        return StatusChange(
            request_id, attempt, RequestStatus.HELD, RANKS[RequestStatus.HELD], False, at,
            reason=_s(item, "reason"), destination=destination, context=context,
        )  # fmt: skip
    if sk == "accepted":
        return StatusChange(
            request_id, _n(item, "attempt") or 1, RequestStatus.ACCEPTED, RANKS[RequestStatus.ACCEPTED], False, at,
            destination=destination, context=context,
        )  # fmt: skip
    return None


@dataclass(frozen=True)
class DeliveryStatus:
    """Where a request is: its latest status and its history as the store keeps it.

    :param request_id: The request.
    :param status: The latest status (a :class:`RequestStatus` value or a carrier status).
    :param is_final: True when no further change will come.
    :param attempt: The attempt the status belongs to.
    :param at: When it changed (epoch ms).
    :param message_id: The ``MessageId`` of that attempt, once sent.
    :param parts: Parts of the message, once sent.
    :param reason: Why it was rejected or failed for good.
    :param carrier_status: The last carrier status of that attempt.
    :param history: Every outcome the store holds for the request (status items as ``StatusChange``), oldest first.
    """

    request_id: str
    status: str
    is_final: bool
    attempt: int
    at: int
    message_id: str | None = None
    parts: int | None = None
    reason: str | None = None
    carrier_status: str | None = None
    history: tuple[StatusChange, ...] = field(default_factory=tuple)


def read_status(client: Any, table_name: str, request_id: str) -> DeliveryStatus | None:
    """Where request ``request_id`` is, from the message store: one strongly consistent ``Query`` of its partition
    (paged), never a scan. ``None`` when the store knows nothing of it (never sent, or expired after the store's
    retention).

    The status item of ``SmsStatusNotifier`` gives the status, carrier statuses included; without one (no notifier,
    or its events not processed yet) the highest-ranked history item does.
    """
    items: list[Mapping[str, Any]] = []
    kwargs: dict[str, Any] = {
        "TableName": table_name,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": f"request#{request_id}"}},
        "ConsistentRead": True,
    }
    while True:
        page = client.query(**kwargs)
        items.extend(page.get("Items", []))
        if not page.get("LastEvaluatedKey"):
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    history = sorted(
        (change for change in map(change_from_store_item, items) if change is not None),
        key=lambda change: (change.at, change.sequence),
    )
    status_item = next((item for item in items if _s(item, "sk") == STATUS_SORT_KEY), None)
    if status_item is not None:
        return DeliveryStatus(
            request_id=request_id,
            status=_s(status_item, "status") or RequestStatus.UNKNOWN,
            is_final=_bool(status_item, "isFinal"),
            attempt=_n(status_item, "attempt") or 1,
            at=_n(status_item, "at") or 0,
            message_id=_s(status_item, "messageId"),
            parts=_n(status_item, "parts"),
            reason=_s(status_item, "reason"),
            carrier_status=_s(status_item, "carrierStatus"),
            history=tuple(history),
        )
    if not history:
        return None
    latest = max(history, key=lambda change: change.sequence)
    return DeliveryStatus(
        request_id=request_id,
        status=latest.status,
        is_final=latest.is_final,
        attempt=latest.attempt,
        at=latest.at,
        message_id=latest.message_id,
        parts=latest.parts,
        reason=latest.reason,
        carrier_status=latest.carrier_status,
        history=tuple(history),
    )


def _bool(item: Mapping[str, Any], name: str) -> bool:
    value = item.get(name)
    return bool(value["BOOL"]) if isinstance(value, Mapping) and "BOOL" in value else False


class StatusStore:
    """The notifier's side of the store: resolves retry markers, applies changes with a rank condition, builds the
    published event from the item as written.

    :param client: A boto3 ``dynamodb`` client.
    :param table_name: The send queue's message store.
    :param retention_seconds: How long the status item lives after its last change (the store's retention).
    """

    def __init__(self, client: Any, table_name: str, retention_seconds: int) -> None:
        self._client = client
        self.table_name = table_name
        self.retention_seconds = retention_seconds

    def change_from_item(self, item: Mapping[str, Any]) -> StatusChange | None:
        """:func:`change_from_store_item`, plus ``RETRIED`` for a retry marker whose outcome is ``RETRIED`` (the
        message's request is read with one ``GetItem``) and the destination and context of a sent message."""
        pk, sk = _s(item, "pk") or "", _s(item, "sk") or ""
        if pk.startswith("message#") and sk == "retry":
            if _s(item, "outcome") != RequestStatus.RETRIED:
                return None  # EXHAUSTED: the final item that follows says FAILED_FINAL
            message_id = pk.removeprefix("message#")
            sent = self._sent_message(message_id)
            if sent is None:
                return None
            return StatusChange(
                request_id=sent["requestId"],
                attempt=int(sent.get("attempt", 1)),
                status=RequestStatus.RETRIED,
                rank=RANKS[RequestStatus.RETRIED],
                is_final=False,
                at=_n(item, "at") or 0,
                message_id=message_id,
                destination=sent.get("destinationPhoneNumber"),
                context=sent.get("context"),
            )
        change = change_from_store_item(item)
        if change is not None and change.message_id and change.status == RequestStatus.SENT:
            sent = self._sent_message(change.message_id)
            if sent is not None:
                return replace(change, destination=sent.get("destinationPhoneNumber"), context=sent.get("context"))
        return change

    def _sent_message(self, message_id: str) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self.table_name,
            Key={"pk": {"S": f"message#{message_id}"}, "sk": {"S": "message"}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        if not item:
            return None
        request = json.loads(item["request"]["S"])
        context = {k: str(v) for k, v in (request.get("context") or {}).items() if k not in _LIBRARY_CONTEXT_KEYS}
        return {
            "requestId": str(item["requestId"]["S"]),
            "attempt": int(item["attempt"]["N"]),
            "destinationPhoneNumber": request.get("destinationPhoneNumber"),
            "context": context,
        }

    def apply(self, change: StatusChange, now_ms: int, claim: str = "") -> dict[str, Any] | None:
        """Write ``change`` to the status item if it ranks above the stored status (or equals it, was never published
        and nobody's claim on it is live), claiming its publication for ``claim`` (a token unique to this handling);
        returns the item as written, or ``None`` when the change is old or a duplicate.

        :raises ChangeInFlightError: the change is written, unpublished and claimed by another handling.
        """
        names = {
            "#seq": "sequence",
            "#status": "status",
            "#attempt": "attempt",
            "#final": "isFinal",
            "#at": "at",
            "#published": "published",
            "#expiration": _EXPIRATION,
            "#requestId": "requestId",
            "#claim": "claim",
            "#claimUntil": "claimUntil",
        }
        values: dict[str, Any] = {
            ":seq": {"N": str(change.sequence)},
            ":status": {"S": change.status},
            ":attempt": {"N": str(change.attempt)},
            ":final": {"BOOL": change.is_final},
            ":at": {"N": str(change.at)},
            ":false": {"BOOL": False},
            ":expiration": {"N": str(now_ms // 1000 + self.retention_seconds)},
            ":requestId": {"S": change.request_id},
            ":claim": {"S": claim or "-"},
            ":claimUntil": {"N": str(now_ms + CLAIM_SECONDS * 1000)},
            ":now": {"N": str(now_ms)},
        }
        sets = [f"{name} = {name.replace('#', ':')}" for name in names if name not in ("#published", "#seq")]
        sets += ["#seq = :seq", "#published = :false"]
        removes: list[str] = []
        optional: dict[str, Any] = {
            "messageId": {"S": change.message_id} if change.message_id else None,
            "parts": {"N": str(change.parts)} if change.parts is not None else None,
            "reason": {"S": change.reason} if change.reason else None,
            "carrierStatus": {"S": change.carrier_status} if change.carrier_status else None,
        }
        for attribute, value in optional.items():
            names[f"#{attribute}"] = attribute
            if value is None:
                removes.append(f"#{attribute}")
            else:
                values[f":{attribute}"] = value
                sets.append(f"#{attribute} = :{attribute}")
        kept: dict[str, Any] = {
            "destination": {"S": change.destination} if change.destination else None,
            "context": {"S": json.dumps(dict(change.context), sort_keys=True)} if change.context else None,
        }
        for attribute, value in kept.items():  # kept from earlier changes when this one does not know them
            if value is not None:
                names[f"#{attribute}"] = attribute
                values[f":{attribute}"] = value
                sets.append(f"#{attribute} = :{attribute}")
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        try:
            response = self._client.update_item(
                TableName=self.table_name,
                Key=self._key(change.request_id),
                UpdateExpression=expression,
                ConditionExpression=(
                    "attribute_not_exists(#seq) OR #seq < :seq OR (#seq = :seq AND #published = :false"
                    " AND (attribute_not_exists(#claimUntil) OR #claimUntil < :now))"
                ),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            if self._in_flight(change):
                raise ChangeInFlightError(
                    f"status {change.status} of {change.request_id} is being published by another invocation"
                ) from None
            return None
        return dict(response["Attributes"])

    def _in_flight(self, change: StatusChange) -> bool:
        """Whether the stored status is ``change``, unpublished (so claimed by someone else): one consistent read,
        only when the conditional write was refused."""
        stored = self._client.get_item(
            TableName=self.table_name, Key=self._key(change.request_id), ConsistentRead=True
        ).get("Item")
        if not stored:
            return False
        return _n(stored, "sequence") == change.sequence and stored.get("published") == {"BOOL": False}

    def release(self, change: StatusChange, claim: str) -> None:
        """Give back the claim on ``change`` after its publication failed, so its redelivery publishes it at once
        (a claim taken over since is left as it is)."""
        with contextlib.suppress(self._client.exceptions.ConditionalCheckFailedException):
            self._client.update_item(
                TableName=self.table_name,
                Key=self._key(change.request_id),
                UpdateExpression="REMOVE #claim, #claimUntil",
                ConditionExpression="#seq = :seq AND #claim = :claim",
                ExpressionAttributeNames={"#claim": "claim", "#claimUntil": "claimUntil", "#seq": "sequence"},
                ExpressionAttributeValues={":seq": {"N": str(change.sequence)}, ":claim": {"S": claim or "-"}},
            )

    def mark_published(self, change: StatusChange) -> None:
        """Record that ``change`` was published (a newer change written since is left as it is)."""
        with contextlib.suppress(self._client.exceptions.ConditionalCheckFailedException):
            self._client.update_item(
                TableName=self.table_name,
                Key=self._key(change.request_id),
                UpdateExpression="SET #published = :true REMOVE #claim, #claimUntil",
                ConditionExpression="#seq = :seq",
                ExpressionAttributeNames={
                    "#published": "published",
                    "#seq": "sequence",
                    "#claim": "claim",
                    "#claimUntil": "claimUntil",
                },
                ExpressionAttributeValues={":true": {"BOOL": True}, ":seq": {"N": str(change.sequence)}},
            )

    @staticmethod
    def _key(request_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"request#{request_id}"}, "sk": {"S": STATUS_SORT_KEY}}


def status_event(item: Mapping[str, Any], *, include_phone_numbers: bool = False) -> dict[str, Any]:
    """The published status event (``status.schema.json``) of a status item as :meth:`StatusStore.apply` wrote it."""
    event: dict[str, Any] = {
        "schemaVersion": SCHEMA_VERSION,
        "eventId": event_id_of(item),
        "requestId": _s(item, "requestId"),
        "attempt": _n(item, "attempt"),
        "status": _s(item, "status"),
        "isFinal": _bool(item, "isFinal"),
        "at": _n(item, "at"),
    }
    for name in ("messageId", "reason", "carrierStatus"):
        value = _s(item, name)
        if value is not None:
            event[name] = value
    parts = _n(item, "parts")
    if parts is not None:
        event["parts"] = parts
    destination = _s(item, "destination")
    if destination is not None:
        event["destination"] = destination if include_phone_numbers else mask_phone_number(destination)
    context = _s(item, "context")
    event["context"] = json.loads(context) if context else {}
    return event


def event_id_of(item: Mapping[str, Any]) -> str:
    """:attr:`StatusChange.event_id` of a written status item."""
    digest = hashlib.sha256(
        f"{_s(item, 'requestId')}\x00{_n(item, 'attempt')}\x00{_s(item, 'status')}".encode()
    ).hexdigest()
    return digest[:32]


def load_schema() -> dict[str, Any]:
    """The status event's JSON Schema (``status.schema.json``, shipped in the package)."""
    text = resources.files(__package__ or "sms_constructs_runtime").joinpath("status.schema.json").read_text("utf-8")
    return dict(json.loads(text))
