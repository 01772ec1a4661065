"""The custom-resource provider of ``Registration``: one per stack, our Lambda behind ``custom_resources.Provider``.

- the handler (``lambda/registrations/handler.py``, standard library and boto3 only) comes from the library's
  function factory (runtime, arm64, KMS-encrypted log group and environment, JSON logs, X-Ray, reserved
  concurrency), without the Powertools layer it does not use;
- the provider framework function (CDK's, which CloudFormation invokes) gets its own role (no AWS managed policy),
  the same KMS-encrypted log group conventions, X-Ray, an explicit memory size and reserved concurrency;
- IAM is least privilege as far as the service allows: registration IDs are unknown at synth time, so per-registration
  actions are scoped to ``registration/*`` in this account and Region, and every action that changes or deletes a
  registration also needs the provider's owner tag on it (``aws:ResourceTag``), which only this provider sets
  (``CreateRegistration`` and ``TagResource`` need it in the request, ``aws:RequestTag``). Associations are allowed on
  the ARNs of the associated phone numbers and RCS agents only, attachment reads on the attachments used.
"""

from __future__ import annotations

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
import aws_cdk.aws_lambda as lambda_
import aws_cdk.aws_logs as logs
import aws_cdk.custom_resources as cr
from constructs import Construct, IConstruct

from . import checkov, nag
from .functions import NO_VPC_REASON, XRAY_REASON, library_function, own_wildcard_policy
from .kms import library_log_group

#: The construct id of the provider, a child of the stack.
PROVIDER_ID = "SmsConstructsRegistrationProvider"
#: The tag the provider puts on every registration it creates; its policy only changes registrations that carry it.
OWNER_TAG_KEY = "sms-constructs:registration-provider"
#: Registrations of one stack are few; CloudFormation creates independent ones in parallel.
RESERVED_CONCURRENCY = 5
#: The handler waits for attachment uploads at most this long (the framework function allows 15 minutes).
HANDLER_TIMEOUT = cdk.Duration.minutes(10)
LOG_RETENTION = logs.RetentionDays.ONE_YEAR

HANDLER_INVOCATION_REASON = (
    "The registrations handler is only invoked synchronously (RequestResponse) by the custom-resource provider "
    "framework function, which reports every error to CloudFormation itself; it is never invoked asynchronously, so "
    "an async DLQ or on-failure destination would never receive anything."
)
UNSCOPED_REASON = (
    "sms-voice:CreateRegistration and sms-voice:DescribeRegistrationFieldDefinitions have no resource type in the "
    "Service Authorization Reference (AWS End User Messaging SMS and Voice V2), so they can only be granted on '*'; "
    "CreateRegistration is allowed only with the provider's owner tag in the request (aws:RequestTag)."
)
FRAMEWORK_DLQ_REASON = (
    "CloudFormation invokes the provider framework function asynchronously with a pre-signed response URL; the "
    "framework catches every handler error and reports FAILED to that URL itself. An event that never runs would "
    "only hold a response URL for a request CloudFormation times out and rolls back on its own (the custom resource "
    "timeout), so a DLQ would hold nothing anyone could replay."
)

#: Reads of a registration and its versions, values and associations.
READ_ACTIONS = [
    "sms-voice:DescribeRegistrations",
    "sms-voice:DescribeRegistrationVersions",
    "sms-voice:DescribeRegistrationFieldValues",
    "sms-voice:ListRegistrationAssociations",
]
#: Changes to a registration the provider owns (conditioned on its owner tag).
OWNED_ACTIONS = [
    "sms-voice:PutRegistrationFieldValue",
    "sms-voice:DeleteRegistrationFieldValue",
    "sms-voice:CreateRegistrationVersion",
    "sms-voice:SubmitRegistrationVersion",
    "sms-voice:DiscardRegistrationVersion",
    "sms-voice:DeleteRegistration",
    "sms-voice:UntagResource",
]


class RegistrationProvider(Construct):
    """The stack's registration provider; use :meth:`of`."""

    @staticmethod
    def of(scope: IConstruct) -> RegistrationProvider:
        """The provider of ``scope``'s stack, created on first use."""
        stack = cdk.Stack.of(scope)
        existing = stack.node.try_find_child(PROVIDER_ID)
        if isinstance(existing, RegistrationProvider):
            return existing
        return RegistrationProvider(stack, PROVIDER_ID)

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        #: The value of the owner tag: unique to this provider in the app.
        self.owner_tag_value = cdk.Names.unique_id(self)
        #: Encrypts both log groups and the functions' environments (registration logs name companies).
        self.key = kms.Key(
            self,
            "Key",
            description="sms-constructs registration provider: log groups and function environments",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        handler = library_function(
            self,
            "Handler",
            handler="registrations.handler.main",
            description="Creates, fills, associates and submits AWS End User Messaging SMS registrations",
            encryption_key=self.key,
            environment={"LOG_LEVEL": "INFO"},
            timeout=HANDLER_TIMEOUT,
            reserved_concurrent_executions=RESERVED_CONCURRENCY,
            log_retention=LOG_RETENTION,
            synchronous_only_reason=HANDLER_INVOCATION_REASON,
            layers=[],
        )
        #: The handler function.
        self.handler = handler.function
        self._role = handler.role
        self._registrations = stack.format_arn(
            service="sms-voice",
            resource="registration",
            resource_name="*",
            arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
        )
        self._grant_registration_actions()
        self._association = iam.PolicyStatement(
            actions=["sms-voice:CreateRegistrationAssociation"], resources=[self._registrations]
        )
        self._role.add_to_principal_policy(self._association)
        self._attachments: iam.PolicyStatement | None = None

        self.provider = self._create_framework()
        self._acknowledge(handler.role)

    @property
    def service_token(self) -> str:
        """The ``ServiceToken`` of the provider."""
        return self.provider.service_token

    def allow_association(self, resource_arn: str) -> None:
        """Let the handler associate registrations with the resource of ``resource_arn`` (a phone number, an agent)."""
        self._association.add_resources(resource_arn)

    def allow_attachment(self, attachment_arn: str) -> None:
        """Let the handler read the upload status of the attachment ``attachment_arn``."""
        if self._attachments is None:
            self._attachments = iam.PolicyStatement(actions=["sms-voice:DescribeRegistrationAttachments"])
            self._role.add_to_principal_policy(self._attachments)
        self._attachments.add_resources(attachment_arn)

    def _grant_registration_actions(self) -> None:
        tag = f"aws:RequestTag/{OWNER_TAG_KEY}"
        owned = f"aws:ResourceTag/{OWNER_TAG_KEY}"
        # CreateRegistration and DescribeRegistrationFieldDefinitions have no resource type (Service Authorization
        # Reference): "*", in a policy of their own so that its acknowledgement covers nothing else; creation only
        # with the owner tag in the request.
        unscoped = iam.Policy(
            self,
            "HandlerUnscopedPolicy",
            roles=[self._role],
            statements=[
                iam.PolicyStatement(
                    actions=["sms-voice:CreateRegistration"],
                    resources=["*"],
                    conditions={"StringEquals": {tag: self.owner_tag_value}},
                ),
                iam.PolicyStatement(actions=["sms-voice:DescribeRegistrationFieldDefinitions"], resources=["*"]),
            ],
        )
        nag.acknowledge(unscoped, nag.granular(nag.AwsSolutions.IAM5, "Resource::*"), UNSCOPED_REASON)
        self.handler.node.add_dependency(unscoped)
        statements = [
            iam.PolicyStatement(
                actions=["sms-voice:TagResource"],
                resources=[self._registrations],
                conditions={"StringEquals": {tag: self.owner_tag_value}},
            ),
            iam.PolicyStatement(actions=READ_ACTIONS, resources=[self._registrations]),
            iam.PolicyStatement(
                actions=OWNED_ACTIONS,
                resources=[self._registrations],
                conditions={"StringEquals": {owned: self.owner_tag_value}},
            ),
        ]
        for statement in statements:
            self._role.add_to_principal_policy(statement)

    def _create_framework(self) -> cr.Provider:
        log_group = library_log_group(
            self,
            "FrameworkLogGroup",
            encryption_key=self.key,
            retention=LOG_RETENTION,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        role = iam.Role(
            self,
            "FrameworkRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Custom-resource provider framework of the sms-constructs registrations (sms-constructs)",
        )
        log_group.grant_write(role)
        tracing = own_wildcard_policy(
            self, "FrameworkTracingPolicy", role, ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], XRAY_REASON
        )
        provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.handler,
            framework_on_event_role=role,
            log_group=log_group,
            provider_function_env_encryption=self.key,
        )
        framework = provider.node.find_child("framework-onEvent")
        resource = framework.node.default_child
        assert isinstance(resource, lambda_.CfnFunction)
        # Set on the L1 (not as raw overrides) so cdk-nag and checkov see them.
        resource.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")
        resource.memory_size = 256
        resource.reserved_concurrent_executions = RESERVED_CONCURRENCY
        nag.acknowledge(framework, nag.Serverless.LAMBDA_DLQ, FRAMEWORK_DLQ_REASON)
        checkov.skip_check(framework, "CKV_AWS_116", FRAMEWORK_DLQ_REASON)
        checkov.skip_check(framework, "CKV_AWS_117", NO_VPC_REASON)
        invoke = nag.resource_finding(role, f"{self.handler.function_arn}:*")
        policy = role.node.find_child("DefaultPolicy")
        nag.acknowledge(
            policy,
            nag.granular(nag.AwsSolutions.IAM5, invoke or "Resource::*"),
            "lambda:InvokeFunction on '<handler ARN>:*' is added by custom_resources.Provider (grant_invoke covers the "
            "function's versions and aliases); it names the one registrations handler function only.",
        )
        framework.node.add_dependency(tracing)
        return provider

    def _acknowledge(self, role: iam.Role) -> None:
        registrations = nag.resource_finding(role, self._registrations)
        policy = role.node.find_child("DefaultPolicy")
        nag.acknowledge(
            policy,
            nag.granular(nag.AwsSolutions.IAM5, registrations or "Resource::*"),
            "Registration IDs are assigned by the service when the handler creates them, so the per-registration "
            "actions are scoped to registration/* of this account and Region; every action that changes or deletes a "
            "registration also requires the provider's owner tag on it (aws:ResourceTag), which only this provider "
            "sets, so registrations created elsewhere cannot be touched.",
        )
