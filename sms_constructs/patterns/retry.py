"""``SmsRetry`` and ``RetryPolicy``: server-side, bounded, spaced retries of final transient SMS failures."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Unpack

import aws_cdk as cdk
import aws_cdk.aws_cloudwatch as cloudwatch
import aws_cdk.aws_ec2 as ec2
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
import aws_cdk.aws_lambda as lambda_
import aws_cdk.aws_logs as logs
import aws_cdk.aws_sns as sns
import aws_cdk.aws_sns_subscriptions as subscriptions
from constructs import Construct
from sms_constructs_runtime.contract import MAX_ATTEMPT
from sms_constructs_runtime.settings import METRIC_DIMENSION_SERVICE, RetryMetric, RetrySettings

from .._private import nag
from .._private.errors import ValidationError
from .._private.functions import FunctionNetwork, library_function
from .._private.kms import limit_grants_to_aws_services
from .._private.metrics import MetricOptions, custom_metric, with_defaults
from .._private.queues import handler_queue
from .._private.stacks import stack_of
from .._private.validation import check_range
from ..resources.configuration_set import ConfigurationSet, ConfigurationSetEventDestination
from ..resources.event_destination import EventDestination, EventType
from . import _guards
from .send_queue import SmsSendQueue, lane_items

#: How long after a send its final event can still arrive (the service emits UNKNOWN after 72 hours).
FINAL_EVENT_DELAY = cdk.Duration.hours(72)
#: SQS ``DelaySeconds`` is at most 15 minutes.
MAX_DELAY_SECONDS = RetrySettings.MAX_DELAY_SECONDS
#: Receives of a final event before it moves to the dead-letter queue, and how long the event queue keeps one.
_EVENT_MAX_RECEIVE_COUNT = 5
_EVENT_RETENTION = cdk.Duration.days(4)

_ESM_NAG_REASON = (
    "SQS event source mappings support no OnFailure destination (only Kinesis, DynamoDB Streams and Kafka do; "
    "AWS::Lambda::EventSourceMapping OnFailure docs). Events that keep failing are moved by the source queue's "
    "redrive policy to its dead-letter queue, which is the failure sink."
)


class RetryStatus(enum.Enum):
    """A final message status worth retrying (the ``messageStatus`` of the event).

    Only transient statuses exist here, so a policy cannot retry INVALID, INVALID_MESSAGE, BLOCKED, CARRIER_BLOCKED,
    SPAM or PROTECT_BLOCKED (a resend cannot fix them). Opted-out numbers never produce an event: the send itself is
    refused, and the send queue records a rejection.
    """

    #: A transient error on the recipient's carrier network (AWS: "transient").
    CARRIER_UNREACHABLE = "CARRIER_UNREACHABLE"
    #: The handset is off or out of coverage.
    UNREACHABLE = "UNREACHABLE"
    #: Not handed off within the message's time to live. **Billed** like a delivered message: the event carries the
    #: full price. Retried by default only for requests with a deadline (``RetryPolicy.deadline_required_for``).
    TTL_EXPIRED = "TTL_EXPIRED"
    #: Any other failure, or no final status within 72 hours; may be transient (cap the attempts).
    UNKNOWN = "UNKNOWN"

    @property
    def event_type(self) -> EventType:
        """The SMS event type with this status (``TEXT_<status>``)."""
        return EventType[f"TEXT_{self.value}"]


class RetryPolicy:
    """How often, how late and for which statuses ``SmsRetry`` resends a message.

    The defaults are the best production policy known (VA Notify, 2025): at most 2 retries inside 3 days, about
    60 s and then 600 s after the failure (±10 % jitter), for CARRIER_UNREACHABLE, UNREACHABLE, TTL_EXPIRED and
    UNKNOWN — TTL_EXPIRED only for requests with a deadline that still allows the retry (a TTL expiry is billed, and
    a message that outlived its TTL is often stale). Whatever the policy, no request is retried after its deadline
    (``notAfter``).

    :param max_attempts: Sends in all, the first included (1–10; 1 disables retries). Default: 3.
    :param delays: Wait before retry 1, 2, …; the last one repeats. Each 0–15 minutes (SQS ``DelaySeconds``).
        Default: ``[Duration.seconds(60), Duration.seconds(600)]``.
    :param jitter: Spread of each delay, as a fraction (0–0.5): the delay is spread uniformly by ± that fraction.
        Default: 0.1 (±10 %).
    :param window: No retry starts later than this after the first send (1 minute – 14 days; longer than the first
        delay less its jitter, or no retry could start). Default: 3 days.
    :param statuses: Final statuses to retry. Default: all four ``RetryStatus`` values.
    :param deadline_required_for: Statuses among ``statuses`` retried only for requests that carry a deadline
        (``notAfter``); a request without one is not retried on them. Default: ``[RetryStatus.TTL_EXPIRED]``.
    """

    def __init__(
        self,
        *,
        max_attempts: int | None = None,
        delays: Sequence[cdk.Duration] | None = None,
        jitter: float | None = None,
        window: cdk.Duration | None = None,
        statuses: Sequence[RetryStatus] | None = None,
        deadline_required_for: Sequence[RetryStatus] | None = None,
    ) -> None:
        self.max_attempts = max_attempts if max_attempts is not None else 3
        self.delays = list(delays) if delays is not None else [cdk.Duration.seconds(60), cdk.Duration.seconds(600)]
        self.jitter = jitter if jitter is not None else 0.1
        self.window = window if window is not None else cdk.Duration.days(3)
        self.statuses = list(statuses) if statuses is not None else list(RetryStatus)
        if deadline_required_for is not None:
            self.deadline_required_for = list(deadline_required_for)
        else:  # the default, as far as the statuses allow
            self.deadline_required_for = [s for s in (RetryStatus.TTL_EXPIRED,) if s in self.statuses]

    def validate(self, scope: Construct) -> None:
        """Raise ``ValidationError`` (naming ``scope``) for a policy the retry handler cannot follow."""
        check_range(scope, "policy.max_attempts", self.max_attempts, 1, MAX_ATTEMPT)
        if not float(self.max_attempts).is_integer():
            raise ValidationError(scope, "policy.max_attempts", "must be a whole number", self.max_attempts)
        if self.max_attempts > 1 and not self.delays:
            raise ValidationError(scope, "policy.delays", "must hold at least one delay when retries are on", [])
        for delay in self.delays:
            check_range(scope, "policy.delays", delay.to_seconds(), 0, MAX_DELAY_SECONDS, "seconds (SQS DelaySeconds)")
        check_range(scope, "policy.jitter", self.jitter, 0, 0.5)
        check_range(scope, "policy.window", self.window.to_seconds(), 60, 14 * 86_400, "seconds")
        self._check_window_fits_delays(scope)
        if not self.statuses:
            raise ValidationError(scope, "policy.statuses", "must name at least one RetryStatus", [])
        seen: set[RetryStatus] = set()
        for status in self.statuses:
            if not isinstance(status, RetryStatus):
                raise ValidationError(
                    scope, "policy.statuses", "must hold RetryStatus values (transient statuses only)", status
                )
            if status in seen:
                raise ValidationError(scope, "policy.statuses", "statuses must be unique; duplicate", status)
            seen.add(status)
        for status in self.deadline_required_for:
            if status not in seen:
                raise ValidationError(
                    scope, "policy.deadline_required_for", "must only hold statuses the policy retries", status
                )

    def _check_window_fits_delays(self, scope: Construct) -> None:
        """Refuse a window no retry can start in (shorter than the first delay, less its jitter); warn when the later
        attempts cannot start in it (``max_attempts`` then only caps what the window allows)."""
        if self.max_attempts <= 1 or not self.delays:
            return
        window = self.window.to_seconds()
        delays = [delay.to_seconds() for delay in self.delays]  # one jsii round trip per delay, not per attempt
        earliest = [delays[min(i, len(delays) - 1)] * (1 - self.jitter) for i in range(9)]
        first = earliest[0]
        if window <= first:
            raise ValidationError(
                scope,
                "policy.window",
                f"must be longer than the first delay less its jitter ({first:g} s): a retry starts at the earliest "
                f"that long after the failure, which is after the first send, so no retry could ever start",
                self.window,
            )
        elapsed, fitting = 0.0, 0
        for delay in earliest[: int(self.max_attempts) - 1]:
            elapsed += delay
            if elapsed >= window:
                break
            fitting += 1
        if fitting < self.max_attempts - 1:
            cdk.Annotations.of(scope).add_warning_v2(
                RETRY_ATTEMPTS_BEYOND_WINDOW_WARNING,
                f"policy: max_attempts={int(self.max_attempts)} allows {int(self.max_attempts) - 1} retries, but with "
                f"the delays (less their jitter) only {fitting} can start inside the window of "
                f"{self.window.to_human_string()}; the later attempts never happen. Lengthen the window, shorten the "
                "delays or lower max_attempts, or acknowledge this warning if the window is the cap you mean.",
            )


#: Warning id: retries the policy allows that can never start inside its window.
RETRY_ATTEMPTS_BEYOND_WINDOW_WARNING = "sms-constructs:RetryAttemptsBeyondWindow"


class SmsRetry(Construct):
    """Retries of messages whose final status is a transient failure, through the send queue (so retries are paced).

    The configuration set gets an SNS event destination for the policy's statuses (KMS-encrypted topic; its policy
    and key policy let ``sms-voice.amazonaws.com`` publish for this configuration set only). A subscription whose
    payload filter passes only final events of those statuses feeds an SQS queue (KMS, DLQ) and a retry Lambda. The
    Lambda loads the request by ``messageId`` from the send queue's message store and puts it back on the send queue
    with ``attempt + 1`` after the policy's delay; duplicate and non-final events and unknown ids are ignored (with
    metrics). When attempts or the window run out it records the final failure and publishes it to
    ``final_failure_topic``.

    Example::

        queue = SmsSendQueue(self, "Send", origination_identity=pool, configuration_set=config,
                             max_parts_per_second=3)
        SmsRetry(self, "Retry", send_queue=queue)
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        send_queue: SmsSendQueue,
        configuration_set: ConfigurationSet | None = None,
        policy: RetryPolicy | None = None,
        encryption_key: kms.IKey | None = None,
        log_retention: logs.RetentionDays | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        trace_sdk_calls: bool | None = None,
    ) -> None:
        """
        :param send_queue: The send queue whose messages are retried (and that retries go back through; with lanes, each
            retry goes back to its request's lane's queue).
        :param configuration_set: The configuration set the send queue sends with; an SNS event destination is added
            to it (a configuration set holds at most 5). It must be the send queue's: the events of any other set
            belong to messages this send queue never sent. It must be defined in this app (an import cannot get an
            event destination), and a configuration set takes one ``SmsRetry`` (a second would resend every failure
            twice). Default: the send queue's ``configuration_set``.
        :param policy: The retry policy. Default: ``RetryPolicy()`` (2 retries inside 3 days at ~60 s and ~600 s,
            ±10 %, for CARRIER_UNREACHABLE, UNREACHABLE, TTL_EXPIRED and UNKNOWN).
        :param encryption_key: KMS key of the event queue, its DLQ, the log group and the environment. The topics
            always get a key of their own (a queue subscribed to a topic encrypted with the queue's own key would make
            the key policy and the topic depend on each other). Default: the send queue's key.
        :param log_retention: Retention of the retry function's log group. Default: ``RetentionDays.ONE_YEAR``.
        :param vpc: A VPC to run the retry function in (AWS Control Tower's CT.LAMBDA.PR.3). It must reach SQS,
            DynamoDB, SNS, KMS and X-Ray through a NAT gateway or VPC endpoints. Default: no VPC.
        :param vpc_subnets: Where in ``vpc`` the function's network interfaces go. Default: the VPC's private subnets.
        :param security_groups: Security groups of the function (outbound HTTPS only is needed). Default: one created
            by Lambda's L2, allowing all outbound traffic and no inbound.
        :param trace_sdk_calls: Add an X-Ray subsegment for every AWS SDK call of the retry function (the X-Ray SDK,
            about 110 ms more cold start). Lambda active tracing records every invocation either way. Default:
            ``False``.
        """
        super().__init__(scope, id)
        # Guards of issue 9: the send queue's own configuration set, defined in this app, one SmsRetry per set.
        if configuration_set is not None and configuration_set is not send_queue.configuration_set:
            raise ValidationError(
                self,
                "configuration_set",
                f"must be the send queue's configuration set ({_path_of(send_queue.configuration_set)}): the queue "
                "sends with that one, so its failures would never be retried and this set's events would name "
                "messages the queue's store does not know; leave configuration_set out",
                _path_of(configuration_set),
            )
        configuration_set = _guards.check_owned_configuration_set(
            self, "configuration_set", configuration_set or send_queue.configuration_set, "SmsRetry"
        )
        _guards.check_configuration_set_region(self, configuration_set)
        _guards.claim_configuration_set(self, "configuration_set", configuration_set, "SmsRetry")
        _guards.check_network(self, vpc, vpc_subnets, security_groups)
        network = FunctionNetwork(vpc, vpc_subnets, security_groups) if vpc is not None else None
        self.policy = policy or RetryPolicy()
        self.policy.validate(self)
        needed = self.policy.window.to_seconds() + FINAL_EVENT_DELAY.to_seconds()
        if send_queue.message_retention.to_seconds() < needed:
            raise ValidationError(
                self,
                "send_queue",
                f"its message_retention must cover the retry window plus the 72 h a final event can take "
                f"({int(needed // 86400)} days and {int(needed % 86400 // 3600)} hours)",
                f"{send_queue.message_retention.to_seconds()} seconds",
            )
        if stack_of(send_queue) is not stack_of(self):
            raise ValidationError(self, "send_queue", "must be in the same stack as the SmsRetry", send_queue.node.path)
        key = encryption_key or send_queue.encryption_key
        self.send_queue = send_queue

        #: Key of the event and final-failure topics (the configuration set's destination grants sms-voice use).
        self.topic_key = kms.Key(
            self, "TopicKey", enable_key_rotation=True, description=f"sms-constructs retry topics {self.node.path}"
        )
        limit_grants_to_aws_services(self.topic_key)
        #: Topic the configuration set publishes the retryable statuses' events to.
        self.events_topic = sns.Topic(self, "EventsTopic", master_key=self.topic_key, enforce_ssl=True)
        #: Where final failures are published (JSON: requestId, attempts, lastStatus, lastMessageId, context, …).
        self.final_failure_topic = sns.Topic(self, "FinalFailureTopic", master_key=self.topic_key, enforce_ssl=True)
        timeout = cdk.Duration.seconds(30)
        # The retry handler never extends a record's visibility: each receive lasts at most the visibility timeout.
        queue, dead_letters = handler_queue(
            self,
            "EventQueue",
            key,
            timeout_seconds=int(timeout.to_seconds()),
            retention=_EVENT_RETENTION,
            max_receive_count=_EVENT_MAX_RECEIVE_COUNT,
            queue="retry event queue",
            redrive_sources="the retry event queue and of its SNS subscription",
        )
        #: Events that failed processing repeatedly, and events SNS could not deliver.
        self.dead_letter_queue = dead_letters
        #: The queue of final events of the retryable statuses.
        self.queue = queue
        statuses = [s.value for s in self.policy.statuses]
        self.events_topic.add_subscription(
            subscriptions.SqsSubscription(
                self.queue,
                raw_message_delivery=True,
                dead_letter_queue=self.dead_letter_queue,
                filter_policy_with_message_body={
                    "isFinal": sns.FilterOrPolicy.filter(sns.SubscriptionFilter(conditions=[True])),
                    "messageStatus": sns.FilterOrPolicy.filter(
                        sns.SubscriptionFilter.string_filter(allowlist=statuses)
                    ),
                },
            )
        )
        #: The configuration set's event destination feeding ``events_topic``.
        self.event_destination: ConfigurationSetEventDestination = configuration_set.add_event_destination(
            f"{id}RetryEvents",
            destination=EventDestination.sns_topic(self.events_topic),
            events=[s.event_type for s in self.policy.statuses],
        )

        retry = library_function(
            self,
            "Function",
            handler="retry.handler.main",
            network=network,
            description="Puts messages with a final transient failure back on the SMS send queue",
            encryption_key=key,
            environment=RetrySettings(
                table_name=send_queue.table.table_name,
                send_queue_url=send_queue.queue_url,
                final_failure_topic_arn=self.final_failure_topic.topic_arn,
                retention_seconds=int(send_queue.message_retention.to_seconds()),
                service_name=self.service_name,
                metrics_namespace=send_queue.metrics_namespace,
                max_attempts=int(self.policy.max_attempts),
                delays_seconds=tuple(int(d.to_seconds()) for d in self.policy.delays),
                jitter=self.policy.jitter,
                window_seconds=int(self.policy.window.to_seconds()),
                statuses=tuple(statuses),
                deadline_required_statuses=tuple(s.value for s in self.policy.deadline_required_for),
                lanes=lane_items(send_queue.lane_queue_urls),
                trace_sdk_calls=True if trace_sdk_calls else None,
            ).to_environment(),
            timeout=timeout,
            reserved_concurrent_executions=2,
            log_retention=log_retention or logs.RetentionDays.ONE_YEAR,
        )
        #: The retry function.
        self.function = retry.function
        self.log_group = retry.log_group
        self.queue.grant_consume_messages(retry.role)
        send_queue.grant_store_access(retry.role)
        send_queue.grant_send(retry.role)  # every lane's queue: a retry goes back to its request's lane
        # sns:Publish plus the two KMS actions SNS asks of a publisher to an encrypted topic (grant_publish would add
        # kms:GenerateDataKey*, a wildcard).
        iam.Grant.add_to_principal(
            grantee=retry.role, actions=["sns:Publish"], resource_arns=[self.final_failure_topic.topic_arn]
        )
        self.topic_key.grant(retry.role, "kms:GenerateDataKey", "kms:Decrypt")
        #: The event source mapping of the retry function.
        self.event_source_mapping = lambda_.EventSourceMapping(
            self,
            "EventSource",
            target=self.function,
            event_source_arn=self.queue.queue_arn,
            batch_size=10,
            max_concurrency=2,
            report_batch_item_failures=True,
        )
        self.event_source_mapping.node.add_dependency(retry.role)
        nag.acknowledge(self.event_source_mapping, nag.Serverless.LAMBDA_ESM_DESTINATION, _ESM_NAG_REASON)

    @property
    def service_name(self) -> str:
        """``POWERTOOLS_SERVICE_NAME`` of the retry function: the ``service`` dimension of its metrics."""
        return f"SmsRetry-{cdk.Names.unique_id(self)[-24:]}"

    def metric(self, metric_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """A custom metric of the retry function: one of ``sms_constructs_runtime.settings.RetryMetric``
        (``RetriesScheduled``, ``FinalFailures``, ``EventsIgnoredNotFinal``, ``EventsIgnoredStatus``,
        ``DuplicateEvents``, ``UnknownMessageIds``, ``MalformedEvents``), in the send queue's ``metrics_namespace`` with
        the retry function's ``service`` dimension.

        :param options: ``cloudwatch.MetricOptions`` keywords (``dimensions_map`` is merged over the ``service``
            dimension). Default: ``Sum`` over 5 minutes.
        """
        if metric_name not in RetryMetric.ALL:
            raise ValidationError(self, "metric_name", f"must be one of {', '.join(RetryMetric.ALL)}", metric_name)
        return custom_metric(
            self.send_queue.metrics_namespace, metric_name, {METRIC_DIMENSION_SERVICE: self.service_name}, options
        )

    def metric_retries_scheduled(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Requests put back on the send queue for another attempt (``RetriesScheduled``). Default: ``Sum`` over 5
        minutes."""
        return self.metric(RetryMetric.RETRIES_SCHEDULED, **options)

    def metric_final_failures(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Requests that failed for good after their last attempt (``FinalFailures``; per reason with
        ``dimensions_map={"Reason": ...}``). Default: ``Sum`` over 5 minutes."""
        return self.metric(RetryMetric.FINAL_FAILURES, **options)

    def metric_malformed_events(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Records on the event queue that are not SMS events (``MalformedEvents``; they end in the DLQ). Default:
        ``Sum`` over 5 minutes."""
        return self.metric(RetryMetric.MALFORMED_EVENTS, **options)

    def metric_dead_letter_messages(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Events waiting in the dead-letter queue (``ApproximateNumberOfMessagesVisible``); alarm when above 0.
        Default: ``Maximum`` over 5 minutes."""
        return self.dead_letter_queue.metric_approximate_number_of_messages_visible(
            **with_defaults(options, statistic=cloudwatch.Stats.MAXIMUM)
        )


def _path_of(construct: object) -> str:
    node = getattr(construct, "node", None)
    return str(node.path) if node is not None else repr(construct)
