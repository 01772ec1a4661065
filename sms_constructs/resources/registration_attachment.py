"""``RegistrationAttachment``: a document or image a registration form refers to (opt-in screenshot, terms, ...)."""

from __future__ import annotations

import os
from pathlib import Path

import aws_cdk as cdk
import aws_cdk.aws_s3 as s3
import aws_cdk.aws_s3_assets as s3_assets
import aws_cdk.aws_smsvoice as smsvoice
import jsii
from aws_cdk.interfaces.aws_smsvoice import IRegistrationAttachmentRef, RegistrationAttachmentReference
from constructs import Construct

from .._private.arns import REGISTRATION_ATTACHMENT, check_sms_arn, check_sms_id
from .._private.errors import ValidationError
from .._private.validation import check_length
from ._base import (
    NEWER_TYPE_REGIONS,
    apply_removal_policy,
    format_sms_voice_arn,
    newer_resource_type,
    resource_name_from_arn,
)

#: The ARN resource type of registration attachments.
RESOURCE_TYPE = "registration-attachment"
#: The largest attachment the API accepts (``CreateRegistrationAttachment`` ``AttachmentBody``: 1,572,864 bytes).
MAX_ATTACHMENT_BYTES = 1_572_864
#: The file types the user guide lists for registration attachments (PDF, JPEG, PNG); MMS samples also take GIF.
ATTACHMENT_EXTENSIONS = frozenset({".pdf", ".jpg", ".jpeg", ".png", ".gif"})


class AttachmentSource:
    """Where the content of a ``RegistrationAttachment`` comes from.

    CloudFormation reads the file from S3 (``AttachmentUrl``) when it creates the attachment, with the deployment's
    credentials (the CloudFormation execution role needs ``s3:GetObject`` on it; the role ``cdk bootstrap`` creates
    has it for the assets bucket).

    Example::

        AttachmentSource.from_asset("docs/opt-in-form.png")
        AttachmentSource.from_bucket(my_bucket, "registrations/opt-in-form.png")
    """

    def __init__(self, path: str | None, bucket: s3.IBucket | None, key: str | None) -> None:
        """Use the static factories."""
        self._path = path
        self._bucket = bucket
        self._key = key

    @staticmethod
    def from_asset(path: str) -> AttachmentSource:
        """A local file, uploaded as a CDK asset by ``cdk deploy``.

        :param path: The file: PDF, JPEG, PNG (or GIF for MMS samples), at most 1,572,864 bytes. Checked at synth.
        """
        return AttachmentSource(path, None, None)

    @staticmethod
    def from_bucket(bucket: s3.IBucket, key: str) -> AttachmentSource:
        """An object already in S3 (not checked at synth: its size and type are only known at deploy time)."""
        return AttachmentSource(None, bucket, key)

    @property
    def path(self) -> str | None:
        """The local file of ``from_asset``, else ``None``."""
        return self._path

    def _bind(self, owner: Construct) -> str:
        """The ``AttachmentUrl`` (``s3://bucket/key``), creating the asset of a local file (library internal)."""
        if self._path is not None:
            _check_file(owner, self._path)
            asset = s3_assets.Asset(owner, "Asset", path=self._path)
            return asset.s3_object_url
        assert self._bucket is not None
        assert self._key is not None
        check_length(owner, "source", self._key, 1, 1024)
        return f"s3://{self._bucket.bucket_name}/{self._key}"


@jsii.implements(IRegistrationAttachmentRef)
class RegistrationAttachmentBase(cdk.Resource):
    """What an owned and an imported registration attachment have in common."""

    _arn: str
    _id: str
    #: The local file behind the attachment, when known (checked against a field's format and size rules).
    _path: str | None = None

    @property
    def registration_attachment_arn(self) -> str:
        """The ARN of the attachment (its ``Ref``)."""
        return self._arn

    @property
    def registration_attachment_id(self) -> str:
        """The ID of the attachment: the value of an ``ATTACHMENT`` field of a registration."""
        return self._id

    @property
    def registration_attachment_ref(self) -> RegistrationAttachmentReference:
        """A reference to the attachment (``aws_cdk.interfaces.aws_smsvoice.IRegistrationAttachmentRef``)."""
        return RegistrationAttachmentReference(registration_attachment_arn=self._arn)


class RegistrationAttachment(RegistrationAttachmentBase):
    """A registration attachment (``AWS::SMSVOICE::RegistrationAttachment``).

    Registration forms take some evidence as files: the opt-in screenshot of a toll-free registration, the terms and
    privacy policy of a 10DLC campaign, MMS samples. Create the attachment here and pass it to the form field; the
    ``Registration`` provider waits until the upload is ``UPLOAD_COMPLETE`` before it fills the field.

    Example::

        opt_in = RegistrationAttachment(self, "OptIn", source=AttachmentSource.from_asset(opt_in_png))
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        source: AttachmentSource,
        removal_policy: cdk.RemovalPolicy | None = None,
    ) -> None:
        """
        :param source: The file: ``AttachmentSource.from_asset(path)`` or ``.from_bucket(bucket, key)``. Changing it
            (for an asset: its content) replaces the attachment, which makes the registrations that use it put the
            new ID (a new version once they were submitted). No default.
        :param removal_policy: What happens to the attachment when it leaves the stack. Default:
            ``RemovalPolicy.RETAIN`` (a submitted registration version refers to it, and a later version may refer to
            it again).
        """
        super().__init__(scope, id)
        if not isinstance(source, AttachmentSource):
            raise ValidationError(
                self, "source", "must be an AttachmentSource (AttachmentSource.from_asset(path), ...)", source
            )
        url = source._bind(self)
        self.resource = smsvoice.CfnRegistrationAttachment(self, "Resource", attachment_url=url)
        apply_removal_policy(self.resource, removal_policy)
        newer_resource_type(self.resource, NEWER_TYPE_REGIONS, unknown_to_cdk_validation=True)
        self._arn = self.resource.attr_registration_attachment_arn
        self._id = self.resource.attr_registration_attachment_id
        self._path = source.path

    @property
    def attachment_status(self) -> str:
        """The upload status CloudFormation read at creation (``GetAtt AttachmentStatus``, a token)."""
        return self.resource.attr_attachment_status

    @staticmethod
    def from_registration_attachment_arn(
        scope: Construct, id: str, registration_attachment_arn: str
    ) -> RegistrationAttachmentBase:
        """Import an attachment by ARN (``arn:aws:sms-voice:<region>:<account>:registration-attachment/<id>``)."""
        check_sms_arn(scope, id, "registration_attachment_arn", registration_attachment_arn, REGISTRATION_ATTACHMENT)
        return _ImportedAttachment(
            scope, id, registration_attachment_arn, resource_name_from_arn(registration_attachment_arn)
        )

    @staticmethod
    def from_registration_attachment_id(
        scope: Construct, id: str, registration_attachment_id: str
    ) -> RegistrationAttachmentBase:
        """Import an attachment of this stack's account and Region by ID."""
        check_sms_id(scope, id, "registration_attachment_id", registration_attachment_id, REGISTRATION_ATTACHMENT)
        arn = format_sms_voice_arn(scope, RESOURCE_TYPE, registration_attachment_id)
        return _ImportedAttachment(scope, id, arn, registration_attachment_id)


class _ImportedAttachment(RegistrationAttachmentBase):
    def __init__(self, scope: Construct, id: str, arn: str, attachment_id: str) -> None:
        super().__init__(scope, id, environment_from_arn=arn)
        self._arn = arn
        self._id = attachment_id


def _check_file(owner: Construct, path: str) -> None:
    file = Path(path)
    if not file.is_file():
        raise ValidationError(owner, "source", "the attachment file does not exist", path)
    suffix = file.suffix.lower()
    if suffix not in ATTACHMENT_EXTENSIONS:
        raise ValidationError(
            owner,
            "source",
            f"registration attachments are PDF, JPEG or PNG (GIF for MMS samples): {sorted(ATTACHMENT_EXTENSIONS)}",
            path,
        )
    size = os.path.getsize(file)
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            owner,
            "source",
            f"registration attachments are at most {MAX_ATTACHMENT_BYTES} bytes; this one is {size}",
            path,
        )
