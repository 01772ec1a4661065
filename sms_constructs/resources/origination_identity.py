"""The interface shared by everything that can be the ``OriginationIdentity`` of a send."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import aws_cdk.aws_iam as iam
from constructs import IConstruct


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
