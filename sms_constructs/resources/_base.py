"""Shared building blocks for the L2 resources: removal policies, resource policies, ARN helpers."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_smsvoice as smsvoice
from constructs import Construct

from .._private.errors import ValidationError

#: The service principal of AWS End User Messaging SMS and Voice v2.
SMS_VOICE_SERVICE_PRINCIPAL = "sms-voice.amazonaws.com"

#: The IAM service prefix of AWS End User Messaging SMS and Voice v2.
SMS_VOICE_SERVICE = "sms-voice"


def check_sms_voice_actions(scope: Construct, actions: Sequence[str]) -> list[str]:
    """Raise unless ``actions`` is one or more ``sms-voice:`` actions (grants on SMS resources grant nothing else)."""
    bad = [a for a in actions if not a.startswith(f"{SMS_VOICE_SERVICE}:")]
    if not actions or bad:
        raise ValidationError(scope, "actions", "give one or more 'sms-voice:' actions", list(actions))
    return list(actions)


def apply_removal_policy(resource: cdk.CfnResource, policy: cdk.RemovalPolicy | None) -> None:
    """Apply ``policy`` to ``resource``; stateful SMS resources default to ``RETAIN``."""
    resource.apply_removal_policy(policy if policy is not None else cdk.RemovalPolicy.RETAIN)


def format_sms_voice_arn(scope: Construct, resource_type: str, resource_name: str) -> str:
    """The ARN ``arn:<partition>:sms-voice:<region>:<account>:<resource_type>/<resource_name>`` in ``scope``'s stack."""
    return cdk.Stack.of(scope).format_arn(
        service=SMS_VOICE_SERVICE,
        resource=resource_type,
        resource_name=resource_name,
        arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
    )


def resource_name_from_arn(arn: str) -> str:
    """The part after ``<type>/`` of an sms-voice ARN (works on tokens too)."""
    return cdk.Arn.split(arn, cdk.ArnFormat.SLASH_RESOURCE_NAME).resource_name or ""


class ResourcePolicyHolder:
    """Keeps the one ``AWS::SMSVOICE::ResourcePolicy`` of a resource, created on the first statement added.

    The service allows a single resource policy per resource ARN, so every ``add_to_resource_policy`` call on the
    same resource appends to the same document (a ``PolicyDocument`` resolves when the template is synthesized, so
    statements added later are included).
    """

    def __init__(self, owner: Construct, resource_arn: str) -> None:
        self._owner = owner
        self._resource_arn = resource_arn
        self.document: iam.PolicyDocument | None = None
        self.policy: smsvoice.CfnResourcePolicy | None = None

    def add(self, statement: iam.PolicyStatement) -> iam.AddToResourcePolicyResult:
        """Append ``statement``; the policy resource is created the first time."""
        if self.document is None or self.policy is None:
            self.document = iam.PolicyDocument()
            self.policy = smsvoice.CfnResourcePolicy(
                self._owner, "ResourcePolicy", resource_arn=self._resource_arn, policy_document=self.document
            )
        self.document.add_statements(statement)
        return iam.AddToResourcePolicyResult(statement_added=True, policy_dependable=self.policy)
