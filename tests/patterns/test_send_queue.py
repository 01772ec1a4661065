"""SmsSendQueue: every resource, the ESM settings, least-privilege IAM, grants, metrics and validation."""

from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_lambda as lambda_
import pytest
from aws_cdk.assertions import Annotations, Match, Template
from sms_constructs_runtime.settings import (
    TRACE_SDK_CALLS_VARIABLE,
    RetryMetric,
    RetrySettings,
    SenderMetric,
    SenderSettings,
)

from sms_constructs._private.errors import ValidationError
from sms_constructs.patterns.retry import SmsRetry
from sms_constructs.patterns.send_queue import (
    SmsSendQueue,
    default_batch_size,
    default_max_concurrency,
    sender_timeout,
)
from sms_constructs.resources.common import MessageType
from tests.conftest import REPO_ROOT
from tests.patterns.conftest import (
    LOG_GROUP_ARN_PREFIX,
    build,
    function_environment,
    log_group_stems,
    logical_id,
    policies_of,
)

# -- SmsSendQueue -------------------------------------------------------------------------------------------------


def test_queue_is_kms_encrypted_tls_only_with_a_dlq(synthesized: Any) -> None:
    stack, template, queue, _ = synthesized
    key, dlq = logical_id(stack, queue.encryption_key), logical_id(stack, queue.dead_letter_queue)
    template.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "KmsMasterKeyId": {"Fn::GetAtt": [key, "Arn"]},
            "VisibilityTimeout": 6 * 110,
            "MessageRetentionPeriod": 4 * 86400,
            "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": [dlq, "Arn"]}, "maxReceiveCount": 10},
        },
    )
    template.has_resource_properties(
        "AWS::SQS::Queue", {"KmsMasterKeyId": {"Fn::GetAtt": [key, "Arn"]}, "MessageRetentionPeriod": 14 * 86400}
    )
    template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "Queues": [{"Ref": logical_id(stack, queue.queue)}],
            "PolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}, "Action": "sqs:*"}
                    )
                ]
            },
        },
    )
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


def test_message_store_table(synthesized: Any) -> None:
    stack, template, queue, _ = synthesized
    template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "Properties": {
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                "BillingMode": "PAY_PER_REQUEST",
                "SSESpecification": {
                    "SSEEnabled": True,
                    "SSEType": "KMS",
                    "KMSMasterKeyId": {"Fn::GetAtt": [logical_id(stack, queue.encryption_key), "Arn"]},
                },
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "TimeToLiveSpecification": {"AttributeName": "expiration", "Enabled": True},
                "DeletionProtectionEnabled": True,
            },
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_sender_function(synthesized: Any) -> None:
    stack, template, queue, _ = synthesized
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "sender.handler.main",
            "Runtime": "python3.14",
            "Architectures": ["arm64"],
            "MemorySize": 256,
            "Timeout": 110,
            "ReservedConcurrentExecutions": 2,
            "TracingConfig": {"Mode": "Active"},
            "KmsKeyArn": {"Fn::GetAtt": [logical_id(stack, queue.encryption_key), "Arn"]},
            "LoggingConfig": {
                "LogFormat": "JSON",
                "ApplicationLogLevel": "INFO",
                "SystemLogLevel": "WARN",
                "LogGroup": {"Ref": logical_id(stack, queue.log_group)},
            },
            "Layers": [{"Ref": Match.string_like_regexp("SsmParameterValueawsservicepowertoolspythonarm64python314")}],
            "Environment": {
                "Variables": {
                    "SMS_TABLE_NAME": {"Ref": logical_id(stack, queue.table)},
                    "SMS_QUEUE_URL": {"Ref": logical_id(stack, queue.queue)},
                    "SMS_ORIGINATION_IDENTITY": {"Fn::GetAtt": [Match.string_like_regexp("^Pool"), "Arn"]},
                    "SMS_CONFIGURATION_SET_NAME": {"Ref": Match.string_like_regexp("^Config")},
                    "SMS_MAX_PARTS_PER_SECOND": "3",
                    "SMS_RETENTION_SECONDS": str(14 * 86400),
                    "SMS_MESSAGE_TYPE": "TRANSACTIONAL",
                    "SMS_TIME_TO_LIVE_SECONDS": "259200",
                    "SMS_MAX_PRICE": "0.50",
                    "SMS_VALIDATE_NUMBERS": "false",
                    "SMS_NUMBER_CACHE_TTL_SECONDS": str(30 * 86400),
                    "POWERTOOLS_SERVICE_NAME": queue.service_name,
                    "POWERTOOLS_METRICS_NAMESPACE": "SmsConstructs",
                }
            },
        },
    )
    template.has_parameter(
        "*",
        {
            "Type": "AWS::SSM::Parameter::Value<String>",
            "Default": "/aws/service/powertools/python/arm64/python3.14/latest",
        },
    )
    template.has_resource(
        "AWS::Logs::LogGroup",
        {
            "Properties": {
                "RetentionInDays": 365,
                "KmsKeyId": {"Fn::GetAtt": [logical_id(stack, queue.encryption_key), "Arn"]},
            },
            "DeletionPolicy": "RetainExceptOnCreate",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_key_policy_lets_cloudwatch_logs_encrypt_only_the_library_log_groups(synthesized: Any) -> None:
    stack, template, queue, _ = synthesized
    key_id = logical_id(stack, queue.encryption_key)
    stems = log_group_stems(template, key_id)
    # The sender's and the retry function's log groups (the retry uses the send queue's key by default).
    assert stems == [
        "/sms-constructs/TestStack-Retry-74E03803-FunctionLogGroup/",
        "/sms-constructs/TestStack-Send-1BFD0D06-SenderLogGroup/",
    ]
    [key] = [k for logical, k in template.find_resources("AWS::KMS::Key").items() if logical == key_id]
    [statement] = [
        s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid") == "AllowCloudWatchLogsEncryption"
    ]
    assert statement["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert set(statement["Condition"]) == {"ArnLike"}
    assert sorted(statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]) == [
        f"{LOG_GROUP_ARN_PREFIX}{stem}*" for stem in stems
    ]


def test_key_policy_denies_grants_not_made_by_aws_services(synthesized: Any) -> None:
    stack, template, queue, retry = synthesized
    for key in (queue.encryption_key, retry.topic_key):
        [resource] = [
            k for logical, k in template.find_resources("AWS::KMS::Key").items() if logical == logical_id(stack, key)
        ]
        assert {
            "Sid": "DenyGrantsUnlessForAwsServices",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "kms:CreateGrant",
            "Resource": "*",
            "Condition": {"BoolIfExists": {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}},
        } in resource["Properties"]["KeyPolicy"]["Statement"]


def test_event_source_mapping_follows_the_mps(synthesized: Any) -> None:
    stack, template, queue, _ = synthesized
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "EventSourceArn": {"Fn::GetAtt": [logical_id(stack, queue.queue), "Arn"]},
            "FunctionName": {"Ref": logical_id(stack, queue.function)},
            "BatchSize": 10,
            "ScalingConfig": {"MaximumConcurrency": 2},
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        },
    )


@pytest.mark.parametrize(
    ("mps", "concurrency", "batch", "timeout"),
    [(0.1, 2, 3, 750), (1, 2, 10, 270), (3, 2, 10, 110), (10, 5, 10, 90), (100, 50, 10, 90), (1000, 500, 10, 90)],
)
def test_sizing_rules(mps: float, concurrency: int, batch: int, timeout: int) -> None:
    assert default_max_concurrency(mps) == concurrency
    assert default_batch_size(mps, concurrency) == batch
    assert sender_timeout(mps, concurrency, batch).to_seconds() == timeout


def test_sender_iam_is_least_privilege(synthesized: Any) -> None:
    stack, template, queue, _ = synthesized
    key = {"Fn::GetAtt": [logical_id(stack, queue.encryption_key), "Arn"]}
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": Match.string_like_regexp("^SendSenderRole")}],
            "PolicyDocument": {
                "Statement": Match.array_equals(
                    [
                        {
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                            "Effect": "Allow",
                            "Resource": {"Fn::GetAtt": [logical_id(stack, queue.log_group), "Arn"]},
                        },
                        {  # SendMessage: a held send is re-enqueued as a new message on its own queue
                            "Action": [
                                "sqs:ChangeMessageVisibility",
                                "sqs:DeleteMessage",
                                "sqs:GetQueueAttributes",
                                "sqs:GetQueueUrl",
                                "sqs:ReceiveMessage",
                                "sqs:SendMessage",
                            ],
                            "Effect": "Allow",
                            "Resource": {"Fn::GetAtt": [logical_id(stack, queue.queue), "Arn"]},
                        },
                        {
                            "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
                            "Effect": "Allow",
                            "Resource": key,
                        },
                        {
                            "Action": [
                                "dynamodb:DeleteItem",
                                "dynamodb:GetItem",
                                "dynamodb:PutItem",
                                "dynamodb:UpdateItem",
                            ],
                            "Effect": "Allow",
                            "Resource": {"Fn::GetAtt": [logical_id(stack, queue.table), "Arn"]},
                        },
                        {  # the sender can send only through its identity and configuration set
                            "Action": "sms-voice:SendTextMessage",
                            "Effect": "Allow",
                            "Resource": [
                                {"Fn::GetAtt": [Match.string_like_regexp("^Config"), "Arn"]},
                                {"Fn::GetAtt": [Match.string_like_regexp("^Pool"), "Arn"]},
                            ],
                        },
                    ]
                )
            },
        },
    )


def test_sender_role_has_no_managed_policy(synthesized: Any) -> None:
    _, template, _, _ = synthesized
    for role in template.find_resources("AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]


def send_statements(stack: cdk.Stack, queue: SmsSendQueue) -> list[dict[str, Any]]:
    """What grant_send adds: sqs:SendMessage on the queue, and the two KMS actions SQS encryption asks of a producer."""
    return [
        {
            "Action": "sqs:SendMessage",
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [logical_id(stack, queue.queue), "Arn"]},
        },
        {
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [logical_id(stack, queue.encryption_key), "Arn"]},
        },
    ]


def test_grant_send_gives_producers_send_message_and_the_key_only(stack: cdk.Stack) -> None:
    _, _, queue = build(stack)
    producer = iam.Role(stack, "Producer", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    queue.grant_send(producer)
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": stack.get_logical_id(producer.node.default_child)}],  # type: ignore[arg-type]
            "PolicyDocument": {"Statement": send_statements(stack, queue)},
        },
    )


def producer_function(stack: cdk.Stack, id: str = "Producer", runtime: Any = None) -> lambda_.Function:
    return lambda_.Function(
        stack,
        id,
        runtime=runtime or lambda_.Runtime.PYTHON_3_13,
        handler="app.main",
        code=lambda_.Code.from_inline("def main(event, context):\n    return None\n"),
    )


def test_queue_url_and_arn_are_the_queues(stack: cdk.Stack) -> None:
    _, _, queue = build(stack)
    assert stack.resolve(queue.queue_url) == {"Ref": logical_id(stack, queue.queue)}
    assert stack.resolve(queue.queue_arn) == {"Fn::GetAtt": [logical_id(stack, queue.queue), "Arn"]}


def test_add_producer_grants_sets_the_queue_url_and_adds_the_runtime_layer(stack: cdk.Stack) -> None:
    _, _, queue = build(stack)
    first, second = producer_function(stack), producer_function(stack, "Other", lambda_.Runtime.PYTHON_3_11)
    grant = queue.add_producer(first)
    queue.add_producer(second)
    assert grant.success
    template = Template.from_stack(stack)
    [layer_id] = template.find_resources("AWS::Lambda::LayerVersion")  # one layer per stack, shared
    layer = template.find_resources("AWS::Lambda::LayerVersion")[layer_id]["Properties"]
    assert layer["CompatibleRuntimes"] == ["python3.11", "python3.12", "python3.13", "python3.14"]
    assert sorted(layer["CompatibleArchitectures"]) == ["arm64", "x86_64"]
    for function in (first, second):
        properties = template.find_resources("AWS::Lambda::Function")[logical_id(stack, function)]["Properties"]
        assert properties["Environment"]["Variables"] == {"SMS_SEND_QUEUE_URL": {"Ref": logical_id(stack, queue.queue)}}
        assert properties["Layers"] == [{"Ref": layer_id}]
        role = properties["Role"]["Fn::GetAtt"][0]
        [policy] = [
            p["Properties"]["PolicyDocument"]["Statement"]
            for p in template.find_resources("AWS::IAM::Policy").values()
            if p["Properties"]["Roles"] == [{"Ref": role}]
        ]
        assert policy == send_statements(stack, queue)


def test_the_runtime_layer_holds_the_runtime_package_under_python(app: cdk.App, stack: cdk.Stack) -> None:
    _, _, queue = build(stack)
    queue.add_producer(producer_function(stack))
    assembly = app.synth()
    assets = json.loads(Path(assembly.directory, "TestStack.assets.json").read_text())["files"]
    [layer_asset] = [
        a
        for a in assets.values()
        if a["source"]["packaging"] == "zip" and "python" in os.listdir(Path(assembly.directory, a["source"]["path"]))
    ]
    root = Path(assembly.directory, layer_asset["source"]["path"])
    packaged = {p.relative_to(root).as_posix() for p in root.rglob("*.py")}
    expected = {
        f"python/sms_constructs_runtime/{p.name}"
        for p in (REPO_ROOT / "lambda" / "sms_constructs_runtime").glob("*.py")
    }
    assert packaged == expected
    assert (root / "python" / "sms_constructs_runtime" / "contract.schema.json").exists()
    assert not list(root.rglob("__pycache__"))


@pytest.mark.parametrize(
    ("function", "match"),
    [
        ("imported", "must be a lambda_.Function of this app"),
        ("node", r"must run on Python 3.11 or newer .*nodejs22.x"),
        ("python3.10", r"must run on Python 3.11 or newer .*python3.10"),
        ("wired", "is already the producer of a send queue"),
    ],
)
def test_fails_to_add_a_producer_the_one_call_cannot_wire(stack: cdk.Stack, function: str, match: str) -> None:
    _, _, queue = build(stack)
    other = SmsSendQueue(
        stack,
        "OtherSend",
        origination_identity=queue.origination_identity,
        configuration_set=queue.configuration_set,
        max_parts_per_second=1,
    )
    if function == "imported":
        target: Any = lambda_.Function.from_function_arn(
            stack, "Imported", "arn:aws:lambda:us-east-1:111122223333:function:producer"
        )
    elif function == "node":
        target = lambda_.Function(
            stack,
            "Node",
            runtime=lambda_.Runtime.NODEJS_22_X,
            handler="index.main",
            code=lambda_.Code.from_inline("exports.main = async () => null;"),
        )
    elif function == "python3.10":
        target = producer_function(stack, "Old", lambda_.Runtime.PYTHON_3_10)
    else:
        target = producer_function(stack)
        other.add_producer(target)
    with pytest.raises(ValidationError, match=f"TestStack/Send: invalid 'function': {match}"):
        queue.add_producer(target)


def test_grant_read_outcomes(stack: cdk.Stack) -> None:
    _, _, queue = build(stack)
    reader = iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    queue.grant_read_outcomes(reader)
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": stack.get_logical_id(reader.node.default_child)}],  # type: ignore[arg-type]
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": ["dynamodb:GetItem", "dynamodb:Query"],
                        "Effect": "Allow",
                        "Resource": {"Fn::GetAtt": [logical_id(stack, queue.table), "Arn"]},
                    },
                    {
                        "Action": ["kms:Decrypt", "kms:DescribeKey"],
                        "Effect": "Allow",
                        "Resource": {"Fn::GetAtt": [logical_id(stack, queue.encryption_key), "Arn"]},
                    },
                ]
            },
        },
    )


def test_validate_numbers_adds_carrier_lookup_and_props_reach_the_environment(stack: cdk.Stack) -> None:
    build(
        stack,
        max_parts_per_second=100,
        validate_numbers=True,
        message_type=MessageType.PROMOTIONAL,
        time_to_live=cdk.Duration.minutes(10),
        max_price="0.05",
        max_concurrency=20,
        batch_size=5,
    )
    template = Template.from_stack(stack)
    # CarrierLookup can only be granted on "*": in a policy of its own, next to the X-Ray one (never merged).
    wildcards = {
        logical: statements
        for logical, statements in policies_of(template, "SendSenderRole").items()
        if not logical.startswith("SendSenderRoleDefaultPolicy")
    }
    assert sorted(wildcards.values(), key=str) == [
        [{"Action": "sms-voice:CarrierLookup", "Effect": "Allow", "Resource": "*"}],
        [{"Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], "Effect": "Allow", "Resource": "*"}],
    ]
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "ReservedConcurrentExecutions": 20,
            "Environment": {
                "Variables": Match.object_like(
                    {
                        "SMS_VALIDATE_NUMBERS": "true",
                        "SMS_MESSAGE_TYPE": "PROMOTIONAL",
                        "SMS_TIME_TO_LIVE_SECONDS": "600",
                        "SMS_MAX_PRICE": "0.05",
                        "SMS_MAX_PARTS_PER_SECOND": "100",
                    }
                )
            },
        },
    )
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping", {"BatchSize": 5, "ScalingConfig": {"MaximumConcurrency": 20}}
    )


def test_sdk_tracing_is_off_by_default_and_one_prop_turns_it_on(stack: cdk.Stack, synthesized: Any) -> None:
    """Active tracing always; the X-Ray SDK's subsegments (and its ~110 ms of cold start) only when asked for."""

    def traced(template: Template) -> set[str]:
        functions = template.find_resources("AWS::Lambda::Function").values()
        for function in functions:
            assert function["Properties"]["TracingConfig"] == {"Mode": "Active"}
        return {
            f["Properties"]["Handler"]
            for f in functions
            if f["Properties"].get("Environment", {}).get("Variables", {}).get(TRACE_SDK_CALLS_VARIABLE) == "true"
        }

    assert traced(synthesized[1]) == set()
    _, config, queue = build(stack, trace_sdk_calls=True)
    SmsRetry(stack, "Retry", send_queue=queue, configuration_set=config, trace_sdk_calls=True)
    assert traced(Template.from_stack(stack)) == {"sender.handler.main", "retry.handler.main"}


def test_metrics(synthesized: Any) -> None:
    _stack, _, queue, retry = synthesized
    metric = queue.metric_message_parts_sent()
    assert (metric.namespace, metric.metric_name, metric.statistic) == ("SmsConstructs", "MessagePartsSent", "Sum")
    assert metric.dimensions == {"service": queue.service_name}
    assert queue.metric_messages_rejected().metric_name == "MessagesRejected"
    assert queue.metric_dead_letter_messages().metric_name == "ApproximateNumberOfMessagesVisible"
    assert queue.metric_oldest_message_age().metric_name == "ApproximateAgeOfOldestMessage"
    assert retry.metric_final_failures().dimensions == {"service": retry.service_name}
    assert retry.metric_dead_letter_messages().statistic == "Maximum"
    for name in SenderMetric.ALL:  # every metric the sender publishes can be asked for by name
        assert queue.metric(name).metric_name == name
    for name in RetryMetric.ALL:
        assert retry.metric(name).metric_name == name


def test_fails_on_a_metric_the_handlers_never_publish(synthesized: Any) -> None:
    _, _, queue, retry = synthesized
    with pytest.raises(ValidationError, match="TestStack/Send: invalid 'metric_name': must be one of MessagesSent"):
        queue.metric("ConfigurationSendFailures")
    with pytest.raises(
        ValidationError, match="TestStack/Retry: invalid 'metric_name': must be one of RetriesScheduled"
    ):
        retry.metric("MessagesSent")


@pytest.mark.parametrize(
    ("props", "match"),
    [
        ({"max_parts_per_second": 0}, "max_parts_per_second"),
        ({"max_parts_per_second": 5000}, "max_parts_per_second"),
        ({"max_concurrency": 1}, "max_concurrency"),
        ({"max_concurrency": 1001}, "max_concurrency"),
        ({"max_concurrency": 2.5}, "max_concurrency"),
        ({"batch_size": 11}, "batch_size"),
        ({"max_price": "1"}, "max_price"),
        ({"max_price": "100.0"}, "max_price"),
        ({"time_to_live": cdk.Duration.seconds(4)}, "time_to_live"),
        ({"time_to_live": cdk.Duration.hours(73)}, "time_to_live"),
        ({"message_retention": cdk.Duration.hours(23)}, "message_retention"),
        ({"number_lookup_cache_ttl": cdk.Duration.minutes(59)}, "number_lookup_cache_ttl"),
        ({"max_receive_count": 2}, "max_receive_count"),
    ],
)
def test_fails_on_invalid_send_queue_props(stack: cdk.Stack, props: dict[str, Any], match: str) -> None:
    with pytest.raises(ValidationError, match=f"TestStack/Send: invalid '{match}'"):
        build(stack, **props)


# -- the constructs and the handlers agree ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("handler", "settings"), [("sender.handler.main", SenderSettings), ("retry.handler.main", RetrySettings)]
)
def test_each_function_environment_is_exactly_its_handler_settings(
    synthesized: Any, handler: str, settings: type[SenderSettings | RetrySettings]
) -> None:
    """The construct renders the handler's settings object and nothing else; every setting without a default is set
    (the handler tests read these same environments back, tokens replaced by deploy-time values)."""
    _, template, _, _ = synthesized
    environment = function_environment(template, handler)
    assert set(environment) <= settings.environment_names()
    required = {
        f.metadata["env"]
        for f in dataclasses.fields(settings)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    assert required <= set(environment)


def test_fails_when_max_receive_count_outlives_the_queue_retention(stack: cdk.Stack) -> None:
    """400 receives of up to 960 s (a 60 s sender at 1-record batches, then the 15-minute back-off) is 4.4 days: a
    message that keeps failing would expire on the 4-day queue before it reached the DLQ."""
    with pytest.raises(
        ValidationError,
        match=r"TestStack/Send: invalid 'max_receive_count': 400 receives of up to 960 s each \(384000 s\) outlive "
        r"the send queue's retention of 345600 s: .* use at most 360; received 400",
    ):
        build(stack, batch_size=1, max_receive_count=400)


def test_the_longest_max_receive_count_that_fits_the_retention_is_accepted(stack: cdk.Stack) -> None:
    _, _, queue = build(stack, batch_size=1, max_receive_count=360)
    Template.from_stack(stack).has_resource_properties(
        "AWS::SQS::Queue", {"RedrivePolicy": Match.object_like({"maxReceiveCount": 360})}
    )
    assert queue.function.timeout is not None
    assert queue.function.timeout.to_seconds() == 60


def test_a_slow_sender_counts_its_visibility_timeout_against_the_retention(stack: cdk.Stack) -> None:
    """At 0.1 MPS with 10-record batches the sender's timeout is 900 s, its visibility timeout 5400 s (a killed
    invocation), so at most 64 receives fit in 4 days."""
    with pytest.raises(ValidationError, match=r"65 receives of up to 5400 s each .* use at most 64"):
        build(stack, max_parts_per_second=0.1, batch_size=10, max_receive_count=65)


def test_the_sender_is_told_the_queue_retention_and_max_receive_count(stack: cdk.Stack) -> None:
    """The sender re-enqueues a held send before either would lose it: it reads both from its settings."""
    _, _, queue = build(stack, max_receive_count=12)
    template = Template.from_stack(stack)
    environment = function_environment(template, "sender.handler.main")
    settings = SenderSettings.from_environment(
        {k: v if isinstance(v, str) else "token" for k, v in environment.items()} | {"SMS_MAX_PARTS_PER_SECOND": "3"}
    )
    assert (settings.queue_retention_seconds, settings.max_receive_count) == (4 * 86_400, 12)
    template.has_resource_properties(
        "AWS::SQS::Queue",
        {"MessageRetentionPeriod": 345_600, "RedrivePolicy": Match.object_like({"maxReceiveCount": 12})},
    )
    assert queue.metric_held_sends_reenqueued(reason="MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT").metric_name == (
        "HeldSendsReenqueued"
    )


def test_fails_when_idempotency_would_expire_before_a_queued_copy(stack: cdk.Stack) -> None:
    """A copy of a message can wait on the queue for its whole 4-day retention: the idempotency records (kept for
    message_retention) must outlive it, or that copy is sent a second time."""
    with pytest.raises(ValidationError, match="TestStack/Send: invalid 'message_retention'"):
        build(stack, message_retention=cdk.Duration.days(3))


def test_warns_when_the_mps_exceeds_what_one_pacer_item_can_take(stack: cdk.Stack) -> None:
    """Every send writes one pacer item and the one idempotency partition (DynamoDB: ~1,000 writes/s per key)."""
    build(stack, max_parts_per_second=1000)
    warnings = Annotations.from_stack(stack).find_warning(
        "/TestStack/Send", Match.string_like_regexp("1,000 writes per second")
    )
    assert len(warnings) == 1


def test_no_capacity_warning_at_a_short_code_mps(stack: cdk.Stack) -> None:
    build(stack, max_parts_per_second=100)
    assert Annotations.from_stack(stack).find_warning("/TestStack/Send", Match.any_value()) == []


# --- values that can never take effect ------------------------------------------------------------------------------


@pytest.mark.parametrize("price", ["0.0", "00.00000", ".0"])
def test_fails_max_price_of_zero_that_refuses_every_send(stack: cdk.Stack, price: str) -> None:
    with pytest.raises(
        ValueError,
        match=rf"TestStack/Send: invalid 'max_price': must be above 0: .*nothing could ever be sent; "
        rf"received '{re.escape(price)}'$",
    ):
        build(stack, max_price=price)


@pytest.mark.parametrize("validate_numbers", [None, False])
def test_fails_lookup_cache_ttl_without_lookups(stack: cdk.Stack, validate_numbers: bool | None) -> None:
    with pytest.raises(
        ValueError,
        match=r"TestStack/Send: invalid 'number_lookup_cache_ttl': is how long a CarrierLookup result is reused, and "
        r"no lookup is made unless validate_numbers=True.*; received Duration 7 days$",
    ):
        build(stack, number_lookup_cache_ttl=cdk.Duration.days(7), validate_numbers=validate_numbers)


def test_lookup_cache_ttl_with_lookups_passes(stack: cdk.Stack) -> None:
    build(stack, number_lookup_cache_ttl=cdk.Duration.days(7), validate_numbers=True, max_price="0.00001")
