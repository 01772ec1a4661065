"""CloudFormation's lifecycle sequences, driven against a custom-resource provider handler of the library.

aws-cdk-lib's provider framework (``custom_resources.Provider``) stands between CloudFormation and our handlers; the
:class:`Framework` here does what it does (read in aws-cdk-lib 2.275, ``provider-framework/runtime``):

- the handler's ``PhysicalResourceId`` is the resource's; without one, a create takes the ``RequestId`` and an update or
  a delete keeps the one it was sent;
- a handler error fails the request; a failed *create* answers with the marker
  ``AWSCDK::CustomResourceProviderFramework::CREATE_FAILED`` as physical id, and the framework answers the rollback
  ``Delete`` of that marker itself, without calling the handler;
- a ``Delete`` may not change the physical id.

CloudFormation's side (:data:`SEQUENCES`): a create; an update; an update that fails and is rolled back (CloudFormation
sends the old properties back as an ``Update``); an update rolled back because another resource failed; a replacement
(the construct moved: a new logical id is created, then the old one deleted); a replacement whose create fails; a
create that fails and is rolled back; a stack delete; and the same request delivered twice (an asynchronous Lambda
invocation is retried), for create and delete.

A :class:`Subject` wraps one provider, a stateful fake of the API it calls, and the invariants: after every step,
:meth:`Subject.check` compares the fake's state with what must hold — the state from before the stack for the
properties ``None`` (nothing declared: after a rollback of a create, after a delete), else what the properties
declare — and whatever else must never happen (an opt-out removed, a registration orphaned or submitted twice).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

#: The physical id the provider framework answers a failed create with (``cfn-response.js``).
CREATE_FAILED_MARKER = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"
STACK_ID = "arn:aws:cloudformation:us-east-1:111122223333:stack/Lifecycle/5a1f0c2e-0000-4000-8000-000000000001"

Handler = Callable[[Mapping[str, Any]], Mapping[str, Any] | None]
Properties = Mapping[str, Any]


@dataclass(frozen=True)
class Response:
    """What the framework reports to CloudFormation."""

    status: str  # SUCCESS or FAILED
    physical_id: str
    data: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "SUCCESS"


@dataclass
class Framework:
    """aws-cdk-lib's provider framework in front of ``handler``; keeps every request it passed on."""

    handler: Handler
    resource_type: str
    stack_id: str = STACK_ID
    requests: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def new_request_id(self) -> str:
        return f"00000000-0000-4000-8000-{next(self._ids):012d}"

    def send(
        self,
        request_type: str,
        logical_id: str,
        properties: Properties,
        *,
        physical_id: str | None = None,
        old_properties: Properties | None = None,
        request_id: str | None = None,
    ) -> Response:
        event: dict[str, Any] = {
            "RequestType": request_type,
            "ServiceToken": "arn:aws:lambda:us-east-1:111122223333:function:framework-onEvent",
            "ResponseURL": "https://cloudformation-custom-resource-response.example/...",
            "StackId": self.stack_id,
            "RequestId": request_id or self.new_request_id(),
            "LogicalResourceId": logical_id,
            "ResourceType": self.resource_type,
            "ResourceProperties": {"ServiceToken": "arn:aws:lambda:...", **properties},
        }
        if physical_id is not None:
            event["PhysicalResourceId"] = physical_id
        if old_properties is not None:
            event["OldResourceProperties"] = {"ServiceToken": "arn:aws:lambda:...", **old_properties}
        if request_type == "Delete" and physical_id == CREATE_FAILED_MARKER:
            return Response("SUCCESS", physical_id)  # the framework answers it; the handler never sees it
        self.requests.append(event)
        try:
            result = dict(self.handler(dict(event)) or {})
        except Exception as error:  # the framework reports any handler error as FAILED
            failed_id = physical_id if physical_id is not None else CREATE_FAILED_MARKER
            return Response("FAILED", failed_id, reason=f"{type(error).__name__}: {error}")
        default = event["RequestId"] if request_type == "Create" else physical_id
        new_id = str(result.get("PhysicalResourceId") or default)
        if request_type == "Delete" and new_id != physical_id:
            return Response("FAILED", str(physical_id), reason="DELETE: cannot change the physical resource ID")
        return Response("SUCCESS", new_id, dict(result.get("Data") or {}))


class Subject(Protocol):
    """One provider under test: its framework, its fake API, and its invariants."""

    framework: Framework

    def properties(self, variant: int) -> dict[str, Any]:
        """The properties a stack declares in its ``variant``-th version (1, 2, ...: each different)."""

    def fail_next_change(self) -> None:
        """Make the next call that would change the fake's state fail, as the service can (throttled, refused)."""

    def check(self, declared: Properties | None) -> None:
        """Raise ``AssertionError`` unless the fake's state is what ``declared`` asks (``None``: the state from
        before the stack) and no invariant of the provider is broken."""


@dataclass
class Deployed:
    """A resource CloudFormation holds: its logical id, physical id and properties."""

    logical_id: str
    physical_id: str
    properties: Properties


def create(subject: Subject, logical_id: str, variant: int, *, request_id: str | None = None) -> Deployed:
    properties = subject.properties(variant)
    response = subject.framework.send("Create", logical_id, properties, request_id=request_id)
    assert response.ok, f"create {logical_id} failed: {response.reason}"
    return Deployed(logical_id, response.physical_id, properties)


def update(subject: Subject, resource: Deployed, variant: int) -> tuple[Deployed, Deployed | None]:
    """Update ``resource`` to ``variant``; returns the resource and, when the physical id changed (a replacement), the
    old one, which CloudFormation deletes in the cleanup phase."""
    properties = subject.properties(variant)
    response = subject.framework.send(
        "Update",
        resource.logical_id,
        properties,
        physical_id=resource.physical_id,
        old_properties=resource.properties,
    )
    assert response.ok, f"update {resource.logical_id} failed: {response.reason}"
    new = Deployed(resource.logical_id, response.physical_id, properties)
    return new, (resource if response.physical_id != resource.physical_id else None)


def delete(subject: Subject, resource: Deployed, *, request_id: str | None = None) -> None:
    response = subject.framework.send(
        "Delete",
        resource.logical_id,
        resource.properties,
        physical_id=resource.physical_id,
        request_id=request_id,
    )
    assert response.ok, f"delete {resource.logical_id} ({resource.physical_id}) failed: {response.reason}"


def _create_then_delete(subject: Subject) -> None:
    resource = create(subject, "Setting", 1)
    subject.check(resource.properties)
    delete(subject, resource)
    subject.check(None)


def _update(subject: Subject) -> None:
    resource = create(subject, "Setting", 1)
    resource, replaced = update(subject, resource, 2)
    if replaced is not None:
        delete(subject, replaced)
    subject.check(resource.properties)
    delete(subject, resource)
    subject.check(None)


def _failed_update_rolled_back(subject: Subject) -> None:
    resource = create(subject, "Setting", 1)
    subject.fail_next_change()
    failed = subject.framework.send(
        "Update",
        "Setting",
        subject.properties(2),
        physical_id=resource.physical_id,
        old_properties=resource.properties,
    )
    assert not failed.ok, "the injected fault did not fail the update"
    # UPDATE_ROLLBACK_IN_PROGRESS: the previous properties go back to the same physical id.
    rolled_back = subject.framework.send(
        "Update",
        "Setting",
        resource.properties,
        physical_id=failed.physical_id,
        old_properties=subject.properties(2),
    )
    assert rolled_back.ok, f"rollback update failed: {rolled_back.reason}"
    subject.check(resource.properties)
    delete(subject, Deployed("Setting", rolled_back.physical_id, resource.properties))
    subject.check(None)


def _update_rolled_back_by_another_resource(subject: Subject) -> None:
    resource = create(subject, "Setting", 1)
    updated, replaced = update(subject, resource, 2)
    subject.check(updated.properties)
    # Another resource fails: CloudFormation rolls this one back to its previous properties; a replacement's new
    # physical resource is deleted and the old one (never deleted yet) is updated back.
    if replaced is not None:
        delete(subject, updated)
        back, again = update(subject, Deployed("Setting", resource.physical_id, updated.properties), 1)
    else:
        back, again = update(subject, updated, 1)
    assert again is None, "a rollback update must not replace the resource"
    subject.check(resource.properties)
    delete(subject, back)
    subject.check(None)


def _replacement(subject: Subject) -> None:
    """The construct moved (a new logical id): CloudFormation creates the new resource, then deletes the old one."""
    old = create(subject, "Setting", 1)
    new = create(subject, "MovedSetting", 2)
    subject.check(new.properties)
    delete(subject, old)
    subject.check(new.properties)
    delete(subject, new)
    subject.check(None)


def _replacement_whose_create_fails(subject: Subject) -> None:
    old = create(subject, "Setting", 1)
    subject.fail_next_change()
    failed = subject.framework.send("Create", "MovedSetting", subject.properties(2))
    assert not failed.ok, "the injected fault did not fail the create"
    rollback = subject.framework.send("Delete", "MovedSetting", subject.properties(2), physical_id=failed.physical_id)
    assert rollback.ok, f"rollback delete failed: {rollback.reason}"
    subject.check(old.properties)
    delete(subject, old)
    subject.check(None)


def _failed_create_rolled_back(subject: Subject) -> None:
    subject.fail_next_change()
    failed = subject.framework.send("Create", "Setting", subject.properties(1))
    assert not failed.ok, "the injected fault did not fail the create"
    rollback = subject.framework.send("Delete", "Setting", subject.properties(1), physical_id=failed.physical_id)
    assert rollback.ok, f"rollback delete failed: {rollback.reason}"
    subject.check(None)


def _failed_create_rolled_back_with_a_physical_id(subject: Subject) -> None:
    """As above, but the Delete names a physical id the handler never returned — what ``AwsCustomResource`` sends after
    a failed create (its log stream name), or a framework that answers with the request id: it must change nothing."""
    subject.fail_next_change()
    failed = subject.framework.send("Create", "Setting", subject.properties(1))
    assert not failed.ok, "the injected fault did not fail the create"
    stray = "2026/12/06/[$LATEST]0123456789abcdef0123456789abcdef"
    rollback = subject.framework.send("Delete", "Setting", subject.properties(1), physical_id=stray)
    assert rollback.ok, f"rollback delete failed: {rollback.reason}"
    subject.check(None)


def _create_delivered_twice(subject: Subject) -> None:
    """The same create request arrives twice (an asynchronous invocation retried): CloudFormation takes one answer and
    will only ever delete that physical id, so both must be the same resource."""
    request_id = subject.framework.new_request_id()
    first = create(subject, "Setting", 1, request_id=request_id)
    second = create(subject, "Setting", 1, request_id=request_id)
    assert first.physical_id == second.physical_id, "a retried create made a second resource"
    subject.check(second.properties)
    delete(subject, second)
    subject.check(None)


def _delete_delivered_twice(subject: Subject) -> None:
    resource = create(subject, "Setting", 1)
    subject.check(resource.properties)
    request_id = subject.framework.new_request_id()
    delete(subject, resource, request_id=request_id)
    delete(subject, resource, request_id=request_id)
    subject.check(None)


#: Every sequence, by name (the test ids).
SEQUENCES: dict[str, Callable[[Subject], None]] = {
    "create-delete": _create_then_delete,
    "update": _update,
    "failed-update-rolled-back": _failed_update_rolled_back,
    "update-rolled-back-by-another-resource": _update_rolled_back_by_another_resource,
    "replacement": _replacement,
    "replacement-create-fails": _replacement_whose_create_fails,
    "failed-create-rolled-back": _failed_create_rolled_back,
    "failed-create-rolled-back-stray-id": _failed_create_rolled_back_with_a_physical_id,
    "create-delivered-twice": _create_delivered_twice,
    "delete-delivered-twice": _delete_delivered_twice,
}
