"""The architecture diagram is drawn from the synthesized sample app, and the committed copies are current."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
import aws_cdk.aws_lambda as lambda_
import aws_cdk.aws_lambda_event_sources as sources
import aws_cdk.aws_s3 as s3
import aws_cdk.aws_sns as sns
import aws_cdk.aws_sns_subscriptions as subscriptions
import aws_cdk.aws_sqs as sqs
import pytest

from sms_constructs.sample_app.diagram import (
    CHAR_PX,
    HOME,
    OVERVIEW_END,
    OVERVIEW_SPLIT_AT,
    OVERVIEW_START,
    PAGE,
    README,
    SPACING,
    WIDTH_BUDGET,
    Diagram,
    Edge,
    Node,
    Pictures,
    diagram_of,
    human_id,
    stale_files,
)
from tests.conftest import ENV, REPO_ROOT, cdk_json_context


@pytest.fixture(scope="module")
def pictures() -> Pictures:
    """Both profiles of the sample app, synthesized and drawn once for this module."""
    return Pictures.of_sample_app(REPO_ROOT)


def _node(diagram: Diagram, label: str, group: str | None = None) -> Node:
    """The node whose label starts with ``label`` (``Sender<br/>Lambda``), in ``group`` if given."""
    found = [
        node
        for node in diagram.nodes
        if node.label.split("<br/>")[0] == label and (group is None or group in diagram.groups[node.groups[-1]])
    ]
    assert len(found) == 1, f"{label} in {group}: {found}"
    return found[0]


def _edge(diagram: Diagram, source: Node, target: Node) -> Edge:
    found = [edge for edge in diagram.edges if edge.source == source.id and edge.target == target.id]
    assert len(found) == 1, f"no single arrow {source.label} -> {target.label}"
    return found[0]


def test_committed_diagrams_are_current(pictures: Pictures) -> None:
    assert stale_files(REPO_ROOT, pictures) == [], "run make diagram"


def test_the_send_path_is_drawn_from_the_template(pictures: Pictures) -> None:
    sandbox = pictures.resources["sandbox"]
    producer = _node(sandbox, "Producer")
    queue = _node(sandbox, "SQS queue", "SmsSendQueue")
    sender = _node(sandbox, "Sender", "SmsSendQueue")
    pool = _node(sandbox, "Pool")
    config = _node(sandbox, "ConfigurationSet")

    # IAM actions without the service prefix (the target's type says it); several of one service counted.
    assert _edge(sandbox, producer, queue).label == "SendMessage"
    assert _edge(sandbox, queue, sender).label == "event source"
    assert _edge(sandbox, sender, pool).label == "SendTextMessage"
    assert _edge(sandbox, sender, config).label == "SendTextMessage"
    assert _edge(sandbox, sender, queue).label == "sqs: 6 actions"


def test_the_event_paths_are_drawn_from_the_template(pictures: Pictures) -> None:
    sandbox = pictures.resources["sandbox"]
    config = _node(sandbox, "ConfigurationSet")
    stream = _node(sandbox, "Firehose stream", "SmsEventAnalytics")
    quick_look = _node(sandbox, "QuickLook", "SmsEventAnalytics")
    topic = _node(sandbox, "EventsTopic", "SmsRetry")
    event_queue = _node(sandbox, "EventQueue", "SmsRetry")
    retry = _node(sandbox, "Function", "SmsRetry")
    send_queue = _node(sandbox, "SQS queue", "SmsSendQueue")

    # Across stacks (Fn::ImportValue of the analytics stack's exports), labelled with the matched event types.
    assert stream.groups[0] != config.groups[0]
    assert _edge(sandbox, config, stream).label == "events: TEXT_ALL"
    assert _edge(sandbox, config, quick_look).label == "events: TEXT_ALL"
    assert "TEXT_CARRIER_UNREACHABLE" in _edge(sandbox, config, topic).label
    assert _edge(sandbox, topic, event_queue).label == "subscription (filtered)"
    assert _edge(sandbox, event_queue, retry).label == "event source"
    assert _edge(sandbox, retry, send_queue).label == "SendMessage"


def test_nodes_are_grouped_by_stack_then_by_library_construct(pictures: Pictures) -> None:
    sandbox = pictures.resources["sandbox"]
    sender = _node(sandbox, "Sender", "SmsSendQueue")

    assert [sandbox.groups[group] for group in sender.groups] == [
        "Stack SmsSandboxSending",
        "Sending · SampleSending",
        "SendQueue · SmsSendQueue",
    ]
    assert _node(sandbox, "Pool").label == "Pool"  # an L2 of the library is named by its class
    assert _node(sandbox, "SimulatorNumber").label == "SimulatorNumber<br/>PhoneNumber"
    # Types in short, one name where the type says the id, no library prefix on its singletons.
    assert _node(sandbox, "Sender").label == "Sender<br/>Lambda"
    assert _node(sandbox, "QuickLook").label == "QuickLook<br/>Log group"
    assert [node.label for node in sandbox.nodes if node.label.startswith("RuntimeLayer")] == [
        "RuntimeLayer<br/>Lambda layer"
    ]


def test_permissions_keys_and_own_log_groups_are_left_out_and_alike_leaves_collapse(pictures: Pictures) -> None:
    sandbox = pictures.resources["sandbox"]
    labels = [node.label for node in sandbox.nodes]

    assert not [label for label in labels if "IAM::" in label or "KMS::" in label or "Policy" in label]
    assert not [label for label in labels if label.startswith(("SenderLogGroup", "FunctionLogGroup", "DeliveryErrors"))]
    assert "11 × Athena query" in labels
    assert "16 × CloudWatch alarm" in labels
    # Buckets are used by others: one node each, not collapsed.
    assert sorted(label for label in labels if label.endswith("S3 bucket")) == [
        "AccessLogs<br/>S3 bucket",
        "QueryResults<br/>S3 bucket",
        "S3 bucket",
    ]


def test_the_production_profile_imports_one_number_and_requests_the_other(pictures: Pictures) -> None:
    """The example production settings import a registered number by ARN (no resource to draw) and request a
    toll-free number (a PhoneNumber the Identities stack owns)."""
    production = pictures.resources["production"]

    assert {production.groups[node.groups[0]] for node in production.nodes} == {
        "Stack SmsProductionAnalytics",
        "Stack SmsProductionIdentities",
        "Stack SmsProductionSending",
        "Stack SmsProductionMonitoring",
    }
    [requested] = [node for node in production.nodes if "PhoneNumber" in node.label and not node.elsewhere]
    assert production.groups[requested.groups[0]] == "Stack SmsProductionIdentities"


def test_the_overview_draws_one_node_per_library_construct(pictures: Pictures) -> None:
    overview = pictures.overview
    send_queue = _node(overview, "SmsSendQueue")
    retry = _node(overview, "SmsRetry")
    monitoring = _node(overview, "SmsMonitoring")

    assert _node(overview, "Events").label == "Events<br/>SmsEventAnalytics"
    assert _edge(overview, _node(overview, "Producer"), send_queue).label == "SendMessage"
    assert _edge(overview, send_queue, _node(overview, "Pool")).label == "SendTextMessage"
    assert "SendMessage" in _edge(overview, retry, send_queue).label
    assert len(overview.nodes) < len(pictures.resources["sandbox"].nodes)
    # Left to the stacks' diagrams: what the monitoring watches, the library's provider and layer.
    assert [edge for edge in overview.edges if monitoring.id in (edge.source, edge.target)] == []
    assert not [node for node in overview.nodes if node.label.startswith(("AccountProvider", "RuntimeLayer"))]


def test_a_small_app_gives_event_sources_subscriptions_and_iam_labels(tmp_path: Path) -> None:
    app = cdk.App(context=cdk_json_context(), outdir=str(tmp_path))
    stack = cdk.Stack(app, "Small", env=ENV)
    topic = sns.Topic(stack, "Topic", master_key=kms.Key(stack, "Key"))
    queue = sqs.Queue(stack, "Queue")
    topic.add_subscription(subscriptions.SqsSubscription(queue))
    function = lambda_.Function(
        stack,
        "Handler",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
        environment={"BUCKET": s3.Bucket(stack, "Reports").bucket_name, "TOPIC": topic.topic_arn},
    )
    function.add_event_source(sources.SqsEventSource(queue))
    topic.grant_publish(function)
    iam.Role(stack, "Unused", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    for index in range(3):
        sqs.Queue(stack, f"Spare{index}")

    diagram = diagram_of(app, app.synth())

    labels = sorted(node.label for node in diagram.nodes)
    assert labels == [
        "3 × SQS queue",
        "Handler<br/>Lambda",
        "Reports<br/>S3 bucket",
        "SNS topic",
        "SQS queue",
    ]
    edges = {(edge.source.split("_", 1)[1][:5], edge.target.split("_", 1)[1][:5], edge.label) for edge in diagram.edges}
    assert edges == {
        ("Topic", "Queue", "subscription"),  # unfiltered
        ("Queue", "Handl", "event source"),
        ("Handl", "Topic", "Publish"),  # referred to and granted
        ("Handl", "Repor", ""),  # referred to only
    }


def test_mermaid_nests_groups_and_escapes_labels() -> None:
    diagram = Diagram(
        groups={"S": "Stack S", "S__Send": "Send · SmsSendQueue"},
        nodes=[
            Node(id="a", label='say "hi"', family="compute", groups=("S", "S__Send")),
            Node(id="b", label="Pool", family="sms", groups=("S",)),
        ],
        edges=[Edge("a", "b", "sms-voice:SendTextMessage"), Edge("b", "a")],
    )

    assert diagram.to_mermaid().splitlines() == [
        SPACING,
        "flowchart LR",
        '    subgraph S["Stack S"]',
        '        b{{"Pool"}}',
        '        subgraph S__Send["Send · SmsSendQueue"]',
        '            a(["say #quot;hi#quot;"])',
        "        end",
        "    end",
        '    a -->|"sms-voice:SendTextMessage"| b',
        "    b --> a",
        "    classDef compute fill:#fff3cd,stroke:#c98a00,color:#3b2a00",
        "    classDef sms fill:#fde8d7,stroke:#d05c17,color:#3b1a06",
        "    class a compute",
        "    class b sms",
    ]


def test_stale_files_names_the_page_the_readme_and_the_home_page(pictures: Pictures, tmp_path: Path) -> None:
    for name in (README, HOME):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"# Title\n\n{OVERVIEW_START}\nold picture\n{OVERVIEW_END}\n\nMore.\n")

    assert stale_files(tmp_path, pictures) == [PAGE, README, HOME]

    (tmp_path / PAGE).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / PAGE).write_text(pictures.page())
    for name in (README, HOME):
        (tmp_path / name).write_text(pictures.with_overview((tmp_path / name).read_text(), name))
    assert stale_files(tmp_path, pictures) == []
    for name in (README, HOME):
        text = (tmp_path / name).read_text()
        assert text.endswith(f"{OVERVIEW_END}\n\nMore.\n")
        assert pictures.overview_block() in text


def test_fails_on_a_page_without_the_diagram_markers(pictures: Pictures) -> None:
    with pytest.raises(ValueError, match=r"docs/index\.md has no <!-- diagram:start"):
        pictures.with_overview("# Title\n\nNo picture here.\n", HOME)


#: A CDK-generated id in a label: a 32-hex-digit singleton suffix or an 8-hex-digit logical-id suffix.
HASH_LIKE = re.compile(r"[0-9a-fA-F]{32}|[a-z][0-9A-F]{8}\b")


def test_no_label_carries_a_cdk_hash_id(pictures: Pictures) -> None:
    for title, diagram in pictures.diagrams():
        labels = [node.label for node in diagram.nodes] + list(diagram.groups.values())
        assert [label for label in labels if HASH_LIKE.search(label)] == [], title


def test_hash_suffixes_of_cdk_singletons_give_way_to_names() -> None:
    assert human_id("AWS679f53fac002430cb0da5b7982bd2287") == "SdkCallProvider"
    assert human_id("LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a") == "LogRetention"
    assert human_id("SendQueue") == "SendQueue"
    assert human_id("SmsConstructsAccountProvider") == "AccountProvider"
    assert not HASH_LIKE.search("Number1 (imported)<br/>PhoneNumber")
    assert HASH_LIKE.search("PoolD3F588B8")


def test_each_stack_has_its_own_diagram_and_a_large_one_is_drawn_in_parts(pictures: Pictures) -> None:
    drawn = dict(pictures.diagrams())

    for diagram in pictures.resources.values():
        for stack in diagram.stacks():
            assert any(title.startswith(diagram.groups[stack]) for title in drawn), stack
    # The Sending stack is drawn per construct: its send queue, replies, status events, retries, then the rest.
    assert [title for title in drawn if "SandboxSending" in title] == [
        "Stack SmsSandboxSending: SendQueue",
        "Stack SmsSandboxSending: Inbound",
        "Stack SmsSandboxSending: Status",
        "Stack SmsSandboxSending: Retry",
        "Stack SmsSandboxSending: ConfigurationSet, Producer, RuntimeLayer",
    ]
    page = pictures.page()
    assert page.count("```mermaid") == len(drawn) == 23
    assert page.count("### Stack SmsSandbox") == page.count("### Stack SmsProduction") == 10


def test_no_diagram_is_estimated_wider_than_the_page_shows_legibly(pictures: Pictures) -> None:
    """The proxy, without a browser, for text of at least 11 px at 1280 px (docs/tools/diagram_size.py measures it):
    no group boxes, and each diagram's width estimated from its labels within WIDTH_BUDGET in one of the two
    directions (a stack's remainder, which cannot be split further, may be drawn top to bottom over its estimate:
    the Identities remainder is estimated at 1,236 px that way and measures 876 px)."""
    for title, diagram in pictures.diagrams():
        assert diagram.groups == {}, title
        assert min(diagram.width("TB"), diagram.width("LR")) <= WIDTH_BUDGET, title


def test_fails_the_width_budget_for_a_diagram_too_wide_to_read() -> None:
    """Ten boxes under one, side by side: the estimate sees them, where a node count of 11 would not."""
    targets = [
        Node(id=f"t{index}", label=f"DeadLetterQueue{index}<br/>SQS queue", family="messaging", groups=())
        for index in range(10)
    ]
    wide = Diagram(
        groups={},
        nodes=[Node(id="s", label="Sender<br/>Lambda", family="compute", groups=()), *targets],
        edges=[Edge("s", target.id, "SendMessage") for target in targets],
    )
    narrow = Diagram(groups={}, nodes=wide.nodes[:3], edges=wide.edges[:2])

    assert wide.width("TB") > WIDTH_BUDGET
    assert wide.direction() == "LR"  # one source, many targets: left to right is narrower
    assert wide.width("LR") < wide.width("TB")
    assert narrow.fits()
    # Longer labels make the same graph wider.
    longer = Diagram(
        groups={},
        nodes=[dataclasses.replace(node, label=node.label + "<br/>" + "x" * 40) for node in narrow.nodes],
        edges=narrow.edges,
    )
    assert longer.width("TB") > narrow.width("TB") + 2 * 20 * CHAR_PX  # two boxes side by side, 24 characters longer


def test_ranks_count_the_nodes_at_each_longest_path_to_a_sink() -> None:
    diagram = Diagram(
        groups={},
        nodes=[Node(id=name, label=name, family="other", groups=()) for name in "abcdef"],
        edges=[Edge("a", "b"), Edge("a", "c"), Edge("a", "d"), Edge("b", "e"), Edge("e", "b"), Edge("c", "d")],
    )

    # e -> b closes a cycle: broken at b, so e is a sink; c and d sit under their only source (a and c); f has no
    # arrow and sits on the top rank.
    assert diagram.rank_of() == {"a": 2, "b": 1, "c": 1, "d": 0, "e": 0, "f": 2}
    assert diagram.ranks() == {2: 2, 1: 2, 0: 2}
    assert diagram.direction() == "TB"


def test_the_two_profiles_look_different(pictures: Pictures) -> None:
    """Production imports a registered number and mails its alarms: both show, dashed; the sandbox has neither."""
    production, sandbox = pictures.overviews["production"], pictures.overviews["sandbox"]
    imported = _node(production, "Number1 (imported)")
    mail = [node for node in production.nodes if node.label.startswith("email<br/>")]

    assert imported.elsewhere
    assert imported.label == "Number1 (imported)<br/>PhoneNumber"
    assert _edge(production, _node(production, "Pool"), imported).label == ""
    assert [node.label for node in mail] == ["email<br/>sms-oncall@example.com"]
    assert not [node for node in sandbox.nodes if node.elsewhere]
    assert "| Alarm e-mail | none (the topic only) | sms-oncall@example.com |" in pictures.page()


def test_a_stack_diagram_draws_the_other_stacks_nodes_dashed(pictures: Pictures) -> None:
    sandbox = pictures.resources["sandbox"]
    [sending] = [stack for stack in sandbox.stacks() if stack.endswith("Sending")]
    diagram = sandbox.of_stack(sending)
    pool = _node(diagram, "Pool")

    assert pool.elsewhere
    assert diagram.groups[pool.groups[0]] == "Stack SmsSandboxIdentities"
    assert "classDef elsewhere" in diagram.to_mermaid()
    assert not _node(diagram, "Sender").elsewhere


def test_an_overview_with_too_many_boxes_is_drawn_per_path_and_loses_nothing(pictures: Pictures) -> None:
    """Production's overview (16 boxes, measured 1,525 px wide) is drawn as the send path and the after-the-send
    path; the sandbox's (14 boxes, 1,024 px) stays whole. Every box and arrow of the overview is in one of the parts."""
    drawn = dict(pictures.diagrams())
    production = pictures.overviews["production"]
    parts = [diagram for title, diagram in drawn.items() if title.startswith("Production profile: overview")]

    assert [title for title in drawn if "profile: overview" in title] == [
        "Sandbox profile: overview",
        "Production profile: overview, the send path",
        "Production profile: overview, after the send",
    ]
    assert len(production.nodes) > OVERVIEW_SPLIT_AT >= len(pictures.overviews["sandbox"].nodes)
    send_path, after = parts
    labels = {node.label for node in send_path.nodes}
    assert {"SmsSendQueue", "Pool", "SmsRetry"} <= labels
    # The replies and status constructs, and the inbound topic that feeds only them, are drawn apart ...
    assert not labels & {"SmsInbound", "SmsStatusNotifier", "InboundTopic<br/>SNS topic"}
    # ... with what they hang off: the send queue, the configuration set, the pool, the opt-out list.
    assert {node.label for node in after.nodes} == {
        "SmsInbound",
        "SmsStatusNotifier",
        "InboundTopic<br/>SNS topic",
        "SmsSendQueue",
        "ConfigurationSet",
        "Pool",
        "OptOutList",
    }
    assert {node.id for part in parts for node in part.nodes} == {node.id for node in production.nodes}
    assert {edge for part in parts for edge in part.edges} == set(production.edges)
    page = pictures.page()
    assert "### Overview, the send path" in page
    assert "### Overview, after the send" in page
