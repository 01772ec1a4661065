"""Value types shared by several SMS resources: number types and capabilities, message types, keywords."""

from __future__ import annotations

import enum


class NumberType(enum.Enum):
    """Type of a phone number that CloudFormation can request (``AWS::SMSVOICE::PhoneNumber`` ``NumberType``).

    Short codes cannot be requested through CloudFormation: import them with ``PhoneNumber.from_phone_number_arn``.
    """

    #: A long code (10 MPS outside the US and Canada; 1 MPS in Canada).
    LONG_CODE = "LONG_CODE"
    #: A US toll-free number (3 MPS); needs an approved toll-free registration before it can send.
    TOLL_FREE = "TOLL_FREE"
    #: A US 10DLC number (1 MPS by default); needs an approved 10DLC campaign.
    TEN_DLC = "TEN_DLC"
    #: A simulator number (US only): sends only to destination simulator numbers, never reaches a carrier.
    SIMULATOR = "SIMULATOR"


class NumberCapability(enum.Enum):
    """Channels a phone number supports (``NumberCapabilities``)."""

    SMS = "SMS"
    VOICE = "VOICE"
    MMS = "MMS"


class MessageType(enum.Enum):
    """The type of a message, which decides routes and prices (``MessageType`` of ``SendTextMessage``)."""

    #: Critical or time-sensitive messages (one-time passwords, alerts).
    TRANSACTIONAL = "TRANSACTIONAL"
    #: Marketing messages.
    PROMOTIONAL = "PROMOTIONAL"


class KeywordAction(enum.Enum):
    """What the service does when a recipient sends an optional keyword."""

    #: Reply with the keyword's message.
    AUTOMATIC_RESPONSE = "AUTOMATIC_RESPONSE"
    #: Reply and add the sender to the opt-out list.
    OPT_OUT = "OPT_OUT"
    #: Reply and remove the sender from the opt-out list.
    OPT_IN = "OPT_IN"
