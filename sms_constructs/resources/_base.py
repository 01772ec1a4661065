"""Shared building blocks for the L2 resources: removal policies, resource policies, ARN helpers."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_smsvoice as smsvoice
from aws_cdk.interfaces import IEnvironmentAware
from constructs import Construct, IConstruct

from .._private.errors import ValidationError
from .._private.stacks import resource_env, stack_account, stack_of, stack_region

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


def resolve_deletion_protection(
    scope: IConstruct, enabled: bool | None, removal_policy: cdk.RemovalPolicy | None
) -> bool:
    """``DeletionProtectionEnabled``: on unless the resource is meant to be destroyed with the stack.

    With deletion protection on, the service refuses to release the resource, so a ``DESTROY`` removal policy
    would make stack deletion fail; that combination is only a warning because it can be deliberate.
    """
    if enabled is None:
        return removal_policy != cdk.RemovalPolicy.DESTROY
    if enabled and removal_policy == cdk.RemovalPolicy.DESTROY:
        cdk.Annotations.of(scope).add_warning_v2(
            "sms-constructs:DeletionProtectionBlocksDestroy",
            "deletion_protection_enabled=True with RemovalPolicy.DESTROY: the service will refuse the delete, so "
            "deleting the stack fails until deletion protection is turned off.",
        )
    return enabled


def format_sms_voice_arn(scope: Construct, resource_type: str, resource_name: str) -> str:
    """The ARN ``arn:<partition>:sms-voice:<region>:<account>:<resource_type>/<resource_name>`` in ``scope``'s stack."""
    return stack_of(scope).format_arn(
        service=SMS_VOICE_SERVICE,
        resource=resource_type,
        resource_name=resource_name,
        arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
    )


#: Warning id raised when a same-Region rule could not be checked (a Region only known at deploy time).
REGION_NOT_CHECKED_WARNING = "sms-constructs:RegionNotChecked"


def check_same_region(scope: IConstruct, prop: str, resource: IEnvironmentAware) -> None:
    """Raise when ``resource`` is known to live in another Region than ``scope``'s stack.

    SMS resources are regional (AWS RAM shares them within one Region only): a name or ID of a resource in another
    Region names another resource, or none, in this one. When the two Regions are the same value (a literal, or the
    same deploy-time Region of environment-agnostic stacks, which cross-stack references already keep in one Region)
    the rule holds. When one of them is only known at deploy time the rule cannot be checked: that is reported once per
    construct and prop as the warning ``sms-constructs:RegionNotChecked`` (pin the stack's ``env``, or acknowledge it).
    """
    theirs = resource_env(resource)[1]
    ours = stack_region(scope)
    if theirs == ours:
        return
    if cdk.Token.is_unresolved(theirs) or cdk.Token.is_unresolved(ours):
        cdk.Annotations.of(scope).add_warning_v2(
            REGION_NOT_CHECKED_WARNING,
            f"'{prop}' ({_describe(resource)}) must be in this stack's Region, but the Region of "
            f"{'the resource' if cdk.Token.is_unresolved(theirs) else repr(theirs)} and of "
            f"{'this environment-agnostic stack' if cdk.Token.is_unresolved(ours) else repr(ours)} are not both "
            "known at synth time, so it was not checked. Give the stack an env with a Region, or acknowledge this "
            "warning if the Region is right.",
        )
        return
    raise ValidationError(
        scope, prop, f"must be in the same Region as this stack ({ours}); it is in {theirs}", _describe(resource)
    )


def _describe(resource: object) -> str:
    node = getattr(resource, "node", None)
    return str(node.path) if node is not None else repr(resource)


def resource_name_from_arn(arn: str) -> str:
    """The part after ``<type>/`` of an sms-voice ARN (works on tokens too)."""
    return cdk.Arn.split(arn, cdk.ArnFormat.SLASH_RESOURCE_NAME).resource_name or ""


class ResourcePolicyHolder:
    """Keeps the one ``AWS::SMSVOICE::ResourcePolicy`` of a resource, created on the first statement added.

    The service allows a single resource policy per resource ARN, so every ``add_to_resource_policy`` call on the
    same resource appends to the same document (a ``PolicyDocument`` resolves when the template is synthesized, so
    statements added later are included).
    """

    def __init__(self, owner: cdk.Resource, resource_arn: str) -> None:
        self._owner = owner
        self._resource_arn = resource_arn
        self.document: iam.PolicyDocument | None = None
        self.policy: smsvoice.CfnResourcePolicy | None = None

    def add(self, statement: iam.PolicyStatement) -> iam.AddToResourcePolicyResult:
        """Append ``statement``; the policy resource is created the first time.

        Nothing is added (``statement_added=False``, and a warning) for a resource known to belong to another
        account or Region than the owner's stack: only the owning account can set the policy, and the stack would
        deploy the ``AWS::SMSVOICE::ResourcePolicy`` in its own Region.
        """
        if not _same_environment(self._owner):
            cdk.Annotations.of(self._owner).add_warning_v2(
                "sms-constructs:ResourcePolicyNotAdded",
                f"{self._resource_arn} belongs to another account or Region: only its owner can set its resource "
                "policy, in its own Region. The statement was not added; add it in the owning account's stack.",
            )
            return iam.AddToResourcePolicyResult(statement_added=False)
        if self.document is None or self.policy is None:
            self.document = iam.PolicyDocument()
            self.policy = smsvoice.CfnResourcePolicy(
                self._owner, "ResourcePolicy", resource_arn=self._resource_arn, policy_document=self.document
            )
            # The policy lives and dies with its resource: a retained number keeps the grants (e.g. to Amazon SNS)
            # that its users rely on after it leaves the stack.
            owned = self._owner.node.default_child
            if isinstance(owned, cdk.CfnResource):
                self.policy.cfn_options.deletion_policy = owned.cfn_options.deletion_policy
                self.policy.cfn_options.update_replace_policy = owned.cfn_options.update_replace_policy
        self.document.add_statements(statement)
        return iam.AddToResourcePolicyResult(statement_added=True, policy_dependable=self.policy)


def _same_environment(resource: cdk.Resource) -> bool:
    """False when ``resource``'s account or Region is known and differs from its stack's."""
    account, region = resource_env(resource)
    for theirs, ours in ((account, stack_account(resource)), (region, stack_region(resource))):
        if not cdk.Token.is_unresolved(theirs) and not cdk.Token.is_unresolved(ours) and theirs != ours:
            return False
    return True


#: Regions whose CloudFormation registry has ``NotifyConfiguration``, ``Registration``, ``RegistrationAttachment`` and
#: ``VerifiedDestinationNumber`` (cfn-lint 1.58.0 region schemas, which can lag the rollout; commercial Regions only).
NEWER_TYPE_REGIONS = frozenset({"ap-south-1", "eu-central-1", "us-east-1", "us-west-2"})
#: Regions whose CloudFormation registry has ``RcsAgent`` (same source).
RCS_AGENT_REGIONS = frozenset({"us-east-1", "us-west-2"})
#: The id under which aws-cdk-lib's built-in template validation reports an unknown resource type.
CLOUDFORMATION_VALIDATE_UNKNOWN_TYPE = "CloudFormation-Validate::F3006"


def newer_resource_type(resource: cdk.CfnResource, regions: frozenset[str], *, unknown_to_cdk_validation: bool) -> None:
    """Checks for the ``AWS::SMSVOICE`` types that exist only in a few Regions.

    - a warning (``sms-constructs:ResourceTypeNotInRegion``) when the stack's Region is known and not in ``regions``
      (a warning, not an error: the lists come from cfn-lint's region schemas, which can lag the rollout);
    - with ``unknown_to_cdk_validation``, an acknowledgement of the finding ``F3006`` ("Unknown resource type") of
      aws-cdk-lib's built-in template validation (``@aws-cdk/core:validateAgainstDefaultRules``): the schemas bundled
      with aws-cdk-lib 2.275 predate the type, although aws-cdk-lib generates its L1 and CloudFormation has it.
    """
    region = stack_region(resource)
    if not cdk.Token.is_unresolved(region) and region not in regions:
        cdk.Annotations.of(resource).add_warning_v2(
            "sms-constructs:ResourceTypeNotInRegion",
            f"{resource.cfn_resource_type} is only known in {', '.join(sorted(regions))} (cfn-lint 1.58.0 region "
            f"schemas); deploying it to {region} may fail with an unknown resource type.",
        )
    if unknown_to_cdk_validation:
        cdk.Validations.of(resource).acknowledge(
            cdk.Acknowledgment(
                id=CLOUDFORMATION_VALIDATE_UNKNOWN_TYPE,
                reason=(
                    f"{resource.cfn_resource_type} exists in CloudFormation (aws-cdk-lib 2.275 generates its L1; the "
                    "cfn-lint 1.58.0 registry schemas of us-east-1 and us-west-2 have it) but the resource schemas "
                    "bundled with aws-cdk-lib's built-in validation predate it. The Region is checked separately "
                    "(warning sms-constructs:ResourceTypeNotInRegion)."
                ),
            )
        )
