"""Composition of the sample app's stacks."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk

from .config import Profile, load_profile
from .messaging_stack import MessagingStack


@dataclass(frozen=True)
class SampleStacks:
    """The stacks of one sample app, for tests and for code that extends the app."""

    profile: Profile
    messaging: MessagingStack

    @property
    def all(self) -> list[cdk.Stack]:
        """Every stack, in deployment order."""
        return [self.messaging]


def build_sample_app(app: cdk.App) -> SampleStacks:
    """Add the sample stacks for the profile chosen in ``app``'s context and return them."""
    profile = load_profile(app)
    env = cdk.Environment(account=profile.account, region=profile.region) if profile.account or profile.region else None
    prefix = "SmsSandbox" if profile.is_sandbox else "SmsProduction"
    messaging = MessagingStack(
        app,
        f"{prefix}Messaging",
        profile=profile,
        env=env,
        description=f"sms-constructs sample ({profile.name}): origination identities, pool, configuration set",
    )
    return SampleStacks(profile=profile, messaging=messaging)
