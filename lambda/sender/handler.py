"""The sender Lambda of ``SmsSendQueue``: SQS batch → paced ``SendTextMessage``, nothing lost, nothing sent twice.

Per record (Powertools ``BatchProcessor``, partial batch responses):

1. Parse and validate the producer contract (``sms_constructs_runtime.contract``). A malformed message is a
   *rejection*: recorded in the store with its reason, counted, and deleted from the queue (retrying cannot fix it).
2. Send at most once per ``requestId`` + ``attempt`` (Powertools idempotency on the store table): a duplicate SQS
   delivery returns the first outcome without calling the API again.
3. Optionally validate the number (``CarrierLookup``, cached); LANDLINE and INVALID numbers are rejections.
4. Normalise the body to GSM-7 when the queue does (the default; ``sms_constructs_runtime.gsm7``): characters with a
   GSM-7 equivalent of the same meaning (curly quotes, dashes, ellipsis, Unicode and zero-width spaces) are replaced
   only when that alone makes the whole body GSM-7 and takes no more parts; the parts saved are published
   (``PartsSaved``), and the parts of the body sent are the ones paced and stored. The stored request keeps the body
   as written (a retry normalises it again, to the same body).
   Then wait for a send slot on the shared pacer (message parts against the identity's MPS, released within the release
   tolerance of the slot's start: see ``sms_constructs_runtime.pacing``), then ``SendTextMessage`` with the
   origination identity, configuration set, message type, TTL, max price and a ``Context`` carrying the request id and
   attempt. A record for which no usable slot could be reserved goes back to the queue (``PacerContention``); the
   slots that passed before they could be used are published once per invocation (``PacerSlotsAbandoned``).
5. Outcomes: sent → the idempotency record is COMPLETED, then ``message#<MessageId>`` is stored (the retry handler
   resends from it). Errors are classified by code **and** ``Reason`` (``sms_constructs_runtime.send_errors``):
   about this destination or message (opted out, blocked by protect, over ``MaxPrice``, a generic
   ``ValidationException`` whose ``Fields`` name a value the message set) → rejection, never retried; about the
   account, a limit, the identity or the deployment (spend limit, sandbox, inactive identity, permissions, a generic
   ``ValidationException`` about anything else) → **held** (``SendsHeld`` per reason, see 8) and the circuit breaker
   opens (see 9); throttling, server faults, HTTP 5xx or 429 and network errors → batch item failure with the short
   back-off. Codes and reasons the model does not define are held, never rejected.
6. A request with a deadline (``notAfter``) is never sent after it: past it, or with less than the 5-second minimum
   ``TimeToLive`` left when its send slot comes, it is a rejection ``EXPIRED``; otherwise ``TimeToLive`` is capped to
   the time left.
7. Records the invocation cannot finish before its deadline are handed back unsent (``MessagesDeferred``): a record is
   only sent when the send and the write that completes its idempotency record both fit before the invocation can be
   killed.
8. A held record waits as long as its deadline allows, not as long as SQS keeps it: it goes back to the queue with
   the held back-off (60 s doubling to 1 hour, never past its deadline) until the next back-off would bring it back
   within a day of the queue's retention (SQS expires a message by its enqueue time) or its receives would reach
   ``maxReceiveCount``; then it is sent to the queue again as a **new** message with the same body, carrying when it
   first reached the queue and was first held and its receives so far (message attributes), and only then is the old
   copy deleted (``HeldSendsReenqueued``). A hold therefore never sends a message to the DLQ, and never lets it expire.
   Sending the copy twice (a crash before the old one is deleted) is harmless: both copies carry the same
   ``requestId`` and attempt, and the idempotency records let only one be sent. Past its deadline a held request is
   rejected ``EXPIRED``. A request without a deadline is held until the cause is fixed. The same rule protects every
   record handed back **without a ``SendTextMessage`` call** — near the invocation deadline (7), pacer contention
   (4), the open breaker (9), or another invocation sending the same request: such a receive is not the message's
   fault and never moves it towards the DLQ. Each is counted as ``ReceivesWithoutSend``, also per ``Cause``
   (``Deadline``, ``PacerContention``, ``CircuitBreaker``, ``InProgress``).
9. **Circuit breaker.** A held send opens the breaker of the origination identity, unless its reason depends on the
   destination (``send_errors.DESTINATION_DEPENDENT_HOLDS``: an unverified number in the sandbox, a country the
   identity or pool cannot serve — another destination may still go through). The breaker is an item of the message
   store (``pk`` the pacer key, ``sk`` ``breaker``: reason, opened at, next probe at, and the store's
   ``expiration``). It is read once per batch (and again only after another invocation won a due probe). While it is
   open, records are neither sent, nor looked up, nor given a send slot: they are held as in 8 (the held back-off,
   ``SendsHeld`` per the breaker's reason, ``ReceivesWithoutSend`` ``Cause=CircuitBreaker``), and each invocation
   that finds it open publishes ``CircuitBreakerOpen`` = 1. Once per probe interval (the
   ``breaker_probe_interval_seconds`` setting, 60 s by default) one record — whichever invocation wins the
   conditional write that moves "next probe at" on — is sent as the probe, through the pacer
   (``CircuitBreakerProbes``): accepted, it closes the breaker (a conditional delete of the opening it probed) and
   every record is sent again as it comes back; held, the breaker stays open. A held account therefore costs one call
   per interval, not one per receive. A breaker that cannot be read or written never loses a record: the send itself
   then tells whether the identity is held. Records held before the breaker opened keep their back-off (up to an
   hour), so after the hold clears they are sent as they come back.
10. **Lanes.** A send queue with lanes (``SenderSettings.lanes``, highest priority first) has one queue per lane, each
   with its own event source mapping to this function. A record's lane is the queue it came from (its
   ``eventSourceARN``; a request whose ``lane`` names another lane is logged and sent as its queue's, a record from no
   lane's queue as the default lane's). Every lane spends the identity's one pacer key; a lane below the first
   reserves only a slot within its horizon (``sms_constructs_runtime.pacing``: a higher lane always goes first, a
   lower lane fills what is left), and a lane with a reserved share falls back to a key of its own at that share. A
   record handed back, held or re-enqueued goes back to its own lane's queue. Each send publishes ``TimeToSend`` (ms
   from the record's first enqueue to the ``SendTextMessage`` call) with dimension ``Lane``. Without lanes nothing of
   this applies.
11. **Quotas per producer.** A request whose ``producer`` has a part budget (``SenderSettings.producer_quotas``) counts
   its parts against the producer's UTC day and month before it asks the pacer for a slot (``sms_constructs_runtime
   .quotas``: one DynamoDB transaction, all or nothing, never past a budget). Over budget it is **held** with reason
   ``QUOTA_EXCEEDED`` as in 8 (never rejected, never sent, never dead-lettered), coming back with the held back-off
   and at the latest when the refusing period ends; a raised budget applies at its next check. Parts counted for a
   send that did not go out are given back. Each accepted send of a named producer publishes ``ProducerParts`` and
   ``ProducerSpendCeiling`` (dimension ``Producer``); each counted send and each quota hold publishes ``QuotaUsed``
   (percent, dimensions ``Producer`` and ``Period``). A request without a producer, or whose producer has no budget,
   is not counted.
12. **Routes.** A send queue with routes (``SenderSettings.routes``: ``ISO=mps`` items, ``*`` for every other country)
   paces each destination country on a key of its own (``<pacer key>#route#<ISO>``) at the route's MPS, and every
   other destination on the queue's key at the ``*`` route's MPS (``sms_constructs_runtime.routes``: the country comes
   from the number's calling code, and for +1 from its area code). Lanes work within each route (their horizons on the
   route's key; a reserved share on ``<route key>#lane#<name>``). A record on a lane's queue (but the first lane's)
   takes a slot only within its *park horizon* (its lane's horizon, or one batch slot of the route without lanes, at
   most 1 s divided by the batch size); when the route's next slot is later, the record is **parked**: sent to its
   route's parking queue as a new message (same body, contract version, first enqueue, earlier receives, and its
   lane), and succeeds here (``RouteParked``, also per ``Route``). So a saturated route never delays another route's
   records in the same batch by more than about 1 s in all. A record from a parking queue (one per route, each with
   its own event source mapping to this function) waits for its route's slot in its lane's horizon, blocking nobody
   (its batch holds its route alone), and goes back to its parking queue when handed back, held or re-enqueued. A
   first-lane record is never parked. Each send also publishes ``TimeToSend`` with dimension ``Route``. Without routes
   nothing of this applies.

What the sender records for ``SmsStatusNotifier`` (``sms_constructs_runtime.store``): at the first receive of a
request's first attempt, ``accepted`` (one conditional put: a duplicate or a second copy writes nothing); when an
attempt is held (5, 9), ``held#NN`` with the reason (one conditional put per attempt, again only if the reason changes;
an execution environment skips a hold it recorded already, so an open breaker costs no write per receive); and with a
rejection of a request it could read, its destination and producer context. A failed status write is counted
(``StoreWriteFailures``) and never changes what happens to the message.

The SMS client makes one attempt per call: botocore's own retries would resend after a read timeout or a dropped
connection, when the service may already have accepted the message (``SendTextMessage`` has no idempotency token).
Such an ambiguous outcome goes back to the queue like a transient error and is counted (``SendOutcomeUnknown``).
"""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Callable
from typing import Any, Final

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError
from botocore.exceptions import ConnectionError as RequestNotSentError
from sms_constructs_runtime.contract import (
    FIRST_ENQUEUED_ATTRIBUTE,
    HELD_SINCE_ATTRIBUTE,
    MAX_TTL_SECONDS,
    MIN_TTL_SECONDS,
    PRIOR_RECEIVES_ATTRIBUTE,
    REQUEST_ID_PATTERN,
    VERSION_ATTRIBUTE,
    ContractError,
    RejectionReason,
    SendRequest,
    decode_message,
)
from sms_constructs_runtime.gsm7 import Normalization, normalize_gsm7
from sms_constructs_runtime.lanes import Lane, Lanes
from sms_constructs_runtime.metrics import count_per_cause, count_per_reason
from sms_constructs_runtime.pacing import (
    MICROS,
    BeyondHorizonError,
    DynamoDBSchedule,
    Pacer,
    PacerContentionError,
    lane_horizon_seconds,
)
from sms_constructs_runtime.quotas import (
    QUOTA_EXCEEDED_REASON,
    Budget,
    Consumption,
    QuotaExceededError,
    QuotaStore,
    QuotaUnavailableError,
    Usage,
    parse_producer_quotas,
)
from sms_constructs_runtime.routes import PARKED_LANE_ATTRIBUTE, ROUTE_WAIT_PER_BATCH_SECONDS, Route, Routes
from sms_constructs_runtime.send_errors import (
    DESTINATION_DEPENDENT_HOLDS,
    SendErrorOutcome,
    classify,
    field_names,
    message_fields,
)
from sms_constructs_runtime.settings import (
    DIMENSION_LANE,
    DIMENSION_PERIOD,
    DIMENSION_PRODUCER,
    DIMENSION_ROUTE,
    DYNAMODB_CLIENT,
    HELD_REENQUEUE_MARGIN_SECONDS,
    QUEUE_CLIENT,
    SENDER_DEADLINE_MARGIN_SECONDS,
    SMS_CLIENT,
    BackOff,
    SenderMetric,
    SenderSettings,
)
from sms_constructs_runtime.store import EXPIRATION_ATTRIBUTE, Breaker, MessageStore
from sms_constructs_runtime.tracing import traced

logger = Logger()
metrics = Metrics()

#: Idempotency records of the sender share this partition key and key prefix, stable across function renames.
IDEMPOTENCY_PARTITION: Final = "idempotency#sms-send"
IDEMPOTENCY_KEY_PREFIX: Final = "sms-send"
#: Holds one execution environment remembers having recorded (``held#NN``), so that it does not write them again.
HELD_RECORDED_MAX: Final = 10_000
#: ``CarrierLookup`` ``PhoneNumberType`` values that are rejected.
REJECTED_NUMBER_TYPES: Final = {"LANDLINE": RejectionReason.LANDLINE_NUMBER, "INVALID": RejectionReason.INVALID_NUMBER}


class RecordFailedError(Exception):
    """The record goes back to the queue (a batch item failure) after a back-off.

    The back-off is ``base_delay_seconds`` doubled for every earlier receive of the record, at most 15 minutes, with
    ±20 % jitter; ``0`` hands the record back at once (another invocation can take it).
    """

    def __init__(self, message: str, base_delay_seconds: int) -> None:
        super().__init__(message)
        self.base_delay_seconds = base_delay_seconds


class Cause:
    """``Cause`` of a record handed back without a ``SendTextMessage`` call (``ReceivesWithoutSend``)."""

    #: The invocation was too close to its deadline (also ``MessagesDeferred``).
    DEADLINE: Final = "Deadline"
    #: No usable send slot could be reserved (also ``PacerContention``).
    PACER_CONTENTION: Final = "PacerContention"
    #: The circuit breaker of the origination identity is open (also ``SendsHeld`` per reason).
    CIRCUIT_BREAKER: Final = "CircuitBreaker"
    #: Another invocation is sending the same request (its idempotency record is in progress).
    IN_PROGRESS: Final = "InProgress"


class HandedBackError(RecordFailedError):
    """The record goes back to the queue without a ``SendTextMessage`` call, for a reason that is not the message's:
    such a receive never moves the message towards the DLQ (it is re-enqueued as a new message first, like a held
    one).

    :param cause: A :class:`Cause`.
    """

    def __init__(self, message: str, base_delay_seconds: int, cause: str) -> None:
        super().__init__(message, base_delay_seconds)
        self.cause = cause


class HeldError(RecordFailedError):
    """The send was refused for a reason about the account, a limit, the identity or the deployment: the request is
    held (back on the queue with the held back-off, or re-enqueued as a new message).

    :param reason: The service's ``Reason`` (or the error code).
    :param not_after: The request's deadline (epoch ms), if it has one: the back-off never runs past it.
    :param cause: :attr:`Cause.CIRCUIT_BREAKER` when the send was not even tried (the breaker is open), else ``None``.
    """

    def __init__(self, message: str, reason: str, not_after: int | None, cause: str | None = None) -> None:
        super().__init__(message, BackOff.HELD_SECONDS)
        self.reason = reason
        self.not_after = not_after
        self.cause = cause


class ParkedError(Exception):
    """The record's route is saturated (its next send slot is beyond the record's park horizon): the record is moved
    to the route's parking queue and succeeds here.

    :param route: The record's route (it has a parking queue).
    :param next_start_us: Where the route's next free send slot started, epoch µs.
    """

    def __init__(self, route: Route, next_start_us: int) -> None:
        super().__init__(f"route {route.country} is saturated: its next send slot starts at {next_start_us} µs")
        self.route = route
        self.next_start_us = next_start_us


#: Per lane (``None``: a queue without lanes): its horizon on a key, and the pacer of its reserved share, if any.
LanePacing = dict[str | None, tuple[float | None, Pacer | None]]


class Sender:
    """Processes SQS batches; every dependency is injectable for tests.

    :param config: Settings from the environment.
    :param sms: A ``pinpoint-sms-voice-v2`` client.
    :param sqs: An ``sqs`` client (visibility back-off of failed records).
    :param dynamodb: A ``dynamodb`` client (store, pacer, idempotency).
    :param clock: Seconds since the epoch.
    :param sleep: Waits the given seconds.
    :param jitter: Returns a float in [0, 1).
    """

    def __init__(
        self,
        config: SenderSettings,
        *,
        sms: Any,
        sqs: Any,
        dynamodb: Any,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.config = config
        self.sms = sms
        self.sqs = sqs
        self.store = MessageStore(dynamodb, config.table_name, config.retention_seconds)
        #: Part budgets by producer (``SenderSettings.producer_quotas``); their usage is counted in the store.
        self.budgets: dict[str, Budget] = parse_producer_quotas(config.producer_quotas)
        self.quotas = QuotaStore(dynamodb, config.table_name, sleep=sleep, jitter=jitter)
        #: Parts the current record counted against its producer's budget: given back unless they were sent.
        self._consumption: Consumption | None = None
        #: The send queue's lanes (empty without lanes: one queue, one pacer, as before lanes existed).
        self.lanes = Lanes(config.lanes, config.queue_url, config.lane_reserved_shares)
        self.pacer = Pacer(
            DynamoDBSchedule(dynamodb, config.table_name),
            f"pacer#{config.origination_identity}",
            config.max_parts_per_second * (1 - self.lanes.reserved_total),  # the shared key's rate
            clock=clock,
            sleep=sleep,
            release_tolerance=config.release_tolerance_seconds,
        )
        #: Per lane: its horizon on the shared key and the pacer of its reserved share (``None``: none).
        self._lane_pacing: dict[str, tuple[float | None, Pacer | None]] = {
            lane.name: (
                lane_horizon_seconds(lane.rank, len(self.lanes), config.batch_size, self.pacer),
                None
                if lane.reserved_share is None
                else Pacer(
                    self.pacer.schedule,
                    f"{self.pacer.key}#lane#{lane.name}",
                    config.max_parts_per_second * lane.reserved_share,
                    clock=clock,
                    sleep=sleep,
                    release_tolerance=config.release_tolerance_seconds,
                ),
            )
            for lane in self.lanes.by_name.values()
        }
        #: The send queue's routes (empty without routes: every destination on the one pacer key, as before routes
        #: existed); per route its pacer and its lanes' pacing on the route's key.
        self.routes = Routes(config.routes, config.max_parts_per_second, config.route_parking_queues)
        self._route_pacing: dict[str, tuple[Pacer, LanePacing]] = {
            route.country: _route_pacing(self.pacer, route, self.lanes, config, clock, sleep)
            for route in self.routes.by_country.values()
        }
        #: The current record's route (``None`` without routes), and whether it came from a parking queue.
        self._route: Route | None = None
        self._from_parking = False
        #: The current record's lane (``None`` without lanes) and when it first reached a lane's queue (epoch ms).
        self._lane: Lane | None = None
        self._enqueued_ms: int | None = None
        self._clock = clock
        self._jitter = jitter
        self._deadline: float | None = None
        #: The circuit breaker of the pacer key as last read or written in this batch (``None``: closed).
        self._breaker: Breaker | None = None
        #: The batch found (or opened) the breaker.
        self._breaker_seen = False
        #: The current record is the breaker's probe.
        self._probing = False
        #: (requestId, attempt) → the hold reason this execution environment recorded (``held#NN``), oldest first.
        self._held_recorded: dict[tuple[str, int], str] = {}
        self.idempotency = IdempotencyConfig(
            event_key_jmespath="[requestId, attempt]",
            payload_validation_jmespath="[destinationPhoneNumber, messageBody]",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=config.retention_seconds,
            response_hook=self._on_duplicate,
        )
        self._persistence = DynamoDBPersistenceLayer(
            table_name=config.table_name,
            key_attr="pk",
            sort_key_attr="sk",
            static_pk_value=IDEMPOTENCY_PARTITION,
            expiry_attr=EXPIRATION_ATTRIBUTE,  # the table's TTL attribute (seconds), not left to Powertools' default
            boto3_client=dynamodb,
        )
        #: What the current record's send returned, set before Powertools completes the idempotency record.
        self._outcome: dict[str, Any] | None = None
        self._send_once: Callable[..., dict[str, Any]] = idempotent_function(
            self._send,
            data_keyword_argument="request",
            persistence_store=self._persistence,
            config=self.idempotency,
            key_prefix=IDEMPOTENCY_KEY_PREFIX,
        )
        self.processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    # -- batch ---------------------------------------------------------------------------------------------------

    def handle(self, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        """Process one SQS batch; returns the partial batch response."""
        self.idempotency.register_lambda_context(context)
        self._deadline = self._clock() + context.get_remaining_time_in_millis() / 1000 - SENDER_DEADLINE_MARGIN_SECONDS
        self._breaker = None
        self._breaker_seen = False
        if event.get("Records"):
            self._read_breaker()
        try:
            return dict(process_partial_response(event=event, record_handler=self.process, processor=self.processor))
        finally:
            self._publish_invocation_metrics()

    def _publish_invocation_metrics(self) -> None:
        """What the pacer lost in this invocation, and whether the breaker was open."""
        counters = self.pacer.take_counters()
        abandoned = counters.abandoned_slots + sum(  # the reserved shares' own keys
            own.take_counters().abandoned_slots for _, own in self._lane_pacing.values() if own is not None
        )
        for route_pacer, lane_pacing in self._route_pacing.values():  # each route's keys
            abandoned += route_pacer.take_counters().abandoned_slots + sum(
                own.take_counters().abandoned_slots for _, own in lane_pacing.values() if own is not None
            )
        metrics.add_metric(name=SenderMetric.PACER_SLOTS_ABANDONED, unit=MetricUnit.Count, value=abandoned)
        if self._breaker_seen:
            metrics.add_metric(name=SenderMetric.CIRCUIT_BREAKER_OPEN, unit=MetricUnit.Count, value=1)

    def process(self, record: SQSRecord) -> None:
        """Handle one record; raising makes it a batch item failure."""
        try:
            self._process(record)
        except ParkedError as error:
            self._park(record, error)
        except HeldError as error:
            if error.cause is not None:
                count_per_cause(metrics, SenderMetric.RECEIVES_WITHOUT_SEND, error.cause)
            self._hold(record, error)
        except HandedBackError as error:
            count_per_cause(metrics, SenderMetric.RECEIVES_WITHOUT_SEND, error.cause)
            receives = _receive_count(record)
            prior = _int_attribute(record, PRIOR_RECEIVES_ATTRIBUTE) or 0
            delay = self._delay(error.base_delay_seconds, receives)
            self._requeue_or_back_off(record, error, delay, error.cause, prior + receives)
        except RecordFailedError as error:
            self._back_off(record, self._delay(error.base_delay_seconds, _receive_count(record)))
            raise

    # -- holds ---------------------------------------------------------------------------------------------------

    def _hold(self, record: SQSRecord, error: HeldError) -> None:
        """Back off a held record, or re-enqueue it as a new message (then the old copy succeeds and is deleted)."""
        receives = _receive_count(record)
        prior = _int_attribute(record, PRIOR_RECEIVES_ATTRIBUTE) or 0
        delay = self._delay(BackOff.HELD_SECONDS, prior + receives, cap=BackOff.HELD_MAX_SECONDS)
        if error.not_after is not None:  # come back at the deadline, to be rejected EXPIRED then, not later
            delay = max(1, min(delay, math.ceil((error.not_after - self._now_ms()) / 1000)))
        self._requeue_or_back_off(record, error, delay, error.reason, prior + receives)

    def _requeue_or_back_off(
        self, record: SQSRecord, error: RecordFailedError, delay: int, reason: str, total_receives: int
    ) -> None:
        """A record that is not the message's fault (held, or handed back without a send) comes back after ``delay``
        seconds — or, when it would come back too close to the queue's retention or its receives would reach
        ``maxReceiveCount``, goes back as a new message (counted ``HeldSendsReenqueued`` per ``reason``) and the old
        copy succeeds. Raises ``error`` when the record stays a batch item failure."""
        receives = _receive_count(record)
        now_ms = self._now_ms()
        copy_sent_ms = _int_attribute(record, "SentTimestamp", message_attribute=False) or now_ms
        comes_back_ms = now_ms + delay * 1000
        expires_ms = copy_sent_ms + self.config.queue_retention_seconds * 1000
        last_receive = receives >= self.config.max_receive_count - 1
        if not last_receive and comes_back_ms < expires_ms - HELD_REENQUEUE_MARGIN_SECONDS * 1000:
            self._back_off(record, delay)
            raise error
        try:
            self._reenqueue(record, reason, min(delay, BackOff.MAX_DELAY_SECONDS), total_receives, now_ms)
        except (ClientError, BotoCoreError) as failure:  # the old copy stays: it comes back and is tried again
            logger.warning("could not re-enqueue a held send", extra={"messageId": record.message_id})
            self._back_off(record, self._delay(BackOff.TRANSIENT_SECONDS, receives))
            raise RecordFailedError(f"re-enqueue failed: {failure}", BackOff.TRANSIENT_SECONDS) from failure

    def _reenqueue(self, record: SQSRecord, reason: str, delay: int, receives: int, now_ms: int) -> None:
        first_enqueued = _int_attribute(record, FIRST_ENQUEUED_ATTRIBUTE) or _int_attribute(
            record, "SentTimestamp", message_attribute=False
        )
        held_since = _int_attribute(record, HELD_SINCE_ATTRIBUTE) or _int_attribute(
            record, "ApproximateFirstReceiveTimestamp", message_attribute=False
        )
        attributes = {
            name: {"DataType": "Number", "StringValue": str(value)}
            for name, value in (
                (FIRST_ENQUEUED_ATTRIBUTE, first_enqueued or now_ms),
                (HELD_SINCE_ATTRIBUTE, held_since or now_ms),
                (PRIOR_RECEIVES_ATTRIBUTE, receives),
            )
        }
        version = _int_attribute(record, VERSION_ATTRIBUTE)
        if version is not None:
            attributes[VERSION_ATTRIBUTE] = {"DataType": "Number", "StringValue": str(version)}
        parked_lane = _str_attribute(record, PARKED_LANE_ATTRIBUTE)
        if parked_lane is not None:  # a parked copy stays on its route's parking queue, in its lane
            attributes[PARKED_LANE_ATTRIBUTE] = {"DataType": "String", "StringValue": parked_lane}
        response = self.sqs.send_message(  # back on its own lane's queue, never another lane's
            QueueUrl=self._queue_of(record), MessageBody=record.body, DelaySeconds=delay, MessageAttributes=attributes
        )
        count_per_reason(metrics, SenderMetric.HELD_REENQUEUED, reason)
        logger.info(
            "held send re-enqueued as a new message",
            extra={
                "reason": reason,
                "oldMessageId": record.message_id,
                "newMessageId": response.get("MessageId"),
                "heldForSeconds": (now_ms - (held_since or now_ms)) // 1000,
                "queuedForSeconds": (now_ms - (first_enqueued or now_ms)) // 1000,
            },
        )

    def _process(self, record: SQSRecord) -> None:
        self._probing = False
        self._route = None
        self._from_parking = bool(self.routes) and self.routes.of_parking_queue(_source(record)) is not None
        self._lane = self._lane_of(record)
        self._enqueued_ms = _int_attribute(record, FIRST_ENQUEUED_ATTRIBUTE) or _int_attribute(
            record, "SentTimestamp", message_attribute=False
        )
        if self._deadline is not None and self._clock() > self._deadline:
            metrics.add_metric(name=SenderMetric.DEFERRED, unit=MetricUnit.Count, value=1)
            raise HandedBackError("too close to the invocation deadline to send", 0, Cause.DEADLINE)
        try:
            request = SendRequest.from_json(record.body)
        except ContractError as error:  # a malformed copy never overwrites the record of an attempt that was sent
            self._reject(*_ids_of(record), error.reason, str(error), fallback_sort_key=f"rejected#{record.message_id}")
            return
        if self._lane is not None and request.lane is not None and request.lane != self._lane.name:
            logger.warning(  # the queue it came from decides its priority
                "the request names another lane than its queue's: sent as its queue's lane",
                extra={"requestId": request.request_id, "requestLane": request.lane, "lane": self._lane.name},
            )
        self._route = self.routes.of_number(request.destination_phone_number)
        if request.attempt == 1 and _first_receive(record):
            self._record_accepted(request)
        payload = {**request.to_dict(), "attempt": request.attempt}
        self._outcome = None
        try:
            outcome = self._send_once(request=payload)
        except IdempotencyPersistenceLayerError:
            if self._outcome is None:  # nothing was sent: the record comes back
                raise
            outcome = self._complete(payload, self._outcome)
        except IdempotencyValidationError:
            self._reject(
                request.request_id,
                request.attempt,
                RejectionReason.IDEMPOTENCY_KEY_REUSED,
                "a message with this requestId and attempt but another destination or body was already sent",
                sort_key=f"conflict#{record.message_id}",
            )
            return
        except IdempotencyAlreadyInProgressError as error:
            raise HandedBackError(
                "the same request is being sent by another invocation", BackOff.IN_PROGRESS_SECONDS, Cause.IN_PROGRESS
            ) from error
        if outcome.get("status") == "SENT" and not outcome.get("duplicate"):
            self._store_sent(request, str(outcome["messageId"]), int(outcome["parts"]))
            self._count_producer(request, int(outcome["parts"]))
        logger.info("processed", extra={"requestId": request.request_id, "attempt": request.attempt, **outcome})

    def _complete(self, payload: dict[str, Any], outcome: dict[str, Any]) -> dict[str, Any]:
        """Powertools could not mark the idempotency record COMPLETED after the send: the record must still succeed
        (failing it would bring the message back and, once the in-progress record expires, send it again). Try the
        write once more; if that fails too, only a later copy of the request could be sent again."""
        try:
            self._persistence.save_success(data=payload, result=outcome)
        except Exception:
            metrics.add_metric(name=SenderMetric.STORE_WRITE_FAILURES, unit=MetricUnit.Count, value=1)
            logger.exception("processed, but the idempotency record could not be completed", extra=outcome)
        return outcome

    def _store_sent(self, send: SendRequest, message_id: str, parts: int) -> None:
        """Write ``message#<MessageId>`` and the history, after the idempotency record is COMPLETED (so a kill here
        never leads to a second send). A failure is counted but never fails the record: the SMS is out."""
        try:
            self.store.put_sent(send, message_id, parts, self._now_ms())
        except Exception:
            metrics.add_metric(name=SenderMetric.STORE_WRITE_FAILURES, unit=MetricUnit.Count, value=1)
            logger.exception("sent, but the message store write failed", extra={"messageId": message_id})

    def _record_accepted(self, send: SendRequest) -> None:
        """Write ``accepted`` (a conditional put: once per request) when a status notifier reads the store
        (``record_statuses``). A failure is counted, never fails the record."""
        if not self.config.record_statuses:
            return
        try:
            self.store.put_accepted(send, self._now_ms())
        except (ClientError, BotoCoreError):
            metrics.add_metric(name=SenderMetric.STORE_WRITE_FAILURES, unit=MetricUnit.Count, value=1)
            logger.warning("could not record the request as accepted", extra={"requestId": send.request_id})

    def _record_held(self, send: SendRequest, reason: str) -> None:
        """Write ``held#NN`` once per attempt and reason: skipped when this execution environment recorded the same
        hold already (an open breaker holds the same records at every receive, and a refused conditional write is
        billed too), else a conditional put. A failure is counted, never changes the record's outcome."""
        key = (send.request_id, send.attempt)
        if not self.config.record_statuses or self._held_recorded.get(key) == reason:
            return
        try:
            self.store.put_held(send, reason, self._now_ms())
        except (ClientError, BotoCoreError):
            metrics.add_metric(name=SenderMetric.STORE_WRITE_FAILURES, unit=MetricUnit.Count, value=1)
            logger.warning("could not record the held send", extra={"requestId": send.request_id, "reason": reason})
            return
        self._held_recorded.pop(key, None)
        self._held_recorded[key] = reason
        while len(self._held_recorded) > HELD_RECORDED_MAX:  # the oldest first (insertion order)
            del self._held_recorded[next(iter(self._held_recorded))]

    # -- one send, at most once per requestId + attempt ----------------------------------------------------------

    def _send(self, request: dict[str, Any]) -> dict[str, Any]:
        send = SendRequest.from_dict(request)
        self._consumption = None
        try:
            outcome = self._send_request(send)
        except Exception as error:
            if isinstance(error, HeldError):  # recorded while this invocation holds the request (idempotency record)
                self._record_held(send, error.reason)
            self._give_back_quota(error)
            raise
        if outcome.get("status") != "SENT":
            self._give_back_quota(None)
        return outcome

    def _send_request(self, send: SendRequest) -> dict[str, Any]:
        body = self._body(send)
        parts = body.after.parts  # what is sent, paced and stored
        if self._too_late(send):
            return self._done(self._expire(send))
        self._probing = self._breaker_holds(send)  # raises HeldError unless closed or this record is the probe
        if self.config.validate_numbers:
            rejection = self._check_number(send)
            if rejection is not None:
                return self._done(rejection)
        self._consume_quota(send, parts)  # raises HeldError (QUOTA_EXCEEDED) when the producer's budget is used up
        # A slot must start early enough to send with the minimum TimeToLive left before the request's deadline, and
        # before the invocation's own deadline; which of the two is missed decides between EXPIRED and a deferral.
        last_start = None if send.not_after is None else send.not_after / 1000 - MIN_TTL_SECONDS
        expiry_binds = last_start is not None and (self._deadline is None or last_start <= self._deadline)
        try:
            acquired = self._acquire(parts, last_start if expiry_binds else self._deadline)
        except PacerContentionError as error:
            metrics.add_metric(name=SenderMetric.PACER_CONTENTION, unit=MetricUnit.Count, value=1)
            raise HandedBackError(str(error), BackOff.TRANSIENT_SECONDS, Cause.PACER_CONTENTION) from error
        if not acquired and expiry_binds:
            return self._done(self._expire(send))
        if not acquired:
            metrics.add_metric(name=SenderMetric.DEFERRED, unit=MetricUnit.Count, value=1)
            raise HandedBackError("the next send slot starts after the invocation deadline", 0, Cause.DEADLINE)
        if self._too_late(send):
            return self._done(self._expire(send))
        if self._probing:
            metrics.add_metric(name=SenderMetric.CIRCUIT_BREAKER_PROBES, unit=MetricUnit.Count, value=1)
        self._publish_time_to_send()
        try:
            response = self.sms.send_text_message(**self._parameters(send, body.body))
        except ClientError as error:
            return self._done(self._on_client_error(send, error))
        except RequestNotSentError as error:  # no connection: the request never reached the service
            metrics.add_metric(name=SenderMetric.TRANSIENT_FAILURES, unit=MetricUnit.Count, value=1)
            raise RecordFailedError(f"{type(error).__name__}: {error}", BackOff.TRANSIENT_SECONDS) from error
        except BotoCoreError as error:  # read timeout, dropped connection: the service may have accepted it
            metrics.add_metric(name=SenderMetric.OUTCOME_UNKNOWN, unit=MetricUnit.Count, value=1)
            logger.warning(
                "send outcome unknown: the message comes back and may be sent twice",
                extra={"requestId": send.request_id, "attempt": send.attempt, "error": type(error).__name__},
            )
            raise RecordFailedError(f"{type(error).__name__}: {error}", BackOff.TRANSIENT_SECONDS) from error
        _count_sent(body)
        if self._probing:  # the probe was accepted: whatever held the identity has cleared
            self._close_breaker()
        return self._done({"status": "SENT", "messageId": str(response["MessageId"]), "parts": parts})

    def _too_late(self, send: SendRequest) -> bool:
        """Past the request's deadline, or with less than the minimum ``TimeToLive`` left before it."""
        left = send.seconds_left(self._now_ms())
        return left is not None and left < MIN_TTL_SECONDS

    def _expire(self, send: SendRequest) -> dict[str, Any]:
        metrics.add_metric(name=SenderMetric.EXPIRED, unit=MetricUnit.Count, value=1)
        return self._reject(
            send.request_id,
            send.attempt,
            RejectionReason.EXPIRED,
            f"notAfter {send.not_after} passed (or less than {MIN_TTL_SECONDS} s left) at {self._now_ms()}",
            send=send,
        )

    def _done(self, outcome: dict[str, Any]) -> dict[str, Any]:
        self._outcome = outcome
        return outcome

    def _body(self, send: SendRequest) -> Normalization:
        """The body to send: the request's, GSM-7-normalised when the queue normalises (``normalize_gsm7``)."""
        if self.config.normalize_gsm7:
            return normalize_gsm7(send.message_body)
        return Normalization(send.message_body, send.message_body, send.parts, send.parts)

    def _parameters(self, send: SendRequest, body: str) -> dict[str, Any]:
        config = self.config
        parameters: dict[str, Any] = {
            "DestinationPhoneNumber": send.destination_phone_number,
            "OriginationIdentity": config.origination_identity,
            "MessageBody": body,
            "ConfigurationSetName": config.configuration_set_name,
            "Context": send.send_context(),
        }
        message_type = send.message_type or config.message_type
        ttl = send.time_to_live_seconds if send.time_to_live_seconds is not None else config.time_to_live_seconds
        left = send.seconds_left(self._now_ms())
        if left is not None:  # never deliverable after the request's deadline
            ttl = min(ttl if ttl is not None else MAX_TTL_SECONDS, math.floor(left))
        max_price = send.max_price or config.max_price
        if message_type:
            parameters["MessageType"] = message_type
        if ttl is not None:
            parameters["TimeToLive"] = ttl
        if max_price:
            parameters["MaxPrice"] = max_price
        return parameters

    def _on_client_error(self, send: SendRequest, error: ClientError) -> dict[str, Any]:
        code = str(error.response.get("Error", {}).get("Code", "Unknown"))
        service_reason = error.response.get("Reason")
        reason = str(service_reason or code)
        message = str(error.response.get("Error", {}).get("Message", ""))
        fields = field_names(error.response)
        own = message_fields(
            time_to_live=send.time_to_live_seconds is not None or send.not_after is not None,
            max_price=send.max_price is not None,
            message_type=send.message_type is not None,
        )
        outcome = classify(code, str(service_reason) if service_reason else None, fields, own)
        if outcome is None:  # not in the service model: a gateway error, expired credentials, a signing error...
            outcome = SendErrorOutcome.RETRY if _is_transient(error) else SendErrorOutcome.HOLD
        if outcome is SendErrorOutcome.REJECT:
            named = f" (Fields: {', '.join(fields)})" if fields else ""
            return self._reject(send.request_id, send.attempt, reason, f"{code}: {message}{named}", send=send)
        if outcome is SendErrorOutcome.RETRY:
            metrics.add_metric(name=SenderMetric.TRANSIENT_FAILURES, unit=MetricUnit.Count, value=1)
            raise RecordFailedError(f"{code}: {message}", BackOff.TRANSIENT_SECONDS) from error
        count_per_reason(metrics, SenderMetric.SENDS_HELD, reason)
        logger.error(
            "send held: the account, a limit, the identity or the deployment must be fixed; the request waits",
            extra={"error": code, "reason": reason, "fields": list(fields), "requestId": send.request_id},
        )
        if reason not in DESTINATION_DEPENDENT_HOLDS:  # another destination may still go through: keep sending
            self._open_breaker(reason)
        raise HeldError(f"{code} ({reason}): {message}", reason, send.not_after) from error

    def _check_number(self, send: SendRequest) -> dict[str, Any] | None:
        number = send.destination_phone_number
        now_ms = self._now_ms()
        number_type = self.store.get_number_type(number, now_ms)
        if number_type is None:
            try:
                looked_up = self.sms.carrier_lookup(PhoneNumber=number)
            except ClientError as error:
                code = str(error.response.get("Error", {}).get("Code", "Unknown"))
                if _is_transient(error) or code == "ServiceQuotaExceededException":
                    raise RecordFailedError(f"CarrierLookup {code}", BackOff.TRANSIENT_SECONDS) from error
                if code == "ValidationException":
                    number_type = "INVALID"
                else:
                    count_per_reason(metrics, SenderMetric.SENDS_HELD, code)
                    raise HeldError(f"CarrierLookup {code}", code, send.not_after) from error
            else:
                number_type = str(looked_up["PhoneNumberType"])
            self.store.put_number_type(number, number_type, now_ms, self.config.number_cache_ttl_seconds)
        reason = REJECTED_NUMBER_TYPES.get(number_type)
        if reason is None:
            return None
        return self._reject(
            send.request_id, send.attempt, reason, f"CarrierLookup PhoneNumberType {number_type}", send=send
        )

    # -- circuit breaker ------------------------------------------------------------------------------------------

    def _read_breaker(self) -> None:
        """Read the breaker once per batch; a failed read counts as closed (the send itself then tells)."""
        try:
            self._breaker = self.store.get_breaker(self.pacer.key)
        except (ClientError, BotoCoreError):
            logger.warning("could not read the circuit breaker; sending as if closed", extra={"key": self.pacer.key})
            self._breaker = None
        self._breaker_seen = self._breaker_seen or self._breaker is not None

    def _breaker_holds(self, send: SendRequest) -> bool:
        """``False`` when the breaker is closed; ``True`` when it is open and this record won the probe; otherwise
        raises :class:`HeldError` (the record waits with the held back-off, no API call, no pacer slot)."""
        breaker = self._breaker
        if breaker is None:
            return False
        now_ms = self._now_ms()
        if breaker.next_probe_at_ms <= now_ms:
            interval_ms = self.config.breaker_probe_interval_seconds * 1000
            try:
                claimed = self.store.claim_breaker_probe(self.pacer.key, now_ms, now_ms + interval_ms)
            except (ClientError, BotoCoreError):
                claimed = False
            if claimed:
                logger.info("circuit breaker open: probing", extra={"reason": breaker.reason, "key": self.pacer.key})
                return True
            self._read_breaker()  # another invocation probed first, or closed the breaker
            if self._breaker is None:
                return False
            breaker = self._breaker
            if breaker.next_probe_at_ms <= now_ms:  # unreadable claim: wait for the next batch rather than spin
                self._breaker = breaker = Breaker(breaker.reason, breaker.opened_at_ms, now_ms + interval_ms)
        count_per_reason(metrics, SenderMetric.SENDS_HELD, breaker.reason)
        raise HeldError(
            f"circuit breaker open since {breaker.opened_at_ms} ({breaker.reason}); next probe at "
            f"{breaker.next_probe_at_ms}",
            breaker.reason,
            send.not_after,
            Cause.CIRCUIT_BREAKER,
        )

    def _open_breaker(self, reason: str) -> None:
        """A send was held: open the breaker (or keep it open, with this reason); the next probe is an interval away
        (or stays when this was the probe, whose claim already moved it)."""
        now_ms = self._now_ms()
        try:
            self._breaker = self.store.open_breaker(
                self.pacer.key, reason, now_ms, now_ms + self.config.breaker_probe_interval_seconds * 1000
            )
        except (ClientError, BotoCoreError):  # the records still wait; the next held send tries again
            logger.warning("could not open the circuit breaker", extra={"reason": reason, "key": self.pacer.key})
            return
        self._breaker_seen = True
        if self._breaker.opened_at_ms != now_ms:  # kept open (a held probe, or a send that raced the opening)
            return
        logger.warning(
            "circuit breaker open: one probe per interval until the hold clears",
            extra={
                "reason": reason,
                "key": self.pacer.key,
                "probeIntervalSeconds": self.config.breaker_probe_interval_seconds,
            },
        )

    def _close_breaker(self) -> None:
        breaker = self._breaker
        self._breaker = None
        if breaker is None:
            return
        try:
            closed = self.store.close_breaker(self.pacer.key, breaker.opened_at_ms)
        except (ClientError, BotoCoreError):
            logger.warning("could not close the circuit breaker", extra={"key": self.pacer.key})
            return
        if closed:
            logger.info("circuit breaker closed: the probe was accepted", extra={"reason": breaker.reason})

    # -- quotas per producer -------------------------------------------------------------------------------------

    def _consume_quota(self, send: SendRequest, parts: int) -> None:
        """Count ``parts`` against the budget of the request's producer, when it has one (``sms_constructs_runtime
        .quotas``: one transaction over the day's and the month's usage). Over budget, the request is held: it comes
        back with the held back-off, at the latest when the refusing period ends (the budget resets) or its deadline
        comes. A budget that cannot be checked hands the record back like a transient error."""
        producer = send.producer
        budget = self.budgets.get(producer) if producer is not None else None
        if producer is None or budget is None:
            return
        try:
            self._consumption = self.quotas.consume(producer, budget, parts, self._now_ms())
        except QuotaUnavailableError as error:
            logger.warning("could not check the producer's budget", extra={"producer": producer, "error": str(error)})
            raise RecordFailedError(str(error), BackOff.TRANSIENT_SECONDS) from error
        except QuotaExceededError as error:
            for usage in error.usage:
                _publish_quota_used(producer, usage)
            count_per_reason(metrics, SenderMetric.SENDS_HELD, QUOTA_EXCEEDED_REASON)
            logger.warning(
                "send held: the producer's part budget is used up; the request waits for it to reset or be raised",
                extra={"producer": producer, "parts": parts, "requestId": send.request_id},
            )
            # The held back-off never runs past this: the request's deadline, or the budget's reset if sooner.
            comes_back = error.resets_at_ms if send.not_after is None else min(send.not_after, error.resets_at_ms)
            raise HeldError(str(error), QUOTA_EXCEEDED_REASON, comes_back) from error

    def _give_back_quota(self, error: Exception | None) -> None:
        """Give the parts the record counted back to its producer's budget when they were not sent: the send was
        handed back (pacer contention, the invocation's deadline), deferred, expired, rejected or held by the service,
        throttled, or failed to connect. Parts whose send may have reached the service (a read timeout, a dropped
        connection: ``SendOutcomeUnknown``) stay counted. Best effort: a failed give-back leaves them counted."""
        consumption, self._consumption = self._consumption, None
        if consumption is None:
            return
        cause = error.__cause__ if error is not None else None
        if isinstance(cause, BotoCoreError) and not isinstance(cause, RequestNotSentError):
            return
        if not self.quotas.give_back(consumption):
            logger.warning("parts not given back to the budget", extra={"producer": consumption.producer})

    def _count_producer(self, send: SendRequest, parts: int) -> None:
        """After an accepted send of a named producer: ``ProducerParts``, ``ProducerSpendCeiling`` (parts × the send's
        ``MaxPrice``) and, when the parts were counted against a budget, ``QuotaUsed`` per period."""
        consumption, self._consumption = self._consumption, None
        producer = send.producer
        if producer is None:
            return
        dimensions = {DIMENSION_PRODUCER: producer}
        _publish_per(SenderMetric.PRODUCER_PARTS, parts, MetricUnit.Count, dimensions)
        max_price = send.max_price or self.config.max_price
        if max_price:
            ceiling = round(parts * float(max_price), 5)
            _publish_per(SenderMetric.PRODUCER_SPEND_CEILING, ceiling, MetricUnit.NoUnit, dimensions)
        budget = self.budgets.get(producer)
        if consumption is None or budget is None:
            return
        try:
            usage = self.quotas.usage(producer, budget, self._now_ms())
        except (ClientError, BotoCoreError):
            logger.warning("could not read the producer's budget usage", extra={"producer": producer})
            return
        for period in usage:
            _publish_quota_used(producer, period)

    # -- outcomes ------------------------------------------------------------------------------------------------

    def _reject(
        self,
        request_id: str,
        attempt: int,
        reason: str,
        detail: str,
        *,
        sort_key: str | None = None,
        fallback_sort_key: str | None = None,
        send: SendRequest | None = None,
    ) -> dict[str, Any]:
        """Record a rejection; ``send`` (the request, when it could be read) gives it its destination and context."""
        count_per_reason(metrics, SenderMetric.REJECTED, reason)
        logger.warning("rejected", extra={"requestId": request_id, "attempt": attempt, "reason": reason})
        self.store.put_rejection(
            request_id,
            attempt,
            reason,
            detail,
            self._now_ms(),
            sort_key=sort_key,
            fallback_sort_key=fallback_sort_key,
            destination=send.destination_phone_number if send is not None else None,
            context=send.context if send is not None else None,
        )
        return {"status": "REJECTED", "reason": reason}

    def _on_duplicate(self, response: Any, idempotent_data: DataRecord) -> Any:
        metrics.add_metric(name=SenderMetric.DUPLICATES_SUPPRESSED, unit=MetricUnit.Count, value=1)
        logger.info("duplicate delivery: not sent again", extra={"idempotencyKey": idempotent_data.idempotency_key})
        return {**response, "duplicate": True} if isinstance(response, dict) else response

    def _back_off(self, record: SQSRecord, delay_seconds: int) -> None:
        try:
            self.sqs.change_message_visibility(
                QueueUrl=self._queue_of(record), ReceiptHandle=record.receipt_handle, VisibilityTimeout=delay_seconds
            )
        except (ClientError, BotoCoreError):  # the queue's own visibility timeout applies instead
            logger.warning("could not shorten the visibility timeout", extra={"messageId": record.message_id})

    # -- lanes ---------------------------------------------------------------------------------------------------

    def _lane_of(self, record: SQSRecord) -> Lane | None:
        """The lane whose queue ``record`` came from (its ``eventSourceARN``); the default lane when it is none of
        them (logged); ``None`` for a queue without lanes."""
        if not self.lanes:
            return None
        source = record.raw_event.get("eventSourceARN")
        lane = self.lanes.of_source(source)
        if lane is None and self._from_parking:  # a parked copy keeps the lane it was parked from
            return self.lanes.named(_str_attribute(record, PARKED_LANE_ATTRIBUTE)) or self.lanes.default
        if lane is None:
            logger.warning(
                "a record from a queue that is no lane's: sent as the default lane", extra={"source": source}
            )
            return self.lanes.default
        return lane

    def _queue_of(self, record: SQSRecord) -> str:
        """The queue ``record`` goes back to (a back-off, a re-enqueued copy): its own lane's (the send queue's without
        lanes; a parked record's: its route's parking queue)."""
        route = self.routes.of_parking_queue(_source(record)) if self.routes else None
        if route is not None and route.parking_queue_url is not None:
            return route.parking_queue_url
        lane = self.lanes.of_source(record.raw_event.get("eventSourceARN")) if self.lanes else None
        return lane.queue_url if lane is not None else self.config.queue_url

    def _acquire(self, parts: int, deadline: float | None) -> bool:
        """A send slot on the shared key; a lane below the first only within its horizon (or on its reserved
        share's key when the shared key is beyond it). With routes, on the record's route's key: a record from a lane's
        queue (but the first lane's) only within its park horizon, else it is parked (:class:`ParkedError`); a record
        from a parking queue waits for its slot (blocking no other route: the parking queue holds its route alone)."""
        if self._route is not None:
            return self._acquire_on_route(self._route, parts, deadline)
        if self._lane is None:
            return self.pacer.acquire(parts, deadline=deadline)
        horizon, own = self._lane_pacing[self._lane.name]
        return self.pacer.acquire(parts, deadline=deadline, horizon=horizon, fallback=own)

    def _acquire_on_route(self, route: Route, parts: int, deadline: float | None) -> bool:
        pacer, lane_pacing = self._route_pacing[route.country]
        horizon, own = lane_pacing.get(self._lane.name if self._lane is not None else None, (None, None))
        first_lane = self._lane is not None and self._lane.rank == 0
        if self._from_parking or first_lane or route.parking_queue_url is None:
            return pacer.acquire(parts, deadline=deadline, horizon=horizon, fallback=own)
        # On a lane's queue: a slot within the park horizon, else park. The lane's horizon (or, without lanes, one
        # batch slot of the route), at most ROUTE_WAIT_PER_BATCH_SECONDS / batch size: a batch waits for slots of
        # saturated routes about 1 s in all at most.
        batch = max(1, self.config.batch_size)
        lane_reach = horizon if horizon is not None else pacer.cost_us(batch) / MICROS
        park_horizon = min(lane_reach, ROUTE_WAIT_PER_BATCH_SECONDS / batch)
        try:
            return pacer.acquire(parts, deadline=deadline, horizon=park_horizon, fallback=own, park=True)
        except BeyondHorizonError as refused:
            raise ParkedError(route, refused.next_start_us) from refused

    def _park(self, record: SQSRecord, error: ParkedError) -> None:
        """Move the record to its route's parking queue: one ``SendMessage`` with the same body, its contract version,
        when it first reached a queue, its earlier receives and hold, and its lane; then the record succeeds here. A
        failed ``SendMessage`` brings the record back (a transient failure): it is never lost, and a copy sent twice
        is sent once (the idempotency record of its ``requestId`` and attempt)."""
        now_ms = self._now_ms()
        first_enqueued = _int_attribute(record, FIRST_ENQUEUED_ATTRIBUTE) or _int_attribute(
            record, "SentTimestamp", message_attribute=False
        )
        attributes: dict[str, dict[str, str]] = {
            FIRST_ENQUEUED_ATTRIBUTE: {"DataType": "Number", "StringValue": str(first_enqueued or now_ms)}
        }
        for name in (VERSION_ATTRIBUTE, PRIOR_RECEIVES_ATTRIBUTE, HELD_SINCE_ATTRIBUTE):
            value = _int_attribute(record, name)
            if value is not None:
                attributes[name] = {"DataType": "Number", "StringValue": str(value)}
        if self._lane is not None:
            attributes[PARKED_LANE_ATTRIBUTE] = {"DataType": "String", "StringValue": self._lane.name}
        try:
            self.sqs.send_message(
                QueueUrl=error.route.parking_queue_url, MessageBody=record.body, MessageAttributes=attributes
            )
        except (ClientError, BotoCoreError) as failure:  # the record stays on its queue and comes back
            logger.warning("could not park a record", extra={"messageId": record.message_id})
            self._back_off(record, self._delay(BackOff.TRANSIENT_SECONDS, _receive_count(record)))
            raise RecordFailedError(f"parking failed: {failure}", BackOff.TRANSIENT_SECONDS) from failure
        metrics.add_metric(name=SenderMetric.ROUTE_PARKED, unit=MetricUnit.Count, value=1)
        _publish_per(SenderMetric.ROUTE_PARKED, 1, MetricUnit.Count, {DIMENSION_ROUTE: error.route.country})
        logger.debug(
            "parked on its route's queue", extra={"messageId": record.message_id, "route": error.route.country}
        )

    def _publish_time_to_send(self) -> None:
        """``TimeToSend``: ms from the record's first enqueue to now (the send), with dimension ``Lane`` on a queue with
        lanes, and with dimension ``Route`` on a queue with routes."""
        if (self._lane is None and self._route is None) or self._enqueued_ms is None:
            return
        waited = max(0, self._now_ms() - self._enqueued_ms)
        if self._lane is not None:
            _publish_per(SenderMetric.TIME_TO_SEND, waited, MetricUnit.Milliseconds, {DIMENSION_LANE: self._lane.name})
        if self._route is not None:
            _publish_per(
                SenderMetric.TIME_TO_SEND, waited, MetricUnit.Milliseconds, {DIMENSION_ROUTE: self._route.country}
            )

    def _delay(self, base_seconds: int, receive_count: int, cap: int = BackOff.MAX_SECONDS) -> int:
        if base_seconds <= 0:
            return 0
        seconds: int = min(cap, base_seconds * 2 ** max(0, min(receive_count - 1, 10)))
        jittered = round(seconds * (1 - BackOff.JITTER + 2 * BackOff.JITTER * self._jitter()))
        return min(cap, max(1, jittered))

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)


#: Error codes outside the service model that mean "not now" (so does any HTTP 5xx or 429 without a modelled code).
UNMODELED_TRANSIENT_CODES: Final = frozenset(
    {
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
        "TooManyRequestsException",
        "Throttling",
    }
)


def _is_transient(error: ClientError) -> bool:
    """Throttling, a server fault or an HTTP 5xx / 429 without a modeled code (a gateway error, say)."""
    code = str(error.response.get("Error", {}).get("Code", ""))
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return (
        classify(code, None) is SendErrorOutcome.RETRY
        or code in UNMODELED_TRANSIENT_CODES
        or (isinstance(status, int) and (status >= 500 or status == 429))
    )


def _count_sent(body: Normalization) -> None:
    """An accepted send: ``MessagesSent``, ``MessagePartsSent`` (the parts of the body sent) and, when the body was
    normalised, ``PartsSaved``."""
    metrics.add_metric(name=SenderMetric.MESSAGES_SENT, unit=MetricUnit.Count, value=1)
    metrics.add_metric(name=SenderMetric.PARTS_SENT, unit=MetricUnit.Count, value=body.after.parts)
    if body.changed:
        metrics.add_metric(name=SenderMetric.PARTS_SAVED, unit=MetricUnit.Count, value=body.parts_saved)


def _publish_per(name: str, value: float, unit: MetricUnit, dimensions: dict[str, str]) -> None:
    """One value of ``name`` with the ``service`` dimension and ``dimensions`` (a metric of its own, not aggregated)."""
    from aws_lambda_powertools.metrics import single_metric  # noqa: PLC0415 - only producers' sends need it

    with single_metric(name=name, unit=unit, value=value, namespace=metrics.namespace) as metric:
        for dimension, dimension_value in dimensions.items():
            metric.add_dimension(name=dimension, value=dimension_value)


def _publish_quota_used(producer: str, usage: Usage) -> None:
    """``QuotaUsed``: percent of the producer's budget used in the period (dimensions ``Producer`` and ``Period``)."""
    dimensions = {DIMENSION_PRODUCER: producer, DIMENSION_PERIOD: usage.period}
    _publish_per(SenderMetric.QUOTA_USED, usage.percent, MetricUnit.Percent, dimensions)


def _receive_count(record: SQSRecord) -> int:
    try:
        return int(str(record.attributes.approximate_receive_count))
    except (TypeError, ValueError, KeyError):
        return 1


def _int_attribute(record: SQSRecord, name: str, *, message_attribute: bool = True) -> int | None:
    """A whole-number message attribute (or, with ``message_attribute=False``, SQS attribute) of ``record``."""
    try:
        if message_attribute:
            attribute = record.message_attributes[name]
            raw = attribute.string_value if attribute is not None else None
        else:
            raw = record.attributes.get(name)
        return int(str(raw)) if raw is not None else None
    except (TypeError, ValueError, KeyError):
        return None


def _str_attribute(record: SQSRecord, name: str) -> str | None:
    """A string message attribute of ``record``, or ``None``."""
    try:
        attribute = record.message_attributes[name]
    except (TypeError, KeyError):
        return None
    value = attribute.string_value if attribute is not None else None
    return str(value) if value else None


def _source(record: SQSRecord) -> str | None:
    """The queue ``record`` came from (its ``eventSourceARN``)."""
    source = record.raw_event.get("eventSourceARN")
    return str(source) if source else None


def _route_pacing(
    pacer: Pacer,
    route: Route,
    lanes: Lanes,
    config: SenderSettings,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> tuple[Pacer, LanePacing]:
    """A route's pacer (its key, at its MPS less the lanes' reserved shares) and, per lane, the lane's horizon on that
    key and the pacer of its reserved share on a key of the route's own (``<route key>#lane#<name>``)."""
    key = route.key(pacer.key)
    route_pacer = Pacer(
        pacer.schedule,
        key,
        route.parts_per_second * (1 - lanes.reserved_total),
        clock=clock,
        sleep=sleep,
        release_tolerance=config.release_tolerance_seconds,
    )
    lane_pacing: LanePacing = {
        lane.name: (
            lane_horizon_seconds(lane.rank, len(lanes), config.batch_size, route_pacer),
            None
            if lane.reserved_share is None
            else Pacer(
                pacer.schedule,
                f"{key}#lane#{lane.name}",
                route.parts_per_second * lane.reserved_share,
                clock=clock,
                sleep=sleep,
                release_tolerance=config.release_tolerance_seconds,
            ),
        )
        for lane in lanes.by_name.values()
    }
    return route_pacer, lane_pacing


def _first_receive(record: SQSRecord) -> bool:
    """The message's first receive: not received before, and not a copy re-enqueued after earlier receives."""
    return _receive_count(record) == 1 and _int_attribute(record, PRIOR_RECEIVES_ATTRIBUTE) is None


def _ids_of(record: SQSRecord) -> tuple[str, int]:
    """The request id and attempt of a malformed message when they can be read, else the SQS message id."""
    try:  # nesting bounded like any record's; refused characters are fine here: only ids matching their patterns count
        payload = decode_message(record.body, check_characters=False)
    except ContractError:
        payload = None
    request_id = payload.get("requestId") if isinstance(payload, dict) else None
    attempt = payload.get("attempt") if isinstance(payload, dict) else None
    if not isinstance(request_id, str) or not REQUEST_ID_PATTERN.fullmatch(request_id):
        request_id = f"sqs:{record.message_id}"
    if not isinstance(attempt, int) or isinstance(attempt, bool) or not 1 <= attempt <= 99:
        attempt = 1
    return request_id, attempt


_SENDER: Sender | None = None


def _sender() -> Sender:
    global _SENDER  # noqa: PLW0603 - one Sender per execution environment, built on first use
    if _SENDER is None:
        _SENDER = Sender(
            SenderSettings.from_environment(os.environ),
            sms=boto3.client("pinpoint-sms-voice-v2", config=SMS_CLIENT.botocore_config()),
            sqs=boto3.client("sqs", config=QUEUE_CLIENT.botocore_config()),
            dynamodb=boto3.client("dynamodb", config=DYNAMODB_CLIENT.botocore_config()),
        )
    return _SENDER


@logger.inject_lambda_context
@traced
@metrics.log_metrics
def main(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Lambda entry point (``sender.handler.main``)."""
    return _sender().handle(event, context)
