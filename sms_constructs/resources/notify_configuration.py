"""``NotifyConfiguration``: managed one-time-code messaging (AWS End User Messaging Notify)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_smsvoice as smsvoice
import jsii
from aws_cdk.interfaces.aws_smsvoice import INotifyConfigurationRef, IPoolRef, NotifyConfigurationReference
from constructs import Construct

from .._private.arns import NOTIFY_CONFIGURATION, check_sms_arn
from .._private.errors import ValidationError
from .._private.validation import check_count, check_length, check_pattern, check_unique
from ._base import (
    NEWER_TYPE_REGIONS,
    apply_removal_policy,
    check_same_region,
    check_sms_voice_actions,
    newer_resource_type,
    resolve_deletion_protection,
    resource_name_from_arn,
)
from .origination_identity import ISO_COUNTRY_CODE_PATTERN

#: The ARN resource type of Notify configurations.
RESOURCE_TYPE = "notify-configuration"
DISPLAY_NAME_PATTERN = r"[A-Za-z0-9_ -]+"
TEMPLATE_ID_PATTERN = r"[A-Za-z0-9_-]*"
POOL_ID_PATTERN = r"[A-Za-z0-9_:/-]+"
#: ``EnabledCountries``: at most this many countries.
MAX_COUNTRIES = 300

SEND_NOTIFY_TEXT_MESSAGE_ACTION = "sms-voice:SendNotifyTextMessage"
SEND_NOTIFY_VOICE_MESSAGE_ACTION = "sms-voice:SendNotifyVoiceMessage"


class NotifyUseCase(enum.Enum):
    """What a Notify configuration sends (``UseCase``)."""

    #: One-time codes that verify a phone number or a sign-in (the only use case the service offers).
    CODE_VERIFICATION = "CODE_VERIFICATION"


class NotifyChannel(enum.Enum):
    """A channel a Notify configuration may send on (``EnabledChannels``)."""

    SMS = "SMS"
    VOICE = "VOICE"
    MMS = "MMS"
    RCS = "RCS"


@jsii.implements(INotifyConfigurationRef)
class NotifyConfigurationBase(cdk.Resource):
    """What an owned and an imported Notify configuration have in common: attributes and grants."""

    _arn: str
    _id: str
    #: The channels the configuration is known to enable (``None`` for an import).
    _channels: frozenset[NotifyChannel] | None = None

    @property
    def notify_configuration_arn(self) -> str:
        """The ARN of the Notify configuration (its ``Ref``)."""
        return self._arn

    @property
    def notify_configuration_id(self) -> str:
        """The ID of the Notify configuration (``nc-...``), the ``NotifyConfigurationId`` of a send."""
        return self._id

    @property
    def notify_configuration_ref(self) -> NotifyConfigurationReference:
        """A reference to this configuration (``aws_cdk.interfaces.aws_smsvoice.INotifyConfigurationRef``)."""
        return NotifyConfigurationReference(notify_configuration_arn=self._arn)

    def grant(self, grantee: iam.IGrantable, *actions: str) -> iam.Grant:
        """Allow ``grantee`` the ``sms-voice:`` ``actions`` on this configuration's ARN."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=check_sms_voice_actions(self, actions), resource_arns=[self._arn]
        )

    def grant_send_notify_text_message(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``grantee`` to send one-time codes by text with this configuration.

        Adds ``sms-voice:SendNotifyTextMessage`` on this configuration's ARN only (the Notify user guide: "To restrict
        permissions to a specific Notify configuration, use the configuration ARN"). A send that also names a
        ``ConfigurationSetName`` needs ``config.grant(grantee, "sms-voice:SendNotifyTextMessage")`` as well.
        """
        self._warn_unless_enabled(NotifyChannel.SMS, "grant_send_notify_text_message")
        return self.grant(grantee, SEND_NOTIFY_TEXT_MESSAGE_ACTION)

    def grant_send_notify_voice_message(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``grantee`` to send one-time codes by voice call with this configuration.

        Adds ``sms-voice:SendNotifyVoiceMessage`` on this configuration's ARN only. The configuration must enable
        ``NotifyChannel.VOICE`` (a warning says so when it is known not to).
        """
        self._warn_unless_enabled(NotifyChannel.VOICE, "grant_send_notify_voice_message")
        return self.grant(grantee, SEND_NOTIFY_VOICE_MESSAGE_ACTION)

    def _warn_unless_enabled(self, channel: NotifyChannel, method: str) -> None:
        if self._channels is not None and channel not in self._channels:
            cdk.Annotations.of(self).add_warning_v2(
                "sms-constructs:NotifyChannelNotEnabled",
                f"{method}: the configuration does not enable NotifyChannel.{channel.name}, so the sends it allows "
                f"will fail; add it to enabled_channels.",
            )


class NotifyConfiguration(NotifyConfigurationBase):
    """A Notify configuration (``AWS::SMSVOICE::NotifyConfiguration``): managed one-time-code messaging.

    With Notify, AWS owns the origination identities, the carrier registrations and pre-approved code-verification
    templates: create a configuration with your display name and channels, then call ``SendNotifyTextMessage`` (or
    ``SendNotifyVoiceMessage``) with its ID, a destination number and the template variables. SMS Protect filtering is
    mandatory. A new configuration is ``PENDING`` until AWS has validated the account; its tier (``BASIC`` or
    ``ADVANCED``) sets the limits.

    Not in CloudFormation, and not in this construct: the Notify monthly spend-limit override
    (``SetNotifyMessageSpendLimitOverride``).

    Example::

        otp = NotifyConfiguration(self, "Otp", display_name="Acme", enabled_channels=[NotifyChannel.SMS])
        otp.grant_send_notify_text_message(sender_function)
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        display_name: str,
        enabled_channels: Sequence[NotifyChannel],
        use_case: NotifyUseCase | None = None,
        enabled_countries: Sequence[str] | None = None,
        default_template_id: str | None = None,
        pool: IPoolRef | None = None,
        deletion_protection_enabled: bool | None = None,
        removal_policy: cdk.RemovalPolicy | None = None,
    ) -> None:
        """
        :param display_name: The brand name recipients see in the messages: 1–15 characters of letters, digits, space,
            ``_`` and ``-``. Changing it replaces the configuration. No default.
        :param enabled_channels: The channels to send on, 1–4 distinct ``NotifyChannel`` values. No default.
        :param use_case: What the configuration sends. Changing it replaces the configuration. Default:
            ``NotifyUseCase.CODE_VERIFICATION`` (the only use case).
        :param enabled_countries: Destination countries (ISO 3166-1 alpha-2, each once, at most 300). Default: not set
            (the service's default countries for the tier).
        :param default_template_id: The template used when a send names none: at most 256 characters of letters,
            digits, ``_`` and ``-`` (list them with ``DescribeNotifyTemplates``). Default: none.
        :param pool: A pool of your own origination identities to send from, in this stack's Region. Default: none
            (AWS-managed identities).
        :param deletion_protection_enabled: Refuse deletion through the API while enabled. Default: ``True``, or
            ``False`` when ``removal_policy`` is ``DESTROY``.
        :param removal_policy: What happens to the configuration when it leaves the stack. Default:
            ``RemovalPolicy.RETAIN`` (its validation and tier upgrade are reviewed by AWS and take time to redo).
        """
        super().__init__(scope, id)
        check_length(self, "display_name", display_name, 1, 15)
        check_pattern(self, "display_name", display_name, DISPLAY_NAME_PATTERN, "letters, digits, space, '_' and '-'")
        channels = _check_channels(self, enabled_channels)
        chosen_use_case = use_case if use_case is not None else NotifyUseCase.CODE_VERIFICATION
        if not isinstance(chosen_use_case, NotifyUseCase):
            raise ValidationError(self, "use_case", "must be a NotifyUseCase (CODE_VERIFICATION)", use_case)
        if enabled_countries is not None:
            check_count(self, "enabled_countries", list(enabled_countries), 1, MAX_COUNTRIES)
            for code in enabled_countries:
                check_pattern(self, "enabled_countries", code, ISO_COUNTRY_CODE_PATTERN, "ISO 3166-1 alpha-2")
            check_unique(self, "enabled_countries", enabled_countries, "countries")
        check_length(self, "default_template_id", default_template_id, 0, 256)
        check_pattern(
            self, "default_template_id", default_template_id, TEMPLATE_ID_PATTERN, "letters, digits, '_' and '-'"
        )
        pool_id = _pool_id(self, pool)

        self.resource = smsvoice.CfnNotifyConfiguration(
            self,
            "Resource",
            display_name=display_name,
            use_case=chosen_use_case.value,
            enabled_channels=[c.value for c in enabled_channels],
            enabled_countries=list(enabled_countries) if enabled_countries is not None else None,
            default_template_id=default_template_id,
            pool_id=pool_id,
            deletion_protection_enabled=resolve_deletion_protection(self, deletion_protection_enabled, removal_policy),
        )
        apply_removal_policy(self.resource, removal_policy)
        newer_resource_type(self.resource, NEWER_TYPE_REGIONS, unknown_to_cdk_validation=True)
        self._arn = self.resource.attr_notify_configuration_arn
        self._id = self.resource.attr_notify_configuration_id
        self._channels = channels

    @property
    def status(self) -> str:
        """``PENDING``, ``ACTIVE``, ``REJECTED`` or ``REQUIRES_VERIFICATION`` (``GetAtt Status``, a token)."""
        return self.resource.attr_status

    @property
    def tier(self) -> str:
        """``BASIC`` or ``ADVANCED`` (``GetAtt Tier``, a token)."""
        return self.resource.attr_tier

    @staticmethod
    def from_notify_configuration_arn(
        scope: Construct, id: str, notify_configuration_arn: str
    ) -> NotifyConfigurationBase:
        """Import a Notify configuration by ARN (``arn:aws:sms-voice:<region>:<account>:notify-configuration/<id>``).

        The ID is the last part of the ARN; the account and Region are taken from it.
        """
        check_sms_arn(scope, id, "notify_configuration_arn", notify_configuration_arn, NOTIFY_CONFIGURATION)
        return _ImportedNotifyConfiguration(
            scope, id, notify_configuration_arn, resource_name_from_arn(notify_configuration_arn)
        )


class _ImportedNotifyConfiguration(NotifyConfigurationBase):
    def __init__(self, scope: Construct, id: str, arn: str, configuration_id: str) -> None:
        super().__init__(scope, id, environment_from_arn=arn)
        self._arn = arn
        self._id = configuration_id


def _check_channels(scope: Construct, channels: Sequence[Any]) -> frozenset[NotifyChannel]:
    check_count(scope, "enabled_channels", list(channels), 1, len(NotifyChannel))
    for channel in channels:
        if not isinstance(channel, NotifyChannel):
            raise ValidationError(
                scope,
                "enabled_channels",
                f"each item must be a NotifyChannel ({', '.join(c.name for c in NotifyChannel)})",
                channel,
            )
    check_unique(scope, "enabled_channels", [c.name for c in channels], "channels")
    return frozenset(channels)


def _pool_id(scope: Construct, pool: IPoolRef | None) -> str | None:
    if pool is None:
        return None
    check_same_region(scope, "pool", pool)
    identifier = pool.pool_ref.pool_id
    check_length(scope, "pool", identifier, 1, 256)
    check_pattern(scope, "pool", identifier, POOL_ID_PATTERN, "a pool ID or ARN")
    return identifier
