"""SmsInbound: the subscription, queue, tables, functions, schedule, exact IAM, validation and the compliance gates."""

from __future__ import annotations

import functools
import json
from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_events as events
import aws_cdk.aws_kms as kms
import aws_cdk.aws_lambda as lambda_
import aws_cdk.aws_sns as sns
import aws_cdk.aws_sqs as sqs
import pytest
from aws_cdk.assertions import Match, Template
from sms_constructs_runtime.inbound import InboundSettings, ReconcileSettings, Route, TargetType

from sms_constructs._private.errors import ValidationError
from sms_constructs.patterns.inbound import InboundTarget, SmsInbound
from sms_constructs.patterns.send_queue import SmsSendQueue
from sms_constructs.resources.opt_out_list import OptOutList
from sms_constructs.resources.two_way import TwoWayChannel
from tests.compliance.gates import nag_violations
from tests.conftest import ENV, cdk_json_context
from tests.patterns.conftest import build, deployed_environment, logical_id, statements_of


def _function(stack: cdk.Stack, id: str) -> lambda_.Function:
    return lambda_.Function(
        stack, id, runtime=lambda_.Runtime.PYTHON_3_13, handler="index.main", code=lambda_.Code.from_inline("x")
    )


@functools.cache
def synthesize() -> tuple[cdk.Stack, Template, SmsInbound, SmsSendQueue, dict[str, Any]]:
    """One stack: a send queue, a two-way topic, an opt-out list, and an SmsInbound with a keyword per target type."""
    app = cdk.App(context=cdk_json_context())
    stack = cdk.Stack(app, "TestStack", env=ENV)
    _, _, queue = build(stack)
    topic_key = kms.Key(stack, "TopicKey", enable_key_rotation=True)
    topic = sns.Topic(stack, "InboundTopic", master_key=topic_key, enforce_ssl=True)
    opt_outs = OptOutList(stack, "OptOuts")
    confirm = _function(stack, "Confirm")
    app_bus = events.EventBus(stack, "AppBus")
    other = sqs.Queue(stack, "Other", encryption=sqs.QueueEncryption.KMS_MANAGED, enforce_ssl=True)
    inbound = SmsInbound(
        stack,
        "Inbound",
        channel=TwoWayChannel.sns_topic(topic),
        send_queue=queue,
        opt_out_list=opt_outs,
        default_target=InboundTarget.sqs_queue(other),
    )
    inbound.add_keyword("c", target=InboundTarget.lambda_function(confirm), reply="Thanks, confirmed.")
    inbound.add_keyword("INFO", target=InboundTarget.event_bus(app_bus))
    ids = {
        "topic": logical_id(stack, topic),
        "confirm": logical_id(stack, confirm),
        "app_bus": logical_id(stack, app_bus),
        "other": logical_id(stack, other),
        "opt_outs": logical_id(stack, opt_outs),
        "send_queue": logical_id(stack, queue.queue),
        "key": logical_id(stack, queue.encryption_key),
    }
    return stack, Template.from_stack(stack), inbound, queue, ids


@pytest.fixture(scope="module")
def synthesized() -> tuple[cdk.Stack, Template, SmsInbound, SmsSendQueue, dict[str, Any]]:
    return synthesize()


def _getatt(logical: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical, "Arn"]}


def test_topic_feeds_the_kms_queue_with_the_sns_envelope(synthesized: Any) -> None:
    stack, template, inbound, _, ids = synthesized
    template.has_resource_properties(
        "AWS::SNS::Subscription",
        {
            "Protocol": "sqs",
            "TopicArn": {"Ref": ids["topic"]},
            "Endpoint": _getatt(logical_id(stack, inbound.queue)),
            "RawMessageDelivery": False,  # the envelope's Timestamp orders messages
            "RedrivePolicy": {"deadLetterTargetArn": _getatt(logical_id(stack, inbound.dead_letter_queue))},
        },
    )
    template.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "KmsMasterKeyId": _getatt(ids["key"]),
            "RedrivePolicy": {
                "deadLetterTargetArn": _getatt(logical_id(stack, inbound.dead_letter_queue)),
                "maxReceiveCount": 5,
            },
        },
    )


@pytest.mark.parametrize("table", ["dedup_table", "consent_table"])
def test_tables_are_kms_encrypted_ttld_retained_and_deletion_protected(synthesized: Any, table: str) -> None:
    stack, template, inbound, _, ids = synthesized
    resource = template.to_json()["Resources"][logical_id(stack, getattr(inbound, table))]
    assert resource["DeletionPolicy"] == "Retain"
    assert resource["UpdateReplacePolicy"] == "Retain"
    properties = resource["Properties"]
    assert properties["DeletionProtectionEnabled"] is True
    assert properties["SSESpecification"] == {
        "KMSMasterKeyId": _getatt(ids["key"]),
        "SSEEnabled": True,
        "SSEType": "KMS",
    }
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_destroy_removal_policy_turns_deletion_protection_off(stack: cdk.Stack) -> None:
    inbound = SmsInbound(stack, "Inbound", topic=sns.Topic(stack, "T"), removal_policy=cdk.RemovalPolicy.DESTROY)
    resource = Template.from_stack(stack).to_json()["Resources"][logical_id(stack, inbound.consent_table)]
    assert resource["DeletionPolicy"] == "Delete"
    assert resource["Properties"]["DeletionProtectionEnabled"] is False


def _pairs(statements: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """Every (action, resource) a policy allows, however CDK merged its statements."""
    pairs = set()
    for statement in statements:
        assert statement["Effect"] == "Allow"
        assert "Condition" not in statement
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        pairs |= {(a, json.dumps(r, sort_keys=True)) for a in actions for r in resources}
    return pairs


def _allow(actions: list[str], logical: str) -> set[tuple[str, str]]:
    return {(a, json.dumps(_getatt(logical), sort_keys=True)) for a in actions}


def test_inbound_function_has_exactly_the_permissions_it_uses(synthesized: Any) -> None:
    stack, template, inbound, _, ids = synthesized
    role = logical_id(stack, inbound.function.role)
    statements = statements_of(template, role[: role.index("Role") + 4])
    assert _pairs(statements) == (
        _allow(["logs:CreateLogStream", "logs:PutLogEvents"], logical_id(stack, inbound.log_group))
        | _allow(
            [
                "sqs:ChangeMessageVisibility",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:GetQueueUrl",
                "sqs:ReceiveMessage",
            ],
            logical_id(stack, inbound.queue),
        )
        | _allow(["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"], ids["key"])
        | _allow(
            ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"], logical_id(stack, inbound.dedup_table)
        )
        | _allow(["dynamodb:PutItem"], logical_id(stack, inbound.consent_table))
        | _allow(["events:PutEvents"], logical_id(stack, inbound.event_bus))
        | _allow(["events:PutEvents"], ids["app_bus"])
        | _allow(["sqs:SendMessage"], ids["other"])
        | _allow(["lambda:InvokeFunction"], ids["confirm"])
        | _allow(["sqs:SendMessage"], ids["send_queue"])
    )


def test_reconciliation_reads_the_ledger_and_describes_only_the_one_opt_out_list(synthesized: Any) -> None:
    stack, template, inbound, _, ids = synthesized
    role = logical_id(stack, inbound.reconciliation_function.role)
    statements = statements_of(template, role[: role.index("Role") + 4])
    assert _pairs(statements) == (
        _allow(["logs:CreateLogStream", "logs:PutLogEvents"], logical_id(stack, inbound.reconciliation_log_group))
        | _allow(["dynamodb:Scan"], logical_id(stack, inbound.consent_table))
        | _allow(["kms:Decrypt", "kms:DescribeKey"], ids["key"])
        | _allow(["sms-voice:DescribeOptedOutNumbers"], ids["opt_outs"])
        | _allow(["events:PutEvents"], logical_id(stack, inbound.event_bus))
    )
    actions = json.dumps(statements)
    assert "PutOptedOutNumber" not in actions
    assert "DeleteOptedOutNumber" not in actions


def test_reconciliation_runs_daily_with_retries_and_a_dead_letter_queue(synthesized: Any) -> None:
    stack, template, inbound, _, _ = synthesized
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": "rate(1 day)",
            "Targets": [
                {
                    "Arn": _getatt(logical_id(stack, inbound.reconciliation_function)),
                    "DeadLetterConfig": {"Arn": _getatt(logical_id(stack, inbound.schedule_dead_letter_queue))},
                    "RetryPolicy": {"MaximumRetryAttempts": 2},
                    "Id": Match.any_value(),
                }
            ],
        },
    )


def test_no_reconciliation_without_an_opt_out_list(stack: cdk.Stack) -> None:
    inbound = SmsInbound(stack, "Inbound", topic=sns.Topic(stack, "T"))
    assert inbound.reconciliation_function is None
    Template.from_stack(stack).resource_count_is("AWS::Events::Rule", 0)


def test_the_handlers_read_the_settings_the_construct_wrote(synthesized: Any) -> None:
    _, template, _, _, _ = synthesized
    inbound_env = deployed_environment(
        template,
        "inbound.handler.main",
        {
            "SMS_INBOUND_DEDUP_TABLE": "dedup",
            "SMS_CONSENT_TABLE": "ledger",
            "SMS_INBOUND_EVENT_BUS": "bus",
            "SMS_SEND_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/111122223333/send",
            "SMS_INBOUND_ROUTES": _resolve_routes(template),
        },
    )
    settings = InboundSettings.from_environment(inbound_env)
    assert "STOP" in settings.opt_out_keywords
    assert "UNSUBSCRIBE" in settings.opt_out_keywords
    assert settings.opt_in_keywords == ("START", "UNSTOP")
    assert settings.consent_retention_seconds == 5 * 365 * 86400
    assert settings.reply_valid_for_seconds == 900
    routes = settings.keyword_routes()
    assert set(routes) == {"C", "INFO"}
    assert routes["C"].reply == "Thanks, confirmed."
    assert [t.type for t in routes["C"].targets] == [TargetType.LAMBDA]
    assert [t.type for t in routes["INFO"].targets] == [TargetType.EVENT_BUS]
    assert [t.type for t in settings.default_route().targets] == [TargetType.SQS]
    reconcile_env = deployed_environment(
        template,
        "inbound.reconcile.main",
        {"SMS_CONSENT_TABLE": "ledger", "SMS_OPT_OUT_LIST_NAME": "list", "SMS_INBOUND_EVENT_BUS": "bus"},
    )
    assert ReconcileSettings.from_environment(reconcile_env).opt_out_list_name == "list"


def _resolve_routes(template: Template) -> str:
    """The routes JSON as CloudFormation resolves it, with every ARN or URL replaced by a fixed string."""
    [function] = [
        f
        for f in template.find_resources("AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == "inbound.handler.main"
    ]
    joined = function["Properties"]["Environment"]["Variables"]["SMS_INBOUND_ROUTES"]["Fn::Join"][1]
    text = "".join(part if isinstance(part, str) else "arn:aws:resolved" for part in joined)
    Route.from_json(json.loads(text)["default"])  # it is JSON once resolved
    return text


def test_no_unacknowledged_cdk_nag_findings(synthesized: Any) -> None:
    stack, _, _, _, _ = synthesized
    assert [v for v in nag_violations(stack) if "/Inbound" in v] == []


def test_metric_names_are_checked(synthesized: Any) -> None:
    _, _, inbound, _, _ = synthesized
    assert inbound.metric_consent_drift().metric_name == "ConsentDrift"
    with pytest.raises(ValidationError, match="metric_name"):
        inbound.metric("NoSuchMetric")


def test_grant_read_consent_is_get_and_query_on_the_ledger(stack: cdk.Stack) -> None:
    inbound = SmsInbound(stack, "Inbound", topic=sns.Topic(stack, "T"))
    reader = _function(stack, "Reader")
    inbound.grant_read_consent(reader)
    statements = statements_of(Template.from_stack(stack), "ReaderServiceRole")
    assert {
        "Action": ["dynamodb:GetItem", "dynamodb:Query"],
        "Effect": "Allow",
        "Resource": _getatt(logical_id(stack, inbound.consent_table)),
    } in statements


# -- validation --------------------------------------------------------------------------------------------------


def _inbound(stack: cdk.Stack, **props: Any) -> SmsInbound:
    return SmsInbound(stack, "Inbound", **{"topic": sns.Topic(stack, "T"), **props})


def test_fails_without_channel_or_topic(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"TestStack/Inbound: invalid 'channel/topic': give exactly one"):
        SmsInbound(stack, "Inbound")


def test_fails_with_both_channel_and_topic(stack: cdk.Stack) -> None:
    topic = sns.Topic(stack, "T")
    with pytest.raises(ValidationError, match="channel/topic"):
        SmsInbound(stack, "Inbound", topic=topic, channel=TwoWayChannel.sns_topic(topic))


def test_fails_on_a_fifo_topic(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match="FIFO"):
        SmsInbound(stack, "Inbound", topic=sns.Topic(stack, "T", fifo=True, topic_name="t.fifo"))


@pytest.mark.parametrize(
    ("prop", "value", "rule"),
    [
        ("consent_retention", cdk.Duration.hours(1), "consent_retention"),
        ("consent_retention", cdk.Duration.days(3651), "consent_retention"),
        ("reply_valid_for", cdk.Duration.seconds(30), "reply_valid_for"),
        ("reply_valid_for", cdk.Duration.hours(73), "reply_valid_for"),
        ("opt_in_keywords", ["STOP"], r"opt_in_keywords\[0\]"),
        ("opt_in_keywords", ["help"], r"opt_in_keywords\[0\]"),
        ("opt_in_keywords", ["START", "start"], r"opt_in_keywords\[1\]"),
        ("opt_in_keywords", "START", "opt_in_keywords"),
        ("additional_opt_out_keywords", ["HELP"], r"additional_opt_out_keywords\[0\]"),
        ("additional_opt_out_keywords", [" PAUSE"], "must not start or end with a space"),
        ("reconciliation_schedule", events.Schedule.rate(cdk.Duration.hours(1)), "needs opt_out_list"),
        ("default_reply", "Sorry?", "needs send_queue"),
        ("default_target", "arn:aws:sqs:us-east-1:111122223333:q", "must be an InboundTarget"),
    ],
)
def test_fails_on_invalid_props(stack: cdk.Stack, prop: str, value: Any, rule: str) -> None:
    with pytest.raises(ValidationError, match=rule) as error:
        _inbound(stack, **{prop: value})
    assert error.value.path == "TestStack/Inbound"


@pytest.mark.parametrize(
    ("keyword", "rule"),
    [
        ("", "non-empty"),
        ("x" * 31, "at most 30"),
        (" C", "start or end with a space"),
        ("C\tD", "tabs or line breaks"),
        ("help", "handled by the service"),
        ("Stop", "handled by the service"),
        ("unstop", "handled by the service"),
        ("A,B", "comma"),
    ],
)
def test_fails_on_invalid_keywords(stack: cdk.Stack, keyword: str, rule: str) -> None:
    inbound = _inbound(stack)
    with pytest.raises(ValidationError, match=rule):
        inbound.add_keyword(keyword, target=InboundTarget.event_bus(events.EventBus(stack, "B")))


def test_fails_on_a_duplicate_keyword_in_another_case(stack: cdk.Stack) -> None:
    inbound = _inbound(stack)
    bus = InboundTarget.event_bus(events.EventBus(stack, "B"))
    inbound.add_keyword("yes", target=bus)
    with pytest.raises(ValidationError, match="unique"):
        inbound.add_keyword("YES", target=bus)


def test_fails_on_a_keyword_with_neither_target_nor_reply(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match="give a target, a reply or both"):
        _inbound(stack).add_keyword("C")


def test_fails_on_a_reply_without_send_queue(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"add_keyword\('C'\).reply.*needs send_queue"):
        _inbound(stack).add_keyword("C", reply="Thanks")


def test_fails_on_a_blank_or_too_long_reply(stack: cdk.Stack) -> None:
    _, _, queue = build(stack)
    inbound = _inbound(stack, send_queue=queue)
    with pytest.raises(ValidationError, match="white space"):
        inbound.add_keyword("C", reply="   ")
    with pytest.raises(ValidationError, match="at most 1600"):
        inbound.add_keyword("D", reply="x" * 1601)


def test_fails_when_the_routes_outgrow_the_function_environment(stack: cdk.Stack) -> None:
    _, _, queue = build(stack)
    inbound = _inbound(stack, send_queue=queue)
    inbound.add_keyword("A", reply="x" * 1500)
    with pytest.raises(ValidationError, match="must fit in 3000 characters"):
        inbound.add_keyword("B", reply="y" * 1500)


def test_fails_on_a_fifo_sqs_target(stack: cdk.Stack) -> None:
    queue = sqs.Queue(stack, "Q", fifo=True, enforce_ssl=True)
    with pytest.raises(ValidationError, match="standard queue"):
        _inbound(stack).add_keyword("C", target=InboundTarget.sqs_queue(queue))


def test_fails_on_a_target_of_the_wrong_type(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"lambda_\.IFunction"):
        _inbound(stack).add_keyword("C", target=InboundTarget.lambda_function(sns.Topic(stack, "X")))  # type: ignore[arg-type]


def test_only_the_two_way_topic_may_use_the_queue_key_through_sns(synthesized: Any) -> None:
    _, template, _, _, ids = synthesized
    statements = template.to_json()["Resources"][ids["key"]]["Properties"]["KeyPolicy"]["Statement"]
    sns_statements = [s for s in statements if s.get("Principal") == {"Service": "sns.amazonaws.com"}]
    assert sns_statements == [
        {
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Condition": {"ArnEquals": {"aws:SourceArn": {"Ref": ids["topic"]}}},
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Resource": "*",
        }
    ]
