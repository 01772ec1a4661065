"""AWS CDK constructs for AWS End User Messaging SMS (SMS and Voice v2).

Layers: ``sms_constructs.resources`` (L2, one module per ``AWS::SMSVOICE`` type), ``sms_constructs.patterns`` (L3) and
``sms_constructs.sample_app`` (the sample stacks). This module only re-exports the public names.
"""

from importlib import metadata as _metadata
from typing import TYPE_CHECKING, Any

from sms_constructs_runtime.producer import SmsProducer, SmsProducerBatchError

from ._private.errors import ValidationError
from .patterns.account_settings import SmsAccountSettings
from .patterns.event_analytics import EventRetention, QuickLookLogs, RawEventBackup, SmsEventAnalytics
from .patterns.monitoring import SmsMonitoring
from .patterns.retry import RetryPolicy, RetryStatus, SmsRetry
from .patterns.send_queue import SmsSendQueue
from .resources.common import KeywordAction, MessageType, NumberCapability, NumberType
from .resources.configuration_set import ConfigurationSet, ConfigurationSetBase, ConfigurationSetEventDestination
from .resources.countries import SMS_COUNTRY_CODES
from .resources.event_destination import EventDestination, EventDestinationConfig, EventType
from .resources.keywords import MandatoryKeywords, OptionalKeyword
from .resources.notify_configuration import (
    NotifyChannel,
    NotifyConfiguration,
    NotifyConfigurationBase,
    NotifyUseCase,
)
from .resources.opt_out_list import OptOutList, OptOutListBase
from .resources.origination_identity import IOriginationIdentity, IPoolMember, OriginationIdentityBase
from .resources.phone_number import PhoneNumber, PhoneNumberBase
from .resources.pool import Pool, PoolBase
from .resources.protect_configuration import (
    CountryRules,
    ProtectConfiguration,
    ProtectConfigurationBase,
    ProtectStatus,
)
from .resources.rcs_agent import RcsAgent, RcsAgentBase
from .resources.registration import Registration, RegistrationBase
from .resources.registration_attachment import AttachmentSource, RegistrationAttachment, RegistrationAttachmentBase
from .resources.registration_fields import RegistrationFieldValue
from .resources.registration_forms import (
    IRegistrationForm,
    RegistrationForm,
    UsTenDlcBrandForm,
    UsTenDlcBrandVettingForm,
    UsTenDlcCampaignForm,
    UsTollFreeForm,
)
from .resources.sender_id import SenderId, SenderIdBase
from .resources.two_way import TwoWayChannel
from .resources.verified_destination_number import VerifiedDestinationNumber, VerifiedDestinationNumberBase
from .strict_warnings import SmsStrictWarnings

if TYPE_CHECKING:
    from .checks import SmsChecks, SmsRule

try:
    #: The installed package's version (``pyproject.toml`` is its only source); ``0+unknown`` when it runs from a
    #: source tree that was never installed.
    __version__: str = _metadata.version("sms-constructs")
except _metadata.PackageNotFoundError:  # pragma: no cover - only outside any installation
    __version__ = "0+unknown"


def __getattr__(name: str) -> Any:
    """``SmsChecks`` and ``SmsRule`` are imported on first use: they load cdk-nag (about 0.5 s), which an app that
    attaches no pack never needs."""
    if name in ("SmsChecks", "SmsRule"):
        from . import checks  # noqa: PLC0415

        return getattr(checks, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "SMS_COUNTRY_CODES",
    "AttachmentSource",
    "ConfigurationSet",
    "ConfigurationSetBase",
    "ConfigurationSetEventDestination",
    "CountryRules",
    "EventDestination",
    "EventDestinationConfig",
    "EventRetention",
    "EventType",
    "IOriginationIdentity",
    "IPoolMember",
    "IRegistrationForm",
    "KeywordAction",
    "MandatoryKeywords",
    "MessageType",
    "NotifyChannel",
    "NotifyConfiguration",
    "NotifyConfigurationBase",
    "NotifyUseCase",
    "NumberCapability",
    "NumberType",
    "OptOutList",
    "OptOutListBase",
    "OptionalKeyword",
    "OriginationIdentityBase",
    "PhoneNumber",
    "PhoneNumberBase",
    "Pool",
    "PoolBase",
    "ProtectConfiguration",
    "ProtectConfigurationBase",
    "ProtectStatus",
    "QuickLookLogs",
    "RawEventBackup",
    "RcsAgent",
    "RcsAgentBase",
    "Registration",
    "RegistrationAttachment",
    "RegistrationAttachmentBase",
    "RegistrationBase",
    "RegistrationFieldValue",
    "RegistrationForm",
    "RetryPolicy",
    "RetryStatus",
    "SenderId",
    "SenderIdBase",
    "SmsAccountSettings",
    "SmsChecks",
    "SmsEventAnalytics",
    "SmsMonitoring",
    "SmsProducer",
    "SmsProducerBatchError",
    "SmsRetry",
    "SmsRule",
    "SmsSendQueue",
    "SmsStrictWarnings",
    "TwoWayChannel",
    "UsTenDlcBrandForm",
    "UsTenDlcBrandVettingForm",
    "UsTenDlcCampaignForm",
    "UsTollFreeForm",
    "ValidationError",
    "VerifiedDestinationNumber",
    "VerifiedDestinationNumberBase",
]
