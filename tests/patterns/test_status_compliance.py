"""SmsStatusNotifier (with a send queue and retry) is compliant by itself: no cdk-nag or cfn-lint finding, no failed
checkov check."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import aws_cdk.aws_events as events
import aws_cdk.aws_kms as kms
import aws_cdk.aws_sqs as sqs
import pytest

from sms_constructs._private import nag
from sms_constructs.patterns.retry import SmsRetry
from sms_constructs.patterns.status import SmsStatusNotifier
from tests.compliance.gates import cfn_lint_findings, checkov_failures, nag_violations
from tests.conftest import ENV, cdk_json_context

from .conftest import build


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> tuple[cdk.App, Path]:
    outdir = tmp_path_factory.mktemp("status-compliance")
    app = cdk.App(outdir=str(outdir), context=cdk_json_context())
    pinned = cdk.Stack(app, "StatusPinned", env=ENV)
    _, _, queue = build(pinned)
    retry = SmsRetry(pinned, "Retry", send_queue=queue)
    status = SmsStatusNotifier(pinned, "Status", send_queue=queue, retry=retry)
    key = kms.Key(pinned, "AppQueueKey", enable_key_rotation=True)
    app_queue = sqs.Queue(pinned, "AppQueue", encryption_master_key=key, enforce_ssl=True)
    nag.acknowledge(app_queue, nag.AwsSolutions.SQS3, "The user's own queue in this test; not the library's.")
    nag.acknowledge(app_queue, nag.Serverless.SQS_REDRIVE_POLICY, "The user's own queue in this test.")
    status.add_queue_target("ToApp", app_queue, statuses=["DELIVERED", "FAILED_FINAL"])
    connection = events.Connection(
        pinned,
        "Webhook",
        authorization=events.Authorization.api_key("X-Status-Secret", cdk.SecretValue.secrets_manager("status-hook")),
    )
    status.add_webhook_target("ToWebhook", endpoint="https://status.example.com/sms", connection=connection)
    agnostic = cdk.Stack(app, "StatusAgnostic")  # no env: region and account are tokens
    _, _, queue = build(agnostic)
    bus = events.EventBus(agnostic, "AppBus")
    SmsStatusNotifier(agnostic, "Status", send_queue=queue, event_bus=bus, include_phone_numbers=True)
    app.synth()
    return app, outdir


def test_no_cdk_nag_findings(synthesized: tuple[cdk.App, Path]) -> None:
    app, _ = synthesized
    assert nag_violations(app) == []


def test_no_cfn_lint_findings(synthesized: tuple[cdk.App, Path]) -> None:
    _, outdir = synthesized
    templates = sorted(outdir.glob("*.template.json"))
    assert len(templates) == 2
    assert cfn_lint_findings(templates) == []


def test_no_failed_checkov_checks(synthesized: tuple[cdk.App, Path]) -> None:
    _, outdir = synthesized
    assert checkov_failures(outdir) == []
