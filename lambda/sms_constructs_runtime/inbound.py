"""Inbound (two-way) SMS: the message as the service publishes it, keyword matching, the typed events and settings.

The service publishes each message a recipient sends to a two-way number or pool to an SNS topic; the topic's SQS
subscription (raw message delivery **off**) gives the handler the SNS envelope, whose ``Message`` is the inbound
payload (``originationNumber`` — the recipient, ``destinationNumber`` — your number, ``messageKeyword``,
``messageBody``, ``inboundMessageId``, ``previousPublishedMessageId``) and whose ``Timestamp`` is the only time the
message carries: inbound messages are not guaranteed to arrive in order, so that time is what orders them.

Keywords are matched as the service matches them: case-insensitively, on the whole message with white space at its
ends ignored.

Stdlib only: it runs in the inbound and reconciliation handlers, in tests and at synth time (the construct builds
:class:`InboundSettings` and reads the keyword lists from here).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from .settings import _env, _EnvironmentSettings

__all__ = [
    "DEFAULT_OPT_IN_KEYWORDS",
    "EVENT_SOURCE",
    "HELP_KEYWORDS",
    "REQUIRED_OPT_OUT_KEYWORDS",
    "SCHEMA_VERSION",
    "Classification",
    "DetailType",
    "DriftKind",
    "InboundMessage",
    "InboundMetric",
    "InboundParseError",
    "InboundSettings",
    "ReconcileSettings",
    "Route",
    "RouteTarget",
    "TargetType",
    "classify",
    "normalize_keyword",
    "reply_request_id",
]

#: Version of the event details this module writes (``version`` in every detail).
SCHEMA_VERSION: Final = "1"
#: ``source`` of every event ``SmsInbound`` puts on EventBridge.
EVENT_SOURCE: Final = "sms-constructs.inbound"
#: The service's required opt-out keywords (US and Canada): the service answers them with the STOP reply and adds the
#: number to the opt-out list.
REQUIRED_OPT_OUT_KEYWORDS: Final = frozenset(
    {"ARRET", "CANCEL", "END", "OPT-OUT", "OPTOUT", "QUIT", "REMOVE", "STOP", "TD", "UNSUBSCRIBE"}
)
#: The mandatory keyword the service answers with the HELP reply.
HELP_KEYWORDS: Final = frozenset({"HELP"})
#: Opt-in keywords unless the construct is told otherwise: the words recipients re-subscribe with (register them as
#: ``OPT_IN`` keywords on the number or pool, so the service removes the number from the opt-out list).
DEFAULT_OPT_IN_KEYWORDS: Final = ("START", "UNSTOP")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,58}")


class DetailType:
    """``detail-type`` of the events ``SmsInbound`` publishes."""

    #: Every inbound message, classified.
    INBOUND_MESSAGE: Final = "InboundMessage"
    #: A recipient opted out (an opt-out keyword newer than anything the ledger held for the number).
    OPTED_OUT: Final = "OptedOut"
    #: A recipient opted back in (an opt-in keyword newer than anything the ledger held for the number).
    OPTED_IN: Final = "OptedIn"
    #: The consent ledger and the opt-out list disagree about a number (scheduled reconciliation).
    CONSENT_DRIFT: Final = "ConsentDrift"


class Classification:
    """What an inbound message is (``classification`` of ``InboundMessage``)."""

    #: An opt-out keyword (the service replied and updated the opt-out list).
    OPT_OUT: Final = "OPT_OUT"
    #: An opt-in keyword.
    OPT_IN: Final = "OPT_IN"
    #: HELP (the service replied).
    HELP: Final = "HELP"
    #: A keyword declared with ``SmsInbound.add_keyword``.
    KEYWORD: Final = "KEYWORD"
    #: Anything else (sent to the default target, if any).
    OTHER: Final = "OTHER"


class DriftKind:
    """How the ledger and the opt-out list disagree (``kind`` of ``ConsentDrift``)."""

    #: The ledger says opted out; the opt-out list does not hold the number.
    LEDGER_OPTED_OUT_NOT_ON_LIST: Final = "LEDGER_OPTED_OUT_NOT_ON_LIST"
    #: The ledger says opted in; the opt-out list holds the number.
    LEDGER_OPTED_IN_ON_LIST: Final = "LEDGER_OPTED_IN_ON_LIST"
    #: The opt-out list holds a number the ledger has no record of.
    ON_LIST_NOT_IN_LEDGER: Final = "ON_LIST_NOT_IN_LEDGER"


class TargetType:
    """Kinds of routing targets (``type`` of a :class:`RouteTarget`)."""

    LAMBDA: Final = "LAMBDA"
    EVENT_BUS: Final = "EVENT_BUS"
    SQS: Final = "SQS"
    ALL: Final = (LAMBDA, EVENT_BUS, SQS)


class InboundMetric:
    """Custom metrics of the inbound and reconciliation handlers."""

    #: Inbound messages handled (per ``Classification`` with the ``Reason`` dimension).
    MESSAGES: Final = "InboundMessages"
    #: Further copies of an inbound message already handled.
    DUPLICATES: Final = "DuplicateInboundMessages"
    #: Opt-outs and opt-ins older than what the ledger holds for the number (kept in its history only).
    OUT_OF_ORDER: Final = "OutOfOrderConsentChanges"
    #: Auto-replies put on the send queue.
    REPLIES_QUEUED: Final = "RepliesQueued"
    #: Records that are not inbound messages (they end in the DLQ).
    MALFORMED: Final = "MalformedInboundMessages"
    #: Numbers on which the ledger and the opt-out list disagree (per ``DriftKind`` with ``Reason``).
    CONSENT_DRIFT: Final = "ConsentDrift"
    ALL: Final = (MESSAGES, DUPLICATES, OUT_OF_ORDER, REPLIES_QUEUED, MALFORMED, CONSENT_DRIFT)


class InboundParseError(ValueError):
    """A queue record that is not an SNS notification carrying an inbound SMS."""


@dataclass(frozen=True)
class InboundMessage:
    """One inbound SMS, as the service published it, with the time SNS stamped on it."""

    inbound_message_id: str
    #: The recipient who sent the message (E.164).
    origination_number: str
    #: Your number the message was sent to (E.164).
    destination_number: str
    message_body: str
    #: Epoch milliseconds of the SNS notification (``Timestamp``): the order of a sender's messages.
    received_at: int
    #: The registered keyword the service matched, when it reports one.
    message_keyword: str | None = None
    #: The outbound message this one answers, when the service knows it.
    previous_published_message_id: str | None = None

    @classmethod
    def from_sqs_body(cls, body: str) -> InboundMessage:
        """Parse the body of an SQS record delivered by the two-way topic (the SNS envelope); raises
        :class:`InboundParseError`."""
        try:
            envelope = json.loads(body)
        except ValueError as error:
            raise InboundParseError(f"not JSON: {error}") from error
        if not isinstance(envelope, dict) or envelope.get("Type") != "Notification":
            raise InboundParseError("not an SNS notification (raw message delivery must be off)")
        timestamp = envelope.get("Timestamp")
        message = envelope.get("Message")
        if not isinstance(timestamp, str) or not isinstance(message, str):
            raise InboundParseError("the SNS notification has no Timestamp or Message")
        try:
            received_at = round(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp() * 1000)
            payload = json.loads(message)
        except ValueError as error:
            raise InboundParseError(f"unreadable Timestamp or Message: {error}") from error
        return cls.from_payload(payload, received_at)

    @classmethod
    def from_payload(cls, payload: Any, received_at: int) -> InboundMessage:
        """Read the inbound payload (the SNS ``Message``); raises :class:`InboundParseError`."""
        if not isinstance(payload, Mapping):
            raise InboundParseError("the inbound payload is not a JSON object")
        values: dict[str, str] = {}
        for name in ("inboundMessageId", "originationNumber", "destinationNumber", "messageBody"):
            value = payload.get(name)
            if not isinstance(value, str) or (name != "messageBody" and not value):
                raise InboundParseError(f"the inbound payload has no {name}")
            values[name] = value
        keyword = payload.get("messageKeyword")
        previous = payload.get("previousPublishedMessageId")
        return cls(
            inbound_message_id=values["inboundMessageId"],
            origination_number=values["originationNumber"],
            destination_number=values["destinationNumber"],
            message_body=values["messageBody"],
            received_at=received_at,
            message_keyword=keyword if isinstance(keyword, str) and keyword else None,
            previous_published_message_id=previous if isinstance(previous, str) and previous else None,
        )

    @property
    def received_at_iso(self) -> str:
        """``received_at`` as ISO 8601 UTC with milliseconds."""
        return iso(self.received_at)


def iso(epoch_ms: int) -> str:
    """Epoch milliseconds as ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def normalize_keyword(text: str) -> str:
    """A message or keyword as the service compares them: white space at the ends removed, upper case."""
    return text.strip().upper()


@dataclass(frozen=True)
class RouteTarget:
    """Where a routed message goes: ``type`` (:class:`TargetType`) and ``arn`` (a queue's URL for SQS)."""

    type: str
    arn: str

    def to_json(self) -> dict[str, str]:
        """The target as it is stored in the settings."""
        return {"type": self.type, "arn": self.arn}


@dataclass(frozen=True)
class Route:
    """What happens to messages with one keyword (or to everything else): targets and an optional reply."""

    targets: tuple[RouteTarget, ...] = ()
    reply: str | None = None

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Route:
        """Read a route written by :meth:`to_json`."""
        return cls(
            targets=tuple(RouteTarget(type=t["type"], arn=t["arn"]) for t in value.get("targets", ())),
            reply=value.get("reply"),
        )

    def to_json(self) -> dict[str, Any]:
        """The route as it is stored in the settings."""
        value: dict[str, Any] = {"targets": [t.to_json() for t in self.targets]}
        if self.reply is not None:
            value["reply"] = self.reply
        return value


def classify(
    message: InboundMessage,
    *,
    opt_out_keywords: Sequence[str],
    opt_in_keywords: Sequence[str],
    keywords: Sequence[str],
) -> tuple[str, str | None]:
    """``(classification, matched keyword)`` of ``message``; keywords are compared with :func:`normalize_keyword`.

    Opt-out wins over opt-in, opt-in over HELP, HELP over declared keywords (the construct refuses overlaps anyway).
    """
    text = normalize_keyword(message.message_body)
    for classification, words in (
        (Classification.OPT_OUT, opt_out_keywords),
        (Classification.OPT_IN, opt_in_keywords),
        (Classification.HELP, tuple(HELP_KEYWORDS)),
        (Classification.KEYWORD, keywords),
    ):
        for word in words:
            if text == normalize_keyword(word):
                return classification, normalize_keyword(word)
    return Classification.OTHER, None


def reply_request_id(inbound_message_id: str) -> str:
    """The send-queue request id of the auto-reply to one inbound message: the same for every copy of the message, so
    the reply is sent once (``reply-`` + the id, or + a SHA-256 prefix when the id does not fit a request id)."""
    if _REQUEST_ID.fullmatch(inbound_message_id):
        return f"reply-{inbound_message_id}"
    return "reply-" + hashlib.sha256(inbound_message_id.encode()).hexdigest()[:58]


def message_detail(
    message: InboundMessage, classification: str, keyword: str | None, reply_id: str | None
) -> dict[str, Any]:
    """The ``detail`` of an ``InboundMessage`` event (also the payload sent to routing targets)."""
    return {
        "version": SCHEMA_VERSION,
        "inboundMessageId": message.inbound_message_id,
        "originationNumber": message.origination_number,
        "destinationNumber": message.destination_number,
        "messageBody": message.message_body,
        "messageKeyword": message.message_keyword,
        "previousPublishedMessageId": message.previous_published_message_id,
        "receivedAt": message.received_at_iso,
        "classification": classification,
        "keyword": keyword,
        "replyRequestId": reply_id,
    }


def consent_detail(message: InboundMessage, keyword: str) -> dict[str, Any]:
    """The ``detail`` of an ``OptedOut`` or ``OptedIn`` event."""
    return {
        "version": SCHEMA_VERSION,
        "phoneNumber": message.origination_number,
        "destinationNumber": message.destination_number,
        "keyword": keyword,
        "inboundMessageId": message.inbound_message_id,
        "at": message.received_at_iso,
    }


@dataclass(frozen=True)
class InboundSettings(_EnvironmentSettings):
    """What ``SmsInbound`` tells its inbound function.

    :param dedup_table_name: The table of handled ``inboundMessageId`` values.
    :param ledger_table_name: The consent ledger.
    :param event_bus_name: Where ``InboundMessage``, ``OptedOut`` and ``OptedIn`` go.
    :param routes: JSON: ``{"keywords": {KEYWORD: route}, "default": route}`` (see :class:`Route`).
    :param opt_out_keywords: Keywords that opt a recipient out.
    :param opt_in_keywords: Keywords that opt a recipient back in.
    :param consent_retention_seconds: How long a ledger record is kept after the message that made it.
    :param dedup_retention_seconds: How long a handled id is remembered.
    :param claim_timeout_seconds: After this, a claim by a handler that never finished may be taken over.
    :param reply_valid_for_seconds: Deadline of an auto-reply, from the time it is queued.
    :param send_queue_url: The send queue auto-replies go through (none: no replies).
    :param service_name: ``POWERTOOLS_SERVICE_NAME``.
    :param metrics_namespace: ``POWERTOOLS_METRICS_NAMESPACE``.
    """

    dedup_table_name: str = _env("SMS_INBOUND_DEDUP_TABLE")
    ledger_table_name: str = _env("SMS_CONSENT_TABLE")
    event_bus_name: str = _env("SMS_INBOUND_EVENT_BUS")
    routes: str = _env("SMS_INBOUND_ROUTES")
    opt_out_keywords: tuple[str, ...] = _env("SMS_INBOUND_OPT_OUT_KEYWORDS")
    consent_retention_seconds: int = _env("SMS_CONSENT_RETENTION_SECONDS")
    dedup_retention_seconds: int = _env("SMS_INBOUND_DEDUP_RETENTION_SECONDS")
    claim_timeout_seconds: int = _env("SMS_INBOUND_CLAIM_TIMEOUT_SECONDS")
    reply_valid_for_seconds: int = _env("SMS_INBOUND_REPLY_VALID_FOR_SECONDS")
    service_name: str = _env("POWERTOOLS_SERVICE_NAME")
    metrics_namespace: str = _env("POWERTOOLS_METRICS_NAMESPACE")
    opt_in_keywords: tuple[str, ...] = _env("SMS_INBOUND_OPT_IN_KEYWORDS", ())
    send_queue_url: str | None = _env("SMS_SEND_QUEUE_URL", None)

    def keyword_routes(self) -> dict[str, Route]:
        """Declared keyword (normalized) → its route."""
        decoded = json.loads(self.routes)
        return {normalize_keyword(k): Route.from_json(v) for k, v in decoded.get("keywords", {}).items()}

    def default_route(self) -> Route:
        """The route of messages that match no keyword."""
        return Route.from_json(json.loads(self.routes).get("default", {}))


@dataclass(frozen=True)
class ReconcileSettings(_EnvironmentSettings):
    """What ``SmsInbound`` tells its reconciliation function.

    :param ledger_table_name: The consent ledger.
    :param opt_out_list_name: The opt-out list the ledger is compared with.
    :param event_bus_name: Where ``ConsentDrift`` events go.
    :param service_name: ``POWERTOOLS_SERVICE_NAME``.
    :param metrics_namespace: ``POWERTOOLS_METRICS_NAMESPACE``.
    """

    ledger_table_name: str = _env("SMS_CONSENT_TABLE")
    opt_out_list_name: str = _env("SMS_OPT_OUT_LIST_NAME")
    event_bus_name: str = _env("SMS_INBOUND_EVENT_BUS")
    service_name: str = _env("POWERTOOLS_SERVICE_NAME")
    metrics_namespace: str = _env("POWERTOOLS_METRICS_NAMESPACE")
