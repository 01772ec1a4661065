"""SmsSendQueue and SmsRetry guards of issue 9: prop types, Regions, pacing that cannot hold, one SmsRetry per
configuration set (the send queue's own), VPC placement, and narrow acknowledgements."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_ec2 as ec2
import aws_cdk.aws_iam as iam
import pytest
from aws_cdk.assertions import Annotations, Match, Template

from sms_constructs._private.errors import ValidationError
from sms_constructs.patterns._guards import MPS_ABOVE_IDENTITY_WARNING, SHARED_IDENTITY_MPS_WARNING
from sms_constructs.patterns.retry import SmsRetry
from sms_constructs.patterns.send_queue import SmsSendQueue
from sms_constructs.resources.common import NumberCapability, NumberType
from sms_constructs.resources.configuration_set import ConfigurationSet
from sms_constructs.resources.phone_number import PhoneNumber
from sms_constructs.resources.pool import Pool
from sms_constructs.resources.sender_id import SenderId
from tests.compliance.gates import nag_violations
from tests.conftest import ENV, cdk_json_context
from tests.patterns.conftest import KEYWORDS, build, logical_id

CONFIG_ARN = "arn:aws:sms-voice:us-east-1:111122223333:configuration-set/acme"


def _number(stack: cdk.Stack, id: str, number_type: NumberType, country: str = "US") -> PhoneNumber:
    return PhoneNumber(
        stack,
        id,
        iso_country_code=country,
        number_type=number_type,
        capabilities=[NumberCapability.SMS],
        keywords=KEYWORDS,
    )


def _warnings(stack: cdk.Stack, warning_id: str) -> list[Any]:
    return Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp(warning_id))


# --- types jsii would reject without naming the prop ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prop", "value", "rule"),
    [
        ("max_price", 0.5, r"must be a string of USD such as '0\.50' .*not float; write '0\.5'"),
        ("max_parts_per_second", "3", "must be a number, not str"),
        ("batch_size", "5", "must be a number, not str"),
        ("max_concurrency", "4", "must be a number, not str"),
        ("max_receive_count", "10", "must be a number, not str"),
        ("time_to_live", 3600, r"must be a cdk\.Duration \(e\.g\. Duration\.hours\(1\)\), not int"),
        ("message_retention", "14d", r"must be a cdk\.Duration .*not str"),
    ],
)
def test_fails_props_of_the_wrong_type_with_the_prop_named(stack: cdk.Stack, prop: str, value: Any, rule: str) -> None:
    with pytest.raises(ValidationError, match=rf"^TestStack/Send: invalid '{prop}': {rule}"):
        build(stack, **{prop: value})


# --- Regions ------------------------------------------------------------------------------------------------------


def test_fails_configuration_set_of_another_region(stack: cdk.Stack) -> None:
    other = ConfigurationSet.from_configuration_set_arn(
        stack, "Other", "arn:aws:sms-voice:eu-west-1:111122223333:configuration-set/acme"
    )
    with pytest.raises(
        ValidationError,
        match=r"^TestStack/Send: invalid 'configuration_set': must be in the same Region as this stack \(us-east-1\); "
        r"it is in eu-west-1; received 'TestStack/Other'$",
    ):
        build(stack, configuration_set=other)


def test_fails_origination_identity_of_another_region(stack: cdk.Stack) -> None:
    pool = Pool.from_pool_arn(stack, "Remote", "arn:aws:sms-voice:eu-west-1:111122223333:pool/pool-123")
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    with pytest.raises(ValidationError, match=r"invalid 'origination_identity': must be in the same Region"):
        SmsSendQueue(stack, "Send", origination_identity=pool, configuration_set=config, max_parts_per_second=1)


def test_environment_agnostic_stack_warns_once_per_unchecked_region() -> None:
    app = cdk.App(context=cdk_json_context())
    stack = cdk.Stack(app, "Agnostic")
    config = ConfigurationSet.from_configuration_set_arn(stack, "Config", CONFIG_ARN)
    pool = Pool.from_pool_arn(stack, "Pool", "arn:aws:sms-voice:us-east-1:111122223333:pool/pool-123")
    SmsSendQueue(stack, "Send", origination_identity=pool, configuration_set=config, max_parts_per_second=1)
    warnings = _warnings(stack, "sms-constructs:RegionNotChecked")
    texts = sorted(str(w.entry.data) for w in warnings)
    assert [w.id for w in warnings] == ["/Agnostic/Send", "/Agnostic/Send"]
    assert texts[0].startswith("'configuration_set' (Agnostic/Config) must be in this stack's Region")
    assert texts[1].startswith("'origination_identity' (Agnostic/Pool) must be in this stack's Region")
    assert all(text.endswith("[ack: sms-constructs:RegionNotChecked]") for text in texts)


# --- pacing that cannot hold ----------------------------------------------------------------------------------------


def test_warns_queue_faster_than_a_toll_free_number(stack: cdk.Stack) -> None:
    number = _number(stack, "TollFree", NumberType.TOLL_FREE)
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    SmsSendQueue(stack, "Send", origination_identity=number, configuration_set=config, max_parts_per_second=5)
    [warning] = _warnings(stack, MPS_ABOVE_IDENTITY_WARNING)
    assert warning.id == "/TestStack/Send"
    assert (
        "max_parts_per_second=5 is above the default MPS of the origination identity: 3 "
        "(TestStack/TollFree is a US toll-free number: 3 MPS by default)"
    ) in str(warning.entry.data)


@pytest.mark.parametrize(
    ("build_identity", "mps", "warned"),
    [
        (lambda s: _number(s, "TollFree", NumberType.TOLL_FREE), 3, False),
        (lambda s: _number(s, "TenDlc", NumberType.TEN_DLC), 1.5, True),
        (lambda s: _number(s, "Canada", NumberType.LONG_CODE, "CA"), 2, True),
        (lambda s: _number(s, "German", NumberType.LONG_CODE, "DE"), 10, False),
        (lambda s: _number(s, "Simulator", NumberType.SIMULATOR), 50, False),  # no documented rate: not checked
        (lambda s: SenderId(s, "Sender", sender_id="ACME", iso_country_code="DE"), 12, True),
        (
            lambda s: PhoneNumber.from_phone_number_arn(
                s, "Short", "arn:aws:sms-voice:us-east-1:111122223333:phone-number/phone-abc"
            ),
            100,
            False,
        ),
    ],
    ids=[
        "toll-free-at-3",
        "10dlc-at-1.5",
        "ca-long-code-at-2",
        "de-long-code-at-10",
        "simulator",
        "sender-id-at-12",
        "import",
    ],
)
def test_default_mps_of_each_identity_kind(stack: cdk.Stack, build_identity: Any, mps: float, warned: bool) -> None:
    identity = build_identity(stack)
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    SmsSendQueue(stack, "Send", origination_identity=identity, configuration_set=config, max_parts_per_second=mps)
    assert bool(_warnings(stack, MPS_ABOVE_IDENTITY_WARNING)) is warned


def test_a_pool_holds_the_rate_of_its_slowest_member(stack: cdk.Stack) -> None:
    pool = Pool(
        stack,
        "Pool",
        origination_identities=[
            _number(stack, "TollFree", NumberType.TOLL_FREE),
            _number(stack, "TenDlc", NumberType.TEN_DLC),
        ],
        keywords=KEYWORDS,
    )
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    SmsSendQueue(stack, "Send", origination_identity=pool, configuration_set=config, max_parts_per_second=2)
    [warning] = _warnings(stack, MPS_ABOVE_IDENTITY_WARNING)
    assert "default MPS of the origination identity: 1 (TestStack/Pool is a pool" in str(warning.entry.data)
    assert "TestStack/TenDlc is a US 10DLC number" in str(warning.entry.data)


def test_warns_two_queues_whose_rates_add_above_the_identity(stack: cdk.Stack) -> None:
    number = _number(stack, "TollFree", NumberType.TOLL_FREE)
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    SmsSendQueue(stack, "Otp", origination_identity=number, configuration_set=config, max_parts_per_second=2)
    SmsSendQueue(stack, "Alerts", origination_identity=number, configuration_set=config, max_parts_per_second=2)
    assert _warnings(stack, MPS_ABOVE_IDENTITY_WARNING) == []
    [warning] = _warnings(stack, SHARED_IDENTITY_MPS_WARNING)
    assert warning.id == "/TestStack/Alerts"
    text = str(warning.entry.data)
    assert "this send queue (2 MPS) and TestStack/Otp (2 MPS) send through the same origination identity" in text
    assert "4 MPS together, above its default MPS of 3" in text
    assert "Each send queue paces on its own schedule" in text


def test_two_queues_within_the_identity_rate_do_not_warn(stack: cdk.Stack) -> None:
    number = _number(stack, "TollFree", NumberType.TOLL_FREE)
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    SmsSendQueue(stack, "Otp", origination_identity=number, configuration_set=config, max_parts_per_second=1)
    SmsSendQueue(stack, "Alerts", origination_identity=number, configuration_set=config, max_parts_per_second=2)
    assert _warnings(stack, "SendQueue") == []


# --- SmsRetry: the send queue's own, owned configuration set, once --------------------------------------------------


def test_retry_defaults_to_the_send_queue_configuration_set(stack: cdk.Stack) -> None:
    _, config, queue = build(stack)
    retry = SmsRetry(stack, "Retry", send_queue=queue)
    assert [d.event_destination_name for d in config.event_destinations] == ["RetryRetryEvents"]
    assert retry.event_destination is config.event_destinations[0]


def test_fails_retry_with_another_configuration_set(stack: cdk.Stack) -> None:
    _, _, queue = build(stack)
    other = ConfigurationSet(stack, "Other", configuration_set_name="other")
    with pytest.raises(
        ValidationError,
        match=r"^TestStack/Retry: invalid 'configuration_set': must be the send queue's configuration set "
        r"\(TestStack/Config\): .*received 'TestStack/Other'$",
    ):
        SmsRetry(stack, "Retry", send_queue=queue, configuration_set=other)


def test_fails_retry_of_a_send_queue_with_an_imported_configuration_set(stack: cdk.Stack) -> None:
    imported = ConfigurationSet.from_configuration_set_name(stack, "Imported", "acme")
    _, _, queue = build(stack, configuration_set=imported)
    with pytest.raises(
        ValidationError,
        match=r"^TestStack/Retry: invalid 'configuration_set': SmsRetry adds an event destination, which "
        r"CloudFormation keeps inside the AWS::SMSVOICE::ConfigurationSet resource",
    ):
        SmsRetry(stack, "Retry", send_queue=queue)


def test_fails_two_retries_on_one_configuration_set(stack: cdk.Stack) -> None:
    _, _, queue = build(stack)
    SmsRetry(stack, "Retry", send_queue=queue)
    with pytest.raises(
        ValidationError,
        match=r"^TestStack/Again: invalid 'configuration_set': TestStack/Config already has a SmsRetry "
        r"\(TestStack/Retry\); a second one would resend every failed message twice",
    ):
        SmsRetry(stack, "Again", send_queue=queue)


# --- VPC placement (AWS Control Tower CT.LAMBDA.PR.3) ---------------------------------------------------------------


def _vpc(stack: cdk.Stack) -> ec2.IVpc:
    return ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["us-east-1a", "us-east-1b"],
        private_subnet_ids=["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    )


def test_sender_and_retry_function_run_in_a_vpc_when_given(stack: cdk.Stack) -> None:
    vpc = _vpc(stack)
    _, _, queue = build(stack, vpc=vpc)
    retry = SmsRetry(stack, "Retry", send_queue=queue, vpc=vpc)
    template = Template.from_stack(stack)
    functions = template.find_resources("AWS::Lambda::Function")
    for function in (queue.function, retry.function):
        resource = functions[logical_id(stack, function)]
        config = resource["Properties"]["VpcConfig"]
        assert config["SubnetIds"] == ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
        assert len(config["SecurityGroupIds"]) == 1
        # Lambda checks the network-interface permissions when it creates the function: it waits for them.
        network_policies = [d for d in resource["DependsOn"] if "NetworkPolicy" in d]
        assert len(network_policies) == 1
        [policy] = [template.find_resources("AWS::IAM::Policy")[network_policies[0]]]
        assert policy["Properties"]["PolicyDocument"]["Statement"] == [
            {
                "Action": [
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:CreateNetworkInterface",
                    "ec2:DeleteNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSubnets",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                "Effect": "Allow",
                "Resource": "*",
            }
        ]
        assert "cdk-validator-cfnguard::lambda_inside_vpc_check" not in str(function.node.metadata)


def test_functions_outside_a_vpc_acknowledge_the_control_tower_rule(stack: cdk.Stack) -> None:
    _, _, queue = build(stack)
    assert "cdk-validator-cfnguard::lambda_inside_vpc_check" in str(queue.function.node.metadata)


@pytest.mark.parametrize("prop", ["vpc_subnets", "security_groups"])
def test_fails_network_props_without_a_vpc(stack: cdk.Stack, prop: str) -> None:
    value: Any = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS) if prop == "vpc_subnets" else []
    with pytest.raises(ValidationError, match=rf"^TestStack/Send: invalid '{prop}': needs 'vpc'"):
        build(stack, **{prop: value})


# --- narrow acknowledgements ----------------------------------------------------------------------------------------


def test_the_xray_acknowledgement_does_not_cover_another_wildcard_of_the_role() -> None:
    app = cdk.App(context=cdk_json_context())
    stack = cdk.Stack(app, "TestStack", env=ENV)
    _, _, queue = build(stack, validate_numbers=True)
    assert nag_violations(app) == []
    queue.function.add_to_role_policy(iam.PolicyStatement(actions=["sqs:ListQueues"], resources=["*"]))
    [violation] = nag_violations(app)
    assert violation.startswith("AwsSolutions-IAM5[Resource::*]")
    assert violation.endswith("at TestStack/Send/SenderRole/DefaultPolicy/Resource")


def test_the_sender_waits_for_its_carrier_lookup_and_tracing_policies(stack: cdk.Stack) -> None:
    _, _, queue = build(stack, validate_numbers=True)
    [function] = [
        f
        for logical, f in Template.from_stack(stack).find_resources("AWS::Lambda::Function").items()
        if logical == logical_id(stack, queue.function)
    ]
    waits_for = function["DependsOn"]
    assert any(d.startswith("SendCarrierLookupPolicy") for d in waits_for), waits_for
    assert any(d.startswith("SendSenderTracingPolicy") for d in waits_for), waits_for
    assert function["Properties"]["TracingConfig"] == {"Mode": "Active"}
