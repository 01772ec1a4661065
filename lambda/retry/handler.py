"""The retry Lambda of ``SmsRetry``: final transient failures → the same request back on the send queue, later.

Input: the configuration set's SNS event destination → SQS (the subscription's payload filter already lets through
only final events of the retryable statuses). Per record:

1. Parse the SMS event (``sms_constructs_runtime.events``); a record that is not one fails and ends in the DLQ.
2. Ignore events that are not final or whose status the policy does not retry (metric).
3. Load the request sent as ``messageId`` from the message store. Unknown ids are ignored (metric) — unless the event
   is younger than a few minutes, when the sender may not have written the store yet: then the record comes back.
4. Ignore duplicates: a marker per ``messageId`` records that its final event was acted on.
5. If attempts remain inside the window, and the request's deadline (``notAfter``, if any) still leaves time to send
   after the delay, put the request back on the **send queue** with ``attempt + 1`` and the policy's delay (±jitter),
   so retries are paced like every other send. Statuses the policy retries only with a deadline (by default
   TTL_EXPIRED: a TTL expiry is billed, and a message that outlived its TTL is often stale) are not retried for a
   request without one. A retry re-enters its request's lane: it goes to the queue of the lane the request names
   (``RetrySettings.lanes``), or to the send queue's default lane when it names none or one the queue does not have
   (logged). Otherwise record the final failure, publish it to the final-failure topic with its reason
   (``MAX_ATTEMPTS``, ``WINDOW_EXPIRED``, ``DEADLINE_PASSED`` or ``NO_DEADLINE``) and count it.

Re-queueing twice (a crash between the send and the marker, or two copies of an event processed concurrently) cannot
send twice: the sender sends each ``requestId`` + ``attempt`` at most once.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable
from typing import Any, Final

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from sms_constructs_runtime.contract import MIN_TTL_SECONDS, SendRequest
from sms_constructs_runtime.events import SmsEvent
from sms_constructs_runtime.lanes import parse_items
from sms_constructs_runtime.metrics import count_per_reason
from sms_constructs_runtime.settings import DYNAMODB_CLIENT, QUEUE_CLIENT, RetryMetric, RetrySettings
from sms_constructs_runtime.store import MessageStore
from sms_constructs_runtime.tracing import traced

logger = Logger()
metrics = Metrics()

#: An unknown messageId younger than this may be a race with the sender's store write: the record comes back.
UNKNOWN_MESSAGE_GRACE_SECONDS: Final = 300


class Outcome:
    """What the handler did with an event (logged, and the ``outcome`` of the marker)."""

    RETRIED: Final = "RETRIED"
    EXHAUSTED: Final = "EXHAUSTED"


class RetryLaterError(Exception):
    """The record goes back to the queue (batch item failure)."""


class FinalReason:
    """Why a request is not retried again (``reason`` of the final-failure notification, ``Reason`` of the metric)."""

    #: The policy's ``max_attempts`` were sent.
    MAX_ATTEMPTS: Final = "MAX_ATTEMPTS"
    #: The next attempt would start after the policy's window.
    WINDOW_EXPIRED: Final = "WINDOW_EXPIRED"
    #: The next attempt could not be sent before the request's deadline (``notAfter``).
    DEADLINE_PASSED: Final = "DEADLINE_PASSED"
    #: The policy retries this status only for requests with a deadline, and this one has none.
    NO_DEADLINE: Final = "NO_DEADLINE"


class Retrier:
    """Processes SQS batches of SMS events; every dependency is injectable for tests."""

    def __init__(
        self,
        config: RetrySettings,
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
        #: Lane name → its queue (empty for a send queue without lanes).
        self.lane_queue_urls = parse_items(config.lanes, "lanes")
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
            return self._ignore(RetryMetric.IGNORED_NOT_FINAL, event)
        if event.message_status not in self.config.statuses:
            return self._ignore(RetryMetric.IGNORED_STATUS, event)
        stored = self.store.get_message(event.message_id)
        now_ms = int(self._clock() * 1000)
        if stored is None:
            sent_at = event.message_request_timestamp or event.event_timestamp
            if now_ms - sent_at < UNKNOWN_MESSAGE_GRACE_SECONDS * 1000:
                raise RetryLaterError(f"messageId {event.message_id} not in the store yet")
            return self._ignore(RetryMetric.UNKNOWN_MESSAGE_IDS, event)
        if self.store.has_retry_marker(event.message_id):
            return self._ignore(RetryMetric.DUPLICATE_EVENTS, event)
        request = stored.request
        first_attempt_at = request.first_attempt_at if request.first_attempt_at is not None else stored.sent_at_ms
        delay = self.config.delay_for(request.attempt, self._jitter())
        final_reason = self._final_reason(request, event.message_status, now_ms + delay * 1000, first_attempt_at)
        if final_reason is None:
            retry = request.next_attempt(first_attempt_at)
            self.sqs.send_message(
                QueueUrl=self._queue_of(retry),
                MessageBody=retry.to_json(),
                DelaySeconds=delay,
                MessageAttributes=retry.message_attributes(),
            )
            self.store.put_retry_marker(event.message_id, Outcome.RETRIED, now_ms)
            metrics.add_metric(name=RetryMetric.RETRIES_SCHEDULED, unit=MetricUnit.Count, value=1)
            logger.info(
                "retry scheduled",
                extra={"requestId": request.request_id, "attempt": retry.attempt, "delaySeconds": delay},
            )
            return Outcome.RETRIED
        self.store.put_final_failure(request, event.message_status, event.message_id, now_ms, final_reason)
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
                    "reason": final_reason,
                    "notAfter": request.not_after,
                },
                sort_keys=True,
            ),
            MessageAttributes={"lastStatus": {"DataType": "String", "StringValue": event.message_status}},
        )
        self.store.put_retry_marker(event.message_id, Outcome.EXHAUSTED, now_ms)
        count_per_reason(metrics, RetryMetric.FINAL_FAILURES, final_reason)
        logger.warning(
            "not retried again",
            extra={"requestId": request.request_id, "attempts": request.attempt, "reason": final_reason},
        )
        return Outcome.EXHAUSTED

    def _queue_of(self, request: SendRequest) -> str:
        """The queue of the lane ``request`` names; the send queue's default lane when it names none, or one the
        queue does not have (logged)."""
        if request.lane is None or not self.lane_queue_urls:
            return self.config.send_queue_url
        url = self.lane_queue_urls.get(request.lane)
        if url is None:
            logger.warning(
                "the request names a lane the send queue does not have: retried on the default lane",
                extra={"requestId": request.request_id, "lane": request.lane, "lanes": list(self.lane_queue_urls)},
            )
            return self.config.send_queue_url
        return url

    def _final_reason(self, request: SendRequest, status: str, retry_at_ms: int, first_attempt_at: int) -> str | None:
        """Why ``request`` must not be retried at ``retry_at_ms``, or ``None`` when it may."""
        if request.attempt >= self.config.max_attempts:
            return FinalReason.MAX_ATTEMPTS
        if request.not_after is None and status in self.config.deadline_required_statuses:
            return FinalReason.NO_DEADLINE
        left = request.seconds_left(retry_at_ms)
        if left is not None and left < MIN_TTL_SECONDS:
            return FinalReason.DEADLINE_PASSED
        if retry_at_ms - first_attempt_at > self.config.window_seconds * 1000:
            return FinalReason.WINDOW_EXPIRED
        return None

    def _parse(self, body: str) -> SmsEvent:
        try:
            decoded = json.loads(body)
            if isinstance(decoded, dict) and decoded.get("Type") == "Notification" and "Message" in decoded:
                return SmsEvent.from_json(decoded["Message"])  # SNS envelope (raw message delivery off)
            return SmsEvent.from_record(decoded)
        except ValueError:  # EventParseError is a ValueError, as is invalid JSON
            metrics.add_metric(name=RetryMetric.MALFORMED_EVENTS, unit=MetricUnit.Count, value=1)
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
        _RETRIER = Retrier(
            RetrySettings.from_environment(os.environ),
            sqs=boto3.client("sqs", config=QUEUE_CLIENT.botocore_config()),
            sns=boto3.client("sns", config=QUEUE_CLIENT.botocore_config()),
            dynamodb=boto3.client("dynamodb", config=DYNAMODB_CLIENT.botocore_config()),
        )
    return _RETRIER


@logger.inject_lambda_context
@traced
@metrics.log_metrics
def main(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Lambda entry point (``retry.handler.main``)."""
    return _retrier().handle(event, context)
