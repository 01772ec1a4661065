"""The ARN checks of the ``from_*_arn`` importers added with registrations, Notify, RCS agents and verified numbers.

One helper, so it can be unified with the checks of the other importers: an importer names the construct it is about
to create (``<scope path>/<id>``), the prop (``registration_arn``) and the resource type it expects; a literal ARN
must be an ``sms-voice`` ARN of that type whose last part is a plausible ID. Tokens (an ARN only known at deploy time)
pass unchecked.
"""

from __future__ import annotations

import re

import aws_cdk as cdk
from constructs import IConstruct

from .errors import ValidationError

#: ``arn:<partition>:sms-voice:<region>:<account>:<resource-type>/<id>`` (the form of every resource of the service
#: except sender IDs, whose ARN ends in ``<SenderId>/<IsoCountryCode>``).
_SMS_VOICE_ARN = re.compile(
    r"arn:(?P<partition>aws[a-zA-Z-]*):sms-voice:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"(?P<type>[a-z-]+)/(?P<id>[^/]+)"
)
#: IDs of the service are letters, digits, ``_`` and ``-`` (e.g. ``registration-0123abcd``, ``nc-0123abcd``).
ID_PATTERN = r"[A-Za-z0-9_-]+"


def import_path(scope: IConstruct, id: str) -> str:
    """The construct path an importer is about to create, for error messages."""
    return f"{scope.node.path}/{id}" if scope.node.path else id


def check_import_arn(scope: IConstruct, id: str, prop: str, arn: str, resource_type: str) -> None:
    """Raise unless a literal ``arn`` is an ``sms-voice`` ARN of ``resource_type`` (tokens pass)."""
    if cdk.Token.is_unresolved(arn):
        return
    match = _SMS_VOICE_ARN.fullmatch(arn) if isinstance(arn, str) else None
    example = f"arn:aws:sms-voice:us-east-1:111122223333:{resource_type}/<id>"
    if match is None:
        raise ValidationError(import_path(scope, id), prop, f"must be an sms-voice ARN like {example}", arn)
    if match["type"] != resource_type:
        raise ValidationError(
            import_path(scope, id),
            prop,
            f"must be the ARN of a {resource_type}, not of a {match['type']} (expected {example})",
            arn,
        )
    if re.fullmatch(ID_PATTERN, match["id"]) is None:
        raise ValidationError(
            import_path(scope, id), prop, f"the {resource_type} ID must match {ID_PATTERN}", match["id"]
        )


def check_import_id(scope: IConstruct, id: str, prop: str, value: str, pattern: str, description: str) -> None:
    """Raise unless a literal ID ``value`` fully matches ``pattern`` (tokens pass)."""
    if cdk.Token.is_unresolved(value):
        return
    if not isinstance(value, str) or re.fullmatch(pattern, value) is None:
        raise ValidationError(import_path(scope, id), prop, f"must match {pattern} ({description})", value)
