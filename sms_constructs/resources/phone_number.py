"""``PhoneNumber``: an origination phone number (long code, toll-free, 10DLC or simulator)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_connect as connect
import aws_cdk.aws_iam as iam
import aws_cdk.aws_smsvoice as smsvoice
import jsii
from aws_cdk.interfaces.aws_smsvoice import IOptOutListRef, IPhoneNumberRef, PhoneNumberReference
from constructs import Construct

from .._private import arns
from .._private.arns import check_sms_arn, check_sms_id
from .._private.errors import ValidationError
from ._base import apply_removal_policy, format_sms_voice_arn, resolve_deletion_protection, resource_name_from_arn
from .common import KeywordAction, NumberCapability, NumberType
from .keywords import (
    MandatoryKeywords,
    OptionalKeyword,
    render_mandatory_keywords,
    render_optional_keywords,
    validate_mandatory_keywords,
    validate_optional_keywords,
)
from .origination_identity import (
    OriginationIdentityBase,
    check_iso_country_code,
    opt_out_list_identifier,
)
from .two_way import TwoWayChannel, source_arn_patterns

#: Number types that need an approved registration before the number can send (US toll-free and 10DLC).
REGISTERED_NUMBER_TYPES = frozenset({NumberType.TOLL_FREE, NumberType.TEN_DLC})


@jsii.implements(IPhoneNumberRef)
class PhoneNumberBase(OriginationIdentityBase):
    """What an owned and an imported phone number have in common (attributes, grants, resource policy)."""

    _number_id: str
    _number: str | None = None
    _iso_country_code: str | None = None
    #: Path of the ``Pool`` construct that holds this number (a number belongs to one pool only).
    _pool_path: str | None = None
    #: Whether the number hands inbound messages to Amazon Connect (``TwoWayChannel.amazon_connect``).
    _connect_two_way: bool = False

    @property
    def phone_number_id(self) -> str:
        """The ID of the phone number (``phone-...``)."""
        return self._number_id

    @property
    def phone_number_arn(self) -> str:
        """The ARN of the phone number (``arn:aws:sms-voice:<region>:<account>:phone-number/<id>``)."""
        return self._identity_arn

    @property
    def phone_number(self) -> str:
        """The phone number in E.164 format (``GetAtt PhoneNumber``); imports know it only when it was given."""
        if self._number is None:
            raise ValidationError(
                self,
                "phone_number",
                "not known for this imported number; pass phone_number= to PhoneNumber.from_phone_number_attributes",
                None,
            )
        return self._number

    @property
    def pool_member_arn(self) -> str:
        """The ARN a pool lists for this number (its phone number ARN)."""
        return self._identity_arn

    @property
    def iso_country_code(self) -> str | None:
        """The number's country (ISO 3166-1 alpha-2), or ``None`` for an import that does not know it."""
        return self._iso_country_code

    @property
    def phone_number_ref(self) -> PhoneNumberReference:
        """A reference to this number (``aws_cdk.interfaces.aws_smsvoice.IPhoneNumberRef``)."""
        return PhoneNumberReference(phone_number_id=self._number_id, phone_number_arn=self._identity_arn)


class PhoneNumber(PhoneNumberBase):
    """An origination phone number requested through CloudFormation (``AWS::SMSVOICE::PhoneNumber``).

    CloudFormation can request long codes, US toll-free numbers, US 10DLC numbers and US simulator numbers. Short
    codes and numbers provisioned through a registration outside CloudFormation are imported with
    ``PhoneNumber.from_phone_number_arn`` / ``from_phone_number_attributes``. Toll-free and 10DLC numbers need an
    approved registration before they can send.

    Example::

        number = PhoneNumber(self, "Number",
            iso_country_code="US",
            number_type=NumberType.SIMULATOR,
            capabilities=[NumberCapability.SMS],
            keywords=MandatoryKeywords(help="Acme alerts. Reply STOP to opt out.", stop="You are unsubscribed."),
            opt_out_list=opt_outs,
        )
        number.grant_send_text_message(sender_function)
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        iso_country_code: str,
        number_type: NumberType,
        capabilities: Sequence[NumberCapability],
        keywords: MandatoryKeywords,
        optional_keywords: Sequence[OptionalKeyword] | None = None,
        opt_out_list: IOptOutListRef | None = None,
        self_managed_opt_outs_enabled: bool | None = None,
        two_way: TwoWayChannel | None = None,
        deletion_protection_enabled: bool | None = None,
        removal_policy: cdk.RemovalPolicy | None = None,
    ) -> None:
        """
        :param iso_country_code: Country of the number, ISO 3166-1 alpha-2 (e.g. ``"US"``). Changing it replaces
            the number. No default.
        :param number_type: ``NumberType.LONG_CODE``, ``TOLL_FREE``, ``TEN_DLC`` (US only) or ``SIMULATOR`` (US only).
            Changing it replaces the number. No default.
        :param capabilities: Channels the number supports, at least one of ``NumberCapability.SMS``, ``VOICE``,
            ``MMS``, each once. Changing them replaces the number. No default.
        :param keywords: Replies to HELP and STOP. No default: carriers require both.
        :param optional_keywords: Further keywords (e.g. START as ``KeywordAction.OPT_IN``; no ``OPT_OUT`` keyword on a
            US toll-free number, whose only opt-out keyword is STOP). Default: none.
        :param opt_out_list: Opt-out list that STOP replies go to and sends are checked against. Default: the
            account's default opt-out list.
        :param self_managed_opt_outs_enabled: ``True`` if your application handles HELP/STOP replies and opt-outs
            itself. Default: ``False`` (the service answers HELP and STOP and records opt-outs).
        :param two_way: Where inbound messages go: ``TwoWayChannel.sns_topic(topic)``, or
            ``TwoWayChannel.amazon_connect(instance_arn)`` (not for ``NumberType.SIMULATOR``; the number must have
            the ``SMS`` capability). Default: two-way SMS off.
        :param deletion_protection_enabled: Whether the service refuses to release the number. Default: ``True``,
            or ``False`` when ``removal_policy`` is ``DESTROY``.
        :param removal_policy: What happens to the number when it leaves the stack. Default:
            ``RemovalPolicy.RETAIN`` (a released number cannot be got back, and its registration is lost).
        """
        super().__init__(scope, id)
        check_iso_country_code(self, iso_country_code)
        _check_number_type(self, number_type, iso_country_code)
        _check_capabilities(self, capabilities)
        validate_mandatory_keywords(self, keywords)
        validate_optional_keywords(self, optional_keywords)
        if number_type is NumberType.TOLL_FREE and iso_country_code == "US":
            for index, item in enumerate(optional_keywords or ()):
                if item.action is KeywordAction.OPT_OUT:
                    raise ValidationError(
                        self,
                        f"optional_keywords[{index}].action",
                        "cannot be OPT_OUT on a US toll-free number: carriers handle its opt-outs, STOP is its only "
                        "opt-out keyword and no other can be added (UNSTOP and START may be OPT_IN keywords)",
                        f"{item.keyword} {item.action.name}",
                    )
        if two_way is not None and not isinstance(two_way, TwoWayChannel):
            raise ValidationError(
                self, "two_way", "must be a TwoWayChannel, e.g. TwoWayChannel.sns_topic(topic)", two_way
            )
        if two_way is not None and two_way.is_amazon_connect:
            _check_connect_number(self, number_type, capabilities)
            self._connect_two_way = True
        if number_type in REGISTERED_NUMBER_TYPES:
            cdk.Annotations.of(self).add_warning_v2(
                "sms-constructs:RegistrationRequired",
                f"{number_type.name} numbers need an approved registration before they can send; without one the "
                "number may stay pending. Consider importing a registered number with from_phone_number_arn.",
            )
        if self_managed_opt_outs_enabled:
            cdk.Annotations.of(self).add_warning_v2(
                "sms-constructs:SelfManagedOptOuts",
                "self_managed_opt_outs_enabled=True: your application must answer HELP and STOP and honour opt-outs.",
            )
        deletion_protection = resolve_deletion_protection(self, deletion_protection_enabled, removal_policy)

        bound = (
            two_way._bind(self, source_arn_patterns(self, "phone-number"))
            if two_way is not None and not two_way.is_amazon_connect
            else None
        )
        self.resource = smsvoice.CfnPhoneNumber(
            self,
            "Resource",
            iso_country_code=iso_country_code,
            number_type=number_type.value,
            number_capabilities=[c.value for c in capabilities],
            mandatory_keywords=render_mandatory_keywords(
                keywords,
                smsvoice.CfnPhoneNumber.MandatoryKeywordsProperty,
                smsvoice.CfnPhoneNumber.MandatoryKeywordProperty,
            ),
            optional_keywords=render_optional_keywords(
                optional_keywords, smsvoice.CfnPhoneNumber.OptionalKeywordProperty
            ),
            opt_out_list_name=opt_out_list_identifier(self, opt_out_list),
            self_managed_opt_outs_enabled=self_managed_opt_outs_enabled,
            deletion_protection_enabled=deletion_protection,
        )
        if bound:
            self.resource.two_way = bound.render(smsvoice.CfnPhoneNumber.TwoWayProperty, self.resource)
        apply_removal_policy(self.resource, removal_policy)
        connect_bound = (
            two_way._bind_connect(self, source_arn_patterns(self, "phone-number"), self.resource)
            if two_way is not None and two_way.is_amazon_connect
            else None
        )

        #: The IAM role the service assumes to hand over inbound messages (to the SNS topic, or to Amazon Connect
        #: through ``connect:SendChatIntegrationEvent``), when two-way SMS is on.
        self.two_way_role: iam.IRole | None = bound.role if bound else connect_bound.role if connect_bound else None
        #: The ``AWS::Connect::PhoneNumber`` that imports this number into Amazon Connect, when ``two_way`` is
        #: ``TwoWayChannel.amazon_connect``; ``None`` otherwise.
        self.connect_phone_number: connect.CfnPhoneNumber | None = (
            connect_bound.connect_phone_number if connect_bound else None
        )
        #: The custom resource (``Custom::SmsConstructsPhoneNumberTwoWay``) that points the number's two-way channel
        #: at Amazon Connect at deploy time, when ``two_way`` is ``TwoWayChannel.amazon_connect``; ``None`` otherwise.
        self.connect_two_way: cdk.CustomResource | None = connect_bound.two_way_setting if connect_bound else None
        self._number_id = self.resource.attr_phone_number_id
        self._identity_arn = self.resource.attr_arn
        self._number = self.resource.attr_phone_number
        self._iso_country_code = iso_country_code
        #: The number type requested (the send queue checks its pacing against the type's default MPS).
        self._number_type = number_type

    @property
    def connect_phone_number_arn(self) -> str | None:
        """The ARN of this number in Amazon Connect (``arn:aws:connect:<region>:<account>:phone-number/<id>``, for
        flows and ``StartOutboundChatContact``), when ``two_way`` is ``TwoWayChannel.amazon_connect``; else ``None``."""
        return self.connect_phone_number.attr_phone_number_arn if self.connect_phone_number else None

    @staticmethod
    def from_phone_number_arn(scope: Construct, id: str, phone_number_arn: str) -> PhoneNumberBase:
        """Import a phone number by ARN (``arn:aws:sms-voice:<region>:<account>:phone-number/<id>``).

        Use it for numbers CloudFormation cannot create: short codes, and numbers provisioned through a
        registration. The import takes its account and Region from the ARN, which must be a phone number ARN
        (``ValidationError`` otherwise, naming the import's path and ``phone_number_arn``).
        """
        check_sms_arn(scope, id, "phone_number_arn", phone_number_arn, arns.PHONE_NUMBER)
        return _ImportedPhoneNumber(scope, id, phone_number_arn, resource_name_from_arn(phone_number_arn), None)

    @staticmethod
    def from_phone_number_id(scope: Construct, id: str, phone_number_id: str) -> PhoneNumberBase:
        """Import a phone number of this stack's account and Region by ID (``phone-...``)."""
        check_sms_id(scope, id, "phone_number_id", phone_number_id, arns.PHONE_NUMBER)
        arn = format_sms_voice_arn(scope, "phone-number", phone_number_id)
        return _ImportedPhoneNumber(scope, id, arn, phone_number_id, None)

    @staticmethod
    def from_phone_number_attributes(
        scope: Construct,
        id: str,
        *,
        phone_number_arn: str,
        phone_number_id: str | None = None,
        phone_number: str | None = None,
    ) -> PhoneNumberBase:
        """Import a phone number from its attributes.

        :param phone_number_arn: The number's ARN. No default.
        :param phone_number_id: The number's ID. Default: the last part of the ARN.
        :param phone_number: The number in E.164 format, for consumers that need it (e.g. to display it).
            Default: unknown; reading ``phone_number`` then raises.
        """
        check_sms_arn(scope, id, "phone_number_arn", phone_number_arn, arns.PHONE_NUMBER)
        if phone_number_id is not None:
            check_sms_id(scope, id, "phone_number_id", phone_number_id, arns.PHONE_NUMBER)
        number_id = phone_number_id if phone_number_id is not None else resource_name_from_arn(phone_number_arn)
        return _ImportedPhoneNumber(scope, id, phone_number_arn, number_id, phone_number)


class _ImportedPhoneNumber(PhoneNumberBase):
    def __init__(self, scope: Construct, id: str, arn: str, number_id: str, number: str | None) -> None:
        super().__init__(scope, id, environment_from_arn=arn)
        self._identity_arn = arn
        self._number_id = number_id
        self._number = number


def _check_number_type(scope: Construct, number_type: Any, iso_country_code: str) -> None:
    if not isinstance(number_type, NumberType):
        raw = getattr(number_type, "value", number_type)
        if isinstance(raw, str) and raw.upper() == "SHORT_CODE":
            raise ValidationError(
                scope,
                "number_type",
                "short codes cannot be requested through CloudFormation; provision them through a registration "
                "and import them with PhoneNumber.from_phone_number_arn",
                number_type,
            )
        raise ValidationError(
            scope, "number_type", f"must be a NumberType ({', '.join(t.name for t in NumberType)})", number_type
        )
    us_only = {NumberType.SIMULATOR: "simulator numbers", NumberType.TEN_DLC: "10DLC numbers"}
    what = us_only.get(number_type)
    if what and not cdk.Token.is_unresolved(iso_country_code) and iso_country_code != "US":
        raise ValidationError(
            scope,
            "iso_country_code",
            f"{what} (NumberType.{number_type.name}) exist only in the United States; use 'US'",
            iso_country_code,
        )


def _check_connect_number(scope: Construct, number_type: NumberType, capabilities: Sequence[Any]) -> None:
    """Raise for a number that Amazon Connect cannot take as a two-way SMS destination."""
    if number_type is NumberType.SIMULATOR:
        raise ValidationError(
            scope,
            "two_way",
            "simulator numbers do not support Amazon Connect as a two-way destination (AWS End User Messaging SMS "
            "User Guide, 'Set up two-way SMS messaging for a phone number'); use a toll-free, 10DLC or long code "
            "number, or TwoWayChannel.sns_topic",
            "TwoWayChannel.amazon_connect with NumberType.SIMULATOR",
        )
    if NumberCapability.SMS not in capabilities:
        raise ValidationError(
            scope,
            "capabilities",
            "must include NumberCapability.SMS for TwoWayChannel.amazon_connect (Amazon Connect takes the number "
            "for SMS chats)",
            [getattr(c, "name", c) for c in capabilities],
        )


def _check_capabilities(scope: Construct, capabilities: Sequence[Any]) -> None:
    if not capabilities:
        raise ValidationError(scope, "capabilities", "must hold at least one NumberCapability", list(capabilities))
    seen: set[NumberCapability] = set()
    for capability in capabilities:
        if not isinstance(capability, NumberCapability):
            raw = getattr(capability, "value", capability)
            detail = (
                "RCS is not a capability CloudFormation can request"
                if isinstance(raw, str) and raw.upper() == "RCS"
                else "unknown capability"
            )
            raise ValidationError(
                scope,
                "capabilities",
                f"{detail}; each item must be a NumberCapability ({', '.join(c.name for c in NumberCapability)})",
                capability,
            )
        if capability in seen:
            raise ValidationError(scope, "capabilities", "capabilities must be unique; duplicate", capability.name)
        seen.add(capability)
