"""Run the Python snippets of the docs: parse the fenced blocks of a page and execute them in a fresh stack.

Conventions a doc page may rely on:

- every ````python`` block runs, in page order, in one namespace per page: later blocks may use names that earlier
  blocks on the same page defined;
- the code runs as if inside the ``__init__`` of a ``cdk.Stack`` (``self``) of account 111122223333 in us-east-1,
  in an app with the sample app's ``cdk.json`` context;
- the public names of ``sms_constructs`` are available (``from sms_constructs import *``), and the aws_cdk aliases
  of :data:`MODULE_ALIASES`;
- the names of :data:`FIXTURES` stand for the reader's own resources (``log_group``, ``topic``, ``sender_function``,
  ...): when a page uses one before defining it, a pre-built resource of that name is put in the namespace;
- a page whose snippets call ``SmsProducer.from_environment()`` runs with ``SMS_SEND_QUEUE_URL`` set to a queue of a
  mocked AWS (what ``SmsSendQueue.add_producer`` gives a function);
- a block marked ``<!-- tested: NAME -->`` is a complete script, run by ``test_examples.py`` instead;
- a block marked ``<!-- not-tested: REASON -->`` is not run (it cannot run offline, or it is not CDK code); the
  reason is mandatory and reported.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import os
import re
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_cloudwatch as cloudwatch
import aws_cdk.aws_ec2 as ec2
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kinesisfirehose as firehose
import aws_cdk.aws_kms as kms
import aws_cdk.aws_lambda as lambda_
import aws_cdk.aws_logs as logs
import aws_cdk.aws_s3 as s3
import aws_cdk.aws_sns as sns
import aws_cdk.aws_sns_subscriptions as subscriptions
import aws_cdk.aws_sqs as sqs
import boto3
import moto
from sms_constructs_runtime.producer import QUEUE_URL_VARIABLE

import sms_constructs
from sms_constructs.resources.common import NumberCapability, NumberType
from sms_constructs.resources.configuration_set import ConfigurationSet
from sms_constructs.resources.keywords import MandatoryKeywords
from sms_constructs.resources.opt_out_list import OptOutList
from sms_constructs.resources.phone_number import PhoneNumber
from sms_constructs.resources.pool import Pool
from tests.conftest import ENV, REPO_ROOT, cdk_json_context

#: Pages whose snippets run: every page of the docs and the README.
PAGES = sorted([*(REPO_ROOT / "docs").rglob("*.md"), REPO_ROOT / "README.md"])

#: The aws_cdk modules every snippet may use under their usual alias.
MODULE_ALIASES: dict[str, Any] = {
    "cdk": cdk,
    "cloudwatch": cloudwatch,
    "ec2": ec2,
    "firehose": firehose,
    "iam": iam,
    "kms": kms,
    "lambda_": lambda_,
    "logs": logs,
    "s3": s3,
    "sns": sns,
    "sqs": sqs,
    "subscriptions": subscriptions,
}

_FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w+-]*)\s*$")
_MARKER = re.compile(r"^<!--\s*(?P<kind>tested|not-tested)\s*(?::\s*(?P<value>.*?))?\s*-->$")


def display_path(page: Path) -> str:
    """``page`` relative to the repository when it is in it."""
    return str(page.relative_to(REPO_ROOT)) if page.is_relative_to(REPO_ROOT) else str(page)


@dataclasses.dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    page: Path
    #: 1-based line of the first line of code (the line after the opening fence).
    line: int
    lang: str
    code: str
    #: ``"tested"``, ``"not-tested"`` or ``None``: the marker on the line before the fence.
    marker: str | None = None
    #: The marker's name (``tested``) or reason (``not-tested``); empty when missing.
    marker_value: str = ""
    #: 1-based line of the marker, 0 when there is none.
    marker_line: int = 0

    @property
    def where(self) -> str:
        """``docs/x.md:LINE`` of the first line of code."""
        return f"{display_path(self.page)}:{self.line}"

    @property
    def runs_as_snippet(self) -> bool:
        """Python, and marked neither as a complete script nor as not tested."""
        return self.lang == "python" and self.marker is None


def blocks_of(page: Path) -> list[Block]:
    """The fenced code blocks of ``page``, in order, with the marker (if any) of the line before each."""
    lines = page.read_text().splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        previous = next((i for i in range(index - 1, -1, -1) if lines[i].strip()), -1)
        marker = _MARKER.match(lines[previous].strip()) if previous >= 0 else None
        blocks.append(
            Block(
                page=page,
                line=index + 2,
                lang=opening["lang"],
                code=textwrap.dedent("\n".join(lines[index + 1 : end]) + "\n"),
                marker=marker["kind"] if marker else None,
                marker_value=(marker["value"] or "") if marker else "",
                marker_line=previous + 1 if marker else 0,
            )
        )
        index = end + 1
    return blocks


def malformed_markers(page: Path) -> Iterator[str]:
    """Markers that name no reason / name, or that do not sit right before a Python block."""
    blocks = blocks_of(page)
    attached = {block.marker_line for block in blocks}
    for number, line in enumerate(page.read_text().splitlines(), start=1):
        stripped = line.strip()
        if not re.match(r"<!--\s*(not-)?tested\b", stripped):
            continue
        if not _MARKER.match(stripped):
            yield f"{display_path(page)}:{number}: malformed marker {stripped!r}"
        elif number not in attached:
            yield f"{display_path(page)}:{number}: marker {stripped!r} is not right before a code block"
    for block in blocks:
        where = f"{display_path(page)}:{block.marker_line}"
        if block.marker and not block.marker_value.strip():
            needed = "reason" if block.marker == "not-tested" else "name"
            yield f"{where}: <!-- {block.marker}: ... --> needs a {needed}"
        if block.marker and block.lang != "python":
            yield f"{where}: <!-- {block.marker} --> marks a {block.lang or 'plain'} block, not a Python one"


# ---------------------------------------------------------------------------------------------------------------
# Fixtures: the reader's own resources, built on demand in the page's stack.


class FixtureContext:
    """Builds and caches the fixtures of one page (fixtures may depend on each other)."""

    def __init__(self, app: cdk.App, stack: cdk.Stack, resources: contextlib.ExitStack) -> None:
        self.app = app
        self.stack = stack
        #: Closed when the page's snippets have run (mocked AWS APIs live until then).
        self.resources = resources
        self._built: dict[str, Any] = {}

    def get(self, name: str) -> Any:
        """The fixture ``name``, built the first time."""
        if name not in self._built:
            self._built[name] = FIXTURES[name](self)
        return self._built[name]


def _function(ctx: FixtureContext, id: str) -> lambda_.Function:
    return lambda_.Function(
        ctx.stack,
        id,
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
    )


def _log_group(ctx: FixtureContext) -> logs.LogGroup:
    key = kms.Key(ctx.stack, "FixtureLogKey", enable_key_rotation=True)
    key.grant_encrypt_decrypt(iam.ServicePrincipal(f"logs.{ctx.stack.region}.amazonaws.com"))
    return logs.LogGroup(ctx.stack, "FixtureLogGroup", encryption_key=key, retention=logs.RetentionDays.ONE_MONTH)


def _topic(ctx: FixtureContext) -> sns.Topic:
    key = kms.Key(ctx.stack, "FixtureTopicKey", enable_key_rotation=True)
    return sns.Topic(ctx.stack, "FixtureTopic", master_key=key, enforce_ssl=True)


def _bucket(ctx: FixtureContext) -> s3.Bucket:
    return s3.Bucket(ctx.stack, "FixtureBucket", enforce_ssl=True, encryption=s3.BucketEncryption.S3_MANAGED)


def _stream(ctx: FixtureContext) -> firehose.DeliveryStream:
    bucket = s3.Bucket(ctx.stack, "FixtureStreamBucket", enforce_ssl=True, encryption=s3.BucketEncryption.S3_MANAGED)
    return firehose.DeliveryStream(
        ctx.stack,
        "FixtureStream",
        destination=firehose.S3Bucket(bucket),
        encryption=firehose.StreamEncryption.aws_owned_key(),
    )


def _queue_url(ctx: FixtureContext) -> str:
    """The URL of an SQS queue in a mocked AWS (moto), for runtime examples such as the producer's."""
    ctx.resources.enter_context(
        mock_env({"AWS_DEFAULT_REGION": ENV.region or "us-east-1", "AWS_ACCESS_KEY_ID": "testing"})
    )
    ctx.resources.enter_context(moto.mock_aws())
    return str(boto3.client("sqs").create_queue(QueueName="doc-send-queue")["QueueUrl"])


@contextlib.contextmanager
def mock_env(values: dict[str, str]) -> Iterator[None]:
    """``os.environ`` with ``values`` set, restored afterwards."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _keywords(ctx: FixtureContext) -> MandatoryKeywords:
    return MandatoryKeywords(help="Acme alerts: acme.example/sms. Reply STOP to opt out.", stop="Unsubscribed.")


def _number(ctx: FixtureContext) -> PhoneNumber:
    return PhoneNumber(
        ctx.stack,
        "FixtureNumber",
        iso_country_code="US",
        number_type=NumberType.SIMULATOR,
        capabilities=[NumberCapability.SMS],
        keywords=ctx.get("keywords"),
    )


def _pool(ctx: FixtureContext) -> Pool:
    return Pool(ctx.stack, "FixturePool", origination_identities=[ctx.get("number")], keywords=ctx.get("keywords"))


#: Names a doc may use for the reader's own resources, and how the harness builds them.
FIXTURES: dict[str, Callable[[FixtureContext], Any]] = {
    "analytics_stack": lambda ctx: cdk.Stack(ctx.app, "DocAnalyticsStack", env=ENV),
    "config": lambda ctx: ConfigurationSet(ctx.stack, "FixtureConfig"),
    "container_role": lambda ctx: iam.Role(
        ctx.stack, "FixtureContainerRole", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com")
    ),
    "key": lambda ctx: kms.Key(ctx.stack, "FixtureKey", enable_key_rotation=True),
    "keywords": _keywords,
    "log_group": _log_group,
    "my_bucket": _bucket,
    "my_failures_queue": lambda ctx: sqs.Queue(
        ctx.stack,
        "FixtureFailures",
        encryption_master_key=kms.Key(ctx.stack, "FixtureFailuresKey", enable_key_rotation=True),
        enforce_ssl=True,
    ),
    "my_function": lambda ctx: _function(ctx, "FixtureFunction"),
    "my_role": lambda ctx: iam.Role(
        ctx.stack, "FixtureRole", assumed_by=iam.ServicePrincipal("sms-voice.amazonaws.com")
    ),
    "number": _number,
    "opt_outs": lambda ctx: OptOutList(ctx.stack, "FixtureOptOuts"),
    "otp_config": lambda ctx: ConfigurationSet(ctx.stack, "FixtureOtpConfig"),
    "pool": _pool,
    "producer_function": lambda ctx: _function(ctx, "FixtureProducer"),
    "queue_url": _queue_url,
    "reporting_role": lambda ctx: iam.Role(
        ctx.stack, "FixtureReportingRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")
    ),
    "sender_function": lambda ctx: _function(ctx, "FixtureSender"),
    "stream": _stream,
    "topic": _topic,
}


# ---------------------------------------------------------------------------------------------------------------
# Running a page.


def _occurrences(tree: ast.AST) -> Iterator[tuple[int, int, str, bool]]:
    """(line, column, name, is_load) of every name bound or read in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            yield node.lineno, node.col_offset, node.id, isinstance(node.ctx, ast.Load)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                yield node.lineno, node.col_offset, (alias.asname or alias.name).split(".")[0], False
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield node.lineno, node.col_offset, node.name, False


def fixtures_used(trees: list[ast.Module]) -> list[str]:
    """The fixture names the snippets read before (or without) binding them, in the order of :data:`FIXTURES`."""
    first: dict[str, bool] = {}
    for tree in trees:
        for _, _, name, is_load in sorted(_occurrences(tree)):
            first.setdefault(name, is_load)
    return [name for name in FIXTURES if first.get(name)]


def base_namespace() -> dict[str, Any]:
    """``from sms_constructs import *`` plus the aws_cdk aliases."""
    namespace: dict[str, Any] = {"__name__": "__doc_snippet__"}
    namespace.update({name: getattr(sms_constructs, name) for name in sms_constructs.__all__})
    namespace.update(MODULE_ALIASES)
    return namespace


def compile_block(block: Block) -> ast.Module:
    """The block's AST, with line numbers of the page (so tracebacks point into the Markdown)."""
    tree = ast.parse(block.code, filename=str(block.page))
    ast.increment_lineno(tree, block.line - 1)
    return tree


#: A page whose snippets call this runs with ``SMS_SEND_QUEUE_URL`` set to a mocked queue.
_PRODUCER_FROM_ENVIRONMENT = "SmsProducer.from_environment("


def run_snippets(blocks: list[Block]) -> cdk.App:
    """Run ``blocks`` (one page's snippets) in order in a fresh app and stack; return the app (not yet synthesized).

    Raises ``AssertionError`` naming the block (page and line) that failed.
    """
    app = cdk.App(context=cdk_json_context())
    stack = cdk.Stack(app, "DocStack", env=ENV)
    trees = [compile_block(block) for block in blocks]
    namespace = base_namespace()
    namespace["self"] = stack
    with contextlib.ExitStack() as resources:
        context = FixtureContext(app, stack, resources)
        for name in fixtures_used(trees):
            namespace[name] = context.get(name)
        if any(_PRODUCER_FROM_ENVIRONMENT in block.code for block in blocks):  # what add_producer gives a function
            resources.enter_context(mock_env({QUEUE_URL_VARIABLE: context.get("queue_url")}))
        for block, tree in zip(blocks, trees, strict=True):
            try:
                exec(compile(tree, str(block.page), "exec"), namespace)  # the docs are the code under test
            except Exception as error:
                where = f"{display_path(block.page)}:{_failing_line(error, block)} (block at line {block.line})"
                raise AssertionError(f"{where}: {type(error).__name__}: {error}") from error
    return app


def _failing_line(error: BaseException, block: Block) -> int:
    """The page line of the innermost traceback frame that is in the block's code."""
    line = block.line
    traceback = error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == str(block.page):
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line
