"""``Pool``: a group of phone numbers and sender IDs that messages are sent from as one origination identity."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_smsvoice as smsvoice
import jsii
from aws_cdk.interfaces.aws_smsvoice import IOptOutListRef, IPoolRef, PoolReference
from constructs import Construct, IValidation

from .._private import arns
from .._private.arns import check_sms_arn, check_sms_id
from .._private.errors import ValidationError
from ._base import (
    apply_removal_policy,
    check_same_region,
    format_sms_voice_arn,
    resolve_deletion_protection,
    resource_name_from_arn,
)
from .keywords import (
    MandatoryKeywords,
    OptionalKeyword,
    render_mandatory_keywords,
    render_optional_keywords,
    validate_mandatory_keywords,
    validate_optional_keywords,
)
from .origination_identity import (
    IPoolMember,
    OriginationIdentityBase,
    opt_out_list_identifier,
)
from .phone_number import PhoneNumberBase
from .two_way import TwoWayChannel, source_arn_patterns

#: Countries where the facts say shared routes are not allowed (``SharedRoutesEnabled``); the list is not exhaustive.
SHARED_ROUTES_NOT_ALLOWED = frozenset({"US"})


@jsii.implements(IPoolRef)
class PoolBase(OriginationIdentityBase):
    """What an owned and an imported pool have in common (attributes, grants, resource policy).

    A pool is an origination identity but not a pool member: pools cannot contain pools.
    """

    _pool_id: str

    @property
    def pool_id(self) -> str:
        """The ID of the pool (``pool-...``)."""
        return self._pool_id

    @property
    def pool_arn(self) -> str:
        """The ARN of the pool (``arn:aws:sms-voice:<region>:<account>:pool/<id>``)."""
        return self._identity_arn

    @property
    def pool_ref(self) -> PoolReference:
        """A reference to this pool (``aws_cdk.interfaces.aws_smsvoice.IPoolRef``)."""
        return PoolReference(pool_id=self._pool_id, pool_arn=self._identity_arn)


class Pool(PoolBase):
    """A pool of origination identities (``AWS::SMSVOICE::Pool``).

    Sending with the pool as ``OriginationIdentity`` lets the service pick a suitable member, so numbers can be
    added, rotated or fail over without changing application code. The pool has its own keywords, opt-out list and
    two-way settings. A phone number can belong to one pool only; a sender ID can belong to several.

    ``pool.grant_send_text_message(fn)`` grants ``sms-voice:SendTextMessage`` on the pool ARN only: a send through
    the pool names the pool, not the member the service picks (see ``OriginationIdentityBase``).

    Example::

        pool = Pool(self, "Pool",
            origination_identities=[number],
            keywords=MandatoryKeywords(help="Acme alerts. Reply STOP to opt out.", stop="You are unsubscribed."),
            opt_out_list=opt_outs,
        )
        pool.add_origination_identity(PhoneNumber.from_phone_number_arn(self, "ShortCode", short_code_arn))
        pool.grant_send_text_message(sender_function)
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        origination_identities: Sequence[IPoolMember],
        keywords: MandatoryKeywords,
        optional_keywords: Sequence[OptionalKeyword] | None = None,
        opt_out_list: IOptOutListRef | None = None,
        shared_routes_enabled: bool | None = None,
        self_managed_opt_outs_enabled: bool | None = None,
        two_way: TwoWayChannel | None = None,
        deletion_protection_enabled: bool | None = None,
        removal_policy: cdk.RemovalPolicy | None = None,
    ) -> None:
        """
        :param origination_identities: Phone numbers and sender IDs (owned or imported), each once; more can be
            added with ``add_origination_identity``. The pool needs at least one member by synth time. No default.
        :param keywords: Replies to HELP and STOP. No default: carriers require both.
        :param optional_keywords: Further keywords. Default: none.
        :param opt_out_list: Opt-out list of the pool. Default: the account's default opt-out list.
        :param shared_routes_enabled: Whether the service may send through shared routes when no member can
            reach the destination (not allowed in some countries, e.g. the US). Default: ``False``.
        :param self_managed_opt_outs_enabled: ``True`` if your application handles HELP/STOP and opt-outs itself.
            Default: ``False``.
        :param two_way: Where inbound messages go (``TwoWayChannel.sns_topic(topic)``; it applies to every number in
            the pool. A pool cannot take ``amazon_connect``, and a number with ``TwoWayChannel.amazon_connect`` cannot
            join any pool: Amazon Connect imports phone numbers only). Default: two-way SMS off.
        :param deletion_protection_enabled: Whether the service refuses to delete the pool (not inherited from the
            members). Default: ``True``, or ``False`` when ``removal_policy`` is ``DESTROY``.
        :param removal_policy: What happens to the pool when it leaves the stack. Default: ``RemovalPolicy.RETAIN``.
        """
        super().__init__(scope, id)
        self._members: list[IPoolMember] = []
        self._shared_routes_enabled = bool(shared_routes_enabled)
        validate_mandatory_keywords(self, keywords)
        validate_optional_keywords(self, optional_keywords)
        if two_way is not None and not isinstance(two_way, TwoWayChannel):
            raise ValidationError(
                self, "two_way", "must be a TwoWayChannel, e.g. TwoWayChannel.sns_topic(topic)", two_way
            )
        for identity in origination_identities:
            self.add_origination_identity(identity)
        if self_managed_opt_outs_enabled:
            cdk.Annotations.of(self).add_warning_v2(
                "sms-constructs:SelfManagedOptOuts",
                "self_managed_opt_outs_enabled=True: your application must answer HELP and STOP and honour opt-outs.",
            )
        deletion_protection = resolve_deletion_protection(self, deletion_protection_enabled, removal_policy)

        bound = two_way._bind(self, source_arn_patterns(self, "pool", "phone-number")) if two_way else None
        self.resource = smsvoice.CfnPool(
            self,
            "Resource",
            origination_identities=cdk.Lazy.list(_MemberArns(self._members)),
            mandatory_keywords=render_mandatory_keywords(
                keywords, smsvoice.CfnPool.MandatoryKeywordsProperty, smsvoice.CfnPool.MandatoryKeywordProperty
            ),
            optional_keywords=render_optional_keywords(optional_keywords, smsvoice.CfnPool.OptionalKeywordProperty),
            opt_out_list_name=opt_out_list_identifier(self, opt_out_list),
            shared_routes_enabled=shared_routes_enabled,
            self_managed_opt_outs_enabled=self_managed_opt_outs_enabled,
            deletion_protection_enabled=deletion_protection,
        )
        if bound:
            self.resource.two_way = bound.render(smsvoice.CfnPool.TwoWayProperty, self.resource)
        apply_removal_policy(self.resource, removal_policy)
        self.node.add_validation(_HasMembers(self))

        #: The IAM role the service assumes to publish inbound messages, when two-way SMS is on.
        self.two_way_role = bound.role if bound else None
        self._pool_id = self.resource.attr_pool_id
        self._identity_arn = self.resource.attr_arn

    @property
    def origination_identities(self) -> list[IPoolMember]:
        """The members of the pool, in the order they were given."""
        return list(self._members)

    def add_origination_identity(self, identity: IPoolMember) -> None:
        """Add a phone number or sender ID (owned or imported) to the pool.

        Raises ``ValidationError`` for a pool (pools cannot contain pools), for a member given twice, for a member
        in another Region (a member of another account, shared with this one, is fine), for a literal member ARN
        the service would refuse, and for a phone number that another pool in the app already holds (a number
        belongs to one pool only).
        """
        index = len(self._members)
        prop = f"origination_identities[{index}]"
        if isinstance(identity, PoolBase) or not hasattr(identity, "pool_member_arn"):
            raise ValidationError(
                self,
                prop,
                "must be a phone number or a sender ID (PhoneNumber, SenderId or their imports); a pool cannot be "
                "a member of a pool",
                _describe(identity),
            )
        arn = identity.pool_member_arn
        _check_member_arn(self, prop, arn)
        check_same_region(self, prop, identity)  # type: ignore[arg-type]  # every member is an environment-aware Resource
        for existing in self._members:
            same_literal = not cdk.Token.is_unresolved(arn) and arn == existing.pool_member_arn
            if existing is identity or same_literal:
                raise ValidationError(self, prop, "members must be unique; duplicate", _describe(identity))
        if isinstance(identity, PhoneNumberBase):
            holder = identity._pool_path
            if holder is not None and holder != self.node.path:
                raise ValidationError(
                    self,
                    prop,
                    f"a phone number belongs to one pool only; it is already in {holder}",
                    identity.node.path,
                )
            if identity._connect_two_way:
                raise ValidationError(
                    self,
                    prop,
                    "a phone number whose two-way destination is Amazon Connect (TwoWayChannel.amazon_connect) cannot "
                    "join a pool: the pool's two-way settings apply to every number in it, and UpdatePhoneNumber, "
                    "which points the number at Connect, refuses a number in a pool; keep the number out of the pool",
                    identity.node.path,
                )
            identity._pool_path = self.node.path
        country = getattr(identity, "iso_country_code", None)
        if self._shared_routes_enabled and isinstance(country, str) and country in SHARED_ROUTES_NOT_ALLOWED:
            cdk.Annotations.of(self).add_warning_v2(
                "sms-constructs:SharedRoutesNotAllowed",
                f"shared_routes_enabled=True on a pool with a {country} member: shared routes are not allowed in "
                "some countries, including the US.",
            )
        self._members.append(identity)

    @staticmethod
    def from_pool_arn(scope: Construct, id: str, pool_arn: str) -> PoolBase:
        """Import a pool by ARN (``arn:aws:sms-voice:<region>:<account>:pool/<id>``); env comes from the ARN.

        Raises ``ValidationError`` (naming the import's path and ``pool_arn``) for anything but a pool ARN.
        """
        check_sms_arn(scope, id, "pool_arn", pool_arn, arns.POOL)
        return _ImportedPool(scope, id, pool_arn, resource_name_from_arn(pool_arn))

    @staticmethod
    def from_pool_id(scope: Construct, id: str, pool_id: str) -> PoolBase:
        """Import a pool of this stack's account and Region by ID (``pool-...``)."""
        check_sms_id(scope, id, "pool_id", pool_id, arns.POOL)
        return _ImportedPool(scope, id, format_sms_voice_arn(scope, "pool", pool_id), pool_id)


class _ImportedPool(PoolBase):
    def __init__(self, scope: Construct, id: str, arn: str, pool_id: str) -> None:
        super().__init__(scope, id, environment_from_arn=arn)
        self._identity_arn = arn
        self._pool_id = pool_id


@jsii.implements(cdk.IStableListProducer)
class _MemberArns:
    def __init__(self, members: list[IPoolMember]) -> None:
        self._members = members

    def produce(self) -> list[str] | None:
        return [member.pool_member_arn for member in self._members]


@jsii.implements(IValidation)
class _HasMembers:
    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    def validate(self) -> list[str]:
        if self._pool.origination_identities:
            return []
        error = ValidationError(
            self._pool,
            "origination_identities",
            "a pool needs at least one phone number or sender ID (add one with add_origination_identity)",
            [],
        )
        return [str(error)]


#: An ``OriginationIdentities`` item: CloudFormation wants 20–256 characters matching ``^arn:\S+``, and the
#: service's ``AssociateOriginationIdentity`` an ARN of ``[A-Za-z0-9_:/-]`` characters.
MEMBER_ARN_PATTERN = r"arn:[A-Za-z0-9_:/-]+"


def _check_member_arn(scope: Pool, prop: str, arn: str) -> None:
    if cdk.Token.is_unresolved(arn):
        return
    if not 20 <= len(arn) <= 256:
        raise ValidationError(scope, prop, f"the member ARN must be 20 to 256 characters (it has {len(arn)})", arn)
    if re.fullmatch(MEMBER_ARN_PATTERN, arn) is None:
        raise ValidationError(scope, prop, f"the member ARN must match {MEMBER_ARN_PATTERN}", arn)


def _describe(identity: Any) -> str:
    node = getattr(identity, "node", None)
    return str(node.path) if node is not None else repr(identity)
