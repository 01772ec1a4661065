"""The whole pipeline offline: producer → send queue → the real sender → the fake SMS API → events → the S3 lake and
the retry queue → the real retry handler → the send queue again, on a simulated clock.

What is real: ``SmsSendQueue`` and ``SmsRetry`` (synthesized; their settings, batch sizes, concurrency, timeouts,
visibility timeouts and redrive counts are read from the template), the ``SmsProducer`` client, the sender and retry
Lambda handlers (``lambda/sender``, ``lambda/retry``) with Powertools batch processing and idempotency, the pacer,
the store, the event schema and the named Athena queries. What is simulated: the SMS API (``fake_sms``), DynamoDB,
SQS and SNS (``fake_aws``), the event source mappings (long-polling pollers, one per concurrent invocation), Firehose
(buffering, ``dt`` partitions by arrival) and time (``clock``).

With lanes (``SimulationOptions.lanes``) each lane's queue gets the pollers of its own event source mapping, all into
the one real sender; quotas and normalisation are the construct's settings too. A caller may pass its own traffic
(:class:`Planned` requests, one producer actor per producer and lane) instead of the options' random mix
(:mod:`sms_constructs.simulate.scenarios`).

With routes (``SimulationOptions.routes``) the parking queues and their event source mappings are read from the
template (``SMS_ROUTE_PARKING_QUEUES`` and each mapping's ``MaximumConcurrency``) and each parking queue gets that many
pollers into the one sender; the fake SMS API meters each destination country at its route's MPS
(``SimulationOptions.identity_mps``), as a pool's members are metered.

With ``after_send``, ``SmsStatusNotifier`` and ``SmsInbound`` are synthesized too and their real handlers run in the
same pipeline (:mod:`sms_constructs.simulate.after_send`): the store's stream and the SMS events (some delivered twice
or late) reach the status handler, simulated recipients reply, and both paths are checked.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import importlib
import io
import json
import os
import random
import sys
import tempfile
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Final

from sms_constructs_runtime.contract import SendRequest
from sms_constructs_runtime.events import SUCCESS_STATUSES
from sms_constructs_runtime.producer import SmsProducer
from sms_constructs_runtime.settings import RetrySettings, SenderSettings

from .after_send import AfterSend, AfterSendDeployment, AfterSendResult, read_after_send
from .clock import SimulatedClock
from .fake_aws import FakeDynamoDB, FakeSns, FakeSqs, LambdaContext, sqs_record
from .fake_sms import FakeSms, OutcomeRates

__all__ = [
    "Deployment",
    "MetricValue",
    "Planned",
    "SimulationOptions",
    "SimulationResult",
    "deploy",
    "one_second_windows",
    "simulate",
]

#: How long Firehose buffers events before it writes an object (its default buffering interval, seconds).
FIREHOSE_BUFFER_SECONDS: Final = 300
#: Simulated names of what CloudFormation names at deploy time.
_DEPLOY_TIME_VALUES: Final = {
    "table_name": "sms-simulator-store",
    "queue_url": "https://sqs.us-east-1.amazonaws.com/111122223333/sms-simulator-send",
    "send_queue_url": "https://sqs.us-east-1.amazonaws.com/111122223333/sms-simulator-send",
    "origination_identity": "arn:aws:sms-voice:us-east-1:111122223333:pool/pool-0123456789abcdef0123456789abcdef",
    "configuration_set_name": "sms-simulator",
    "final_failure_topic_arn": "arn:aws:sns:us-east-1:111122223333:sms-simulator-final-failures",
}


@dataclass(frozen=True)
class SimulationOptions:
    """What to simulate.

    :param messages: Send requests the producer queues. Default: 10,000.
    :param mps: ``max_parts_per_second`` of the send queue, and the MPS the fake SMS API enforces. Default: 20.
    :param concurrency: The send queue's ``max_concurrency`` (concurrent sender invocations). Default: the construct's.
    :param duration: Seconds over which the producer spreads the requests; 0 queues them all at once. Default: 0.
    :param multipart: Share of 2–4-part GSM-7 messages. Default: 0.15.
    :param unicode: Share of UCS-2 messages (1–3 parts). Default: 0.1.
    :param one_time_codes: Share of one-time codes valid 5 minutes (a deadline). Default: 0.2.
    :param failure_scale: Multiplies the fake's default failure rates (0 turns failures off). Default: 1.
    :param opt_out_rate: Share of destinations on the opt-out list. Default: 0.01.
    :param special_numbers: Share of requests to the AWS simulator numbers and the fake's outcome numbers.
        Default: 0.01.
    :param api_latency: Mean seconds of a ``SendTextMessage`` call. Default: 0.06.
    :param dynamodb_latency: Mean seconds of a DynamoDB call. Default: 0.008.
    :param seed: Seed of every random choice: the same seed gives the same run. Default: 7.
    :param lake: Where the Parquet lake is written. Default: a temporary directory, removed afterwards.
    :param max_hours: Simulated hours after which the run stops (events of a 72-hour TTL take that long). Default: 80.
    :param progress: Show a progress bar (tqdm) on standard error. Default: False.
    :param events: Let the fake SMS API report events (the lake, retries). Default: True.
    :param analytics: Write the lake and run the named queries (needs ``events``). Default: True.
    :param lambda_root: Folder holding the ``sender`` and ``retry`` handler packages. Default: the package's own.
    :param after_send: Also synthesize ``SmsStatusNotifier`` and ``SmsInbound`` and run their real handlers: status
        events, replies, keywords and consent (needs ``events``). Default: False (``python -m
        sms_constructs.simulate`` turns it on).
    :param duplicate_events: Share of SMS events the status queue receives twice. Default: 0.05.
    :param late_events: Share of SMS events the status queue receives 20–120 s late (after the events that follow
        them). Default: 0.03.
    :param inbound_recipients: Recipients of delivered messages who reply (each plays one scenario: STOP, START,
        HELP, the keyword ``C``, unknown text, STOP and START in or out of order). Default: 45.
    :param inbound_duplicates: Share of inbound notifications delivered twice (the same ``inboundMessageId``).
        Default: 0.25.
    :param lanes: The send queue's lanes, highest priority first, as ``(name, max_concurrency)`` pairs (``None``: the
        queue's ``max_concurrency``); each lane gets its own queue and pollers into the one sender. Default: none (one
        queue, as before lanes).
    :param quotas: Producers' part budgets as ``(producer, daily_parts, monthly_parts)`` triples (``None``: no budget
        in that period), synthesized as ``SmsSendQueue(quotas=...)``. Default: none.
    :param normalize_characters: ``SmsSendQueue(normalize_characters=...)``. Default: the construct's (on).
    :param start_hour: UTC hour of the day (three days ago) at which the simulated clock starts. Default: 9.
    :param routes: The send queue's routes as ``(ISO code or "*", MPS)`` pairs, synthesized as
        ``SmsSendQueue(routes={...: SendRoute(mps)})``; each route's parking queue gets the pollers of its own event
        source mapping. Default: none.
    :param identity_mps: The MPS the fake SMS API enforces per destination country, as ``(ISO code or "*", MPS)``
        pairs: each country is metered on its own, as the member of a pool that serves it (``"*"``: every other
        country). Default: the routes' (``"*"`` at ``mps`` unless a route names it); without routes, ``mps`` for
        every destination together.
    """

    messages: int = 10_000
    mps: float = 20
    concurrency: int | None = None
    duration: float = 0.0
    multipart: float = 0.15
    unicode: float = 0.1
    one_time_codes: float = 0.2
    failure_scale: float = 1.0
    opt_out_rate: float = 0.01
    special_numbers: float = 0.01
    api_latency: float = 0.06
    dynamodb_latency: float = 0.008
    seed: int = 7
    lake: Path | None = None
    max_hours: float = 80.0
    progress: bool = False
    events: bool = True
    analytics: bool = True
    lambda_root: Path | None = None
    after_send: bool = False
    duplicate_events: float = 0.05
    late_events: float = 0.03
    inbound_recipients: int = 45
    inbound_duplicates: float = 0.25
    lanes: tuple[tuple[str, int | None], ...] = ()
    quotas: tuple[tuple[str, int | None, int | None], ...] = ()
    normalize_characters: bool | None = None
    start_hour: float = 9.0
    routes: tuple[tuple[str, float], ...] = ()
    identity_mps: tuple[tuple[str, float], ...] = ()

    def api_route_mps(self) -> dict[str, float]:
        """What the fake SMS API meters per destination country (see ``identity_mps``); empty: ``mps`` for all."""
        if self.identity_mps:
            return dict(self.identity_mps)
        return {"*": self.mps, **dict(self.routes)} if self.routes else {}


@dataclass(frozen=True)
class Planned:
    """One request of a scenario's own traffic (instead of the options' random mix): when it is queued and what it is.

    :param at: Seconds after the start of the run at which the producer queues it.
    :param request_id: Its ``requestId``.
    :param destination: Its destination phone number.
    :param body: Its message body.
    :param lane: The lane it is queued on. Default: the queue's default lane.
    :param producer: The producer that sends it (contract ``producer``). Default: none.
    :param valid_for: Seconds it stays valid after it is queued (``notAfter``). Default: no deadline.
    :param context: Its context entries. Default: none.
    """

    at: float
    request_id: str
    destination: str
    body: str
    lane: str | None = None
    producer: str | None = None
    valid_for: float | None = None
    context: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class MetricValue:
    """One value of a handler metric published with dimensions of its own (``TimeToSend`` per ``Lane``,
    ``QuotaUsed`` per ``Producer`` and ``Period``, ``SendsHeld`` per ``Reason``...), with the simulated time it was
    published at."""

    name: str
    value: float
    dimensions: tuple[tuple[str, str], ...]
    at: float

    def dimension(self, name: str) -> str | None:
        """The value of dimension ``name`` (``None``: not set)."""
        return dict(self.dimensions).get(name)


@dataclass(frozen=True)
class Deployment:
    """What the synthesized constructs configure, as the simulator runs it."""

    sender: SenderSettings
    retry: RetrySettings
    max_concurrency: int
    batch_size: int
    sender_timeout: float
    send_queue_visibility: float
    send_max_receive_count: int
    retry_batch_size: int
    retry_concurrency: int
    retry_timeout: float
    retry_queue_visibility: float
    retry_max_receive_count: int
    #: What ``SmsStatusNotifier`` and ``SmsInbound`` configure (``None``: not synthesized).
    after_send: AfterSendDeployment | None = None
    #: The lanes, highest first, as ``(name, MaximumConcurrency of its event source mapping)`` (empty: no lanes).
    lanes: tuple[tuple[str, int], ...] = ()
    #: The lane of requests that name none (``None`` without lanes): its queue is the send queue.
    default_lane: str | None = None
    #: The routes as ``(ISO code or "*", MPS, MaximumConcurrency of its parking queue's event source mapping)``, in the
    #: order of ``SMS_ROUTES`` (empty: no routes).
    routes: tuple[tuple[str, float, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the settings as the environment variables the constructs write."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["sender"], data["retry"] = self.sender.to_environment(), self.retry.to_environment()
        data["after_send"] = None if self.after_send is None else self.after_send.to_dict()
        data["lanes"] = [list(lane) for lane in self.lanes]
        data["routes"] = [list(route) for route in self.routes]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Deployment:
        """The inverse of :meth:`to_dict` (with whatever runtime version is imported)."""
        return cls(
            **{
                **data,
                "sender": SenderSettings.from_environment(data["sender"]),
                "retry": RetrySettings.from_environment(data["retry"]),
                "after_send": (
                    AfterSendDeployment.from_dict(data["after_send"]) if data.get("after_send") is not None else None
                ),
                "lanes": tuple((str(name), int(concurrency)) for name, concurrency in data.get("lanes", ())),
                "routes": tuple(
                    (str(country), float(mps), int(concurrency)) for country, mps, concurrency in data.get("routes", ())
                ),
            }
        )

    def lane_queue_url(self, lane: str) -> str:
        """The simulated URL of ``lane``'s queue (the default lane's is the send queue)."""
        return _lane_queue_url(lane, self.default_lane)

    def route_queue_url(self, country: str) -> str:
        """The simulated URL of the parking queue of route ``country`` (an ISO code or ``"*"``)."""
        return _route_queue_url(country)


@dataclass
class Outcome:
    """How one request ended."""

    request: SendRequest
    parts: int
    #: ``delivered``, ``failed``, ``rejected``, ``dead-letter`` or ``lost`` (not decided: see
    #: ``SimulationResult.queued`` for the requests still on a send queue when the run stopped).
    kind: str = "lost"
    #: The final status, the rejection reason or the final-failure reason.
    detail: str = ""
    attempts: int = 0


@dataclass
class SimulationResult:
    """What a run did (ground truth from the fakes and the store) and what the named queries say."""

    options: SimulationOptions
    deployment: Deployment
    outcomes: dict[str, Outcome]
    sms: FakeSms
    started_at: float
    ended_at: float
    wall_seconds: float
    duplicates: int
    queries: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    metrics: Counter[str] = field(default_factory=Counter)
    dead_letters: int = 0
    #: The status and inbound paths' checks (``None`` without ``after_send``).
    after_send: AfterSendResult | None = None
    #: Every value of the handlers' metrics published with dimensions of their own, in order.
    metric_values: list[MetricValue] = field(default_factory=list)
    #: When the producer queued each request (simulated seconds since the epoch).
    enqueued_at: dict[str, float] = field(default_factory=dict)
    #: Requests still on a send queue (not a dead-letter queue) when the run stopped: ``requestId`` → the queue's
    #: lane (``""`` without lanes; ``park-<route>`` on a route's parking queue). Each is also an outcome of kind
    #: ``lost`` unless decided otherwise.
    queued: dict[str, str] = field(default_factory=dict)

    @property
    def lost(self) -> int:
        """Requests with no outcome: not sent, not rejected, not failed for good and in no dead-letter queue."""
        return sum(1 for o in self.outcomes.values() if o.kind == "lost")

    @property
    def sends(self) -> list[tuple[float, int]]:
        """(time, parts) of every accepted send, in order."""
        return sorted((s.at, s.parts) for s in self.sms.sends)

    def windows(self) -> list[tuple[int, int]]:
        """For each 1-second window [t, t + 1) starting at an accepted send: (parts in it, parts of its last send)."""
        return one_second_windows(self.sends)

    def busiest_second(self) -> int:
        """Most parts accepted by the SMS API in any 1-second window."""
        return max((parts for parts, _ in self.windows()), default=0)

    def over_the_bound(self) -> int:
        """1-second windows holding more than the pacing bound: ``MPS − 1 + k`` parts, ``k`` its last send's parts."""
        mps = self.options.mps
        return sum(1 for parts, last in self.windows() if parts >= mps + last)

    def parts_per_second(self) -> float:
        """Parts per second of every send (retries included) while the first attempts were going out: the backlog's
        drain rate when the requests were queued at once."""
        first = [s.at for s in self.sms.sends if s.params["Context"]["smsAttempt"] == "1"]
        if len(first) < 2:
            return 0.0
        begin, end = min(first), max(first)
        sends = [(at, parts) for at, parts in self.sends if begin <= at <= end]
        return sum(p for _, p in sends) / (end - begin + sends[-1][1] / self.options.mps)


def one_second_windows(sends: list[tuple[float, int]]) -> list[tuple[int, int]]:
    """For each window [t, t + 1) starting at a send of ``sends`` (time, parts; sorted): (parts in it, parts of the
    last send in it)."""
    out: list[tuple[int, int]] = []
    window = j = 0
    for i, (start, _) in enumerate(sends):
        while j < len(sends) and sends[j][0] < start + 1.0:
            window += sends[j][1]
            j += 1
        out.append((window, sends[j - 1][1]))
        window -= sends[i][1]
    return out


def deploy(options: SimulationOptions) -> Deployment:
    """Synthesize ``SmsSendQueue`` (with the options' lanes, quotas and normalisation) and ``SmsRetry`` (and, with
    ``after_send``, ``SmsStatusNotifier`` and ``SmsInbound`` with the keyword ``C``) with the options and read back what
    they configure."""
    import aws_cdk as cdk  # noqa: PLC0415 - the CDK is loaded only to synthesize
    from aws_cdk.assertions import Template  # noqa: PLC0415

    from ..patterns.quotas import ProducerQuota  # noqa: PLC0415
    from ..patterns.retry import SmsRetry  # noqa: PLC0415
    from ..patterns.routes import SendRoute  # noqa: PLC0415
    from ..patterns.send_queue import SendLane, SmsSendQueue  # noqa: PLC0415
    from ..resources.common import NumberCapability, NumberType  # noqa: PLC0415
    from ..resources.configuration_set import ConfigurationSet  # noqa: PLC0415
    from ..resources.keywords import MandatoryKeywords  # noqa: PLC0415
    from ..resources.phone_number import PhoneNumber  # noqa: PLC0415

    app = cdk.App()
    stack = cdk.Stack(app, "SmsSimulator", env=cdk.Environment(account="111122223333", region="us-east-1"))
    keywords = MandatoryKeywords(help="Simulated. Reply STOP to opt out.", stop="You are unsubscribed.")
    number = PhoneNumber(
        stack,
        "Number",
        iso_country_code="US",
        number_type=NumberType.SIMULATOR,
        capabilities=[NumberCapability.SMS],
        keywords=keywords,
    )
    config = ConfigurationSet(stack, "Config")
    queue = SmsSendQueue(
        stack,
        "Send",
        origination_identity=number,
        configuration_set=config,
        max_parts_per_second=options.mps,
        max_concurrency=options.concurrency,
        lanes=[SendLane(name=name, max_concurrency=concurrency) for name, concurrency in options.lanes] or None,
        quotas={
            producer: ProducerQuota(daily_parts=daily, monthly_parts=monthly)
            for producer, daily, monthly in options.quotas
        }
        or None,
        normalize_characters=options.normalize_characters,
        routes={country: SendRoute(mps) for country, mps in options.routes} or None,
    )
    retry = SmsRetry(stack, "Retry", send_queue=queue, configuration_set=config)
    if options.after_send:
        from aws_cdk import aws_sns as sns  # noqa: PLC0415

        from ..patterns.inbound import SmsInbound  # noqa: PLC0415
        from ..patterns.status import SmsStatusNotifier  # noqa: PLC0415
        from .after_send import CONFIRM_KEYWORD, CONFIRM_REPLY  # noqa: PLC0415

        SmsStatusNotifier(stack, "Status", send_queue=queue, retry=retry)
        inbound = SmsInbound(stack, "Inbound", topic=sns.Topic(stack, "TwoWay", enforce_ssl=True), send_queue=queue)
        inbound.add_keyword(CONFIRM_KEYWORD, reply=CONFIRM_REPLY)
    template = Template.from_stack(stack).to_json()
    resources = template["Resources"]

    def function(handler: str) -> dict[str, Any]:
        [props] = [
            r["Properties"]
            for r in resources.values()
            if r["Type"] == "AWS::Lambda::Function" and r["Properties"].get("Handler") == handler
        ]
        return dict(props)

    def mappings_of(function_props: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """The function's event source mappings by the logical id of their queue."""
        role = function_props["Role"]["Fn::GetAtt"][0]
        return {
            r["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]: dict(r["Properties"])
            for r in resources.values()
            if r["Type"] == "AWS::Lambda::EventSourceMapping"
            and resources[r["Properties"]["FunctionName"]["Ref"]]["Properties"]["Role"]["Fn::GetAtt"][0] == role
        }

    def queue_of(function_props: dict[str, Any], queue_id: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        mappings = mappings_of(function_props)
        [logical_id] = [queue_id] if queue_id is not None else list(mappings)
        return mappings[logical_id], dict(resources[logical_id]["Properties"])

    sender_fn, retry_fn = function("sender.handler.main"), function("retry.handler.main")
    send_queue_id = sender_fn["Environment"]["Variables"]["SMS_QUEUE_URL"]["Ref"]
    sender_map, send_queue = queue_of(sender_fn, send_queue_id)
    retry_map, retry_queue = queue_of(retry_fn)
    lane_queues = _lane_queue_ids(sender_fn["Environment"]["Variables"].get("SMS_LANES"))
    default_lane = next((name for name, queue_id in lane_queues if queue_id == send_queue_id), None)
    sender_maps = mappings_of(sender_fn)
    lanes = tuple(
        (name, int(sender_maps[queue_id]["ScalingConfig"]["MaximumConcurrency"])) for name, queue_id in lane_queues
    )
    # each route's parking queue, as the sender is told it (an Fn::Join like SMS_LANES), and its mapping's concurrency
    route_queues = _lane_queue_ids(sender_fn["Environment"]["Variables"].get("SMS_ROUTE_PARKING_QUEUES"))
    route_mps = {
        country: float(mps)
        for country, mps in (
            item.split("=") for item in sender_fn["Environment"]["Variables"].get("SMS_ROUTES", "").split(",") if item
        )
    }
    routes = tuple(
        (country, route_mps[country], int(sender_maps[queue_id]["ScalingConfig"]["MaximumConcurrency"]))
        for country, queue_id in route_queues
    )
    values = {
        **_DEPLOY_TIME_VALUES,
        "lanes": ",".join(f"{name}={_lane_queue_url(name, default_lane)}" for name, _ in lane_queues),
        "route_parking_queues": ",".join(f"{country}={_route_queue_url(country)}" for country, _ in route_queues),
    }
    return Deployment(
        sender=_settings(SenderSettings, sender_fn, values),
        retry=_settings(RetrySettings, retry_fn, values),
        max_concurrency=int(sender_map["ScalingConfig"]["MaximumConcurrency"]),
        batch_size=int(sender_map["BatchSize"]),
        sender_timeout=float(sender_fn["Timeout"]),
        send_queue_visibility=float(send_queue["VisibilityTimeout"]),
        send_max_receive_count=int(send_queue["RedrivePolicy"]["maxReceiveCount"]),
        retry_batch_size=int(retry_map["BatchSize"]),
        retry_concurrency=int(retry_fn["ReservedConcurrentExecutions"]),
        retry_timeout=float(retry_fn["Timeout"]),
        retry_queue_visibility=float(retry_queue["VisibilityTimeout"]),
        retry_max_receive_count=int(retry_queue["RedrivePolicy"]["maxReceiveCount"]),
        after_send=read_after_send(resources, _settings) if options.after_send else None,
        lanes=lanes,
        default_lane=default_lane,
        routes=routes,
    )


def _lane_queue_ids(joined: Any) -> list[tuple[str, str]]:
    """``(lane, logical id of its queue)`` from the sender's ``SMS_LANES`` (an ``Fn::Join`` of ``name=`` strings and
    queue ``Ref`` s, highest lane first); empty without lanes."""
    if joined is None:
        return []
    pairs: list[tuple[str, str]] = []
    name = ""
    for piece in joined["Fn::Join"][1]:
        if isinstance(piece, str):
            name = piece.lstrip(",").removesuffix("=")
        else:
            pairs.append((name, piece["Ref"]))
    return pairs


def _lane_queue_url(lane: str, default_lane: str | None) -> str:
    """The simulated URL of a lane's queue: the send queue's for the default lane, ``<send queue>-<lane>`` else."""
    send_queue = _DEPLOY_TIME_VALUES["queue_url"]
    return send_queue if lane == default_lane else f"{send_queue}-{lane}"


def _route_queue_url(country: str) -> str:
    """The simulated URL of a route's parking queue: ``<send queue>-park-<ISO>`` (``-park-other`` for ``*``)."""
    return f"{_DEPLOY_TIME_VALUES['queue_url']}-park-{'other' if country == '*' else country}"


def _settings(kind: type[Any], function_props: dict[str, Any], values: Mapping[str, str] = _DEPLOY_TIME_VALUES) -> Any:
    """The handler's settings from the synthesized environment, deploy-time values replaced by simulated ones."""
    environment = dict(function_props["Environment"]["Variables"])
    for item in fields(kind):
        name = item.metadata["env"]
        if name in environment and not isinstance(environment[name], str):
            environment[name] = values[item.name]
    return kind.from_environment(environment)


def emf_metrics(lines: Iterable[str]) -> tuple[Counter[str], Counter[str]]:
    """Totals of the handlers' EMF metrics in ``lines`` (other lines are skipped), without the per-``Reason``,
    per-``Route`` and per-``Cause`` copies (each repeats a metric already counted: ``sms_constructs_runtime.metrics``),
    and the per-cause counts as ``Metric/Cause``."""
    totals: Counter[str] = Counter()
    by_cause: Counter[str] = Counter()
    for line in lines:
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        record = json.loads(line)
        for definition in record["_aws"]["CloudWatchMetrics"]:
            for metric in definition["Metrics"]:
                value = record[metric["Name"]]
                amount = int(sum(value) if isinstance(value, list) else value)
                if "Cause" in record:
                    by_cause[f"{metric['Name']}/{record['Cause']}"] += amount
                elif "Reason" not in record and "Route" not in record:
                    totals[metric["Name"]] += amount
    return totals, by_cause


class _MetricSink(io.TextIOBase):
    """Stands in for standard output while the handlers run: sums their EMF metrics, keeps each value of a metric
    published with dimensions of its own (:class:`MetricValue`, stamped with ``clock``), drops their logs."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.totals: Counter[str] = Counter()
        self.values: list[MetricValue] = []
        self._clock = clock

    def write(self, text: str) -> int:
        lines = text.splitlines()
        self.totals.update(emf_metrics(lines)[0])
        self.values += dimensioned_values(lines, self._clock())
        return len(text)


#: Dimensions every handler metric carries (Powertools' ``service``): not what a :class:`MetricValue` tells apart.
_COMMON_DIMENSIONS: Final = frozenset({"service"})


def dimensioned_values(lines: Iterable[str], at: float) -> list[MetricValue]:
    """The values in the EMF records of ``lines`` whose metrics have dimensions besides ``service`` (one record per
    value: ``single_metric``)."""
    values: list[MetricValue] = []
    for line in lines:
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        record = json.loads(line)
        for definition in record["_aws"]["CloudWatchMetrics"]:
            names = sorted({d for group in definition["Dimensions"] for d in group} - _COMMON_DIMENSIONS)
            if not names:
                continue
            dimensions = tuple((name, str(record[name])) for name in names)
            for metric in definition["Metrics"]:
                value = record[metric["Name"]]
                for one in value if isinstance(value, list) else [value]:
                    values.append(MetricValue(metric["Name"], float(one), dimensions, at))
    return values


@contextlib.contextmanager
def _handlers(
    root: Path | None, sink: _MetricSink, settings: SenderSettings, *, after_send: bool = False
) -> Iterator[tuple[Any, ...]]:
    """The sender and retry handler modules (and with ``after_send`` the status and inbound ones), imported as Lambda
    imports them, quiet and counting metrics."""
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", settings.service_name)
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", settings.metrics_namespace)
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    if root is None:
        from .._private.assets import LAMBDA_ROOT  # noqa: PLC0415

        root = LAMBDA_ROOT
    sys.path.insert(0, str(root))
    try:
        names = ("sender", "retry", *(("status", "inbound") if after_send else ()))
        modules = tuple(importlib.import_module(f"{name}.handler") for name in names)
        levels = [(m.logger, m.logger.log_level) for m in modules]
        for module in modules:
            module.logger.setLevel("CRITICAL")
            module.metrics.clear_metrics()  # what an earlier use of the module left unflushed is not this run's
        with contextlib.redirect_stdout(sink), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # Powertools: "No application metrics to publish"
            try:
                yield modules
            finally:
                for module in modules:
                    module.metrics.flush_metrics(raise_on_empty_metrics=False)
        for logger, level in levels:
            logger.setLevel(level)
    finally:
        sys.path.remove(str(root))


def _bodies(rng: random.Random, options: SimulationOptions) -> Callable[[int], tuple[str, bool]]:
    """(body, is a one-time code) of request ``n``, by the options' mix."""

    def body(n: int) -> tuple[str, bool]:
        draw = rng.random()
        if draw < options.one_time_codes:
            return f"Your Acme code is {rng.randrange(10**6):06d}. It expires in 5 minutes.", True
        draw -= options.one_time_codes
        if draw < options.unicode:
            return ("Olá! A sua encomenda chegou 📦 " * rng.randint(1, 4))[: rng.choice([60, 130, 190])], False
        draw -= options.unicode
        if draw < options.multipart:
            return (f"Order {n}: your parcel is on its way. " * 12)[: rng.choice([300, 450, 600])], False
        return f"Acme: order {n} has shipped. Track it at acme.example/t/{n}", False

    return body


def _destination(rng: random.Random, n: int, special: float) -> str:
    """A destination: mostly ordinary US and GB numbers; a ``special`` share of the AWS simulator pair and the fake's
    outcome numbers."""
    draw = rng.random()
    if draw < special / 2:
        return "+14254147755" if rng.random() < 0.5 else "+14254147167"
    if draw < special:
        return f"+142555501{rng.randrange(90, 100)}"
    return f"+1206{n % 10_000_000:07d}" if rng.random() < 0.9 else f"+447700{n % 1_000_000:06d}"


def simulate(
    options: SimulationOptions, *, deployment: Deployment | None = None, traffic: Iterable[Planned] | None = None
) -> SimulationResult:
    """Run the pipeline for ``options`` (see the module docstring) and check every request's outcome.

    :param deployment: What the constructs configure. Default: synthesized from ``options`` (:func:`deploy`).
    :param traffic: The requests the producer queues, and when. Default: ``options.messages`` requests of the
        options' random mix, spread over ``options.duration``.
    """
    pipeline = _Pipeline(options, deployment or deploy(options), None if traffic is None else list(traffic))
    return pipeline.run()


class _Pipeline:
    """The fakes, the queues and the actors of one run."""

    def __init__(self, options: SimulationOptions, deployment: Deployment, traffic: list[Planned] | None) -> None:
        self.options = options
        self.deployment = deployment
        self.traffic = traffic
        self.rng = rng = random.Random(options.seed)
        today = dt.datetime.now(dt.UTC).date()
        midnight = dt.datetime.combine(today - dt.timedelta(days=3), dt.time(0), tzinfo=dt.UTC).timestamp()
        self.start = midnight + options.start_hour * 3600
        self.clock = clock = SimulatedClock(self.start)
        self.dynamodb = FakeDynamoDB(clock.sleep, self._latency(options.dynamodb_latency))
        self.sqs = sqs = FakeSqs(clock.now, clock.sleep, self._latency(0.004), on_send=clock.notify)
        self.sns = FakeSns(clock.sleep, self._latency(0.004))
        self.send_url, self.send_dlq = sqs.create_queue_with_dead_letters(
            "sms-simulator-send",
            visibility_timeout=deployment.send_queue_visibility,
            max_receive_count=deployment.send_max_receive_count,
        )
        #: Each lane's queue (the send queue is the default lane's); ``{"": send queue}`` without lanes.
        self.lane_urls: dict[str, str] = {"": self.send_url}
        if deployment.lanes:
            self.lane_urls = {
                name: self.send_url
                if name == deployment.default_lane
                else sqs.create_queue(
                    deployment.lane_queue_url(name).rsplit("/", 1)[1],
                    visibility_timeout=deployment.send_queue_visibility,
                    dead_letter_url=self.send_dlq,
                    max_receive_count=deployment.send_max_receive_count,
                )
                for name, _ in deployment.lanes
            }
        #: Each route's parking queue (empty without routes), on the send queue's dead-letter queue.
        self.route_urls: dict[str, str] = {
            country: sqs.create_queue(
                deployment.route_queue_url(country).rsplit("/", 1)[1],
                visibility_timeout=deployment.send_queue_visibility,
                dead_letter_url=self.send_dlq,
                max_receive_count=deployment.send_max_receive_count,
            )
            for country, _, _ in deployment.routes
        }
        self.retry_url, self.retry_dlq = sqs.create_queue_with_dead_letters(
            "sms-simulator-retry",
            visibility_timeout=deployment.retry_queue_visibility,
            max_receive_count=deployment.retry_max_receive_count,
        )
        self.sender_settings = replace(deployment.sender, queue_url=self.send_url)
        self.retry_settings = replace(deployment.retry, send_queue_url=self.send_url)
        self.lake_records: list[dict[str, Any]] = []
        self.pending_events = 0
        defaults = OutcomeRates()
        rates = OutcomeRates(
            failures={status: chance * options.failure_scale for status, chance in defaults.failures.items()},
            opted_out=options.opt_out_rate,
        )
        self.sms = FakeSms(
            clock.now,
            mps=options.mps,
            route_mps=options.api_route_mps(),
            rates=rates,
            on_event=self._on_event if options.events else None,
            seed=options.seed,
        )
        self.api = _Slow(self.sms, clock.sleep, self._latency(options.api_latency))
        self.producer = SmsProducer(self.send_url, client=sqs, clock=clock.now)
        self._producers: dict[str | None, SmsProducer] = {}
        self.body_of = _bodies(rng, options)
        self.requests: dict[str, SendRequest] = {}
        self.enqueued_at: dict[str, float] = {}
        self.produced = False
        self.steps = 0
        self.progress = _progress(options)
        self.after: AfterSend | None = None
        if options.after_send and options.events and deployment.after_send is not None:
            self.after = AfterSend(self, deployment.after_send)

    def _latency(self, mean: float) -> Callable[[str], float]:
        return lambda _: mean * self.rng.uniform(0.5, 1.5)

    def _on_event(self, record: dict[str, Any], deliver_at: float) -> None:
        """The configuration set's event destinations: Firehose (the lake) and SNS → the retry queue (filtered)."""
        self.pending_events += 1

        def deliver() -> None:
            self.pending_events -= 1
            arrived = deliver_at + self.rng.uniform(0, FIREHOSE_BUFFER_SECONDS)
            self.lake_records.append({**record, "_firehoseArrivalTimestamp": round(arrived * 1000)})
            if record["isFinal"] and record["messageStatus"] in self.retry_settings.statuses:
                self.sqs.deliver(self.retry_url, json.dumps(record))  # the subscription's payload filter passed it
            if self.after is not None:
                self.after.on_event(record)  # the status notifier's subscription (TEXT_ALL)

        self.clock.call_at(deliver_at, deliver)

    def _producer(self, name: str | None) -> SmsProducer:
        """The producer client of producer ``name`` (``None``: unnamed), with every lane's queue."""
        if name not in self._producers:
            lanes = {lane: url for lane, url in self.lane_urls.items() if lane}
            self._producers[name] = SmsProducer(
                self.send_url, lane_queue_urls=lanes, producer=name, client=self.sqs, clock=self.clock.now
            )
        return self._producers[name]

    def _produce_planned(self, traffic: list[Planned]) -> None:
        """Queue ``traffic`` (one producer's requests to one lane) at the planned times."""
        clock = self.clock
        for planned in sorted(traffic, key=lambda p: p.at):
            wait = self.start + planned.at - clock.now()
            if wait > 0:
                clock.sleep(wait)
            producer = self._producer(planned.producer)
            request = producer.build(
                planned.destination,
                planned.body,
                request_id=planned.request_id,
                context=dict(planned.context) or None,
                not_after=None if planned.valid_for is None else round((clock.now() + planned.valid_for) * 1000),
                lane=planned.lane,
            )
            self.enqueued_at[request.request_id] = clock.now()
            producer.send_request(request)
            self.requests[request.request_id] = request

    def _spawn_producers(self) -> None:
        """The producer actor: the options' random mix — or, with planned traffic, one actor per producer and lane
        (independent services: one queuing a backlog never delays another's requests)."""
        if self.traffic is None:
            self.clock.spawn("producer", self._produce)
            return
        streams: dict[tuple[str, str], list[Planned]] = defaultdict(list)
        for planned in self.traffic:
            streams[(planned.producer or "", planned.lane or "")].append(planned)
        running = len(streams)

        def produce(traffic: list[Planned]) -> None:
            nonlocal running
            self._produce_planned(traffic)
            running -= 1
            self.produced = running == 0

        self.produced = running == 0
        for (producer, lane), traffic in sorted(streams.items()):
            self.clock.spawn(f"producer-{producer}-{lane}", functools.partial(produce, traffic))

    def _produce(self) -> None:
        options, clock = self.options, self.clock
        gap = options.duration / options.messages if options.messages else 0.0
        for n in range(options.messages):
            body, one_time = self.body_of(n)
            request = self.producer.build(
                _destination(self.rng, n, options.special_numbers),
                body,
                request_id=f"sim-{n:06d}",
                context={"campaign": "one-time-code" if one_time else "shipping"},
                not_after=round((clock.now() + 300) * 1000) if one_time else None,
            )
            self.enqueued_at[request.request_id] = clock.now()
            self.producer.send_request(request)
            self.requests[request.request_id] = request
            if gap:
                clock.sleep(gap)
        self.produced = True

    def _poll(self, url: str, batch: int, timeout: float, handle: Callable[[dict[str, Any], Any], Any]) -> None:
        """An event source mapping's poller: long-poll, invoke with a batch, delete what did not fail."""
        sqs, clock = self.sqs, self.clock
        while True:
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=batch, AttributeNames=["All"]).get(
                "Messages", []
            )
            if not messages:
                visible = sqs.next_visible_at(url)
                clock.wait(url, None if visible is None else max(0.001, visible - clock.now()))
                continue
            arn = sqs.queues[url].arn
            response = handle(
                {"Records": [sqs_record(m, arn) for m in messages]},
                LambdaContext(clock.now, timeout, request_id="simulated"),
            )
            failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
            for message in messages:
                if message["MessageId"] not in failed:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def _done(self) -> bool:
        self.steps += 1
        if self.progress is not None and self.steps % 500 == 0:
            self.progress.n = min(len(self.sms.sends), self.options.messages)
            self.progress.refresh()
        return (
            self.produced
            and all(self.sqs.depth(url) == 0 for url in (*self.lane_urls.values(), *self.route_urls.values()))
            and self.sqs.depth(self.retry_url) == 0
            and self.pending_events == 0
            and (self.after is None or self.after.done())
        )

    def run(self) -> SimulationResult:
        options, deployment, clock = self.options, self.deployment, self.clock
        sink = _MetricSink(clock.now)
        wall = time.perf_counter()
        with _handlers(options.lambda_root, sink, self.sender_settings, after_send=self.after is not None) as modules:
            sender_module, retry_module = modules[:2]

            def sender_invocation(url: str) -> None:
                sender = sender_module.Sender(
                    self.sender_settings,
                    sms=self.api,
                    sqs=self.sqs,
                    dynamodb=self.dynamodb,
                    clock=clock.now,
                    sleep=clock.sleep,
                    jitter=self.rng.random,
                )
                self._poll(url, deployment.batch_size, deployment.sender_timeout, sender.handle)

            def retry_invocation() -> None:
                retrier = retry_module.Retrier(
                    self.retry_settings,
                    sqs=self.sqs,
                    sns=self.sns,
                    dynamodb=self.dynamodb,
                    clock=clock.now,
                    jitter=self.rng.random,
                )
                self._poll(self.retry_url, deployment.retry_batch_size, deployment.retry_timeout, retrier.handle)

            self._spawn_producers()
            # one poller per concurrent invocation of each lane's event source mapping (the send queue's without lanes)
            pollers = [
                (name, deployment.max_concurrency if not name else dict(deployment.lanes)[name])
                for name in self.lane_urls
            ]
            for name, concurrency in pollers:
                url = self.lane_urls[name]
                for i in range(concurrency):
                    label = f"sender-{name}-{i}" if name else f"sender-{i}"
                    clock.spawn(label, functools.partial(sender_invocation, url), delay=0.001 * (i + 1))
            # and of each route's parking queue's
            for country, _, concurrency in deployment.routes:
                for i in range(concurrency):
                    label = f"sender-park-{country}-{i}"
                    clock.spawn(
                        label, functools.partial(sender_invocation, self.route_urls[country]), delay=0.001 * (i + 1)
                    )
            for i in range(deployment.retry_concurrency):
                clock.spawn(f"retry-{i}", retry_invocation, delay=0.001 * (i + 1))
            if self.after is not None:
                self.after.spawn(*modules[2:])
            clock.run(until=self.start + options.max_hours * 3600, stop_when=self._done)
            if self.progress is not None:
                self.progress.n = min(len(self.sms.sends), options.messages)
                self.progress.close()
        outcomes = _outcomes(
            self.requests,
            self.sms,
            self.dynamodb,
            self.sender_settings.table_name,
            self.sqs,
            (self.send_dlq, self.retry_dlq),
        )
        result = SimulationResult(
            options=options,
            deployment=deployment,
            outcomes=outcomes,
            sms=self.sms,
            started_at=self.start,
            ended_at=clock.now(),
            wall_seconds=time.perf_counter() - wall,
            duplicates=sum(n - 1 for n in Counter(self.sms.sent_request_ids()).values() if n > 1),
            metrics=sink.totals,
            dead_letters=self.sqs.depth(self.send_dlq) + self.sqs.depth(self.retry_dlq),
            metric_values=sink.values,
            enqueued_at=self.enqueued_at,
            queued=self._still_queued(),
        )
        if self.after is not None:
            decided = {rid for rid, o in outcomes.items() if o.kind in ("delivered", "failed", "rejected")}
            decided |= {rid for rid, _ in self.sms.sent_request_ids()}  # auto-replies included
            result.after_send = self.after.check(decided)
        if options.analytics:
            result.queries = _analytics(self.lake_records, options.lake)
        return result

    def _still_queued(self) -> dict[str, str]:
        """``requestId`` → lane of every request still on a send queue (its copies included); on a parking queue:
        ``park-<route>``."""
        queued: dict[str, str] = {}
        queues = [*self.lane_urls.items(), *((f"park-{c}", url) for c, url in self.route_urls.items())]
        for lane, url in queues:
            for message in self.sqs.queues[url].messages.values():
                request_id = json.loads(message.body).get("requestId")
                if isinstance(request_id, str):
                    queued[request_id] = lane
        return queued


class _Slow:
    """The SMS client as the sender sees it: each call takes the API's latency after the service received it."""

    def __init__(self, client: FakeSms, sleep: Callable[[float], None], latency: Callable[[str], float]) -> None:
        self._client = client
        self._sleep = sleep
        self._latency = latency
        self.exceptions = client.exceptions
        self.meta = client.meta

    def send_text_message(self, **params: Any) -> dict[str, Any]:
        try:
            return self._client.send_text_message(**params)
        finally:
            self._sleep(self._latency("SendTextMessage"))

    def carrier_lookup(self, **params: Any) -> dict[str, Any]:
        try:
            return self._client.carrier_lookup(**params)
        finally:
            self._sleep(self._latency("CarrierLookup"))


def _progress(options: SimulationOptions) -> Any:
    if not options.progress:
        return None
    try:
        from tqdm import tqdm  # noqa: PLC0415 - optional: the simulate extra
    except ImportError:
        return None
    return tqdm(total=options.messages, unit="msg", desc="sent", file=sys.stderr)


def _outcomes(
    requests: dict[str, SendRequest],
    sms: FakeSms,
    dynamodb: FakeDynamoDB,
    table: str,
    sqs: FakeSqs,
    dead_letter_urls: tuple[str, ...],
) -> dict[str, Outcome]:
    """Each request's outcome, from the ground truth: accepted sends and their final status, the store's rejections
    and final failures, and the dead-letter queues."""
    outcomes = {rid: Outcome(request, request.parts.parts) for rid, request in requests.items()}
    last_send: dict[str, tuple[int, str]] = {}
    for send in sms.sends:
        rid, attempt = send.params["Context"]["smsRequestId"], int(send.params["Context"]["smsAttempt"])
        if rid not in outcomes:
            continue  # not the producer's: an auto-reply of the inbound handler
        outcomes[rid].attempts = max(outcomes[rid].attempts, attempt)
        if attempt >= last_send.get(rid, (0, ""))[0]:
            last_send[rid] = (attempt, send.status)
    history: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in dynamodb.items(table, "request#"):
        history[item["pk"]["S"].removeprefix("request#")].append(item)
    in_dead_letter = {
        json.loads(m.body).get("requestId") for url in dead_letter_urls for m in sqs.queues[url].messages.values()
    }
    for rid, outcome in outcomes.items():
        items = {i["sk"]["S"]: i for i in history.get(rid, [])}
        final = items.get("final")
        rejected = [i for sk, i in items.items() if sk.startswith("attempt#") and i["status"]["S"] == "REJECTED"]
        attempt, status = last_send.get(rid, (0, ""))
        if final is not None:
            outcome.kind, outcome.detail = "failed", f"{final['lastStatus']['S']} ({final['reason']['S']})"
        elif rejected:
            outcome.kind, outcome.detail = "rejected", rejected[-1]["reason"]["S"]
        elif status in SUCCESS_STATUSES:
            outcome.kind, outcome.detail = "delivered", status
        elif status and status not in _RETRYABLE_OR_OPEN:
            outcome.kind, outcome.detail = "failed", status  # a permanent status: the retry handler ignores it
        elif rid in in_dead_letter:
            outcome.kind, outcome.detail = "dead-letter", "in a dead-letter queue"
    return outcomes


#: Final statuses after which a request must still reach a retry or a recorded final failure.
_RETRYABLE_OR_OPEN: Final = frozenset({"CARRIER_UNREACHABLE", "UNREACHABLE", "TTL_EXPIRED", "UNKNOWN"})


def _analytics(records: list[dict[str, Any]], lake: Path | None) -> dict[str, list[dict[str, Any]]]:
    """Write the events as the lake and run every named query on it."""
    from ..patterns._analytics_queries import NAMED_QUERIES  # noqa: PLC0415
    from .lake import connect, run_query, write_events  # noqa: PLC0415

    with contextlib.ExitStack() as stack:
        root = lake or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sms-lake-")))
        write_events(root, records, objects_per_day=4)
        connection = connect(root)
        try:
            return {spec.key: run_query(connection, spec.sql) for spec in NAMED_QUERIES}
        finally:
            connection.close()
