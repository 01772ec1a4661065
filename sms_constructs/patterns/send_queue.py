"""``SmsSendQueue``: a queue producers put SMS requests on, drained by a sender paced to the identity's MPS."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Unpack

import aws_cdk as cdk
import aws_cdk.aws_cloudwatch as cloudwatch
import aws_cdk.aws_dynamodb as dynamodb
import aws_cdk.aws_ec2 as ec2
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
import aws_cdk.aws_lambda as lambda_
import aws_cdk.aws_logs as logs
import aws_cdk.aws_sqs as sqs
from aws_cdk.interfaces.aws_smsvoice import IConfigurationSetRef
from constructs import Construct
from sms_constructs_runtime.contract import (
    LANE_PATTERN,
    MAX_PRICE_PATTERN,
    MAX_TTL_SECONDS,
    MIN_TTL_SECONDS,
    PRODUCER_PATTERN,
)
from sms_constructs_runtime.parts import MAX_PARTS
from sms_constructs_runtime.producer import LANE_QUEUE_URLS_VARIABLE, PRODUCER_NAME_VARIABLE, QUEUE_URL_VARIABLE
from sms_constructs_runtime.settings import (
    DIMENSION_CAUSE,
    DIMENSION_LANE,
    DIMENSION_PERIOD,
    DIMENSION_PRODUCER,
    DIMENSION_REASON,
    DIMENSION_ROUTE,
    METRIC_DIMENSION_SERVICE,
    SENDER_DEADLINE_MARGIN_SECONDS,
    BackOff,
    SenderMetric,
    SenderSettings,
)
from sms_constructs_runtime.store import EXPIRATION_ATTRIBUTE

from .._private import discovery, nag
from .._private.errors import ValidationError
from .._private.functions import library_function, own_wildcard_policy
from .._private.kms import limit_grants_to_aws_services
from .._private.metrics import MetricOptions, custom_metric, with_defaults
from .._private.queues import check_redrive_fits_retention, dead_letter_queue
from .._private.runtime_layer import MIN_PYTHON_MINOR, python_minor, runtime_layer
from .._private.validation import check_range, is_unresolved
from ..resources.common import MessageType
from ..resources.origination_identity import IOriginationIdentity
from . import _guards
from . import routes as _routes
from .quotas import ProducerQuota, render_quotas
from .routes import SendRoute

#: The sender's environment variable of ``SenderSettings.record_statuses`` (set when a status notifier attaches).
_RECORD_STATUSES_VARIABLE = next(
    f.metadata["env"] for f in dataclasses.fields(SenderSettings) if f.name == "record_statuses"
)

#: Namespace of the custom metrics of the sender and retry functions (Powertools EMF).
DEFAULT_METRICS_NAMESPACE = "SmsConstructs"
#: Per-invocation time budget for one send (reservation, API call, store writes) used to size the concurrency.
SEND_SECONDS_PER_INVOCATION = 0.5
#: ESM ``MaximumConcurrency`` bounds (Lambda API ``ScalingConfig``).
MIN_CONCURRENCY, MAX_CONCURRENCY = 2, 1000
#: How long a request may wait on the send queue. The message store's retention (which is also the idempotency
#: records' lifetime) may not be shorter: a copy still waiting on the queue would be sent a second time.
QUEUE_RETENTION = cdk.Duration.days(4)
#: Above this MPS, single-part sends may be throttled by DynamoDB: each send updates the one pacer item and writes
#: twice to the one idempotency partition, and a DynamoDB item (or unsplit partition) takes ~1,000 writes per second.
MAX_PACED_MPS_PER_QUEUE = 500
#: Default release tolerance δ of the pacer: a send may start up to 20 ms after its slot starts; each slot is 1 + δ (in
#: seconds) times as long, so under backlog the queue sends at MPS / 1.02.
DEFAULT_RELEASE_TOLERANCE = cdk.Duration.millis(20)
#: Bounds of ``release_tolerance``, in milliseconds (1 ms costs 0.1 % of the MPS, 200 ms 20 %).
MIN_RELEASE_TOLERANCE_MS, MAX_RELEASE_TOLERANCE_MS = 1, 200
#: Default interval between probe sends while the circuit breaker is open.
DEFAULT_BREAKER_PROBE_INTERVAL = cdk.Duration.minutes(1)
#: Bounds of ``breaker_probe_interval``, in seconds.
MIN_BREAKER_PROBE_INTERVAL_SECONDS, MAX_BREAKER_PROBE_INTERVAL_SECONDS = 10, 3600
#: The ``Cause`` dimension values of ``ReceivesWithoutSend``: why a record was handed back without a send.
RECEIVE_CAUSES = ("Deadline", "PacerContention", "CircuitBreaker", "InProgress")

_RECORDS_NAG_REASON = (
    "SQS event source mappings support no OnFailure destination (only Kinesis, DynamoDB Streams and Kafka do; "
    "AWS::Lambda::EventSourceMapping OnFailure docs). Records that keep failing are moved by the source queue's "
    "redrive policy to its dead-letter queue, which is the failure sink."
)


def default_max_concurrency(max_parts_per_second: float) -> int:
    """``max(2, ceil(MPS × 0.5))``: enough invocations to keep every send slot busy while each spends up to 0.5 s
    per send outside its wait (the reservation, the API call and the store writes)."""
    return max(MIN_CONCURRENCY, min(MAX_CONCURRENCY, math.ceil(max_parts_per_second * SEND_SECONDS_PER_INVOCATION)))


def default_batch_size(max_parts_per_second: float, max_concurrency: int) -> int:
    """Records per invocation: about a minute of single-part sends at the invocation's share of the MPS, 1–10."""
    return max(1, min(10, math.floor(60 * max_parts_per_second / max_concurrency)))


def sender_timeout(max_parts_per_second: float, max_concurrency: int, batch_size: int) -> cdk.Duration:
    """Long enough for a batch of the longest messages (10 parts) at the invocation's share of the MPS, +20 % for the
    calls, plus the sender's 30 s deadline margin, between 60 and 900 seconds."""
    seconds = 1.2 * batch_size * MAX_PARTS * max_concurrency / max_parts_per_second + SENDER_DEADLINE_MARGIN_SECONDS
    return cdk.Duration.seconds(max(60, min(900, math.ceil(seconds))))


def lane_items(lane_queue_urls: dict[str, str]) -> tuple[str, ...]:
    """``name=url`` items, in order: how ``SenderSettings.lanes`` and ``RetrySettings.lanes`` hold a queue's lanes."""
    return tuple(f"{name}={url}" for name, url in lane_queue_urls.items())


#: Fewest and most lanes of a send queue with lanes.
MIN_LANES, MAX_LANES = 2, 5
#: The lane a request that names none goes to, when the queue has a lane of this name (else the last, lowest lane).
DEFAULT_LANE_NAME = "normal"


@dataclasses.dataclass(frozen=True, kw_only=True)
class SendLane:
    """A priority lane of an ``SmsSendQueue``: its own SQS queue, drained by the queue's one sender through the one
    pacer and MPS budget of the origination identity. A higher lane always goes first; a lower lane sends in what the
    higher ones leave, and a ``reserved_share`` keeps part of the MPS for a lane whatever the lanes above it want.

    Example::

        SmsSendQueue(self, "Send", origination_identity=pool, configuration_set=config, max_parts_per_second=20,
                     lanes=[SendLane.urgent(), SendLane.normal(), SendLane.bulk(reserved_share=0.1)])
    """

    #: The lane's name, what a producer passes as ``lane=`` (1-20 of ``a-z 0-9 -``, starting with a letter; unique in
    #: the queue). No default.
    name: str
    #: The share of ``max_parts_per_second`` kept for this lane alone, so the lanes above it can delay it but never
    #: starve it (above 0, below 1, worth at least 1 part per second; the shares of all lanes together below 1). The
    #: other lanes share the rest, ``(1 - shares) x max_parts_per_second``, even while this lane is idle: that is what
    #: a share costs the lanes above it. Default: none (the lane sends only in what the lanes above it leave).
    reserved_share: float | None = None
    #: ``MaximumConcurrency`` of this lane's event source mapping (2-1000). Default: the queue's ``max_concurrency``.
    max_concurrency: int | None = None

    @classmethod
    def urgent(cls, *, reserved_share: float | None = None, max_concurrency: int | None = None) -> SendLane:
        """The lane ``urgent``, for requests that must not wait behind others (one-time passcodes, alerts).

        :param reserved_share: As in :class:`SendLane`. Default: none.
        :param max_concurrency: As in :class:`SendLane`. Default: the queue's ``max_concurrency``.
        """
        return cls(name="urgent", reserved_share=reserved_share, max_concurrency=max_concurrency)

    @classmethod
    def normal(cls, *, reserved_share: float | None = None, max_concurrency: int | None = None) -> SendLane:
        """The lane ``normal``: the default lane (requests that name no lane) of any queue that has it.

        :param reserved_share: As in :class:`SendLane`. Default: none.
        :param max_concurrency: As in :class:`SendLane`. Default: the queue's ``max_concurrency``.
        """
        return cls(name=DEFAULT_LANE_NAME, reserved_share=reserved_share, max_concurrency=max_concurrency)

    @classmethod
    def bulk(cls, *, reserved_share: float | None = None, max_concurrency: int | None = None) -> SendLane:
        """The lane ``bulk``, for large sends that may wait (reminders, campaigns); give it a ``reserved_share`` so a
        steady stream above it cannot starve it.

        :param reserved_share: As in :class:`SendLane`. Default: none.
        :param max_concurrency: As in :class:`SendLane`. Default: the queue's ``max_concurrency``.
        """
        return cls(name="bulk", reserved_share=reserved_share, max_concurrency=max_concurrency)


class SmsSendQueue(Construct):
    """A send queue for SMS: producers put requests on an SQS queue; a sender Lambda sends them through one
    origination identity and configuration set, paced so that all its invocations together never exceed the
    identity's MPS (message parts per second), and reach it under backlog.

    Each message follows the producer contract (``sms_constructs_runtime.contract``; ``SmsProducer`` writes it) and is
    sent at most once per ``requestId`` and attempt, never after its deadline. Throttling and internal errors come back
    later; errors about the message or its destination (opted out, invalid, blocked by protect, malformed) are
    rejections recorded in the message store with their reason; errors about the account, a limit, the identity or the
    deployment (spend limit, sandbox, inactive identity, a bad setting) hold the message: it waits on the queue,
    re-enqueued as a new message before SQS would expire it, as long as its deadline allows, and is sent once the
    cause is fixed. The store maps every MessageId to its request, so ``SmsRetry`` can resend it.

    Example::

        queue = SmsSendQueue(self, "Send", origination_identity=pool, configuration_set=config,
                             max_parts_per_second=3)
        queue.add_producer(producer_function)   # a Lambda function: grant, SMS_SEND_QUEUE_URL and the runtime layer
        queue.grant_send(container_role)         # anything else: the grant; give it queue.queue_url yourself
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        origination_identity: IOriginationIdentity,
        configuration_set: IConfigurationSetRef,
        max_parts_per_second: float,
        max_concurrency: int | None = None,
        batch_size: int | None = None,
        message_type: MessageType | None = None,
        time_to_live: cdk.Duration | None = None,
        max_price: str | None = None,
        validate_numbers: bool | None = None,
        number_lookup_cache_ttl: cdk.Duration | None = None,
        message_retention: cdk.Duration | None = None,
        max_receive_count: int | None = None,
        encryption_key: kms.IKey | None = None,
        log_retention: logs.RetentionDays | None = None,
        metrics_namespace: str | None = None,
        removal_policy: cdk.RemovalPolicy | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        trace_sdk_calls: bool | None = None,
        release_tolerance: cdk.Duration | None = None,
        breaker_probe_interval: cdk.Duration | None = None,
        normalize_characters: bool | None = None,
        lanes: Sequence[SendLane] | None = None,
        default_lane: str | None = None,
        quotas: Mapping[str, ProducerQuota] | None = None,
        routes: Mapping[str, SendRoute] | None = None,
    ) -> None:
        """
        :param origination_identity: Pool, phone number or sender ID to send from (its ARN is the
            ``OriginationIdentity``; the sender may send from nothing else).
        :param configuration_set: Configuration set of every send (``ConfigurationSetName``).
        :param max_parts_per_second: The identity's MPS: message parts per second, e.g. 1 for a US 10DLC number,
            3 for US toll-free, 100 for a US short code (0.1–3000; above 500 a warning: the shared pacer item and
            idempotency partition take about 1,000 DynamoDB writes per second). Pace a little under the limit if
            other senders use the same identity.
        :param max_concurrency: Most concurrent sender invocations (the event source mapping's
            ``MaximumConcurrency``, 2–1000; also the function's reserved concurrency). With ``lanes``, each lane's
            mapping takes it unless the lane sets its own, and the function's reserved concurrency is their sum (at
            most 1000). Default: ``max(2, ceil(max_parts_per_second × 0.5))``.
        :param batch_size: Records per invocation (1–10). Default: about a minute of single-part sends at one
            invocation's share of the MPS, ``floor(60 × max_parts_per_second / max_concurrency)`` between 1 and 10.
        :param message_type: ``MessageType`` of requests that do not set one. Default: ``MessageType.TRANSACTIONAL``.
        :param time_to_live: ``TimeToLive`` of requests that do not set one (5 s – 72 h). Default: 72 hours (the
            service's maximum and default).
        :param max_price: ``MaxPrice`` in USD per message for requests that do not set one (e.g. ``"0.50"``); a
            send that would cost more is refused by the service and recorded as a rejection (above 0). Default:
            ``"0.50"``.
        :param validate_numbers: Look each destination up with ``CarrierLookup`` before the first send to it (cached
            for ``number_lookup_cache_ttl``) and reject LANDLINE and INVALID numbers. Each lookup is billed.
            Default: ``False``.
        :param number_lookup_cache_ttl: How long a lookup result is reused (only with ``validate_numbers=True``).
            Default: 30 days.
        :param message_retention: How long the message store keeps requests, outcomes and idempotency records (4 days
            – 1 year): at least the queue's 4-day retention, so a copy still on the queue is never sent twice, and,
            with ``SmsRetry``, the retry window plus the 72 hours a final event can take. Default: 14 days.
        :param max_receive_count: Receives before a message moves to the dead-letter queue. Every throttling or
            network error uses one; the back-off doubles from 10 s up to 15 minutes: with the default, a message that
            keeps failing reaches the DLQ after about 50 minutes. A send held for the account, a limit or the identity
            (spend limit, sandbox, permissions) never reaches the DLQ for being held: before its receives run out, or
            before SQS's 4-day retention would expire it, it is re-enqueued as a new message, and waits as long as
            its deadline allows. At most what fits in the queue's 4-day retention: ``max_receive_count`` × (the
            sender's timeout + 15 min, or its visibility timeout if longer) (360 with a 60 s timeout). Default: 10.
        :param encryption_key: KMS key of the queues, the table, the log group and the environment. Default: a new
            key with rotation.
        :param log_retention: Retention of the sender's log group. Default: ``RetentionDays.ONE_YEAR``.
        :param metrics_namespace: CloudWatch namespace of the custom metrics (dimension ``service`` =
            ``service_name``). Default: ``"SmsConstructs"``.
        :param trace_sdk_calls: Add an X-Ray subsegment for every AWS SDK call of the sender (the X-Ray SDK, about
            110 ms more cold start). Lambda active tracing records every invocation either way. Default: ``False``.
        :param removal_policy: What happens to the message store table when it leaves the stack. Default:
            ``RemovalPolicy.RETAIN`` (with deletion protection).
        :param vpc: A VPC to run the sender in (AWS Control Tower's CT.LAMBDA.PR.3). It must reach SQS, DynamoDB,
            KMS, X-Ray and End User Messaging SMS (``sms-voice``), through a NAT gateway or VPC endpoints. Default:
            no VPC (the sender only calls AWS APIs over TLS).
        :param vpc_subnets: Where in ``vpc`` the sender's network interfaces go. Default: the VPC's private subnets
            (the Lambda default).
        :param security_groups: Security groups of the sender (it needs outbound HTTPS only). Default: one created
            by Lambda's L2, allowing all outbound traffic and no inbound.
        :param release_tolerance: δ, how late after its slot's start the pacer may still release a send (1–200 ms).
            Each slot is ``1 + δ`` times as long (δ in seconds), so no 1-second window holds more single-part sends
            than the MPS whatever the tolerance, and under backlog the queue sends at MPS / (1 + δ): 20 ms costs 2 %
            of the MPS. A send that wakes later than this loses its slot when a later one was already reserved
            (``PacerSlotsAbandoned``); raise it when that metric is steady (a busy or small host). Default: 20 ms.
        :param breaker_probe_interval: While the circuit breaker is open (a send was held: spend limit, sandbox,
            inactive identity, permissions), the sender makes one probe send per interval, and the other messages wait
            on the queue without a call (10 s – 1 hour, whole seconds). Default: 1 minute.
        :param normalize_characters: Before sending, replace characters that have a GSM-7 equivalent with the same
            meaning (curly quotes, dashes, ellipsis, non-breaking and zero-width spaces: the table in the guide's
            "Fewer billed parts"), only when that alone makes the whole body GSM-7 and takes no more parts: 160
            characters per part instead of 70. A body that is already GSM-7, or needs UCS-2 for another character
            (an emoji, Cyrillic), is sent as written. The parts saved are published (``PartsSaved``). ``False``
            sends every body as written. Default: ``True``.
        :param lanes: Priority lanes, highest first (2-5 ``SendLane``, names unique): each lane has its own queue and
            event source mapping, and all share the one sender, pacer and MPS; a higher lane always goes first, a
            lower lane sends in what the higher ones leave (or its ``reserved_share``). The producer picks the lane
            per request (``SmsProducer.send(..., lane="urgent")``). The default lane's queue is ``queue``; every
            other lane adds a queue (same key, retention, visibility timeout and dead-letter queue) and a mapping.
            Default: no lanes (one queue).
        :param default_lane: The lane of requests that name none; its queue is ``queue`` (the queue of a send
            queue without lanes, so adding lanes keeps it). Default: the lane named ``normal`` if there is one, else
            the last (lowest) lane, so a request that names no lane never jumps ahead of the others.
        :param quotas: Part budgets per producer, by producer name (the request's ``producer``, e.g.
            ``{"appointments": ProducerQuota(daily_parts=5000, monthly_parts=100_000)}``; names of 1-64 of
            ``A-Z a-z 0-9 . _ -``, at most 50): a producer's request that would go over its UTC day's or month's
            budget is held (``SendsHeld`` reason ``QUOTA_EXCEEDED``), never rejected, until the period ends or the
            budget is raised by a deploy. Each send of a producer with a quota costs one DynamoDB transaction (two
            write units per budget) and one read per budget; the usage items live in the message store. Requests
            without a producer, or of a producer without a quota, are not counted. Default: no quotas.
        :param routes: Pacing per destination country, for a pool whose members have different MPS: ISO 3166-1
            alpha-2 code → ``SendRoute(mps)``, and ``"*"`` for every other country (``SendRoute.from_pool`` declares
            them from the pool's members). Each route is paced on a key of its own at its MPS, so routes never slow
            each other down, and a record of a saturated route is moved to the route's parking queue (one per route,
            ``"*"`` included, with its own event source mapping into the same sender) instead of delaying the other
            records of its batch. ``max_parts_per_second`` is then the pace of the countries without a route (unless
            ``"*"`` is given) and not a ceiling over all routes (MPS belongs to an identity; a route may be faster).
            With lanes, each lane's priority and reserved share apply within each route. Default: no routes (every
            destination paced together at ``max_parts_per_second``).
        """
        super().__init__(scope, id)
        # Guards of issue 9: what jsii would reject without naming the prop, Regions, pacing the identity can hold.
        self._network = _guards.check_send_queue(
            self,
            origination_identity=origination_identity,
            configuration_set=configuration_set,
            max_parts_per_second=max_parts_per_second,
            batch_size=batch_size,
            max_price=max_price,
            durations={
                "time_to_live": time_to_live,
                "message_retention": message_retention,
                "number_lookup_cache_ttl": number_lookup_cache_ttl,
                "release_tolerance": release_tolerance,
                "breaker_probe_interval": breaker_probe_interval,
            },
            vpc=vpc,
            vpc_subnets=vpc_subnets,
            security_groups=security_groups,
            routed=bool(routes),
        )
        check_range(self, "max_parts_per_second", max_parts_per_second, 0.1, 3000, "parts per second")
        check_range(self, "max_concurrency", max_concurrency, MIN_CONCURRENCY, MAX_CONCURRENCY)
        check_range(self, "batch_size", batch_size, 1, 10)
        if max_concurrency is not None and not float(max_concurrency).is_integer():
            raise ValidationError(self, "max_concurrency", "must be a whole number", max_concurrency)
        ttl, lookup_ttl = _check_sending_props(self, max_price, time_to_live, number_lookup_cache_ttl, validate_numbers)
        retention = message_retention if message_retention is not None else cdk.Duration.days(14)
        check_range(
            self, "message_retention", retention.to_seconds(), QUEUE_RETENTION.to_seconds(), 365 * 86_400, "seconds"
        )
        receives = max_receive_count if max_receive_count is not None else 10
        check_range(self, "max_receive_count", receives, 3, 1000)
        tolerance_seconds, probe_seconds = _check_breaker_and_pacing(self, release_tolerance, breaker_probe_interval)
        if normalize_characters is not None and not isinstance(normalize_characters, bool):
            raise ValidationError(self, "normalize_characters", "must be True or False", normalize_characters)
        self._init_lanes(lanes, default_lane, max_parts_per_second)
        # The sender's setting (the quotas checked first), and the quotas as given.
        self._quota_settings = (render_quotas(self, quotas), dict(quotas or {}))
        self._init_routes(routes, max_parts_per_second, configuration_set)

        self._warn_pacer_capacity(max_parts_per_second)

        self.origination_identity = origination_identity
        self.configuration_set = configuration_set
        self.max_parts_per_second = max_parts_per_second
        #: Most concurrent sender invocations (event source mapping ``MaximumConcurrency``).
        self.max_concurrency = (
            int(max_concurrency)
            if max_concurrency is not None
            else default_max_concurrency(_routes.total_mps(self._routes, max_parts_per_second))  # all routes' MPS
        )
        #: Records per sender invocation.
        self.batch_size = (
            batch_size if batch_size is not None else default_batch_size(max_parts_per_second, self.max_concurrency)
        )
        #: How long the message store keeps items.
        self.message_retention = retention
        #: CloudWatch namespace of the custom metrics.
        self.metrics_namespace = metrics_namespace or DEFAULT_METRICS_NAMESPACE
        timeout = self._sender_timeout(max_parts_per_second)
        visibility_timeout = _check_receives(self, max_receive_count, receives, timeout)

        #: KMS key of the queues, table, log group and environment.
        self.encryption_key: kms.IKey = encryption_key or kms.Key(
            self, "Key", enable_key_rotation=True, description=f"sms-constructs send queue {self.node.path}"
        )
        limit_grants_to_aws_services(self.encryption_key)
        #: Where messages that failed ``max_receive_count`` times end (alarm on it: ``metric_dead_letter_messages``).
        self.dead_letter_queue = dead_letter_queue(
            self,
            self.encryption_key,
            redrive_sources=(
                "the send queue, its lanes' queues and its routes' parking queues"
                if self._routes
                else "the send queue and its lanes' queues"
                if self._lanes
                else "the send queue"
            ),
        )
        #: The queue producers send to (``grant_send``).
        self.queue = self._send_queue(self, visibility_timeout, int(receives))
        #: The message store: MessageId → request, outcomes, rejections, idempotency records, the pacer.
        self.table = dynamodb.Table(
            self,
            "MessageStore",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.encryption_key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=EXPIRATION_ATTRIBUTE,
            deletion_protection=removal_policy != cdk.RemovalPolicy.DESTROY,
            removal_policy=removal_policy if removal_policy is not None else cdk.RemovalPolicy.RETAIN,
        )

        sender = library_function(
            self,
            "Sender",
            handler="sender.handler.main",
            network=self._network,
            description="Sends SMS from the send queue, paced to the origination identity's MPS",
            encryption_key=self.encryption_key,
            environment=SenderSettings(
                table_name=self.table.table_name,
                queue_url=self.queue.queue_url,
                origination_identity=origination_identity.origination_identity_arn,
                configuration_set_name=configuration_set.configuration_set_ref.configuration_set_name,
                max_parts_per_second=max_parts_per_second,
                retention_seconds=int(retention.to_seconds()),
                service_name=self.service_name,
                metrics_namespace=self.metrics_namespace,
                message_type=(message_type or MessageType.TRANSACTIONAL).value,
                time_to_live_seconds=int(ttl.to_seconds()),
                max_price=max_price if max_price is not None else "0.50",
                validate_numbers=bool(validate_numbers),
                number_cache_ttl_seconds=int(lookup_ttl.to_seconds()),
                trace_sdk_calls=True if trace_sdk_calls else None,
                queue_retention_seconds=int(QUEUE_RETENTION.to_seconds()),
                max_receive_count=int(receives),
                release_tolerance_seconds=tolerance_seconds,
                breaker_probe_interval_seconds=probe_seconds,
                normalize_gsm7=normalize_characters is not False,
                producer_quotas=self._quota_settings[0],
                **{
                    **self._add_lane_queues(visibility_timeout, int(receives)),
                    **self._add_route_queues(visibility_timeout, int(receives)),
                },
            ).to_environment(),
            timeout=timeout,
            reserved_concurrent_executions=self._reserved_concurrency,
            log_retention=log_retention or logs.RetentionDays.ONE_YEAR,
        )
        #: The sender function.
        self.function = sender.function
        self.log_group = sender.log_group
        self._consume_queues(sender.role)
        # A held send is re-enqueued as a new message on its own (lane's) queue (the key's GenerateDataKey comes with
        # the store's grant below: one key for the queues and the table).
        iam.Grant.add_to_principal(
            grantee=sender.role, actions=["sqs:SendMessage"], resource_arns=[q.queue_arn for q in self._queues]
        )
        # Powertools idempotency puts, updates and deletes its records; the pacer updates its item; the circuit
        # breaker reads, writes and deletes its item. All on the table's ARN alone (no index, no scan, no batch).
        self._grant_store(
            sender.role, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"
        )
        origination_identity.grant_send_text_message(sender.role)
        iam.Grant.add_to_principal(
            grantee=sender.role,
            actions=["sms-voice:SendTextMessage"],
            resource_arns=[configuration_set.configuration_set_ref.configuration_set_arn],
        )
        if validate_numbers:
            # CarrierLookup acts on no resource type (Service Authorization Reference, AWS End User Messaging SMS and
            # Voice V2), so it can only be granted on "*": in a policy of its own, acknowledged there alone.
            lookup_policy = own_wildcard_policy(
                self,
                "CarrierLookupPolicy",
                sender.role,
                ["sms-voice:CarrierLookup"],
                "sms-voice:CarrierLookup (validate_numbers=True) has no resource type in the Service Authorization "
                "Reference for AWS End User Messaging SMS and Voice V2, so it can only be granted on '*'.",
            )
            sender.function.node.add_dependency(lookup_policy)  # no send before the first lookup can succeed
        #: The event source mapping; its ``MaximumConcurrency`` and batch size follow from the MPS.
        self.event_source_mapping = lambda_.EventSourceMapping(
            self,
            "EventSource",
            target=self.function,
            event_source_arn=self.queue.queue_arn,
            batch_size=self.batch_size,
            max_concurrency=self._mapping_concurrency(self._default_lane),
            report_batch_item_failures=True,
        )
        self.event_source_mapping.node.add_dependency(sender.role)
        nag.acknowledge(self.event_source_mapping, nag.Serverless.LAMBDA_ESM_DESTINATION, _RECORDS_NAG_REASON)

        # Outputs the operator commands find the queue by (``SmsSendQueueUrl<id>``, ``SmsSendQueueMessageStore...``).
        discovery.publish(
            self, discovery.SEND_QUEUE_URL_OUTPUT, "QueueUrl", self.queue.queue_url, "SmsSendQueue: send queue URL"
        )
        discovery.publish(
            self,
            discovery.SEND_QUEUE_TABLE_OUTPUT,
            "MessageStoreTableName",
            self.table.table_name,
            "SmsSendQueue: message store table",
        )

    # -- lanes ---------------------------------------------------------------------------------------------------

    @property
    def lanes(self) -> list[SendLane]:
        """The queue's lanes, highest priority first; empty for a queue without lanes."""
        return list(self._lanes)

    @property
    def default_lane(self) -> str | None:
        """The lane of requests that name none (its queue is ``queue``); ``None`` for a queue without lanes."""
        return self._default_lane

    def lane_queue(self, name: str) -> sqs.Queue:
        """The SQS queue of the lane ``name`` (``queue`` for the default lane): for its metrics, or a grant outside
        this library.

        :param name: One of the queue's lanes.
        """
        if name not in self._lane_queues:
            known = ", ".join(self._lane_queues) or "none: the queue has no lanes"
            raise ValidationError(self, "name", f"must be one of the queue's lanes ({known})", name)
        return self._lane_queues[name]

    @property
    def lane_queue_urls(self) -> dict[str, str]:
        """Lane name → URL of its queue, highest priority first (the default lane's is :attr:`queue_url`): what a
        producer passes to ``SmsProducer(queue_url, lane_queue_urls=...)``. Empty for a queue without lanes."""
        return {name: lane_queue.queue_url for name, lane_queue in self._lane_queues.items()}

    def _init_lanes(self, lanes: Sequence[SendLane] | None, default_lane: str | None, mps: float) -> None:
        """Check the lanes (before any child is created) and set what the lanes' methods read."""
        self._lanes, self._default_lane = _check_lanes(self, lanes, default_lane, mps)
        #: Lane name → its queue, highest priority first (``_add_lane_queues``); empty without lanes.
        self._lane_queues: dict[str, sqs.Queue] = {}
        #: Lane name → the event source mapping of each lane but the default one (whose mapping is
        #: ``event_source_mapping``), highest priority first; empty without lanes.
        self.lane_event_source_mappings: dict[str, lambda_.EventSourceMapping] = {}
        self._producer_names: dict[str, str] = {}  # add_producer(producer_name=...): name → the function's path

    def _warn_pacer_capacity(self, max_parts_per_second: float) -> None:
        """Warn when the queue's MPS (all routes together) is more than one pacer key and the message store's
        idempotency partition take (``sms-constructs:SendQueueMpsCapacity``)."""
        if _routes.total_mps(self._routes, max_parts_per_second) > MAX_PACED_MPS_PER_QUEUE:
            cdk.Annotations.of(self).add_warning_v2(
                "sms-constructs:SendQueueMpsCapacity",
                f"max_parts_per_second={_number(_routes.total_mps(self._routes, max_parts_per_second))}"
                + (" (all routes together)" if self._routes else "")
                + ": every send updates one pacer item and writes "
                "the idempotency partition of the message store, and a DynamoDB key takes about 1,000 writes per "
                f"second, so single-part sends above ~{MAX_PACED_MPS_PER_QUEUE} per second may be throttled (they come "
                "back later, or reach the DLQ). Split the traffic over several identities and send queues.",
            )

    def _send_queue(
        self, scope: Construct, visibility_timeout: cdk.Duration, max_receive_count: int, id: str = "Queue"
    ) -> sqs.Queue:
        """A queue the sender consumes (the send queue, a lane's, a route's parking queue): the queues' key, TLS only,
        the retention, the dead-letter queue after ``max_receive_count`` receives."""
        return sqs.Queue(
            scope,
            id,
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.encryption_key,
            enforce_ssl=True,
            visibility_timeout=visibility_timeout,
            retention_period=QUEUE_RETENTION,
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=max_receive_count, queue=self.dead_letter_queue),
        )

    def _add_lane_queues(self, visibility_timeout: cdk.Duration, max_receive_count: int) -> dict[str, Any]:
        """Add a queue for each lane but the default one (whose queue is ``queue``), like the main queue and with
        the same dead-letter queue (a redrive returns each message to its own lane's queue); return the sender's lane
        settings (``SenderSettings.lanes``, ``lane_reserved_shares``, ``batch_size``), nothing without lanes, so a
        queue without lanes keeps the environment it always had."""
        if not self._lanes:
            return {}
        holder = Construct(self, "Lanes")
        for lane in self._lanes:
            self._lane_queues[lane.name] = (
                self.queue
                if lane.name == self._default_lane
                else self._send_queue(Construct(holder, lane.name), visibility_timeout, max_receive_count)
            )
        return {
            "lanes": lane_items(self.lane_queue_urls),
            "lane_reserved_shares": tuple(
                f"{lane.name}={_number(lane.reserved_share)}" for lane in self._lanes if lane.reserved_share is not None
            ),
            "batch_size": int(self.batch_size),
        }

    def _consume_queues(self, role: iam.IRole) -> None:
        """Let the sender consume every queue, and map each lane's queue but the default one's (mapped by
        ``event_source_mapping``) to it: same batch size, the lane's maximum concurrency, partial batch
        responses; then the routes' parking queues (``_consume_route_queues``)."""
        self.queue.grant_consume_messages(role)
        for name, lane_queue in self._lane_queues.items():
            if lane_queue is self.queue:
                continue
            lane_queue.grant_consume_messages(role)
            mapping = lambda_.EventSourceMapping(
                lane_queue.node.scope,  # type: ignore[arg-type]
                "EventSource",
                target=self.function,
                event_source_arn=lane_queue.queue_arn,
                batch_size=self.batch_size,
                max_concurrency=self._mapping_concurrency(name),
                report_batch_item_failures=True,
            )
            mapping.node.add_dependency(role)
            nag.acknowledge(mapping, nag.Serverless.LAMBDA_ESM_DESTINATION, _RECORDS_NAG_REASON)
            self.lane_event_source_mappings[name] = mapping
        self._consume_route_queues(role)

    @property
    def _reserved_concurrency(self) -> int:
        """The sender's reserved concurrency: ``max_concurrency``, or with lanes the sum of the lanes' mappings' (so
        no lane's invocation is ever throttled by the others'), at most 1000."""
        return _lanes_concurrency(self, self._lanes, self.max_concurrency) + self._routes_concurrency()

    # -- routes --------------------------------------------------------------------------------------------------

    def _init_routes(
        self, routes: Mapping[str, SendRoute] | None, max_parts_per_second: float, configuration_set: Any
    ) -> None:
        """Check the routes (before any child is created), warn about allowed countries without a route, and set
        what the routes' methods read."""
        self._routes = _routes.check_routes(self, routes, max_parts_per_second, _routes.lane_shares(self._lanes))
        if self._routes:
            _routes.warn_unrouted(self, configuration_set, self._routes)
            self._routes.setdefault("*", SendRoute(max_parts_per_second))  # every other country
        #: ISO code (``*`` for every other country) → the route's parking queue; empty without routes.
        self._route_queues: dict[str, sqs.Queue] = {}
        #: ISO code → the event source mapping of the route's parking queue; empty without routes.
        self.route_event_source_mappings: dict[str, lambda_.EventSourceMapping] = {}

    def _sender_timeout(self, max_parts_per_second: float) -> cdk.Duration:
        """The sender's timeout: a batch of the send queue (or of a lane's queue), or of the slowest route's parking
        queue (a parking invocation waits for its route's slots), whichever is longer."""
        timeouts = [
            sender_timeout(
                max_parts_per_second, _lanes_concurrency(self, self._lanes, self.max_concurrency), self.batch_size
            ),
            *(
                sender_timeout(route.max_parts_per_second, _routes.parking_concurrency(route), self.batch_size)
                for route in self._routes.values()
            ),
        ]
        return max(timeouts, key=lambda duration: duration.to_seconds())

    def _routes_concurrency(self) -> int:
        """The parking queues' mappings' ``MaximumConcurrency``, together (0 without routes)."""
        total = sum(_routes.parking_concurrency(route) for route in self._routes.values())
        if total and _lanes_concurrency(self, self._lanes, self.max_concurrency) + total > MAX_CONCURRENCY:
            raise ValidationError(
                self,
                "routes",
                f"the lanes' and the routes' parking queues' event source mappings may run more than {MAX_CONCURRENCY} "
                "sender invocations together (the sender's reserved concurrency is at most that): give the routes a "
                "smaller max_concurrency, or the queue a smaller max_concurrency",
                {country: _routes.parking_concurrency(route) for country, route in self._routes.items()},
            )
        return total

    def _add_route_queues(self, visibility_timeout: cdk.Duration, max_receive_count: int) -> dict[str, Any]:
        """Add each route's parking queue, like the main queue and with the same dead-letter queue; return the
        sender's route settings (``SenderSettings.routes``, ``route_parking_queues``, ``batch_size``), nothing
        without routes, so a queue without routes keeps the environment it always had."""
        if not self._routes:
            return {}
        holder = Construct(self, "Routes")
        for country in self._routes:
            self._route_queues[country] = self._send_queue(
                Construct(holder, _routes.route_construct_id(country)),
                visibility_timeout,
                max_receive_count,
                "ParkingQueue",
            )
        return {
            "routes": _routes.route_items(self._routes),
            "route_parking_queues": tuple(f"{c}={q.queue_url}" for c, q in self._route_queues.items()),
            "batch_size": int(self.batch_size),
        }

    def _consume_route_queues(self, role: iam.IRole) -> None:
        """Let the sender consume every parking queue and send to it (parking, and re-enqueueing a parked record),
        and map each to the sender: the queue's batch size, the route's maximum concurrency, partial batch
        responses."""
        if not self._route_queues:
            return
        iam.Grant.add_to_principal(
            grantee=role, actions=["sqs:SendMessage"], resource_arns=[q.queue_arn for q in self._route_queues.values()]
        )
        for country, parking in self._route_queues.items():
            parking.grant_consume_messages(role)
            mapping = lambda_.EventSourceMapping(
                parking.node.scope,  # type: ignore[arg-type]
                "EventSource",
                target=self.function,
                event_source_arn=parking.queue_arn,
                batch_size=self.batch_size,
                max_concurrency=_routes.parking_concurrency(self._routes[country]),
                report_batch_item_failures=True,
            )
            mapping.node.add_dependency(role)
            nag.acknowledge(mapping, nag.Serverless.LAMBDA_ESM_DESTINATION, _RECORDS_NAG_REASON)
            self.route_event_source_mappings[country] = mapping

    @property
    def routes(self) -> dict[str, SendRoute]:
        """ISO code → the route, ``"*"`` (every other country) included; empty for a queue without routes."""
        return dict(self._routes)

    def route_queue(self, country: str) -> sqs.Queue:
        """The parking queue of the route ``country`` (an ISO code of ``routes``, or ``"*"``): for its metrics (its
        depth is the route's backlog), or to drain it before the route is removed.

        :param country: One of the queue's routes.
        """
        if country not in self._route_queues:
            known = ", ".join(self._route_queues) or "none: the queue has no routes"
            raise ValidationError(self, "country", f"must be one of the queue's routes ({known})", country)
        return self._route_queues[country]

    @property
    def _queues(self) -> list[sqs.Queue]:
        """Every queue the sender drains: the lanes' queues in priority order, or the one queue."""
        return list(self._lane_queues.values()) or [self.queue]

    def _mapping_concurrency(self, lane: str | None) -> int:
        """``MaximumConcurrency`` of a lane's event source mapping (of the one mapping without lanes)."""
        for candidate in self._lanes:
            if candidate.name == lane and candidate.max_concurrency is not None:
                return int(candidate.max_concurrency)
        return self.max_concurrency

    @property
    def service_name(self) -> str:
        """``POWERTOOLS_SERVICE_NAME`` of the sender: the ``service`` dimension of its metrics."""
        return f"SmsSendQueue-{cdk.Names.unique_id(self)[-24:]}"

    def _grant_store(self, grantee: iam.IGrantable, *actions: str) -> iam.Grant:
        """Item-level ``actions`` on the message store (no scans, no batch or index access) and the table's key."""
        grant = self.table.grant(grantee, *actions)
        self.encryption_key.grant(grantee, "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey")
        return grant

    def grant_store_access(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read and put items of the message store (``dynamodb:GetItem`` and ``dynamodb:PutItem``, and
        the table's key): what ``SmsRetry`` needs to look messages up and record retries and final failures."""
        return self._grant_store(grantee, "dynamodb:GetItem", "dynamodb:PutItem")

    @property
    def queue_url(self) -> str:
        """URL of the send queue: what a producer passes to ``SmsProducer(queue_url=...)``."""
        return self.queue.queue_url

    @property
    def queue_arn(self) -> str:
        """ARN of the send queue (for grants and policies outside this library)."""
        return self.queue.queue_arn

    def grant_send(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` put requests on the queue: ``sqs:SendMessage`` on the queue (with lanes, on every lane's
        queue), and ``kms:GenerateDataKey`` and ``kms:Decrypt`` on its key (what SQS server-side encryption asks of a
        producer). Nothing else.

        For producers that are not Lambda functions of this app (containers, instances, other accounts' roles); give
        them :attr:`queue_url` too (with lanes, :attr:`lane_queue_urls`). A Lambda function takes :meth:`add_producer`
        instead."""
        grant = iam.Grant.add_to_principal(
            grantee=grantee, actions=["sqs:SendMessage"], resource_arns=[q.queue_arn for q in self._queues]
        )
        return grant.combine(self.encryption_key.grant(grantee, "kms:GenerateDataKey", "kms:Decrypt"))

    def add_producer(self, function: lambda_.Function, *, producer_name: str | None = None) -> iam.Grant:
        """Wire a Python Lambda function as a producer, in one call: :meth:`grant_send`, the environment variable
        ``SMS_SEND_QUEUE_URL`` (what ``SmsProducer.from_environment()`` reads), and the ``sms_constructs_runtime``
        layer (one per stack, built from the installed package without Docker), so the function can
        ``from sms_constructs_runtime import SmsProducer`` with nothing else bundled. On a queue with lanes, also
        ``SMS_SEND_LANE_QUEUE_URLS`` (``name=url`` items: ``SmsProducer.send(..., lane=...)``).

        :param function: A ``lambda_.Function`` of this app on a Python 3.11+ runtime, not yet wired to another send
            queue (one function, one ``SMS_SEND_QUEUE_URL``).
        :param producer_name: The producer's name (1-64 of ``A-Z a-z 0-9 . _ -``; one producer per name on a queue),
            set as ``SMS_PRODUCER_NAME``: ``SmsProducer`` writes it into every request (``producer``), which is what
            the ``Producer`` metrics and quotas go by. Default: none (requests carry no producer name).
        :returns: The grant of :meth:`grant_send`.
        """
        if not isinstance(function, lambda_.Function):
            raise ValidationError(
                self,
                "function",
                "must be a lambda_.Function of this app (an imported function cannot take environment variables or "
                "layers): use grant_send(role) and pass queue_url to that producer yourself",
                function,
            )
        minor = python_minor(function.runtime)
        if minor is None or minor < MIN_PYTHON_MINOR:
            raise ValidationError(
                self,
                "function",
                f"must run on Python 3.{MIN_PYTHON_MINOR} or newer (the runtime layer is Python); for other runtimes "
                "use grant_send(role), queue_url and the JSON contract (contract.schema.json)",
                f"{function.node.path} ({function.runtime.name})",
            )
        if function.node.try_find_child(_PRODUCER_MARKER) is not None:
            raise ValidationError(
                self,
                "function",
                "is already the producer of a send queue: a function has one SMS_SEND_QUEUE_URL; give the others "
                "to SmsProducer(queue_url=...) yourself (grant_send and queue_url)",
                function.node.path,
            )
        self._check_producer_name(producer_name, function)
        Construct(function, _PRODUCER_MARKER)
        function.add_environment(QUEUE_URL_VARIABLE, self.queue.queue_url)
        if self._lane_queues:
            function.add_environment(LANE_QUEUE_URLS_VARIABLE, ",".join(lane_items(self.lane_queue_urls)))
        if producer_name is not None:
            function.add_environment(PRODUCER_NAME_VARIABLE, producer_name)
        function.add_layers(runtime_layer(function))
        return self.grant_send(function)

    def _check_producer_name(self, producer_name: str | None, function: lambda_.Function) -> None:
        """Refuse a producer name the contract refuses, or one another producer of this queue already has."""
        if producer_name is None or is_unresolved(producer_name):
            return
        if not isinstance(producer_name, str) or not PRODUCER_PATTERN.fullmatch(producer_name):
            raise ValidationError(
                self,
                "producer_name",
                "must be 1-64 characters of A-Z a-z 0-9 . _ - (the contract's producer)",
                producer_name,
            )
        names = self._producer_names
        if producer_name in names:
            raise ValidationError(
                self,
                "producer_name",
                f"is already the name of another producer of this queue ({names[producer_name]}): each producer's "
                "metrics and quota go by its name, so two producers must not share one",
                producer_name,
            )
        names[producer_name] = function.node.path

    def enable_store_stream(self) -> str:
        """Turn on the message store's DynamoDB stream (``NEW_IMAGE``, encrypted with the table's key) and return its
        ARN: where ``SmsStatusNotifier`` reads the queue's outcomes from. Calling it again changes nothing. Turning the
        stream on updates the table in place (``StreamSpecification`` needs no replacement); the stream keeps records
        24 hours."""
        table = self.table.node.default_child
        assert isinstance(table, dynamodb.CfnTable)
        table.stream_specification = dynamodb.CfnTable.StreamSpecificationProperty(stream_view_type="NEW_IMAGE")
        # Someone reads the outcomes: the sender also records when it accepts and holds a request (one more write per
        # request, and one per held attempt), which it skips otherwise.
        self.function.add_environment(_RECORD_STATUSES_VARIABLE, "true")
        return table.attr_stream_arn

    def grant_read_outcomes(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read requests' outcomes and rejections (``dynamodb:GetItem`` and ``dynamodb:Query`` on
        the store; query ``pk = "request#<requestId>"``)."""
        grant = self.table.grant(grantee, "dynamodb:GetItem", "dynamodb:Query")
        return grant.combine(self.encryption_key.grant(grantee, "kms:Decrypt", "kms:DescribeKey"))

    # -- metrics -------------------------------------------------------------------------------------------------

    def metric(self, metric_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """A custom metric of the sender: one of ``sms_constructs_runtime.settings.SenderMetric`` (``MessagesSent``,
        ``MessagePartsSent``, ``MessagesRejected``, ``TransientSendFailures``, ``SendsHeld``, ``MessagesDeferred``,
        ``DuplicateSendsSuppressed``, ``StoreWriteFailures``, ``SendOutcomeUnknown``, ``MessagesExpired``,
        ``HeldSendsReenqueued``, ``PacerSlotsAbandoned``, ``PacerContention``, ``ReceivesWithoutSend``,
        ``CircuitBreakerOpen``, ``CircuitBreakerProbes``, ``PartsSaved``), in the queue's ``metrics_namespace`` with
        the sender's ``service`` dimension.

        :param options: ``cloudwatch.MetricOptions`` keywords (``statistic``, ``period``, ``label``, ``color``,
            ``unit``, ``account``, ``region``, ``dimensions_map`` (merged over the ``service`` dimension), ...).
            Default: ``Sum`` over 5 minutes.
        """
        if metric_name not in SenderMetric.ALL:
            raise ValidationError(self, "metric_name", f"must be one of {', '.join(SenderMetric.ALL)}", metric_name)
        return custom_metric(
            self.metrics_namespace, metric_name, {METRIC_DIMENSION_SERVICE: self.service_name}, options
        )

    def _by_cause(self, metric_name: str, cause: str | None, options: MetricOptions) -> cloudwatch.Metric:
        if cause is not None and not is_unresolved(cause) and cause not in RECEIVE_CAUSES:
            raise ValidationError(self, "cause", f"must be one of {', '.join(RECEIVE_CAUSES)}", cause)
        settings = MetricOptions(**options)
        if cause is not None:
            settings["dimensions_map"] = {DIMENSION_CAUSE: cause, **dict(options.get("dimensions_map") or {})}
        return self.metric(metric_name, **settings)

    def _by_reason(self, metric_name: str, reason: str | None, options: MetricOptions) -> cloudwatch.Metric:
        if reason is not None and not is_unresolved(reason) and not _REASON.fullmatch(reason):
            raise ValidationError(
                self, "reason", "must be a service reason such as MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT", reason
            )
        settings = MetricOptions(**options)
        if reason is not None:
            settings["dimensions_map"] = {DIMENSION_REASON: reason, **dict(options.get("dimensions_map") or {})}
        return self.metric(metric_name, **settings)

    def metric_messages_sent(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Messages the service accepted (``MessagesSent``). Default: ``Sum`` over 5 minutes."""
        return self.metric(SenderMetric.MESSAGES_SENT, **options)

    def metric_message_parts_sent(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Message parts sent, what MPS counts (``MessagePartsSent``). Default: ``Sum`` over 5 minutes."""
        return self.metric(SenderMetric.PARTS_SENT, **options)

    def metric_messages_rejected(
        self, *, reason: str | None = None, **options: Unpack[MetricOptions]
    ) -> cloudwatch.Metric:
        """Requests rejected for good (``MessagesRejected``): all reasons, or one.

        :param reason: The rejection reason, e.g. ``"DESTINATION_PHONE_NUMBER_OPTED_OUT"`` (the service's ``Reason``)
            or ``"EXPIRED"``. Default: every reason.
        :param options: ``cloudwatch.MetricOptions`` keywords. Default: ``Sum`` over 5 minutes.
        """
        return self._by_reason(SenderMetric.REJECTED, reason, options)

    def metric_sends_held(self, *, reason: str | None = None, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Sends refused for a reason about the account, a limit or the identity (``SendsHeld``): the message waits
        on the queue (re-enqueued before it would expire) until sent or past its deadline.

        :param reason: The service's ``Reason``, e.g. ``"MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT"`` (the spend limit) or
            ``"DESTINATION_PHONE_NUMBER_NOT_VERIFIED"`` (the SMS sandbox). Default: every reason.
        :param options: ``cloudwatch.MetricOptions`` keywords. Default: ``Sum`` over 5 minutes.
        """
        return self._by_reason(SenderMetric.SENDS_HELD, reason, options)

    def metric_held_sends_reenqueued(
        self, *, reason: str | None = None, **options: Unpack[MetricOptions]
    ) -> cloudwatch.Metric:
        """Held sends put back on the queue as a new message, before SQS would expire them or their receives would
        move them to the DLQ (``HeldSendsReenqueued``). A steady count means requests have been held for days.

        :param reason: The service's ``Reason`` of the hold, e.g. ``"MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT"``.
            Default: every reason.
        :param options: ``cloudwatch.MetricOptions`` keywords. Default: ``Sum`` over 5 minutes.
        """
        return self._by_reason(SenderMetric.HELD_REENQUEUED, reason, options)

    def metric_transient_send_failures(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Throttling, server faults and network errors of ``SendTextMessage`` (``TransientSendFailures``; the message
        comes back). Default: ``Sum`` over 5 minutes."""
        return self.metric(SenderMetric.TRANSIENT_FAILURES, **options)

    def metric_send_outcome_unknown(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Sends whose response was lost, so the message may be delivered twice (``SendOutcomeUnknown``). Default:
        ``Sum`` over 5 minutes."""
        return self.metric(SenderMetric.OUTCOME_UNKNOWN, **options)

    def metric_messages_expired(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Requests past their deadline, never sent (``MessagesExpired``). Default: ``Sum`` over 5 minutes."""
        return self.metric(SenderMetric.EXPIRED, **options)

    def metric_store_write_failures(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Message-store writes that failed after a send (``StoreWriteFailures``). Default: ``Sum`` over 5 minutes."""
        return self.metric(SenderMetric.STORE_WRITE_FAILURES, **options)

    def metric_messages_deferred(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Records handed back unsent because the invocation was close to its deadline (``MessagesDeferred``; also
        counted in ``ReceivesWithoutSend`` with ``Cause=Deadline``). Default: ``Sum`` over 5 minutes."""
        return self.metric(SenderMetric.DEFERRED, **options)

    def metric_pacer_slots_abandoned(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Send slots that had passed, beyond ``release_tolerance``, before the send could be released
        (``PacerSlotsAbandoned``): the slot is lost to everyone and the record reserves another. A steady count means
        the sender wakes late (a busy host, slow DynamoDB answers): raise ``release_tolerance``. Default: ``Sum`` over
        5 minutes."""
        return self.metric(SenderMetric.PACER_SLOTS_ABANDONED, **options)

    def metric_pacer_contention(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Records handed back because no usable send slot could be reserved (``PacerContention``): too many
        invocations for the MPS, or slots abandoned again and again. Default: ``Sum`` over 5 minutes."""
        return self.metric(SenderMetric.PACER_CONTENTION, **options)

    def metric_receives_without_send(
        self, *, cause: str | None = None, **options: Unpack[MetricOptions]
    ) -> cloudwatch.Metric:
        """Records received and handed back to the queue without a ``SendTextMessage`` call
        (``ReceivesWithoutSend``): every cause, or one.

        :param cause: ``"Deadline"`` (the invocation was close to its timeout), ``"PacerContention"`` (no usable slot),
            ``"CircuitBreaker"`` (the breaker is open: the record waits for the hold to clear) or ``"InProgress"``
            (another invocation is sending the same request). Default: every cause.
        :param options: ``cloudwatch.MetricOptions`` keywords. Default: ``Sum`` over 5 minutes.
        """
        return self._by_cause(SenderMetric.RECEIVES_WITHOUT_SEND, cause, options)

    def metric_circuit_breaker_open(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """1 each time an invocation finds the circuit breaker open (``CircuitBreakerOpen``): a ``Maximum`` of 1 in a
        period means sends were held (the account, a limit, the identity or the deployment) and the sender only
        probed. Default: ``Maximum`` over 5 minutes."""
        return self.metric(
            SenderMetric.CIRCUIT_BREAKER_OPEN, **with_defaults(options, statistic=cloudwatch.Stats.MAXIMUM)
        )

    def metric_circuit_breaker_probes(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Probe sends made while the circuit breaker is open (``CircuitBreakerProbes``): about one per
        ``breaker_probe_interval``. Default: ``Sum`` over 5 minutes."""
        return self.metric(SenderMetric.CIRCUIT_BREAKER_PROBES, **options)

    @property
    def quotas(self) -> dict[str, ProducerQuota]:
        """Part budgets per producer, by producer name (the ``quotas`` prop; empty without quotas)."""
        return dict(self._quota_settings[1])

    def metric_quota_used(
        self, producer: str, quota_period: str, **options: Unpack[MetricOptions]
    ) -> cloudwatch.Metric:
        """Percent of a producer's part budget used in the current UTC day or month (``QuotaUsed``, dimensions
        ``Producer`` and ``Period``), published after each counted send and each quota hold.

        :param producer: A producer of ``quotas``.
        :param quota_period: ``"Day"`` or ``"Month"``, a budget the producer has (the ``Period`` dimension).
        :param options: ``cloudwatch.MetricOptions`` keywords. Default: ``Maximum`` over 5 minutes.
        """
        quota = self.quotas.get(producer)
        if quota is None:
            producers = ", ".join(self.quotas)
            raise ValidationError(self, "producer", f"must be a producer of quotas ({producers})", producer)
        budget = {"Day": quota.daily_parts, "Month": quota.monthly_parts}
        if quota_period not in budget or budget[quota_period] is None:
            periods = " or ".join(name for name, parts in budget.items() if parts is not None)
            raise ValidationError(self, "quota_period", f"must be a budget of {producer}: {periods}", quota_period)
        settings = with_defaults(options, statistic=cloudwatch.Stats.MAXIMUM)
        settings["dimensions_map"] = {
            DIMENSION_PRODUCER: producer,
            DIMENSION_PERIOD: quota_period,
            **dict(options.get("dimensions_map") or {}),
        }
        return self.metric(SenderMetric.QUOTA_USED, **settings)

    def metric_producer_parts(self, producer: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Message parts sent for a producer (``ProducerParts``, dimension ``Producer``), whether it has a quota or not.

        :param producer: A producer name (the requests' ``producer``).
        :param options: ``cloudwatch.MetricOptions`` keywords. Default: ``Sum`` over 5 minutes.
        """
        return self._by_producer(SenderMetric.PRODUCER_PARTS, producer, options)

    def metric_producer_spend_ceiling(self, producer: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """The most a producer's sends can cost, USD (``ProducerSpendCeiling``: parts × each send's ``MaxPrice``); the
        event analytics' "SMS spend by producer and day" query has the price charged.

        :param producer: A producer name (the requests' ``producer``).
        :param options: ``cloudwatch.MetricOptions`` keywords. Default: ``Sum`` over 5 minutes.
        """
        return self._by_producer(SenderMetric.PRODUCER_SPEND_CEILING, producer, options)

    def _by_producer(self, metric_name: str, producer: str, options: MetricOptions) -> cloudwatch.Metric:
        if not is_unresolved(producer) and not PRODUCER_PATTERN.fullmatch(str(producer)):
            raise ValidationError(self, "producer", "must be 1-64 characters of A-Z a-z 0-9 . _ -", producer)
        settings = MetricOptions(**options)
        settings["dimensions_map"] = {DIMENSION_PRODUCER: producer, **dict(options.get("dimensions_map") or {})}
        return self.metric(metric_name, **settings)

    def metric_parts_saved(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Message parts saved by GSM-7 normalisation (``PartsSaved``, with ``normalize_characters`` on): parts of the
        bodies as written minus parts of the bodies sent. Default: ``Sum`` over 5 minutes."""
        return self.metric(SenderMetric.PARTS_SAVED, **options)

    def metric_time_to_send(self, *, lane: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Milliseconds from when a request first reached a lane's queue to its ``SendTextMessage`` call
        (``TimeToSend``, dimension ``Lane``): how long that lane waits, backlog and pacing included.

        :param lane: One of the queue's lanes.
        :param options: ``cloudwatch.MetricOptions`` keywords. Default: ``p99`` over 5 minutes.
        """
        if not is_unresolved(lane) and lane not in self._lane_queues:
            known = ", ".join(self._lane_queues) or "none: the queue has no lanes"
            raise ValidationError(self, "lane", f"must be one of the queue's lanes ({known})", lane)
        settings = with_defaults(options, statistic=cloudwatch.Stats.p(99))
        settings["dimensions_map"] = {DIMENSION_LANE: lane, **dict(options.get("dimensions_map") or {})}
        return self.metric(SenderMetric.TIME_TO_SEND, **settings)

    def metric_route_parked(self, *, route: str | None = None, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Records moved to their route's parking queue because the route was saturated (``RouteParked``): every
        route, or one. A steady count means that route's traffic exceeds its MPS.

        :param route: One of the queue's routes (an ISO code, or ``"*"``). Default: every route.
        :param options: ``cloudwatch.MetricOptions`` keywords. Default: ``Sum`` over 5 minutes.
        """
        settings = MetricOptions(**options)
        if route is not None:
            self._check_route_name(route)
            settings["dimensions_map"] = {DIMENSION_ROUTE: route, **dict(options.get("dimensions_map") or {})}
        return self.metric(SenderMetric.ROUTE_PARKED, **settings)

    def metric_route_time_to_send(self, *, route: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Milliseconds from when a request first reached the send queue to its ``SendTextMessage`` call, for one route
        (``TimeToSend``, dimension ``Route``): how long that country waits, parking included.

        :param route: One of the queue's routes (an ISO code, or ``"*"``).
        :param options: ``cloudwatch.MetricOptions`` keywords. Default: ``p99`` over 5 minutes.
        """
        self._check_route_name(route)
        settings = with_defaults(options, statistic=cloudwatch.Stats.p(99))
        settings["dimensions_map"] = {DIMENSION_ROUTE: route, **dict(options.get("dimensions_map") or {})}
        return self.metric(SenderMetric.TIME_TO_SEND, **settings)

    def _check_route_name(self, route: str) -> None:
        if not is_unresolved(route) and route not in self._routes:
            known = ", ".join(self._routes) or "none: the queue has no routes"
            raise ValidationError(self, "route", f"must be one of the queue's routes ({known})", route)

    def metric_dead_letter_messages(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Messages waiting in the dead-letter queue (``ApproximateNumberOfMessagesVisible``); alarm when above 0.
        Default: ``Maximum`` over 5 minutes."""
        return self.dead_letter_queue.metric_approximate_number_of_messages_visible(
            **with_defaults(options, statistic=cloudwatch.Stats.MAXIMUM)
        )

    def metric_messages_waiting(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Requests waiting on the send queue (``ApproximateNumberOfMessagesVisible``): the backlog. Default:
        ``Maximum`` over 5 minutes."""
        return self.queue.metric_approximate_number_of_messages_visible(
            **with_defaults(options, statistic=cloudwatch.Stats.MAXIMUM)
        )

    def metric_oldest_message_age(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Age of the oldest waiting request in seconds (``ApproximateAgeOfOldestMessage``). Default: ``Maximum`` over
        5 minutes."""
        return self.queue.metric_approximate_age_of_oldest_message(
            **with_defaults(options, statistic=cloudwatch.Stats.MAXIMUM)
        )

    def metric_sender_errors(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Invocations of the sender function that failed (Lambda ``Errors``). Default: ``Sum`` over 5 minutes."""
        return self.function.metric_errors(**with_defaults(options, statistic=cloudwatch.Stats.SUM))

    def metric_sender_throttles(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Invocations of the sender function refused for concurrency (Lambda ``Throttles``). Default: ``Sum`` over 5
        minutes."""
        return self.function.metric_throttles(**with_defaults(options, statistic=cloudwatch.Stats.SUM))


#: A reason dimension value: the service's upper-case reasons (and the sender's own, such as ``EXPIRED``).
_REASON = re.compile(r"[A-Z][A-Z0-9_]*")


#: Child id marking a function that ``add_producer`` wired (one send queue per function).
_PRODUCER_MARKER = "SmsConstructsProducerOf"


def _check_receives(
    scope: Construct, max_receive_count: int | None, receives: int, timeout: cdk.Duration
) -> cdk.Duration:
    """Refuse a ``max_receive_count`` that is not whole, or whose worst case outlives the queue's retention (each
    receive: the sender's timeout plus the longest back-off, or the visibility timeout of a killed invocation); returns
    the send queue's visibility timeout."""
    if max_receive_count is not None and not float(max_receive_count).is_integer():
        raise ValidationError(scope, "max_receive_count", "must be a whole number", max_receive_count)
    visibility_timeout = cdk.Duration.seconds(min(43_200, 6 * timeout.to_seconds()))
    check_redrive_fits_retention(
        scope,
        "max_receive_count",
        max_receive_count=int(receives),
        longest_receive_seconds=int(max(timeout.to_seconds() + BackOff.MAX_SECONDS, visibility_timeout.to_seconds())),
        retention=QUEUE_RETENTION,
        queue="send queue",
    )
    return visibility_timeout


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _check_breaker_and_pacing(
    scope: Construct, release_tolerance: cdk.Duration | None, breaker_probe_interval: cdk.Duration | None
) -> tuple[float, int]:
    """Refuse a release tolerance outside 1–200 ms, or a probe interval outside 10 s – 1 hour or not whole seconds;
    return both in seconds, defaults applied. Both are rendered into the sender's settings, so a deploy-time value
    (a token) is refused too: the sender could not read it as a number."""
    tolerance = release_tolerance if release_tolerance is not None else DEFAULT_RELEASE_TOLERANCE
    interval = breaker_probe_interval if breaker_probe_interval is not None else DEFAULT_BREAKER_PROBE_INTERVAL
    for prop, duration in (("release_tolerance", tolerance), ("breaker_probe_interval", interval)):
        if duration.is_unresolved():
            raise ValidationError(
                scope, prop, "must be known at synth time (it is written into the sender's settings)", duration
            )
    milliseconds = tolerance.to_milliseconds(integral=False)
    if not MIN_RELEASE_TOLERANCE_MS <= milliseconds <= MAX_RELEASE_TOLERANCE_MS:
        raise ValidationError(
            scope,
            "release_tolerance",
            f"must be between {MIN_RELEASE_TOLERANCE_MS} and {MAX_RELEASE_TOLERANCE_MS} ms (under backlog the queue "
            "sends at MPS / (1 + tolerance in seconds): 200 ms already costs 20 % of the MPS)",
            tolerance,
        )
    seconds = interval.to_seconds(integral=False)
    if not MIN_BREAKER_PROBE_INTERVAL_SECONDS <= seconds <= MAX_BREAKER_PROBE_INTERVAL_SECONDS:
        raise ValidationError(
            scope,
            "breaker_probe_interval",
            f"must be between {MIN_BREAKER_PROBE_INTERVAL_SECONDS} and {MAX_BREAKER_PROBE_INTERVAL_SECONDS} seconds",
            interval,
        )
    if not float(seconds).is_integer():
        raise ValidationError(scope, "breaker_probe_interval", "must be a whole number of seconds", interval)
    return milliseconds / 1000, int(seconds)


def _check_sending_props(
    scope: Construct,
    max_price: str | None,
    time_to_live: cdk.Duration | None,
    number_lookup_cache_ttl: cdk.Duration | None,
    validate_numbers: bool | None,
) -> tuple[cdk.Duration, cdk.Duration]:
    """Refuse a ``MaxPrice``, TTL or lookup cache the service would refuse, or that could never take effect (a
    ``MaxPrice`` of 0, a lookup cache without lookups); return the TTL and the lookup cache's TTL, defaults applied."""
    price_ok = max_price is None or cdk.Token.is_unresolved(max_price)
    if not price_ok and not (2 <= len(str(max_price)) <= 8 and MAX_PRICE_PATTERN.fullmatch(str(max_price))):
        raise ValidationError(
            scope, "max_price", r"must match [0-9]{0,2}\.[0-9]{1,5} (USD, e.g. '0.50'), 2-8 characters", max_price
        )
    ttl = time_to_live if time_to_live is not None else cdk.Duration.hours(72)
    if not ttl.is_unresolved():
        check_range(scope, "time_to_live", ttl.to_seconds(), MIN_TTL_SECONDS, MAX_TTL_SECONDS, "seconds")
    lookup_ttl = number_lookup_cache_ttl if number_lookup_cache_ttl is not None else cdk.Duration.days(30)
    check_range(scope, "number_lookup_cache_ttl", lookup_ttl.to_seconds(), 3600, 365 * 86_400, "seconds")
    if not price_ok and float(str(max_price)) == 0:
        raise ValidationError(
            scope,
            "max_price",
            "must be above 0: the service refuses every send that would cost more than MaxPrice "
            "(PRICE_OVER_THRESHOLD), and every send costs something, so nothing could ever be sent",
            max_price,
        )
    if number_lookup_cache_ttl is not None and not validate_numbers:
        raise ValidationError(
            scope,
            "number_lookup_cache_ttl",
            "is how long a CarrierLookup result is reused, and no lookup is made unless validate_numbers=True: "
            "set validate_numbers=True or leave it out",
            number_lookup_cache_ttl,
        )
    return ttl, lookup_ttl


def _check_lanes(
    scope: Construct, lanes: Sequence[SendLane] | None, default_lane: str | None, max_parts_per_second: float
) -> tuple[tuple[SendLane, ...], str | None]:
    """Refuse lanes the sender cannot pace: not ``SendLane``, a bad or repeated name, fewer than 2 or more than 5, a
    ``default_lane`` that is none of them, a share outside (0, 1), worth less than 1 part per second, or shares that
    leave nothing to the others; return the lanes and the default lane's name (``None`` without lanes)."""
    if lanes is None:
        if default_lane is not None:
            raise ValidationError(scope, "default_lane", "is a lane's name, and the queue has no lanes", default_lane)
        return (), None
    if isinstance(lanes, str | SendLane) or not isinstance(lanes, Sequence):
        raise ValidationError(scope, "lanes", "must be a list of SendLane, highest priority first", lanes)
    checked = tuple(lanes)
    if not MIN_LANES <= len(checked) <= MAX_LANES:
        raise ValidationError(
            scope,
            "lanes",
            f"must hold {MIN_LANES} to {MAX_LANES} lanes (leave it out for a queue without lanes: one lane is the "
            "queue itself)",
            [lane.name if isinstance(lane, SendLane) else lane for lane in checked],
        )
    names: set[str] = set()
    for n, lane in enumerate(checked):
        if not isinstance(lane, SendLane):
            raise ValidationError(
                scope, f"lanes[{n}]", "must be a SendLane (SendLane(name=...), SendLane.urgent())", lane
            )
        if not isinstance(lane.name, str) or not LANE_PATTERN.fullmatch(lane.name):
            raise ValidationError(
                scope,
                f"lanes[{n}].name",
                "must be 1-20 of a-z 0-9 - starting with a letter (the contract's lane)",
                lane.name,
            )
        if lane.name in names:
            raise ValidationError(scope, f"lanes[{n}].name", "must be unique among the lanes; duplicate", lane.name)
        names.add(lane.name)
        check_range(scope, f"lanes[{n}].max_concurrency", lane.max_concurrency, MIN_CONCURRENCY, MAX_CONCURRENCY)
        if lane.max_concurrency is not None and not float(lane.max_concurrency).is_integer():
            raise ValidationError(scope, f"lanes[{n}].max_concurrency", "must be a whole number", lane.max_concurrency)
        _check_share(scope, f"lanes[{n}].reserved_share", lane.reserved_share, max_parts_per_second)
    shares = [lane.reserved_share for lane in checked if lane.reserved_share is not None]
    if sum(shares) >= 1:
        raise ValidationError(
            scope,
            "lanes",
            "reserved shares must add up to less than 1 (the lanes without one share what the shares leave)",
            {lane.name: lane.reserved_share for lane in checked if lane.reserved_share is not None},
        )
    if default_lane is None:
        default_lane = DEFAULT_LANE_NAME if DEFAULT_LANE_NAME in names else checked[-1].name
    elif default_lane not in names:
        raise ValidationError(
            scope, "default_lane", f"must be one of the lanes ({', '.join(_lane_names(checked))})", default_lane
        )
    return checked, default_lane


def _lane_names(lanes: Sequence[SendLane]) -> list[str]:
    """The lanes' names, in their order."""
    return [lane.name for lane in lanes]


def _check_share(scope: Construct, prop: str, share: float | None, max_parts_per_second: float) -> None:
    """A reserved share is a number in (0, 1) worth at least 1 part per second of ``max_parts_per_second``."""
    if share is None:
        return
    if isinstance(share, bool) or not isinstance(share, int | float) or is_unresolved(share):
        raise ValidationError(scope, prop, "must be a number above 0 and below 1, known at synth time", share)
    if not 0 < share < 1:
        raise ValidationError(scope, prop, "must be above 0 and below 1 (a share of max_parts_per_second)", share)
    if not is_unresolved(max_parts_per_second) and share * max_parts_per_second < 1:
        raise ValidationError(
            scope,
            prop,
            f"must be worth at least 1 part per second: {_number(share)} x max_parts_per_second "
            f"{_number(max_parts_per_second)} is {share * max_parts_per_second:g} (the lane paces its share on its "
            "own, and a message of one part needs a whole slot); use at least "
            f"{math.ceil(1000 / max_parts_per_second) / 1000:g}",
            share,
        )
    rate = share * max_parts_per_second
    if not is_unresolved(max_parts_per_second) and abs(rate - round(rate)) > 1e-9:
        cdk.Annotations.of(scope).add_warning_v2(
            "sms-constructs:LaneShareFractional",
            f"{prop}={_number(share)} is {rate:g} parts per second of max_parts_per_second "
            f"{_number(max_parts_per_second)}: the lane's own schedule and the shared one each keep the pacer's bound, "
            "so with a fractional rate a 1-second window may hold one part more than the MPS. Choose a share whose "
            "parts per second are whole.",
        )


def _lanes_concurrency(scope: Construct, lanes: Sequence[SendLane], max_concurrency: int) -> int:
    """The sender's reserved concurrency: ``max_concurrency``, or with lanes the sum of the lanes' mappings' (so no
    lane's invocation is ever throttled by the others'), at most 1000."""
    if not lanes:
        return max_concurrency
    total = sum(int(lane.max_concurrency or max_concurrency) for lane in lanes)
    if total > MAX_CONCURRENCY:
        raise ValidationError(
            scope,
            "lanes",
            f"the lanes' event source mappings may run {total} sender invocations together (each lane's "
            f"max_concurrency, else the queue's {max_concurrency}), and the sender's reserved concurrency is at most "
            f"{MAX_CONCURRENCY}: give the lanes a smaller max_concurrency",
            {lane.name: lane.max_concurrency or max_concurrency for lane in lanes},
        )
    return total
