"""``SenderId``: an alphanumeric sender ID, in the countries that allow them without registration."""

from __future__ import annotations

import re

import aws_cdk as cdk
import aws_cdk.aws_smsvoice as smsvoice
import jsii
from aws_cdk.interfaces.aws_smsvoice import ISenderIdRef, SenderIdReference
from constructs import Construct

from .._private import arns
from .._private.arns import check_sms_arn, check_sms_id
from .._private.errors import ValidationError
from .._private.stacks import stack_of
from .._private.validation import check_length
from ._base import SMS_VOICE_SERVICE, apply_removal_policy, resolve_deletion_protection
from .origination_identity import OriginationIdentityBase, check_iso_country_code
from .sender_id_countries import SENDER_ID_NOT_SUPPORTED, SENDER_ID_REGISTRATION_REQUIRED

#: ``SenderId`` in CloudFormation: upper-case letters, digits, ``_`` and ``-`` (the API also allows lower case).
SENDER_ID_PATTERN = r"[A-Z0-9_-]+"


@jsii.implements(ISenderIdRef)
class SenderIdBase(OriginationIdentityBase):
    """What an owned and an imported sender ID have in common (attributes, grants, resource policy)."""

    _sender_id: str
    _iso_country_code: str

    @property
    def sender_id(self) -> str:
        """The sender ID (e.g. ``ACME``)."""
        return self._sender_id

    @property
    def iso_country_code(self) -> str:
        """The country the sender ID is registered for (ISO 3166-1 alpha-2)."""
        return self._iso_country_code

    @property
    def sender_id_arn(self) -> str:
        """The ARN (``arn:aws:sms-voice:<region>:<account>:sender-id/<SenderId>/<IsoCountryCode>``)."""
        return self._identity_arn

    @property
    def pool_member_arn(self) -> str:
        """The ARN a pool lists for this sender ID (its sender ID ARN)."""
        return self._identity_arn

    @property
    def sender_id_ref(self) -> SenderIdReference:
        """A reference to this sender ID (``aws_cdk.interfaces.aws_smsvoice.ISenderIdRef``)."""
        return SenderIdReference(
            iso_country_code=self._iso_country_code, sender_id=self._sender_id, sender_id_arn=self._identity_arn
        )


class SenderId(SenderIdBase):
    """A sender ID requested through CloudFormation (``AWS::SMSVOICE::SenderId``).

    CloudFormation requests sender IDs that need no registration; countries that require a registered sender ID
    (e.g. India) need the registration first. The resource's ``Ref`` is ``<IsoCountryCode>|<SenderId>``; the ARN
    comes from ``GetAtt Arn``.

    Example::

        sender = SenderId(self, "Sender", sender_id="ACME", iso_country_code="DE")
        sender.grant_send_text_message(sender_function)
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        sender_id: str,
        iso_country_code: str,
        deletion_protection_enabled: bool | None = None,
        removal_policy: cdk.RemovalPolicy | None = None,
    ) -> None:
        """
        :param sender_id: 1–11 characters of ``A-Z 0-9 _ -`` (upper case only in CloudFormation), with at least
            one letter and no leading or trailing hyphen (the service's rules). Changing it replaces the sender ID.
            No default.
        :param iso_country_code: Country the sender ID is used in, ISO 3166-1 alpha-2 (e.g. ``"DE"``). Changing it
            replaces the sender ID. No default.
        :param deletion_protection_enabled: Whether the service refuses to release the sender ID. Default: ``True``,
            or ``False`` when ``removal_policy`` is ``DESTROY``.
        :param removal_policy: What happens to the sender ID when it leaves the stack. Default:
            ``RemovalPolicy.RETAIN``.
        """
        super().__init__(scope, id)
        check_length(self, "sender_id", sender_id, 1, 11)
        _check_sender_id_characters(self, sender_id)
        check_iso_country_code(self, iso_country_code)
        _check_sender_id_country(self, iso_country_code)
        deletion_protection = resolve_deletion_protection(self, deletion_protection_enabled, removal_policy)

        self.resource = smsvoice.CfnSenderId(
            self,
            "Resource",
            sender_id=sender_id,
            iso_country_code=iso_country_code,
            deletion_protection_enabled=deletion_protection,
        )
        apply_removal_policy(self.resource, removal_policy)
        reference = self.resource.sender_id_ref  # splits Ref "<IsoCountryCode>|<SenderId>"
        self._sender_id = reference.sender_id
        self._iso_country_code = reference.iso_country_code
        self._identity_arn = self.resource.attr_arn

    @staticmethod
    def from_sender_id_attributes(scope: Construct, id: str, *, sender_id: str, iso_country_code: str) -> SenderIdBase:
        """Import a sender ID of this stack's account and Region.

        :param sender_id: The sender ID. No default.
        :param iso_country_code: Its country (ISO 3166-1 alpha-2). No default.
        """
        check_sms_id(scope, id, "sender_id", sender_id, arns.SENDER_ID_VALUE)
        check_sms_id(scope, id, "iso_country_code", iso_country_code, arns.ISO_COUNTRY_CODE)
        arn = stack_of(scope).format_arn(
            service=SMS_VOICE_SERVICE,
            resource="sender-id",
            resource_name=f"{sender_id}/{iso_country_code}",
            arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
        )
        return _ImportedSenderId(scope, id, arn, sender_id, iso_country_code)

    @staticmethod
    def from_sender_id_arn(scope: Construct, id: str, sender_id_arn: str) -> SenderIdBase:
        """Import a sender ID by ARN (``arn:aws:sms-voice:<region>:<account>:sender-id/<SenderId>/<IsoCountryCode>``).

        The import takes its account and Region from the ARN, which must be a sender ID ARN (``ValidationError``
        otherwise, naming the import's path and ``sender_id_arn``).
        """
        check_sms_arn(scope, id, "sender_id_arn", sender_id_arn, arns.SENDER_ID)
        name = cdk.Arn.split(sender_id_arn, cdk.ArnFormat.SLASH_RESOURCE_NAME).resource_name or ""
        if cdk.Token.is_unresolved(name):
            parts = cdk.Fn.split("/", name, 2)
            sender_id, iso_country_code = cdk.Fn.select(0, parts), cdk.Fn.select(1, parts)
        else:
            sender_id, _, iso_country_code = name.partition("/")
        return _ImportedSenderId(scope, id, sender_id_arn, sender_id, iso_country_code)


class _ImportedSenderId(SenderIdBase):
    def __init__(self, scope: Construct, id: str, arn: str, sender_id: str, iso_country_code: str) -> None:
        super().__init__(scope, id, environment_from_arn=arn)
        self._identity_arn = arn
        self._sender_id = sender_id
        self._iso_country_code = iso_country_code


def _check_sender_id_country(scope: Construct, iso_country_code: str) -> None:
    if cdk.Token.is_unresolved(iso_country_code):
        return
    if iso_country_code in SENDER_ID_NOT_SUPPORTED:
        raise ValidationError(
            scope,
            "iso_country_code",
            "sender IDs are not supported in this country (AWS End User Messaging SMS, supported countries table, "
            "column 'SMS Sender IDs'; see sms_constructs.resources.sender_id_countries); send from a phone number "
            "(PhoneNumber) there",
            iso_country_code,
        )
    if iso_country_code in SENDER_ID_REGISTRATION_REQUIRED:
        cdk.Annotations.of(scope).add_warning_v2(
            "sms-constructs:SenderIdRegistrationRequired",
            f"Sender IDs in {iso_country_code} must be registered before they can send (AWS End User Messaging SMS, "
            "supported countries table: 'Registration required'); register it, or messages will be refused.",
        )


def _check_sender_id_characters(scope: Construct, sender_id: str) -> None:
    if cdk.Token.is_unresolved(sender_id):
        return
    if sender_id.upper() != sender_id and sender_id.upper().isascii():
        raise ValidationError(
            scope,
            "sender_id",
            f"must be upper case in CloudFormation (must match ^{SENDER_ID_PATTERN}$); use {sender_id.upper()!r}",
            sender_id,
        )
    if re.fullmatch(SENDER_ID_PATTERN, sender_id) is None:
        raise ValidationError(
            scope, "sender_id", f"must match ^{SENDER_ID_PATTERN}$ (letters A-Z, digits, '_' and '-')", sender_id
        )
    # RequestSenderId (API reference): "must contain at least one letter and cannot start or end with a hyphen".
    if not any(character.isalpha() for character in sender_id):
        raise ValidationError(scope, "sender_id", "must contain at least one letter (A-Z)", sender_id)
    if sender_id.startswith("-") or sender_id.endswith("-"):
        raise ValidationError(scope, "sender_id", "must not start or end with a hyphen", sender_id)
