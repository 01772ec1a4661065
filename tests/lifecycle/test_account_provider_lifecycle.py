"""The account provider through every CloudFormation sequence, against a stateful fake of the SMS API and moto's SSM.

Every resource kind × pre-stack state × sequence: after each step every setting equals the value before the stack (when
nothing is declared) or the value the stack declares, no opt-out the stack did not add is removed, and no ownership
record is left behind once the stack is gone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from account_provider import handler
from moto import mock_aws

from tests.lifecycle.fake_account import DAY, FakeAccountSms, Limit, OptedOut
from tests.lifecycle.harness import SEQUENCES, Framework, Properties, create, delete

MAX_LIMIT = 1000
LIST = "acme-opt-outs"
NUMBER = "+14255550142"
OTHER_NUMBER = "+14255550177"  # on the list before the stack, never declared


@pytest.fixture
def ssm(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield boto3.client("ssm", region_name="us-east-1")


@dataclass
class Clock:
    now: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class AccountSubject:
    """One resource kind of the account provider in one pre-stack state."""

    kind: str
    before: str
    ssm: Any
    clock: Clock = field(default_factory=Clock)

    def __post_init__(self) -> None:
        self.fake = FakeAccountSms(clock=self.clock)
        self.fake.protect_configurations.update({"protect-1", "protect-2", "protect-before"})
        self.fake.message_types["acme"] = None
        self.fake.lists[LIST] = {}
        if self.before == "overridden":
            self._override_before()
        elif self.before == "present":
            self.fake.lists[LIST][NUMBER] = OptedOut(end_user=False, since=self.clock() - DAY)
        elif self.before == "recipient":
            self.fake.lists[LIST][NUMBER] = OptedOut(end_user=True, since=self.clock() - DAY)
        self.fake.lists[LIST][OTHER_NUMBER] = OptedOut(end_user=True, since=self.clock() - 2 * DAY)
        self.initial = self._state()
        self.provider = handler.AccountProvider(self.fake, self.ssm)
        self.framework = Framework(self.provider.handle, resource_type=self._resource_type())

    # -- the Subject protocol --------------------------------------------------------------------------------------

    def properties(self, variant: int) -> dict[str, Any]:
        if self.kind.startswith("spend-limit-"):
            return {"Channel": self.kind.removeprefix("spend-limit-").upper(), "MonthlyLimit": str(100 * variant)}
        if self.kind == "default-protect-configuration":
            return {"ProtectConfigurationId": f"protect-{variant}"}
        if self.kind == "default-message-type":
            return {"ConfigurationSetName": "acme", "MessageType": ("PROMOTIONAL", "TRANSACTIONAL")[variant % 2]}
        number = NUMBER if "changing" not in self.kind else f"+1425555016{variant}"
        properties = {"OptOutListName": LIST, "OptedOutNumber": number}
        if "remove" in self.kind:
            properties["RemoveOnDelete"] = "true"
        return properties

    def fail_next_change(self) -> None:
        self.fake.fail_change = True
        # a seeded number already on the list needs no write: fail the read before it
        self.fake.fail_any = self.kind.startswith("opted-out")

    def check(self, declared: Properties | None) -> None:
        state = self._state()
        if self.kind.startswith("opted-out"):
            self._check_opt_outs(declared)
            return
        wanted = self.initial if declared is None else self._declared(declared)
        assert state == wanted, f"the setting is {state}, expected {wanted}"
        if declared is None:
            assert self._records() == [], f"ownership records left behind: {self._records()}"

    # -- state -----------------------------------------------------------------------------------------------------

    def _resource_type(self) -> str:
        if self.kind.startswith("spend-limit-"):
            channel = self.kind.removeprefix("spend-limit-").upper()
            return next(t for t, c in handler.SPEND_LIMIT_TYPES.items() if c == channel)
        if self.kind == "default-protect-configuration":
            return handler.DEFAULT_PROTECT_CONFIGURATION_TYPE
        if self.kind == "default-message-type":
            return handler.DEFAULT_MESSAGE_TYPE_TYPE
        return handler.OPTED_OUT_NUMBER_TYPE

    def _override_before(self) -> None:
        if self.kind.startswith("spend-limit-"):
            name, _ = handler.CHANNELS[self.kind.removeprefix("spend-limit-").upper()]
            self.fake.limits[name] = Limit(max_limit=MAX_LIMIT, enforced=40, overridden=True)
        elif self.kind == "default-protect-configuration":
            self.fake.default_protect_configuration = "protect-before"
        elif self.kind == "default-message-type":
            self.fake.message_types["acme"] = "TRANSACTIONAL"

    def _state(self) -> Any:
        if self.kind.startswith("spend-limit-"):
            name, _ = handler.CHANNELS[self.kind.removeprefix("spend-limit-").upper()]
            limit = self.fake.limits[name]
            return (limit.overridden, limit.enforced if limit.overridden else None)
        if self.kind == "default-protect-configuration":
            return self.fake.default_protect_configuration
        if self.kind == "default-message-type":
            return self.fake.message_types["acme"]
        return {number: entry.end_user for number, entry in self.fake.lists[LIST].items()}

    def _declared(self, declared: Properties) -> Any:
        if self.kind.startswith("spend-limit-"):
            return (True, int(declared["MonthlyLimit"]))
        if self.kind == "default-protect-configuration":
            return declared["ProtectConfigurationId"]
        return declared["MessageType"]

    def _check_opt_outs(self, declared: Properties | None) -> None:
        numbers = self.fake.lists[LIST]
        # no opt-out the stack did not add is ever removed, and never one the recipient made
        for _, number, end_user in self.fake.removed:
            assert not end_user, f"{number} was removed although the recipient opted out"
            assert number not in self.initial, f"{number} was on the list before the stack and was removed"
            assert "remove" in self.kind, f"{number} was removed without RemoveOnDelete"
        for number, end_user in self.initial.items():
            assert number in numbers, f"{number} (on the list before the stack) is gone"
            assert numbers[number].end_user == end_user
        if declared is not None:
            assert declared["OptedOutNumber"] in numbers, "the declared number is not on the list"
            return
        assert self._records() == [], f"ownership records left behind: {self._records()}"
        if "remove" in self.kind:
            added = set(numbers) - set(self.initial)
            assert added == set(), f"numbers the stack added and asked to remove are still listed: {added}"

    def _records(self) -> list[str]:
        pages = self.ssm.get_paginator("describe_parameters").paginate()
        return [p["Name"] for page in pages for p in page["Parameters"] if p["Name"].startswith("/sms-constructs/")]


SETTING_KINDS = [f"spend-limit-{c.lower()}" for c in handler.CHANNELS] + [
    "default-protect-configuration",
    "default-message-type",
]
OPT_OUT_KINDS = ["opted-out", "opted-out-remove", "opted-out-changing", "opted-out-changing-remove"]
CASES = [(kind, before) for kind in SETTING_KINDS for before in ("not-overridden", "overridden")] + [
    (kind, before) for kind in OPT_OUT_KINDS for before in ("absent", "present", "recipient")
]


@pytest.mark.parametrize("sequence", sorted(SEQUENCES))
@pytest.mark.parametrize(("kind", "before"), CASES)
def test_every_kind_keeps_the_invariants_in_every_sequence(ssm: Any, kind: str, before: str, sequence: str) -> None:
    subject = AccountSubject(kind, before, ssm)
    subject.check(None)
    SEQUENCES[sequence](subject)


def test_a_spend_limit_delete_restores_an_override_and_deletes_none_that_was_not_there(ssm: Any) -> None:
    overridden = AccountSubject("spend-limit-text", "overridden", ssm)
    resource = create(overridden, "Setting", 3)
    delete(overridden, resource)
    assert overridden.fake.calls[-1] == "SetTextMessageSpendLimitOverride"
    assert overridden._state() == (True, 40)


def test_a_replacement_inherits_the_value_from_before_the_stack(ssm: Any) -> None:
    subject = AccountSubject("default-protect-configuration", "overridden", ssm)
    old = create(subject, "Setting", 1)
    new = create(subject, "MovedSetting", 2)
    delete(subject, old)  # not the owner any more: nothing changes
    assert subject.fake.default_protect_configuration == "protect-2"
    delete(subject, new)
    assert subject.fake.default_protect_configuration == "protect-before"


def test_resource_not_found_on_delete_is_success(ssm: Any) -> None:
    subject = AccountSubject("default-protect-configuration", "not-overridden", ssm)
    resource = create(subject, "Setting", 1)
    subject.fake.default_protect_configuration = None  # someone removed it by hand
    delete(subject, resource)
    assert subject.fake.default_protect_configuration is None


def test_a_previous_default_that_no_longer_exists_leaves_none(ssm: Any) -> None:
    subject = AccountSubject("default-protect-configuration", "overridden", ssm)
    resource = create(subject, "Setting", 1)
    subject.fake.protect_configurations.discard("protect-before")
    delete(subject, resource)
    assert subject.fake.default_protect_configuration is None


def test_a_refused_removal_within_30_days_keeps_the_number_and_succeeds(ssm: Any) -> None:
    subject = AccountSubject("opted-out-remove", "absent", ssm)
    first = create(subject, "Number", 1)
    delete(subject, first)
    assert NUMBER not in subject.fake.lists[LIST]
    subject.clock.now += 5 * DAY
    second = create(subject, "Number", 1)
    delete(subject, second)  # the service refuses the second deletion within 30 days
    assert NUMBER in subject.fake.lists[LIST]
    subject.clock.now += 30 * DAY
    third = create(subject, "Number", 1)  # the number is on the list before this resource: it is not its to remove
    delete(subject, third)
    assert NUMBER in subject.fake.lists[LIST]
    assert [number for _, number, _ in subject.fake.removed] == [NUMBER]


def test_a_number_the_recipient_opted_out_after_the_create_is_kept(ssm: Any) -> None:
    subject = AccountSubject("opted-out-remove", "absent", ssm)
    resource = create(subject, "Number", 1)
    subject.fake.lists[LIST].pop(NUMBER)
    subject.fake.opt_out_by_recipient(LIST, NUMBER)  # the recipient texts STOP
    delete(subject, resource)
    assert subject.fake.lists[LIST][NUMBER].end_user
    assert subject.fake.removed == []


def test_without_remove_on_delete_a_number_is_never_removed(ssm: Any) -> None:
    subject = AccountSubject("opted-out", "absent", ssm)
    resource = create(subject, "Number", 1)
    delete(subject, resource)
    assert NUMBER in subject.fake.lists[LIST]
    assert "DeleteOptedOutNumber" not in subject.fake.calls


def test_physical_ids_are_unique_per_stack_and_logical_id(ssm: Any) -> None:
    subject = AccountSubject("spend-limit-text", "not-overridden", ssm)
    first = create(subject, "Setting", 1)
    moved = create(subject, "MovedSetting", 1)
    other_stack = Framework(subject.provider.handle, subject.framework.resource_type, stack_id="arn:other-stack")
    third = other_stack.send("Create", "Setting", subject.properties(1))
    assert len({first.physical_id, moved.physical_id, third.physical_id}) == 3
    assert NUMBER not in first.physical_id


def test_the_physical_id_and_the_record_name_of_a_number_carry_a_digest_not_the_number(ssm: Any) -> None:
    subject = AccountSubject("opted-out-remove", "absent", ssm)
    resource = create(subject, "Number", 1)
    assert "5550142" not in resource.physical_id
    assert all("5550142" not in name for name in subject._records())
    assert subject._records() == [f"/sms-constructs/opted-out-numbers/{LIST}/{handler.number_digest(NUMBER)}"]
