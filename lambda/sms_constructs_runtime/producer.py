"""``SmsProducer``: the client producers use to put SMS requests on an ``SmsSendQueue``.

It needs only the standard library and boto3 (imported when the first client is built): no aws-cdk-lib, no jsii, no
Node.js, so it fits in any Lambda function, container or script. It builds the versioned contract message with the
code the sender validates it with (:mod:`sms_constructs_runtime.contract`), so a message the producer accepts is a
message the sender reads::

    from sms_constructs_runtime import SmsProducer

    producer = SmsProducer.from_environment()          # SMS_SEND_QUEUE_URL, set by SmsSendQueue.add_producer
    producer.send("+14255550123", "Your code is 123456", request_id="otp-7f3a", valid_for=timedelta(minutes=5))

On a send queue with lanes (``SmsSendQueue(lanes=...)``), ``send(..., lane="urgent")`` puts the request on that lane's
queue (``SMS_SEND_LANE_QUEUE_URLS``); without ``lane`` it goes to the queue's default lane. A producer wired with a
name (``add_producer(function, producer_name=...)``, ``SMS_PRODUCER_NAME``) writes it into every request, which is
what the queue's quotas, the ``Producer`` metrics and the spend query go by.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from .contract import LANE_PATTERN, PRODUCER_PATTERN, ContractError, RejectionReason, SendRequest
from .gsm7 import Normalization, normalize_gsm7

__all__ = [
    "LANE_QUEUE_URLS_VARIABLE",
    "PRODUCER_NAME_VARIABLE",
    "QUEUE_URL_VARIABLE",
    "ContractError",
    "Normalization",
    "SendRequest",
    "SmsProducer",
    "SmsProducerBatchError",
]

#: Environment variable :meth:`SmsProducer.from_environment` reads the queue URL from (``SmsSendQueue.add_producer``
#: sets it).
QUEUE_URL_VARIABLE: Final = "SMS_SEND_QUEUE_URL"
#: Environment variable with the queue URL of each lane of a send queue with lanes, ``name=url`` items separated by
#: commas (``SmsSendQueue.add_producer`` sets it).
LANE_QUEUE_URLS_VARIABLE: Final = "SMS_SEND_LANE_QUEUE_URLS"
#: Environment variable with the producer's name (``SmsSendQueue.add_producer(producer_name=...)`` sets it).
PRODUCER_NAME_VARIABLE: Final = "SMS_PRODUCER_NAME"
#: SQS ``SendMessageBatch`` takes at most 10 entries.
_BATCH_SIZE: Final = 10


@dataclass(frozen=True)
class SmsProducerBatchError(Exception):
    """Some requests of :meth:`SmsProducer.send_batch` were not accepted by SQS (``failed``: request id → reason)."""

    #: Request id → SQS error code and message, for each request not queued (the others were). No default.
    failed: Mapping[str, str]

    def __str__(self) -> str:
        return f"{len(self.failed)} request(s) not queued: {dict(self.failed)}"


class SmsProducer:
    """Puts contract messages on a send queue.

    :param queue_url: URL of the send queue (``SmsSendQueue.queue_url``): its default lane.
    :param lane_queue_urls: Lane name → URL of that lane's queue (``SmsSendQueue.lane_queue_urls``), for a send queue
        with lanes. Default: none (every request goes to ``queue_url``).
    :param producer: This producer's name (1-64 of ``A-Z a-z 0-9 . _ -``), written into every request. Default: none.
    :param client: A boto3 ``sqs`` client. Default: ``boto3.client("sqs")``, built on first use.
    :param clock: Seconds since the epoch, to turn ``valid_for`` into a deadline. Default: ``time.time``.
    """

    def __init__(
        self,
        queue_url: str,
        *,
        lane_queue_urls: Mapping[str, str] | None = None,
        producer: str | None = None,
        client: Any = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not isinstance(queue_url, str) or "://" not in queue_url:
            raise ValueError(f"queue_url must be an SQS queue URL (https://sqs...), not {queue_url!r}")
        lanes = dict(lane_queue_urls or {})
        for name, url in lanes.items():
            if not isinstance(name, str) or not LANE_PATTERN.fullmatch(name):
                raise ValueError(
                    f"lane_queue_urls: a lane name is 1-20 of a-z 0-9 - starting with a letter, not {name!r}"
                )
            if not isinstance(url, str) or "://" not in url:
                raise ValueError(f"lane_queue_urls[{name!r}] must be an SQS queue URL (https://sqs...), not {url!r}")
        if producer is not None and (not isinstance(producer, str) or not PRODUCER_PATTERN.fullmatch(producer)):
            raise ValueError(f"producer must be 1-64 characters of A-Z a-z 0-9 . _ -, not {producer!r}")
        self.queue_url = queue_url
        self.lane_queue_urls = lanes
        self.producer = producer
        self._client = client
        self._clock = clock

    @classmethod
    def from_environment(cls, *, client: Any = None, environment: Mapping[str, str] | None = None) -> SmsProducer:
        """A producer for the queue named by ``SMS_SEND_QUEUE_URL``, with the lanes of ``SMS_SEND_LANE_QUEUE_URLS``
        and the name of ``SMS_PRODUCER_NAME`` when they are set (in ``environment``, default ``os.environ``)."""
        env = os.environ if environment is None else environment
        url = env.get(QUEUE_URL_VARIABLE)
        if not url:
            raise KeyError(
                f"{QUEUE_URL_VARIABLE} is not set: wire the function with SmsSendQueue.add_producer(function), or set "
                "it to the queue's URL (SmsSendQueue.queue_url)"
            )
        lanes = {}
        for item in filter(None, env.get(LANE_QUEUE_URLS_VARIABLE, "").split(",")):
            name, _, lane_url = item.partition("=")
            lanes[name] = lane_url
        return cls(url, lane_queue_urls=lanes, producer=env.get(PRODUCER_NAME_VARIABLE) or None, client=client)

    @property
    def client(self) -> Any:
        """The SQS client (``boto3.client("sqs")`` unless one was given)."""
        if self._client is None:
            import boto3  # noqa: PLC0415 - imported on first use, so building requests needs no boto3

            self._client = boto3.client("sqs")
        return self._client

    def build(
        self,
        destination_phone_number: str,
        message_body: str,
        *,
        request_id: str | None = None,
        message_type: str | None = None,
        context: Mapping[str, str] | None = None,
        time_to_live_seconds: int | None = None,
        max_price: str | None = None,
        not_after: datetime | int | None = None,
        valid_for: timedelta | None = None,
        lane: str | None = None,
    ) -> SendRequest:
        """A validated request (raises ``ContractError``, a ``ValueError`` naming the field, the rule and the value).

        Every text (the body, context keys and values) holds only characters SQS carries: a lone surrogate, U+FFFE,
        U+FFFF or a control character other than tab, line feed and carriage return is refused.

        :param request_id: The idempotency key, 1-64 of ``A-Z a-z 0-9 . _ : -`` (an empty string is refused). Default:
            a new UUID — pass your own (an order or OTP id) so that a retried ``send`` of the same SMS is sent once.
        :param message_type: ``TRANSACTIONAL`` or ``PROMOTIONAL``. Default: the queue's.
        :param context: A mapping of at most 3 string entries echoed in every event of the message. Default: none.
        :param time_to_live_seconds: ``TimeToLive`` (5–259200). Default: the queue's.
        :param max_price: ``MaxPrice`` in USD per message part, e.g. ``"0.05"``. Default: the queue's.
        :param not_after: The deadline: the message is never sent, nor retried, after it (an aware ``datetime`` or
            epoch milliseconds); the sender caps ``TimeToLive`` to the time left. A deadline that has already passed
            is refused (``ContractError``, reason ``EXPIRED``). Default: no deadline.
        :param valid_for: The deadline as a validity from now (e.g. ``timedelta(minutes=5)`` for a one-time code);
            not with ``not_after``. Default: no deadline.
        :param lane: The lane of the send queue to put it on (one of ``lane_queue_urls``); a higher lane is sent
            first. Default: the queue's default lane (``queue_url``).
        """
        if lane is not None and lane not in self.lane_queue_urls:
            known = ", ".join(sorted(self.lane_queue_urls)) or "none: the producer was given no lanes"
            raise ContractError(
                RejectionReason.INVALID_FIELD, f"{lane!r} is not a lane of the send queue (lanes: {known})", "lane"
            )
        return SendRequest(
            request_id=str(uuid.uuid4()) if request_id is None else request_id,
            destination_phone_number=destination_phone_number,
            message_body=message_body,
            message_type=message_type,
            # anything but a mapping goes to the contract as it is, to be refused by name
            context={} if context is None else dict(context) if isinstance(context, Mapping) else context,
            time_to_live_seconds=time_to_live_seconds,
            max_price=max_price,
            not_after=self._deadline(not_after, valid_for),
            lane=lane,
            producer=self.producer,
        )

    def send(
        self,
        destination_phone_number: str,
        message_body: str,
        *,
        request_id: str | None = None,
        message_type: str | None = None,
        context: Mapping[str, str] | None = None,
        time_to_live_seconds: int | None = None,
        max_price: str | None = None,
        not_after: datetime | int | None = None,
        valid_for: timedelta | None = None,
        lane: str | None = None,
        delay_seconds: int = 0,
    ) -> str:
        """Validate and queue one SMS; returns its request id. Arguments as in :meth:`build`; ``delay_seconds``
        (0–900, default 0) holds the message in the queue before it is sent."""
        request = self.build(
            destination_phone_number,
            message_body,
            request_id=request_id,
            message_type=message_type,
            context=context,
            time_to_live_seconds=time_to_live_seconds,
            max_price=max_price,
            not_after=not_after,
            valid_for=valid_for,
            lane=lane,
        )
        self.send_request(request, delay_seconds=delay_seconds)
        return request.request_id

    def send_request(self, request: SendRequest, *, delay_seconds: int = 0) -> None:
        """Queue a request built with :meth:`build` (``delay_seconds`` as in :meth:`send`, default 0); one whose
        deadline has passed since it was built is refused (``ContractError``, reason ``EXPIRED``)."""
        _check_request(request, "request")
        if request.not_after is not None:
            self._check_not_passed(request.not_after, "request.notAfter")
        if isinstance(delay_seconds, bool) or not isinstance(delay_seconds, int) or not 0 <= delay_seconds <= 900:
            raise ValueError(f"delay_seconds must be a whole number of seconds from 0 to 900, not {delay_seconds!r}")
        self.client.send_message(
            QueueUrl=self.queue_url_of(request),
            MessageBody=request.to_json(),
            DelaySeconds=delay_seconds,
            MessageAttributes=request.message_attributes(),
        )

    def send_batch(self, requests: Iterable[SendRequest]) -> list[str]:
        """Queue many requests, 10 per ``SendMessageBatch``; returns their request ids, or raises
        ``SmsProducerBatchError`` naming the ones SQS refused (the others are queued).

        ``requests`` is a list (or any iterable) of requests built with :meth:`build`; anything else — a mapping, a
        string, an item that is not a ``SendRequest`` — raises ``ContractError`` before anything is queued."""
        if isinstance(requests, str | bytes | Mapping) or not isinstance(requests, Iterable):
            raise ContractError(
                RejectionReason.INVALID_FIELD,
                f"must be a list of requests built with SmsProducer.build, not a {type(requests).__name__}",
                "requests",
            )
        requests = list(requests)
        for n, request in enumerate(requests):
            _check_request(request, f"requests[{n}]")
            if request.not_after is not None:
                self._check_not_passed(request.not_after, f"requests[{n}].notAfter")
        failed: dict[str, str] = {}
        by_queue: dict[str, list[SendRequest]] = {}
        for request in requests:
            by_queue.setdefault(self.queue_url_of(request), []).append(request)
        for queue_url, queued in by_queue.items():
            self._send_chunks(queue_url, queued, failed)
        if failed:
            raise SmsProducerBatchError(failed)
        return [r.request_id for r in requests]

    def queue_url_of(self, request: SendRequest) -> str:
        """The queue a request goes to: its lane's (``lane_queue_urls``), else ``queue_url``.

        :raises ContractError: the request names a lane this producer does not know.
        """
        if request.lane is None:
            return self.queue_url
        if request.lane not in self.lane_queue_urls:
            known = ", ".join(sorted(self.lane_queue_urls)) or "none: the producer was given no lanes"
            raise ContractError(
                RejectionReason.INVALID_FIELD,
                f"{request.lane!r} is not a lane of the send queue (lanes: {known})",
                "lane",
            )
        return self.lane_queue_urls[request.lane]

    def _send_chunks(self, queue_url: str, requests: list[SendRequest], failed: dict[str, str]) -> None:
        for start in range(0, len(requests), _BATCH_SIZE):
            chunk = requests[start : start + _BATCH_SIZE]
            response = self.client.send_message_batch(
                QueueUrl=queue_url,
                Entries=[
                    {"Id": str(n), "MessageBody": r.to_json(), "MessageAttributes": r.message_attributes()}
                    for n, r in enumerate(chunk)
                ],
            )
            for failure in response.get("Failed", []):
                failed[chunk[int(failure["Id"])].request_id] = f"{failure.get('Code')}: {failure.get('Message', '')}"

    @staticmethod
    def parts(message_body: str) -> Normalization:
        """The message parts of ``message_body`` as written (``before``) and as a send queue with
        ``normalize_characters`` on (the default) sends it (``after``), and that body (``body``).

        Nothing is queued and no AWS call is made; the request and its contract are unchanged (the sender normalises
        when it sends). ``after`` is ``before`` when nothing would change::

            estimate = SmsProducer.parts("It\u2019s time for your appointment")
            estimate.before.parts, estimate.after.parts, estimate.parts_saved   # (1, 1, 0); UCS-2, then GSM-7

        :param message_body: A message body (a string).
        :raises ContractError: ``message_body`` is not a string.
        """
        if not isinstance(message_body, str):
            raise ContractError(
                RejectionReason.INVALID_FIELD, f"must be a string, not a {type(message_body).__name__}", "messageBody"
            )
        return normalize_gsm7(message_body)

    def _deadline(self, not_after: datetime | int | None, valid_for: timedelta | None) -> int | None:
        if not_after is not None and valid_for is not None:
            raise ValueError("give not_after or valid_for, not both")
        if valid_for is not None:
            if not isinstance(valid_for, timedelta) or valid_for.total_seconds() <= 0:
                raise ValueError(f"valid_for must be a positive timedelta, not {valid_for!r}")
            return round((self._clock() + valid_for.total_seconds()) * 1000)
        if isinstance(not_after, datetime):
            if not_after.tzinfo is None:
                raise ValueError("not_after must be an aware datetime (with a tzinfo), or epoch milliseconds")
            not_after = round(not_after.timestamp() * 1000)
        if isinstance(not_after, int) and not isinstance(not_after, bool):
            self._check_not_passed(not_after, "notAfter")
        return not_after

    def _check_not_passed(self, not_after: int, name: str) -> None:
        """Refuse a deadline that has already passed: such a request could only ever be rejected ``EXPIRED``."""
        now_ms = round(self._clock() * 1000)
        if 0 < not_after <= now_ms:
            raise ContractError(
                RejectionReason.EXPIRED,
                f"the deadline has already passed ({_iso(not_after)} is not after now, {_iso(now_ms)}): the request "
                "could never be sent",
                name,
            )


def _iso(epoch_ms: int) -> str:
    """``epoch_ms`` as an ISO 8601 UTC time to the second."""
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_request(request: Any, name: str) -> None:
    if not isinstance(request, SendRequest):
        raise ContractError(
            RejectionReason.INVALID_FIELD,
            f"must be a request built with SmsProducer.build (a SendRequest), not a {type(request).__name__}",
            name,
        )
