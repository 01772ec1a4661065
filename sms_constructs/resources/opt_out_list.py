"""``OptOutList``: the list of destination numbers that must not receive messages."""

from __future__ import annotations

import hashlib

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_smsvoice as smsvoice
import jsii
from aws_cdk.interfaces.aws_smsvoice import IOptOutListRef, OptOutListReference
from constructs import Construct

from .._private import arns
from .._private.arns import check_sms_arn, check_sms_id
from .._private.errors import ValidationError
from .._private.sdk_calls import OPTED_OUT_NUMBER_RECORDS, OPTED_OUT_NUMBER_TYPE, AccountProvider
from .._private.validation import check_e164, check_length, check_pattern, is_unresolved
from ._base import ResourcePolicyHolder, apply_removal_policy, format_sms_voice_arn, resource_name_from_arn

NAME_PATTERN = r"[A-Za-z0-9_-]+"


@jsii.implements(IOptOutListRef)
class OptOutListBase(cdk.Resource):
    """What an owned and an imported opt-out list have in common."""

    _name: str
    _arn: str
    _policy: ResourcePolicyHolder | None = None

    @property
    def opt_out_list_name(self) -> str:
        """The name of the opt-out list."""
        return self._name

    @property
    def opt_out_list_arn(self) -> str:
        """The ARN of the opt-out list."""
        return self._arn

    @property
    def opt_out_list_ref(self) -> OptOutListReference:
        """A reference to this opt-out list (``aws_cdk.interfaces.aws_smsvoice.IOptOutListRef``)."""
        return OptOutListReference(opt_out_list_name=self._name, opt_out_list_arn=self._arn)

    def add_to_resource_policy(self, statement: iam.PolicyStatement) -> iam.AddToResourcePolicyResult:
        """Add ``statement`` to the list's resource policy (one ``AWS::SMSVOICE::ResourcePolicy`` per list).

        Use it to share the list with another account (AWS RAM-style sharing of SMS resources). For an imported
        list known to be of another account or Region nothing is added (``statement_added=False``, warning
        ``sms-constructs:ResourcePolicyNotAdded``): only the owner can set its policy.
        """
        if self._policy is None:
            self._policy = ResourcePolicyHolder(self, self._arn)
        return self._policy.add(statement)

    def add_opted_out_number(self, phone_number: str, *, remove_on_delete: bool | None = None) -> cdk.CustomResource:
        """Put ``phone_number`` on the list at deploy time (``PutOptedOutNumber``), e.g. to carry opt-outs over from
        another system. CloudFormation has no property for the list's numbers.

        The number stays on the list when it leaves the stack, unless ``remove_on_delete=True``. The number is written
        in the template (the custom resource's ``OptedOutNumber`` property: the provider needs it at deploy time, and
        a template has no secret-typed property a custom resource could resolve), so the template holds personal
        data: it is in the CDK assets bucket and in ``cloudformation:GetTemplate``. It is never in a construct ID, a
        physical ID or the provider's logs (those carry a digest).

        :param phone_number: The number in E.164 format (``+14255550142``).
        :param remove_on_delete: Take the number off the list again (``DeleteOptedOutNumber``) when it leaves the
            stack — only if this resource put it there (it was not on the list before) and the recipient has not opted
            out themselves since; the service lets a number be deleted once every 30 days, and a refused removal
            leaves the number on the list. Default: ``False`` (an opt-out is never removed by the library).
        :returns: The custom resource (``Custom::SmsConstructsOptedOutNumber``).
        """
        check_e164(self, "phone_number", phone_number)
        if remove_on_delete is not None and not isinstance(remove_on_delete, bool):
            raise ValidationError(self, "remove_on_delete", "must be a bool", remove_on_delete)
        # The construct id and the physical ID carry a digest, not the number, so it shows in no console or event.
        digest = hashlib.sha256(phone_number.encode()).hexdigest()[:16] if not is_unresolved(phone_number) else None
        key = f"OptedOutNumber{digest or cdk.Names.unique_id(self)[-8:]}"
        if self.node.try_find_child(key) is not None:
            raise ValidationError(self, "phone_number", "is already added to this list", phone_number)
        provider = AccountProvider.of(self)
        provider.allow(
            iam.PolicyStatement(
                actions=[
                    "sms-voice:DescribeOptedOutNumbers",
                    "sms-voice:PutOptedOutNumber",
                    *(["sms-voice:DeleteOptedOutNumber"] if remove_on_delete else []),
                ],
                resources=[self.opt_out_list_arn],
            )
        )
        records = f"{OPTED_OUT_NUMBER_RECORDS}/{self.opt_out_list_name}"
        provider.allow_records(f"{records}/{digest}" if digest else f"{records}/*")
        properties = {"OptOutListName": self.opt_out_list_name, "OptedOutNumber": phone_number}
        if remove_on_delete:
            properties["RemoveOnDelete"] = "true"
        return provider.add_resource(self, key, resource_type=OPTED_OUT_NUMBER_TYPE, properties=properties)


class OptOutList(OptOutListBase):
    """An opt-out list (``AWS::SMSVOICE::OptOutList``).

    Numbers that reply STOP (or any opt-out keyword) to an origination identity that uses the list are added to it,
    and sends to them are refused with ``ConflictException`` ``DESTINATION_PHONE_NUMBER_OPTED_OUT``. Attach the list
    to phone numbers and pools with their ``opt_out_list`` prop.

    CloudFormation cannot add opted-out numbers; :meth:`OptOutList.add_opted_out_number` puts them on the list at
    deploy time and, unless asked to, never takes them off.

    Example::

        opt_outs = OptOutList(self, "OptOuts")
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        opt_out_list_name: str | None = None,
        removal_policy: cdk.RemovalPolicy | None = None,
    ) -> None:
        """
        :param opt_out_list_name: Name of the list: 1–64 characters of ``A-Z a-z 0-9 _ -``. Changing it replaces
            the list. Default: a name generated by CloudFormation.
        :param removal_policy: What happens to the list when it leaves the stack. Default: ``RemovalPolicy.RETAIN``
            (the list holds the opt-outs your recipients asked for; losing it means messaging people who said STOP).
        """
        super().__init__(scope, id, physical_name=opt_out_list_name)
        check_length(self, "opt_out_list_name", opt_out_list_name, 1, 64)
        check_pattern(self, "opt_out_list_name", opt_out_list_name, NAME_PATTERN, "letters, digits, '_' and '-'")

        self.resource = smsvoice.CfnOptOutList(self, "Resource", opt_out_list_name=opt_out_list_name)
        apply_removal_policy(self.resource, removal_policy)
        self._name = self._get_resource_name_attribute(self.resource.ref)
        self._arn = self._get_resource_arn_attribute(
            self.resource.attr_arn,
            service="sms-voice",
            resource="opt-out-list",
            resource_name=self._physical_name,
            arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
        )

    @staticmethod
    def from_opt_out_list_name(scope: Construct, id: str, opt_out_list_name: str) -> OptOutListBase:
        """Import an opt-out list of this stack's account and region by name."""
        check_sms_id(scope, id, "opt_out_list_name", opt_out_list_name, arns.OPT_OUT_LIST)
        return _ImportedOptOutList(
            scope, id, opt_out_list_name, format_sms_voice_arn(scope, "opt-out-list", opt_out_list_name)
        )

    @staticmethod
    def from_opt_out_list_arn(scope: Construct, id: str, opt_out_list_arn: str) -> OptOutListBase:
        """Import an opt-out list by ARN (``arn:aws:sms-voice:<region>:<account>:opt-out-list/<name>``).

        Raises ``ValidationError`` (naming the import's path and ``opt_out_list_arn``) for anything but an opt-out
        list ARN.
        """
        check_sms_arn(scope, id, "opt_out_list_arn", opt_out_list_arn, arns.OPT_OUT_LIST)
        return _ImportedOptOutList(scope, id, resource_name_from_arn(opt_out_list_arn), opt_out_list_arn)


class _ImportedOptOutList(OptOutListBase):
    def __init__(self, scope: Construct, id: str, name: str, arn: str) -> None:
        super().__init__(scope, id, environment_from_arn=arn)
        self._name = name
        self._arn = arn
