"""One SDK call per lifecycle event: the library's ``custom_resources.AwsCustomResource`` for CloudFormation's gaps.

aws-cdk-lib runs every ``AwsCustomResource`` of a stack in one singleton Lambda function. The first one the library
creates in a stack gives it a role of its own (no ``AWSLambdaBasicExecutionRole``: an inline policy on its log group),
an explicit memory size, X-Ray tracing, reserved concurrency and a named log group, encrypted with a key of its own
(the handler logs each request, parameters included: an opted-out phone number is personal data) and kept one year
(the AWS Control Tower minimum); the findings it keeps are acknowledged on that function only. Responses are not
logged (``Logging.with_data_hidden()``). Each call's permissions are a separate policy listing exact actions on exact
ARNs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
import aws_cdk.aws_lambda as lambda_
import aws_cdk.aws_logs as logs
import aws_cdk.custom_resources as cr
from constructs import Construct

from . import checkov, nag
from .functions import XRAY_REASON, own_wildcard_policy
from .kms import library_log_group, limit_grants_to_aws_services

#: The SDK client (AWS SDK for JavaScript v3 ``@aws-sdk/client-pinpoint-sms-voice-v2``).
SERVICE = "PinpointSMSVoiceV2"
#: Id of the singleton function aws-cdk-lib creates for ``AwsCustomResource`` (``lambdaPurpose`` + UUID).
PROVIDER_ID = "AWS" + cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace("-", "")
#: CloudFormation creates independent custom resources of a stack in parallel; a few at a time is plenty (a throttled
#: asynchronous invocation is retried by Lambda).
RESERVED_CONCURRENCY = 5
#: How long the provider's log group keeps the requests.
LOG_RETENTION = logs.RetentionDays.ONE_YEAR

_ROLE_ID = "SmsConstructsSdkCallsRole"
_LOG_GROUP_ID = "SmsConstructsSdkCallsLogs"
_KEY_ID = "SmsConstructsSdkCallsLogsKey"
_TRACING_POLICY_ID = "SmsConstructsSdkCallsTracingPolicy"

_NO_DLQ_REASON = (
    "The AwsCustomResource provider is invoked only by CloudFormation, once per lifecycle event of a custom resource "
    "of this stack. A failed SDK call is reported back to CloudFormation, which fails and rolls back the deployment "
    "and shows the error in the stack events; a dead-letter queue would only hold a copy of a request CloudFormation "
    "reports."
)
_NO_VPC_REASON = (
    "The AwsCustomResource provider calls only the regional AWS End User Messaging SMS API and answers CloudFormation "
    "through a pre-signed S3 URL; a VPC would need NAT or endpoints without reducing exposure."
)


def sdk_call(
    service_action: str,
    parameters: Mapping[str, Any] | None = None,
    *,
    physical_resource_id: str | None = None,
) -> cr.AwsSdkCall:
    """``service_action`` (e.g. ``SetTextMessageSpendLimitOverride``) of the SMS API, its response kept out of the
    log."""
    return cr.AwsSdkCall(
        service=SERVICE,
        action=service_action,
        parameters=dict(parameters) if parameters is not None else None,
        physical_resource_id=(
            cr.PhysicalResourceId.of(physical_resource_id) if physical_resource_id is not None else None
        ),
        logging=cr.Logging.with_data_hidden(),
    )


def sdk_call_resource(
    scope: Construct,
    id: str,
    *,
    resource_type: str,
    on_create: cr.AwsSdkCall,
    on_delete: cr.AwsSdkCall | None,
    statements: Sequence[iam.PolicyStatement],
    install_latest_aws_sdk: bool = False,
) -> cr.AwsCustomResource:
    """An ``AwsCustomResource`` making ``on_create`` on create and update and ``on_delete`` on delete, allowed exactly
    ``statements`` (its own policy on the provider's role)."""
    stack = cdk.Stack.of(scope)
    first = stack.node.try_find_child(PROVIDER_ID) is None
    role: iam.Role | None = None
    log_group: logs.ILogGroup | None = None
    if first:
        role, log_group = _provider_role_and_logs(stack)
    resource = cr.AwsCustomResource(
        scope,
        id,
        resource_type=resource_type,
        on_create=on_create,
        on_update=on_create,
        on_delete=on_delete,
        policy=cr.AwsCustomResourcePolicy.from_statements(list(statements)),
        role=role,
        log_group=log_group,
        memory_size=512,
        timeout=cdk.Duration.minutes(2),
        install_latest_aws_sdk=install_latest_aws_sdk,
    )
    if role is not None:
        _harden_provider(stack, role)
    return resource


def acknowledge_unscoped(resource: cr.AwsCustomResource, actions: Sequence[str]) -> None:
    """Acknowledge ``Resource::*`` on ``resource``'s policy: ``actions`` have no resource type in the Service
    Authorization Reference (AWS End User Messaging SMS and Voice V2), so they can only be granted on ``*``."""
    policy = resource.node.find_child("CustomResourcePolicy")
    nag.acknowledge(
        policy,
        nag.granular(nag.AwsSolutions.IAM5, "Resource::*"),
        f"{', '.join(actions)} act on no resource type (Service Authorization Reference, AWS End User Messaging SMS "
        "and Voice V2: 'Resource ARN - Not available. Use *'), so they can only be granted on '*'. The policy holds "
        "only these actions and belongs to this one custom resource.",
    )


def _provider_role_and_logs(stack: cdk.Stack) -> tuple[iam.Role, logs.LogGroup]:
    key = kms.Key(
        stack,
        _KEY_ID,
        enable_key_rotation=True,
        description="sms-constructs: logs of the custom resources' SDK calls (may hold opted-out phone numbers)",
    )
    limit_grants_to_aws_services(key)
    log_group = library_log_group(
        stack, _LOG_GROUP_ID, encryption_key=key, retention=LOG_RETENTION, removal_policy=cdk.RemovalPolicy.DESTROY
    )
    role = iam.Role(
        stack,
        _ROLE_ID,
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description="Makes the SDK calls of the sms-constructs custom resources of this stack",
    )
    log_group.grant_write(role)
    return role, log_group


def _harden_provider(stack: cdk.Stack, role: iam.Role) -> None:
    """Tracing and reserved concurrency on the provider function, set on its L1 (``AwsCustomResource`` has no props for
    them; not raw overrides, so cdk-nag and checkov see them), and the findings it keeps."""
    function = stack.node.find_child(PROVIDER_ID)
    assert isinstance(function, lambda_.Function)
    resource = function.node.default_child
    assert isinstance(resource, lambda_.CfnFunction)
    resource.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")
    resource.reserved_concurrent_executions = RESERVED_CONCURRENCY
    tracing = own_wildcard_policy(
        stack, _TRACING_POLICY_ID, role, ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], XRAY_REASON
    )
    function.node.add_dependency(tracing)
    nag.acknowledge(function, nag.Serverless.LAMBDA_DLQ, _NO_DLQ_REASON)
    nag.acknowledge(function, nag.ControlTower.LAMBDA_INSIDE_VPC, _NO_VPC_REASON)
    checkov.skip_check(function, "CKV_AWS_116", _NO_DLQ_REASON)
    checkov.skip_check(function, "CKV_AWS_117", _NO_VPC_REASON)
