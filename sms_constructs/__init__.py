"""AWS CDK constructs for AWS End User Messaging SMS (SMS and Voice v2).

Layers: ``sms_constructs.resources`` (L2, one module per ``AWS::SMSVOICE`` type), ``sms_constructs.patterns`` (L3) and
``sms_constructs.sample_app`` (the sample stacks). This module only re-exports the public names.
"""

from sms_constructs_runtime.producer import SmsProducer, SmsProducerBatchError

from ._private.errors import ValidationError
from .patterns.event_analytics import QuickLookLogs, SmsEventAnalytics
from .patterns.retry import RetryPolicy, RetryStatus, SmsRetry
from .patterns.send_queue import SmsSendQueue
from .resources.common import KeywordAction, MessageType, NumberCapability, NumberType
from .resources.configuration_set import ConfigurationSet, ConfigurationSetBase, ConfigurationSetEventDestination
from .resources.countries import SMS_COUNTRY_CODES
from .resources.event_destination import EventDestination, EventDestinationConfig, EventType
from .resources.keywords import MandatoryKeywords, OptionalKeyword
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
from .resources.sender_id import SenderId, SenderIdBase
from .resources.two_way import TwoWayChannel

__all__ = [
    "SMS_COUNTRY_CODES",
    "ConfigurationSet",
    "ConfigurationSetBase",
    "ConfigurationSetEventDestination",
    "CountryRules",
    "EventDestination",
    "EventDestinationConfig",
    "EventType",
    "IOriginationIdentity",
    "IPoolMember",
    "KeywordAction",
    "MandatoryKeywords",
    "MessageType",
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
    "RetryPolicy",
    "RetryStatus",
    "SenderId",
    "SenderIdBase",
    "SmsEventAnalytics",
    "SmsProducer",
    "SmsProducerBatchError",
    "SmsRetry",
    "SmsSendQueue",
    "TwoWayChannel",
    "ValidationError",
]
