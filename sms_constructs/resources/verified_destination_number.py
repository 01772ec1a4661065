"""``VerifiedDestinationNumber``: a destination number a sandbox account may send to once it is verified."""

from __future__ import annotations

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_smsvoice as smsvoice
import jsii
from aws_cdk.interfaces.aws_smsvoice import (
    IConfigurationSetRef,
    IVerifiedDestinationNumberRef,
    VerifiedDestinationNumberReference,
)
from constructs import Construct

from .._private.arns import VERIFIED_DESTINATION_NUMBER, check_sms_arn
from .._private.errors import ValidationError
from .._private.validation import check_e164
from ._base import (
    NEWER_TYPE_REGIONS,
    apply_removal_policy,
    check_sms_voice_actions,
    newer_resource_type,
    resource_name_from_arn,
)
from .origination_identity import IOriginationIdentity, OriginationIdentityBase

#: The ARN resource type of verified destination numbers.
RESOURCE_TYPE = "verified-destination-number"
#: Submits the code; it accepts the ``VerifiedDestinationNumber`` resource type (required).
VERIFY_ACTION = "sms-voice:VerifyDestinationNumber"
#: Sends the code; it accepts ``ConfigurationSet``, ``PhoneNumber``, ``Pool`` and ``SenderId``, not the number.
SEND_CODE_ACTION = "sms-voice:SendDestinationNumberVerificationCode"
#: Warning id of ``grant_verify`` when it cannot grant sending the code.
CODE_NOT_GRANTED_WARNING = "sms-constructs:VerificationCodeNotGranted"


@jsii.implements(IVerifiedDestinationNumberRef)
class VerifiedDestinationNumberBase(cdk.Resource):
    """What an owned and an imported verified destination number have in common."""

    _arn: str
    _id: str

    @property
    def verified_destination_number_arn(self) -> str:
        """The ARN of the verified destination number (its ``Ref``)."""
        return self._arn

    @property
    def verified_destination_number_id(self) -> str:
        """The ID of the verified destination number, to pass to ``SendDestinationNumberVerificationCode``."""
        return self._id

    @property
    def verified_destination_number_ref(self) -> VerifiedDestinationNumberReference:
        """A reference to this number (``aws_cdk.interfaces.aws_smsvoice.IVerifiedDestinationNumberRef``)."""
        return VerifiedDestinationNumberReference(verified_destination_number_arn=self._arn)

    def grant(self, grantee: iam.IGrantable, *actions: str) -> iam.Grant:
        """Allow ``grantee`` the ``sms-voice:`` ``actions`` on this number's ARN."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=check_sms_voice_actions(self, actions), resource_arns=[self._arn]
        )

    def grant_verify(
        self,
        grantee: iam.IGrantable,
        *,
        origination_identity: IOriginationIdentity | None = None,
        configuration_set: IConfigurationSetRef | None = None,
    ) -> iam.Grant:
        """Allow ``grantee`` to finish the verification of this number.

        Grants ``sms-voice:VerifyDestinationNumber`` (submit the code the recipient read out) on this number's ARN.
        With ``origination_identity`` or ``configuration_set`` it also grants sending the code
        (``grant_send_verification_code``). ``SendDestinationNumberVerificationCode`` has no
        ``VerifiedDestinationNumber`` resource type in the Service Authorization Reference: it is authorized on the
        origination identity and the configuration set the request names, so without either the code cannot be
        granted here and the warning ``sms-constructs:VerificationCodeNotGranted`` is raised.

        :param grantee: The principal to grant to (e.g. the role of a small operator tool).
        :param origination_identity: The phone number, sender ID or pool the code is sent from (the request's
            ``OriginationIdentity``). Default: none (the code is not granted unless ``configuration_set`` is given).
        :param configuration_set: The configuration set the request names (``ConfigurationSetName``). Default: none.
        """
        grant = self.grant(grantee, VERIFY_ACTION)
        if origination_identity is None and configuration_set is None:
            cdk.Annotations.of(self).add_warning_v2(
                CODE_NOT_GRANTED_WARNING,
                "grant_verify granted sms-voice:VerifyDestinationNumber only: sending the code "
                "(SendDestinationNumberVerificationCode) is authorized on the origination identity and configuration "
                "set the request names; pass origination_identity= (and configuration_set=) to grant it.",
            )
            return grant
        return grant.combine(
            self.grant_send_verification_code(
                grantee, origination_identity=origination_identity, configuration_set=configuration_set
            )
        )

    def grant_send_verification_code(
        self,
        grantee: iam.IGrantable,
        *,
        origination_identity: IOriginationIdentity | None = None,
        configuration_set: IConfigurationSetRef | None = None,
    ) -> iam.Grant:
        """Allow ``grantee`` to send this number its one-time code through one origination identity.

        Grants ``sms-voice:SendDestinationNumberVerificationCode`` on the ARN of ``origination_identity`` and of
        ``configuration_set``: the resource types the action accepts are ``ConfigurationSet``, ``PhoneNumber``,
        ``Pool`` and ``SenderId`` (not the verified number, and not an RCS agent). The request must then name them
        (``OriginationIdentity``, ``ConfigurationSetName``). The grant is not limited to this number: IAM cannot
        scope the action to it.

        :param grantee: The principal to grant to.
        :param origination_identity: The phone number, sender ID or pool the code is sent from. Default: none (then
            ``configuration_set`` is required).
        :param configuration_set: The configuration set the request names. Default: none (then
            ``origination_identity`` is required).
        """
        arns: list[str] = []
        if origination_identity is not None:
            if not isinstance(origination_identity, OriginationIdentityBase):
                raise ValidationError(
                    self,
                    "origination_identity",
                    "must be a phone number, sender ID or pool: SendDestinationNumberVerificationCode accepts no other "
                    "origination identity resource type",
                    origination_identity.node.path,
                )
            arns.append(origination_identity.origination_identity_arn)
        if configuration_set is not None:
            arns.append(configuration_set.configuration_set_ref.configuration_set_arn)
        if not arns:
            raise ValidationError(
                self,
                "origination_identity",
                "give origination_identity or configuration_set: IAM cannot scope "
                "SendDestinationNumberVerificationCode to a verified destination number",
                None,
            )
        return iam.Grant.add_to_principal(grantee=grantee, actions=[SEND_CODE_ACTION], resource_arns=arns)


class VerifiedDestinationNumber(VerifiedDestinationNumberBase):
    """A destination phone number to verify (``AWS::SMSVOICE::VerifiedDestinationNumber``).

    While an account is in the SMS sandbox it can only send to verified destination numbers (at most 10). CloudFormation
    creates the number in status ``PENDING``; it becomes ``VERIFIED`` only when someone who holds the phone enters the
    one-time code: call ``SendDestinationNumberVerificationCode`` with ``verified_destination_number_id``, then
    ``VerifyDestinationNumber`` with the code (or use the console). That step stays manual, and a verified number can
    only be deleted 24 hours after it was added.

    Example::

        tester = VerifiedDestinationNumber(self, "Tester", destination_phone_number="+14255550142")
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        destination_phone_number: str,
        removal_policy: cdk.RemovalPolicy | None = None,
    ) -> None:
        """
        :param destination_phone_number: The number to verify, in E.164 format (``+`` then 2–15 digits, the country
            code first, e.g. ``"+14255550142"``). Changing it replaces the resource. No default.
        :param removal_policy: What happens to the verified number when it leaves the stack. Default:
            ``RemovalPolicy.RETAIN`` (verifying again needs the person holding the phone).
        """
        super().__init__(scope, id)
        check_e164(self, "destination_phone_number", destination_phone_number)
        self.resource = smsvoice.CfnVerifiedDestinationNumber(
            self, "Resource", destination_phone_number=destination_phone_number
        )
        apply_removal_policy(self.resource, removal_policy)
        newer_resource_type(self.resource, NEWER_TYPE_REGIONS, unknown_to_cdk_validation=False)
        self._arn = self.resource.attr_verified_destination_number_arn
        self._id = self.resource.attr_verified_destination_number_id

    @property
    def status(self) -> str:
        """``PENDING``, ``VERIFIED`` or ``UNSUPPORTED`` as CloudFormation read it (``GetAtt Status``, a token)."""
        return self.resource.attr_status

    @staticmethod
    def from_verified_destination_number_arn(
        scope: Construct, id: str, verified_destination_number_arn: str
    ) -> VerifiedDestinationNumberBase:
        """Import a verified destination number by ARN.

        The ARN looks like ``arn:aws:sms-voice:<region>:<account>:verified-destination-number/<id>``.

        The ID is the last part of the ARN; the account and Region are taken from it.
        """
        check_sms_arn(
            scope, id, "verified_destination_number_arn", verified_destination_number_arn, VERIFIED_DESTINATION_NUMBER
        )
        return _ImportedVerifiedDestinationNumber(
            scope, id, verified_destination_number_arn, resource_name_from_arn(verified_destination_number_arn)
        )


class _ImportedVerifiedDestinationNumber(VerifiedDestinationNumberBase):
    def __init__(self, scope: Construct, id: str, arn: str, number_id: str) -> None:
        super().__init__(scope, id, environment_from_arn=arn)
        self._arn = arn
        self._id = number_id
