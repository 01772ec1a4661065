"""Pool: members, synthesized properties, importers, grants, resource policy, two-way, validation, compliance gates."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
import aws_cdk.aws_sns as sns
import pytest
from aws_cdk.assertions import Annotations, Match, Template
from constructs import IConstruct

from sms_constructs._private.errors import ValidationError
from sms_constructs.resources.common import KeywordAction, NumberCapability, NumberType
from sms_constructs.resources.keywords import MandatoryKeywords, OptionalKeyword
from sms_constructs.resources.opt_out_list import OptOutList
from sms_constructs.resources.phone_number import PhoneNumber, _ImportedPhoneNumber
from sms_constructs.resources.pool import Pool
from sms_constructs.resources.sender_id import SenderId
from sms_constructs.resources.two_way import TwoWayChannel
from tests.compliance.gates import CFN_LINT_REGIONS, cfn_lint_findings, checkov_failures, nag_violations
from tests.conftest import ENV, cdk_json_context

KEYWORDS = MandatoryKeywords(help="Acme alerts. Reply STOP to opt out.", stop="You are unsubscribed.")
SHORT_CODE_ARN = "arn:aws:sms-voice:us-east-1:111122223333:phone-number/phone-abc"
POOL_ARN = "arn:aws:sms-voice:us-east-1:111122223333:pool/pool-123"


def _number(stack: cdk.Stack, id: str = "Number") -> PhoneNumber:
    return PhoneNumber(
        stack,
        id,
        iso_country_code="US",
        number_type=NumberType.SIMULATOR,
        capabilities=[NumberCapability.SMS],
        keywords=KEYWORDS,
    )


def _arn(stack: cdk.Stack, construct: PhoneNumber | SenderId | Pool) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [stack.get_logical_id(construct.resource), "Arn"]}


def _role(stack: cdk.Stack) -> iam.Role:
    return iam.Role(stack, "Fn", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))


def _lid(stack: cdk.Stack, construct: IConstruct) -> str:
    child = construct.node.default_child
    assert isinstance(child, cdk.CfnElement)
    return stack.get_logical_id(child)


# --- synthesized resource -------------------------------------------------------------------------------------


def test_defaults_render_members_as_arns(stack: cdk.Stack) -> None:
    number = _number(stack)
    Pool(stack, "Pool", origination_identities=[number], keywords=KEYWORDS)
    Template.from_stack(stack).has_resource(
        "AWS::SMSVOICE::Pool",
        {
            "Properties": {
                "OriginationIdentities": [_arn(stack, number)],
                "MandatoryKeywords": {"HELP": {"Message": KEYWORDS.help}, "STOP": {"Message": KEYWORDS.stop}},
                "DeletionProtectionEnabled": True,
                "SharedRoutesEnabled": Match.absent(),
                "OptOutListName": Match.absent(),
                "TwoWay": Match.absent(),
            },
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_members_added_later_and_imported_members(stack: cdk.Stack) -> None:
    number = _number(stack)
    pool = Pool(stack, "Pool", origination_identities=[number], keywords=KEYWORDS)
    sender = SenderId(stack, "Sender", sender_id="ACME", iso_country_code="DE")
    pool.add_origination_identity(sender)
    pool.add_origination_identity(PhoneNumber.from_phone_number_arn(stack, "ShortCode", SHORT_CODE_ARN))
    pool.add_origination_identity(
        SenderId.from_sender_id_attributes(stack, "Brand", sender_id="BRAND", iso_country_code="GB")
    )
    assert len(pool.origination_identities) == 4
    Template.from_stack(stack).has_resource_properties(
        "AWS::SMSVOICE::Pool",
        {
            "OriginationIdentities": [
                _arn(stack, number),
                _arn(stack, sender),
                SHORT_CODE_ARN,
                "arn:aws:sms-voice:us-east-1:111122223333:sender-id/BRAND/GB",
            ]
        },
    )


def test_options(stack: cdk.Stack) -> None:
    opt_outs = OptOutList(stack, "OptOuts")
    Pool(
        stack,
        "Pool",
        origination_identities=[_number(stack)],
        keywords=KEYWORDS,
        optional_keywords=[OptionalKeyword(keyword="START", message="Welcome back.", action=KeywordAction.OPT_IN)],
        opt_out_list=opt_outs,
        shared_routes_enabled=False,
        self_managed_opt_outs_enabled=False,
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    Template.from_stack(stack).has_resource(
        "AWS::SMSVOICE::Pool",
        {
            "Properties": {
                "OptOutListName": {"Ref": stack.get_logical_id(opt_outs.resource)},
                "SharedRoutesEnabled": False,
                "SelfManagedOptOutsEnabled": False,
                "DeletionProtectionEnabled": False,
                "OptionalKeywords": [{"Keyword": "START", "Message": "Welcome back.", "Action": "OPT_IN"}],
            },
            "DeletionPolicy": "Delete",
        },
    )


def test_tags_reach_the_l1(stack: cdk.Stack) -> None:
    pool = Pool(stack, "Pool", origination_identities=[_number(stack)], keywords=KEYWORDS)
    cdk.Tags.of(pool).add("team", "messaging")
    Template.from_stack(stack).has_resource_properties(
        "AWS::SMSVOICE::Pool", {"Tags": [{"Key": "team", "Value": "messaging"}]}
    )


def test_attributes_and_reference(stack: cdk.Stack) -> None:
    pool = Pool(stack, "Pool", origination_identities=[_number(stack)], keywords=KEYWORDS)
    logical_id = stack.get_logical_id(pool.resource)
    assert stack.resolve(pool.pool_id) == {"Fn::GetAtt": [logical_id, "PoolId"]}
    assert stack.resolve(pool.pool_arn) == {"Fn::GetAtt": [logical_id, "Arn"]}
    assert stack.resolve(pool.origination_identity_arn) == {"Fn::GetAtt": [logical_id, "Arn"]}
    assert stack.resolve(pool.pool_ref.pool_id) == {"Fn::GetAtt": [logical_id, "PoolId"]}


def test_import_by_arn_and_by_id(stack: cdk.Stack) -> None:
    other = "arn:aws:sms-voice:eu-west-1:444455556666:pool/pool-456"
    by_arn = Pool.from_pool_arn(stack, "Shared", other)
    assert (by_arn.pool_id, by_arn.pool_arn, by_arn.origination_identity_arn) == ("pool-456", other, other)
    assert (by_arn.env.account, by_arn.env.region) == ("444455556666", "eu-west-1")
    by_id = Pool.from_pool_id(stack, "Local", "pool-123")
    assert stack.resolve(by_id.pool_arn) == POOL_ARN
    assert by_id.pool_id == "pool-123"


# --- grants and resource policy ---------------------------------------------------------------------------------


def test_grant_send_text_message_is_scoped_to_the_pool_only(stack: cdk.Stack) -> None:
    number = _number(stack)
    pool = Pool(stack, "Pool", origination_identities=[number], keywords=KEYWORDS)
    pool.grant_send_text_message(_role(stack))
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {"Action": "sms-voice:SendTextMessage", "Effect": "Allow", "Resource": _arn(stack, pool)}
                ],
                "Version": "2012-10-17",
            }
        },
    )


def test_grant_send_text_message_on_imported_pool(stack: cdk.Stack) -> None:
    Pool.from_pool_arn(stack, "Pool", POOL_ARN).grant_send_text_message(_role(stack))
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [{"Action": "sms-voice:SendTextMessage", "Effect": "Allow", "Resource": POOL_ARN}],
                "Version": "2012-10-17",
            }
        },
    )


def test_resource_policy_on_pool(stack: cdk.Stack) -> None:
    pool = Pool(stack, "Pool", origination_identities=[_number(stack)], keywords=KEYWORDS)
    pool.grant_use(iam.ServicePrincipal("sns.amazonaws.com"), source_account="111122223333")
    pool.grant_use(iam.AccountPrincipal("444455556666"))
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::SMSVOICE::ResourcePolicy", 1)
    template.has_resource_properties(
        "AWS::SMSVOICE::ResourcePolicy",
        {
            "ResourceArn": _arn(stack, pool),
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "sms-voice:SendTextMessage",
                        "Effect": "Allow",
                        "Principal": {"Service": "sns.amazonaws.com"},
                        "Resource": _arn(stack, pool),
                        "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
                    },
                    {
                        "Action": "sms-voice:SendTextMessage",
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                        "Resource": _arn(stack, pool),
                    },
                ],
                "Version": "2012-10-17",
            },
        },
    )


def test_two_way_role_trusts_pools_and_numbers_of_this_account(stack: cdk.Stack) -> None:
    topic = sns.Topic(stack, "Inbound")
    pool = Pool(
        stack,
        "Pool",
        origination_identities=[_number(stack)],
        keywords=KEYWORDS,
        two_way=TwoWayChannel.sns_topic(topic),
    )
    assert pool.two_way_role is not None
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {
                            "Principal": {"Service": "sms-voice.amazonaws.com"},
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": "111122223333"},
                                "ArnLike": {
                                    "aws:SourceArn": [
                                        "arn:aws:sms-voice:us-east-1:111122223333:pool/*",
                                        "arn:aws:sms-voice:us-east-1:111122223333:phone-number/*",
                                    ]
                                },
                            },
                        }
                    )
                ]
            }
        },
    )
    template.has_resource_properties(
        "AWS::SMSVOICE::Pool",
        {
            "TwoWay": {
                "Enabled": True,
                "ChannelArn": {"Ref": _lid(stack, topic)},
                "ChannelRole": {"Fn::GetAtt": [_lid(stack, pool.two_way_role), "Arn"]},
            }
        },
    )


# --- validation -------------------------------------------------------------------------------------------------


def test_fails_pool_as_member(stack: cdk.Stack) -> None:
    inner = Pool(stack, "Inner", origination_identities=[_number(stack)], keywords=KEYWORDS)
    with pytest.raises(ValidationError, match=r"TestStack/Outer: invalid 'origination_identities\[0\]'.*a pool cannot"):
        Pool(stack, "Outer", origination_identities=[inner], keywords=KEYWORDS)  # type: ignore[list-item]


def test_fails_imported_pool_as_member_added_later(stack: cdk.Stack) -> None:
    pool = Pool(stack, "Pool", origination_identities=[_number(stack)], keywords=KEYWORDS)
    with pytest.raises(ValidationError, match=r"invalid 'origination_identities\[1\]'.*a pool cannot be a member"):
        pool.add_origination_identity(Pool.from_pool_arn(stack, "Other", POOL_ARN))  # type: ignore[arg-type]


def test_fails_member_that_is_not_an_identity(stack: cdk.Stack) -> None:
    opt_outs = OptOutList(stack, "OptOuts")
    with pytest.raises(ValidationError, match=r"must be a phone number or a sender ID"):
        Pool(stack, "Pool", origination_identities=[opt_outs], keywords=KEYWORDS)  # type: ignore[list-item]


def test_fails_same_member_twice(stack: cdk.Stack) -> None:
    number = _number(stack)
    with pytest.raises(ValidationError, match=r"invalid 'origination_identities\[1\]': members must be unique"):
        Pool(stack, "Pool", origination_identities=[number, number], keywords=KEYWORDS)


def test_fails_same_imported_arn_twice(stack: cdk.Stack) -> None:
    first = PhoneNumber.from_phone_number_arn(stack, "A", SHORT_CODE_ARN)
    second = PhoneNumber.from_phone_number_arn(stack, "B", SHORT_CODE_ARN)
    with pytest.raises(ValidationError, match=r"members must be unique; duplicate; received 'TestStack/B'"):
        Pool(stack, "Pool", origination_identities=[first, second], keywords=KEYWORDS)


def test_fails_phone_number_in_two_pools(stack: cdk.Stack) -> None:
    number = _number(stack)
    Pool(stack, "First", origination_identities=[number], keywords=KEYWORDS)
    with pytest.raises(
        ValidationError, match=r"a phone number belongs to one pool only; it is already in TestStack/First"
    ):
        Pool(stack, "Second", origination_identities=[number], keywords=KEYWORDS)


def test_sender_id_can_be_in_two_pools(stack: cdk.Stack) -> None:
    sender = SenderId(stack, "Sender", sender_id="ACME", iso_country_code="DE")
    Pool(stack, "First", origination_identities=[sender], keywords=KEYWORDS)
    Pool(stack, "Second", origination_identities=[sender], keywords=KEYWORDS)
    Template.from_stack(stack).resource_count_is("AWS::SMSVOICE::Pool", 2)


def test_fails_synth_of_pool_without_member(stack: cdk.Stack) -> None:
    Pool(stack, "Pool", origination_identities=[], keywords=KEYWORDS)
    with pytest.raises(
        RuntimeError, match=r"TestStack/Pool: invalid 'origination_identities': a pool needs at least one"
    ):
        Template.from_stack(stack)


def test_empty_pool_filled_later_synthesizes(stack: cdk.Stack) -> None:
    pool = Pool(stack, "Pool", origination_identities=[], keywords=KEYWORDS)
    pool.add_origination_identity(_number(stack))
    Template.from_stack(stack).has_resource_properties(
        "AWS::SMSVOICE::Pool", {"OriginationIdentities": [Match.any_value()]}
    )


def test_warns_shared_routes_with_us_member(stack: cdk.Stack) -> None:
    Pool(stack, "Pool", origination_identities=[_number(stack)], keywords=KEYWORDS, shared_routes_enabled=True)
    Annotations.from_stack(stack).has_warning(
        "/TestStack/Pool", Match.string_like_regexp("shared_routes_enabled=True on a pool with a US member")
    )


def test_no_shared_routes_warning_outside_us(stack: cdk.Stack) -> None:
    sender = SenderId.from_sender_id_attributes(stack, "Sender", sender_id="ACME", iso_country_code="DE")
    Pool(stack, "Pool", origination_identities=[sender], keywords=KEYWORDS, shared_routes_enabled=True)
    Annotations.from_stack(stack).has_no_warning("/TestStack/Pool", Match.any_value())


# --- compliance gates -------------------------------------------------------------------------------------------


def test_origination_identities_pass_the_compliance_gates(tmp_path: Path) -> None:
    """A sandbox-like app: simulator number with keywords and opt-out list, a pool, a sender ID, a two-way number."""
    app = cdk.App(outdir=str(tmp_path), context=cdk_json_context())
    stack = cdk.Stack(app, "OriginationIdentities", env=ENV)
    opt_outs = OptOutList(stack, "OptOuts")
    number = PhoneNumber(
        stack,
        "Number",
        iso_country_code="US",
        number_type=NumberType.SIMULATOR,
        capabilities=[NumberCapability.SMS],
        keywords=KEYWORDS,
        optional_keywords=[OptionalKeyword(keyword="START", message="Welcome back.", action=KeywordAction.OPT_IN)],
        opt_out_list=opt_outs,
    )
    pool = Pool(stack, "Pool", origination_identities=[number], keywords=KEYWORDS, opt_out_list=opt_outs)
    pool.grant_use(iam.ServicePrincipal("sns.amazonaws.com"))
    sender = SenderId(stack, "Sender", sender_id="ACME", iso_country_code="DE")
    sender.grant_send_text_message(
        iam.Role(stack, "Sender-Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    )
    key = kms.Key(stack, "InboundKey", enable_key_rotation=True)
    inbound = sns.Topic(stack, "Inbound", master_key=key, enforce_ssl=True)
    PhoneNumber(
        stack,
        "TwoWayNumber",
        iso_country_code="US",
        number_type=NumberType.SIMULATOR,
        capabilities=[NumberCapability.SMS],
        keywords=KEYWORDS,
        opt_out_list=opt_outs,
        two_way=TwoWayChannel.sns_topic(inbound),
    )
    app.synth()

    assert nag_violations(app) == []
    templates = sorted(tmp_path.glob("*.template.json"))
    assert cfn_lint_findings(templates, CFN_LINT_REGIONS) == []
    assert checkov_failures(tmp_path) == []


# --- review: members of another Region, member ARNs, cross-stack members -----------------------------------------


def test_fails_member_of_another_region(stack: cdk.Stack) -> None:
    # Pools, numbers and sender IDs are regional (AWS RAM shares them within one Region only).
    other = PhoneNumber.from_phone_number_arn(
        stack, "Other", "arn:aws:sms-voice:eu-west-1:111122223333:phone-number/phone-abc"
    )
    with pytest.raises(
        ValidationError,
        match=r"TestStack/Pool: invalid 'origination_identities\[0\]': must be in the same Region as this stack "
        r"\(us-east-1\); it is in eu-west-1",
    ):
        Pool(stack, "Pool", origination_identities=[other], keywords=KEYWORDS)


def test_member_of_another_account_in_the_same_region_is_accepted(stack: cdk.Stack) -> None:
    shared_arn = "arn:aws:sms-voice:us-east-1:444455556666:phone-number/phone-shared"
    shared = PhoneNumber.from_phone_number_arn(stack, "Shared", shared_arn)
    Pool(stack, "Pool", origination_identities=[shared], keywords=KEYWORDS)
    Template.from_stack(stack).has_resource_properties("AWS::SMSVOICE::Pool", {"OriginationIdentities": [shared_arn]})


def test_fails_member_arn_shorter_than_20(stack: cdk.Stack) -> None:
    # The importers refuse such ARNs (test_phone_number); the pool re-checks members built any other way.
    short = _ImportedPhoneNumber(stack, "Short", "arn:aws:s:r:1:p/x", "x", None)
    with pytest.raises(
        ValidationError,
        match=r"invalid 'origination_identities\[0\]': the member ARN must be 20 to 256 characters",
    ):
        Pool(stack, "Pool", origination_identities=[short], keywords=KEYWORDS)


def test_fails_member_arn_with_white_space(stack: cdk.Stack) -> None:
    spaced = _ImportedPhoneNumber(stack, "Spaced", SHORT_CODE_ARN + " x", "phone-abc x", None)
    with pytest.raises(
        ValidationError,
        match=r"invalid 'origination_identities\[0\]': the member ARN must match arn:\[A-Za-z0-9_:/-\]\+",
    ):
        Pool(stack, "Pool", origination_identities=[spaced], keywords=KEYWORDS)


def test_fails_opt_out_list_of_another_region(stack: cdk.Stack) -> None:
    other = OptOutList.from_opt_out_list_arn(stack, "Other", "arn:aws:sms-voice:eu-west-1:111122223333:opt-out-list/x")
    with pytest.raises(ValidationError, match=r"TestStack/Pool: invalid 'opt_out_list': must be in the same Region"):
        Pool(stack, "Pool", origination_identities=[_number(stack)], keywords=KEYWORDS, opt_out_list=other)


def test_members_in_another_stack_are_referenced_across_stacks(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path), context=cdk_json_context())
    numbers = cdk.Stack(app, "Numbers", env=ENV)
    number = _number(numbers)
    sender = SenderId(numbers, "Sender", sender_id="ACME", iso_country_code="DE")
    pools = cdk.Stack(app, "Pools", env=ENV)
    pool = Pool(pools, "Pool", origination_identities=[number], keywords=KEYWORDS)
    pool.add_origination_identity(sender)
    app.synth()

    assert pools.dependencies == [numbers]
    identities = Template.from_stack(pools).to_json()["Resources"][pools.get_logical_id(pool.resource)]["Properties"][
        "OriginationIdentities"
    ]
    assert [list(item) for item in identities] == [["Fn::ImportValue"], ["Fn::ImportValue"]]
    exports = Template.from_stack(numbers).to_json()["Outputs"]
    exported = [output["Value"] for output in exports.values()]
    assert {"Fn::GetAtt": [numbers.get_logical_id(number.resource), "Arn"]} in exported
    assert {"Fn::GetAtt": [numbers.get_logical_id(sender.resource), "Arn"]} in exported


def test_warns_once_when_a_member_region_cannot_be_checked_in_an_environment_agnostic_stack() -> None:
    app = cdk.App(context=cdk_json_context())
    stack = cdk.Stack(app, "Agnostic")  # no env: its Region is only known at deploy time
    member = PhoneNumber.from_phone_number_arn(stack, "ShortCode", SHORT_CODE_ARN)  # us-east-1, from the ARN
    pool = Pool(stack, "Pool", origination_identities=[member], keywords=KEYWORDS)
    local = PhoneNumber.from_phone_number_id(stack, "Local", "phone-def")  # this stack's (unknown) Region
    pool.add_origination_identity(local)
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("RegionNotChecked"))
    assert [w.id for w in warnings] == ["/Agnostic/Pool"]
    text = str(warnings[0].entry.data)
    assert "'origination_identities[0]' (Agnostic/ShortCode) must be in this stack's Region" in text
    assert "'us-east-1'" in text
    assert "environment-agnostic stack" in text


def test_no_region_warning_when_both_regions_are_known(stack: cdk.Stack) -> None:
    member = PhoneNumber.from_phone_number_arn(stack, "ShortCode", SHORT_CODE_ARN)
    Pool(stack, "Pool", origination_identities=[member], keywords=KEYWORDS)
    assert Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("RegionNotChecked")) == []
