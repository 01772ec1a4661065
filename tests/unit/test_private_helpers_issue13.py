"""Private helpers added with registrations, Notify and RCS: importer ARN checks, E.164, cdk-nag finding ids."""

from __future__ import annotations

import aws_cdk as cdk
import pytest

from sms_constructs import ValidationError
from sms_constructs._private import nag
from sms_constructs._private.arns import RCS_AGENT, REGISTRATION, check_sms_arn, check_sms_id
from sms_constructs._private.validation import check_e164


def test_import_arn_accepts_sms_voice_arns_of_the_newer_types_and_tokens(stack: cdk.Stack) -> None:
    check_sms_arn(stack, "X", "rcs_agent_arn", "arn:aws:sms-voice:us-east-1:111122223333:rcs-agent/rcs-a1b2", RCS_AGENT)
    check_sms_arn(
        stack, "X", "rcs_agent_arn", "arn:aws-us-gov:sms-voice:us-gov-west-1:111122223333:rcs-agent/r", RCS_AGENT
    )
    check_sms_arn(stack, "X", "rcs_agent_arn", cdk.Fn.import_value("AgentArn"), RCS_AGENT)


@pytest.mark.parametrize(
    ("arn", "rule"),
    [
        ("rcs-a1b2", "must be an ARN like arn:aws:sms-voice:<region>:<account>:rcs-agent/<ID>"),
        ("arn:aws:sms-voice:us-east-1:1111:rcs-agent/r", "must name a Region and a 12-digit account"),
        ("arn:aws:sms-voice:us-east-1:111122223333:pool/p", "must be the ARN of a rcs-agent .*, not of a 'pool'"),
        ("arn:aws:sms-voice:us-east-1:111122223333:rcs-agent/r.1", "the part after 'rcs-agent/' must be a ID"),
    ],
)
def test_fails_import_arn_naming_the_construct_about_to_be_created(stack: cdk.Stack, arn: str, rule: str) -> None:
    with pytest.raises(ValidationError, match=rf"^TestStack/Agent: invalid 'rcs_agent_arn': {rule}"):
        check_sms_arn(stack, "Agent", "rcs_agent_arn", arn, RCS_AGENT)


def test_import_registration_id(stack: cdk.Stack) -> None:
    check_sms_id(stack, "R", "registration_id", "registration-01", REGISTRATION)
    check_sms_id(stack, "R", "registration_id", cdk.Fn.import_value("Id"), REGISTRATION)
    with pytest.raises(ValidationError, match=r"TestStack/R: invalid 'registration_id': must be a registration-"):
        check_sms_id(stack, "R", "registration_id", "reg-01", REGISTRATION)


@pytest.mark.parametrize("value", ["+14255550142", "+447700900123", "+12"])
def test_e164_accepts(stack: cdk.Stack, value: str) -> None:
    check_e164(stack, "number", value)


@pytest.mark.parametrize("value", ["14255550142", "+1 425 555 0142", "+01234", "+1234567890123456", "+", 14255550142])
def test_fails_e164(stack: cdk.Stack, value: object) -> None:
    with pytest.raises(ValidationError, match=r"TestStack: invalid 'number': must match"):
        check_e164(stack, "number", value)


def test_nag_renders_finding_ids_as_cdk_nag_writes_them(stack: cdk.Stack) -> None:
    arn = stack.format_arn(
        service="sms-voice", resource="registration", resource_name="*", arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME
    )

    assert nag.rendered({"Fn::GetAtt": ["Fn1", "Arn"]}) == "<Fn1.Arn>"
    assert nag.rendered({"Ref": "AWS::Partition"}) == "<AWS::Partition>"
    assert nag.rendered({"Fn::Join": ["", [{"Fn::GetAtt": ["Fn1", "Arn"]}, ":*"]]}) == "<Fn1.Arn>:*"
    assert nag.rendered({"Fn::Select": [0, ["a"]]}) is None
    assert nag.resource_finding(stack, arn) in (
        "Resource::arn:<AWS::Partition>:sms-voice:us-east-1:111122223333:registration/*",
        "Resource::arn:aws:sms-voice:us-east-1:111122223333:registration/*",
    )
