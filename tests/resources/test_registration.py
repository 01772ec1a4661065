"""Registration, its forms, its provider (IAM, functions) and RegistrationAttachment: templates and validation."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_events_targets as targets
import aws_cdk.aws_kms as kms
import aws_cdk.aws_s3 as s3
import aws_cdk.aws_secretsmanager as secretsmanager
import aws_cdk.aws_sns as sns
import boto3
import pytest
from aws_cdk.assertions import Annotations, Match, Template
from botocore.validate import ParamValidator

from sms_constructs import (
    AttachmentSource,
    MandatoryKeywords,
    NumberCapability,
    NumberType,
    PhoneNumber,
    Registration,
    RegistrationAttachment,
    RegistrationFieldValue,
    RegistrationForm,
    UsTenDlcBrandForm,
    UsTenDlcBrandVettingForm,
    UsTenDlcCampaignForm,
    UsTollFreeForm,
    ValidationError,
)
from sms_constructs._private.kms import limit_grants_to_aws_services
from sms_constructs._private.registration_provider import OWNER_TAG_KEY
from sms_constructs.resources.registration_fields import (
    DATA_FILE,
    definitions,
    is_personal_field,
    shipped_definitions,
)
from tests.compliance.gates import control_tower_violations
from tests.conftest import ENV, cdk_json_context
from tests.resources.registration_builders import SAMPLE, brand_form, campaign_form, toll_free_form

KEYWORDS = MandatoryKeywords(help="Acme alerts: acme.example/sms. Reply STOP to opt out.", stop="Acme alerts: bye.")


def _registrations_arn(stack: cdk.Stack) -> Any:
    arn = stack.format_arn(
        service="sms-voice", resource="registration", resource_name="*", arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME
    )
    return stack.resolve(arn)


def _attachment(stack: cdk.Stack, id: str = "OptIn") -> RegistrationAttachment:
    bucket = s3.Bucket.from_bucket_name(stack, f"{id}Bucket", "acme-registration-evidence")
    return RegistrationAttachment(stack, id, source=AttachmentSource.from_bucket(bucket, "opt-in.png"))


def _number(stack: cdk.Stack, number_type: NumberType = NumberType.TOLL_FREE, id: str = "Number") -> PhoneNumber:
    return PhoneNumber(
        stack,
        id,
        iso_country_code="US",
        number_type=number_type,
        capabilities=[NumberCapability.SMS],
        keywords=KEYWORDS,
    )


def _template(stack: cdk.Stack) -> Template:
    return Template.from_stack(stack)


def _logical_id(stack: cdk.Stack, construct: Any) -> str:
    child = construct.node.default_child
    while child is not None and not isinstance(child, cdk.CfnElement):
        child = child.node.default_child
    assert isinstance(child, cdk.CfnElement)
    return str(stack.resolve(stack.get_logical_id(child)))


# --- the custom resource ----------------------------------------------------------------------------------------


def test_brand_renders_every_field_submits_and_deletes_only_unsubmitted_by_default(stack: cdk.Stack) -> None:
    Registration(stack, "Brand", form=brand_form(), submit=True, name="Acme brand")

    resources = _template(stack).find_resources("Custom::SmsRegistration")
    (resource,) = resources.values()
    assert resource["DeletionPolicy"] == "Delete"
    properties = resource["Properties"]
    assert properties["RegistrationType"] == "US_TEN_DLC_BRAND_REGISTRATION"
    assert properties["Submit"] is True
    assert properties["AwsReview"] is False
    assert properties["DeletionBehavior"] == "DELETE_UNSUBMITTED"
    assert properties["CheckFieldDefinitions"] is True
    assert "Associations" not in properties
    assert properties["Tags"][0]["Key"] == OWNER_TAG_KEY
    assert properties["Tags"][0]["Value"].startswith("TestStackSmsConstructsRegistrationProvider")
    assert properties["Tags"][1:] == [{"Key": "Name", "Value": "Acme brand"}]
    assert {
        item["FieldPath"]: {k: v for k, v in item.items() if k != "FieldPath"} for item in properties["FieldValues"]
    } == {
        "companyInfo.companyName": {"TextValue": "Acme Corporation"},
        "companyInfo.taxIdIssuingCountry": {"TextValue": "US"},
        "companyInfo.taxId": {"TextValue": "123456789"},
        "companyInfo.legalType": {"SelectChoices": ["PRIVATE_PROFIT"]},
        "companyInfo.address": {"TextValue": "100 Main Street"},
        "companyInfo.city": {"TextValue": "Seattle"},
        "companyInfo.state": {"TextValue": "WA"},
        "companyInfo.zipCode": {"TextValue": "98101"},
        "companyInfo.isoCountryCode": {"TextValue": "US"},
        "contactInfo.dbaName": {"TextValue": "Acme"},
        "contactInfo.vertical": {"SelectChoices": ["TECHNOLOGY"]},
        "contactInfo.website": {"TextValue": "https://acme.example"},
        "contactInfo.supportEmail": {"TextValue": "support@acme.example"},
        "contactInfo.supportPhoneNumber": {"TextValue": "+12065550142"},
    }


def test_campaign_renders_yes_no_selects_numbered_samples_and_the_brand_association(stack: cdk.Stack) -> None:
    brand = Registration(stack, "Brand", form=brand_form(), submit=True)
    mms = _attachment(stack, "Mms")
    Registration(
        stack,
        "Campaign",
        form=campaign_form(
            use_case="MIXED",
            sub_use_cases=["ACCOUNT_NOTIFICATION", "TWO_FACTOR_AUTHENTICATION"],
            message_samples=[SAMPLE, SAMPLE + " Second."],
            mms_file_samples=[mms],
            embedded_link=True,
            embedded_link_sample="https://acme.example/a",
        ),
        associated_registrations=[brand],
        submit=True,
    )

    template = _template(stack)
    brand_id = _logical_id(stack, brand)
    (campaign,) = [
        r["Properties"]
        for r in template.find_resources("Custom::SmsRegistration").values()
        if r["Properties"]["RegistrationType"] == "US_TEN_DLC_CAMPAIGN_REGISTRATION"
    ]
    values = {item["FieldPath"]: item for item in campaign["FieldValues"]}
    assert values["campaignUseCase.subUseCases"]["SelectChoices"] == [
        "ACCOUNT_NOTIFICATION",
        "TWO_FACTOR_AUTHENTICATION",
    ]
    assert values["campaignUseCase.embeddedLink"]["SelectChoices"] == ["Yes"]
    assert values["campaignUseCase.directLending"]["SelectChoices"] == ["No"]
    assert values["campaignUseCase.subscriberOptIn"]["SelectChoices"] == ["Yes"]
    assert values["messageSamples.messageSample2"]["TextValue"] == SAMPLE + " Second."
    assert values["mmsFileSamples.mmsFileSample1"]["RegistrationAttachmentId"] == {
        "Fn::GetAtt": [_logical_id(stack, mms), "RegistrationAttachmentId"]
    }
    assert campaign["Associations"] == [{"Fn::GetAtt": [brand_id, "RegistrationId"]}]


def test_toll_free_associates_its_number_and_the_provider_may_only_associate_that_number(stack: cdk.Stack) -> None:
    number = _number(stack)
    opt_in = _attachment(stack)
    Registration(stack, "TollFree", form=toll_free_form(opt_in), associated_phone_numbers=[number], submit=True)

    template = _template(stack)
    template.has_resource_properties(
        "Custom::SmsRegistration",
        {"Associations": [{"Fn::GetAtt": [_logical_id(stack, number), "PhoneNumberId"]}]},
    )
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": "sms-voice:DescribeRegistrationAttachments",
                            "Effect": "Allow",
                            "Resource": {"Fn::GetAtt": [_logical_id(stack, opt_in), "RegistrationAttachmentArn"]},
                        },
                        {
                            "Action": "sms-voice:CreateRegistrationAssociation",
                            "Effect": "Allow",
                            "Resource": {"Fn::GetAtt": [_logical_id(stack, number), "Arn"]},
                        },
                    ]
                )
            }
        },
    )


def test_provider_policy_is_least_privilege_and_owner_tag_scoped(stack: cdk.Stack) -> None:
    Registration(stack, "Brand", form=brand_form())
    (resource,) = _template(stack).find_resources("Custom::SmsRegistration").values()
    value = resource["Properties"]["Tags"][0]["Value"]

    statements = [
        s
        for p in _template(stack).find_resources("AWS::IAM::Policy").values()
        if "HandlerRole" in json.dumps(p["Properties"]["Roles"])
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    by_action = {json.dumps(s["Action"]): s for s in statements}
    assert by_action['"sms-voice:CreateRegistration"'] == {
        "Action": "sms-voice:CreateRegistration",
        "Effect": "Allow",
        "Resource": "*",
        "Condition": {"StringEquals": {f"aws:RequestTag/{OWNER_TAG_KEY}": value}},
    }
    assert by_action['"sms-voice:TagResource"']["Condition"] == {
        "StringEquals": {f"aws:RequestTag/{OWNER_TAG_KEY}": value}
    }
    owned = dict(next(s for s in statements if "sms-voice:DeleteRegistration" in s["Action"]))
    # Every action on a registration — reads, tags, associations, changes — needs the owner tag on it.
    assert set(owned.pop("Action")) == {
        "sms-voice:DescribeRegistrationVersions",
        "sms-voice:DescribeRegistrationFieldValues",
        "sms-voice:ListRegistrationAssociations",
        "sms-voice:ListTagsForResource",
        "sms-voice:CreateRegistrationAssociation",
        "sms-voice:PutRegistrationFieldValue",
        "sms-voice:DeleteRegistrationFieldValue",
        "sms-voice:CreateRegistrationVersion",
        "sms-voice:SubmitRegistrationVersion",
        "sms-voice:DiscardRegistrationVersion",
        "sms-voice:DeleteRegistration",
        "sms-voice:UntagResource",
    }
    assert owned == {
        "Effect": "Allow",
        "Resource": _registrations_arn(stack),
        "Condition": {"StringEquals": {f"aws:ResourceTag/{OWNER_TAG_KEY}": value}},
    }
    every_action = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert {a for a in every_action if a.startswith("sms-voice:")} == {
        "sms-voice:CreateRegistration",
        "sms-voice:DescribeRegistrationFieldDefinitions",
        "sms-voice:TagResource",
        "sms-voice:DescribeRegistrations",
        "sms-voice:DescribeRegistrationVersions",
        "sms-voice:DescribeRegistrationFieldValues",
        "sms-voice:ListRegistrationAssociations",
        "sms-voice:ListTagsForResource",
        "sms-voice:PutRegistrationFieldValue",
        "sms-voice:DeleteRegistrationFieldValue",
        "sms-voice:CreateRegistrationVersion",
        "sms-voice:SubmitRegistrationVersion",
        "sms-voice:DiscardRegistrationVersion",
        "sms-voice:DeleteRegistration",
        "sms-voice:UntagResource",
        "sms-voice:CreateRegistrationAssociation",
    }
    star = {
        a
        for s in statements
        if s["Resource"] == "*"
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    # DescribeRegistrations lists by type to find the registration a rolled-back deployment kept: a list names no
    # resource. It returns IDs, types and statuses; field values need the owner tag.
    assert star == {
        "sms-voice:CreateRegistration",
        "sms-voice:DescribeRegistrationFieldDefinitions",
        "sms-voice:DescribeRegistrations",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
    assert not [a for a in every_action if a.startswith(("secretsmanager:", "ssm:", "kms:"))]  # no reference used


def test_the_sar_allows_the_owner_tag_condition_on_every_conditioned_registration_action() -> None:
    """The vendored Service Authorization Reference lists ``aws:ResourceTag`` for the registration resource type, and
    every conditioned action takes that resource type (so the condition is evaluated, not ignored or always false)."""
    sar = json.loads((Path(__file__).parents[1] / "data" / "service_authorization" / "sms-voice.json").read_text())
    assert "aws:ResourceTag/${TagKey}" in sar["resourceTypes"]["Registration"]["conditionKeys"]
    conditioned = [
        "DescribeRegistrationVersions",
        "DescribeRegistrationFieldValues",
        "ListRegistrationAssociations",
        "ListTagsForResource",
        "CreateRegistrationAssociation",
        "PutRegistrationFieldValue",
        "DeleteRegistrationFieldValue",
        "CreateRegistrationVersion",
        "SubmitRegistrationVersion",
        "DiscardRegistrationVersion",
        "DeleteRegistration",
        "UntagResource",
    ]
    for action in conditioned:
        types = {t["name"] for t in sar["actions"][action]["resourceTypes"]}
        assert "Registration" in types, action


def test_one_provider_per_stack_with_its_functions_configured(stack: cdk.Stack) -> None:
    Registration(stack, "Brand", form=brand_form())
    Registration(stack, "Vetting", form=UsTenDlcBrandVettingForm())

    template = _template(stack)
    template.resource_count_is("AWS::Lambda::Function", 2)
    template.resource_count_is("AWS::KMS::Key", 1)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "registrations.handler.main",
            "Runtime": "python3.14",
            "Architectures": ["arm64"],
            "Layers": Match.absent(),
            "Timeout": 600,
            "ReservedConcurrentExecutions": 5,
            "TracingConfig": {"Mode": "Active"},
            "KmsKeyArn": Match.any_value(),
        },
    )
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "framework.onEvent",
            "MemorySize": 256,
            "ReservedConcurrentExecutions": 5,
            "TracingConfig": {"Mode": "Active"},
            "KmsKeyArn": Match.any_value(),
            "LoggingConfig": {"LogGroup": Match.any_value()},
        },
    )
    for role in template.find_resources("AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]
    template.resource_count_is("AWS::Logs::LogGroup", 2)
    template.all_resources_properties("AWS::Logs::LogGroup", {"KmsKeyId": Match.any_value(), "RetentionInDays": 365})


def test_status_attributes_come_from_the_custom_resource(stack: cdk.Stack) -> None:
    registration = Registration(stack, "Brand", form=brand_form())
    cdk.CfnOutput(stack, "Status", value=registration.registration_status)
    cdk.CfnOutput(stack, "Denied", value=registration.denied_reasons)
    cdk.CfnOutput(stack, "Version", value=registration.version_status)
    cdk.CfnOutput(stack, "Number", value=registration.version_number)
    cdk.CfnOutput(stack, "Arn", value=registration.registration_arn)

    outputs = _template(stack).to_json()["Outputs"]
    brand = _logical_id(stack, registration)
    assert outputs["Status"]["Value"] == {"Fn::GetAtt": [brand, "RegistrationStatus"]}
    assert outputs["Denied"]["Value"] == {"Fn::GetAtt": [brand, "DeniedReasons"]}
    assert outputs["Version"]["Value"] == {"Fn::GetAtt": [brand, "VersionStatus"]}
    assert outputs["Number"]["Value"] == {"Fn::GetAtt": [brand, "VersionNumber"]}
    assert outputs["Arn"]["Value"] == {"Fn::GetAtt": [brand, "RegistrationArn"]}
    assert registration.registration_type == "US_TEN_DLC_BRAND_REGISTRATION"
    assert stack.resolve(registration.registration_ref.registration_arn) == {"Fn::GetAtt": [brand, "RegistrationArn"]}
    assert set(registration.field_values) >= {"companyInfo.companyName"}


@pytest.mark.parametrize(
    ("policy", "deletion_policy", "behavior"),
    [
        (cdk.RemovalPolicy.RETAIN, "Retain", "RETAIN"),
        (cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE, "RetainExceptOnCreate", "RETAIN"),
        (cdk.RemovalPolicy.DESTROY, "Delete", "DELETE"),
    ],
)
def test_removal_policy(stack: cdk.Stack, policy: cdk.RemovalPolicy, deletion_policy: str, behavior: str) -> None:
    Registration(stack, "Brand", form=brand_form(), removal_policy=policy)

    _template(stack).has_resource(
        "Custom::SmsRegistration",
        {"DeletionPolicy": deletion_policy, "Properties": Match.object_like({"DeletionBehavior": behavior})},
    )


def test_fails_snapshot_removal_policy(stack: cdk.Stack) -> None:
    with pytest.raises(ValueError, match=r"Brand: invalid 'removal_policy': must be RETAIN or DESTROY"):
        Registration(stack, "Brand", form=brand_form(), removal_policy=cdk.RemovalPolicy.SNAPSHOT)


def test_on_status_change_matches_this_registration(stack: cdk.Stack) -> None:
    registration = Registration(stack, "Brand", form=brand_form())
    topic = sns.Topic(stack, "Topic")

    registration.on_status_change("Changes", target=targets.SnsTopic(topic))

    _template(stack).has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.sms-voice"],
                "detail-type": ["Registration Status Change"],
                "detail": {
                    "registrationDetails": {
                        "registrationId": [{"Fn::GetAtt": [_logical_id(stack, registration), "RegistrationId"]}]
                    }
                },
            },
            "Targets": [Match.object_like({"Arn": {"Ref": Match.any_value()}})],
        },
    )


def test_generic_form_and_live_check_off(stack: cdk.Stack) -> None:
    Registration(
        stack,
        "SenderId",
        form=RegistrationForm(
            registration_type="GB_SENDER_ID_REGISTRATION",
            field_values={"senderIdInfo.senderId": RegistrationFieldValue.text("ACME")},
        ),
        check_live_definitions=False,
    )

    _template(stack).has_resource_properties(
        "Custom::SmsRegistration",
        {
            "RegistrationType": "GB_SENDER_ID_REGISTRATION",
            "FieldValues": [{"FieldPath": "senderIdInfo.senderId", "TextValue": "ACME"}],
            "CheckFieldDefinitions": False,
            "Submit": False,
        },
    )
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("not checked at all"))
    assert len(warnings) == 1


def test_a_type_the_library_does_not_ship_is_left_to_the_live_check(stack: cdk.Stack) -> None:
    Registration(stack, "LongCode", form=RegistrationForm(registration_type="GB_LONG_CODE_REGISTRATION"))

    messages = [w.entry.data for w in Annotations.from_stack(stack).find_warning("*", Match.any_value())]
    assert any(
        "ships no field definitions for GB_LONG_CODE_REGISTRATION" in m and "live definitions" in m for m in messages
    )


def test_extra_field_values_pass_the_shipped_check_and_override(stack: cdk.Stack) -> None:
    extra = {
        "companyInfo.brandNewField": RegistrationFieldValue.text("new"),
        "companyInfo.city": RegistrationFieldValue.text("Tacoma"),
    }
    registration = Registration(stack, "Brand", form=brand_form(extra_field_values=extra), submit=True)

    assert registration.field_values["companyInfo.city"]._render("companyInfo.city")["TextValue"] == "Tacoma"
    assert "companyInfo.brandNewField" in registration.field_values


def test_values_known_only_at_deploy_time_are_not_checked(stack: cdk.Stack) -> None:
    name = cdk.CfnParameter(stack, "CompanyName").value_as_string
    Registration(stack, "Brand", form=brand_form(company_name=name), submit=True)

    _template(stack).has_resource_properties(
        "Custom::SmsRegistration",
        {
            "FieldValues": Match.array_with(
                [{"FieldPath": "companyInfo.companyName", "TextValue": {"Ref": "CompanyName"}}]
            )
        },
    )


def test_an_unconfirmed_limit_is_a_warning(stack: cdk.Stack) -> None:
    Registration(stack, "Brand", form=brand_form(zip_code="9" * 21))

    warnings = Annotations.from_stack(stack).find_warning(
        "/TestStack/Brand", Match.string_like_regexp(r"zip_code \(companyInfo.zipCode\): must have 1-20 characters")
    )
    assert len(warnings) == 1


def test_importers(stack: cdk.Stack) -> None:
    by_id = Registration.from_registration_id(
        stack, "ById", "registration-0123abcd", registration_type="US_TEN_DLC_BRAND_REGISTRATION"
    )
    arn = "arn:aws:sms-voice:us-west-2:444455556666:registration/registration-89ab"
    by_arn = Registration.from_registration_arn(stack, "ByArn", arn)

    assert stack.resolve(by_id.registration_arn) == stack.resolve(
        stack.format_arn(
            service="sms-voice",
            resource="registration",
            resource_name="registration-0123abcd",
            arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
        )
    )
    assert by_id.registration_type == "US_TEN_DLC_BRAND_REGISTRATION"
    assert (by_arn.registration_id, by_arn.env.account, by_arn.env.region) == (
        "registration-89ab",
        "444455556666",
        "us-west-2",
    )
    assert by_arn.registration_type is None


def test_an_imported_brand_can_be_associated_with_a_campaign(stack: cdk.Stack) -> None:
    brand = Registration.from_registration_id(stack, "Brand", "registration-0123abcd")
    Registration(stack, "Campaign", form=campaign_form(), associated_registrations=[brand], submit=True)

    _template(stack).has_resource_properties("Custom::SmsRegistration", {"Associations": ["registration-0123abcd"]})


# --- validation -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arn", "rule"),
    [
        ("registration-0123", "must be an ARN like arn:aws:sms-voice"),
        (
            "arn:aws:sms-voice:us-east-1:111122223333:pool/pool-0123",
            r"must be the ARN of a registration .*not of a 'pool'",
        ),
        (
            "arn:aws:sns:us-east-1:111122223333:registration/registration-0123",
            "must be an AWS End User Messaging SMS ARN",
        ),
    ],
)
def test_fails_import_of_a_malformed_arn(stack: cdk.Stack, arn: str, rule: str) -> None:
    with pytest.raises(ValueError, match=rf"TestStack/Imported: invalid 'registration_arn': {rule}"):
        Registration.from_registration_arn(stack, "Imported", arn)


def test_fails_import_of_a_malformed_id(stack: cdk.Stack) -> None:
    with pytest.raises(
        ValueError,
        match=r"TestStack/Imported: invalid 'registration_id': must be a registration-.*an ARN goes to the from_\*_arn",
    ):
        Registration.from_registration_id(stack, "Imported", "arn:aws:sms-voice:us-east-1:1:registration/x")


def test_fails_an_option_the_form_does_not_offer_naming_the_prop_and_path(stack: cdk.Stack) -> None:
    with pytest.raises(
        ValidationError,
        match=r"TestStack/Brand: invalid 'form.legal_type \(companyInfo.legalType\)': must be chosen from "
        r"\['PRIVATE_PROFIT', 'PUBLIC_PROFIT', 'NON_PROFIT', 'GOVERNMENT'\]; received \['SOLE_PROPRIETOR'\]",
    ):
        Registration(stack, "Brand", form=brand_form(legal_type="SOLE_PROPRIETOR"))


def test_fails_a_confirmed_length(stack: cdk.Stack) -> None:
    with pytest.raises(
        ValidationError, match=r"'form.opt_in_workflow \(campaignInfo.optInWorkflow\)': must have 40-2048"
    ):
        Registration(stack, "Campaign", form=campaign_form(opt_in_workflow="Too short."))


def test_fails_a_confirmed_pattern(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"'form.privacy_policy_url .*': must match \^https\?://"):
        Registration(stack, "TollFree", form=toll_free_form(_attachment(stack), privacy_policy_url="acme.example/p"))


def test_fails_submitting_without_a_required_field(stack: cdk.Stack) -> None:
    form = RegistrationForm(
        registration_type="US_TEN_DLC_BRAND_REGISTRATION",
        field_values={"companyInfo.companyName": RegistrationFieldValue.text("Acme")},
    )

    with pytest.raises(
        ValidationError, match=r"'form.field_values\['companyInfo.taxIdIssuingCountry'\]': is required to submit"
    ):
        Registration(stack, "Brand", form=form, submit=True)


def test_a_draft_may_miss_required_fields(stack: cdk.Stack) -> None:
    form = RegistrationForm(
        registration_type="US_TEN_DLC_BRAND_REGISTRATION",
        field_values={"companyInfo.companyName": RegistrationFieldValue.text("Acme")},
    )

    Registration(stack, "Brand", form=form)

    _template(stack).resource_count_is("Custom::SmsRegistration", 1)


def test_fails_a_public_company_without_its_stock_symbol(stack: cdk.Stack) -> None:
    with pytest.raises(
        ValidationError,
        match=r"'form.stock_symbol \(companyInfo.stockSymbol\)': is required to submit \(conditional: REQUIRED when "
        r"companyInfo.legalType EQUALS PUBLIC_PROFIT\)",
    ):
        Registration(stack, "Brand", form=brand_form(legal_type="PUBLIC_PROFIT"), submit=True)


def test_fails_a_campaign_without_terms_link_or_file(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"terms_and_conditions_link .*is required to submit"):
        Registration(stack, "Campaign", form=campaign_form(terms_and_conditions_link=None), submit=True)


def test_a_terms_file_replaces_the_link(stack: cdk.Stack) -> None:
    terms = _attachment(stack, "Terms")
    brand = Registration.from_registration_id(stack, "Brand", "registration-0123abcd")
    Registration(
        stack,
        "Campaign",
        form=campaign_form(terms_and_conditions_link=None, terms_and_conditions_file=terms),
        associated_registrations=[brand],
        submit=True,
    )

    _template(stack).resource_count_is("Custom::SmsRegistration", 1)


def test_fails_a_mixed_campaign_without_sub_use_cases(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"sub_use_cases \(campaignUseCase.subUseCases\)': is required to submit"):
        Registration(stack, "Campaign", form=campaign_form(use_case="MIXED"), submit=True)


def test_fails_a_subscriber_attestation_the_form_only_accepts_as_yes(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"subscriber_opt_in .*must be chosen from \['Yes'\]; received \['No'\]"):
        Registration(stack, "Campaign", form=campaign_form(subscriber_opt_in=False))


def test_fails_an_unknown_field_of_a_shipped_type(stack: cdk.Stack) -> None:
    form = RegistrationForm(
        registration_type="US_TOLL_FREE_REGISTRATION",
        field_values={"companyInfo.country": RegistrationFieldValue.text("US")},
    )

    with pytest.raises(
        ValidationError, match=r"field_values\['companyInfo.country'\]': is not a field of this registration"
    ):
        Registration(stack, "TollFree", form=form)


def test_fails_a_value_of_the_wrong_field_type(stack: cdk.Stack) -> None:
    form = RegistrationForm(
        registration_type="US_TOLL_FREE_REGISTRATION",
        field_values={"companyInfo.businessType": RegistrationFieldValue.text("PRIVATE_PROFIT")},
    )

    with pytest.raises(ValidationError, match=r"is a SELECT field, not a TEXT one"):
        Registration(stack, "TollFree", form=form)


@pytest.mark.parametrize(
    ("form", "rule"),
    [
        ("not a form", r"'form': must be a registration form"),
        (RegistrationForm(registration_type="bad type"), r"'form.registration_type': must match"),
        (
            RegistrationForm(registration_type="X", field_values={"a.b": "text"}),
            r"'form\['a.b'\]': must be a RegistrationFieldValue",
        ),
        (
            RegistrationForm(registration_type="X", field_values={"a.b": RegistrationFieldValue.attachment("x")}),  # type: ignore[arg-type]
            r"'form\['a.b'\]': must be a RegistrationAttachment",
        ),
        (
            RegistrationForm(registration_type="X", field_values={"a.b": RegistrationFieldValue.text(1)}),
            r"'form\['a.b'\]': a text value must be a string",
        ),  # type: ignore[arg-type]
    ],
)
def test_fails_malformed_forms(stack: cdk.Stack, form: Any, rule: str) -> None:
    with pytest.raises(ValidationError, match=rf"TestStack/Reg: invalid {rule}"):
        Registration(stack, "Reg", form=form)


def test_fails_name_too_long(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'name': length must be between 1 and 256"):
        Registration(stack, "Brand", form=brand_form(), name="x" * 257)


def test_fails_submitting_a_campaign_without_its_brand(app: cdk.App, stack: cdk.Stack) -> None:
    Registration(stack, "Campaign", form=campaign_form(), submit=True)

    with pytest.raises(
        Exception,
        match=r"invalid 'associated_registrations': a US_TEN_DLC_CAMPAIGN_REGISTRATION registration must be associated "
        r"with at least 1 US_TEN_DLC_BRAND_REGISTRATION registration before it is submitted",
    ):
        app.synth()


def test_fails_submitting_a_toll_free_registration_without_its_number(app: cdk.App, stack: cdk.Stack) -> None:
    Registration(stack, "TollFree", form=toll_free_form(_attachment(stack)), submit=True)

    with pytest.raises(Exception, match=r"at least 1 TOLL_FREE phone number before it is submitted"):
        app.synth()


def test_fails_associating_a_registration_of_the_wrong_type(stack: cdk.Stack) -> None:
    toll_free = Registration(stack, "TollFree", form=toll_free_form(_attachment(stack)))

    with pytest.raises(
        ValidationError,
        match=r"'associated_registrations\[0\]': a US_TEN_DLC_CAMPAIGN_REGISTRATION registration is associated with "
        r"US_TEN_DLC_BRAND_REGISTRATION; received 'TestStack/TollFree \(US_TOLL_FREE_REGISTRATION\)'",
    ):
        Registration(stack, "Campaign", form=campaign_form(), associated_registrations=[toll_free])


def test_fails_associating_two_brands(stack: cdk.Stack) -> None:
    first = Registration.from_registration_id(stack, "First", "registration-01")
    second = Registration.from_registration_id(stack, "Second", "registration-02")

    with pytest.raises(
        ValidationError,
        match=r"'associated_registrations\[1\]': a US_TEN_DLC_BRAND_VETTING registration takes at most 1",
    ):
        Registration(stack, "Vetting", form=UsTenDlcBrandVettingForm(), associated_registrations=[first, second])


def test_fails_associating_a_registration_with_itself(stack: cdk.Stack) -> None:
    registration = Registration(stack, "Vetting", form=UsTenDlcBrandVettingForm())

    with pytest.raises(ValidationError, match=r"a registration cannot be associated with itself"):
        registration.associate_registration(registration)


def test_fails_associating_a_number_of_the_wrong_type(stack: cdk.Stack) -> None:
    simulator = _number(stack, NumberType.SIMULATOR)

    with pytest.raises(
        ValidationError,
        match=r"'associated_phone_numbers\[0\]': a US_TOLL_FREE_REGISTRATION registration is associated with TOLL_FREE "
        r"numbers; received 'TestStack/Number \(SIMULATOR\)'",
    ):
        Registration(stack, "TollFree", form=toll_free_form(_attachment(stack)), associated_phone_numbers=[simulator])


def test_fails_associating_a_number_with_a_brand(stack: cdk.Stack) -> None:
    with pytest.raises(
        ValidationError, match=r"a US_TEN_DLC_BRAND_REGISTRATION registration takes no phone number association"
    ):
        Registration(stack, "Brand", form=brand_form(), associated_phone_numbers=[_number(stack)])


def test_fails_associating_a_number_of_another_region(stack: cdk.Stack) -> None:
    number = PhoneNumber.from_phone_number_arn(
        stack, "Far", "arn:aws:sms-voice:eu-west-1:111122223333:phone-number/phone-01"
    )

    with pytest.raises(
        ValidationError, match=r"'associated_phone_numbers\[0\]': must be in the same Region as this stack"
    ):
        Registration(stack, "TollFree", form=toll_free_form(_attachment(stack)), associated_phone_numbers=[number])


def test_a_ten_dlc_number_is_associated_with_its_campaign_after_completion(stack: cdk.Stack) -> None:
    brand = Registration.from_registration_id(stack, "Brand", "registration-01")
    campaign = Registration(stack, "Campaign", form=campaign_form(), associated_registrations=[brand], submit=True)

    campaign.associate_phone_number(_number(stack, NumberType.TEN_DLC))

    _template(stack).has_resource_properties(
        "Custom::SmsRegistration",
        {"Associations": [{"Fn::GetAtt": [Match.any_value(), "PhoneNumberId"]}, "registration-01"]},
    )


# --- attachments --------------------------------------------------------------------------------------------------


def test_attachment_from_a_bucket_is_retained_and_acknowledges_the_stale_cdk_schema(stack: cdk.Stack) -> None:
    attachment = _attachment(stack)

    template = _template(stack)
    template.has_resource(
        "AWS::SMSVOICE::RegistrationAttachment",
        {
            "Properties": {"AttachmentUrl": "s3://acme-registration-evidence/opt-in.png"},
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )
    acknowledged = attachment.node.default_child.node.metadata  # type: ignore[union-attr]
    assert any("CloudFormation-Validate::F3006" in json.dumps(entry.data) for entry in acknowledged)
    assert stack.resolve(attachment.registration_attachment_id) == {
        "Fn::GetAtt": [_logical_id(stack, attachment), "RegistrationAttachmentId"]
    }


def test_attachment_from_an_asset_uploads_the_file(stack: cdk.Stack, tmp_path: Path) -> None:
    image = tmp_path / "opt-in.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)

    RegistrationAttachment(stack, "OptIn", source=AttachmentSource.from_asset(str(image)))

    url = _template(stack).find_resources("AWS::SMSVOICE::RegistrationAttachment")
    (resource,) = url.values()
    rendered = json.dumps(resource["Properties"]["AttachmentUrl"])
    assert rendered.startswith('"s3://cdk-')
    assert rendered.endswith('.png"')


def test_a_local_opt_in_image_must_be_a_png_of_at_most_400_kb(stack: cdk.Stack, tmp_path: Path) -> None:
    jpeg = tmp_path / "opt-in.jpg"
    jpeg.write_bytes(b"0" * 100)
    big = tmp_path / "big.png"
    big.write_bytes(b"0" * 400_001)

    with pytest.raises(
        ValidationError, match=r"'form.opt_in_image \(messagingUseCase.optInImage\)': the file must be one of \.png"
    ):
        Registration(
            stack,
            "A",
            form=toll_free_form(RegistrationAttachment(stack, "Jpeg", source=AttachmentSource.from_asset(str(jpeg)))),
        )
    with pytest.raises(ValidationError, match=r"the file must be at most 400000 bytes; it has 400001"):
        Registration(
            stack,
            "B",
            form=toll_free_form(RegistrationAttachment(stack, "Big", source=AttachmentSource.from_asset(str(big)))),
        )


@pytest.mark.parametrize(
    ("name", "size", "rule"),
    [
        ("missing.png", None, "the attachment file does not exist"),
        ("notes.txt", 10, "registration attachments are PDF, JPEG or PNG"),
        ("huge.pdf", 1_572_865, "registration attachments are at most 1572864 bytes; this one is 1572865"),
    ],
)
def test_fails_attachment_files_the_service_refuses(
    stack: cdk.Stack, tmp_path: Path, name: str, size: int | None, rule: str
) -> None:
    path = tmp_path / name
    if size is not None:
        path.write_bytes(b"0" * size)

    with pytest.raises(ValidationError, match=rf"TestStack/File: invalid 'source': {rule}"):
        RegistrationAttachment(stack, "File", source=AttachmentSource.from_asset(str(path)))


def test_fails_an_attachment_source_that_is_not_one(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"'source': must be an AttachmentSource"):
        RegistrationAttachment(stack, "File", source="s3://bucket/key")  # type: ignore[arg-type]


def test_attachment_importers(stack: cdk.Stack) -> None:
    arn = "arn:aws:sms-voice:us-east-1:111122223333:registration-attachment/abc123"
    by_arn = RegistrationAttachment.from_registration_attachment_arn(stack, "ByArn", arn)
    by_id = RegistrationAttachment.from_registration_attachment_id(stack, "ById", "abc123")

    assert by_arn.registration_attachment_id == "abc123"
    assert by_arn.registration_attachment_ref.registration_attachment_arn == arn
    assert "registration-attachment/abc123" in json.dumps(stack.resolve(by_id.registration_attachment_arn))
    with pytest.raises(
        ValidationError,
        match=r"TestStack/Bad: invalid 'registration_attachment_arn': must be the ARN of a registration-attachment",
    ):
        RegistrationAttachment.from_registration_attachment_arn(
            stack, "Bad", arn.replace("registration-attachment", "registration")
        )
    with pytest.raises(ValidationError, match=r"TestStack/BadId: invalid 'registration_attachment_id'"):
        RegistrationAttachment.from_registration_attachment_id(stack, "BadId", "a/b")


def test_newer_types_warn_outside_their_regions() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Eu", env=cdk.Environment(account="111122223333", region="eu-west-1"))
    _attachment(stack)

    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("only known in ap-south-1"))
    assert len(warnings) == 1


# --- the shipped data and the forms -------------------------------------------------------------------------------


def test_the_shipped_data_states_its_sources_and_date_and_has_the_api_shape() -> None:
    data = shipped_definitions()
    model = boto3.client("pinpoint-sms-voice-v2", region_name="us-east-1").meta.service_model
    shape = model.shape_for("RegistrationFieldDefinition")

    assert data["schema_as_of"] == "2026-09-16"
    assert data["compiled"] == "2026-11-30"
    assert "DescribeRegistrationFieldDefinitions" in data["source"]
    assert set(data["registration_types"]) == {
        "US_TEN_DLC_BRAND_REGISTRATION",
        "US_TEN_DLC_BRAND_VETTING",
        "US_TEN_DLC_CAMPAIGN_REGISTRATION",
        "US_TOLL_FREE_REGISTRATION",
    }
    validator = ParamValidator()
    for registration_type, entry in data["registration_types"].items():
        for definition in entry["field_definitions"]:
            api = {k: v for k, v in definition.items() if not k.startswith("x-")}
            report = validator.validate({**api, "DisplayHints": {"Title": "t", "ShortDescription": "d"}}, shape)
            assert not report.has_errors(), f"{registration_type} {definition['FieldPath']}: {report.generate_report()}"
    assert DATA_FILE.name == "registration_fields.json"


@pytest.mark.parametrize(
    ("form_class", "numbered"),
    [
        (UsTenDlcBrandForm, {}),
        (UsTenDlcBrandVettingForm, {}),
        (UsTenDlcCampaignForm, {"messageSamples.messageSample": 5, "mmsFileSamples.mmsFileSample": 5}),
        (UsTollFreeForm, {"messageSamples.messageSample": 3}),
    ],
)
def test_each_typed_form_covers_exactly_the_shipped_fields(form_class: Any, numbered: dict[str, int]) -> None:
    shipped = definitions.by_path(
        shipped_definitions()["registration_types"][form_class.registration_type]["field_definitions"]
    )
    covered = set(form_class._PATHS.values()) | {
        f"{prefix}{i}" for prefix, count in numbered.items() for i in range(1, count + 1)
    }

    assert covered == set(shipped)
    required_props = {
        f.name
        for f in dataclasses.fields(form_class)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    required_paths = {path for path, d in shipped.items() if d["FieldRequirement"] == "REQUIRED"}
    for prop, path in form_class._PATHS.items():
        if path in required_paths:
            assert prop in required_props or form_class.__dataclass_fields__[prop].default is True, prop


# --- personal data stays out of the template --------------------------------------------------------------------

SECRET_VERSION = "0123456789abcdef0123456789abcdef"


def _secret(stack: cdk.Stack) -> Any:
    key = kms.Key(stack, "SecretKey", enable_key_rotation=True)
    limit_grants_to_aws_services(key)  # the user's key, as Control Tower asks of every key
    return secretsmanager.Secret(stack, "Contact", encryption_key=key)


def _handler_statements(stack: cdk.Stack) -> list[dict[str, Any]]:
    return [
        s
        for p in _template(stack).find_resources("AWS::IAM::Policy").values()
        if "HandlerRole" in json.dumps(p["Properties"]["Roles"])
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_values_by_reference_put_only_the_reference_into_the_template_and_grant_reading_exactly_it(
    stack: cdk.Stack,
) -> None:
    secret = _secret(stack)
    form = brand_form(
        tax_id=RegistrationFieldValue.from_secret(secret, json_field="taxId", version_id=SECRET_VERSION),
        support_email=RegistrationFieldValue.from_ssm_secure_string("/acme/registration/support-email", 3),
        support_phone_number=RegistrationFieldValue.from_secret(secret, json_field="phone"),
        address=RegistrationFieldValue.from_ssm_secure_string("/acme/registration/address", 1),
        zip_code=RegistrationFieldValue.from_ssm_secure_string("/acme/registration/zip", 1),
    )
    Registration(stack, "Brand", form=form)

    template = _template(stack)
    (resource,) = template.find_resources("Custom::SmsRegistration").values()
    values = {v["FieldPath"]: v for v in resource["Properties"]["FieldValues"]}
    secret_ref = stack.resolve(secret.secret_arn)
    assert values["companyInfo.taxId"] == {
        "FieldPath": "companyInfo.taxId",
        "TextValueFrom": {"SecretId": secret_ref, "VersionId": SECRET_VERSION, "JsonField": "taxId"},
    }
    assert values["contactInfo.supportEmail"] == {
        "FieldPath": "contactInfo.supportEmail",
        "TextValueFrom": {"ParameterName": "/acme/registration/support-email", "ParameterVersion": "3"},
    }
    rendered = json.dumps(template.to_json())
    assert "100 Main Street" not in rendered
    assert "support@acme.example" not in rendered
    statements = _handler_statements(stack)
    secrets = [s for s in statements if s["Action"] == "secretsmanager:GetSecretValue"]
    assert secrets == [{"Action": "secretsmanager:GetSecretValue", "Effect": "Allow", "Resource": secret_ref}]
    parameters = next(s for s in statements if s["Action"] == "ssm:GetParameter")
    assert sorted(parameters["Resource"]) == [
        stack.resolve(stack.format_arn(service="ssm", resource="parameter", resource_name=f"acme/registration/{n}"))
        for n in ("address", "support-email", "zip")
    ]
    decrypt = next(s for s in statements if s["Action"] == "kms:Decrypt")
    assert decrypt["Resource"] == stack.resolve(secret.encryption_key.key_arn)
    assert decrypt["Condition"]["StringEquals"]["kms:ViaService"] == {
        "Fn::Join": ["", ["secretsmanager.us-east-1.", {"Ref": "AWS::URLSuffix"}]]
    }
    Annotations.from_stack(stack).has_no_warning("*", Match.string_like_regexp("PersonalDataInTemplate"))


def test_literal_personal_values_draw_a_warning_naming_the_props(stack: cdk.Stack) -> None:
    Registration(stack, "TollFree", form=toll_free_form(_attachment(stack)))

    warnings = Annotations.from_stack(stack).find_warning("/TestStack/TollFree", Match.any_value())
    [message] = [w.entry.data for w in warnings if "PersonalDataInTemplate" in str(w.entry.data)]
    for prop in ("first_name", "last_name", "tax_id", "address1", "zip_code", "support_email", "support_phone_number"):
        assert f"form.{prop} (" in message
    assert "form.company_name" not in message
    assert "from_secret" in message


def test_the_personal_data_warning_is_off_with_the_explicit_opt_in(stack: cdk.Stack) -> None:
    Registration(stack, "TollFree", form=toll_free_form(_attachment(stack)), allow_personal_data_in_template=True)

    Annotations.from_stack(stack).has_no_warning("*", Match.string_like_regexp("PersonalDataInTemplate"))


def test_the_personal_fields_of_the_shipped_definitions() -> None:
    personal = {
        d["FieldPath"]
        for data in shipped_definitions()["registration_types"].values()
        for d in data["field_definitions"]
        if is_personal_field(d["FieldPath"])
    }
    assert personal == {
        "companyInfo.taxId",
        "companyInfo.businessContactEmail",
        "companyInfo.address",
        "companyInfo.address1",
        "companyInfo.address2",
        "companyInfo.zipCode",
        "contactInfo.supportEmail",
        "contactInfo.supportPhoneNumber",
        "contactInfo.firstName",
        "contactInfo.lastName",
    }


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (RegistrationFieldValue.from_ssm_secure_string("/p", 0), "the parameter version must be an integer of 1"),
        (RegistrationFieldValue.from_ssm_secure_string("", 1), "needs a parameter name"),
        (RegistrationFieldValue.from_secret("arn:aws:secretsmanager:...", json_field="x"), "needs a Secrets Manager"),  # type: ignore[arg-type]
    ],
)
def test_fails_a_malformed_reference(stack: cdk.Stack, value: RegistrationFieldValue, rule: str) -> None:
    with pytest.raises(ValidationError, match=rule):
        Registration(stack, "Brand", form=brand_form(tax_id=value))


def test_fails_a_secret_version_that_is_not_a_version_id(stack: cdk.Stack) -> None:
    value = RegistrationFieldValue.from_secret(_secret(stack), version_id="AWSCURRENT")
    with pytest.raises(ValidationError, match=r"version_id must be a secret version ID .*'AWSCURRENT'"):
        Registration(stack, "Brand", form=brand_form(tax_id=value))


# --- the provider's lifecycle settings and Control Tower --------------------------------------------------------


def test_service_timeout_framework_log_level_and_the_keys_create_grant_guard(stack: cdk.Stack) -> None:
    Registration(stack, "Brand", form=brand_form(), allow_personal_data_in_template=True)

    template = _template(stack)
    template.has_resource_properties("Custom::SmsRegistration", {"ServiceTimeout": "900"})
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Description": Match.string_like_regexp("AWS CDK resource provider framework - onEvent"),
            "LoggingConfig": {"ApplicationLogLevel": "FATAL", "LogFormat": "JSON"},
        },
    )
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "Description": Match.string_like_regexp("registration provider"),
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {"Sid": "DenyGrantsUnlessForAwsServices", "Effect": "Deny", "Action": "kms:CreateGrant"}
                        )
                    ]
                )
            },
        },
    )


def test_a_stack_with_a_registration_has_no_control_tower_finding(tmp_path: Path) -> None:
    app = cdk.App(context=cdk_json_context(), outdir=str(tmp_path))
    stack = cdk.Stack(app, "Registrations", env=ENV)
    Registration(stack, "Brand", form=brand_form(tax_id=RegistrationFieldValue.from_secret(_secret(stack))))

    assert control_tower_violations(app) == []
