"""The four compliance gates, as functions the tests call on the sample app and on deliberately bad input.

- cdk-nag: ``AwsSolutionsChecks`` and ``ServerlessChecks`` ``validate_scope`` (cdk-nag 3.x policy-validation API);
- cfn-lint: every template, for each target region, ignoring only W3005 (redundant DependsOn on stock CDK Lambdas);
- checkov: ``--framework cloudformation --skip-download`` from its own virtualenv (``.venv-checkov``);
- AWS Control Tower proactive controls: ``CfnGuardValidator`` of ``cdklabs.cdk-validator-cfnguard`` (the CloudFormation
  Guard rules of the controls, with its own cfn-guard binary, offline) as a CDK policy-validation plugin, so the
  library's ``Validations.of(construct).acknowledge`` acknowledgements apply.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import aws_cdk as cdk
import cdk_nag
from cdklabs.cdk_validator_cfnguard import CfnGuardValidator
from constructs import IConstruct

from sms_constructs.checks import SmsChecks

REPO_ROOT = Path(__file__).resolve().parents[2]
CFN_LINT_REGIONS = ("us-east-1", "eu-west-1")
CFN_LINT_IGNORED = ("W3005",)


def nag_violations(scope: IConstruct) -> list[str]:
    """Unacknowledged findings of the AwsSolutions and Serverless packs under ``scope``, as readable lines."""
    lines: list[str] = []
    for pack in (cdk_nag.AwsSolutionsChecks(scope), cdk_nag.ServerlessChecks(scope)):
        report = pack.validate_scope(scope)
        for violation in report.violations:
            paths = sorted({str(r.construct_path or r.resource_logical_id) for r in violation.violating_resources})
            lines.append(f"{violation.rule_name}: {violation.description} at {', '.join(paths)}")
    return lines


def sms_check_violations(scope: IConstruct) -> list[str]:
    """Unacknowledged findings of the library's own ``SmsChecks`` pack under ``scope``, as readable lines."""
    lines: list[str] = []
    for violation in SmsChecks(scope).validate_scope(scope).violations:
        paths = sorted({str(r.construct_path or r.resource_logical_id) for r in violation.violating_resources})
        lines.append(f"{violation.rule_name}: {violation.description} at {', '.join(paths)}")
    return lines


def cfn_lint_findings(templates: Iterable[Path], regions: Iterable[str] = CFN_LINT_REGIONS) -> list[str]:
    """Every cfn-lint finding (errors, warnings and informational) for ``templates`` in ``regions``."""
    files = [str(t) for t in templates]
    if not files:
        raise AssertionError("no template to lint")
    command = [
        str(Path(sys.executable).parent / "cfn-lint"),
        "--format",
        "json",
        "--regions",
        *regions,
        "--ignore-checks",
        *CFN_LINT_IGNORED,
        "--",
        *files,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0 and not result.stdout.strip():
        raise AssertionError(f"cfn-lint did not run: {result.stderr}")
    matches = json.loads(result.stdout or "[]")
    return [
        f"{m['Rule']['Id']} {Path(m['Filename']).name}:{m['Location']['Start']['LineNumber']} {m['Message']}"
        for m in matches
    ]


def checkov_binary() -> Path:
    """The checkov executable of the isolated virtualenv (``CHECKOV_BIN`` overrides)."""
    configured = os.environ.get("CHECKOV_BIN")
    binary = Path(configured) if configured else REPO_ROOT / ".venv-checkov" / "bin" / "checkov"
    if not binary.exists():
        raise AssertionError(f"checkov not found at {binary}: run `make test` (it creates .venv-checkov)")
    return binary


def checkov_failures(directory: Path) -> list[str]:
    """Failed checkov checks (CloudFormation framework, offline) for every template under ``directory``."""
    command = [
        str(checkov_binary()),
        "--directory",
        str(directory),
        "--framework",
        "cloudformation",
        "--skip-download",
        "--output",
        "json",
        "--quiet",
        "--compact",
    ]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if result.returncode not in (0, 1):
        raise AssertionError(f"checkov did not run ({result.returncode}): {result.stderr[-2000:]}")
    payload = json.loads(result.stdout)
    reports = payload if isinstance(payload, list) else [payload]
    failures: list[str] = []
    for report in reports:
        summary = report.get("summary", report)
        if summary.get("parsing_errors", 0):
            raise AssertionError(f"checkov could not parse templates under {directory}: {summary}")
        for check in report.get("results", {}).get("failed_checks", []):
            name = Path(check["file_path"]).name
            failures.append(f"{check['check_id']} {check['resource']} ({name}): {check['check_name']}")
    return failures


CONTROL_TOWER_PLUGIN = "cdk-validator-cfnguard"


def control_tower_violations(app: cdk.App) -> list[str]:
    """Unacknowledged findings of the AWS Control Tower proactive controls for ``app``, as readable lines.

    ``app`` must not be synthesized yet: the plugin is added and the app synthesized into its ``outdir``; CDK writes
    the plugin's report to ``validation-report.json`` (and raises when it holds a finding). The report must name the
    plugin, so a gate that silently did not run fails.
    """
    cdk.Validations.of(app).add_plugins(CfnGuardValidator())
    try:
        app.synth()
    except RuntimeError as error:
        if "ValidationFailed" not in str(error):
            raise
    report = json.loads((Path(app.outdir) / "validation-report.json").read_text())
    [guard] = [r for r in report["pluginReports"] if r["pluginName"] == CONTROL_TOWER_PLUGIN]
    lines: list[str] = []
    for violation in guard["violations"]:
        control = violation["description"].split(":", 1)[0]
        for resource in violation["violatingConstructs"]:
            where = resource.get("constructPath") or resource.get("cloudFormationResource", {}).get("logicalId")
            lines.append(f"{control} {violation['ruleName']} at {where}")
    return sorted(lines)
