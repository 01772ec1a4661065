"""The registrations provider through every CloudFormation sequence, against a stateful fake of the registrations part
of the SMS and Voice v2 API.

The fake (:class:`FakeRegistrations`) keeps registrations, their versions and statuses, field values, associations
and tags; ``CreateRegistration`` is idempotent per ``ClientToken``; a submission is reviewed at once (``APPROVED``, the
registration ``COMPLETE``) so that later changes open new versions; the provider's IAM owner-tag condition is
enforced (``ListTagsForResource`` of a registration without the provider's owner tag is ``AccessDeniedException``).
Every request and response is validated against botocore's model with the helpers of the library's one SMS fake
(``sms_constructs.simulate.fake_sms.FakeSms``). Faults: the next ``PutRegistrationFieldValue`` or
``SubmitRegistrationVersion`` is refused (4xx), or the next submission fails ambiguously (5xx) without happening.

After every step the invariants hold: no orphaned registration (each one that exists is held by CloudFormation, or was
there before the stack, or was submitted and kept by the default removal policy — with no draft holding data), no
duplicate per stack and logical ID, no version submitted twice and never the same values twice in a row, values as
declared (including those read from Secrets Manager), and the registration that was there before untouched.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.validate import validate_parameters
from registrations.handler import LOGICAL_ID_TAG_KEY, STACK_TAG_KEY, RegistrationProvider

from sms_constructs.simulate.fake_sms import FakeSms
from tests.lifecycle.harness import SEQUENCES, STACK_ID, Framework, Properties, create, delete

REGION = "us-east-1"
ACCOUNT = "111122223333"
TYPE = "US_TEN_DLC_BRAND_REGISTRATION"
OWNER_KEY = "sms-constructs:registration-provider"
OWNER = {"Key": OWNER_KEY, "Value": "LifecycleProvider1234"}
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:acme/registration-AbCdEf"
PHONE_ID = "phone-0123456789abcdef0123456789abcdef"


def _version_id(variant: int) -> str:
    return f"{variant:032d}"


@dataclass
class Version:
    number: int
    status: str = "DRAFT"
    fields: dict[str, tuple[str, Any]] = field(default_factory=dict)


@dataclass
class Registration:
    registration_id: str
    registration_type: str
    tags: dict[str, str]
    status: str = "CREATED"
    versions: list[Version] = field(default_factory=lambda: [Version(1)])
    associations: set[str] = field(default_factory=set)
    #: (version number, values) of every submission, in order.
    submissions: list[tuple[int, dict[str, tuple[str, Any]]]] = field(default_factory=list)

    @property
    def arn(self) -> str:
        return f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:registration/{self.registration_id}"

    @property
    def latest(self) -> Version:
        return self.versions[-1]

    def effective(self) -> Version:
        """The newest version that was not discarded."""
        return next(v for v in reversed(self.versions) if v.status != "DISCARDED")


class FakeRegistrations(FakeSms):
    """The registrations operations of ``pinpoint-sms-voice-v2``, stateful (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__(clock=lambda: 0.0)
        self.registrations: dict[str, Registration] = {}
        self.tokens: dict[str, str] = {}
        #: ``(operation, code, http status)`` to raise at the next call of that operation.
        self.pending_fault: tuple[str, str, int, str | None] | None = None
        self.ambiguous_submits: set[str] = set()
        self._ids = itertools.count(1)

    # -- machinery -----------------------------------------------------------------------------------------------

    def _call(self, operation: str, params: Mapping[str, Any]) -> None:
        self._validate_request(operation, params)
        fault = self.pending_fault
        if fault is not None and fault[0] == operation:
            self.pending_fault = None
            if operation == "SubmitRegistrationVersion" and fault[2] >= 500:
                self.ambiguous_submits.add(params["RegistrationId"])
            raise self._fail(fault[1], fault[2], reason=fault[3])

    def _fail(self, code: str, status: int = 400, *, reason: str | None = None, **members: str) -> ClientError:
        extra = {**({"Reason": reason} if reason else {}), **members}
        checked = code not in ("InternalServerException", "AccessDeniedException") or not extra
        error = self._error(code, f"simulated {code}", checked=checked, **extra)
        error.response["ResponseMetadata"] = {"HTTPStatusCode": status}
        return error

    def _get(self, registration_id: str) -> Registration:
        registration = self.registrations.get(registration_id)
        if registration is None or registration.status == "DELETED":
            raise self._fail("ResourceNotFoundException", 404, ResourceType="registration", ResourceId=registration_id)
        return registration

    def _describe(self, registration: Registration) -> dict[str, Any]:
        return {
            "RegistrationArn": registration.arn,
            "RegistrationId": registration.registration_id,
            "RegistrationType": registration.registration_type,
            "RegistrationStatus": registration.status,
            "CurrentVersionNumber": registration.latest.number,
            "CreatedTimestamp": 0,
        }

    def _version_info(self, registration: Registration, version: Version) -> dict[str, Any]:
        return {
            "RegistrationArn": registration.arn,
            "RegistrationId": registration.registration_id,
            "VersionNumber": version.number,
            "RegistrationVersionStatus": version.status,
            "RegistrationVersionStatusHistory": {"DraftTimestamp": 0},
        }

    def _draft(self, registration: Registration) -> Version:
        if registration.latest.status != "DRAFT":
            raise self._fail("ConflictException", reason="EDIT_REGISTRATION_FIELD_VALUES_NOT_ALLOWED")
        return registration.latest

    # -- the API -------------------------------------------------------------------------------------------------

    def create_registration(self, **params: Any) -> dict[str, Any]:
        self._call("CreateRegistration", params)
        token = params.get("ClientToken")
        if token in self.tokens:
            registration = self.registrations[self.tokens[token]]
        else:
            registration_id = f"registration-{next(self._ids):032x}"
            tags = {t["Key"]: t["Value"] for t in params.get("Tags", [])}
            registration = Registration(registration_id, params["RegistrationType"], tags)
            self.registrations[registration_id] = registration
            if token:
                self.tokens[token] = registration_id
        response = self._describe(registration)
        response.pop("CurrentVersionNumber")
        response["CurrentVersionNumber"] = 1
        response["Tags"] = [{"Key": k, "Value": v} for k, v in registration.tags.items()]
        return self._respond("CreateRegistration", response)

    def describe_registrations(self, **params: Any) -> dict[str, Any]:
        self._call("DescribeRegistrations", params)
        if "RegistrationIds" in params:
            found = [self._get(i) for i in params["RegistrationIds"]]
        else:
            types = {v for f in params.get("Filters", []) if f["Name"] == "registration-type" for v in f["Values"]}
            found = [
                r
                for r in self.registrations.values()
                if r.status != "DELETED" and (not types or r.registration_type in types)
            ]
        return self._respond("DescribeRegistrations", {"Registrations": [self._describe(r) for r in found]})

    def list_tags_for_resource(self, **params: Any) -> dict[str, Any]:
        self._call("ListTagsForResource", params)
        registration = self._get(params["ResourceArn"].rsplit("/", 1)[-1])
        if registration.tags.get(OWNER_KEY) != OWNER["Value"]:  # the provider's IAM condition (aws:ResourceTag)
            raise self._fail("AccessDeniedException", 403)
        tags = [{"Key": k, "Value": v} for k, v in registration.tags.items()]
        return self._respond("ListTagsForResource", {"ResourceArn": registration.arn, "Tags": tags})

    def tag_resource(self, **params: Any) -> dict[str, Any]:
        self._call("TagResource", params)
        registration = self._get(params["ResourceArn"].rsplit("/", 1)[-1])
        registration.tags.update({t["Key"]: t["Value"] for t in params["Tags"]})
        return self._respond("TagResource", {})

    def untag_resource(self, **params: Any) -> dict[str, Any]:
        self._call("UntagResource", params)
        registration = self._get(params["ResourceArn"].rsplit("/", 1)[-1])
        for key in params["TagKeys"]:
            registration.tags.pop(key, None)
        return self._respond("UntagResource", {})

    def describe_registration_versions(self, **params: Any) -> dict[str, Any]:
        self._call("DescribeRegistrationVersions", params)
        registration = self._get(params["RegistrationId"])
        wanted = set(params.get("VersionNumbers", [])) or {v.number for v in registration.versions}
        versions = [v for v in registration.versions if v.number in wanted]
        items = []
        for version in versions:
            info = self._version_info(registration, version)
            items.append(
                {k: info[k] for k in ("VersionNumber", "RegistrationVersionStatus")}
                | {"RegistrationVersionStatusHistory": info["RegistrationVersionStatusHistory"]}
            )
        return self._respond(
            "DescribeRegistrationVersions",
            {
                "RegistrationArn": registration.arn,
                "RegistrationId": registration.registration_id,
                "RegistrationVersions": items,
            },
        )

    def describe_registration_field_values(self, **params: Any) -> dict[str, Any]:
        self._call("DescribeRegistrationFieldValues", params)
        registration = self._get(params["RegistrationId"])
        version = next(
            v for v in registration.versions if v.number == params.get("VersionNumber", registration.latest.number)
        )
        items = []
        for path, (kind, value) in sorted(version.fields.items()):
            member = {"TEXT": "TextValue", "SELECT": "SelectChoices", "ATTACHMENT": "RegistrationAttachmentId"}[kind]
            items.append({"FieldPath": path, member: list(value) if kind == "SELECT" else value})
        return self._respond(
            "DescribeRegistrationFieldValues",
            {
                "RegistrationArn": registration.arn,
                "RegistrationId": registration.registration_id,
                "VersionNumber": version.number,
                "RegistrationFieldValues": items,
            },
        )

    def put_registration_field_value(self, **params: Any) -> dict[str, Any]:
        self._call("PutRegistrationFieldValue", params)
        registration = self._get(params["RegistrationId"])
        version = self._draft(registration)
        if "TextValue" in params:
            version.fields[params["FieldPath"]] = ("TEXT", params["TextValue"])
        elif "SelectChoices" in params:
            version.fields[params["FieldPath"]] = ("SELECT", tuple(params["SelectChoices"]))
        else:
            version.fields[params["FieldPath"]] = ("ATTACHMENT", params["RegistrationAttachmentId"])
        echo = {k: v for k, v in params.items() if k != "RegistrationId"}
        return self._respond(
            "PutRegistrationFieldValue",
            {
                "RegistrationArn": registration.arn,
                "RegistrationId": registration.registration_id,
                "VersionNumber": version.number,
                **echo,
            },
        )

    def delete_registration_field_value(self, **params: Any) -> dict[str, Any]:
        self._call("DeleteRegistrationFieldValue", params)
        registration = self._get(params["RegistrationId"])
        version = self._draft(registration)
        version.fields.pop(params["FieldPath"], None)
        return self._respond(
            "DeleteRegistrationFieldValue",
            {
                "RegistrationArn": registration.arn,
                "RegistrationId": registration.registration_id,
                "VersionNumber": version.number,
                "FieldPath": params["FieldPath"],
            },
        )

    def list_registration_associations(self, **params: Any) -> dict[str, Any]:
        self._call("ListRegistrationAssociations", params)
        registration = self._get(params["RegistrationId"])
        items = [
            {
                "ResourceArn": f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:phone-number/{r}",
                "ResourceId": r,
                "ResourceType": "phone-number",
            }
            for r in sorted(registration.associations)
        ]
        return self._respond(
            "ListRegistrationAssociations",
            {
                "RegistrationArn": registration.arn,
                "RegistrationId": registration.registration_id,
                "RegistrationType": registration.registration_type,
                "RegistrationAssociations": items,
            },
        )

    def create_registration_association(self, **params: Any) -> dict[str, Any]:
        self._call("CreateRegistrationAssociation", params)
        registration = self._get(params["RegistrationId"])
        if params["ResourceId"] in registration.associations:
            raise self._fail("ConflictException", reason="RESOURCE_ALREADY_ASSOCIATED")
        registration.associations.add(params["ResourceId"])
        return self._respond(
            "CreateRegistrationAssociation",
            {
                "RegistrationArn": registration.arn,
                "RegistrationId": registration.registration_id,
                "RegistrationType": registration.registration_type,
                "ResourceArn": f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:phone-number/{params['ResourceId']}",
                "ResourceId": params["ResourceId"],
                "ResourceType": "phone-number",
            },
        )

    def submit_registration_version(self, **params: Any) -> dict[str, Any]:
        self._call("SubmitRegistrationVersion", params)
        registration = self._get(params["RegistrationId"])
        version = registration.latest
        if version.status != "DRAFT":
            raise self._fail("ConflictException", reason="REGISTRATION_ALREADY_SUBMITTED")
        registration.submissions.append((version.number, copy.deepcopy(version.fields)))
        version.status = "APPROVED"  # the fake reviews at once
        registration.status = "COMPLETE"
        info = self._version_info(registration, version)
        info["RegistrationVersionStatus"] = "SUBMITTED"
        return self._respond("SubmitRegistrationVersion", {**info, "AwsReview": bool(params.get("AwsReview"))})

    def create_registration_version(self, **params: Any) -> dict[str, Any]:
        self._call("CreateRegistrationVersion", params)
        registration = self._get(params["RegistrationId"])
        if registration.latest.status == "DRAFT":
            raise self._fail("ConflictException", reason="CREATE_REGISTRATION_VERSION_NOT_ALLOWED")
        version = Version(registration.latest.number + 1)
        registration.versions.append(version)
        return self._respond("CreateRegistrationVersion", self._version_info(registration, version))

    def discard_registration_version(self, **params: Any) -> dict[str, Any]:
        self._call("DiscardRegistrationVersion", params)
        registration = self._get(params["RegistrationId"])
        version = registration.latest
        if version.status != "DRAFT":
            raise self._fail("ConflictException", reason="DISCARD_REGISTRATION_VERSION_NOT_ALLOWED")
        version.status = "DISCARDED"
        return self._respond("DiscardRegistrationVersion", self._version_info(registration, version))

    def delete_registration(self, **params: Any) -> dict[str, Any]:
        self._call("DeleteRegistration", params)
        registration = self._get(params["RegistrationId"])
        registration.status = "DELETED"
        response = self._describe(registration)
        return self._respond("DeleteRegistration", response)


class FakeSecrets:
    """``secretsmanager.GetSecretValue`` of one JSON secret with a version per variant (validated by botocore)."""

    def __init__(self) -> None:
        self._model = boto3.client("secretsmanager", region_name=REGION).meta.service_model
        self.reads = 0

    def get_secret_value(self, **params: Any) -> dict[str, Any]:
        validate_parameters(params, self._model.operation_model("GetSecretValue").input_shape)
        assert params["SecretId"] == SECRET_ARN
        self.reads += 1
        variant = int(params["VersionId"])
        return {"ARN": SECRET_ARN, "VersionId": params["VersionId"], "SecretString": f'{{"taxId": "{variant:09d}"}}'}


@dataclass
class RegistrationSubject:
    """The registrations provider, the fake, and the invariants (:class:`tests.lifecycle.harness.Subject`)."""

    fault: str = "put"
    sms: FakeRegistrations = field(default_factory=FakeRegistrations)
    secrets: FakeSecrets = field(default_factory=FakeSecrets)
    held: set[str] = field(default_factory=set)
    last_applied: str | None = None

    def __post_init__(self) -> None:
        self.framework = Framework(self.handle, resource_type="Custom::SmsRegistration")
        # A registration that was there before the stack (someone else's): never read, changed or adopted.
        before = Registration("registration-" + "e" * 32, TYPE, {"team": "other"}, status="COMPLETE")
        before.versions[0] = Version(1, "APPROVED", {"companyInfo.companyName": ("TEXT", "Other Corp")})
        self.sms.registrations[before.registration_id] = before
        self.before = copy.deepcopy(before)

    def handle(self, event: Mapping[str, Any]) -> Mapping[str, Any]:
        provider = RegistrationProvider(self.sms, secrets=self.secrets, time_budget_seconds=600.0)
        result = provider.handle(event)
        physical = str(result.get("PhysicalResourceId") or "")
        if event["RequestType"] == "Delete":
            self.held.discard(physical)
        else:
            self.held.add(physical)
            self.last_applied = physical
        return result

    def properties(self, variant: int) -> dict[str, Any]:
        return {
            "RegistrationType": TYPE,
            "FieldValues": [
                {"FieldPath": "companyInfo.companyName", "TextValue": f"Acme {variant}"},
                {"FieldPath": "companyInfo.legalType", "SelectChoices": ["PRIVATE_PROFIT"]},
                {
                    "FieldPath": "companyInfo.taxId",
                    "TextValueFrom": {"SecretId": SECRET_ARN, "JsonField": "taxId", "VersionId": _version_id(variant)},
                },
            ],
            "Associations": [PHONE_ID],
            "Submit": "true",
            "AwsReview": "false",
            "Tags": [OWNER],
            "DeletionBehavior": "DELETE_UNSUBMITTED",
            "CheckFieldDefinitions": "false",
        }

    def fail_next_change(self) -> None:
        if self.fault == "put":
            self.sms.pending_fault = ("PutRegistrationFieldValue", "ThrottlingException", 400, None)
        else:
            self.sms.pending_fault = ("SubmitRegistrationVersion", "ValidationException", 400, "INVALID_PARAMETER")

    @staticmethod
    def declared_values(declared: Properties) -> dict[str, tuple[str, Any]]:
        variant = int(declared["FieldValues"][2]["TextValueFrom"]["VersionId"])
        return {
            "companyInfo.companyName": ("TEXT", declared["FieldValues"][0]["TextValue"]),
            "companyInfo.legalType": ("SELECT", ("PRIVATE_PROFIT",)),
            "companyInfo.taxId": ("TEXT", f"{variant:09d}"),
        }

    def check(self, declared: Properties | None) -> None:
        ours = {i: r for i, r in self.sms.registrations.items() if i != self.before.registration_id}
        live = {i: r for i, r in ours.items() if r.status != "DELETED"}
        # The registration from before the stack: untouched.
        assert self.sms.registrations[self.before.registration_id] == self.before, "a registration of others changed"
        # No duplicate: one live registration per stack and logical ID.
        owners = [(r.tags.get(STACK_TAG_KEY), r.tags.get(LOGICAL_ID_TAG_KEY)) for r in live.values()]
        assert len(owners) == len(set(owners)), f"two registrations for one logical ID: {owners}"
        assert all(stack == STACK_ID and logical for stack, logical in owners), "a registration without owner tags"
        for registration_id, registration in live.items():
            # No version submitted twice, never the same values twice in a row.
            numbers = [number for number, _ in registration.submissions]
            assert len(numbers) == len(set(numbers)), f"{registration_id}: a version submitted twice"
            for (_, first), (_, second) in itertools.pairwise(registration.submissions):
                assert first != second, f"{registration_id}: the same values submitted twice in a row"
            # Every stack asks for a submission: a draft left behind holds data nobody will submit.
            assert registration.latest.status != "DRAFT", (
                f"{registration_id}: a draft holds data (version {registration.latest.number})"
            )
            # No orphan: held by CloudFormation, or submitted and kept by the default removal policy (adoptable).
            assert registration_id in self.held or registration.submissions, f"{registration_id} is orphaned"
        if declared is None:
            assert not self.held, f"CloudFormation still holds {self.held}"
            return
        assert self.last_applied in live, f"{self.last_applied} is not a live registration"
        effective = live[self.last_applied].effective()
        assert effective.fields == self.declared_values(declared), "the values are not as declared"
        assert live[self.last_applied].associations == {PHONE_ID}


@pytest.mark.parametrize("fault", ["put", "submit"])
@pytest.mark.parametrize("sequence", sorted(SEQUENCES))
def test_every_sequence_keeps_the_invariants(sequence: str, fault: str) -> None:
    subject = RegistrationSubject(fault=fault)

    SEQUENCES[sequence](subject)

    assert subject.secrets.reads > 0  # the values by reference were read at deploy time


def test_a_registration_kept_by_a_rollback_is_adopted_and_not_submitted_again() -> None:
    """Created and submitted, then another resource fails: the rollback's Delete keeps the submitted registration; the
    next deployment creates the same logical ID again and adopts it instead of paying for a second registration."""
    subject = RegistrationSubject()
    first = create(subject, "Brand", 1)
    delete(subject, first)
    subject.check(None)

    again = create(subject, "Brand", 1)

    subject.check(again.properties)
    assert again.physical_id == first.physical_id
    [registration] = [r for r in subject.sms.registrations.values() if r.tags.get(LOGICAL_ID_TAG_KEY) == "Brand"]
    assert len(registration.submissions) == 1


def test_an_ambiguous_submission_is_kept_and_the_next_deployment_adopts_and_submits_it_once() -> None:
    subject = RegistrationSubject()
    subject.sms.pending_fault = ("SubmitRegistrationVersion", "InternalServerException", 500, None)
    failed = subject.framework.send("Create", "Brand", subject.properties(1))
    assert not failed.ok
    [kept] = [r for r in subject.sms.registrations.values() if r.tags.get(LOGICAL_ID_TAG_KEY) == "Brand"]
    assert (kept.status, kept.latest.status) == ("CREATED", "DRAFT")  # nothing proves it was not submitted

    again = create(subject, "Brand", 1)

    subject.check(again.properties)
    assert again.physical_id == kept.registration_id
    assert len(kept.submissions) == 1


def test_the_fake_refuses_what_the_service_refuses() -> None:
    sms = FakeRegistrations()
    created = sms.create_registration(RegistrationType=TYPE, ClientToken="t" * 10)
    registration_id = created["RegistrationId"]

    assert sms.create_registration(RegistrationType=TYPE, ClientToken="t" * 10)["RegistrationId"] == registration_id
    sms.submit_registration_version(RegistrationId=registration_id)
    with pytest.raises(ClientError, match="ConflictException"):
        sms.submit_registration_version(RegistrationId=registration_id)
    with pytest.raises(ClientError, match="ConflictException"):
        sms.put_registration_field_value(RegistrationId=registration_id, FieldPath="a.b", TextValue="x")
    with pytest.raises(Exception, match="Parameter validation failed"):
        sms.create_registration(RegistrationType=TYPE, Unknown="x")
