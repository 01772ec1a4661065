"""The identities stack: who sends (numbers, pool), to whom (opt-outs, protect, verified numbers) and the account's
spend limit."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_kms as kms
import aws_cdk.aws_sns as sns
from constructs import Construct

from .._private.kms import limit_grants_to_aws_services
from ..patterns.account_settings import SmsAccountSettings
from ..resources.common import KeywordAction, NumberCapability, NumberType
from ..resources.keywords import MandatoryKeywords, OptionalKeyword
from ..resources.opt_out_list import OptOutList
from ..resources.origination_identity import IPoolMember
from ..resources.phone_number import PhoneNumber
from ..resources.pool import Pool
from ..resources.protect_configuration import ProtectConfiguration
from ..resources.two_way import TwoWayChannel
from ..resources.verified_destination_number import VerifiedDestinationNumber
from .config import Profile

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
#: The keywords that opt a recipient back in (what ``SmsInbound`` records as opt-ins in the consent ledger).
OPT_IN_KEYWORDS = [k.keyword for k in OPTIONAL_KEYWORDS if k.action == KeywordAction.OPT_IN]


class IdentitiesStack(cdk.Stack):
    """The SMS resources that outlive any sender: origination identities, opt-outs, protection, account settings.

    - sandbox: a SIMULATOR origination number (US; sends only to the destination simulator numbers, no registration)
      and a ``VerifiedDestinationNumber`` for each of ``sms-constructs:sandbox.verifiedDestinationNumbers`` (an
      account in the SMS sandbox sends only to verified numbers; ``make verify-destination`` completes each);
    - production: the identities of ``sms-constructs:production.originationIdentities``, imported by ARN or requested.

    The numbers sit in one pool with the HELP/STOP replies and the opt-out list. Recipients' replies go to
    ``inbound_topic`` (KMS-encrypted; output ``InboundTopicArn``): in production the pool is two-way with
    ``inbound_channel``; in the sandbox nothing is wired to it (a simulator number receives no replies from phones),
    and ``aws sns publish`` of an inbound payload drives the replies path. The protect configuration allows only
    the profile's countries. ``SmsAccountSettings`` sets the account's enforced monthly text spend limit to the
    profile's ``monthlySpendLimitUsd`` (and resets it when the stack is deleted).
    """

    def __init__(self, scope: Construct, id: str, *, profile: Profile, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self.profile = profile
        prefix = profile.name_prefix

        #: Recipients who replied STOP; kept when the stack is deleted.
        self.opt_out_list = OptOutList(self, "OptOutList", opt_out_list_name=f"{prefix}-opt-outs")
        #: The origination identities messages are sent from.
        self.numbers: list[IPoolMember] = self._numbers(profile)
        #: Key of the inbound topic (replies carry phone numbers and message bodies).
        self.inbound_key = kms.Key(
            self, "InboundKey", enable_key_rotation=True, description="Inbound (two-way) SMS topic of the sample app"
        )
        limit_grants_to_aws_services(self.inbound_key)
        #: The topic recipients' replies are published to (``SmsInbound`` in the sending stack subscribes).
        self.inbound_topic = sns.Topic(self, "InboundTopic", master_key=self.inbound_key, enforce_ssl=True)
        #: The two-way channel of the pool (production) or of nothing yet (sandbox).
        self.inbound_channel = TwoWayChannel.sns_topic(self.inbound_topic)
        #: The pool that senders name as ``OriginationIdentity``.
        self.pool = Pool(
            self,
            "Pool",
            origination_identities=self.numbers,
            keywords=KEYWORDS,
            optional_keywords=OPTIONAL_KEYWORDS,
            opt_out_list=self.opt_out_list,
            # Two-way on a simulator number is not documented: the sandbox pool stays one-way.
            two_way=None if profile.is_sandbox else self.inbound_channel,
        )
        cdk.CfnOutput(
            self,
            "InboundTopicArn",
            value=self.inbound_topic.topic_arn,
            description="Topic of inbound (two-way) SMS; publish an inbound payload here to try the replies path",
        ).override_logical_id("InboundTopicArn")
        #: Blocks every destination country except the profile's (SMS pumping protection).
        self.protect_configuration = ProtectConfiguration.allow_only(
            self, "Protect", profile.allowed_countries, name=f"{prefix}-protect"
        )
        #: The account's enforced monthly text spend limit (one ``SmsAccountSettings`` per account and Region).
        self.account_settings = SmsAccountSettings(
            self, "AccountSettings", text_spend_limit_override_usd=profile.monthly_spend_limit_usd
        )
        #: The sandbox's verified destination numbers (``PENDING`` until ``make verify-destination NUMBER=...``).
        self.verified_destination_numbers = [
            VerifiedDestinationNumber(self, f"VerifiedDestination{index}", destination_phone_number=number)
            for index, number in enumerate(profile.verified_destination_numbers, start=1)
        ]

    def _numbers(self, profile: Profile) -> list[IPoolMember]:
        if not profile.identities:
            return [
                PhoneNumber(
                    self,
                    "SimulatorNumber",
                    iso_country_code="US",
                    number_type=NumberType.SIMULATOR,
                    capabilities=[NumberCapability.SMS],
                    keywords=KEYWORDS,
                    optional_keywords=OPTIONAL_KEYWORDS,
                    opt_out_list=self.opt_out_list,
                )
            ]
        numbers: list[IPoolMember] = []
        for index, identity in enumerate(profile.identities, start=1):
            if identity.phone_number_arn is not None:
                numbers.append(PhoneNumber.from_phone_number_arn(self, f"Number{index}", identity.phone_number_arn))
            else:
                numbers.append(
                    PhoneNumber(
                        self,
                        f"Number{index}",
                        iso_country_code=identity.iso_country_code,
                        number_type=NumberType(identity.number_type),
                        capabilities=[NumberCapability.SMS],
                        keywords=KEYWORDS,
                        optional_keywords=OPTIONAL_KEYWORDS,
                        opt_out_list=self.opt_out_list,
                    )
                )
        return numbers
