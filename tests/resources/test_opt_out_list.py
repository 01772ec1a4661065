"""OptOutList: synthesized properties, removal policy, importers, resource policy and validation."""

from __future__ import annotations

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import pytest
from aws_cdk.assertions import Match, Template

from sms_constructs import OptOutList, ValidationError


def test_defaults_retain_and_generated_name(stack: cdk.Stack) -> None:
    OptOutList(stack, "OptOuts")
    template = Template.from_stack(stack)
    template.has_resource(
        "AWS::SMSVOICE::OptOutList",
        {"Properties": Match.absent(), "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"},
    )


def test_name_and_removal_policy(stack: cdk.Stack) -> None:
    OptOutList(stack, "OptOuts", opt_out_list_name="acme-opt-outs", removal_policy=cdk.RemovalPolicy.DESTROY)
    Template.from_stack(stack).has_resource(
        "AWS::SMSVOICE::OptOutList", {"Properties": {"OptOutListName": "acme-opt-outs"}, "DeletionPolicy": "Delete"}
    )


def test_attributes_and_reference(stack: cdk.Stack) -> None:
    opt_outs = OptOutList(stack, "OptOuts", opt_out_list_name="acme")
    logical_id = stack.get_logical_id(opt_outs.resource)
    assert stack.resolve(opt_outs.opt_out_list_name) == {"Ref": logical_id}
    assert stack.resolve(opt_outs.opt_out_list_arn) == {"Fn::GetAtt": [logical_id, "Arn"]}
    ref = opt_outs.opt_out_list_ref
    assert stack.resolve(ref.opt_out_list_arn) == stack.resolve(opt_outs.opt_out_list_arn)


def test_import_by_name_formats_arn_in_stack_env(stack: cdk.Stack) -> None:
    imported = OptOutList.from_opt_out_list_name(stack, "Imported", "acme")
    assert imported.opt_out_list_name == "acme"
    assert stack.resolve(imported.opt_out_list_arn) == "arn:aws:sms-voice:us-east-1:111122223333:opt-out-list/acme"


def test_import_by_arn_takes_env_from_arn(stack: cdk.Stack) -> None:
    arn = "arn:aws:sms-voice:eu-west-1:444455556666:opt-out-list/shared"
    imported = OptOutList.from_opt_out_list_arn(stack, "Imported", arn)
    assert imported.opt_out_list_name == "shared"
    assert imported.opt_out_list_arn == arn
    assert (imported.env.account, imported.env.region) == ("444455556666", "eu-west-1")


def test_resource_policy_is_one_resource_with_all_statements(stack: cdk.Stack) -> None:
    opt_outs = OptOutList(stack, "OptOuts")
    for account in ("444455556666", "777788889999"):
        opt_outs.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["sms-voice:DescribeOptedOutNumbers"],
                principals=[iam.AccountPrincipal(account)],
                resources=[opt_outs.opt_out_list_arn],
            )
        )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::SMSVOICE::ResourcePolicy", 1)
    template.has_resource_properties(
        "AWS::SMSVOICE::ResourcePolicy",
        {
            "ResourceArn": {"Fn::GetAtt": [Match.string_like_regexp("^OptOuts"), "Arn"]},
            "PolicyDocument": {
                "Statement": [  # the two statements differ only by principal, so they are merged
                    Match.object_like(
                        {
                            "Action": "sms-voice:DescribeOptedOutNumbers",
                            "Principal": {
                                "AWS": [
                                    "arn:aws:iam::444455556666:root",
                                    "arn:aws:iam::777788889999:root",
                                ]
                            },
                        }
                    )
                ]
            },
        },
    )


@pytest.mark.parametrize("name", ["", "x" * 65])
def test_fails_name_length(stack: cdk.Stack, name: str) -> None:
    with pytest.raises(ValidationError, match=r"TestStack/OptOuts: invalid 'opt_out_list_name': length must be"):
        OptOutList(stack, "OptOuts", opt_out_list_name=name)


def test_fails_name_pattern(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'opt_out_list_name': must match .*; received 'acme opt outs'"):
        OptOutList(stack, "OptOuts", opt_out_list_name="acme opt outs")


def test_token_name_is_not_validated(stack: cdk.Stack) -> None:
    name = cdk.CfnParameter(stack, "Name").value_as_string
    OptOutList(stack, "OptOuts", opt_out_list_name=name)
    Template.from_stack(stack).has_resource_properties("AWS::SMSVOICE::OptOutList", {"OptOutListName": {"Ref": "Name"}})


def test_tags_reach_the_l1(stack: cdk.Stack) -> None:
    opt_outs = OptOutList(stack, "OptOuts")
    cdk.Tags.of(opt_outs).add("team", "messaging")
    Template.from_stack(stack).has_resource_properties(
        "AWS::SMSVOICE::OptOutList", {"Tags": [{"Key": "team", "Value": "messaging"}]}
    )


def test_resource_policy_is_not_added_to_a_list_of_another_account(stack: cdk.Stack) -> None:
    OptOutList(stack, "Own")  # a stack must hold a resource to synthesize
    shared = OptOutList.from_opt_out_list_arn(
        stack, "Shared", "arn:aws:sms-voice:us-east-1:444455556666:opt-out-list/shared"
    )
    result = shared.add_to_resource_policy(
        iam.PolicyStatement(
            actions=["sms-voice:DescribeOptedOutNumbers"],
            principals=[iam.AccountPrincipal("111122223333")],
            resources=[shared.opt_out_list_arn],
        )
    )
    assert not result.statement_added
    Template.from_stack(stack).resource_count_is("AWS::SMSVOICE::ResourcePolicy", 0)


@pytest.mark.parametrize(("removal_policy", "expected"), [(None, "Retain"), (cdk.RemovalPolicy.DESTROY, "Delete")])
def test_resource_policy_follows_the_removal_policy_of_its_resource(
    stack: cdk.Stack, removal_policy: cdk.RemovalPolicy | None, expected: str
) -> None:
    opt_outs = OptOutList(stack, "OptOuts", removal_policy=removal_policy)
    opt_outs.add_to_resource_policy(
        iam.PolicyStatement(
            actions=["sms-voice:DescribeOptedOutNumbers"],
            principals=[iam.AccountPrincipal("444455556666")],
            resources=[opt_outs.opt_out_list_arn],
        )
    )
    Template.from_stack(stack).has_resource(
        "AWS::SMSVOICE::ResourcePolicy", {"DeletionPolicy": expected, "UpdateReplacePolicy": expected}
    )


def test_opted_out_number_contract_for_sms_checks(stack: cdk.Stack) -> None:
    """``Custom::SmsConstructsOptedOutNumber``, ``RemoveOnDelete: "true"`` only when asked (what SmsChecks reads)."""
    opt_outs = OptOutList(stack, "OptOuts")
    kept = opt_outs.add_opted_out_number("+14255550142")
    removed = opt_outs.add_opted_out_number("+14255550143", remove_on_delete=True)
    explicit = opt_outs.add_opted_out_number("+14255550144", remove_on_delete=False)
    resources = Template.from_stack(stack).find_resources("Custom::SmsConstructsOptedOutNumber")
    by_id = {stack.get_logical_id(r.node.default_child): r for r in (kept, removed, explicit)}  # type: ignore[arg-type]
    assert resources[next(k for k, r in by_id.items() if r is removed)]["Properties"]["RemoveOnDelete"] == "true"
    for resource in (kept, explicit):
        logical_id = next(k for k, r in by_id.items() if r is resource)
        assert "RemoveOnDelete" not in resources[logical_id]["Properties"]
    assert all("5550142" not in logical_id for logical_id in resources)


def test_fails_remove_on_delete_that_is_not_a_bool(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"TestStack/OptOuts: invalid 'remove_on_delete': must be a bool"):
        OptOutList(stack, "OptOuts").add_opted_out_number("+14255550142", remove_on_delete="yes")  # type: ignore[arg-type]
