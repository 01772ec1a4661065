"""Every ``from_*`` importer checks the service, the resource type and the ID shape of what it is given."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest

from sms_constructs._private.errors import ValidationError
from sms_constructs.resources.configuration_set import ConfigurationSet
from sms_constructs.resources.opt_out_list import OptOutList
from sms_constructs.resources.phone_number import PhoneNumber
from sms_constructs.resources.pool import Pool
from sms_constructs.resources.protect_configuration import ProtectConfiguration
from sms_constructs.resources.sender_id import SenderId

PREFIX = "arn:aws:sms-voice:us-east-1:111122223333:"

Importer = Callable[[cdk.Stack, str], Any]

#: (importer, its ARN prop, a valid ARN of its type)
ARN_IMPORTERS: list[tuple[str, Importer, str, str]] = [
    (
        "phone_number",
        lambda s, v: PhoneNumber.from_phone_number_arn(s, "Imported", v),
        "phone_number_arn",
        PREFIX + "phone-number/phone-0123456789abcdef0123456789abcdef",
    ),
    (
        "phone_number_attributes",
        lambda s, v: PhoneNumber.from_phone_number_attributes(s, "Imported", phone_number_arn=v),
        "phone_number_arn",
        PREFIX + "phone-number/phone-abc",
    ),
    ("pool", lambda s, v: Pool.from_pool_arn(s, "Imported", v), "pool_arn", PREFIX + "pool/pool-123"),
    (
        "sender_id",
        lambda s, v: SenderId.from_sender_id_arn(s, "Imported", v),
        "sender_id_arn",
        PREFIX + "sender-id/ACME/DE",
    ),
    (
        "opt_out_list",
        lambda s, v: OptOutList.from_opt_out_list_arn(s, "Imported", v),
        "opt_out_list_arn",
        PREFIX + "opt-out-list/acme",
    ),
    (
        "configuration_set",
        lambda s, v: ConfigurationSet.from_configuration_set_arn(s, "Imported", v),
        "configuration_set_arn",
        PREFIX + "configuration-set/acme",
    ),
    (
        "protect_configuration",
        lambda s, v: ProtectConfiguration.from_protect_configuration_arn(s, "Imported", v),
        "protect_configuration_arn",
        PREFIX + "protect-configuration/protect-0123abcd",
    ),
]
IDS = [case[0] for case in ARN_IMPORTERS]


@pytest.mark.parametrize(("name", "importer", "prop", "arn"), ARN_IMPORTERS, ids=IDS)
def test_a_valid_arn_is_imported_with_its_environment(
    stack: cdk.Stack, name: str, importer: Importer, prop: str, arn: str
) -> None:
    imported = importer(stack, arn)
    assert imported.env.account == "111122223333"
    assert imported.env.region == "us-east-1"


@pytest.mark.parametrize(("name", "importer", "prop", "arn"), ARN_IMPORTERS, ids=IDS)
def test_fails_a_phone_number_given_as_an_arn(
    stack: cdk.Stack, name: str, importer: Importer, prop: str, arn: str
) -> None:
    with pytest.raises(
        ValidationError,
        match=rf"^TestStack/Imported: invalid '{prop}': must be an ARN like .*received '\+18885550100'$",
    ):
        importer(stack, "+18885550100")


@pytest.mark.parametrize(("name", "importer", "prop", "arn"), ARN_IMPORTERS, ids=IDS)
def test_fails_the_arn_of_another_service(stack: cdk.Stack, name: str, importer: Importer, prop: str, arn: str) -> None:
    other = arn.replace(":sms-voice:", ":mobiletargeting:")
    with pytest.raises(
        ValidationError,
        match=rf"TestStack/Imported: invalid '{prop}': must be an AWS End User Messaging SMS ARN \(service "
        r"'sms-voice'\), not one of service 'mobiletargeting'",
    ):
        importer(stack, other)


@pytest.mark.parametrize(("name", "importer", "prop", "arn"), ARN_IMPORTERS, ids=IDS)
def test_fails_the_arn_of_another_sms_resource_type(
    stack: cdk.Stack, name: str, importer: Importer, prop: str, arn: str
) -> None:
    other = PREFIX + ("sender-id/ACME/DE" if "sender-id" not in arn else "phone-number/phone-abc")
    with pytest.raises(ValidationError, match=rf"TestStack/Imported: invalid '{prop}': must be the ARN of a "):
        importer(stack, other)


@pytest.mark.parametrize(("name", "importer", "prop", "arn"), ARN_IMPORTERS, ids=IDS)
def test_fails_an_arn_without_region_or_account(
    stack: cdk.Stack, name: str, importer: Importer, prop: str, arn: str
) -> None:
    with pytest.raises(ValidationError, match=rf"invalid '{prop}': must name a Region and a 12-digit account"):
        importer(stack, arn.replace(":us-east-1:111122223333:", "::111122223333:"))


@pytest.mark.parametrize(
    ("importer", "prop", "bad"),
    [
        (lambda s, v: PhoneNumber.from_phone_number_arn(s, "Imported", v), "phone_number_arn", "phone-number/+1888"),
        (lambda s, v: Pool.from_pool_arn(s, "Imported", v), "pool_arn", "pool/phone-abc"),
        (lambda s, v: SenderId.from_sender_id_arn(s, "Imported", v), "sender_id_arn", "sender-id/ACME"),
        (lambda s, v: OptOutList.from_opt_out_list_arn(s, "Imported", v), "opt_out_list_arn", "opt-out-list/a b"),
        (
            lambda s, v: ProtectConfiguration.from_protect_configuration_arn(s, "Imported", v),
            "protect_configuration_arn",
            "protect-configuration/abc",
        ),
    ],
    ids=["phone_number", "pool", "sender_id", "opt_out_list", "protect_configuration"],
)
def test_fails_an_id_of_the_wrong_shape(stack: cdk.Stack, importer: Importer, prop: str, bad: str) -> None:
    with pytest.raises(ValidationError, match=rf"TestStack/Imported: invalid '{prop}': the part after '"):
        importer(stack, PREFIX + bad)


@pytest.mark.parametrize(
    ("importer", "prop", "bad"),
    [
        (lambda s, v: PhoneNumber.from_phone_number_id(s, "Imported", v), "phone_number_id", "+18885550100"),
        (
            lambda s, v: PhoneNumber.from_phone_number_id(s, "Imported", v),
            "phone_number_id",
            PREFIX + "phone-number/phone-abc",
        ),
        (lambda s, v: Pool.from_pool_id(s, "Imported", v), "pool_id", "phone-abc"),
        (lambda s, v: OptOutList.from_opt_out_list_name(s, "Imported", v), "opt_out_list_name", "acme opt-outs"),
        (
            lambda s, v: ConfigurationSet.from_configuration_set_name(s, "Imported", v),
            "configuration_set_name",
            "a" * 65,
        ),
        (
            lambda s, v: SenderId.from_sender_id_attributes(s, "Imported", sender_id=v, iso_country_code="DE"),
            "sender_id",
            "TOO-LONG-SENDER",
        ),
        (
            lambda s, v: SenderId.from_sender_id_attributes(s, "Imported", sender_id="ACME", iso_country_code=v),
            "iso_country_code",
            "de",
        ),
    ],
    ids=["phone_number_id", "arn_as_id", "pool_id", "opt_out_list", "configuration_set", "sender_id", "sender_country"],
)
def test_fails_id_and_name_importers_with_the_wrong_shape(
    stack: cdk.Stack, importer: Importer, prop: str, bad: str
) -> None:
    with pytest.raises(ValidationError, match=rf"TestStack/Imported: invalid '{prop}': must be a "):
        importer(stack, bad)


def test_an_arn_given_as_an_id_names_the_arn_importer(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match="an ARN goes to the from_\\*_arn importer"):
        Pool.from_pool_id(stack, "Imported", PREFIX + "pool/pool-123")


def test_tokens_are_not_checked(stack: cdk.Stack) -> None:
    parameter = cdk.CfnParameter(stack, "Arn").value_as_string
    number = PhoneNumber.from_phone_number_arn(stack, "Imported", parameter)
    assert cdk.Token.is_unresolved(number.phone_number_arn)
    pool = Pool.from_pool_id(stack, "ImportedPool", cdk.CfnParameter(stack, "PoolId").value_as_string)
    assert cdk.Token.is_unresolved(pool.pool_id)
