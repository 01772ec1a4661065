"""``TwoWayChannel``: where a phone number or pool delivers the messages recipients send to it (two-way SMS)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from typing import TypeVar

import aws_cdk as cdk
import aws_cdk.aws_connect as connect
import aws_cdk.aws_iam as iam
import aws_cdk.aws_smsvoice as smsvoice
import aws_cdk.aws_sns as sns
import jsii
from constructs import Construct, IConstruct

from .._private import nag
from .._private.errors import ValidationError
from .._private.sdk_calls import PHONE_NUMBER_TWO_WAY_RECORDS, PHONE_NUMBER_TWO_WAY_TYPE, AccountProvider
from .._private.stacks import stack_account, stack_of, stack_region
from ._base import REGION_NOT_CHECKED_WARNING, SMS_VOICE_SERVICE, SMS_VOICE_SERVICE_PRINCIPAL

_TwoWayProperty = TypeVar("_TwoWayProperty")

#: The KMS actions a publisher needs on the key of an encrypted SNS topic (SNS calls exactly these two).
TOPIC_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")

#: The one action the service needs to hand inbound messages to Amazon Connect. The IAM service authorization
#: reference lists no resource type and no condition key for it, so its statement can only name ``*``.
CONNECT_TWO_WAY_ACTION = "connect:SendChatIntegrationEvent"

#: Regions where Amazon Connect is offered at all ("Amazon Connect availability by Region", Amazon Connect
#: Administrator Guide, regions.html). A stack outside them cannot import a number into Connect.
CONNECT_REGIONS = frozenset(
    {
        "us-east-1",
        "us-west-2",
        "af-south-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ca-central-1",
        "eu-central-1",
        "eu-west-2",
        "us-gov-west-1",
    }
)

#: Regions confirmed for Amazon Connect SMS ("Chat messaging: SMS subtype" in the Amazon Connect Administrator
#: Guide; the launch announcement of two-way SMS in Amazon Connect, November 2023, names these seven). Other Connect
#: Regions draw the acknowledgeable warning ``sms-constructs:ConnectSmsRegionUnconfirmed``: check the guide's current
#: list before deploying there.
CONNECT_SMS_REGIONS = frozenset(
    {"us-east-1", "us-west-2", "ap-northeast-1", "ap-southeast-1", "ca-central-1", "eu-central-1", "eu-west-2"}
)

#: Warning: the Region could not be matched against the Connect SMS Regions (unknown at synth, or not confirmed).
CONNECT_SMS_REGION_WARNING = "sms-constructs:ConnectSmsRegionUnconfirmed"

#: The actions the account provider needs on the number to set and restore its two-way channel.
CONNECT_TWO_WAY_PROVIDER_ACTIONS = ("sms-voice:DescribePhoneNumbers", "sms-voice:UpdatePhoneNumber")

#: ``arn:<partition>:connect:<region>:<account>:instance/<id>``: what ``ImportPhoneNumber`` can import into.
_CONNECT_INSTANCE_ARN = re.compile(
    r"arn:(?P<partition>aws(?:-[a-z]+)*):connect:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):"
    r"instance/(?P<id>[A-Za-z0-9-]+)"
)


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

    Use the static factories: ``sns_topic`` (any phone number or pool; your application reads the topic) or
    ``amazon_connect`` (a phone number only; agents and flows of an Amazon Connect instance answer).

    Example::

        inbound = sns.Topic(self, "Inbound", master_key=key, enforce_ssl=True)
        PhoneNumber(self, "Number", ..., two_way=TwoWayChannel.sns_topic(inbound))
    """

    def __init__(
        self,
        topic: sns.ITopic | None,
        role: iam.IRole | None,
        connect_instance_arn: str | None = None,
        description: str | None = None,
        removal_policy: cdk.RemovalPolicy | None = None,
    ) -> None:
        """Use the static factories ``sns_topic`` and ``amazon_connect`` instead (library internal).

        :param topic: The SNS topic of an SNS channel. Default: none (an Amazon Connect channel).
        :param role: The role the service assumes. Default: a new role created when the channel is bound.
        :param connect_instance_arn: The Amazon Connect instance of a Connect channel. Default: none (SNS).
        :param description: The Connect phone number's description. Default: none.
        :param removal_policy: What happens to the Connect import when it leaves the stack. Default: ``RETAIN``.
        """
        self._topic = topic
        self._role = role
        self._connect_instance_arn = connect_instance_arn
        self._description = description
        self._removal_policy = removal_policy

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

    @staticmethod
    def amazon_connect(
        instance_arn: str,
        *,
        description: str | None = None,
        removal_policy: cdk.RemovalPolicy | None = None,
    ) -> TwoWayChannel:
        """Hand inbound messages to an Amazon Connect instance, where flows and agents answer them as SMS chats.

        Only a ``PhoneNumber`` can take this channel: Amazon Connect imports phone numbers
        (``ImportPhoneNumber`` takes a phone number ARN), not pools, sender IDs (which have no two-way SMS) or RCS
        agents, and not simulator numbers (which the service does not allow as a Connect destination). The number
        gets an ``AWS::Connect::PhoneNumber`` child that imports it into the instance (``SourcePhoneNumberArn``),
        and a role trusted by ``sms-voice.amazonaws.com`` (``aws:SourceAccount`` and ``aws:SourceArn`` conditions)
        allowed ``connect:SendChatIntegrationEvent``, the one action AWS documents for this destination. The
        number's own ``TwoWay`` property is left out of the template: its CloudFormation schema accepts only an ARN
        (``^arn:\\S+$``), while the service names Amazon Connect as ``connect.<region>.amazonaws.com``. Instead a
        custom resource of the stack's account provider (``Custom::SmsConstructsPhoneNumberTwoWay``) sets it with
        ``UpdatePhoneNumber`` before the import, sets it again after every change of the number's properties, and on
        delete gives the number its two-way settings from before (two-way off if it had none).

        :param instance_arn: The ARN of the Amazon Connect instance, in the stack's account and Region
            (``arn:aws:connect:<region>:<account>:instance/<id>``); a deploy-time value is not checked. No default.
        :param description: The description of the phone number in Amazon Connect (1 to 500 characters).
            Default: none.
        :param removal_policy: What happens to the import (``AWS::Connect::PhoneNumber``) when it leaves the
            stack. CloudFormation deletes it with Amazon Connect's ``ReleasePhoneNumber``, and what that does to an
            imported number is not documented (a released Connect number cannot be reclaimed, and releases count
            against Connect's claim-and-release quota). Default: ``RemovalPolicy.RETAIN`` (the number stays in
            the instance; release it in Amazon Connect when you mean to).
        """
        return TwoWayChannel(
            None, None, connect_instance_arn=instance_arn, description=description, removal_policy=removal_policy
        )

    @property
    def is_amazon_connect(self) -> bool:
        """Whether inbound messages go to Amazon Connect (``amazon_connect``) rather than an SNS topic."""
        return self._connect_instance_arn is not None

    @property
    def topic(self) -> sns.ITopic:
        """The SNS topic inbound messages are published to; an Amazon Connect channel has none and raises."""
        if self._topic is None:
            raise ValidationError(
                "TwoWayChannel.amazon_connect",
                "topic",
                "an Amazon Connect channel has no SNS topic; inbound messages become Amazon Connect chats",
                self._connect_instance_arn,
            )
        return self._topic

    @property
    def connect_instance_arn(self) -> str | None:
        """The Amazon Connect instance of an ``amazon_connect`` channel, or ``None`` for an SNS channel."""
        return self._connect_instance_arn

    def _bind(self, owner: Construct, source_arn_patterns: Sequence[str]) -> BoundTwoWayChannel:
        """Create (or grant) the role and return the values for ``TwoWay`` (library internal)."""
        if self._topic is None:
            raise ValidationError(
                owner,
                "two_way",
                "TwoWayChannel.amazon_connect fits a PhoneNumber only: Amazon Connect imports phone numbers "
                "(ImportPhoneNumber takes a phone number ARN), not pools or RCS agents; give the number itself the "
                "channel, or use TwoWayChannel.sns_topic here",
                f"TwoWayChannel.amazon_connect({self._connect_instance_arn!r})",
            )
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

    def _bind_connect(
        self, number: Construct, source_arn_patterns: Sequence[str], resource: smsvoice.CfnPhoneNumber
    ) -> BoundConnectChannel:
        """Check the instance; create the role, the custom resource that points ``resource`` (the number's L1) at
        Amazon Connect, and the Connect import, next to ``number`` (library internal)."""
        instance_arn = self._connect_instance_arn
        if instance_arn is None:  # only called for amazon_connect channels
            raise TypeError("_bind_connect needs an amazon_connect channel")
        _check_connect_instance(number, instance_arn)
        description = self._description
        if description is not None and not cdk.Token.is_unresolved(description) and not 1 <= len(description) <= 500:
            raise ValidationError(
                number, "two_way.description", "must be 1 to 500 characters (AWS::Connect::PhoneNumber)", description
            )
        role = service_role(
            number,
            "TwoWayRole",
            "Lets AWS End User Messaging SMS hand inbound (two-way) messages to Amazon Connect",
            source_arn_patterns,
        )
        policy = iam.Policy(
            number,
            "TwoWayPolicy",
            statements=[iam.PolicyStatement(actions=[CONNECT_TWO_WAY_ACTION], resources=["*"])],
            roles=[role],
        )
        nag.acknowledge(
            policy,
            nag.granular(nag.AwsSolutions.IAM5, "Resource::*"),
            f"{CONNECT_TWO_WAY_ACTION} has no resource type and no condition key in the IAM service authorization "
            "reference, and AWS's own policy for a two-way Connect destination names Resource '*'; the role is "
            "assumable only by sms-voice.amazonaws.com for this account's phone numbers",
        )
        setting = _connect_two_way_setting(number, resource, role, policy)
        imported = connect.CfnPhoneNumber(
            number,
            "ConnectPhoneNumber",
            target_arn=instance_arn,
            source_phone_number_arn=resource.attr_arn,
            description=self._description,
        )
        # Order on create: the number, then the role and its policy, then two-way pointed at Amazon Connect (the
        # custom resource), then the import. Amazon Connect's own setup guide ("Set up SMS messaging", Amazon Connect
        # Administrator Guide) turns two-way on with Amazon Connect as the destination before it imports the number.
        # Delete runs the other way round: the import goes (or is retained) before two-way is restored.
        imported.node.add_dependency(setting)
        imported.apply_removal_policy(
            self._removal_policy if self._removal_policy is not None else cdk.RemovalPolicy.RETAIN
        )
        return BoundConnectChannel(role=role, policy=policy, connect_phone_number=imported, two_way_setting=setting)


@dataclasses.dataclass(frozen=True)
class BoundConnectChannel:
    """What ``TwoWayChannel.amazon_connect`` creates next to a phone number (library internal)."""

    role: iam.Role
    policy: iam.Policy
    connect_phone_number: connect.CfnPhoneNumber
    two_way_setting: cdk.CustomResource


def connect_channel_arn(scope: IConstruct) -> str:
    """The two-way channel that names Amazon Connect in ``scope``'s Region: ``connect.<region>.amazonaws.com``."""
    return f"connect.{stack_region(scope)}.amazonaws.com"


def _connect_two_way_setting(
    number: Construct, resource: smsvoice.CfnPhoneNumber, role: iam.IRole, policy: iam.Policy
) -> cdk.CustomResource:
    """The account provider's ``Custom::SmsConstructsPhoneNumberTwoWay`` that points ``resource`` at Amazon Connect.

    Its ``NumberRevision`` is a digest of the number's rendered properties (and the stack's tags), so CloudFormation
    updates it, and the handler sets the channel again, after every change of the number. IAM is exact: the two
    ``sms-voice`` actions on this number, ``iam:PassRole`` on ``role`` only (to ``sms-voice.amazonaws.com``), and the
    record actions on this number's ownership record.
    """
    provider = AccountProvider.of(number)
    provider.allow(iam.PolicyStatement(actions=list(CONNECT_TWO_WAY_PROVIDER_ACTIONS), resources=[resource.attr_arn]))
    provider.allow(
        iam.PolicyStatement(
            actions=["iam:PassRole"],
            resources=[role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": SMS_VOICE_SERVICE_PRINCIPAL}},
        )
    )
    provider.allow_records(f"{PHONE_NUMBER_TWO_WAY_RECORDS}/{resource.attr_phone_number_id}")
    setting = provider.add_resource(
        number,
        "ConnectTwoWay",
        resource_type=PHONE_NUMBER_TWO_WAY_TYPE,
        properties={
            "PhoneNumberId": resource.attr_phone_number_id,
            "TwoWayChannelArn": connect_channel_arn(number),
            "TwoWayChannelRole": role.role_arn,
            "NumberRevision": cdk.Lazy.string(_NumberRevision(resource)),
        },
    )
    # The service checks the role when the channel is set: the role's policy must exist first.
    setting.node.add_dependency(policy)
    return setting


@jsii.implements(cdk.IStableStringProducer)
class _NumberRevision:
    """A digest of the number's properties as CloudFormation receives them, computed when the template is rendered
    (after every property, tag and aspect is applied). Escape-hatch overrides (``add_property_override``) are not
    part of the L1's properties and are not covered."""

    def __init__(self, resource: smsvoice.CfnPhoneNumber) -> None:
        self._resource = resource

    def produce(self) -> str:
        stack = stack_of(self._resource)
        properties = self._resource._render_properties(self._resource._cfn_properties)
        rendered = stack.resolve({"Properties": properties, "StackTags": stack.tags.tag_values()})
        return hashlib.sha256(json.dumps(rendered, sort_keys=True).encode()).hexdigest()[:32]


def _check_connect_instance(number: IConstruct, instance_arn: str) -> None:
    """Raise for an instance ARN of the wrong shape or Region, and for a stack Region without Connect."""
    ours = stack_region(number)
    theirs: str | None = None
    if not cdk.Token.is_unresolved(instance_arn):
        match = _CONNECT_INSTANCE_ARN.fullmatch(instance_arn)
        if match is None:
            raise ValidationError(
                number,
                "two_way.instance_arn",
                "must be an Amazon Connect instance ARN, arn:<partition>:connect:<region>:<account>:instance/<id> "
                "(ImportPhoneNumber imports into an instance, not a traffic distribution group)",
                instance_arn,
            )
        theirs = match.group("region")
        if not cdk.Token.is_unresolved(ours) and theirs != ours:
            raise ValidationError(
                number,
                "two_way.instance_arn",
                f"must be in this stack's Region ({ours}): ImportPhoneNumber works only in the instance's Region; "
                f"the instance is in {theirs}",
                instance_arn,
            )
    if theirs is not None and cdk.Token.is_unresolved(ours):
        cdk.Annotations.of(number).add_warning_v2(
            REGION_NOT_CHECKED_WARNING,
            f"'two_way.instance_arn' must be in this stack's Region, but the instance is in {theirs!r} and this "
            "environment-agnostic stack's Region is only known at deploy time, so it was not checked. Give the "
            "stack an env with a Region, or acknowledge this warning if the Region is right.",
        )
    region = ours if not cdk.Token.is_unresolved(ours) else theirs
    if region is None:
        cdk.Annotations.of(number).add_warning_v2(
            CONNECT_SMS_REGION_WARNING,
            "the Region is only known at deploy time, so it was not checked against the Regions where Amazon Connect "
            "supports SMS (Amazon Connect Administrator Guide, 'Chat messaging: SMS subtype'). Give the stack an env "
            "with a Region, or acknowledge this warning if the Region is right.",
        )
        return
    if region not in CONNECT_REGIONS:
        raise ValidationError(
            number,
            "two_way",
            "Amazon Connect is not offered in this Region (Amazon Connect Administrator Guide, 'Amazon Connect "
            f"availability by Region': {', '.join(sorted(CONNECT_REGIONS))})",
            region,
        )
    if region not in CONNECT_SMS_REGIONS:
        cdk.Annotations.of(number).add_warning_v2(
            CONNECT_SMS_REGION_WARNING,
            f"{region} is not among the Regions this library has confirmed for Amazon Connect SMS "
            f"({', '.join(sorted(CONNECT_SMS_REGIONS))}); check 'Chat messaging: SMS subtype' in the Amazon Connect "
            "Administrator Guide and acknowledge this warning if it is listed there.",
        )


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
