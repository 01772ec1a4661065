"""SmsRetry and RetryPolicy: the event destination, topics, filter policy, function, IAM and validation."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match, Template
from sms_constructs_runtime.settings import RetrySettings

from sms_constructs._private.errors import ValidationError
from sms_constructs.patterns.retry import RetryPolicy, RetryStatus, SmsRetry
from tests.patterns.conftest import build, deployed_environment, logical_id, statements_of


def test_event_destination_on_the_configuration_set_for_the_retryable_types(synthesized: Any) -> None:
    stack, template, _, retry = synthesized
    template.has_resource_properties(
        "AWS::SMSVOICE::ConfigurationSet",
        {
            "EventDestinations": [
                {
                    "EventDestinationName": Match.any_value(),
                    "Enabled": True,
                    "MatchingEventTypes": [
                        "TEXT_CARRIER_UNREACHABLE",
                        "TEXT_UNREACHABLE",
                        "TEXT_TTL_EXPIRED",
                        "TEXT_UNKNOWN",
                    ],
                    "SnsDestination": {"TopicArn": {"Ref": logical_id(stack, retry.events_topic)}},
                }
            ]
        },
    )


def test_events_topic_is_kms_encrypted_and_only_this_configuration_set_may_publish(synthesized: Any) -> None:
    stack, template, _, retry = synthesized
    topic_key = logical_id(stack, retry.topic_key)
    template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": [topic_key, "Arn"]}})
    conditions = {
        "StringEquals": {"aws:SourceAccount": "111122223333"},
        "ArnEquals": {"aws:SourceArn": "arn:aws:sms-voice:us-east-1:111122223333:configuration-set/acme"},
    }
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "Topics": [{"Ref": logical_id(stack, retry.events_topic)}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
                        Match.object_like(
                            {
                                "Action": "sns:Publish",
                                "Principal": {"Service": "sms-voice.amazonaws.com"},
                                "Condition": conditions,
                            }
                        ),
                    ]
                )
            },
        },
    )
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                                "Principal": {"Service": "sms-voice.amazonaws.com"},
                                "Condition": conditions,
                            }
                        )
                    ]
                )
            }
        },
    )


def test_subscription_filters_final_events_of_retryable_statuses(synthesized: Any) -> None:
    stack, template, _, retry = synthesized
    template.has_resource_properties(
        "AWS::SNS::Subscription",
        {
            "Protocol": "sqs",
            "TopicArn": {"Ref": logical_id(stack, retry.events_topic)},
            "Endpoint": {"Fn::GetAtt": [logical_id(stack, retry.queue), "Arn"]},
            "RawMessageDelivery": True,
            "FilterPolicyScope": "MessageBody",
            "FilterPolicy": {
                "isFinal": [True],
                "messageStatus": ["CARRIER_UNREACHABLE", "UNREACHABLE", "TTL_EXPIRED", "UNKNOWN"],
            },
            "RedrivePolicy": {
                "deadLetterTargetArn": {"Fn::GetAtt": [logical_id(stack, retry.dead_letter_queue), "Arn"]}
            },
        },
    )


def test_retry_function_queue_and_environment(synthesized: Any) -> None:
    stack, template, queue, retry = synthesized
    template.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "KmsMasterKeyId": {"Fn::GetAtt": [logical_id(stack, queue.encryption_key), "Arn"]},
            "VisibilityTimeout": 180,
            "RedrivePolicy": {
                "deadLetterTargetArn": {"Fn::GetAtt": [logical_id(stack, retry.dead_letter_queue), "Arn"]},
                "maxReceiveCount": 5,
            },
        },
    )
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "retry.handler.main",
            "Runtime": "python3.14",
            "ReservedConcurrentExecutions": 2,
            "Environment": {
                "Variables": Match.object_like(
                    {
                        "SMS_TABLE_NAME": {"Ref": logical_id(stack, queue.table)},
                        "SMS_SEND_QUEUE_URL": {"Ref": logical_id(stack, queue.queue)},
                        "SMS_FINAL_FAILURE_TOPIC_ARN": {"Ref": logical_id(stack, retry.final_failure_topic)},
                        "SMS_RETRY_MAX_ATTEMPTS": "3",
                        "SMS_RETRY_DELAYS_SECONDS": "60,600",
                        "SMS_RETRY_JITTER": "0.1",
                        "SMS_RETRY_WINDOW_SECONDS": str(3 * 86400),
                        "SMS_RETRY_STATUSES": "CARRIER_UNREACHABLE,UNREACHABLE,TTL_EXPIRED,UNKNOWN",
                    }
                )
            },
        },
    )
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "EventSourceArn": {"Fn::GetAtt": [logical_id(stack, retry.queue), "Arn"]},
            "ScalingConfig": {"MaximumConcurrency": 2},
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        },
    )


def test_retry_iam_puts_back_on_the_send_queue_and_publishes_final_failures_only(synthesized: Any) -> None:
    stack, template, queue, retry = synthesized
    send_key = {"Fn::GetAtt": [logical_id(stack, queue.encryption_key), "Arn"]}
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": Match.string_like_regexp("^RetryFunctionRole")}],
            "PolicyDocument": {
                "Statement": Match.array_equals(
                    [
                        Match.object_like({"Action": ["logs:CreateLogStream", "logs:PutLogEvents"]}),
                        Match.object_like({"Resource": {"Fn::GetAtt": [logical_id(stack, retry.queue), "Arn"]}}),
                        {
                            "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
                            "Effect": "Allow",
                            "Resource": send_key,
                        },
                        {  # store.get_message / has_retry_marker / put_retry_marker / put_final_failure only
                            "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
                            "Effect": "Allow",
                            "Resource": {"Fn::GetAtt": [logical_id(stack, queue.table), "Arn"]},
                        },
                        {
                            "Action": "sqs:SendMessage",
                            "Effect": "Allow",
                            "Resource": {"Fn::GetAtt": [logical_id(stack, queue.queue), "Arn"]},
                        },
                        {
                            "Action": "sns:Publish",
                            "Effect": "Allow",
                            "Resource": {"Ref": logical_id(stack, retry.final_failure_topic)},
                        },
                        {
                            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                            "Effect": "Allow",
                            "Resource": {"Fn::GetAtt": [logical_id(stack, retry.topic_key), "Arn"]},
                        },
                    ]
                )
            },
        },
    )
    for statement in statements_of(template, "RetryFunctionRole"):
        assert not str(statement["Action"]).startswith("sms-voice")  # the retry function never sends SMS itself


def deployed_retry_settings(template: Template) -> RetrySettings:
    """What the retry handler of ``template`` reads once deployed (deploy-time values stand in for the tokens)."""
    tokens = dict.fromkeys(["SMS_TABLE_NAME", "SMS_SEND_QUEUE_URL", "SMS_FINAL_FAILURE_TOPIC_ARN"], "deployed")
    return RetrySettings.from_environment(deployed_environment(template, "retry.handler.main", tokens))


def test_custom_policy_reaches_the_destination_and_function(stack: cdk.Stack) -> None:
    _, config, queue = build(stack)
    SmsRetry(
        stack,
        "Retry",
        send_queue=queue,
        configuration_set=config,
        policy=RetryPolicy(
            max_attempts=2,
            delays=[cdk.Duration.minutes(5)],
            jitter=0.2,
            window=cdk.Duration.days(1),
            statuses=[RetryStatus.CARRIER_UNREACHABLE],
        ),
    )
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::SMSVOICE::ConfigurationSet",
        {"EventDestinations": [Match.object_like({"MatchingEventTypes": ["TEXT_CARRIER_UNREACHABLE"]})]},
    )
    template.has_resource_properties(
        "AWS::SNS::Subscription",
        {"FilterPolicy": {"isFinal": [True], "messageStatus": ["CARRIER_UNREACHABLE"]}},
    )
    settings = deployed_retry_settings(template)
    assert (settings.max_attempts, settings.delays_seconds, settings.jitter, settings.window_seconds) == (
        2,
        (300,),
        0.2,
        86400,
    )
    assert (settings.statuses, settings.deadline_required_statuses) == (("CARRIER_UNREACHABLE",), ())


def test_one_time_code_policy_from_the_docs_reaches_the_function(stack: cdk.Stack) -> None:
    """The recipe of docs/patterns/retry.md: minutes, transient network statuses only, never TTL_EXPIRED/UNKNOWN."""
    _, config, queue = build(stack)
    SmsRetry(
        stack,
        "Retry",
        send_queue=queue,
        configuration_set=config,
        policy=RetryPolicy(
            max_attempts=2,
            delays=[cdk.Duration.seconds(20)],
            window=cdk.Duration.minutes(5),
            statuses=[RetryStatus.CARRIER_UNREACHABLE, RetryStatus.UNREACHABLE],
        ),
    )
    template = Template.from_stack(stack)
    settings = deployed_retry_settings(template)
    assert settings.statuses == ("CARRIER_UNREACHABLE", "UNREACHABLE")
    assert (settings.window_seconds, settings.delays_seconds) == (300, (20,))
    template.has_resource_properties(
        "AWS::SNS::Subscription",
        {"FilterPolicy": {"isFinal": [True], "messageStatus": ["CARRIER_UNREACHABLE", "UNREACHABLE"]}},
    )


@pytest.mark.parametrize(
    ("policy", "match"),
    [
        (RetryPolicy(max_attempts=0), "policy.max_attempts"),
        (RetryPolicy(max_attempts=11), "policy.max_attempts"),
        (RetryPolicy(max_attempts=2.5), "policy.max_attempts"),  # type: ignore[arg-type]
        (RetryPolicy(delays=[]), "policy.delays"),
        (RetryPolicy(delays=[cdk.Duration.minutes(16)]), "policy.delays"),
        (RetryPolicy(jitter=0.6), "policy.jitter"),
        (RetryPolicy(window=cdk.Duration.seconds(30)), "policy.window"),
        (RetryPolicy(window=cdk.Duration.days(15)), "policy.window"),
        (RetryPolicy(statuses=[]), "policy.statuses"),
        (RetryPolicy(statuses=["BLOCKED"]), "policy.statuses"),  # type: ignore[list-item]
        (RetryPolicy(statuses=[RetryStatus.UNKNOWN, RetryStatus.UNKNOWN]), "policy.statuses"),
        (
            RetryPolicy(statuses=[RetryStatus.UNKNOWN], deadline_required_for=[RetryStatus.TTL_EXPIRED]),
            "policy.deadline_required_for",
        ),
    ],
)
def test_fails_on_invalid_policy(stack: cdk.Stack, policy: RetryPolicy, match: str) -> None:
    _, config, queue = build(stack)
    with pytest.raises(ValidationError, match=f"TestStack/Retry: invalid '{match}'"):
        SmsRetry(stack, "Retry", send_queue=queue, configuration_set=config, policy=policy)


def test_fails_when_the_store_forgets_before_the_last_event_can_arrive(stack: cdk.Stack) -> None:
    _, config, queue = build(stack, message_retention=cdk.Duration.days(5))
    with pytest.raises(ValidationError, match="invalid 'send_queue': its message_retention must cover"):
        SmsRetry(stack, "Retry", send_queue=queue, configuration_set=config)


def test_fails_when_the_send_queue_is_in_another_stack(app: cdk.App, stack: cdk.Stack) -> None:
    _, config, queue = build(stack)
    other = cdk.Stack(app, "Other", env=cdk.Environment(account="111122223333", region="us-east-1"))
    with pytest.raises(ValidationError, match="must be in the same stack"):
        SmsRetry(other, "Retry", send_queue=queue, configuration_set=config)


def test_retry_iam_on_the_store_is_what_the_retry_handler_calls(synthesized: Any) -> None:
    """The retry handler only calls GetItem and PutItem on the message store (store.get_message, has_retry_marker,
    put_retry_marker, put_final_failure)."""
    stack, template, queue, _ = synthesized
    table = {"Fn::GetAtt": [logical_id(stack, queue.table), "Arn"]}
    [store] = [s for s in statements_of(template, "RetryFunctionRole") if s["Resource"] == table]
    assert store["Action"] == ["dynamodb:GetItem", "dynamodb:PutItem"]


@pytest.mark.parametrize(
    ("policy", "first"),
    [
        (RetryPolicy(delays=[cdk.Duration.minutes(10)], window=cdk.Duration.minutes(5)), "540"),
        (RetryPolicy(delays=[cdk.Duration.minutes(2)], jitter=0, window=cdk.Duration.minutes(2)), "120"),
    ],
    ids=["shorter", "equal"],
)
def test_fails_window_no_retry_can_start_in(stack: cdk.Stack, policy: RetryPolicy, first: str) -> None:
    _, config, queue = build(stack)
    with pytest.raises(
        ValueError,
        match=rf"TestStack/Retry: invalid 'policy.window': must be longer than the first delay less its jitter "
        rf"\({first} s\): .*no retry could ever start; received Duration \d+ minutes$",
    ):
        SmsRetry(stack, "Retry", send_queue=queue, configuration_set=config, policy=policy)


def test_warns_attempts_that_cannot_start_inside_the_window(stack: cdk.Stack) -> None:
    _, config, queue = build(stack)
    policy = RetryPolicy(max_attempts=5, delays=[cdk.Duration.minutes(15)], jitter=0, window=cdk.Duration.minutes(40))
    SmsRetry(stack, "Retry", send_queue=queue, configuration_set=config, policy=policy)
    warnings = Annotations.from_stack(stack).find_warning(
        "/TestStack/Retry", Match.string_like_regexp("RetryAttemptsBeyondWindow")
    )
    assert len(warnings) == 1
    assert "allows 4 retries, but with the delays (less their jitter) only 2 can start" in warnings[0].entry.data


def test_default_policy_draws_no_window_warning(stack: cdk.Stack) -> None:
    _, config, queue = build(stack)
    SmsRetry(stack, "Retry", send_queue=queue, configuration_set=config)
    assert Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("RetryAttemptsBeyondWindow")) == []
