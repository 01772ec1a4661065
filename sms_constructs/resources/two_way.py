"""``TwoWayChannel``: where a phone number or pool delivers the messages recipients send to it (two-way SMS)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TypeVar

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_sns as sns
from constructs import Construct, IConstruct

from .._private.errors import ValidationError
from .._private.stacks import stack_account, stack_of
from ._base import SMS_VOICE_SERVICE, SMS_VOICE_SERVICE_PRINCIPAL

_TwoWayProperty = TypeVar("_TwoWayProperty")

#: The KMS actions a publisher needs on the key of an encrypted SNS topic (SNS calls exactly these two).
TOPIC_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")


@dataclasses.dataclass(frozen=True)
class BoundTwoWayChannel:
    """What a ``TwoWayChannel`` renders to once bound to a phone number or pool (library internal)."""

    channel_arn: str
    channel_role_arn: str
    role: iam.IRole

    def render(self, property_class: Callable[..., _TwoWayProperty], resource: cdk.CfnResource) -> _TwoWayProperty:
        """The ``TwoWay`` property of ``resource`` (``CfnPhoneNumber`` or ``CfnPool``), which must wait for the role.

        The service checks the channel when the number or pool is updated: the role and its policy must exist first.
        """
        resource.node.add_dependency(self.role)
        return property_class(enabled=True, channel_arn=self.channel_arn, channel_role=self.channel_role_arn)


class TwoWayChannel:
    """Destination of inbound messages for two-way SMS.

    Use the static factories; today the only channel CloudFormation can target from this library is an SNS topic
    (Amazon Connect instances are also valid ``ChannelArn`` values; pass them with your own L1 escape hatch).

    Example::

        inbound = sns.Topic(self, "Inbound", master_key=key, enforce_ssl=True)
        PhoneNumber(self, "Number", ..., two_way=TwoWayChannel.sns_topic(inbound))
    """

    def __init__(self, topic: sns.ITopic, role: iam.IRole | None) -> None:
        self._topic = topic
        self._role = role

    @staticmethod
    def sns_topic(topic: sns.ITopic, *, role: iam.IRole | None = None) -> TwoWayChannel:
        """Deliver inbound messages to a standard (not FIFO) SNS topic.

        The service publishes with a ``TwoWayChannelRole``: an IAM role trusted by ``sms-voice.amazonaws.com`` and
        allowed ``sns:Publish`` on this one topic (plus ``kms:Decrypt`` and ``kms:GenerateDataKey`` on the topic's key
        when it is encrypted with a customer managed key).

        :param topic: The topic. FIFO topics are not supported by the service and are rejected.
        :param role: The role the service assumes to publish. It is granted ``sns:Publish`` (and the KMS actions) on
            the topic; its trust policy is yours to manage. Default: a new role, trusted by
            ``sms-voice.amazonaws.com`` only under ``aws:SourceAccount`` = this account and ``aws:SourceArn`` like
            this account's phone numbers (or pools) in this Region.
        """
        return TwoWayChannel(topic, role)

    @property
    def topic(self) -> sns.ITopic:
        """The SNS topic inbound messages are published to."""
        return self._topic

    def _bind(self, owner: Construct, source_arn_patterns: Sequence[str]) -> BoundTwoWayChannel:
        """Create (or grant) the role and return the values for ``TwoWay`` (library internal)."""
        _check_not_fifo(owner, self._topic)
        role = self._role or service_role(
            owner,
            "TwoWayRole",
            "Lets AWS End User Messaging SMS publish inbound (two-way) messages to one SNS topic",
            source_arn_patterns,
        )
        role.add_to_principal_policy(iam.PolicyStatement(actions=["sns:Publish"], resources=[self._topic.topic_arn]))
        if self._topic.master_key is not None:
            self._topic.master_key.grant(role, *TOPIC_KEY_ACTIONS)
        return BoundTwoWayChannel(channel_arn=self._topic.topic_arn, channel_role_arn=role.role_arn, role=role)


def service_role(owner: Construct, id: str, description: str, source_arns: Sequence[str]) -> iam.Role:
    """A role ``sms-voice.amazonaws.com`` may assume only for this account's resources matching ``source_arns``."""
    return iam.Role(
        owner,
        id,
        description=description,
        assumed_by=iam.ServicePrincipal(
            SMS_VOICE_SERVICE_PRINCIPAL,
            conditions={
                "StringEquals": {"aws:SourceAccount": stack_account(owner)},
                "ArnLike": {"aws:SourceArn": list(source_arns)},
            },
        ),
    )


def source_arn_patterns(scope: IConstruct, *resource_types: str) -> list[str]:
    """``arn:<partition>:sms-voice:<region>:<account>:<type>/*`` for each type, in ``scope``'s stack."""
    stack = stack_of(scope)
    return [
        stack.format_arn(
            service=SMS_VOICE_SERVICE,
            resource=resource_type,
            resource_name="*",
            arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
        )
        for resource_type in resource_types
    ]


def _check_not_fifo(owner: IConstruct, topic: sns.ITopic) -> None:
    name = topic.topic_name
    fifo = bool(topic.fifo) or (not cdk.Token.is_unresolved(name) and name.endswith(".fifo"))
    if fifo:
        raise ValidationError(
            owner,
            "two_way",
            "two-way SMS cannot publish to an SNS FIFO topic; use a standard topic",
            topic.topic_arn if not cdk.Token.is_unresolved(topic.topic_arn) else topic.node.path,
        )
