"""checkov skips: the checkov equivalent of a cdk-nag acknowledgement.

checkov reads ``Metadata.checkov.skip`` on a CloudFormation resource; a skipped check is reported as skipped, not
failed. Use it only for what the library knowingly keeps, with the evidence in the comment.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import IConstruct


def skip_check(construct: IConstruct, check_id: str, reason: str) -> None:
    """Skip checkov ``check_id`` on ``construct`` (a ``CfnResource`` or an L2 whose default child is one)."""
    resource = construct if isinstance(construct, cdk.CfnResource) else _default_child(construct)
    if not isinstance(resource, cdk.CfnResource):
        raise TypeError(f"{construct.node.path}: checkov skips need a CloudFormation resource")
    if len(reason.strip()) < 20:
        raise ValueError(f"{construct.node.path}: skipping {check_id} needs a reason stating the evidence")
    # The metadata this function wrote last is kept on the Python object: only the first skip reads it through jsii.
    metadata: dict[str, Any] | None = resource.__dict__.get(_WRITTEN)
    if metadata is None:
        metadata = resource.get_metadata("checkov") or {}
    skips: list[dict[str, str]] = list(metadata.get("skip", []))
    skips.append({"id": check_id, "comment": reason})
    metadata = {**metadata, "skip": skips}
    resource.add_metadata("checkov", metadata)
    resource.__dict__[_WRITTEN] = metadata


#: Where :func:`skip_check` keeps what it wrote, and an L2's default child, on the Python objects.
_WRITTEN = "_sms_constructs_checkov_metadata"
_DEFAULT_CHILD = "_sms_constructs_default_child"


def _default_child(construct: IConstruct) -> IConstruct | None:
    """``construct.node.default_child``, asked of jsii once per construct (the skips of one L2 go to one resource)."""
    if _DEFAULT_CHILD not in construct.__dict__:
        construct.__dict__[_DEFAULT_CHILD] = construct.node.default_child
    child: IConstruct | None = construct.__dict__[_DEFAULT_CHILD]
    return child
