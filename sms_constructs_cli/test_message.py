"""``sms-constructs-test-message``: send test messages through a deployed SmsSendQueue and follow them to the end.

It finds the deployment by the stack outputs the constructs publish (``SmsSendQueueUrl<id>`` and
``SmsSendQueueMessageStoreTableName<id>`` of each ``SmsSendQueue``, ``SmsEventAnalyticsQuickLookLogGroupName<id>`` of
each ``SmsEventAnalytics`` with a quick look), in every stack of the account and Region or in the stacks given by
``--stack``; ``--queue-url``, ``--table-name`` and ``--log-group-name`` override what it finds. It checks every
argument and every destination before it sends anything, puts one request per destination on the send queue with
``SmsProducer``, then polls the message store (what the sender did: sent, rejected, retried, failed for good) and
the events in the quick-look log group (what the carrier said), and prints one row per message: its status, the
seconds from queueing to the final event, and its retries.

Destinations: ``--to`` numbers (E.164), or by default the US simulator's success and failure numbers. The SMS simulator
has origination numbers only for the United States, and a US simulator number sends only to the US simulator
destinations: outside the US there is no simulator, so pass ``--to`` with a number you may send to. While the account
is in the SMS sandbox it sends only to verified destination numbers; the command checks each ``--to`` number with
``DescribeVerifiedDestinationNumbers`` first (``sms-constructs-verify-destination`` verifies one).

Simulator messages never reach a carrier, but they are billed like messages to the destination country and count
toward the monthly spend limit.
"""

from __future__ import annotations

import re
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TextIO

from botocore.exceptions import BotoCoreError
from sms_constructs_runtime.contract import E164_PATTERN
from sms_constructs_runtime.events import TRANSIENT_FAILURE_STATUSES, EventParseError, SmsEvent
from sms_constructs_runtime.producer import ContractError, SmsProducer
from sms_constructs_runtime.simulator import SIMULATOR_NUMBERS

from ._aws import ClientError, Deployment, find_deployment, session
from ._cli import (
    EXIT_INCOMPLETE,
    EXIT_OK,
    AwsFaultError,
    BadInputError,
    CannotRunError,
    InterruptedRunError,
    command_parser,
    describe_fault,
    run_command,
    seconds,
)

#: The US destination simulator numbers (the only ones a US simulator origination number can send to).
SUCCESS_SIMULATOR, FAILURE_SIMULATOR = SIMULATOR_NUMBERS["US"]
DEFAULT_DESTINATIONS = (SUCCESS_SIMULATOR, FAILURE_SIMULATOR)
#: Stack name prefix per sample-app profile (``sms_constructs.sample_app.stack_name_prefix``).
STACK_PREFIXES = {"sandbox": "SmsSandbox", "production": "SmsProduction"}
#: Longest follow (events arrive within 72 hours) and the poll interval's range, in seconds.
MAX_TIMEOUT_SECONDS: Final = 72 * 3600
MAX_INTERVAL_SECONDS: Final = 3600
#: ``DescribeVerifiedDestinationNumbers`` takes at most this many numbers per call.
_VERIFIED_LOOKUP_BATCH: Final = 5
_E164 = re.compile(E164_PATTERN)


def check_arguments(destinations: Sequence[str], *, timeout_seconds: float, interval_seconds: float) -> None:
    """:class:`BadInputError` for the first wrong argument; called before anything is looked up or sent."""
    for value, name, low, high in (
        (timeout_seconds, "--timeout", 0.0, MAX_TIMEOUT_SECONDS),
        (interval_seconds, "--interval", 0.0, MAX_INTERVAL_SECONDS),
    ):
        if not (low < value <= high):  # also refuses nan
            raise BadInputError(f"{name} {value!r} must be a finite number of seconds more than {low:g} to {high:g}.")
    if not destinations:
        raise BadInputError("No destination: give --to at least once, or none for the US simulator numbers.")
    seen: set[str] = set()
    for number in destinations:
        if not isinstance(number, str) or _E164.fullmatch(number) is None:
            raise BadInputError(
                f"--to {number!r} is not an E.164 number (+ then the country code and number, no spaces)."
            )
        if number in seen:
            raise BadInputError(f"--to {number} is given twice.")
        seen.add(number)
        for country, pair in SIMULATOR_NUMBERS.items():
            if country != "US" and number in pair:
                raise CannotRunError(
                    f"{number} is a {country} simulator destination, but there is no simulator for {country}: "
                    "simulator origination numbers exist only in the United States and send only to the US "
                    "simulator numbers; send to a verified destination number instead."
                )


def _allowed(error: ClientError) -> bool:
    """False when the caller may not make the call (then the check is skipped, with a note)."""
    return error.response.get("Error", {}).get("Code") not in ("AccessDeniedException", "AccessDenied")


def check_destinations(sms: Any, destinations: Sequence[str], region: str, out: TextIO) -> None:
    """:class:`CannotRunError` when a destination cannot be reached from this account and Region: simulator numbers
    without a simulator origination number, or (in the SMS sandbox) a number that is not verified."""
    simulated = [d for d in destinations if d in DEFAULT_DESTINATIONS]
    real = [d for d in destinations if d not in DEFAULT_DESTINATIONS]
    try:
        if simulated:
            numbers = sms.describe_phone_numbers(Filters=[{"Name": "number-type", "Values": ["SIMULATOR"]}])
            if not numbers.get("PhoneNumbers"):
                raise CannotRunError(
                    f"No simulator origination number in {region}: the SMS simulator exists only for the United "
                    "States; give --to with a verified destination number instead."
                )
        if real:
            attributes = sms.describe_account_attributes().get("AccountAttributes", [])
            tier = next((a.get("Value") for a in attributes if a.get("Name") == "ACCOUNT_TIER"), None)
            if tier == "SANDBOX":
                _check_verified(sms, real, region)
    except ClientError as error:
        if _allowed(error):
            raise
        print(f"Note: could not check the destinations ({error.operation_name} not allowed); sending anyway.", file=out)


def _check_verified(sms: Any, numbers: Sequence[str], region: str) -> None:
    status: dict[str, str] = {}
    for start in range(0, len(numbers), _VERIFIED_LOOKUP_BATCH):
        found = sms.describe_verified_destination_numbers(
            DestinationPhoneNumbers=list(numbers[start : start + _VERIFIED_LOOKUP_BATCH])
        )
        for entry in found.get("VerifiedDestinationNumbers", []):
            status[entry["DestinationPhoneNumber"]] = entry.get("Status", "?")
    for number in numbers:
        if status.get(number) != "VERIFIED":
            state = f"its status is {status[number]}" if number in status else "it is not a verified destination"
            raise CannotRunError(
                f"The account is in the SMS sandbox in {region} and {number} cannot receive ({state}): run "
                f"sms-constructs-verify-destination {number} first."
            )


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
    #: False when no quick-look log group is known: then a sent message is done, its delivery not followed.
    follow_events: bool = True

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
        if not self.follow_events:
            return outcome is not None and outcome.get("status") == "SENT"
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

    def __init__(self, *, dynamodb: Any, logs: Any, table_name: str, log_group_name: str | None) -> None:
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
        if self.log_group_name is None:
            return
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


def expected_delivered(destination: str) -> bool:
    """True for every destination but the failure simulator."""
    return destination != FAILURE_SIMULATOR


def run(
    aws: Any,
    *,
    stacks: Sequence[str] = (),
    stack_prefix: str | None = None,
    queue_url: str | None = None,
    table_name: str | None = None,
    log_group_name: str | None = None,
    destinations: Sequence[str] = DEFAULT_DESTINATIONS,
    timeout_seconds: float = 300,
    interval_seconds: float = 10,
    out: TextIO = sys.stdout,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    now_ms: Callable[[], int] = lambda: int(time.time() * 1000),
) -> int:
    """Check every argument and destination, find the deployment (``stacks``, or ``<stack_prefix>Sending`` and
    ``<stack_prefix>Analytics``, or every stack; the explicit values win), then send to ``destinations`` and follow
    the messages; ``aws`` is a boto3 session. Nothing is sent unless every check passes. Returns the exit status: 0
    when every message reached its end and every one but the failure simulator's was delivered, 1 otherwise."""
    check_arguments(destinations, timeout_seconds=timeout_seconds, interval_seconds=interval_seconds)
    if stack_prefix is not None:
        stacks = [*stacks, f"{stack_prefix}Sending", f"{stack_prefix}Analytics"]
    explicit = queue_url is not None and table_name is not None and log_group_name is not None
    deployment: Deployment = find_deployment(
        None if explicit else aws.client("cloudformation"),
        stacks=stacks,
        queue_url=queue_url,
        table_name=table_name,
        log_group_name=log_group_name,
    )
    region = getattr(aws, "region_name", None) or "this Region"
    check_destinations(aws.client("pinpoint-sms-voice-v2"), destinations, region, out)
    producer = SmsProducer(deployment.queue_url, client=aws.client("sqs"))
    run_id = uuid.uuid4().hex[:8]
    try:
        requests = [
            producer.build(
                destination,
                f"sms-constructs test message {index} of run {run_id}",
                request_id=f"sms-constructs-test-{run_id}-{index}",
                context={"test": "sms-constructs-test-message"},
            )
            for index, destination in enumerate(destinations, start=1)
        ]
    except ContractError as problem:
        raise BadInputError(str(problem)) from problem
    follower = Follower(
        dynamodb=aws.client("dynamodb"),
        logs=aws.client("logs"),
        table_name=deployment.table_name,
        log_group_name=deployment.log_group_name,
    )
    messages: list[TrackedMessage] = []
    try:
        for request in requests:
            queued_at = now_ms()
            producer.send_request(request)
            messages.append(
                TrackedMessage(
                    destination=request.destination_phone_number,
                    request_id=request.request_id,
                    queued_at_ms=queued_at,
                    follow_events=deployment.log_group_name is not None,
                )
            )
    except (ClientError, BotoCoreError) as error:
        if not messages:
            raise
        line, _ = describe_fault(error)
        raise AwsFaultError(
            f"{line} ({len(messages)} of {len(requests)} message(s) of run {run_id} were queued.)"
        ) from error
    print(
        f"Queued {len(messages)} message(s) on the send queue of {deployment.source} (run {run_id}); following them "
        f"for up to {timeout_seconds:g} s...",
        file=out,
    )
    if deployment.log_group_name is None:
        print(
            "Note: no SmsEventAnalytics quick look found (give --log-group-name): the carrier's delivery is not "
            "followed, only the send.",
            file=out,
        )
    try:
        complete = follow(
            follower,
            messages,
            timeout_seconds=timeout_seconds,
            interval_seconds=interval_seconds,
            clock=clock,
            sleep=sleep,
        )
    except KeyboardInterrupt:
        raise InterruptedRunError(f"Interrupted: {len(messages)} message(s) of run {run_id} were queued.") from None
    print(table(messages), file=out)
    expected = [m for m in messages if expected_delivered(m.destination) and m.follow_events]
    delivered = all(m.final_event is not None and m.final_event.is_success for m in expected)
    if not complete:
        print(
            "Not every message reached its end in time: events can take minutes (and up to 72 hours); run again with "
            "a longer --timeout, or look at the dashboard.",
            file=out,
        )
    elif not delivered:
        print("A message that should have been delivered was not: see its status above.", file=out)
    return EXIT_OK if complete and delivered else EXIT_INCOMPLETE


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point (``sms-constructs-test-message``)."""
    parser = command_parser(
        "sms-constructs-test-message",
        __doc__.split("\n\n")[0],
        epilog=(
            "It finds the send queue, the message store and the event log group by the outputs SmsSendQueue and\n"
            "SmsEventAnalytics publish (SmsSendQueueUrl<id>, SmsSendQueueMessageStoreTableName<id>,\n"
            "SmsEventAnalyticsQuickLookLogGroupName<id>) in every stack of the Region, or in --stack; nothing is\n"
            "sent until every argument and destination is checked. The SMS simulator exists only for the United\n"
            "States: elsewhere give --to (in the SMS sandbox, a verified destination number)."
        ),
    )
    parser.add_argument(
        "--to",
        "--destination",
        dest="to",
        action="append",
        metavar="NUMBER",
        help=f"E.164 number to send to; repeat for more (default: US simulator {' and '.join(DEFAULT_DESTINATIONS)})",
    )
    parser.add_argument("--stack", action="append", default=[], help="look only in this stack; repeat for more")
    parser.add_argument("--queue-url", help="the send queue's URL (default: from the stacks' outputs)")
    parser.add_argument("--table-name", help="the message store table (default: from the stacks' outputs)")
    parser.add_argument("--log-group-name", help="the quick-look log group (default: from the stacks' outputs)")
    parser.add_argument("--app-profile", choices=sorted(STACK_PREFIXES), help="the sample app's stacks of this profile")
    parser.add_argument("--stack-prefix", help="stacks <prefix>Sending and <prefix>Analytics (default: none)")
    parser.add_argument(
        "--timeout",
        type=seconds(minimum=0, maximum=MAX_TIMEOUT_SECONDS, allow_minimum=False),
        default=300,
        help="seconds to follow the messages, up to 259200 (default 300)",
    )
    parser.add_argument(
        "--interval",
        type=seconds(minimum=0, maximum=MAX_INTERVAL_SECONDS, allow_minimum=False),
        default=10,
        help="seconds between polls, up to 3600 (default 10)",
    )
    parser.add_argument("--aws-profile", help="AWS named profile (default: the environment's credentials)")
    parser.add_argument("--region", help="AWS Region of the stacks (default: AWS_DEFAULT_REGION or the profile's)")
    args = parser.parse_args(argv)
    destinations = args.to or DEFAULT_DESTINATIONS
    prefix = args.stack_prefix or (STACK_PREFIXES[args.app_profile] if args.app_profile else None)

    def action() -> int:
        check_arguments(destinations, timeout_seconds=args.timeout, interval_seconds=args.interval)
        return run(
            session(args.aws_profile, args.region),
            stacks=args.stack,
            stack_prefix=prefix,
            queue_url=args.queue_url,
            table_name=args.table_name,
            log_group_name=args.log_group_name,
            destinations=destinations,
            timeout_seconds=args.timeout,
            interval_seconds=args.interval,
        )

    return run_command(action)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
