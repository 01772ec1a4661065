"""SmsInbound is compliant by itself: no cdk-nag, cfn-lint, checkov or AWS Control Tower finding."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import aws_cdk.aws_events as events
import aws_cdk.aws_kms as kms
import aws_cdk.aws_sns as sns
import pytest

from sms_constructs._private.kms import limit_grants_to_aws_services
from sms_constructs.patterns.inbound import InboundTarget, SmsInbound
from sms_constructs.resources.opt_out_list import OptOutList
from sms_constructs.resources.two_way import TwoWayChannel
from tests.compliance.gates import cfn_lint_findings, checkov_failures, control_tower_violations, nag_violations
from tests.conftest import ENV, cdk_json_context
from tests.patterns.conftest import build


def _inbound(stack: cdk.Stack) -> None:
    _, _, queue = build(stack)
    key = kms.Key(stack, "TopicKey", enable_key_rotation=True)
    limit_grants_to_aws_services(key)  # what a compliant app does with its own keys (AWS Control Tower CT.KMS.PR.3)
    topic = sns.Topic(stack, "InboundTopic", master_key=key, enforce_ssl=True)
    inbound = SmsInbound(
        stack,
        "Inbound",
        channel=TwoWayChannel.sns_topic(topic),
        send_queue=queue,
        opt_out_list=OptOutList(stack, "OptOuts"),
        default_reply="Reply C to confirm your appointment.",
    )
    inbound.add_keyword("C", target=InboundTarget.event_bus(events.EventBus(stack, "AppBus")), reply="Confirmed.")


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> tuple[cdk.App, Path]:
    outdir = tmp_path_factory.mktemp("inbound-compliance")
    app = cdk.App(outdir=str(outdir), context=cdk_json_context())
    _inbound(cdk.Stack(app, "InboundPinned", env=ENV))
    _inbound(cdk.Stack(app, "InboundAgnostic"))  # no env: region and account are tokens
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


def test_no_control_tower_findings(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path), context=cdk_json_context())  # the gate synthesizes it with its plugin
    _inbound(cdk.Stack(app, "InboundPinned", env=ENV))
    assert control_tower_violations(app) == []
