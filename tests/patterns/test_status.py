"""SmsStatusNotifier: the bus, the event destination, the store stream, the function's settings, IAM and validation."""

from __future__ import annotations

import functools
from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_events as events
import aws_cdk.aws_sqs as sqs
import pytest
from aws_cdk.assertions import Match, Template
from sms_constructs_runtime.status import CLAIM_SECONDS
from sms_constructs_runtime.status_settings import StatusSettings

from sms_constructs._private.errors import ValidationError
from sms_constructs.patterns.retry import RetryPolicy, RetryStatus, SmsRetry
from sms_constructs.patterns.send_queue import SmsSendQueue
from sms_constructs.patterns.status import SmsStatusNotifier
from sms_constructs.resources.configuration_set import ConfigurationSet
from tests.conftest import ENV, cdk_json_context
from tests.patterns.conftest import build, deployed_environment, logical_id, statements_of
from tests.upgrade.gate import compare

HANDLER = "status.handler.main"


@functools.cache
def _default() -> tuple[cdk.Stack, Template, SmsStatusNotifier, Any]:
    app = cdk.App(context=cdk_json_context())
    stack = cdk.Stack(app, "TestStack", env=ENV)
    _, _, queue = build(stack)
    retry = SmsRetry(stack, "Retry", send_queue=queue, policy=RetryPolicy(statuses=[RetryStatus.UNREACHABLE]))
    notifier = SmsStatusNotifier(stack, "Status", send_queue=queue, retry=retry)
    return stack, Template.from_stack(stack), notifier, queue


@pytest.fixture(scope="module")
def synthesized() -> tuple[cdk.Stack, Template, SmsStatusNotifier, Any]:
    return _default()


def _stack() -> tuple[cdk.Stack, Any, Any]:
    app = cdk.App(context=cdk_json_context())
    stack = cdk.Stack(app, "Other", env=ENV)
    _, config, queue = build(stack)
    return stack, config, queue


def test_default_bus_is_created_and_encrypted_with_its_own_rotating_key(synthesized: Any) -> None:
    stack, template, notifier, _ = synthesized
    assert notifier.bus_key is not None
    key = logical_id(stack, notifier.bus_key)
    template.has_resource_properties("AWS::Events::EventBus", {"KmsKeyIdentifier": {"Fn::GetAtt": [key, "Arn"]}})
    template.has_resource_properties(
        "AWS::KMS::Key", {"EnableKeyRotation": True, "Description": Match.string_like_regexp("status bus")}
    )


def test_configuration_set_gets_a_text_all_destination_to_the_events_topic(synthesized: Any) -> None:
    stack, template, notifier, _ = synthesized
    config = template.find_resources("AWS::SMSVOICE::ConfigurationSet")
    [properties] = [c["Properties"] for c in config.values()]
    destinations = {
        d["SnsDestination"]["TopicArn"]["Ref"]: d["MatchingEventTypes"] for d in properties["EventDestinations"]
    }
    assert destinations[logical_id(stack, notifier.events_topic)] == ["TEXT_ALL"]


def test_events_reach_the_queue_raw_with_a_dead_letter_queue(synthesized: Any) -> None:
    stack, template, notifier, _ = synthesized
    template.has_resource_properties(
        "AWS::SNS::Subscription",
        {
            "Protocol": "sqs",
            "RawMessageDelivery": True,
            "TopicArn": {"Ref": logical_id(stack, notifier.events_topic)},
            "RedrivePolicy": {
                "deadLetterTargetArn": {"Fn::GetAtt": [logical_id(stack, notifier.dead_letter_queue), "Arn"]}
            },
        },
    )
    template.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "RedrivePolicy": {
                "deadLetterTargetArn": {"Fn::GetAtt": [logical_id(stack, notifier.dead_letter_queue), "Arn"]},
                "maxReceiveCount": 5,
            },
            "KmsMasterKeyId": Match.any_value(),
        },
    )


def test_store_table_gets_a_new_image_stream_and_is_not_replaced(synthesized: Any) -> None:
    stack, template, _, queue = synthesized
    table = template.find_resources("AWS::DynamoDB::Table")[logical_id(stack, queue.table)]
    assert table["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    assert table["DeletionPolicy"] == "Retain"
    # the key schema (create-only) is the one the send queue always had
    assert table["Properties"]["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]


def test_send_queue_alone_has_no_stream() -> None:
    stack, _, queue = _stack()
    table = Template.from_stack(stack).find_resources("AWS::DynamoDB::Table")[logical_id(stack, queue.table)]
    assert "StreamSpecification" not in table["Properties"]


def test_stream_mapping_filters_to_outcomes_and_sends_failures_to_the_dead_letter_queue(synthesized: Any) -> None:
    stack, template, notifier, queue = synthesized
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "EventSourceArn": {"Fn::GetAtt": [logical_id(stack, queue.table), "StreamArn"]},
            "StartingPosition": "TRIM_HORIZON",
            "BisectBatchOnFunctionError": True,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "DestinationConfig": {
                "OnFailure": {"Destination": {"Fn::GetAtt": [logical_id(stack, notifier.dead_letter_queue), "Arn"]}}
            },
            "FilterCriteria": {
                "Filters": [
                    {"Pattern": Match.string_like_regexp('"prefix":"request#"')},
                    {"Pattern": Match.string_like_regexp('"prefix":"message#"')},
                ]
            },
        },
    )


def test_a_publication_claim_outlasts_any_invocation_of_the_status_function(synthesized: Any) -> None:
    """A live claim is never overtaken: CLAIM_SECONDS must exceed the function's timeout."""
    _, template, _, _ = synthesized
    (function,) = [
        f for f in template.find_resources("AWS::Lambda::Function").values() if f["Properties"]["Handler"] == HANDLER
    ]
    assert 0 < function["Properties"]["Timeout"] < CLAIM_SECONDS


def test_function_settings_round_trip_with_the_retried_statuses(synthesized: Any) -> None:
    _, template, _, _ = synthesized
    environment = deployed_environment(
        template,
        HANDLER,
        {"SMS_TABLE_NAME": "store", "SMS_STATUS_EVENT_BUS": "arn:aws:events:us-east-1:111122223333:event-bus/b"},
    )
    settings = StatusSettings.from_environment(environment)
    assert settings.retried_statuses == ("UNREACHABLE",)
    assert settings.include_phone_numbers is False
    assert settings.retention_seconds == 14 * 86_400


def test_role_writes_only_status_items_reads_only_messages_and_publishes_to_the_bus(synthesized: Any) -> None:
    stack, template, notifier, queue = synthesized
    statements = statements_of(template, "StatusFunctionRole")
    table_arn = {"Fn::GetAtt": [logical_id(stack, queue.table), "Arn"]}
    by_action = {str(s["Action"]): s for s in statements}
    requests = by_action[str(["dynamodb:GetItem", "dynamodb:UpdateItem"])]
    assert requests["Resource"] == table_arn
    assert requests["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["request#*"]}}
    assert by_action["dynamodb:GetItem"]["Condition"] == {
        "ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["message#*"]}
    }
    stream = [s for s in statements if "dynamodb:GetRecords" in s["Action"]]
    assert [s["Resource"] for s in stream] == [{"Fn::GetAtt": [logical_id(stack, queue.table), "StreamArn"]}]
    assert by_action["events:PutEvents"]["Resource"] == {"Fn::GetAtt": [logical_id(stack, notifier.event_bus), "Arn"]}
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert not any(a in actions for a in ("dynamodb:Scan", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query"))
    assert not any(a.endswith("*") for a in actions)


def test_a_bus_of_the_users_is_used_and_no_bus_is_created() -> None:
    stack, _, queue = _stack()
    bus = events.EventBus(stack, "AppBus")
    notifier = SmsStatusNotifier(stack, "Status", send_queue=queue, event_bus=bus, include_phone_numbers=True)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Events::EventBus", 1)
    assert notifier.bus_key is None
    environment = deployed_environment(
        template, HANDLER, {"SMS_TABLE_NAME": "store", "SMS_STATUS_EVENT_BUS": "arn:aws:events:::event-bus/a"}
    )
    assert StatusSettings.from_environment(environment).include_phone_numbers is True


def test_fails_a_configuration_set_that_is_not_the_send_queues() -> None:
    stack, _, queue = _stack()
    other = ConfigurationSet(stack, "OtherConfig")
    with pytest.raises(ValidationError, match=r"Other/Status: invalid 'configuration_set': must be the send queue's"):
        SmsStatusNotifier(stack, "Status", send_queue=queue, configuration_set=other)


def test_fails_a_retry_of_another_send_queue() -> None:
    stack, _config, queue = _stack()
    other_queue = SmsSendQueue(
        stack,
        "Send2",
        origination_identity=queue.origination_identity,
        configuration_set=ConfigurationSet(stack, "C2"),
        max_parts_per_second=1,
    )
    retry = SmsRetry(stack, "Retry", send_queue=other_queue)
    with pytest.raises(ValidationError, match=r"invalid 'retry': must be the SmsRetry of this send queue"):
        SmsStatusNotifier(stack, "Status", send_queue=queue, retry=retry)


def test_fails_a_second_notifier_on_one_send_queue() -> None:
    stack, _, queue = _stack()
    SmsStatusNotifier(stack, "Status", send_queue=queue)
    with pytest.raises(ValidationError, match=r"Other/Status2: invalid 'send_queue': already has a status notifier"):
        SmsStatusNotifier(stack, "Status2", send_queue=queue)


def test_fails_a_send_queue_of_another_stack() -> None:
    stack, _, queue = _stack()
    elsewhere = cdk.Stack(stack.node.scope, "Elsewhere", env=ENV)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"Elsewhere/Status: invalid 'send_queue': must be in the same stack"):
        SmsStatusNotifier(elsewhere, "Status", send_queue=queue)


def test_fails_an_unknown_metric_name(synthesized: Any) -> None:
    _, _, notifier, _ = synthesized
    with pytest.raises(ValidationError, match=r"invalid 'metric_name': must be one of StatusEventsPublished"):
        notifier.metric("Sent")
    assert notifier.metric("StatusEventsPublished").metric_name == "StatusEventsPublished"


def test_adding_a_notifier_to_a_deployed_send_queue_replaces_and_removes_nothing_stateful() -> None:
    """The upgrade gate's rules (create-only properties, logical ids, deletion policies) between a stack with the send
    queue and retry alone and the same stack with a notifier added."""

    def synth(with_notifier: bool) -> dict[str, Any]:
        app = cdk.App(context=cdk_json_context())
        stack = cdk.Stack(app, "Upgrade", env=ENV)
        _, _, queue = build(stack)
        retry = SmsRetry(stack, "Retry", send_queue=queue)
        if with_notifier:
            SmsStatusNotifier(stack, "Status", send_queue=queue, retry=retry)
        return dict(Template.from_stack(stack).to_json())

    assert compare({"Upgrade": synth(False)}, {"Upgrade": synth(True)}) == []


def _with_targets() -> tuple[cdk.Stack, Template, SmsStatusNotifier]:
    stack, _, queue = _stack()
    notifier = SmsStatusNotifier(stack, "Status", send_queue=queue)
    app_queue = sqs.Queue(stack, "AppQueue")
    notifier.add_queue_target("ToApp", app_queue, statuses=["DELIVERED", "FAILED_FINAL"])
    connection = events.Connection(
        stack, "Hook", authorization=events.Authorization.api_key("X-Secret", cdk.SecretValue.unsafe_plain_text("s"))
    )
    notifier.add_webhook_target(
        "ToHook", endpoint="https://hooks.example.com/sms", connection=connection, rate_limit_per_second=5
    )
    return stack, Template.from_stack(stack), notifier


def test_queue_target_rule_filters_statuses_and_has_a_dead_letter_queue() -> None:
    stack, template, notifier = _with_targets()
    dlq = {"Arn": {"Fn::GetAtt": [logical_id(stack, notifier.target_dead_letter_queue), "Arn"]}}
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventBusName": {"Ref": logical_id(stack, notifier.event_bus)},
            "EventPattern": {
                "source": ["sms-constructs"],
                "detail-type": ["SMS Request Status Changed"],
                "detail": {"status": ["DELIVERED", "FAILED_FINAL"]},
            },
            "Targets": [
                Match.object_like(
                    {
                        "Arn": {"Fn::GetAtt": [Match.string_like_regexp("AppQueue"), "Arn"]},
                        "DeadLetterConfig": dlq,
                        "RetryPolicy": {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185},
                    }
                )
            ],
        },
    )


def test_webhook_target_posts_through_an_api_destination_with_the_connection() -> None:
    _, template, _ = _with_targets()
    template.has_resource_properties(
        "AWS::Events::ApiDestination",
        {
            "HttpMethod": "POST",
            "InvocationEndpoint": "https://hooks.example.com/sms",
            "InvocationRateLimitPerSecond": 5,
            "ConnectionArn": {"Fn::GetAtt": [Match.string_like_regexp("Hook"), "Arn"]},
        },
    )
    rules = template.find_resources("AWS::Events::Rule")
    [hook_rule] = [r for r in rules.values() if "detail" not in r["Properties"]["EventPattern"]]
    [target] = hook_rule["Properties"]["Targets"]
    assert "DeadLetterConfig" in target
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}


def test_target_dead_letter_queue_key_lets_only_eventbridge_of_this_account_use_it() -> None:
    _, template, _ = _with_targets()
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "Description": Match.string_like_regexp("status targets"),
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Principal": {"Service": "events.amazonaws.com"},
                                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                                "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
                            }
                        )
                    ]
                )
            },
        },
    )


def test_fails_a_webhook_that_is_not_https() -> None:
    stack, _, queue = _stack()
    notifier = SmsStatusNotifier(stack, "Status", send_queue=queue)
    connection = events.Connection(
        stack, "Hook", authorization=events.Authorization.api_key("X-Secret", cdk.SecretValue.unsafe_plain_text("s"))
    )
    with pytest.raises(ValidationError, match=r"invalid 'endpoint': must be an https:// URL .*received 'http://x'"):
        notifier.add_webhook_target("Hook2", endpoint="http://x", connection=connection)
    with pytest.raises(ValidationError, match=r"invalid 'rate_limit_per_second': must be a whole number from 1 to 300"):
        notifier.add_webhook_target("Hook3", endpoint="https://x", connection=connection, rate_limit_per_second=301)


def test_fails_empty_or_lower_case_statuses() -> None:
    stack, _, queue = _stack()
    notifier = SmsStatusNotifier(stack, "Status", send_queue=queue)
    with pytest.raises(ValidationError, match=r"invalid 'statuses': must name at least one status"):
        notifier.add_queue_target("Empty", sqs.Queue(stack, "Q1"), statuses=[])
    with pytest.raises(ValidationError, match=r"invalid 'statuses'"):
        notifier.add_queue_target("Lower", sqs.Queue(stack, "Q2"), statuses=["delivered"])


def _sender_environment(stack: cdk.Stack, queue: SmsSendQueue) -> dict[str, Any]:
    functions = Template.from_stack(stack).find_resources("AWS::Lambda::Function")
    variables: dict[str, Any] = functions[logical_id(stack, queue.function)]["Properties"]["Environment"]["Variables"]
    return variables


def test_the_sender_records_accepted_and_held_only_when_a_notifier_reads_the_store(synthesized: Any) -> None:
    """``accepted`` and ``held#NN`` each cost a store write: the sender writes them only for a notifier."""
    stack, _, _, queue = synthesized
    assert _sender_environment(stack, queue)["SMS_RECORD_STATUSES"] == "true"
    alone, _, other = _stack()
    assert _sender_environment(alone, other)["SMS_RECORD_STATUSES"] == "false"
