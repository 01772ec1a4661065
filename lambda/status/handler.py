"""The status Lambda of ``SmsStatusNotifier``: one event per status change of a send-queue request, on an event bus.

Two inputs, told apart by the records' ``eventSource``:

- ``aws:dynamodb`` — the message store's stream (``NEW_IMAGE``, filtered to request-history items and retry
  markers): the send queue's own statuses (``ACCEPTED``, ``HELD``, ``SENT``, ``REJECTED``, ``EXPIRED``, ``RETRIED``,
  ``FAILED_FINAL``);
- ``aws:sqs`` — the configuration set's SMS events (SNS event destination → SQS, raw message delivery): the carrier
  statuses (``QUEUED``, ``PENDING``, ``SUCCESSFUL``, ``DELIVERED``, ``UNKNOWN``, the failures, …).

Per record: derive the change (``sms_constructs_runtime.status``), apply it to the request's status item with a
conditional write on its rank, and publish it (``PutEvents``) only when the write succeeded; then mark it published.
A late, out-of-order or duplicate record writes nothing and publishes nothing. The write claims the publication: a
copy of the same change handled at the same moment by another invocation is handed back, not published twice
(``ChangeInFlightError``). A failed publication gives its claim back, leaves the item unpublished and hands the
record back (batch item failure): its redelivery publishes it. Records that are not SMS
events or store items fail and end in the dead-letter queue.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from sms_constructs_runtime.events import SmsEvent
from sms_constructs_runtime.settings import DYNAMODB_CLIENT, QUEUE_CLIENT
from sms_constructs_runtime.status import (
    DETAIL_TYPE,
    EVENT_SOURCE,
    ChangeInFlightError,
    StatusChange,
    StatusStore,
    change_from_sms_event,
    status_event,
)
from sms_constructs_runtime.status_settings import StatusMetric, StatusSettings
from sms_constructs_runtime.tracing import traced

logger = Logger()
metrics = Metrics()


class PublishError(Exception):
    """The event bus did not take the event: the record goes back (and is published on its redelivery)."""


class Notifier:
    """Processes SQS batches of SMS events and DynamoDB stream batches of store items; dependencies injectable."""

    def __init__(
        self,
        config: StatusSettings,
        *,
        dynamodb: Any,
        events: Any,
        clock: Callable[[], float] = time.time,
        claim: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self.config = config
        self._claim = claim
        self.events = events
        self.store = StatusStore(dynamodb, config.table_name, config.retention_seconds)
        self._clock = clock
        self.sqs_processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        self.stream_processor = BatchProcessor(
            event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False
        )

    def handle(self, event: Mapping[str, Any], context: LambdaContext | None = None) -> dict[str, Any]:
        """Process one batch (SQS or DynamoDB stream); returns the partial batch response."""
        records = event.get("Records") or []
        if records and records[0].get("eventSource") == "aws:dynamodb":
            return dict(
                process_partial_response(
                    event=dict(event),
                    record_handler=self.process_stream_record,
                    processor=self.stream_processor,
                    context=context,
                )
            )
        return dict(
            process_partial_response(
                event=dict(event), record_handler=self.process_sqs_record, processor=self.sqs_processor, context=context
            )
        )

    def process_sqs_record(self, record: SQSRecord) -> str:
        """One SMS event of the configuration set."""
        try:
            decoded = json.loads(record.body)
            if isinstance(decoded, dict) and decoded.get("Type") == "Notification" and "Message" in decoded:
                sms_event = SmsEvent.from_json(decoded["Message"])  # SNS envelope (raw message delivery off)
            else:
                sms_event = SmsEvent.from_record(decoded)
        except ValueError:
            metrics.add_metric(name=StatusMetric.MALFORMED_RECORDS, unit=MetricUnit.Count, value=1)
            logger.error("not an SMS event; it will end in the DLQ")
            raise
        change = change_from_sms_event(sms_event, self.config.retried_statuses)
        if change is None:
            metrics.add_metric(name=StatusMetric.FOREIGN_EVENTS, unit=MetricUnit.Count, value=1)
            return "foreign"
        return self._advance(change)

    def process_stream_record(self, record: DynamoDBRecord) -> str:
        """One new or changed item of the message store."""
        image = (record.raw_event.get("dynamodb") or {}).get("NewImage")
        if not isinstance(image, Mapping):
            metrics.add_metric(name=StatusMetric.MALFORMED_RECORDS, unit=MetricUnit.Count, value=1)
            raise ValueError("stream record without a NewImage (the stream must be NEW_IMAGE)")
        change = self.store.change_from_item(image)
        if change is None:
            return "ignored"
        return self._advance(change)

    def _advance(self, change: StatusChange) -> str:
        claim = self._claim()
        try:
            item = self.store.apply(change, int(self._clock() * 1000), claim)
        except ChangeInFlightError:
            metrics.add_metric(name=StatusMetric.CHANGES_IN_FLIGHT, unit=MetricUnit.Count, value=1)
            logger.info(
                "status change being published by another invocation: handed back",
                extra={"requestId": change.request_id, "attempt": change.attempt, "status": change.status},
            )
            raise
        if item is None:
            metrics.add_metric(name=StatusMetric.CHANGES_SUPERSEDED, unit=MetricUnit.Count, value=1)
            logger.info(
                "status change superseded",
                extra={"requestId": change.request_id, "attempt": change.attempt, "status": change.status},
            )
            return "superseded"
        detail = status_event(item, include_phone_numbers=self.config.include_phone_numbers)
        response = self.events.put_events(
            Entries=[
                {
                    "Source": EVENT_SOURCE,
                    "DetailType": DETAIL_TYPE,
                    "Detail": json.dumps(detail, sort_keys=True),
                    "Resources": [],
                    "EventBusName": self.config.event_bus_name,
                }
            ]
        )
        if response.get("FailedEntryCount"):
            entry = (response.get("Entries") or [{}])[0]
            self.store.release(change, claim)
            raise PublishError(f"PutEvents failed: {entry.get('ErrorCode')}: {entry.get('ErrorMessage')}")
        self.store.mark_published(change)
        metrics.add_metric(name=StatusMetric.EVENTS_PUBLISHED, unit=MetricUnit.Count, value=1)
        logger.info(
            "status published",
            extra={"requestId": change.request_id, "attempt": change.attempt, "status": change.status},
        )
        return "published"


_NOTIFIER: Notifier | None = None


def _notifier() -> Notifier:
    global _NOTIFIER  # noqa: PLW0603 - one Notifier per execution environment, built on first use
    if _NOTIFIER is None:
        _NOTIFIER = Notifier(
            StatusSettings.from_environment(os.environ),
            dynamodb=boto3.client("dynamodb", config=DYNAMODB_CLIENT.botocore_config()),
            events=boto3.client("events", config=QUEUE_CLIENT.botocore_config()),
        )
    return _NOTIFIER


@logger.inject_lambda_context
@traced
@metrics.log_metrics
def main(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Lambda entry point (``status.handler.main``)."""
    return _notifier().handle(event, context)
