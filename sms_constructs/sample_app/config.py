"""Sample-app profiles, chosen by the ``sms-constructs:profile`` context key (``sandbox`` by default).

``sandbox`` needs no registration: it requests a SIMULATOR origination number, which can only send to the US
destination simulator numbers; its settings (spend limit, alarm e-mail, verified destination numbers) are under
``sms-constructs:sandbox``. ``production`` takes everything from the ``sms-constructs:production`` context object (see
``cdk.json``): countries, origination identities to import by ARN or request, MPS per identity, spend limit, alarm
e-mail. ``cdk.json`` ships placeholders (``REPLACE_WITH...``) for the production values that only you know: synthesis
fails on each one with the key to set, so nothing half-configured reaches a deployment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from constructs import Construct
from sms_constructs_runtime.contract import E164_PATTERN

from .._private.errors import ValidationError
from ..resources.common import NumberType
from ..resources.countries import SMS_COUNTRY_CODES

PROFILE_CONTEXT_KEY = "sms-constructs:profile"
SANDBOX_CONTEXT_KEY = "sms-constructs:sandbox"
PRODUCTION_CONTEXT_KEY = "sms-constructs:production"
ENV_CONTEXT_KEY = "sms-constructs:env"

PROFILES = ("sandbox", "production")
#: A value ``cdk.json`` ships for the reader to replace starts with this.
PLACEHOLDER_MARKER = "REPLACE_WITH"
#: A US simulator number is paced like US toll-free (3 parts per second).
SANDBOX_MAX_PARTS_PER_SECOND = 3.0
#: The SMS sandbox's monthly spend limit (USD): the most the sandbox profile can set.
SANDBOX_SPEND_LIMIT_USD = 1
#: Numbers a production identity may be requested as (a simulator number is the sandbox's).
REQUESTABLE_NUMBER_TYPES = ("LONG_CODE", "TOLL_FREE", "TEN_DLC")

_PHONE_NUMBER_ARN = r"arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:[0-9]{12}:phone-number/[A-Za-z0-9_-]+"
_EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
_NAME_PREFIX = r"[a-z][a-z0-9-]{0,29}"
_SANDBOX_KEYS = frozenset({"monthlySpendLimitUsd", "alarmEmail", "verifiedDestinationNumbers"})
_PRODUCTION_KEYS = frozenset(
    {"namePrefix", "allowedCountries", "originationIdentities", "monthlySpendLimitUsd", "alarmEmail"}
)
_IDENTITY_KEYS = frozenset({"phoneNumberArn", "numberType", "isoCountryCode", "maxPartsPerSecond"})


@dataclass(frozen=True)
class IdentitySpec:
    """One origination identity of the production profile: imported by ARN, or requested."""

    #: Message parts per second the identity sends (1 for US 10DLC, 3 for US toll-free, 100 for a US short code).
    max_parts_per_second: float
    #: ARN of a registered number to import; ``None`` requests a number of ``number_type``.
    phone_number_arn: str | None = None
    #: ``LONG_CODE``, ``TOLL_FREE`` or ``TEN_DLC`` for a number to request.
    number_type: str | None = None
    #: Country of a requested number.
    iso_country_code: str = "US"


@dataclass(frozen=True)
class Profile:
    """Settings of one sample-app profile."""

    name: str
    #: Prefix of every physical name (configuration set, opt-out list, dashboard) so profiles can share an account.
    name_prefix: str
    #: Countries the protect configuration allows (everything else is blocked); also graphed one by one.
    allowed_countries: tuple[str, ...] = ("US",)
    #: The production identities; empty for the sandbox (a simulator number is requested).
    identities: tuple[IdentitySpec, ...] = ()
    #: The enforced monthly text spend limit (USD) the account settings set and the spend alarms measure against.
    monthly_spend_limit_usd: int = SANDBOX_SPEND_LIMIT_USD
    #: Where the alarms are mailed; ``None`` creates the topic without a subscription.
    alarm_email: str | None = None
    #: Numbers the sandbox may send to once verified (``VerifiedDestinationNumber``; the simulator needs none).
    verified_destination_numbers: tuple[str, ...] = ()
    #: Account and region to pin the stacks to; ``None`` leaves them environment-agnostic. The production profile takes
    #: the Region of its imported numbers when the ``sms-constructs:env`` context gives none.
    account: str | None = None
    region: str | None = None

    @property
    def is_sandbox(self) -> bool:
        """True for the simulator profile."""
        return self.name == "sandbox"

    @property
    def max_parts_per_second(self) -> float:
        """The MPS the send queue paces the pool to: the lowest of its identities' (the simulator's: 3). A pool sends
        each message as the member the service picks, so only the lowest member's rate always holds."""
        if not self.identities:
            return SANDBOX_MAX_PARTS_PER_SECOND
        return min(identity.max_parts_per_second for identity in self.identities)


def load_profile(scope: Construct) -> Profile:
    """Read the profile named by the ``sms-constructs:profile`` context key (default ``sandbox``).

    Raises ``ValidationError`` naming the context key (``sms-constructs:production.alarmEmail`` …) of any value that is
    missing, malformed or still the placeholder ``cdk.json`` ships.
    """
    name = scope.node.try_get_context(PROFILE_CONTEXT_KEY) or "sandbox"
    if name not in PROFILES:
        raise ValidationError(
            scope.node.path or "App", f"context {PROFILE_CONTEXT_KEY}", f"must be one of {', '.join(PROFILES)}", name
        )
    env = scope.node.try_get_context(ENV_CONTEXT_KEY) or {}
    account, region = env.get("account"), env.get("region")
    if name == "sandbox":
        reader = _Reader(scope, SANDBOX_CONTEXT_KEY, _SANDBOX_KEYS)
        return Profile(
            name="sandbox",
            name_prefix="sms-sandbox",
            monthly_spend_limit_usd=reader.spend_limit(default=SANDBOX_SPEND_LIMIT_USD),
            alarm_email=reader.email(),
            verified_destination_numbers=reader.phone_numbers("verifiedDestinationNumbers"),
            account=account,
            region=region,
        )
    reader = _Reader(scope, PRODUCTION_CONTEXT_KEY, _PRODUCTION_KEYS)
    identities = reader.identities()
    regions = sorted({i.phone_number_arn.split(":")[3] for i in identities if i.phone_number_arn is not None})
    if len(regions) > 1:
        reader.fail("originationIdentities", "must all be in one Region (a pool cannot mix Regions)", regions)
    if region is None and regions:
        # A registered number can only send in its own Region: deploy there (also what the pool's same-Region check
        # needs to know at synth time; an environment-agnostic stack would only get a "not checked" warning).
        region = regions[0]
    return Profile(
        name="production",
        name_prefix=reader.name_prefix(),
        allowed_countries=reader.countries(),
        identities=identities,
        monthly_spend_limit_usd=reader.spend_limit(default=None),
        alarm_email=reader.email(),
        account=account,
        region=region,
    )


class _Reader:
    """Reads and validates one context object; every error names the key to set in ``cdk.json``."""

    def __init__(self, scope: Construct, context_key: str, allowed: frozenset[str]) -> None:
        self.scope = scope
        self.context_key = context_key
        raw = scope.node.try_get_context(context_key)
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            self.fail("", "must be an object of settings", raw)
        self.settings: Mapping[str, Any] = raw
        unknown = sorted(set(raw) - allowed)
        if unknown:
            self.fail("", f"has unknown keys {unknown}; the keys are {', '.join(sorted(allowed))}", dict(raw))

    def fail(self, key: str, rule: str, value: Any, *, suffix: str = " (set it in cdk.json)") -> None:
        where = f"{self.context_key}.{key}" if key else self.context_key
        raise ValidationError(self.scope.node.path or "App", f"context {where}", f"{rule}{suffix}", value)

    def get(self, key: str, default: Any = None, *, required: bool = False) -> Any:
        """The value of ``key``; a placeholder or a missing required value fails."""
        return self.check_value(key, self.settings.get(key, default), required=required)

    def check_value(self, key: str, value: Any, *, required: bool = False) -> Any:
        if isinstance(value, str) and value.startswith(PLACEHOLDER_MARKER):
            hint = value.removeprefix(PLACEHOLDER_MARKER).strip()
            self.fail(key, f"is still the placeholder shipped in cdk.json: set it to {hint}", value, suffix="")
        if required and value is None:
            self.fail(key, "is required", value)
        return value

    def spend_limit(self, *, default: int | None) -> int:
        value = self.get("monthlySpendLimitUsd", default, required=True)
        if isinstance(value, bool) or not isinstance(value, int | float) or not float(value).is_integer() or value < 1:
            self.fail("monthlySpendLimitUsd", "must be a whole number of USD, at least 1", value)
        return int(value)

    def email(self) -> str | None:
        value = self.get("alarmEmail")
        if value is not None and (not isinstance(value, str) or re.fullmatch(_EMAIL, value) is None):
            self.fail("alarmEmail", "must be an e-mail address, or null for no subscription", value)
        return str(value) if value is not None else None

    def phone_numbers(self, key: str) -> tuple[str, ...]:
        values = self.get(key, [])
        if not isinstance(values, list):
            self.fail(key, "must be a list of E.164 numbers", values)
        for index, value in enumerate(values):
            self.check_value(f"{key}[{index}]", value)
            if not isinstance(value, str) or re.fullmatch(E164_PATTERN, value) is None:
                self.fail(f"{key}[{index}]", "must be an E.164 number such as +14255550142", value)
        if len(set(values)) != len(values):
            self.fail(key, "must not repeat a number", values)
        return tuple(values)

    def name_prefix(self) -> str:
        value = self.get("namePrefix", "sms-prod")
        if not isinstance(value, str) or re.fullmatch(_NAME_PREFIX, value) is None:
            self.fail("namePrefix", f"must match {_NAME_PREFIX} (lower case, starts with a letter)", value)
        return str(value)

    def countries(self) -> tuple[str, ...]:
        values = self.get("allowedCountries", ["US"])
        if not isinstance(values, list) or not values:
            self.fail("allowedCountries", "must be a non-empty list of ISO 3166-1 alpha-2 codes", values)
        for index, value in enumerate(values):
            self.check_value(f"allowedCountries[{index}]", value)
            if value not in SMS_COUNTRY_CODES:
                self.fail(f"allowedCountries[{index}]", "must be an SMS destination country code such as US", value)
        return tuple(values)

    def identities(self) -> tuple[IdentitySpec, ...]:
        values = self.get("originationIdentities", required=True)
        if not isinstance(values, list) or not values:
            self.fail("originationIdentities", "must be a non-empty list of identities", values)
        return tuple(self.identity(f"originationIdentities[{index}]", value) for index, value in enumerate(values))

    def identity(self, key: str, value: Any) -> IdentitySpec:
        if not isinstance(value, Mapping) or set(value) - _IDENTITY_KEYS:
            self.fail(key, f"must be an object with the keys {', '.join(sorted(_IDENTITY_KEYS))}", value)
        arn = self.check_value(f"{key}.phoneNumberArn", value.get("phoneNumberArn"))
        number_type = self.check_value(f"{key}.numberType", value.get("numberType"))
        mps = self.check_value(f"{key}.maxPartsPerSecond", value.get("maxPartsPerSecond"), required=True)
        country = self.check_value(f"{key}.isoCountryCode", value.get("isoCountryCode", "US"))
        if isinstance(mps, bool) or not isinstance(mps, int | float) or mps <= 0:
            self.fail(f"{key}.maxPartsPerSecond", "must be a number > 0 (the identity's MPS)", mps)
        if (arn is None) == (number_type is None):
            self.fail(key, "must give either phoneNumberArn (import) or numberType (request)", dict(value))
        if arn is not None and (not isinstance(arn, str) or re.fullmatch(_PHONE_NUMBER_ARN, arn) is None):
            self.fail(f"{key}.phoneNumberArn", f"must be a phone-number ARN matching {_PHONE_NUMBER_ARN}", arn)
        if number_type is not None and number_type not in REQUESTABLE_NUMBER_TYPES:
            self.fail(f"{key}.numberType", f"must be one of {', '.join(REQUESTABLE_NUMBER_TYPES)}", number_type)
        if country not in SMS_COUNTRY_CODES:
            self.fail(f"{key}.isoCountryCode", "must be an SMS country code such as US", country)
        return IdentitySpec(
            max_parts_per_second=float(mps),
            phone_number_arn=arn,
            number_type=NumberType(number_type).value if number_type is not None else None,
            iso_country_code=country,
        )


def example_production_settings() -> dict[str, Any]:
    """A filled-in production profile (``sms-constructs:production``), with AWS's documentation account
    (111122223333): what the docs' diagram, the benchmarks and the tests synthesize, since ``cdk.json`` ships
    placeholders that fail synthesis by design. One identity is imported by ARN, one requested. A new dict each call."""
    return {
        "namePrefix": "sms-prod",
        "allowedCountries": ["US", "CA"],
        "originationIdentities": [
            {
                "phoneNumberArn": (
                    "arn:aws:sms-voice:us-east-1:111122223333:phone-number/phone-0123456789abcdef0123456789abcdef"
                ),
                "maxPartsPerSecond": 1,
            },
            {"numberType": "TOLL_FREE", "isoCountryCode": "US", "maxPartsPerSecond": 3},
        ],
        "monthlySpendLimitUsd": 100,
        "alarmEmail": "sms-oncall@example.com",
    }
