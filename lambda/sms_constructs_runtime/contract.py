"""The producer contract of the send queue: one versioned JSON object per SQS message.

Producers (``sms_constructs_runtime.SmsProducer``, or any code that writes the JSON below; its JSON Schema is
``contract.schema.json`` next to this module) put one message per SMS on the queue; the sender Lambda validates it
with the same code before it sends. Version 2 (version 1 is the same without ``notAfter``)::

    {
      "version": 2,                               # required: 1, or 2 when notAfter is set
      "requestId": "order-1234-shipped",          # required, the idempotency key: 1-64 of A-Z a-z 0-9 . _ : -
      "destinationPhoneNumber": "+14255550123",   # required, E.164
      "messageBody": "Your order has shipped.",   # required, 1-1600 characters, at most 1530 GSM-7 / 630 UCS-2 units
      "messageType": "TRANSACTIONAL",             # optional, TRANSACTIONAL | PROMOTIONAL; default: the queue's
      "context": {"orderId": "1234"},             # optional, at most 3 entries, echoed in every event
      "timeToLiveSeconds": 3600,                  # optional, 5-259200; default: the queue's
      "maxPrice": "0.05",                         # optional, USD per part, e.g. "0.05"; default: the queue's
      "notAfter": 1767226200000,                  # optional (version 2), epoch ms: never sent or retried after it
      "attempt": 1,                               # set by the retry handler; producers leave it out
      "firstAttemptAt": 1767225600000             # set by the retry handler (epoch ms of the first send)
    }

Versions: the sender reads every version in :data:`SUPPORTED_VERSIONS`; a writer uses the lowest version that holds
the message (version 1 unless ``notAfter`` is set), so producers keep working with senders deployed before a version
existed. Unknown fields are refused (a typo such as ``"ttl"`` must not be silently ignored): a new field means a new
version. The same ``requestId`` with the same ``attempt`` is sent at most once, however often the message is delivered.

Stdlib only: it runs inside Lambda, in the producer client and at synth time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

from .events import CONTEXT_ATTEMPT, CONTEXT_REQUEST_ID
from .parts import API_MAX_CHARACTERS, PartCount, count_parts

#: The newest contract version (the one that holds every field).
CONTRACT_VERSION: Final = 2
#: Every version the sender reads.
SUPPORTED_VERSIONS: Final = (1, 2)
#: SQS message attribute that carries the version, so consumers can route without parsing the body.
VERSION_ATTRIBUTE: Final = "smsContractVersion"
#: SQS message attributes of a held request the sender re-enqueued as a new message (the body is unchanged): when the
#: request first reached the queue, when it was first held (epoch ms), and how often it was received before this copy.
FIRST_ENQUEUED_ATTRIBUTE: Final = "smsFirstEnqueuedAt"
HELD_SINCE_ATTRIBUTE: Final = "smsHeldSince"
PRIOR_RECEIVES_ATTRIBUTE: Final = "smsPriorReceives"

REQUEST_ID_PATTERN: Final = re.compile(r"[A-Za-z0-9._:-]{1,64}")
#: E.164: a plus sign, then 2 to 15 digits, the first not 0 (``SendTextMessage`` accepts up to 19 digits).
PHONE_NUMBER_PATTERN: Final = re.compile(r"\+[1-9][0-9]{1,18}")
#: E.164 as ITU-T defines it: a plus sign, then at most 15 digits, the first not 0. What the library's constructs and
#: commands check phone numbers they are given against (verified destinations, opted-out numbers, settings).
E164_PATTERN: Final = r"\+[1-9][0-9]{1,14}"
MAX_PRICE_PATTERN: Final = re.compile(r"[0-9]{0,2}\.[0-9]{1,5}")
CONTEXT_KEY_PATTERN: Final = re.compile(r"\S{1,100}")
CONTEXT_VALUE_PATTERN: Final = re.compile(r"(?!\s)[\s\S]{1,800}(?<!\s)")
MESSAGE_TYPES: Final = frozenset({"TRANSACTIONAL", "PROMOTIONAL"})
#: ``SendTextMessage`` takes at most 5 context entries; the send queue adds 2 of its own.
RESERVED_CONTEXT_KEYS: Final = frozenset({CONTEXT_REQUEST_ID, CONTEXT_ATTEMPT})
MAX_USER_CONTEXT_ENTRIES: Final = 5 - len(RESERVED_CONTEXT_KEYS)
MIN_TTL_SECONDS: Final = 5
MAX_TTL_SECONDS: Final = 259_200
MAX_ATTEMPT: Final = 10
#: The largest integer every JSON reader holds exactly (2^53 - 1): the bound of epoch-millisecond fields.
MAX_EPOCH_MS: Final = 2**53 - 1

_V1_FIELDS: Final = frozenset(
    {
        "version",
        "requestId",
        "destinationPhoneNumber",
        "messageBody",
        "messageType",
        "context",
        "timeToLiveSeconds",
        "maxPrice",
        "attempt",
        "firstAttemptAt",
    }
)
#: The fields of each version.
FIELDS_BY_VERSION: Final = {1: _V1_FIELDS, 2: _V1_FIELDS | {"notAfter"}}


class RejectionReason:
    """Why a message was not sent: the ``reason`` of a rejection record and the ``Reason`` metric dimension."""

    #: The SQS body is not a JSON object.
    MALFORMED_MESSAGE: Final = "MALFORMED_MESSAGE"
    #: ``version`` is missing or not one this sender reads.
    UNSUPPORTED_VERSION: Final = "UNSUPPORTED_VERSION"
    #: A field is missing, mistyped or out of range (``field`` names it).
    INVALID_FIELD: Final = "INVALID_FIELD"
    #: The body is longer than the service accepts (1530 GSM-7 or 630 UCS-2 units).
    MESSAGE_TOO_LONG: Final = "MESSAGE_TOO_LONG"
    #: The same ``requestId`` and ``attempt`` arrived with a different destination or body.
    IDEMPOTENCY_KEY_REUSED: Final = "IDEMPOTENCY_KEY_REUSED"
    #: ``CarrierLookup`` says the number is a landline (``validate_numbers``).
    LANDLINE_NUMBER: Final = "LANDLINE_NUMBER"
    #: ``CarrierLookup`` says the number is invalid (``validate_numbers``).
    INVALID_NUMBER: Final = "INVALID_NUMBER"
    #: The request's deadline (``notAfter``) passed, or too little of it is left to send (``TimeToLive`` >= 5 s).
    EXPIRED: Final = "EXPIRED"


class ContractError(ValueError):
    """A message that breaks the producer contract; ``reason`` is a :class:`RejectionReason` value."""

    def __init__(self, reason: str, message: str, field_name: str | None = None) -> None:
        self.reason = reason
        self.field = field_name
        super().__init__(f"{field_name}: {message}" if field_name else message)


@dataclass(frozen=True)
class SendRequest:
    """One SMS to send, as the producer asked for it. Constructing one validates it (``ContractError``)."""

    request_id: str
    destination_phone_number: str
    message_body: str
    message_type: str | None = None
    context: Mapping[str, str] = field(default_factory=dict)
    time_to_live_seconds: int | None = None
    max_price: str | None = None
    attempt: int = 1
    first_attempt_at: int | None = None
    not_after: int | None = None

    def __post_init__(self) -> None:
        _check(self.request_id, str, "requestId")
        if not REQUEST_ID_PATTERN.fullmatch(self.request_id):
            raise _invalid("requestId", "must be 1-64 characters of A-Z a-z 0-9 . _ : -")
        _check(self.destination_phone_number, str, "destinationPhoneNumber")
        if not PHONE_NUMBER_PATTERN.fullmatch(self.destination_phone_number):
            raise _invalid("destinationPhoneNumber", "must be an E.164 number such as +14255550123")
        _check(self.message_body, str, "messageBody")
        if not self.message_body.strip() or len(self.message_body) > API_MAX_CHARACTERS:
            raise _invalid("messageBody", f"must be 1-{API_MAX_CHARACTERS} characters, not only white space")
        if self.parts.too_long:
            raise ContractError(
                RejectionReason.MESSAGE_TOO_LONG,
                f"{self.parts.units} {self.parts.encoding.value} units; the service accepts at most 1530 GSM-7 or "
                "630 UCS-2 units",
                "messageBody",
            )
        if self.message_type is not None and (
            not isinstance(self.message_type, str) or self.message_type not in MESSAGE_TYPES
        ):
            raise _invalid("messageType", "must be TRANSACTIONAL or PROMOTIONAL")
        self._check_context()
        if self.time_to_live_seconds is not None:
            _check(self.time_to_live_seconds, int, "timeToLiveSeconds")
            if not MIN_TTL_SECONDS <= self.time_to_live_seconds <= MAX_TTL_SECONDS:
                raise _invalid("timeToLiveSeconds", f"must be between {MIN_TTL_SECONDS} and {MAX_TTL_SECONDS}")
        if self.max_price is not None:
            _check(self.max_price, str, "maxPrice")
            if not MAX_PRICE_PATTERN.fullmatch(self.max_price):
                raise _invalid("maxPrice", "must be a price in USD such as '0.05' (up to 2 digits, '.', 1-5 digits)")
        _check(self.attempt, int, "attempt")
        if not 1 <= self.attempt <= MAX_ATTEMPT:
            raise _invalid("attempt", f"must be between 1 and {MAX_ATTEMPT}")
        _check_epoch_ms(self.first_attempt_at, "firstAttemptAt")
        _check_epoch_ms(self.not_after, "notAfter")

    def _check_context(self) -> None:
        if not isinstance(self.context, Mapping):
            raise _invalid("context", "must be an object of strings")
        if len(self.context) > MAX_USER_CONTEXT_ENTRIES:
            raise _invalid("context", f"holds at most {MAX_USER_CONTEXT_ENTRIES} entries")
        for key, value in self.context.items():
            if not isinstance(key, str) or not CONTEXT_KEY_PATTERN.fullmatch(key):
                raise _invalid("context", f"key {key!r} must be 1-100 characters without white space")
            if key in RESERVED_CONTEXT_KEYS or key.lower() in {k.lower() for k in RESERVED_CONTEXT_KEYS}:
                raise _invalid("context", f"key {key!r} is reserved for the send queue")
            if not isinstance(value, str) or not CONTEXT_VALUE_PATTERN.fullmatch(value):
                raise _invalid("context", f"value of {key!r} must be 1-800 characters, not starting or ending blank")
        lowered = [key.lower() for key in self.context]
        if len(set(lowered)) != len(lowered):
            # Firehose's JSON-to-Parquet conversion lower-cases keys: two keys equal but for case make the event
            # fail conversion (it lands in the error prefix, out of Athena's reach).
            raise _invalid("context", f"keys must differ in more than case: {sorted(self.context)}")

    @property
    def parts(self) -> PartCount:
        """Encoding, length and number of message parts of the body."""
        return count_parts(self.message_body)

    @property
    def version(self) -> int:
        """The lowest contract version that holds this request: 2 with ``notAfter``, else 1."""
        return 2 if self.not_after is not None else 1

    def seconds_left(self, now_ms: int) -> float | None:
        """Seconds until ``notAfter`` (negative once past), or ``None`` for a request without a deadline."""
        return None if self.not_after is None else (self.not_after - now_ms) / 1000

    @property
    def idempotency_key(self) -> str:
        """``requestId#attempt``: a send happens at most once per key."""
        return f"{self.request_id}#{self.attempt}"

    def send_context(self) -> dict[str, str]:
        """The ``Context`` map of the send: the producer's entries plus the request id and attempt."""
        return {**self.context, CONTEXT_REQUEST_ID: self.request_id, CONTEXT_ATTEMPT: str(self.attempt)}

    def next_attempt(self, first_attempt_at: int) -> SendRequest:
        """The same request, one attempt later (what the retry handler puts back on the queue)."""
        return replace(self, attempt=self.attempt + 1, first_attempt_at=first_attempt_at)

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON object (optional fields left out when unset)."""
        payload: dict[str, Any] = {
            "version": self.version,
            "requestId": self.request_id,
            "destinationPhoneNumber": self.destination_phone_number,
            "messageBody": self.message_body,
        }
        optional = {
            "messageType": self.message_type,
            "context": dict(self.context) or None,
            "timeToLiveSeconds": self.time_to_live_seconds,
            "maxPrice": self.max_price,
            "attempt": self.attempt if self.attempt != 1 else None,
            "firstAttemptAt": self.first_attempt_at,
            "notAfter": self.not_after,
        }
        payload.update({k: v for k, v in optional.items() if v is not None})
        return payload

    def message_attributes(self) -> dict[str, Any]:
        """The SQS message attributes that go with the body (the contract version, for routing without parsing)."""
        return {VERSION_ATTRIBUTE: {"DataType": "Number", "StringValue": str(self.version)}}

    def to_json(self) -> str:
        """The SQS message body."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_dict(cls, payload: Any) -> SendRequest:
        """Validate a decoded message; raises :class:`ContractError`."""
        if not isinstance(payload, Mapping):
            raise ContractError(RejectionReason.MALFORMED_MESSAGE, "the message must be a JSON object")
        version = _integral(payload.get("version"))
        if isinstance(version, bool) or version not in SUPPORTED_VERSIONS:
            raise ContractError(
                RejectionReason.UNSUPPORTED_VERSION,
                f"this sender reads versions {', '.join(map(str, SUPPORTED_VERSIONS))}, not {version!r}",
                "version",
            )
        unknown = sorted(set(payload) - FIELDS_BY_VERSION[version])
        # JSON has one number type: 5.0 is the integer 5 (JSON Schema agrees); null is an absent optional field.
        payload = {key: _integral(value) for key, value in payload.items() if value is not None}
        if unknown:
            raise _invalid(unknown[0], f"is not a field of version {version} of the contract")
        for required in ("requestId", "destinationPhoneNumber", "messageBody"):
            if required not in payload:
                raise _invalid(required, "is required")
        return cls(
            request_id=payload["requestId"],
            destination_phone_number=payload["destinationPhoneNumber"],
            message_body=payload["messageBody"],
            message_type=payload.get("messageType"),
            context=payload.get("context", {}),
            time_to_live_seconds=payload.get("timeToLiveSeconds"),
            max_price=payload.get("maxPrice"),
            attempt=payload.get("attempt", 1),
            first_attempt_at=payload.get("firstAttemptAt"),
            not_after=payload.get("notAfter"),
        )

    @classmethod
    def from_json(cls, body: str) -> SendRequest:
        """Parse and validate an SQS message body; raises :class:`ContractError`."""
        try:
            payload = json.loads(body)
        except (TypeError, ValueError) as error:
            raise ContractError(RejectionReason.MALFORMED_MESSAGE, f"not JSON: {error}") from error
        return cls.from_dict(payload)


def _invalid(field_name: str, message: str) -> ContractError:
    return ContractError(RejectionReason.INVALID_FIELD, message, field_name)


def _check(value: Any, kind: type, field_name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, kind):
        raise _invalid(field_name, f"must be a {'string' if kind is str else 'number' if kind is int else kind}")


def _check_epoch_ms(value: Any, field_name: str) -> None:
    if value is not None:
        _check(value, int, field_name)
        if not 0 <= value <= MAX_EPOCH_MS:
            raise _invalid(field_name, "must be epoch milliseconds")


def _integral(value: Any) -> Any:
    """``value`` as an ``int`` when it is a float with no fractional part (``5.0``), else unchanged."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
