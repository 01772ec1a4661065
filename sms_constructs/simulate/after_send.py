"""After the send, offline: the real status and inbound handlers of ``SmsStatusNotifier`` and ``SmsInbound`` in the
simulated-clock pipeline of :mod:`sms_constructs.simulate.run`, and the checks that nothing was lost or duplicated.

**Status path.** Every write to the message store goes to its ``NEW_IMAGE`` stream (shaped as Lambda receives DynamoDB
stream records, filtered by the stream mapping's synthesized filter criteria, one shard read in order, batch item
failures retried from the failed record); every SMS event goes to the notifier's queue as its SNS subscription (raw
message delivery) puts it there — with injected disorder: a share of the events delivered twice, a share delivered
late (after the events that followed it). The real ``status.handler`` reads both; an EventBridge fake keeps what it
publishes. Checks: no request's status moves backwards (every write of its status item, ranked by
``attempt * 100 + rank`` with the ranks of ``sms_constructs_runtime.status``; EventBridge itself does not keep the
order of what is put on it), no change is published twice (its ``eventId``), every request the send queue
decided on (sent, rejected, expired) ends with a final status event, every event is valid against
``status.schema.json``.

**Inbound path.** Recipients of delivered messages reply to the number they were sent from, with SNS notifications
whose ``Message`` is the AWS-documented two-way payload (``reference/events/11``, only its values changed): STOP,
START, HELP, the simulator's declared keyword (``C``, answered through the send queue), unknown text, copies of one
notification (the same ``inboundMessageId``) and STOP/START pairs from one number delivered in reverse. The service's
side is simulated too: a STOP puts the number on the fake SMS API's opt-out list at the message's time, a START takes
it off. The real ``inbound.handler`` handles the queue. Checks: each inbound message is published once as
``InboundMessage``; each ``C`` is answered by exactly one send at the fake SMS API and nothing else is answered; the
consent ledger holds, per number, the state of its newest STOP/START (by time); ``OptedOut`` / ``OptedIn`` are
published at most once per message and the last one per number agrees with the ledger; every event is valid against
``inbound_events.schema.json``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from sms_constructs_runtime.consent import CURRENT
from sms_constructs_runtime.inbound import (
    DetailType,
    InboundSettings,
    normalize_keyword,
    reply_request_id,
)
from sms_constructs_runtime.simulator import SIMULATOR_NUMBERS
from sms_constructs_runtime.status import DETAIL_TYPE, RANKS, carrier_rank, mask_phone_number
from sms_constructs_runtime.status_settings import StatusSettings

from .fake_aws import FakeDynamoDB, FakeEvents, FakeLambda, Item
from .fake_sms import FAKE_OUTCOME_NUMBERS

__all__ = [
    "CONFIRM_KEYWORD",
    "CONFIRM_REPLY",
    "AfterSendDeployment",
    "AfterSendResult",
    "InboundCheck",
    "InboundScript",
    "StatusCheck",
    "read_after_send",
]

#: The keyword the simulator's ``SmsInbound`` declares, and its auto-reply.
CONFIRM_KEYWORD: Final = "C"
CONFIRM_REPLY: Final = "Thanks, your appointment is confirmed."
#: The AWS-documented two-way payload the simulated replies are made of (only its values change).
INBOUND_PAYLOAD: Final = Path(__file__).with_name("two_way_inbound_payload.json")
#: Simulated names of what CloudFormation names at deploy time.
_DEPLOY_TIME_VALUES: Final = {
    "status": {
        "table_name": "sms-simulator-store",
        "event_bus_name": "arn:aws:events:us-east-1:111122223333:event-bus/sms-simulator-status",
    },
    "inbound": {
        "dedup_table_name": "sms-simulator-inbound-dedup",
        "ledger_table_name": "sms-simulator-consent-ledger",
        "event_bus_name": "sms-simulator-inbound",
        "send_queue_url": "https://sqs.us-east-1.amazonaws.com/111122223333/sms-simulator-send",
    },
}
_STREAM_ARN: Final = "arn:aws:dynamodb:us-east-1:111122223333:table/sms-simulator-store/stream/2026-01-01T00:00:00.000"
_TOPIC_ARN: Final = "arn:aws:sns:us-east-1:111122223333:sms-simulator-two-way"
#: The scenarios of the replying recipients, in turn: each is a list of (body, seconds after the first message), and
#: whether the messages are delivered newest first.
SCENARIOS: Final[tuple[tuple[str, tuple[tuple[str, float], ...], bool], ...]] = (
    ("confirm", (("C", 0.0),), False),
    ("stop", (("STOP", 0.0),), False),
    ("help", (("help", 0.0),), False),
    ("unknown", (("Running 10 minutes late", 0.0),), False),
    ("stop then start", (("Stop", 0.0), ("START", 120.0)), False),
    ("start, stop; delivered reversed", (("START", 0.0), ("STOP", 60.0)), True),
    ("confirm, lower case", ((" c ", 0.0),), False),
    ("stop, start; delivered reversed", (("STOP", 0.0), ("start", 60.0)), True),
    ("start", (("START", 0.0),), False),
)


@dataclass(frozen=True)
class AfterSendDeployment:
    """What ``SmsStatusNotifier`` and ``SmsInbound`` configure, as read from the synthesized template."""

    status: StatusSettings
    inbound: InboundSettings
    status_batch_size: int
    status_concurrency: int
    status_timeout: float
    status_queue_visibility: float
    status_max_receive_count: int
    stream_batch_size: int
    stream_retry_attempts: int
    stream_filters: tuple[Mapping[str, Any], ...]
    inbound_batch_size: int
    inbound_concurrency: int
    inbound_timeout: float
    inbound_queue_visibility: float
    inbound_max_receive_count: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the settings as the environment variables the constructs write."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["status"], data["inbound"] = self.status.to_environment(), self.inbound.to_environment()
        data["stream_filters"] = list(self.stream_filters)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AfterSendDeployment:
        """The inverse of :meth:`to_dict`."""
        return cls(
            **{
                **data,
                "status": StatusSettings.from_environment(data["status"]),
                "inbound": InboundSettings.from_environment(data["inbound"]),
                "stream_filters": tuple(data["stream_filters"]),
            }
        )


def read_after_send(
    resources: Mapping[str, Any], settings: Callable[[type[Any], dict[str, Any], Mapping[str, str]], Any]
) -> AfterSendDeployment:
    """Read the status and inbound functions' settings, mappings and queues from a synthesized template's
    ``Resources`` (``settings`` builds a handler's settings from its function's properties)."""

    def function(handler: str) -> tuple[str, dict[str, Any]]:
        [(logical_id, props)] = [
            (name, r["Properties"])
            for name, r in resources.items()
            if r["Type"] == "AWS::Lambda::Function" and r["Properties"].get("Handler") == handler
        ]
        return logical_id, dict(props)

    def mappings(logical_id: str) -> list[dict[str, Any]]:
        return [
            dict(r["Properties"])
            for r in resources.values()
            if r["Type"] == "AWS::Lambda::EventSourceMapping"
            and r["Properties"]["FunctionName"].get("Ref") == logical_id
        ]

    def queue(mapping: Mapping[str, Any]) -> dict[str, Any]:
        return dict(resources[mapping["EventSourceArn"]["Fn::GetAtt"][0]]["Properties"])

    status_id, status_fn = function("status.handler.main")
    [status_map] = [m for m in mappings(status_id) if "StartingPosition" not in m]
    [stream_map] = [m for m in mappings(status_id) if "StartingPosition" in m]
    inbound_id, inbound_fn = function("inbound.handler.main")
    [inbound_map] = mappings(inbound_id)
    status_queue, inbound_queue = queue(status_map), queue(inbound_map)
    return AfterSendDeployment(
        status=settings(StatusSettings, status_fn, _DEPLOY_TIME_VALUES["status"]),
        inbound=settings(InboundSettings, inbound_fn, _DEPLOY_TIME_VALUES["inbound"]),
        status_batch_size=int(status_map["BatchSize"]),
        status_concurrency=int(status_map["ScalingConfig"]["MaximumConcurrency"]),
        status_timeout=float(status_fn["Timeout"]),
        status_queue_visibility=float(status_queue["VisibilityTimeout"]),
        status_max_receive_count=int(status_queue["RedrivePolicy"]["maxReceiveCount"]),
        stream_batch_size=int(stream_map["BatchSize"]),
        stream_retry_attempts=int(stream_map["MaximumRetryAttempts"]),
        stream_filters=tuple(json.loads(f["Pattern"]) for f in stream_map["FilterCriteria"]["Filters"]),
        inbound_batch_size=int(inbound_map["BatchSize"]),
        inbound_concurrency=int(inbound_map["ScalingConfig"]["MaximumConcurrency"]),
        inbound_timeout=float(inbound_fn["Timeout"]),
        inbound_queue_visibility=float(inbound_queue["VisibilityTimeout"]),
        inbound_max_receive_count=int(inbound_queue["RedrivePolicy"]["maxReceiveCount"]),
    )


def matches_filter(pattern: Any, value: Any) -> bool:
    """Whether ``value`` (a stream record, or part of one) matches an event filter ``pattern`` (the subset Lambda
    filter criteria of the stream mapping use: literal lists, ``prefix``, ``anything-but``, nested objects)."""
    if isinstance(pattern, Mapping):
        return isinstance(value, Mapping) and all(matches_filter(p, value.get(k)) for k, p in pattern.items())
    if isinstance(pattern, list):
        return any(_matches_rule(rule, value) for rule in pattern)
    raise ValueError(f"unsupported filter pattern {pattern!r}")


def _matches_rule(rule: Any, value: Any) -> bool:
    if isinstance(rule, Mapping):
        if "prefix" in rule:
            return isinstance(value, str) and value.startswith(rule["prefix"])
        if "anything-but" in rule:
            excluded = rule["anything-but"]
            return value is not None and value not in (excluded if isinstance(excluded, list) else [excluded])
        raise ValueError(f"unsupported filter rule {rule!r}")
    return bool(value == rule)


def stream_record(item: Item, old: Item | None, sequence: int, at: float) -> dict[str, Any]:
    """A record of the Lambda DynamoDB Streams event of a ``NEW_IMAGE`` stream for a write of ``item``."""
    return {
        "eventID": f"{sequence:032x}",
        "eventName": "INSERT" if old is None else "MODIFY",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": int(at),
            "Keys": {name: item[name] for name in ("pk", "sk") if name in item},
            "NewImage": dict(item),
            "SequenceNumber": f"{sequence:021d}",
            "SizeBytes": len(json.dumps(item)),
            "StreamViewType": "NEW_IMAGE",
        },
        "eventSourceARN": _STREAM_ARN,
    }


@dataclass(frozen=True)
class InboundScript:
    """One simulated inbound message: who sent what, when the service got it (the SNS ``Timestamp``), its copies."""

    inbound_message_id: str
    number: str
    body: str
    scenario: str
    at: float
    copies: int = 1

    @property
    def keyword(self) -> str:
        """The message as the service compares keywords."""
        return normalize_keyword(self.body)


@dataclass
class StatusCheck:
    """What the status path published, checked against the ground truth."""

    events: int = 0
    lost: int = 0
    duplicated: int = 0
    backwards: int = 0
    invalid: int = 0
    schema_checked: bool = False
    sms_events: int = 0
    copies: int = 0
    late: int = 0
    stream_records: int = 0
    stream_dead_letters: int = 0
    dead_letters: int = 0
    #: Request id → its published events, in publication order.
    timelines: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: Requests some of whose SMS events were delivered twice or late.
    disordered: set[str] = field(default_factory=set)
    #: Request id → SMS events its status queue received (copies included).
    received: Counter[str] = field(default_factory=Counter)

    @property
    def failures(self) -> int:
        """Everything that must be 0."""
        return self.lost + self.duplicated + self.backwards + self.invalid + self.dead_letters


@dataclass
class InboundCheck:
    """What the inbound path did, checked against the scripts."""

    messages: int = 0
    copies: int = 0
    lost: int = 0
    duplicated: int = 0
    invalid: int = 0
    schema_checked: bool = False
    replies_expected: int = 0
    replies_sent: int = 0
    replies_rejected: int = 0
    dead_letters: int = 0
    by_classification: Counter[str] = field(default_factory=Counter)
    consent_events: Counter[str] = field(default_factory=Counter)
    ledger: dict[str, dict[str, Any]] = field(default_factory=dict)
    ledger_wrong: int = 0

    @property
    def failures(self) -> int:
        """Everything that must be 0."""
        return self.lost + self.duplicated + self.invalid + self.dead_letters


@dataclass
class AfterSendResult:
    """The checks of both paths."""

    status: StatusCheck
    inbound: InboundCheck
    events: FakeEvents
    scripts: list[InboundScript]

    @property
    def failures(self) -> int:
        """Everything that must be 0, on both paths."""
        return self.status.failures + self.inbound.failures


class AfterSend:
    """The status and inbound paths of one run, hooked into the pipeline (``run._Pipeline``)."""

    def __init__(self, pipeline: Any, deployment: AfterSendDeployment) -> None:
        self.pipeline = pipeline
        self.deployment = deployment
        options = pipeline.options
        self.options = options
        self.clock = clock = pipeline.clock
        #: Random numbers of the disorder and the replies: apart from the send path's, which they leave unchanged.
        self.rng = random.Random(f"after-send-{options.seed}")
        sqs = pipeline.sqs
        self.store_table = pipeline.sender_settings.table_name
        self.events = FakeEvents(clock.now, clock.sleep, self._latency(0.01))
        self.lambda_client = FakeLambda(clock.sleep, self._latency(0.02))
        pipeline.dynamodb.on_write = self._on_write
        self.dynamodb = FakeDynamoDB(
            clock.sleep,
            self._latency(options.dynamodb_latency),
            tables=pipeline.dynamodb.tables,
            on_write=self._on_write,
        )
        self.status_url, self.status_dlq = sqs.create_queue_with_dead_letters(
            "sms-simulator-status",
            visibility_timeout=deployment.status_queue_visibility,
            max_receive_count=deployment.status_max_receive_count,
        )
        self.inbound_url, self.inbound_dlq = sqs.create_queue_with_dead_letters(
            "sms-simulator-inbound",
            visibility_timeout=deployment.inbound_queue_visibility,
            max_receive_count=deployment.inbound_max_receive_count,
        )
        self.status_settings = replace(deployment.status, table_name=self.store_table)
        self.inbound_settings = replace(deployment.inbound, send_queue_url=pipeline.send_url)
        #: The store's stream, filtered as the mapping filters it, and the reader's position.
        self.stream: list[dict[str, Any]] = []
        self.stream_position = 0
        self.stream_sequence = 0
        self.stream_dead_letters: list[dict[str, Any]] = []
        self.pending = 0
        self.sms_events = self.copies = self.late = 0
        self.disordered: set[str] = set()
        self.received: Counter[str] = Counter()
        #: Request id → every write of its status item, in order (what the store's status went through).
        self.status_writes: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.scripts: list[InboundScript] = []
        self.replying: set[str] = set()
        self.payload = json.loads(INBOUND_PAYLOAD.read_text("utf-8"))

    def _latency(self, mean: float) -> Callable[[str], float]:
        return lambda _: mean * self.rng.uniform(0.5, 1.5)

    # -- inputs ---------------------------------------------------------------------------------------------------

    def _on_write(self, table: str, old: Item | None, new: Item | None) -> None:
        """The store's stream: every change, filtered by the stream mapping's filter criteria."""
        if table != self.store_table or new is None:
            return
        if new["pk"]["S"].startswith("request#") and new["sk"]["S"] == "status":  # the notifier's status item
            self.status_writes[new["pk"]["S"].removeprefix("request#")].append(
                {"attempt": int(new["attempt"]["N"]), "status": new["status"]["S"], "isFinal": new["isFinal"]["BOOL"]}
            )
        self.stream_sequence += 1
        record = stream_record(new, old, self.stream_sequence, self.clock.now())
        if any(matches_filter(pattern, record) for pattern in self.deployment.stream_filters):
            self.stream.append(record)
            self.clock.notify("store-stream")

    def on_event(self, record: dict[str, Any]) -> None:
        """An SMS event reaching the configuration set's destinations now: the notifier's SNS subscription (raw
        message delivery) puts it on the status queue — late, or twice, for a share of them — and a delivered message
        may draw a reply from its recipient."""
        rng, options = self.rng, self.options
        body = json.dumps(record)
        request_id = str((record.get("context") or {}).get("smsRequestId", ""))
        self.sms_events += 1
        self.received[request_id] += 1
        delay = 0.0
        if rng.random() < options.late_events:
            delay = rng.uniform(20.0, 120.0)  # after the events that follow it
            self.late += 1
            self.disordered.add(request_id)
        self._deliver_later(self.status_url, body, delay)
        if rng.random() < options.duplicate_events:
            self.copies += 1
            self.received[request_id] += 1
            self.disordered.add(request_id)
            self._deliver_later(self.status_url, body, rng.uniform(0.5, 90.0))
        if (
            record["isFinal"]
            and record["messageStatus"] == "DELIVERED"
            and not request_id.startswith("reply-")
            and len(self.replying) < options.inbound_recipients
        ):
            self._script_replies(record)

    def _deliver_later(self, url: str, body: str, delay: float) -> None:
        self.pending += 1

        def deliver() -> None:
            self.pending -= 1
            self.pipeline.sqs.deliver(url, body)

        self.clock.call_at(self.clock.now() + delay, deliver)

    def _script_replies(self, record: Mapping[str, Any]) -> None:
        number = str(record["destinationPhoneNumber"])
        special = set(FAKE_OUTCOME_NUMBERS) | {n for pair in SIMULATOR_NUMBERS.values() for n in pair}
        if number in self.replying or number in special:
            return
        self.replying.add(number)
        scenario, messages, reversed_delivery = SCENARIOS[(len(self.replying) - 1) % len(SCENARIOS)]
        rng, now = self.rng, self.clock.now()
        first = now + rng.uniform(20.0, 300.0)
        scripts = []
        for body, after in messages:
            copies = 2 if rng.random() < self.options.inbound_duplicates else 1
            script = InboundScript(str(uuid.UUID(int=rng.getrandbits(128), version=4)), number, body, scenario,
                                   first + after, copies)  # fmt: skip
            scripts.append(script)
            self.scripts.append(script)
            self._service_receives(script)
        deliveries = [script.at + rng.uniform(0.05, 1.0) for script in scripts]
        if reversed_delivery:  # the older message arrives well after the newer one
            deliveries = [deliveries[-1] + rng.uniform(30.0, 90.0), *deliveries[1:]]
        for script, at in zip(scripts, deliveries, strict=True):
            body = self._notification(script, record)
            for copy in range(script.copies):
                self._deliver_later(self.inbound_url, body, at - now + (rng.uniform(0.1, 30.0) if copy else 0.0))

    def _service_receives(self, script: InboundScript) -> None:
        """What the service does at the message's time: STOP puts the number on the opt-out list, START (registered as
        an opt-in keyword) takes it off; HELP and STOP are answered by the service itself (not simulated)."""
        opted_out = self.pipeline.sms.opted_out
        settings = self.inbound_settings

        def receive() -> None:
            if script.keyword in {normalize_keyword(k) for k in settings.opt_out_keywords}:
                opted_out.add(script.number)
            elif script.keyword in {normalize_keyword(k) for k in settings.opt_in_keywords}:
                opted_out.discard(script.number)

        self.clock.call_at(script.at, receive)

    def _notification(self, script: InboundScript, record: Mapping[str, Any]) -> str:
        """The SNS notification of the two-way topic: the documented payload with this message's values."""
        payload = dict(self.payload)
        registered = {
            normalize_keyword(k)
            for k in (*self.inbound_settings.opt_out_keywords, *self.inbound_settings.opt_in_keywords, "HELP")
        }
        payload.update(
            originationNumber=script.number,
            destinationNumber=str(record["originationPhoneNumber"]),
            messageBody=script.body,
            inboundMessageId=script.inbound_message_id,
            previousPublishedMessageId=str(record["messageId"]),
        )
        if script.keyword in registered:
            payload["messageKeyword"] = script.keyword
        else:
            payload.pop("messageKeyword", None)  # no keyword of the number matched
        moment = dt.datetime.fromtimestamp(script.at, tz=dt.UTC)
        return json.dumps(
            {
                "Type": "Notification",
                "MessageId": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
                "TopicArn": _TOPIC_ARN,
                "Message": json.dumps(payload),
                "Timestamp": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z",
                "SignatureVersion": "1",
                "Signature": "SIMULATED",
                "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-SIMULATED.pem",
                "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
            }
        )

    # -- actors ---------------------------------------------------------------------------------------------------

    def spawn(self, status_module: Any, inbound_module: Any) -> None:
        """Start the handlers' pollers: the status queue's, the store stream's shard reader, the inbound queue's."""
        clock, deployment, pipeline = self.clock, self.deployment, self.pipeline
        notifier = status_module.Notifier(
            self.status_settings, dynamodb=self.dynamodb, events=self.events, clock=clock.now
        )
        inbound = inbound_module.InboundHandler(
            self.inbound_settings,
            dynamodb=self.dynamodb,
            events=self.events,
            sqs=pipeline.sqs,
            lambda_client=self.lambda_client,
            clock=clock.now,
        )
        for i in range(deployment.status_concurrency):
            clock.spawn(
                f"status-{i}",
                lambda: pipeline._poll(
                    self.status_url, deployment.status_batch_size, deployment.status_timeout, notifier.handle
                ),
                delay=0.001 * (i + 1),
            )
        clock.spawn("status-stream", lambda: self._read_stream(notifier.handle), delay=0.001)
        for i in range(deployment.inbound_concurrency):
            clock.spawn(
                f"inbound-{i}",
                lambda: pipeline._poll(
                    self.inbound_url, deployment.inbound_batch_size, deployment.inbound_timeout, inbound.handle
                ),
                delay=0.001 * (i + 1),
            )

    def _read_stream(self, handle: Callable[[dict[str, Any], Any], Any]) -> None:
        """The stream mapping: read the shard in order, a batch at a time; on a batch item failure retry from the
        failed record, up to the mapping's retry attempts, then send the batch to the on-failure destination."""
        from .fake_aws import LambdaContext  # noqa: PLC0415

        clock, deployment = self.clock, self.deployment
        failures = 0
        while True:
            if self.stream_position >= len(self.stream):
                clock.wait("store-stream")
                continue
            clock.sleep(0.25)  # the records become readable; the poller gathers what else was written meanwhile
            batch = self.stream[self.stream_position : self.stream_position + deployment.stream_batch_size]
            response = handle(
                {"Records": batch}, LambdaContext(clock.now, deployment.status_timeout, request_id="simulated-stream")
            )
            failed = [f["itemIdentifier"] for f in response.get("batchItemFailures", [])]
            if not failed:
                self.stream_position += len(batch)
                failures = 0
                continue
            first = min(i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failed)
            failures += 1
            if failures > deployment.stream_retry_attempts:
                self.stream_dead_letters.extend(batch[first:])
                self.stream_position += len(batch)
                failures = 0
            else:
                self.stream_position += first
                clock.sleep(min(60.0, 2.0**failures))

    def done(self) -> bool:
        """Nothing left to deliver or handle."""
        sqs = self.pipeline.sqs
        return (
            self.pending == 0
            and self.stream_position >= len(self.stream)
            and sqs.depth(self.status_url) == 0
            and sqs.depth(self.inbound_url) == 0
        )

    # -- checks ---------------------------------------------------------------------------------------------------

    def check(self, decided: set[str]) -> AfterSendResult:
        """Check both paths; ``decided`` holds the request ids the send queue sent, rejected or expired."""
        status = self._check_status(decided)
        return AfterSendResult(status, self._check_inbound(status.timelines), self.events, self.scripts)

    def _check_status(self, decided: set[str]) -> StatusCheck:
        validator = _validator("status.schema.json")
        retried = set(self.status_settings.retried_statuses)
        check = StatusCheck(
            sms_events=self.sms_events,
            copies=self.copies,
            late=self.late,
            stream_records=len(self.stream),
            stream_dead_letters=len(self.stream_dead_letters),
            dead_letters=self.pipeline.sqs.depth(self.status_dlq) + len(self.stream_dead_letters),
            disordered=set(self.disordered),
            received=Counter(self.received),
            schema_checked=validator is not None,
        )
        timelines: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for entry in self.events.entries:
            if entry["DetailType"] != DETAIL_TYPE:
                continue
            detail = entry["Detail"]
            check.events += 1
            if validator is not None and not validator.is_valid(detail):
                check.invalid += 1
            timelines[str(detail["requestId"])].append({**detail, "_publishedAt": entry["at"]})
        ids = Counter(detail["eventId"] for events in timelines.values() for detail in events)
        check.duplicated = sum(n - 1 for n in ids.values())
        for writes in self.status_writes.values():  # the status item's writes: publication order is EventBridge's
            sequences = [w["attempt"] * 100 + _rank(w, retried) for w in writes]
            check.backwards += sum(1 for a, b in itertools.pairwise(sequences) if b < a)
        check.lost = sum(1 for rid in decided if not timelines.get(rid) or not timelines[rid][-1]["isFinal"])
        check.timelines = dict(timelines)
        return check

    def _check_inbound(self, timelines: Mapping[str, list[dict[str, Any]]]) -> InboundCheck:
        validator = _validator("inbound_events.schema.json")
        scripts = {s.inbound_message_id: s for s in self.scripts}
        check = InboundCheck(
            messages=len(scripts),
            copies=sum(s.copies - 1 for s in scripts.values()),
            dead_letters=self.pipeline.sqs.depth(self.inbound_dlq),
            schema_checked=validator is not None,
        )
        handled: Counter[str] = Counter()
        consent: Counter[str] = Counter()
        last_consent: dict[str, str] = {}
        for entry in self.events.entries:
            if not entry["Source"].startswith("sms-constructs.inbound"):
                continue
            detail = entry["Detail"]
            if validator is not None and not validator.is_valid(detail):
                check.invalid += 1
            if entry["DetailType"] == DetailType.INBOUND_MESSAGE:
                handled[detail["inboundMessageId"]] += 1
                check.by_classification[detail["classification"]] += 1
            elif entry["DetailType"] in (DetailType.OPTED_OUT, DetailType.OPTED_IN):
                consent[detail["inboundMessageId"]] += 1
                check.consent_events[entry["DetailType"]] += 1
                last_consent[detail["phoneNumber"]] = entry["DetailType"]
        check.lost += sum(1 for mid in scripts if handled[mid] == 0)
        check.duplicated += sum(n - 1 for n in handled.values() if n > 1) + sum(
            n - 1 for n in consent.values() if n > 1
        )
        # Auto-replies: one request per declared keyword's message (sent, or rejected by the send queue with a reason,
        # e.g. the recipient is opted out), none for anything else. Its retries are the send path's (and "sent twice"
        # counts a second send of one attempt).
        first_sends = Counter(
            s.params["Context"]["smsRequestId"]
            for s in self.pipeline.sms.sends
            if s.params["Context"]["smsAttempt"] == "1"
        )
        for mid, script in scripts.items():
            expected = 1 if script.keyword == CONFIRM_KEYWORD else 0
            reply = reply_request_id(mid)
            got = first_sends[reply]
            rejected = bool(timelines.get(reply)) and timelines[reply][-1]["status"] in ("REJECTED", "EXPIRED")
            check.replies_expected += expected
            check.replies_sent += got
            check.replies_rejected += int(rejected)
            check.lost += max(0, expected - got - int(rejected))
            check.duplicated += max(0, got + int(rejected) - expected)
        # The ledger: per number, the state of its newest opt-out or opt-in.
        ledger_table = self.inbound_settings.ledger_table_name
        current = {pk: item for (pk, sk), item in self.dynamodb.tables.get(ledger_table, {}).items() if sk == CURRENT}
        check.ledger = {pk: {k: next(iter(v.values())) for k, v in item.items()} for pk, item in current.items()}
        opt_out = {normalize_keyword(k) for k in self.inbound_settings.opt_out_keywords}
        opt_in = {normalize_keyword(k) for k in self.inbound_settings.opt_in_keywords}
        newest: dict[str, InboundScript] = {}
        for script in sorted(scripts.values(), key=lambda s: (s.at, s.inbound_message_id)):
            if script.keyword in opt_out | opt_in:
                newest[script.number] = script
        for number, script in newest.items():
            expected_state = "OPTED_OUT" if script.keyword in opt_out else "OPTED_IN"
            expected_event = DetailType.OPTED_OUT if script.keyword in opt_out else DetailType.OPTED_IN
            state = check.ledger.get(number, {}).get("state")
            if state != expected_state or last_consent.get(number) != expected_event:
                check.ledger_wrong += 1
        check.lost += check.ledger_wrong
        return check


def _rank(event: Mapping[str, Any], retried: set[str]) -> int:
    """The rank of a published status (``sms_constructs_runtime.status``): the library's own statuses by
    :data:`RANKS`, carrier statuses by finality (a retried final failure is published as not final)."""
    status = str(event["status"])
    if status in RANKS:
        return RANKS[status]
    return carrier_rank(status, bool(event["isFinal"]) or status in retried)


def _validator(schema: str) -> Any:
    """A JSON Schema validator of a runtime schema, or ``None`` when ``jsonschema`` is not installed."""
    try:
        import jsonschema  # type: ignore[import-untyped]  # noqa: PLC0415 - optional: checked when installed
    except ImportError:
        return None
    from importlib import resources  # noqa: PLC0415

    text = resources.files("sms_constructs_runtime").joinpath(schema).read_text("utf-8")
    document = json.loads(text)
    return jsonschema.validators.validator_for(document)(document, format_checker=jsonschema.FormatChecker())


# -- the report -------------------------------------------------------------------------------------------------------


def report_lines(result: AfterSendResult, metrics: Mapping[str, int]) -> list[str]:
    """The after-the-send part of the report: status timelines, the inbound summary, the ledger."""
    status, inbound = result.status, result.inbound
    lines = [
        "",
        "Status (SmsStatusNotifier: the real status handler on the store stream and the SMS events)",
        f"  SMS events delivered     {status.sms_events + status.copies:>7,}  ({status.copies:,} delivered twice, "
        f"{status.late:,} late); store stream records {status.stream_records:,}",
        f"  status events published  {status.events:>7,}  for {len(status.timelines):,} requests; "
        + ("all valid against status.schema.json" if status.schema_checked else "schema not checked (no jsonschema)"),
    ]
    for label, request_id in pick_timelines(status):
        events = status.timelines[request_id]
        lines.append(
            f"  {label}: {request_id} ({status.received[request_id]} SMS events received, {len(events)} status "
            "events published)"
        )
        for event in events:
            moment = dt.datetime.fromtimestamp(event["at"] / 1000, tz=dt.UTC)
            offset = dt.timedelta(milliseconds=event["at"]) - dt.timedelta(milliseconds=events[0]["at"])
            lines.append(
                f"    {moment:%H:%M:%S}.{moment.microsecond // 1000:03d} (+{_span(offset)})  "
                f"attempt {event['attempt']}  "
                f"{event['status']:<20} isFinal={str(event['isFinal']).lower()}"
                + (f"  {event['reason']}" if event.get("reason") else "")
            )
    kinds = Counter(s.scenario for s in result.scripts)
    lines += [
        "",
        "Inbound (SmsInbound: the real inbound handler on the two-way topic's queue)",
        f"  messages                 {inbound.messages:>7,}  from {len({s.number for s in result.scripts}):,} "
        f"recipients ({inbound.copies:,} delivered twice); "
        + ", ".join(f"{kind} {count:,}" for kind, count in sorted(inbound.by_classification.items())),
        "  scenarios                " + ", ".join(f"{name} {count:,}" for name, count in sorted(kinds.items())),
        f"  duplicates dropped       {metrics.get('DuplicateInboundMessages', 0):>7,}  (copies of one "
        "inboundMessageId, by the de-duplication table)",
        f"  auto-replies sent        {inbound.replies_sent:>7,}  (expected {inbound.replies_expected:,}, through the "
        f"send queue; {inbound.replies_rejected:,} rejected by it, e.g. opted out)",
        "  consent events           "
        + ", ".join(f"{name} {count:,}" for name, count in sorted(inbound.consent_events.items())),
    ]
    states = Counter(str(entry.get("state")) for entry in inbound.ledger.values())
    lines.append(
        f"  consent ledger           {len(inbound.ledger):>7,}  numbers: opted out {states['OPTED_OUT']:,}, opted in "
        f"{states['OPTED_IN']:,}; {inbound.ledger_wrong:,} disagree with the newest message"
    )
    for number, entry in sorted(inbound.ledger.items())[:2]:
        moment = dt.datetime.fromtimestamp(int(entry["at"]) / 1000, tz=dt.UTC)
        lines.append(
            f"    {mask_phone_number(number)}  {entry['state']:<10} {entry['keyword']:<6} {moment:%Y-%m-%d %H:%M:%S}  "
            f"message {str(entry['inboundMessageId'])[:8]}…"
        )
    return lines


def pick_timelines(status: StatusCheck) -> list[tuple[str, str]]:
    """(label, request id) of up to five requests worth showing: delivered at once, failed then retried, expired or
    rejected, with duplicate or late events, an auto-reply."""
    timelines = status.timelines
    chosen: list[tuple[str, str]] = []

    def pick(label: str, test: Callable[[str, list[dict[str, Any]]], bool]) -> None:
        for rid in sorted(timelines):
            if rid not in {c[1] for c in chosen} and test(rid, timelines[rid]):
                chosen.append((label, rid))
                return

    pick("delivered", lambda rid, ev: ev[-1]["status"] == "DELIVERED" and ev[-1]["attempt"] == 1
         and rid not in status.disordered and not rid.startswith("reply-"))  # fmt: skip
    pick("failed, retried", lambda _rid, ev: any(e["status"] == "RETRIED" for e in ev))
    pick("expired", lambda _rid, ev: ev[-1]["status"] == "EXPIRED")
    pick("rejected", lambda _rid, ev: ev[-1]["status"] == "REJECTED")
    pick("duplicate or late SMS events", lambda rid, ev: rid in status.disordered and len(ev) >= 4
         and rid.startswith("sim-") and status.received[rid] >= 4)  # fmt: skip
    pick("auto-reply", lambda rid, _ev: rid.startswith("reply-"))
    return chosen[:5]


def _span(delta: dt.timedelta) -> str:
    seconds = delta.total_seconds()
    return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{seconds % 60:06.3f}"


def check_line(result: AfterSendResult) -> str:
    """``status: 0 lost, 0 duplicated; inbound: 0 lost, 0 duplicated`` (with any other failure named)."""
    status, inbound = result.status, result.inbound
    extra_status = [f"{n} {what}" for n, what in ((status.backwards, "backwards"), (status.invalid, "invalid"),
                                                  (status.dead_letters, "in a dead-letter queue")) if n]  # fmt: skip
    extra_inbound = [f"{n} {what}" for n, what in ((inbound.invalid, "invalid"),
                                                   (inbound.dead_letters, "in a dead-letter queue")) if n]  # fmt: skip
    return (
        "status: " + ", ".join([f"{status.lost} lost", f"{status.duplicated} duplicated", *extra_status])
        + "; inbound: " + ", ".join([f"{inbound.lost} lost", f"{inbound.duplicated} duplicated", *extra_inbound])
    )  # fmt: skip
