"""The account provider's ``Custom::SmsConstructsPhoneNumberTwoWay``: a phone number's two-way channel pointed at
Amazon Connect at deploy time, and given back on delete.

Two layers: every call it makes in each situation, with botocore ``Stubber`` (which validates each request and each
canned response against the service model, and fails on any call not queued); and every CloudFormation sequence of
``tests/lifecycle/harness.py`` against a stateful fake number (requests and responses validated against the model too)
with moto's SSM for the ownership records.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from account_provider import handler
from botocore.stub import Stubber
from moto import mock_aws

from tests.lifecycle.fake_account import FakeAccountSms
from tests.lifecycle.harness import CREATE_FAILED_MARKER, SEQUENCES, Framework, Properties

NUMBER_ID = "phone-0a1b2c3d4e5f67890a1b2c3d4e5f6789"
OTHER_NUMBER_ID = "phone-ffeeddccbbaa99887766554433221100"
ACCOUNT = "111122223333"
CONNECT = "connect.us-east-1.amazonaws.com"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/Stack-NumberTwoWayRole-AAAA"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:inbound"
TOPIC_ROLE = f"arn:aws:iam::{ACCOUNT}:role/inbound-publisher"
OFF = {"TwoWayEnabled": False, "TwoWayChannelArn": None, "TwoWayChannelRole": None}


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


def _properties(number_id: str = NUMBER_ID, role: str = ROLE, revision: str = "r1") -> dict[str, Any]:
    return {
        "PhoneNumberId": number_id,
        "TwoWayChannelArn": CONNECT,
        "TwoWayChannelRole": role,
        "NumberRevision": revision,
    }


def _number(number_id: str = NUMBER_ID, **two_way: Any) -> dict[str, Any]:
    """A ``PhoneNumberInformation`` as ``DescribePhoneNumbers`` returns it."""
    information: dict[str, Any] = {
        "PhoneNumberArn": f"arn:aws:sms-voice:us-east-1:{ACCOUNT}:phone-number/{number_id}",
        "PhoneNumberId": number_id,
        "PhoneNumber": "+18885550142",
        "Status": "ACTIVE",
        "IsoCountryCode": "US",
        "MessageType": "TRANSACTIONAL",
        "NumberCapabilities": ["SMS"],
        "NumberType": "TOLL_FREE",
        "MonthlyLeasingPrice": "2.00",
        "TwoWayEnabled": False,
        "SelfManagedOptOutsEnabled": False,
        "OptOutListName": "Default",
        "DeletionProtectionEnabled": True,
        "CreatedTimestamp": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    }
    information.update({k: v for k, v in two_way.items() if v is not None})
    return information


def _connected(number_id: str = NUMBER_ID, role: str = ROLE) -> dict[str, Any]:
    return _number(number_id, TwoWayEnabled=True, TwoWayChannelArn=CONNECT, TwoWayChannelRole=role)


class Calls:
    """A Stubber on the SMS client, and the provider around it."""

    def __init__(self, ssm: Any) -> None:
        self.sms = boto3.client("pinpoint-sms-voice-v2", region_name="us-east-1")
        self.stub = Stubber(self.sms)
        self.stub.activate()
        self.ssm = ssm
        self.framework = Framework(handler.AccountProvider(self.sms, ssm).handle, handler.PHONE_NUMBER_TWO_WAY_TYPE)

    def describes(self, number: dict[str, Any] | None, number_id: str = NUMBER_ID) -> None:
        expected = {"PhoneNumberIds": [number_id]}
        if number is None:
            self.stub.add_client_error(
                "describe_phone_numbers", "ResourceNotFoundException", expected_params=expected, http_status_code=404
            )
        else:
            self.stub.add_response("describe_phone_numbers", {"PhoneNumbers": [number]}, expected)

    def updates(self, error: str | None = None, **request: Any) -> None:
        if error:
            self.stub.add_client_error("update_phone_number", error, expected_params=request, http_status_code=400)
            return
        response = {"PhoneNumberId": request["PhoneNumberId"], "TwoWayEnabled": request.get("TwoWayEnabled", False)}
        self.stub.add_response("update_phone_number", response, request)

    def points_at_connect(self, number_id: str = NUMBER_ID, role: str = ROLE) -> None:
        self.updates(PhoneNumberId=number_id, TwoWayEnabled=True, TwoWayChannelArn=CONNECT, TwoWayChannelRole=role)

    def record(self, number_id: str = NUMBER_ID) -> dict[str, Any] | None:
        name = f"{handler.PHONE_NUMBER_TWO_WAY_PREFIX}/{number_id}"
        try:
            return dict(json.loads(self.ssm.get_parameter(Name=name)["Parameter"]["Value"]))
        except self.ssm.exceptions.ParameterNotFound:
            return None

    def create(self, logical_id: str = "ConnectTwoWay", **properties: Any) -> str:
        response = self.framework.send("Create", logical_id, _properties(**properties))
        assert response.ok, response.reason
        return response.physical_id

    def delete(self, physical_id: str, logical_id: str = "ConnectTwoWay", **properties: Any) -> None:
        response = self.framework.send("Delete", logical_id, _properties(**properties), physical_id=physical_id)
        assert response.ok, response.reason


@pytest.fixture
def calls(ssm: Any) -> Iterator[Calls]:
    subject = Calls(ssm)
    yield subject
    subject.stub.assert_no_pending_responses()


def test_create_records_the_settings_before_and_points_the_number_at_connect(calls: Calls) -> None:
    calls.describes(_number())
    calls.points_at_connect()
    physical_id = calls.create()
    assert calls.record() == {"Owner": physical_id, "Previous": OFF}
    assert physical_id.startswith("sms-constructs:phone-number-two-way:")


def test_an_update_of_the_number_sets_the_channel_again_and_keeps_the_settings_before(calls: Calls) -> None:
    calls.describes(_number(TwoWayEnabled=True, TwoWayChannelArn=TOPIC, TwoWayChannelRole=TOPIC_ROLE))
    calls.points_at_connect()
    physical_id = calls.create()
    calls.points_at_connect()  # no second DescribePhoneNumbers: what was there before is already recorded
    response = calls.framework.send(
        "Update",
        "ConnectTwoWay",
        _properties(revision="r2"),
        physical_id=physical_id,
        old_properties=_properties(),
    )
    assert response.ok
    assert response.physical_id == physical_id
    previous = {"TwoWayEnabled": True, "TwoWayChannelArn": TOPIC, "TwoWayChannelRole": TOPIC_ROLE}
    assert calls.record() == {"Owner": physical_id, "Previous": previous}


def test_delete_turns_two_way_off_when_the_number_had_none(calls: Calls) -> None:
    calls.describes(_number())
    calls.points_at_connect()
    physical_id = calls.create()
    calls.describes(_connected())
    calls.updates(PhoneNumberId=NUMBER_ID, TwoWayEnabled=False)
    calls.delete(physical_id)
    assert calls.record() is None


def test_delete_restores_the_channel_the_number_had_before(calls: Calls) -> None:
    calls.describes(_number(TwoWayEnabled=True, TwoWayChannelArn=TOPIC, TwoWayChannelRole=TOPIC_ROLE))
    calls.points_at_connect()
    physical_id = calls.create()
    calls.describes(_connected())
    calls.updates(PhoneNumberId=NUMBER_ID, TwoWayEnabled=True, TwoWayChannelArn=TOPIC, TwoWayChannelRole=TOPIC_ROLE)
    calls.delete(physical_id)
    assert calls.record() is None


def test_delete_turns_two_way_off_when_the_previous_channel_cannot_be_set_any_more(calls: Calls) -> None:
    calls.describes(_number(TwoWayEnabled=True, TwoWayChannelArn=TOPIC, TwoWayChannelRole=TOPIC_ROLE))
    calls.points_at_connect()
    physical_id = calls.create()
    calls.describes(_connected())
    restore = {"TwoWayEnabled": True, "TwoWayChannelArn": TOPIC, "TwoWayChannelRole": TOPIC_ROLE}
    calls.updates("ValidationException", PhoneNumberId=NUMBER_ID, **restore)  # the topic was deleted
    calls.updates(PhoneNumberId=NUMBER_ID, TwoWayEnabled=False)
    calls.delete(physical_id)
    assert calls.record() is None


def test_delete_of_a_released_number_succeeds_and_calls_nothing_else(calls: Calls) -> None:
    calls.describes(_number())
    calls.points_at_connect()
    physical_id = calls.create()
    calls.describes(None)  # ResourceNotFoundException: released (a DESTROY number deleted first, or by hand)
    calls.delete(physical_id)
    assert calls.record() is None


def test_delete_succeeds_when_the_number_is_released_between_describe_and_update(calls: Calls) -> None:
    calls.describes(_number())
    calls.points_at_connect()
    physical_id = calls.create()
    calls.describes(_connected())
    calls.updates("ResourceNotFoundException", PhoneNumberId=NUMBER_ID, TwoWayEnabled=False)
    calls.delete(physical_id)
    assert calls.record() is None


@pytest.mark.parametrize(
    "since",
    [
        {"TwoWayEnabled": True, "TwoWayChannelArn": TOPIC, "TwoWayChannelRole": TOPIC_ROLE},  # switched to SNS
        {"TwoWayEnabled": False},  # turned off by an operator
        {"TwoWayEnabled": True, "TwoWayChannelArn": CONNECT, "TwoWayChannelRole": TOPIC_ROLE},  # another role
    ],
    ids=["sns-topic", "off", "other-role"],
)
def test_delete_leaves_a_channel_someone_else_set_since(calls: Calls, since: dict[str, Any]) -> None:
    calls.describes(_number())
    calls.points_at_connect()
    physical_id = calls.create()
    calls.describes(_number(**since))  # and no UpdatePhoneNumber is queued: the Stubber fails on one
    calls.delete(physical_id)
    assert calls.record() is None


def test_delete_leaves_a_number_that_is_now_in_a_pool(calls: Calls) -> None:
    calls.describes(_number())
    calls.points_at_connect()
    physical_id = calls.create()
    calls.describes({**_connected(), "PoolId": "pool-0123456789abcdef0123456789abcdef"})
    calls.delete(physical_id)
    assert calls.record() is None


def test_fails_create_for_a_number_in_a_pool_and_leaves_no_record(calls: Calls) -> None:
    calls.describes({**_number(), "PoolId": "pool-0123456789abcdef0123456789abcdef"})
    response = calls.framework.send("Create", "ConnectTwoWay", _properties())
    assert not response.ok
    assert "is in pool pool-0123456789abcdef0123456789abcdef" in response.reason
    assert calls.record() is None


def test_fails_create_for_a_number_that_does_not_exist(calls: Calls) -> None:
    calls.describes(None)
    response = calls.framework.send("Create", "ConnectTwoWay", _properties())
    assert not response.ok
    assert "does not exist" in response.reason
    assert calls.record() is None


def test_fails_create_when_the_service_refuses_the_channel_and_leaves_no_record(calls: Calls) -> None:
    calls.describes(_number())
    calls.updates(
        "ValidationException",
        PhoneNumberId=NUMBER_ID,
        TwoWayEnabled=True,
        TwoWayChannelArn=CONNECT,
        TwoWayChannelRole=ROLE,
    )
    response = calls.framework.send("Create", "ConnectTwoWay", _properties())
    assert not response.ok
    assert response.physical_id == CREATE_FAILED_MARKER
    assert calls.record() is None


def test_fails_a_phone_number_arn_instead_of_an_id(calls: Calls) -> None:
    arn = f"arn:aws:sms-voice:us-east-1:{ACCOUNT}:phone-number/{NUMBER_ID}"
    response = calls.framework.send("Create", "ConnectTwoWay", _properties(number_id=arn))
    assert not response.ok
    assert "not an ARN" in response.reason


def test_a_delete_after_a_failed_create_with_a_stray_physical_id_calls_nothing(calls: Calls) -> None:
    # no response is queued: any SMS call fails the test
    calls.delete("2026/12/06/[$LATEST]0123456789abcdef0123456789abcdef")
    assert calls.record() is None


def test_a_new_number_is_pointed_at_connect_before_the_old_one_is_given_back(calls: Calls) -> None:
    """The number was replaced: CloudFormation updates the custom resource with the new number's ID (a new physical
    ID), then deletes the old physical ID with the old properties in its cleanup phase."""
    calls.describes(_number())
    calls.points_at_connect()
    old = calls.create()
    calls.describes(_number(OTHER_NUMBER_ID), OTHER_NUMBER_ID)
    calls.points_at_connect(OTHER_NUMBER_ID)
    response = calls.framework.send(
        "Update",
        "ConnectTwoWay",
        _properties(number_id=OTHER_NUMBER_ID, revision="r2"),
        physical_id=old,
        old_properties=_properties(),
    )
    assert response.ok
    assert response.physical_id != old
    calls.describes(_connected())
    calls.updates(PhoneNumberId=NUMBER_ID, TwoWayEnabled=False)
    calls.delete(old)
    assert calls.record() is None
    assert calls.record(OTHER_NUMBER_ID) == {"Owner": response.physical_id, "Previous": OFF}


def test_a_previous_channel_naming_this_resources_role_is_not_restored(calls: Calls) -> None:
    # the number already pointed at Connect with this stack's role (set by hand): the role goes with the stack
    calls.describes(_connected())
    calls.points_at_connect()
    physical_id = calls.create()
    calls.describes(_connected())
    calls.updates(PhoneNumberId=NUMBER_ID, TwoWayEnabled=False)
    calls.delete(physical_id)


# -- every CloudFormation sequence against a stateful fake ---------------------------------------------------------


@dataclass
class FakeNumbers(FakeAccountSms):
    """Phone numbers with their two-way settings; ``UpdatePhoneNumber`` refuses a number in a pool, as the API says."""

    numbers: dict[str, dict[str, Any]] = field(default_factory=dict)

    def describe_phone_numbers(self, **params: Any) -> dict[str, Any]:
        self._call("DescribePhoneNumbers", params)
        found = []
        for number_id in params["PhoneNumberIds"]:
            if number_id not in self.numbers:
                raise self._not_found("phone-number", number_id)
            found.append(_number(number_id, **self.numbers[number_id]))
        return self._respond("DescribePhoneNumbers", {"PhoneNumbers": found})

    def update_phone_number(self, **params: Any) -> dict[str, Any]:
        self._change("UpdatePhoneNumber", params)
        number_id = params["PhoneNumberId"]
        if number_id not in self.numbers:
            raise self._not_found("phone-number", number_id)
        state = self.numbers[number_id]
        if state.get("PoolId"):
            raise self._error(
                "ConflictException",
                "The phone number is associated with a pool.",
                Reason="PHONE_NUMBER_ASSOCIATED_TO_POOL",
                ResourceType="phone-number",
                ResourceId=number_id,
            )
        for key in ("TwoWayEnabled", "TwoWayChannelArn", "TwoWayChannelRole"):
            if key in params:
                state[key] = params[key]
        if not state.get("TwoWayEnabled"):
            state.update(TwoWayChannelArn=None, TwoWayChannelRole=None)
        return self._respond("UpdatePhoneNumber", {"PhoneNumberId": number_id, "TwoWayEnabled": state["TwoWayEnabled"]})


BEFORE = {
    "off": dict(OFF),
    "sns": {"TwoWayEnabled": True, "TwoWayChannelArn": TOPIC, "TwoWayChannelRole": TOPIC_ROLE},
}


@dataclass
class TwoWaySubject:
    before: str
    ssm: Any

    def __post_init__(self) -> None:
        self.fake = FakeNumbers(clock=lambda: 1_800_000_000.0)
        self.fake.numbers[NUMBER_ID] = dict(BEFORE[self.before])
        self.initial = dict(self.fake.numbers[NUMBER_ID])
        self.framework = Framework(
            handler.AccountProvider(self.fake, self.ssm).handle, handler.PHONE_NUMBER_TWO_WAY_TYPE
        )

    def properties(self, variant: int) -> dict[str, Any]:
        # each version of the stack: the number changed (a new revision), and every other one a new role
        return _properties(role=f"{ROLE}{variant % 2}", revision=f"r{variant}")

    def fail_next_change(self) -> None:
        self.fake.fail_change = True

    def check(self, declared: Properties | None) -> None:
        state = self.fake.numbers[NUMBER_ID]
        if declared is None:
            assert state == self.initial, f"two-way is {state}, expected the settings before the stack {self.initial}"
            names = [p["Name"] for p in self.ssm.describe_parameters()["Parameters"]]
            assert names == [], f"ownership records left behind: {names}"
            return
        wanted = {
            "TwoWayEnabled": True,
            "TwoWayChannelArn": declared["TwoWayChannelArn"],
            "TwoWayChannelRole": declared["TwoWayChannelRole"],
        }
        assert state == wanted, f"two-way is {state}, expected {wanted}"


@pytest.mark.parametrize("sequence", sorted(SEQUENCES))
@pytest.mark.parametrize("before", sorted(BEFORE))
def test_every_sequence_keeps_the_invariants(ssm: Any, before: str, sequence: str) -> None:
    subject = TwoWaySubject(before, ssm)
    subject.check(None)
    SEQUENCES[sequence](subject)


def test_cloudformation_resetting_two_way_on_a_number_update_is_undone_by_the_next_revision(ssm: Any) -> None:
    subject = TwoWaySubject("off", ssm)
    first = subject.framework.send("Create", "ConnectTwoWay", subject.properties(1))
    subject.fake.numbers[NUMBER_ID].update(OFF)  # CloudFormation updated the number without a TwoWay
    response = subject.framework.send(
        "Update",
        "ConnectTwoWay",
        subject.properties(3),  # same role, new revision
        physical_id=first.physical_id,
        old_properties=subject.properties(1),
    )
    assert response.ok
    subject.check(subject.properties(3))
