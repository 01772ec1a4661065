"""The upgrade gate: what in a newer synthesized template removes or replaces a stateful resource of an older one.

A stateful resource (:data:`STATEFUL_TYPES`) of a baseline template is a **finding** when, at HEAD,

- its stack is gone (a renamed stack is a new stack: CloudFormation creates everything again);
- its logical id is gone from its stack (a moved or renamed construct: CloudFormation deletes it, or orphans it when
  it is retained, and creates a new one);
- its ``Type`` changed;
- a property its CloudFormation resource schema lists as ``createOnlyProperties`` (or
  ``conditionalCreateOnlyProperties``, "may require replacement") changed: CloudFormation replaces it. The schemas are
  the ones cfn-lint ships; values are compared as written in the templates (intrinsic functions structurally, nothing
  resolved);
- its ``DeletionPolicy`` no longer keeps it (``Retain``, ``RetainExceptOnCreate`` or ``Snapshot`` before, not after).

A finding is accepted when the ``### Upgrade notes`` subsection of the ``## [Unreleased]`` section of
``CHANGELOG.md`` names it as ```StackName/LogicalId``` (backticks included), on a line that tells users what to do.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The resource types whose replacement or removal loses data, an identity or a state a person or the service set:
#: tables, buckets, keys, log groups, queues, opt-out lists, phone numbers, sender IDs, pools, configuration sets,
#: registrations (the library's provider-made ones and the CloudFormation type), registration attachments and
#: verified destination numbers (a replacement must be verified again).
STATEFUL_TYPES: frozenset[str] = frozenset(
    {
        "AWS::DynamoDB::Table",
        "AWS::DynamoDB::GlobalTable",
        "AWS::S3::Bucket",
        "AWS::KMS::Key",
        "AWS::Logs::LogGroup",
        "AWS::SQS::Queue",
        "AWS::SMSVOICE::OptOutList",
        "AWS::SMSVOICE::PhoneNumber",
        "AWS::SMSVOICE::SenderId",
        "AWS::SMSVOICE::Pool",
        "AWS::SMSVOICE::ConfigurationSet",
        "AWS::SMSVOICE::Registration",
        "AWS::SMSVOICE::RegistrationAttachment",
        "AWS::SMSVOICE::VerifiedDestinationNumber",
        "Custom::SmsRegistration",
    }
)

#: The Region whose resource schemas are read (the guarded apps are synthesized for us-east-1).
SCHEMA_REGION = "us-east-1"

#: Deletion policies that keep the resource (or a snapshot of it) when it leaves the stack.
KEEPING_POLICIES = frozenset({"Retain", "RetainExceptOnCreate", "Snapshot"})

CHANGELOG = Path(__file__).resolve().parent.parent.parent / "CHANGELOG.md"
UNRELEASED_HEADING = "## [Unreleased]"
NOTES_HEADING = "### Upgrade notes"
#: How an upgrade note names a finding: ```StackName/LogicalId```.
NOTE_ID = re.compile(r"`([A-Za-z][A-Za-z0-9-]*/[A-Za-z0-9]+)`")

Template = Mapping[str, Any]

_MISSING: Any = object()


@dataclass(frozen=True, order=True)
class Finding:
    """One stateful resource of the baseline that HEAD would remove or replace."""

    stack: str
    logical_id: str
    resource_type: str
    change: str

    @property
    def id(self) -> str:
        """``StackName/LogicalId``: how an upgrade note names it."""
        return f"{self.stack}/{self.logical_id}"

    def note(self) -> str:
        """The line to add under ``### Upgrade notes`` (the text in angle brackets is for the author to replace)."""
        return f"- `{self.id}` ({self.resource_type}) {self.change}. <What users must do before or after upgrading.>"


def _schema_file(name: str) -> Any:
    return json.loads(
        importlib.resources.files("cfnlint").joinpath("data", "schemas", *name.split("/")).read_text(encoding="utf-8")
    )


@functools.cache
def replacing_properties(resource_type: str) -> tuple[str, ...]:
    """The JSON pointers (``/properties/...``) whose change replaces a ``resource_type``: its schema's
    ``createOnlyProperties`` and ``conditionalCreateOnlyProperties``, from the schemas cfn-lint ships. A custom
    resource has no schema: only its removal or a change of type is seen."""
    if resource_type.startswith("Custom::"):
        return ()
    providers: dict[str, str] = _schema_file(f"providers/{SCHEMA_REGION}.json")
    if resource_type not in providers:
        raise KeyError(f"cfn-lint has no {SCHEMA_REGION} schema for {resource_type}")
    schema = _schema_file(f"resources/{providers[resource_type]}.json")
    return (*schema.get("createOnlyProperties", ()), *schema.get("conditionalCreateOnlyProperties", ()))


def _is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref"))


def value_at(properties: Any, pointer: str) -> Any:
    """The value at ``pointer`` (``/properties/A/B``, ``*`` for every item of a list) in a resource's
    ``Properties``; an intrinsic function met on the way is returned whole (compared structurally)."""
    parts = pointer.split("/")[2:]
    return _walk(properties, parts)


def _walk(value: Any, parts: list[str]) -> Any:
    if not parts or _is_intrinsic(value):
        return value
    head, rest = parts[0], parts[1:]
    if head == "*":
        return [_walk(item, rest) for item in value] if isinstance(value, list) else _MISSING
    if isinstance(value, dict) and head in value:
        return _walk(value[head], rest)
    return _MISSING


def _resource_findings(stack: str, logical_id: str, before: Template, after: Template | None) -> Iterable[Finding]:
    resource_type = before["Type"]
    if after is None:
        yield Finding(stack, logical_id, resource_type, "is removed: its logical id is gone from the stack")
        return
    if after.get("Type") != resource_type:
        yield Finding(stack, logical_id, resource_type, f"changes type to {after.get('Type')}")
        return
    changed = [
        pointer.removeprefix("/properties/")
        for pointer in replacing_properties(resource_type)
        if value_at(before.get("Properties", {}), pointer) != value_at(after.get("Properties", {}), pointer)
    ]
    if changed:
        yield Finding(stack, logical_id, resource_type, f"is replaced: create-only {', '.join(changed)} changed")
    if before.get("DeletionPolicy") in KEEPING_POLICIES and after.get("DeletionPolicy") not in KEEPING_POLICIES:
        policy = after.get("DeletionPolicy", "Delete (the default)")
        yield Finding(stack, logical_id, resource_type, f"is no longer retained: DeletionPolicy {policy}")


def compare(baseline: Mapping[str, Template], head: Mapping[str, Template]) -> list[Finding]:
    """The findings of every stateful resource of ``baseline`` (templates by stack name) against ``head``."""
    findings: list[Finding] = []
    for stack, template in sorted(baseline.items()):
        new = head.get(stack)
        for logical_id, resource in sorted(template.get("Resources", {}).items()):
            if resource.get("Type") not in STATEFUL_TYPES:
                continue
            if new is None:
                findings.append(
                    Finding(stack, logical_id, resource["Type"], "is removed: its stack is gone (renamed or removed)")
                )
                continue
            findings.extend(_resource_findings(stack, logical_id, resource, new.get("Resources", {}).get(logical_id)))
    return findings


def upgrade_notes(changelog: str) -> str:
    """The text of ``### Upgrade notes`` in the ``## [Unreleased]`` section; ``ValueError`` when either is missing."""
    unreleased = re.search(rf"^{re.escape(UNRELEASED_HEADING)}[^\n]*\n(.*?)(?=^## |\Z)", changelog, re.M | re.S)
    if unreleased is None:
        raise ValueError(f"CHANGELOG.md has no '{UNRELEASED_HEADING}' section")
    notes = re.search(rf"^{re.escape(NOTES_HEADING)}[^\n]*\n(.*?)(?=^### |\Z)", unreleased.group(1), re.M | re.S)
    if notes is None:
        raise ValueError(f"the '{UNRELEASED_HEADING}' section of CHANGELOG.md has no '{NOTES_HEADING}' subsection")
    return notes.group(1)


def noted_ids(changelog: str) -> set[str]:
    """Every ```Stack/LogicalId``` the unreleased upgrade notes name (HTML comments do not count)."""
    notes = re.sub(r"<!--.*?-->", "", upgrade_notes(changelog), flags=re.S)
    return set(NOTE_ID.findall(notes))


def unannounced(findings: Iterable[Finding], changelog: str) -> list[Finding]:
    """The findings the unreleased upgrade notes do not name."""
    noted = noted_ids(changelog)
    return [finding for finding in findings if finding.id not in noted]


def failure_message(app_name: str, findings: list[Finding]) -> str:
    """What the gate says when ``findings`` are not announced: each, and the exact lines to add."""
    lines = [
        f"{len(findings)} stateful resource(s) of the released {app_name!r} app would be removed or replaced on "
        "upgrade, and CHANGELOG.md does not announce them.",
        "If the change is intended, add these lines (completed) under "
        f"'{NOTES_HEADING}' in the '{UNRELEASED_HEADING}' section of CHANGELOG.md, with the migration steps in "
        "docs/upgrading.md; otherwise keep the logical ids, the stack names and the create-only properties as they "
        "were:",
        "",
        *(finding.note() for finding in findings),
    ]
    return "\n".join(lines)
