"""SmsSendQueue with lanes: a queue and an event source mapping per lane, one sender, the settings both handlers read,
least-privilege IAM on every lane's queue, the producer's environment, and every rule refused at synth."""

from __future__ import annotations

import functools
from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_lambda as lambda_
import pytest
from aws_cdk.assertions import Annotations, Match, Template
from sms_constructs_runtime.producer import SmsProducer
from sms_constructs_runtime.settings import RetrySettings, SenderSettings

from sms_constructs import SendLane
from sms_constructs._private.errors import ValidationError
from sms_constructs.patterns.retry import SmsRetry
from sms_constructs.patterns.send_queue import SmsSendQueue, sender_timeout
from tests.conftest import ENV, cdk_json_context
from tests.patterns.conftest import build, deployed_environment, function_environment, logical_id, statements_of

#: urgent / normal / bulk on a 20 MPS identity, bulk with a reserved share, urgent with its own concurrency.
LANES = [SendLane.urgent(max_concurrency=4), SendLane.normal(), SendLane.bulk(reserved_share=0.25)]


@functools.cache
def synthesize_lanes() -> tuple[cdk.Stack, Template, SmsSendQueue, SmsRetry]:
    """One stack with a send queue with three lanes (batch size 5) and its retry, synthesized once per process."""
    app = cdk.App(context=cdk_json_context())
    stack = cdk.Stack(app, "TestStack", env=ENV)
    _, config, queue = build(stack, max_parts_per_second=20, batch_size=5, lanes=LANES)
    retry = SmsRetry(stack, "Retry", send_queue=queue, configuration_set=config)
    return stack, Template.from_stack(stack), queue, retry


@pytest.fixture(scope="module")
def lanes() -> tuple[cdk.Stack, Template, SmsSendQueue, SmsRetry]:
    return synthesize_lanes()


def queue_ids(stack: cdk.Stack, queue: SmsSendQueue) -> dict[str, str]:
    """Lane name → logical id of its queue."""
    return {lane.name: logical_id(stack, queue.lane_queue(lane.name)) for lane in queue.lanes}


def test_the_default_lane_is_the_existing_queue_and_every_other_lane_gets_one(lanes: Any) -> None:
    stack, template, queue, _ = lanes
    without = cdk.Stack(cdk.App(context=cdk_json_context()), "TestStack", env=ENV)
    _, _, plain = build(without, max_parts_per_second=20)
    ids = queue_ids(stack, queue)
    assert queue.default_lane == "normal"
    assert queue.lane_queue("normal") is queue.queue
    assert ids["normal"] == logical_id(without, plain.queue)  # same logical id: adding lanes never replaces it
    assert len({ids["urgent"], ids["normal"], ids["bulk"]}) == 3
    assert ids["urgent"].startswith("SendLanesurgentQueue")
    assert ids["bulk"].startswith("SendLanesbulkQueue")
    template.resource_count_is("AWS::SQS::Queue", 4 + 2)  # 3 lanes + the DLQ; the retry's event queue and DLQ
    assert [lane.name for lane in queue.lanes] == ["urgent", "normal", "bulk"]


def test_every_lane_queue_has_the_main_queues_key_retention_visibility_and_dead_letter_queue(lanes: Any) -> None:
    stack, template, queue, _ = lanes
    queues = template.find_resources("AWS::SQS::Queue")
    main = queues[logical_id(stack, queue.queue)]["Properties"]
    dlq = {"Fn::GetAtt": [logical_id(stack, queue.dead_letter_queue), "Arn"]}
    assert main["RedrivePolicy"] == {"deadLetterTargetArn": dlq, "maxReceiveCount": 10}
    for name, logical in queue_ids(stack, queue).items():
        assert queues[logical]["Properties"] == main, name
        assert queues[logical]["UpdateReplacePolicy"] == "Delete"
        policies = [
            p["Properties"]
            for p in template.find_resources("AWS::SQS::QueuePolicy").values()
            if p["Properties"]["Queues"] == [{"Ref": logical}]
        ]
        [statement] = policies[0]["PolicyDocument"]["Statement"]
        assert statement["Effect"] == "Deny"
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_one_event_source_mapping_per_lane_to_the_one_sender(lanes: Any) -> None:
    stack, template, queue, _ = lanes
    mappings = {
        m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]: m["Properties"]
        for m in template.find_resources("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": logical_id(stack, queue.function)}
    }
    ids = queue_ids(stack, queue)
    assert set(mappings) == set(ids.values())
    concurrency = {name: mappings[logical]["ScalingConfig"]["MaximumConcurrency"] for name, logical in ids.items()}
    assert concurrency == {"urgent": 4, "normal": queue.max_concurrency, "bulk": queue.max_concurrency}
    assert queue.max_concurrency == 10  # ceil(20 x 0.5)
    for properties in mappings.values():
        assert properties["BatchSize"] == 5
        assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert set(queue.lane_event_source_mappings) == {"urgent", "bulk"}


def test_the_sender_reserves_every_lanes_concurrency_and_its_timeout_counts_them(lanes: Any) -> None:
    stack, template, queue, _ = lanes
    properties = template.find_resources("AWS::Lambda::Function")[logical_id(stack, queue.function)]["Properties"]
    assert properties["ReservedConcurrentExecutions"] == 4 + 10 + 10
    assert properties["Timeout"] == sender_timeout(20, 24, 5).to_seconds()
    assert properties["Timeout"] > sender_timeout(20, 10, 5).to_seconds()  # more invocations share the one pacer
    for logical in queue_ids(stack, queue).values():
        assert template.find_resources("AWS::SQS::Queue")[logical]["Properties"]["VisibilityTimeout"] == (
            6 * properties["Timeout"]
        )


def test_the_sender_reads_the_lanes_in_priority_order_their_shares_and_the_batch_size(lanes: Any) -> None:
    stack, template, queue, _ = lanes
    urls = {
        logical: f"https://sqs.us-east-1.amazonaws.com/111122223333/{logical}"
        for logical in queue_ids(stack, queue).values()
    }
    raw = function_environment(template, "sender.handler.main")
    resolved = {name: stack.resolve(value) for name, value in raw.items()}
    assert resolved["SMS_QUEUE_URL"] == {"Ref": logical_id(stack, queue.queue)}
    joined = resolved["SMS_LANES"]["Fn::Join"]
    assert joined[0] == ""
    rendered = "".join(part if isinstance(part, str) else urls[part["Ref"]] for part in joined[1])
    ids = queue_ids(stack, queue)
    settings = SenderSettings.from_environment(
        deployed_environment(
            template,
            "sender.handler.main",
            {
                "SMS_TABLE_NAME": "store",
                "SMS_QUEUE_URL": urls[ids["normal"]],
                "SMS_ORIGINATION_IDENTITY": "arn:aws:sms-voice:us-east-1:111122223333:pool/pool-1",
                "SMS_CONFIGURATION_SET_NAME": "acme",
                "SMS_LANES": rendered,
            },
        )
    )
    assert settings.lanes == tuple(f"{name}={urls[ids[name]]}" for name in ("urgent", "normal", "bulk"))
    assert settings.lane_reserved_shares == ("bulk=0.25",)
    assert settings.batch_size == 5
    assert settings.queue_url == urls[ids["normal"]]


def test_the_retry_function_reads_the_same_lanes(lanes: Any) -> None:
    _, template, _, _ = lanes
    sender = function_environment(template, "sender.handler.main")
    retry = function_environment(template, "retry.handler.main")
    assert retry["SMS_LANES"] == sender["SMS_LANES"]
    assert set(retry) <= RetrySettings.environment_names()


def lane_queue_arns(stack: cdk.Stack, queue: SmsSendQueue) -> list[dict[str, Any]]:
    return [{"Fn::GetAtt": [logical, "Arn"]} for logical in queue_ids(stack, queue).values()]


def test_the_sender_consumes_and_re_enqueues_on_every_lane_queue_and_nothing_else(lanes: Any) -> None:
    stack, template, queue, _ = lanes
    statements = statements_of(template, "SendSenderRole")
    sqs_statements = [
        {**s, "Resource": _sorted(s["Resource"])} for s in statements if any(a.startswith("sqs:") for a in _actions(s))
    ]
    assert sqs_statements == [
        {
            "Action": [
                "sqs:ChangeMessageVisibility",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:GetQueueUrl",
                "sqs:ReceiveMessage",
                "sqs:SendMessage",
            ],
            "Effect": "Allow",
            "Resource": _sorted(lane_queue_arns(stack, queue)),
        }
    ]
    assert {a for s in statements for a in _actions(s)} == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:ReceiveMessage",
        "sqs:SendMessage",
        "kms:Decrypt",
        "kms:DescribeKey",
        "kms:Encrypt",
        "kms:GenerateDataKey",
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "sms-voice:SendTextMessage",
    }


def test_the_retry_sends_to_every_lane_queue(lanes: Any) -> None:
    stack, template, queue, _ = lanes
    [send] = [s for s in statements_of(template, "RetryFunctionRole") if _actions(s) == ["sqs:SendMessage"]]
    assert _sorted(send["Resource"]) == _sorted(lane_queue_arns(stack, queue))


def test_grant_send_grants_every_lane_queue_and_the_key_only() -> None:
    app = cdk.App(context=cdk_json_context())
    stack = cdk.Stack(app, "TestStack", env=ENV)
    _, _, queue = build(stack, max_parts_per_second=20, lanes=LANES)
    producer = iam.Role(stack, "Producer", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    queue.grant_send(producer)
    [statements] = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()
        if p["Properties"]["Roles"] == [{"Ref": stack.get_logical_id(producer.node.default_child)}]  # type: ignore[arg-type]
    ]
    statements[0]["Resource"] = _sorted(statements[0]["Resource"])
    assert statements == [
        {"Action": "sqs:SendMessage", "Effect": "Allow", "Resource": _sorted(lane_queue_arns(stack, queue))},
        {
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [logical_id(stack, queue.encryption_key), "Arn"]},
        },
    ]


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def _sorted(resources: Any) -> list[Any]:
    return sorted(resources if isinstance(resources, list) else [resources], key=repr)


# -- producers ----------------------------------------------------------------------------------------------------


def producer_function(stack: cdk.Stack, id: str) -> lambda_.Function:
    return lambda_.Function(
        stack,
        id,
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="app.main",
        code=lambda_.Code.from_inline("def main(event, context):\n    return None\n"),
    )


def test_add_producer_gives_the_lanes_and_the_name_the_producer_client_reads(stack: cdk.Stack) -> None:
    _, _, queue = build(stack, max_parts_per_second=20, lanes=LANES)
    queue.add_producer(producer_function(stack, "Reminders"), producer_name="reminders")
    template = Template.from_stack(stack)
    ids = queue_ids(stack, queue)
    urls = {logical: f"https://sqs.us-east-1.amazonaws.com/111122223333/{logical}" for logical in ids.values()}
    [raw] = [
        f["Properties"]["Environment"]["Variables"]
        for f in template.find_resources("AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == "app.main"
    ]
    assert set(raw) == {"SMS_SEND_QUEUE_URL", "SMS_SEND_LANE_QUEUE_URLS", "SMS_PRODUCER_NAME"}
    assert raw["SMS_PRODUCER_NAME"] == "reminders"
    separator, parts = raw["SMS_SEND_LANE_QUEUE_URLS"]["Fn::Join"]
    environment = {
        "SMS_SEND_QUEUE_URL": urls[raw["SMS_SEND_QUEUE_URL"]["Ref"]],
        "SMS_SEND_LANE_QUEUE_URLS": separator.join(p if isinstance(p, str) else urls[p["Ref"]] for p in parts),
        "SMS_PRODUCER_NAME": raw["SMS_PRODUCER_NAME"],
    }
    producer = SmsProducer.from_environment(environment=environment)
    assert producer.queue_url == urls[ids["normal"]]
    assert producer.lane_queue_urls == {name: urls[ids[name]] for name in ("urgent", "normal", "bulk")}
    assert list(producer.lane_queue_urls) == ["urgent", "normal", "bulk"]
    assert producer.producer == "reminders"


def test_a_producer_without_lanes_or_a_name_gets_the_queue_url_only(stack: cdk.Stack) -> None:
    _, _, queue = build(stack)
    function = producer_function(stack, "Plain")
    queue.add_producer(function)
    properties = Template.from_stack(stack).find_resources("AWS::Lambda::Function")[logical_id(stack, function)]
    assert properties["Properties"]["Environment"]["Variables"] == {
        "SMS_SEND_QUEUE_URL": {"Ref": logical_id(stack, queue.queue)}
    }


def test_a_producer_name_without_lanes_is_set_alone(stack: cdk.Stack) -> None:
    _, _, queue = build(stack)
    function = producer_function(stack, "Named")
    queue.add_producer(function, producer_name="billing.v2")
    variables = Template.from_stack(stack).find_resources("AWS::Lambda::Function")[logical_id(stack, function)][
        "Properties"
    ]["Environment"]["Variables"]
    assert set(variables) == {"SMS_SEND_QUEUE_URL", "SMS_PRODUCER_NAME"}
    assert variables["SMS_PRODUCER_NAME"] == "billing.v2"


@pytest.mark.parametrize("name", ["", "has space", "a" * 65, "ümlaut", "slash/name"])
def test_fails_on_a_producer_name_the_contract_refuses(stack: cdk.Stack, name: str) -> None:
    _, _, queue = build(stack)
    function = producer_function(stack, "Bad")
    with pytest.raises(ValidationError, match=r"TestStack/Send: invalid 'producer_name': must be 1-64 characters"):
        queue.add_producer(function, producer_name=name)
    assert "SMS_SEND_QUEUE_URL" not in Template.from_stack(stack).to_json()["Resources"][logical_id(stack, function)][
        "Properties"
    ].get("Environment", {}).get("Variables", {})


def test_fails_on_a_producer_name_used_twice_on_one_queue(stack: cdk.Stack) -> None:
    _, _, queue = build(stack)
    queue.add_producer(producer_function(stack, "First"), producer_name="otp")
    queue.add_producer(producer_function(stack, "Other"), producer_name="reminders")
    with pytest.raises(
        ValidationError,
        match=r"TestStack/Send: invalid 'producer_name': is already the name of another producer of this queue "
        r"\(TestStack/First\)",
    ):
        queue.add_producer(producer_function(stack, "Second"), producer_name="otp")


def test_the_same_producer_name_on_two_queues_is_accepted(stack: cdk.Stack) -> None:
    _, _, queue = build(stack)
    other = SmsSendQueue(
        stack,
        "OtherSend",
        origination_identity=queue.origination_identity,
        configuration_set=queue.configuration_set,
        max_parts_per_second=1,
    )
    queue.add_producer(producer_function(stack, "First"), producer_name="otp")
    other.add_producer(producer_function(stack, "Second"), producer_name="otp")
    template = Template.from_stack(stack)
    names = [
        f["Properties"]["Environment"]["Variables"].get("SMS_PRODUCER_NAME")
        for f in template.find_resources("AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == "app.main"
    ]
    assert names == ["otp", "otp"]


# -- the default lane -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lanes", "default_lane", "expected"),
    [
        ([SendLane.urgent(), SendLane.normal(), SendLane.bulk()], None, "normal"),
        ([SendLane.urgent(), SendLane.bulk()], None, "bulk"),  # no "normal": the last, so nothing jumps ahead
        ([SendLane(name="otp"), SendLane(name="marketing")], None, "marketing"),
        ([SendLane.urgent(), SendLane.normal(), SendLane.bulk()], "urgent", "urgent"),
    ],
)
def test_the_default_lane_is_the_queue(
    stack: cdk.Stack, lanes: list[SendLane], default_lane: str | None, expected: str
) -> None:
    _, _, queue = build(stack, lanes=lanes, default_lane=default_lane)
    assert queue.default_lane == expected
    assert queue.lane_queue(expected) is queue.queue
    assert stack.resolve(queue.lane_queue_urls[expected]) == {"Ref": logical_id(stack, queue.queue)}
    assert list(queue.lane_queue_urls) == [lane.name for lane in lanes]
    environment = function_environment(Template.from_stack(stack), "sender.handler.main")
    assert environment["SMS_QUEUE_URL"] == {"Ref": logical_id(stack, queue.queue)}
    assert "SMS_LANE_RESERVED_SHARES" not in environment  # no shares: nothing to say
    assert "SMS_BATCH_SIZE" not in environment  # 10, the settings' default


def test_fails_on_an_unknown_lane_queue(stack: cdk.Stack) -> None:
    _, _, queue = build(stack, max_parts_per_second=20, lanes=LANES)
    with pytest.raises(ValidationError, match=r"TestStack/Send: invalid 'name': must be one of the queue's lanes "):
        queue.lane_queue("marketing")


# -- the default: no lanes ------------------------------------------------------------------------------------------


def test_a_queue_without_lanes_has_one_queue_one_mapping_and_no_lane_settings(synthesized: Any) -> None:
    _, template, queue, _ = synthesized
    assert queue.lanes == []
    assert queue.default_lane is None
    assert queue.lane_queue_urls == {}
    assert queue.lane_event_source_mappings == {}
    template.resource_count_is("AWS::Lambda::EventSourceMapping", 2)  # the sender's and the retry's
    for handler in ("sender.handler.main", "retry.handler.main"):
        environment = function_environment(template, handler)
        assert not {"SMS_LANES", "SMS_LANE_RESERVED_SHARES", "SMS_BATCH_SIZE", "SMS_PRODUCER_QUOTAS"} & set(environment)
    with pytest.raises(ValidationError, match="none: the queue has no lanes"):
        queue.lane_queue("normal")


def test_adding_lanes_replaces_nothing(synthesized: Any, lanes: Any) -> None:
    """Every resource of the queue without lanes is still there, same logical id and type, with lanes."""
    _, without, _, _ = synthesized
    _, with_lanes, _, _ = lanes
    before = without.to_json()["Resources"]
    after = with_lanes.to_json()["Resources"]
    missing = {logical: r["Type"] for logical, r in before.items() if after.get(logical, {}).get("Type") != r["Type"]}
    assert missing == {}
    added = sorted(after[logical]["Type"] for logical in set(after) - set(before))
    assert added == sorted(["AWS::SQS::Queue", "AWS::SQS::QueuePolicy", "AWS::Lambda::EventSourceMapping"] * 2)


# -- what is refused --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "match"),
    [
        ({"lanes": [SendLane.urgent()]}, r"invalid 'lanes': must hold 2 to 5 lanes .*received \['urgent'\]"),
        ({"lanes": [SendLane(name=f"l{n}") for n in range(6)]}, r"invalid 'lanes': must hold 2 to 5 lanes"),
        ({"lanes": []}, r"invalid 'lanes': must hold 2 to 5 lanes"),
        ({"lanes": SendLane.urgent()}, r"invalid 'lanes': must be a list of SendLane"),
        ({"lanes": ["urgent", "bulk"]}, r"invalid 'lanes\[0\]': must be a SendLane .*received 'urgent'"),
        ({"lanes": [SendLane(name="Urgent"), SendLane.bulk()]}, r"invalid 'lanes\[0\].name': must be 1-20 of a-z"),
        ({"lanes": [SendLane.urgent(), SendLane(name="1st")]}, r"invalid 'lanes\[1\].name': .*received '1st'"),
        ({"lanes": [SendLane.urgent(), SendLane(name="b" * 21)]}, r"invalid 'lanes\[1\].name'"),
        ({"lanes": [SendLane.urgent(), SendLane(name="bulk_eu")]}, r"invalid 'lanes\[1\].name'"),
        (
            {"lanes": [SendLane.urgent(), SendLane.bulk(), SendLane.urgent()]},
            r"invalid 'lanes\[2\].name': must be unique among the lanes; duplicate; received 'urgent'",
        ),
        (
            {"lanes": [SendLane.urgent(), SendLane.bulk()], "default_lane": "normal"},
            r"invalid 'default_lane': must be one of the lanes \(urgent, bulk\); received 'normal'",
        ),
        ({"default_lane": "normal"}, r"invalid 'default_lane': is a lane's name, and the queue has no lanes"),
        (
            {"lanes": [SendLane.urgent(), SendLane.bulk(reserved_share=0)]},
            r"invalid 'lanes\[1\].reserved_share': must be above 0 and below 1",
        ),
        (
            {"lanes": [SendLane.urgent(), SendLane.bulk(reserved_share=1)]},
            r"invalid 'lanes\[1\].reserved_share': must be above 0 and below 1",
        ),
        (
            {"lanes": [SendLane.urgent(reserved_share=-0.2), SendLane.bulk()]},
            r"invalid 'lanes\[0\].reserved_share': must be above 0 and below 1",
        ),
        (
            {"lanes": [SendLane.urgent(), SendLane.bulk(reserved_share=True)]},  # type: ignore[arg-type]
            r"invalid 'lanes\[1\].reserved_share': must be a number",
        ),
        (  # 0.2 x 3 MPS is 0.6 parts per second
            {"lanes": [SendLane.urgent(), SendLane.bulk(reserved_share=0.2)]},
            r"invalid 'lanes\[1\].reserved_share': must be worth at least 1 part per second: 0.2 x "
            r"max_parts_per_second 3 is 0.6 .*use at least 0.334; received 0.2",
        ),
        (
            {
                "lanes": [SendLane.urgent(), SendLane.normal(reserved_share=0.5), SendLane.bulk(reserved_share=0.5)],
                "max_parts_per_second": 20,
            },
            r"invalid 'lanes': reserved shares must add up to less than 1 .*received \{'normal': 0.5, 'bulk': 0.5\}",
        ),
        (
            {"lanes": [SendLane.urgent(max_concurrency=1), SendLane.bulk()]},
            r"invalid 'lanes\[0\].max_concurrency': must be between 2 and 1000",
        ),
        (
            {"lanes": [SendLane.urgent(max_concurrency=2.5), SendLane.bulk()]},  # type: ignore[arg-type]
            r"invalid 'lanes\[0\].max_concurrency': must be a whole number",
        ),
        (
            {"lanes": [SendLane.urgent(max_concurrency=600), SendLane.bulk(max_concurrency=500)]},
            r"invalid 'lanes': the lanes' event source mappings may run 1100 sender invocations together",
        ),
        (  # 3000 MPS: each lane's mapping defaults to the queue's 1000
            {"lanes": [SendLane.urgent(), SendLane.bulk()], "max_parts_per_second": 3000},
            r"invalid 'lanes': the lanes' event source mappings may run 2000 "
            r".*received \{'urgent': 1000, 'bulk': 1000\}",
        ),
    ],
)
def test_fails_on_lanes_the_sender_cannot_pace(stack: cdk.Stack, props: dict[str, Any], match: str) -> None:
    with pytest.raises(ValidationError, match=f"TestStack/Send: {match}"):
        build(stack, **props)
    send = stack.node.find_child("Send")
    assert send.node.try_find_child("Key") is None  # refused before any child is created


def test_a_share_worth_exactly_one_part_per_second_is_accepted(stack: cdk.Stack) -> None:
    _, _, queue = build(stack, lanes=[SendLane.urgent(), SendLane.bulk(reserved_share=0.5)], max_parts_per_second=2)
    environment = function_environment(Template.from_stack(stack), "sender.handler.main")
    assert environment["SMS_LANE_RESERVED_SHARES"] == "bulk=0.5"
    assert queue.lanes[1].reserved_share == 0.5


def test_five_lanes_are_accepted(stack: cdk.Stack) -> None:
    lanes = [SendLane(name=name) for name in ("p1", "p2", "p3", "p4", "p5")]
    _, _, queue = build(stack, lanes=lanes)
    Template.from_stack(stack).resource_count_is("AWS::SQS::Queue", 5 + 1)
    assert queue.default_lane == "p5"


def test_send_lane_factories_and_fields() -> None:
    assert SendLane.urgent() == SendLane(name="urgent")
    assert SendLane.normal(max_concurrency=3) == SendLane(name="normal", max_concurrency=3)
    assert SendLane.bulk(reserved_share=0.1) == SendLane(name="bulk", reserved_share=0.1)
    with pytest.raises(TypeError):
        SendLane("urgent")  # type: ignore[misc]  # keyword-only, like every prop


# -- metrics and warnings -------------------------------------------------------------------------------------------


def test_metric_time_to_send_is_per_lane_at_p99(lanes: Any) -> None:
    _, _, queue, _ = lanes
    metric = queue.metric_time_to_send(lane="urgent")
    assert metric.metric_name == "TimeToSend"
    assert metric.namespace == "SmsConstructs"
    assert metric.dimensions == {"service": queue.service_name, "Lane": "urgent"}
    assert metric.statistic == "p99"
    assert queue.metric_time_to_send(lane="bulk", statistic="Average").statistic == "Average"
    with pytest.raises(ValidationError, match=r"TestStack/Send: invalid 'lane': must be one of the queue's lanes "):
        queue.metric_time_to_send(lane="marketing")


def test_metric_time_to_send_fails_without_lanes(synthesized: Any) -> None:
    _, _, queue, _ = synthesized
    with pytest.raises(ValidationError, match=r"invalid 'lane': must be one of the queue's lanes \(none"):
        queue.metric_time_to_send(lane="urgent")


def test_warns_on_a_share_of_a_fractional_rate(stack: cdk.Stack) -> None:
    build(stack, lanes=[SendLane.urgent(), SendLane.bulk(reserved_share=0.15)], max_parts_per_second=10)
    warnings = Annotations.from_stack(stack).find_warning(
        "/TestStack/Send", Match.string_like_regexp("sms-constructs:LaneShareFractional")
    )
    [warning] = warnings
    assert "lanes[1].reserved_share=0.15 is 1.5 parts per second" in warning.entry.data


def test_no_share_warning_for_a_whole_rate(lanes: Any) -> None:
    stack, _, _, _ = lanes
    assert Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("LaneShareFractional")) == []


def test_lane_settings_are_left_out_of_the_environment_while_they_hold_their_default() -> None:
    """What keeps the template of a queue without lanes unchanged: a setting added later is not rendered while it holds
    its default, and reads back as that default."""
    required = {
        "table_name": "store",
        "queue_url": "https://sqs.example/q",
        "origination_identity": "arn:aws:sms-voice:us-east-1:111122223333:pool/pool-1",
        "configuration_set_name": "acme",
        "max_parts_per_second": 3,
        "retention_seconds": 1_209_600,
        "service_name": "s",
        "metrics_namespace": "m",
    }
    plain = SenderSettings(**required).to_environment()  # type: ignore[arg-type]
    assert not {"SMS_LANES", "SMS_LANE_RESERVED_SHARES", "SMS_BATCH_SIZE", "SMS_PRODUCER_QUOTAS"} & set(plain)
    assert "SMS_VALIDATE_NUMBERS" in plain  # settings of before are rendered as always, default or not
    assert SenderSettings.from_environment(plain) == SenderSettings(**required)  # type: ignore[arg-type]
    with_lanes = SenderSettings(
        **required,  # type: ignore[arg-type]
        lanes=("urgent=https://sqs.example/u", "normal=https://sqs.example/q"),
        lane_reserved_shares=("urgent=0.5",),
        batch_size=4,
    )
    environment = with_lanes.to_environment()
    assert environment["SMS_LANES"] == "urgent=https://sqs.example/u,normal=https://sqs.example/q"
    assert environment["SMS_BATCH_SIZE"] == "4"
    assert SenderSettings.from_environment(environment) == with_lanes
