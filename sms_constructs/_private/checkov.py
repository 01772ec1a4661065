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
    resource = construct if isinstance(construct, cdk.CfnResource) else construct.node.default_child
    if not isinstance(resource, cdk.CfnResource):
        raise TypeError(f"{construct.node.path}: checkov skips need a CloudFormation resource")
    if len(reason.strip()) < 20:
        raise ValueError(f"{construct.node.path}: skipping {check_id} needs a reason stating the evidence")
    metadata: dict[str, Any] = resource.get_metadata("checkov") or {}
    skips: list[dict[str, str]] = list(metadata.get("skip", []))
    skips.append({"id": check_id, "comment": reason})
    resource.add_metadata("checkov", {**metadata, "skip": skips})
