"""``SendRoute``: pacing per destination country for ``SmsSendQueue(routes=...)``, and the checks of the routes."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from constructs import Construct
from sms_constructs_runtime.routes import DEFAULT_ROUTE

from .._private.errors import ValidationError
from .._private.validation import check_range, is_unresolved
from ..resources.countries import check_country_code, known_country_codes
from ..resources.pool import Pool
from ..resources.sender_id import SenderIdBase
from ._guards import known_default_mps

__all__ = ["MAX_ROUTES", "SendRoute"]

#: The most routes a send queue may declare (``*`` included): each adds a parking queue and an event source mapping.
MAX_ROUTES = 25
#: Bounds of a route's MPS (the queue's ``max_parts_per_second`` bounds).
MIN_ROUTE_MPS, MAX_ROUTE_MPS = 0.1, 3000
#: Warning id: a country the protect configuration allows has no route and the queue has no ``*`` route.
UNROUTED_WARNING = "sms-constructs:SendQueueUnroutedCountries"
#: Warning id: ``SendRoute.from_pool`` met a member whose country it cannot know (an imported number).
UNKNOWN_MEMBER_WARNING = "sms-constructs:SendRouteMemberCountryUnknown"
#: How many countries a warning names before it only counts the rest.
_NAMED_IN_WARNING = 12


def _country_of(member: Any) -> str | None:
    """The ISO code of a pool member as given at synth time (an owned sender ID's ``iso_country_code`` reads back a
    token from its Ref; its L1 keeps the literal), or ``None`` when unknown here (a number imported by ARN)."""
    resource = getattr(member, "resource", None)
    country = getattr(resource, "iso_country_code", None) if resource is not None else None
    if country is None:
        country = getattr(member, "iso_country_code", None)
    return country if isinstance(country, str) and not is_unresolved(country) else None


def _default_mps(member: Any) -> float | None:
    """The service's default MPS of a pool member, when the User Guide states it ("MPS limits by origination
    identity": a sender ID 10 in any country; a long code 1 in Canada and 10 in every other country but the US; a US
    10DLC number 1; a US toll-free number 3), else ``None`` (a simulator number, a number imported by ARN)."""
    if isinstance(member, SenderIdBase):
        return 10
    known = known_default_mps(member)
    return known.parts_per_second if known is not None else None


@dataclasses.dataclass(frozen=True)
class SendRoute:
    """The pace of one destination country of an ``SmsSendQueue``: the MPS of the origination identity the pool
    sends from to that country (a pool picks its member by the destination's country). Each route is paced on a key of
    its own, so a saturated route never delays another; a record of a saturated route is moved to the route's parking
    queue, drained by its own event source mapping into the same sender.

    Example::

        SmsSendQueue(self, "Send", origination_identity=pool, configuration_set=config, max_parts_per_second=5,
                     routes={"CA": SendRoute(1), "GB": SendRoute(10), "MX": SendRoute(20)})
    """

    #: The route's MPS: message parts per second of the identity that serves the country (0.1-3000), e.g. 1 for a
    #: Canadian long code, 10 for a sender ID, 20 for shared routes. No default.
    max_parts_per_second: float
    #: ``MaximumConcurrency`` of the route's parking queue's event source mapping (2-1000). Default:
    #: ``max(2, ceil(max_parts_per_second x 0.5))``, as the queue's own.
    max_concurrency: int | None = dataclasses.field(default=None, kw_only=True)

    @classmethod
    def from_pool(cls, pool: Pool, *, max_parts_per_second: Mapping[str, float] | None = None) -> dict[str, SendRoute]:
        """One route per country of ``pool``'s phone numbers and sender IDs, for ``SmsSendQueue(routes=...)``.

        A country's MPS is the one ``max_parts_per_second`` gives, else the service's default for its one member when
        the User Guide states it (a sender ID 10; a long code 1 in Canada, 10 outside the US and Canada; a US 10DLC
        number 1; a US toll-free number 3); a country with several members, or a member without a stated default (a
        simulator number), needs its MPS in ``max_parts_per_second`` (a raised MPS does too: the defaults are the
        service's, not your account's). A member imported by ARN has no known country: it is left out, with a warning
        (declare its route yourself).

        :param pool: A ``Pool`` of this app.
        :param max_parts_per_second: ISO 3166-1 alpha-2 code (or ``*``) → MPS; it may name countries the pool has no
            member for (served through shared routes). Default: none (the defaults above only).
        :returns: ISO code → ``SendRoute``, in the order of the pool's members, then of ``max_parts_per_second``.
        """
        if not isinstance(pool, Pool):
            raise ValidationError(
                "SendRoute.from_pool",
                "pool",
                "must be a Pool of this app (an imported pool's members are unknown)",
                pool,
            )
        given = dict(max_parts_per_second or {})
        members: dict[str, list[Any]] = {}
        for member in pool.origination_identities:
            country = _country_of(member)
            if country is None:
                cdk.Annotations.of(pool).add_warning_v2(
                    UNKNOWN_MEMBER_WARNING,
                    f"SendRoute.from_pool: the country of {member.node.path} is not known here (an imported identity), "
                    "so it has no route: add its country to routes= yourself with its MPS.",
                )
                continue
            members.setdefault(country, []).append(member)
        routes: dict[str, SendRoute] = {}
        for country, held in members.items():
            if country in given:
                routes[country] = cls(given[country])
                continue
            default = _default_mps(held[0]) if len(held) == 1 else None
            if default is None:
                why = (
                    f"{len(held)} members serve it ({', '.join(m.node.path for m in held)}), and how the pool spreads "
                    "sends over them is not stated"
                    if len(held) > 1
                    else f"the User Guide states no default MPS for {held[0].node.path}"
                )
                raise ValidationError(
                    pool,
                    "max_parts_per_second",
                    f"must give the MPS of {country}: {why}; pass max_parts_per_second={{{country!r}: ...}}",
                    dict(given),
                )
            routes[country] = cls(default)
        for country, mps in given.items():
            routes.setdefault(country, cls(mps))
        return routes


def parking_concurrency(route: SendRoute) -> int:
    """``MaximumConcurrency`` of a route's parking queue's mapping: its own, else ``max(2, ceil(MPS x 0.5))``."""
    if route.max_concurrency is not None:
        return int(route.max_concurrency)
    return max(2, min(1000, math.ceil(route.max_parts_per_second * 0.5)))


def check_routes(
    scope: Construct, routes: Mapping[str, SendRoute] | None, max_parts_per_second: float, shares: Mapping[str, float]
) -> dict[str, SendRoute]:
    """Refuse routes the sender cannot pace: not a mapping of ISO code (or ``*``) to ``SendRoute``, an unknown
    country, an MPS outside 0.1-3000 or not known at synth time, a bad ``max_concurrency``, more than
    :data:`MAX_ROUTES`, or a lane's reserved share worth less than 1 part per second on a route (``shares``: lane →
    share; a share applies within each route). Returns the routes (empty without routes)."""
    if routes is None:
        return {}
    if not isinstance(routes, Mapping) or not routes:
        raise ValidationError(
            scope, "routes", 'must be a non-empty dict of ISO 3166-1 alpha-2 code (or "*") to SendRoute', routes
        )
    if len(routes) > MAX_ROUTES:
        raise ValidationError(
            scope, "routes", f"must hold at most {MAX_ROUTES} routes (each adds a queue and a mapping)", list(routes)
        )
    known = known_country_codes(scope)
    for country, route in routes.items():
        prop = f"routes[{country!r}]"
        if country != DEFAULT_ROUTE:
            if not isinstance(country, str) or is_unresolved(country):
                raise ValidationError(scope, "routes", 'keys must be ISO 3166-1 alpha-2 codes or "*"', country)
            check_country_code(scope, "routes", country, known)
        if not isinstance(route, SendRoute):
            raise ValidationError(scope, prop, "must be a SendRoute (SendRoute(max_parts_per_second))", route)
        mps = route.max_parts_per_second
        if isinstance(mps, bool) or not isinstance(mps, int | float) or is_unresolved(mps):
            raise ValidationError(
                scope,
                f"{prop}.max_parts_per_second",
                "must be a number known at synth time (the sender paces to it)",
                mps,
            )
        check_range(scope, f"{prop}.max_parts_per_second", mps, MIN_ROUTE_MPS, MAX_ROUTE_MPS, "parts per second")
        check_range(scope, f"{prop}.max_concurrency", route.max_concurrency, 2, 1000)
        if route.max_concurrency is not None and not float(route.max_concurrency).is_integer():
            raise ValidationError(scope, f"{prop}.max_concurrency", "must be a whole number", route.max_concurrency)
    every = {**routes}
    every.setdefault(DEFAULT_ROUTE, SendRoute(max_parts_per_second))
    for lane, share in shares.items():
        for country, route in every.items():
            if share * route.max_parts_per_second < 1:
                raise ValidationError(
                    scope,
                    f"routes[{country!r}].max_parts_per_second",
                    f"with routes, a lane's reserved share applies within each route, and {lane}'s share "
                    f"{share:g} of this route's {route.max_parts_per_second:g} parts per second is "
                    f"{share * route.max_parts_per_second:g}, below the 1 part per second a lane's own schedule needs: "
                    "raise the share, or give the lane no share",
                    route.max_parts_per_second,
                )
    return dict(routes)


def warn_unrouted(scope: Construct, configuration_set: Any, routes: Mapping[str, SendRoute]) -> None:
    """Warn (acknowledgeable, :data:`UNROUTED_WARNING`) when the queue has routes but no ``*`` route and a country the
    configuration set's protect configuration allows SMS to has no route: such sends are paced on the queue's own key
    at ``max_parts_per_second``, which may be faster than the identity that serves them. When the configuration set
    or its protect configuration is not one of this app's (imported, or none: the account's default protect
    configuration, if any, applies), which countries are allowed cannot be known here, and the warning says so."""
    from ..resources.common import NumberCapability  # noqa: PLC0415 - only queues with routes need it
    from ..resources.protect_configuration import ProtectConfiguration, ProtectStatus  # noqa: PLC0415

    if not routes or DEFAULT_ROUTE in routes:
        return
    protect = getattr(configuration_set, "protect_configuration", None)
    advice = (
        'Declare a "*" route with the MPS of whatever serves the other countries, or routes for them; sends to a '
        "country without a route are paced on the queue's own key at max_parts_per_second."
    )
    if not isinstance(protect, ProtectConfiguration):
        cdk.Annotations.of(scope).add_warning_v2(
            UNROUTED_WARNING,
            'routes has no "*" route, and which countries the configuration set\'s protect configuration allows '
            "cannot be known at synth time (the configuration set is imported, or names no protect configuration of "
            f"this app: the account's default protect configuration, if any, applies). {advice}",
        )
        return
    rules = protect.country_rules.get(NumberCapability.SMS, {})
    allowed = sorted(
        c for c in known_country_codes(scope) if rules.get(c, ProtectStatus.ALLOW) is not ProtectStatus.BLOCK
    )
    missing = [country for country in allowed if country not in routes]
    if not missing:
        return
    named = ", ".join(missing[:_NAMED_IN_WARNING]) + (
        f" and {len(missing) - _NAMED_IN_WARNING} more" if len(missing) > _NAMED_IN_WARNING else ""
    )
    cdk.Annotations.of(scope).add_warning_v2(
        UNROUTED_WARNING,
        f"the protect configuration {protect.node.path} allows SMS to {len(missing)} countries that have no route and "
        f'routes has no "*" route: {named}. {advice}',
    )


def route_items(routes: Mapping[str, SendRoute]) -> tuple[str, ...]:
    """``ISO=mps`` items of ``SenderSettings.routes``."""
    return tuple(f"{country}={_number(route.max_parts_per_second)}" for country, route in routes.items())


def route_construct_id(country: str) -> str:
    """The construct id of a route's parking queue holder: its ISO code, ``Other`` for ``*``."""
    return "Other" if country == DEFAULT_ROUTE else country


def total_mps(routes: Mapping[str, SendRoute], max_parts_per_second: float) -> float:
    """Parts per second the queue may send in all: every route's MPS, the ``*`` route's included (the queue's
    ``max_parts_per_second`` unless declared); ``max_parts_per_second`` without routes."""
    if not routes:
        return max_parts_per_second
    every: dict[str, float] = {c: r.max_parts_per_second for c, r in routes.items()}
    every.setdefault(DEFAULT_ROUTE, max_parts_per_second)
    return sum(every.values())


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def lane_shares(lanes: Sequence[Any]) -> dict[str, float]:
    """Lane name → reserved share, for the lanes that have one."""
    return {lane.name: lane.reserved_share for lane in lanes if lane.reserved_share is not None}
