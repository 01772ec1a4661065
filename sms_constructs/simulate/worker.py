"""One worker process of the simulator's real-process mode: a Lambda execution environment of the sender.

Run as a script (``python .../simulate/worker.py CONFIG.json``), so that neither ``sms_constructs`` nor the CDK is
imported: the process holds what a Lambda execution environment holds — the standard library, boto3, Powertools and
the ``lambda/`` folder. In order, it

1. wraps ``time.sleep`` so that every wake-up comes a random 0–J ms late (``jitter_ms``), and measures how late each
   one actually came. This happens **before** the handler is imported: the pacer binds ``time.sleep`` as a default
   argument when its module is loaded;
2. calls the configured ``setup`` functions (``module:function``; tests break the pacer on purpose with them);
3. sets the sender's environment (``SenderSettings(...).to_environment()``, the endpoints of the local back ends and
   dummy credentials), imports ``sender.handler`` and builds its clients (the cold start, outside the measurement);
4. waits for ``go`` on standard input, then loops as the Lambda event source mapping does: long-poll the send queue
   for a batch, build the SQS event, call ``sender.handler.main(event, context)`` with a context whose remaining time
   follows the function's timeout, and delete the records the partial batch response does not list;
5. stops on ``stop`` (or the end of standard input) and writes its figures (wake-ups, releases, invocations) as JSON.

The handler's output (Powertools logs and EMF metrics) goes to standard output; the parent reads the metrics there.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import random
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, SupportsIndex

__all__ = ["LambdaContext", "main", "sqs_record"]


def sqs_record(message: Mapping[str, Any], queue_arn: str) -> dict[str, Any]:
    """A record of the Lambda SQS event, as the event source mapping builds it from a received message (its string
    message attributes included, in the event's ``stringValue`` / ``dataType`` shape)."""
    attributes = message.get("Attributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {
            "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
            "SentTimestamp": attributes.get("SentTimestamp", "1767225600000"),
            "SenderId": attributes.get("SenderId", "AIDAEXAMPLE"),
            "ApproximateFirstReceiveTimestamp": attributes.get("ApproximateFirstReceiveTimestamp", "1767225600000"),
        },
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value.get("DataType", "String"),
            }
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": hashlib.md5(message["Body"].encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": "us-east-1",
    }


class LambdaContext:
    """The parts of the Lambda context the handlers use; the deadline follows ``clock``.

    :param clock: Seconds since the epoch (simulated, or ``time.time``).
    :param timeout_seconds: The function's timeout: the invocation's deadline is this long after now.
    :param function_name: The function's name.
    :param request_id: The invocation's request id. Default: a random UUID.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        timeout_seconds: float,
        *,
        function_name: str = "sender",
        request_id: str | None = None,
    ) -> None:
        self._clock = clock
        self._deadline = clock() + timeout_seconds
        self.function_name = function_name
        self.memory_limit_in_mb = 256
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:111122223333:function:{function_name}"
        self.aws_request_id = request_id or str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the deadline."""
        return max(0, int((self._deadline - self._clock()) * 1000))


class _WakeUps:
    """``time.sleep`` with injected lateness, measuring every wake-up's overshoot."""

    def __init__(self, jitter_seconds: float, seed: int) -> None:
        self._jitter = jitter_seconds
        self._random = random.Random(seed)
        self._sleep = time.sleep
        self.overshoots: list[float] = []

    def sleep(self, seconds: float | SupportsIndex) -> None:
        wanted = max(0.0, float(seconds))
        started = time.perf_counter()
        self._sleep(wanted + (self._random.uniform(0.0, self._jitter) if self._jitter else 0.0))
        self.overshoots.append(time.perf_counter() - started - wanted)


def _call(spec: str) -> None:
    module, _, function = spec.partition(":")
    getattr(importlib.import_module(module), function)()


def main(argv: list[str]) -> int:
    """Run one worker with the configuration in the JSON file ``argv[0]`` (see the module docstring)."""
    config = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    wake_ups = _WakeUps(config["jitter_ms"] / 1000, config["seed"])
    time.sleep = wake_ups.sleep  # before anything binds it
    sys.path.insert(0, config["lambda_root"])
    os.environ.update(config["environment"])
    for spec in config["setup"]:
        _call(spec)
    keyed_releases: list[tuple[float, int, str]] = []  # (when, parts, the pacer key: per route)
    pacing = importlib.import_module("sms_constructs_runtime.pacing")
    acquire = pacing.Pacer.acquire

    def observed_acquire(self: Any, parts: int, *args: Any, **kwargs: Any) -> Any:
        released = acquire(self, parts, *args, **kwargs)
        if released:
            keyed_releases.append((time.time(), parts, str(self.key)))
        return released

    pacing.Pacer.acquire = observed_acquire
    handler = importlib.import_module("sender.handler")
    handler._sender()
    import boto3  # noqa: PLC0415 - after the environment is set

    sqs: Any = boto3.client("sqs")
    queue_url, queue_arn = config["queue_url"], config["queue_arn"]
    Path(config["result"] + ".ready").write_text("ready", encoding="utf-8")
    if sys.stdin.readline().strip() != "go":
        return 0
    stop = threading.Event()

    def wait_for_stop() -> None:
        sys.stdin.readline()
        stop.set()

    threading.Thread(target=wait_for_stop, daemon=True).start()
    invocations = records = failed_items = errors = 0
    while not stop.is_set():
        messages = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=config["batch_size"],
            WaitTimeSeconds=config["wait_seconds"],
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            continue
        event = {"Records": [sqs_record(m, queue_arn) for m in messages]}
        context = LambdaContext(time.time, config["timeout_seconds"], function_name=config["function_name"])
        invocations += 1
        records += len(messages)
        try:
            response = handler.main(event, context)
        except Exception:  # a failed invocation: Lambda deletes nothing, every record comes back
            errors += 1
            traceback.print_exc()
            continue
        failed = {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
        failed_items += len(failed)
        done = [
            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
            for n, m in enumerate(messages)
            if m["MessageId"] not in failed
        ]
        if done:
            sqs.delete_message_batch(QueueUrl=queue_url, Entries=done)
    result = {
        "overshoots": wake_ups.overshoots,
        "releases": [(at, parts) for at, parts, _ in keyed_releases],
        "keyed_releases": keyed_releases,
        "invocations": invocations,
        "records": records,
        "failed_items": failed_items,
        "errors": errors,
    }
    Path(config["result"]).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
