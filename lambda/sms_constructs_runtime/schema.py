"""The producer contract as a JSON Schema (draft 2020-12), generated from :mod:`sms_constructs_runtime.contract`.

Producers in other languages validate their messages with it before ``sqs:SendMessage``. It is generated from the
contract's own constants (patterns, limits, fields per version), shipped as ``contract.schema.json`` next to this
module and in the docs; a test fails when either copy is stale. Regenerate with::

    python -m sms_constructs_runtime.schema > lambda/sms_constructs_runtime/contract.schema.json

Patterns are written for ECMA-262 semantics (what JSON Schema specifies), anchored with ``^`` and ``$``.

Three rules of the sender cannot be written in JSON Schema; the schema's description names them, and a message that
breaks one of them is a rejection with a recorded reason, never a silent loss:

- the body fits in at most 1530 GSM-7 or 630 UCS-2 units (``MESSAGE_TOO_LONG``; ``sms_constructs_runtime.parts``);
- the body is not only white space, by Python's definition of white space (the schema checks ECMA's ``\\S``);
- context keys differ in more than case (the Parquet conversion of the events lower-cases them).

The contract's character rule (every text holds only characters SQS carries) is written as a pattern that finds a
refused character: a control character, U+FFFE, U+FFFF, or a surrogate not part of a pair (with lookarounds, so it
means the same whether a validator matches UTF-16 code units or code points).

Stdlib only.
"""

from __future__ import annotations

import json
from typing import Any, Final

from .contract import (
    CONTEXT_KEY_PATTERN,
    CONTEXT_VALUE_PATTERN,
    FIELDS_BY_VERSION,
    LANE_PATTERN,
    MAX_ATTEMPT,
    MAX_EPOCH_MS,
    MAX_PRICE_PATTERN,
    MAX_TTL_SECONDS,
    MAX_USER_CONTEXT_ENTRIES,
    MESSAGE_TYPES,
    MIN_TTL_SECONDS,
    PHONE_NUMBER_PATTERN,
    PRODUCER_PATTERN,
    REQUEST_ID_PATTERN,
    RESERVED_CONTEXT_KEYS,
    SUPPORTED_VERSIONS,
)
from .parts import API_MAX_CHARACTERS

#: The schema's ``$id``.
SCHEMA_ID: Final = "urn:sms-constructs:send-request"
#: A character SQS does not carry (``contract.FORBIDDEN_CHARACTER_PATTERN``), in ECMA-262: the same refusal with
#: or without the ``u`` flag, so a lone surrogate is refused and a pair (an emoji) is not.
FORBIDDEN_CHARACTER: Final = (
    r"[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]"
    r"|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]"
)
#: The fields every version requires.
REQUIRED: Final = ("version", "requestId", "destinationPhoneNumber", "messageBody")


def _anchored(pattern: str) -> str:
    return f"^{pattern}$"


def _caseless(word: str) -> str:
    """A pattern matching ``word`` in any case (ECMA-262 regular expressions have no inline flags)."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


def _properties() -> dict[str, dict[str, Any]]:
    epoch_ms = {"type": "integer", "minimum": 0, "maximum": MAX_EPOCH_MS}
    return {
        "requestId": {
            "description": "The idempotency key: one send per requestId + attempt.",
            "type": "string",
            "pattern": _anchored(REQUEST_ID_PATTERN.pattern),
        },
        "destinationPhoneNumber": {
            "description": "The recipient, E.164.",
            "type": "string",
            "pattern": _anchored(PHONE_NUMBER_PATTERN.pattern),
        },
        "messageBody": {
            "description": "The text; at most 1530 GSM-7 or 630 UCS-2 units (checked by the sender).",
            "type": "string",
            "minLength": 1,
            "maxLength": API_MAX_CHARACTERS,
            "pattern": r"\S",
            "not": {"pattern": FORBIDDEN_CHARACTER},
        },
        "messageType": {
            "description": "Default: the queue's message_type.",
            "enum": sorted(MESSAGE_TYPES),
        },
        "context": {
            "description": "Echoed in every event of the message; keys must differ in more than case.",
            "type": "object",
            "maxProperties": MAX_USER_CONTEXT_ENTRIES,
            "propertyNames": {
                "pattern": _anchored(CONTEXT_KEY_PATTERN.pattern),
                "not": {
                    "anyOf": [
                        {"pattern": _anchored(f"(?:{'|'.join(_caseless(k) for k in sorted(RESERVED_CONTEXT_KEYS))})")},
                        {"pattern": FORBIDDEN_CHARACTER},
                    ]
                },
            },
            "additionalProperties": {
                "type": "string",
                "pattern": _anchored(CONTEXT_VALUE_PATTERN.pattern),
                "not": {"pattern": FORBIDDEN_CHARACTER},
            },
        },
        "timeToLiveSeconds": {
            "description": "TimeToLive of the send. Default: the queue's time_to_live.",
            "type": "integer",
            "minimum": MIN_TTL_SECONDS,
            "maximum": MAX_TTL_SECONDS,
        },
        "maxPrice": {
            "description": "MaxPrice of the send, USD per message part. Default: the queue's max_price.",
            "type": "string",
            "pattern": _anchored(MAX_PRICE_PATTERN.pattern),
        },
        "notAfter": {
            "description": "Deadline, epoch milliseconds: never sent nor retried after it (version 2).",
            **epoch_ms,
        },
        "attempt": {
            "description": "Set by the retry handler; producers leave it out.",
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_ATTEMPT,
        },
        "firstAttemptAt": {"description": "Set by the retry handler (epoch milliseconds).", **epoch_ms},
        "lane": {
            "description": "The send queue's lane the message was put on (version 3); retries go back to it.",
            "type": "string",
            "pattern": _anchored(LANE_PATTERN.pattern),
        },
        "producer": {
            "description": (
                "Who sent it (version 3): its quotas, its Producer metrics, its spend; sent as the smsProducer "
                f"context entry, so the context then holds at most {MAX_USER_CONTEXT_ENTRIES - 1} entries."
            ),
            "type": "string",
            "pattern": _anchored(PRODUCER_PATTERN.pattern),
        },
    }


def _field(name: str) -> dict[str, Any]:
    """A field of a version: optional fields may also be ``null`` (the sender reads null as absent)."""
    reference = {"$ref": f"#/$defs/{name}"}
    return reference if name in REQUIRED else {"anyOf": [reference, {"type": "null"}]}


def contract_schema() -> dict[str, Any]:
    """The JSON Schema of one send-queue message, every supported version."""
    properties = _properties()
    versions = []
    for version in SUPPORTED_VERSIONS:
        fields = FIELDS_BY_VERSION[version] - {"version"}
        schema: dict[str, Any] = {
            "title": f"version {version}",
            "type": "object",
            "properties": {
                "version": {"const": version},
                **{name: _field(name) for name in sorted(fields)},
            },
            "required": list(REQUIRED),
            "additionalProperties": False,
        }
        if "producer" in fields:
            # A producer (not null: null is absent) takes one of the context entries SendTextMessage allows.
            schema["if"] = {"properties": {"producer": {"type": "string"}}, "required": ["producer"]}
            schema["then"] = {
                "properties": {
                    "context": {"anyOf": [{"maxProperties": MAX_USER_CONTEXT_ENTRIES - 1}, {"type": "null"}]}
                }
            }
        versions.append(schema)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "sms-constructs send request",
        "description": (
            "One SQS message on an SmsSendQueue (the body; put the version in the Number message attribute "
            "smsContractVersion too). Write the lowest version that holds the message. The sender also rejects, with "
            "a recorded reason, what JSON Schema cannot express: a body over 1530 GSM-7 or 630 UCS-2 units "
            "(MESSAGE_TOO_LONG), a body of only white space, and context keys equal but for case. Every text holds "
            "only characters SQS carries (no control character but tab, line feed and carriage return, no U+FFFE or "
            "U+FFFF, no lone surrogate). Optional fields may be null (read as absent); integers may be written as 5.0."
        ),
        "oneOf": versions,
        "$defs": {name: properties[name] for name in sorted(properties)},
    }


def render() -> str:
    """The schema as the committed ``contract.schema.json`` holds it."""
    return json.dumps(contract_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # pragma: no cover - regeneration helper
    print(render(), end="")
