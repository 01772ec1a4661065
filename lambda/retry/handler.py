"""The retry Lambda of ``SmsRetry``: final transient failures → the same request back on the send queue, later.

Input: the configuration set's SNS event destination → SQS (the subscription's payload filter already lets through
only final events of the retryable statuses). Per record:

1. Parse the SMS event (``sms_constructs_runtime.events``); a record that is not one fails and ends in the DLQ.
2. Ignore events that are not final or whose status the policy does not retry (metric).
3. Load the request sent as ``messageId`` from the message store. Unknown ids are ignored (metric) — unless the event
   is younger than a few minutes, when the sender may not have written the store yet: then the record comes back.
4. Ignore duplicates: a marker per ``messageId`` records that its final event was acted on.
5. If attempts remain inside the window, put the request back on the **send queue** with ``attempt + 1`` and the
   policy's delay (±jitter), so retries are paced like every other send. Otherwise record the final failure, publish
   it to the final-failure topic and count it.

Re-queueing twice (a crash between the send and the marker, or two copies of an event processed concurrently) cannot
send twice: the sender sends each ``requestId`` + ``attempt`` at most once.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config
from sms_constructs_runtime.contract import CONTRACT_VERSION, VERSION_ATTRIBUTE
from sms_constructs_runtime.events import SmsEvent
from sms_constructs_runtime.store import MessageStore

logger = Logger()
metrics = Metrics()
tracer = Tracer()

#: An unknown messageId younger than this may be a race with the sender's store write: the record comes back.
UNKNOWN_MESSAGE_GRACE_SECONDS: Final = 300
#: SQS ``DelaySeconds`` is at most 15 minutes.
MAX_DELAY_SECONDS: Final = 900


class Metric:
    """Names of the retry handler's custom metrics."""

    RETRIES_SCHEDULED: Final = "RetriesScheduled"
    FINAL_FAILURES: Final = "FinalFailures"
    IGNORED_NOT_FINAL: Final = "EventsIgnoredNotFinal"
    IGNORED_STATUS: Final = "EventsIgnoredStatus"
    DUPLICATE_EVENTS: Final = "DuplicateEvents"
    UNKNOWN_MESSAGE_IDS: Final = "UnknownMessageIds"
    MALFORMED_EVENTS: Final = "MalformedEvents"


class Outcome:
    """What the handler did with an event (logged, and the ``outcome`` of the marker)."""

    RETRIED: Final = "RETRIED"
    EXHAUSTED: Final = "EXHAUSTED"


class RetryLaterError(Exception):
    """The record goes back to the queue (batch item failure)."""


@dataclass(frozen=True)
class RetryConfig:
    """The retry policy and resources, from the environment."""

    table_name: str
    send_queue_url: str
    final_failure_topic_arn: str
    retention_seconds: int
    max_attempts: int
    delays_seconds: Sequence[int]
    jitter: float
    window_seconds: int
    statuses: frozenset[str]

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> RetryConfig:
        """Read ``SMS_*`` variables (see ``SmsRetry``)."""
        return cls(
            table_name=env["SMS_TABLE_NAME"],
            send_queue_url=env["SMS_SEND_QUEUE_URL"],
            final_failure_topic_arn=env["SMS_FINAL_FAILURE_TOPIC_ARN"],
            retention_seconds=int(env["SMS_RETENTION_SECONDS"]),
            max_attempts=int(env["SMS_RETRY_MAX_ATTEMPTS"]),
            delays_seconds=[int(d) for d in env["SMS_RETRY_DELAYS_SECONDS"].split(",") if d],
            jitter=float(env["SMS_RETRY_JITTER"]),
            window_seconds=int(env["SMS_RETRY_WINDOW_SECONDS"]),
            statuses=frozenset(s for s in env["SMS_RETRY_STATUSES"].split(",") if s),
        )

    def delay_for(self, attempt: int, jitter: float) -> int:
        """Delay before attempt ``attempt + 1`` (``jitter`` in [0, 1) spreads it by ±``self.jitter``)."""
        if not self.delays_seconds:
            return 0
        base = self.delays_seconds[min(attempt - 1, len(self.delays_seconds) - 1)]
        spread = base * self.jitter * (2 * jitter - 1)
        return max(0, min(MAX_DELAY_SECONDS, round(base + spread)))


class Retrier:
    """Processes SQS batches of SMS events; every dependency is injectable for tests."""

    def __init__(
        self,
        config: RetryConfig,
        *,
        sqs: Any,
        sns: Any,
        dynamodb: Any,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.config = config
        self.sqs = sqs
        self.sns = sns
        self.store = MessageStore(dynamodb, config.table_name, config.retention_seconds)
        self._clock = clock
        self._jitter = jitter
        self.processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def handle(self, event: dict[str, Any], context: LambdaContext | None = None) -> dict[str, Any]:
        """Process one SQS batch; returns the partial batch response."""
        return dict(
            process_partial_response(
                event=event, record_handler=self.process, processor=self.processor, context=context
            )
        )

    def process(self, record: SQSRecord) -> str | None:
        """Handle one record; returns what was done, raises to hand the record back."""
        event = self._parse(record.body)
        if not event.is_final:
            return self._ignore(Metric.IGNORED_NOT_FINAL, event)
        if event.message_status not in self.config.statuses:
            return self._ignore(Metric.IGNORED_STATUS, event)
        stored = self.store.get_message(event.message_id)
        now_ms = int(self._clock() * 1000)
        if stored is None:
            sent_at = event.message_request_timestamp or event.event_timestamp
            if now_ms - sent_at < UNKNOWN_MESSAGE_GRACE_SECONDS * 1000:
                raise RetryLaterError(f"messageId {event.message_id} not in the store yet")
            return self._ignore(Metric.UNKNOWN_MESSAGE_IDS, event)
        if self.store.has_retry_marker(event.message_id):
            return self._ignore(Metric.DUPLICATE_EVENTS, event)
        request = stored.request
        first_attempt_at = request.first_attempt_at if request.first_attempt_at is not None else stored.sent_at_ms
        delay = self.config.delay_for(request.attempt, self._jitter())
        in_window = now_ms + delay * 1000 - first_attempt_at <= self.config.window_seconds * 1000
        if request.attempt < self.config.max_attempts and in_window:
            retry = request.next_attempt(first_attempt_at)
            self.sqs.send_message(
                QueueUrl=self.config.send_queue_url,
                MessageBody=retry.to_json(),
                DelaySeconds=delay,
                MessageAttributes={
                    VERSION_ATTRIBUTE: {"DataType": "Number", "StringValue": str(CONTRACT_VERSION)},
                },
            )
            self.store.put_retry_marker(event.message_id, Outcome.RETRIED, now_ms)
            metrics.add_metric(name=Metric.RETRIES_SCHEDULED, unit=MetricUnit.Count, value=1)
            logger.info(
                "retry scheduled",
                extra={"requestId": request.request_id, "attempt": retry.attempt, "delaySeconds": delay},
            )
            return Outcome.RETRIED
        self.store.put_final_failure(request, event.message_status, event.message_id, now_ms)
        self.sns.publish(
            TopicArn=self.config.final_failure_topic_arn,
            Subject="SMS delivery failed after retries",
            Message=json.dumps(
                {
                    "requestId": request.request_id,
                    "attempts": request.attempt,
                    "lastMessageId": event.message_id,
                    "lastStatus": event.message_status,
                    "firstAttemptAt": first_attempt_at,
                    "context": dict(request.context),
                    "reason": "MAX_ATTEMPTS" if request.attempt >= self.config.max_attempts else "WINDOW_EXPIRED",
                },
                sort_keys=True,
            ),
            MessageAttributes={"lastStatus": {"DataType": "String", "StringValue": event.message_status}},
        )
        self.store.put_retry_marker(event.message_id, Outcome.EXHAUSTED, now_ms)
        metrics.add_metric(name=Metric.FINAL_FAILURES, unit=MetricUnit.Count, value=1)
        logger.warning("retries exhausted", extra={"requestId": request.request_id, "attempts": request.attempt})
        return Outcome.EXHAUSTED

    def _parse(self, body: str) -> SmsEvent:
        try:
            decoded = json.loads(body)
            if isinstance(decoded, dict) and decoded.get("Type") == "Notification" and "Message" in decoded:
                return SmsEvent.from_json(decoded["Message"])  # SNS envelope (raw message delivery off)
            return SmsEvent.from_record(decoded)
        except ValueError:  # EventParseError is a ValueError, as is invalid JSON
            metrics.add_metric(name=Metric.MALFORMED_EVENTS, unit=MetricUnit.Count, value=1)
            logger.error("not an SMS event; it will end in the DLQ")
            raise

    def _ignore(self, metric: str, event: SmsEvent) -> str:
        metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
        logger.info("event ignored", extra={"reason": metric, "messageId": event.message_id})
        return metric


_RETRIER: Retrier | None = None


def _retrier() -> Retrier:
    global _RETRIER  # noqa: PLW0603 - one Retrier per execution environment, built on first use
    if _RETRIER is None:
        aws_config = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=3, read_timeout=10)
        _RETRIER = Retrier(
            RetryConfig.from_environment(os.environ),
            sqs=boto3.client("sqs", config=aws_config),
            sns=boto3.client("sns", config=aws_config),
            dynamodb=boto3.client("dynamodb", config=aws_config),
        )
    return _RETRIER


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def main(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Lambda entry point (``retry.handler.main``)."""
    return _retrier().handle(event, context)
