"""In-memory DynamoDB, SQS, SNS, EventBridge and Lambda clients: the subset of the boto3 API the sender, retry, status
and inbound handlers (and Powertools idempotency) call, with the services' semantics — atomic conditional writes, a
``NEW_IMAGE`` stream of every change, visibility timeouts, receive counts, redrive to a dead-letter queue, message
delays.

Each call may take simulated time (``latency``, run through the injected ``sleep``): half before the operation takes
effect and half after, so concurrent callers interleave the way they do against the real services. Errors are the
real clients' modelled exceptions (``client.exceptions.ConditionalCheckFailedException`` is a ``ClientError``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import boto3

from .worker import LambdaContext, sqs_record

__all__ = [
    "FakeDynamoDB",
    "FakeEvents",
    "FakeLambda",
    "FakeSns",
    "FakeSqs",
    "LambdaContext",
    "QueueMessage",
    "sqs_record",
]

Latency = Callable[[str], float]
Item = dict[str, dict[str, Any]]
#: Called after every write that changed an item: (table, old item or ``None``, new item or ``None``).
WriteHook = Callable[[str, "Item | None", "Item | None"], None]


def _no_latency(_: str) -> float:
    return 0.0


class _Timed:
    """Runs each operation between two halves of its latency."""

    def __init__(self, sleep: Callable[[float], None], latency: Latency | None) -> None:
        self._sleep = sleep
        self._latency = latency or _no_latency
        #: Calls per operation name.
        self.calls: dict[str, int] = {}
        #: Operations take effect one at a time, also when callers run on threads.
        self._atomic = threading.Lock()

    def _call(self, operation: str, run: Callable[[], Any]) -> Any:
        self.calls[operation] = self.calls.get(operation, 0) + 1
        seconds = self._latency(operation)
        if seconds > 0:
            self._sleep(seconds / 2)
        with self._atomic:
            result = run()
        if seconds > 0:
            self._sleep(seconds / 2)
        return result


_KEY_CONDITION = re.compile(r"pk = (?P<pk>:\w+)(?: AND begins_with\(sk, (?P<prefix>:\w+)\))?")

# -- DynamoDB expressions ---------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(<>|<=|>=|[=<>(),+-]|[#:]?[A-Za-z_][A-Za-z0-9_.]*)")


def _tokens(expression: str) -> list[str]:
    tokens, position = [], 0
    expression = expression.strip()
    while position < len(expression):
        match = _TOKEN.match(expression, position)
        if not match:
            raise ValueError(f"cannot parse DynamoDB expression at {expression[position:]!r}")
        tokens.append(match[1])
        position = match.end()
        while position < len(expression) and expression[position].isspace():
            position += 1
    return tokens


def _scalar(value: Mapping[str, Any] | None) -> Any:
    if value is None:
        return None
    if "N" in value:
        return Decimal(value["N"])
    if "S" in value:
        return value["S"]
    if "BOOL" in value:
        return value["BOOL"]
    raise ValueError(f"unsupported attribute value {value}")


class _Expression:
    """A parsed condition or update expression, evaluated against one item."""

    def __init__(self, text: str, names: Mapping[str, str] | None, values: Mapping[str, Any] | None) -> None:
        self.tokens = _tokens(text)
        self.position = 0
        self.names = names or {}
        self.values = values or {}

    def _peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> str:
        token = self.tokens[self.position]
        if expected is not None and token.upper() != expected:
            raise ValueError(f"expected {expected}, found {token}")
        self.position += 1
        return token

    def _name(self, token: str) -> str:
        return self.names[token] if token.startswith("#") else token

    def _operand(self, item: Item) -> Any:
        token = self._take()
        value = self.values[token] if token.startswith(":") else item.get(self._name(token))
        if self._peek() in ("+", "-"):
            sign = self._take()
            other = self._operand(item)
            if value is None or other is None:
                raise ValueError("arithmetic on a missing attribute")
            total = Decimal(value["N"]) + (1 if sign == "+" else -1) * Decimal(other["N"])
            return {"N": str(total)}
        return value

    # condition := or
    def condition(self, item: Item) -> bool:
        result = self._or(item)
        if self._peek() is not None:
            raise ValueError(f"unexpected {self._peek()}")
        return result

    def _or(self, item: Item) -> bool:
        result = self._and(item)
        while (self._peek() or "").upper() == "OR":
            self._take()
            right = self._and(item)
            result = result or right
        return result

    def _and(self, item: Item) -> bool:
        result = self._not(item)
        while (self._peek() or "").upper() == "AND":
            self._take()
            right = self._not(item)
            result = result and right
        return result

    def _not(self, item: Item) -> bool:
        if (self._peek() or "").upper() == "NOT":
            self._take()
            return not self._not(item)
        return self._primary(item)

    def _primary(self, item: Item) -> bool:
        token = self._peek() or ""
        if token == "(":
            self._take()
            result = self._or(item)
            self._take(")")
            return result
        if token in ("attribute_exists", "attribute_not_exists"):
            self._take()
            self._take("(")
            exists = self._name(self._take()) in item
            self._take(")")
            return exists if token == "attribute_exists" else not exists
        left = _scalar(self._operand(item))
        comparator = self._take()
        right = _scalar(self._operand(item))
        if left is None or right is None:
            return comparator == "<>" and (left is None) != (right is None)
        compare: dict[str, Callable[[Any, Any], bool]] = {
            "=": lambda a, b: a == b,
            "<>": lambda a, b: a != b,
            "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b,
            ">": lambda a, b: a > b,
            ">=": lambda a, b: a >= b,
        }
        return compare[comparator](left, right)

    def update(self, item: Item) -> Item:
        """Apply ``SET a = b, …`` / ``REMOVE a, …`` / ``ADD a :n, …`` (numbers) clauses to a copy of ``item``."""
        updated = dict(item)
        while self._peek() is not None:
            clause = self._take().upper()
            while True:
                name = self._name(self._take())
                if clause == "SET":
                    self._take("=")
                    value = self._operand(item)
                    if value is None:
                        raise ValueError(f"SET {name} from a missing attribute")
                    updated[name] = value
                elif clause == "REMOVE":
                    updated.pop(name, None)
                elif clause == "ADD":
                    value = self._operand(item)
                    current = updated.get(name)
                    total = Decimal(value["N"]) + (Decimal(current["N"]) if current is not None else 0)
                    updated[name] = {"N": str(total)}
                else:
                    raise ValueError(f"unsupported update clause {clause}")
                if self._peek() != ",":
                    break
                self._take(",")
        return updated


class FakeDynamoDB(_Timed):
    """A DynamoDB client over in-memory tables keyed by ``pk`` and ``sk`` (or ``pk`` alone): ``get_item``,
    ``put_item``, ``update_item``, ``delete_item``, ``transact_write_items``, ``query`` (by partition, optionally
    ``begins_with`` on ``sk``) and ``scan`` (with a filter), with condition and update expressions.

    :param sleep: Waits simulated seconds (the clock's ``sleep``).
    :param latency: Seconds one call of the given operation takes (``None``: instant).
    :param tables: The tables to use (another client's ``tables``: two clients, one database). Default: new ones.
    :param on_write: Called after every write that changed an item, as a DynamoDB stream records it (an identical
        rewrite records nothing). Default: none.
    """

    def __init__(
        self,
        sleep: Callable[[float], None] = lambda _: None,
        latency: Latency | None = None,
        *,
        tables: dict[str, dict[tuple[str, str], Item]] | None = None,
        on_write: WriteHook | None = None,
    ) -> None:
        super().__init__(sleep, latency)
        self.exceptions = boto3.client("dynamodb", region_name="us-east-1").exceptions
        #: table → (pk, sk) → item (``sk`` is ``""`` in a table keyed by ``pk`` alone).
        self.tables: dict[str, dict[tuple[str, str], Item]] = {} if tables is None else tables
        self.on_write = on_write

    def _written(self, table: str, old: Item | None, new: Item | None) -> None:
        if self.on_write is not None and old != new:
            self.on_write(table, None if old is None else dict(old), None if new is None else dict(new))

    def _table(self, name: str) -> dict[tuple[str, str], Item]:
        return self.tables.setdefault(name, {})

    @staticmethod
    def _key(key: Mapping[str, Any]) -> tuple[str, str]:
        return str(key["pk"]["S"]), str(key["sk"]["S"]) if "sk" in key else ""

    def _check(self, item: Item | None, params: Mapping[str, Any], operation: str) -> None:
        condition = params.get("ConditionExpression")
        if condition is None:
            return
        current = item or {}
        if not _Expression(
            condition, params.get("ExpressionAttributeNames"), params.get("ExpressionAttributeValues")
        ).condition(current):
            response: dict[str, Any] = {
                "Error": {"Code": "ConditionalCheckFailedException", "Message": "The conditional request failed"}
            }
            if params.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and item is not None:
                response["Item"] = dict(item)
            failed: Any = self.exceptions.ConditionalCheckFailedException
            raise failed(response, operation)

    def get_item(self, **params: Any) -> dict[str, Any]:
        def run() -> dict[str, Any]:
            item = self._table(params["TableName"]).get(self._key(params["Key"]))
            return {"Item": dict(item)} if item is not None else {}

        return dict(self._call("GetItem", run))

    def put_item(self, **params: Any) -> dict[str, Any]:
        def run() -> dict[str, Any]:
            table = self._table(params["TableName"])
            key = self._key(params["Item"])
            old = table.get(key)
            self._check(old, params, "PutItem")
            table[key] = dict(params["Item"])
            self._written(params["TableName"], old, table[key])
            return {}

        return dict(self._call("PutItem", run))

    def update_item(self, **params: Any) -> dict[str, Any]:
        def run() -> dict[str, Any]:
            table = self._table(params["TableName"])
            key = self._key(params["Key"])
            current = table.get(key)
            self._check(current, params, "UpdateItem")
            base: Item = dict(current) if current is not None else dict(params["Key"])
            expression = _Expression(
                params["UpdateExpression"],
                params.get("ExpressionAttributeNames"),
                params.get("ExpressionAttributeValues"),
            )
            updated = expression.update(base)
            table[key] = updated
            self._written(params["TableName"], current, updated)
            if params.get("ReturnValues") == "UPDATED_NEW":
                return {"Attributes": {k: v for k, v in updated.items() if base.get(k) != v}}
            if params.get("ReturnValues") == "ALL_NEW":
                return {"Attributes": dict(updated)}
            return {}

        return dict(self._call("UpdateItem", run))

    def transact_write_items(self, **params: Any) -> dict[str, Any]:
        """``Update`` and ``Put`` actions, all or none: every condition is checked before any write, and a refusal
        raises ``TransactionCanceledException`` with one ``CancellationReasons`` entry per action."""

        def run() -> dict[str, Any]:
            actions = params["TransactItems"]
            reasons: list[dict[str, Any]] = []
            for action in actions:
                ((kind, details),) = action.items()
                if kind not in ("Update", "Put"):
                    raise ValueError(f"unsupported transaction action {kind}")
                table = self._table(details["TableName"])
                key = self._key(details["Key"] if kind == "Update" else details["Item"])
                try:
                    self._check(table.get(key), details, "TransactWriteItems")
                except self.exceptions.ConditionalCheckFailedException:
                    reasons.append({"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"})
                else:
                    reasons.append({"Code": "None"})
            if any(reason["Code"] != "None" for reason in reasons):
                response = {
                    "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
                    "CancellationReasons": reasons,
                }
                cancelled: Any = self.exceptions.TransactionCanceledException
                raise cancelled(response, "TransactWriteItems")
            for action in actions:
                ((kind, details),) = action.items()
                table = self._table(details["TableName"])
                if kind == "Put":
                    table[self._key(details["Item"])] = dict(details["Item"])
                    continue
                key = self._key(details["Key"])
                current = table.get(key)
                base: Item = dict(current) if current is not None else dict(details["Key"])
                table[key] = _Expression(
                    details["UpdateExpression"],
                    details.get("ExpressionAttributeNames"),
                    details.get("ExpressionAttributeValues"),
                ).update(base)
            return {}

        return dict(self._call("TransactWriteItems", run))

    def delete_item(self, **params: Any) -> dict[str, Any]:
        def run() -> dict[str, Any]:
            table = self._table(params["TableName"])
            key = self._key(params["Key"])
            self._check(table.get(key), params, "DeleteItem")
            old = table.pop(key, None)
            if old is not None:
                self._written(params["TableName"], old, None)
            return {}

        return dict(self._call("DeleteItem", run))

    def query(self, **params: Any) -> dict[str, Any]:
        """``Query`` with ``pk = :pk`` and optionally ``AND begins_with(sk, :prefix)``; one page, by ``sk``."""

        def run() -> dict[str, Any]:
            condition = " ".join(params["KeyConditionExpression"].split())
            match = _KEY_CONDITION.fullmatch(condition)
            if match is None:
                raise ValueError(f"unsupported key condition {condition!r}")
            values = params["ExpressionAttributeValues"]
            pk = values[match["pk"]]["S"]
            prefix = values[match["prefix"]]["S"] if match["prefix"] else ""
            items = [
                dict(item)
                for (item_pk, sk), item in sorted(self._table(params["TableName"]).items())
                if item_pk == pk and sk.startswith(prefix)
            ]
            return {"Items": items, "Count": len(items)}

        return dict(self._call("Query", run))

    def scan(self, **params: Any) -> dict[str, Any]:
        """``Scan`` with an optional ``FilterExpression``; one page."""

        def run() -> dict[str, Any]:
            items = [dict(item) for _, item in sorted(self._table(params["TableName"]).items())]
            if "FilterExpression" in params:
                items = [
                    item
                    for item in items
                    if _Expression(
                        params["FilterExpression"],
                        params.get("ExpressionAttributeNames"),
                        params.get("ExpressionAttributeValues"),
                    ).condition(item)
                ]
            return {"Items": items, "Count": len(items)}

        return dict(self._call("Scan", run))

    def items(self, table: str, pk_prefix: str = "") -> list[Item]:
        """Every item of ``table`` whose partition key starts with ``pk_prefix`` (for reports and tests)."""
        return [dict(item) for (pk, _), item in sorted(self._table(table).items()) if pk.startswith(pk_prefix)]


# -- SQS and SNS ------------------------------------------------------------------------------------------------------


@dataclass
class QueueMessage:
    """A message of a :class:`FakeSqs` queue."""

    message_id: str
    body: str
    sent_at: float
    visible_at: float
    attributes: dict[str, Any] = field(default_factory=dict)
    receive_count: int = 0
    first_received_at: float | None = None
    receipt_handle: str | None = None


@dataclass
class _Queue:
    name: str
    url: str
    arn: str
    visibility_timeout: float
    dead_letter_url: str | None
    max_receive_count: int | None
    messages: dict[str, QueueMessage] = field(default_factory=dict)


class FakeSqs(_Timed):
    """An SQS client over in-memory standard queues: ``send_message``, ``receive_message``, ``delete_message``,
    ``change_message_visibility``; a message received more than ``maxReceiveCount`` times moves to the dead-letter
    queue on its next receive, as the redrive policy does.

    :param clock: Simulated seconds since the epoch.
    :param sleep: Waits simulated seconds.
    :param latency: Seconds one call takes.
    :param on_send: Called with the queue URL whenever a message is added (wakes long-polling consumers).
    """

    def __init__(
        self,
        clock: Callable[[], float],
        sleep: Callable[[float], None] = lambda _: None,
        latency: Latency | None = None,
        on_send: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(sleep, latency)
        self._clock = clock
        self._on_send = on_send
        self.exceptions = boto3.client("sqs", region_name="us-east-1").exceptions
        self.queues: dict[str, _Queue] = {}
        self._ids = itertools.count(1)

    def create_queue(
        self,
        name: str,
        *,
        visibility_timeout: float = 30,
        dead_letter_url: str | None = None,
        max_receive_count: int | None = None,
    ) -> str:
        """Create a queue and return its URL."""
        url = f"https://sqs.us-east-1.amazonaws.com/111122223333/{name}"
        arn = f"arn:aws:sqs:us-east-1:111122223333:{name}"
        self.queues[url] = _Queue(name, url, arn, visibility_timeout, dead_letter_url, max_receive_count)
        return url

    def create_queue_with_dead_letters(
        self, name: str, *, visibility_timeout: float, max_receive_count: int
    ) -> tuple[str, str]:
        """Create a queue and its dead-letter queue (``<name>-dlq``); return both URLs, the queue's first."""
        dead_letters = self.create_queue(f"{name}-dlq")
        url = self.create_queue(
            name,
            visibility_timeout=visibility_timeout,
            dead_letter_url=dead_letters,
            max_receive_count=max_receive_count,
        )
        return url, dead_letters

    def _new_id(self) -> str:
        number = next(self._ids)
        digest = hashlib.sha256(str(number).encode()).hexdigest()
        return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"

    def send_message(self, **params: Any) -> dict[str, Any]:
        def run() -> dict[str, Any]:
            message = self.deliver(
                params["QueueUrl"],
                params["MessageBody"],
                delay_seconds=int(params.get("DelaySeconds", 0)),
                attributes=params.get("MessageAttributes"),
            )
            return {
                "MessageId": message.message_id,
                "MD5OfMessageBody": hashlib.md5(message.body.encode()).hexdigest(),
            }

        return dict(self._call("SendMessage", run))

    def deliver(
        self, url: str, body: str, *, delay_seconds: int = 0, attributes: Mapping[str, Any] | None = None
    ) -> QueueMessage:
        """Add a message at once (what an SNS subscription does; no caller latency)."""
        now = self._clock()
        message = QueueMessage(self._new_id(), body, now, now + delay_seconds, attributes=dict(attributes or {}))
        self.queues[url].messages[message.message_id] = message
        if self._on_send is not None:
            self._on_send(url)
        return message

    def receive_message(self, **params: Any) -> dict[str, Any]:
        def run() -> dict[str, Any]:
            queue = self.queues[params["QueueUrl"]]
            now = self._clock()
            limit = int(params.get("MaxNumberOfMessages", 1))
            visibility = float(params.get("VisibilityTimeout", queue.visibility_timeout))
            received: list[dict[str, Any]] = []
            for message in sorted(queue.messages.values(), key=lambda m: (m.visible_at, m.sent_at, m.message_id)):
                if len(received) == limit or message.visible_at > now:
                    break
                if queue.max_receive_count is not None and message.receive_count >= queue.max_receive_count:
                    del queue.messages[message.message_id]  # redrive: it never reaches a consumer again
                    if queue.dead_letter_url is not None:
                        self.queues[queue.dead_letter_url].messages[message.message_id] = message
                        message.visible_at = now
                    continue
                message.receive_count += 1
                message.first_received_at = message.first_received_at or now
                message.visible_at = now + visibility
                message.receipt_handle = f"{message.message_id}#{message.receive_count}"
                received.append(
                    {
                        "MessageId": message.message_id,
                        "ReceiptHandle": message.receipt_handle,
                        "Body": message.body,
                        "MD5OfBody": hashlib.md5(message.body.encode()).hexdigest(),
                        "Attributes": {
                            "ApproximateReceiveCount": str(message.receive_count),
                            "SentTimestamp": str(int(message.sent_at * 1000)),
                            "ApproximateFirstReceiveTimestamp": str(int(message.first_received_at * 1000)),
                            "SenderId": "AIDASIMULATOR",
                        },
                        "MessageAttributes": message.attributes,
                    }
                )
            return {"Messages": received} if received else {}

        return dict(self._call("ReceiveMessage", run))

    def _by_receipt(self, url: str, receipt: str) -> QueueMessage | None:
        message = self.queues[url].messages.get(receipt.split("#", 1)[0])
        return message if message is not None and message.receipt_handle == receipt else None

    def delete_message(self, **params: Any) -> dict[str, Any]:
        def run() -> dict[str, Any]:
            message = self._by_receipt(params["QueueUrl"], params["ReceiptHandle"])
            if message is not None:  # a stale receipt handle deletes nothing, as in SQS
                del self.queues[params["QueueUrl"]].messages[message.message_id]
            return {}

        return dict(self._call("DeleteMessage", run))

    def change_message_visibility(self, **params: Any) -> dict[str, Any]:
        def run() -> dict[str, Any]:
            message = self._by_receipt(params["QueueUrl"], params["ReceiptHandle"])
            if message is None:
                raise self.exceptions.ReceiptHandleIsInvalid(
                    {"Error": {"Code": "ReceiptHandleIsInvalid", "Message": "stale receipt handle"}},
                    "ChangeMessageVisibility",
                )
            message.visible_at = self._clock() + int(params["VisibilityTimeout"])
            return {}

        return dict(self._call("ChangeMessageVisibility", run))

    def depth(self, url: str) -> int:
        """Messages in the queue, visible or not."""
        return len(self.queues[url].messages)

    def next_visible_at(self, url: str) -> float | None:
        """When the next message of the queue becomes visible (``None``: the queue is empty)."""
        return min((m.visible_at for m in self.queues[url].messages.values()), default=None)


class FakeSns(_Timed):
    """An SNS client that keeps what is published (``published``: topic ARN → message dicts)."""

    def __init__(self, sleep: Callable[[float], None] = lambda _: None, latency: Latency | None = None) -> None:
        super().__init__(sleep, latency)
        self.published: dict[str, list[dict[str, Any]]] = {}

    def publish(self, **params: Any) -> dict[str, Any]:
        def run() -> dict[str, Any]:
            messages = self.published.setdefault(params["TopicArn"], [])
            messages.append({**params, "Message": json.loads(params["Message"])})
            return {"MessageId": f"sns-{len(messages)}"}

        return dict(self._call("Publish", run))


class FakeEvents(_Timed):
    """An EventBridge client that keeps every entry ``PutEvents`` accepted (``entries``, with ``Detail`` decoded and
    the simulated time it arrived as ``at``).

    :param clock: Simulated seconds since the epoch.
    :param sleep: Waits simulated seconds.
    :param latency: Seconds one call takes.
    """

    def __init__(
        self,
        clock: Callable[[], float] = lambda: 0.0,
        sleep: Callable[[float], None] = lambda _: None,
        latency: Latency | None = None,
    ) -> None:
        super().__init__(sleep, latency)
        self._clock = clock
        #: Accepted entries, in order.
        self.entries: list[dict[str, Any]] = []

    def put_events(self, **params: Any) -> dict[str, Any]:
        """``PutEvents``: 1–10 entries with ``Source``, ``DetailType`` and a JSON ``Detail``; all accepted."""

        def run() -> dict[str, Any]:
            entries = params["Entries"]
            if not 1 <= len(entries) <= 10:
                raise ValueError(f"PutEvents takes 1 to 10 entries, not {len(entries)}")
            ids = []
            for entry in entries:
                for name in ("Source", "DetailType", "Detail"):
                    if not isinstance(entry.get(name), str):
                        raise ValueError(f"a PutEvents entry needs {name}")
                ids.append({"EventId": f"event-{len(self.entries) + 1}"})
                self.entries.append({**entry, "Detail": json.loads(entry["Detail"]), "at": self._clock()})
            return {"FailedEntryCount": 0, "Entries": ids}

        return dict(self._call("PutEvents", run))


class FakeLambda(_Timed):
    """A Lambda client that keeps every asynchronous ``Invoke`` (``invocations``: function → decoded payloads)."""

    def __init__(self, sleep: Callable[[float], None] = lambda _: None, latency: Latency | None = None) -> None:
        super().__init__(sleep, latency)
        self.invocations: dict[str, list[Any]] = {}

    def invoke(self, **params: Any) -> dict[str, Any]:
        """``Invoke`` with ``InvocationType="Event"``."""

        def run() -> dict[str, Any]:
            if params.get("InvocationType") != "Event":
                raise ValueError("only asynchronous invocations are simulated")
            self.invocations.setdefault(params["FunctionName"], []).append(json.loads(params["Payload"]))
            return {"StatusCode": 202}

        return dict(self._call("Invoke", run))
