"""The interface shared by everything that can be the ``OriginationIdentity`` of a send."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
from aws_cdk.interfaces.aws_smsvoice import IOptOutListRef
from constructs import IConstruct

from .._private.errors import ValidationError
from .._private.stacks import resource_env, stack_of
from .._private.stacks import stack_account as stack_account_of
from .._private.validation import check_length, check_pattern
from ._base import (
    SMS_VOICE_SERVICE,
    ResourcePolicyHolder,
    check_same_region,
    check_sms_voice_actions,
)
from .countries import check_country_code, known_country_codes


@runtime_checkable
class IOriginationIdentity(IConstruct, Protocol):
    """A phone number, sender ID or pool (created here or imported) that messages can be sent from.

    ``SendTextMessage`` accepts the ARN as ``OriginationIdentity``; the ARN is also what pools list as members and
    what IAM policies are scoped to.
    """

    @property
    def origination_identity_arn(self) -> str:
        """ARN to pass as ``OriginationIdentity`` and to scope IAM policies to."""
        ...

    def grant_send_text_message(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``grantee`` to send text messages from this identity (``sms-voice:SendTextMessage`` on its ARN)."""
        ...


@runtime_checkable
class IPoolMember(IOriginationIdentity, Protocol):
    """An origination identity that can be a member of a pool: a phone number or a sender ID (owned or imported).

    Pools are origination identities too, but a pool cannot be a member of another pool; they do not implement
    this interface.
    """

    @property
    def pool_member_arn(self) -> str:
        """The ARN a pool lists in ``OriginationIdentities`` (the phone number or sender ID ARN)."""
        ...


#: The IAM action that sends a text message from an origination identity.
SEND_TEXT_MESSAGE_ACTION = "sms-voice:SendTextMessage"


class OriginationIdentityBase(cdk.Resource):
    """What every phone number, sender ID and pool (owned or imported) has in common: grants and resource policy.

    **Identity-based grants** (``grant_send_text_message``, ``grant``) add a statement to the grantee's IAM policy
    scoped to this identity's ARN. The Service Authorization Reference for *AWS End User Messaging SMS and Voice V2*
    lists, for ``sms-voice:SendTextMessage``, the resource types ``ConfigurationSet``, ``PhoneNumber``, ``Pool``,
    ``ProtectConfiguration`` and ``SenderId`` (none of them required): the request is authorized against the
    resources it names, i.e. the ``OriginationIdentity`` and, when given, the ``ConfigurationSetName`` and
    ``ProtectConfigurationId``. Sending with a configuration set therefore also needs the grant on the configuration
    set (``ConfigurationSet.grant_send_text_message``). A send through a pool names only the pool; the member the
    service picks is not part of the request, so the pool grant is scoped to the pool ARN alone and does not let
    the grantee send from the members directly.

    **Resource policies** (``add_to_resource_policy``, ``grant_use``) are the other direction: they let another
    account, or a service such as Amazon SNS or Amazon Pinpoint, use the identity. Since 2024-09-24 origination
    identities created for use by SNS or Pinpoint need such a policy ("A Guide to the New Resource Policies for SMS
    Origination Identities", AWS Messaging blog). A resource has at most one ``AWS::SMSVOICE::ResourcePolicy``;
    every statement goes into it.
    """

    _identity_arn: str
    _policy: ResourcePolicyHolder | None = None

    @property
    def origination_identity_arn(self) -> str:
        """ARN to pass as ``OriginationIdentity`` to ``SendTextMessage`` and to scope IAM policies to."""
        return self._identity_arn

    def grant(self, grantee: iam.IGrantable, *actions: str) -> iam.Grant:
        """Allow ``grantee`` the ``sms-voice:`` ``actions`` on this identity's ARN (identity-based policy).

        :param grantee: The principal to grant to (a role, a function, ...).
        :param actions: ``sms-voice:`` actions, e.g. ``"sms-voice:SendTextMessage"``.
        """
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=check_sms_voice_actions(self, actions), resource_arns=[self._identity_arn]
        )

    def grant_send_text_message(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``grantee`` to send text messages from this identity (``sms-voice:SendTextMessage`` on its ARN)."""
        return self.grant(grantee, SEND_TEXT_MESSAGE_ACTION)

    def add_to_resource_policy(self, statement: iam.PolicyStatement) -> iam.AddToResourcePolicyResult:
        """Add ``statement`` to the identity's resource policy (one ``AWS::SMSVOICE::ResourcePolicy`` per resource).

        Only the account that owns the identity can set its policy: on an imported identity this works when it
        belongs to the stack's account and Region (e.g. a short code provisioned outside CloudFormation). For an
        identity known to be of another account or Region nothing is added: the result has
        ``statement_added=False`` and the warning ``sms-constructs:ResourcePolicyNotAdded`` is raised.
        """
        if self._policy is None:
            self._policy = ResourcePolicyHolder(self, self._identity_arn)
        return self._policy.add(statement)

    def grant_use(
        self,
        principal: iam.IPrincipal,
        *,
        actions: Sequence[str] | None = None,
        source_account: str | None = None,
    ) -> iam.AddToResourcePolicyResult:
        """Let another account or an AWS service send from this identity, through its resource policy.

        Typical uses: ``iam.ServicePrincipal("sns.amazonaws.com")`` so Amazon SNS can send SMS from the identity, or
        ``iam.AccountPrincipal("444455556666")`` to share it with another account (that account must still grant
        its own principals ``sms-voice:SendTextMessage`` and must pass the full ARN as ``OriginationIdentity``).

        :param principal: Who may use the identity. Public principals (``*``) are rejected.
        :param actions: The ``sms-voice:`` actions to allow. Default: ``["sms-voice:SendTextMessage"]``.
        :param source_account: For a service principal (also one wrapped with ``with_conditions``), the account on
            whose behalf the service may act, set as an ``aws:SourceAccount`` condition (confused-deputy
            protection). Default: this stack's account; ignored for other principals and for a principal whose own
            conditions already set ``aws:SourceAccount``.
        """
        allowed = list(actions) if actions is not None else [SEND_TEXT_MESSAGE_ACTION]
        bad = [a for a in allowed if not a.startswith(f"{SMS_VOICE_SERVICE}:")]
        if not allowed or bad:
            raise ValidationError(self, "actions", "give one or more 'sms-voice:' actions", allowed)
        if _is_public(self, principal):
            raise ValidationError(
                self, "principal", "origination identities must not be shared publicly ('*')", str(principal)
            )
        conditions: dict[str, Any] | None = None
        if _is_service_principal(self, principal) and not _has_source_account(self, principal):
            conditions = {"StringEquals": {"aws:SourceAccount": source_account or stack_account_of(self)}}
        return self.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[principal], actions=allowed, resources=[self._identity_arn], conditions=conditions
            )
        )


def _is_service_principal(scope: IConstruct, principal: iam.IPrincipal) -> bool:
    """True for principals that render as ``{"Service": ...}`` only (``ServicePrincipal``, also with conditions)."""
    rendered = stack_of(scope).resolve(principal.policy_fragment.principal_json)
    return isinstance(rendered, dict) and set(rendered) == {"Service"}


def _has_source_account(scope: IConstruct, principal: iam.IPrincipal) -> bool:
    conditions = stack_of(scope).resolve(principal.policy_fragment.conditions) or {}
    return any(isinstance(keys, dict) and "aws:SourceAccount" in keys for keys in conditions.values())


def _is_public(scope: IConstruct, principal: iam.IPrincipal) -> bool:
    if isinstance(principal, iam.AnyPrincipal | iam.StarPrincipal):
        return True
    rendered = stack_of(scope).resolve(principal.policy_fragment.principal_json)
    return any("*" in values for values in rendered.values()) if isinstance(rendered, dict) else False


# ---------------------------------------------------------------------------------------------------------------
# Helpers shared by PhoneNumber, SenderId and Pool (library internal).

#: ``IsoCountryCode`` of phone numbers and sender IDs: ISO 3166-1 alpha-2.
ISO_COUNTRY_CODE_PATTERN = r"[A-Z]{2}"


def check_iso_country_code(scope: IConstruct, value: str) -> None:
    """Raise unless ``value`` is the ISO 3166-1 alpha-2 code of a supported destination (``check_country_code``)."""
    check_country_code(scope, "iso_country_code", value, known_country_codes(scope))


#: ``OptOutListName`` of phone numbers and pools: a name or an ARN (CloudFormation: 1–256 characters).
OPT_OUT_LIST_IDENTIFIER_PATTERN = r"[A-Za-z0-9_:/-]+"


def opt_out_list_identifier(scope: IConstruct, opt_out_list: IOptOutListRef | None) -> str | None:
    """``OptOutListName`` for ``opt_out_list``: its name, or its ARN when it belongs to another account.

    Raises when the list is in another Region (opt-out lists are regional; its name would name another list, or
    none, here) and when the value to render (an imported name or ARN) breaks the CloudFormation pattern or length.
    """
    if opt_out_list is None:
        return None
    check_same_region(scope, "opt_out_list", opt_out_list)
    ref = opt_out_list.opt_out_list_ref
    list_account = resource_env(opt_out_list)[0]
    stack_account = stack_account_of(scope)
    known = not cdk.Token.is_unresolved(list_account) and not cdk.Token.is_unresolved(stack_account)
    identifier = ref.opt_out_list_arn if known and list_account != stack_account else ref.opt_out_list_name
    check_length(scope, "opt_out_list", identifier, 1, 256)
    check_pattern(scope, "opt_out_list", identifier, OPT_OUT_LIST_IDENTIFIER_PATTERN, "an opt-out list name or ARN")
    return identifier
