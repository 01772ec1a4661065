"""Composition of the sample app's stacks."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk

from .analytics_stack import EventAnalyticsStack
from .config import Profile, load_profile
from .identities_stack import OPT_IN_KEYWORDS, IdentitiesStack
from .monitoring_stack import MonitoringStack
from .sending_stack import SendingStack


@dataclass(frozen=True)
class SampleStacks:
    """The stacks of one sample app, for tests and for code that extends the app."""

    profile: Profile
    identities: IdentitiesStack
    analytics: EventAnalyticsStack
    sending: SendingStack
    monitoring: MonitoringStack

    @property
    def all(self) -> list[cdk.Stack]:
        """Every stack, in deployment order."""
        return [self.identities, self.analytics, self.sending, self.monitoring]


def stack_name_prefix(profile: Profile) -> str:
    """``SmsSandbox`` or ``SmsProduction``: the first part of every stack name of the profile."""
    return "SmsSandbox" if profile.is_sandbox else "SmsProduction"


def build_sample_app(app: cdk.App) -> SampleStacks:
    """Add the sample stacks for the profile chosen in ``app``'s context and return them.

    Raises ``ValidationError`` naming the ``cdk.json`` key to set when the profile's context is incomplete.
    """
    profile = load_profile(app)
    env = cdk.Environment(account=profile.account, region=profile.region) if profile.account or profile.region else None
    prefix = stack_name_prefix(profile)
    label = f"sms-constructs sample ({profile.name})"
    identities = IdentitiesStack(
        app,
        f"{prefix}Identities",
        profile=profile,
        env=env,
        description=(
            f"{label}: origination identities, pool, opt-out list, inbound topic, protect configuration, "
            "account settings"
        ),
    )
    analytics = EventAnalyticsStack(
        app,
        f"{prefix}Analytics",
        profile=profile,
        env=env,
        description=f"{label}: SMS events to S3 (Parquet), Glue and Athena, and a log group for a quick look",
    )
    sending = SendingStack(
        app,
        f"{prefix}Sending",
        profile=profile,
        origination_identity=identities.pool,
        protect_configuration=identities.protect_configuration,
        analytics=analytics.analytics,
        inbound_channel=identities.inbound_channel,
        opt_out_list=identities.opt_out_list,
        opt_in_keywords=OPT_IN_KEYWORDS,
        env=env,
        description=f"{label}: configuration set, paced send queue, retries, sample producer, status events, replies",
    )
    monitoring = MonitoringStack(
        app,
        f"{prefix}Monitoring",
        profile=profile,
        configuration_set=sending.configuration_set,
        send_queue=sending.sending.send_queue,
        retry=sending.sending.retry,
        analytics=analytics.analytics,
        status_notifier=sending.after_the_send.status,
        inbound=sending.after_the_send.inbound,
        env=env,
        description=f"{label}: CloudWatch dashboard and alarms (spend, delivery, protect, queues, analytics)",
    )
    return SampleStacks(
        profile=profile, identities=identities, analytics=analytics, sending=sending, monitoring=monitoring
    )
