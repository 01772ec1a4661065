"""cdk-nag rule ids and the acknowledgement helper.

The library acknowledges a finding only for what it knowingly keeps, on the narrowest construct, with a reason that
states the evidence. Every rule id the library refers to lives here, so reviewers can grep one file.

cdk-nag 3.x is a CDK policy-validation plugin: packs are registered with
``Validations.of(app).add_plugins(AwsSolutionsChecks(app))`` and findings are acknowledged with
``Validations.of(construct).acknowledge(Acknowledgment(id=..., reason=...))``. Granular findings keep the form
``RuleId[FindingId]`` (e.g. ``AwsSolutions-IAM5[Action::kms:GenerateDataKey*]``) and must be acknowledged one by one.
"""

from __future__ import annotations

import aws_cdk as cdk
import cdk_nag
from constructs import IConstruct


class AwsSolutions:
    """Rule ids of the ``AwsSolutionsChecks`` pack that the library refers to."""

    IAM4 = "AwsSolutions-IAM4"
    IAM5 = "AwsSolutions-IAM5"
    L1 = "AwsSolutions-L1"
    S1 = "AwsSolutions-S1"
    SQS3 = "AwsSolutions-SQS3"
    KDF1 = "AwsSolutions-KDF1"


class Serverless:
    """Rule ids of the ``ServerlessChecks`` pack that the library refers to."""

    LAMBDA_DLQ = "Serverless-LambdaDLQ"
    LAMBDA_ASYNC_FAILURE_DESTINATION = "Serverless-LambdaAsyncFailureDestination"
    LAMBDA_ESM_DESTINATION = "Serverless-LambdaEventSourceMappingDestination"
    LAMBDA_TRACING = "Serverless-LambdaTracing"
    SQS_REDRIVE_POLICY = "Serverless-SQSRedrivePolicy"


def granular(rule_id: str, finding: str) -> str:
    """The id of one granular finding, e.g. ``granular(AwsSolutions.IAM5, "Action::s3:Abort*")``."""
    return f"{rule_id}[{finding}]"


def acknowledge(construct: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge one (possibly granular) finding on ``construct`` and below it; ``reason`` states the evidence."""
    if len(reason.strip()) < 20:
        raise ValueError(f"{construct.node.path}: an acknowledgement of {rule_id} needs a reason stating the evidence")
    cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=rule_id, reason=reason))


def add_compliance_checks(scope: IConstruct) -> None:
    """Attach the AwsSolutions and Serverless packs to ``scope`` (normally the ``App``)."""
    cdk.Validations.of(scope).add_plugins(
        cdk_nag.AwsSolutionsChecks(scope),
        cdk_nag.ServerlessChecks(scope),
    )
