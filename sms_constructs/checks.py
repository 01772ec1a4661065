"""``SmsChecks``: a cdk-nag 3 rule pack for AWS End User Messaging SMS.

The pack inspects the ``AWS::SMSVOICE`` L1 resources of an app (and the IAM, SNS and KMS policies that involve the
service), so it also checks apps that never use the library's L2 constructs. It plugs in like the packs of cdk-nag::

    cdk.Validations.of(app).add_plugins(SmsChecks(app))     # findings fail `cdk synth`
    SmsChecks(app).validate_scope(app)                      # a report, e.g. in tests

Acknowledge a finding you keep on the narrowest construct, with the reason::

    cdk.Validations.of(number).acknowledge(cdk.Acknowledgment(id="SmsChecks-DP1", reason="..."))

Every rule is listed in :data:`RULES` with its id, level, rationale and fix; the docs page ``docs/checks.md`` shows
the same table. The pack imports only aws-cdk-lib and cdk-nag, never the library's constructs.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, cast

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
import aws_cdk.aws_smsvoice as smsvoice
import aws_cdk.aws_sns as sns
import jsii
from cdk_nag import IApplyRule, NagMessageLevel, NagPack, NagRuleCompliance
from constructs import IConstruct

PACK_NAME = "SmsChecks"
SMS_VOICE_PRINCIPAL = "sms-voice.amazonaws.com"
#: Stack (or resource) tags that mark production, unless ``production_tags`` says otherwise: key -> values
#: (both compared without regard to case).
DEFAULT_PRODUCTION_TAGS: Mapping[str, Sequence[str]] = {
    "environment": ("production", "prod"),
    "env": ("production", "prod"),
    "stage": ("production", "prod"),
}

Compliance = NagRuleCompliance | list[str]

#: The resource type of the library's seeded opted-out number (``OptOutList.add_opted_out_number``), and its property
#: that is ``"true"`` only when the user asked for the number to be removed from the list on delete (OO2).
OPTED_OUT_NUMBER_TYPE = "Custom::SmsConstructsOptedOutNumber"
REMOVE_ON_DELETE = "RemoveOnDelete"


@dataclasses.dataclass(frozen=True)
class SmsRule:
    """One rule of the pack: what it checks, why, and how to fix a finding."""

    #: The rule's suffix; the id is ``SmsChecks-<suffix>`` (granular findings ``SmsChecks-<suffix>[<finding>]``).
    suffix: str
    #: ``NagMessageLevel.ERROR`` or ``WARN`` (both fail synth until fixed or acknowledged).
    level: NagMessageLevel
    #: The resource types the rule looks at.
    resource_types: tuple[str, ...]
    #: What is wrong, as the finding says it.
    info: str
    #: Why it matters.
    rationale: str
    #: How to fix it.
    fix: str

    @property
    def rule_id(self) -> str:
        """``SmsChecks-<suffix>``."""
        return f"{PACK_NAME}-{self.suffix}"


DELETION_PROTECTED_TYPES = (
    "AWS::SMSVOICE::PhoneNumber",
    "AWS::SMSVOICE::Pool",
    "AWS::SMSVOICE::SenderId",
    "AWS::SMSVOICE::ProtectConfiguration",
    "AWS::SMSVOICE::NotifyConfiguration",
    "AWS::SMSVOICE::RcsAgent",
)

RULES: tuple[SmsRule, ...] = (
    SmsRule(
        "DP1",
        NagMessageLevel.ERROR,
        DELETION_PROTECTED_TYPES,
        "The SMS resource does not enable deletion protection.",
        "A released phone number or sender ID cannot be got back, and its registration (weeks of carrier review) goes "
        "with it; pools, protect configurations, Notify configurations and RCS agents hold settings that took "
        "reviews or incidents to get right. Deletion protection makes the service refuse an accidental delete.",
        "Set DeletionProtectionEnabled to true (the library's L2s do unless the removal policy is DESTROY).",
    ),
    SmsRule(
        "RP1",
        NagMessageLevel.ERROR,
        ("AWS::SMSVOICE::OptOutList", "AWS::SMSVOICE::Registration"),
        "The opt-out list or registration is deleted with the stack (DeletionPolicy or UpdateReplacePolicy not "
        "Retain).",
        "An opt-out list holds the STOP requests of your recipients: losing it means messaging people who opted out, "
        "which carriers and regulators (TCPA in the US) punish. A registration takes days to weeks of review. Neither "
        "has a deletion protection setting, so the stack must keep them.",
        "Give the resource RemovalPolicy.RETAIN (DeletionPolicy and UpdateReplacePolicy Retain).",
    ),
    SmsRule(
        "KW1",
        NagMessageLevel.WARN,
        ("AWS::SMSVOICE::PhoneNumber", "AWS::SMSVOICE::Pool"),
        "A HELP or STOP reply lacks the brand, the opt-out instruction or a contact "
        "(findings Keyword::HELP::Brand, ::OptOutInstruction, ::Contact, Keyword::STOP::Brand).",
        "Carriers audit keyword replies: the CTIA guidelines and the 10DLC and toll-free reviews expect HELP to name "
        "the program (brand), give a way to get help (URL, e-mail or phone number) and say how to opt out (STOP), and "
        "STOP to confirm, under the brand, that no more messages will come.",
        "Start both replies with the brand ('Acme alerts: ...'), or give SmsChecks(brand_names=[...]); put 'Reply "
        "STOP to opt out' and a URL, e-mail address or phone number in the HELP reply.",
    ),
    SmsRule(
        "OO1",
        NagMessageLevel.ERROR,
        ("AWS::SMSVOICE::PhoneNumber", "AWS::SMSVOICE::Pool", "AWS::SMSVOICE::RcsAgent"),
        "Self-managed opt-outs are enabled without a two-way channel.",
        "With SelfManagedOptOutsEnabled the service no longer answers HELP and STOP nor records opt-outs: your "
        "application must. Without two-way messaging (an enabled channel) the application never receives the STOP "
        "replies, so opt-outs are lost.",
        "Enable two-way messaging with a channel (TwoWay / TwoWayChannelArn), or turn self-managed opt-outs off.",
    ),
    SmsRule(
        "CS1",
        NagMessageLevel.WARN,
        ("AWS::SMSVOICE::ConfigurationSet",),
        "The configuration set has no enabled event destination.",
        "Without an event destination nobody sees delivery receipts, failures, blocked sends or spend per message; "
        "retries, analytics and alarms all start from these events.",
        "Add an event destination (CloudWatch Logs, Firehose or SNS) with the events you need, e.g. TEXT_ALL.",
    ),
    SmsRule(
        "CS2",
        NagMessageLevel.WARN,
        ("AWS::SMSVOICE::ConfigurationSet",),
        "sms-voice:SendTextMessage is allowed through a configuration set that has no protect configuration.",
        "Protect configurations block, monitor or filter destination countries: the main defence against SMS "
        "pumping (artificially inflated traffic), which can cost thousands within hours. A sender allowed to use this "
        "configuration set sends with whatever the account default (if any) allows.",
        "Give the configuration set a ProtectConfigurationId (ProtectConfiguration.allow_only(...)), or acknowledge "
        "with the evidence that the account default protect configuration covers it.",
    ),
    SmsRule(
        "IAM1",
        NagMessageLevel.ERROR,
        ("AWS::IAM::Role",),
        "A role trusted by sms-voice.amazonaws.com lacks the aws:SourceAccount and aws:SourceArn conditions, or their "
        "values match any account (a wildcard account, a wildcard ARN, or an ARN with a wildcard account field).",
        "Without them any account's SMS resource could make the service assume the role (the confused-deputy "
        "problem); the user guide's event destination and two-way roles condition the trust on both keys. A key "
        "that is present but matches every account ('StringLike aws:SourceAccount *', 'ArnLike aws:SourceArn "
        "arn:aws:sms-voice:*') protects nothing.",
        "Add aws:SourceAccount (your account) and aws:SourceArn (the configuration set, phone number, pool or agent "
        "ARNs, in your account) conditions to the statement that trusts sms-voice.amazonaws.com, with StringEquals / "
        "ArnEquals / ArnLike; no wildcard in the account.",
    ),
    SmsRule(
        "IAM2",
        NagMessageLevel.ERROR,
        ("AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy", "AWS::S3::BucketPolicy", "AWS::KMS::Key"),
        "A resource policy allows sms-voice.amazonaws.com without the aws:SourceAccount and aws:SourceArn conditions, "
        "or with values that match any account.",
        "A topic, queue, bucket or key that lets the SMS service act without conditions can be written to (or used) "
        "on behalf of any account's SMS resources (the confused-deputy problem); a wildcard value is no condition.",
        "Condition the statement on aws:SourceAccount (your account) and aws:SourceArn (the configuration set ARN), "
        "with no wildcard in the account.",
    ),
    SmsRule(
        "IAM3",
        NagMessageLevel.ERROR,
        ("AWS::SNS::TopicPolicy", "AWS::KMS::Key"),
        "A topic or key the SMS service uses allows Principal '*' (or {'AWS': '*'}) without a condition that narrows "
        "it to an account, an organization or a source.",
        "Event-destination topics carry every delivery event (phone numbers, message ids, prices); two-way topics "
        "carry recipients' replies and STOP requests. A public Allow lets anyone subscribe, read or publish forged "
        "events and replies, and a public key policy lets anyone use the key that protects them.",
        "Name the principals (the account, sms-voice.amazonaws.com with aws:SourceAccount and aws:SourceArn), or "
        "condition the statement on aws:SourceAccount, aws:SourceArn, aws:SourceOwner, aws:PrincipalAccount, "
        "aws:PrincipalOrgID or kms:CallerAccount with literal values.",
    ),
    SmsRule(
        "OO2",
        NagMessageLevel.ERROR,
        (OPTED_OUT_NUMBER_TYPE,),
        "A seeded opted-out number is removed from its opt-out list when the resource is deleted, replaced or rolled "
        "back (RemoveOnDelete is true).",
        "An opted-out number records that a person asked to receive no more messages. Removing it on a stack delete, "
        "a move to a new logical id or the rollback of a failed deployment would let the next send reach someone who "
        "said STOP, which carriers and regulators (TCPA in the US) punish; a number can also be removed from a list "
        "only once every 30 days.",
        "Leave remove_on_delete off (OptOutList.add_opted_out_number keeps the number by default), or acknowledge "
        "the finding with the evidence that the numbers are test numbers you own.",
    ),
    SmsRule(
        "SIM1",
        NagMessageLevel.ERROR,
        ("AWS::SMSVOICE::PhoneNumber",),
        "A SIMULATOR phone number is in a stack (or carries a tag) marked as production.",
        "Simulator numbers only send to the simulator's destination numbers: in production every message to a real "
        "recipient fails, silently for the sender until the delivery events arrive.",
        "Use a registered number (TOLL_FREE, TEN_DLC, LONG_CODE, or import a short code) in production stacks, or "
        "fix the stack's environment tag.",
    ),
)
RULES_BY_SUFFIX = {rule.suffix: rule for rule in RULES}


@jsii.implements(IApplyRule)
class _AppliedRule:
    """One rule applied to one resource (jsii reads these as class-level properties)."""

    def __init__(self, rule: SmsRule, node: cdk.CfnResource, check: Callable[[cdk.CfnResource], Compliance]) -> None:
        self._rule = rule
        self._node = node
        self._check = check

    @property
    def rule_suffix_override(self) -> str:
        return self._rule.suffix

    @property
    def info(self) -> str:
        return self._rule.info

    @property
    def explanation(self) -> str:
        return f"{self._rule.rationale} Fix: {self._rule.fix}"

    @property
    def level(self) -> NagMessageLevel:
        return self._rule.level

    @property
    def node(self) -> cdk.CfnResource:
        return self._node

    def rule(self, node: cdk.CfnResource) -> Compliance:
        return self._check(node)


class SmsChecks(NagPack):
    """A cdk-nag rule pack for AWS End User Messaging SMS (rule ids ``SmsChecks-<id>``; see ``RULES``).

    Example::

        cdk.Validations.of(app).add_plugins(SmsChecks(app))
    """

    def __init__(
        self,
        scope: IConstruct | None = None,
        *,
        verbose: bool | None = None,
        write_suppressions_to_cloud_formation: bool | None = None,
        brand_names: Sequence[str] | None = None,
        production_tags: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """
        :param scope: The scope the pack validates when registered as a plugin. Default: the app it is added to.
        :param verbose: Append the rule's rationale and fix to each finding. Default: ``False``.
        :param write_suppressions_to_cloud_formation: Write acknowledgements to the template metadata. Default:
            ``False``.
        :param brand_names: The brands HELP and STOP replies must name (KW1), compared without regard to case.
            Default: none; the brand is then the text before the first ':' of the HELP reply ("Acme alerts: ...").
        :param production_tags: Tags that mark a stack or a phone number as production (SIM1): key to values,
            compared without regard to case. Default: ``environment``, ``env`` or ``stage`` = ``production`` or
            ``prod``.
        """
        super().__init__(
            scope, verbose=verbose, write_suppressions_to_cloud_formation=write_suppressions_to_cloud_formation
        )
        self._pack_name = PACK_NAME
        self._brand_names = tuple(name.lower() for name in brand_names or ())
        tags = production_tags if production_tags is not None else DEFAULT_PRODUCTION_TAGS
        self._production_tags = {key.lower(): {value.lower() for value in values} for key, values in tags.items()}
        self._checks: dict[str, Callable[[cdk.CfnResource], Compliance]] = {
            "DP1": _deletion_protection,
            "RP1": _retained,
            "KW1": self._keywords,
            "OO1": _self_managed_opt_outs,
            "CS1": _event_destinations,
            "CS2": _protected_sends,
            "IAM1": _role_trust,
            "IAM2": _resource_policies,
            "IAM3": _public_principals,
            "OO2": _opted_out_number_removal,
            "SIM1": self._simulator_in_production,
        }

    @property
    def name(self) -> str:
        """The plugin name in the CDK validation report (``SmsChecks``)."""
        return PACK_NAME

    def _check_resource(self, node: cdk.CfnResource) -> None:
        for rule in RULES:
            if node.cfn_resource_type in rule.resource_types:
                # jsii declares IApplyRule's members as settable; read-only properties are what it needs at run time.
                self._apply_rule(cast(IApplyRule, _AppliedRule(rule, node, self._checks[rule.suffix])))

    # --- rules that read the pack's settings -----------------------------------------------------------------

    def _keywords(self, node: cdk.CfnResource) -> Compliance:
        keywords = _resolve(node, getattr(node, "mandatory_keywords", None))
        if not isinstance(keywords, Mapping):
            return NagRuleCompliance.NOT_APPLICABLE
        help_text = _message(keywords.get("help"))
        stop_text = _message(keywords.get("stop"))
        findings: list[str] = []
        brands = self._brand_names
        if not brands and help_text is not None:
            prefix = help_text.split(":", 1)[0].strip() if ":" in help_text else ""
            brands = (prefix.lower(),) if 0 < len(prefix) <= 40 and not prefix.isdigit() else ()
        if help_text is not None:
            if not brands or not any(brand in help_text.lower() for brand in brands):
                findings.append("Keyword::HELP::Brand")
            if re.search(r"\bSTOP\b", help_text, re.IGNORECASE) is None:
                findings.append("Keyword::HELP::OptOutInstruction")
            if not _has_contact(help_text):
                findings.append("Keyword::HELP::Contact")
        if stop_text is not None and brands and not any(brand in stop_text.lower() for brand in brands):
            findings.append("Keyword::STOP::Brand")
        return findings

    def _simulator_in_production(self, node: cdk.CfnResource) -> Compliance:
        if not isinstance(node, smsvoice.CfnPhoneNumber):
            return NagRuleCompliance.NOT_APPLICABLE
        if _resolve(node, node.number_type) != "SIMULATOR":
            return NagRuleCompliance.COMPLIANT
        stack = cdk.Stack.of(node)
        tags = {**_tag_aspects(node), **_tag_values(stack), **_tag_values(node)}
        production = any(value.lower() in self._production_tags.get(key.lower(), ()) for key, value in tags.items())
        return NagRuleCompliance.NON_COMPLIANT if production else NagRuleCompliance.COMPLIANT


# --- rules ---------------------------------------------------------------------------------------------------------


def _deletion_protection(node: cdk.CfnResource) -> Compliance:
    value = getattr(node, "deletion_protection_enabled", None)
    enabled = _resolve(node, value)
    if isinstance(enabled, Mapping):
        raise ValueError("DeletionProtectionEnabled is only known at deploy time; acknowledge with the evidence")
    return NagRuleCompliance.COMPLIANT if enabled is True else NagRuleCompliance.NON_COMPLIANT


def _retained(node: cdk.CfnResource) -> Compliance:
    options = node.cfn_options
    kept = (cdk.CfnDeletionPolicy.RETAIN, cdk.CfnDeletionPolicy.RETAIN_EXCEPT_ON_CREATE)
    retained = options.deletion_policy in kept and options.update_replace_policy == cdk.CfnDeletionPolicy.RETAIN
    return NagRuleCompliance.COMPLIANT if retained else NagRuleCompliance.NON_COMPLIANT


def _self_managed_opt_outs(node: cdk.CfnResource) -> Compliance:
    if _resolve(node, getattr(node, "self_managed_opt_outs_enabled", None)) is not True:
        return NagRuleCompliance.COMPLIANT
    if isinstance(node, smsvoice.CfnRcsAgent):
        enabled = _resolve(node, node.two_way_enabled)
        channel = node.two_way_channel_arn
    else:
        two_way = _resolve(node, getattr(node, "two_way", None))
        enabled = two_way.get("enabled") if isinstance(two_way, Mapping) else None
        channel = two_way.get("channelArn") if isinstance(two_way, Mapping) else None
    return NagRuleCompliance.COMPLIANT if enabled is True and channel else NagRuleCompliance.NON_COMPLIANT


def _event_destinations(node: cdk.CfnResource) -> Compliance:
    destinations = _resolve(node, getattr(node, "event_destinations", None)) or []
    if not isinstance(destinations, list):
        raise ValueError("EventDestinations is only known at deploy time; acknowledge with the evidence")
    enabled = [d for d in destinations if isinstance(d, Mapping) and d.get("enabled") is not False]
    return NagRuleCompliance.COMPLIANT if enabled else NagRuleCompliance.NON_COMPLIANT


def _protected_sends(node: cdk.CfnResource) -> Compliance:
    if not isinstance(node, smsvoice.CfnConfigurationSet):
        return NagRuleCompliance.NOT_APPLICABLE
    if node.protect_configuration_id:
        return NagRuleCompliance.COMPLIANT
    stack = cdk.Stack.of(node)
    logical_id = stack.resolve(stack.get_logical_id(node))
    name = _resolve(node, node.configuration_set_name)
    for statement in _identity_statements(stack):
        if _allows_send(statement) and any(
            _names_configuration_set(resource, logical_id, name) for resource in _as_list(statement.get("Resource"))
        ):
            return NagRuleCompliance.NON_COMPLIANT
    return NagRuleCompliance.COMPLIANT


def _role_trust(node: cdk.CfnResource) -> Compliance:
    if not isinstance(node, iam.CfnRole):
        return NagRuleCompliance.NOT_APPLICABLE
    document = _resolve(node, node.assume_role_policy_document)
    return _conditioned(document)


def _resource_policies(node: cdk.CfnResource) -> Compliance:
    document = None
    for attribute in ("policy_document", "key_policy"):
        if hasattr(node, attribute):
            document = _resolve(node, getattr(node, attribute))
    return _conditioned(document)


def _public_principals(node: cdk.CfnResource) -> Compliance:
    """IAM3: a public Allow on a topic or key that the SMS service uses, without a narrowing condition."""
    stack = cdk.Stack.of(node)
    if isinstance(node, sns.CfnTopicPolicy):
        document = _resolve(node, node.policy_document)
        topics = {_logical_id(t) for t in _as_list(_resolve(node, node.topics))}
        used = _has_sms_statement(document) or bool(topics & _sms_topics(stack))
    elif isinstance(node, kms.CfnKey):
        document = _resolve(node, node.key_policy)
        used = _has_sms_statement(document) or stack.resolve(stack.get_logical_id(node)) in _sms_keys(stack)
    else:
        return NagRuleCompliance.NOT_APPLICABLE
    if not used:
        return NagRuleCompliance.NOT_APPLICABLE
    for statement in _statements(document):
        if statement.get("Effect") == "Allow" and _is_public(statement.get("Principal")) and not _narrowed(statement):
            return NagRuleCompliance.NON_COMPLIANT
    return NagRuleCompliance.COMPLIANT


def _opted_out_number_removal(node: cdk.CfnResource) -> Compliance:
    """OO2: the library's opted-out-number resource with ``RemoveOnDelete`` set to true."""
    properties = _resolve(node, node._cfn_properties) or {}
    value = properties.get(REMOVE_ON_DELETE) if isinstance(properties, Mapping) else None
    if value is None:
        return NagRuleCompliance.COMPLIANT
    if isinstance(value, bool):
        return NagRuleCompliance.NON_COMPLIANT if value else NagRuleCompliance.COMPLIANT
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return NagRuleCompliance.NON_COMPLIANT if value.lower() == "true" else NagRuleCompliance.COMPLIANT
    raise ValueError(f"{REMOVE_ON_DELETE} is not a literal 'true' or 'false': {value!r}")


def _is_public(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return "*" in _as_list(principal.get("AWS"))
    return False


def _narrowed(statement: Mapping[str, Any]) -> bool:
    for key in NARROWING_KEYS:
        values = _condition_values(statement, key)
        wild = _is_wild_arn if key.endswith("Arn") else _is_wild_account
        if values and not any(wild(v) for v in values):
            return True
    return False


def _has_sms_statement(document: Any) -> bool:
    for statement in _statements(document):
        principal = statement.get("Principal")
        if isinstance(principal, Mapping) and SMS_VOICE_PRINCIPAL in _as_list(principal.get("Service")):
            return True
    return False


def _logical_id(value: Any) -> Any:
    return value.get("Ref") if isinstance(value, Mapping) else value


def _sms_resources(stack: cdk.Stack) -> Iterator[Any]:
    """The resolved properties of every ``AWS::SMSVOICE`` resource in ``stack``."""
    for construct in stack.node.find_all():
        if isinstance(construct, cdk.CfnResource) and construct.cfn_resource_type.startswith("AWS::SMSVOICE::"):
            yield stack.resolve(construct._cfn_properties)


def _sms_topics(stack: cdk.Stack) -> set[str]:
    """Logical ids of the topics in ``stack`` that an SMS resource names (event destinations, two-way channels) or
    whose topic policy lets the service publish."""
    topics = {str(stack.resolve(stack.get_logical_id(c))) for c in stack.node.find_all() if isinstance(c, sns.CfnTopic)}
    used = {lid for properties in _sms_resources(stack) for lid in topics if _references(properties, lid)}
    for construct in stack.node.find_all():
        if isinstance(construct, sns.CfnTopicPolicy) and _has_sms_statement(stack.resolve(construct.policy_document)):
            used.update(str(_logical_id(t)) for t in _as_list(stack.resolve(construct.topics)))
    return used


def _sms_keys(stack: cdk.Stack) -> set[str]:
    """Logical ids of the keys that encrypt a topic the SMS service uses."""
    keys = {str(stack.resolve(stack.get_logical_id(c))) for c in stack.node.find_all() if isinstance(c, kms.CfnKey)}
    used_topics = _sms_topics(stack)
    used: set[str] = set()
    for construct in stack.node.find_all():
        if isinstance(construct, sns.CfnTopic) and str(stack.resolve(stack.get_logical_id(construct))) in used_topics:
            master_key = stack.resolve(construct.kms_master_key_id)
            used.update(lid for lid in keys if _references(master_key, lid))
    return used


# --- helpers -------------------------------------------------------------------------------------------------------


def _resolve(node: cdk.CfnResource, value: Any) -> Any:
    return cdk.Stack.of(node).resolve(value) if value is not None else None


def _message(keyword: Any) -> str | None:
    """The resolved message of a mandatory keyword, or ``None`` when missing or only known at deploy time."""
    message = keyword.get("message") if isinstance(keyword, Mapping) else None
    return message if isinstance(message, str) else None


def _has_contact(text: str) -> bool:
    url = re.search(r"https?://\S+|\bwww\.\S+|\b[a-z0-9-]+\.[a-z]{2,}(/\S*)?", text, re.IGNORECASE)
    email = re.search(r"\b[^@\s]+@[^@\s]+\.[a-z]{2,}\b", text, re.IGNORECASE)
    phone = re.search(r"\+?\d[\d\s().-]{6,}\d", text)
    return bool(url or email or phone)


def _tag_values(construct: IConstruct) -> dict[str, str]:
    """The tags of a stack (its tag manager) or of an L1 (its ``Tags`` property and its tag manager)."""
    values: dict[str, str] = {}
    tags = getattr(construct, "tags", None)
    if isinstance(tags, cdk.TagManager):
        values.update(tags.tag_values())
    elif isinstance(construct, cdk.CfnResource) and tags is not None:
        for tag in _as_list(cdk.Stack.of(construct).resolve(tags)):
            if isinstance(tag, Mapping) and isinstance(tag.get("key"), str) and isinstance(tag.get("value"), str):
                values[tag["key"]] = tag["value"]
    manager = getattr(construct, "cdk_tag_manager", None)
    if isinstance(manager, cdk.TagManager):
        values.update(manager.tag_values())
    return values


def _tag_aspects(node: IConstruct) -> dict[str, str]:
    """Tags added with ``Tags.of(scope).add(...)`` on the node or its ancestors (applied only at synth time)."""
    values: dict[str, str] = {}
    for scope in node.node.scopes:  # root first: a closer scope wins
        for aspect in cdk.Aspects.of(scope).all:
            if isinstance(aspect, cdk.Tag):
                values[aspect.key] = aspect.value
    return values


def _statements(document: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(document, Mapping):
        for statement in _as_list(document.get("Statement")):
            if isinstance(statement, Mapping):
                yield statement


def _conditioned(document: Any) -> Compliance:
    """NON_COMPLIANT when an Allow statement for sms-voice.amazonaws.com lacks aws:SourceAccount or aws:SourceArn, or
    narrows them only to values that match any account."""
    relevant = False
    for statement in _statements(document):
        principal = statement.get("Principal")
        services = _as_list(principal.get("Service")) if isinstance(principal, Mapping) else []
        if statement.get("Effect") != "Allow" or SMS_VOICE_PRINCIPAL not in services:
            continue
        relevant = True
        accounts = _condition_values(statement, "aws:SourceAccount")
        arns = _condition_values(statement, "aws:SourceArn")
        if not accounts or not arns:
            return NagRuleCompliance.NON_COMPLIANT
        if any(_is_wild_account(value) for value in accounts) or any(_is_wild_arn(value) for value in arns):
            return NagRuleCompliance.NON_COMPLIANT
    return NagRuleCompliance.COMPLIANT if relevant else NagRuleCompliance.NOT_APPLICABLE


#: Condition operators that narrow a statement to the values they list (negations, ``Null`` and ``...IfExists``
#: operators do not: they also match a request without the key).
NARROWING_OPERATORS = frozenset(
    op.lower()
    for op in (
        "StringEquals",
        "StringLike",
        "StringEqualsIgnoreCase",
        "ArnEquals",
        "ArnLike",
        "ForAnyValue:StringEquals",
        "ForAnyValue:StringLike",
        "ForAllValues:StringEquals",
        "ForAllValues:StringLike",
    )
)
#: Condition keys that narrow a public principal to an account, an organization or a source.
NARROWING_KEYS = (
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOwner",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalOrgID",
    "aws:ResourceAccount",
    "kms:CallerAccount",
)
_WILDCARDS = ("*", "?")


def _condition_values(statement: Mapping[str, Any], key: str) -> list[Any]:
    """The values ``statement`` requires for ``key`` under a narrowing operator (empty when it requires none)."""
    values: list[Any] = []
    conditions = statement.get("Condition")
    if not isinstance(conditions, Mapping):
        return values
    for operator, pairs in conditions.items():
        if str(operator).lower() not in NARROWING_OPERATORS or not isinstance(pairs, Mapping):
            continue
        for name, value in pairs.items():
            if str(name).lower() == key.lower():
                values.extend(_as_list(value))
    return values


def _flatten(value: Any) -> str | None:
    """A literal or ``Fn::Join`` value as text, each deploy-time part (``Ref``, ``Fn::GetAtt``...) as ``{token}``;
    ``None`` for a value that is a single deploy-time reference."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        flat = [_flatten(part) for part in parts]
        return str(separator).join(part if part is not None else "{token}" for part in flat)
    return None


def _is_wild_account(value: Any) -> bool:
    text = _flatten(value)
    if text is None:
        return False  # e.g. {"Ref": "AWS::AccountId"}: one account, known at deploy time
    return text == "" or any(w in text for w in _WILDCARDS)


def _is_wild_arn(value: Any) -> bool:
    """True for ``*``, an ARN cut short by a wildcard before its account field, or one with a wildcard account."""
    text = _flatten(value)
    if text is None:
        return False
    fields = text.split(":", 5)
    if len(fields) < 6 or fields[0] != "arn":
        return True
    return _is_wild_account(fields[4])


def _identity_statements(stack: cdk.Stack) -> Iterator[Mapping[str, Any]]:
    """Every statement of the identity-based policies in ``stack`` (policies, managed policies, inline policies)."""
    for construct in stack.node.find_all():
        if isinstance(construct, iam.CfnPolicy | iam.CfnManagedPolicy):
            yield from _statements(stack.resolve(construct.policy_document))
        elif isinstance(construct, iam.CfnRole | iam.CfnUser | iam.CfnGroup):
            for policy in _as_list(stack.resolve(construct.policies)):
                if isinstance(policy, Mapping):
                    yield from _statements(policy.get("policyDocument") or policy.get("PolicyDocument"))


def _allows_send(statement: Mapping[str, Any]) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    actions = [a.lower() for a in _as_list(statement.get("Action")) if isinstance(a, str)]
    return any(fnmatch.fnmatchcase("sms-voice:sendtextmessage", action) for action in actions)


def _names_configuration_set(resource: Any, logical_id: Any, name: Any) -> bool:
    """Whether a policy ``Resource`` covers the configuration set (a reference to it, its name, or a wildcard)."""
    if isinstance(resource, str):
        if resource == "*":
            return True
        match = re.search(r":configuration-set/(.+)$", resource)
        if match is not None:
            return isinstance(name, str) and fnmatch.fnmatchcase(name, match.group(1))
        return False
    return _references(resource, logical_id) or (
        isinstance(name, str) and _mentions(resource, f"configuration-set/{name}")
    )


def _references(value: Any, logical_id: Any) -> bool:
    if isinstance(value, Mapping):
        if value.get("Ref") == logical_id:
            return True
        attribute = value.get("Fn::GetAtt")
        if isinstance(attribute, list) and attribute and attribute[0] == logical_id:
            return True
        return any(_references(item, logical_id) for item in value.values())
    if isinstance(value, list):
        return any(_references(item, logical_id) for item in value)
    return False


def _mentions(value: Any, text: str) -> bool:
    if isinstance(value, str):
        return text in value
    if isinstance(value, Mapping):
        return any(_mentions(item, text) for item in value.values())
    if isinstance(value, list):
        parts = [item for item in value if isinstance(item, str)]
        return any(_mentions(item, text) for item in value) or text in "".join(parts)
    return False


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


__all__ = ["DEFAULT_PRODUCTION_TAGS", "PACK_NAME", "RULES", "SmsChecks", "SmsRule"]
