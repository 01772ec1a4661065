"""``ProtectConfiguration``: per-country rules that allow, block, monitor or filter outbound messages."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_smsvoice as smsvoice
import jsii
from aws_cdk.interfaces.aws_smsvoice import IProtectConfigurationRef, ProtectConfigurationReference
from constructs import Construct

from .._private import arns
from .._private.arns import check_sms_arn, check_sms_id
from .._private.errors import ValidationError
from .._private.validation import check_length
from ._base import apply_removal_policy, format_sms_voice_arn, resolve_deletion_protection, resource_name_from_arn
from .common import NumberCapability
from .countries import SMS_COUNTRY_CODES, check_country_code, known_country_codes

COUNTRY_CODE_PATTERN = r"[A-Z]{2}"
#: The API accepts at most this many countries per channel in one rule set update.
MAX_COUNTRIES_PER_CHANNEL = 300


class ProtectStatus(enum.Enum):
    """What a protect configuration does with messages to a country (``ProtectStatus``)."""

    #: Send.
    ALLOW = "ALLOW"
    #: Never send; the send fails and a ``*_PROTECT_BLOCKED`` event is emitted.
    BLOCK = "BLOCK"
    #: Send, and record Protect's blocking recommendation in metrics and events (extra charge).
    MONITOR = "MONITOR"
    #: Send, except messages the artificially inflated traffic (SMS pumping) model flags (extra charge).
    FILTER = "FILTER"


#: Rules per channel: ISO 3166-1 alpha-2 country code to status.
CountryRuleSet = Mapping[NumberCapability, Mapping[str, ProtectStatus]]


class CountryRules:
    """Helpers that build a ``country_rules`` mapping for ``ProtectConfiguration``."""

    @staticmethod
    def allow_only(
        countries: Iterable[str],
        *,
        channels: Iterable[NumberCapability] = (NumberCapability.SMS,),
        status: ProtectStatus = ProtectStatus.ALLOW,
        known_countries: Iterable[str] = SMS_COUNTRY_CODES,
    ) -> dict[NumberCapability, dict[str, ProtectStatus]]:
        """Rules that give ``countries`` ``status`` and ``BLOCK`` every other known country, on each channel.

        Countries a protect configuration does not list stay ``ALLOW``, so "allow only" must list every other
        country: ``known_countries`` is that list.

        :param countries: ISO 3166-1 alpha-2 codes to allow, at least one, each in ``known_countries``.
        :param channels: The channels the rules apply to. Default: SMS only.
        :param status: The status of ``countries``. Default: ``ProtectStatus.ALLOW`` (``FILTER`` adds AIT filtering).
        :param known_countries: Every country the service knows. Default: ``SMS_COUNTRY_CODES`` (see
            ``sms_constructs.resources.countries`` for its source and limits).
        """
        return _allow_only_rules("CountryRules.allow_only", countries, channels, status, known_countries)


def _allow_only_rules(
    where: Construct | str,
    countries: Iterable[str],
    channels: Iterable[NumberCapability],
    status: ProtectStatus,
    known_countries: Iterable[str],
) -> dict[NumberCapability, dict[str, ProtectStatus]]:
    """``CountryRules.allow_only``; errors name ``where`` (the construct path when a construct is being built)."""
    allowed = list(countries)
    known = set(known_countries)
    if not allowed:
        raise ValidationError(where, "countries", "must name at least one country to allow", allowed)
    for code in allowed:
        check_country_code(where, "countries", code, known)
    _check_status(where, "status", status)
    chosen = list(channels)
    if not chosen:
        raise ValidationError(where, "channels", "must name at least one channel", chosen)
    rules: dict[NumberCapability, dict[str, ProtectStatus]] = {}
    for channel in chosen:
        _check_channel(where, channel)
        rules[channel] = dict.fromkeys(sorted(known), ProtectStatus.BLOCK)
        rules[channel].update(dict.fromkeys(allowed, status))
    return rules


@jsii.implements(IProtectConfigurationRef)
class ProtectConfigurationBase(cdk.Resource):
    """What an owned and an imported protect configuration have in common."""

    _id: str
    _arn: str

    @property
    def protect_configuration_id(self) -> str:
        """The ID of the protect configuration (its ``Ref``), e.g. ``protect-0123456789abcdef``."""
        return self._id

    @property
    def protect_configuration_arn(self) -> str:
        """The ARN of the protect configuration."""
        return self._arn

    @property
    def protect_configuration_ref(self) -> ProtectConfigurationReference:
        """A reference to this protect configuration (``aws_cdk.interfaces.aws_smsvoice.IProtectConfigurationRef``)."""
        return ProtectConfigurationReference(protect_configuration_id=self._id, protect_configuration_arn=self._arn)


class ProtectConfiguration(ProtectConfigurationBase):
    """A protect configuration (``AWS::SMSVOICE::ProtectConfiguration``).

    Country rules per channel (SMS, voice, MMS) allow, block, monitor or filter messages to each destination country;
    it is the main defence against SMS pumping. Attach it to a configuration set with its ``protect_configuration``
    prop. Countries not listed stay ``ALLOW``: to allow only a few countries, use ``ProtectConfiguration.allow_only``.

    Not in CloudFormation: making it the account default (``SetAccountDefaultProtectConfiguration``) and per-number
    overrides (``PutProtectConfigurationRuleSetNumberOverride``).

    Example::

        protect = ProtectConfiguration.allow_only(self, "Protect", ["US", "CA"])
        ConfigurationSet(self, "Config", protect_configuration=protect)
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        country_rules: CountryRuleSet | None = None,
        deletion_protection_enabled: bool | None = None,
        removal_policy: cdk.RemovalPolicy | None = None,
        name: str | None = None,
        known_countries: Iterable[str] | None = None,
    ) -> None:
        """
        :param country_rules: Status per ISO 3166-1 alpha-2 country code, per channel (``NumberCapability.SMS``,
            ``VOICE`` or ``MMS``), e.g. ``{NumberCapability.SMS: {"US": ProtectStatus.ALLOW}}``. When given, it must
            hold at least one channel with at least one country. More can be added with ``add_country_rule``.
            Default: no rules (every country ``ALLOW``).
        :param deletion_protection_enabled: Refuse deletion through the API while enabled. Default: ``True``, or
            ``False`` when ``removal_policy`` is ``DESTROY`` (the service would refuse the delete and the stack could
            not be deleted).
        :param removal_policy: What happens to the configuration when it leaves the stack. Default:
            ``RemovalPolicy.RETAIN`` (it guards against fraudulent traffic; configuration sets and the account default
            may still point at it).
        :param name: Display name, stored as the ``Name`` tag the console shows: 1–256 characters. Default: none.
        :param known_countries: The country codes a rule may name (every code is checked the way
            ``CountryRules.allow_only`` checks its countries, so ``"UK"`` is refused for ``"GB"``). Default:
            ``SMS_COUNTRY_CODES`` plus the codes of the ``sms-constructs:additionalCountryCodes`` context key.
        """
        super().__init__(scope, id)
        check_length(self, "name", name, 1, 256)
        self._known_countries = frozenset(known_countries) if known_countries is not None else known_country_codes(self)
        self._rules: dict[NumberCapability, dict[str, ProtectStatus]] = {}
        if country_rules is not None:
            if len(country_rules) == 0:
                raise ValidationError(
                    self, "country_rules", "must hold at least one channel (CloudFormation anyOf SMS, VOICE, MMS)", {}
                )
            for channel, rules in country_rules.items():
                _check_channel(self, channel)
                if len(rules) == 0:
                    raise ValidationError(
                        self, "country_rules", f"the {channel.value} rules must name at least one country", {}
                    )
                for code, status in rules.items():
                    self.add_country_rule(channel, code, status)

        self.resource = smsvoice.CfnProtectConfiguration(
            self,
            "Resource",
            country_rule_set=cdk.Lazy.any(_RuleSetProducer(self)),
            deletion_protection_enabled=resolve_deletion_protection(self, deletion_protection_enabled, removal_policy),
            tags=[cdk.CfnTag(key="Name", value=name)] if name is not None else None,
        )
        apply_removal_policy(self.resource, removal_policy)
        self._id = self.resource.ref
        self._arn = self.resource.attr_arn

    def add_country_rule(self, channel: NumberCapability, country_code: str, status: ProtectStatus) -> None:
        """Give messages on ``channel`` to ``country_code`` the status ``status``.

        :param channel: ``NumberCapability.SMS``, ``VOICE`` or ``MMS`` (CloudFormation has no RCS rule set).
        :param country_code: ISO 3166-1 alpha-2 code of a destination the service supports (see ``known_countries``),
            once per channel.
        :param status: What to do with the messages.
        """
        _check_channel(self, channel)
        check_country_code(self, "country_code", country_code, self._known_countries)
        _check_status(self, "status", status)
        rules = self._rules.setdefault(channel, {})
        if country_code in rules:
            raise ValidationError(
                self,
                "country_code",
                f"each country appears once per channel; {channel.value} already has",
                country_code,
            )
        if len(rules) >= MAX_COUNTRIES_PER_CHANNEL:
            raise ValidationError(
                self, "country_rules", f"at most {MAX_COUNTRIES_PER_CHANNEL} countries per channel", country_code
            )
        rules[country_code] = status

    @property
    def country_rules(self) -> dict[NumberCapability, dict[str, ProtectStatus]]:
        """A copy of the rules added so far."""
        return {channel: dict(rules) for channel, rules in self._rules.items()}

    def _render(self) -> smsvoice.CfnProtectConfiguration.CountryRuleSetProperty | None:
        if not self._rules:
            return None

        def rules_for(channel: NumberCapability) -> list[smsvoice.CfnProtectConfiguration.CountryRuleProperty] | None:
            rules = self._rules.get(channel)
            if not rules:
                return None
            return [
                smsvoice.CfnProtectConfiguration.CountryRuleProperty(country_code=code, protect_status=status.value)
                for code, status in sorted(rules.items())
            ]

        return smsvoice.CfnProtectConfiguration.CountryRuleSetProperty(
            sms=rules_for(NumberCapability.SMS),
            voice=rules_for(NumberCapability.VOICE),
            mms=rules_for(NumberCapability.MMS),
        )

    @staticmethod
    def allow_only(
        scope: Construct,
        id: str,
        countries: Iterable[str],
        *,
        channels: Iterable[NumberCapability] = (NumberCapability.SMS,),
        status: ProtectStatus = ProtectStatus.ALLOW,
        known_countries: Iterable[str] | None = None,
        deletion_protection_enabled: bool | None = None,
        removal_policy: cdk.RemovalPolicy | None = None,
        name: str | None = None,
    ) -> ProtectConfiguration:
        """A protect configuration that allows ``countries`` and blocks every other known country on ``channels``.

        The rules are those of ``CountryRules.allow_only``; errors name the path of the configuration being created.

        :param countries: ISO 3166-1 alpha-2 codes to allow, at least one, each in ``known_countries``.
        :param channels: The channels the rules apply to. Default: SMS only.
        :param status: The status of ``countries``. Default: ``ProtectStatus.ALLOW`` (``FILTER`` adds AIT filtering).
        :param known_countries: Every country the service knows: the countries to allow must be among them, and every
            other one is blocked. Default: ``SMS_COUNTRY_CODES`` plus the codes of the
            ``sms-constructs:additionalCountryCodes`` context key, as for the constructor.
        :param deletion_protection_enabled: As for the constructor. Default: ``True``, or ``False`` when
            ``removal_policy`` is ``DESTROY``.
        :param removal_policy: As for the constructor. Default: ``RemovalPolicy.RETAIN``.
        :param name: As for the constructor (the ``Name`` tag). Default: none.
        """
        where = f"{scope.node.path}/{id}" if scope.node.path else id
        known = list(known_countries) if known_countries is not None else sorted(known_country_codes(scope))
        return ProtectConfiguration(
            scope,
            id,
            country_rules=_allow_only_rules(where, countries, channels, status, known),
            deletion_protection_enabled=deletion_protection_enabled,
            removal_policy=removal_policy,
            name=name,
            known_countries=known,
        )

    @staticmethod
    def from_protect_configuration_id(
        scope: Construct, id: str, protect_configuration_id: str
    ) -> ProtectConfigurationBase:
        """Import a protect configuration of this stack's account and region by ID (``protect-...``)."""
        check_sms_id(scope, id, "protect_configuration_id", protect_configuration_id, arns.PROTECT_CONFIGURATION)
        return _ImportedProtectConfiguration(
            scope,
            id,
            protect_configuration_id,
            format_sms_voice_arn(scope, "protect-configuration", protect_configuration_id),
        )

    @staticmethod
    def from_protect_configuration_arn(
        scope: Construct, id: str, protect_configuration_arn: str
    ) -> ProtectConfigurationBase:
        """Import a protect configuration by ARN (``arn:aws:sms-voice:<region>:<account>:protect-configuration/<id>``).

        The ID is the last part of the ARN; the account and region are taken from it. Raises ``ValidationError``
        (naming the import's path and ``protect_configuration_arn``) for anything but a protect configuration ARN.
        """
        check_sms_arn(scope, id, "protect_configuration_arn", protect_configuration_arn, arns.PROTECT_CONFIGURATION)
        return _ImportedProtectConfiguration(
            scope, id, resource_name_from_arn(protect_configuration_arn), protect_configuration_arn
        )


@jsii.implements(cdk.IStableAnyProducer)
class _RuleSetProducer:
    def __init__(self, owner: ProtectConfiguration) -> None:
        self._owner = owner

    def produce(self) -> Any:
        return self._owner._render()


class _ImportedProtectConfiguration(ProtectConfigurationBase):
    def __init__(self, scope: Construct, id: str, protect_configuration_id: str, arn: str) -> None:
        super().__init__(scope, id, environment_from_arn=arn)
        self._id = protect_configuration_id
        self._arn = arn


def _check_channel(scope: Construct | str, channel: Any) -> None:
    if not isinstance(channel, NumberCapability) or channel.value not in ("SMS", "VOICE", "MMS"):
        raise ValidationError(
            scope, "channel", "must be NumberCapability.SMS, VOICE or MMS (CloudFormation has no RCS rule set)", channel
        )


def _check_status(scope: Construct | str, prop: str, status: Any) -> None:
    if not isinstance(status, ProtectStatus):
        raise ValidationError(scope, prop, "must be a ProtectStatus (ALLOW, BLOCK, MONITOR or FILTER)", status)
