"""The typed contract between the constructs and the library's Lambda handlers.

Each handler has one settings object. The construct builds it and renders it with ``to_environment()`` into the
function's environment variables; the handler reads it back with ``from_environment(os.environ)``. The variable names,
their encoding, the metric names, the client retry settings, the deadline margin and the back-off numbers are defined
here and nowhere else, so the two sides cannot drift apart.

At synth time some values are CloudFormation tokens (a table name, a queue URL): ``to_environment()`` passes
strings through untouched, so tokens survive into the template.

Stdlib only (botocore is imported lazily by :meth:`ClientSettings.botocore_config`): it runs inside Lambda, in
producers and at synth time.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final, Self, TypeVar

__all__ = [
    "DIMENSION_CAUSE",
    "DIMENSION_LANE",
    "DIMENSION_PERIOD",
    "DIMENSION_PRODUCER",
    "DIMENSION_REASON",
    "DIMENSION_ROUTE",
    "DYNAMODB_CLIENT",
    "HELD_REENQUEUE_MARGIN_SECONDS",
    "METRIC_DIMENSION_SERVICE",
    "QUEUE_CLIENT",
    "SENDER_DEADLINE_MARGIN_SECONDS",
    "SMS_CLIENT",
    "TRACE_SDK_CALLS_VARIABLE",
    "BackOff",
    "ClientSettings",
    "RetryMetric",
    "RetrySettings",
    "SenderMetric",
    "SenderSettings",
    "SettingsError",
]

_T = TypeVar("_T")


class SettingsError(ValueError):
    """An environment variable is missing or cannot be read as its setting's type."""


def _env(name: str, default: Any = dataclasses.MISSING, *, omit_default: bool = False) -> Any:
    """A dataclass field stored in the environment variable ``name``; with ``omit_default``, left out of the
    environment while it holds its default (a setting added later then leaves existing functions unchanged)."""
    if default is dataclasses.MISSING:
        return field(metadata={"env": name})
    return field(default=default, metadata={"env": name, "omit_default": omit_default})


class _EnvironmentSettings:
    """Renders a frozen dataclass to and from ``str → str`` environment variables, by field type.

    Encodings: ``str`` as is; ``int`` and ``float`` in decimal (``3``, not ``3.0``, for whole floats); ``bool`` as
    ``true``/``false``; tuples as comma-separated items; ``None`` as an empty string (or the variable left out).
    """

    def to_environment(self) -> dict[str, str]:
        """The function's environment variables (values may be CloudFormation tokens at synth time)."""
        environment: dict[str, str] = {}
        for item in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, item.name)
            if value is None or (item.metadata.get("omit_default") and value == item.default):
                continue
            environment[item.metadata["env"]] = _encode(value)
        return environment

    @classmethod
    def from_environment(cls, environment: Mapping[str, str]) -> Self:
        """Read the settings a construct wrote (``os.environ`` in Lambda); raises :class:`SettingsError`."""
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for item in dataclasses.fields(cls):  # type: ignore[arg-type]
            name = item.metadata["env"]
            raw = environment.get(name)
            if raw is None or raw == "":
                if item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING:
                    raise SettingsError(f"{name} is not set (the construct sets it)")
                continue
            try:
                values[item.name] = _decode(raw, hints[item.name])
            except ValueError as error:
                raise SettingsError(f"{name}={raw!r}: {error}") from error
        return cls(**values)

    @classmethod
    def environment_names(cls) -> frozenset[str]:
        """Every variable the settings may occupy."""
        return frozenset(item.metadata["env"] for item in dataclasses.fields(cls))  # type: ignore[arg-type]


def _encode(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, tuple | list | frozenset):
        return ",".join(_encode(v) for v in value)
    return str(value)


def _decode(raw: str, kind: Any) -> Any:
    origin = typing.get_origin(kind)
    if origin in (types.UnionType, typing.Union):  # X | None: the variable is set, so it is an X
        (kind,) = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        origin = typing.get_origin(kind)
    if origin is tuple:
        item_kind = typing.get_args(kind)[0]
        return tuple(_decode(item, item_kind) for item in raw.split(",") if item)
    if kind is bool:
        if raw not in ("true", "false"):
            raise ValueError("must be true or false")
        return raw == "true"
    if kind in (int, float, str):
        return kind(raw)
    raise TypeError(f"no environment encoding for {kind!r}")  # pragma: no cover - a programming error


#: ``true`` in a handler's environment: X-Ray subsegments for every AWS SDK call (``sms_constructs_runtime.tracing``).
TRACE_SDK_CALLS_VARIABLE: Final = "SMS_TRACE_SDK_CALLS"


# -- AWS clients ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientSettings:
    """Timeouts and retries of one botocore client (standard retry mode).

    :param max_attempts: Calls per request, the first included (botocore ``total_max_attempts``).
    :param connect_timeout: Seconds to open a connection.
    :param read_timeout: Seconds to wait for a response.
    """

    max_attempts: int
    connect_timeout: float
    read_timeout: float

    #: botocore's standard mode sleeps at most ``2 ** (n - 1)`` seconds before retry ``n``.
    _BACK_OFF_CAP: ClassVar[float] = 20.0

    @property
    def worst_case_seconds(self) -> float:
        """The longest a request can take: every attempt timing out, plus the longest back-off between them."""
        back_off = sum(min(self._BACK_OFF_CAP, 2.0 ** (n - 1)) for n in range(1, self.max_attempts))
        return self.max_attempts * (self.connect_timeout + self.read_timeout) + back_off

    def botocore_config(self) -> Any:
        """A ``botocore.config.Config`` with these settings (imports botocore)."""
        from botocore.config import Config  # noqa: PLC0415 - botocore only where a client is built

        return Config(
            retries={"mode": "standard", "total_max_attempts": self.max_attempts},
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
        )


#: ``pinpoint-sms-voice-v2``: one attempt per call. ``SendTextMessage`` has no idempotency token, so botocore resending
#: after a read timeout or a dropped connection could deliver an SMS twice; the queue retries instead.
SMS_CLIENT: Final = ClientSettings(max_attempts=1, connect_timeout=3, read_timeout=10)
#: DynamoDB (store, pacer, idempotency records): three short attempts.
DYNAMODB_CLIENT: Final = ClientSettings(max_attempts=3, connect_timeout=2, read_timeout=2)
#: SQS and SNS, in both handlers.
QUEUE_CLIENT: Final = ClientSettings(max_attempts=5, connect_timeout=3, read_timeout=10)
#: The sender stops taking records this long before its invocation's deadline: the longest send and the longest write
#: of the idempotency record that follows it fit in it, so a send is never cut off from its record (30 s).
SENDER_DEADLINE_MARGIN_SECONDS: Final = (
    math.ceil(SMS_CLIENT.worst_case_seconds + DYNAMODB_CLIENT.worst_case_seconds) + 2
)


class BackOff:
    """How long a record the sender hands back stays invisible: ``base × 2^(receives − 1)``, ±20 %, at most 15 min
    (1 hour for a held send, whose receives are counted across its re-enqueued copies)."""

    #: Throttling, server faults, network errors.
    TRANSIENT_SECONDS: Final = 10
    #: A reason about the account, a limit, the identity or the deployment (``SendsHeld``).
    HELD_SECONDS: Final = 60
    #: Another invocation is sending the same request.
    IN_PROGRESS_SECONDS: Final = 30
    #: The longest back-off.
    MAX_SECONDS: Final = 900
    #: The longest back-off of a held send (spend limit, sandbox, inactive identity): a hold lasts hours or weeks, so
    #: the sender asks the service again at most once an hour per message, not every 15 minutes.
    HELD_MAX_SECONDS: Final = 3600
    #: The longest delay of a re-enqueued copy (SQS ``DelaySeconds`` maximum).
    MAX_DELAY_SECONDS: Final = 900
    #: Spread of each back-off (±).
    JITTER: Final = 0.2


#: A held send is re-enqueued as a new message once its copy would come back later than this long before the send
#: queue's retention ends (SQS expires a message by its enqueue time), so a backlog still leaves a day to receive it.
HELD_REENQUEUE_MARGIN_SECONDS: Final = 86_400


# -- metrics --------------------------------------------------------------------------------------------------------

#: Every custom metric carries the function's ``POWERTOOLS_SERVICE_NAME`` in this dimension.
METRIC_DIMENSION_SERVICE: Final = "service"
#: Rejections and held sends are also published per reason, with this extra dimension.
DIMENSION_REASON: Final = "Reason"
#: Receives handed back without a send are also published per cause, with this extra dimension (``Deadline``,
#: ``PacerContention``, ``CircuitBreaker``, ``InProgress``).
DIMENSION_CAUSE: Final = "Cause"
#: Dimension of the per-lane sender metrics (``TimeToSend``): the lane's name.
DIMENSION_LANE: Final = "Lane"
#: Dimension of the per-producer sender metrics: the producer's name (contract version 3 ``producer``).
DIMENSION_PRODUCER: Final = "Producer"
#: Dimension of ``QuotaUsed``: ``Day`` or ``Month``.
DIMENSION_PERIOD: Final = "Period"
#: Dimension of the per-route sender metrics (``RouteParked``, ``TimeToSend``): the route's ISO code, or ``*``.
DIMENSION_ROUTE: Final = "Route"


class SenderMetric:
    """Custom metrics of the sender (namespace: the queue's ``metrics_namespace``)."""

    #: Accepted ``SendTextMessage`` calls.
    MESSAGES_SENT: Final = "MessagesSent"
    #: Message parts of those sends (what MPS counts).
    PARTS_SENT: Final = "MessagePartsSent"
    #: Requests rejected for good; also per ``Reason``.
    REJECTED: Final = "MessagesRejected"
    #: Throttling, server faults and network errors (the record comes back).
    TRANSIENT_FAILURES: Final = "TransientSendFailures"
    #: Sends refused for a reason about the account, a limit, the identity or the deployment, and records held
    #: behind the open circuit breaker for such a reason (the record waits, never dead-lettered); also per ``Reason``.
    SENDS_HELD: Final = "SendsHeld"
    #: Records handed back unsent because the invocation was close to its deadline.
    DEFERRED: Final = "MessagesDeferred"
    #: Duplicate deliveries of a request that was already sent.
    DUPLICATES_SUPPRESSED: Final = "DuplicateSendsSuppressed"
    #: Store writes that failed after a send.
    STORE_WRITE_FAILURES: Final = "StoreWriteFailures"
    #: Sends whose response was lost (the message may be delivered twice).
    OUTCOME_UNKNOWN: Final = "SendOutcomeUnknown"
    #: Requests past their deadline (``notAfter``), never sent (also a rejection with reason ``EXPIRED``).
    EXPIRED: Final = "MessagesExpired"
    #: Held sends, and records handed back without a send, put back on the send queue as a new message (before SQS
    #: would expire the old copy, or before its receives would move it to the DLQ); also per ``Reason`` (the held
    #: reason, or the ``Cause`` of a hand-back without a send).
    HELD_REENQUEUED: Final = "HeldSendsReenqueued"
    #: Send slots that had passed before the send could be released (the slot is lost, the record takes another).
    PACER_SLOTS_ABANDONED: Final = "PacerSlotsAbandoned"
    #: Records handed back because no usable send slot could be reserved.
    PACER_CONTENTION: Final = "PacerContention"
    #: Records received and handed back to the queue without a ``SendTextMessage`` call, any cause; also per
    #: ``Cause`` (``Deadline``, ``PacerContention``, ``CircuitBreaker``, ``InProgress``).
    RECEIVES_WITHOUT_SEND: Final = "ReceivesWithoutSend"
    #: 1 each time an invocation finds the circuit breaker open (``Maximum`` ≥ 1 in a period: it was open).
    CIRCUIT_BREAKER_OPEN: Final = "CircuitBreakerOpen"
    #: Probe sends made while the circuit breaker is open.
    CIRCUIT_BREAKER_PROBES: Final = "CircuitBreakerProbes"
    #: Message parts saved by GSM-7 normalisation (``normalize_gsm7``): parts of the body as written minus parts of
    #: the body sent, published for each accepted send whose body was normalised (0 when it saved none).
    PARTS_SAVED: Final = "PartsSaved"
    #: Milliseconds from when a request first reached a lane's queue to its ``SendTextMessage`` call (dimension
    #: ``Lane``; one value per send), and on a queue with routes also with dimension ``Route`` alone.
    TIME_TO_SEND: Final = "TimeToSend"
    #: Message parts sent for a producer (dimension ``Producer``).
    PRODUCER_PARTS: Final = "ProducerParts"
    #: The most those parts can cost, USD: parts times the send's ``MaxPrice`` (dimension ``Producer``; the event
    #: lake's spend query has the price actually charged).
    PRODUCER_SPEND_CEILING: Final = "ProducerSpendCeiling"
    #: Percent of a producer's part budget used in the current UTC day or month (dimensions ``Producer`` and
    #: ``Period``), published after each send of a producer with a quota.
    QUOTA_USED: Final = "QuotaUsed"
    #: Records moved from a lane's queue to their route's parking queue because the route's next send slot was
    #: beyond their park horizon (the route is saturated); also per ``Route``.
    ROUTE_PARKED: Final = "RouteParked"

    #: All of them.
    ALL: Final = (
        MESSAGES_SENT,
        PARTS_SENT,
        REJECTED,
        TRANSIENT_FAILURES,
        SENDS_HELD,
        DEFERRED,
        DUPLICATES_SUPPRESSED,
        STORE_WRITE_FAILURES,
        OUTCOME_UNKNOWN,
        EXPIRED,
        HELD_REENQUEUED,
        PACER_SLOTS_ABANDONED,
        PACER_CONTENTION,
        RECEIVES_WITHOUT_SEND,
        CIRCUIT_BREAKER_OPEN,
        CIRCUIT_BREAKER_PROBES,
        PARTS_SAVED,
        TIME_TO_SEND,
        PRODUCER_PARTS,
        PRODUCER_SPEND_CEILING,
        QUOTA_USED,
        ROUTE_PARKED,
    )


class RetryMetric:
    """Custom metrics of the retry handler (same namespace as its send queue's)."""

    #: Requests put back on the send queue.
    RETRIES_SCHEDULED: Final = "RetriesScheduled"
    #: Requests that failed for good (also published to the final-failure topic); also per ``Reason``.
    FINAL_FAILURES: Final = "FinalFailures"
    #: Events that were not final.
    IGNORED_NOT_FINAL: Final = "EventsIgnoredNotFinal"
    #: Final events whose status the policy does not retry.
    IGNORED_STATUS: Final = "EventsIgnoredStatus"
    #: Further final events of a message already acted on.
    DUPLICATE_EVENTS: Final = "DuplicateEvents"
    #: Final events of messages the store does not know.
    UNKNOWN_MESSAGE_IDS: Final = "UnknownMessageIds"
    #: Records that are not SMS events (they end in the DLQ).
    MALFORMED_EVENTS: Final = "MalformedEvents"

    #: All of them.
    ALL: Final = (
        RETRIES_SCHEDULED,
        FINAL_FAILURES,
        IGNORED_NOT_FINAL,
        IGNORED_STATUS,
        DUPLICATE_EVENTS,
        UNKNOWN_MESSAGE_IDS,
        MALFORMED_EVENTS,
    )


# -- the handlers' settings -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SenderSettings(_EnvironmentSettings):
    """What ``SmsSendQueue`` tells its sender function.

    :param table_name: The message store table.
    :param queue_url: The send queue (the sender shortens the visibility of records it hands back).
    :param origination_identity: ARN of the pool, phone number or sender ID every send uses.
    :param configuration_set_name: Configuration set of every send.
    :param max_parts_per_second: The MPS the sender paces to.
    :param retention_seconds: How long store items (and idempotency records) live.
    :param service_name: ``POWERTOOLS_SERVICE_NAME``: the ``service`` dimension of the metrics.
    :param metrics_namespace: ``POWERTOOLS_METRICS_NAMESPACE``.
    :param message_type: ``MessageType`` of requests that set none.
    :param time_to_live_seconds: ``TimeToLive`` of requests that set none.
    :param max_price: ``MaxPrice`` of requests that set none.
    :param validate_numbers: ``CarrierLookup`` before the first send to a number.
    :param number_cache_ttl_seconds: How long a lookup is reused.
    :param trace_sdk_calls: X-Ray subsegments for the AWS SDK calls (the X-Ray SDK is loaded only then).
    :param queue_retention_seconds: The send queue's ``MessageRetentionPeriod``: a held send is re-enqueued before it.
    :param max_receive_count: The send queue's ``maxReceiveCount``: a held send is re-enqueued before it reaches it.
    :param release_tolerance_seconds: How late after its slot's start a send may still be released (the pacer's
        slots are ``1 + tolerance`` times as long, so a tolerance of 20 ms costs 2 % of the MPS).
    :param breaker_probe_interval_seconds: While the circuit breaker is open, one send per this interval probes
        whether the hold has cleared.
    :param normalize_gsm7: Replace characters that have a GSM-7 equivalent with the same meaning (curly quotes,
        dashes, ellipsis, Unicode and zero-width spaces: ``sms_constructs_runtime.gsm7``) when that alone makes the
        body GSM-7 and takes no more parts; the normalised body is sent and ``PartsSaved`` published.
    :param record_statuses: Also record in the store when a request is accepted and when an attempt is held (the
        ``accepted`` and ``held#NN`` items ``SmsStatusNotifier`` publishes as ``ACCEPTED`` and ``HELD``): set when a
        notifier reads the store, since each costs a write.
    :param lanes: The send queue's lanes, highest priority first, as ``name=queueUrl`` items; empty for a queue
        without lanes (``queue_url`` is then the only queue). ``queue_url`` is the default lane's queue.
    :param lane_reserved_shares: ``name=share`` items: the share of the MPS kept for that lane alone (0 < share < 1).
    :param batch_size: The event source mappings' batch size: a lower lane's send may start at most
        ``(lanes below the first - its rank + 1) x batch_size`` parts' worth of slots ahead.
    :param producer_quotas: ``producer=daily/monthly`` items, each a whole number of parts or empty for no budget
        (``otp=/20000``): a producer's request over its budget is held until the budget resets or is raised.
    :param routes: ``ISO=mps`` items, one per route (``CA=1``), ``*`` for every other country: each route is paced
        on a key of its own at its MPS (``sms_constructs_runtime.routes``); empty for a queue without routes.
    :param route_parking_queues: ``ISO=queueUrl`` items: each route's parking queue (``*`` included).
    """

    table_name: str = _env("SMS_TABLE_NAME")
    queue_url: str = _env("SMS_QUEUE_URL")
    origination_identity: str = _env("SMS_ORIGINATION_IDENTITY")
    configuration_set_name: str = _env("SMS_CONFIGURATION_SET_NAME")
    max_parts_per_second: float = _env("SMS_MAX_PARTS_PER_SECOND")
    retention_seconds: int = _env("SMS_RETENTION_SECONDS")
    service_name: str = _env("POWERTOOLS_SERVICE_NAME")
    metrics_namespace: str = _env("POWERTOOLS_METRICS_NAMESPACE")
    message_type: str | None = _env("SMS_MESSAGE_TYPE", None)
    time_to_live_seconds: int | None = _env("SMS_TIME_TO_LIVE_SECONDS", None)
    max_price: str | None = _env("SMS_MAX_PRICE", None)
    validate_numbers: bool = _env("SMS_VALIDATE_NUMBERS", False)
    number_cache_ttl_seconds: int = _env("SMS_NUMBER_CACHE_TTL_SECONDS", 30 * 86_400)
    trace_sdk_calls: bool | None = _env(TRACE_SDK_CALLS_VARIABLE, None)
    queue_retention_seconds: int = _env("SMS_QUEUE_RETENTION_SECONDS", 4 * 86_400)
    max_receive_count: int = _env("SMS_MAX_RECEIVE_COUNT", 10)
    release_tolerance_seconds: float = _env("SMS_RELEASE_TOLERANCE_SECONDS", 0.02)
    breaker_probe_interval_seconds: int = _env("SMS_BREAKER_PROBE_INTERVAL_SECONDS", 60)
    normalize_gsm7: bool = _env("SMS_NORMALIZE_GSM7", True)
    record_statuses: bool = _env("SMS_RECORD_STATUSES", False)
    lanes: tuple[str, ...] = _env("SMS_LANES", (), omit_default=True)
    lane_reserved_shares: tuple[str, ...] = _env("SMS_LANE_RESERVED_SHARES", (), omit_default=True)
    batch_size: int = _env("SMS_BATCH_SIZE", 10, omit_default=True)
    producer_quotas: tuple[str, ...] = _env("SMS_PRODUCER_QUOTAS", (), omit_default=True)
    routes: tuple[str, ...] = _env("SMS_ROUTES", (), omit_default=True)
    route_parking_queues: tuple[str, ...] = _env("SMS_ROUTE_PARKING_QUEUES", (), omit_default=True)


@dataclass(frozen=True)
class RetrySettings(_EnvironmentSettings):
    """What ``SmsRetry`` tells its retry function: the policy and the resources.

    :param table_name: The send queue's message store.
    :param send_queue_url: Where retries are put back.
    :param final_failure_topic_arn: Where final failures are published.
    :param retention_seconds: The store's retention (markers and final failures expire with it).
    :param service_name: ``POWERTOOLS_SERVICE_NAME``.
    :param metrics_namespace: ``POWERTOOLS_METRICS_NAMESPACE``.
    :param max_attempts: Sends in all, the first included.
    :param delays_seconds: Wait before retry 1, 2, …; the last one repeats.
    :param jitter: Spread of each delay, as a fraction.
    :param window_seconds: No retry starts later than this after the first send.
    :param statuses: Final statuses that are retried.
    :param deadline_required_statuses: Of those, the ones retried only for requests with a deadline (``notAfter``).
    :param trace_sdk_calls: X-Ray subsegments for the AWS SDK calls (the X-Ray SDK is loaded only then).
    :param lanes: The send queue's lanes as ``name=queueUrl`` items (``SenderSettings.lanes``): a retry goes back to
        the lane its request names; empty for a queue without lanes.
    """

    table_name: str = _env("SMS_TABLE_NAME")
    send_queue_url: str = _env("SMS_SEND_QUEUE_URL")
    final_failure_topic_arn: str = _env("SMS_FINAL_FAILURE_TOPIC_ARN")
    retention_seconds: int = _env("SMS_RETENTION_SECONDS")
    service_name: str = _env("POWERTOOLS_SERVICE_NAME")
    metrics_namespace: str = _env("POWERTOOLS_METRICS_NAMESPACE")
    max_attempts: int = _env("SMS_RETRY_MAX_ATTEMPTS")
    delays_seconds: tuple[int, ...] = _env("SMS_RETRY_DELAYS_SECONDS")
    jitter: float = _env("SMS_RETRY_JITTER")
    window_seconds: int = _env("SMS_RETRY_WINDOW_SECONDS")
    statuses: tuple[str, ...] = _env("SMS_RETRY_STATUSES")
    deadline_required_statuses: tuple[str, ...] = _env("SMS_RETRY_DEADLINE_REQUIRED_STATUSES", ())
    lanes: tuple[str, ...] = _env("SMS_LANES", (), omit_default=True)
    trace_sdk_calls: bool | None = _env(TRACE_SDK_CALLS_VARIABLE, None)

    #: SQS ``DelaySeconds`` is at most 15 minutes.
    MAX_DELAY_SECONDS: ClassVar[int] = 900

    def delay_for(self, attempt: int, jitter: float) -> int:
        """Seconds to wait before attempt ``attempt + 1``; ``jitter`` in [0, 1) spreads the delay by
        ±``self.jitter``."""
        if not self.delays_seconds:
            return 0
        base = self.delays_seconds[min(attempt - 1, len(self.delays_seconds) - 1)]
        spread = base * self.jitter * (2 * jitter - 1)
        return max(0, min(self.MAX_DELAY_SECONDS, round(base + spread)))
