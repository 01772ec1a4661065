"""Checks of the ARNs and IDs that the ``from_*`` importers receive.

An importer builds a lightweight object from a string and refers to it in IAM policies and resource properties; a
wrong string (a phone number instead of an ARN, the ARN of another service or of another SMS resource type) only fails
at deploy time, or never (a grant on the wrong ARN grants nothing). So every importer checks, before it creates
anything, that the string has the shape of the resource it imports:
``arn:<partition>:sms-voice:<region>:<account>:<resource-type>/<id>`` with the resource type and the id shape of that
importer. The message names the construct path the import would have, the prop, the rule and the value. Unresolved
tokens (a parameter, an import from another stack) are not checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from constructs import IConstruct

from .errors import ValidationError
from .validation import is_unresolved

#: ``arn:partition:service:region:account:resource`` (region and account may be empty for some services).
_ARN = re.compile(
    r"arn:(?P<partition>aws(?:-[a-z]+)*):(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):(?P<account>[0-9]*):"
    r"(?P<resource>.+)"
)
_SMS_VOICE = "sms-voice"


@dataclass(frozen=True)
class SmsResourceShape:
    """What the ARN (and the ID) of one SMS resource type look like."""

    #: The resource type in the ARN, e.g. ``phone-number``.
    resource_type: str
    #: Regular expression of the part after ``<resource_type>/`` (the ID or name).
    id_pattern: str
    #: What the ID looks like, for the message (e.g. ``phone-`` followed by letters and digits).
    id_description: str

    @property
    def example(self) -> str:
        """An ARN of this type, for error messages."""
        return f"arn:aws:sms-voice:<region>:<account>:{self.resource_type}/<{self.id_description}>"


PHONE_NUMBER = SmsResourceShape("phone-number", r"phone-[A-Za-z0-9]+", "phone-...")
POOL = SmsResourceShape("pool", r"pool-[A-Za-z0-9]+", "pool-...")
SENDER_ID = SmsResourceShape("sender-id", r"[A-Za-z0-9_-]{1,11}/[A-Z]{2}", "SenderId/IsoCountryCode")
OPT_OUT_LIST = SmsResourceShape("opt-out-list", r"[A-Za-z0-9_-]{1,64}", "name")
CONFIGURATION_SET = SmsResourceShape("configuration-set", r"[A-Za-z0-9_-]{1,64}", "name")
PROTECT_CONFIGURATION = SmsResourceShape("protect-configuration", r"protect-[A-Za-z0-9]+", "protect-...")
#: IDs the service documents no prefix for: letters, digits, ``_`` and ``-``.
_SERVICE_ID = r"[A-Za-z0-9_-]+"
REGISTRATION = SmsResourceShape("registration", r"registration-[A-Za-z0-9]+", "registration-...")
REGISTRATION_ATTACHMENT = SmsResourceShape("registration-attachment", _SERVICE_ID, "ID")
NOTIFY_CONFIGURATION = SmsResourceShape("notify-configuration", _SERVICE_ID, "ID")
RCS_AGENT = SmsResourceShape("rcs-agent", _SERVICE_ID, "ID")
VERIFIED_DESTINATION_NUMBER = SmsResourceShape("verified-destination-number", _SERVICE_ID, "ID")
#: The two parts of a sender ID's identity, for ``SenderId.from_sender_id_attributes``.
SENDER_ID_VALUE = SmsResourceShape("sender-id", r"[A-Za-z0-9_-]{1,11}", "sender ID (1-11 of A-Z a-z 0-9 _ -)")
ISO_COUNTRY_CODE = SmsResourceShape("sender-id", r"[A-Z]{2}", "ISO 3166-1 alpha-2 code")


def child_path(scope: IConstruct, id: str) -> str:
    """The path a construct ``id`` created under ``scope`` will have (it does not exist yet when checks run)."""
    parent = scope.node.path
    return f"{parent}/{id}" if parent else id


def check_sms_arn(scope: IConstruct, id: str, prop: str, arn: Any, shape: SmsResourceShape) -> None:
    """Raise unless ``arn`` is an AWS End User Messaging SMS ARN of ``shape``'s resource type and ID shape."""
    path = child_path(scope, id)
    if isinstance(arn, str) and is_unresolved(arn):
        return
    if not isinstance(arn, str):
        raise ValidationError(path, prop, f"must be an ARN string like {shape.example}", arn)
    match = _ARN.fullmatch(arn)
    if match is None:
        raise ValidationError(path, prop, f"must be an ARN like {shape.example}", arn)
    if match["service"] != _SMS_VOICE:
        raise ValidationError(
            path,
            prop,
            f"must be an AWS End User Messaging SMS ARN (service '{_SMS_VOICE}'), not one of service "
            f"'{match['service']}'",
            arn,
        )
    if not match["region"] or len(match["account"]) != 12:
        raise ValidationError(path, prop, "must name a Region and a 12-digit account (SMS resources are regional)", arn)
    resource_type, _, resource_id = match["resource"].partition("/")
    if resource_type != shape.resource_type:
        raise ValidationError(
            path,
            prop,
            f"must be the ARN of a {shape.resource_type} ({shape.example}), not of a '{resource_type}'",
            arn,
        )
    if re.fullmatch(shape.id_pattern, resource_id) is None:
        raise ValidationError(
            path,
            prop,
            f"the part after '{shape.resource_type}/' must be a {shape.id_description} (^{shape.id_pattern}$)",
            arn,
        )


def check_sms_id(scope: IConstruct, id: str, prop: str, value: Any, shape: SmsResourceShape) -> None:
    """Raise unless ``value`` has the ID (or name) shape of ``shape`` (an ARN given as an ID is refused too)."""
    path = child_path(scope, id)
    if isinstance(value, str) and is_unresolved(value):
        return
    if not isinstance(value, str) or re.fullmatch(shape.id_pattern, value) is None:
        hint = "; an ARN goes to the from_*_arn importer" if isinstance(value, str) and value.startswith("arn:") else ""
        raise ValidationError(path, prop, f"must be a {shape.id_description} (^{shape.id_pattern}$){hint}", value)
