"""cdk-nag rule ids and the acknowledgement helper.

The library acknowledges a finding only for what it knowingly keeps, on the narrowest construct, with a reason that
states the evidence. Every rule id the library refers to lives here, so reviewers can grep one file.

cdk-nag 3.x is a CDK policy-validation plugin: packs are registered with
``Validations.of(app).add_plugins(AwsSolutionsChecks(app))`` and findings are acknowledged with
``Validations.of(construct).acknowledge(Acknowledgment(id=..., reason=...))``. Granular findings keep the form
``RuleId[FindingId]`` (e.g. ``AwsSolutions-IAM5[Action::kms:GenerateDataKey*]``) and must be acknowledged one by one.

The same ``Validations.of(construct).acknowledge`` mechanism acknowledges the findings of any other policy-validation
plugin, among them the AWS Control Tower proactive controls of ``CfnGuardValidator`` (``ControlTower`` below).
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import IConstruct

from .stacks import stack_of


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
    SNS_REDRIVE_POLICY = "Serverless-SNSRedrivePolicy"


class ControlTower:
    """Rule ids of the AWS Control Tower proactive controls bundled with ``CfnGuardValidator``
    (``cdklabs-cdk-validator-cfnguard``): ``cdk-validator-cfnguard::<guard rule name>``; the control id in comments."""

    _PREFIX = "cdk-validator-cfnguard::"
    #: CT.LAMBDA.PR.3: a Lambda function in a customer-managed VPC.
    LAMBDA_INSIDE_VPC = _PREFIX + "lambda_inside_vpc_check"
    #: CT.CLOUDWATCH.PR.2: a log group retained for at least one year.
    LOG_GROUP_RETENTION = _PREFIX + "cloudwatch_log_group_retention_period_check"
    #: CT.S3.PR.2: server access logging on every bucket.
    S3_ACCESS_LOGGING = _PREFIX + "s3_bucket_logging_enabled_check"
    #: CT.S3.PR.9: S3 Object Lock on every bucket.
    S3_OBJECT_LOCK = _PREFIX + "s3_bucket_object_lock_enabled_check"
    #: CT.S3.PR.10: default encryption with a KMS key on every bucket.
    S3_KMS_ENCRYPTION = _PREFIX + "s3_bucket_default_encryption_kms_check"


def granular(rule_id: str, finding: str) -> str:
    """The id of one granular finding, e.g. ``granular(AwsSolutions.IAM5, "Action::s3:Abort*")``."""
    return f"{rule_id}[{finding}]"


def rendered(value: Any) -> str | None:
    """How cdk-nag writes a resolved value in a granular finding id, or ``None`` when it cannot be predicted.

    A literal stays as it is; ``{"Ref": "X"}`` becomes ``<X>``; ``{"Fn::GetAtt": ["X", "Arn"]}`` becomes ``<X.Arn>``;
    ``Fn::Join`` with an empty separator concatenates its rendered parts (e.g.
    ``arn:<AWS::Partition>:sms-voice:us-east-1:111122223333:registration/*``).
    """
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Ref" and isinstance(argument, str):
            return f"<{argument}>"
        if function == "Fn::GetAtt" and isinstance(argument, list) and len(argument) == 2:
            return f"<{argument[0]}.{argument[1]}>"
        if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
            separator, parts = argument
            texts = [rendered(part) for part in parts] if isinstance(parts, list) else [None]
            if isinstance(separator, str) and all(text is not None for text in texts):
                return separator.join(text for text in texts if text is not None)
    return None


def resource_finding(scope: IConstruct, arn: str) -> str | None:
    """The ``Resource::...`` finding cdk-nag's IAM5 reports for ``arn`` written in ``scope``'s stack, if predictable."""
    text = rendered(stack_of(scope).resolve(arn))
    return f"Resource::{text}" if text is not None else None


def acknowledge(construct: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge one (possibly granular) finding on ``construct`` and below it; ``reason`` states the evidence."""
    acknowledge_all(construct, (rule_id, reason))


def acknowledge_all(construct: IConstruct, *findings: tuple[str, str]) -> None:
    """Acknowledge each ``(rule_id, reason)`` on ``construct`` and below it, in order: what as many calls of
    :func:`acknowledge` record, in two jsii round trips instead of two per finding."""
    for rule_id, reason in findings:
        if len(reason.strip()) < 20:
            raise ValueError(
                f"{construct.node.path}: an acknowledgement of {rule_id} needs a reason stating the evidence"
            )
    cdk.Validations.of(construct).acknowledge(
        *(cdk.Acknowledgment(id=rule_id, reason=reason) for rule_id, reason in findings)
    )


def add_compliance_checks(scope: IConstruct) -> None:
    """Attach the AwsSolutions, Serverless and SmsChecks packs to ``scope`` (normally the ``App``).

    cdk-nag is imported here, not with the library: acknowledgements are aws-cdk-lib's own ``Validations`` metadata,
    so an app that attaches no pack never loads cdk-nag (its Python module and its jsii assembly: about 0.5 s)."""
    import cdk_nag  # noqa: PLC0415

    from ..checks import SmsChecks  # noqa: PLC0415 - the pack is a cdk-nag NagPack

    cdk.Validations.of(scope).add_plugins(
        cdk_nag.AwsSolutionsChecks(scope),
        cdk_nag.ServerlessChecks(scope),
        SmsChecks(scope),
    )
