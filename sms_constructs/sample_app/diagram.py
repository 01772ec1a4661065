"""The architecture diagram of the sample app, drawn from its cloud assembly (Mermaid), never by hand.

``make diagram`` (``python -m sms_constructs.sample_app.diagram``) synthesizes both profiles in-process (no AWS call)
and rewrites ``docs/sample-app/diagram.md`` and the overview picture in ``README.md`` and on the site's home page
(``docs/index.md``); ``--check`` only says whether they are current (a test runs the same comparison).

How the template becomes a picture:

- a **node** per resource that carries data or code (queues, topics, functions, tables, buckets, streams, SMS
  resources, ...). IAM roles and policies, KMS keys, resource policies and the functions' own log groups are left out:
  they would double the picture and say nothing about where messages go. Three or more resources of one type side by
  side (Athena named queries, alarms) are drawn as one node;
- **groups**: a subgraph per stack, and inside it one per construct of this library that holds several nodes
  (``SmsSendQueue``, ``SmsRetry``, ``SmsEventAnalytics``, the sample app's own composites). A resource is labelled
  with its construct id and the library class that owns it (``Pool``), or its type in short (``SQS queue``,
  :data:`SHORT_TYPES`); one name when the type already says the id (``SmsSendQueue``, ``S3 bucket``);
- **edges** from what the template says: a ``Ref``/``Fn::GetAtt``/``Fn::Sub``/``Fn::ImportValue`` from one node's
  properties to another (cross-stack exports are followed), a Lambda event source mapping (queue → function), an SNS
  subscription (topic → endpoint), a configuration set's event destinations (labelled with the event types they
  match). An edge from a function is labelled with the IAM actions its role has on the target (short: ``SendMessage``).

``level="constructs"`` draws the same graph one node per library construct (the overview of the README and the home
page), without the monitoring construct's arrows to what it watches and the library's singletons.

Each diagram is drawn top to bottom or left to right, whichever :meth:`Diagram.width` estimates narrower, and a
stack's diagram over :data:`WIDTH_BUDGET` (or :data:`SPLIT_AT` nodes) is split per construct, and an overview over
:data:`OVERVIEW_SPLIT_AT` boxes per path (:data:`SIDE_PATHS`), so that its text is at least 11 px at 1280 px
(``docs/tools/diagram_size.py`` measures it).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import aws_cdk as cdk
from aws_cdk import cx_api
from constructs import IConstruct

import sms_constructs

from .app import build_sample_app
from .config import (
    PRODUCTION_CONTEXT_KEY,
    PROFILE_CONTEXT_KEY,
    PROFILES,
    Profile,
    example_production_settings,
    load_profile,
)

Level = Literal["resources", "constructs"]

#: Resource types that are never drawn: permissions, keys and policies around the data path.
HIDDEN_TYPES = frozenset(
    {
        "AWS::CDK::Metadata",
        "AWS::IAM::ManagedPolicy",
        "AWS::IAM::Policy",
        "AWS::IAM::Role",
        "AWS::KMS::Alias",
        "AWS::KMS::Key",
        "AWS::Lambda::Permission",
        "AWS::Logs::LogStream",
        "AWS::Logs::ResourcePolicy",
        "AWS::S3::BucketPolicy",
        "AWS::SNS::TopicPolicy",
        "AWS::SQS::QueuePolicy",
    }
)
#: Resource types drawn as an edge: (type, source property, target property, label).
EDGE_TYPES = {
    "AWS::Lambda::EventSourceMapping": ("EventSourceArn", "FunctionName", "event source"),
    "AWS::SNS::Subscription": ("TopicArn", "Endpoint", "subscription"),
}
#: Properties whose log group is a resource's own operational log (not drawn): Lambda, Firehose.
OWN_LOG_PROPERTIES = (("LoggingConfig", "LogGroup"), ("CloudWatchLoggingOptions", "LogGroupName"))
#: Resources of one type in one group from which they are drawn as a single node.
COLLAPSE_AT = 3
#: Types collapsed at :data:`COLLAPSE_AT` even when others refer to them (a dashboard refers to every alarm).
ALWAYS_COLLAPSED = frozenset({"AWS::CloudWatch::Alarm", "AWS::Logs::MetricFilter", "AWS::Athena::NamedQuery"})
#: Node shapes and colours by resource family (Mermaid class names).
FAMILIES: dict[str, tuple[str, str, str]] = {
    # family: (open, close, classDef style)
    "sms": ('{{"', '"}}', "fill:#fde8d7,stroke:#d05c17,color:#3b1a06"),
    "compute": ('(["', '"])', "fill:#fff3cd,stroke:#c98a00,color:#3b2a00"),
    "messaging": ('[["', '"]]', "fill:#f8d7e6,stroke:#b0306a,color:#3b0a21"),
    "storage": ('[("', '")]', "fill:#d9f0dc,stroke:#2e7d32,color:#0f2e11"),
    "pattern": ('["', '"]', "fill:#e3e8f7,stroke:#3f51b5,color:#141b3b,stroke-width:2px"),
    "other": ('["', '"]', "fill:#eeeeee,stroke:#616161,color:#212121"),
}
#: What a resource type is called on a box: short, the service's own words (a type not listed drops ``AWS::`` and
#: ``::``). A collapsed node says how many (``11 × CloudWatch alarm``).
SHORT_TYPES = {
    "AWS::Athena::NamedQuery": "Athena query",
    "AWS::Athena::WorkGroup": "Athena workgroup",
    "AWS::CloudWatch::Alarm": "CloudWatch alarm",
    "AWS::CloudWatch::Dashboard": "Dashboard",
    "AWS::DynamoDB::Table": "DynamoDB table",
    "AWS::Glue::Database": "Glue database",
    "AWS::Glue::Table": "Glue table",
    "AWS::KinesisFirehose::DeliveryStream": "Firehose stream",
    "AWS::Lambda::Function": "Lambda",
    "AWS::Lambda::LayerVersion": "Lambda layer",
    "AWS::Logs::LogGroup": "Log group",
    "AWS::Logs::MetricFilter": "metric filter",
    "AWS::Logs::QueryDefinition": "Logs Insights query",
    "AWS::S3::Bucket": "S3 bucket",
    "AWS::SNS::Topic": "SNS topic",
    "AWS::SQS::Queue": "SQS queue",
}
#: Library classes whose arrows to what they watch the overviews leave out (the Monitoring stack's diagram draws them).
WATCHERS = frozenset({"SmsMonitoring"})
#: The prefix of the library's own singletons' ids (``SmsConstructsAccountProvider``), left off their boxes.
LIBRARY_PREFIX = "SmsConstructs"
_FAMILY_OF_SERVICE = {
    "SMSVOICE": "sms",
    "Lambda": "compute",
    "SQS": "messaging",
    "SNS": "messaging",
    "S3": "storage",
    "DynamoDB": "storage",
    "Glue": "storage",
    "Logs": "storage",
    "KinesisFirehose": "storage",
}


@dataclasses.dataclass(frozen=True)
class Node:
    """One box of the diagram."""

    #: The Mermaid id: the stack and the logical id (or the construct path) with ``_`` for other characters.
    id: str
    #: What the box says: the construct id, then the library class or the CloudFormation type.
    label: str
    #: The key of :data:`FAMILIES` that gives its shape and colour.
    family: str
    #: The groups (stack first) the node is drawn in: ids of :attr:`Diagram.groups`.
    groups: tuple[str, ...]
    #: Drawn dashed: not created by the stack drawn (a resource of another stack, an imported identity, an e-mail
    #: address). Default: created here.
    elsewhere: bool = False


@dataclasses.dataclass(frozen=True)
class Edge:
    """One arrow: ``source`` refers to, sends to or triggers ``target``."""

    #: The id of the node the arrow starts from.
    source: str
    #: The id of the node it points to.
    target: str
    #: What the arrow says (event types, IAM actions, ``event source``). Default: nothing.
    label: str = ""


@dataclasses.dataclass
class Diagram:
    """Nodes, grouped, and the edges between them."""

    #: Group id → label, in drawing order.
    groups: dict[str, str]
    #: The boxes, in drawing order.
    nodes: list[Node]
    #: The arrows, in drawing order.
    edges: list[Edge]

    def to_mermaid(self, direction: str = "LR") -> str:
        """The Mermaid ``flowchart`` source."""
        lines = [SPACING, f"flowchart {direction}"]
        # A group's parents are the groups before it in the chain of any node drawn in it.
        chains = {node.groups[: index + 1] for node in self.nodes for index in range(len(node.groups))}
        parents = {chain[-1]: chain[:-1] for chain in chains}
        children: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for group in self.groups:
            if group in parents:
                children[parents[group]].append(group)
        nodes_in: dict[tuple[str, ...], list[Node]] = defaultdict(list)
        for node in self.nodes:
            nodes_in[node.groups].append(node)

        def draw(chain: tuple[str, ...], depth: int) -> None:
            pad = "    " * depth
            for node in nodes_in[chain]:
                opening, closing, _ = FAMILIES[node.family]
                lines.append(f"{pad}{node.id}{opening}{_escape(node.label)}{closing}")
            for group in children[chain]:
                lines.append(f'{pad}subgraph {group}["{_escape(self.groups[group])}"]')
                draw((*chain, group), depth + 1)
                lines.append(f"{pad}end")

        draw((), 1)
        for edge in self.edges:
            arrow = f'-->|"{_escape(edge.label)}"|' if edge.label else "-->"
            lines.append(f"    {edge.source} {arrow} {edge.target}")
        used = sorted({node.family for node in self.nodes})
        for family in used:
            lines.append(f"    classDef {family} {FAMILIES[family][2]}")
        elsewhere = [node.id for node in self.nodes if node.elsewhere]
        if elsewhere:
            lines.append(f"    classDef elsewhere {ELSEWHERE_STYLE}")
        for family in used:
            members = ",".join(node.id for node in self.nodes if node.family == family)
            lines.append(f"    class {members} {family}")
        if elsewhere:
            lines.append(f"    class {','.join(elsewhere)} elsewhere")
        return "\n".join(lines) + "\n"

    def of_stack(self, stack: str) -> Diagram:
        """The nodes of the stack group ``stack`` with their arrows, and (dashed, grouped by their stack only) the
        nodes of other stacks those arrows reach."""
        inside = {node.id for node in self.nodes if node.groups[0] == stack}
        edges = [edge for edge in self.edges if edge.source in inside or edge.target in inside]
        linked = {edge.source for edge in edges} | {edge.target for edge in edges}
        nodes = [
            # The stack's own nodes without the stack's box (the heading names it): narrower.
            dataclasses.replace(node, groups=node.groups[1:])
            if node.id in inside
            else dataclasses.replace(node, groups=node.groups[:1], elsewhere=True)
            for node in self.nodes
            if node.id in inside or node.id in linked
        ]
        used = {group for node in nodes for group in node.groups}
        return Diagram(groups={g: label for g, label in self.groups.items() if g in used}, nodes=nodes, edges=edges)

    def flat(self) -> Diagram:
        """The same nodes and arrows without any group box (narrower: a box adds its padding and its title), the
        nodes in the order a walk along the arrows from the nodes nothing points at meets them (:meth:`walked`)."""
        return Diagram(
            groups={}, nodes=[dataclasses.replace(node, groups=()) for node in self.walked()], edges=list(self.edges)
        )

    def walked(self) -> list[Node]:
        """The nodes in the order a depth-first walk along the arrows meets them, from the nodes nothing points at
        (in drawing order), then from the others. The layout breaks a cycle of arrows where its own walk in that order
        meets it: the producer's path stays top to bottom and the retry's arrow back to the send queue turns up."""
        targets: dict[str, list[str]] = defaultdict(list)
        pointed = set()
        for edge in self.edges:
            if edge.source != edge.target:
                targets[edge.source].append(edge.target)
                pointed.add(edge.target)
        order: dict[str, None] = {}

        def walk(node: str) -> None:
            if node in order:
                return
            order[node] = None
            for target in targets[node]:
                walk(target)

        for node in sorted(self.nodes, key=lambda node: node.id in pointed):
            walk(node.id)
        by_id = {node.id: node for node in self.nodes}
        return [by_id[node] for node in order]

    def part(self, ids: set[str]) -> Diagram:
        """The nodes ``ids`` with their arrows and the nodes those arrows reach (a part of a stack's diagram)."""
        edges = [edge for edge in self.edges if edge.source in ids or edge.target in ids]
        linked = ids | {edge.source for edge in edges} | {edge.target for edge in edges}
        nodes = [node for node in self.nodes if node.id in linked]
        used = {group for node in nodes for group in node.groups}
        return Diagram(groups={g: label for g, label in self.groups.items() if g in used}, nodes=nodes, edges=edges)

    def ranks(self) -> dict[int, int]:
        """Rank → number of nodes on it (:meth:`rank_of`)."""
        counts: dict[int, int] = defaultdict(int)
        for rank in self.rank_of().values():
            counts[rank] += 1
        return counts

    def rank_of(self) -> dict[str, int]:
        """Node id → its rank: its longest path of arrows to a node that points nowhere (cycles broken where met), as
        a layered layout draws it."""
        targets: dict[str, list[str]] = defaultdict(list)
        for edge in self.edges:
            if edge.source != edge.target:
                targets[edge.source].append(edge.target)
        rank: dict[str, int] = {}
        visiting: set[str] = set()

        def depth(node: str) -> int:
            # The rank below the node: 0 for a node that points nowhere.
            if node in rank:
                return rank[node]
            visiting.add(node)
            below = [depth(t) + 1 for t in targets[node] if t not in visiting]
            visiting.discard(node)
            rank[node] = max(below, default=0)
            return rank[node]

        rank = {node.id: depth(node.id) for node in self.nodes}
        # The layout keeps arrows short: a node that points nowhere and that one node points at sits just below that
        # one, and a node without arrows sits on the top rank.
        sources: dict[str, set[str]] = defaultdict(set)
        for edge in self.edges:
            if edge.source != edge.target:
                sources[edge.target].add(edge.source)
        top = max(rank.values(), default=0)
        for node in self.nodes:
            if targets[node.id] or len(sources[node.id]) > 1:
                continue
            rank[node.id] = rank[next(iter(sources[node.id]))] - 1 if sources[node.id] else top
        return rank

    def width(self, direction: str = "TB") -> float:
        """The estimated natural width in px of the diagram drawn in ``direction``, from its labels' lengths (no
        browser): what ``docs/tools/diagram_size.py`` measures, calibrated on it (:data:`CHAR_PX` and below).

        The layout is layered (:meth:`rank_of`); an arrow's label sits halfway between its ends, on a layer of its
        own between two ranks, and a longer arrow passes every rank between its ends. Top to bottom, the width is the
        widest layer's boxes and labels side by side; left to right, it is every layer's widest box or label one after
        the other."""
        rank = self.rank_of()
        layers: dict[float, list[float]] = defaultdict(list)
        for node in self.nodes:
            layers[rank[node.id]].append(text_px(node.label) + NODE_PAD_PX)
        for edge in self.edges:
            high, low = sorted((rank[edge.source], rank[edge.target]), reverse=True)
            if high == low:
                continue
            middle = (high + low) / 2 if (high - low) % 2 == 0 else high - 0.5
            for step in range(2 * low + 1, 2 * high):
                layer = step / 2
                if layer == middle and edge.label:
                    layers[layer].append(text_px(edge.label) + LABEL_PAD_PX)
                else:
                    layers[layer].append(0.0)
        if direction == "TB":
            return max((sum(widths) + NODE_SPACING_PX * (len(widths) - 1) for widths in layers.values()), default=0.0)
        drawn = [max(widths) for widths in layers.values() if max(widths) > 0]
        return sum(drawn) + RANK_SPACING_PX * (len(drawn) - 1)

    def fits(self) -> bool:
        """Whether the diagram, drawn in :meth:`direction`, is estimated within :data:`WIDTH_BUDGET`."""
        return self.width(self.direction()) <= WIDTH_BUDGET

    def direction(self) -> str:
        """``TB`` (ranks top to bottom), or ``LR`` when :meth:`width` says left to right is clearly narrower
        (:data:`LR_PREFERENCE`: a few sources pointing at many targets)."""
        return "LR" if self.width("LR") < LR_PREFERENCE * self.width("TB") else "TB"

    def stacks(self) -> list[str]:
        """The stack groups that hold a node, in drawing order."""
        return list(dict.fromkeys(node.groups[0] for node in self.nodes if node.groups and not node.elsewhere))


#: Width estimates (:meth:`Diagram.width`), calibrated on ``docs/tools/diagram_size.py``'s measurements of every
#: generated diagram in both directions (Mermaid 11, headless Chromium, the system's sans-serif at 16 px): a label's
#: character is CHAR_PX wide on average (its longest line counts), a box adds NODE_PAD_PX (padding, border, a
#: hexagon's points), an arrow's label LABEL_PAD_PX; boxes side by side are NODE_SPACING_PX apart, layers
#: RANK_SPACING_PX.
#: Left to right is chosen only when estimated this much narrower than top to bottom: left-to-right layouts
#: measure wider than estimated more often (the Identities stack: 1,036 px estimated, 1,095 measured), and a
#: top-to-bottom stack over the budget is split per construct instead (its parts measure 177 to 975 px).
LR_PREFERENCE = 0.7
CHAR_PX = 8.5
NODE_PAD_PX = 40.0
LABEL_PAD_PX = 10.0
NODE_SPACING_PX = 20.0
RANK_SPACING_PX = 20.0


def text_px(label: str) -> float:
    """The estimated width of ``label`` at 16 px: its longest line (lines split at ``<br/>``)."""
    return CHAR_PX * max(len(line) for line in label.replace("#quot;", '"').split("<br/>")) if label else 0.0


#: Tighter than Mermaid's default spacing, so a diagram fits the page at a larger scale.
SPACING = '%%{init: {"flowchart": {"nodeSpacing": 20, "rankSpacing": 40, "padding": 8}}}%%'
#: How a node drawn but not created by the stack drawn looks (Mermaid style).
ELSEWHERE_STYLE = "stroke-dasharray:5 4,opacity:0.85"
#: A CDK-generated construct id: a singleton's 32-hex-digit suffix (``AWS679f53fac002430cb0da5b7982bd2287``).
_HASH_SUFFIX = re.compile(r"[0-9a-fA-F]{32}$")
#: What such a singleton is, by the id's prefix, when the prefix alone says nothing.
_SINGLETON_NAMES = {"AWS": "SdkCallProvider", "": "SingletonFunction"}


def human_id(construct_id: str) -> str:
    """``construct_id`` without a CDK-generated hash suffix (``LogRetentionaae0...`` is ``LogRetention``) or the
    library's prefix of its singletons (``SmsConstructsRuntimeLayer`` is ``RuntimeLayer``)."""
    rest = construct_id.removeprefix(LIBRARY_PREFIX)
    if rest != construct_id and rest[:1].isupper():
        return rest
    if not _HASH_SUFFIX.search(construct_id):
        return construct_id
    prefix = _HASH_SUFFIX.sub("", construct_id)
    return _SINGLETON_NAMES.get(prefix, prefix)


def _escape(text: str) -> str:
    return text.replace('"', "#quot;")


# ---------------------------------------------------------------------------------------------------------------
# Reading the assembly.


@dataclasses.dataclass(frozen=True)
class _Resource:
    stack: str
    logical_id: str
    type: str
    properties: dict[str, Any]
    #: The constructs from the stack's child down to the CfnResource.
    chain: tuple[IConstruct, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.stack, self.logical_id)


def _is_library_construct(construct: IConstruct) -> bool:
    return type(construct).__module__.startswith("sms_constructs.") and not isinstance(construct, cdk.Stack)


def _owner_index(chain: Sequence[IConstruct]) -> int:
    """Index in ``chain`` of the construct a resource is named after: the L2 whose default child it is, or itself."""
    if len(chain) >= 2 and chain[-1].node.id in ("Resource", "Default"):
        return len(chain) - 2
    return len(chain) - 1


def _kind(resource: _Resource) -> str:
    owner = resource.chain[_owner_index(resource.chain)]
    if _is_library_construct(owner):
        return _class_name(owner)
    return short_type(resource.type)


def short_type(resource_type: str) -> str:
    """What ``resource_type`` is called on a box (:data:`SHORT_TYPES`): ``Firehose stream``, ``Lambda``; a custom
    resource is a ``custom resource``."""
    if resource_type in SHORT_TYPES:
        return SHORT_TYPES[resource_type]
    if resource_type.startswith("Custom::"):
        return "custom resource"
    return resource_type.removeprefix("AWS::").replace("::", " ")


def _class_name(construct: IConstruct) -> str:
    """The public class ``construct`` is an instance of: an import's private class gives the class the library
    exports (``PhoneNumber``), not a base it shares with it."""
    mro = type(construct).__mro__
    exported = [cls.__name__ for cls in mro if cls.__name__ in sms_constructs.__all__]
    for cls in mro[1:] if type(construct).__name__.startswith("_") else ():
        # PhoneNumber.from_phone_number_arn returns _ImportedPhoneNumber(PhoneNumberBase): name it after PhoneNumber.
        name = cls.__name__.removesuffix("Base")
        if name != cls.__name__ and name in sms_constructs.__all__:
            return name
    if exported:
        return exported[0]
    return next(cls.__name__ for cls in mro if not cls.__name__.startswith("_"))


def _family(resource_type: str) -> str:
    service = resource_type.split("::")[1] if resource_type.count("::") >= 2 else ""
    return _FAMILY_OF_SERVICE.get(service, "other")


def _mermaid_id(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", "_".join(parts))


def _references(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str, str]]:
    """(property path, kind, target) of every ``Ref``, ``Fn::GetAtt``, ``Fn::Sub`` variable and ``Fn::ImportValue``."""
    if isinstance(value, dict):
        if len(value) == 1:
            ((function, argument),) = value.items()
            if function == "Ref" and isinstance(argument, str):
                yield path, "ref", argument
                return
            if function == "Fn::GetAtt":
                target = argument[0] if isinstance(argument, list) else str(argument).split(".")[0]
                yield path, "ref", target
                return
            if function == "Fn::ImportValue" and isinstance(argument, str):
                yield path, "import", argument
                return
            if function == "Fn::Sub":
                template = argument[0] if isinstance(argument, list) else argument
                for variable in re.findall(r"\$\{([^!}][^}]*)\}", str(template)):
                    yield path, "ref", variable.split(".")[0]
        for key, item in value.items():
            yield from _references(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _references(item, (*path, str(index)))


class _Reader:
    """The resources of every stack of a synthesized app, and the references between them."""

    def __init__(self, app: cdk.App, assembly: cx_api.CloudAssembly) -> None:
        self.resources: dict[tuple[str, str], _Resource] = {}
        self.exports: dict[str, tuple[str, str]] = {}
        self.stack_order: list[str] = []
        for artifact in assembly.stacks:
            stack_name = artifact.stack_name
            self.stack_order.append(stack_name)
            template: dict[str, Any] = artifact.template
            paths = {str(entry.data): str(entry.path) for entry in artifact.find_metadata_by_type("aws:cdk:logicalId")}
            for logical_id, resource in template.get("Resources", {}).items():
                self.resources[(stack_name, logical_id)] = _Resource(
                    stack=stack_name,
                    logical_id=logical_id,
                    type=resource["Type"],
                    properties=resource.get("Properties", {}),
                    chain=_chain(app, paths[logical_id]),
                )
            for output in template.get("Outputs", {}).values():
                name = output.get("Export", {}).get("Name")
                refs = list(_references(output.get("Value")))
                if isinstance(name, str) and len(refs) == 1 and refs[0][1] == "ref":
                    self.exports[name] = (stack_name, refs[0][2])

    def targets(self, resource: _Resource, value: Any) -> Iterator[tuple[tuple[str, ...], _Resource]]:
        """The resources ``value`` (a part of ``resource``'s properties) refers to, with the property path."""
        for path, kind, target in _references(value):
            key = self.exports.get(target) if kind == "import" else (resource.stack, target)
            if key is not None and key in self.resources:
                yield path, self.resources[key]


def _chain(app: cdk.App, path: str) -> tuple[IConstruct, ...]:
    node: IConstruct = app
    chain: list[IConstruct] = []
    for part in path.strip("/").split("/"):
        child = node.node.try_find_child(part)
        if child is None:
            break
        node = child
        chain.append(node)
    return tuple(chain[1:])  # without the stack


def _is_composite_of_the_app(construct: IConstruct) -> bool:
    """A construct of the sample app (``SampleSending``): a group at every level, never a node of its own."""
    return type(construct).__module__.startswith(f"{__package__}.")


def _label(name: str, kind: str, separator: str = "<br/>") -> str:
    """``name`` over ``kind``; the kind alone when it already says the name (``SendQueue`` of an ``SmsSendQueue``,
    ``Bucket`` of an ``S3 bucket``): one short line."""
    if separator == "<br/>" and name.lower() in kind.lower():
        return kind
    return name if name == kind else f"{name}{separator}{kind}"


@dataclasses.dataclass(frozen=True)
class _Placement:
    node: Node
    #: Whether the node stands for one resource (it may then be collapsed with its like).
    single: bool


def _place(resource: _Resource, level: Level, groups: dict[str, str]) -> _Placement:
    """Where ``resource`` is drawn: its groups, and its own node or (level ``constructs``) its construct's."""
    chain = resource.chain
    owner = _owner_index(chain)
    group_ids = [_mermaid_id(resource.stack)]
    for index, construct in enumerate(chain[:owner]):
        if not _is_library_construct(construct):
            continue
        name = _class_name(construct)
        if level == "constructs" and not _is_composite_of_the_app(construct):
            family = "pattern" if ".patterns." in type(construct).__module__ else _family(resource.type)
            node_id = _mermaid_id(resource.stack, *(c.node.id for c in chain[: index + 1]))
            node = Node(
                id=node_id, label=_label(human_id(construct.node.id), name), family=family, groups=tuple(group_ids)
            )
            return _Placement(node=node, single=False)
        group_id = f"{group_ids[-1]}__{_mermaid_id(construct.node.id)}"
        groups.setdefault(group_id, _label(human_id(construct.node.id), name, " · "))
        group_ids.append(group_id)
    node = Node(
        id=_mermaid_id(resource.stack, *(c.node.id for c in chain[: owner + 1])),
        label=_label(human_id(chain[owner].node.id), _kind(resource)),
        family=_family(resource.type),
        groups=tuple(group_ids),
    )
    return _Placement(node=node, single=True)


def diagram_of(app: cdk.App, assembly: cx_api.CloudAssembly, *, level: Level = "resources") -> Diagram:
    """The diagram of every stack of ``app``, read from ``assembly`` (what ``app.synth()`` returned)."""
    reader = _Reader(app, assembly)
    hidden = _own_log_groups(reader)
    drawn = sorted(
        (
            resource
            for resource in reader.resources.values()
            if resource.type not in HIDDEN_TYPES and resource.type not in EDGE_TYPES and resource.key not in hidden
        ),
        key=lambda resource: (reader.stack_order.index(resource.stack), _path_of(resource)),
    )
    groups = {_mermaid_id(stack): f"Stack {stack}" for stack in reader.stack_order}
    placements = {resource.key: _place(resource, level, groups) for resource in drawn}
    node_of = _collapse(placements, reader)
    if level == "constructs":
        # The library's own plumbing (its deploy-time provider, its runtime layer) is on the stacks' diagrams.
        node_of = {key: node for key, node in node_of.items() if not _is_plumbing(reader.resources[key])}
    nodes = list(dict.fromkeys(node_of.values()))
    edges = _edges(reader, node_of)
    if level == "constructs":
        # The overview names the event types by number: the list is on the stack's own diagram.
        edges = [dataclasses.replace(edge, label=_fewer_events(edge.label)) for edge in edges]
    if level == "constructs":
        # The monitoring construct refers to every construct it watches: drawn, those arrows cross the whole picture.
        watchers = {node.id for node in nodes if node.label.split("<br/>")[-1] in WATCHERS}
        edges = [edge for edge in edges if edge.source not in watchers]
    outside_nodes, outside_edges = _outside(app, reader, node_of, level, groups)
    nodes.extend(outside_nodes)
    edges.extend(outside_edges)
    used = {group for node in nodes for group in node.groups}
    return Diagram(groups={group: label for group, label in groups.items() if group in used}, nodes=nodes, edges=edges)


def _is_plumbing(resource: _Resource) -> bool:
    """Whether ``resource`` belongs to a singleton of the library (``SmsConstructsAccountProvider``,
    ``SmsConstructsRuntimeLayer``)."""
    return bool(resource.chain) and resource.chain[0].node.id.startswith(LIBRARY_PREFIX)


def _fewer_events(label: str) -> str:
    if not label.startswith("events:<br/>"):
        return label
    return f"events: {label.count('<br/>')} types"


def _outside(
    app: cdk.App, reader: _Reader, node_of: dict[tuple[str, str], Node], level: Level, groups: dict[str, str]
) -> tuple[list[Node], list[Edge]]:
    """What the stacks use but do not create, drawn dashed: identities imported by ARN (``from_*_arn``: a construct of
    the library with no resource under it), with an arrow from each resource whose properties hold the ARN; and the
    literal endpoints of SNS subscriptions (the alarm e-mail), with an arrow from the topic."""
    nodes: list[Node] = []
    edges: list[Edge] = []
    for stack in (child for child in app.node.children if isinstance(child, cdk.Stack)):
        for construct in stack.node.find_all():
            if not _is_library_construct(construct) or not isinstance(construct, cdk.Resource):
                continue
            if any(isinstance(child, cdk.CfnResource) for child in construct.node.find_all()):
                continue
            arns = _literal_arns(construct)
            if not arns:
                continue
            chain = _chain(app, construct.node.path)
            stand_in = _Resource(stack.stack_name, construct.node.path, "AWS::SMSVOICE::Imported", {}, chain)
            placed = _place(stand_in, level, groups).node
            node = dataclasses.replace(
                placed, label=placed.label.replace("<br/>", " (imported)<br/>", 1), elsewhere=True
            )
            nodes.append(node)
            for key, source in node_of.items():
                if any(_holds(reader.resources[key].properties, arn) for arn in arns):
                    edge = Edge(source.id, node.id)
                    if edge not in edges:
                        edges.append(edge)
    for resource in reader.resources.values():
        endpoint = resource.properties.get("Endpoint")
        if resource.type != "AWS::SNS::Subscription" or not isinstance(endpoint, str):
            continue
        for _, topic in reader.targets(resource, resource.properties.get("TopicArn")):
            if topic.key not in node_of:
                continue
            source = node_of[topic.key]
            protocol = str(resource.properties.get("Protocol", ""))
            node = Node(
                id=_mermaid_id(resource.stack, _path_of(resource)),
                label=f"{protocol}<br/>{endpoint}",
                family="other",
                groups=source.groups,
                elsewhere=True,
            )
            nodes.append(node)
            edges.append(Edge(source.id, node.id, "subscription"))
    return nodes, edges


def _literal_arns(construct: IConstruct) -> list[str]:
    """The literal values of ``construct``'s ``*_arn`` properties."""
    found = []
    for name in dir(type(construct)):
        if name.endswith("_arn") and isinstance(getattr(type(construct), name, None), property):
            value = getattr(construct, name)
            if isinstance(value, str) and value.startswith("arn:") and not cdk.Token.is_unresolved(value):
                found.append(value)
    return found


def _holds(value: Any, literal: str) -> bool:
    """Whether ``literal`` is one of the strings anywhere in ``value``."""
    if isinstance(value, str):
        return value == literal
    if isinstance(value, dict):
        return any(_holds(item, literal) for item in value.values())
    if isinstance(value, list):
        return any(_holds(item, literal) for item in value)
    return False


def _path_of(resource: _Resource) -> str:
    return "/".join(construct.node.id for construct in resource.chain)


def _own_log_groups(reader: _Reader) -> set[tuple[str, str]]:
    """Log groups that only hold a function's or a stream's own logs: named after a function (``/aws/lambda/<name>``),
    or given as its ``LoggingConfig`` or a stream's ``CloudWatchLoggingOptions``."""
    found: set[tuple[str, str]] = set()
    for resource in reader.resources.values():
        if resource.type == "AWS::Logs::LogGroup" and any(
            target.type == "AWS::Lambda::Function"
            for _, target in reader.targets(resource, resource.properties.get("LogGroupName"))
        ):
            found.add(resource.key)
        for container, key in OWN_LOG_PROPERTIES:
            for _, target in reader.targets(resource, _find(resource.properties, container, key)):
                if target.type == "AWS::Logs::LogGroup":
                    found.add(target.key)
    return found


def _find(value: Any, container: str, key: str) -> list[Any]:
    """Every ``value[...][container][key]`` at any depth."""
    found: list[Any] = []
    if isinstance(value, dict):
        if isinstance(value.get(container), dict) and key in value[container]:
            found.append(value[container][key])
        for item in value.values():
            found.extend(_find(item, container, key))
    elif isinstance(value, list):
        for item in value:
            found.extend(_find(item, container, key))
    return found


def _collapse(placements: dict[tuple[str, str], _Placement], reader: _Reader) -> dict[tuple[str, str], Node]:
    """One node per group for :data:`COLLAPSE_AT` or more single resources of the same type in it that nothing refers
    to (named queries, alarms): resources that others use (buckets, queues) keep a node each."""
    referred = {
        target.key
        for resource in reader.resources.values()
        if resource.key in placements or resource.type in EDGE_TYPES
        for _, target in reader.targets(resource, resource.properties)
    }
    alike: dict[tuple[tuple[str, ...], str], list[tuple[str, str]]] = defaultdict(list)
    for key, placement in placements.items():
        if placement.single and (key not in referred or reader.resources[key].type in ALWAYS_COLLAPSED):
            alike[(placement.node.groups, reader.resources[key].type)].append(key)
    node_of = {key: placement.node for key, placement in placements.items()}
    for (groups, resource_type), keys in alike.items():
        if len(keys) < COLLAPSE_AT:
            continue
        kind = resource_type.removeprefix("AWS::")
        node = Node(
            id=_mermaid_id(groups[-1], kind),
            label=f"{len(keys)} × {short_type(resource_type)}",
            family=_family(resource_type),
            groups=groups,
        )
        for key in keys:
            node_of[key] = node
    return node_of


def _edges(reader: _Reader, node_of: dict[tuple[str, str], Node]) -> list[Edge]:
    """Every arrow between two drawn nodes, labels of parallel arrows merged."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    actions = _function_actions(reader)

    def add(source: _Resource, target: _Resource, label: str) -> None:
        if source.key not in node_of or target.key not in node_of:
            return
        pair = (node_of[source.key].id, node_of[target.key].id)
        if pair[0] == pair[1]:
            return
        if label not in found[pair]:
            found[pair].append(label)

    for resource in reader.resources.values():
        if resource.type in EDGE_TYPES:
            source_property, target_property, label = EDGE_TYPES[resource.type]
            sources = [t for _, t in reader.targets(resource, resource.properties.get(source_property))]
            targets = [t for _, t in reader.targets(resource, resource.properties.get(target_property))]
            if resource.type == "AWS::SNS::Subscription" and resource.properties.get("FilterPolicy"):
                label = "subscription (filtered)"
            for source in sources:
                for target in targets:
                    add(source, target, label)
            continue
        if resource.key not in node_of:
            continue
        for path, target in reader.targets(resource, resource.properties):
            add(resource, target, _label_of(resource, path, target, actions))
    return [
        Edge(source=source, target=target, label="<br/>".join(label for label in labels if label))
        for (source, target), labels in found.items()
    ]


def _label_of(
    resource: _Resource, path: tuple[str, ...], target: _Resource, actions: dict[tuple[str, str], dict[str, set[str]]]
) -> str:
    if resource.type == "AWS::SMSVOICE::ConfigurationSet" and path[:1] == ("EventDestinations",):
        destination = resource.properties["EventDestinations"][int(path[1])]
        if path[2:3] == ("IamRoleArn",) or (len(path) > 3 and path[3] == "IamRoleArn"):
            return ""
        types = [str(event_type) for event_type in destination.get("MatchingEventTypes", [])]
        return "events: " + ", ".join(types) if len(types) <= 2 else "events:<br/>" + "<br/>".join(types)
    if path[:1] == ("RedrivePolicy",):
        return "dead letters"
    granted = actions.get(resource.key, {}).get(target.logical_id)
    if granted:
        return _compact(granted)
    return ""


def _compact(actions: set[str]) -> str:
    """The IAM actions on an arrow, short: ``SendMessage`` or ``GetItem, PutItem`` for one service (the target's type
    says which), ``sqs: 6 actions`` when it has more than two, ``dynamodb: GetItem, PutItem<br/>sqs: SendMessage``
    for several services."""
    by_service: dict[str, list[str]] = defaultdict(list)
    for action in sorted(actions):
        service, _, name = action.partition(":")
        by_service[service].append(name)
    if len(by_service) == 1:
        [(service, names)] = by_service.items()
        return ", ".join(names) if len(names) <= 2 else f"{service}: {len(names)} actions"
    return "<br/>".join(
        f"{service}: {', '.join(names) if len(names) <= 2 else f'{len(names)} actions'}"
        for service, names in by_service.items()
    )


def _function_actions(reader: _Reader) -> dict[tuple[str, str], dict[str, set[str]]]:
    """For each Lambda function: target logical id → the IAM actions its role's policies allow on it."""
    statements: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for resource in reader.resources.values():
        if resource.type != "AWS::IAM::Policy":
            continue
        for _, role in reader.targets(resource, resource.properties.get("Roles")):
            statements[role.key].extend(resource.properties.get("PolicyDocument", {}).get("Statement", []))
    found: dict[tuple[str, str], dict[str, set[str]]] = {}
    for resource in reader.resources.values():
        if resource.type != "AWS::Lambda::Function":
            continue
        granted: dict[str, set[str]] = defaultdict(set)
        for _, role in reader.targets(resource, resource.properties.get("Role")):
            for statement in statements[role.key]:
                if statement.get("Effect") != "Allow":
                    continue
                action = statement.get("Action", [])
                names = [action] if isinstance(action, str) else list(action)
                for _, target in reader.targets(resource, statement.get("Resource")):
                    granted[target.logical_id].update(names)
        found[resource.key] = dict(granted)
    return found


# ---------------------------------------------------------------------------------------------------------------
# The sample app's pictures, and the files they live in.

#: The page of the site that shows both profiles.
PAGE = Path("docs/sample-app/diagram.md")
#: The files that show the sandbox overview between the markers: the README and the site's home page.
README = Path("README.md")
HOME = Path("docs/index.md")
OVERVIEWS = (README, HOME)
OVERVIEW_START = "<!-- diagram:start (generated by make diagram) -->"
OVERVIEW_END = "<!-- diagram:end -->"


def synthesize(root: Path, profile: str, outdir: Path) -> tuple[cdk.App, cx_api.CloudAssembly]:
    """The sample app of ``profile`` synthesized into ``outdir`` with the context of ``root/cdk.json``; the production
    profile with the example settings (``example_production_settings``), so the pictures do not depend on what an
    operator put in ``cdk.json``."""
    context = dict(json.loads((root / "cdk.json").read_text())["context"])
    context[PROFILE_CONTEXT_KEY] = profile
    context[PRODUCTION_CONTEXT_KEY] = example_production_settings()
    app = cdk.App(context=context, outdir=str(outdir))
    build_sample_app(app)
    return app, app.synth()


#: The widest a diagram may be, as :meth:`Diagram.width` estimates it. The page shows a diagram's text at
#: 16 px x min(1, 750 / natural width): at least 11 px when its natural width is at most 1090 px. Calibration on every
#: generated diagram in both directions (``docs/tools/diagram_size.py``): measured / estimated width from 0.72 to
#: 1.14; the diagrams as drawn are estimated at 636 to 1142 px and measure 578 to 1061 px. A proxy that catches a
#: diagram growing wide without a browser; ``docs/tools/diagram_size.py`` is the measurement. A stack's diagram over
#: it is drawn in parts (:func:`_parts`).
WIDTH_BUDGET = 1150.0
#: A stack's diagram with more nodes is drawn in parts too: the estimate is least sure for many arrows (the whole
#: Sending stack, 18 nodes, is estimated at 940 px and measures 1157 px).
SPLIT_AT = 16
#: An overview with more boxes is drawn per path (:func:`_overview_parts`): the sandbox's 14 boxes measure 1,024 px
#: wide, production's 16 (an imported number and the alarm e-mail more) 1,525 px, text at 7.9 px.
OVERVIEW_SPLIT_AT = 14
#: The sample app's composites an overview split per path draws apart (construct id → what the heading calls it):
#: they hang off the send path (the send queue, the configuration set, the inbound topic) rather than lie on it.
SIDE_PATHS = {"AfterTheSend": "after the send"}


@dataclasses.dataclass(frozen=True)
class Pictures:
    """The diagrams of the sample app: for each profile, one box per library construct (the overview) and, stack by
    stack, one box per resource."""

    #: Profile name → every stack's resources in one graph (what the per-stack diagrams are cut from).
    resources: dict[str, Diagram]
    #: The sandbox by construct (the README's and the home page's picture).
    overview: Diagram
    #: Profile name → the profile by construct.
    overviews: dict[str, Diagram] = dataclasses.field(default_factory=dict)
    #: Profile name → its settings, as the app read them.
    profiles: dict[str, Profile] = dataclasses.field(default_factory=dict)

    @classmethod
    def of_sample_app(cls, root: Path) -> Pictures:
        """Synthesize every profile (in a temporary directory) and draw it."""
        resources: dict[str, Diagram] = {}
        overviews: dict[str, Diagram] = {}
        profiles: dict[str, Profile] = {}
        with tempfile.TemporaryDirectory(prefix="sms-diagram-") as outdir:
            for profile in PROFILES:
                app, assembly = synthesize(root, profile, Path(outdir) / profile)
                resources[profile] = diagram_of(app, assembly)
                overviews[profile] = diagram_of(app, assembly, level="constructs")
                profiles[profile] = load_profile(app)
        return cls(resources=resources, overview=overviews["sandbox"], overviews=overviews, profiles=profiles)

    def diagrams(self) -> Iterator[tuple[str, Diagram]]:
        """Every diagram drawn on the page, with its heading: each profile's overview, then its stacks one by one."""
        for profile, diagram in self.resources.items():
            yield from _overview_parts(f"{profile.capitalize()} profile: overview", self.overviews[profile])
            for stack in diagram.stacks():
                yield from _parts(diagram.groups[stack], diagram.of_stack(stack))

    def page(self) -> str:
        """``docs/sample-app/diagram.md``."""
        lines = [
            "# Architecture diagram of the sample app",
            "",
            "<!-- Generated by `make diagram` (sms_constructs/sample_app/diagram.py) from the synthesized sample app:",
            "     do not edit by hand; a test fails when this page is not what the code synthesizes. -->",
            "",
            "Drawn from the cloud assembly that `cdk synth` writes for each profile, not by hand. For each profile, an",
            "overview (a box per construct of this library, drawn per path when it has more than",
            f"{OVERVIEW_SPLIT_AT} boxes; the monitoring construct's arrows to what it watches and",
            "the library's own provider and runtime layer are left to the stacks' diagrams), then one diagram per",
            "stack, or per construct of a large stack (a box per resource that carries messages, events or code,",
            "named by its construct id over its type). An arrow is a reference in the template (`Ref`,",
            "`Fn::GetAtt`, cross-stack exports), a Lambda event source mapping, an SNS subscription or a",
            "configuration-set event destination (labelled with the event types it matches); an arrow from a",
            "function carries the IAM actions its role has on the target, without the service prefix when the",
            "target is of one service (`SendTextMessage`). Left out: IAM roles and policies, KMS keys, resource",
            "policies and the functions' own log groups. Each diagram has a full-size view; `make diagram`",
            "refreshes the page.",
            "",
            "| Shape | What it is |",
            "|---|---|",
            "| hexagon | an SMS resource (pool, phone number, configuration set, ...) |",
            "| rounded | a Lambda function or layer |",
            "| double-edged box | an SQS queue or an SNS topic |",
            "| cylinder | where data is kept or flows to (S3, DynamoDB, Glue, Logs, Firehose) |",
            "| thick border | a pattern (L3) of this library, on the overviews |",
            "| dashed | not created by the stack drawn: another stack's resource, an imported identity, an e-mail |",
            "",
            "- **send path**: producer → send queue → sender (event source) → pool / configuration set",
            "  (`SendTextMessage`);",
            "- **event paths**: configuration set → Firehose → S3 / Glue (analytics), → CloudWatch Logs (quick look),",
            "  → SNS → SQS → retry function → send queue (retries of transient failures).",
            "",
            "## What differs between the profiles",
            "",
            *self._differences(),
        ]
        current = ""
        for title, diagram in self.diagrams():
            overview = re.fullmatch(r"(\w+) profile: overview(, .+)?", title)
            profile = overview[1] if overview else ""
            if profile and profile != current:
                current = profile
                lines.extend(["", f"## {profile} profile"])
            heading = f"Overview{overview[2] or ''}" if overview else title
            what = "constructs" if profile else "resources"
            lines.extend(
                [
                    "",
                    f"### {heading}",
                    "",
                    f"{_count(diagram, what)}, {len(diagram.edges)} arrows.",
                    "",
                    "```mermaid",
                    diagram.to_mermaid(diagram.direction()).rstrip("\n"),
                    "```",
                ]
            )
        return "\n".join(lines) + "\n"

    def _differences(self) -> list[str]:
        """The table of what the profiles set differently."""
        names = list(self.profiles)
        rows: list[tuple[str, list[str]]] = [
            ("Origination identities", [_identities(self.profiles[name]) for name in names]),
            ("Send pacing", [f"{self.profiles[name].max_parts_per_second:g} parts/s" for name in names]),
            ("Monthly text spend limit", [f"{self.profiles[name].monthly_spend_limit_usd} USD" for name in names]),
            ("Alarm e-mail", [self.profiles[name].alarm_email or "none (the topic only)" for name in names]),
            ("Allowed countries", [", ".join(self.profiles[name].allowed_countries) for name in names]),
            (
                "Resources drawn",
                [_boxes(self.resources[name]) for name in names],
            ),
        ]
        lines = [
            "The production profile as the example settings (`example_production_settings()`) fill it in: one",
            "registered number imported by ARN, one toll-free number requested, the alarms mailed.",
            "",
            "| | " + " | ".join(name.capitalize() for name in names) + " |",
            "|---|" + "---|" * len(names),
        ]
        lines.extend(f"| {label} | " + " | ".join(values) + " |" for label, values in rows)
        return lines

    def overview_block(self) -> str:
        """The overview picture: the sandbox profile, one box per construct, between the markers."""
        return "\n".join(
            [
                OVERVIEW_START,
                "```mermaid",
                self.overview.flat().to_mermaid(self.overview.flat().direction()).rstrip("\n"),
                "```",
                OVERVIEW_END,
            ]
        )

    def with_overview(self, text: str, name: Path = README) -> str:
        """``text`` (the README or the home page, ``name``) with its overview replaced by the current one."""
        start, end = text.find(OVERVIEW_START), text.find(OVERVIEW_END)
        if start < 0 or end < start:
            raise ValueError(f"{name} has no {OVERVIEW_START} ... {OVERVIEW_END} block for the diagram")
        return text[:start] + self.overview_block() + text[end + len(OVERVIEW_END) :]


def _parts(title: str, diagram: Diagram) -> Iterator[tuple[str, Diagram]]:
    """A stack's diagram, or (over :data:`WIDTH_BUDGET` or :data:`SPLIT_AT` nodes) one diagram per innermost
    construct of the stack, each with the nodes its arrows reach; the stack's other nodes go with the construct they
    have the most arrows with, or (when that one would then be over the budget) make a diagram of their own."""
    own = [node for node in diagram.nodes if not node.elsewhere]
    innermost = [
        group
        for group in diagram.groups
        if any(node.groups[-1:] == (group,) for node in own) and not any(group in node.groups[:-1] for node in own)
    ]
    whole = diagram.flat()
    if (whole.fits() and len(whole.nodes) <= SPLIT_AT) or len(innermost) < 2:
        yield title, whole
        return
    members = {group: {node.id for node in own if node.groups[-1:] == (group,)} for group in innermost}
    rest = {node.id for node in own} - set().union(*members.values())

    def arrows(group: str) -> int:
        return sum(
            (edge.source in rest and edge.target in members[group])
            or (edge.target in rest and edge.source in members[group])
            for edge in diagram.edges
        )

    host = max(innermost, key=arrows)
    if not rest or diagram.part(members[host] | rest).flat().fits():
        members[host] |= rest
        rest = set()
    for group in sorted(innermost, key=lambda group: group != host):
        yield f"{title}: {diagram.groups[group].split(' · ')[0]}", diagram.part(members[group]).flat()
    if rest:
        names = [node.label.split("<br/>")[0] for node in diagram.nodes if node.id in rest]
        yield f"{title}: {', '.join(names)}", diagram.part(rest).flat()


def _overview_parts(title: str, overview: Diagram) -> Iterator[tuple[str, Diagram]]:
    """A profile's overview, or (over :data:`OVERVIEW_SPLIT_AT` boxes) one diagram per path: first the send path
    (everything but the :data:`SIDE_PATHS` composites and what feeds only them), then each side path with what it
    feeds on (its feeders, and the boxes its arrows reach)."""
    whole = overview.flat()
    sides = {
        group: {node.id for node in overview.nodes if group in node.groups}
        for group in overview.groups
        if group.split("__")[-1] in SIDE_PATHS
    }
    sides = {group: ids for group, ids in sides.items() if ids}
    if len(whole.nodes) <= OVERVIEW_SPLIT_AT or not sides:
        yield title, whole
        return
    leaving: dict[str, set[str]] = defaultdict(set)
    for edge in overview.edges:
        leaving[edge.source].add(edge.target)
    for ids in sides.values():
        # A box whose every arrow leads into the side path (the inbound topic of the replies) goes with it.
        ids |= {node.id for node in overview.nodes if leaving[node.id] and leaving[node.id] <= ids}
    aside = set().union(*sides.values())
    main = Diagram(
        groups={},
        nodes=[node for node in overview.nodes if node.id not in aside],
        edges=[edge for edge in overview.edges if edge.source not in aside and edge.target not in aside],
    )
    yield f"{title}, the send path", main.flat()
    for group, ids in sides.items():
        yield f"{title}, {SIDE_PATHS[group.split('__')[-1]]}", overview.part(ids).flat()


def _boxes(diagram: Diagram) -> str:
    outside = sum(node.elsewhere for node in diagram.nodes)
    return f"{len(diagram.nodes) - outside} boxes" + (f", and {outside} dashed outside the stacks" if outside else "")


def _count(diagram: Diagram, what: str) -> str:
    inside = sum(not node.elsewhere for node in diagram.nodes)
    outside = len(diagram.nodes) - inside
    return f"{inside} {what}" + (f" (and {outside} dashed, from elsewhere)" if outside else "")


def _identities(profile: Profile) -> str:
    if not profile.identities:
        return "a simulator number, requested"
    described = []
    for identity in profile.identities:
        rate = f"{identity.max_parts_per_second:g} parts/s"
        if identity.phone_number_arn is not None:
            described.append(f"a registered number imported by ARN ({rate})")
        else:
            described.append(f"a {identity.number_type} number requested in {identity.iso_country_code} ({rate})")
    return "; ".join(described)


def stale_files(root: Path, pictures: Pictures) -> list[Path]:
    """The files under ``root`` whose diagrams differ from ``pictures``."""
    stale = []
    page = root / PAGE
    if not page.exists() or page.read_text() != pictures.page():
        stale.append(PAGE)
    for name in OVERVIEWS:
        text = (root / name).read_text()
        if pictures.with_overview(text, name) != text:
            stale.append(name)
    return stale


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sms_constructs.sample_app.diagram [--check] [--root DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the repository (default: the current folder)")
    parser.add_argument("--check", action="store_true", help="only say whether the committed diagrams are current")
    options = parser.parse_args(argv)
    root: Path = options.root
    pictures = Pictures.of_sample_app(root)
    stale = stale_files(root, pictures)
    if options.check:
        for path in stale:
            print(f"{path} is stale: run make diagram", file=sys.stderr)
        return 1 if stale else 0
    (root / PAGE).parent.mkdir(parents=True, exist_ok=True)
    (root / PAGE).write_text(pictures.page())
    for name in OVERVIEWS:
        (root / name).write_text(pictures.with_overview((root / name).read_text(), name))
    for title, diagram in pictures.diagrams():
        print(f"{title}: {len(diagram.nodes)} nodes, {len(diagram.edges)} arrows")
    print(f"wrote {PAGE} and the overview in {', '.join(map(str, OVERVIEWS))}")
    return 0


if __name__ == "__main__":  # pragma: no cover - the make target
    sys.exit(main())
