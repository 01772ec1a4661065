"""NotifyConfiguration, RcsAgent and VerifiedDestinationNumber: templates, grants (IAM policy shapes) and validation."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
import aws_cdk.aws_s3 as s3
import aws_cdk.aws_sns as sns
import pytest
from aws_cdk.assertions import Annotations, Match, Template

from sms_constructs import (
    ConfigurationSet,
    NotifyChannel,
    NotifyConfiguration,
    NotifyUseCase,
    OptOutList,
    RcsAgent,
    TwoWayChannel,
    ValidationError,
    VerifiedDestinationNumber,
)
from sms_constructs.resources.common import NumberCapability, NumberType
from sms_constructs.resources.keywords import MandatoryKeywords
from sms_constructs.resources.phone_number import PhoneNumber
from sms_constructs.resources.pool import Pool


def _role(stack: cdk.Stack, id: str = "Sender") -> iam.Role:
    return iam.Role(stack, id, assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))


def _statements(stack: cdk.Stack, role: iam.Role) -> list[dict[str, Any]]:
    policies = Template.from_stack(stack).find_resources("AWS::IAM::Policy")
    role_id = stack.resolve(role.role_name)
    return [
        statement
        for policy in policies.values()
        if role_id in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _lid(stack: cdk.Stack, construct: Any) -> str:
    child = construct.node.default_child
    assert isinstance(child, cdk.CfnElement)
    return str(stack.resolve(stack.get_logical_id(child)))


def _acknowledged(construct: Any) -> str:
    return json.dumps([entry.data for entry in construct.node.default_child.node.metadata])


# --- NotifyConfiguration ------------------------------------------------------------------------------------------


def test_notify_configuration_defaults_are_protected_and_retained(stack: cdk.Stack) -> None:
    otp = NotifyConfiguration(stack, "Otp", display_name="Acme", enabled_channels=[NotifyChannel.SMS])

    Template.from_stack(stack).has_resource(
        "AWS::SMSVOICE::NotifyConfiguration",
        {
            "Properties": {
                "DisplayName": "Acme",
                "UseCase": "CODE_VERIFICATION",
                "EnabledChannels": ["SMS"],
                "DeletionProtectionEnabled": True,
                "EnabledCountries": Match.absent(),
                "PoolId": Match.absent(),
            },
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )
    assert "CloudFormation-Validate::F3006" in _acknowledged(otp)
    assert stack.resolve(otp.notify_configuration_arn) == {"Fn::GetAtt": [_lid(stack, otp), "NotifyConfigurationArn"]}
    assert stack.resolve(otp.notify_configuration_id) == {"Fn::GetAtt": [_lid(stack, otp), "NotifyConfigurationId"]}
    assert stack.resolve(otp.status) == {"Fn::GetAtt": [_lid(stack, otp), "Status"]}
    assert stack.resolve(otp.tier) == {"Fn::GetAtt": [_lid(stack, otp), "Tier"]}


def test_notify_configuration_with_every_prop(stack: cdk.Stack) -> None:
    number = PhoneNumber(
        stack,
        "Number",
        iso_country_code="US",
        number_type=NumberType.SIMULATOR,
        capabilities=[NumberCapability.SMS],
        keywords=MandatoryKeywords(help="Acme: acme.example. Reply STOP.", stop="Acme: unsubscribed."),
    )
    pool = Pool(stack, "Pool", origination_identities=[number], keywords=MandatoryKeywords(help="h", stop="s"))
    NotifyConfiguration(
        stack,
        "Otp",
        display_name="Acme Codes",
        enabled_channels=[NotifyChannel.SMS, NotifyChannel.VOICE],
        use_case=NotifyUseCase.CODE_VERIFICATION,
        enabled_countries=["US", "CA"],
        default_template_id="notify-code-verification-english-001",
        pool=pool,
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )

    Template.from_stack(stack).has_resource(
        "AWS::SMSVOICE::NotifyConfiguration",
        {
            "Properties": {
                "EnabledChannels": ["SMS", "VOICE"],
                "EnabledCountries": ["US", "CA"],
                "DefaultTemplateId": "notify-code-verification-english-001",
                "PoolId": {"Fn::GetAtt": [_lid(stack, pool), "PoolId"]},
                "DeletionProtectionEnabled": False,
            },
            "DeletionPolicy": "Delete",
        },
    )


def test_notify_grants_are_scoped_to_the_configuration_arn(stack: cdk.Stack) -> None:
    otp = NotifyConfiguration(
        stack, "Otp", display_name="Acme", enabled_channels=[NotifyChannel.SMS, NotifyChannel.VOICE]
    )
    role = _role(stack)

    otp.grant_send_notify_text_message(role)
    otp.grant_send_notify_voice_message(role)

    arn = {"Fn::GetAtt": [_lid(stack, otp), "NotifyConfigurationArn"]}
    assert _statements(stack, role) == [
        {
            "Action": ["sms-voice:SendNotifyTextMessage", "sms-voice:SendNotifyVoiceMessage"],
            "Effect": "Allow",
            "Resource": arn,
        }
    ]
    assert Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("NotifyChannel")) == []


def test_a_voice_grant_on_a_text_only_configuration_warns(stack: cdk.Stack) -> None:
    otp = NotifyConfiguration(stack, "Otp", display_name="Acme", enabled_channels=[NotifyChannel.SMS])

    otp.grant_send_notify_voice_message(_role(stack))

    warnings = Annotations.from_stack(stack).find_warning(
        "/TestStack/Otp", Match.string_like_regexp("does not enable NotifyChannel.VOICE")
    )
    assert len(warnings) == 1


def test_imported_notify_configuration_grants_on_its_arn(stack: cdk.Stack) -> None:
    arn = "arn:aws:sms-voice:us-east-1:111122223333:notify-configuration/nc-1234567890abcdef0"
    otp = NotifyConfiguration.from_notify_configuration_arn(stack, "Otp", arn)
    role = _role(stack)

    otp.grant_send_notify_text_message(role)

    assert otp.notify_configuration_id == "nc-1234567890abcdef0"
    assert otp.notify_configuration_ref.notify_configuration_arn == arn
    assert _statements(stack, role) == [
        {"Action": "sms-voice:SendNotifyTextMessage", "Effect": "Allow", "Resource": arn}
    ]


@pytest.mark.parametrize(
    ("props", "rule"),
    [
        ({"display_name": "A name far too long"}, r"'display_name': length must be between 1 and 15"),
        ({"display_name": "Acme!"}, r"'display_name': must match"),
        ({"enabled_channels": []}, r"'enabled_channels': must hold between 1 and 4 items, not 0"),
        ({"enabled_channels": ["SMS"]}, r"'enabled_channels': each item must be a NotifyChannel"),
        ({"enabled_channels": [NotifyChannel.SMS, NotifyChannel.SMS]}, r"'enabled_channels': channels must be unique"),
        ({"use_case": "OTP"}, r"'use_case': must be a NotifyUseCase"),
        ({"enabled_countries": ["usa"]}, r"'enabled_countries': must match \[A-Z\]\{2\}"),
        ({"enabled_countries": ["US", "US"]}, r"'enabled_countries': countries must be unique"),
        ({"enabled_countries": []}, r"'enabled_countries': must hold between 1 and 300 items"),
        ({"default_template_id": "bad id"}, r"'default_template_id': must match"),
    ],
)
def test_fails_notify_props(stack: cdk.Stack, props: dict[str, Any], rule: str) -> None:
    merged: dict[str, Any] = {"display_name": "Acme", "enabled_channels": [NotifyChannel.SMS], **props}

    with pytest.raises(ValidationError, match=rf"TestStack/Otp: invalid {rule}"):
        NotifyConfiguration(stack, "Otp", **merged)


def test_fails_notify_pool_of_another_region(stack: cdk.Stack) -> None:
    pool = Pool.from_pool_arn(stack, "Far", "arn:aws:sms-voice:eu-west-1:111122223333:pool/pool-01")

    with pytest.raises(ValidationError, match=r"'pool': must be in the same Region as this stack"):
        NotifyConfiguration(stack, "Otp", display_name="Acme", enabled_channels=[NotifyChannel.SMS], pool=pool)


def test_fails_notify_import_of_another_resource_type(stack: cdk.Stack) -> None:
    with pytest.raises(
        ValidationError,
        match=r"TestStack/Otp: invalid 'notify_configuration_arn': must be the ARN of a notify-configuration",
    ):
        NotifyConfiguration.from_notify_configuration_arn(
            stack, "Otp", "arn:aws:sms-voice:us-east-1:111122223333:pool/p-1"
        )


# --- RcsAgent -----------------------------------------------------------------------------------------------------


def test_rcs_agent_defaults(stack: cdk.Stack) -> None:
    agent = RcsAgent(stack, "Agent")

    Template.from_stack(stack).has_resource(
        "AWS::SMSVOICE::RcsAgent",
        {
            "Properties": {"DeletionProtectionEnabled": True, "TwoWayEnabled": Match.absent(), "Tags": Match.absent()},
            "DeletionPolicy": "Retain",
        },
    )
    Template.from_stack(stack).resource_count_is("AWS::IAM::Role", 0)
    assert "CloudFormation-Validate::F3006" in _acknowledged(agent)
    assert stack.resolve(agent.origination_identity_arn) == {"Fn::GetAtt": [_lid(stack, agent), "RcsAgentArn"]}
    assert stack.resolve(agent.pool_id) == {"Fn::GetAtt": [_lid(stack, agent), "PoolId"]}
    assert stack.resolve(agent.status) == {"Fn::GetAtt": [_lid(stack, agent), "Status"]}


def test_rcs_agent_two_way_and_media_roles_trust_only_this_accounts_agents(stack: cdk.Stack) -> None:
    key = kms.Key(stack, "TopicKey", enable_key_rotation=True)
    topic = sns.Topic(stack, "Inbound", master_key=key)
    media_key = kms.Key(stack, "MediaKey", enable_key_rotation=True)
    bucket = s3.Bucket(stack, "Media", encryption=s3.BucketEncryption.KMS, encryption_key=media_key)
    opt_outs = OptOutList(stack, "OptOuts", opt_out_list_name="acme-opt-outs")
    agent = RcsAgent(
        stack,
        "Agent",
        opt_out_list=opt_outs,
        self_managed_opt_outs_enabled=True,
        two_way=TwoWayChannel.sns_topic(topic),
        two_way_rcs_events_enabled=["ALL"],
        media_bucket=bucket,
        media_key_prefix="inbound/",
        name="Acme agent",
    )

    template = Template.from_stack(stack)
    assert agent.two_way_role is not None
    assert agent.media_role is not None
    template.has_resource_properties(
        "AWS::SMSVOICE::RcsAgent",
        {
            "OptOutListName": {"Ref": _lid(stack, opt_outs)},
            "SelfManagedOptOutsEnabled": True,
            "TwoWayEnabled": True,
            "TwoWayChannelArn": {"Ref": _lid(stack, topic)},
            "TwoWayChannelRole": {"Fn::GetAtt": [_lid(stack, agent.two_way_role), "Arn"]},
            "TwoWayRcsEventsEnabled": ["ALL"],
            "TwoWayMediaS3BucketName": {"Ref": _lid(stack, bucket)},
            "TwoWayMediaS3KeyPrefix": "inbound/",
            "TwoWayMediaS3Role": {"Fn::GetAtt": [_lid(stack, agent.media_role), "Arn"]},
            "Tags": [{"Key": "Name", "Value": "Acme agent"}],
        },
    )
    agents = stack.resolve(
        stack.format_arn(
            service="sms-voice", resource="rcs-agent", resource_name="*", arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME
        )
    )
    trust = {
        "Statement": [
            {
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": "111122223333"},
                    "ArnLike": {"aws:SourceArn": [agents]},
                },
                "Effect": "Allow",
                "Principal": {"Service": "sms-voice.amazonaws.com"},
            }
        ],
        "Version": "2012-10-17",
    }
    for role in (agent.two_way_role, agent.media_role):
        template.has_resource_properties("AWS::IAM::Role", {"AssumeRolePolicyDocument": trust})
        assert isinstance(role, iam.Role)
    media = _statements(stack, agent.media_role)  # type: ignore[arg-type]
    assert {
        "Action": "s3:PutObject",
        "Effect": "Allow",
        "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": [_lid(stack, bucket), "Arn"]}, "/inbound/*"]]},
    } in media
    assert {
        "Action": "kms:GenerateDataKey",
        "Effect": "Allow",
        "Resource": {"Fn::GetAtt": [_lid(stack, media_key), "Arn"]},
    } in media
    assert len(media) == 2


def test_rcs_agent_grants_send_rcs_message_on_its_arn(stack: cdk.Stack) -> None:
    arn = "arn:aws:sms-voice:us-east-1:111122223333:rcs-agent/rcs-a1b2c3d4"
    agent = RcsAgent.from_rcs_agent_arn(stack, "Agent", arn)
    role = _role(stack)

    agent.grant_send_rcs_message(role)

    assert agent.rcs_agent_id == "rcs-a1b2c3d4"
    assert agent.rcs_agent_ref.rcs_agent_arn == arn
    assert _statements(stack, role) == [{"Action": "sms-voice:SendRcsMessage", "Effect": "Allow", "Resource": arn}]


def test_rcs_agent_send_text_message_grant_adds_nothing_and_warns(stack: cdk.Stack) -> None:
    agent = RcsAgent(stack, "Agent")
    role = _role(stack)

    grant = agent.grant_send_text_message(role)

    assert not grant.success
    assert _statements(stack, role) == []
    warnings = Annotations.from_stack(stack).find_warning(
        "/TestStack/Agent", Match.string_like_regexp("no RcsAgent resource type for sms-voice:SendTextMessage")
    )
    assert len(warnings) == 1
    assert "sms-constructs:RcsAgentSendTextMessageNotScoped" in json.dumps(warnings[0].entry.data)


@pytest.mark.parametrize(
    ("props", "rule"),
    [
        (
            {"self_managed_opt_outs_enabled": True},
            r"'self_managed_opt_outs_enabled': self-managed opt-outs need two_way",
        ),
        ({"two_way_rcs_events_enabled": ["ALL"]}, r"'two_way_rcs_events_enabled': needs 'two_way'"),
        ({"media_key_prefix": "x/"}, r"'media_key_prefix': needs 'media_bucket'"),
        ({"two_way": "arn:aws:sns:us-east-1:111122223333:t"}, r"'two_way': must be a TwoWayChannel"),
        ({"name": ""}, r"'name': length must be between 1 and 256"),
    ],
)
def test_fails_rcs_agent_props(stack: cdk.Stack, props: dict[str, Any], rule: str) -> None:
    with pytest.raises(ValidationError, match=rf"TestStack/Agent: invalid {rule}"):
        RcsAgent(stack, "Agent", **props)


@pytest.mark.parametrize(
    ("events", "rule"),
    [
        (["ALL", "TEXT"], r"'ALL' must be the only item"),
        (["TEXT", "TEXT"], r"event types must be unique"),
        ([], r"must hold between 1 and 100 items"),
        (["x" * 51], r"length must be between 1 and 50"),
    ],
)
def test_fails_rcs_event_lists(stack: cdk.Stack, events: list[str], rule: str) -> None:
    topic = sns.Topic(stack, "Inbound")

    with pytest.raises(ValidationError, match=rf"'two_way_rcs_events_enabled': {rule}"):
        RcsAgent(stack, "Agent", two_way=TwoWayChannel.sns_topic(topic), two_way_rcs_events_enabled=events)


def test_fails_media_bucket_without_two_way(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"'media_bucket': needs 'two_way'"):
        RcsAgent(stack, "Agent", media_bucket=s3.Bucket(stack, "Media"))


def test_fails_rcs_opt_out_list_of_another_account(stack: cdk.Stack) -> None:
    shared = OptOutList.from_opt_out_list_arn(
        stack, "Shared", "arn:aws:sms-voice:us-east-1:444455556666:opt-out-list/theirs"
    )

    with pytest.raises(ValidationError, match=r"'opt_out_list': must belong to this stack's account"):
        RcsAgent(stack, "Agent", opt_out_list=shared)


def test_rcs_agent_outside_its_regions_warns() -> None:
    stack = cdk.Stack(cdk.App(), "Eu", env=cdk.Environment(account="111122223333", region="eu-central-1"))

    RcsAgent(stack, "Agent")

    warnings = Annotations.from_stack(stack).find_warning(
        "*", Match.string_like_regexp("AWS::SMSVOICE::RcsAgent is only known in us-east-1, us-west-2")
    )
    assert len(warnings) == 1


# --- VerifiedDestinationNumber ------------------------------------------------------------------------------------


def test_verified_destination_number(stack: cdk.Stack) -> None:
    number = VerifiedDestinationNumber(stack, "Tester", destination_phone_number="+14255550142")

    Template.from_stack(stack).has_resource(
        "AWS::SMSVOICE::VerifiedDestinationNumber",
        {"Properties": {"DestinationPhoneNumber": "+14255550142"}, "DeletionPolicy": "Retain"},
    )
    assert stack.resolve(number.verified_destination_number_id) == {
        "Fn::GetAtt": [_lid(stack, number), "VerifiedDestinationNumberId"]
    }
    assert stack.resolve(number.status) == {"Fn::GetAtt": [_lid(stack, number), "Status"]}
    assert "F3006" not in _acknowledged(number)  # aws-cdk-lib's validation knows this type: nothing to acknowledge


def test_grant_verify_alone_grants_verify_on_the_number_and_warns(stack: cdk.Stack) -> None:
    number = VerifiedDestinationNumber(stack, "Tester", destination_phone_number="+14255550142")
    role = _role(stack)

    number.grant_verify(role)

    arn = {"Fn::GetAtt": [_lid(stack, number), "VerifiedDestinationNumberArn"]}
    assert _statements(stack, role) == [
        {"Action": "sms-voice:VerifyDestinationNumber", "Effect": "Allow", "Resource": arn}
    ]
    warnings = Annotations.from_stack(stack).find_warning(
        "/TestStack/Tester", Match.string_like_regexp("sending the code")
    )
    assert len(warnings) == 1


def test_grant_verify_with_an_identity_grants_the_code_on_the_identity_and_configuration_set(stack: cdk.Stack) -> None:
    number = VerifiedDestinationNumber(stack, "Tester", destination_phone_number="+14255550142")
    pool_arn = "arn:aws:sms-voice:us-east-1:111122223333:pool/pool-0123abcd"
    config_arn = "arn:aws:sms-voice:us-east-1:111122223333:configuration-set/otp"
    pool = Pool.from_pool_arn(stack, "Pool", pool_arn)
    config = ConfigurationSet.from_configuration_set_arn(stack, "Config", config_arn)
    role = _role(stack)

    number.grant_verify(role, origination_identity=pool, configuration_set=config)

    arn = {"Fn::GetAtt": [_lid(stack, number), "VerifiedDestinationNumberArn"]}
    assert _statements(stack, role) == [
        {"Action": "sms-voice:VerifyDestinationNumber", "Effect": "Allow", "Resource": arn},
        {
            "Action": "sms-voice:SendDestinationNumberVerificationCode",
            "Effect": "Allow",
            "Resource": [config_arn, pool_arn],  # CDK sorts resources
        },
    ]
    assert Annotations.from_stack(stack).find_warning("/TestStack/Tester", Match.any_value()) == []


def test_fails_send_verification_code_without_identity_or_configuration_set(stack: cdk.Stack) -> None:
    number = VerifiedDestinationNumber(stack, "Tester", destination_phone_number="+14255550142")

    with pytest.raises(ValidationError, match=r"TestStack/Tester: invalid 'origination_identity': give origination"):
        number.grant_send_verification_code(_role(stack))


def test_fails_send_verification_code_through_an_rcs_agent(stack: cdk.Stack) -> None:
    number = VerifiedDestinationNumber(stack, "Tester", destination_phone_number="+14255550142")
    agent = RcsAgent(stack, "Agent")

    with pytest.raises(ValidationError, match=r"'origination_identity': must be a phone number, sender ID or pool"):
        number.grant_send_verification_code(_role(stack), origination_identity=agent)


@pytest.mark.parametrize("value", ["14255550142", "+1 425 555 0142", "+0123456", "+1234567890123456", "+1"])
def test_fails_destination_numbers_not_in_e164(stack: cdk.Stack, value: str) -> None:
    with pytest.raises(
        ValidationError, match=r"TestStack/Tester: invalid 'destination_phone_number': must match \^\\\+\[1-9\]"
    ):
        VerifiedDestinationNumber(stack, "Tester", destination_phone_number=value)


def test_a_token_destination_number_is_not_validated(stack: cdk.Stack) -> None:
    value = cdk.CfnParameter(stack, "Tester").value_as_string

    VerifiedDestinationNumber(stack, "Number", destination_phone_number=value)

    Template.from_stack(stack).has_resource_properties(
        "AWS::SMSVOICE::VerifiedDestinationNumber", {"DestinationPhoneNumber": {"Ref": "Tester"}}
    )


def test_imported_verified_destination_number(stack: cdk.Stack) -> None:
    arn = "arn:aws:sms-voice:us-east-1:111122223333:verified-destination-number/vdn-0123abcd"
    number = VerifiedDestinationNumber.from_verified_destination_number_arn(stack, "Tester", arn)

    assert number.verified_destination_number_id == "vdn-0123abcd"
    assert number.verified_destination_number_ref.verified_destination_number_arn == arn
    with pytest.raises(
        ValidationError,
        match=r"'verified_destination_number_arn': the part after 'verified-destination-number/' must be a ID",
    ):
        VerifiedDestinationNumber.from_verified_destination_number_arn(
            stack, "Bad", arn.replace("vdn-0123abcd", "vdn.01")
        )
    with pytest.raises(ValidationError, match=r"grant actions|give one or more 'sms-voice:' actions"):
        number.grant(_role(stack, "Other"), "s3:GetObject")
