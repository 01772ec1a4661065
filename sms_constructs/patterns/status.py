"""``SmsStatusNotifier``: one event per status change of a send-queue request, on an EventBridge bus."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Unpack

import aws_cdk as cdk
import aws_cdk.aws_cloudwatch as cloudwatch
import aws_cdk.aws_events as events
import aws_cdk.aws_events_targets as targets
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
import aws_cdk.aws_lambda as lambda_
import aws_cdk.aws_logs as logs
import aws_cdk.aws_sns as sns
import aws_cdk.aws_sns_subscriptions as subscriptions
import aws_cdk.aws_sqs as sqs
import jsii
from constructs import Construct
from sms_constructs_runtime.settings import METRIC_DIMENSION_SERVICE
from sms_constructs_runtime.status import DETAIL_TYPE, EVENT_SOURCE, SCHEMA_VERSION, STATUS_SORT_KEY
from sms_constructs_runtime.status_settings import StatusMetric, StatusSettings

from .._private import nag
from .._private.errors import ValidationError
from .._private.functions import library_function
from .._private.kms import limit_grants_to_aws_services
from .._private.metrics import MetricOptions, custom_metric, with_defaults
from .._private.queues import handler_queue
from .._private.stacks import stack_of
from ..resources.configuration_set import ConfigurationSet, ConfigurationSetEventDestination
from ..resources.event_destination import EventDestination, EventType
from . import _guards
from .retry import SmsRetry
from .send_queue import SmsSendQueue

__all__ = ["STATUS_DETAIL_TYPE", "STATUS_EVENT_SOURCE", "STATUS_SCHEMA_VERSION", "SmsStatusNotifier"]

#: ``source`` of the status events (match it in your rules).
STATUS_EVENT_SOURCE = EVENT_SOURCE
#: ``detail-type`` of the status events (match it in your rules).
STATUS_DETAIL_TYPE = DETAIL_TYPE
#: ``detail.schemaVersion`` of the status events this version publishes.
STATUS_SCHEMA_VERSION = SCHEMA_VERSION

_EVENT_MAX_RECEIVE_COUNT = 5
_EVENT_RETENTION = cdk.Duration.days(4)
_TIMEOUT = cdk.Duration.seconds(30)
#: EventBridge's retries of a target: the longest it allows.
_TARGET_MAX_EVENT_AGE = cdk.Duration.hours(24)
_TARGET_RETRY_ATTEMPTS = 185
#: Attribute on a send queue: the path of its notifier (one per send queue).
_CLAIM = "_sms_constructs_status_notifier"

_ESM_NAG_REASON = (
    "SQS event source mappings support no OnFailure destination (only Kinesis, DynamoDB Streams and Kafka do; "
    "AWS::Lambda::EventSourceMapping OnFailure docs). Events that keep failing are moved by the source queue's "
    "redrive policy to its dead-letter queue, which is the failure sink."
)


@jsii.implements(lambda_.IEventSourceDlq)
class _QueueOnFailure:
    """The stream mapping's OnFailure destination: the dead-letter queue, with only ``sqs:SendMessage`` and the two
    KMS actions an encrypted queue needs (``SqsDlq`` would grant ``kms:GenerateDataKey*`` and ``kms:ReEncrypt*``)."""

    def __init__(self, queue: sqs.IQueue, key: kms.IKey) -> None:
        self._queue = queue
        self._key = key

    def bind(
        self, _target: lambda_.IEventSourceMapping, target_handler: lambda_.IFunction
    ) -> lambda_.DlqDestinationConfig:
        """Grant the function's role what sending a failed batch's description needs; the queue's ARN."""
        iam.Grant.add_to_principal(
            grantee=target_handler, actions=["sqs:SendMessage"], resource_arns=[self._queue.queue_arn]
        )
        self._key.grant(target_handler, "kms:GenerateDataKey", "kms:Decrypt")
        return lambda_.DlqDestinationConfig(destination=self._queue.queue_arn)


class SmsStatusNotifier(Construct):
    """Publishes one event per status change of every request of a send queue to an EventBridge bus.

    Inputs: the send queue's message store (its DynamoDB stream, turned on here: the queue's own outcomes ``SENT``,
    ``REJECTED``, ``EXPIRED``, ``RETRIED``, ``FAILED_FINAL``) and the configuration set's SMS events (an SNS event
    destination for ``TEXT_ALL`` → SQS: the carrier statuses ``QUEUED``, ``PENDING``, ``SUCCESSFUL``, ``DELIVERED``,
    the failures, and the ``UNKNOWN`` the service reports after 72 hours without a final status). One Lambda keeps the
    request's latest status in the store (``request#<id>`` / ``status``) with a conditional write on its rank and
    publishes only the changes that move it forward, so late, out-of-order and duplicate events never move a status
    back. Events: source ``sms-constructs``, detail-type ``SMS Request Status Changed``, detail as in
    ``sms_constructs_runtime/status.schema.json``. Read a request's status from code with
    ``sms_constructs_runtime.status.read_status``. ``add_queue_target`` and ``add_webhook_target`` deliver the events
    to an SQS queue or an HTTPS endpoint too (rules on the bus, with retries and a dead-letter queue).

    Example::

        queue = SmsSendQueue(self, "Send", origination_identity=pool, configuration_set=config,
                             max_parts_per_second=3)
        retry = SmsRetry(self, "Retry", send_queue=queue)
        status = SmsStatusNotifier(self, "Status", send_queue=queue, retry=retry)
        events.Rule(self, "Failed", event_bus=status.event_bus,
                    event_pattern=events.EventPattern(source=[STATUS_EVENT_SOURCE],
                                                      detail={"status": ["FAILED_FINAL"]}))
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        send_queue: SmsSendQueue,
        configuration_set: ConfigurationSet | None = None,
        retry: SmsRetry | None = None,
        event_bus: events.IEventBus | None = None,
        include_phone_numbers: bool | None = None,
        encryption_key: kms.IKey | None = None,
        log_retention: logs.RetentionDays | None = None,
    ) -> None:
        """
        :param send_queue: The send queue whose requests are followed. Its message store gets a DynamoDB stream
            (``NEW_IMAGE``; an in-place update of the table). One notifier per send queue.
        :param configuration_set: The configuration set the send queue sends with; an SNS event destination for
            ``TEXT_ALL`` is added to it (a configuration set holds at most 5). It must be the send queue's and defined
            in this app. Default: the send queue's ``configuration_set``.
        :param retry: The ``SmsRetry`` of the send queue, if any: final carrier failures of the statuses it retries
            are then published with ``isFinal`` false, and followed by ``RETRIED`` or ``FAILED_FINAL``. Without it
            every final carrier status is final. Default: no retries.
        :param event_bus: The bus the status events go to (the function is granted ``events:PutEvents`` on it).
            Default: a new custom bus, encrypted with a KMS key of its own (``event_bus``, ``bus_key``).
        :param include_phone_numbers: Publish the destination in full (``+14255557890``) instead of masked
            (``+1******7890``). Anyone who may read the bus then reads phone numbers. Default: ``False``.
        :param encryption_key: KMS key of the event queue, its dead-letter queue, the log group and the environment.
            The topic always gets a key of its own. Default: the send queue's key.
        :param log_retention: Retention of the status function's log group. Default: ``RetentionDays.ONE_YEAR``.
        """
        super().__init__(scope, id)
        if stack_of(send_queue) is not stack_of(self):
            raise ValidationError(
                self, "send_queue", "must be in the same stack as the SmsStatusNotifier", send_queue.node.path
            )
        if configuration_set is not None and configuration_set is not send_queue.configuration_set:
            raise ValidationError(
                self,
                "configuration_set",
                "must be the send queue's configuration set: the queue sends with that one, and the events of any "
                "other set name messages its store does not know; leave configuration_set out",
                configuration_set,
            )
        if retry is not None and retry.send_queue is not send_queue:
            raise ValidationError(
                self,
                "retry",
                f"must be the SmsRetry of this send queue ({send_queue.node.path}): its policy decides which final "
                "failures of these requests are not final",
                retry.node.path,
            )
        holder = send_queue.__dict__.get(_CLAIM)
        if holder is not None:
            raise ValidationError(
                self,
                "send_queue",
                f"already has a status notifier ({holder}); a second one would publish every change twice: "
                "subscribe every consumer to the one bus",
                send_queue.node.path,
            )
        configuration_set = _guards.check_owned_configuration_set(
            self, "configuration_set", configuration_set or send_queue.configuration_set, "SmsStatusNotifier"
        )
        _guards.check_configuration_set_region(self, configuration_set)
        send_queue.__dict__[_CLAIM] = self.node.path
        key = encryption_key or send_queue.encryption_key
        self.send_queue = send_queue
        self.include_phone_numbers = bool(include_phone_numbers)
        retried = (
            tuple(s.value for s in retry.policy.statuses) if retry is not None and retry.policy.max_attempts > 1 else ()
        )

        #: KMS key of the default bus (``None`` when ``event_bus`` was given).
        self.bus_key: kms.Key | None = None
        if event_bus is None:
            self.bus_key = kms.Key(
                self, "BusKey", enable_key_rotation=True, description=f"sms-constructs status bus {self.node.path}"
            )
            limit_grants_to_aws_services(self.bus_key)
            event_bus = events.EventBus(
                self, "EventBus", kms_key=self.bus_key, description="SMS request status changes (sms-constructs)"
            )
        #: The bus the status events are published to.
        self.event_bus: events.IEventBus = event_bus

        #: Key of the events topic (the configuration set's destination grants sms-voice use).
        self.topic_key = kms.Key(
            self, "TopicKey", enable_key_rotation=True, description=f"sms-constructs status topic {self.node.path}"
        )
        limit_grants_to_aws_services(self.topic_key)
        #: Topic the configuration set publishes every SMS event to.
        self.events_topic = sns.Topic(self, "EventsTopic", master_key=self.topic_key, enforce_ssl=True)
        queue, dead_letters = handler_queue(
            self,
            "EventQueue",
            key,
            timeout_seconds=int(_TIMEOUT.to_seconds()),
            retention=_EVENT_RETENTION,
            max_receive_count=_EVENT_MAX_RECEIVE_COUNT,
            queue="status event queue",
            redrive_sources="the status event queue, its SNS subscription and the store stream",
        )
        #: Records that failed processing repeatedly: SMS events, events SNS could not deliver, and the stream
        #: batches (their shard and sequence numbers) that kept failing.
        self.dead_letter_queue = dead_letters
        #: The queue of the configuration set's SMS events.
        self.queue = queue
        self.events_topic.add_subscription(
            subscriptions.SqsSubscription(
                self.queue, raw_message_delivery=True, dead_letter_queue=self.dead_letter_queue
            )
        )
        #: The configuration set's event destination feeding ``events_topic``.
        self.event_destination: ConfigurationSetEventDestination = configuration_set.add_event_destination(
            f"{id}StatusEvents",
            destination=EventDestination.sns_topic(self.events_topic),
            events=[EventType.TEXT_ALL],
        )
        #: ARN of the message store's stream.
        self.store_stream_arn = send_queue.enable_store_stream()

        function = library_function(
            self,
            "Function",
            handler="status.handler.main",
            description="Publishes the status changes of SMS send-queue requests to an event bus",
            encryption_key=key,
            environment=StatusSettings(
                table_name=send_queue.table.table_name,
                event_bus_name=event_bus.event_bus_arn,
                retention_seconds=int(send_queue.message_retention.to_seconds()),
                service_name=self.service_name,
                metrics_namespace=send_queue.metrics_namespace,
                include_phone_numbers=self.include_phone_numbers,
                retried_statuses=retried,
            ).to_environment(),
            timeout=_TIMEOUT,
            # 2 for the event queue's mapping (its MaximumConcurrency), the rest for the stream's shards.
            reserved_concurrent_executions=4,
            log_retention=log_retention or logs.RetentionDays.ONE_YEAR,
            synchronous_only_reason=(
                "Only invoked by its SQS and DynamoDB Streams event source mappings (never asynchronously); the "
                "stream mapping's OnFailure destination and the event queue's redrive policy are the failure sinks."
            ),
        )
        #: The status function.
        self.function = function.function
        self.log_group = function.log_group
        role = function.role
        self.queue.grant_consume_messages(role)
        self._grant_store(role)
        event_bus.grant_put_events_to(role)

        #: The event source mapping of the SMS events.
        self.event_source_mapping = lambda_.EventSourceMapping(
            self,
            "EventSource",
            target=self.function,
            event_source_arn=self.queue.queue_arn,
            batch_size=10,
            max_concurrency=2,
            report_batch_item_failures=True,
        )
        self.event_source_mapping.node.add_dependency(role)
        nag.acknowledge(self.event_source_mapping, nag.Serverless.LAMBDA_ESM_DESTINATION, _ESM_NAG_REASON)
        #: The event source mapping of the store's stream (request outcomes and retry markers only).
        self.stream_source_mapping = lambda_.EventSourceMapping(
            self,
            "StoreStream",
            target=self.function,
            event_source_arn=self.store_stream_arn,
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            batch_size=100,
            bisect_batch_on_error=True,
            retry_attempts=10,
            max_record_age=cdk.Duration.hours(24),
            report_batch_item_failures=True,
            on_failure=_QueueOnFailure(self.dead_letter_queue, key),
            filters=[
                lambda_.FilterCriteria.filter(
                    {
                        "eventName": lambda_.FilterRule.or_("INSERT", "MODIFY"),
                        "dynamodb": {
                            "NewImage": {
                                "pk": {"S": lambda_.FilterRule.begins_with("request#")},
                                "sk": {"S": lambda_.FilterRule.not_equals(STATUS_SORT_KEY)},
                            }
                        },
                    }
                ),
                lambda_.FilterCriteria.filter(
                    {
                        "eventName": lambda_.FilterRule.or_("INSERT", "MODIFY"),
                        "dynamodb": {
                            "NewImage": {
                                "pk": {"S": lambda_.FilterRule.begins_with("message#")},
                                "sk": {"S": lambda_.FilterRule.is_equal("retry")},
                            }
                        },
                    }
                ),
            ],
        )
        self.stream_source_mapping.node.add_dependency(role)

    def _grant_store(self, role: iam.IRole) -> None:
        """Read the store's stream; write and read only the requests' items (``request#…``: the status item, and
        whether a change is being published by another invocation) and read sent messages (``message#…``), by
        ``dynamodb:LeadingKeys``; use the table's key."""
        send_queue = self.send_queue
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=[
                    "dynamodb:DescribeStream",
                    "dynamodb:GetRecords",
                    "dynamodb:GetShardIterator",
                    "dynamodb:ListStreams",
                ],
                resources=[self.store_stream_arn],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["dynamodb:GetItem", "dynamodb:UpdateItem"],
                resources=[send_queue.table.table_arn],
                conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["request#*"]}},
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["dynamodb:GetItem"],
                resources=[send_queue.table.table_arn],
                conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["message#*"]}},
            )
        )
        send_queue.encryption_key.grant(role, "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")

    # -- targets other than the bus ---------------------------------------------------------------------------------

    def add_queue_target(self, id: str, queue: sqs.IQueue, *, statuses: Sequence[str] | None = None) -> events.Rule:
        """Deliver the status events (the whole EventBridge event) to ``queue``, through a rule on the bus.

        EventBridge retries a failed delivery for 24 hours (185 attempts), then puts the event in
        ``target_dead_letter_queue``. A KMS-encrypted ``queue`` must let ``events.amazonaws.com`` use its key.

        :param id: Id of the rule (a child of this construct).
        :param queue: The queue.
        :param statuses: Only these ``status`` values (e.g. ``["DELIVERED", "FAILED_FINAL"]``). Default: every status.
        """
        return self._rule(
            id,
            statuses,
            targets.SqsQueue(
                queue,
                dead_letter_queue=self.target_dead_letter_queue,
                max_event_age=_TARGET_MAX_EVENT_AGE,
                retry_attempts=_TARGET_RETRY_ATTEMPTS,
            ),
        )

    def add_webhook_target(
        self,
        id: str,
        *,
        endpoint: str,
        connection: events.IConnection,
        statuses: Sequence[str] | None = None,
        rate_limit_per_second: int | None = None,
    ) -> events.Rule:
        """POST the status events (the whole EventBridge event, JSON) to an HTTPS endpoint through an EventBridge API
        destination.

        ``connection`` carries the authorization: with ``events.Authorization.api_key(header, secret)`` every request
        carries the shared secret in that header, and the receiver must compare it (in constant time) before trusting
        the body; EventBridge signs nothing itself. Deliveries that fail (5xx, 429, timeouts) are retried for 24
        hours, then the event goes to ``target_dead_letter_queue``; a 4xx other than 429 is not retried.

        :param id: Id of the rule and of the API destination (children of this construct).
        :param endpoint: The HTTPS URL. A literal must start with ``https://``.
        :param connection: The EventBridge connection (its authorization is the secret the receiver checks).
        :param statuses: Only these ``status`` values. Default: every status.
        :param rate_limit_per_second: Most invocations per second the endpoint gets (1–300). Default: 300.
        """
        if not cdk.Token.is_unresolved(endpoint) and not endpoint.startswith("https://"):
            raise ValidationError(self, "endpoint", "must be an https:// URL (EventBridge API destinations)", endpoint)
        if rate_limit_per_second is not None and not (
            isinstance(rate_limit_per_second, int) and 1 <= rate_limit_per_second <= 300
        ):
            raise ValidationError(
                self, "rate_limit_per_second", "must be a whole number from 1 to 300", rate_limit_per_second
            )
        destination = events.ApiDestination(
            self,
            f"{id}Destination",
            connection=connection,
            endpoint=endpoint,
            http_method=events.HttpMethod.POST,
            rate_limit_per_second=rate_limit_per_second,
        )
        return self._rule(
            id,
            statuses,
            targets.ApiDestination(
                destination,
                dead_letter_queue=self.target_dead_letter_queue,
                max_event_age=_TARGET_MAX_EVENT_AGE,
                retry_attempts=_TARGET_RETRY_ATTEMPTS,
            ),
        )

    def _rule(self, id: str, statuses: Sequence[str] | None, target: events.IRuleTarget) -> events.Rule:
        detail: dict[str, object] | None = None
        if statuses is not None:
            chosen = list(statuses)
            if not chosen or any(not isinstance(s, str) or not s.isupper() for s in chosen):
                raise ValidationError(
                    self, "statuses", "must name at least one status, in capitals (e.g. DELIVERED)", statuses
                )
            detail = {"status": chosen}
        return events.Rule(
            self,
            id,
            event_bus=self.event_bus,
            event_pattern=events.EventPattern(source=[EVENT_SOURCE], detail_type=[DETAIL_TYPE], detail=detail),
            targets=[target],
        )

    @property
    def target_dead_letter_queue(self) -> sqs.Queue:
        """Where EventBridge puts the status events it could not deliver to a queue or webhook target (created at
        first use; KMS key of its own that EventBridge may use)."""
        existing = self.node.try_find_child("TargetDeadLetterQueue")
        if isinstance(existing, sqs.Queue):
            return existing
        key = kms.Key(
            self, "TargetKey", enable_key_rotation=True, description=f"sms-constructs status targets {self.node.path}"
        )
        limit_grants_to_aws_services(key)
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": cdk.Stack.of(self).account}},
            )
        )
        queue = sqs.Queue(
            self,
            "TargetDeadLetterQueue",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
            redrive_allow_policy=sqs.RedriveAllowPolicy(redrive_permission=sqs.RedrivePermission.ALLOW_ALL),
        )
        reason = (
            "This queue is the dead-letter queue of the status event rules' targets (the targets' DeadLetterConfig, "
            "which cdk-nag does not read as a redrive reference); a dead-letter queue of a dead-letter queue would "
            "only move the problem. Events stay 14 days; alarm on metric_target_dead_letter_messages."
        )
        nag.acknowledge_all(queue, (nag.Serverless.SQS_REDRIVE_POLICY, reason), (nag.AwsSolutions.SQS3, reason))
        return queue

    def metric_target_dead_letter_messages(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Status events EventBridge could not deliver to a queue or webhook target; alarm when above 0. Default:
        ``Maximum`` over 5 minutes."""
        return self.target_dead_letter_queue.metric_approximate_number_of_messages_visible(
            **with_defaults(options, statistic=cloudwatch.Stats.MAXIMUM)
        )

    @property
    def service_name(self) -> str:
        """``POWERTOOLS_SERVICE_NAME`` of the status function: the ``service`` dimension of its metrics."""
        return f"SmsStatus-{cdk.Names.unique_id(self)[-24:]}"

    def metric(self, metric_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """A custom metric of the status function: one of ``StatusMetric`` (``StatusEventsPublished``,
        ``StatusChangesSuperseded``, ``StatusChangesInFlight``, ``StatusForeignEvents``, ``StatusMalformedRecords``),
        in the send queue's ``metrics_namespace`` with the function's ``service`` dimension.

        :param options: ``cloudwatch.MetricOptions`` keywords. Default: ``Sum`` over 5 minutes.
        """
        if metric_name not in StatusMetric.ALL:
            raise ValidationError(self, "metric_name", f"must be one of {', '.join(StatusMetric.ALL)}", metric_name)
        return custom_metric(
            self.send_queue.metrics_namespace, metric_name, {METRIC_DIMENSION_SERVICE: self.service_name}, options
        )

    def metric_dead_letter_messages(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Records waiting in the dead-letter queue (``ApproximateNumberOfMessagesVisible``); alarm when above 0.
        Default: ``Maximum`` over 5 minutes."""
        return self.dead_letter_queue.metric_approximate_number_of_messages_visible(
            **with_defaults(options, statistic=cloudwatch.Stats.MAXIMUM)
        )
