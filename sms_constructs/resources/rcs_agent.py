"""``RcsAgent``: the brand identity that sends RCS (rich) messages, with its two-way settings."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_s3 as s3
import aws_cdk.aws_smsvoice as smsvoice
import jsii
from aws_cdk.interfaces.aws_smsvoice import IOptOutListRef, IRcsAgentRef, RcsAgentReference
from constructs import Construct

from .._private import nag
from .._private.arns import RCS_AGENT, check_sms_arn
from .._private.errors import ValidationError
from .._private.validation import check_count, check_length, check_pattern, is_unresolved
from ._base import (
    RCS_AGENT_REGIONS,
    apply_removal_policy,
    check_sms_voice_actions,
    newer_resource_type,
    resolve_deletion_protection,
    resource_name_from_arn,
)
from .origination_identity import SEND_TEXT_MESSAGE_ACTION, opt_out_list_identifier
from .two_way import TwoWayChannel, service_role, source_arn_patterns

#: The ARN resource type of RCS agents.
RESOURCE_TYPE = "rcs-agent"
#: ``TwoWayRcsEventsEnabled``: at most this many entries, each 1–50 characters; ``ALL`` must stand alone.
MAX_RCS_EVENTS = 100
ALL_RCS_EVENTS = "ALL"
#: ``TwoWayMediaS3KeyPrefix``: 1–1024 characters.
MAX_KEY_PREFIX_LENGTH = 1024
#: The IAM action that sends a rich RCS message; it accepts the ``RcsAgent`` resource type.
SEND_RCS_MESSAGE_ACTION = "sms-voice:SendRcsMessage"
#: Warning id of ``RcsAgentBase.grant_send_text_message``, which cannot add a scoped permission.
SEND_TEXT_MESSAGE_WARNING = "sms-constructs:RcsAgentSendTextMessageNotScoped"
#: ``OptOutListName`` of an RCS agent: a name only (1–64 characters), not an ARN as phone numbers and pools accept.
OPT_OUT_LIST_NAME_PATTERN = r"[A-Za-z0-9_-]+"


@jsii.implements(IRcsAgentRef)
class RcsAgentBase(cdk.Resource):
    """What an owned and an imported RCS agent have in common: attributes and grants.

    An RCS agent is an origination identity: pass ``origination_identity_arn`` as ``OriginationIdentity`` to
    ``SendTextMessage`` or ``SendRcsMessage``. IAM can scope only ``SendRcsMessage`` to the agent
    (``grant_send_rcs_message``); ``SendTextMessage`` has no ``RcsAgent`` resource type.
    """

    _arn: str
    _id: str

    @property
    def rcs_agent_arn(self) -> str:
        """The ARN of the RCS agent (its ``Ref``)."""
        return self._arn

    @property
    def rcs_agent_id(self) -> str:
        """The ID of the RCS agent (``rcs-...``)."""
        return self._id

    @property
    def origination_identity_arn(self) -> str:
        """The ARN to pass as ``OriginationIdentity`` (the agent's ARN)."""
        return self._arn

    @property
    def rcs_agent_ref(self) -> RcsAgentReference:
        """A reference to this agent (``aws_cdk.interfaces.aws_smsvoice.IRcsAgentRef``)."""
        return RcsAgentReference(rcs_agent_arn=self._arn)

    def grant(self, grantee: iam.IGrantable, *actions: str) -> iam.Grant:
        """Allow ``grantee`` the ``sms-voice:`` ``actions`` on this agent's ARN."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=check_sms_voice_actions(self, actions), resource_arns=[self._arn]
        )

    def grant_send_text_message(self, grantee: iam.IGrantable) -> iam.Grant:
        """Deprecated: adds nothing, because IAM cannot limit ``sms-voice:SendTextMessage`` to an RCS agent.

        The Service Authorization Reference lists no ``RcsAgent`` resource type for ``SendTextMessage`` (only
        ``ConfigurationSet``, ``PhoneNumber``, ``Pool``, ``ProtectConfiguration`` and ``SenderId``): a statement on the
        agent's ARN never matches a ``SendTextMessage`` request. A text message sent through the agent is authorized
        on the configuration set it names (``ConfigurationSet.grant_send_text_message``), or, through a pool that
        holds the agent, on the pool (``Pool.grant_send_text_message``); ``SmsSendQueue`` grants its configuration
        set itself. For rich messages, ``grant_send_rcs_message`` is scoped to the agent.

        The method stays so that an agent can still be passed where an ``IOriginationIdentity`` is expected; it
        returns a dropped grant (``iam.Grant.drop``) and raises the warning
        ``sms-constructs:RcsAgentSendTextMessageNotScoped``.
        """
        cdk.Annotations.of(self).add_warning_v2(
            SEND_TEXT_MESSAGE_WARNING,
            "grant_send_text_message on an RCS agent adds no permission: IAM has no RcsAgent resource type for "
            "sms-voice:SendTextMessage. Grant it on the configuration set you send with "
            "(ConfigurationSet.grant_send_text_message) or on the pool that holds the agent; for rich messages use "
            "grant_send_rcs_message.",
        )
        return iam.Grant.drop(grantee, f"{SEND_TEXT_MESSAGE_ACTION} on {self.node.path} (no RcsAgent resource type)")

    def grant_send_rcs_message(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``grantee`` to send rich RCS messages from this agent (``sms-voice:SendRcsMessage`` on its ARN).

        ``SendRcsMessage`` accepts the ``RcsAgent`` resource type, so the statement names this agent only. A request
        that also names a configuration set (``ConfigurationSetName``) is authorized on it too: add
        ``configuration_set.grant(grantee, "sms-voice:SendRcsMessage")``.
        """
        return self.grant(grantee, SEND_RCS_MESSAGE_ACTION)


class RcsAgent(RcsAgentBase):
    """An RCS agent (``AWS::SMSVOICE::RcsAgent``): your brand on the RCS channel.

    A new agent is ``CREATED``; it moves through ``TESTING``, ``PARTIAL`` and ``ACTIVE`` only as its testing and
    country-launch registrations (``<ISO2>_RCS_LAUNCH_REGISTRATION``) are approved by the carriers, which stays a review
    outside CloudFormation (see ``Registration``).

    Two-way: replies go to an SNS topic through a role the service assumes (``two_way``); media that recipients send
    (images, video, documents) is uploaded to an S3 bucket through a second role (``media_bucket``), and the SNS
    notification names the object. Both roles trust ``sms-voice.amazonaws.com`` only on condition of
    ``aws:SourceAccount`` = this account and ``aws:SourceArn`` like this account's RCS agents in this Region.

    Example::

        agent = RcsAgent(self, "Agent", opt_out_list=opt_outs, two_way=TwoWayChannel.sns_topic(topic))
        agent.grant_send_rcs_message(sender_function)
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        opt_out_list: IOptOutListRef | None = None,
        self_managed_opt_outs_enabled: bool | None = None,
        two_way: TwoWayChannel | None = None,
        two_way_rcs_events_enabled: Sequence[str] | None = None,
        media_bucket: s3.IBucket | None = None,
        media_key_prefix: str | None = None,
        media_role: iam.IRole | None = None,
        deletion_protection_enabled: bool | None = None,
        removal_policy: cdk.RemovalPolicy | None = None,
        name: str | None = None,
    ) -> None:
        """
        :param opt_out_list: The opt-out list of the agent, in this stack's account and Region (the agent takes a
            list *name*). Default: the account's default opt-out list.
        :param self_managed_opt_outs_enabled: ``True`` if your application answers HELP and STOP and honours
            opt-outs itself; it then needs ``two_way`` to see them. Default: ``False``.
        :param two_way: Where inbound messages (text, locations, suggestion replies) go:
            ``TwoWayChannel.sns_topic(topic)``. Default: two-way off.
        :param two_way_rcs_events_enabled: The inbound RCS event types to publish: ``["ALL"]`` alone, or up to 100
            event names of 1–50 characters. Needs ``two_way``. Default: not set (the service's default).
        :param media_bucket: The bucket that receives the media recipients send. Needs ``two_way`` (the service
            requires two-way before media storage). Default: none (inbound media is not stored).
        :param media_key_prefix: Prefix of the media objects' keys, 1–1024 characters. Needs ``media_bucket``.
            Default: none (keys at the bucket root).
        :param media_role: The role the service assumes to upload media; it is granted ``s3:PutObject`` on the
            bucket (under the prefix) and the use of the bucket's KMS key. Default: a new role, trusted by
            ``sms-voice.amazonaws.com`` under ``aws:SourceAccount`` and ``aws:SourceArn`` conditions.
        :param deletion_protection_enabled: Refuse deletion through the API while enabled. Default: ``True``, or
            ``False`` when ``removal_policy`` is ``DESTROY``.
        :param removal_policy: What happens to the agent when it leaves the stack. Default: ``RemovalPolicy.RETAIN``
            (its carrier launches are reviewed per country and take weeks to redo).
        :param name: Display name, stored as the ``Name`` tag: 1–256 characters. Default: none.
        """
        super().__init__(scope, id)
        check_length(self, "name", name, 1, 256)
        if two_way is not None and not isinstance(two_way, TwoWayChannel):
            raise ValidationError(
                self, "two_way", "must be a TwoWayChannel, e.g. TwoWayChannel.sns_topic(topic)", two_way
            )
        _check_needs(self, "two_way_rcs_events_enabled", two_way_rcs_events_enabled, "two_way", two_way)
        _check_needs(self, "media_bucket", media_bucket, "two_way", two_way)
        _check_needs(self, "media_key_prefix", media_key_prefix, "media_bucket", media_bucket)
        _check_needs(self, "media_role", media_role, "media_bucket", media_bucket)
        check_length(self, "media_key_prefix", media_key_prefix, 1, MAX_KEY_PREFIX_LENGTH)
        events = _check_rcs_events(self, two_way_rcs_events_enabled)
        opt_out_list_name = _opt_out_list_name(self, opt_out_list)
        if self_managed_opt_outs_enabled and two_way is None:
            raise ValidationError(
                self,
                "self_managed_opt_outs_enabled",
                "self-managed opt-outs need two_way: without an inbound channel your application never sees STOP",
                True,
            )
        deletion_protection = resolve_deletion_protection(self, deletion_protection_enabled, removal_policy)

        bound = two_way._bind(self, source_arn_patterns(self, RESOURCE_TYPE)) if two_way else None
        self.resource = smsvoice.CfnRcsAgent(
            self,
            "Resource",
            opt_out_list_name=opt_out_list_name,
            self_managed_opt_outs_enabled=self_managed_opt_outs_enabled,
            two_way_enabled=True if bound else None,
            two_way_channel_arn=bound.channel_arn if bound else None,
            two_way_channel_role=bound.channel_role_arn if bound else None,
            two_way_rcs_events_enabled=events,
            deletion_protection_enabled=deletion_protection,
            tags=[cdk.CfnTag(key="Name", value=name)] if name is not None else None,
        )
        if bound:
            # The service checks the channel when the agent is created or updated: the role must exist first.
            self.resource.node.add_dependency(bound.role)
        #: The role the service assumes to publish inbound messages, when two-way is on.
        self.two_way_role = bound.role if bound else None
        #: The role the service assumes to upload inbound media, when ``media_bucket`` is given.
        self.media_role: iam.IRole | None = None
        if media_bucket is not None:
            self.media_role = self._bind_media(media_bucket, media_key_prefix, media_role)
        apply_removal_policy(self.resource, removal_policy)
        newer_resource_type(self.resource, RCS_AGENT_REGIONS, unknown_to_cdk_validation=True)
        self._arn = self.resource.attr_rcs_agent_arn
        self._id = self.resource.attr_rcs_agent_id

    def _bind_media(self, bucket: s3.IBucket, prefix: str | None, role: iam.IRole | None) -> iam.IRole:
        media_role = role or service_role(
            self,
            "MediaRole",
            "Lets AWS End User Messaging SMS upload inbound RCS media to one S3 bucket",
            source_arn_patterns(self, RESOURCE_TYPE),
        )
        objects = bucket.arn_for_objects(f"{prefix}*" if prefix else "*")
        media_role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:PutObject"], resources=[objects]))
        if bucket.encryption_key is not None:
            bucket.encryption_key.grant(media_role, "kms:GenerateDataKey")
        _acknowledge_media_objects(media_role, objects)
        self.resource.two_way_media_s3_bucket_name = bucket.bucket_name
        self.resource.two_way_media_s3_key_prefix = prefix
        self.resource.two_way_media_s3_role = media_role.role_arn
        self.resource.node.add_dependency(media_role)
        return media_role

    @property
    def status(self) -> str:
        """``CREATED``, ``TESTING``, ``PARTIAL``, ``ACTIVE``, ... as CloudFormation read it (a token)."""
        return self.resource.attr_status

    @property
    def pool_id(self) -> str:
        """The ID of the pool the service made for the agent (``GetAtt PoolId``, a token)."""
        return self.resource.attr_pool_id

    @staticmethod
    def from_rcs_agent_arn(scope: Construct, id: str, rcs_agent_arn: str) -> RcsAgentBase:
        """Import an RCS agent by ARN (``arn:aws:sms-voice:<region>:<account>:rcs-agent/<id>``).

        The ID is the last part of the ARN; the account and Region are taken from it.
        """
        check_sms_arn(scope, id, "rcs_agent_arn", rcs_agent_arn, RCS_AGENT)
        return _ImportedRcsAgent(scope, id, rcs_agent_arn, resource_name_from_arn(rcs_agent_arn))


class _ImportedRcsAgent(RcsAgentBase):
    def __init__(self, scope: Construct, id: str, arn: str, agent_id: str) -> None:
        super().__init__(scope, id, environment_from_arn=arn)
        self._arn = arn
        self._id = agent_id


def _acknowledge_media_objects(role: iam.IRole, objects: str) -> None:
    policy = role.node.try_find_child("DefaultPolicy") or role
    finding = nag.resource_finding(role, objects)
    reason = (
        "The service names each inbound media object itself (one per message and file), so the object ARNs can only "
        "be given as the bucket's key prefix; the statement allows only s3:PutObject, on that prefix of one bucket."
    )
    nag.acknowledge(policy, nag.granular(nag.AwsSolutions.IAM5, finding) if finding else nag.AwsSolutions.IAM5, reason)


def _check_needs(scope: Construct, prop: str, value: object, needed: str, needed_value: object) -> None:
    if value is not None and needed_value is None:
        raise ValidationError(scope, prop, f"needs '{needed}'", value)


def _check_rcs_events(scope: Construct, events: Sequence[str] | None) -> list[str] | None:
    if events is None:
        return None
    items = list(events)
    check_count(scope, "two_way_rcs_events_enabled", items, 1, MAX_RCS_EVENTS)
    for event in items:
        check_length(scope, "two_way_rcs_events_enabled", event, 1, 50)
    literal = [e for e in items if not is_unresolved(e)]
    if ALL_RCS_EVENTS in literal and len(items) > 1:
        raise ValidationError(scope, "two_way_rcs_events_enabled", "'ALL' must be the only item", items)
    if len(set(literal)) != len(literal):
        raise ValidationError(scope, "two_way_rcs_events_enabled", "event types must be unique", items)
    return items


def _opt_out_list_name(scope: Construct, opt_out_list: IOptOutListRef | None) -> str | None:
    """The list's name: an RCS agent refers to an opt-out list of its own account by name only."""
    identifier = opt_out_list_identifier(scope, opt_out_list)
    if identifier is None or opt_out_list is None:
        return None
    name = opt_out_list.opt_out_list_ref.opt_out_list_name
    if identifier != name:
        raise ValidationError(
            scope,
            "opt_out_list",
            "must belong to this stack's account: an RCS agent refers to its opt-out list by name (1-64 characters)",
            identifier,
        )
    check_length(scope, "opt_out_list", name, 1, 64)
    check_pattern(scope, "opt_out_list", name, OPT_OUT_LIST_NAME_PATTERN, "an opt-out list name")
    return name
