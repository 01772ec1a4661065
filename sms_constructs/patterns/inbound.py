"""``SmsInbound``: replies, keywords and consent for two-way SMS, without parsing code of your own."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Unpack

import aws_cdk as cdk
import aws_cdk.aws_cloudwatch as cloudwatch
import aws_cdk.aws_dynamodb as dynamodb
import aws_cdk.aws_events as events
import aws_cdk.aws_events_targets as events_targets
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
import aws_cdk.aws_lambda as lambda_
import aws_cdk.aws_logs as logs
import aws_cdk.aws_sns as sns
import aws_cdk.aws_sns_subscriptions as subscriptions
import aws_cdk.aws_sqs as sqs
import jsii
from aws_cdk.interfaces.aws_smsvoice import IOptOutListRef
from constructs import Construct
from sms_constructs_runtime.inbound import (
    DEFAULT_OPT_IN_KEYWORDS,
    HELP_KEYWORDS,
    REQUIRED_OPT_OUT_KEYWORDS,
    InboundMetric,
    InboundSettings,
    ReconcileSettings,
    Route,
    RouteTarget,
    TargetType,
    normalize_keyword,
)
from sms_constructs_runtime.settings import METRIC_DIMENSION_SERVICE

from .._private import checkov, nag
from .._private.errors import ValidationError
from .._private.functions import library_function
from .._private.kms import limit_grants_to_aws_services
from .._private.metrics import MetricOptions, custom_metric, with_defaults
from .._private.queues import handler_queue
from .._private.stacks import stack_of
from .._private.validation import check_range, is_unresolved
from ..resources.keywords import MAX_KEYWORD_LENGTH, validate_message
from ..resources.two_way import TwoWayChannel, _check_not_fifo
from .send_queue import DEFAULT_METRICS_NAMESPACE, SmsSendQueue

__all__ = ["InboundTarget", "SmsInbound"]

#: How long the consent ledger keeps a record after the message that wrote it, unless told otherwise (5 years).
DEFAULT_CONSENT_RETENTION = cdk.Duration.days(5 * 365)
#: How long an auto-reply may wait in the send queue before it is dropped as stale, unless told otherwise.
DEFAULT_REPLY_VALID_FOR = cdk.Duration.minutes(15)
#: How long a handled ``inboundMessageId`` is remembered (longer than SNS and SQS keep a copy).
DEDUP_RETENTION = cdk.Duration.days(15)
#: Lambda keeps all environment variables of a function within 4 KB; the routes get this much of it.
MAX_ROUTES_SIZE = 3000
#: What a deploy-time ARN or URL is counted as in :data:`MAX_ROUTES_SIZE`.
_TOKEN_SIZE = 160
_TIMEOUT = cdk.Duration.seconds(30)
_MAX_RECEIVE_COUNT = 5
_QUEUE_RETENTION = cdk.Duration.days(4)
_ESM_NAG_REASON = (
    "SQS event source mappings support no OnFailure destination (only Kinesis, DynamoDB Streams and Kafka do; "
    "AWS::Lambda::EventSourceMapping OnFailure docs). Inbound messages that keep failing are moved by the source "
    "queue's redrive policy to its dead-letter queue, which is the failure sink."
)
_RECONCILE_ASYNC_REASON = (
    "The reconciliation function is invoked by its EventBridge schedule only and reports drift without changing "
    "anything: a failed run loses nothing (the ledger and the opt-out list are unchanged) and the next scheduled run "
    "compares them again; its Errors metric is the signal (metric_reconciliation_errors)."
)


class InboundTarget:
    """Where ``SmsInbound`` sends the messages of a keyword (or every other message): use the static factories.

    Each target receives the ``InboundMessage`` detail (JSON) of the message; the inbound function gets exactly the
    permission to deliver to it.

    Example::

        inbound.add_keyword("C", target=InboundTarget.lambda_function(confirm_fn), reply="Thanks, confirmed.")
    """

    def __init__(self, kind: str, target: Any) -> None:
        self._kind = kind
        self._target = target

    @staticmethod
    def lambda_function(function: lambda_.IFunction) -> InboundTarget:
        """Invoke a Lambda function asynchronously (``InvocationType=Event``) with the message detail as its event.

        Configure the function's own asynchronous retries and on-failure destination: after the invoke is accepted,
        failures are the function's.
        """
        return InboundTarget(TargetType.LAMBDA, function)

    @staticmethod
    def event_bus(bus: events.IEventBus) -> InboundTarget:
        """Put an ``InboundMessage`` event (source ``sms-constructs.inbound``) on an EventBridge bus (rules are
        yours)."""
        return InboundTarget(TargetType.EVENT_BUS, bus)

    @staticmethod
    def sqs_queue(queue: sqs.IQueue) -> InboundTarget:
        """Send the message detail as the body of an SQS message (standard queues; a FIFO queue is refused)."""
        return InboundTarget(TargetType.SQS, queue)

    def _bind(self, scope: Construct, prop: str, grantee: iam.IGrantable) -> RouteTarget:
        """Grant ``grantee`` delivery to the target and return it as the handler reads it (library internal)."""
        target = self._target
        if self._kind == TargetType.LAMBDA:
            if not hasattr(target, "function_arn"):
                raise ValidationError(scope, prop, "InboundTarget.lambda_function takes a lambda_.IFunction", target)
            iam.Grant.add_to_principal(
                grantee=grantee, actions=["lambda:InvokeFunction"], resource_arns=[target.function_arn]
            )
            return RouteTarget(TargetType.LAMBDA, target.function_arn)
        if self._kind == TargetType.EVENT_BUS:
            if not hasattr(target, "event_bus_arn"):
                raise ValidationError(scope, prop, "InboundTarget.event_bus takes an events.IEventBus", target)
            target.grant_put_events_to(grantee)
            return RouteTarget(TargetType.EVENT_BUS, target.event_bus_arn)
        if not hasattr(target, "queue_url"):
            raise ValidationError(scope, prop, "InboundTarget.sqs_queue takes an sqs.IQueue", target)
        if target.fifo:
            raise ValidationError(
                scope, prop, "must be a standard queue (the inbound function sends no MessageGroupId)", target
            )
        iam.Grant.add_to_principal(grantee=grantee, actions=["sqs:SendMessage"], resource_arns=[target.queue_arn])
        if target.encryption_master_key is not None:
            target.encryption_master_key.grant(grantee, "kms:GenerateDataKey", "kms:Decrypt")
        return RouteTarget(TargetType.SQS, target.queue_url)


class SmsInbound(Construct):
    """Replies, keywords and consent of two-way SMS: the two-way topic → an SQS queue (KMS, DLQ) → an inbound function.

    The function de-duplicates by ``inboundMessageId`` (conditional put in its own table), classifies each message as
    the service does (opt-out keyword, opt-in keyword, HELP, a keyword declared with :meth:`add_keyword`, anything
    else), keeps a **consent ledger** of opt-outs and opt-ins (who, when, which keyword, the message that proved it;
    an older message never overwrites a newer one), routes declared keywords to their targets and anything else to
    ``default_target``, queues auto-replies on ``send_queue`` (paced, with a deadline, once per inbound message), and
    publishes ``InboundMessage``, ``OptedOut`` and ``OptedIn`` events to ``event_bus``. The service itself answers
    HELP and the opt-out keywords and keeps the opt-out list: nothing here answers them again or changes the list.
    With ``opt_out_list``, a scheduled reconciliation compares the ledger with ``DescribeOptedOutNumbers`` and
    publishes a ``ConsentDrift`` event per number on which they disagree.

    Example::

        inbound_topic = sns.Topic(self, "Inbound", master_key=key, enforce_ssl=True)
        channel = TwoWayChannel.sns_topic(inbound_topic)
        number = PhoneNumber(self, "Number", ..., opt_out_list=opt_outs, two_way=channel)
        inbound = SmsInbound(self, "Inbound", channel=channel, send_queue=queue, opt_out_list=opt_outs)
        inbound.add_keyword("C", target=InboundTarget.lambda_function(confirm_fn), reply="Thanks, see you then.")
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        channel: TwoWayChannel | None = None,
        topic: sns.ITopic | None = None,
        send_queue: SmsSendQueue | None = None,
        event_bus: events.IEventBus | None = None,
        default_target: InboundTarget | None = None,
        default_reply: str | None = None,
        opt_out_list: IOptOutListRef | None = None,
        additional_opt_out_keywords: Sequence[str] | None = None,
        opt_in_keywords: Sequence[str] | None = None,
        consent_retention: cdk.Duration | None = None,
        reply_valid_for: cdk.Duration | None = None,
        reconciliation_schedule: events.Schedule | None = None,
        encryption_key: kms.IKey | None = None,
        removal_policy: cdk.RemovalPolicy | None = None,
        log_retention: logs.RetentionDays | None = None,
        metrics_namespace: str | None = None,
    ) -> None:
        """
        :param channel: The two-way channel your phone numbers or pools deliver inbound messages to; its topic is
            subscribed (``TwoWayChannel.sns_topic``; ``amazon_connect`` is refused: Connect receives those replies
            itself). Give ``channel`` or ``topic``, not both. Default: none (then ``topic`` is required).
        :param topic: A standard SNS topic the service publishes inbound messages to (set up outside this library).
            Default: none (then ``channel`` is required).
        :param send_queue: The send queue auto-replies go through (paced, with a deadline). Required for ``reply``
            and ``default_reply``. Default: none (no replies).
        :param event_bus: Where ``InboundMessage``, ``OptedOut``, ``OptedIn`` and ``ConsentDrift`` events go. Default:
            a new event bus.
        :param default_target: Where messages that match no keyword go. Default: nowhere (they are still published as
            ``InboundMessage`` events with classification ``OTHER``).
        :param default_reply: Auto-reply to messages that match no keyword (needs ``send_queue``). Default: no reply.
        :param opt_out_list: The opt-out list your numbers or pools use; the reconciliation compares the ledger with
            it (``sms-voice:DescribeOptedOutNumbers`` on that list only). Default: no reconciliation.
        :param additional_opt_out_keywords: Opt-out keywords you registered (``KeywordAction.OPT_OUT``) besides the
            service's required ones (STOP, ARRET, CANCEL, END, OPT-OUT, OPTOUT, QUIT, REMOVE, TD, UNSUBSCRIBE), which
            are always opt-outs. Default: none.
        :param opt_in_keywords: Keywords that opt a recipient back in; register them as ``KeywordAction.OPT_IN`` on
            the number or pool too, so the service updates the opt-out list. Default: ``["START", "UNSTOP"]``.
        :param consent_retention: How long the ledger keeps a record after the message that wrote it (1 day – 10
            years; DynamoDB TTL). Default: 5 years (1,825 days).
        :param reply_valid_for: The deadline of an auto-reply, from when it is queued: a reply that cannot be sent in
            time is dropped, not sent late (1 minute – 72 hours). Default: 15 minutes.
        :param reconciliation_schedule: When the reconciliation runs (only with ``opt_out_list``). Default: once a day
            (``Schedule.rate(Duration.days(1))``).
        :param encryption_key: KMS key of the queues, tables, log groups and environments. Default: the send queue's
            key, or a new key (rotation on) without a send queue.
        :param removal_policy: What happens to the ledger and the de-duplication table when they leave the stack;
            anything but ``DESTROY`` also turns deletion protection on. Default: ``RemovalPolicy.RETAIN``.
        :param log_retention: Retention of the functions' log groups. Default: ``RetentionDays.ONE_YEAR``.
        :param metrics_namespace: CloudWatch namespace of the custom metrics. Default: the send queue's, or
            ``SmsConstructs``.
        """
        super().__init__(scope, id)
        source_topic = self._check_sources(channel, topic, send_queue)
        retention = consent_retention or DEFAULT_CONSENT_RETENTION
        check_range(self, "consent_retention", retention.to_seconds(), 86_400, 3650 * 86_400, "seconds")
        reply_window = reply_valid_for or DEFAULT_REPLY_VALID_FOR
        check_range(self, "reply_valid_for", reply_window.to_seconds(), 60, 72 * 3600, "seconds")
        if reconciliation_schedule is not None and opt_out_list is None:
            raise ValidationError(
                self,
                "reconciliation_schedule",
                "needs opt_out_list: the reconciliation compares the ledger with that list",
                reconciliation_schedule,
            )
        self._opt_out_keywords = self._check_keyword_list(
            "additional_opt_out_keywords", additional_opt_out_keywords or (), set(HELP_KEYWORDS)
        )
        self._opt_out_keywords = tuple(sorted(REQUIRED_OPT_OUT_KEYWORDS)) + self._opt_out_keywords
        self._opt_in_keywords = self._check_keyword_list(
            "opt_in_keywords",
            DEFAULT_OPT_IN_KEYWORDS if opt_in_keywords is None else opt_in_keywords,
            set(HELP_KEYWORDS) | {normalize_keyword(k) for k in self._opt_out_keywords},
        )
        self.send_queue = send_queue
        self.consent_retention = retention
        self.metrics_namespace = metrics_namespace or (
            send_queue.metrics_namespace if send_queue is not None else DEFAULT_METRICS_NAMESPACE
        )
        self._routes: dict[str, Route] = {}
        self._routes_size = 0

        #: KMS key of the queues, tables, log groups and environments.
        self.encryption_key: kms.IKey = encryption_key or (
            send_queue.encryption_key
            if send_queue is not None
            else kms.Key(self, "Key", enable_key_rotation=True, description=f"sms-constructs inbound {self.node.path}")
        )
        if encryption_key is None and send_queue is None:
            limit_grants_to_aws_services(self.encryption_key)
        key = self.encryption_key
        keep = removal_policy if removal_policy is not None else cdk.RemovalPolicy.RETAIN
        #: The event bus of ``InboundMessage``, ``OptedOut``, ``OptedIn`` and ``ConsentDrift``.
        self.event_bus: events.IEventBus = event_bus or events.EventBus(
            self, "EventBus", description=f"sms-constructs inbound SMS and consent events {self.node.path}"
        )
        self._subscribe(source_topic, key)
        #: Handled ``inboundMessageId`` values (conditional put; 15 days).
        self.dedup_table = self._table("DedupTable", key, keep, sort_key=False)
        #: The consent ledger: ``pk`` = recipient, ``sk`` = ``CURRENT`` or ``EVENT#<at>#<inboundMessageId>``.
        self.consent_table = self._table("ConsentLedger", key, keep, sort_key=True)

        routes = cdk.Lazy.string(_RoutesProducer(self))
        inbound = library_function(
            self,
            "Function",
            handler="inbound.handler.main",
            description="Handles inbound (two-way) SMS: keywords, replies, consent",
            encryption_key=key,
            environment=InboundSettings(
                dedup_table_name=self.dedup_table.table_name,
                ledger_table_name=self.consent_table.table_name,
                event_bus_name=self.event_bus.event_bus_name,
                routes=routes,
                opt_out_keywords=self._opt_out_keywords,
                opt_in_keywords=self._opt_in_keywords,
                consent_retention_seconds=int(retention.to_seconds()),
                dedup_retention_seconds=int(DEDUP_RETENTION.to_seconds()),
                claim_timeout_seconds=int(_TIMEOUT.to_seconds()),
                reply_valid_for_seconds=int(reply_window.to_seconds()),
                service_name=self.service_name,
                metrics_namespace=self.metrics_namespace,
                send_queue_url=send_queue.queue_url if send_queue is not None else None,
            ).to_environment(),
            timeout=_TIMEOUT,
            reserved_concurrent_executions=2,
            log_retention=log_retention or logs.RetentionDays.ONE_YEAR,
        )
        #: The inbound function.
        self.function = inbound.function
        self.log_group = inbound.log_group
        self._role = inbound.role
        self._grant_inbound(inbound.role, key)
        #: The event source mapping of the inbound function.
        self.event_source_mapping = lambda_.EventSourceMapping(
            self,
            "EventSource",
            target=self.function,
            event_source_arn=self.queue.queue_arn,
            batch_size=10,
            max_concurrency=2,
            report_batch_item_failures=True,
        )
        self.event_source_mapping.node.add_dependency(inbound.role)
        nag.acknowledge(self.event_source_mapping, nag.Serverless.LAMBDA_ESM_DESTINATION, _ESM_NAG_REASON)

        self._default_target = default_target
        self._default_reply = default_reply
        self._default_route = self._route("default_target", default_target, "default_reply", default_reply)

        #: The reconciliation function (``None`` without ``opt_out_list``).
        self.reconciliation_function: lambda_.Function | None = None
        #: The schedule of the reconciliation (``None`` without ``opt_out_list``).
        self.reconciliation_rule: events.Rule | None = None
        #: The reconciliation function's log group (``None`` without ``opt_out_list``).
        self.reconciliation_log_group: logs.LogGroup | None = None
        #: Where the schedule's undeliverable invocations go (``None`` without ``opt_out_list``).
        self.schedule_dead_letter_queue: sqs.Queue | None = None
        if opt_out_list is not None:
            self._reconciliation(opt_out_list, reconciliation_schedule, key, log_retention)

    def add_keyword(self, keyword: str, *, target: InboundTarget | None = None, reply: str | None = None) -> None:
        """Route the messages that are exactly ``keyword`` (case-insensitive, white space at the ends ignored).

        Do not also register the keyword with ``KeywordAction.AUTOMATIC_RESPONSE`` on the number or pool with a
        reply of its own: the service would answer too.

        :param keyword: 1–30 characters, no leading or trailing space, no tab or line break; not HELP, not an opt-out
            or opt-in keyword of this construct, not declared before.
        :param target: Where the message goes. Default: nowhere besides the ``InboundMessage`` event.
        :param reply: The auto-reply (1–1600 characters; needs ``send_queue``). Default: no reply.
        """
        prop = f"add_keyword({keyword!r})" if isinstance(keyword, str) else "add_keyword"
        normalized = self._check_keyword(prop, keyword)
        reserved = set(HELP_KEYWORDS) | {
            normalize_keyword(k) for k in (*self._opt_out_keywords, *self._opt_in_keywords)
        }
        if normalized in reserved:
            raise ValidationError(
                self,
                prop,
                "HELP, the opt-out and the opt-in keywords are handled by the service and the consent ledger; "
                "declare another keyword",
                keyword,
            )
        if normalized in self._routes:
            raise ValidationError(
                self, prop, "keywords must be unique (keywords are case-insensitive); duplicate", keyword
            )
        if target is None and reply is None:
            raise ValidationError(self, prop, "give a target, a reply or both", keyword)
        self._routes[normalized] = self._route(f"{prop}.target", target, f"{prop}.reply", reply)

    @property
    def keywords(self) -> list[str]:
        """The declared keywords (upper case), in declaration order."""
        return list(self._routes)

    @property
    def opt_out_keywords(self) -> list[str]:
        """Every keyword treated as an opt-out (upper case)."""
        return list(self._opt_out_keywords)

    @property
    def opt_in_keywords(self) -> list[str]:
        """Every keyword treated as an opt-in (upper case)."""
        return list(self._opt_in_keywords)

    @property
    def service_name(self) -> str:
        """``POWERTOOLS_SERVICE_NAME`` of the inbound functions: the ``service`` dimension of their metrics."""
        return f"SmsInbound-{cdk.Names.unique_id(self)[-24:]}"

    def grant_read_consent(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read the consent ledger (``dynamodb:GetItem`` and ``dynamodb:Query`` on the table, and
        ``kms:Decrypt`` on its key). Nothing else."""
        grant = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["dynamodb:GetItem", "dynamodb:Query"],
            resource_arns=[self.consent_table.table_arn],
        )
        return grant.combine(self.encryption_key.grant(grantee, "kms:Decrypt"))

    def metric(self, metric_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """A custom metric of the inbound functions: one of ``sms_constructs_runtime.inbound.InboundMetric``
        (``InboundMessages``, ``DuplicateInboundMessages``, ``OutOfOrderConsentChanges``, ``RepliesQueued``,
        ``MalformedInboundMessages``, ``ConsentDrift``), in ``metrics_namespace`` with the ``service`` dimension.

        :param options: ``cloudwatch.MetricOptions`` keywords. Default: ``Sum`` over 5 minutes.
        """
        if metric_name not in InboundMetric.ALL:
            raise ValidationError(self, "metric_name", f"must be one of {', '.join(InboundMetric.ALL)}", metric_name)
        return custom_metric(
            self.metrics_namespace, metric_name, {METRIC_DIMENSION_SERVICE: self.service_name}, options
        )

    def metric_consent_drift(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Numbers on which the ledger and the opt-out list disagreed at the last reconciliation (``ConsentDrift``;
        per kind with ``dimensions_map={"Reason": ...}``). Default: ``Sum`` over 5 minutes."""
        return self.metric(InboundMetric.CONSENT_DRIFT, **options)

    def metric_dead_letter_messages(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Inbound messages waiting in the dead-letter queue; alarm when above 0. Default: ``Maximum`` over 5
        minutes."""
        return self.dead_letter_queue.metric_approximate_number_of_messages_visible(
            **with_defaults(options, statistic=cloudwatch.Stats.MAXIMUM)
        )

    # -- internals -------------------------------------------------------------------------------------------------

    def _check_sources(
        self, channel: TwoWayChannel | None, topic: sns.ITopic | None, send_queue: SmsSendQueue | None
    ) -> sns.ITopic:
        if (channel is None) == (topic is None):
            raise ValidationError(
                self,
                "channel/topic",
                "give exactly one of 'channel' (a TwoWayChannel) or 'topic' (an sns.ITopic)",
                {"channel": channel, "topic": topic},
            )
        if channel is not None and not isinstance(channel, TwoWayChannel):
            raise ValidationError(self, "channel", "must be a TwoWayChannel (TwoWayChannel.sns_topic(...))", channel)
        if channel is not None and channel.is_amazon_connect:
            raise ValidationError(
                self,
                "channel",
                "must be an SNS channel (TwoWayChannel.sns_topic): with TwoWayChannel.amazon_connect, Amazon Connect "
                "receives the replies itself as SMS chats, and no SNS topic exists for this pattern to read; handle "
                "keywords and consent in your Connect flows, or give the number an SNS channel",
                f"TwoWayChannel.amazon_connect({channel.connect_instance_arn!r})",
            )
        if topic is not None and not hasattr(topic, "topic_arn"):
            raise ValidationError(self, "topic", "must be an sns.ITopic", topic)
        source_topic = channel.topic if channel is not None else topic
        assert source_topic is not None
        _check_not_fifo(self, source_topic)
        if send_queue is not None and not isinstance(send_queue, SmsSendQueue):
            raise ValidationError(self, "send_queue", "must be an SmsSendQueue", send_queue)
        if send_queue is not None and stack_of(send_queue) is not stack_of(self):
            raise ValidationError(
                self, "send_queue", "must be in the same stack as the SmsInbound", send_queue.node.path
            )
        return source_topic

    def _subscribe(self, source_topic: sns.ITopic, key: kms.IKey) -> None:
        queue, dead_letters = handler_queue(
            self,
            "Queue",
            key,
            timeout_seconds=int(_TIMEOUT.to_seconds()),
            retention=_QUEUE_RETENTION,
            max_receive_count=_MAX_RECEIVE_COUNT,
            queue="inbound queue",
            redrive_sources="the inbound queue and of its SNS subscription",
        )
        #: Inbound messages that failed processing repeatedly, and notifications SNS could not deliver.
        self.dead_letter_queue = dead_letters
        #: The queue of inbound messages (SNS envelopes: raw message delivery is off, the envelope's time orders them).
        self.queue = queue
        source_topic.add_subscription(
            subscriptions.SqsSubscription(
                self.queue, raw_message_delivery=False, dead_letter_queue=self.dead_letter_queue
            )
        )

    def _grant_inbound(self, role: iam.IRole, key: kms.IKey) -> None:
        self.queue.grant_consume_messages(role)
        iam.Grant.add_to_principal(
            grantee=role,
            actions=["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem"],
            resource_arns=[self.dedup_table.table_arn],
        )
        iam.Grant.add_to_principal(
            grantee=role, actions=["dynamodb:PutItem"], resource_arns=[self.consent_table.table_arn]
        )
        key.grant(role, "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey")
        self.event_bus.grant_put_events_to(role)

    def _table(self, id: str, key: kms.IKey, removal: cdk.RemovalPolicy, *, sort_key: bool) -> dynamodb.Table:
        return dynamodb.Table(
            self,
            id,
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING) if sort_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute="expiresAt",
            deletion_protection=removal != cdk.RemovalPolicy.DESTROY,
            removal_policy=removal,
        )

    def _reconciliation(
        self,
        opt_out_list: IOptOutListRef,
        schedule: events.Schedule | None,
        key: kms.IKey,
        log_retention: logs.RetentionDays | None,
    ) -> None:
        reference = opt_out_list.opt_out_list_ref
        reconcile = library_function(
            self,
            "Reconcile",
            handler="inbound.reconcile.main",
            description="Compares the SMS consent ledger with the opt-out list and reports drift",
            encryption_key=key,
            environment=ReconcileSettings(
                ledger_table_name=self.consent_table.table_name,
                opt_out_list_name=reference.opt_out_list_name,
                event_bus_name=self.event_bus.event_bus_name,
                service_name=self.service_name,
                metrics_namespace=self.metrics_namespace,
            ).to_environment(),
            timeout=cdk.Duration.minutes(5),
            reserved_concurrent_executions=1,
            log_retention=log_retention or logs.RetentionDays.ONE_YEAR,
            synchronous_only_reason=_RECONCILE_ASYNC_REASON,
        )
        self.reconciliation_function = reconcile.function
        self.reconciliation_log_group = reconcile.log_group
        #: Scheduled invocations EventBridge could not deliver to the reconciliation function (they carry no personal
        #: data, so SQS-managed encryption: EventBridge needs no grant on a key).
        self.schedule_dead_letter_queue = sqs.Queue(
            self,
            "ScheduleDeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
            redrive_allow_policy=sqs.RedriveAllowPolicy(redrive_permission=sqs.RedrivePermission.ALLOW_ALL),
        )
        reason = (
            "This queue is the dead-letter queue of the reconciliation schedule's EventBridge target (EventBridge "
            "writes the invocations it could not deliver here, which cdk-nag cannot see); a dead-letter queue of a "
            "dead-letter queue would only move the problem."
        )
        checkov.skip_check(
            self.schedule_dead_letter_queue,
            "CKV_AWS_27",
            "The queue is encrypted at rest with SQS-managed keys (SSE-SQS, SqsManagedSseEnabled), which checkov does "
            "not recognise; it only holds the reconciliation schedule's own events, which carry no personal data, and "
            "EventBridge can write to it without a grant on a customer managed key.",
        )
        nag.acknowledge_all(
            self.schedule_dead_letter_queue,
            (nag.Serverless.SQS_REDRIVE_POLICY, reason),
            (nag.AwsSolutions.SQS3, reason),
        )
        iam.Grant.add_to_principal(
            grantee=reconcile.role, actions=["dynamodb:Scan"], resource_arns=[self.consent_table.table_arn]
        )
        key.grant(reconcile.role, "kms:Decrypt", "kms:DescribeKey")
        iam.Grant.add_to_principal(
            grantee=reconcile.role,
            actions=["sms-voice:DescribeOptedOutNumbers"],
            resource_arns=[reference.opt_out_list_arn],
        )
        self.event_bus.grant_put_events_to(reconcile.role)
        self.reconciliation_rule = events.Rule(
            self,
            "ReconcileSchedule",
            description="Runs the SMS consent reconciliation",
            schedule=schedule or events.Schedule.rate(cdk.Duration.days(1)),
            targets=[
                events_targets.LambdaFunction(
                    reconcile.function, retry_attempts=2, dead_letter_queue=self.schedule_dead_letter_queue
                )
            ],
        )

    def _route(self, target_prop: str, target: Any, reply_prop: str, reply: Any) -> Route:
        targets: tuple[RouteTarget, ...] = ()
        if target is not None:
            if not isinstance(target, InboundTarget):
                raise ValidationError(
                    self, target_prop, "must be an InboundTarget (lambda_function, event_bus or sqs_queue)", target
                )
            targets = (target._bind(self, target_prop, self._role),)
        if reply is not None:
            validate_message(self, reply_prop, reply)
            if self.send_queue is None:
                raise ValidationError(
                    self, reply_prop, "needs send_queue: replies go through the paced send queue", reply
                )
            self.send_queue.grant_send(self._role)
        size = len(json.dumps(reply or "")) + _TOKEN_SIZE * len(targets) + 2 * MAX_KEYWORD_LENGTH
        if self._routes_size + size > MAX_ROUTES_SIZE:
            raise ValidationError(
                self,
                reply_prop,
                f"the keywords' replies and targets must fit in {MAX_ROUTES_SIZE} characters of the function's "
                "environment (Lambda allows 4 KB in all; each target counts as "
                f"{_TOKEN_SIZE}); shorten the replies or declare fewer keywords",
                f"{self._routes_size + size} characters",
            )
        self._routes_size += size
        return Route(targets=targets, reply=reply)

    def _check_keyword(self, prop: str, keyword: Any) -> str:
        if is_unresolved(keyword):
            raise ValidationError(self, prop, "must be a literal string (it is matched at run time)", keyword)
        if not isinstance(keyword, str) or not keyword:
            raise ValidationError(self, prop, "must be a non-empty string", keyword)
        if len(keyword) > MAX_KEYWORD_LENGTH:
            raise ValidationError(
                self, prop, f"must be at most {MAX_KEYWORD_LENGTH} characters (it has {len(keyword)})", keyword
            )
        if keyword != keyword.strip(" "):
            raise ValidationError(self, prop, "must not start or end with a space", keyword)
        if any(c.isspace() and c != " " for c in keyword):
            raise ValidationError(self, prop, "must not contain tabs or line breaks (spaces are allowed)", keyword)
        if "," in keyword:
            raise ValidationError(self, prop, "must not contain a comma", keyword)
        return normalize_keyword(keyword)

    def _check_keyword_list(self, prop: str, keywords: Sequence[str], reserved: set[str]) -> tuple[str, ...]:
        if isinstance(keywords, str):
            raise ValidationError(self, prop, "must be a list of keywords, not one string", keywords)
        seen: list[str] = []
        for index, keyword in enumerate(keywords):
            item = f"{prop}[{index}]"
            normalized = self._check_keyword(item, keyword)
            if normalized in reserved or normalized in seen:
                raise ValidationError(
                    self,
                    item,
                    "must differ (case-insensitively) from HELP, the other keyword lists and itself",
                    keyword,
                )
            seen.append(normalized)
        return tuple(seen)

    def _render_routes(self) -> str:
        value = {
            "keywords": {k: r.to_json() for k, r in self._routes.items()},
            "default": self._default_route.to_json(),
        }
        return stack_of(self).to_json_string(value)


@jsii.implements(cdk.IStableStringProducer)
class _RoutesProducer:
    """Renders the routes once every keyword is declared (``add_keyword`` may be called after construction)."""

    def __init__(self, inbound: SmsInbound) -> None:
        self._inbound = inbound

    def produce(self) -> str | None:
        return self._inbound._render_routes()
