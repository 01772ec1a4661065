"""Consumers may not carry the sample app's feature flags: everything must synthesize, and stay compliant, without."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import aws_cdk.aws_kms as kms
import aws_cdk.aws_sns as sns
from aws_cdk.assertions import Template

from sms_constructs import (
    ConfigurationSet,
    MandatoryKeywords,
    NumberCapability,
    NumberType,
    OptOutList,
    PhoneNumber,
    Pool,
    ProtectConfiguration,
    SenderId,
    SmsEventAnalytics,
    SmsRetry,
    SmsSendQueue,
    TwoWayChannel,
)
from tests.compliance.gates import cfn_lint_findings, nag_violations

KEYWORDS = MandatoryKeywords(help="Acme: help at acme.example. Reply STOP to end.", stop="Acme: unsubscribed.")


def test_every_construct_synthesizes_and_is_compliant_in_a_bare_app(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path))  # no context at all: every feature flag at its default
    stack = cdk.Stack(app, "Bare")
    opt_outs = OptOutList(stack, "OptOuts")
    inbound_key = kms.Key(stack, "InboundKey", enable_key_rotation=True)
    inbound = sns.Topic(stack, "Inbound", master_key=inbound_key, enforce_ssl=True)
    number = PhoneNumber(
        stack,
        "Number",
        iso_country_code="US",
        number_type=NumberType.SIMULATOR,
        capabilities=[NumberCapability.SMS],
        keywords=KEYWORDS,
        opt_out_list=opt_outs,
        two_way=TwoWayChannel.sns_topic(inbound),
    )
    sender_id = SenderId(stack, "SenderId", sender_id="ACME", iso_country_code="GB")
    pool = Pool(stack, "Pool", origination_identities=[number, sender_id], keywords=KEYWORDS, opt_out_list=opt_outs)
    config = ConfigurationSet(
        stack,
        "Config",
        configuration_set_name="bare-config",
        protect_configuration=ProtectConfiguration.allow_only(stack, "Protect", ["US", "GB"]),
    )
    SmsEventAnalytics(stack, "Events", configuration_set=config)
    queue = SmsSendQueue(stack, "Send", origination_identity=pool, configuration_set=config, max_parts_per_second=1)
    SmsRetry(stack, "Retry", send_queue=queue, configuration_set=config)

    template = Template.from_stack(stack)
    template.resource_count_is("AWS::SMSVOICE::ConfigurationSet", 1)
    template.resource_count_is("AWS::KinesisFirehose::DeliveryStream", 1)
    template.resource_count_is("AWS::Lambda::Function", 2)
    assert nag_violations(app) == []
    app.synth()
    assert cfn_lint_findings([tmp_path / "Bare.template.json"]) == []
