"""Registration field values, and the field definitions shipped with the library (``registration_fields.json``).

The definitions are data in the shape of ``DescribeRegistrationFieldDefinitions``, compiled offline from public
material for the common US registration types (the file states its sources and date). The checks that read them are
the provider's own (``sms_constructs_runtime.registration_checks``, standard library only): what the construct
rejects at synth time is what the provider would reject at deploy time against the live definitions.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk.aws_kms as kms
import aws_cdk.aws_secretsmanager as secretsmanager
from aws_cdk.interfaces.aws_smsvoice import IRegistrationAttachmentRef
from sms_constructs_runtime import registration_checks as definitions

from .._private.errors import ValidationError
from .._private.validation import is_unresolved

FieldValue = definitions.FieldValue
Finding = definitions.Finding

#: The data file: field definitions per registration type, with its sources and date.
DATA_FILE = Path(__file__).with_name("registration_fields.json")
#: The last segment of a field path that holds personal data: a person's name, an e-mail address, a phone number, a
#: tax ID, a street address or a postal code (``contactInfo.firstName``, ``companyInfo.taxId``,
#: ``companyInfo.address1``, ``contactInfo.supportEmail`` ...). Matched on every registration type, shipped or not.
PERSONAL_FIELD_PATTERN = re.compile(
    r"(?i)(first|last|full|contact)name|.*email.*|.*phonenumber|.*taxid|address\d*|.*(zip|postal)code"
)


def is_personal_field(field_path: str) -> bool:
    """Whether the field ``field_path`` holds personal data (:data:`PERSONAL_FIELD_PATTERN` on its last segment)."""
    return PERSONAL_FIELD_PATTERN.fullmatch(field_path.rsplit(".", 1)[-1]) is not None


@functools.cache
def shipped_definitions() -> Mapping[str, Any]:
    """The shipped data: ``{"schema_as_of", "source", "registration_types": {type: {...}}}``."""
    data: dict[str, Any] = json.loads(DATA_FILE.read_text())
    return data


def registration_type_data(registration_type: str) -> Mapping[str, Any] | None:
    """The shipped entry of ``registration_type`` (``field_definitions``, ``x-associations``), or ``None``."""
    types: Mapping[str, Any] = shipped_definitions()["registration_types"]
    return types.get(registration_type)


class RegistrationFieldValue:
    """The value of one registration form field: text, chosen options or an attachment — or a text read at deploy
    time from a Secrets Manager secret or an SSM ``SecureString`` parameter, so that it never appears in the template.

    Example::

        RegistrationFieldValue.text("Acme Corporation")
        RegistrationFieldValue.choices("PRIVATE_PROFIT")
        RegistrationFieldValue.attachment(opt_in_screenshot)
        RegistrationFieldValue.from_secret(contact_secret, json_field="taxId")
        RegistrationFieldValue.from_ssm_secure_string("/acme/registration/tax-id", 3)
    """

    def __init__(
        self,
        field_type: str,
        text: str | None = None,
        choices: tuple[str, ...] | None = None,
        attachment: IRegistrationAttachmentRef | None = None,
        source: _Source | None = None,
    ) -> None:
        """Use the static factories ``text``, ``choices``, ``attachment``, ``from_secret`` and
        ``from_ssm_secure_string``."""
        self._field_type = field_type
        self._text = text
        self._choices = choices
        self._attachment = attachment
        self._source = source

    @staticmethod
    def from_secret(
        secret: secretsmanager.ISecret, *, json_field: str | None = None, version_id: str | None = None
    ) -> RegistrationFieldValue:
        """A ``TEXT`` field read from a Secrets Manager secret when the registration is deployed.

        The template carries the secret's ARN (and the version ID when given), never the value; the provider may read
        this secret only (``secretsmanager:GetSecretValue``, and ``kms:Decrypt`` through Secrets Manager on the secret's
        customer-managed key). CloudFormation updates the registration only when its properties change: to roll out a
        new value, put it (``PutSecretValue``) and pass the new ``version_id``; without one, the current value
        (``AWSCURRENT``) is read whenever something else about the registration changes.

        :param secret: The secret (its ``SecretString``).
        :param json_field: The key to read when the secret is a JSON object (one secret for several fields).
            Default: the whole ``SecretString``.
        :param version_id: The secret version to read (``VersionId``). Default: the current version.
        """
        return RegistrationFieldValue(
            definitions.TEXT, source=_Source(secret=secret, json_field=json_field, version=version_id)
        )

    @staticmethod
    def from_ssm_secure_string(
        parameter_name: str, version: int, *, encryption_key: kms.IKey | None = None
    ) -> RegistrationFieldValue:
        """A ``TEXT`` field read from an SSM ``SecureString`` parameter of this account and Region when the
        registration is deployed (a parameter of another type is refused at deploy time).

        The template carries the name and version, never the value; the provider may read this parameter only
        (``ssm:GetParameter`` with decryption). To roll out a new value, put it (a new parameter version) and pass
        that ``version``: the changed property updates the registration.

        :param parameter_name: The parameter's name (``/acme/registration/tax-id``).
        :param version: The parameter version to read: 1 or more.
        :param encryption_key: The customer-managed key of the parameter, for ``kms:Decrypt`` through SSM. Default:
            the account's ``aws/ssm`` key, whose policy already lets the account's principals decrypt through SSM.
        """
        return RegistrationFieldValue(
            definitions.TEXT,
            source=_Source(parameter_name=parameter_name, version=version, encryption_key=encryption_key),
        )

    @staticmethod
    def text(value: str) -> RegistrationFieldValue:
        """A ``TEXT`` field: 1–2048 characters (``TextValue``)."""
        return RegistrationFieldValue(definitions.TEXT, text=value)

    @staticmethod
    def choices(*options: str) -> RegistrationFieldValue:
        """A ``SELECT`` field: the chosen option values (``SelectChoices``), never the console's labels."""
        return RegistrationFieldValue(definitions.SELECT, choices=tuple(options))

    @staticmethod
    def attachment(attachment: IRegistrationAttachmentRef) -> RegistrationFieldValue:
        """An ``ATTACHMENT`` field: a ``RegistrationAttachment`` (``RegistrationAttachmentId``)."""
        return RegistrationFieldValue(definitions.ATTACHMENT, attachment=attachment)

    @property
    def field_type(self) -> str:
        """``TEXT``, ``SELECT`` or ``ATTACHMENT``."""
        return self._field_type

    @property
    def attachment_ref(self) -> IRegistrationAttachmentRef | None:
        """The attachment of an ``ATTACHMENT`` value, else ``None``."""
        return self._attachment

    @property
    def is_reference(self) -> bool:
        """True for a value read at deploy time (``from_secret``, ``from_ssm_secure_string``)."""
        return self._source is not None

    @property
    def is_literal_text(self) -> bool:
        """True for a ``TEXT`` value written into the template as it is (``text("...")``, not a token)."""
        return self._field_type == definitions.TEXT and self._source is None and not is_unresolved(self._text)

    def _attachment_id(self) -> str:
        attachment = self._attachment
        assert attachment is not None
        return str(
            getattr(attachment, "registration_attachment_id", None)
            or attachment.registration_attachment_ref.registration_attachment_arn
        )

    def _to_field_value(self, path: str) -> definitions.FieldValue:
        """The value as the shared checks see it (content known only at deploy time is present but unchecked)."""
        if self._field_type == definitions.TEXT:
            if self._source is not None:
                return FieldValue(path, definitions.TEXT, known=False)
            return FieldValue(path, definitions.TEXT, text=self._text, known=not is_unresolved(self._text))
        if self._field_type == definitions.SELECT:
            choices = self._choices or ()
            known = not any(is_unresolved(choice) for choice in choices)
            return FieldValue(path, definitions.SELECT, choices=choices, known=known)
        attachment_id = self._attachment_id()
        return FieldValue(path, definitions.ATTACHMENT, attachment_id=attachment_id, known=False)

    def _render(self, path: str) -> dict[str, Any]:
        """The item of the provider's ``FieldValues`` property."""
        if self._source is not None:
            return {"FieldPath": path, "TextValueFrom": self._source.render()}
        if self._field_type == definitions.TEXT:
            return {"FieldPath": path, "TextValue": self._text}
        if self._field_type == definitions.SELECT:
            return {"FieldPath": path, "SelectChoices": list(self._choices or ())}
        return {"FieldPath": path, "RegistrationAttachmentId": self._attachment_id()}


class _Source:
    """Where a deploy-time value is read: a secret, or an SSM parameter version."""

    def __init__(
        self,
        *,
        secret: secretsmanager.ISecret | None = None,
        json_field: str | None = None,
        parameter_name: str | None = None,
        version: Any = None,
        encryption_key: kms.IKey | None = None,
    ) -> None:
        self.secret = secret
        self.json_field = json_field
        self.parameter_name = parameter_name
        self.version = version
        self.encryption_key = encryption_key

    def problem(self) -> tuple[str, Any] | None:
        """What is wrong with the reference (a rule and the value), or ``None``."""
        if self.parameter_name is None:
            return self._secret_problem()
        if not isinstance(self.parameter_name, str) or not self.parameter_name:
            return "from_ssm_secure_string needs a parameter name", self.parameter_name
        version = self.version
        if not is_unresolved(version) and (isinstance(version, bool) or not isinstance(version, int) or version < 1):
            return "the parameter version must be an integer of 1 or more", version
        return None

    def _secret_problem(self) -> tuple[str, Any] | None:
        if not hasattr(self.secret, "secret_arn"):
            return "from_secret needs a Secrets Manager secret (ISecret)", self.secret
        if self.json_field is not None and (not isinstance(self.json_field, str) or not self.json_field):
            return "json_field must be a non-empty string", self.json_field
        version = self.version
        bad_version = not isinstance(version, str) or not 32 <= len(version) <= 64
        if version is not None and not is_unresolved(version) and bad_version:
            return "version_id must be a secret version ID (32-64 characters)", version
        return None

    def render(self) -> dict[str, Any]:
        if self.parameter_name is not None:
            return {"ParameterName": self.parameter_name, "ParameterVersion": str(self.version)}
        assert self.secret is not None
        source: dict[str, Any] = {"SecretId": self.secret.secret_full_arn or self.secret.secret_arn}
        if self.version is not None:
            source["VersionId"] = self.version
        if self.json_field is not None:
            source["JsonField"] = self.json_field
        return source


def check_value_types(where: str, prop: str, values: Mapping[str, Any]) -> None:
    """Raise unless every value is a ``RegistrationFieldValue`` of the right content type."""
    for path, value in values.items():
        label = f"{prop}[{path!r}]"
        if not isinstance(path, str):
            raise ValidationError(where, prop, "field paths are strings, e.g. 'companyInfo.companyName'", path)
        if not isinstance(value, RegistrationFieldValue):
            raise ValidationError(
                where, label, "must be a RegistrationFieldValue (.text(...), .choices(...), .attachment(...))", value
            )
        if value._source is not None:
            problem = value._source.problem()
            if problem is not None:
                raise ValidationError(where, label, problem[0], problem[1])
            continue
        if value.field_type == definitions.TEXT and not isinstance(value._text, str):
            raise ValidationError(where, label, "a text value must be a string", value._text)
        if value.field_type == definitions.SELECT and not all(isinstance(c, str) for c in value._choices or ()):
            raise ValidationError(where, label, "choices must be strings", value._choices)
        if value.field_type == definitions.ATTACHMENT and not hasattr(value._attachment, "registration_attachment_ref"):
            raise ValidationError(
                where, label, "must be a RegistrationAttachment (or an import of one)", value._attachment
            )


__all__ = [
    "DATA_FILE",
    "PERSONAL_FIELD_PATTERN",
    "FieldValue",
    "Finding",
    "RegistrationFieldValue",
    "check_value_types",
    "definitions",
    "is_personal_field",
    "registration_type_data",
    "shipped_definitions",
]
