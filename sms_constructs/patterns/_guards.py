"""Synth-time guards the patterns share: prop types, Regions, one pattern per configuration set, pacing that holds.

Each guard raises the library's ``ValidationError`` (construct path, prop, rule, value) or adds a warning with a stable
``sms-constructs:`` id that can be acknowledged with ``cdk.Annotations.of(scope).acknowledge_warning(id, reason)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_ec2 as ec2
from aws_cdk.interfaces.aws_smsvoice import IConfigurationSetRef
from constructs import Construct, IConstruct

from .._private.errors import ValidationError
from .._private.functions import FunctionNetwork
from .._private.stacks import stack_account, stack_region
from .._private.validation import check_number, is_unresolved
from ..resources._base import check_same_region
from ..resources.common import NumberType
from ..resources.configuration_set import ConfigurationSet
from ..resources.origination_identity import IOriginationIdentity
from ..resources.phone_number import PhoneNumber
from ..resources.pool import Pool
from ..resources.sender_id import SenderId

#: Warning: a send queue paces above the default MPS of the identity it sends through.
MPS_ABOVE_IDENTITY_WARNING = "sms-constructs:SendQueueExceedsIdentityMps"
#: Warning: several send queues on one identity pace above its default MPS together.
SHARED_IDENTITY_MPS_WARNING = "sms-constructs:SendQueuesExceedIdentityMps"


def check_duration(scope: IConstruct, prop: str, value: Any) -> None:
    """Raise unless ``value`` is ``None`` or a ``cdk.Duration`` (a number of seconds is a common mistake)."""
    if value is not None and not isinstance(value, cdk.Duration):
        raise ValidationError(
            scope, prop, f"must be a cdk.Duration (e.g. Duration.hours(1)), not {type(value).__name__}", value
        )


def check_max_price(scope: IConstruct, value: Any) -> None:
    """Raise unless ``max_price`` is ``None`` or a string: a float loses the exact price the service compares."""
    if value is not None and not isinstance(value, str):
        suggestion = f"; write {f'{value:.5f}'.rstrip('0')!r}" if isinstance(value, float | int) else ""
        raise ValidationError(
            scope,
            "max_price",
            f"must be a string of USD such as '0.50' (MaxPrice is text: [0-9]{{0,2}}\\.[0-9]{{1,5}}), not "
            f"{type(value).__name__}{suggestion}",
            value,
        )


def check_owned_configuration_set(scope: IConstruct, prop: str, configuration_set: Any, what: str) -> ConfigurationSet:
    """The configuration set as the owned ``ConfigurationSet`` a pattern adds an event destination to.

    Event destinations are part of the ``AWS::SMSVOICE::ConfigurationSet`` resource (CloudFormation has no separate
    type for them), so only a set defined in this app can get one; an import raises here instead of failing later.
    """
    if isinstance(configuration_set, ConfigurationSet):
        return configuration_set
    described = getattr(getattr(configuration_set, "node", None), "path", None) or repr(configuration_set)
    raise ValidationError(
        scope,
        prop,
        f"{what} adds an event destination, which CloudFormation keeps inside the AWS::SMSVOICE::ConfigurationSet "
        "resource: give the ConfigurationSet defined in this app, not an import (ConfigurationSet.from_*) or an L1",
        described,
    )


def claim_configuration_set(scope: IConstruct, prop: str, configuration_set: ConfigurationSet, kind: str) -> None:
    """Record that ``scope`` (a ``kind`` pattern) uses ``configuration_set``; raise when another one already does."""
    claims: dict[str, str] = configuration_set.__dict__.setdefault("_sms_constructs_claims", {})
    holder = claims.get(kind)
    if holder is not None and holder != scope.node.path:
        raise ValidationError(
            scope,
            prop,
            f"{configuration_set.node.path} already has a {kind} ({holder}); a second one would "
            + (
                "store every event twice and bill it twice"
                if kind == "SmsEventAnalytics"
                else "resend every failed message twice"
            )
            + f": use the one {kind} for every consumer",
            configuration_set.node.path,
        )
    if holder == scope.node.path:
        raise ValidationError(
            scope, prop, f"this {kind} already uses this configuration set", configuration_set.node.path
        )
    claims[kind] = scope.node.path


def check_region_of(scope: IConstruct, prop: str, resource: Any) -> None:
    """``check_same_region`` for anything that knows its environment (owned or imported SMS resources, L1 imports)."""
    if hasattr(resource, "env"):
        check_same_region(scope, prop, resource)


def check_network(
    scope: IConstruct, vpc: ec2.IVpc | None, vpc_subnets: Any, security_groups: Sequence[Any] | None
) -> None:
    """``vpc_subnets`` and ``security_groups`` only mean something with a ``vpc``."""
    if vpc is None:
        for prop, value in (("vpc_subnets", vpc_subnets), ("security_groups", security_groups)):
            if value is not None:
                raise ValidationError(scope, prop, "needs 'vpc' (the function is placed in that VPC)", value)
    elif not hasattr(vpc, "select_subnets"):  # ec2.IVpc is a protocol: duck-type it
        raise ValidationError(scope, "vpc", "must be an ec2.IVpc (e.g. ec2.Vpc.from_vpc_attributes(...))", vpc)
    if security_groups is not None and not security_groups:
        raise ValidationError(scope, "security_groups", "must hold at least one security group when given", [])


# --- pacing that cannot hold --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KnownMps:
    """The documented default MPS of an origination identity defined in this app, and why."""

    parts_per_second: float
    basis: str


#: Default MPS of phone numbers by type (AWS End User Messaging SMS User Guide, "What are the Message Parts per Second
#: (MPS) limits"): US toll-free 3, US 10DLC 1 per number until an increase is granted, Canadian long code 1, long
#: codes of other countries 10. Simulator numbers and US long codes have no documented rate: not checked.
def _phone_number_mps(number: PhoneNumber) -> KnownMps | None:
    country = number.iso_country_code
    number_type = getattr(number, "_number_type", None)
    if country is None or cdk.Token.is_unresolved(country):
        return None
    if number_type is NumberType.TOLL_FREE:
        return KnownMps(3, f"{number.node.path} is a US toll-free number: 3 MPS by default")
    if number_type is NumberType.TEN_DLC:
        return KnownMps(1, f"{number.node.path} is a US 10DLC number: 1 MPS until an MPS increase is granted")
    if number_type is NumberType.LONG_CODE and country == "CA":
        return KnownMps(1, f"{number.node.path} is a Canadian long code: 1 MPS")
    if number_type is NumberType.LONG_CODE and country != "US":
        return KnownMps(10, f"{number.node.path} is a long code in {country}: 10 MPS")
    return None


def known_default_mps(identity: Any) -> KnownMps | None:
    """The default MPS of ``identity`` when it is defined in this app and AWS documents one, else ``None``.

    A pool has no MPS of its own: each message is sent as the member the service picks (by destination country and
    health) and counts against that member's MPS, and AWS does not document spreading one destination's traffic over
    several members. So the rate that holds whichever member is picked is the lowest of the members'; a pool with a
    member of unknown rate (an import, a simulator number) is not checked.
    """
    if isinstance(identity, PhoneNumber):
        return _phone_number_mps(identity)
    if isinstance(identity, SenderId):
        return KnownMps(10, f"{identity.node.path} is a sender ID: 10 MPS")
    if isinstance(identity, Pool):
        members = [known_default_mps(member) for member in identity.origination_identities]
        if not members or any(member is None for member in members):
            return None
        lowest = min(members, key=lambda m: m.parts_per_second)  # type: ignore[union-attr]
        assert lowest is not None
        return KnownMps(
            lowest.parts_per_second,
            f"{identity.node.path} is a pool; each message counts against the member that sends it, and the "
            f"slowest member sets the rate that always holds ({lowest.basis})",
        )
    return None


def _identity_key(identity: IOriginationIdentity) -> str:
    arn = identity.origination_identity_arn
    return arn if not cdk.Token.is_unresolved(arn) else f"construct:{identity.node.path}"


def check_pacing(scope: Construct, identity: IOriginationIdentity, max_parts_per_second: float) -> None:
    """Warn when the queue's MPS, alone or with the other send queues on the same identity, exceeds its default MPS.

    Every send queue paces on its own schedule (its own pacer item in its own message store): two queues on one
    identity do not share one, so together they send at the sum of their rates.
    """
    if isinstance(max_parts_per_second, bool) or not isinstance(max_parts_per_second, int | float):
        return
    known = known_default_mps(identity)
    registry: dict[str, list[tuple[str, float]]] = scope.node.root.__dict__.setdefault("_sms_send_queue_rates", {})
    others = [entry for entry in registry.setdefault(_identity_key(identity), []) if entry[0] != scope.node.path]
    registry[_identity_key(identity)] = [*others, (scope.node.path, float(max_parts_per_second))]
    if known is None:
        return
    limit = _number(known.parts_per_second)
    if max_parts_per_second > known.parts_per_second:
        cdk.Annotations.of(scope).add_warning_v2(
            MPS_ABOVE_IDENTITY_WARNING,
            f"max_parts_per_second={_number(max_parts_per_second)} is above the default MPS of the origination "
            f"identity: {limit} ({known.basis}). The service throttles the excess, so sends keep coming back and "
            "wait. Pace at or below the identity's MPS, or acknowledge this warning once AWS has raised it.",
        )
    elif others:
        total = max_parts_per_second + sum(rate for _, rate in others)
        if total > known.parts_per_second:
            listed = ", ".join(f"{path} ({_number(rate)} MPS)" for path, rate in others)
            cdk.Annotations.of(scope).add_warning_v2(
                SHARED_IDENTITY_MPS_WARNING,
                f"this send queue ({_number(max_parts_per_second)} MPS) and {listed} send through the same origination "
                f"identity: {_number(total)} MPS together, above its default MPS of {limit} ({known.basis}). Each send "
                "queue paces on its own schedule; split the identity's MPS between them, or acknowledge this warning "
                "once AWS has raised it.",
            )


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def check_numbers(scope: IConstruct, values: Mapping[str, Any]) -> None:
    """``check_number`` for each prop of ``values``."""
    for prop, value in values.items():
        check_number(scope, prop, value)


def check_send_queue(
    scope: Construct,
    *,
    origination_identity: IOriginationIdentity,
    configuration_set: IConfigurationSetRef,
    max_parts_per_second: Any,
    batch_size: Any,
    max_price: Any,
    durations: Mapping[str, Any],
    vpc: ec2.IVpc | None,
    vpc_subnets: Any,
    security_groups: Sequence[Any] | None,
    routed: bool = False,
) -> FunctionNetwork | None:
    """The guards of ``SmsSendQueue`` that run before anything is created; returns the sender's network. With
    ``routed`` (the queue declares routes) the queue's MPS is not compared with the identity's: it then paces only
    the countries without a route, and each route's MPS is its own member's (``SendRoute.from_pool`` takes the
    documented defaults)."""
    check_numbers(scope, {"max_parts_per_second": max_parts_per_second, "batch_size": batch_size})
    check_max_price(scope, max_price)
    for name, duration in durations.items():
        check_duration(scope, name, duration)
    check_region_of(scope, "origination_identity", origination_identity)
    check_configuration_set_region(scope, configuration_set)
    check_network(scope, vpc, vpc_subnets, security_groups)
    if not routed:
        check_pacing(scope, origination_identity, max_parts_per_second)
    return FunctionNetwork(vpc, vpc_subnets, security_groups) if vpc is not None else None


def check_configuration_set_region(scope: IConstruct, configuration_set: IConfigurationSetRef) -> None:
    """A configuration set names a resource of one Region: it must be this stack's."""
    check_region_of(scope, "configuration_set", configuration_set)


def _environment(scope: IConstruct) -> tuple[str | None, str | None]:
    """The account and Region of ``scope``'s stack, ``None`` where it is not known at synth time."""
    account, region = stack_account(scope), stack_region(scope)
    return (None if is_unresolved(account) else account), (None if is_unresolved(region) else region)


def _same_environment(first: IConstruct, second: IConstruct) -> bool:
    """True when both may deploy to one account and Region (an unknown account or Region may be any)."""
    (account, region), (their_account, their_region) = _environment(first), _environment(second)
    same_account = account is None or their_account is None or account == their_account
    return same_account and (region is None or their_region is None or region == their_region)


def check_spend_alarms_under_overrides(scope: Construct) -> None:
    """Refuse a spend alarm of an ``SmsMonitoring`` above the text spend limit override of an ``SmsAccountSettings``
    of the same account and Region in the app: the service stops sending at the enforced limit, so the month's spend
    never reaches such an alarm. Called by both constructs, so the order they are defined in does not matter; the
    error names the one defined second.
    """
    from .account_settings import SmsAccountSettings  # noqa: PLC0415 - both modules import this one
    from .monitoring import SmsMonitoring  # noqa: PLC0415

    others = [c for c in scope.node.root.node.find_all() if c is not scope]
    if isinstance(scope, SmsMonitoring):
        pairs = [(scope, o) for o in others if isinstance(o, SmsAccountSettings)]
    elif isinstance(scope, SmsAccountSettings):
        pairs = [(o, scope) for o in others if isinstance(o, SmsMonitoring)]
    else:
        return
    for monitoring, settings in pairs:
        override = settings.text_spend_limit_override_usd
        limit = monitoring.monthly_spend_limit_usd
        if override is None or is_unresolved(override) or is_unresolved(limit):
            continue
        if not _same_environment(monitoring, settings):
            continue
        above = [p for p in sorted(monitoring.spend_alarm_percentages) if round(limit * p / 100, 2) > override]
        if not above:
            continue
        highest = above[-1]
        amount = round(limit * highest / 100, 2)
        alarm = f"{monitoring.node.path} alarm MonthlySpend{_number(highest)} ({_number(highest)} % of {_number(limit)}"
        if scope is monitoring:
            raise ValidationError(
                monitoring,
                "monthly_spend_limit_usd",
                f"{_number(highest)} % of it is {_number(amount)} USD, above the text spend limit override of "
                f"{settings.node.path} ({_number(override)} USD): the service stops sending at that limit, so the "
                f"month's spend never reaches the alarm; measure against the override (monthly_spend_limit_usd="
                f"{_number(override)}) or a budget under it",
                limit,
            )
        raise ValidationError(
            settings,
            "text_spend_limit_override_usd",
            f"is below the spend alarm {alarm} USD = {_number(amount)} USD): the service stops sending at this "
            "limit, so the month's spend never reaches that alarm; raise the override or lower the alarm's "
            "monthly_spend_limit_usd",
            override,
        )
