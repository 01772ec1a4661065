"""TwoWayChannel.amazon_connect: the Connect import next to a phone number, its role, the TwoWay left out of the
template and set instead by the account provider's custom resource (its properties, revision, order and exact IAM),
every rule checked at synth time, the warnings, and the compliance gates on a stack that uses it. What the custom
resource does at deploy time is tested in ``tests/lifecycle/test_phone_number_two_way.py``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_sns as sns
import pytest
from aws_cdk.assertions import Annotations, Match, Template

from sms_constructs._private.errors import ValidationError
from sms_constructs.patterns.inbound import SmsInbound
from sms_constructs.resources.common import NumberCapability, NumberType
from sms_constructs.resources.keywords import MandatoryKeywords
from sms_constructs.resources.opt_out_list import OptOutList
from sms_constructs.resources.phone_number import PhoneNumber
from sms_constructs.resources.pool import Pool
from sms_constructs.resources.rcs_agent import RcsAgent
from sms_constructs.resources.sender_id import SenderId
from sms_constructs.resources.two_way import CONNECT_SMS_REGION_WARNING, TwoWayChannel
from tests.compliance.gates import cfn_lint_findings, checkov_failures, nag_violations, sms_check_violations
from tests.conftest import cdk_json_context

KEYWORDS = MandatoryKeywords(
    help="Acme support: help at https://acme.example/sms or 1-800-555-0100. Reply STOP to end.",
    stop="Acme support: you are unsubscribed and will receive no more messages.",
)
INSTANCE_ARN = "arn:aws:connect:us-east-1:111122223333:instance/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
ALL_WARNINGS = "*"
TWO_WAY_TYPE = "Custom::SmsConstructsPhoneNumberTwoWay"
HANDLER_POLICY = "SmsConstructsAccountProviderHandlerRoleDefaultPolicy"


def _number(stack: cdk.Stack, id: str = "Number", **overrides: Any) -> PhoneNumber:
    props: dict[str, Any] = {
        "iso_country_code": "US",
        "number_type": NumberType.TOLL_FREE,
        "capabilities": [NumberCapability.SMS],
        "keywords": KEYWORDS,
        "two_way": TwoWayChannel.amazon_connect(INSTANCE_ARN),
    }
    props.update(overrides)
    return PhoneNumber(stack, id, **props)


def _stack(app: cdk.App, region: str | None) -> cdk.Stack:
    env = cdk.Environment(account="111122223333", region=region) if region else None
    return cdk.Stack(app, f"Stack{region or 'Agnostic'}".replace("-", ""), env=env)


def _warnings(stack: cdk.Stack, warning_id: str) -> list[Any]:
    return [
        w for w in Annotations.from_stack(stack).find_warning(ALL_WARNINGS, Match.any_value()) if warning_id in str(w)
    ]


def test_imports_the_number_into_the_instance(stack: cdk.Stack) -> None:
    number = _number(stack, two_way=TwoWayChannel.amazon_connect(INSTANCE_ARN, description="Acme support SMS"))
    template = Template.from_stack(stack)
    number_id = stack.get_logical_id(number.resource)
    template.resource_count_is("AWS::Connect::PhoneNumber", 1)
    template.has_resource(
        "AWS::Connect::PhoneNumber",
        {
            "Properties": {
                "TargetArn": INSTANCE_ARN,
                "SourcePhoneNumberArn": {"Fn::GetAtt": [number_id, "Arn"]},
                "Description": "Acme support SMS",
            },
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_import_is_a_child_of_the_number_and_exposes_its_arn(stack: cdk.Stack) -> None:
    number = _number(stack)
    assert number.connect_phone_number is not None
    assert number.connect_phone_number.node.scope is number
    assert stack.resolve(number.connect_phone_number_arn) == {
        "Fn::GetAtt": [stack.get_logical_id(number.connect_phone_number), "PhoneNumberArn"]
    }


def test_sns_number_has_no_connect_import(stack: cdk.Stack) -> None:
    topic = sns.Topic(stack, "Inbound")
    number = _number(stack, two_way=TwoWayChannel.sns_topic(topic))
    assert number.connect_phone_number is None
    assert number.connect_phone_number_arn is None
    Template.from_stack(stack).resource_count_is("AWS::Connect::PhoneNumber", 0)


def test_number_two_way_is_left_out_of_the_template(stack: cdk.Stack) -> None:
    _number(stack)
    template = Template.from_stack(stack)
    numbers = template.find_resources("AWS::SMSVOICE::PhoneNumber")
    assert len(numbers) == 1
    (number,) = numbers.values()
    assert "TwoWay" not in number["Properties"]


def test_removal_policy_can_be_destroy(stack: cdk.Stack) -> None:
    _number(stack, two_way=TwoWayChannel.amazon_connect(INSTANCE_ARN, removal_policy=cdk.RemovalPolicy.DESTROY))
    Template.from_stack(stack).has_resource("AWS::Connect::PhoneNumber", {"DeletionPolicy": "Delete"})


def test_role_is_trusted_by_the_service_for_this_accounts_numbers_only(stack: cdk.Stack) -> None:
    number = _number(stack)
    assert number.two_way_role is not None
    role = Template.from_stack(stack).to_json()["Resources"][_logical_id(stack, number.two_way_role)]
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Principal"] == {"Service": "sms-voice.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "111122223333"}
    (source_arn,) = statement["Condition"]["ArnLike"]["aws:SourceArn"]
    assert str(source_arn).endswith(":sms-voice:us-east-1:111122223333:phone-number/*") or (
        source_arn["Fn::Join"][1][-1] == ":sms-voice:us-east-1:111122223333:phone-number/*"
    )


def test_role_may_only_send_chat_integration_events(stack: cdk.Stack) -> None:
    number = _number(stack)
    template = Template.from_stack(stack)
    policy = template.to_json()["Resources"][
        stack.get_logical_id(number.node.find_child("TwoWayPolicy").node.default_child)
    ]  # type: ignore[arg-type]
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {"Action": "connect:SendChatIntegrationEvent", "Effect": "Allow", "Resource": "*"}
    ]
    assert policy["Properties"]["Roles"] == [{"Ref": stack.get_logical_id(number.two_way_role.node.default_child)}]  # type: ignore[union-attr]


def test_no_manual_step_is_left_and_no_warning_says_so(stack: cdk.Stack) -> None:
    _number(stack)
    assert _warnings(stack, "ConnectTwoWayNotSetByCloudFormation") == []
    warnings = Annotations.from_stack(stack).find_warning(ALL_WARNINGS, Match.any_value())
    assert [w for w in warnings if "RegistrationRequired" not in str(w)] == []  # toll-free numbers need one


def _logical_id(stack: cdk.Stack, construct: Any) -> str:
    return stack.get_logical_id(construct.node.default_child)


def _two_way_resource(stack: cdk.Stack) -> tuple[str, dict[str, Any]]:
    (found,) = Template.from_stack(stack).find_resources(TWO_WAY_TYPE).items()
    return found


def test_custom_resource_points_the_number_at_connect_with_the_role(stack: cdk.Stack) -> None:
    number = _number(stack)
    logical_id, resource = _two_way_resource(stack)
    assert number.connect_two_way is not None
    assert logical_id == _logical_id(stack, number.connect_two_way)
    assert number.connect_two_way.node.scope is number
    properties = resource["Properties"]
    assert properties["PhoneNumberId"] == {"Fn::GetAtt": [stack.get_logical_id(number.resource), "PhoneNumberId"]}
    assert properties["TwoWayChannelArn"] == "connect.us-east-1.amazonaws.com"
    assert properties["TwoWayChannelRole"] == {"Fn::GetAtt": [_logical_id(stack, number.two_way_role), "Arn"]}
    assert properties["ServiceToken"]["Fn::GetAtt"][0].startswith("SmsConstructsAccountProviderframework")


def test_channel_names_the_deploy_time_region_in_an_environment_agnostic_stack(app: cdk.App) -> None:
    stack = _stack(app, None)
    _number(stack)
    _, resource = _two_way_resource(stack)
    assert resource["Properties"]["TwoWayChannelArn"] == {
        "Fn::Join": ["", ["connect.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]
    }


def test_order_is_role_and_policy_then_two_way_then_import(stack: cdk.Stack) -> None:
    number = _number(stack)
    template = Template.from_stack(stack).to_json()["Resources"]
    two_way_id = _logical_id(stack, number.connect_two_way)
    policy_id = _logical_id(stack, number.node.find_child("TwoWayPolicy"))
    assert policy_id in template[two_way_id]["DependsOn"]  # the role comes in through its GetAtt
    assert two_way_id in template[stack.get_logical_id(number.connect_phone_number)]["DependsOn"]  # type: ignore[arg-type]


def test_sns_number_has_no_two_way_custom_resource_and_no_provider(stack: cdk.Stack) -> None:
    number = _number(stack, two_way=TwoWayChannel.sns_topic(sns.Topic(stack, "Inbound")))
    assert number.connect_two_way is None
    template = Template.from_stack(stack)
    template.resource_count_is(TWO_WAY_TYPE, 0)
    template.resource_count_is("AWS::Lambda::Function", 0)


def _handler_statements(stack: cdk.Stack) -> list[dict[str, Any]]:
    resources = Template.from_stack(stack).to_json()["Resources"]
    (policy,) = [r for k, r in resources.items() if k.startswith(HANDLER_POLICY)]
    return list(policy["Properties"]["PolicyDocument"]["Statement"])


def test_provider_iam_is_exact_actions_on_this_number_and_role(stack: cdk.Stack) -> None:
    number = _number(stack)
    number_id = stack.get_logical_id(number.resource)
    statements = [s for s in _handler_statements(stack) if not str(s["Action"]).startswith("['logs:")]
    assert statements == [
        {
            "Action": ["sms-voice:DescribePhoneNumbers", "sms-voice:UpdatePhoneNumber"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [number_id, "Arn"]},
        },
        {
            "Action": "iam:PassRole",
            "Condition": {"StringEquals": {"iam:PassedToService": "sms-voice.amazonaws.com"}},
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [_logical_id(stack, number.two_way_role), "Arn"]},
        },
        {
            "Action": ["ssm:DeleteParameter", "ssm:GetParameter", "ssm:PutParameter"],
            "Effect": "Allow",
            "Resource": {
                "Fn::Join": [
                    "",
                    [
                        "arn:aws:ssm:us-east-1:111122223333:parameter/sms-constructs/phone-number-two-way/",
                        {"Fn::GetAtt": [number_id, "PhoneNumberId"]},
                    ],
                ]
            },
        },
    ]
    unscoped = Template.from_stack(stack).find_resources("AWS::IAM::Policy")
    assert not [k for k in unscoped if "Unscoped" in k]  # nothing on '*' for this kind


def _revision(**overrides: Any) -> str:
    app = cdk.App()
    stack = _stack(app, "us-east-1")
    tags = overrides.pop("tags", {})
    number = _number(stack, **overrides)
    for key, value in tags.items():
        cdk.Tags.of(number).add(key, value)
    _, resource = _two_way_resource(stack)
    revision = resource["Properties"]["NumberRevision"]
    assert isinstance(revision, str)
    assert len(revision) == 32
    return revision


def test_revision_is_the_same_for_the_same_number() -> None:
    assert _revision() == _revision()


@pytest.mark.parametrize(
    "change",
    [
        {"keywords": MandatoryKeywords(help=KEYWORDS.help + " Msg&data rates may apply.", stop=KEYWORDS.stop)},
        {"self_managed_opt_outs_enabled": True},
        {"deletion_protection_enabled": False},
        {"tags": {"team": "support"}},
    ],
    ids=["keywords", "self-managed-opt-outs", "deletion-protection", "tags"],
)
def test_revision_changes_with_every_change_of_the_number(change: dict[str, Any]) -> None:
    assert _revision(**change) != _revision()


def test_revision_changes_with_the_stack_tags() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Tagged", env=cdk.Environment(account="111122223333", region="us-east-1"), tags={"a": "b"})
    _number(stack)
    _, resource = _two_way_resource(stack)
    assert resource["Properties"]["NumberRevision"] != _revision()


def _revision_with_opt_out_list() -> str:
    app = cdk.App()
    stack = _stack(app, "us-east-1")
    _number(stack, opt_out_list=OptOutList(stack, "OptOuts"))  # OptOutListName is a Ref, resolved at deploy
    _, resource = _two_way_resource(stack)
    revision = resource["Properties"]["NumberRevision"]
    assert re.fullmatch(r"[0-9a-f]{32}", revision)  # a literal digest, not a token
    return str(revision)


def test_revision_of_a_number_with_deploy_time_values_is_a_stable_literal() -> None:
    assert _revision_with_opt_out_list() == _revision_with_opt_out_list()
    assert _revision_with_opt_out_list() != _revision()


def test_confirmed_region_draws_no_region_warning(stack: cdk.Stack) -> None:
    _number(stack)
    assert _warnings(stack, CONNECT_SMS_REGION_WARNING) == []


def test_warns_when_the_region_is_unknown_at_synth(app: cdk.App) -> None:
    stack = _stack(app, None)
    _number(stack, two_way=TwoWayChannel.amazon_connect(cdk.Fn.import_value("ConnectInstanceArn")))
    assert len(_warnings(stack, CONNECT_SMS_REGION_WARNING)) == 1


def test_warns_when_the_stack_region_is_unknown_but_the_instance_region_is_known(app: cdk.App) -> None:
    stack = _stack(app, None)
    _number(stack)
    assert len(_warnings(stack, "sms-constructs:RegionNotChecked")) == 1
    assert _warnings(stack, CONNECT_SMS_REGION_WARNING) == []  # us-east-1, from the ARN, is confirmed


def test_warns_in_a_connect_region_not_confirmed_for_sms(app: cdk.App) -> None:
    stack = _stack(app, "ap-southeast-2")
    _number(stack, two_way=TwoWayChannel.amazon_connect(INSTANCE_ARN.replace("us-east-1", "ap-southeast-2")))
    warnings = _warnings(stack, CONNECT_SMS_REGION_WARNING)
    assert len(warnings) == 1
    assert "ap-southeast-2" in str(warnings[0])


def test_region_warning_can_be_acknowledged(app: cdk.App) -> None:
    stack = _stack(app, "ap-southeast-2")
    number = _number(stack, two_way=TwoWayChannel.amazon_connect(INSTANCE_ARN.replace("us-east-1", "ap-southeast-2")))
    cdk.Annotations.of(number).acknowledge_warning(CONNECT_SMS_REGION_WARNING, "listed in the admin guide today")
    assert _warnings(stack, CONNECT_SMS_REGION_WARNING) == []


def test_deploy_time_instance_arn_is_not_checked(stack: cdk.Stack) -> None:
    parameter = cdk.CfnParameter(stack, "Instance")
    _number(stack, two_way=TwoWayChannel.amazon_connect(parameter.value_as_string))
    Template.from_stack(stack).has_resource_properties("AWS::Connect::PhoneNumber", {"TargetArn": {"Ref": "Instance"}})


def test_channel_reports_its_kind() -> None:
    channel = TwoWayChannel.amazon_connect(INSTANCE_ARN)
    assert channel.is_amazon_connect
    assert channel.connect_instance_arn == INSTANCE_ARN
    with pytest.raises(ValidationError, match=r"invalid 'topic': an Amazon Connect channel has no SNS topic"):
        channel.topic  # noqa: B018 - the property raises


def test_fails_instance_arn_of_another_service(stack: cdk.Stack) -> None:
    with pytest.raises(
        ValidationError,
        match=r"TestStack/Number: invalid 'two_way.instance_arn': must be an Amazon Connect instance ARN.*"
        r"received 'arn:aws:sns:us-east-1:111122223333:inbound'",
    ):
        _number(stack, two_way=TwoWayChannel.amazon_connect("arn:aws:sns:us-east-1:111122223333:inbound"))


def test_fails_traffic_distribution_group_arn(stack: cdk.Stack) -> None:
    arn = "arn:aws:connect:us-east-1:111122223333:traffic-distribution-group/0a1b2c3d"
    with pytest.raises(ValidationError, match=r"invalid 'two_way.instance_arn': .*not a traffic distribution group"):
        _number(stack, two_way=TwoWayChannel.amazon_connect(arn))


def test_fails_instance_id_instead_of_arn(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'two_way.instance_arn'.*received '0a1b2c3d'"):
        _number(stack, two_way=TwoWayChannel.amazon_connect("0a1b2c3d"))


def test_fails_instance_in_another_region(stack: cdk.Stack) -> None:
    arn = INSTANCE_ARN.replace("us-east-1", "us-west-2")
    with pytest.raises(
        ValidationError,
        match=r"invalid 'two_way.instance_arn': must be in this stack's Region \(us-east-1\).*instance is in us-west-2",
    ):
        _number(stack, two_way=TwoWayChannel.amazon_connect(arn))


def test_fails_stack_region_without_amazon_connect(app: cdk.App) -> None:
    stack = _stack(app, "eu-west-1")
    with pytest.raises(
        ValidationError, match=r"invalid 'two_way': Amazon Connect is not offered in this Region.*received 'eu-west-1'"
    ):
        _number(stack, two_way=TwoWayChannel.amazon_connect(INSTANCE_ARN.replace("us-east-1", "eu-west-1")))


def test_fails_unknown_stack_region_with_instance_in_a_region_without_connect(app: cdk.App) -> None:
    stack = _stack(app, None)
    with pytest.raises(ValidationError, match=r"Amazon Connect is not offered in this Region.*received 'eu-west-1'"):
        _number(stack, two_way=TwoWayChannel.amazon_connect(INSTANCE_ARN.replace("us-east-1", "eu-west-1")))


def test_fails_simulator_number(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'two_way': simulator numbers do not support Amazon Connect"):
        _number(stack, number_type=NumberType.SIMULATOR)


def test_fails_number_without_sms_capability(stack: cdk.Stack) -> None:
    with pytest.raises(
        ValidationError, match=r"invalid 'capabilities': must include NumberCapability.SMS.*received \['VOICE'\]"
    ):
        _number(stack, capabilities=[NumberCapability.VOICE])


def test_fails_description_too_long(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'two_way.description': must be 1 to 500 characters"):
        _number(stack, two_way=TwoWayChannel.amazon_connect(INSTANCE_ARN, description="x" * 501))


def test_fails_pool_with_connect_channel(stack: cdk.Stack) -> None:
    member = _number(stack, two_way=None)
    with pytest.raises(
        ValidationError,
        match=r"TestStack/Pool: invalid 'two_way': TwoWayChannel.amazon_connect fits a PhoneNumber only",
    ):
        Pool(
            stack,
            "Pool",
            origination_identities=[member],
            keywords=KEYWORDS,
            two_way=TwoWayChannel.amazon_connect(INSTANCE_ARN),
        )


def test_fails_rcs_agent_with_connect_channel(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"TestStack/Agent: invalid 'two_way': .*fits a PhoneNumber only"):
        RcsAgent(stack, "Agent", two_way=TwoWayChannel.amazon_connect(INSTANCE_ARN))


def test_fails_sender_id_with_any_two_way_channel(stack: cdk.Stack) -> None:
    # Sender IDs have no two-way SMS at all: the construct takes no channel of any kind.
    with pytest.raises(TypeError, match="two_way"):
        SenderId(
            stack, "Sender", sender_id="ACME", iso_country_code="DE", two_way=TwoWayChannel.amazon_connect(INSTANCE_ARN)
        )  # type: ignore[call-arg]


def test_fails_connect_number_in_a_pool_with_its_own_two_way(stack: cdk.Stack) -> None:
    number = _number(stack)
    topic = sns.Topic(stack, "Inbound")
    with pytest.raises(
        ValidationError,
        match=r"TestStack/Pool: invalid 'origination_identities\[0\]': a phone number whose two-way destination is "
        r"Amazon Connect .* cannot join a pool.*received 'TestStack/Number'",
    ):
        Pool(stack, "Pool", origination_identities=[number], keywords=KEYWORDS, two_way=TwoWayChannel.sns_topic(topic))


def test_fails_connect_number_in_a_pool_without_two_way(stack: cdk.Stack) -> None:
    # UpdatePhoneNumber, which points the number at Connect, refuses a number in a pool.
    number = _number(stack)
    with pytest.raises(
        ValidationError,
        match=r"TestStack/Pool: invalid 'origination_identities\[0\]': .*UpdatePhoneNumber.* refuses a number in "
        r"a pool.*received 'TestStack/Number'",
    ):
        Pool(stack, "Pool", origination_identities=[number], keywords=KEYWORDS)


def test_fails_connect_number_added_to_a_pool_later(stack: cdk.Stack) -> None:
    pool = Pool(stack, "Pool", origination_identities=[_number(stack, "Member", two_way=None)], keywords=KEYWORDS)
    with pytest.raises(ValidationError, match=r"TestStack/Pool: invalid .*cannot join a pool"):
        pool.add_origination_identity(_number(stack))


def test_fails_sms_inbound_with_a_connect_channel(stack: cdk.Stack) -> None:
    with pytest.raises(
        ValidationError,
        match=r"TestStack/Inbound: invalid 'channel': must be an SNS channel .*Amazon Connect receives the replies "
        r"itself.*received \"TwoWayChannel.amazon_connect\('arn:aws:connect:us-east-1:",
    ):
        SmsInbound(stack, "Inbound", channel=TwoWayChannel.amazon_connect(INSTANCE_ARN))


def _compliance_app(outdir: Path) -> cdk.App:
    app = cdk.App(outdir=str(outdir), context=cdk_json_context())
    stack = cdk.Stack(app, "ConnectConsumer", env=cdk.Environment(account="111122223333", region="us-east-1"))
    _number(stack, "Support", two_way=TwoWayChannel.amazon_connect(INSTANCE_ARN, description="Acme support SMS"))
    return app


def test_connect_channel_passes_the_compliance_gates(tmp_path: Path) -> None:
    app = _compliance_app(tmp_path)
    assert nag_violations(app) == []
    assert sms_check_violations(app) == []
    app.synth()
    templates = sorted(tmp_path.glob("*.template.json"))
    assert templates
    assert cfn_lint_findings(templates, ["us-east-1"]) == []
    assert checkov_failures(tmp_path) == []
