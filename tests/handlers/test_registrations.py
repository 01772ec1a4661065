"""The registrations provider handler, driven with botocore ``Stubber`` on every SMS and Voice v2 call.

The Stubber validates every request and every canned response against the service model, and fails on any call that
was not expected (or expected and not made): each test states the exact sequence of calls of one lifecycle path,
including the failure states (a version ``DENIED`` with the registration ``REQUIRES_UPDATES``, a version under review,
upload failures, field validation errors from the service).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from registrations import handler
from registrations.handler import ProviderError, RegistrationProvider, Spec, client_token

from tests.conftest import REPO_ROOT
from tests.handlers.conftest import FakeClock

REGION = "us-east-1"
ACCOUNT = "111122223333"
REG_ID = "registration-0123456789abcdef0123456789abcdef"
REG_ARN = f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:registration/{REG_ID}"
ATTACHMENT_ID = "attachment-0123456789abcdef"
PHONE_ID = "phone-0123456789abcdef"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
TYPE = "ZZ_LONG_CODE_REGISTRATION"
OWNER = {"Key": "sms-constructs:registration-provider", "Value": "StackProvider1234"}
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/Regs/guid"
LOGICAL_ID = "Brand154304D0"
#: The tags the handler adds to the template's: the stack and logical ID that own the registration.
OWNED_BY = [
    {"Key": "sms-constructs:stack-id", "Value": STACK_ID},
    {"Key": "sms-constructs:logical-id", "Value": LOGICAL_ID},
]

HINTS = {"Title": "t", "ShortDescription": "d"}
DEFINITIONS = [
    {
        "SectionPath": "companyInfo",
        "FieldPath": "companyInfo.companyName",
        "FieldType": "TEXT",
        "FieldRequirement": "REQUIRED",
        "TextValidation": {"MinLength": 1, "MaxLength": 100, "Pattern": r"^(?=\s*\S)[\s\S]+$"},
        "DisplayHints": HINTS,
    },
    {
        "SectionPath": "companyInfo",
        "FieldPath": "companyInfo.legalType",
        "FieldType": "SELECT",
        "FieldRequirement": "REQUIRED",
        "SelectValidation": {"MinChoices": 1, "MaxChoices": 1, "Options": ["PRIVATE_PROFIT", "PUBLIC_PROFIT"]},
        "DisplayHints": HINTS,
    },
    {
        "SectionPath": "companyInfo",
        "FieldPath": "companyInfo.stockSymbol",
        "FieldType": "TEXT",
        "FieldRequirement": "CONDITIONAL",
        "TextValidation": {"MinLength": 1, "MaxLength": 10, "Pattern": ".+"},
        "ConditionalBehavior": {
            "Rules": [
                {
                    "Conditions": [
                        {
                            "DependsOnFieldPath": "companyInfo.legalType",
                            "Operator": "EQUALS",
                            "Values": ["PUBLIC_PROFIT"],
                        }
                    ],
                    "RuleBehavior": "REQUIRED",
                }
            ],
            "DefaultBehavior": "OPTIONAL",
        },
        "DisplayHints": HINTS,
    },
    {
        "SectionPath": "messagingUseCase",
        "FieldPath": "messagingUseCase.optInImage",
        "FieldType": "ATTACHMENT",
        "FieldRequirement": "OPTIONAL",
        "DisplayHints": HINTS,
    },
]
FIELDS = [
    {"FieldPath": "companyInfo.companyName", "TextValue": "Acme Corporation"},
    {"FieldPath": "companyInfo.legalType", "SelectChoices": ["PRIVATE_PROFIT"]},
    {"FieldPath": "messagingUseCase.optInImage", "RegistrationAttachmentId": ATTACHMENT_ID},
]


def properties(**overrides: Any) -> dict[str, Any]:
    """Resource properties as CloudFormation passes them (booleans as strings)."""
    props: dict[str, Any] = {
        "ServiceToken": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:framework",
        "RegistrationType": TYPE,
        "FieldValues": copy.deepcopy(FIELDS),
        "Associations": [PHONE_ID],
        "Submit": "true",
        "AwsReview": "false",
        "Tags": [OWNER],
        "DeletionBehavior": "DELETE_UNSUBMITTED",
        "CheckFieldDefinitions": "true",
    }
    props.update(overrides)
    return props


def event(
    request: str, props: dict[str, Any], *, old: dict[str, Any] | None = None, physical: str | None = None
) -> dict:
    payload: dict[str, Any] = {
        "RequestType": request,
        "StackId": STACK_ID,
        "RequestId": f"request-{request.lower()}",
        "LogicalResourceId": LOGICAL_ID,
        "ResourceType": "Custom::SmsRegistration",
        "ResourceProperties": props,
    }
    if old is not None:
        payload["OldResourceProperties"] = old
    if physical is not None:
        payload["PhysicalResourceId"] = physical
    return payload


class Sms:
    """A stubbed client plus the helpers that queue the service's responses."""

    def __init__(self) -> None:
        self.client = boto3.client("pinpoint-sms-voice-v2", region_name=REGION)
        self.stub = Stubber(self.client)
        self.clock = FakeClock(start=0.0)

    def provider(self, budget: float = 600.0) -> RegistrationProvider:
        return RegistrationProvider(self.client, sleep=self.clock.sleep, clock=self.clock, time_budget_seconds=budget)

    # --- queued responses (in call order) -------------------------------------------------------------------

    def definitions(self, definitions: list[dict[str, Any]] = DEFINITIONS, registration_type: str = TYPE) -> None:
        self.stub.add_response(
            "describe_registration_field_definitions",
            {"RegistrationType": registration_type, "RegistrationFieldDefinitions": definitions},
            {"RegistrationType": registration_type},
        )

    def attachments(self, *statuses: str, reason: str | None = None) -> None:
        for status in statuses:
            item: dict[str, Any] = {
                "RegistrationAttachmentArn": f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:registration-attachment/x",
                "RegistrationAttachmentId": ATTACHMENT_ID,
                "AttachmentStatus": status,
                "CreatedTimestamp": NOW,
            }
            if reason:
                item["AttachmentUploadErrorReason"] = reason
            self.stub.add_response(
                "describe_registration_attachments",
                {"RegistrationAttachments": [item]},
                {"RegistrationAttachmentIds": [ATTACHMENT_ID]},
            )

    def owned(self, registration_type: str = TYPE, *registrations: dict[str, Any]) -> None:
        """The search for a registration this stack and logical ID own (``DescribeRegistrations`` by type)."""
        self.stub.add_response(
            "describe_registrations",
            {"Registrations": list(registrations)},
            {"Filters": [{"Name": "registration-type", "Values": [registration_type]}]},
        )

    def tags(self, tags: list[dict[str, str]], arn: str = REG_ARN) -> None:
        self.stub.add_response("list_tags_for_resource", {"ResourceArn": arn, "Tags": tags}, {"ResourceArn": arn})

    def create(self, token: str = ANY, registration_type: str = TYPE, tags: list[dict[str, str]] | None = None) -> None:
        """The search for an owned registration (none), then ``CreateRegistration`` with the owner tags."""
        self.owned(registration_type)
        wanted = [*(tags or [OWNER]), *OWNED_BY]
        self.stub.add_response(
            "create_registration",
            {**_registration("CREATED", 1, registration_type), "Tags": wanted},
            {"RegistrationType": registration_type, "Tags": wanted, "ClientToken": token},
        )

    def discard(self, version: int) -> None:
        self.stub.add_response(
            "discard_registration_version",
            {
                "RegistrationArn": REG_ARN,
                "RegistrationId": REG_ID,
                "VersionNumber": version,
                "RegistrationVersionStatus": "DISCARDED",
                "RegistrationVersionStatusHistory": {"DraftTimestamp": NOW, "DiscardedTimestamp": NOW},
            },
            {"RegistrationId": REG_ID},
        )

    def versions(self, *statuses: str) -> None:
        """``DescribeRegistrationVersions`` of every version (1, 2, ...)."""
        self.stub.add_response(
            "describe_registration_versions",
            {
                "RegistrationArn": REG_ARN,
                "RegistrationId": REG_ID,
                "RegistrationVersions": [
                    {
                        "VersionNumber": number,
                        "RegistrationVersionStatus": status,
                        "RegistrationVersionStatusHistory": {"DraftTimestamp": NOW},
                    }
                    for number, status in enumerate(statuses, start=1)
                ],
            },
            {"RegistrationId": REG_ID},
        )

    def put(self, field: dict[str, Any], version: int = 1) -> None:
        self.stub.add_response(
            "put_registration_field_value",
            {"RegistrationArn": REG_ARN, "RegistrationId": REG_ID, "VersionNumber": version, **field},
            {"RegistrationId": REG_ID, **field},
        )

    def delete_value(self, path: str) -> None:
        self.stub.add_response(
            "delete_registration_field_value",
            {"RegistrationArn": REG_ARN, "RegistrationId": REG_ID, "VersionNumber": 1, "FieldPath": path},
            {"RegistrationId": REG_ID, "FieldPath": path},
        )

    def associations(self, *existing: str) -> None:
        self.stub.add_response(
            "list_registration_associations",
            {
                "RegistrationArn": REG_ARN,
                "RegistrationId": REG_ID,
                "RegistrationType": TYPE,
                "RegistrationAssociations": [
                    {
                        "ResourceArn": f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:phone-number/{r}",
                        "ResourceId": r,
                        "ResourceType": "phone-number",
                    }
                    for r in existing
                ],
            },
            {"RegistrationId": REG_ID},
        )

    def associate(self, resource: str = PHONE_ID) -> None:
        self.stub.add_response(
            "create_registration_association",
            {
                "RegistrationArn": REG_ARN,
                "RegistrationId": REG_ID,
                "RegistrationType": TYPE,
                "ResourceArn": f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:phone-number/{resource}",
                "ResourceId": resource,
                "ResourceType": "phone-number",
            },
            {"RegistrationId": REG_ID, "ResourceId": resource},
        )

    def created_and_filled(self) -> None:
        """The live check, the attachment already uploaded, ``CreateRegistration`` and a put per field."""
        self.definitions()
        self.attachments("UPLOAD_COMPLETE")
        self.create()
        for field in FIELDS:
            self.put(field)

    def new_version(self, number: int) -> None:
        self.stub.add_response(
            "create_registration_version",
            {
                "RegistrationArn": REG_ARN,
                "RegistrationId": REG_ID,
                "VersionNumber": number,
                "RegistrationVersionStatus": "DRAFT",
                "RegistrationVersionStatusHistory": {"DraftTimestamp": NOW},
            },
            {"RegistrationId": REG_ID},
        )

    def submit(self, version: int = 1, aws_review: bool = False) -> None:
        self.stub.add_response(
            "submit_registration_version",
            {
                "RegistrationArn": REG_ARN,
                "RegistrationId": REG_ID,
                "VersionNumber": version,
                "RegistrationVersionStatus": "SUBMITTED",
                "RegistrationVersionStatusHistory": {"DraftTimestamp": NOW, "SubmittedTimestamp": NOW},
                "AwsReview": aws_review,
            },
            {"RegistrationId": REG_ID, "AwsReview": aws_review},
        )

    def describe(self, status: str, version: int = 1, registration_type: str = TYPE) -> None:
        self.stub.add_response(
            "describe_registrations",
            {"Registrations": [_registration(status, version, registration_type)]},
            {"RegistrationIds": [REG_ID]},
        )

    def version(self, number: int, status: str, denied: list[dict[str, str]] | None = None) -> None:
        info: dict[str, Any] = {
            "VersionNumber": number,
            "RegistrationVersionStatus": status,
            "RegistrationVersionStatusHistory": {"DraftTimestamp": NOW},
        }
        if denied:
            info["DeniedReasons"] = denied
        self.stub.add_response(
            "describe_registration_versions",
            {"RegistrationArn": REG_ARN, "RegistrationId": REG_ID, "RegistrationVersions": [info]},
            {"RegistrationId": REG_ID, "VersionNumbers": [number]},
        )

    def state(self, status: str, number: int, version_status: str, denied: list[dict[str, str]] | None = None) -> None:
        """``DescribeRegistrations`` then ``DescribeRegistrationVersions`` of the latest version."""
        self.describe(status, number)
        self.version(number, version_status, denied)

    def values(self, number: int, fields: list[dict[str, Any]]) -> None:
        self.stub.add_response(
            "describe_registration_field_values",
            {
                "RegistrationArn": REG_ARN,
                "RegistrationId": REG_ID,
                "VersionNumber": number,
                "RegistrationFieldValues": fields,
            },
            {"RegistrationId": REG_ID, "VersionNumber": number},
        )

    def error(self, method: str, code: str, reason: str | None = None, status: int = 400) -> None:
        fields = {"Reason": reason} if reason else None
        self.stub.add_client_error(method, code, f"simulated {code}", status, modeled_fields=fields)


def _registration(status: str, version: int, registration_type: str = TYPE) -> dict[str, Any]:
    return {
        "RegistrationArn": REG_ARN,
        "RegistrationId": REG_ID,
        "RegistrationType": registration_type,
        "RegistrationStatus": status,
        "CurrentVersionNumber": version,
        "CreatedTimestamp": NOW,
    }


@pytest.fixture
def sms() -> Iterator[Sms]:
    fake = Sms()
    with fake.stub:
        yield fake
        fake.stub.assert_no_pending_responses()


def data(response: dict[str, Any]) -> dict[str, str]:
    return response["Data"]  # type: ignore[no-any-return]


# --- create -----------------------------------------------------------------------------------------------------


def test_create_checks_waits_creates_fills_associates_and_submits(sms: Sms) -> None:
    request = event("Create", properties())
    sms.definitions()
    sms.attachments("UPLOAD_IN_PROGRESS", "UPLOAD_COMPLETE")
    sms.create(token=client_token(request))
    for field in FIELDS:
        sms.put(field)
    sms.associations()
    sms.associate()
    sms.submit()
    sms.state("SUBMITTED", 1, "SUBMITTED")

    response = sms.provider().handle(request)

    assert response == {
        "PhysicalResourceId": REG_ID,
        "Data": {
            "RegistrationId": REG_ID,
            "RegistrationArn": REG_ARN,
            "RegistrationType": TYPE,
            "RegistrationStatus": "SUBMITTED",
            "VersionNumber": "1",
            "VersionStatus": "SUBMITTED",
            "DeniedReasons": "",
        },
    }
    assert sms.clock.sleeps == [handler.ATTACHMENT_POLL_SECONDS]


def test_create_without_submit_leaves_a_draft(sms: Sms) -> None:
    sms.created_and_filled()
    sms.associations(PHONE_ID)  # already associated (a retried invocation): not associated again
    sms.state("CREATED", 1, "DRAFT")

    response = sms.provider().handle(event("Create", properties(Submit="false")))

    assert (data(response)["RegistrationStatus"], data(response)["VersionStatus"]) == ("CREATED", "DRAFT")


def test_create_skips_the_live_check_when_told_and_takes_aws_review(sms: Sms) -> None:
    props = properties(CheckFieldDefinitions="false", AwsReview="true", FieldValues=FIELDS[:2], Associations=[])
    sms.create()
    for field in FIELDS[:2]:
        sms.put(field)
    sms.submit(aws_review=True)
    sms.state("SUBMITTED", 1, "AWS_REVIEWING")

    assert data(sms.provider().handle(event("Create", props)))["VersionStatus"] == "AWS_REVIEWING"


def test_client_token_is_stable_per_request_and_differs_between_requests() -> None:
    first = event("Create", properties())
    again = copy.deepcopy(first)
    other = {**first, "RequestId": "request-other"}

    assert client_token(first) == client_token(again)
    assert client_token(first) != client_token(other)
    assert 1 <= len(client_token(first)) <= 64


def test_fails_create_on_values_the_live_definitions_refuse_before_creating_anything(sms: Sms) -> None:
    fields = [
        {"FieldPath": "companyInfo.legalType", "SelectChoices": ["PUBLIC_PROFIT"]},
        {"FieldPath": "companyInfo.unknownField", "TextValue": "x"},
    ]
    sms.definitions()

    with pytest.raises(ProviderError) as raised:
        sms.provider().handle(event("Create", properties(FieldValues=fields, Associations=[])))

    message = str(raised.value)
    assert "companyInfo.unknownField is not a field of this registration type" in message
    assert "companyInfo.companyName is required to submit" in message
    assert (
        "companyInfo.stockSymbol is required to submit (conditional: REQUIRED when companyInfo.legalType EQUALS"
        in message
    )


def test_fails_create_on_a_select_option_naming_the_choice_but_never_a_text_value(sms: Sms) -> None:
    fields = [
        {"FieldPath": "companyInfo.companyName", "TextValue": "x" * 101},
        {"FieldPath": "companyInfo.legalType", "SelectChoices": ["SOLE_PROPRIETOR"]},
    ]
    sms.definitions()

    with pytest.raises(ProviderError) as raised:
        sms.provider().handle(event("Create", properties(FieldValues=fields, Associations=[])))

    message = str(raised.value)
    assert (
        "companyInfo.legalType must be chosen from ['PRIVATE_PROFIT', 'PUBLIC_PROFIT'] (chosen: ['SOLE_PROPRIETOR'])"
        in message
    )
    assert "companyInfo.companyName must have 1-100 characters, not 101" in message
    assert "x" * 101 not in message


def test_fails_create_when_an_attachment_upload_failed(sms: Sms) -> None:
    sms.definitions()
    sms.attachments("UPLOAD_FAILED", reason="INTERNAL_ERROR")

    with pytest.raises(ProviderError, match=rf"attachment {ATTACHMENT_ID} is UPLOAD_FAILED \(INTERNAL_ERROR\)"):
        sms.provider().handle(event("Create", properties()))


def test_fails_create_when_attachments_are_still_uploading_at_the_deadline(sms: Sms) -> None:
    sms.definitions()
    sms.attachments("UPLOAD_IN_PROGRESS", "UPLOAD_IN_PROGRESS")

    with pytest.raises(ProviderError, match=f"attachments still uploading when the time ran out: {ATTACHMENT_ID}"):
        sms.provider(budget=handler.DEADLINE_MARGIN_SECONDS + 7).handle(event("Create", properties()))

    assert sms.clock.sleeps == [handler.ATTACHMENT_POLL_SECONDS]


def test_fails_create_when_the_service_refuses_a_value_and_deletes_the_new_registration(sms: Sms) -> None:
    sms.definitions()
    sms.attachments("UPLOAD_COMPLETE")
    sms.create()
    sms.put(FIELDS[0])
    sms.error("put_registration_field_value", "ValidationException", "FIELD_VALIDATION_FAILED")
    sms.state("CREATED", 1, "DRAFT")
    sms.stub.add_response("delete_registration", _registration("CREATED", 1), {"RegistrationId": REG_ID})

    with pytest.raises(Exception, match=r"FIELD_VALIDATION_FAILED|ValidationException"):
        sms.provider().handle(event("Create", properties()))


def test_fails_create_when_submission_is_refused_and_deletes_the_draft_that_holds_the_data(sms: Sms) -> None:
    sms.created_and_filled()
    sms.associations()
    sms.associate()
    sms.error("submit_registration_version", "ConflictException", "SUBMIT_REGISTRATION_VERSION_NOT_ALLOWED")
    sms.state("CREATED", 1, "DRAFT")
    sms.stub.add_response("delete_registration", _registration("DELETED", 1), {"RegistrationId": REG_ID})

    with pytest.raises(handler.SubmissionRefusedError, match=r"ConflictException \(SUBMIT_REGISTRATION_VERSION_NOT_"):
        sms.provider().handle(event("Create", properties()))


def test_fails_create_on_an_ambiguous_submission_error_and_keeps_the_registration_for_adoption(sms: Sms) -> None:
    sms.created_and_filled()
    sms.associations()
    sms.associate()
    sms.error("submit_registration_version", "InternalServerException", status=500)
    sms.state("CREATED", 1, "DRAFT")

    # No DeleteRegistration is queued: the Stubber fails the test if the provider deletes what may be submitted.
    with pytest.raises(handler.AmbiguousSubmissionError, match="the next deployment of this stack adopts it"):
        sms.provider().handle(event("Create", properties()))


def test_create_after_an_ambiguous_submission_error_that_did_submit_succeeds(sms: Sms) -> None:
    sms.created_and_filled()
    sms.associations()
    sms.associate()
    sms.error("submit_registration_version", "InternalServerException", status=500)
    sms.state("SUBMITTED", 1, "SUBMITTED")
    sms.state("SUBMITTED", 1, "SUBMITTED")

    assert data(sms.provider().handle(event("Create", properties())))["VersionStatus"] == "SUBMITTED"


def test_create_treats_already_submitted_and_already_associated_as_done(sms: Sms) -> None:
    sms.created_and_filled()
    sms.associations()
    sms.error("create_registration_association", "ConflictException", "RESOURCE_ALREADY_ASSOCIATED")
    sms.error("submit_registration_version", "ConflictException", "REGISTRATION_ALREADY_SUBMITTED")
    sms.state("SUBMITTED", 1, "SUBMITTED")

    assert data(sms.provider().handle(event("Create", properties())))["RegistrationStatus"] == "SUBMITTED"


def test_fails_create_when_the_brand_is_not_complete_for_an_association(sms: Sms) -> None:
    sms.create()
    sms.put(FIELDS[0])
    sms.associations()
    sms.error("create_registration_association", "ConflictException", "REGISTRATION_NOT_COMPLETE")
    sms.state("CREATED", 1, "DRAFT")
    sms.stub.add_response("delete_registration", _registration("CREATED", 1), {"RegistrationId": REG_ID})

    with pytest.raises(Exception, match="ConflictException"):
        sms.provider().handle(
            event("Create", properties(FieldValues=FIELDS[:1], CheckFieldDefinitions="false", Submit="false"))
        )


# --- update -----------------------------------------------------------------------------------------------------


def _update(new: dict[str, Any], old: dict[str, Any] | None = None) -> dict[str, Any]:
    return event("Update", new, old=old or properties(), physical=REG_ID)


def test_update_of_a_draft_puts_changed_fields_deletes_removed_ones_and_submits(sms: Sms) -> None:
    fields = [{"FieldPath": "companyInfo.companyName", "TextValue": "Acme Inc."}, FIELDS[1]]
    sms.state("CREATED", 1, "DRAFT")
    sms.values(1, [*FIELDS, {"FieldPath": "companyInfo.stockSymbol", "TextValue": "ACME"}])
    sms.definitions()
    sms.put(fields[0])
    sms.delete_value("companyInfo.stockSymbol")
    sms.delete_value("messagingUseCase.optInImage")
    sms.associations(PHONE_ID)
    sms.submit()
    sms.state("SUBMITTED", 1, "SUBMITTED")

    response = sms.provider().handle(_update(properties(FieldValues=fields)))

    assert data(response)["VersionStatus"] == "SUBMITTED"


@pytest.mark.parametrize("status", sorted(handler.LOCKED_STATUSES))
def test_fails_update_of_field_values_while_the_version_is_under_review(sms: Sms, status: str) -> None:
    fields = [{"FieldPath": "companyInfo.companyName", "TextValue": "Acme Inc."}, *FIELDS[1:]]
    sms.state("REVIEWING", 1, status)
    sms.values(1, FIELDS)

    with pytest.raises(ProviderError, match=f"version 1 is {status}: its field values cannot change until the review"):
        sms.provider().handle(_update(properties(FieldValues=fields)))


def test_update_under_review_without_field_changes_still_associates(sms: Sms) -> None:
    sms.state("REVIEWING", 1, "REVIEWING")
    sms.values(1, FIELDS)
    sms.associations()
    sms.associate("phone-fedcba9876543210")
    sms.state("REVIEWING", 1, "REVIEWING")

    response = sms.provider().handle(_update(properties(Associations=["phone-fedcba9876543210"])))

    assert data(response)["RegistrationStatus"] == "REVIEWING"


def test_update_of_a_denied_registration_opens_a_new_version_puts_every_field_and_resubmits(sms: Sms) -> None:
    fields = [{"FieldPath": "companyInfo.companyName", "TextValue": "Acme Inc."}, *FIELDS[1:]]
    denied = [{"Reason": "Missing required field", "ShortDescription": "Opt-in image unreadable"}]
    sms.state("REQUIRES_UPDATES", 1, "DENIED", denied)
    sms.values(1, FIELDS)
    sms.definitions()
    sms.attachments("UPLOAD_COMPLETE")
    sms.associations(PHONE_ID)
    sms.new_version(2)
    for field in fields:  # a new version starts empty: every field, not only the changed one
        sms.put(field, version=2)
    sms.submit(version=2)
    sms.state("SUBMITTED", 2, "SUBMITTED")

    response = sms.provider().handle(_update(properties(FieldValues=fields)))

    assert (data(response)["VersionNumber"], data(response)["VersionStatus"]) == ("2", "SUBMITTED")


def test_update_of_a_denied_registration_without_changes_reports_why_it_was_denied(sms: Sms) -> None:
    denied = [
        {"Reason": "Missing required field", "ShortDescription": "Opt-in image unreadable"},
        {"Reason": "Unclear Opt-in Language", "ShortDescription": "Say how often messages come"},
    ]
    sms.state("REQUIRES_UPDATES", 1, "DENIED", denied)
    sms.values(1, FIELDS)
    sms.associations(PHONE_ID)
    sms.state("REQUIRES_UPDATES", 1, "DENIED", denied)

    response = sms.provider().handle(_update(properties(), old=properties(Tags=[OWNER])))

    assert data(response)["RegistrationStatus"] == "REQUIRES_UPDATES"
    assert data(response)["DeniedReasons"] == (
        "Missing required field: Opt-in image unreadable; Unclear Opt-in Language: Say how often messages come"
    )


def test_update_of_an_approved_registration_resubmits_a_new_version(sms: Sms) -> None:
    fields = [*FIELDS[:2]]
    sms.state("COMPLETE", 1, "APPROVED")
    sms.values(1, FIELDS)
    sms.definitions()
    sms.associations(PHONE_ID)
    sms.new_version(2)
    for field in fields:
        sms.put(field, version=2)
    sms.submit(version=2)
    sms.state("COMPLETE", 2, "SUBMITTED")

    response = sms.provider().handle(_update(properties(FieldValues=fields)))

    assert (data(response)["RegistrationStatus"], data(response)["VersionNumber"]) == ("COMPLETE", "2")


def test_update_reuses_a_draft_a_retried_invocation_already_opened(sms: Sms) -> None:
    fields = [*FIELDS[:2]]
    sms.state("REQUIRES_UPDATES", 1, "DENIED")
    sms.values(1, FIELDS)
    sms.definitions()
    sms.associations(PHONE_ID)
    sms.error("create_registration_version", "ConflictException", "CREATE_REGISTRATION_VERSION_NOT_ALLOWED")
    sms.state("REQUIRES_UPDATES", 2, "DRAFT")
    for field in fields:
        sms.put(field, version=2)
    sms.submit(version=2)
    sms.state("SUBMITTED", 2, "SUBMITTED")

    assert data(sms.provider().handle(_update(properties(FieldValues=fields))))["VersionNumber"] == "2"


def test_update_with_a_new_registration_type_creates_a_new_registration(sms: Sms) -> None:
    new = properties(RegistrationType="GB_LONG_CODE_REGISTRATION", CheckFieldDefinitions="false", Associations=[])
    sms.attachments("UPLOAD_COMPLETE")
    sms.create(registration_type="GB_LONG_CODE_REGISTRATION")
    for field in FIELDS:
        sms.put(field)
    sms.submit()
    sms.describe("SUBMITTED", 1, "GB_LONG_CODE_REGISTRATION")
    sms.version(1, "SUBMITTED")

    response = sms.provider().handle(_update(new))

    assert data(response)["RegistrationType"] == "GB_LONG_CODE_REGISTRATION"


def test_update_syncs_tags_and_never_removes_the_owner_tag(sms: Sms) -> None:
    old = properties(Tags=[OWNER, {"Key": "Name", "Value": "Old"}, {"Key": "team", "Value": "sms"}])
    new = properties(Tags=[OWNER, {"Key": "Name", "Value": "New"}])
    sms.state("SUBMITTED", 1, "SUBMITTED")
    sms.values(1, FIELDS)
    sms.associations(PHONE_ID)
    sms.stub.add_response(
        "tag_resource", {}, {"ResourceArn": REG_ARN, "Tags": [OWNER, {"Key": "Name", "Value": "New"}, *OWNED_BY]}
    )
    sms.stub.add_response("untag_resource", {}, {"ResourceArn": REG_ARN, "TagKeys": ["team"]})
    sms.state("SUBMITTED", 1, "SUBMITTED")

    sms.provider().handle(_update(new, old))


# --- delete -----------------------------------------------------------------------------------------------------


def _delete(**props: Any) -> dict[str, Any]:
    return event("Delete", properties(**props), physical=REG_ID)


def test_delete_of_a_registration_that_was_never_submitted_deletes_it(sms: Sms) -> None:
    sms.state("CREATED", 1, "DRAFT")
    sms.stub.add_response("delete_registration", _registration("DELETED", 1), {"RegistrationId": REG_ID})

    assert sms.provider().handle(_delete()) == {"PhysicalResourceId": REG_ID}


def test_delete_keeps_a_submitted_registration_and_discards_its_draft(sms: Sms) -> None:
    sms.state("REQUIRES_UPDATES", 2, "DRAFT")
    sms.stub.add_response(
        "discard_registration_version",
        {
            "RegistrationArn": REG_ARN,
            "RegistrationId": REG_ID,
            "VersionNumber": 2,
            "RegistrationVersionStatus": "DISCARDED",
            "RegistrationVersionStatusHistory": {"DraftTimestamp": NOW, "DiscardedTimestamp": NOW},
        },
        {"RegistrationId": REG_ID},
    )

    sms.provider().handle(_delete())


@pytest.mark.parametrize(
    ("status", "version_status"),
    [("COMPLETE", "APPROVED"), ("REVIEWING", "REVIEWING"), ("REQUIRES_UPDATES", "DENIED"), ("CREATED", "SUBMITTED")],
)
def test_delete_never_deletes_a_submitted_registration_by_default(sms: Sms, status: str, version_status: str) -> None:
    sms.state(status, 1, version_status)  # and nothing else: a DeleteRegistration would fail the Stubber

    sms.provider().handle(_delete())


def test_delete_with_the_delete_behavior_deletes_whatever_the_status(sms: Sms) -> None:
    sms.stub.add_response("delete_registration", _registration("DELETED", 1), {"RegistrationId": REG_ID})

    sms.provider().handle(_delete(DeletionBehavior="DELETE"))


def test_delete_of_a_registration_already_gone_succeeds(sms: Sms) -> None:
    sms.error("delete_registration", "ResourceNotFoundException", status=404)

    sms.provider().handle(_delete(DeletionBehavior="DELETE"))


def test_delete_with_retain_and_after_a_failed_create_calls_nothing(sms: Sms) -> None:
    provider = sms.provider()

    provider.handle(_delete(DeletionBehavior="RETAIN"))
    provider.handle(event("Delete", properties(), physical="request-create"))


def test_delete_of_an_unsubmitted_registration_the_service_refuses_to_delete_keeps_it(sms: Sms) -> None:
    sms.state("CREATED", 1, "DRAFT")
    sms.error("delete_registration", "ConflictException", "RESOURCE_DELETION_NOT_ALLOWED")

    assert sms.provider().handle(_delete()) == {"PhysicalResourceId": REG_ID}


def test_delete_of_a_registration_that_no_longer_exists_by_default_succeeds(sms: Sms) -> None:
    sms.error("describe_registrations", "ResourceNotFoundException", status=404)

    sms.provider().handle(_delete())


# --- properties and entry point ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"RegistrationType": "bad type"}, "RegistrationType must be 1-64"),
        ({"Submit": "yes"}, "Submit must be true or false"),
        ({"DeletionBehavior": "SNAPSHOT"}, "DeletionBehavior must be one of"),
        ({"FieldValues": [{"TextValue": "x"}]}, "each item needs a FieldPath"),
        ({"FieldValues": [{"FieldPath": "a.b", "TextValue": "x", "SelectChoices": ["y"]}]}, "exactly one of"),
        ({"FieldValues": [{"FieldPath": "a.b", "TextValue": "x"}, {"FieldPath": "a.b", "TextValue": "y"}]}, "twice"),
        ({"FieldValues": [{"FieldPath": "a.b", "SelectChoices": "x"}]}, "SelectChoices must be a list"),
    ],
)
def test_fails_on_malformed_properties(override: dict[str, Any], message: str) -> None:
    with pytest.raises(ProviderError, match=message):
        Spec.parse(properties(**override))


def test_fails_on_an_unknown_request_type(sms: Sms) -> None:
    with pytest.raises(ProviderError, match="unknown RequestType"):
        sms.provider().handle({"RequestType": "Import"})


def test_properties_accept_real_booleans_and_defaults() -> None:
    spec = Spec.parse({"RegistrationType": TYPE, "Submit": True})

    assert (spec.submit, spec.aws_review, spec.check_definitions, spec.deletion_behavior) == (
        True,
        False,
        True,
        "DELETE_UNSUBMITTED",
    )


def test_main_uses_the_module_client_and_the_invocation_time_left(monkeypatch: pytest.MonkeyPatch, sms: Sms) -> None:
    class Context:
        def get_remaining_time_in_millis(self) -> int:
            return 900_000

    monkeypatch.setattr(handler, "sms_client", lambda: sms.client)
    sms.stub.add_response("delete_registration", _registration("DELETED", 1), {"RegistrationId": REG_ID})

    assert handler.main(_delete(DeletionBehavior="DELETE"), Context()) == {"PhysicalResourceId": REG_ID}


def test_the_shipped_toll_free_definitions_drive_a_full_submission(sms: Sms) -> None:
    """The library's own toll-free data, served as the live definitions, accepts what the typed form renders."""
    shipped = json.loads((REPO_ROOT / "sms_constructs" / "resources" / "registration_fields.json").read_text())
    live = [
        {**{k: v for k, v in d.items() if not k.startswith("x-")}, "DisplayHints": HINTS}
        for d in shipped["registration_types"]["US_TOLL_FREE_REGISTRATION"]["field_definitions"]
    ]
    fields = toll_free_fields()
    props = properties(RegistrationType="US_TOLL_FREE_REGISTRATION", FieldValues=fields, Associations=[])
    sms.definitions(live, "US_TOLL_FREE_REGISTRATION")
    sms.attachments("UPLOAD_COMPLETE")
    sms.create(registration_type="US_TOLL_FREE_REGISTRATION")
    for field in fields:
        sms.put(field)
    sms.submit()
    sms.describe("SUBMITTED", 1, "US_TOLL_FREE_REGISTRATION")
    sms.version(1, "SUBMITTED")

    assert data(sms.provider().handle(event("Create", props)))["RegistrationStatus"] == "SUBMITTED"


def toll_free_fields() -> list[dict[str, Any]]:
    text = {
        "companyInfo.companyName": "Acme Corporation",
        "companyInfo.website": "https://acme.example",
        "companyInfo.address1": "100 Main Street",
        "companyInfo.city": "Seattle",
        "companyInfo.state": "WA",
        "companyInfo.zipCode": "98101",
        "companyInfo.isoCountryCode": "US",
        "companyInfo.taxId": "12-3456789",
        "companyInfo.taxIdCountry": "US",
        "contactInfo.firstName": "Jane",
        "contactInfo.lastName": "Doe",
        "contactInfo.supportEmail": "support@acme.example",
        "contactInfo.supportPhoneNumber": "+12065550142",
        "messagingUseCase.useCaseDetails": "Sign-in codes for acme.example customers.",
        "messagingUseCase.optInDescription": "Customers tick an unchecked box on acme.example/signin.",
        "messagingUseCase.privacyPolicyUrl": "https://acme.example/privacy",
        "messagingUseCase.termsAndConditionsUrl": "https://acme.example/terms",
        "messageSamples.messageSample1": "Acme: your sign-in code is 123456. It expires in 10 minutes.",
    }
    select = {
        "companyInfo.businessType": "PRIVATE_PROFIT",
        "companyInfo.taxIdAuthority": "EIN",
        "messagingUseCase.monthlyMessageVolume": "10,000",
        "messagingUseCase.useCaseCategory": "ONE_TIME_PASSCODES",
        "messagingUseCase.optInType": "DIGITAL_FORM",
    }
    return [
        *({"FieldPath": p, "TextValue": v} for p, v in text.items()),
        *({"FieldPath": p, "SelectChoices": [v]} for p, v in select.items()),
        {"FieldPath": "messagingUseCase.optInImage", "RegistrationAttachmentId": ATTACHMENT_ID},
    ]


# --- adoption, no second submission -----------------------------------------------------------------------------


def test_create_adopts_the_registration_this_stack_and_logical_id_kept_instead_of_registering_again(sms: Sms) -> None:
    """A submitted registration kept by a rolled-back deployment: the next create finds it by its owner tags and
    submits nothing (its approved version has the declared values)."""
    other_arn = f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:registration/registration-ffffffffffffffffffffffffffffffff"
    other = {**_registration("COMPLETE", 1), "RegistrationArn": other_arn, "RegistrationId": other_arn[-45:]}
    sms.definitions()
    sms.attachments("UPLOAD_COMPLETE")
    sms.owned(TYPE, other, _registration("COMPLETE", 1))
    sms.error("list_tags_for_resource", "AccessDeniedException", status=403)  # not this provider's: unreadable
    sms.tags([OWNER, *OWNED_BY])
    sms.version(1, "APPROVED")
    sms.values(1, FIELDS)
    sms.associations(PHONE_ID)
    sms.stub.add_response("tag_resource", {}, {"ResourceArn": REG_ARN, "Tags": [OWNER, *OWNED_BY]})
    sms.state("COMPLETE", 1, "APPROVED")

    response = sms.provider().handle(event("Create", properties()))

    assert (response["PhysicalResourceId"], data(response)["VersionStatus"]) == (REG_ID, "APPROVED")


def test_create_ignores_a_registration_of_another_logical_id(sms: Sms) -> None:
    sms.definitions()
    sms.attachments("UPLOAD_COMPLETE")
    sms.owned(TYPE, _registration("COMPLETE", 1))
    sms.tags([OWNER, OWNED_BY[0], {"Key": "sms-constructs:logical-id", "Value": "Campaign1234"}])
    sms.stub.add_response(
        "create_registration",
        {**_registration("CREATED", 1), "Tags": [OWNER, *OWNED_BY]},
        {"RegistrationType": TYPE, "Tags": [OWNER, *OWNED_BY], "ClientToken": ANY},
    )
    for field in FIELDS:
        sms.put(field)
    sms.state("CREATED", 1, "DRAFT")

    sms.provider().handle(event("Create", properties(Submit="false", Associations=[])))


def test_update_discards_a_draft_that_would_resubmit_the_last_submitted_values(sms: Sms) -> None:
    """A failed update left version 2 as a draft; the rollback asks for version 1's values again: nothing is
    submitted (it would be a second, billed review of the same values)."""
    sms.state("COMPLETE", 2, "DRAFT")
    sms.values(2, [{"FieldPath": "companyInfo.companyName", "TextValue": "Acme Inc."}])
    sms.versions("APPROVED", "DRAFT")
    sms.values(1, FIELDS)
    sms.discard(2)
    sms.associations(PHONE_ID)
    sms.state("COMPLETE", 2, "DISCARDED")

    assert data(sms.provider().handle(_update(properties())))["VersionStatus"] == "DISCARDED"


def test_update_after_a_discarded_version_compares_with_the_last_submitted_one(sms: Sms) -> None:
    sms.state("COMPLETE", 2, "DISCARDED")
    sms.values(2, [])
    sms.versions("APPROVED", "DISCARDED")
    sms.values(1, FIELDS)
    sms.associations(PHONE_ID)
    sms.state("COMPLETE", 2, "DISCARDED")

    sms.provider().handle(_update(properties()))  # no CreateRegistrationVersion, no submission


def test_fails_update_when_the_new_version_is_refused_and_discards_that_draft(sms: Sms) -> None:
    fields = [*FIELDS[:2]]
    sms.state("COMPLETE", 1, "APPROVED")
    sms.values(1, FIELDS)
    sms.definitions()
    sms.associations(PHONE_ID)
    sms.new_version(2)
    for field in fields:
        sms.put(field, version=2)
    sms.error("submit_registration_version", "ValidationException", "INVALID_PARAMETER")
    sms.discard(2)

    with pytest.raises(handler.SubmissionRefusedError, match="ValidationException"):
        sms.provider().handle(_update(properties(FieldValues=fields)))


# --- DeniedReasons in the response ------------------------------------------------------------------------------


def test_denied_reasons_are_cut_to_fit_the_response_cloudformation_accepts(sms: Sms) -> None:
    """18 long reasons: the response the framework would send (``cfn-response``'s body, with the longest stack ARN and
    logical ID CloudFormation allows) stays under 4,096 bytes and says how many reasons were left out."""
    denied = [
        {"Reason": f"Reason {n:02d} " + "r" * 40, "ShortDescription": "The opt-in description must " + "d" * 170}
        for n in range(18)
    ]
    sms.state("REQUIRES_UPDATES", 1, "DENIED", denied)
    sms.values(1, FIELDS)
    sms.associations(PHONE_ID)
    sms.state("REQUIRES_UPDATES", 1, "DENIED", denied)
    stack_id = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{'S' * 128}/{'0' * 36}"
    request = {**_update(properties()), "StackId": stack_id, "LogicalResourceId": "L" * 255}

    response = sms.provider().handle(request)

    body = {
        "Status": "SUCCESS",
        "Reason": "SUCCESS",
        "StackId": stack_id,
        "RequestId": "0" * 36,
        "PhysicalResourceId": response["PhysicalResourceId"],
        "LogicalResourceId": "L" * 255,
        "NoEcho": False,
        "Data": response["Data"],
    }
    assert len(json.dumps(body).encode()) < 4096
    reasons = data(response)["DeniedReasons"]
    assert reasons.startswith("Reason 00 ")
    kept = reasons.count("The opt-in description must")
    assert 0 < kept < 18
    assert reasons.endswith(f"; and {18 - kept} more reasons (see the console)")


def test_denied_reasons_that_fit_are_kept_whole() -> None:
    denied = [{"Reason": "A", "ShortDescription": "b"}, {"Reason": "C", "ShortDescription": "d"}]

    assert handler.denied_reasons(denied) == "A: b; C: d"
    long = [*denied[:1], {"Reason": "C" * 60, "ShortDescription": "d"}]
    assert handler.denied_reasons(long, max_bytes=60) == "A: b; and 1 more reason (see the console)"


# --- values by reference ----------------------------------------------------------------------------------------

SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:acme/registration-AbCdEf"
SECRET_VALUE = '{"companyName": "Acme Corporation (secret)", "taxId": "12-3456789"}'
PARAMETER = "/acme/registration/company"


class References:
    """Stubbed Secrets Manager and SSM clients."""

    def __init__(self) -> None:
        self.secrets = boto3.client("secretsmanager", region_name=REGION)
        self.parameters = boto3.client("ssm", region_name=REGION)
        self.secrets_stub = Stubber(self.secrets)
        self.parameters_stub = Stubber(self.parameters)

    def secret(self, value: str = SECRET_VALUE, version: str | None = None) -> None:
        request = {"SecretId": SECRET_ARN, **({"VersionId": version} if version else {})}
        self.secrets_stub.add_response(
            "get_secret_value",
            {"ARN": SECRET_ARN, "Name": "acme/registration", "VersionId": "v" * 32, "SecretString": value},
            request,
        )

    def parameter(self, value: str, version: int = 3, kind: str = "SecureString") -> None:
        self.parameters_stub.add_response(
            "get_parameter",
            {"Parameter": {"Name": PARAMETER, "Type": kind, "Value": value, "Version": version}},
            {"Name": f"{PARAMETER}:{version}", "WithDecryption": True},
        )


@pytest.fixture
def refs() -> Iterator[References]:
    fake = References()
    with fake.secrets_stub, fake.parameters_stub:
        yield fake
        fake.secrets_stub.assert_no_pending_responses()
        fake.parameters_stub.assert_no_pending_responses()


def test_create_reads_values_by_reference_and_never_logs_or_returns_them(
    sms: Sms, refs: References, caplog: pytest.LogCaptureFixture
) -> None:
    fields = [
        {"FieldPath": "companyInfo.companyName", "TextValueFrom": {"SecretId": SECRET_ARN, "JsonField": "companyName"}},
        {"FieldPath": "companyInfo.legalType", "SelectChoices": ["PRIVATE_PROFIT"]},
        {
            "FieldPath": "companyInfo.stockSymbol",
            "TextValueFrom": {"ParameterName": PARAMETER, "ParameterVersion": "3"},
        },
    ]
    refs.secret()
    refs.parameter("ACME-SSM")
    sms.definitions()
    sms.create()
    sms.put({"FieldPath": "companyInfo.companyName", "TextValue": "Acme Corporation (secret)"})
    sms.put(fields[1])
    sms.put({"FieldPath": "companyInfo.stockSymbol", "TextValue": "ACME-SSM"})
    sms.state("CREATED", 1, "DRAFT")
    provider = RegistrationProvider(sms.client, secrets=refs.secrets, parameters=refs.parameters)
    caplog.set_level("DEBUG")

    response = provider.handle(event("Create", properties(FieldValues=fields, Submit="false", Associations=[])))

    assert "Acme Corporation (secret)" not in json.dumps(response) + caplog.text
    assert "ACME-SSM" not in json.dumps(response) + caplog.text


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"SecretId": SECRET_ARN, "JsonField": "missing"}, "has no JSON field 'missing'"),
        ({"SecretId": SECRET_ARN, "JsonField": "taxId", "VersionId": "v" * 32}, None),
        ({"ParameterName": PARAMETER, "ParameterVersion": "3"}, "is a String, not a SecureString"),
    ],
)
def test_references_are_checked_and_failures_never_show_the_value(
    refs: References, source: dict[str, str], message: str | None
) -> None:
    if "SecretId" in source:
        refs.secret(version=source.get("VersionId"))
    else:
        refs.parameter("plain text in SSM", kind="String")
    provider = RegistrationProvider(None, secrets=refs.secrets, parameters=refs.parameters)
    spec = Spec.parse(properties(FieldValues=[{"FieldPath": "companyInfo.taxId", "TextValueFrom": source}]))

    if message is None:
        assert provider._resolve(spec).fields["companyInfo.taxId"].text == "12-3456789"
        return
    with pytest.raises(ProviderError, match=message) as raised:
        provider._resolve(spec)
    assert "12-3456789" not in str(raised.value)
    assert "plain text in SSM" not in str(raised.value)


def test_fails_on_a_reference_without_a_source_or_with_a_bad_parameter_version() -> None:
    with pytest.raises(ProviderError, match="needs a SecretId or a ParameterName"):
        Spec.parse(properties(FieldValues=[{"FieldPath": "a.b", "TextValueFrom": {}}]))
    with pytest.raises(ProviderError, match="ParameterVersion must be 1 or more"):
        Spec.parse(
            properties(
                FieldValues=[{"FieldPath": "a.b", "TextValueFrom": {"ParameterName": "p", "ParameterVersion": 0}}]
            )
        )
