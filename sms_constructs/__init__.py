"""AWS CDK constructs for AWS End User Messaging SMS (SMS and Voice v2).

Layers: ``sms_constructs.resources`` (L2, one module per ``AWS::SMSVOICE`` type), ``sms_constructs.patterns`` (L3) and
``sms_constructs.sample_app`` (the sample stacks). This module only re-exports the public names.
"""

import importlib as _importlib
from importlib import metadata as _metadata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers, IDEs and the API reference read; at run time each name loads on first use
    from sms_constructs_runtime.producer import SmsProducer, SmsProducerBatchError

    from ._private.errors import ValidationError
    from .checks import SmsChecks, SmsRule
    from .patterns.account_settings import SmsAccountSettings
    from .patterns.event_analytics import EventRetention, QuickLookLogs, RawEventBackup, SmsEventAnalytics
    from .patterns.inbound import InboundTarget, SmsInbound
    from .patterns.monitoring import SmsMonitoring
    from .patterns.quotas import ProducerQuota
    from .patterns.retry import RetryPolicy, RetryStatus, SmsRetry
    from .patterns.routes import SendRoute
    from .patterns.send_queue import SendLane, SmsSendQueue
    from .patterns.status import (
        STATUS_DETAIL_TYPE,
        STATUS_EVENT_SOURCE,
        STATUS_SCHEMA_VERSION,
        SmsStatusNotifier,
    )
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

try:
    #: The installed package's version (``pyproject.toml`` is its only source); ``0+unknown`` when it runs from a
    #: source tree that was never installed.
    __version__: str = _metadata.version("sms-constructs")
except _metadata.PackageNotFoundError:  # pragma: no cover - only outside any installation
    __version__ = "0+unknown"

#: The module that defines each public name, by module: ``import sms_constructs`` loads none of them, so an app pays
#: (in import time and jsii round trips) only for the constructs it uses. Keep in step with the block above.
_MODULES: dict[str, tuple[str, ...]] = {
    "sms_constructs_runtime.producer": ("SmsProducer", "SmsProducerBatchError"),
    "._private.errors": ("ValidationError",),
    ".checks": ("SmsChecks", "SmsRule"),
    ".patterns.account_settings": ("SmsAccountSettings",),
    ".patterns.event_analytics": ("EventRetention", "QuickLookLogs", "RawEventBackup", "SmsEventAnalytics"),
    ".patterns.monitoring": ("SmsMonitoring",),
    ".patterns.quotas": ("ProducerQuota",),
    ".patterns.retry": ("RetryPolicy", "RetryStatus", "SmsRetry"),
    ".patterns.routes": ("SendRoute",),
    ".patterns.send_queue": ("SendLane", "SmsSendQueue"),
    ".patterns.inbound": ("InboundTarget", "SmsInbound"),
    ".patterns.status": ("STATUS_DETAIL_TYPE", "STATUS_EVENT_SOURCE", "STATUS_SCHEMA_VERSION", "SmsStatusNotifier"),
    ".resources.common": ("KeywordAction", "MessageType", "NumberCapability", "NumberType"),
    ".resources.configuration_set": ("ConfigurationSet", "ConfigurationSetBase", "ConfigurationSetEventDestination"),
    ".resources.countries": ("SMS_COUNTRY_CODES",),
    ".resources.event_destination": ("EventDestination", "EventDestinationConfig", "EventType"),
    ".resources.keywords": ("MandatoryKeywords", "OptionalKeyword"),
    ".resources.notify_configuration": (
        "NotifyChannel",
        "NotifyConfiguration",
        "NotifyConfigurationBase",
        "NotifyUseCase",
    ),
    ".resources.opt_out_list": ("OptOutList", "OptOutListBase"),
    ".resources.origination_identity": ("IOriginationIdentity", "IPoolMember", "OriginationIdentityBase"),
    ".resources.phone_number": ("PhoneNumber", "PhoneNumberBase"),
    ".resources.pool": ("Pool", "PoolBase"),
    ".resources.protect_configuration": (
        "CountryRules",
        "ProtectConfiguration",
        "ProtectConfigurationBase",
        "ProtectStatus",
    ),
    ".resources.rcs_agent": ("RcsAgent", "RcsAgentBase"),
    ".resources.registration": ("Registration", "RegistrationBase"),
    ".resources.registration_attachment": ("AttachmentSource", "RegistrationAttachment", "RegistrationAttachmentBase"),
    ".resources.registration_fields": ("RegistrationFieldValue",),
    ".resources.registration_forms": (
        "IRegistrationForm",
        "RegistrationForm",
        "UsTenDlcBrandForm",
        "UsTenDlcBrandVettingForm",
        "UsTenDlcCampaignForm",
        "UsTollFreeForm",
    ),
    ".resources.sender_id": ("SenderId", "SenderIdBase"),
    ".resources.two_way": ("TwoWayChannel",),
    ".resources.verified_destination_number": ("VerifiedDestinationNumber", "VerifiedDestinationNumberBase"),
    ".strict_warnings": ("SmsStrictWarnings",),
}
_MODULE_OF: dict[str, str] = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    """Import the module that defines ``name`` on first use (PEP 562) and keep the value, so the next lookup is a plain
    attribute: ``from sms_constructs import SmsSendQueue`` loads the send queue and what it builds on, not the
    registration forms, RCS agents, notify configurations or the cdk-nag rule pack."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's attributes and every public name, loaded or not."""
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "SMS_COUNTRY_CODES",
    "STATUS_DETAIL_TYPE",
    "STATUS_EVENT_SOURCE",
    "STATUS_SCHEMA_VERSION",
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
    "InboundTarget",
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
    "ProducerQuota",
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
    "SendLane",
    "SendRoute",
    "SenderId",
    "SenderIdBase",
    "SmsAccountSettings",
    "SmsChecks",
    "SmsEventAnalytics",
    "SmsInbound",
    "SmsMonitoring",
    "SmsProducer",
    "SmsProducerBatchError",
    "SmsRetry",
    "SmsRule",
    "SmsSendQueue",
    "SmsStatusNotifier",
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
