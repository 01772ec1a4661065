"""SmsSendQueue + SmsRetry are compliant by themselves, also with lanes, routes, or both: no cdk-nag or cfn-lint
finding, no failed checkov check."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest

from sms_constructs.patterns.retry import SmsRetry
from sms_constructs.patterns.routes import SendRoute
from sms_constructs.patterns.send_queue import SendLane
from tests.compliance.gates import cfn_lint_findings, checkov_failures, nag_violations
from tests.conftest import ENV, cdk_json_context

from .test_send_queue import build


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> tuple[cdk.App, Path]:
    outdir = tmp_path_factory.mktemp("send-queue-compliance")
    app = cdk.App(outdir=str(outdir), context=cdk_json_context())
    pinned = cdk.Stack(app, "SendQueuePinned", env=ENV)
    _, config, queue = build(pinned)
    SmsRetry(pinned, "Retry", send_queue=queue, configuration_set=config)
    agnostic = cdk.Stack(app, "SendQueueAgnostic")  # no env: region and account are tokens
    _, config, queue = build(agnostic, max_parts_per_second=100, validate_numbers=True)
    SmsRetry(agnostic, "Retry", send_queue=queue, configuration_set=config)
    with_lanes = cdk.Stack(app, "SendQueueLanes", env=ENV)  # a queue and a mapping per lane, a producer with a name
    _, config, queue = build(
        with_lanes,
        max_parts_per_second=20,
        lanes=[SendLane.urgent(), SendLane.normal(), SendLane.bulk(reserved_share=0.1, max_concurrency=4)],
    )
    SmsRetry(with_lanes, "Retry", send_queue=queue, configuration_set=config)
    routed = cdk.Stack(app, "SendQueueRoutes", env=ENV)  # a parking queue and a mapping per route
    _, config, queue = build(routed, max_parts_per_second=5, routes={"CA": SendRoute(1), "GB": SendRoute(10)})
    SmsRetry(routed, "Retry", send_queue=queue, configuration_set=config)
    both = cdk.Stack(app, "SendQueueRoutesLanes")  # environment-agnostic, with lanes and a reserved share
    _, config, queue = build(
        both,
        max_parts_per_second=20,
        lanes=[SendLane.urgent(), SendLane.normal(), SendLane.bulk(reserved_share=0.1)],
        routes={"CA": SendRoute(10), "MX": SendRoute(20), "*": SendRoute(10)},
    )
    SmsRetry(both, "Retry", send_queue=queue, configuration_set=config)
    app.synth()
    return app, outdir


def test_no_cdk_nag_findings(synthesized: tuple[cdk.App, Path]) -> None:
    app, _ = synthesized
    assert nag_violations(app) == []


def test_no_cfn_lint_findings(synthesized: tuple[cdk.App, Path]) -> None:
    _, outdir = synthesized
    templates = sorted(outdir.glob("*.template.json"))
    assert len(templates) == 5
    assert cfn_lint_findings(templates) == []


def test_no_failed_checkov_checks(synthesized: tuple[cdk.App, Path]) -> None:
    _, outdir = synthesized
    assert checkov_failures(outdir) == []
