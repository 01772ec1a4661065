"""The custom-resource provider of ``Registration``: one per stack, our Lambda behind ``custom_resources.Provider``.

- the handler (``lambda/registrations/handler.py``, standard library and boto3 only) comes from the library's
  function factory (runtime, arm64, KMS-encrypted log group and environment, JSON logs, X-Ray, reserved
  concurrency), without the Powertools layer it does not use;
- the provider framework function (CDK's, which CloudFormation invokes) comes from the library's hardened framework
  (``_private/provider.py``): its own role, a KMS-encrypted log group, its log level pinned to ``FATAL`` (it would log
  each request with its properties), X-Ray, an explicit memory size and reserved concurrency;
- the key that encrypts both log groups and environments denies ``kms:CreateGrant`` unless an AWS service creates the
  grant for an AWS resource, like every key of the library;
- IAM is least privilege as far as the service allows: registration IDs are unknown at synth time, so per-registration
  actions are scoped to ``registration/*`` in this account and Region, and every one of them — reads, tags,
  associations, changes, deletion — also needs the provider's owner tag on the registration (``aws:ResourceTag``; the
  Service Authorization Reference lists that condition key for the ``registration`` resource type), which only this
  provider sets (``CreateRegistration`` and ``TagResource`` need it in the request, ``aws:RequestTag``).
  ``DescribeRegistrations`` also lists (to adopt a registration this stack kept after a rollback): a list has no
  resource, so it is allowed on ``*``; it returns IDs, types and statuses, never field values. Associations are
  allowed on the ARNs of the associated phone numbers and RCS agents only, attachment reads on the attachments used,
  ``secretsmanager:GetSecretValue`` and ``ssm:GetParameter`` on exactly the secrets and parameters the field values
  refer to (``kms:Decrypt`` through those services only, on their customer-managed keys).
"""

from __future__ import annotations

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
import aws_cdk.aws_logs as logs
import aws_cdk.aws_secretsmanager as secretsmanager
from constructs import Construct

from . import nag
from .provider import LibraryProvider
from .stacks import stack_of

#: The construct id of the provider, a child of the stack.
PROVIDER_ID = "SmsConstructsRegistrationProvider"
#: The tag the provider puts on every registration it creates; its policy only changes registrations that carry it.
OWNER_TAG_KEY = "sms-constructs:registration-provider"
#: Registrations of one stack are few; CloudFormation creates independent ones in parallel.
RESERVED_CONCURRENCY = 5
#: The handler waits for attachment uploads at most this long (the framework function allows 15 minutes).
HANDLER_TIMEOUT = cdk.Duration.minutes(10)
#: How long CloudFormation waits for an answer (``ServiceTimeout``): the framework function's own 15-minute limit,
#: which covers the handler's 10 minutes and the framework's retries; after that nothing could answer any more.
SERVICE_TIMEOUT = cdk.Duration.minutes(15)
LOG_RETENTION = logs.RetentionDays.ONE_YEAR

HANDLER_INVOCATION_REASON = (
    "The registrations handler is only invoked synchronously (RequestResponse) by the custom-resource provider "
    "framework function, which reports every error to CloudFormation itself; it is never invoked asynchronously, so "
    "an async DLQ or on-failure destination would never receive anything."
)
UNSCOPED_REASON = (
    "sms-voice:CreateRegistration and sms-voice:DescribeRegistrationFieldDefinitions have no resource type in the "
    "Service Authorization Reference (AWS End User Messaging SMS and Voice V2), so they can only be granted on '*'; "
    "CreateRegistration is allowed only with the provider's owner tag in the request (aws:RequestTag). "
    "sms-voice:DescribeRegistrations lists registrations by type to find the one this stack and logical ID own (after "
    "a rollback kept it): a list request names no resource (the registration resource type is optional for it), and "
    "the answer holds IDs, types and statuses only, never field values; every other read needs the owner tag."
)

#: Reads of a registration's versions, values, associations and tags (conditioned on its owner tag).
READ_ACTIONS = [
    "sms-voice:DescribeRegistrationVersions",
    "sms-voice:DescribeRegistrationFieldValues",
    "sms-voice:ListRegistrationAssociations",
    "sms-voice:ListTagsForResource",
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


class RegistrationProvider(LibraryProvider):
    """The stack's registration provider; use :meth:`~sms_constructs._private.provider.LibraryProvider.of`."""

    PROVIDER_ID = PROVIDER_ID
    PURPOSE = "registrations"
    #: The key also encrypts registration logs, which name companies.
    KEY_DESCRIPTION = "sms-constructs registration provider: log groups and function environments"
    HANDLER = "registrations.handler.main"
    HANDLER_DESCRIPTION = "Creates, fills, associates and submits AWS End User Messaging SMS registrations"
    HANDLER_TIMEOUT = HANDLER_TIMEOUT
    INVOCATION_REASON = HANDLER_INVOCATION_REASON
    RESERVED_CONCURRENCY = RESERVED_CONCURRENCY
    LOG_RETENTION = LOG_RETENTION

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        stack = stack_of(self)
        #: The value of the owner tag: unique to this provider in the app.
        self.owner_tag_value = cdk.Names.unique_id(self)
        self._registrations = stack.format_arn(
            service="sms-voice",
            resource="registration",
            resource_name="*",
            arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
        )
        self._grant_registration_actions()
        self._association: iam.PolicyStatement | None = None
        self._attachments: iam.PolicyStatement | None = None
        self._secrets: iam.PolicyStatement | None = None
        self._parameters: iam.PolicyStatement | None = None
        self._decrypt: dict[str, iam.PolicyStatement] = {}

        self._acknowledge(self.role)

    def allow_association(self, resource_arn: str) -> None:
        """Let the handler associate registrations with the resource of ``resource_arn`` (a phone number, an agent).

        ``CreateRegistrationAssociation`` is authorized on the registration (owner tag required, see
        ``_grant_registration_actions``) and on the associated resource: this statement names the latter.
        """
        if self._association is None:
            self._association = iam.PolicyStatement(actions=["sms-voice:CreateRegistrationAssociation"])
            self.role.add_to_principal_policy(self._association)
        self._association.add_resources(resource_arn)

    def allow_secret(self, secret: secretsmanager.ISecret) -> None:
        """Let the handler read ``secret`` (``GetSecretValue`` on it only; ``kms:Decrypt`` through Secrets Manager on
        its key when it has a customer-managed one)."""
        if self._secrets is None:
            self._secrets = iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"])
            self.role.add_to_principal_policy(self._secrets)
        arn = secret.secret_full_arn or f"{secret.secret_arn}-??????"
        if arn not in self._secrets.resources:
            self._secrets.add_resources(arn)
        if secret.encryption_key is not None:
            self._allow_decrypt(secret.encryption_key, "secretsmanager")

    def allow_parameter(self, parameter_arn: str, encryption_key: kms.IKey | None) -> None:
        """Let the handler read the SSM parameter ``parameter_arn`` with decryption (``ssm:GetParameter``; and
        ``kms:Decrypt`` through SSM on ``encryption_key`` when it is customer-managed)."""
        if self._parameters is None:
            self._parameters = iam.PolicyStatement(actions=["ssm:GetParameter"])
            self.role.add_to_principal_policy(self._parameters)
        if parameter_arn not in self._parameters.resources:
            self._parameters.add_resources(parameter_arn)
        if encryption_key is not None:
            self._allow_decrypt(encryption_key, "ssm")

    def _allow_decrypt(self, key: kms.IKey, service: str) -> None:
        statement = self._decrypt.get(service)
        if statement is None:
            stack = stack_of(self)
            statement = iam.PolicyStatement(
                actions=["kms:Decrypt"],
                conditions={"StringEquals": {"kms:ViaService": f"{service}.{stack.region}.{stack.url_suffix}"}},
            )
            self._decrypt[service] = statement
            self.role.add_to_principal_policy(statement)
        if key.key_arn not in statement.resources:
            statement.add_resources(key.key_arn)

    def allow_attachment(self, attachment_arn: str) -> None:
        """Let the handler read the upload status of the attachment ``attachment_arn``."""
        if self._attachments is None:
            self._attachments = iam.PolicyStatement(actions=["sms-voice:DescribeRegistrationAttachments"])
            self.role.add_to_principal_policy(self._attachments)
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
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    actions=["sms-voice:CreateRegistration"],
                    resources=["*"],
                    conditions={"StringEquals": {tag: self.owner_tag_value}},
                ),
                iam.PolicyStatement(
                    actions=["sms-voice:DescribeRegistrationFieldDefinitions", "sms-voice:DescribeRegistrations"],
                    resources=["*"],
                ),
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
            iam.PolicyStatement(
                actions=[*READ_ACTIONS, "sms-voice:CreateRegistrationAssociation", *OWNED_ACTIONS],
                resources=[self._registrations],
                conditions={"StringEquals": {owned: self.owner_tag_value}},
            ),
        ]
        for statement in statements:
            self.role.add_to_principal_policy(statement)

    def _acknowledge(self, role: iam.Role) -> None:
        registrations = nag.resource_finding(role, self._registrations)
        policy = role.node.find_child("DefaultPolicy")
        nag.acknowledge(
            policy,
            nag.granular(nag.AwsSolutions.IAM5, registrations or "Resource::*"),
            "Registration IDs are assigned by the service when the handler creates them, so the per-registration "
            "actions are scoped to registration/* of this account and Region; every one of them (reads, tags, "
            "associations, changes, deletion) also requires the provider's owner tag on the registration "
            "(aws:ResourceTag, a condition key of the registration resource type in the Service Authorization "
            "Reference), which only this provider sets, so registrations created elsewhere can be neither read nor "
            "touched.",
        )
