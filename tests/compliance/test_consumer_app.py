"""A consumer app that uses every pattern, each with its optional features on, passes the four compliance gates (and
the SMS rule pack)."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import aws_cdk.aws_ec2 as ec2
import aws_cdk.aws_events as events
import aws_cdk.aws_kms as kms
import aws_cdk.aws_s3 as s3
import aws_cdk.aws_sns as sns
import pytest

from sms_constructs import (
    ConfigurationSet,
    EventRetention,
    InboundTarget,
    MandatoryKeywords,
    MessageType,
    NumberCapability,
    NumberType,
    OptOutList,
    PhoneNumber,
    Pool,
    ProtectConfiguration,
    QuickLookLogs,
    RawEventBackup,
    SmsAccountSettings,
    SmsEventAnalytics,
    SmsInbound,
    SmsMonitoring,
    SmsRetry,
    SmsSendQueue,
    SmsStatusNotifier,
    TwoWayChannel,
)
from sms_constructs._private.kms import limit_grants_to_aws_services
from tests.compliance.gates import (
    CFN_LINT_REGIONS,
    cfn_lint_findings,
    checkov_failures,
    control_tower_violations,
    nag_violations,
    sms_check_violations,
)
from tests.conftest import ENV, cdk_json_context

KEYWORDS = MandatoryKeywords(
    help="Acme alerts: help at acme.example. Reply STOP to end.", stop="Acme alerts: you are unsubscribed."
)


def build_consumer_app(outdir: Path) -> cdk.App:
    """Analytics in one stack; identities, send queues, retries, monitoring and account settings in another, every
    optional feature on."""
    app = cdk.App(outdir=str(outdir), context=cdk_json_context())
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
    vpc = ec2.Vpc.from_vpc_attributes(
        messaging,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["us-east-1a", "us-east-1b"],
        private_subnet_ids=["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    )
    queue = SmsSendQueue(
        messaging,
        "Send",
        origination_identity=pool,
        configuration_set=config,
        max_parts_per_second=3,
        validate_numbers=True,
        vpc=vpc,
    )
    retry = SmsRetry(messaging, "Retry", send_queue=queue, vpc=vpc)
    # Every status change of the queue's requests on an event bus; replies handled by keyword, with a consent ledger.
    SmsStatusNotifier(messaging, "Status", send_queue=queue, retry=retry)
    replies_key = kms.Key(messaging, "RepliesKey", enable_key_rotation=True)
    limit_grants_to_aws_services(replies_key)  # what a compliant app does with its own keys (CT.KMS.PR.3)
    replies = sns.Topic(messaging, "Replies", master_key=replies_key, enforce_ssl=True)
    inbound = SmsInbound(
        messaging, "Inbound", channel=TwoWayChannel.sns_topic(replies), send_queue=queue, opt_out_list=opt_outs
    )
    inbound.add_keyword("C", target=InboundTarget.event_bus(events.EventBus(messaging, "AppBus")), reply="Confirmed.")
    # A second send queue, outside any VPC, on the same pool and configuration set.
    SmsSendQueue(messaging, "Bulk", origination_identity=pool, configuration_set=config, max_parts_per_second=1)
    # Monitoring of everything, alarms mailed; every account setting, and a seeded opt-out list.
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
        notify_spend_limit_override_usd=11,  # the Notify minimum
        rcs_spend_limit_override_usd=10,
        default_protect_configuration=ProtectConfiguration.allow_only(messaging, "DefaultProtect", ["US"]),
    )
    settings.set_default_message_type(config, MessageType.TRANSACTIONAL)
    opt_outs.add_opted_out_number("+14255550142")
    return app


@pytest.fixture(scope="module")
def consumer(tmp_path_factory: pytest.TempPathFactory) -> tuple[cdk.App, Path]:
    outdir = tmp_path_factory.mktemp("consumer")
    app = build_consumer_app(outdir)
    return app, outdir


def test_consumer_app_passes_the_four_gates(consumer: tuple[cdk.App, Path]) -> None:
    app, outdir = consumer
    assert nag_violations(app) == []
    assert sms_check_violations(app) == []
    assert control_tower_violations(app) == []  # synthesizes the app into outdir
    templates = sorted(outdir.glob("*.template.json"))
    assert [t.name for t in templates] == ["ConsumerAnalytics.template.json", "ConsumerMessaging.template.json"]
    assert cfn_lint_findings(templates, CFN_LINT_REGIONS) == []
    assert checkov_failures(outdir) == []
