"""The L2s of registrations, Notify, RCS agents, sender IDs and verified numbers pass every gate: cdk-nag (AwsSolutions,
Serverless, SmsChecks), the Control Tower proactive controls, cfn-lint and checkov, on one synthesized consumer stack
(us-east-1, where the types exist)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
import aws_cdk.aws_kms as kms
import aws_cdk.aws_s3 as s3
import aws_cdk.aws_sns as sns
import pytest

from sms_constructs import (
    AttachmentSource,
    MandatoryKeywords,
    NotifyChannel,
    NotifyConfiguration,
    NumberCapability,
    NumberType,
    OptOutList,
    PhoneNumber,
    RcsAgent,
    Registration,
    RegistrationAttachment,
    SenderId,
    TwoWayChannel,
    UsTenDlcBrandVettingForm,
    VerifiedDestinationNumber,
)
from sms_constructs._private.kms import limit_grants_to_aws_services
from tests.compliance.gates import (
    cfn_lint_findings,
    checkov_failures,
    control_tower_violations,
    nag_violations,
    sms_check_violations,
)
from tests.conftest import ENV, cdk_json_context
from tests.resources.registration_builders import brand_form, campaign_form, toll_free_form

KEYWORDS = MandatoryKeywords(
    help="Acme alerts: help at https://acme.example/sms or 1-800-555-0100. Reply STOP to end.",
    stop="Acme alerts: you are unsubscribed and will receive no more messages.",
)


@dataclass
class Synthesized:
    app: cdk.App
    outdir: Path
    control_tower: list[str]


def build_new_resources_app(outdir: Path) -> cdk.App:
    """One stack with every registration form kind, Notify, an RCS agent with two-way and media, a verified number and
    a sender ID (not synthesized)."""
    app = cdk.App(outdir=str(outdir), context=cdk_json_context())
    stack = cdk.Stack(app, "Consumer", env=ENV)
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
    limit_grants_to_aws_services(key)  # the consumer's own key: the statement Control Tower's CT.KMS.PR.3 asks for
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
    SenderId(stack, "Sender", sender_id="ACME", iso_country_code="DE")
    return app


@pytest.fixture(scope="module")
def consumer(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    outdir = tmp_path_factory.mktemp("new-resources")
    app = build_new_resources_app(outdir)
    # Synthesizes the app with the Control Tower plugin attached (the other gates read the result).
    control_tower = control_tower_violations(app)
    return Synthesized(app=app, outdir=outdir, control_tower=control_tower)


def test_no_unacknowledged_control_tower_finding(consumer: Synthesized) -> None:
    assert consumer.control_tower == []


def test_no_unacknowledged_nag_finding(consumer: Synthesized) -> None:
    assert nag_violations(consumer.app) == []


def test_no_sms_checks_finding(consumer: Synthesized) -> None:
    assert sms_check_violations(consumer.app) == []


def test_no_cfn_lint_finding(consumer: Synthesized) -> None:
    assert cfn_lint_findings(sorted(consumer.outdir.glob("*.template.json")), ["us-east-1"]) == []


def test_no_failed_checkov_check(consumer: Synthesized) -> None:
    assert checkov_failures(consumer.outdir) == []
