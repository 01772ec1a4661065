"""``sms-constructs-test-message``: send test messages through a deployed sample app and follow them to the end.

After ``make deploy`` (sandbox profile), ``make test-message`` reads the outputs of the ``Sending`` and ``Analytics``
stacks (``DescribeStacks``), puts one request per destination on the send queue with ``SmsProducer`` (by default the
US simulator's success and failure numbers), then polls the message store (what the sender did: sent, rejected,
retried, failed for good) and the events in the quick-look log group (what the carrier said), and prints one row per
message: its status, the seconds from queueing to the final event, and its retries. Without AWS credentials it says so
in one line.

Simulator messages never reach a carrier, but they are billed like messages to the destination country and count
toward the monthly spend limit.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from sms_constructs_runtime.events import TRANSIENT_FAILURE_STATUSES, EventParseError, SmsEvent
from sms_constructs_runtime.producer import ContractError, SmsProducer

from ._aws import EXIT_CANNOT_RUN, CannotRunError, ClientError, aws_error, required_output, session, stack_outputs

#: The US destination simulator numbers (the only ones a US simulator origination number can send to).
SUCCESS_SIMULATOR = "+14254147755"
FAILURE_SIMULATOR = "+14254147167"
DEFAULT_DESTINATIONS = (SUCCESS_SIMULATOR, FAILURE_SIMULATOR)
#: Stack name prefix per sample-app profile (``sms_constructs.sample_app.stack_name_prefix``).
STACK_PREFIXES = {"sandbox": "SmsSandbox", "production": "SmsProduction"}
_EXIT_INCOMPLETE = 1


@dataclass
class TrackedMessage:
    """A test request on its way, and what was seen of it so far."""

    destination: str
    request_id: str
    queued_at_ms: int
    #: ``attempt#NN`` items of the message store, by attempt number.
    attempts: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: The store's ``final`` item, once retries are exhausted.
    final_failure: dict[str, Any] | None = None
    #: Every event of the request, by message id.
    events: dict[str, list[SmsEvent]] = field(default_factory=dict)

    @property
    def latest_attempt(self) -> int:
        """The highest attempt seen in the store or the events (0 before the first send)."""
        from_events = [e.attempt or 1 for events in self.events.values() for e in events]
        return max([*self.attempts, *from_events, 0])

    @property
    def latest_outcome(self) -> dict[str, Any] | None:
        """The store item of the latest attempt."""
        return self.attempts.get(self.latest_attempt)

    @property
    def message_id(self) -> str | None:
        """The MessageId of the latest send."""
        outcome = self.latest_outcome
        return outcome.get("messageId") if outcome else None

    @property
    def latest_events(self) -> list[SmsEvent]:
        """The events of the latest send, oldest first."""
        return sorted(self.events.get(self.message_id or "", []), key=lambda e: e.event_timestamp)

    @property
    def final_event(self) -> SmsEvent | None:
        """The first final event of the latest send."""
        return next((e for e in self.latest_events if e.is_final), None)

    @property
    def status(self) -> str:
        """What the table shows: the carrier's latest status, or what the sender did."""
        if self.final_failure is not None:
            return f"FAILED ({self.final_failure.get('lastStatus', '?')})"
        outcome = self.latest_outcome
        if outcome is None:
            return "QUEUED"
        if outcome.get("status") == "REJECTED":
            return f"REJECTED ({outcome.get('reason', '?')})"
        events = self.latest_events
        return events[-1].message_status if events else "SENT"

    @property
    def done(self) -> bool:
        """True once nothing more will happen: rejected, failed for good, or a final status that is not retried."""
        if self.final_failure is not None:
            return True
        outcome = self.latest_outcome
        if outcome is not None and outcome.get("status") == "REJECTED":
            return True
        final = self.final_event
        return final is not None and (final.is_success or final.message_status not in TRANSIENT_FAILURE_STATUSES)

    @property
    def latency_seconds(self) -> float | None:
        """Seconds from queueing to the latest send's final event."""
        final = self.final_event
        return (final.event_timestamp - self.queued_at_ms) / 1000 if final is not None else None

    @property
    def retry(self) -> str:
        """Retries so far and what is next."""
        retries = max(0, self.latest_attempt - 1)
        done = f"{retries} retr{'y' if retries == 1 else 'ies'}" if retries else "none"
        if self.final_failure is not None:
            return f"{done}; not retried again ({self.final_failure.get('reason', '?')})"
        final = self.final_event
        if final is not None and not final.is_success and final.message_status in TRANSIENT_FAILURE_STATUSES:
            return f"{done}; retry pending"
        return done


class Follower:
    """Reads what the message store and the event log group know of tracked messages."""

    def __init__(self, *, dynamodb: Any, logs: Any, table_name: str, log_group_name: str) -> None:
        self.dynamodb = dynamodb
        self.logs = logs
        self.table_name = table_name
        self.log_group_name = log_group_name

    def observe(self, message: TrackedMessage) -> None:
        """Refresh ``message`` from the store and the events."""
        items = self.dynamodb.query(
            TableName=self.table_name,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"request#{message.request_id}"}},
            ConsistentRead=True,
        )["Items"]
        for item in items:
            plain = {name: next(iter(value.values())) for name, value in item.items()}
            sort_key = str(plain["sk"])
            if sort_key.startswith("attempt#"):
                message.attempts[int(sort_key.removeprefix("attempt#"))] = plain
            elif sort_key == "final":
                message.final_failure = plain
        message.events = {}
        for event in self._events(message):
            message.events.setdefault(event.message_id, []).append(event)

    def _events(self, message: TrackedMessage) -> Iterable[SmsEvent]:
        # A quoted term matches the request id wherever it occurs: in the echoed context of every attempt's events.
        arguments: dict[str, Any] = {
            "logGroupName": self.log_group_name,
            "filterPattern": f'"{message.request_id}"',
            "startTime": message.queued_at_ms - 60_000,
        }
        while True:
            page = self.logs.filter_log_events(**arguments)
            for record in page.get("events", []):
                try:
                    event = SmsEvent.from_json(record["message"])
                except EventParseError:
                    continue
                if event.request_id == message.request_id:
                    yield event
            token = page.get("nextToken")
            if not token:
                return
            arguments["nextToken"] = token


def follow(
    follower: Follower,
    messages: Sequence[TrackedMessage],
    *,
    timeout_seconds: float,
    interval_seconds: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Poll until every message is done or ``timeout_seconds`` pass; True when all are done."""
    deadline = clock() + timeout_seconds
    while True:
        for message in messages:
            if not message.done:
                follower.observe(message)
        if all(m.done for m in messages):
            return True
        if clock() >= deadline:
            return False
        sleep(interval_seconds)


def table(messages: Sequence[TrackedMessage]) -> str:
    """The result as a plain-text table."""
    header = ("destination", "request id", "message id", "status", "final", "latency s", "retries")
    rows = [
        (
            m.destination,
            m.request_id,
            m.message_id or "-",
            m.status,
            "yes" if m.done else "no",
            f"{m.latency_seconds:.1f}" if m.latency_seconds is not None else "-",
            m.retry,
        )
        for m in messages
    ]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)) for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def run(
    aws: Any,
    *,
    stack_prefix: str,
    destinations: Sequence[str] = DEFAULT_DESTINATIONS,
    timeout_seconds: float = 300,
    interval_seconds: float = 10,
    out: TextIO = sys.stdout,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    now_ms: Callable[[], int] = lambda: int(time.time() * 1000),
) -> int:
    """Send to ``destinations`` through the deployed ``<stack_prefix>Sending`` stack and follow the messages; ``aws``
    is a boto3 session. Returns the exit status: 0 when every message reached its end and the success simulator's was
    delivered, 1 otherwise."""
    cloudformation = aws.client("cloudformation")
    sending_stack, analytics_stack = f"{stack_prefix}Sending", f"{stack_prefix}Analytics"
    sending = stack_outputs(cloudformation, sending_stack)
    analytics = stack_outputs(cloudformation, analytics_stack)
    producer = SmsProducer(required_output(sending, sending_stack, "SendQueueUrl"), client=aws.client("sqs"))
    follower = Follower(
        dynamodb=aws.client("dynamodb"),
        logs=aws.client("logs"),
        table_name=required_output(sending, sending_stack, "MessageStoreTableName"),
        log_group_name=required_output(analytics, analytics_stack, "QuickLookLogGroupName"),
    )
    run_id = uuid.uuid4().hex[:8]
    messages = []
    for index, destination in enumerate(destinations, start=1):
        request_id = f"sms-constructs-test-{run_id}-{index}"
        queued_at = now_ms()
        producer.send(
            destination,
            f"sms-constructs test message {index} of run {run_id}",
            request_id=request_id,
            context={"test": "sms-constructs-test-message"},
        )
        messages.append(TrackedMessage(destination=destination, request_id=request_id, queued_at_ms=queued_at))
    print(
        f"Queued {len(messages)} message(s) on {sending_stack}'s send queue (run {run_id}); following them for up to "
        f"{timeout_seconds:.0f} s...",
        file=out,
    )
    complete = follow(
        follower, messages, timeout_seconds=timeout_seconds, interval_seconds=interval_seconds, clock=clock, sleep=sleep
    )
    print(table(messages), file=out)
    success = [m for m in messages if m.destination == SUCCESS_SIMULATOR]
    delivered = all(m.final_event is not None and m.final_event.is_success for m in success)
    if not complete:
        print(
            "Not every message reached its end in time: events can take minutes (and up to 72 hours); run again with "
            "a longer --timeout, or look at the dashboard.",
            file=out,
        )
    elif not delivered:
        print("The success simulator number's message was not delivered: see its status above.", file=out)
    return 0 if complete and delivered else _EXIT_INCOMPLETE


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point (``sms-constructs-test-message``)."""
    parser = argparse.ArgumentParser(prog="sms-constructs-test-message", description=__doc__.split("\n\n")[0])
    parser.add_argument("--app-profile", choices=sorted(STACK_PREFIXES), default="sandbox", help="sample-app profile")
    parser.add_argument("--stack-prefix", help="stack name prefix (default: from --app-profile, e.g. SmsSandbox)")
    parser.add_argument(
        "--destination",
        action="append",
        help=f"E.164 number to send to; repeat for more (default: {' and '.join(DEFAULT_DESTINATIONS)})",
    )
    parser.add_argument("--timeout", type=float, default=300, help="seconds to follow the messages (default 300)")
    parser.add_argument("--interval", type=float, default=10, help="seconds between polls (default 10)")
    parser.add_argument("--aws-profile", help="AWS named profile (default: the environment's credentials)")
    parser.add_argument("--region", help="AWS Region of the stacks (default: the environment's)")
    args = parser.parse_args(argv)
    try:
        aws = session(args.aws_profile, args.region)
        return run(
            aws,
            stack_prefix=args.stack_prefix or STACK_PREFIXES[args.app_profile],
            destinations=args.destination or DEFAULT_DESTINATIONS,
            timeout_seconds=args.timeout,
            interval_seconds=args.interval,
        )
    except (CannotRunError, ContractError) as problem:
        print(problem, file=sys.stderr)
        return EXIT_CANNOT_RUN
    except ClientError as error:
        print(f"AWS refused a call: {aws_error(error)}", file=sys.stderr)
        return EXIT_CANNOT_RUN


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
