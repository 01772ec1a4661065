"""Composition of the sample app's stacks."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk

from .analytics_stack import EventAnalyticsStack
from .config import Profile, load_profile
from .messaging_stack import MessagingStack


@dataclass(frozen=True)
class SampleStacks:
    """The stacks of one sample app, for tests and for code that extends the app."""

    profile: Profile
    analytics: EventAnalyticsStack
    messaging: MessagingStack

    @property
    def all(self) -> list[cdk.Stack]:
        """Every stack, in deployment order."""
        return [self.analytics, self.messaging]


def build_sample_app(app: cdk.App) -> SampleStacks:
    """Add the sample stacks for the profile chosen in ``app``'s context and return them."""
    profile = load_profile(app)
    env = cdk.Environment(account=profile.account, region=profile.region) if profile.account or profile.region else None
    prefix = "SmsSandbox" if profile.is_sandbox else "SmsProduction"
    analytics = EventAnalyticsStack(
        app,
        f"{prefix}Analytics",
        profile=profile,
        env=env,
        description=f"sms-constructs sample ({profile.name}): SMS events to S3 (Parquet), Glue and Athena",
    )
    messaging = MessagingStack(
        app,
        f"{prefix}Messaging",
        profile=profile,
        analytics=analytics.analytics,
        env=env,
        description=f"sms-constructs sample ({profile.name}): origination identities, pool, configuration set",
    )
    return SampleStacks(profile=profile, analytics=analytics, messaging=messaging)
