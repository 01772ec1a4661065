"""The producer contract of the send queue: one versioned JSON object per SQS message.

Producers (``sms_constructs_runtime.SmsProducer``, or any code that writes the JSON below; its JSON Schema is
``contract.schema.json`` next to this module) put one message per SMS on the queue; the sender Lambda validates it
with the same code before it sends. Version 3 (version 2 is the same without ``lane`` and ``producer``, version 1
also without ``notAfter``)::

    {
      "version": 3,                               # required: the lowest version that holds the message's fields
      "requestId": "order-1234-shipped",          # required, the idempotency key: 1-64 of A-Z a-z 0-9 . _ : -
      "destinationPhoneNumber": "+14255550123",   # required, E.164
      "messageBody": "Your order has shipped.",   # required, 1-1600 characters, at most 1530 GSM-7 / 630 UCS-2 units
      "messageType": "TRANSACTIONAL",             # optional, TRANSACTIONAL | PROMOTIONAL; default: the queue's
      "context": {"orderId": "1234"},             # optional, at most 3 entries, echoed in every event
      "timeToLiveSeconds": 3600,                  # optional, 5-259200; default: the queue's
      "maxPrice": "0.05",                         # optional, USD per part, e.g. "0.05"; default: the queue's
      "notAfter": 1767226200000,                  # optional (version 2), epoch ms: never sent or retried after it
      "lane": "urgent",                           # optional (version 3), the send queue's lane it was put on
      "producer": "appointments",                 # optional (version 3), who sent it: quotas, metrics, spend
      "attempt": 1,                               # set by the retry handler; producers leave it out
      "firstAttemptAt": 1767225600000             # set by the retry handler (epoch ms of the first send)
    }

Versions: the sender reads every version in :data:`SUPPORTED_VERSIONS`; a writer uses the lowest version that holds
the message (version 1 unless ``notAfter`` is set, 3 with ``lane`` or ``producer``), so producers keep working with
senders deployed before a version existed. Unknown fields are refused (a typo such as ``"ttl"`` must not be silently
ignored): a new field means a new version. A rule that refuses only what no version could ever carry end to end
(JSON nested deeper than :data:`MAX_NESTING_DEPTH`, characters outside :data:`SQS_CHARACTERS`) is part of every
version, not a new one. The same ``requestId`` with the same ``attempt`` is sent at most once, however often the
message is delivered.

Every string of a message holds only characters SQS carries in a message body (tab, line feed, carriage return,
U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF): no lone surrogate, no U+FFFE or U+FFFF, no other control character.
Error messages render refused values safely (printable characters as they are, others as ``\\uXXXX``, at most
40 characters), so a rejection can always be logged and stored.

Stdlib only: it runs inside Lambda, in the producer client and at synth time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

from .events import CONTEXT_ATTEMPT, CONTEXT_PRODUCER, CONTEXT_REQUEST_ID
from .parts import API_MAX_CHARACTERS, PartCount, count_parts

#: The newest contract version (the one that holds every field).
CONTRACT_VERSION: Final = 3
#: Every version the sender reads.
SUPPORTED_VERSIONS: Final = (1, 2, 3)
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
#: A lane name (``SendLane``): lower-case letters, digits and hyphens, starting with a letter.
LANE_PATTERN: Final = re.compile(r"[a-z][a-z0-9-]{0,19}")
#: A producer name: what quotas, metrics (the ``Producer`` dimension) and the spend query are kept by.
PRODUCER_PATTERN: Final = re.compile(r"[A-Za-z0-9._-]{1,64}")
CONTEXT_KEY_PATTERN: Final = re.compile(r"\S{1,100}")
CONTEXT_VALUE_PATTERN: Final = re.compile(r"(?!\s)[\s\S]{1,800}(?<!\s)")
MESSAGE_TYPES: Final = frozenset({"TRANSACTIONAL", "PROMOTIONAL"})
#: ``SendTextMessage`` takes at most 5 context entries; the send queue adds 2 of its own (3 with a ``producer``, sent
#: as the ``producer`` entry so that every event of the message names it).
RESERVED_CONTEXT_KEYS: Final = frozenset({CONTEXT_REQUEST_ID, CONTEXT_ATTEMPT, CONTEXT_PRODUCER})
MAX_USER_CONTEXT_ENTRIES: Final = 5 - len({CONTEXT_REQUEST_ID, CONTEXT_ATTEMPT})
MIN_TTL_SECONDS: Final = 5
MAX_TTL_SECONDS: Final = 259_200
MAX_ATTEMPT: Final = 10
#: The largest integer every JSON reader holds exactly (2^53 - 1): the bound of epoch-millisecond fields.
MAX_EPOCH_MS: Final = 2**53 - 1
#: The deepest JSON nesting the sender decodes. A message needs 2 (the object and its ``context``); anything deeper is
#: refused ``MALFORMED_MESSAGE`` before it is parsed, so no body can exhaust the parser's recursion.
MAX_NESTING_DEPTH: Final = 32
#: The characters SQS carries in a message body (the XML 1.0 ``Char`` production), as the ranges its ``SendMessage``
#: documentation lists: ``#x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF``.
SQS_CHARACTERS: Final = "tab, line feed, carriage return, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF"
#: One character SQS does not carry (the complement of :data:`SQS_CHARACTERS`).
FORBIDDEN_CHARACTER_PATTERN: Final = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: The longest rendering of a refused value in an error message.
_RENDER_LIMIT: Final = 40

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
FIELDS_BY_VERSION: Final = {
    1: _V1_FIELDS,
    2: _V1_FIELDS | {"notAfter"},
    3: _V1_FIELDS | {"notAfter", "lane", "producer"},
}


class RejectionReason:
    """Why a message was not sent: the ``reason`` of a rejection record and the ``Reason`` metric dimension."""

    #: The SQS body is not a JSON object: not JSON, nested deeper than :data:`MAX_NESTING_DEPTH`, or holding a
    #: character outside :data:`SQS_CHARACTERS` (a lone surrogate, U+FFFE, U+FFFF, a control character).
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
    lane: str | None = None
    producer: str | None = None

    def __post_init__(self) -> None:
        _check(self.request_id, str, "requestId")
        if not REQUEST_ID_PATTERN.fullmatch(self.request_id):
            raise _invalid("requestId", "must be 1-64 characters of A-Z a-z 0-9 . _ : -", self.request_id)
        _check(self.destination_phone_number, str, "destinationPhoneNumber")
        if not PHONE_NUMBER_PATTERN.fullmatch(self.destination_phone_number):
            raise _invalid(
                "destinationPhoneNumber", "must be an E.164 number such as +14255550123", self.destination_phone_number
            )
        _check(self.message_body, str, "messageBody")
        _check_characters(self.message_body, "messageBody")
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
            raise _invalid("messageType", "must be TRANSACTIONAL or PROMOTIONAL", self.message_type)
        self._check_context()
        if self.time_to_live_seconds is not None:
            _check(self.time_to_live_seconds, int, "timeToLiveSeconds")
            if not MIN_TTL_SECONDS <= self.time_to_live_seconds <= MAX_TTL_SECONDS:
                raise _invalid(
                    "timeToLiveSeconds",
                    f"must be between {MIN_TTL_SECONDS} and {MAX_TTL_SECONDS}",
                    self.time_to_live_seconds,
                )
        if self.max_price is not None:
            _check(self.max_price, str, "maxPrice")
            if not MAX_PRICE_PATTERN.fullmatch(self.max_price):
                raise _invalid(
                    "maxPrice",
                    "must be a price in USD such as '0.05' (up to 2 digits, '.', 1-5 digits)",
                    self.max_price,
                )
        _check(self.attempt, int, "attempt")
        if not 1 <= self.attempt <= MAX_ATTEMPT:
            raise _invalid("attempt", f"must be between 1 and {MAX_ATTEMPT}", self.attempt)
        _check_epoch_ms(self.first_attempt_at, "firstAttemptAt")
        _check_epoch_ms(self.not_after, "notAfter")
        _check_name(self.lane, LANE_PATTERN, "lane", "must be 1-20 of a-z 0-9 - starting with a letter")
        _check_name(self.producer, PRODUCER_PATTERN, "producer", "must be 1-64 characters of A-Z a-z 0-9 . _ -")

    def _check_context(self) -> None:
        if not isinstance(self.context, Mapping):
            raise _invalid("context", "must be an object of strings", self.context)
        most = MAX_USER_CONTEXT_ENTRIES - (self.producer is not None)
        if len(self.context) > most:
            with_producer = " with a producer" if self.producer is not None else ""
            raise _invalid("context", f"holds at most {most} entries{with_producer}, not {len(self.context)}")
        for key, value in self.context.items():
            if isinstance(key, str):
                _check_characters(key, "context", "a key")
            if not isinstance(key, str) or not CONTEXT_KEY_PATTERN.fullmatch(key):
                raise _invalid("context", "a key must be 1-100 characters without white space", key)
            if key in RESERVED_CONTEXT_KEYS or key.lower() in {k.lower() for k in RESERVED_CONTEXT_KEYS}:
                raise _invalid("context", f"key {_render(key)} is reserved for the send queue")
            if isinstance(value, str):
                _check_characters(value, "context", f"the value of {_render(key)}")
            if not isinstance(value, str) or not CONTEXT_VALUE_PATTERN.fullmatch(value):
                raise _invalid(
                    "context",
                    f"the value of {_render(key)} must be 1-800 characters, not starting or ending blank",
                    value,
                )
        lowered = [key.lower() for key in self.context]
        if len(set(lowered)) != len(lowered):
            # Firehose's JSON-to-Parquet conversion lower-cases keys: two keys equal but for case make the event
            # fail conversion (it lands in the error prefix, out of Athena's reach).
            raise _invalid(
                "context", f"keys must differ in more than case: {', '.join(map(_render, sorted(self.context)))}"
            )

    @property
    def parts(self) -> PartCount:
        """Encoding, length and number of message parts of the body."""
        return count_parts(self.message_body)

    @property
    def version(self) -> int:
        """The lowest contract version that holds this request: 3 with ``lane`` or ``producer``, 2 with ``notAfter``,
        else 1."""
        if self.lane is not None or self.producer is not None:
            return 3
        return 2 if self.not_after is not None else 1

    def seconds_left(self, now_ms: int) -> float | None:
        """Seconds until ``notAfter`` (negative once past), or ``None`` for a request without a deadline."""
        return None if self.not_after is None else (self.not_after - now_ms) / 1000

    @property
    def idempotency_key(self) -> str:
        """``requestId#attempt``: a send happens at most once per key."""
        return f"{self.request_id}#{self.attempt}"

    def send_context(self) -> dict[str, str]:
        """The ``Context`` map of the send: the producer's entries plus the request id, the attempt and (when set) the
        producer name."""
        context = {**self.context, CONTEXT_REQUEST_ID: self.request_id, CONTEXT_ATTEMPT: str(self.attempt)}
        if self.producer is not None:
            context[CONTEXT_PRODUCER] = self.producer
        return context

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
            "lane": self.lane,
            "producer": self.producer,
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
                f"this sender reads versions {', '.join(map(str, SUPPORTED_VERSIONS))}, not {_render(version)}",
                "version",
            )
        unknown = sorted((key for key in payload if key not in FIELDS_BY_VERSION[version]), key=str)
        # JSON has one number type: 5.0 is the integer 5 (JSON Schema agrees); null is an absent optional field.
        payload = {key: _integral(value) for key, value in payload.items() if value is not None}
        if unknown:
            raise _invalid(_field_name(unknown[0]), f"is not a field of version {version} of the contract")
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
            lane=payload.get("lane"),
            producer=payload.get("producer"),
        )

    @classmethod
    def from_json(cls, body: str) -> SendRequest:
        """Parse and validate an SQS message body; raises :class:`ContractError`."""
        return cls.from_dict(decode_message(body))


def decode_message(body: Any, *, check_characters: bool = True) -> Any:
    """An SQS message body as JSON, checked for what no field rule could catch; raises :class:`ContractError`
    (``MALFORMED_MESSAGE``) for a body that is not a string of JSON, nests deeper than :data:`MAX_NESTING_DEPTH`
    (checked before parsing, without recursion), or holds a character outside :data:`SQS_CHARACTERS` anywhere,
    escaped or not (a key or value of any field, known or not).

    :param check_characters: Whether to refuse characters outside :data:`SQS_CHARACTERS` (``False`` only to read
        the ids of a message being rejected). Default: ``True``.
    """
    if not isinstance(body, str):
        raise ContractError(RejectionReason.MALFORMED_MESSAGE, f"the body must be a string, not {_render(body)}")
    depth = _nesting_depth(body)
    if depth > MAX_NESTING_DEPTH:
        raise ContractError(
            RejectionReason.MALFORMED_MESSAGE, f"JSON nested deeper than {MAX_NESTING_DEPTH} levels ({depth} or more)"
        )
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise ContractError(RejectionReason.MALFORMED_MESSAGE, f"not JSON: {_render(str(error), 120)}") from error
    pending: list[tuple[str, Any]] = [("", payload)] if check_characters else []
    while pending:  # every string of the decoded message: escapes such as \\ud800 or \\uffff decode to refused ones
        path, value = pending.pop()
        if isinstance(value, str):
            _check_characters(value, path.lstrip(".") or None, "the value")
        elif isinstance(value, list):
            pending.extend((f"{path}[{n}]", item) for n, item in enumerate(value))
        elif isinstance(value, dict):
            for key, item in value.items():
                _check_characters(key, path.lstrip(".") or None, "a key")
                pending.append((f"{path}.{key}", item))
    return payload


_NO_VALUE: Final = object()
#: A JSON string, escapes included (what :func:`_nesting_depth` skips: brackets inside strings do not nest).
_JSON_STRING: Final = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET: Final = re.compile(r"[\[\]{}]")


def _invalid(field_name: str, message: str, value: Any = _NO_VALUE) -> ContractError:
    """``INVALID_FIELD`` for ``field_name``: the rule, then the value received (rendered safely) when given."""
    got = "" if value is _NO_VALUE else f", not {_render(value)}"
    return ContractError(RejectionReason.INVALID_FIELD, f"{message}{got}", field_name)


def _render(value: Any, limit: int = _RENDER_LIMIT) -> str:
    """A safe, short rendering of a refused value for an error message (never a repr, never a lone surrogate):
    a string in quotes with printable characters as they are and others as ``\\uXXXX``, cut to ``limit``
    characters; ``null``, ``true``/``false`` and numbers as JSON writes them; anything else by its kind and size."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        shown = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in value[:limit])
        return f'"{shown}"' + ("..." if len(value) > limit else "")
    if isinstance(value, Mapping):
        return f"an object of {len(value)} entries"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} items"
    return f"a {type(value).__name__}"


def _field_name(key: Any) -> str:
    """``key`` as it is when it is a short printable string, else rendered safely."""
    return key if isinstance(key, str) and key.isprintable() and 0 < len(key) <= _RENDER_LIMIT else _render(key)


def _check_characters(text: str, field_name: str | None, what: str = "the value") -> None:
    """``MALFORMED_MESSAGE`` when ``text`` holds a character SQS does not carry, naming it and where it is."""
    match = FORBIDDEN_CHARACTER_PATTERN.search(text)
    if match is None:
        return
    character = ord(match.group())
    kind = (
        "a lone surrogate"
        if 0xD800 <= character <= 0xDFFF
        else "a non-character"
        if character in (0xFFFE, 0xFFFF)
        else "a control character"
    )
    raise ContractError(
        RejectionReason.MALFORMED_MESSAGE,
        f"{what} holds U+{character:04X} ({kind}) at position {match.start()}; SQS carries only {SQS_CHARACTERS}",
        field_name,
    )


def _nesting_depth(body: str) -> int:
    """How deep ``body``'s arrays and objects nest (at most :data:`MAX_NESTING_DEPTH` + 1: it stops there), counted
    without parsing or recursion; brackets inside strings do not count."""
    depth = deepest = 0
    for bracket in _BRACKET.finditer(_JSON_STRING.sub("", body)):
        depth += 1 if bracket.group() in "[{" else -1
        deepest = max(deepest, depth)
        if deepest > MAX_NESTING_DEPTH:
            break
    return deepest


def _check(value: Any, kind: type, field_name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, kind):
        expected = "a string" if kind is str else "a whole number" if kind is int else f"a {kind.__name__}"
        raise _invalid(field_name, f"must be {expected}", value)


def _check_name(value: Any, pattern: re.Pattern[str], field_name: str, rule: str) -> None:
    """An optional name field (``lane``, ``producer``): absent, or a string matching ``pattern``."""
    if value is not None:
        _check(value, str, field_name)
        if not pattern.fullmatch(value):
            raise _invalid(field_name, rule, value)


def _check_epoch_ms(value: Any, field_name: str) -> None:
    if value is not None:
        _check(value, int, field_name)
        if not 0 <= value <= MAX_EPOCH_MS:
            raise _invalid(field_name, "must be epoch milliseconds", value)


def _integral(value: Any) -> Any:
    """``value`` as an ``int`` when it is a float with no fractional part (``5.0``), else unchanged."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
