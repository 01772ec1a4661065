"""The factory of the library's Lambda functions: one place for runtime, architecture, layer, logs, IAM and tracing.

Every function the library creates:

- runs the newest Python runtime of aws-cdk-lib (``PYTHON_3_14``) on arm64, from the one ``lambda/`` asset;
- gets Powertools for AWS Lambda from the AWS-published layer whose ARN is read **at deploy time** from the public SSM
  parameter ``/aws/service/powertools/python/<arch>/<runtime>/latest`` (no synth-time lookup);
- logs JSON to its own log group (KMS-encrypted, retention set, ``RETAIN``, named ``/sms-constructs/...`` so the key
  policy can name it), written through an inline policy scoped to that log group (no ``AWSLambdaBasicExecutionRole``);
- has X-Ray active tracing, encrypted environment variables, an explicit timeout, memory and reserved concurrency;
- runs outside a VPC unless a :class:`FunctionNetwork` is given (AWS Control Tower's CT.LAMBDA.PR.3 is then met).

Statements whose only possible resource is ``*`` (X-Ray; the EC2 network-interface actions of a function in a VPC) sit
in a policy of their own, so each ``AwsSolutions-IAM5[Resource::*]`` acknowledgement covers exactly one need.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import aws_cdk as cdk
import aws_cdk.aws_ec2 as ec2
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
import aws_cdk.aws_lambda as lambda_
import aws_cdk.aws_logs as logs
import aws_cdk.aws_ssm as ssm
from constructs import Construct

from . import checkov, nag
from .assets import ASSET_EXCLUDES, LAMBDA_ROOT
from .kms import library_log_group
from .stacks import stack_of

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
    "private resource; a VPC would add NAT or interface endpoints without reducing exposure. Pass vpc= to the pattern "
    "to place it in one."
)
NETWORK_REASON = (
    "Resource::* is what Lambda's VPC access needs: the execution role creates, describes and deletes the function's "
    "network interfaces (ec2:CreateNetworkInterface, ec2:DescribeNetworkInterfaces, ec2:DescribeSubnets, "
    "ec2:DeleteNetworkInterface, ec2:AssignPrivateIpAddresses, ec2:UnassignPrivateIpAddresses; the statement of the "
    "AWS managed policy AWSLambdaVPCAccessExecutionRole, Lambda Developer Guide 'Giving Lambda functions access to "
    "resources in an Amazon VPC'); the Describe actions support no resource-level permissions."
)
#: The EC2 actions a function in a VPC needs on its execution role (those of AWSLambdaVPCAccessExecutionRole).
NETWORK_INTERFACE_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)


@dataclass(frozen=True)
class FunctionNetwork:
    """Where a function of the library runs in a VPC (the patterns' ``vpc``, ``vpc_subnets``, ``security_groups``)."""

    vpc: ec2.IVpc
    vpc_subnets: ec2.SubnetSelection | None = None
    security_groups: Sequence[ec2.ISecurityGroup] | None = None


@dataclass(frozen=True)
class LibraryFunction:
    """A function made by :func:`library_function` and its companions."""

    function: lambda_.Function
    role: iam.Role
    log_group: logs.LogGroup
    #: The policy holding the X-Ray statement (its ``Resource::*`` is acknowledged on it alone).
    tracing_policy: iam.Policy


def powertools_layer(scope: Construct) -> lambda_.ILayerVersion:
    """The Powertools layer of ``scope``'s stack (one per stack), its ARN resolved at deploy time."""
    stack = stack_of(scope)
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
    network: FunctionNetwork | None = None,
) -> LibraryFunction:
    """Create a function of the library under ``scope`` (children ``<id>``, ``<id>Role``, ``<id>LogGroup``,
    ``<id>TracingPolicy`` and, in a VPC, ``<id>NetworkPolicy``).

    :param handler: ``module.function`` inside ``code``, e.g. ``sender.handler.main``.
    :param encryption_key: Encrypts the log group and the environment variables.
    :param reserved_concurrent_executions: The function's concurrency cap (also what checkov CKV_AWS_115 checks).
    :param code: The function's code. Default: the whole ``lambda/`` folder.
    :param layers: The function's layers. Default: the Powertools layer.
    :param synchronous_only_reason: Why the function needs no async DLQ or on-failure destination (the evidence of
        the acknowledgements). Default: it is only invoked by an SQS event source mapping.
    :param network: The VPC to run in. Default: no VPC.
    """
    log_group = library_log_group(
        scope,
        f"{id}LogGroup",
        encryption_key=encryption_key,
        retention=log_retention,
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
        vpc=network.vpc if network else None,
        vpc_subnets=network.vpc_subnets if network else None,
        security_groups=list(network.security_groups) if network and network.security_groups else None,
    )
    # Active tracing, with its two X-Ray actions in a policy of their own (Tracing.ACTIVE would put them into the
    # role's default policy, next to the function's other grants, where one IAM5[Resource::*] acknowledgement would
    # cover any later "*" statement too).
    cfn_function = function.node.default_child
    assert isinstance(cfn_function, lambda_.CfnFunction)
    cfn_function.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")
    tracing_policy = own_wildcard_policy(
        scope,
        f"{id}TracingPolicy",
        role,
        ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
        XRAY_REASON,
    )
    function.node.add_dependency(tracing_policy)
    findings = [
        (nag.Serverless.LAMBDA_DLQ, synchronous_only_reason),
        (nag.Serverless.LAMBDA_ASYNC_FAILURE_DESTINATION, synchronous_only_reason),
    ]
    checkov.skip_check(function, "CKV_AWS_116", synchronous_only_reason)
    if network is None:
        checkov.skip_check(function, "CKV_AWS_117", NO_VPC_REASON)
        findings.append((nag.ControlTower.LAMBDA_INSIDE_VPC, NO_VPC_REASON))
    else:
        # Lambda checks these permissions when it creates the function in the VPC: it must wait for the policy.
        network_policy = own_wildcard_policy(
            scope, f"{id}NetworkPolicy", role, NETWORK_INTERFACE_ACTIONS, NETWORK_REASON
        )
        # checkov CKV_AWS_111 (write access without constraints) reads the same statement.
        checkov.skip_check(network_policy, "CKV_AWS_111", NETWORK_REASON)
        function.node.add_dependency(network_policy)
    nag.acknowledge_all(function, *findings)
    return LibraryFunction(function=function, role=role, log_group=log_group, tracing_policy=tracing_policy)


def own_wildcard_policy(scope: Construct, id: str, role: iam.IRole, actions: Sequence[str], reason: str) -> iam.Policy:
    """An inline policy ``scope/id`` on ``role`` allowing ``actions`` on ``*``, its IAM5 finding acknowledged alone."""
    policy = iam.Policy(
        scope, id, roles=[role], statements=[iam.PolicyStatement(actions=list(actions), resources=["*"])]
    )
    nag.acknowledge(policy, nag.granular(nag.AwsSolutions.IAM5, "Resource::*"), reason)
    return policy
