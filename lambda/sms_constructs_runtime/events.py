"""The SMS event record: the single source of truth for its schema.

AWS End User Messaging SMS emits one JSON record per status change of a message to the configuration set's event
destinations (CloudWatch Logs, Firehose, SNS) and to EventBridge. This module describes every field of that record
once. From it:

- the analytics pattern builds the Glue table that Firehose converts records to Parquet with, and that Athena queries;
- the handlers parse records (``SmsEvent.from_record``) and decide finality and retries;
- the named queries use the column names (``Field.column``).

Stdlib only: it runs inside Lambda and inside ``cdk synth``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

#: ``eventType`` of every SMS event starts with this (``TEXT_DELIVERED``, ...). A destination matching ``ALL``,
#: ``VOICE_ALL``, ``MEDIA_ALL`` or ``RCS_ALL`` also delivers voice, MMS and RCS events with the same fields: readers of
#: SMS events filter on it (the named queries, the quick look).
SMS_EVENT_TYPE_PREFIX: Final = "TEXT_"
#: ``SMS_EVENT_TYPE_PREFIX`` as a regular expression (Logs Insights ``like``).
SMS_EVENT_TYPE_REGEX: Final = "^TEXT_"

# Keys the send queue writes into the SendTextMessage ``Context`` map; the service echoes them in every event.
CONTEXT_REQUEST_ID: Final = "smsRequestId"
CONTEXT_ATTEMPT: Final = "smsAttempt"
#: Written only for a request that names its producer (contract version 3).
CONTEXT_PRODUCER: Final = "smsProducer"


@dataclass(frozen=True)
class Field:
    """One top-level field of the event record."""

    #: Name in the JSON record (camelCase).
    name: str
    #: Hive/Glue type of the column.
    glue_type: str
    description: str
    #: Present in every SMS event (the AWS examples and the event-format page); others may be absent.
    required: bool = False

    @property
    def column(self) -> str:
        """Column name in Glue/Athena: Glue stores names in lower case; the OpenX JSON SerDe matches them
        case-insensitively to the camelCase JSON keys."""
        return self.name.lower()

    @property
    def attribute(self) -> str:
        """Attribute of :class:`SmsEvent` that holds the field (snake_case of the JSON name)."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.name).lower()


PROTECT_CONFIGURATION_TYPE: Final = "struct<protectconfigurationid:string,protectstatus:string>"

FIELDS: Final[tuple[Field, ...]] = (
    Field(
        "eventType",
        "string",
        "Event type, e.g. TEXT_DELIVERED (channel prefix plus messageStatus); SMS events start with TEXT_.",
        True,
    ),
    Field("eventVersion", "string", "Version of the event schema, e.g. 1.0.", True),
    Field("eventTimestamp", "bigint", "When the event was reported, Unix epoch milliseconds.", True),
    Field("isFinal", "boolean", "True when this is the final status of the message (may take up to 72 h).", True),
    Field("originationPhoneNumber", "string", "Origination identity used: E.164 number, sender ID or agent ID."),
    Field("destinationPhoneNumber", "string", "Recipient, E.164."),
    Field("isoCountryCode", "string", "Recipient country, ISO 3166-1 alpha-2."),
    Field("isInternationalSend", "boolean", "Whether international sending applied."),
    Field("mcc", "string", "Mobile country code of the recipient's network."),
    Field("mnc", "string", "Mobile network code of the recipient's network."),
    Field("carrierName", "string", "Recipient's carrier."),
    Field("messageId", "string", "MessageId returned by SendTextMessage; the join key across events.", True),
    Field("messageRequestTimestamp", "bigint", "When the send request was received, Unix epoch milliseconds."),
    Field("messageEncoding", "string", "GSM or UNICODE (UCS-2)."),
    Field("messageType", "string", "TRANSACTIONAL or PROMOTIONAL."),
    Field("messageStatus", "string", "Status without the channel prefix, e.g. DELIVERED, CARRIER_UNREACHABLE.", True),
    Field("messageStatusDescription", "string", "Free-text description from the carrier; never key logic on it."),
    Field("context", "map<string,string>", "The Context map given to SendTextMessage, echoed back."),
    Field(
        "totalMessageParts",
        "int",
        "Parts the message was split into (not the parts billed: a blocked message reports its parts with price 0).",
    ),
    Field("totalMessagePrice", "double", "Price in USD of the message (0 when it was not billed)."),
    Field("totalCarrierFee", "double", "Carrier fee in USD (may differ between two final events of a message)."),
    Field("protectConfiguration", PROTECT_CONFIGURATION_TYPE, "Protect configuration applied and its verdict."),
)

FIELDS_BY_NAME: Final[Mapping[str, Field]] = {f.name: f for f in FIELDS}

#: messageStatus values that mean the message reached the carrier or the handset.
SUCCESS_STATUSES: Final = frozenset({"SUCCESSFUL", "DELIVERED"})
#: Final failures that may be transient (AWS: "transient", "device unavailable", "might be transient").
TRANSIENT_FAILURE_STATUSES: Final = frozenset({"CARRIER_UNREACHABLE", "UNREACHABLE", "TTL_EXPIRED", "UNKNOWN"})
#: Final failures that a resend cannot fix (bad number or body, blocked, spam, protect).
PERMANENT_FAILURE_STATUSES: Final = frozenset(
    {"INVALID", "INVALID_MESSAGE", "BLOCKED", "CARRIER_BLOCKED", "SPAM", "PROTECT_BLOCKED"}
)
#: Every final failure status the library knows (transient and permanent).
FAILURE_STATUSES: Final = TRANSIENT_FAILURE_STATUSES | PERMANENT_FAILURE_STATUSES
#: Intermediate statuses; never final.
INTERMEDIATE_STATUSES: Final = frozenset({"PENDING", "QUEUED"})


class EventParseError(ValueError):
    """A record that is not an SMS event (not JSON, not an object, or a required field missing or mistyped)."""


@dataclass(frozen=True)
class ProtectVerdict:
    """The ``protectConfiguration`` object of an event."""

    protect_configuration_id: str | None
    protect_status: str | None


@dataclass(frozen=True)
class SmsEvent:
    """A parsed SMS event record. Optional fields are ``None`` when the service left them out."""

    event_type: str
    event_version: str
    event_timestamp: int
    is_final: bool
    message_id: str
    message_status: str
    origination_phone_number: str | None = None
    destination_phone_number: str | None = None
    iso_country_code: str | None = None
    is_international_send: bool | None = None
    mcc: str | None = None
    mnc: str | None = None
    carrier_name: str | None = None
    message_request_timestamp: int | None = None
    message_encoding: str | None = None
    message_type: str | None = None
    message_status_description: str | None = None
    context: Mapping[str, str] = field(default_factory=dict)
    total_message_parts: int | None = None
    total_message_price: float | None = None
    total_carrier_fee: float | None = None
    protect_configuration: ProtectVerdict | None = None

    def context_value(self, key: str) -> str | None:
        """The value of ``key`` in the echoed ``context``, or ``None``.

        Falls back to the lower-cased key: Firehose's record format conversion (OpenX JSON SerDe, case-insensitive)
        lower-cases every JSON key, map keys included, so records read back from the analytics table carry
        ``smsattempt`` where the send request said ``smsAttempt``.
        """
        value = self.context.get(key)
        return value if value is not None else self.context.get(key.lower())

    @property
    def request_id(self) -> str | None:
        """The send queue's request id, from the echoed ``context``."""
        return self.context_value(CONTEXT_REQUEST_ID)

    @property
    def attempt(self) -> int | None:
        """The send queue's attempt number (1 for the first send), from the echoed ``context``."""
        raw = self.context_value(CONTEXT_ATTEMPT)
        return int(raw) if raw is not None and raw.isdigit() else None

    @property
    def producer(self) -> str | None:
        """The producer that sent the request (contract version 3), from the echoed ``context``."""
        return self.context_value(CONTEXT_PRODUCER)

    @property
    def is_success(self) -> bool:
        """True when the status means accepted by the carrier or delivered."""
        return self.message_status in SUCCESS_STATUSES

    @property
    def is_final_failure(self) -> bool:
        """True for a final event whose status is not a success."""
        return self.is_final and not self.is_success

    @classmethod
    def from_json(cls, text: str | bytes) -> SmsEvent:
        """Parse one JSON record (as written to Firehose or CloudWatch Logs, or an SNS ``Message``)."""
        try:
            record = json.loads(text)
        except (TypeError, ValueError) as error:
            raise EventParseError(f"not JSON: {error}") from error
        return cls.from_record(record)

    @classmethod
    def from_record(cls, record: Any) -> SmsEvent:
        """Parse a decoded record; the EventBridge envelope (``detail``) is unwrapped."""
        if isinstance(record, Mapping) and record.get("source") == "aws.sms-voice" and "detail" in record:
            record = record["detail"]
        if not isinstance(record, Mapping):
            raise EventParseError(f"an SMS event is a JSON object, not {type(record).__name__}")
        raw_context = record.get("context") or {}
        if not isinstance(raw_context, Mapping):
            raise EventParseError(f"field 'context' must be an object of strings, not {type(raw_context).__name__}")
        return cls(
            event_type=_required(record, "eventType", str),
            event_version=_optional(record, "eventVersion", str) or "1.0",
            event_timestamp=_required(record, "eventTimestamp", int),
            is_final=_required(record, "isFinal", bool),
            message_id=_required(record, "messageId", str),
            message_status=_required(record, "messageStatus", str),
            origination_phone_number=_optional(record, "originationPhoneNumber", str),
            destination_phone_number=_optional(record, "destinationPhoneNumber", str),
            iso_country_code=_optional(record, "isoCountryCode", str),
            is_international_send=_optional(record, "isInternationalSend", bool),
            mcc=_optional(record, "mcc", str),
            mnc=_optional(record, "mnc", str),
            carrier_name=_optional(record, "carrierName", str),
            message_request_timestamp=_optional(record, "messageRequestTimestamp", int),
            message_encoding=_optional(record, "messageEncoding", str),
            message_type=_optional(record, "messageType", str),
            message_status_description=_optional(record, "messageStatusDescription", str),
            context={str(k): str(v) for k, v in raw_context.items() if v is not None},
            total_message_parts=_optional(record, "totalMessageParts", int),
            total_message_price=_optional_number(record, "totalMessagePrice"),
            total_carrier_fee=_optional_number(record, "totalCarrierFee"),
            protect_configuration=_protect_verdict(record.get("protectConfiguration")),
        )


def _protect_verdict(value: Any) -> ProtectVerdict | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise EventParseError(f"field 'protectConfiguration' must be an object, not {type(value).__name__}")
    return ProtectVerdict(
        protect_configuration_id=_optional(value, "protectConfigurationId", str),
        protect_status=_optional(value, "protectStatus", str),
    )


def _required(record: Mapping[str, Any], name: str, kind: type) -> Any:
    if name not in record or record[name] is None:
        raise EventParseError(f"required field '{name}' is missing")
    return _typed(record, name, kind)


def _optional(record: Mapping[str, Any], name: str, kind: type) -> Any:
    if record.get(name) is None:
        return None
    return _typed(record, name, kind)


def _typed(record: Mapping[str, Any], name: str, kind: type) -> Any:
    value = record[name]
    if kind is int and isinstance(value, float) and value.is_integer():
        value = int(value)
    if kind is int and isinstance(value, bool):
        raise EventParseError(f"field '{name}' must be an integer, not a boolean")
    if not isinstance(value, kind):
        raise EventParseError(f"field '{name}' must be {kind.__name__}, not {type(value).__name__}")
    return value


def _optional_number(record: Mapping[str, Any], name: str) -> float | None:
    value = record.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EventParseError(f"field '{name}' must be a number, not {type(value).__name__}")
    return float(value)


def glue_columns() -> list[tuple[str, str, str]]:
    """``(column, glue_type, comment)`` for every field, in record order."""
    return [(f.column, f.glue_type, f.description) for f in FIELDS]
