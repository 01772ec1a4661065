"""SenderId: synthesized properties, policies, attributes (Ref is ISO|SenderId), importers, grants and validation."""

from __future__ import annotations

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import pytest
from aws_cdk.assertions import Annotations, Match, Template

from sms_constructs._private.errors import ValidationError
from sms_constructs.resources.countries import SMS_COUNTRY_CODES
from sms_constructs.resources.sender_id import SenderId
from sms_constructs.resources.sender_id_countries import SENDER_ID_NOT_SUPPORTED, SENDER_ID_REGISTRATION_REQUIRED

ARN = "arn:aws:sms-voice:us-east-1:111122223333:sender-id/ACME/DE"


def test_defaults_are_secure(stack: cdk.Stack) -> None:
    SenderId(stack, "Sender", sender_id="ACME", iso_country_code="DE")
    Template.from_stack(stack).has_resource(
        "AWS::SMSVOICE::SenderId",
        {
            "Properties": {"SenderId": "ACME", "IsoCountryCode": "DE", "DeletionProtectionEnabled": True},
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_removal_policy_destroy(stack: cdk.Stack) -> None:
    SenderId(stack, "Sender", sender_id="ACME_2-X", iso_country_code="FR", removal_policy=cdk.RemovalPolicy.DESTROY)
    Template.from_stack(stack).has_resource(
        "AWS::SMSVOICE::SenderId",
        {"Properties": {"SenderId": "ACME_2-X", "DeletionProtectionEnabled": False}, "DeletionPolicy": "Delete"},
    )


def test_tags_reach_the_l1(stack: cdk.Stack) -> None:
    sender = SenderId(stack, "Sender", sender_id="ACME", iso_country_code="DE")
    cdk.Tags.of(sender).add("team", "messaging")
    Template.from_stack(stack).has_resource_properties(
        "AWS::SMSVOICE::SenderId", {"Tags": [{"Key": "team", "Value": "messaging"}]}
    )


def test_attributes_split_the_composite_ref(stack: cdk.Stack) -> None:
    sender = SenderId(stack, "Sender", sender_id="ACME", iso_country_code="DE")
    logical_id = stack.get_logical_id(sender.resource)
    split = {"Fn::Split": ["|", {"Ref": logical_id}]}
    assert stack.resolve(sender.iso_country_code) == {"Fn::Select": [0, split]}
    assert stack.resolve(sender.sender_id) == {"Fn::Select": [1, split]}
    assert stack.resolve(sender.sender_id_arn) == {"Fn::GetAtt": [logical_id, "Arn"]}
    assert stack.resolve(sender.origination_identity_arn) == {"Fn::GetAtt": [logical_id, "Arn"]}
    assert stack.resolve(sender.sender_id_ref.sender_id_arn) == {"Fn::GetAtt": [logical_id, "Arn"]}


def test_import_by_attributes_formats_arn(stack: cdk.Stack) -> None:
    imported = SenderId.from_sender_id_attributes(stack, "Sender", sender_id="ACME", iso_country_code="DE")
    assert stack.resolve(imported.sender_id_arn) == ARN
    assert (imported.sender_id, imported.iso_country_code) == ("ACME", "DE")


def test_import_by_arn_takes_parts_and_env_from_arn(stack: cdk.Stack) -> None:
    arn = "arn:aws:sms-voice:eu-west-1:444455556666:sender-id/ACME/GB"
    imported = SenderId.from_sender_id_arn(stack, "Sender", arn)
    assert (imported.sender_id, imported.iso_country_code, imported.sender_id_arn) == ("ACME", "GB", arn)
    assert (imported.env.account, imported.env.region) == ("444455556666", "eu-west-1")


def test_import_by_token_arn_splits_at_deploy_time(stack: cdk.Stack) -> None:
    arn = cdk.CfnParameter(stack, "SenderArn").value_as_string
    imported = SenderId.from_sender_id_arn(stack, "Sender", arn)
    resolved = stack.resolve(imported.iso_country_code)
    assert resolved["Fn::Select"][0] == 1
    assert stack.resolve(imported.sender_id)["Fn::Select"][0] == 0


def test_grant_send_text_message_is_scoped_to_the_sender_id(stack: cdk.Stack) -> None:
    sender = SenderId(stack, "Sender", sender_id="ACME", iso_country_code="DE")
    role = iam.Role(stack, "Fn", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    sender.grant_send_text_message(role)
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "sms-voice:SendTextMessage",
                        "Effect": "Allow",
                        "Resource": {"Fn::GetAtt": [stack.get_logical_id(sender.resource), "Arn"]},
                    }
                ],
                "Version": "2012-10-17",
            }
        },
    )


def test_grant_send_text_message_on_imported_sender_id(stack: cdk.Stack) -> None:
    imported = SenderId.from_sender_id_arn(stack, "Sender", ARN)
    imported.grant_send_text_message(iam.Role(stack, "Fn", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")))
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [{"Action": "sms-voice:SendTextMessage", "Effect": "Allow", "Resource": ARN}],
                "Version": "2012-10-17",
            }
        },
    )


def test_grant_use_for_sns(stack: cdk.Stack) -> None:
    sender = SenderId(stack, "Sender", sender_id="ACME", iso_country_code="DE")
    sender.grant_use(iam.ServicePrincipal("sns.amazonaws.com"))
    arn = {"Fn::GetAtt": [stack.get_logical_id(sender.resource), "Arn"]}
    Template.from_stack(stack).has_resource_properties(
        "AWS::SMSVOICE::ResourcePolicy",
        {
            "ResourceArn": arn,
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "sms-voice:SendTextMessage",
                        "Effect": "Allow",
                        "Principal": {"Service": "sns.amazonaws.com"},
                        "Resource": arn,
                        "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
                    }
                ],
                "Version": "2012-10-17",
            },
        },
    )


@pytest.mark.parametrize("sender_id", ["", "ABCDEFGHIJKL"])
def test_fails_sender_id_length(stack: cdk.Stack, sender_id: str) -> None:
    with pytest.raises(
        ValidationError, match=r"TestStack/Sender: invalid 'sender_id': length must be between 1 and 11"
    ):
        SenderId(stack, "Sender", sender_id=sender_id, iso_country_code="DE")


def test_fails_lower_case_sender_id(stack: cdk.Stack) -> None:
    with pytest.raises(
        ValidationError, match=r"invalid 'sender_id': must be upper case in CloudFormation .* use 'ACME'"
    ):
        SenderId(stack, "Sender", sender_id="Acme", iso_country_code="DE")


@pytest.mark.parametrize("sender_id", ["ACME CO", "ACME.CO", "ÄCME"])
def test_fails_sender_id_pattern(stack: cdk.Stack, sender_id: str) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'sender_id': must match \^\[A-Z0-9_-\]\+\$"):
        SenderId(stack, "Sender", sender_id=sender_id, iso_country_code="DE")


def test_fails_sender_id_country(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'iso_country_code': must match .*; received 'de'"):
        SenderId(stack, "Sender", sender_id="ACME", iso_country_code="de")


def test_token_sender_id_is_not_validated(stack: cdk.Stack) -> None:
    value = cdk.CfnParameter(stack, "SenderIdValue").value_as_string
    SenderId(stack, "Sender", sender_id=value, iso_country_code="DE")
    Template.from_stack(stack).has_resource_properties(
        "AWS::SMSVOICE::SenderId", {"SenderId": {"Ref": "SenderIdValue"}}
    )


def test_fails_sender_id_without_a_letter(stack: cdk.Stack) -> None:
    # RequestSenderId: "The sender ID must contain at least one letter and cannot start or end with a hyphen."
    with pytest.raises(
        ValidationError, match=r"TestStack/Sender: invalid 'sender_id': must contain at least one letter"
    ):
        SenderId(stack, "Sender", sender_id="12345", iso_country_code="DE")


@pytest.mark.parametrize("sender_id", ["-ACME", "ACME-"])
def test_fails_sender_id_starting_or_ending_with_a_hyphen(stack: cdk.Stack, sender_id: str) -> None:
    with pytest.raises(
        ValidationError, match=r"TestStack/Sender: invalid 'sender_id': must not start or end with a hyphen"
    ):
        SenderId(stack, "Sender", sender_id=sender_id, iso_country_code="DE")


# --- countries without sender IDs (issue 9) -----------------------------------------------------------------------


@pytest.mark.parametrize("country", ["US", "CA", "CN", "PR"])
def test_fails_sender_id_in_a_country_without_sender_ids(stack: cdk.Stack, country: str) -> None:
    with pytest.raises(
        ValidationError,
        match=rf"^TestStack/Sender: invalid 'iso_country_code': sender IDs are not supported in this country "
        rf"\(AWS End User Messaging SMS, supported countries table, column 'SMS Sender IDs'.*received '{country}'$",
    ):
        SenderId(stack, "Sender", sender_id="ACME", iso_country_code=country)


def test_every_country_without_sender_ids_is_a_known_destination() -> None:
    assert SENDER_ID_NOT_SUPPORTED <= SMS_COUNTRY_CODES
    assert SENDER_ID_REGISTRATION_REQUIRED <= SMS_COUNTRY_CODES
    assert not SENDER_ID_NOT_SUPPORTED & SENDER_ID_REGISTRATION_REQUIRED
    assert {"US", "CA"} <= SENDER_ID_NOT_SUPPORTED


def test_warns_sender_id_that_needs_a_registration(stack: cdk.Stack) -> None:
    SenderId(stack, "Sender", sender_id="ACME", iso_country_code="IN")
    SenderId(stack, "Other", sender_id="ACME", iso_country_code="DE")
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("SenderIdRegistrationRequired"))
    assert [w.id for w in warnings] == ["/TestStack/Sender"]
    assert "must be registered before they can send" in str(warnings[0].entry.data)


def test_fails_sender_id_in_uk_instead_of_gb(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'iso_country_code': must be a destination .*did you mean 'GB'"):
        SenderId(stack, "Sender", sender_id="ACME", iso_country_code="UK")
