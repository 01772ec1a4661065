"""Sample-app profiles, chosen by the ``sms-constructs:profile`` context key (``sandbox`` by default).

``sandbox`` needs no registration: it requests a SIMULATOR origination number, which can only send to the US
destination simulator numbers. ``production`` takes its settings from the ``sms-constructs:production`` context
object (see ``cdk.json``), e.g. the ARN of a registered number to import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from constructs import Construct

from .._private.errors import ValidationError

PROFILE_CONTEXT_KEY = "sms-constructs:profile"
PRODUCTION_CONTEXT_KEY = "sms-constructs:production"
ENV_CONTEXT_KEY = "sms-constructs:env"

PROFILES = ("sandbox", "production")


@dataclass(frozen=True)
class Profile:
    """Settings of one sample-app profile."""

    name: str
    #: Prefix of every physical name (configuration set, opt-out list) so profiles can share an account.
    name_prefix: str
    #: Countries the protect configuration allows (everything else is blocked).
    allowed_countries: tuple[str, ...] = ("US",)
    #: ARN of a registered origination number to import (production); ``None`` requests a simulator number.
    phone_number_arn: str | None = None
    #: Message parts per second the send queue paces to: the origination identity's MPS (1 for a US 10DLC number,
    #: 3 for US toll-free, 100 for a US short code). The simulator is paced like toll-free.
    max_parts_per_second: float = 3
    #: Account and region to pin the stacks to; ``None`` leaves them environment-agnostic. The production profile takes
    #: the Region of ``phone_number_arn`` when the ``sms-constructs:env`` context gives none.
    account: str | None = None
    region: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_sandbox(self) -> bool:
        """True for the simulator profile."""
        return self.name == "sandbox"


def load_profile(scope: Construct) -> Profile:
    """Read the profile named by the ``sms-constructs:profile`` context key (default ``sandbox``)."""
    name = scope.node.try_get_context(PROFILE_CONTEXT_KEY) or "sandbox"
    if name not in PROFILES:
        raise ValidationError(scope, f"context {PROFILE_CONTEXT_KEY}", f"must be one of {', '.join(PROFILES)}", name)
    env = scope.node.try_get_context(ENV_CONTEXT_KEY) or {}
    account, region = env.get("account"), env.get("region")
    if name == "sandbox":
        return Profile(name="sandbox", name_prefix="sms-sandbox", account=account, region=region)
    settings: dict[str, Any] = dict(scope.node.try_get_context(PRODUCTION_CONTEXT_KEY) or {})
    countries = tuple(settings.pop("allowedCountries", ["US"]))
    mps = settings.pop("maxPartsPerSecond", 1)
    if isinstance(mps, bool) or not isinstance(mps, int | float) or mps <= 0:
        raise ValidationError(scope, f"context {PRODUCTION_CONTEXT_KEY}.maxPartsPerSecond", "must be a number > 0", mps)
    phone_number_arn = settings.pop("phoneNumberArn", None)
    if region is None and isinstance(phone_number_arn, str) and phone_number_arn.count(":") >= 5:
        # A registered number can only send in its own Region: deploy there (also what the pool's same-Region check
        # needs to know at synth time; an environment-agnostic stack would only get a "not checked" warning).
        region = phone_number_arn.split(":")[3] or None
    return Profile(
        name="production",
        name_prefix=settings.pop("namePrefix", "sms-prod"),
        allowed_countries=countries,
        phone_number_arn=phone_number_arn,
        max_parts_per_second=mps,
        account=account,
        region=region,
        extra=settings,
    )
