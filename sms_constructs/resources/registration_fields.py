"""Registration field values, and the field definitions shipped with the library (``registration_fields.json``).

The definitions are data in the shape of ``DescribeRegistrationFieldDefinitions``, compiled offline from public
material for the common US registration types (the file states its sources and date). The checks that read them are
the provider's own (``sms_constructs_runtime.registration_checks``, standard library only): what the construct
rejects at synth time is what the provider would reject at deploy time against the live definitions.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk.interfaces.aws_smsvoice import IRegistrationAttachmentRef
from sms_constructs_runtime import registration_checks as definitions

from .._private.errors import ValidationError
from .._private.validation import is_unresolved

FieldValue = definitions.FieldValue
Finding = definitions.Finding

#: The data file: field definitions per registration type, with its sources and date.
DATA_FILE = Path(__file__).with_name("registration_fields.json")


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
    """The value of one registration form field: text, chosen options or an attachment.

    Example::

        RegistrationFieldValue.text("Acme Corporation")
        RegistrationFieldValue.choices("PRIVATE_PROFIT")
        RegistrationFieldValue.attachment(opt_in_screenshot)
    """

    def __init__(
        self,
        field_type: str,
        text: str | None = None,
        choices: tuple[str, ...] | None = None,
        attachment: IRegistrationAttachmentRef | None = None,
    ) -> None:
        """Use the static factories ``text``, ``choices`` and ``attachment``."""
        self._field_type = field_type
        self._text = text
        self._choices = choices
        self._attachment = attachment

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
            return FieldValue(path, definitions.TEXT, text=self._text, known=not is_unresolved(self._text))
        if self._field_type == definitions.SELECT:
            choices = self._choices or ()
            known = not any(is_unresolved(choice) for choice in choices)
            return FieldValue(path, definitions.SELECT, choices=choices, known=known)
        attachment_id = self._attachment_id()
        return FieldValue(path, definitions.ATTACHMENT, attachment_id=attachment_id, known=False)

    def _render(self, path: str) -> dict[str, Any]:
        """The item of the provider's ``FieldValues`` property."""
        if self._field_type == definitions.TEXT:
            return {"FieldPath": path, "TextValue": self._text}
        if self._field_type == definitions.SELECT:
            return {"FieldPath": path, "SelectChoices": list(self._choices or ())}
        return {"FieldPath": path, "RegistrationAttachmentId": self._attachment_id()}


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
    "FieldValue",
    "Finding",
    "RegistrationFieldValue",
    "check_value_types",
    "definitions",
    "registration_type_data",
    "shipped_definitions",
]
