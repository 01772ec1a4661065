"""Where a configuration set sends message events: ``EventType`` and the ``EventDestination`` kinds.

An event destination delivers the service's message events (delivered, failed, blocked, ...) to CloudWatch Logs,
Amazon Data Firehose or an SNS topic. The service writes into your resource, so it needs permission:

- CloudWatch Logs and Firehose: an IAM role that ``sms-voice.amazonaws.com`` assumes. One is created (a child of the
  configuration set) unless you pass ``role=``; either way it is granted ``logs:CreateLogStream``,
  ``logs:PutLogEvents`` and ``logs:DescribeLogStreams`` on the log group, or ``firehose:PutRecord`` on the stream
  (AWS End User Messaging SMS User Guide, "configuration-sets-cloud-watch-creating-role" and
  "configuration-sets-kinesis-creating-role").
- SNS: no role. The topic policy must let ``sms-voice.amazonaws.com`` call ``sns:Publish``, and a topic encrypted with a
  customer managed key needs ``kms:GenerateDataKey*`` and ``kms:Decrypt`` for the same principal in the key policy
  ("configuration-sets-sns-creating-role"). Both statements are added for topics (and keys) defined in the app.

Every statement is conditioned on ``aws:SourceAccount`` and ``aws:SourceArn`` (this configuration set's ARN), so no
other configuration set or account can use the permission.
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kinesisfirehose as firehose
import aws_cdk.aws_kms as kms
import aws_cdk.aws_logs as logs
import aws_cdk.aws_smsvoice as smsvoice
import aws_cdk.aws_sns as sns
from constructs import Construct, IConstruct, IDependable

from .._private.stacks import resource_env, stack_of
from ._base import SMS_VOICE_SERVICE_PRINCIPAL

if TYPE_CHECKING:
    from .configuration_set import ConfigurationSetBase


class EventType(enum.Enum):
    """A message event an event destination can match (``MatchingEventTypes``; the API's ``EventType`` enum).

    ``ALL`` matches every event; ``TEXT_ALL``, ``VOICE_ALL``, ``MEDIA_ALL`` and ``RCS_ALL`` match every event of one
    channel. ``TEXT_SENT`` is in the API's enum, but the API reference of ``CreateEventDestination`` says "The
    TEXT_SENT event type is not supported": destinations refuse it.
    """

    #: Every event of every channel.
    ALL = "ALL"

    #: Every SMS event.
    TEXT_ALL = "TEXT_ALL"
    #: Not supported by the service (refused by ``add_event_destination``).
    TEXT_SENT = "TEXT_SENT"
    #: The message is being delivered.
    TEXT_PENDING = "TEXT_PENDING"
    #: The message is queued and not yet sent.
    TEXT_QUEUED = "TEXT_QUEUED"
    #: The carrier accepted the message.
    TEXT_SUCCESSFUL = "TEXT_SUCCESSFUL"
    #: The handset received the message.
    TEXT_DELIVERED = "TEXT_DELIVERED"
    #: The destination number is invalid.
    TEXT_INVALID = "TEXT_INVALID"
    #: The message body is invalid.
    TEXT_INVALID_MESSAGE = "TEXT_INVALID_MESSAGE"
    #: The handset is unreachable (off or out of coverage).
    TEXT_UNREACHABLE = "TEXT_UNREACHABLE"
    #: A transient error on the recipient's carrier network.
    TEXT_CARRIER_UNREACHABLE = "TEXT_CARRIER_UNREACHABLE"
    #: The handset or carrier blocks messages to the recipient.
    TEXT_BLOCKED = "TEXT_BLOCKED"
    #: The carrier judged the message malicious or abusive.
    TEXT_CARRIER_BLOCKED = "TEXT_CARRIER_BLOCKED"
    #: The carrier judged the message unsolicited commercial content.
    TEXT_SPAM = "TEXT_SPAM"
    #: Any other failure; may be transient or permanent.
    TEXT_UNKNOWN = "TEXT_UNKNOWN"
    #: Not handed off within the message's time to live.
    TEXT_TTL_EXPIRED = "TEXT_TTL_EXPIRED"
    #: Blocked by a protect configuration.
    TEXT_PROTECT_BLOCKED = "TEXT_PROTECT_BLOCKED"

    #: Every voice event.
    VOICE_ALL = "VOICE_ALL"
    #: The call started.
    VOICE_INITIATED = "VOICE_INITIATED"
    #: The phone is ringing.
    VOICE_RINGING = "VOICE_RINGING"
    #: The call was answered.
    VOICE_ANSWERED = "VOICE_ANSWERED"
    #: The message was played (possibly to voicemail).
    VOICE_COMPLETED = "VOICE_COMPLETED"
    #: The line was busy.
    VOICE_BUSY = "VOICE_BUSY"
    #: Nobody answered.
    VOICE_NO_ANSWER = "VOICE_NO_ANSWER"
    #: The call failed.
    VOICE_FAILED = "VOICE_FAILED"
    #: Not placed within the message's time to live.
    VOICE_TTL_EXPIRED = "VOICE_TTL_EXPIRED"

    #: Every MMS event.
    MEDIA_ALL = "MEDIA_ALL"
    #: The message is being delivered.
    MEDIA_PENDING = "MEDIA_PENDING"
    #: The message is queued and not yet sent.
    MEDIA_QUEUED = "MEDIA_QUEUED"
    #: The carrier accepted the message.
    MEDIA_SUCCESSFUL = "MEDIA_SUCCESSFUL"
    #: The handset received the message.
    MEDIA_DELIVERED = "MEDIA_DELIVERED"
    #: The destination number is invalid.
    MEDIA_INVALID = "MEDIA_INVALID"
    #: The message is invalid.
    MEDIA_INVALID_MESSAGE = "MEDIA_INVALID_MESSAGE"
    #: The handset is unreachable.
    MEDIA_UNREACHABLE = "MEDIA_UNREACHABLE"
    #: A transient error on the recipient's carrier network.
    MEDIA_CARRIER_UNREACHABLE = "MEDIA_CARRIER_UNREACHABLE"
    #: The handset or carrier blocks messages to the recipient.
    MEDIA_BLOCKED = "MEDIA_BLOCKED"
    #: The carrier judged the message malicious or abusive.
    MEDIA_CARRIER_BLOCKED = "MEDIA_CARRIER_BLOCKED"
    #: The carrier judged the message spam.
    MEDIA_SPAM = "MEDIA_SPAM"
    #: Any other failure.
    MEDIA_UNKNOWN = "MEDIA_UNKNOWN"
    #: Not handed off within the message's time to live.
    MEDIA_TTL_EXPIRED = "MEDIA_TTL_EXPIRED"
    #: The service could not read the media file.
    MEDIA_FILE_INACCESSIBLE = "MEDIA_FILE_INACCESSIBLE"
    #: The media file type is not supported.
    MEDIA_FILE_TYPE_UNSUPPORTED = "MEDIA_FILE_TYPE_UNSUPPORTED"
    #: The media file is too large.
    MEDIA_FILE_SIZE_EXCEEDED = "MEDIA_FILE_SIZE_EXCEEDED"

    #: Every RCS event.
    RCS_ALL = "RCS_ALL"
    #: The message is queued.
    RCS_QUEUED = "RCS_QUEUED"
    #: The message was sent.
    RCS_SENT = "RCS_SENT"
    #: The message was delivered.
    RCS_DELIVERED = "RCS_DELIVERED"
    #: The recipient read the message.
    RCS_READ = "RCS_READ"
    #: The message failed.
    RCS_FAILED = "RCS_FAILED"
    #: Not delivered within the message's time to live.
    RCS_TTL_EXPIRED = "RCS_TTL_EXPIRED"
    #: Blocked by a protect configuration.
    RCS_PROTECT_BLOCKED = "RCS_PROTECT_BLOCKED"
    #: The message fell back to SMS.
    RCS_FALLEN_BACK_TO_SMS = "RCS_FALLEN_BACK_TO_SMS"


@dataclass(frozen=True)
class EventDestinationConfig:
    """What an ``EventDestination`` renders into its configuration set, returned by ``EventDestination.bind``.

    Exactly one of the three destination properties is set.
    """

    #: The ``CloudWatchLogsDestination`` property. Default: none.
    cloud_watch_logs_destination: smsvoice.CfnConfigurationSet.CloudWatchLogsDestinationProperty | None = None
    #: The ``KinesisFirehoseDestination`` property. Default: none.
    kinesis_firehose_destination: smsvoice.CfnConfigurationSet.KinesisFirehoseDestinationProperty | None = None
    #: The ``SnsDestination`` property. Default: none.
    sns_destination: smsvoice.CfnConfigurationSet.SnsDestinationProperty | None = None
    #: The role the service assumes to write to the destination. Default: none (SNS needs no role).
    role: iam.IRole | None = None
    #: What the configuration set must wait for: the role and its policy, the topic policy, the key policy. The service
    #: checks (or uses) these permissions when the set is created or updated. Default: nothing to wait for.
    dependables: tuple[IDependable, ...] = ()


class EventDestination(abc.ABC):
    """Where an event destination delivers events: CloudWatch Logs, Amazon Data Firehose or SNS.

    Create one with a static factory and pass it to ``ConfigurationSet.add_event_destination``::

        config.add_event_destination("Logs", destination=EventDestination.cloud_watch_logs(log_group),
                                     events=[EventType.TEXT_ALL])
    """

    @staticmethod
    def cloud_watch_logs(log_group: logs.ILogGroup, *, role: iam.IRole | None = None) -> EventDestination:
        """Write each event as a log event to ``log_group``.

        :param log_group: The log group. A log group encrypted with a customer managed key needs nothing more from
            this library: CloudWatch Logs encrypts with its own service principal, which the key policy must already
            allow for the log group to exist.
        :param role: The role the service assumes; it is granted ``logs:CreateLogStream``, ``logs:PutLogEvents`` and
            ``logs:DescribeLogStreams`` on the log group, and its trust policy is left to you (it must trust
            ``sms-voice.amazonaws.com``). Default: a role created for this destination, trusted by
            ``sms-voice.amazonaws.com`` on condition of ``aws:SourceAccount`` and ``aws:SourceArn``.
        """
        return _CloudWatchLogsDestination(log_group, role)

    @staticmethod
    def firehose(delivery_stream: firehose.IDeliveryStream, *, role: iam.IRole | None = None) -> EventDestination:
        """Put each event as a record on ``delivery_stream``.

        :param delivery_stream: The Firehose stream. Server-side encryption with a customer managed key needs no
            permission on the producer's side (Firehose uses its own grant on the key).
        :param role: The role the service assumes; it is granted ``firehose:PutRecord`` on the stream (the one action
            the AWS guide's role policy lists; the service does not call ``PutRecordBatch``), and its trust policy is
            left to you. Default: a role created for this destination, trusted by ``sms-voice.amazonaws.com`` on
            condition of ``aws:SourceAccount`` and ``aws:SourceArn``.
        """
        return _FirehoseDestination(delivery_stream, role)

    @staticmethod
    def sns_topic(topic: sns.ITopic) -> EventDestination:
        """Publish each event as an SNS message to ``topic``.

        A statement allowing ``sms-voice.amazonaws.com`` to call ``sns:Publish`` is added to the topic policy, and one
        allowing ``kms:GenerateDataKey*`` and ``kms:Decrypt`` to the key policy of ``topic.master_key``. For an
        imported topic or key nothing can be added: the construct warns, and you must add the statements shown in
        the warning yourself.

        :param topic: The topic (standard, not FIFO).
        """
        return _SnsDestination(topic)

    @abc.abstractmethod
    def bind(self, scope: Construct, configuration_set: ConfigurationSetBase) -> EventDestinationConfig:
        """Grant the service what it needs and return the destination's properties.

        :param scope: The ``ConfigurationSetEventDestination`` being created (parent of any role created).
        :param configuration_set: The configuration set the destination belongs to.
        """


def _service_principal(configuration_set: ConfigurationSetBase, scope: IConstruct) -> iam.IPrincipal:
    """``sms-voice.amazonaws.com``, limited to this configuration set (conditions valid in ``scope``'s stack)."""
    return iam.ServicePrincipal(SMS_VOICE_SERVICE_PRINCIPAL).with_conditions(
        source_conditions(configuration_set, scope)
    )


def source_conditions(configuration_set: ConfigurationSetBase, scope: IConstruct) -> dict[str, Any]:
    """The ``aws:SourceAccount`` / ``aws:SourceArn`` conditions for a statement that lives in ``scope``'s stack."""
    return {
        "StringEquals": {"aws:SourceAccount": resource_env(configuration_set)[0]},
        "ArnEquals": {"aws:SourceArn": configuration_set.source_arn_for(scope)},
    }


class _RoleDestination(EventDestination):
    def __init__(self, role: iam.IRole | None) -> None:
        self._role = role

    def _role_for(self, scope: Construct, configuration_set: ConfigurationSetBase, description: str) -> iam.IRole:
        if self._role is not None:
            return self._role
        return iam.Role(
            scope,
            "Role",
            assumed_by=_service_principal(configuration_set, scope),
            description=description,
        )

    def _dependables(self, role: iam.IRole, grant: iam.Grant) -> tuple[IDependable, ...]:
        """The grant's policy, and the role itself when it was created here (its trust policy)."""
        return (grant, role) if self._role is None else (grant,)


def log_group_arn_without_suffix(log_group: logs.ILogGroup) -> str:
    """The log group's ARN without the ``:*`` that ``log_group_arn`` (``GetAtt Arn``) ends with.

    ``CloudWatchLogsDestination.LogGroupArn`` names the log group itself; the ``:*`` form is for IAM statements, which
    must cover the log streams below it (a production government notification service passes the suffix-less ARN
    to the service and keeps ``:*`` in IAM only).
    """
    arn = log_group.log_group_arn
    if not cdk.Token.is_unresolved(arn):
        return arn.removesuffix(":*")
    env = log_group.env
    return stack_of(log_group).format_arn(
        service="logs",
        resource="log-group",
        resource_name=log_group.log_group_name,
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        account=None if cdk.Token.is_unresolved(env.account) else env.account,
        region=None if cdk.Token.is_unresolved(env.region) else env.region,
    )


class _CloudWatchLogsDestination(_RoleDestination):
    def __init__(self, log_group: logs.ILogGroup, role: iam.IRole | None) -> None:
        super().__init__(role)
        self._log_group = log_group

    def bind(self, scope: Construct, configuration_set: ConfigurationSetBase) -> EventDestinationConfig:
        role = self._role_for(
            scope, configuration_set, "Lets AWS End User Messaging SMS write events to CloudWatch Logs"
        )
        grant = self._log_group.grant(role, "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams")
        return EventDestinationConfig(
            cloud_watch_logs_destination=smsvoice.CfnConfigurationSet.CloudWatchLogsDestinationProperty(
                iam_role_arn=role.role_arn, log_group_arn=log_group_arn_without_suffix(self._log_group)
            ),
            role=role,
            dependables=self._dependables(role, grant),
        )


class _FirehoseDestination(_RoleDestination):
    def __init__(self, delivery_stream: firehose.IDeliveryStream, role: iam.IRole | None) -> None:
        super().__init__(role)
        self._stream = delivery_stream

    def bind(self, scope: Construct, configuration_set: ConfigurationSetBase) -> EventDestinationConfig:
        role = self._role_for(scope, configuration_set, "Lets AWS End User Messaging SMS put events on Firehose")
        grant = self._stream.grant(role, "firehose:PutRecord")
        return EventDestinationConfig(
            kinesis_firehose_destination=smsvoice.CfnConfigurationSet.KinesisFirehoseDestinationProperty(
                iam_role_arn=role.role_arn, delivery_stream_arn=self._stream.delivery_stream_arn
            ),
            role=role,
            dependables=self._dependables(role, grant),
        )


class _SnsDestination(EventDestination):
    def __init__(self, topic: sns.ITopic) -> None:
        self._topic = topic

    def bind(self, scope: Construct, configuration_set: ConfigurationSetBase) -> EventDestinationConfig:
        topic = self._topic
        publish = iam.PolicyStatement(
            sid=_sid("SmsVoicePublish", scope),
            actions=["sns:Publish"],
            principals=[iam.ServicePrincipal(SMS_VOICE_SERVICE_PRINCIPAL)],
            resources=[topic.topic_arn],
            conditions=source_conditions(configuration_set, topic),
        )
        dependables: list[IDependable] = []
        added = topic.add_to_resource_policy(publish)
        if added.statement_added and added.policy_dependable is not None:
            dependables.append(added.policy_dependable)
        if not added.statement_added:
            cdk.Annotations.of(scope).add_warning_v2(
                "sms-constructs:SnsTopicPolicyNotAdded",
                f"The topic {topic.node.path} is imported, so its policy cannot be changed here. Allow "
                f"'{SMS_VOICE_SERVICE_PRINCIPAL}' to call sns:Publish on it, on condition that aws:SourceAccount is "
                "this configuration set's account and aws:SourceArn its ARN, or events will not be delivered.",
            )
        key = topic.master_key
        if key is not None:
            dependables.extend(_grant_key(key, scope, configuration_set))
        return EventDestinationConfig(
            sns_destination=smsvoice.CfnConfigurationSet.SnsDestinationProperty(topic_arn=topic.topic_arn),
            dependables=tuple(dependables),
        )


def _grant_key(key: kms.IKey, scope: Construct, configuration_set: ConfigurationSetBase) -> list[IDependable]:
    statement = iam.PolicyStatement(
        sid=_sid("SmsVoiceEncrypt", scope),
        actions=["kms:GenerateDataKey*", "kms:Decrypt"],
        principals=[iam.ServicePrincipal(SMS_VOICE_SERVICE_PRINCIPAL)],
        resources=["*"],  # in a key policy, "*" means this key
        conditions=source_conditions(configuration_set, key),
    )
    added = key.add_to_resource_policy(statement, allow_no_op=True)
    if added.statement_added:
        # A key policy is part of the AWS::KMS::Key resource (policy_dependable is the document, not a construct).
        return [key]
    if not added.statement_added:
        cdk.Annotations.of(scope).add_warning_v2(
            "sms-constructs:KmsKeyPolicyNotAdded",
            f"The topic's key {key.node.path} is imported, so its key policy cannot be changed here. Allow "
            f"'{SMS_VOICE_SERVICE_PRINCIPAL}' kms:GenerateDataKey* and kms:Decrypt on it, on condition that "
            "aws:SourceAccount is this configuration set's account and aws:SourceArn its ARN, or SNS will refuse "
            "the events.",
        )
    return []


def _sid(prefix: str, scope: Construct) -> str:
    """A statement id unique to ``scope`` (``[A-Za-z0-9]`` only, as SNS and KMS policies require)."""
    return prefix + cdk.Names.unique_id(scope)[-40:]
