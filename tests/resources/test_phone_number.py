"""PhoneNumber: synthesized properties, policies, importers, grants, resource policy, two-way SMS and validation."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
import aws_cdk.aws_smsvoice as smsvoice
import aws_cdk.aws_sns as sns
import pytest
from aws_cdk.assertions import Annotations, Match, Template
from constructs import IConstruct

from sms_constructs._private.errors import ValidationError
from sms_constructs.resources.common import KeywordAction, NumberCapability, NumberType
from sms_constructs.resources.keywords import MandatoryKeywords, OptionalKeyword
from sms_constructs.resources.opt_out_list import OptOutList
from sms_constructs.resources.phone_number import PhoneNumber
from sms_constructs.resources.two_way import TwoWayChannel

KEYWORDS = MandatoryKeywords(help="Acme alerts. Reply STOP to opt out.", stop="You are unsubscribed.")
IMPORTED_ARN = "arn:aws:sms-voice:us-east-1:111122223333:phone-number/phone-abc"


def _number(stack: cdk.Stack, id: str = "Number", **overrides: Any) -> PhoneNumber:
    props: dict[str, Any] = {
        "iso_country_code": "US",
        "number_type": NumberType.SIMULATOR,
        "capabilities": [NumberCapability.SMS],
        "keywords": KEYWORDS,
    }
    props.update(overrides)
    return PhoneNumber(stack, id, **props)


def _role(stack: cdk.Stack) -> iam.Role:
    return iam.Role(stack, "Sender", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))


def _lid(stack: cdk.Stack, construct: IConstruct) -> str:
    child = construct.node.default_child
    assert isinstance(child, cdk.CfnElement)
    return stack.get_logical_id(child)


# --- synthesized resource -------------------------------------------------------------------------------------


def test_defaults_are_secure(stack: cdk.Stack) -> None:
    _number(stack)
    template = Template.from_stack(stack)
    template.has_resource(
        "AWS::SMSVOICE::PhoneNumber",
        {
            "Properties": {
                "IsoCountryCode": "US",
                "NumberType": "SIMULATOR",
                "NumberCapabilities": ["SMS"],
                "MandatoryKeywords": {
                    "HELP": {"Message": KEYWORDS.help},
                    "STOP": {"Message": KEYWORDS.stop},
                },
                "DeletionProtectionEnabled": True,
                "OptOutListName": Match.absent(),
                "SelfManagedOptOutsEnabled": Match.absent(),
                "TwoWay": Match.absent(),
                "OptionalKeywords": Match.absent(),
            },
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )
    template.resource_count_is("AWS::IAM::Role", 0)
    template.resource_count_is("AWS::SMSVOICE::ResourcePolicy", 0)


def test_opt_out_list_and_capabilities(stack: cdk.Stack) -> None:
    opt_outs = OptOutList(stack, "OptOuts")
    _number(
        stack,
        number_type=NumberType.LONG_CODE,
        iso_country_code="CA",
        capabilities=[NumberCapability.SMS, NumberCapability.VOICE],
        opt_out_list=opt_outs,
        self_managed_opt_outs_enabled=False,
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::SMSVOICE::PhoneNumber",
        {
            "NumberType": "LONG_CODE",
            "IsoCountryCode": "CA",
            "NumberCapabilities": ["SMS", "VOICE"],
            "OptOutListName": {"Ref": stack.get_logical_id(opt_outs.resource)},
            "SelfManagedOptOutsEnabled": False,
        },
    )


def test_opt_out_list_of_another_account_is_given_by_arn(stack: cdk.Stack) -> None:
    arn = "arn:aws:sms-voice:us-east-1:444455556666:opt-out-list/shared"
    _number(stack, opt_out_list=OptOutList.from_opt_out_list_arn(stack, "Shared", arn))
    Template.from_stack(stack).has_resource_properties("AWS::SMSVOICE::PhoneNumber", {"OptOutListName": arn})


def test_removal_policy_destroy_turns_deletion_protection_off(stack: cdk.Stack) -> None:
    _number(stack, removal_policy=cdk.RemovalPolicy.DESTROY)
    Template.from_stack(stack).has_resource(
        "AWS::SMSVOICE::PhoneNumber",
        {"Properties": {"DeletionProtectionEnabled": False}, "DeletionPolicy": "Delete"},
    )


def test_deletion_protection_can_be_turned_off_while_retaining(stack: cdk.Stack) -> None:
    _number(stack, deletion_protection_enabled=False)
    Template.from_stack(stack).has_resource(
        "AWS::SMSVOICE::PhoneNumber", {"Properties": {"DeletionProtectionEnabled": False}, "DeletionPolicy": "Retain"}
    )


def test_warns_deletion_protection_with_destroy(stack: cdk.Stack) -> None:
    _number(stack, deletion_protection_enabled=True, removal_policy=cdk.RemovalPolicy.DESTROY)
    Annotations.from_stack(stack).has_warning(
        "/TestStack/Number", Match.string_like_regexp("deletion_protection_enabled=True with RemovalPolicy.DESTROY")
    )


def test_warns_registration_required_for_ten_dlc(stack: cdk.Stack) -> None:
    _number(stack, number_type=NumberType.TEN_DLC)
    Annotations.from_stack(stack).has_warning(
        "/TestStack/Number", Match.string_like_regexp("TEN_DLC numbers need an approved registration")
    )


def test_no_registration_warning_for_simulator(stack: cdk.Stack) -> None:
    _number(stack)
    Annotations.from_stack(stack).has_no_warning("/TestStack/Number", Match.any_value())


def test_warns_self_managed_opt_outs(stack: cdk.Stack) -> None:
    _number(stack, self_managed_opt_outs_enabled=True)
    Annotations.from_stack(stack).has_warning(
        "/TestStack/Number", Match.string_like_regexp("your application must answer HELP and STOP")
    )


def test_tags_reach_the_l1(stack: cdk.Stack) -> None:
    number = _number(stack)
    cdk.Tags.of(number).add("cost-center", "sms")
    Template.from_stack(stack).has_resource_properties(
        "AWS::SMSVOICE::PhoneNumber", {"Tags": [{"Key": "cost-center", "Value": "sms"}]}
    )


def test_attributes_and_reference(stack: cdk.Stack) -> None:
    number = _number(stack)
    logical_id = stack.get_logical_id(number.resource)
    assert stack.resolve(number.phone_number_id) == {"Fn::GetAtt": [logical_id, "PhoneNumberId"]}
    assert stack.resolve(number.phone_number_arn) == {"Fn::GetAtt": [logical_id, "Arn"]}
    assert stack.resolve(number.phone_number) == {"Fn::GetAtt": [logical_id, "PhoneNumber"]}
    assert stack.resolve(number.origination_identity_arn) == {"Fn::GetAtt": [logical_id, "Arn"]}
    assert stack.resolve(number.pool_member_arn) == {"Fn::GetAtt": [logical_id, "Arn"]}
    ref = number.phone_number_ref
    assert stack.resolve(ref.phone_number_id) == {"Fn::GetAtt": [logical_id, "PhoneNumberId"]}
    assert number.iso_country_code == "US"


# --- importers --------------------------------------------------------------------------------------------------


def test_import_by_arn_takes_id_and_env_from_arn(stack: cdk.Stack) -> None:
    arn = "arn:aws:sms-voice:eu-west-1:444455556666:phone-number/phone-abc"
    imported = PhoneNumber.from_phone_number_arn(stack, "ShortCode", arn)
    assert imported.phone_number_arn == arn
    assert imported.origination_identity_arn == arn
    assert imported.phone_number_id == "phone-abc"
    assert (imported.env.account, imported.env.region) == ("444455556666", "eu-west-1")
    assert imported.iso_country_code is None


def test_import_by_id_formats_arn_in_stack_env(stack: cdk.Stack) -> None:
    imported = PhoneNumber.from_phone_number_id(stack, "Number", "phone-abc")
    assert stack.resolve(imported.phone_number_arn) == IMPORTED_ARN
    assert imported.phone_number_id == "phone-abc"


def test_import_by_attributes(stack: cdk.Stack) -> None:
    imported = PhoneNumber.from_phone_number_attributes(
        stack, "Number", phone_number_arn=IMPORTED_ARN, phone_number="+12065550100"
    )
    assert imported.phone_number == "+12065550100"
    assert imported.phone_number_id == "phone-abc"
    explicit = PhoneNumber.from_phone_number_attributes(
        stack, "Other", phone_number_arn=IMPORTED_ARN, phone_number_id="phone-xyz"
    )
    assert explicit.phone_number_id == "phone-xyz"


def test_fails_reading_unknown_phone_number_of_import(stack: cdk.Stack) -> None:
    imported = PhoneNumber.from_phone_number_arn(stack, "ShortCode", IMPORTED_ARN)
    with pytest.raises(ValidationError, match=r"invalid 'phone_number': not known for this imported number"):
        _ = imported.phone_number


# --- grants and resource policy ---------------------------------------------------------------------------------


def test_grant_send_text_message_is_scoped_to_the_number(stack: cdk.Stack) -> None:
    number = _number(stack)
    role = _role(stack)
    grant = number.grant_send_text_message(role)
    assert grant.success
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "sms-voice:SendTextMessage",
                        "Effect": "Allow",
                        "Resource": {"Fn::GetAtt": [stack.get_logical_id(number.resource), "Arn"]},
                    }
                ],
                "Version": "2012-10-17",
            },
            "Roles": [{"Ref": _lid(stack, role)}],
        },
    )


def test_grant_send_text_message_on_imported_number(stack: cdk.Stack) -> None:
    imported = PhoneNumber.from_phone_number_arn(stack, "ShortCode", IMPORTED_ARN)
    imported.grant_send_text_message(_role(stack))
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [{"Action": "sms-voice:SendTextMessage", "Effect": "Allow", "Resource": IMPORTED_ARN}],
                "Version": "2012-10-17",
            }
        },
    )


def test_grant_with_several_actions(stack: cdk.Stack) -> None:
    imported = PhoneNumber.from_phone_number_arn(stack, "ShortCode", IMPORTED_ARN)
    imported.grant(_role(stack), "sms-voice:SendTextMessage", "sms-voice:SendVoiceMessage")
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": ["sms-voice:SendTextMessage", "sms-voice:SendVoiceMessage"],
                        "Effect": "Allow",
                        "Resource": IMPORTED_ARN,
                    }
                ],
                "Version": "2012-10-17",
            }
        },
    )


def test_fails_grant_of_non_sms_voice_action(stack: cdk.Stack) -> None:
    imported = PhoneNumber.from_phone_number_arn(stack, "ShortCode", IMPORTED_ARN)
    with pytest.raises(ValidationError, match=r"invalid 'actions': give one or more 'sms-voice:' actions"):
        imported.grant(_role(stack), "sns:Publish")


def test_grant_use_for_sns_adds_source_account_condition(stack: cdk.Stack) -> None:
    number = _number(stack)
    number.grant_use(iam.ServicePrincipal("sns.amazonaws.com"))
    number_arn = {"Fn::GetAtt": [stack.get_logical_id(number.resource), "Arn"]}
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::SMSVOICE::ResourcePolicy", 1)
    template.has_resource_properties(
        "AWS::SMSVOICE::ResourcePolicy",
        {
            "ResourceArn": number_arn,
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "sms-voice:SendTextMessage",
                        "Effect": "Allow",
                        "Principal": {"Service": "sns.amazonaws.com"},
                        "Resource": number_arn,
                        "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
                    }
                ],
                "Version": "2012-10-17",
            },
        },
    )


def test_grant_use_and_statements_share_one_policy_on_an_imported_short_code(stack: cdk.Stack) -> None:
    short_code = PhoneNumber.from_phone_number_arn(stack, "ShortCode", IMPORTED_ARN)
    short_code.grant_use(iam.AccountPrincipal("444455556666"), actions=["sms-voice:SendTextMessage"])
    short_code.add_to_resource_policy(
        iam.PolicyStatement(
            actions=["sms-voice:DescribePhoneNumbers"],
            principals=[iam.AccountPrincipal("444455556666")],
            resources=[IMPORTED_ARN],
        )
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::SMSVOICE::ResourcePolicy", 1)
    template.has_resource_properties(
        "AWS::SMSVOICE::ResourcePolicy",
        {
            "ResourceArn": IMPORTED_ARN,
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "sms-voice:SendTextMessage",
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                        "Resource": IMPORTED_ARN,
                    },
                    {
                        "Action": "sms-voice:DescribePhoneNumbers",
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                        "Resource": IMPORTED_ARN,
                    },
                ],
                "Version": "2012-10-17",
            },
        },
    )


def test_fails_grant_use_to_everyone(stack: cdk.Stack) -> None:
    number = _number(stack)
    with pytest.raises(
        ValidationError, match=r"invalid 'principal': origination identities must not be shared publicly"
    ):
        number.grant_use(iam.AnyPrincipal())


# --- two-way SMS ------------------------------------------------------------------------------------------------


def test_two_way_creates_a_scoped_role_and_waits_for_its_policy(stack: cdk.Stack) -> None:
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    topic = sns.Topic(stack, "Inbound", master_key=key, enforce_ssl=True)
    number = _number(stack, two_way=TwoWayChannel.sns_topic(topic))
    assert number.two_way_role is not None
    template = Template.from_stack(stack)
    role_id = _lid(stack, number.two_way_role)
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {
                        "Action": "sts:AssumeRole",
                        "Effect": "Allow",
                        "Principal": {"Service": "sms-voice.amazonaws.com"},
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": "111122223333"},
                            "ArnLike": {"aws:SourceArn": ["arn:aws:sms-voice:us-east-1:111122223333:phone-number/*"]},
                        },
                    }
                ],
                "Version": "2012-10-17",
            }
        },
    )
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "sns:Publish",
                        "Effect": "Allow",
                        "Resource": {"Ref": _lid(stack, topic)},
                    },
                    {
                        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                        "Effect": "Allow",
                        "Resource": {"Fn::GetAtt": [_lid(stack, key), "Arn"]},
                    },
                ],
                "Version": "2012-10-17",
            },
            "Roles": [{"Ref": role_id}],
        },
    )
    template.has_resource(
        "AWS::SMSVOICE::PhoneNumber",
        {
            "Properties": {
                "TwoWay": {
                    "Enabled": True,
                    "ChannelArn": {"Ref": _lid(stack, topic)},
                    "ChannelRole": {"Fn::GetAtt": [role_id, "Arn"]},
                }
            },
            "DependsOn": [Match.string_like_regexp("^NumberTwoWayRoleDefaultPolicy"), role_id],
        },
    )


def test_two_way_with_unencrypted_topic_grants_publish_only(stack: cdk.Stack) -> None:
    topic = sns.Topic(stack, "Inbound")
    _number(stack, two_way=TwoWayChannel.sns_topic(topic))
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [{"Action": "sns:Publish", "Effect": "Allow", "Resource": {"Ref": Match.any_value()}}],
                "Version": "2012-10-17",
            }
        },
    )


def test_two_way_with_given_role_creates_no_role(stack: cdk.Stack) -> None:
    topic = sns.Topic(stack, "Inbound")
    role = iam.Role(stack, "Channel", assumed_by=iam.ServicePrincipal("sms-voice.amazonaws.com"))
    number = _number(stack, two_way=TwoWayChannel.sns_topic(topic, role=role))
    assert number.two_way_role is role
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Role", 1)
    template.has_resource_properties(
        "AWS::SMSVOICE::PhoneNumber",
        {"TwoWay": {"ChannelRole": {"Fn::GetAtt": [_lid(stack, role), "Arn"]}}},
    )


def test_fails_two_way_with_fifo_topic(stack: cdk.Stack) -> None:
    topic = sns.Topic(stack, "Inbound", fifo=True, topic_name="inbound")
    with pytest.raises(ValidationError, match=r"invalid 'two_way': two-way SMS cannot publish to an SNS FIFO topic"):
        _number(stack, two_way=TwoWayChannel.sns_topic(topic))


def test_fails_two_way_with_imported_fifo_topic(stack: cdk.Stack) -> None:
    topic = sns.Topic.from_topic_arn(stack, "Inbound", "arn:aws:sns:us-east-1:111122223333:inbound.fifo")
    with pytest.raises(ValidationError, match=r"FIFO"):
        _number(stack, two_way=TwoWayChannel.sns_topic(topic))


def test_fails_two_way_not_a_channel(stack: cdk.Stack) -> None:
    topic = sns.Topic(stack, "Inbound")
    with pytest.raises(ValidationError, match=r"invalid 'two_way': must be a TwoWayChannel"):
        _number(stack, two_way=topic)


# --- validation -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["us", "USA", "U1"])
def test_fails_iso_country_code(stack: cdk.Stack, code: str) -> None:
    with pytest.raises(ValidationError, match=rf"TestStack/Number: invalid 'iso_country_code': must match .*'{code}'"):
        _number(stack, iso_country_code=code, number_type=NumberType.LONG_CODE)


def test_fails_simulator_outside_us(stack: cdk.Stack) -> None:
    with pytest.raises(
        ValidationError, match=r"simulator numbers .* exist only in the United States; use 'US'; received 'GB'"
    ):
        _number(stack, iso_country_code="GB")


def test_token_country_is_not_validated(stack: cdk.Stack) -> None:
    country = cdk.CfnParameter(stack, "Country").value_as_string
    _number(stack, iso_country_code=country)
    Template.from_stack(stack).has_resource_properties(
        "AWS::SMSVOICE::PhoneNumber", {"IsoCountryCode": {"Ref": "Country"}}
    )


def test_fails_short_code_points_to_the_importer(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"short codes cannot be requested .* PhoneNumber.from_phone_number_arn"):
        _number(stack, number_type="SHORT_CODE")


def test_fails_number_type_not_enum(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'number_type': must be a NumberType \(LONG_CODE, TOLL_FREE"):
        _number(stack, number_type="LONG_CODE")


def test_fails_no_capability(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'capabilities': must hold at least one NumberCapability"):
        _number(stack, capabilities=[])


def test_fails_duplicate_capability(stack: cdk.Stack) -> None:
    with pytest.raises(
        ValidationError, match=r"invalid 'capabilities': capabilities must be unique; duplicate; received 'SMS'"
    ):
        _number(stack, capabilities=[NumberCapability.SMS, NumberCapability.SMS])


def test_fails_rcs_capability(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"RCS is not a capability CloudFormation can request"):
        _number(stack, capabilities=[NumberCapability.SMS, "RCS"])


# --- review: opt-out list region and value, conditioned service principals ---------------------------------------


def test_fails_opt_out_list_of_another_region(stack: cdk.Stack) -> None:
    # Opt-out lists are regional: the name of a list in eu-west-1 would name another (or no) list in us-east-1.
    other = OptOutList.from_opt_out_list_arn(stack, "Other", "arn:aws:sms-voice:eu-west-1:111122223333:opt-out-list/x")
    with pytest.raises(
        ValidationError,
        match=r"TestStack/Number: invalid 'opt_out_list': must be in the same Region as this stack \(us-east-1\); "
        r"it is in eu-west-1",
    ):
        _number(stack, opt_out_list=other)


def test_fails_opt_out_list_identifier_pattern(stack: cdk.Stack) -> None:
    # The L1 importer does not check names (the library's does, see test_opt_out_list): the number still refuses it.
    imported = smsvoice.CfnOptOutList.from_opt_out_list_name(stack, "Imported", "acme opt-outs")
    with pytest.raises(
        ValidationError,
        match=r"TestStack/Number: invalid 'opt_out_list': must match \[A-Za-z0-9_:/-\]\+ "
        r"\(an opt-out list name or ARN\)",
    ):
        _number(stack, opt_out_list=imported)


def test_fails_opt_out_list_identifier_length(stack: cdk.Stack) -> None:
    imported = smsvoice.CfnOptOutList.from_opt_out_list_name(stack, "Imported", "a" * 257)
    with pytest.raises(
        ValidationError, match=r"TestStack/Number: invalid 'opt_out_list': length must be between 1 and 256"
    ):
        _number(stack, opt_out_list=imported)


def test_grant_use_keeps_source_account_for_a_conditioned_service_principal(stack: cdk.Stack) -> None:
    number = _number(stack)
    topic_arn = "arn:aws:sns:us-east-1:111122223333:alerts"
    number.grant_use(
        iam.ServicePrincipal("sns.amazonaws.com").with_conditions({"ArnLike": {"aws:SourceArn": topic_arn}})
    )
    number_arn = {"Fn::GetAtt": [stack.get_logical_id(number.resource), "Arn"]}
    Template.from_stack(stack).has_resource_properties(
        "AWS::SMSVOICE::ResourcePolicy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "sms-voice:SendTextMessage",
                        "Effect": "Allow",
                        "Principal": {"Service": "sns.amazonaws.com"},
                        "Resource": number_arn,
                        "Condition": {
                            "ArnLike": {"aws:SourceArn": topic_arn},
                            "StringEquals": {"aws:SourceAccount": "111122223333"},
                        },
                    }
                ],
                "Version": "2012-10-17",
            },
        },
    )


def test_grant_use_keeps_the_source_account_the_principal_already_has(stack: cdk.Stack) -> None:
    number = _number(stack)
    principal = iam.ServicePrincipal("sns.amazonaws.com").with_conditions(
        {"StringEquals": {"aws:SourceAccount": "444455556666"}}
    )
    number.grant_use(principal)
    Template.from_stack(stack).has_resource_properties(
        "AWS::SMSVOICE::ResourcePolicy",
        {
            "PolicyDocument": {
                "Statement": [Match.object_like({"Condition": {"StringEquals": {"aws:SourceAccount": "444455556666"}}})]
            }
        },
    )


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:sms-voice:us-east-1:444455556666:phone-number/phone-abc",  # another account
        "arn:aws:sms-voice:eu-west-1:111122223333:phone-number/phone-abc",  # another Region
    ],
)
def test_resource_policy_is_not_added_to_a_number_this_stack_cannot_own(stack: cdk.Stack, arn: str) -> None:
    # Only the owning account can put a policy, and a stack deploys AWS::SMSVOICE::ResourcePolicy in its own Region.
    _number(stack)  # a stack must hold a resource to synthesize
    imported = PhoneNumber.from_phone_number_arn(stack, "Shared", arn)
    result = imported.grant_use(iam.ServicePrincipal("sns.amazonaws.com"))
    assert not result.statement_added
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::SMSVOICE::ResourcePolicy", 0)
    Annotations.from_stack(stack).has_warning(
        "/TestStack/Shared",
        Match.string_like_regexp("only its owner can set its resource policy, in its own Region"),
    )


def test_fails_ten_dlc_outside_us(stack: cdk.Stack) -> None:
    # 10DLC is a US carrier programme: there are no 10DLC numbers in other countries.
    with pytest.raises(
        ValidationError,
        match=r"TestStack/Number: invalid 'iso_country_code': 10DLC numbers \(NumberType.TEN_DLC\) exist only in the "
        r"United States; use 'US'; received 'CA'",
    ):
        _number(stack, number_type=NumberType.TEN_DLC, iso_country_code="CA")


def test_fails_phone_number_in_uk_instead_of_gb(stack: cdk.Stack) -> None:
    with pytest.raises(
        ValidationError,
        match=r"^TestStack/Number: invalid 'iso_country_code': must be a destination .*'GB'\?; received 'UK'$",
    ):
        _number(stack, iso_country_code="UK", number_type=NumberType.LONG_CODE)


def test_fails_opt_out_keyword_on_a_us_toll_free_number(stack: cdk.Stack) -> None:
    keywords = [
        OptionalKeyword(keyword="START", message="Subscribed again.", action=KeywordAction.OPT_IN),
        OptionalKeyword(keyword="NOMORE", message="Bye.", action=KeywordAction.OPT_OUT),
    ]
    with pytest.raises(
        ValueError,
        match=r"TestStack/Number: invalid 'optional_keywords\[1\].action': cannot be OPT_OUT on a US toll-free number: "
        r".*; received 'NOMORE OPT_OUT'$",
    ):
        _number(stack, number_type=NumberType.TOLL_FREE, optional_keywords=keywords)


def test_opt_in_keywords_on_a_us_toll_free_number_pass(stack: cdk.Stack) -> None:
    keywords = [OptionalKeyword(keyword="UNSTOP", message="Subscribed again.", action=KeywordAction.OPT_IN)]
    _number(stack, number_type=NumberType.TOLL_FREE, optional_keywords=keywords)
