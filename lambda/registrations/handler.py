"""The custom-resource provider of ``Registration``: creates, fills, associates, submits and re-versions registrations.

CloudFormation's ``AWS::SMSVOICE::Registration`` only creates an empty registration. This handler (behind
``custom_resources.Provider``, which calls it synchronously and reports to CloudFormation) owns the whole lifecycle
through the SMS and Voice v2 API, standard library and boto3 only:

Create
    resolve the values given by reference (Secrets Manager, SSM ``SecureString``); check them against the Region's
    live ``DescribeRegistrationFieldDefinitions``; wait until every attachment is ``UPLOAD_COMPLETE``; **adopt** the
    registration this stack and logical ID already own (found by the owner tags, e.g. one a rolled-back deployment
    kept after submitting it) and bring it to the properties as an update would; otherwise ``CreateRegistration``
    (idempotent: its ``ClientToken`` is derived from the stack, the logical ID and the request), tagged with the
    stack ID and the logical ID; ``PutRegistrationFieldValue`` per field; ``CreateRegistrationAssociation`` for each
    resource not yet associated; ``SubmitRegistrationVersion`` when ``Submit`` is true. The handler never waits for the
    review (days to weeks): the registration's status at the end of the deployment is returned as an attribute, later
    changes arrive as EventBridge ``Registration Status Change`` events. If anything fails before the submission, or
    the service refuses the submission (a 4xx error: nothing was submitted), the new registration is deleted again; an
    ambiguous submission error (5xx, network) is resolved by reading the version's status.
Update
    the latest version decides. ``DRAFT``: when the values equal the last submitted version's, the draft is discarded
    (nothing is submitted twice); otherwise put the changed fields, delete the removed ones, associate, submit.
    Under review (``SUBMITTED``, ``AWS_REVIEWING``, ``REVIEWING``, ``REQUIRES_AUTHENTICATION``,
    ``REQUIRES_OFFLINE_REVIEW``): a change of field values fails with a clear message (nothing can be edited until
    the review ends). ``APPROVED``, ``DENIED`` (registration ``REQUIRES_UPDATES``), ``REVOKED``, ``ARCHIVED``,
    ``DISCARDED``: if the values differ from the last submitted version, ``CreateRegistrationVersion`` and put
    **every** field (a new version starts empty), then submit; a refused submission discards that draft again. A
    version is never submitted twice. A new registration type is a new registration (replacement).
Delete
    ``DeletionBehavior`` ``RETAIN``: nothing. ``DELETE``: ``DeleteRegistration``. ``DELETE_UNSUBMITTED`` (the
    default): a registration that was never submitted (version 1 still ``DRAFT``) is deleted; otherwise a ``DRAFT``
    latest version is discarded and the registration kept, so a submitted or approved registration is never deleted
    without an explicit removal policy. A kept registration keeps its owner tags: the next create of the same logical
    ID in the same stack adopts it instead of registering (and paying) again.

Field values are never logged and never returned (they hold company and contact details, and the response is stored by
CloudFormation); paths, IDs and statuses are.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from sms_constructs_runtime.registration_checks import (
    ATTACHMENT,
    ERROR,
    SELECT,
    TEXT,
    FieldValue,
    Finding,
    check_field_values,
)

LOGGER = logging.getLogger(__name__)
LOGGER.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

#: Version statuses in which nothing can be edited until the review ends.
LOCKED_STATUSES: Final = frozenset(
    {"SUBMITTED", "AWS_REVIEWING", "REVIEWING", "REQUIRES_AUTHENTICATION", "REQUIRES_OFFLINE_REVIEW"}
)
#: Version statuses of a version that was submitted (under review or reviewed).
SUBMITTED_STATUSES: Final = LOCKED_STATUSES | {"APPROVED", "DENIED", "REVOKED", "ARCHIVED"}
#: Registration statuses of a registration that can no longer be used: never adopted.
GONE_STATUSES: Final = frozenset({"DELETED", "CLOSED"})
#: ``DeletionBehavior`` values (the ``Registration`` construct's removal policy).
DELETE_UNSUBMITTED: Final = "DELETE_UNSUBMITTED"
DELETE: Final = "DELETE"
RETAIN: Final = "RETAIN"
DELETION_BEHAVIORS: Final = (DELETE_UNSUBMITTED, DELETE, RETAIN)
#: A physical ID this handler returned: a registration ID (or its ARN).
REGISTRATION_ID: Final = re.compile(r"(arn:[^:]+:sms-voice:[^:]*:\d*:registration/)?registration-[A-Za-z0-9]+")
#: The tags that name the owner of a registration this handler created: the stack ID and the logical ID. A create
#: finds (adopts) a registration carrying both instead of creating a second one.
STACK_TAG_KEY: Final = "sms-constructs:stack-id"
LOGICAL_ID_TAG_KEY: Final = "sms-constructs:logical-id"
#: How often and how long to wait for attachments to finish uploading.
ATTACHMENT_POLL_SECONDS: Final = 5.0
#: Time kept back from the invocation's deadline for the calls after the wait.
DEADLINE_MARGIN_SECONDS: Final = 60.0
#: At most this many attachment IDs per ``DescribeRegistrationAttachments`` call.
ATTACHMENT_BATCH: Final = 5
#: CloudFormation refuses a custom resource response over 4,096 bytes; ``DeniedReasons`` gets at most this share
#: (the rest of the response is at most about 1,300 bytes: IDs, ARNs, the stack ARN and the logical ID).
DENIED_REASONS_MAX_BYTES: Final = 2048


class ProviderError(Exception):
    """A request the provider refuses, with a message CloudFormation shows in the stack events."""


class SubmissionRefusedError(ProviderError):
    """The service refused ``SubmitRegistrationVersion`` with a 4xx error: nothing was submitted."""


class AmbiguousSubmissionError(ProviderError):
    """``SubmitRegistrationVersion`` failed without proof either way (5xx, network) and the version still reads as a
    draft: the registration is kept (its owner tags let the next deployment adopt it)."""


@dataclass(frozen=True)
class Reference:
    """A text value read at deploy time: a Secrets Manager secret (``kind == "secret"``) or an SSM ``SecureString``
    parameter (``kind == "parameter"``)."""

    kind: str
    name: str
    version: str | None = None
    json_field: str | None = None


@dataclass(frozen=True)
class Spec:
    """The resource properties of one ``Custom::SmsRegistration`` (CloudFormation passes scalars as strings)."""

    registration_type: str
    fields: dict[str, FieldValue]
    associations: tuple[str, ...] = ()
    submit: bool = False
    aws_review: bool = False
    tags: dict[str, str] = field(default_factory=dict)
    deletion_behavior: str = DELETE_UNSUBMITTED
    check_definitions: bool = True
    #: The text values given by reference, by field path (their ``fields`` entry is unknown until resolved).
    references: dict[str, Reference] = field(default_factory=dict)

    @staticmethod
    def parse(properties: Mapping[str, Any]) -> Spec:
        """Read and check the properties; raises ``ProviderError`` naming the bad one."""
        registration_type = properties.get("RegistrationType")
        if not isinstance(registration_type, str) or not re.fullmatch(r"[A-Za-z0-9_]{1,64}", registration_type):
            raise ProviderError(f"RegistrationType must be 1-64 letters, digits and '_'; got {registration_type!r}")
        fields: dict[str, FieldValue] = {}
        references: dict[str, Reference] = {}
        for item in properties.get("FieldValues") or []:
            value = _field_value(item)
            if value.field_path in fields:
                raise ProviderError(f"FieldValues: {value.field_path} is given twice")
            fields[value.field_path] = value
            if "TextValueFrom" in item:
                references[value.field_path] = _reference(value.field_path, item["TextValueFrom"])
        behavior = properties.get("DeletionBehavior", DELETE_UNSUBMITTED)
        if behavior not in DELETION_BEHAVIORS:
            raise ProviderError(f"DeletionBehavior must be one of {', '.join(DELETION_BEHAVIORS)}; got {behavior!r}")
        tags = {str(tag["Key"]): str(tag["Value"]) for tag in properties.get("Tags") or []}
        return Spec(
            registration_type=registration_type,
            fields=fields,
            associations=tuple(str(resource) for resource in properties.get("Associations") or []),
            submit=_flag(properties, "Submit"),
            aws_review=_flag(properties, "AwsReview"),
            tags=tags,
            deletion_behavior=str(behavior),
            check_definitions=_flag(properties, "CheckFieldDefinitions", default=True),
            references=references,
        )

    @property
    def attachment_ids(self) -> list[str]:
        """The attachments the values refer to, in field order."""
        return [v.attachment_id for v in self.fields.values() if v.attachment_id is not None]


def _flag(properties: Mapping[str, Any], name: str, *, default: bool = False) -> bool:
    value = properties.get(name, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ProviderError(f"{name} must be true or false; got {value!r}")


def _field_value(item: Any) -> FieldValue:
    if not isinstance(item, Mapping) or not isinstance(item.get("FieldPath"), str):
        raise ProviderError(f"FieldValues: each item needs a FieldPath; got {item!r}")
    path = item["FieldPath"]
    given = [key for key in ("TextValue", "TextValueFrom", "SelectChoices", "RegistrationAttachmentId") if key in item]
    if len(given) != 1:
        raise ProviderError(
            f"FieldValues: {path} needs exactly one of TextValue, TextValueFrom, SelectChoices, "
            "RegistrationAttachmentId"
        )
    if given[0] == "TextValue":
        return FieldValue(path, TEXT, text=str(item["TextValue"]))
    if given[0] == "TextValueFrom":
        return FieldValue(path, TEXT, known=False)
    if given[0] == "SelectChoices":
        choices = item["SelectChoices"]
        if not isinstance(choices, list):
            raise ProviderError(f"FieldValues: {path}.SelectChoices must be a list")
        return FieldValue(path, SELECT, choices=tuple(str(choice) for choice in choices))
    return FieldValue(path, ATTACHMENT, attachment_id=str(item["RegistrationAttachmentId"]))


def _reference(path: str, source: Any) -> Reference:
    """``TextValueFrom``: ``{"SecretId", "VersionId"?, "JsonField"?}`` or ``{"ParameterName", "ParameterVersion"}``."""
    if isinstance(source, Mapping) and isinstance(source.get("SecretId"), str):
        version = source.get("VersionId")
        json_field = source.get("JsonField")
        return Reference(
            "secret",
            source["SecretId"],
            str(version) if version else None,
            str(json_field) if json_field else None,
        )
    if isinstance(source, Mapping) and isinstance(source.get("ParameterName"), str):
        version = str(source.get("ParameterVersion", ""))
        if not version.isdigit() or int(version) < 1:
            raise ProviderError(
                f"FieldValues: {path}.TextValueFrom.ParameterVersion must be 1 or more; got {version!r}"
            )
        return Reference("parameter", source["ParameterName"], version)
    raise ProviderError(f"FieldValues: {path}.TextValueFrom needs a SecretId or a ParameterName")


def client_token(event: Mapping[str, Any]) -> str:
    """A ``ClientToken`` stable for one CloudFormation request (a retried invocation creates nothing twice)."""
    seed = "|".join(str(event.get(key, "")) for key in ("StackId", "LogicalResourceId", "RequestId"))
    return hashlib.sha256(seed.encode()).hexdigest()[:64]


def owner_tags(event: Mapping[str, Any]) -> dict[str, str]:
    """The tags that name the owner of the event's registration: its stack ID and logical ID."""
    return {STACK_TAG_KEY: str(event.get("StackId", "")), LOGICAL_ID_TAG_KEY: str(event.get("LogicalResourceId", ""))}


def is_registration_id(value: object) -> bool:
    """True for an ID (or ARN) this handler returns as the physical resource ID."""
    return isinstance(value, str) and REGISTRATION_ID.fullmatch(value) is not None


def denied_reasons(reasons: Sequence[Mapping[str, Any]], max_bytes: int = DENIED_REASONS_MAX_BYTES) -> str:
    """``reason: description`` separated by ``; ``, cut to ``max_bytes`` (UTF-8) with the count of those left out."""
    items = [f"{r.get('Reason', '')}: {r.get('ShortDescription', '')}".strip(": ") for r in reasons]
    kept: list[str] = []
    for index, item in enumerate(items):
        candidate = "; ".join([*kept, item])
        left = len(items) - index - 1
        if len((candidate + _more(left)).encode()) <= max_bytes:
            kept.append(item)
            continue
        if not kept:  # a single reason longer than the budget: its start
            room = max_bytes - len(_more(left + 1).encode()) - 3
            kept.append(item.encode()[: max(room, 0)].decode(errors="ignore") + "...")
            return "; ".join(kept) + _more(len(items) - 1)
        return "; ".join(kept) + _more(len(items) - len(kept))
    return "; ".join(kept)


def _more(count: int) -> str:
    return f"; and {count} more reason{'s' if count != 1 else ''} (see the console)" if count else ""


class RegistrationProvider:
    """Handles the custom-resource events of ``Registration`` with one SMS and Voice v2 client."""

    def __init__(
        self,
        client: Any,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        time_budget_seconds: float = 600.0,
        secrets: Any = None,
        parameters: Any = None,
    ) -> None:
        """:param secrets: The Secrets Manager client. Default: created when a value refers to a secret.
        :param parameters: The SSM client. Default: created when a value refers to a parameter."""
        self.client = client
        self.sleep = sleep
        self.clock = clock
        self.deadline = clock() + max(time_budget_seconds - DEADLINE_MARGIN_SECONDS, 0.0)
        self._secrets = secrets
        self._parameters = parameters
        self._prepared: Spec | None = None

    # --- events -------------------------------------------------------------------------------------------------

    def handle(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """Dispatch a Create, Update or Delete event; returns ``PhysicalResourceId`` and ``Data``."""
        request = event.get("RequestType")
        LOGGER.info("%s %s", request, event.get("LogicalResourceId"))
        if request == "Create":
            return self.create(event)
        if request == "Update":
            return self.update(event)
        if request == "Delete":
            return self.delete(event)
        raise ProviderError(f"unknown RequestType {request!r}")

    def create(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """Adopt the registration this stack and logical ID own, or create, fill, associate and submit a new one."""
        spec = self._resolve(Spec.parse(event.get("ResourceProperties") or {}))
        tags = {**spec.tags, **owner_tags(event)}
        self._prepare(spec)
        owned = self._find_owned(spec.registration_type, event)
        if owned is not None:
            LOGGER.info("adopting %s: this stack and logical ID own it already", owned["RegistrationId"])
            try:
                return self._converge(owned, spec, tags, {})
            except Exception as error:
                self._clean_up_failed_create(owned["RegistrationId"], error)
                raise
        created = self.client.create_registration(
            RegistrationType=spec.registration_type,
            Tags=[{"Key": key, "Value": value} for key, value in tags.items()],
            ClientToken=client_token(event),
        )
        registration_id = created["RegistrationId"]
        LOGGER.info("created %s (%s)", registration_id, spec.registration_type)
        try:
            self._put_fields(registration_id, spec.fields.values())
            self._associate(registration_id, spec.associations)
            if spec.submit:
                self._submit(registration_id, spec.aws_review)
        except Exception as error:
            self._clean_up_failed_create(registration_id, error)
            raise
        return self._response(registration_id)

    def update(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """Bring the registration to the new properties (see the module docstring for each status)."""
        spec = Spec.parse(event.get("ResourceProperties") or {})
        old = Spec.parse(event.get("OldResourceProperties") or {})
        registration_id = str(event.get("PhysicalResourceId"))
        if spec.registration_type != old.registration_type or not is_registration_id(registration_id):
            LOGGER.info("registration type changed: a new registration replaces %s", registration_id)
            return self.create(event)
        spec = self._resolve(spec)
        owner = owner_tags(event)
        registration = self._describe_registration(registration_id)
        return self._converge(registration, spec, {**spec.tags, **owner}, {**old.tags, **owner})

    def delete(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """Apply the deletion behavior; never deletes a submitted registration unless it is ``DELETE``."""
        registration_id = str(event.get("PhysicalResourceId"))
        response: dict[str, Any] = {"PhysicalResourceId": registration_id}
        if not is_registration_id(registration_id):
            LOGGER.info("nothing to delete: %s is not a registration (its creation failed)", registration_id)
            return response
        behavior = Spec.parse(event.get("ResourceProperties") or {}).deletion_behavior
        if behavior == RETAIN:
            LOGGER.info("retaining %s (RETAIN)", registration_id)
            return response
        if behavior == DELETE:
            self._delete(registration_id)
            return response
        try:
            registration = self._describe_registration(registration_id)
        except ProviderError:
            LOGGER.info("%s no longer exists", registration_id)
            return response
        version = self._latest_version(registration)
        status = version["RegistrationVersionStatus"]
        if version["VersionNumber"] == 1 and status == "DRAFT":
            LOGGER.info("deleting %s: it was never submitted", registration_id)
            self._delete_quietly(registration_id)
        elif status == "DRAFT":
            LOGGER.info(
                "retaining %s (submitted before); discarding its draft version %s",
                registration_id,
                version["VersionNumber"],
            )
            self.client.discard_registration_version(RegistrationId=registration_id)
        else:
            LOGGER.info("retaining %s: version %s is %s", registration_id, version["VersionNumber"], status)
        return response

    # --- lifecycle ----------------------------------------------------------------------------------------------

    def _converge(
        self,
        registration: Mapping[str, Any],
        spec: Spec,
        tags: Mapping[str, str],
        old_tags: Mapping[str, str],
    ) -> dict[str, Any]:
        """Bring an existing registration to ``spec``; no version is ever submitted twice, nor the same values."""
        registration_id = registration["RegistrationId"]
        version = self._latest_version(registration)
        status = version["RegistrationVersionStatus"]
        number = int(version["VersionNumber"])
        current = self._field_values(registration_id, number)
        if status == "DRAFT":
            self._converge_draft(registration_id, number, spec, current)
        elif status in LOCKED_STATUSES:
            if _differs(spec.fields, current):
                raise ProviderError(
                    f"registration {registration_id} version {number} is {status}: its field values "
                    "cannot change until the review ends. Deploy the change again once the registration is approved or "
                    "denied, or revert it."
                )
            self._associate(registration_id, spec.associations)
        else:
            baseline = current if status != "DISCARDED" else self._submitted_values(registration_id, before=number)
            changed = baseline is None or _differs(spec.fields, baseline)
            if changed:
                self._prepare(spec)
            self._associate(registration_id, spec.associations)
            if changed:
                opened = self._new_version(registration_id)
                LOGGER.info("%s: version %s was %s; opened version %s", registration_id, number, status, opened)
                try:
                    self._put_fields(registration_id, spec.fields.values())
                    if spec.submit:
                        self._submit(registration_id, spec.aws_review)
                except Exception as error:
                    self._discard_draft(registration_id, error)
                    raise
        self._sync_tags(registration["RegistrationArn"], tags, old_tags)
        return self._response(registration_id)

    def _converge_draft(
        self, registration_id: str, number: int, spec: Spec, current: Mapping[str, tuple[str, Any]]
    ) -> None:
        """The latest version is a draft: fill it and submit it, unless it would repeat the last submitted version."""
        baseline = self._submitted_values(registration_id, before=number) if number > 1 else None
        if baseline is not None and not _differs(spec.fields, baseline):
            LOGGER.info(
                "%s: draft version %s would repeat the last submitted version; discarding it", registration_id, number
            )
            self.client.discard_registration_version(RegistrationId=registration_id)
            self._associate(registration_id, spec.associations)
            return
        try:
            if _differs(spec.fields, current):
                self._prepare(spec)
            self._sync_fields(registration_id, spec.fields, current)
            self._associate(registration_id, spec.associations)
            if spec.submit:
                self._submit(registration_id, spec.aws_review)
        except Exception as error:
            if number > 1:
                self._discard_draft(registration_id, error)
            raise

    def _find_owned(self, registration_type: str, event: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The registration of this type that carries this stack's and logical ID's owner tags, if any."""
        owner = owner_tags(event)
        found: list[Mapping[str, Any]] = []
        filters = [{"Name": "registration-type", "Values": [registration_type]}]
        for page in self._pages(self.client.describe_registrations, Filters=filters):
            for registration in page.get("Registrations", []):
                if registration.get("RegistrationStatus") in GONE_STATUSES:
                    continue
                try:
                    listed = self.client.list_tags_for_resource(ResourceArn=registration["RegistrationArn"])
                except ClientError as error:
                    if _code(error) in ("AccessDeniedException", "ResourceNotFoundException"):
                        continue  # the role reads only registrations of this provider: not ours
                    raise
                tags = {tag["Key"]: tag["Value"] for tag in listed.get("Tags", [])}
                if all(tags.get(key) == value for key, value in owner.items()):
                    found.append(registration)
        if len(found) > 1:
            LOGGER.warning(
                "%d registrations carry this stack's and logical ID's tags (%s); adopting the oldest",
                len(found),
                ", ".join(r["RegistrationId"] for r in found),
            )
        return min(found, key=lambda r: (str(r.get("CreatedTimestamp", "")), r["RegistrationId"])) if found else None

    def _clean_up_failed_create(self, registration_id: str, error: BaseException) -> None:
        """After a failed create CloudFormation holds nothing: remove what holds the company's data, unless the
        submission may have happened (then the owner tags let the next deployment adopt it)."""
        if isinstance(error, AmbiguousSubmissionError):
            LOGGER.warning("%s: the submission may have happened; keeping it for the next deployment", registration_id)
            return
        try:
            version = self._latest_version(self._describe_registration(registration_id))
        except (ProviderError, ClientError, BotoCoreError) as read_error:
            LOGGER.warning(
                "%s: could not read it after a failed create (%s); it is left in place", registration_id, read_error
            )
            return
        if version["RegistrationVersionStatus"] != "DRAFT":
            return
        if int(version["VersionNumber"]) == 1:
            LOGGER.warning("creating %s failed before it was submitted; deleting it again", registration_id)
            self._delete_quietly(registration_id)
        else:
            self._discard_draft(registration_id, error)

    def _discard_draft(self, registration_id: str, error: BaseException) -> None:
        """Discard the draft version a failed change opened (it holds data and would be submitted by nothing)."""
        if isinstance(error, AmbiguousSubmissionError):
            return
        try:
            self.client.discard_registration_version(RegistrationId=registration_id)
            LOGGER.warning("%s: the change failed; its draft version is discarded", registration_id)
        except (ClientError, BotoCoreError) as discard_error:
            LOGGER.warning("%s: could not discard the draft version (%s)", registration_id, discard_error)

    # --- steps --------------------------------------------------------------------------------------------------

    def _prepare(self, spec: Spec) -> None:
        """Before values are put: the live check and the attachments' uploads (once per invocation)."""
        if self._prepared is spec:
            return
        self._check_definitions(spec)
        self._wait_for_attachments(spec.attachment_ids)
        self._prepared = spec

    def _resolve(self, spec: Spec) -> Spec:
        """``spec`` with every value given by reference read (never logged, never returned)."""
        if not spec.references:
            return spec
        fields = dict(spec.fields)
        for path, reference in spec.references.items():
            fields[path] = FieldValue(path, TEXT, text=self._read(path, reference))
        return dataclasses.replace(spec, fields=fields, references={})

    def _read(self, path: str, reference: Reference) -> str:
        try:
            if reference.kind == "secret":
                request: dict[str, Any] = {"SecretId": reference.name}
                if reference.version:
                    request["VersionId"] = reference.version
                secret = self.secrets.get_secret_value(**request)
                if "SecretString" not in secret:
                    raise ProviderError(f"{path}: the secret {reference.name} holds no text (SecretString)")
                text = str(secret["SecretString"])
                if reference.json_field is not None:
                    text = _json_field(path, reference, text)
            else:
                parameter = self.parameters.get_parameter(
                    Name=f"{reference.name}:{reference.version}", WithDecryption=True
                )["Parameter"]
                if parameter.get("Type") != "SecureString":
                    raise ProviderError(
                        f"{path}: the parameter {reference.name} is a {parameter.get('Type')}, not a SecureString"
                    )
                text = str(parameter["Value"])
        except ClientError as error:
            where = "secret" if reference.kind == "secret" else "parameter"
            raise ProviderError(
                f"{path}: could not read the {where} {reference.name} ({_code(error) or 'error'})"
            ) from None
        if not text:
            raise ProviderError(f"{path}: the value read from {reference.name} is empty")
        return text

    @property
    def secrets(self) -> Any:
        """The Secrets Manager client (created on first use)."""
        if self._secrets is None:
            self._secrets = boto3.client("secretsmanager")
        return self._secrets

    @property
    def parameters(self) -> Any:
        """The SSM client (created on first use)."""
        if self._parameters is None:
            self._parameters = boto3.client("ssm")
        return self._parameters

    # --- steps (continued) ---------------------------------------------------------------------------------------

    def _check_definitions(self, spec: Spec) -> None:
        if not spec.check_definitions:
            return
        definitions = list(self._field_definitions(spec.registration_type))
        problems = [
            f for f in check_field_values(definitions, spec.fields, submitting=spec.submit) if f.severity == ERROR
        ]
        if problems:
            lines = [_describe(problem, spec.fields.get(problem.field_path)) for problem in problems]
            raise ProviderError(
                f"the values do not fit the live {spec.registration_type} definitions of this Region: "
                + "; ".join(lines)
            )

    def _field_definitions(self, registration_type: str) -> Iterator[Mapping[str, Any]]:
        for page in self._pages(
            self.client.describe_registration_field_definitions, RegistrationType=registration_type
        ):
            yield from page.get("RegistrationFieldDefinitions", [])

    def _wait_for_attachments(self, attachment_ids: Sequence[str]) -> None:
        pending = list(dict.fromkeys(attachment_ids))
        while pending:
            still: list[str] = []
            for start in range(0, len(pending), ATTACHMENT_BATCH):
                batch = pending[start : start + ATTACHMENT_BATCH]
                response = self.client.describe_registration_attachments(RegistrationAttachmentIds=batch)
                for attachment in response.get("RegistrationAttachments", []):
                    status = attachment["AttachmentStatus"]
                    if status in ("UPLOAD_FAILED", "DELETED"):
                        reason = attachment.get("AttachmentUploadErrorReason", "no reason given")
                        raise ProviderError(
                            f"attachment {attachment['RegistrationAttachmentId']} is {status} ({reason})"
                        )
                    if status != "UPLOAD_COMPLETE":
                        still.append(attachment["RegistrationAttachmentId"])
            if not still:
                return
            if self.clock() + ATTACHMENT_POLL_SECONDS > self.deadline:
                raise ProviderError(f"attachments still uploading when the time ran out: {', '.join(still)}")
            self.sleep(ATTACHMENT_POLL_SECONDS)
            pending = still

    def _put_fields(self, registration_id: str, values: Iterable[FieldValue]) -> None:
        for value in values:
            request: dict[str, Any] = {"RegistrationId": registration_id, "FieldPath": value.field_path}
            if value.field_type == TEXT:
                request["TextValue"] = value.text
            elif value.field_type == SELECT:
                request["SelectChoices"] = list(value.choices or ())
            else:
                request["RegistrationAttachmentId"] = value.attachment_id
            self.client.put_registration_field_value(**request)
        LOGGER.info("%s: fields put", registration_id)

    def _sync_fields(
        self, registration_id: str, wanted: Mapping[str, FieldValue], current: Mapping[str, tuple[str, Any]]
    ) -> None:
        self._put_fields(registration_id, (v for path, v in wanted.items() if current.get(path) != _comparable(v)))
        for path in sorted(set(current) - set(wanted)):
            self.client.delete_registration_field_value(RegistrationId=registration_id, FieldPath=path)

    def _associate(self, registration_id: str, resources: Sequence[str]) -> None:
        if not resources:
            return
        existing: set[str] = set()
        for page in self._pages(self.client.list_registration_associations, RegistrationId=registration_id):
            for association in page.get("RegistrationAssociations", []):
                existing.update({association.get("ResourceId", ""), association.get("ResourceArn", "")})
        for resource in resources:
            if resource in existing:
                continue
            try:
                self.client.create_registration_association(RegistrationId=registration_id, ResourceId=resource)
            except ClientError as error:
                if _reason(error) != "RESOURCE_ALREADY_ASSOCIATED":
                    raise
            LOGGER.info("%s: associated %s", registration_id, resource)

    def _submit(self, registration_id: str, aws_review: bool) -> None:
        """Submit the draft. A refusal (4xx) raises ``SubmissionRefusedError``; an error that proves nothing either way
        is settled by reading the version: submitted after all, or ``AmbiguousSubmissionError``."""
        try:
            response = self.client.submit_registration_version(RegistrationId=registration_id, AwsReview=aws_review)
        except ClientError as error:
            if _reason(error) == "REGISTRATION_ALREADY_SUBMITTED":
                LOGGER.info("%s: already submitted", registration_id)
                return
            if _is_refusal(error):
                raise SubmissionRefusedError(
                    f"the service refused to submit {registration_id}: {_code(error)}"
                    + (f" ({_reason(error)})" if _reason(error) else "")
                    + f": {error.response.get('Error', {}).get('Message', '')}"
                ) from None
            self._settle_ambiguous_submission(registration_id, error)
            return
        except BotoCoreError as error:
            self._settle_ambiguous_submission(registration_id, error)
            return
        LOGGER.info(
            "%s: version %s %s", registration_id, response["VersionNumber"], response["RegistrationVersionStatus"]
        )

    def _settle_ambiguous_submission(self, registration_id: str, error: Exception) -> None:
        try:
            version = self._latest_version(self._describe_registration(registration_id))
        except (ProviderError, ClientError, BotoCoreError):
            version = {"RegistrationVersionStatus": "UNKNOWN"}
        status = version["RegistrationVersionStatus"]
        if status in SUBMITTED_STATUSES:
            LOGGER.info("%s: submitted despite the error (%s): version is %s", registration_id, error, status)
            return
        raise AmbiguousSubmissionError(
            f"submitting {registration_id} failed ({error}) and its version reads {status}; the registration is kept "
            "and the next deployment of this stack adopts it"
        ) from None

    def _new_version(self, registration_id: str) -> int:
        try:
            return int(self.client.create_registration_version(RegistrationId=registration_id)["VersionNumber"])
        except ClientError as error:
            if _reason(error) != "CREATE_REGISTRATION_VERSION_NOT_ALLOWED":
                raise
            # A retried invocation may already have opened the draft: use it when it is there.
            version = self._latest_version(self._describe_registration(registration_id))
            if version["RegistrationVersionStatus"] != "DRAFT":
                raise
            return int(version["VersionNumber"])

    def _sync_tags(self, arn: str, tags: Mapping[str, str], old: Mapping[str, str]) -> None:
        changed = {key: value for key, value in tags.items() if old.get(key) != value}
        removed = sorted(set(old) - set(tags))
        if changed:
            self.client.tag_resource(ResourceArn=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
        if removed:
            self.client.untag_resource(ResourceArn=arn, TagKeys=removed)

    def _delete(self, registration_id: str) -> None:
        try:
            self.client.delete_registration(RegistrationId=registration_id)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
        LOGGER.info("deleted %s", registration_id)

    def _delete_quietly(self, registration_id: str) -> None:
        """Delete a registration that was never submitted; a refusal leaves it in place (logged), never fails."""
        try:
            self._delete(registration_id)
        except ClientError as error:
            LOGGER.warning("could not delete %s (%s); it is left in place", registration_id, _reason(error) or error)

    # --- reads --------------------------------------------------------------------------------------------------

    def _describe_registration(self, registration_id: str) -> Mapping[str, Any]:
        try:
            registrations = self.client.describe_registrations(RegistrationIds=[registration_id])["Registrations"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                raise ProviderError(f"registration {registration_id} does not exist") from error
            raise
        if not registrations:
            raise ProviderError(f"registration {registration_id} does not exist")
        return registrations[0]  # type: ignore[no-any-return]

    def _latest_version(self, registration: Mapping[str, Any]) -> Mapping[str, Any]:
        number = registration["CurrentVersionNumber"]
        versions = self.client.describe_registration_versions(
            RegistrationId=registration["RegistrationId"], VersionNumbers=[number]
        )["RegistrationVersions"]
        if not versions:
            raise ProviderError(f"registration {registration['RegistrationId']} has no version {number}")
        return versions[0]  # type: ignore[no-any-return]

    def _field_values(self, registration_id: str, version: int) -> dict[str, tuple[str, Any]]:
        values: dict[str, tuple[str, Any]] = {}
        pages = self._pages(
            self.client.describe_registration_field_values, RegistrationId=registration_id, VersionNumber=version
        )
        for page in pages:
            for item in page.get("RegistrationFieldValues", []):
                values[item["FieldPath"]] = _comparable(_field_value(_present(item)))
        return values

    def _submitted_values(self, registration_id: str, *, before: int) -> dict[str, tuple[str, Any]] | None:
        """The values of the newest version before ``before`` that was submitted, or ``None`` if none was."""
        submitted: list[int] = []
        for page in self._pages(self.client.describe_registration_versions, RegistrationId=registration_id):
            for item in page.get("RegistrationVersions", []):
                if item["RegistrationVersionStatus"] in SUBMITTED_STATUSES and int(item["VersionNumber"]) < before:
                    submitted.append(int(item["VersionNumber"]))
        if not submitted:
            return None
        return self._field_values(registration_id, max(submitted))

    def _response(self, registration_id: str) -> dict[str, Any]:
        registration = self._describe_registration(registration_id)
        version = self._latest_version(registration)
        denied = denied_reasons(version.get("DeniedReasons", []))
        return {
            "PhysicalResourceId": registration_id,
            "Data": {
                "RegistrationId": registration_id,
                "RegistrationArn": registration["RegistrationArn"],
                "RegistrationType": registration["RegistrationType"],
                "RegistrationStatus": registration["RegistrationStatus"],
                "VersionNumber": str(version["VersionNumber"]),
                "VersionStatus": version["RegistrationVersionStatus"],
                "DeniedReasons": denied,
            },
        }

    def _pages(self, operation: Callable[..., Mapping[str, Any]], **request: Any) -> Iterator[Mapping[str, Any]]:
        token: str | None = None
        while True:
            page = operation(**request, **({"NextToken": token} if token else {}))
            yield page
            token = page.get("NextToken")
            if not token:
                return


def _describe(problem: Finding, value: FieldValue | None) -> str:
    """A finding for the stack events: the chosen options of a select field, never a text value (personal data)."""
    if value is not None and value.field_type == SELECT:
        return f"{problem.field_path} {problem.rule} (chosen: {list(value.choices or ())})"
    return f"{problem.field_path} {problem.rule}"


def _present(item: Mapping[str, Any]) -> dict[str, Any]:
    """A ``RegistrationFieldValueInformation`` reduced to the member that holds its value."""
    for key in ("TextValue", "SelectChoices", "RegistrationAttachmentId"):
        if key in item:
            return {"FieldPath": item["FieldPath"], key: item[key]}
    return {"FieldPath": item["FieldPath"], "TextValue": ""}


def _comparable(value: FieldValue) -> tuple[str, Any]:
    if value.field_type == SELECT:
        return (SELECT, tuple(value.choices or ()))
    return (value.field_type, value.text if value.field_type == TEXT else value.attachment_id)


def _differs(wanted: Mapping[str, FieldValue], current: Mapping[str, tuple[str, Any]]) -> bool:
    return {path: _comparable(value) for path, value in wanted.items()} != dict(current)


def _json_field(path: str, reference: Reference, text: str) -> str:
    try:
        document = json.loads(text)
    except ValueError:
        raise ProviderError(f"{path}: the secret {reference.name} is not a JSON object") from None
    if not isinstance(document, dict) or reference.json_field not in document:
        raise ProviderError(f"{path}: the secret {reference.name} has no JSON field {reference.json_field!r}")
    value = document[reference.json_field]
    if not isinstance(value, str):
        raise ProviderError(f"{path}: the JSON field {reference.json_field!r} of {reference.name} is not a string")
    return value


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _is_refusal(error: ClientError) -> bool:
    """A 4xx answer: the service refused the request, so it did nothing."""
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return isinstance(status, int) and 400 <= status < 500


def _reason(error: ClientError) -> str | None:
    reason = error.response.get("Reason")
    return str(reason) if reason is not None else None


def sms_client() -> Any:
    """The SMS and Voice v2 client: standard retries (throttling, 5xx); every call here is idempotent or guarded."""
    return boto3.client("pinpoint-sms-voice-v2", config=Config(retries={"max_attempts": 5, "mode": "standard"}))


def main(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (``registrations.handler.main``), called by the custom-resource provider framework."""
    budget = context.get_remaining_time_in_millis() / 1000 if context is not None else 600.0
    return RegistrationProvider(sms_client(), time_budget_seconds=budget).handle(event)
