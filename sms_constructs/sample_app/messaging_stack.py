"""The messaging stack: origination identity, opt-out list, pool, protect configuration and configuration set."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from ..patterns.event_analytics import SmsEventAnalytics
from ..resources.common import KeywordAction, NumberCapability, NumberType
from ..resources.configuration_set import ConfigurationSet
from ..resources.keywords import MandatoryKeywords, OptionalKeyword
from ..resources.opt_out_list import OptOutList
from ..resources.origination_identity import IPoolMember
from ..resources.phone_number import PhoneNumber
from ..resources.pool import Pool
from ..resources.protect_configuration import ProtectConfiguration
from .config import Profile
from .sending import SampleSending

KEYWORDS = MandatoryKeywords(
    help="Acme alerts: help at https://acme.example/sms or 1-800-555-0100. Msg&data rates apply. Reply STOP to end.",
    stop="Acme alerts: you are unsubscribed and will receive no more messages. Reply START to subscribe again.",
)
#: START re-subscribes (the STOP reply promises it).
OPTIONAL_KEYWORDS = [
    OptionalKeyword(
        keyword="START",
        message="Acme alerts: you are subscribed again. Reply STOP to end.",
        action=KeywordAction.OPT_IN,
    )
]


class MessagingStack(cdk.Stack):
    """Declares the SMS resources every sample sender sends through.

    - sandbox: a SIMULATOR origination number (US; sends only to the destination simulator numbers, no registration);
    - production: the registered number whose ARN is ``phoneNumberArn`` in the ``sms-constructs:production`` context.

    Either way the number sits in a pool with the HELP/STOP replies and the opt-out list, and every message is sent
    with a configuration set whose protect configuration allows only the profile's countries and whose events stream
    into ``analytics`` (Firehose to S3/Athena, and an encrypted CloudWatch Logs group for a quick look). The event
    destinations and the roles the service assumes live here; this stack depends on the analytics stack.

    Applications send by putting contract messages on ``sending.send_queue`` (paced to the pool's MPS); transient
    delivery failures come back through the configuration set's SNS destination and are retried by ``sending.retry``.
    """

    def __init__(
        self, scope: Construct, id: str, *, profile: Profile, analytics: SmsEventAnalytics, **kwargs: Any
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.profile = profile
        prefix = profile.name_prefix

        #: Recipients who replied STOP; kept when the stack is deleted.
        self.opt_out_list = OptOutList(self, "OptOutList", opt_out_list_name=f"{prefix}-opt-outs")

        number: IPoolMember
        if profile.phone_number_arn:
            number = PhoneNumber.from_phone_number_arn(self, "RegisteredNumber", profile.phone_number_arn)
        else:
            number = PhoneNumber(
                self,
                "SimulatorNumber",
                iso_country_code="US",
                number_type=NumberType.SIMULATOR,
                capabilities=[NumberCapability.SMS],
                keywords=KEYWORDS,
                optional_keywords=OPTIONAL_KEYWORDS,
                opt_out_list=self.opt_out_list,
            )
        #: The origination identity that messages are sent from.
        self.number = number
        #: The pool that senders name as ``OriginationIdentity``.
        self.pool = Pool(
            self,
            "Pool",
            origination_identities=[number],
            keywords=KEYWORDS,
            optional_keywords=OPTIONAL_KEYWORDS,
            opt_out_list=self.opt_out_list,
        )
        #: Blocks every destination country except the profile's (SMS pumping protection).
        self.protect_configuration = ProtectConfiguration.allow_only(
            self, "Protect", profile.allowed_countries, name=f"{prefix}-protect"
        )
        #: The configuration set every send names.
        self.configuration_set = ConfigurationSet(
            self,
            "ConfigurationSet",
            configuration_set_name=f"{prefix}-config",
            protect_configuration=self.protect_configuration,
        )

        #: Firehose (Athena) and CloudWatch Logs event destinations of the configuration set.
        self.event_destinations = analytics.add_configuration_set(self.configuration_set)
        #: The paced send queue through the pool, and server-side retries of transient failures.
        self.sending = SampleSending(
            self,
            "Sending",
            pool=self.pool,
            configuration_set=self.configuration_set,
            max_parts_per_second=profile.max_parts_per_second,
        )
