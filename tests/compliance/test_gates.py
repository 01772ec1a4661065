"""The four compliance gates over the synthesized sample app, each shown able to fail on deliberately bad input."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import aws_cdk.aws_kms as kms
import aws_cdk.aws_lambda as lambda_
import aws_cdk.aws_logs as logs
import aws_cdk.aws_s3 as s3
import aws_cdk.aws_smsvoice as smsvoice
import aws_cdk.aws_sqs as sqs
import pytest

from sms_constructs.patterns.event_analytics import SmsEventAnalytics
from sms_constructs.sample_app import PROFILE_CONTEXT_KEY, build_sample_app
from tests.compliance.conftest import PROFILES, SynthesizedSample
from tests.compliance.gates import (
    CFN_LINT_REGIONS,
    cfn_lint_findings,
    checkov_failures,
    control_tower_violations,
    nag_violations,
    sms_check_violations,
)
from tests.conftest import ENV, cdk_json_context


def _noncompliant_app() -> tuple[cdk.App, cdk.Stack]:
    app = cdk.App()
    stack = cdk.Stack(app, "Bad", env=ENV)
    s3.Bucket(stack, "Bucket")  # no access logs, no TLS-only policy
    lambda_.Function(  # no DLQ, no explicit memory, outdated runtime
        stack,
        "Function",
        runtime=lambda_.Runtime.PYTHON_3_9,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
    )
    return app, stack


def test_sample_app_has_no_unacknowledged_nag_finding(sample: SynthesizedSample) -> None:
    assert nag_violations(sample.app) == []


def test_sample_app_has_no_sms_checks_finding(sample: SynthesizedSample) -> None:
    assert sms_check_violations(sample.app) == []


def test_fails_sms_checks_gate_on_noncompliant_stack() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Bad", env=ENV)
    smsvoice.CfnOptOutList(stack, "OptOuts")  # deleted with the stack
    assert [v.split(":")[0] for v in sms_check_violations(app)] == ["SmsChecks-RP1"]


def test_fails_nag_gate_on_noncompliant_stack() -> None:
    app, _ = _noncompliant_app()
    violations = nag_violations(app)
    assert any(v.startswith("AwsSolutions-S1") for v in violations), violations
    assert any(v.startswith("AwsSolutions-S10") for v in violations), violations
    assert any(v.startswith("Serverless-LambdaDLQ") for v in violations), violations


def test_sample_app_templates_pass_cfn_lint(sample: SynthesizedSample) -> None:
    assert sample.templates, "the sample app wrote no template"
    assert cfn_lint_findings(sample.templates, CFN_LINT_REGIONS) == []


def test_fails_cfn_lint_gate_on_bad_template(tmp_path: Path) -> None:
    template = {
        "Resources": {
            "Config": {
                "Type": "AWS::SMSVOICE::ConfigurationSet",
                "Properties": {"ConfigurationSetName": "not a valid name!", "Unknown": 1},
            }
        }
    }
    path = tmp_path / "Bad.template.json"
    path.write_text(json.dumps(template))
    findings = cfn_lint_findings([path])
    assert any(f.startswith("E3002") for f in findings), findings  # unknown property
    assert any(f.startswith("E3031") for f in findings), findings  # name pattern


def test_sample_app_passes_checkov(sample: SynthesizedSample) -> None:
    assert checkov_failures(sample.outdir) == []


def test_fails_checkov_gate_on_noncompliant_template(tmp_path: Path) -> None:
    template = {
        "Resources": {
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"SqsManagedSseEnabled": False}},
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
        }
    }
    (tmp_path / "Bad.template.json").write_text(json.dumps(template))
    failures = checkov_failures(tmp_path)
    assert any(f.startswith("CKV_AWS_18 ") for f in failures), failures  # bucket access logging
    assert any(f.startswith("CKV_AWS_21 ") for f in failures), failures  # bucket versioning


@pytest.mark.parametrize("region", CFN_LINT_REGIONS)
def test_cfn_lint_knows_smsvoice_types_in_each_target_region(tmp_path: Path, region: str) -> None:
    template = {"Resources": {"OptOuts": {"Type": "AWS::SMSVOICE::OptOutList", "Properties": {}}}}
    path = tmp_path / "Ok.template.json"
    path.write_text(json.dumps(template))
    assert cfn_lint_findings([path], [region]) == []


# --- the fourth gate: AWS Control Tower proactive controls --------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_sample_app_has_no_unacknowledged_control_tower_finding(tmp_path: Path, profile: str) -> None:
    app = cdk.App(outdir=str(tmp_path), context=cdk_json_context(**{PROFILE_CONTEXT_KEY: profile}))
    build_sample_app(app)
    assert control_tower_violations(app) == []


def test_fails_control_tower_gate_on_noncompliant_stack(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Bad", env=ENV)
    s3.Bucket(stack, "Bucket")  # no access logs, no KMS, no notifications, no Object Lock
    kms.Key(stack, "Key")  # no statement limiting kms:CreateGrant to AWS services
    sqs.Queue(stack, "Queue")  # no dead-letter queue
    logs.LogGroup(stack, "Logs", retention=logs.RetentionDays.ONE_WEEK)  # kept under a year
    violations = control_tower_violations(app)
    for control in ("CT.S3.PR.2", "CT.S3.PR.4", "CT.S3.PR.9", "CT.S3.PR.10", "CT.KMS.PR.3", "CT.SQS.PR.1"):
        assert any(v.startswith(f"[{control}]") for v in violations), (control, violations)
    assert any(v.startswith("[CT.CLOUDWATCH.PR.2]") and v.endswith("Bad/Logs/Resource") for v in violations)


def test_library_acknowledgements_are_narrow_for_the_control_tower_gate(tmp_path: Path) -> None:
    # The access-log bucket's acknowledgements sit on that bucket only: a bucket next to it is still reported.
    app = cdk.App(outdir=str(tmp_path), context=cdk_json_context())
    stack = cdk.Stack(app, "Narrow", env=ENV)
    analytics = SmsEventAnalytics(stack, "Events")
    s3.Bucket(analytics, "Extra", enforce_ssl=True)
    violations = control_tower_violations(app)
    assert violations
    assert all(v.endswith("Narrow/Events/Extra/Resource") for v in violations), violations
