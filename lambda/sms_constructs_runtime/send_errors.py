"""What the sender does with each error ``SendTextMessage`` can return: the error code **and** its ``Reason``.

The exception code alone does not say whose fault an error is. ``ServiceQuotaExceededException`` is the monthly spend
limit (``MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT``) as well as per-account quotas; ``ConflictException`` is an opted-out
recipient (``DESTINATION_PHONE_NUMBER_OPTED_OUT``) as well as an inactive origination identity (``RESOURCE_NOT_ACTIVE``)
or an unverified destination in the SMS sandbox (``DESTINATION_PHONE_NUMBER_NOT_VERIFIED``). Treating all of them as
rejections would turn a whole campaign into rejections the moment the spend limit is hit. So each (code, reason) pair
has one of three outcomes:

- :attr:`SendErrorOutcome.REJECT` — about **this destination or this message** (opted out, blocked by a protect
  configuration, invalid, over ``MaxPrice``): sending it again, unchanged, can never work. A rejection is recorded with
  the reason and the record is deleted from the queue.
- :attr:`SendErrorOutcome.HOLD` — about **the account, a limit, the identity or the deployment** (spend limit, quotas,
  sandbox, inactive or mismatched identity, permissions): the request is fine. The record goes back to the queue with
  the configuration back-off and, if the cause persists, ends in the dead-letter queue, to be redriven once fixed.
  Counted as ``SendsHeld`` per reason.
- :attr:`SendErrorOutcome.RETRY` — "not now" (throttling, server faults): back on the queue with the short back-off.

The generic ``ValidationException`` reasons (``INVALID_PARAMETER``, ``MISSING_PARAMETER``, ``FIELD_VALIDATION_FAILED``,
``CANNOT_PARSE``, ``OTHER``, …) do not say whose value is wrong; the exception's ``Fields`` list does
(``[{"Name": ..., "Message": ...}]``). Their rule is :data:`BY_FIELD`: a **rejection only when a field names a value the
message set** (:func:`message_fields`: the destination, the body, the context, and the TTL, max price or message type
when the request, not the queue's defaults, set them); any other field (the origination identity, the configuration
set, a queue default) or no field at all is a deployment problem, and the message is held. One bad setting must never
turn a whole queue into rejections.

Reasons the model does not list (a newer service version) fall back to the code's default, which is ``HOLD`` for every
code: a new service rule must not reject every queued message. Errors the model does not define at all (a gateway's
HTTP 5xx, expired credentials) are decided by the sender: HTTP 5xx and 429 are retried, the rest held.

The reason lists are those of botocore's ``pinpoint-sms-voice-v2`` model (``ConflictExceptionReason``,
``ServiceQuotaExceededExceptionReason``, ``ValidationExceptionReason``, ``AccessDeniedExceptionReason``); a test checks
that every reason of the installed model has a row here. The model lists reasons per exception, not per operation, so
many belong to other operations (registrations, opt-out lists, resource quotas) or other channels (MMS, voice, RCS,
notify): :data:`NOT_FROM_SEND_TEXT_MESSAGE`. They are classified all the same (held, so nothing is lost), but the docs
table leaves them out. ``python -m sms_constructs_runtime.send_errors`` prints the table the docs show, grouped by
outcome (``--all``: every row of the model).

Stdlib only.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final


class SendErrorOutcome(enum.Enum):
    """What the sender does with a ``SendTextMessage`` error."""

    #: A rejection with the reason recorded; never sent again.
    REJECT = "REJECT"
    #: Back on the queue with the configuration back-off, then the DLQ; counted per reason (``SendsHeld``).
    HOLD = "HOLD"
    #: Back on the queue with the short back-off (``TransientSendFailures``).
    RETRY = "RETRY"
    #: A rule, never an outcome: ``REJECT`` when the error's ``Fields`` name a value the message set, else ``HOLD``
    #: (:func:`classify` resolves it).
    BY_FIELD = "BY_FIELD"


#: The rule of the generic ``ValidationException`` reasons: the ``Fields`` of the error decide.
BY_FIELD: Final = SendErrorOutcome.BY_FIELD

#: ``SendTextMessage`` parameters that always come from the message itself.
ALWAYS_MESSAGE_FIELDS: Final = frozenset({"DestinationPhoneNumber", "MessageBody", "Context"})
#: ``SendTextMessage`` parameters that come from the message only when the request set them (else a queue default).
OPTIONAL_MESSAGE_FIELDS: Final = frozenset({"TimeToLive", "MaxPrice", "MessageType"})


@dataclass(frozen=True)
class ErrorRule:
    """The outcome of one error code, per reason.

    :param default: Outcome of a reason not in ``reasons`` (or of no reason).
    :param reasons: Reason → (outcome, why).
    :param why: Why the default is what it is.
    """

    default: SendErrorOutcome
    why: str
    reasons: Mapping[str, tuple[SendErrorOutcome, str]]


REJECT, HOLD, RETRY = SendErrorOutcome.REJECT, SendErrorOutcome.HOLD, SendErrorOutcome.RETRY
_GENERIC = "a generic reason: the error's Fields say whether the message or the deployment is wrong"

_ACCOUNT = "a limit, quota or setting of the account"
_IDENTITY = "the origination identity or the configuration (held until it is fixed)"
_MANAGEMENT = "not expected from SendTextMessage (a management operation's reason); held, so nothing is lost"
_DESTINATION = "this destination"
_MESSAGE = "this message"


def _rows(outcome: SendErrorOutcome, why: str, *reasons: str) -> dict[str, tuple[SendErrorOutcome, str]]:
    return dict.fromkeys(reasons, (outcome, why))


#: Every modelled error code of ``SendTextMessage`` and what its reasons mean for a queued message.
SEND_ERROR_RULES: Final[Mapping[str, ErrorRule]] = {
    "ThrottlingException": ErrorRule(RETRY, "the identity's MPS or the API rate: not now", {}),
    "InternalServerException": ErrorRule(RETRY, "a server fault: not now", {}),
    "ConflictException": ErrorRule(
        HOLD,
        "a resource is not in the state the send needs",
        {
            **_rows(
                REJECT,
                "the recipient opted out (the opt-out list of the identity or configuration)",
                "DESTINATION_PHONE_NUMBER_OPTED_OUT",
            ),
            **_rows(
                REJECT,
                "a protect configuration blocks this destination on purpose",
                "DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION",
                "DESTINATION_PHONE_NUMBER_BLOCKED_BY_PROTECT_NUMBER_OVERRIDE",
            ),
            **_rows(
                HOLD,
                "SMS sandbox: only verified destination numbers receive until the account has production access",
                "DESTINATION_PHONE_NUMBER_NOT_VERIFIED",
            ),
            **_rows(
                HOLD,
                _IDENTITY,
                "RESOURCE_NOT_ACTIVE",
                "NO_ORIGINATION_IDENTITIES_FOUND",
                "MESSAGE_TYPE_MISMATCH",
                "NUMBER_CAPABILITIES_MISMATCH",
                "KEYWORD_MISMATCH",
                "OPT_OUT_LIST_MISMATCH",
                "SELF_MANAGED_OPT_OUTS_MISMATCH",
                "TWO_WAY_CONFIG_MISMATCH",
                "EVENT_DESTINATION_MISMATCH",
                "REGISTRATION_NOT_COMPLETE",
                "PHONE_NUMBER_NOT_IN_REGISTRATION_REGION",
                "PHONE_NUMBER_NOT_ASSOCIATED_TO_POOL",
                "NOTIFY_CONFIGURATION_NOT_ACTIVE",
                "PROTECT_CONFIGURATION_NOT_ASSOCIATED_WITH_CONFIGURATION_SET",
            ),
            **_rows(
                HOLD,
                _MANAGEMENT,
                "CREATE_REGISTRATION_VERSION_NOT_ALLOWED",
                "DELETION_PROTECTION_ENABLED",
                "DISASSOCIATE_REGISTRATION_NOT_ALLOWED",
                "DISCARD_REGISTRATION_VERSION_NOT_ALLOWED",
                "EDIT_REGISTRATION_FIELD_VALUES_NOT_ALLOWED",
                "LAST_PHONE_NUMBER",
                "PHONE_NUMBER_ASSOCIATED_TO_POOL",
                "PHONE_NUMBER_ASSOCIATED_TO_REGISTRATION",
                "REGISTRATION_ALREADY_SUBMITTED",
                "RESOURCE_ALREADY_ASSOCIATED",
                "SENDER_ID_ASSOCIATED_TO_POOL",
                "RCS_AGENT_ASSOCIATED_TO_POOL",
                "POOL_ASSOCIATED_TO_NOTIFY_CONFIGURATION",
                "RESOURCE_ALREADY_EXISTS",
                "RESOURCE_DELETION_NOT_ALLOWED",
                "RESOURCE_MODIFICATION_NOT_ALLOWED",
                "RESOURCE_NOT_EMPTY",
                "SUBMIT_REGISTRATION_VERSION_NOT_ALLOWED",
                "VERIFICATION_CODE_EXPIRED",
                "VERIFICATION_ALREADY_COMPLETE",
                "PROTECT_CONFIGURATION_IS_ACCOUNT_DEFAULT",
                "PROTECT_CONFIGURATION_ASSOCIATED_WITH_CONFIGURATION_SET",
                "RCS_AGENT_ALREADY_ASSOCIATED_TO_REGISTRATION_TYPE",
            ),
        },
    ),
    "ServiceQuotaExceededException": ErrorRule(
        HOLD,
        _ACCOUNT,
        {
            **_rows(
                HOLD,
                "the account's monthly spend limit: held until it is raised or the month turns",
                "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT",
                "MONTHLY_SPEND_LIMIT_REACHED_FOR_MEDIA",
                "MONTHLY_SPEND_LIMIT_REACHED_FOR_VOICE",
                "MONTHLY_SPEND_LIMIT_REACHED_FOR_NOTIFY",
                "MONTHLY_SPEND_LIMIT_REACHED_FOR_RCS",
            ),
            **_rows(
                HOLD,
                "a daily quota of the account: it resets, or is raised by a quota increase",
                "DAILY_DESTINATION_CALL_LIMIT",
                "DAILY_NOTIFY_TIER_MESSAGE_LIMIT",
            ),
            **_rows(
                HOLD,
                _MANAGEMENT,
                "ASSOCIATIONS_PER_REGISTRATION",
                "CONFIGURATION_SETS_PER_ACCOUNT",
                "EVENT_DESTINATIONS_PER_CONFIGURATION_SET",
                "KEYWORDS_PER_PHONE_NUMBER",
                "KEYWORDS_PER_POOL",
                "NOTIFY_CONFIGURATIONS_PER_ACCOUNT",
                "OPT_OUT_LISTS_PER_ACCOUNT",
                "ORIGINATION_IDENTITIES_PER_POOL",
                "PHONE_NUMBERS_PER_ACCOUNT",
                "PHONE_NUMBERS_PER_REGISTRATION",
                "POOLS_PER_ACCOUNT",
                "RCS_AGENTS_PER_ACCOUNT",
                "REGISTRATION_ATTACHMENTS_CREATED_PER_DAY",
                "REGISTRATION_ATTACHMENTS_PER_ACCOUNT",
                "REGISTRATION_VERSIONS_CREATED_PER_DAY",
                "REGISTRATIONS_PER_ACCOUNT",
                "SENDER_IDS_PER_ACCOUNT",
                "TAGS_PER_RESOURCE",
                "VERIFIED_DESTINATION_NUMBERS_PER_ACCOUNT",
                "VERIFICATION_ATTEMPTS_PER_DAY",
                "PROTECT_CONFIGURATIONS_PER_ACCOUNT",
            ),
        },
    ),
    "ValidationException": ErrorRule(
        HOLD,
        "a reason this table does not know: held, so a new service rule cannot reject every queued message",
        {
            **_rows(
                REJECT,
                _DESTINATION,
                "DESTINATION_COUNTRY_BLOCKED",
                "CANNOT_ADD_OPTED_OUT_NUMBER",
                "PHONE_NUMBER_CANNOT_BE_OPTED_IN",
            ),
            **_rows(REJECT, "this message's body is longer than the service accepts", "MAXIMUM_SIZE_EXCEEDED"),
            **_rows(
                BY_FIELD,
                _GENERIC,
                "CANNOT_PARSE",
                "FIELD_VALIDATION_FAILED",
                "INVALID_PARAMETER",
                "INVALID_REQUEST",
                "MISSING_PARAMETER",
                "PARAMETERS_CANNOT_BE_USED_TOGETHER",
                "UNSPECIFIED_PARAMETER_NOT_SUPPORTED",
                "MEDIA_TYPE_NOT_SUPPORTED",
                "ATTACHMENT_TYPE_NOT_SUPPORTED",
                "OTHER",
            ),
            **_rows(REJECT, "the message would cost more than its MaxPrice", "PRICE_OVER_THRESHOLD"),
            **_rows(
                HOLD,
                _IDENTITY,
                "CHANNEL_NOT_ENABLED",
                "COUNTRY_CODE_MISMATCH",
                "COUNTRY_NOT_ENABLED",
                "INTERNATIONAL_SENDING_NOT_SUPPORTED",
                "INVALID_ARN",
                "INVALID_IDENTITY_FOR_DESTINATION_COUNTRY",
                "RESOURCE_NOT_ACCESSIBLE",
                "SENDER_ID_NOT_REGISTERED",
                "SENDER_ID_NOT_SUPPORTED",
                "SENDER_ID_REQUIRES_REGISTRATION",
                "INVALID_REGISTRATION_ASSOCIATION",
                "VOICE_CAPABILITY_NOT_AVAILABLE",
                "UNKNOWN_OPERATION",
            ),
            **_rows(
                HOLD,
                _MANAGEMENT,
                "INVALID_FILTER_VALUES",
                "INVALID_NEXT_TOKEN",
                "PHONE_NUMBER_CANNOT_BE_RELEASED",
                "REQUESTED_SPEND_LIMIT_HIGHER_THAN_SERVICE_LIMIT",
                "TWO_WAY_TOPIC_NOT_PRESENT",
                "TWO_WAY_NOT_ENABLED",
                "TWO_WAY_NOT_SUPPORTED_IN_COUNTRY",
                "TWO_WAY_NOT_SUPPORTED_IN_REGION",
                "TWO_WAY_CHANNEL_NOT_PRESENT",
                "UNKNOWN_REGISTRATION_FIELD",
                "UNKNOWN_REGISTRATION_SECTION",
                "UNKNOWN_REGISTRATION_TYPE",
                "UNKNOWN_REGISTRATION_VERSION",
                "REGISTRATION_FIELD_CANNOT_BE_DELETED",
                "VERIFICATION_CODE_MISMATCH",
            ),
        },
    ),
    "AccessDeniedException": ErrorRule(
        HOLD,
        "the sender's permissions (IAM, resource policies)",
        _rows(
            HOLD,
            "the account is disabled or restricted: a support case",
            "INSUFFICIENT_ACCOUNT_REPUTATION",
            "ACCOUNT_DISABLED",
        ),
    ),
    "ResourceNotFoundException": ErrorRule(HOLD, "the identity or configuration set is gone (deployment)", {}),
}


#: Reasons of other channels that share the exceptions of ``SendTextMessage``.
_OTHER_CHANNELS: Final = frozenset(
    {
        "MONTHLY_SPEND_LIMIT_REACHED_FOR_MEDIA",
        "MONTHLY_SPEND_LIMIT_REACHED_FOR_VOICE",
        "MONTHLY_SPEND_LIMIT_REACHED_FOR_NOTIFY",
        "MONTHLY_SPEND_LIMIT_REACHED_FOR_RCS",
        "DAILY_NOTIFY_TIER_MESSAGE_LIMIT",
        "NOTIFY_CONFIGURATION_NOT_ACTIVE",
        "MEDIA_TYPE_NOT_SUPPORTED",
        "ATTACHMENT_TYPE_NOT_SUPPORTED",
        "VOICE_CAPABILITY_NOT_AVAILABLE",
    }
)
#: Reasons of the opt-out list operations (``PutOptedOutNumber``, opting a number back in).
_OPT_OUT_OPERATIONS: Final = frozenset({"CANNOT_ADD_OPTED_OUT_NUMBER", "PHONE_NUMBER_CANNOT_BE_OPTED_IN"})

#: Reasons of the model that ``SendTextMessage`` is not expected to return: a management operation's, an opt-out list
#: operation's or another channel's. :func:`classify` still decides them (every one is held but the two opt-out ones);
#: the docs table (:func:`markdown_table`) leaves them out.
NOT_FROM_SEND_TEXT_MESSAGE: Final[frozenset[str]] = frozenset(
    {reason for rule in SEND_ERROR_RULES.values() for reason, (_, why) in rule.reasons.items() if why == _MANAGEMENT}
    | _OTHER_CHANNELS
    | _OPT_OUT_OPERATIONS
)


#: Held reasons that depend on the destination number or its country, not on every send of the identity: a send to
#: another number or country may still go through (a pool picks its member by country). They hold the message like
#: any other held reason but never open the sender's circuit breaker, which would stop every other destination too.
DESTINATION_DEPENDENT_HOLDS: Final[frozenset[str]] = frozenset(
    {
        "DESTINATION_PHONE_NUMBER_NOT_VERIFIED",  # the SMS sandbox: this number is not verified, others may be
        "NO_ORIGINATION_IDENTITIES_FOUND",  # a pool with no member for this destination's country
        "DAILY_DESTINATION_CALL_LIMIT",
        "COUNTRY_CODE_MISMATCH",
        "COUNTRY_NOT_ENABLED",
        "INTERNATIONAL_SENDING_NOT_SUPPORTED",
        "INVALID_IDENTITY_FOR_DESTINATION_COUNTRY",
        "SENDER_ID_NOT_REGISTERED",
        "SENDER_ID_NOT_SUPPORTED",
        "SENDER_ID_REQUIRES_REGISTRATION",
    }
)


def classify(
    code: str, reason: str | None, fields: Iterable[str] = (), message_fields: Iterable[str] = ()
) -> SendErrorOutcome | None:
    """The outcome of a modelled error ``code`` with ``reason``; ``None`` for a code the model does not define.

    :param fields: ``Fields[].Name`` of the error (:func:`field_names`).
    :param message_fields: The ``SendTextMessage`` parameters the message set (:func:`message_fields`): a
        :data:`BY_FIELD` reason is a rejection only when one of ``fields`` is one of them.
    """
    rule = SEND_ERROR_RULES.get(code)
    if rule is None:
        return None
    outcome = rule.reasons[reason][0] if reason and reason in rule.reasons else rule.default
    if outcome is BY_FIELD:
        own = {_normalise(name) for name in message_fields}
        return REJECT if any(_normalise(name) in own for name in fields) else HOLD
    return outcome


def message_fields(*, time_to_live: bool, max_price: bool, message_type: bool) -> frozenset[str]:
    """The ``SendTextMessage`` parameters whose value the message chose: :data:`ALWAYS_MESSAGE_FIELDS`, plus each
    optional one the request (not a queue default) set."""
    chosen = {"TimeToLive": time_to_live, "MaxPrice": max_price, "MessageType": message_type}
    return ALWAYS_MESSAGE_FIELDS | {name for name, set_by_request in chosen.items() if set_by_request}


def field_names(response: Mapping[str, Any]) -> tuple[str, ...]:
    """``Fields[].Name`` of a parsed error response (botocore puts the modelled members beside ``Error``)."""
    fields = response.get("Fields")
    if not isinstance(fields, list):
        return ()
    return tuple(str(item["Name"]) for item in fields if isinstance(item, Mapping) and item.get("Name"))


#: A field name's first segment: ``MessageBody``, ``Context.orderId``, ``context[orderId]``, ``/TimeToLive``.
_FIELD_HEAD = re.compile(r"[^./\[\]]+")


def _normalise(name: str) -> str:
    """Case and path insensitive: ``messageBody``, ``MessageBody`` → ``messagebody``; ``Context.key`` → ``context``."""
    head = _FIELD_HEAD.search(name)
    return (head[0] if head else name).strip().lower()


def rows() -> Iterator[tuple[str, str, SendErrorOutcome, str]]:
    """(code, reason or ``*`` for the default, outcome, why) — every row of the table."""
    for code, rule in SEND_ERROR_RULES.items():
        for reason, (outcome, why) in sorted(rule.reasons.items()):
            yield code, reason, outcome, why
        yield code, "*", rule.default, f"{rule.why} (any other reason, or none)" if rule.reasons else rule.why


#: The groups of the docs table, in order: (outcome, heading, what it means).
GROUPS: Final = (
    (REJECT, "Rejected", "Never sent: a rejection with the reason in the history (metric `MessagesRejected`)."),
    (
        HOLD,
        "Held",
        "Back on the queue with the long back-off until the cause is fixed, or its deadline passes (`SendsHeld`).",
    ),
    (
        BY_FIELD,
        "Decided by the error's Fields",
        "Rejected if `Fields` names a value the message set, else held.",
    ),
    (RETRY, "Retried", "Back on the queue with the short back-off (`TransientSendFailures`)."),
)


def _code(name: str) -> str:
    """A code span that may break after ``_`` and ``.`` only (``<wbr>``), never inside a word."""
    if "_" not in name and "." not in name:
        return f"`{name}`"
    return "<code>" + re.sub(r"([_.])(?=.)", r"\1<wbr>", name) + "</code>"


def _reason(code: str, reason: str) -> str:
    """The reason cell: the code's default (``*``) in words, any other reason as code."""
    if reason != "*":
        return _code(reason)
    return "*any other, or none*" if SEND_ERROR_RULES[code].reasons else "*any*"


def markdown_table(*, every_reason: bool = False) -> str:
    """The table of :data:`SEND_ERROR_RULES` as Markdown (what the send queue's reference page shows): a table per
    outcome (:data:`GROUPS`), with ``### `` headings, of the reasons ``SendTextMessage`` can return — ``every_reason``:
    also those of :data:`NOT_FROM_SEND_TEXT_MESSAGE`."""
    shown = [row for row in rows() if every_reason or row[1] not in NOT_FROM_SEND_TEXT_MESSAGE]
    sections = []
    for outcome, heading, meaning in GROUPS:
        lines = [
            f"| `{code}` | {_reason(code, reason)} | {why.removesuffix(' (any other reason, or none)')} |"
            for code, reason, row_outcome, why in shown
            if row_outcome is outcome
        ]
        sections.append(
            "\n".join([f"### {heading}", "", meaning, "", "| Error | Reason | Why |", "|---|---|---|", *lines])
        )
    return "\n\n".join(sections)


if __name__ == "__main__":  # pragma: no cover - documentation helper
    import sys

    print(markdown_table(every_reason="--all" in sys.argv[1:]))
