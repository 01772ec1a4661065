"""``Registration``: a registration (10DLC brand and campaign, toll-free, sender ID, ...) declared as code."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_events as events
import jsii
from aws_cdk.interfaces.aws_smsvoice import (
    IPhoneNumberRef,
    IRcsAgentRef,
    IRegistrationRef,
    RegistrationReference,
)
from constructs import Construct, IConstruct, IValidation

from .._private.arns import REGISTRATION, check_sms_arn, check_sms_id
from .._private.errors import ValidationError
from .._private.registration_provider import OWNER_TAG_KEY, SERVICE_TIMEOUT, RegistrationProvider
from .._private.stacks import stack_of
from .._private.validation import check_length, check_pattern, is_unresolved
from ._base import check_same_region, format_sms_voice_arn, resource_name_from_arn
from .registration_fields import (
    RegistrationFieldValue,
    check_value_types,
    definitions,
    is_personal_field,
    registration_type_data,
    shipped_definitions,
)
from .registration_forms import IRegistrationForm

#: The ARN resource type of registrations.
RESOURCE_TYPE = "registration"
#: ``RegistrationType``: 1–64 letters, digits and ``_``.
REGISTRATION_TYPE_PATTERN = r"[A-Za-z0-9_]{1,64}"
#: The custom resource type in the template.
RESOURCE_TYPE_NAME = "Custom::SmsRegistration"
#: The warning a literal personal value draws (acknowledge it, or set ``allow_personal_data_in_template=True``).
PERSONAL_DATA_WARNING = "sms-constructs:RegistrationPersonalDataInTemplate"


@jsii.implements(IRegistrationRef)
class RegistrationBase(cdk.Resource):
    """What an owned and an imported registration have in common: attributes and status events."""

    _id: str
    _arn: str
    #: The registration type when known at synth time (``None`` for imports).
    _registration_type: str | None = None

    @property
    def registration_id(self) -> str:
        """The ID of the registration (``registration-...``)."""
        return self._id

    @property
    def registration_arn(self) -> str:
        """The ARN of the registration."""
        return self._arn

    @property
    def registration_type(self) -> str | None:
        """The registration type, or ``None`` for an import that does not know it."""
        return self._registration_type

    @property
    def registration_ref(self) -> RegistrationReference:
        """A reference to this registration (``aws_cdk.interfaces.aws_smsvoice.IRegistrationRef``)."""
        return RegistrationReference(registration_arn=self._arn)

    def on_status_change(
        self, id: str, *, target: events.IRuleTarget | None = None, description: str | None = None
    ) -> events.Rule:
        """An EventBridge rule matching this registration's ``Registration Status Change`` events.

        The service sends them to the default bus (source ``aws.sms-voice``) when the registration moves through its
        review: that is how to learn it is ``COMPLETE`` or ``REQUIRES_UPDATES`` without polling. Delivery is best
        effort.

        :param id: Construct id of the rule (a child of this registration).
        :param target: Where to send the events (e.g. ``targets.SnsTopic(topic)``). Default: none; add later.
        :param description: The rule's description. Default: names the registration.
        """
        rule = events.Rule(
            self,
            id,
            description=description or f"Status changes of the SMS registration {self.node.path}",
            event_pattern=events.EventPattern(
                source=["aws.sms-voice"],
                detail_type=["Registration Status Change"],
                detail={"registrationDetails": {"registrationId": [self._id]}},
            ),
        )
        if target is not None:
            rule.add_target(target)
        return rule


class Registration(RegistrationBase):
    """A registration filled, associated and submitted at deploy time (``Custom::SmsRegistration``).

    CloudFormation's ``AWS::SMSVOICE::Registration`` only creates an empty registration; this construct uses a
    provider Lambda of the library (one per stack) that creates the registration, puts every field of ``form``,
    associates the given resources and, with ``submit=True``, submits it for review. The review itself stays manual:
    AWS and the carriers take days to weeks, and a registration may come back ``REQUIRES_UPDATES`` with the reasons in
    ``denied_reasons``. Changing a field of a submitted registration creates a new version on the next deployment.

    The values are checked at synth time against the field definitions shipped with the library (US 10DLC brand,
    brand vetting, 10DLC campaign and US toll-free; see ``sms_constructs/resources/registration_fields.json`` for the
    sources and date) and, at deploy time, against the Region's live definitions.

    Personal data (names, e-mail addresses, phone numbers, tax IDs, street addresses, postal codes) belongs in a
    Secrets Manager secret or an SSM ``SecureString`` parameter: ``RegistrationFieldValue.from_secret(...)`` and
    ``.from_ssm_secure_string(...)`` put only the reference into the template, and the provider reads the value at
    deploy time. A literal personal value ends up in the template (in the CDK assets bucket, in
    ``cloudformation:GetTemplate``, in every ``cdk diff``) and draws the warning
    ``sms-constructs:RegistrationPersonalDataInTemplate`` unless ``allow_personal_data_in_template=True``.

    Example::

        brand = Registration(self, "Brand", form=UsTenDlcBrandForm(...), submit=True)
        campaign = Registration(self, "Campaign", form=UsTenDlcCampaignForm(...),
                                associated_registrations=[brand], submit=True)
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        form: IRegistrationForm,
        submit: bool | None = None,
        aws_review: bool | None = None,
        associated_phone_numbers: Sequence[IPhoneNumberRef] | None = None,
        associated_registrations: Sequence[IRegistrationRef] | None = None,
        associated_rcs_agents: Sequence[IRcsAgentRef] | None = None,
        name: str | None = None,
        check_live_definitions: bool | None = None,
        removal_policy: cdk.RemovalPolicy | None = None,
        allow_personal_data_in_template: bool | None = None,
    ) -> None:
        """
        :param form: The registration type and its field values: ``UsTenDlcBrandForm``, ``UsTenDlcBrandVettingForm``,
            ``UsTenDlcCampaignForm``, ``UsTollFreeForm`` or ``RegistrationForm`` (any type, fields by path). A new
            registration type replaces the registration. No default.
        :param submit: Submit the registration for review at deployment. Every required field (and, for the types the
            library knows, every resource that must be associated before submission) is then checked at synth.
            Default: ``False`` (a draft you can review in the console).
        :param aws_review: Ask AWS to pre-review the registration before it goes to the carriers (``AwsReview``).
            Default: ``False``.
        :param associated_phone_numbers: Phone numbers to associate (a toll-free number with its toll-free
            registration before submission; 10DLC numbers with their campaign once it is complete). Default: none.
        :param associated_registrations: Registrations to associate (the brand of a 10DLC campaign or vetting).
            Default: none.
        :param associated_rcs_agents: RCS agents to associate (RCS launch registrations). Default: none.
        :param name: Display name in the console, stored as the ``Name`` tag: 1–256 characters. Default: none.
        :param check_live_definitions: Check the values against the Region's ``DescribeRegistrationFieldDefinitions``
            at deploy time, before anything is created or changed. Default: ``True``.
        :param removal_policy: What happens when the registration leaves the stack. ``RETAIN`` keeps it; ``DESTROY``
            deletes it whatever its status (an approved registration takes weeks to get again). Default: a
            registration that was never submitted is deleted; a submitted one is kept, and only a draft version it may
            have is discarded.
        :param allow_personal_data_in_template: Accept literal values (``text("...")`` or a plain string) in the
            fields that hold personal data — names, e-mail addresses, phone numbers, tax IDs, street addresses, postal
            codes — knowing they are stored in the template. Default: ``False``: each such value draws the warning
            ``sms-constructs:RegistrationPersonalDataInTemplate``; pass them with
            ``RegistrationFieldValue.from_secret`` or ``.from_ssm_secure_string`` instead.
        """
        super().__init__(scope, id)
        if not isinstance(form, IRegistrationForm):
            raise ValidationError(
                self, "form", "must be a registration form (UsTenDlcBrandForm, ..., or RegistrationForm)", form
            )
        registration_type = form.registration_type
        check_pattern(
            self, "form.registration_type", registration_type, REGISTRATION_TYPE_PATTERN, "1-64 of A-Z a-z 0-9 _"
        )
        check_length(self, "name", name, 1, 256)
        deletion_behavior = _deletion_behavior(self, removal_policy)
        values = form.to_field_values()
        check_value_types(self.node.path, "form", values)
        self._form = form
        self._values = values
        self._submit = bool(submit)
        self._registration_type = registration_type
        self._phone_numbers: list[IPhoneNumberRef] = []
        self._registrations: list[IRegistrationRef] = []
        self._rcs_agents: list[IRcsAgentRef] = []
        self._check_values(registration_type, values, check_live_definitions is not False)

        if not allow_personal_data_in_template:
            self._warn_personal_literals(values)

        provider = RegistrationProvider.of(self)
        self._provider = provider
        for value in values.values():
            attachment = value.attachment_ref
            if attachment is not None:
                provider.allow_attachment(attachment.registration_attachment_ref.registration_attachment_arn)
            self._allow_source(value)
        tags = [{"Key": OWNER_TAG_KEY, "Value": provider.owner_tag_value}]
        if name is not None:
            tags.append({"Key": "Name", "Value": name})
        self.resource = cdk.CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type=RESOURCE_TYPE_NAME,
            properties={
                "RegistrationType": registration_type,
                "FieldValues": [value._render(path) for path, value in values.items()],
                "Associations": cdk.Lazy.list(_Associations(self), omit_empty=True),
                "Submit": self._submit,
                "AwsReview": bool(aws_review),
                "Tags": tags,
                "DeletionBehavior": deletion_behavior,
                "CheckFieldDefinitions": check_live_definitions is not False,
            },
            removal_policy=_cfn_removal_policy(removal_policy),
            service_timeout=SERVICE_TIMEOUT,
        )
        self._id = self.resource.get_att_string("RegistrationId")
        self._arn = self.resource.get_att_string("RegistrationArn")
        for number in associated_phone_numbers or ():
            self.associate_phone_number(number)
        for registration in associated_registrations or ():
            self.associate_registration(registration)
        for agent in associated_rcs_agents or ():
            self.associate_rcs_agent(agent)
        self.node.add_validation(_Associated(self))

    # --- attributes ---------------------------------------------------------------------------------------------

    @property
    def registration_status(self) -> str:
        """The registration's status at the end of the last deployment (``CREATED``, ``SUBMITTED``, ``REVIEWING``,
        ``REQUIRES_UPDATES``, ``COMPLETE`` ...; a token). Later changes arrive as ``on_status_change`` events."""
        return self.resource.get_att_string("RegistrationStatus")

    @property
    def version_number(self) -> str:
        """The number of the registration's latest version (a token)."""
        return self.resource.get_att_string("VersionNumber")

    @property
    def version_status(self) -> str:
        """The status of the latest version (``DRAFT``, ``SUBMITTED``, ``APPROVED``, ``DENIED`` ...; a token)."""
        return self.resource.get_att_string("VersionStatus")

    @property
    def denied_reasons(self) -> str:
        """Why the latest version was denied, ``reason: description`` separated by ``; `` (empty if not; a token)."""
        return self.resource.get_att_string("DeniedReasons")

    @property
    def field_values(self) -> dict[str, RegistrationFieldValue]:
        """A copy of the field values, by path."""
        return dict(self._values)

    # --- associations -------------------------------------------------------------------------------------------

    def associate_phone_number(self, number: IPhoneNumberRef) -> None:
        """Associate a phone number with the registration (``CreateRegistrationAssociation``).

        Toll-free numbers go with their toll-free registration before it is submitted; 10DLC numbers with their
        campaign once it is ``COMPLETE`` (the association then happens at the next deployment).
        """
        prop = f"associated_phone_numbers[{len(self._phone_numbers)}]"
        check_same_region(self, prop, number)
        self._check_association(prop, "phone_number", number)
        self._phone_numbers.append(number)
        self._provider.allow_association(number.phone_number_ref.phone_number_arn)

    def associate_registration(self, registration: IRegistrationRef) -> None:
        """Associate another registration (the brand of a 10DLC campaign or of a brand vetting)."""
        prop = f"associated_registrations[{len(self._registrations)}]"
        if registration is self:
            raise ValidationError(self, prop, "a registration cannot be associated with itself", self.node.path)
        check_same_region(self, prop, registration)
        self._check_association(prop, "registration", registration)
        self._registrations.append(registration)

    def associate_rcs_agent(self, agent: IRcsAgentRef) -> None:
        """Associate an RCS agent (RCS launch registrations, before submission)."""
        prop = f"associated_rcs_agents[{len(self._rcs_agents)}]"
        check_same_region(self, prop, agent)
        self._rcs_agents.append(agent)
        self._provider.allow_association(agent.rcs_agent_ref.rcs_agent_arn)

    def _association_ids(self) -> list[str]:
        ids = [n.phone_number_ref.phone_number_id for n in self._phone_numbers]
        ids += [_registration_id(r) for r in self._registrations]
        ids += [a.rcs_agent_ref.rcs_agent_arn for a in self._rcs_agents]
        return ids

    def _check_association(self, prop: str, kind: str, target: IConstruct) -> None:
        """Raise when the shipped rules of this registration type do not allow ``target``."""
        rules = [r for r in _association_rules(self._registration_type) if r.get("kind") == kind]
        data = registration_type_data(self._registration_type or "")
        if data is None:
            return
        if not rules:
            raise ValidationError(
                self,
                prop,
                f"a {self._registration_type} registration takes no {kind.replace('_', ' ')} association",
                target.node.path,
            )
        is_number = kind == "phone_number"
        target_type = _number_type(target) if is_number else getattr(target, "registration_type", None)
        allowed = {t for r in rules for t in r.get("number_types" if is_number else "registration_types", [])}
        if target_type is not None and target_type not in allowed:
            raise ValidationError(
                self,
                prop,
                f"a {self._registration_type} registration is associated with {', '.join(sorted(allowed))}"
                + (" numbers" if is_number else ""),
                f"{target.node.path} ({target_type})",
            )
        limit = max((r.get("max", 0) for r in rules), default=0)
        if limit and len(self._phone_numbers if is_number else self._registrations) >= limit:
            raise ValidationError(
                self, prop, f"a {self._registration_type} registration takes at most {limit}", target.node.path
            )

    def _missing_associations(self) -> list[str]:
        if not self._submit:
            return []
        problems = []
        counts = {"registration": len(self._registrations), "phone_number": len(self._phone_numbers)}
        for rule in _association_rules(self._registration_type):
            needed = rule.get("min_before_submit", 0)
            kind = str(rule.get("kind"))
            if rule.get("behavior") == "ASSOCIATE_BEFORE_SUBMIT" and counts.get(kind, 0) < needed:
                what = ", ".join(rule.get("registration_types") or rule.get("number_types") or [])
                problems.append(
                    f"{self.node.path}: invalid 'associated_{kind}s': a {self._registration_type} registration must be "
                    f"associated with at least {needed} {what} {kind.replace('_', ' ')} before it is submitted "
                    "(submit=True); received none"
                )
        return problems

    # --- personal data ------------------------------------------------------------------------------------------

    def _warn_personal_literals(self, values: Mapping[str, RegistrationFieldValue]) -> None:
        literal = [path for path, value in values.items() if value.is_literal_text and is_personal_field(path)]
        if not literal:
            return
        props = ", ".join(f"form.{self._form.prop_of(path)}" for path in literal)
        cdk.Annotations.of(self).add_warning_v2(
            PERSONAL_DATA_WARNING,
            f"{props}: personal data written into the template as plain text (kept in the CDK assets bucket, readable "
            "with cloudformation:GetTemplate, shown by cdk diff). Pass it with RegistrationFieldValue.from_secret(...) "
            "or .from_ssm_secure_string(...), or set allow_personal_data_in_template=True.",
        )

    def _allow_source(self, value: RegistrationFieldValue) -> None:
        """Let the provider read the secret or parameter ``value`` refers to (and nothing else)."""
        source = value._source
        if source is None:
            return
        if source.secret is not None:
            check_same_region(self, "form", source.secret)
            self._provider.allow_secret(source.secret)
            return
        name = str(source.parameter_name)
        stack = stack_of(self)
        arn = stack.format_arn(
            service="ssm",
            resource="parameter",
            resource_name=name if is_unresolved(name) else name.lstrip("/"),
            arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
        )
        self._provider.allow_parameter(arn, source.encryption_key)

    # --- validation ---------------------------------------------------------------------------------------------

    def _check_values(
        self, registration_type: str, values: Mapping[str, RegistrationFieldValue], live_check: bool
    ) -> None:
        data = registration_type_data(registration_type)
        if data is None:
            cdk.Annotations.of(self).add_warning_v2(
                "sms-constructs:RegistrationTypeNotShipped",
                f"The library ships no field definitions for {registration_type}: its values are "
                + (
                    "checked at deploy time against the Region's live definitions only."
                    if live_check
                    else "not checked at all (check_live_definitions=False)."
                ),
            )
            return
        inputs = {path: value._to_field_value(path) for path, value in values.items()}
        extra = set(self._extra_paths())
        findings = definitions.check_field_values(data["field_definitions"], inputs, submitting=self._submit)
        for finding in findings:
            if finding.field_path in extra and finding.rule.startswith("is not a field"):
                continue  # fields newer than the shipped definitions: the live check at deploy time covers them
            prop = f"form.{self._form.prop_of(finding.field_path)}"
            if finding.severity == definitions.WARNING:
                cdk.Annotations.of(self).add_warning_v2(
                    "sms-constructs:RegistrationFieldUnconfirmedLimit",
                    f"{prop}: {finding.rule} (a limit from a single unconfirmed source, as of "
                    f"{shipped_definitions()['schema_as_of']}; the live definitions decide at deploy time).",
                )
                continue
            value = None if finding.value is None else _safe(inputs.get(finding.field_path), finding.value)
            raise ValidationError(self, prop, finding.rule, value)
        self._check_attachment_files(data["field_definitions"], values)

    def _extra_paths(self) -> list[str]:
        extra = getattr(self._form, "extra_field_values", None) or {}
        return list(extra)

    def _check_attachment_files(
        self, field_definitions: Sequence[Mapping[str, Any]], values: Mapping[str, RegistrationFieldValue]
    ) -> None:
        """A local attachment file must have the type and size the field's documentation gives."""
        by_path = definitions.by_path(field_definitions)
        for path, value in values.items():
            rule = (by_path.get(path) or {}).get("x-attachment")
            file = getattr(value.attachment_ref, "_path", None)
            if not rule or not file:
                continue
            prop = f"form.{self._form.prop_of(path)}"
            suffix = os.path.splitext(file)[1].lower()
            if suffix not in rule["extensions"]:
                raise ValidationError(self, prop, f"the file must be one of {', '.join(rule['extensions'])}", file)
            size = os.path.getsize(file)
            if size > rule["max_bytes"]:
                raise ValidationError(
                    self, prop, f"the file must be at most {rule['max_bytes']} bytes; it has {size}", file
                )

    # --- importers ----------------------------------------------------------------------------------------------

    @staticmethod
    def from_registration_id(
        scope: Construct, id: str, registration_id: str, *, registration_type: str | None = None
    ) -> RegistrationBase:
        """Import a registration of this stack's account and Region by ID (``registration-...``).

        :param registration_type: Its type, when known, so associations with it can be checked. Default: unknown.
        """
        check_sms_id(scope, id, "registration_id", registration_id, REGISTRATION)
        arn = format_sms_voice_arn(scope, RESOURCE_TYPE, registration_id)
        return _ImportedRegistration(scope, id, arn, registration_id, registration_type)

    @staticmethod
    def from_registration_arn(
        scope: Construct, id: str, registration_arn: str, *, registration_type: str | None = None
    ) -> RegistrationBase:
        """Import a registration by ARN (``arn:aws:sms-voice:<region>:<account>:registration/registration-...``).

        :param registration_type: Its type, when known, so associations with it can be checked. Default: unknown.
        """
        check_sms_arn(scope, id, "registration_arn", registration_arn, REGISTRATION)
        return _ImportedRegistration(
            scope, id, registration_arn, resource_name_from_arn(registration_arn), registration_type
        )


class _ImportedRegistration(RegistrationBase):
    def __init__(
        self, scope: Construct, id: str, arn: str, registration_id: str, registration_type: str | None
    ) -> None:
        super().__init__(scope, id, environment_from_arn=arn)
        self._arn = arn
        self._id = registration_id
        self._registration_type = registration_type


@jsii.implements(cdk.IStableListProducer)
class _Associations:
    def __init__(self, owner: Registration) -> None:
        self._owner = owner

    def produce(self) -> list[str] | None:
        return self._owner._association_ids() or None


@jsii.implements(IValidation)
class _Associated:
    def __init__(self, owner: Registration) -> None:
        self._owner = owner

    def validate(self) -> list[str]:
        return self._owner._missing_associations()


def _association_rules(registration_type: str | None) -> list[Mapping[str, Any]]:
    data = registration_type_data(registration_type or "")
    return list(data.get("x-associations", [])) if data else []


def _registration_id(registration: IRegistrationRef) -> str:
    known = getattr(registration, "registration_id", None)
    return str(known) if known else registration.registration_ref.registration_arn


def _number_type(number: IConstruct) -> str | None:
    """The number type of a ``PhoneNumber`` created in this app (its ``CfnPhoneNumber``), else ``None``."""
    resource = number.node.default_child
    number_type = getattr(resource, "number_type", None)
    return number_type if isinstance(number_type, str) and not is_unresolved(number_type) else None


def _deletion_behavior(scope: IConstruct, policy: cdk.RemovalPolicy | None) -> str:
    if policy is None:
        return "DELETE_UNSUBMITTED"
    if policy == cdk.RemovalPolicy.DESTROY:
        return "DELETE"
    if policy in (cdk.RemovalPolicy.RETAIN, cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE):
        return "RETAIN"
    raise ValidationError(scope, "removal_policy", "must be RETAIN or DESTROY (registrations have no snapshot)", policy)


def _cfn_removal_policy(policy: cdk.RemovalPolicy | None) -> cdk.RemovalPolicy:
    """``Delete`` in the template unless the registration is retained: the handler decides what a delete means."""
    if policy in (cdk.RemovalPolicy.RETAIN, cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE):
        return policy
    return cdk.RemovalPolicy.DESTROY


def _safe(value: definitions.FieldValue | None, fallback: Any) -> Any:
    """The value to show in an error: the text or choices given (the author's own input)."""
    if value is None:
        return fallback
    if value.field_type == definitions.SELECT:
        return list(value.choices or ())
    return value.text if value.text is not None else fallback
