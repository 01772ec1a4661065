"""The harness can fail: a provider written like ``AwsCustomResource`` (set on create and update, a blanket reset on
delete, one constant physical id) breaks the invariants in the sequences the issue names, and a provider that does
nothing breaks them everywhere."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.lifecycle.harness import SEQUENCES, Framework, Properties

DEFAULT = 0
BEFORE = 25  # the account's value before the stack: not the default


@dataclass
class ToySetting:
    """One account-wide number, like a spend-limit override."""

    value: int = BEFORE
    fail: bool = False

    def set(self, value: int) -> None:
        if self.fail:
            self.fail = False
            raise RuntimeError("ThrottlingException")
        self.value = value

    def reset(self) -> None:
        self.value = DEFAULT


@dataclass
class ToySubject:
    naive: bool
    account: ToySetting = field(default_factory=ToySetting)

    def __post_init__(self) -> None:
        self.framework = Framework(self.handle, resource_type="Custom::Toy")

    def handle(self, event: Mapping[str, Any]) -> dict[str, Any]:
        if self.naive:  # AwsCustomResource as the library used it
            if event["RequestType"] == "Delete":
                self.account.reset()
            else:
                self.account.set(int(event["ResourceProperties"]["Value"]))
            return {"PhysicalResourceId": "Setting"}
        return {}  # does nothing at all

    def properties(self, variant: int) -> dict[str, Any]:
        return {"Value": str(100 * variant)}

    def fail_next_change(self) -> None:
        self.account.fail = True

    def check(self, declared: Properties | None) -> None:
        wanted = BEFORE if declared is None else int(declared["Value"])
        assert self.account.value == wanted, f"the setting is {self.account.value}, expected {wanted}"


@pytest.mark.parametrize(
    "sequence",
    ["create-delete", "replacement", "failed-create-rolled-back-stray-id", "failed-update-rolled-back"],
)
def test_a_provider_that_resets_on_delete_breaks_the_invariants(sequence: str) -> None:
    with pytest.raises(AssertionError, match=r"the setting is|failed"):
        SEQUENCES[sequence](ToySubject(naive=True))


@pytest.mark.parametrize("sequence", sorted(SEQUENCES))
def test_a_provider_that_does_nothing_breaks_every_sequence(sequence: str) -> None:
    with pytest.raises(AssertionError):
        SEQUENCES[sequence](ToySubject(naive=False))


def test_the_framework_answers_the_rollback_delete_of_a_failed_create_itself() -> None:
    subject = ToySubject(naive=True)
    subject.fail_next_change()
    failed = subject.framework.send("Create", "Setting", {"Value": "100"})
    assert (failed.status, failed.physical_id) == ("FAILED", "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED")
    assert subject.framework.send("Delete", "Setting", {"Value": "100"}, physical_id=failed.physical_id).ok
    assert [request["RequestType"] for request in subject.framework.requests] == ["Create"]
    subject.check(None)
