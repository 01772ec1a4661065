"""The account provider: the library's one custom-resource provider for the SMS API calls CloudFormation cannot make.

One per stack (:meth:`~sms_constructs._private.provider.LibraryProvider.of`), our Lambda
(``lambda/account_provider/handler.py``, standard library and boto3 only, the SMS API model shipped with it: nothing
is downloaded at deploy time) behind the hardened provider framework of
:func:`~sms_constructs._private.provider.create_provider_framework`. It sets the spend-limit overrides, the account
default protect configuration, configuration sets' default message types, seeded opted-out numbers and phone numbers'
Amazon Connect two-way channel, remembers what
was there before in an ownership record (an SSM parameter under ``/sms-constructs/``) and restores it
when the owning resource is deleted — see the handler's docstring for the lifecycle.

IAM is exact: each custom resource adds the actions it needs on the ARNs it names (the list, the configuration set,
the protect configuration, its record parameter); the actions with no resource type in the Service Authorization
Reference (spend limits, ``DescribeAccountAttributes``, ``DeleteAccountDefaultProtectConfiguration``) sit in a policy
of their own whose ``Resource::*`` acknowledgement covers nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_logs as logs
from constructs import Construct

from . import nag
from .provider import LibraryProvider
from .stacks import stack_of

#: The construct id of the provider, a child of the stack.
PROVIDER_ID = "SmsConstructsAccountProvider"
#: CloudFormation creates independent custom resources of a stack in parallel; a few at a time is plenty.
RESERVED_CONCURRENCY = 5
LOG_RETENTION = logs.RetentionDays.ONE_YEAR
#: Where the handler finds the SMS API model shipped with it (``/var/task`` is the function's code).
MODELS_DATA_PATH = "/var/task/account_provider/models"

#: The custom resource types (the handler's ``KINDS``).
SPEND_LIMIT_TYPE = "Custom::SmsConstructs{channel}SpendLimitOverride"  # Text, Media, Voice, Notify, Rcs
DEFAULT_PROTECT_CONFIGURATION_TYPE = "Custom::SmsConstructsDefaultProtectConfiguration"
DEFAULT_MESSAGE_TYPE_TYPE = "Custom::SmsConstructsDefaultMessageType"
OPTED_OUT_NUMBER_TYPE = "Custom::SmsConstructsOptedOutNumber"
PHONE_NUMBER_TWO_WAY_TYPE = "Custom::SmsConstructsPhoneNumberTwoWay"
#: SSM parameter paths of the ownership records (the handler's ``ACCOUNT_SETTINGS_PREFIX``,
#: ``OPTED_OUT_NUMBERS_PREFIX`` and ``PHONE_NUMBER_TWO_WAY_PREFIX``, without the leading slash, as in a parameter ARN).
ACCOUNT_SETTINGS_RECORDS = "sms-constructs/account-settings"
OPTED_OUT_NUMBER_RECORDS = "sms-constructs/opted-out-numbers"
PHONE_NUMBER_TWO_WAY_RECORDS = "sms-constructs/phone-number-two-way"
#: What a record needs: read, create or overwrite, delete.
RECORD_ACTIONS = ["ssm:GetParameter", "ssm:PutParameter", "ssm:DeleteParameter"]

HANDLER_INVOCATION_REASON = (
    "The account provider handler is only invoked synchronously (RequestResponse) by the custom-resource provider "
    "framework function, which reports every error to CloudFormation itself; it is never invoked asynchronously, so "
    "an async DLQ or on-failure destination would never receive anything."
)
UNSCOPED_REASON = (
    "Only actions with no resource type in the Service Authorization Reference (AWS End User Messaging SMS and Voice "
    "V2: 'Resource ARN - Not available. Use *') are in this policy: sms-voice:DescribeSpendLimits, the "
    "Set/Delete<Channel>MessageSpendLimitOverride actions of the limits the stack declares, "
    "sms-voice:DescribeAccountAttributes and sms-voice:DeleteAccountDefaultProtectConfiguration; so they can only be "
    "granted on '*'."
)
PROTECT_CONFIGURATIONS_REASON = (
    "Deleting the account default protect configuration of the stack sets the previous default back, which the "
    "handler reads at deploy time (DescribeAccountAttributes): its ID is unknown at synth time, so "
    "sms-voice:SetAccountDefaultProtectConfiguration is allowed on protect-configuration/* of this account and Region "
    "only."
)


class AccountProvider(LibraryProvider):
    """The stack's account provider; use :meth:`~sms_constructs._private.provider.LibraryProvider.of`."""

    PROVIDER_ID = PROVIDER_ID
    PURPOSE = "account settings"
    KEY_DESCRIPTION = "sms-constructs account provider: log groups and function environments"
    HANDLER = "account_provider.handler.main"
    HANDLER_DESCRIPTION = "Sets and restores account-level AWS End User Messaging SMS settings and opted-out numbers"
    HANDLER_TIMEOUT = cdk.Duration.minutes(2)
    HANDLER_ENVIRONMENT = {"AWS_DATA_PATH": MODELS_DATA_PATH}
    INVOCATION_REASON = HANDLER_INVOCATION_REASON
    RESERVED_CONCURRENCY = RESERVED_CONCURRENCY
    LOG_RETENTION = LOG_RETENTION

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self._unscoped: iam.Policy | None = None
        self._unscoped_statement = iam.PolicyStatement(resources=["*"])
        self._unscoped_actions: set[str] = set()

    def allow(self, statement: iam.PolicyStatement) -> None:
        """Let the handler make ``statement``'s calls (scoped to ARNs)."""
        self.role.add_to_principal_policy(statement)

    def allow_unscoped(self, actions: Sequence[str]) -> None:
        """Let the handler make ``actions``, which have no resource type, on ``*`` (their own policy)."""
        if self._unscoped is None:
            self._unscoped = iam.Policy(
                self, "HandlerUnscopedPolicy", roles=[self.role], statements=[self._unscoped_statement]
            )
            nag.acknowledge(self._unscoped, nag.granular(nag.AwsSolutions.IAM5, "Resource::*"), UNSCOPED_REASON)
            self.handler.node.add_dependency(self._unscoped)
        new = sorted(set(actions) - self._unscoped_actions)
        self._unscoped_actions.update(new)
        self._unscoped_statement.add_actions(*new)

    def allow_records(self, *parameter_names: str) -> None:
        """Let the handler read, write and delete the ownership records ``parameter_names`` (without leading ``/``)."""
        stack = stack_of(self)
        arns = [
            stack.format_arn(
                service="ssm", resource="parameter", resource_name=name, arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME
            )
            for name in parameter_names
        ]
        self.allow(iam.PolicyStatement(actions=RECORD_ACTIONS, resources=arns))

    def acknowledge_scoped_wildcard(self, arn: str, reason: str) -> None:
        """Acknowledge ``AwsSolutions-IAM5`` for ``arn`` (a ``…/*`` ARN) on the handler's policy, with ``reason``."""
        policy = self.role.node.find_child("DefaultPolicy")
        finding = nag.resource_finding(self.role, arn)
        nag.acknowledge(policy, nag.granular(nag.AwsSolutions.IAM5, finding or "Resource::*"), reason)

    def add_resource(
        self, scope: Construct, id: str, *, resource_type: str, properties: Mapping[str, Any]
    ) -> cdk.CustomResource:
        """A custom resource ``scope/id`` of ``resource_type`` served by this provider. The handler's policies are
        created before it and deleted after it."""
        resource = cdk.CustomResource(
            scope,
            id,
            service_token=self.service_token,
            resource_type=resource_type,
            properties=dict(properties),
        )
        resource.node.add_dependency(self.role)
        if self._unscoped is not None:
            resource.node.add_dependency(self._unscoped)
        return resource
