"""The hardened ``custom_resources.Provider`` every provider Lambda of the library sits behind, and
:class:`LibraryProvider`, the base of the library's providers (one per stack and kind: its key, handler and framework).

:func:`create_provider_framework` is the one way the library creates the provider framework (aws-cdk-lib's Node.js
function that CloudFormation invokes and that calls our handler). Its signature is stable: the account-settings
provider (``_private/sdk_calls.py``) and the registrations provider use it, and it keeps the children's construct ids
(``FrameworkLogGroup``, ``FrameworkRole``, ``FrameworkTracingPolicy``, ``Provider``) so that switching to it changes no
logical id.

What it sets, on top of aws-cdk-lib's defaults:

- a role of its own (no AWS managed policy), allowed to write its log group;
- a log group encrypted with the caller's key, kept one year by default and ``RETAIN``;
- the framework's application log level pinned to ``FATAL``: the framework logs the whole request at ``INFO``,
  resource properties included (phone numbers, registration values); aws-cdk-lib 2.275 defaults to ``FATAL`` too, but a
  default may change, a pin does not;
- X-Ray active tracing (its two actions in a policy of their own), an explicit memory size, reserved concurrency and
  its environment encrypted with the caller's key;
- the findings it keeps, acknowledged on the framework function only, with their evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Self

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
import aws_cdk.aws_lambda as lambda_
import aws_cdk.aws_logs as logs
import aws_cdk.custom_resources as cr
from constructs import Construct, IConstruct

from . import checkov, nag
from .functions import XRAY_REASON, library_function, own_wildcard_policy
from .kms import library_log_group, limit_grants_to_aws_services
from .stacks import stack_of

#: The framework's application log level (it logs each request with its properties at INFO and above).
FRAMEWORK_LOG_LEVEL = lambda_.ApplicationLogLevel.FATAL
#: The framework function's memory: it only relays the request to the handler.
FRAMEWORK_MEMORY_MB = 256

FRAMEWORK_DLQ_REASON = (
    "CloudFormation invokes the provider framework function asynchronously with a pre-signed response URL; the "
    "framework catches every handler error and reports FAILED to that URL itself. An event that never runs would "
    "only hold a response URL for a request CloudFormation times out and rolls back on its own (the custom resource "
    "timeout), so a DLQ would hold nothing anyone could replay."
)
FRAMEWORK_NO_VPC_REASON = (
    "The provider framework function only invokes the library's handler function (Lambda API) and answers "
    "CloudFormation through its pre-signed S3 response URL; it reaches no private resource, so a VPC would add NAT or "
    "interface endpoints without reducing exposure."
)


def create_provider_framework(
    scope: Construct,
    *,
    on_event_handler: lambda_.IFunction,
    encryption_key: kms.IKey,
    description: str,
    reserved_concurrent_executions: int,
    log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
) -> cr.Provider:
    """Create the provider framework for ``on_event_handler`` under ``scope`` (children ``FrameworkLogGroup``,
    ``FrameworkRole``, ``FrameworkTracingPolicy`` and ``Provider``; use one ``scope`` per provider).

    :param on_event_handler: The handler the framework calls synchronously for each CloudFormation event.
    :param encryption_key: Encrypts the framework's log group and environment.
    :param description: What the handler manages, for the role's description (e.g. ``"registrations"``).
    :param reserved_concurrent_executions: The framework function's concurrency cap.
    :param log_retention: How long the framework's log group keeps its (FATAL-only) logs. Default: one year.
    :returns: The provider; its ``service_token`` goes into the custom resources.
    """
    log_group = library_log_group(
        scope,
        "FrameworkLogGroup",
        encryption_key=encryption_key,
        retention=log_retention,
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    role = iam.Role(
        scope,
        "FrameworkRole",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=f"Custom-resource provider framework of the sms-constructs {description} (sms-constructs)",
    )
    log_group.grant_write(role)
    tracing = own_wildcard_policy(
        scope, "FrameworkTracingPolicy", role, ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], XRAY_REASON
    )
    provider = cr.Provider(
        scope,
        "Provider",
        on_event_handler=on_event_handler,
        framework_on_event_role=role,
        log_group=log_group,
        provider_function_env_encryption=encryption_key,
        framework_lambda_logging_level=FRAMEWORK_LOG_LEVEL,
    )
    framework = provider.node.find_child("framework-onEvent")
    resource = framework.node.default_child
    assert isinstance(resource, lambda_.CfnFunction)
    # Set on the L1 (not as raw overrides) so cdk-nag and checkov see them.
    resource.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")
    resource.memory_size = FRAMEWORK_MEMORY_MB
    resource.reserved_concurrent_executions = reserved_concurrent_executions
    checkov.skip_check(framework, "CKV_AWS_116", FRAMEWORK_DLQ_REASON)
    checkov.skip_check(framework, "CKV_AWS_117", FRAMEWORK_NO_VPC_REASON)
    nag.acknowledge_all(
        framework,
        (nag.Serverless.LAMBDA_DLQ, FRAMEWORK_DLQ_REASON),
        (nag.ControlTower.LAMBDA_INSIDE_VPC, FRAMEWORK_NO_VPC_REASON),
    )
    invoke = nag.resource_finding(role, f"{on_event_handler.function_arn}:*")
    policy = role.node.find_child("DefaultPolicy")
    nag.acknowledge(
        policy,
        nag.granular(nag.AwsSolutions.IAM5, invoke or "Resource::*"),
        "lambda:InvokeFunction on '<handler ARN>:*' is added by custom_resources.Provider (grant_invoke covers the "
        f"function's versions and aliases); it names the one {description} handler function only.",
    )
    framework.node.add_dependency(tracing)
    return provider


class LibraryProvider(Construct):
    """A custom-resource provider of the library: one per stack and kind, a child of the stack (:meth:`of`).

    It creates a key of its own (rotated, ``RETAIN``, grants only through AWS services) for its log groups and its
    functions' environments, the handler (``lambda/``, standard library and boto3 only, no Powertools layer, invoked
    only synchronously by the framework) and the hardened framework (:func:`create_provider_framework`). A subclass
    states what it is in its class attributes and grants its handler what it calls.
    """

    #: The construct id of the provider, a child of the stack.
    PROVIDER_ID: ClassVar[str]
    #: What the provider manages, in descriptions (``"registrations"``, ``"account settings"``).
    PURPOSE: ClassVar[str]
    #: The key's description.
    KEY_DESCRIPTION: ClassVar[str]
    #: The handler's ``module.function`` under ``lambda/`` and its description.
    HANDLER: ClassVar[str]
    HANDLER_DESCRIPTION: ClassVar[str]
    #: The handler's timeout (the framework allows 15 minutes).
    HANDLER_TIMEOUT: ClassVar[cdk.Duration]
    #: Variables of the handler's environment besides ``LOG_LEVEL``.
    HANDLER_ENVIRONMENT: ClassVar[Mapping[str, str]] = {}
    #: Why the handler needs no DLQ or on-failure destination (the acknowledgement's reason).
    INVOCATION_REASON: ClassVar[str]
    #: CloudFormation creates independent custom resources of a stack in parallel; a few at a time is plenty.
    RESERVED_CONCURRENCY: ClassVar[int] = 5
    #: How long both log groups keep their logs.
    LOG_RETENTION: ClassVar[logs.RetentionDays] = logs.RetentionDays.ONE_YEAR

    @classmethod
    def of(cls, scope: IConstruct) -> Self:
        """The provider of this kind in ``scope``'s stack, created on first use."""
        stack = stack_of(scope)
        existing = stack.node.try_find_child(cls.PROVIDER_ID)
        if isinstance(existing, cls):
            return existing
        return cls(stack, cls.PROVIDER_ID)

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        #: Encrypts both log groups and the functions' environments.
        self.key = kms.Key(
            self,
            "Key",
            description=self.KEY_DESCRIPTION,
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        limit_grants_to_aws_services(self.key)
        function = library_function(
            self,
            "Handler",
            handler=self.HANDLER,
            description=self.HANDLER_DESCRIPTION,
            encryption_key=self.key,
            environment={"LOG_LEVEL": "INFO", **self.HANDLER_ENVIRONMENT},
            timeout=self.HANDLER_TIMEOUT,
            reserved_concurrent_executions=self.RESERVED_CONCURRENCY,
            log_retention=self.LOG_RETENTION,
            synchronous_only_reason=self.INVOCATION_REASON,
            layers=[],
        )
        #: The handler function.
        self.handler = function.function
        #: The handler's role: what the provider's resources need is added to it.
        self.role = function.role
        #: The provider framework; its ``service_token`` goes into the custom resources.
        self.provider = create_provider_framework(
            self,
            on_event_handler=self.handler,
            encryption_key=self.key,
            description=self.PURPOSE,
            reserved_concurrent_executions=self.RESERVED_CONCURRENCY,
            log_retention=self.LOG_RETENTION,
        )

    @property
    def service_token(self) -> str:
        """The ``ServiceToken`` of the provider."""
        return self.provider.service_token
