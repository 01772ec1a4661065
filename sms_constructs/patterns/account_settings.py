"""``SmsAccountSettings``: the account-level SMS settings CloudFormation cannot set, as SDK calls in the stack.

Each setting is one ``custom_resources.AwsCustomResource``: the ``Set*`` call on create and update, the matching
``Delete*`` call on delete (the setting returns to the account's default), with a policy of exactly those two actions.
"""

from __future__ import annotations

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.custom_resources as cr
from aws_cdk.interfaces.aws_smsvoice import IConfigurationSetRef, IProtectConfigurationRef
from constructs import Construct

from .._private.errors import ValidationError
from .._private.sdk_calls import acknowledge_unscoped, sdk_call, sdk_call_resource
from .._private.validation import check_range, is_unresolved
from ..resources._base import check_same_region
from ..resources.common import MessageType

#: The largest monthly limit the API accepts (``MonthlyLimit``, whole USD).
MAX_MONTHLY_LIMIT_USD = 1_000_000_000

#: Spend-limit override prop → the channel's ``Set…``/``Delete…`` operation stem and the physical ID.
_SPEND_LIMITS = (
    ("text_spend_limit_override_usd", "TextMessage", "TextSpendLimitOverride"),
    ("media_spend_limit_override_usd", "MediaMessage", "MediaSpendLimitOverride"),
    ("voice_spend_limit_override_usd", "VoiceMessage", "VoiceSpendLimitOverride"),
    ("notify_spend_limit_override_usd", "NotifyMessage", "NotifySpendLimitOverride"),
)
#: Operations newer than the AWS SDK the Lambda Node.js runtime bundles may be: the provider installs the latest SDK.
_NEWER_OPERATIONS = frozenset({"NotifyMessage"})


class SmsAccountSettings(Construct):
    """Account-level AWS End User Messaging SMS settings of this stack's account and Region.

    CloudFormation has no resource for them, so each is an SDK call made at deploy time
    (``custom_resources.AwsCustomResource``): the enforced monthly spend limits (``Set…SpendLimitOverride``, undone
    with ``Delete…SpendLimitOverride``, which returns the enforced limit to the account's maximum), the account default
    protect configuration (``SetAccountDefaultProtectConfiguration`` / ``DeleteAccountDefaultProtectConfiguration``)
    and, with :meth:`set_default_message_type`, a configuration set's default message type (``SetDefaultMessageType`` /
    ``DeleteDefaultMessageType``).

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
        default_protect_configuration: IProtectConfigurationRef | None = None,
    ) -> None:
        """
        :param text_spend_limit_override_usd: The enforced monthly spend limit for SMS, in whole USD (at least 1, at
            most the account's spend limit, which only a quota increase raises; the sandbox's is 1). When the month's
            text spend reaches it, every send fails with ``MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT`` until the month
            ends. Default: not managed (the enforced limit stays what it is).
        :param media_spend_limit_override_usd: The same for MMS. Default: not managed.
        :param voice_spend_limit_override_usd: The same for voice messages. Default: not managed.
        :param notify_spend_limit_override_usd: The same for Notify (templated one-time-code) messages. A newer
            operation: its custom resource installs the latest AWS SDK in the provider function when it runs (the
            function needs internet access for npm). Default: not managed.
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
        }
        for prop, value in limits.items():
            _check_monthly_limit(self, prop, value)
        if default_protect_configuration is not None:
            check_same_region(self, "default_protect_configuration", default_protect_configuration)

        #: The custom resources, by setting (``TextSpendLimitOverride``, ``DefaultProtectConfiguration``, ...).
        self.resources: dict[str, cr.AwsCustomResource] = {}
        for prop, stem, key in _SPEND_LIMITS:
            value = limits[prop]
            if value is None:
                continue
            set_action, delete_action = f"Set{stem}SpendLimitOverride", f"Delete{stem}SpendLimitOverride"
            self.resources[key] = sdk_call_resource(
                self,
                key,
                resource_type=f"Custom::SmsConstructs{key}",
                on_create=sdk_call(set_action, {"MonthlyLimit": value}, physical_resource_id=key),
                on_delete=sdk_call(delete_action),
                statements=[
                    iam.PolicyStatement(
                        actions=[f"sms-voice:{set_action}", f"sms-voice:{delete_action}"], resources=["*"]
                    )
                ],
                install_latest_aws_sdk=stem in _NEWER_OPERATIONS,
            )
            acknowledge_unscoped(self.resources[key], [f"sms-voice:{set_action}", f"sms-voice:{delete_action}"])
        if default_protect_configuration is not None:
            reference = default_protect_configuration.protect_configuration_ref
            key = "DefaultProtectConfiguration"
            self.resources[key] = sdk_call_resource(
                self,
                key,
                resource_type=f"Custom::SmsConstructs{key}",
                on_create=sdk_call(
                    "SetAccountDefaultProtectConfiguration",
                    {"ProtectConfigurationId": reference.protect_configuration_id},
                    physical_resource_id=key,
                ),
                on_delete=sdk_call("DeleteAccountDefaultProtectConfiguration"),
                statements=[
                    # SetAccountDefaultProtectConfiguration is authorized on the protect configuration;
                    # DeleteAccountDefaultProtectConfiguration has no resource type (Service Authorization Reference).
                    iam.PolicyStatement(
                        actions=["sms-voice:SetAccountDefaultProtectConfiguration"],
                        resources=[reference.protect_configuration_arn],
                    ),
                    iam.PolicyStatement(
                        actions=["sms-voice:DeleteAccountDefaultProtectConfiguration"], resources=["*"]
                    ),
                ],
            )
            acknowledge_unscoped(self.resources[key], ["sms-voice:DeleteAccountDefaultProtectConfiguration"])

    def set_default_message_type(
        self, configuration_set: IConfigurationSetRef, message_type: MessageType
    ) -> cr.AwsCustomResource:
        """Set the message type of sends with ``configuration_set`` that name none (``SetDefaultMessageType``;
        ``DeleteDefaultMessageType`` when it leaves the stack). CloudFormation's configuration set has no property for
        it.

        The custom resource is created here, in this construct's stack, which then depends on the configuration set's.

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
        if self.node.try_find_child(key) is not None:
            raise ValidationError(
                self,
                "configuration_set",
                "already has its default message type set by this construct (one call per configuration set)",
                configuration_set.node.path,
            )
        parameters = {"ConfigurationSetName": reference.configuration_set_name}
        self.resources[key] = sdk_call_resource(
            self,
            key,
            resource_type="Custom::SmsConstructsDefaultMessageType",
            on_create=sdk_call(
                "SetDefaultMessageType",
                {**parameters, "MessageType": message_type.value},
                physical_resource_id=f"default-message-type/{reference.configuration_set_name}",
            ),
            on_delete=sdk_call("DeleteDefaultMessageType", parameters),
            statements=[
                iam.PolicyStatement(
                    actions=["sms-voice:SetDefaultMessageType", "sms-voice:DeleteDefaultMessageType"],
                    resources=[reference.configuration_set_arn],
                )
            ],
        )
        return self.resources[key]


def _check_monthly_limit(scope: Construct, prop: str, value: int | None) -> None:
    if value is None or is_unresolved(value):
        return
    if isinstance(value, bool) or not float(value).is_integer():
        raise ValidationError(scope, prop, "must be a whole number of USD (the API's MonthlyLimit)", value)
    check_range(scope, prop, value, 1, MAX_MONTHLY_LIMIT_USD, "USD (a positive monthly limit)")


def _environment(scope: Construct) -> tuple[str | None, str | None]:
    """The account and Region of ``scope``'s stack, ``None`` where it is not known at synth time."""
    stack = cdk.Stack.of(scope)
    account = None if cdk.Token.is_unresolved(stack.account) else stack.account
    region = None if cdk.Token.is_unresolved(stack.region) else stack.region
    return account, region


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
