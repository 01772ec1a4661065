"""The apps the upgrade gate guards: the sample app in both profiles and two consumer apps that together use every
construct. The same code builds them from the released tree (``make upgrade-baseline``) and from HEAD (the test).

Only names that the released version and HEAD both have are used here. When a later change makes one of these apps
fail to build at HEAD (a prop renamed, a value refused), change the app as a user would change theirs and say so in
the changelog's upgrade notes; the gate then compares what that user's upgraded app deploys.
"""

from __future__ import annotations

import functools
import json
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_kms as kms
import aws_cdk.aws_s3 as s3
import aws_cdk.aws_sns as sns

from sms_constructs import (
    AttachmentSource,
    ConfigurationSet,
    EventRetention,
    MandatoryKeywords,
    MessageType,
    NotifyChannel,
    NotifyConfiguration,
    NumberCapability,
    NumberType,
    OptOutList,
    PhoneNumber,
    Pool,
    ProtectConfiguration,
    QuickLookLogs,
    RawEventBackup,
    RcsAgent,
    Registration,
    RegistrationAttachment,
    SmsAccountSettings,
    SmsEventAnalytics,
    SmsMonitoring,
    SmsRetry,
    SmsSendQueue,
    TwoWayChannel,
    UsTenDlcBrandVettingForm,
    VerifiedDestinationNumber,
)
from tests.conftest import ENV, cdk_json_context
from tests.resources.registration_builders import brand_form, campaign_form, toll_free_form
from tests.sample_app.synth import synthesized_sample

#: A template per stack name.
Templates = dict[str, dict[str, Any]]

ASSET_HASH = re.compile(r"[0-9a-f]{64}")

KEYWORDS = MandatoryKeywords(
    help="Acme alerts: help at https://acme.example/sms or 1-800-555-0100. Reply STOP to end.",
    stop="Acme alerts: you are unsubscribed and will receive no more messages.",
)


def scrub(value: Any) -> Any:
    """Replace asset hashes (they change with every Lambda source edit) by a placeholder (the sample-app snapshots
    use it too)."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return ASSET_HASH.sub("<asset-hash>", value)
    return value


def _synth(build: Callable[[cdk.App], None]) -> Templates:
    outdir = Path(tempfile.mkdtemp(prefix="cdk-out-upgrade-"))
    app = cdk.App(outdir=str(outdir), context=cdk_json_context())
    build(app)
    app.synth()
    return {
        path.name.removesuffix(".template.json"): json.loads(path.read_text())
        for path in sorted(outdir.glob("*.template.json"))
    }


def _sample(profile: str) -> Templates:
    sample = synthesized_sample(profile)
    return {
        stack.stack_name: json.loads((sample.outdir / stack.template_file).read_text()) for stack in sample.stacks.all
    }


def build_patterns_app(app: cdk.App) -> None:
    """Every pattern with its optional features on: analytics in one stack; identities, two send queues, retries,
    monitoring, every account setting and a seeded opt-out list in another."""
    analytics_stack = cdk.Stack(app, "ConsumerAnalytics", env=ENV)
    analytics = SmsEventAnalytics(
        analytics_stack,
        "Events",
        quick_look=QuickLookLogs(),
        raw_event_backup=RawEventBackup(),
        event_retention=EventRetention.days(180),
        object_lock_retention=s3.ObjectLockRetention.governance(cdk.Duration.days(30)),
    )
    messaging = cdk.Stack(app, "ConsumerMessaging", env=ENV)
    opt_outs = OptOutList(messaging, "OptOuts")
    number = PhoneNumber(
        messaging,
        "Number",
        iso_country_code="US",
        number_type=NumberType.SIMULATOR,
        capabilities=[NumberCapability.SMS],
        keywords=KEYWORDS,
        opt_out_list=opt_outs,
    )
    pool = Pool(messaging, "Pool", origination_identities=[number], keywords=KEYWORDS, opt_out_list=opt_outs)
    config = ConfigurationSet(
        messaging,
        "Config",
        configuration_set_name="consumer",
        protect_configuration=ProtectConfiguration.allow_only(messaging, "Protect", ["US"]),
    )
    analytics.add_configuration_set(config)
    queue = SmsSendQueue(messaging, "Send", origination_identity=pool, configuration_set=config, max_parts_per_second=3)
    retry = SmsRetry(messaging, "Retry", send_queue=queue)
    SmsSendQueue(messaging, "Bulk", origination_identity=pool, configuration_set=config, max_parts_per_second=1)
    SmsMonitoring(
        messaging,
        "Monitoring",
        configuration_set=config,
        send_queue=queue,
        retry=retry,
        analytics=analytics,
        monthly_spend_limit_usd=50,
        countries=["US"],
        alarm_email="sms-oncall@example.com",
    )
    settings = SmsAccountSettings(
        messaging,
        "AccountSettings",
        text_spend_limit_override_usd=50,
        media_spend_limit_override_usd=10,
        voice_spend_limit_override_usd=10,
        notify_spend_limit_override_usd=20,
        default_protect_configuration=ProtectConfiguration.allow_only(messaging, "DefaultProtect", ["US"]),
    )
    settings.set_default_message_type(config, MessageType.TRANSACTIONAL)
    opt_outs.add_opted_out_number("+14255550142")


def build_resources_app(app: cdk.App) -> None:
    """The L2s the patterns do not use: registrations (with an attachment), Notify, an RCS agent, a verified number."""
    stack = cdk.Stack(app, "ConsumerResources", env=ENV)
    evidence = s3.Bucket.from_bucket_name(stack, "Evidence", "acme-registration-evidence")
    opt_in = RegistrationAttachment(stack, "OptIn", source=AttachmentSource.from_bucket(evidence, "opt-in.png"))
    number = PhoneNumber(
        stack,
        "TollFree",
        iso_country_code="US",
        number_type=NumberType.TOLL_FREE,
        capabilities=[NumberCapability.SMS],
        keywords=KEYWORDS,
    )
    brand = Registration(stack, "Brand", form=brand_form(), submit=True)
    Registration(stack, "Vetting", form=UsTenDlcBrandVettingForm(), associated_registrations=[brand], submit=True)
    Registration(stack, "Campaign", form=campaign_form(), associated_registrations=[brand], submit=True)
    Registration(
        stack, "TollFreeRegistration", form=toll_free_form(opt_in), associated_phone_numbers=[number], submit=True
    )
    NotifyConfiguration(stack, "Otp", display_name="Acme", enabled_channels=[NotifyChannel.SMS])
    key = kms.Key(stack, "InboundKey", enable_key_rotation=True)
    topic = sns.Topic(stack, "Inbound", master_key=key, enforce_ssl=True)
    RcsAgent(
        stack,
        "Agent",
        opt_out_list=OptOutList(stack, "OptOuts"),
        self_managed_opt_outs_enabled=True,
        two_way=TwoWayChannel.sns_topic(topic),
        media_bucket=s3.Bucket.from_bucket_name(stack, "Media", "acme-rcs-media"),
        media_key_prefix="inbound/",
    )
    VerifiedDestinationNumber(stack, "Tester", destination_phone_number="+14255550142")


#: Each guarded app by name: a function that synthesizes it and returns its templates.
APPS: dict[str, Callable[[], Templates]] = {
    "sample-sandbox": functools.partial(_sample, "sandbox"),
    "sample-production": functools.partial(_sample, "production"),
    "consumer-patterns": functools.partial(_synth, build_patterns_app),
    "consumer-resources": functools.partial(_synth, build_resources_app),
}


@functools.cache
def synthesize(app_name: str) -> Templates:
    """The templates of one guarded app, asset hashes scrubbed (synthesized once per process)."""
    return {name: scrub(template) for name, template in APPS[app_name]().items()}
