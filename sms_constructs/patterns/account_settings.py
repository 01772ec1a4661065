"""``SmsAccountSettings``: the account-level SMS settings CloudFormation cannot set, through the library's provider.

Each setting is one custom resource of the stack's account provider (``_private/sdk_calls.py``, handler
``lambda/account_provider/handler.py``): create and update set the declared value after remembering the value before
the stack; delete sets that value back, and only the resource that owns the setting's record does so.
"""

from __future__ import annotations

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
from aws_cdk.interfaces.aws_smsvoice import IConfigurationSetRef, IProtectConfigurationRef
from constructs import Construct

from .._private.errors import ValidationError
from .._private.sdk_calls import (
    ACCOUNT_SETTINGS_RECORDS,
    DEFAULT_MESSAGE_TYPE_TYPE,
    DEFAULT_PROTECT_CONFIGURATION_TYPE,
    PROTECT_CONFIGURATIONS_REASON,
    SPEND_LIMIT_TYPE,
    AccountProvider,
)
from .._private.stacks import stack_account, stack_of, stack_region
from .._private.validation import check_range, is_unresolved
from ..resources._base import check_same_region
from ..resources.common import MessageType
from . import _guards

#: The largest monthly limit the API accepts (``MonthlyLimit``, whole USD).
MAX_MONTHLY_LIMIT_USD = 1_000_000_000
#: The smallest enforced limit the service accepts, in USD: "between $1 and the account limit" (AWS End User Messaging
#: SMS User Guide, spend limits), except Notify's, "between $11 and your account limit" (the user guide's "Notify spend
#: limits" page).
MIN_MONTHLY_LIMIT_USD = 1
MIN_NOTIFY_MONTHLY_LIMIT_USD = 11

#: Spend-limit override prop → (the handler's ``Channel``, the ``Set…``/``Delete…`` operation stem, the setting's key).
_SPEND_LIMITS = (
    ("text_spend_limit_override_usd", "TEXT", "TextMessage", "TextSpendLimitOverride"),
    ("media_spend_limit_override_usd", "MEDIA", "MediaMessage", "MediaSpendLimitOverride"),
    ("voice_spend_limit_override_usd", "VOICE", "VoiceMessage", "VoiceSpendLimitOverride"),
    ("notify_spend_limit_override_usd", "NOTIFY", "NotifyMessage", "NotifySpendLimitOverride"),
    ("rcs_spend_limit_override_usd", "RCS", "RcsMessage", "RcsSpendLimitOverride"),
)


class SmsAccountSettings(Construct):
    """Account-level AWS End User Messaging SMS settings of this stack's account and Region.

    CloudFormation has no resource for them, so each is a custom resource of the library's provider (a Python Lambda
    of this stack; nothing is downloaded at deploy time): the enforced monthly spend limits
    (``Set…SpendLimitOverride``), the account default protect configuration
    (``SetAccountDefaultProtectConfiguration``) and, with :meth:`set_default_message_type`, a configuration set's
    default message type (``SetDefaultMessageType``).

    Create remembers the value before the stack; deleting the setting (or the stack) sets that value back — a limit
    that was not overridden has its override deleted, one overridden at X is set to X again. The rollback of a failed
    create changes nothing; moving the construct (a replacement) hands the setting to the new resource, which inherits
    the value before the stack. The provider keeps that value and the owner in an SSM parameter per setting
    (``/sms-constructs/account-settings/...``).

    These settings belong to the whole account and Region, so an app may hold only one ``SmsAccountSettings`` per
    account and Region (a second is rejected at synth time; stacks without an explicit account or Region are assumed to
    share one). Another app or the console can still change the same settings: keep one owner.

    Example::

        SmsAccountSettings(self, "Account", text_spend_limit_override_usd=100,
                           default_protect_configuration=protect)
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        text_spend_limit_override_usd: int | None = None,
        media_spend_limit_override_usd: int | None = None,
        voice_spend_limit_override_usd: int | None = None,
        notify_spend_limit_override_usd: int | None = None,
        rcs_spend_limit_override_usd: int | None = None,
        default_protect_configuration: IProtectConfigurationRef | None = None,
    ) -> None:
        """
        :param text_spend_limit_override_usd: The enforced monthly spend limit for SMS, in whole USD (at least 1, at
            most the account's spend limit, which only a quota increase raises; the sandbox's is 1). When the month's
            text spend reaches it, every send fails with ``MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT`` until the month
            ends; a spend alarm of an ``SmsMonitoring`` of the same account and Region above it is refused (it could
            never fire). Default: not managed (the enforced limit stays what it is).
        :param media_spend_limit_override_usd: The same for MMS. Default: not managed.
        :param voice_spend_limit_override_usd: The same for voice messages. Default: not managed.
        :param notify_spend_limit_override_usd: The same for Notify (templated one-time-code) messages, at least 11
            (the Notify minimum). Default: not managed.
        :param rcs_spend_limit_override_usd: The same for RCS messages. Default: not managed.
        :param default_protect_configuration: The protect configuration applied to every send of the account and
            Region that names neither its own nor one through its configuration set, including sends through Amazon
            SNS and Amazon Cognito. It must be in this stack's Region. Default: not managed.
        """
        super().__init__(scope, id)
        _reject_second_instance(self)
        limits = {
            "text_spend_limit_override_usd": text_spend_limit_override_usd,
            "media_spend_limit_override_usd": media_spend_limit_override_usd,
            "voice_spend_limit_override_usd": voice_spend_limit_override_usd,
            "notify_spend_limit_override_usd": notify_spend_limit_override_usd,
            "rcs_spend_limit_override_usd": rcs_spend_limit_override_usd,
        }
        for prop, value in limits.items():
            minimum = MIN_NOTIFY_MONTHLY_LIMIT_USD if prop.startswith("notify") else MIN_MONTHLY_LIMIT_USD
            _check_monthly_limit(self, prop, value, minimum)
        if default_protect_configuration is not None:
            check_same_region(self, "default_protect_configuration", default_protect_configuration)
        #: The enforced monthly SMS spend limit this construct sets, in USD, or ``None`` when it is not managed.
        self.text_spend_limit_override_usd = text_spend_limit_override_usd
        _guards.check_spend_alarms_under_overrides(self)

        #: The custom resources, by setting (``TextSpendLimitOverride``, ``DefaultProtectConfiguration``, ...).
        self.resources: dict[str, cdk.CustomResource] = {}
        declared = [
            (prop, channel, stem, key) for prop, channel, stem, key in _SPEND_LIMITS if limits[prop] is not None
        ]
        if not declared and default_protect_configuration is None:
            return
        provider = AccountProvider.of(self)
        for prop, channel, stem, key in declared:
            provider.allow_unscoped(
                [
                    "sms-voice:DescribeSpendLimits",
                    f"sms-voice:Set{stem}SpendLimitOverride",
                    f"sms-voice:Delete{stem}SpendLimitOverride",
                ]
            )
            provider.allow_records(f"{ACCOUNT_SETTINGS_RECORDS}/spend-limit/{channel}")
            self.resources[key] = provider.add_resource(
                self,
                key.removesuffix("Override"),
                resource_type=SPEND_LIMIT_TYPE.format(channel=stem.removesuffix("Message")),
                properties={"Channel": channel, "MonthlyLimit": _whole(limits[prop])},
            )
        if default_protect_configuration is not None:
            reference = default_protect_configuration.protect_configuration_ref
            stack = stack_of(self)
            any_protect_configuration = stack.format_arn(
                service="sms-voice",
                resource="protect-configuration",
                resource_name="*",
                arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
            )
            provider.allow_unscoped(
                ["sms-voice:DescribeAccountAttributes", "sms-voice:DeleteAccountDefaultProtectConfiguration"]
            )
            # SetAccountDefaultProtectConfiguration is authorized on the protect configuration: the declared one, and
            # on delete the previous default, unknown until deploy time.
            provider.allow(
                iam.PolicyStatement(
                    actions=["sms-voice:SetAccountDefaultProtectConfiguration"],
                    resources=[reference.protect_configuration_arn, any_protect_configuration],
                )
            )
            provider.acknowledge_scoped_wildcard(any_protect_configuration, PROTECT_CONFIGURATIONS_REASON)
            provider.allow_records(f"{ACCOUNT_SETTINGS_RECORDS}/default-protect-configuration")
            self.resources["DefaultProtectConfiguration"] = provider.add_resource(
                self,
                "AccountDefaultProtectConfiguration",
                resource_type=DEFAULT_PROTECT_CONFIGURATION_TYPE,
                properties={"ProtectConfigurationId": reference.protect_configuration_id},
            )

    def set_default_message_type(
        self, configuration_set: IConfigurationSetRef, message_type: MessageType
    ) -> cdk.CustomResource:
        """Set the message type of sends with ``configuration_set`` that name none (``SetDefaultMessageType``).
        CloudFormation's configuration set has no property for it.

        Create remembers the configuration set's default before the stack (``DescribeConfigurationSets``); delete sets
        it back (``DeleteDefaultMessageType`` if it had none). The custom resource is created here, in this construct's
        stack, which then depends on the configuration set's.

        :param configuration_set: The configuration set (of this account and Region).
        :param message_type: ``MessageType.TRANSACTIONAL`` (time-sensitive, e.g. one-time codes) or
            ``MessageType.PROMOTIONAL``.
        :returns: The custom resource.
        """
        if not isinstance(message_type, MessageType):
            raise ValidationError(self, "message_type", "must be a MessageType", message_type)
        check_same_region(self, "configuration_set", configuration_set)
        reference = configuration_set.configuration_set_ref
        key = f"DefaultMessageType{cdk.Names.unique_id(configuration_set)}"
        if key in self.resources:
            raise ValidationError(
                self,
                "configuration_set",
                "already has its default message type set by this construct (one call per configuration set)",
                configuration_set.node.path,
            )
        provider = AccountProvider.of(self)
        provider.allow(
            iam.PolicyStatement(
                actions=[
                    "sms-voice:DescribeConfigurationSets",
                    "sms-voice:SetDefaultMessageType",
                    "sms-voice:DeleteDefaultMessageType",
                ],
                resources=[reference.configuration_set_arn],
            )
        )
        provider.allow_records(f"{ACCOUNT_SETTINGS_RECORDS}/default-message-type/{reference.configuration_set_name}")
        self.resources[key] = provider.add_resource(
            self,
            f"MessageTypeOf{cdk.Names.unique_id(configuration_set)}",
            resource_type=DEFAULT_MESSAGE_TYPE_TYPE,
            properties={
                "ConfigurationSetName": reference.configuration_set_name,
                "MessageType": message_type.value,
            },
        )
        return self.resources[key]


def _whole(value: int | None) -> int | None:
    """``value`` as an int (CloudFormation passes it to the handler as a string: ``100``, not ``100.0``)."""
    return value if value is None or is_unresolved(value) else int(value)


def _check_monthly_limit(scope: Construct, prop: str, value: int | None, minimum: int) -> None:
    if value is None or is_unresolved(value):
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not float(value).is_integer():
        raise ValidationError(scope, prop, "must be a whole number of USD (the API's MonthlyLimit)", value)
    check_range(scope, prop, value, minimum, MAX_MONTHLY_LIMIT_USD, "USD (the service's enforced-limit range)")


def _environment(scope: Construct) -> tuple[str | None, str | None]:
    """The account and Region of ``scope``'s stack, ``None`` where it is not known at synth time."""
    account, region = stack_account(scope), stack_region(scope)
    return (None if is_unresolved(account) else account), (None if is_unresolved(region) else region)


def _reject_second_instance(settings: SmsAccountSettings) -> None:
    """One ``SmsAccountSettings`` per account and Region in an app: two would overwrite each other's settings, and the
    first to be deleted would reset both. An unknown account or Region may be any, so it matches every other."""
    account, region = _environment(settings)
    for other in settings.node.root.node.find_all():
        if other is settings or not isinstance(other, SmsAccountSettings):
            continue
        their_account, their_region = _environment(other)
        same_account = account is None or their_account is None or account == their_account
        same_region = region is None or their_region is None or region == their_region
        if same_account and same_region:
            raise ValidationError(
                settings,
                "scope",
                "an app may hold one SmsAccountSettings per account and Region (they are account-wide settings: two "
                "would overwrite each other); this one would share the account and Region of",
                other.node.path,
            )
