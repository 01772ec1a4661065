"""The factory of the library's Lambda functions: one place for runtime, architecture, layer, logs, IAM and tracing.

Every function the library creates:

- runs the newest Python runtime of aws-cdk-lib (``PYTHON_3_14``) on arm64, from the one ``lambda/`` asset;
- gets Powertools for AWS Lambda from the AWS-published layer whose ARN is read **at deploy time** from the public SSM
  parameter ``/aws/service/powertools/python/<arch>/<runtime>/latest`` (no synth-time lookup);
- logs JSON to its own log group (KMS-encrypted, retention set, ``RETAIN``), written through an inline policy scoped to
  that log group (no ``AWSLambdaBasicExecutionRole``);
- has X-Ray active tracing, encrypted environment variables, an explicit timeout, memory and reserved concurrency.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
import aws_cdk.aws_lambda as lambda_
import aws_cdk.aws_logs as logs
import aws_cdk.aws_ssm as ssm
from constructs import Construct

from . import checkov, nag
from .assets import ASSET_EXCLUDES, LAMBDA_ROOT
from .kms import allow_logs_to_use_key

#: The newest Python runtime of aws-cdk-lib 2.275 (cdk-nag AwsSolutions-L1 asks for the latest).
RUNTIME = lambda_.Runtime.PYTHON_3_14
#: Graviton: cheaper per GB-second; the handlers are pure Python.
ARCHITECTURE = lambda_.Architecture.ARM_64
#: Public SSM parameter holding the ARN of the newest Powertools for AWS Lambda (Python) v3 layer.
POWERTOOLS_LAYER_PARAMETER = "/aws/service/powertools/python/{architecture}/{runtime}/latest"
#: Memory of every function unless a caller asks for more: boto3-heavy handlers are fastest around 256-512 MB.
DEFAULT_MEMORY_MB = 256

NEVER_ASYNC_REASON = (
    "The function is only invoked synchronously by its SQS event source mapping; it is never invoked asynchronously, "
    "so an async DLQ or on-failure destination would never receive anything. Records that fail are kept by the "
    "source queue's redrive policy, which moves them to the queue's dead-letter queue."
)
XRAY_REASON = (
    "Resource::* is required by the X-Ray actions xray:PutTraceSegments and xray:PutTelemetryRecords, which support "
    "no resource-level permissions (Service Authorization Reference, AWS X-Ray); added by Tracing.ACTIVE."
)
NO_VPC_REASON = (
    "The function only calls regional AWS APIs (SQS, DynamoDB, SNS, End User Messaging SMS) over TLS and reaches no "
    "private resource; a VPC would add NAT or interface endpoints without reducing exposure."
)


@dataclass(frozen=True)
class LibraryFunction:
    """A function made by :func:`library_function` and its companions."""

    function: lambda_.Function
    role: iam.Role
    log_group: logs.LogGroup


def powertools_layer(scope: Construct) -> lambda_.ILayerVersion:
    """The Powertools layer of ``scope``'s stack (one per stack), its ARN resolved at deploy time."""
    stack = cdk.Stack.of(scope)
    layer_id = "SmsConstructsPowertoolsLayer"
    existing = stack.node.try_find_child(layer_id)
    if existing is not None:
        return existing  # type: ignore[return-value]
    parameter = POWERTOOLS_LAYER_PARAMETER.format(architecture=ARCHITECTURE.name, runtime=RUNTIME.name)
    arn = ssm.StringParameter.value_for_string_parameter(stack, parameter)
    return lambda_.LayerVersion.from_layer_version_arn(stack, layer_id, arn)


def library_function(
    scope: Construct,
    id: str,
    *,
    handler: str,
    description: str,
    encryption_key: kms.IKey,
    environment: Mapping[str, str],
    timeout: cdk.Duration,
    reserved_concurrent_executions: int,
    log_retention: logs.RetentionDays,
    memory_size: int = DEFAULT_MEMORY_MB,
    code: lambda_.Code | None = None,
    layers: Sequence[lambda_.ILayerVersion] | None = None,
    synchronous_only_reason: str = NEVER_ASYNC_REASON,
) -> LibraryFunction:
    """Create a function of the library under ``scope`` (children ``<id>``, ``<id>Role``, ``<id>LogGroup``).

    :param handler: ``module.function`` inside ``code``, e.g. ``sender.handler.main``.
    :param encryption_key: Encrypts the log group and the environment variables.
    :param reserved_concurrent_executions: The function's concurrency cap (also what checkov CKV_AWS_115 checks).
    :param code: The function's code. Default: the whole ``lambda/`` folder.
    :param layers: The function's layers. Default: the Powertools layer.
    :param synchronous_only_reason: Why the function needs no async DLQ or on-failure destination (the evidence of
        the acknowledgements). Default: it is only invoked by an SQS event source mapping.
    """
    allow_logs_to_use_key(encryption_key)
    log_group = logs.LogGroup(
        scope,
        f"{id}LogGroup",
        retention=log_retention,
        encryption_key=encryption_key,
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    role = iam.Role(
        scope,
        f"{id}Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=f"{description} (sms-constructs)",
    )
    log_group.grant_write(role)
    function = lambda_.Function(
        scope,
        id,
        description=description,
        runtime=RUNTIME,
        architecture=ARCHITECTURE,
        code=code or lambda_.Code.from_asset(str(LAMBDA_ROOT), exclude=ASSET_EXCLUDES),
        handler=handler,
        layers=list(layers) if layers is not None else [powertools_layer(scope)],
        role=role,
        memory_size=memory_size,
        timeout=timeout,
        reserved_concurrent_executions=reserved_concurrent_executions,
        environment=dict(environment),
        environment_encryption=encryption_key,
        log_group=log_group,
        logging_format=lambda_.LoggingFormat.JSON,
        application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
        system_log_level_v2=lambda_.SystemLogLevel.WARN,
        tracing=lambda_.Tracing.ACTIVE,
    )
    nag.acknowledge(function, nag.Serverless.LAMBDA_DLQ, synchronous_only_reason)
    nag.acknowledge(function, nag.Serverless.LAMBDA_ASYNC_FAILURE_DESTINATION, synchronous_only_reason)
    checkov.skip_check(function, "CKV_AWS_116", synchronous_only_reason)
    checkov.skip_check(function, "CKV_AWS_117", NO_VPC_REASON)
    return LibraryFunction(function=function, role=role, log_group=log_group)


def acknowledge_xray_wildcard(role: iam.Role, extra_reason: str = "") -> None:
    """Acknowledge ``Resource::*`` on ``role``'s default policy (X-Ray, plus what ``extra_reason`` explains)."""
    policy = role.node.try_find_child("DefaultPolicy")
    target = policy if policy is not None else role
    nag.acknowledge(target, nag.granular(nag.AwsSolutions.IAM5, "Resource::*"), f"{XRAY_REASON} {extra_reason}".strip())
