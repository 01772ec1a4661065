"""The inbound Lambda of ``SmsInbound``: two-way SMS → de-duplicated, classified, routed, answered, recorded.

Input: the two-way SNS topic → SQS (raw message delivery off: the SNS ``Timestamp`` orders a sender's messages). Per
record (Powertools ``BatchProcessor``, partial batch responses):

1. Parse the SNS envelope and the inbound payload; a record that is not one fails and ends in the DLQ.
2. Claim its ``inboundMessageId`` in the de-duplication table (conditional put): a copy already handled is counted and
   dropped; a copy another invocation is handling comes back later.
3. Classify it as the service does (case-insensitive, white space at the ends ignored): an opt-out keyword, an opt-in
   keyword, HELP (the service answered it: no reply here), a declared keyword, or anything else.
4. Opt-out and opt-in: write the consent ledger (history, and the current state unless a newer message decided it:
   an older STOP never overwrites a newer START); ``OptedOut`` / ``OptedIn`` is published only when the message is
   the recipient's newest.
5. Declared keyword: send the message to its targets (Lambda asynchronous invoke, EventBridge, SQS) and queue its
   reply on the send queue (paced, with a deadline; request id derived from ``inboundMessageId``, so copies of one
   message are answered once). Anything else goes to the default targets.
6. Publish ``InboundMessage``; mark the id handled. On any failure the claim is released and the record comes back.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from sms_constructs_runtime.consent import ClaimResult, ConsentLedger, ConsentRecord, ConsentState, DedupTable
from sms_constructs_runtime.inbound import (
    EVENT_SOURCE,
    Classification,
    DetailType,
    InboundMessage,
    InboundMetric,
    InboundParseError,
    InboundSettings,
    Route,
    TargetType,
    classify,
    consent_detail,
    message_detail,
    reply_request_id,
)
from sms_constructs_runtime.metrics import count_per_reason
from sms_constructs_runtime.producer import SmsProducer
from sms_constructs_runtime.settings import DYNAMODB_CLIENT, QUEUE_CLIENT
from sms_constructs_runtime.tracing import traced

logger = Logger()
metrics = Metrics()


class RetryLaterError(Exception):
    """The record goes back to the queue (batch item failure)."""


class InboundHandler:
    """Processes SQS batches of inbound messages; every dependency is injectable for tests."""

    def __init__(
        self,
        config: InboundSettings,
        *,
        dynamodb: Any,
        events: Any,
        sqs: Any,
        lambda_client: Any,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.events = events
        self.sqs = sqs
        self.lambda_client = lambda_client
        self.dedup = DedupTable(
            dynamodb, config.dedup_table_name, config.dedup_retention_seconds, config.claim_timeout_seconds
        )
        self.ledger = ConsentLedger(dynamodb, config.ledger_table_name, config.consent_retention_seconds)
        self.keyword_routes = config.keyword_routes()
        self.default_route = config.default_route()
        self.producer = SmsProducer(config.send_queue_url, client=sqs, clock=clock) if config.send_queue_url else None
        self._clock = clock
        self.processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def handle(self, event: dict[str, Any], context: LambdaContext | None = None) -> dict[str, Any]:
        """Process one SQS batch; returns the partial batch response."""
        return dict(
            process_partial_response(
                event=event, record_handler=self.process, processor=self.processor, context=context
            )
        )

    def process(self, record: SQSRecord) -> str:
        """Handle one record; returns its classification (or ``DUPLICATE``), raises to hand the record back."""
        try:
            message = InboundMessage.from_sqs_body(record.body)
        except InboundParseError:
            metrics.add_metric(name=InboundMetric.MALFORMED, unit=MetricUnit.Count, value=1)
            logger.error("not an inbound SMS notification; it will end in the DLQ")
            raise
        message_id = message.inbound_message_id
        claim = self.dedup.claim(message_id, self._now_ms())
        if claim == ClaimResult.DONE:
            metrics.add_metric(name=InboundMetric.DUPLICATES, unit=MetricUnit.Count, value=1)
            logger.info("duplicate inbound message", extra={"inboundMessageId": message_id})
            return "DUPLICATE"
        if claim == ClaimResult.BUSY:
            raise RetryLaterError(f"inbound message {message_id} is being handled by another invocation")
        try:
            classification = self._handle(message)
        except Exception:
            try:
                self.dedup.release(message_id)
            except Exception:  # the claim then goes stale after the function's timeout: the redelivery takes it over
                logger.exception("could not release the claim", extra={"inboundMessageId": message_id})
            raise
        self.dedup.done(message_id, self._now_ms())
        count_per_reason(metrics, InboundMetric.MESSAGES, classification)
        return classification

    def _handle(self, message: InboundMessage) -> str:
        classification, keyword = classify(
            message,
            opt_out_keywords=self.config.opt_out_keywords,
            opt_in_keywords=self.config.opt_in_keywords,
            keywords=tuple(self.keyword_routes),
        )
        entries: list[tuple[str, dict[str, Any]]] = []
        if classification in (Classification.OPT_OUT, Classification.OPT_IN) and keyword is not None:
            state = ConsentState.OPTED_OUT if classification == Classification.OPT_OUT else ConsentState.OPTED_IN
            newest = self.ledger.record(
                ConsentRecord(
                    phone_number=message.origination_number,
                    state=state,
                    keyword=keyword,
                    at=message.received_at,
                    inbound_message_id=message.inbound_message_id,
                    destination_number=message.destination_number,
                )
            )
            if newest:
                detail_type = DetailType.OPTED_OUT if state == ConsentState.OPTED_OUT else DetailType.OPTED_IN
                entries.append((detail_type, consent_detail(message, keyword)))
            else:
                metrics.add_metric(name=InboundMetric.OUT_OF_ORDER, unit=MetricUnit.Count, value=1)
                logger.info(
                    "older than the ledger's current consent: kept in the history only",
                    extra={"inboundMessageId": message.inbound_message_id},
                )
        route: Route | None = None
        if classification == Classification.KEYWORD and keyword is not None:
            route = self.keyword_routes[keyword]
        elif classification == Classification.OTHER:
            route = self.default_route
        reply_id = None
        if route is not None and route.reply is not None and self.producer is not None:
            reply_id = reply_request_id(message.inbound_message_id)
        detail = message_detail(message, classification, keyword, reply_id)
        if route is not None:
            self._route(route, detail)
            if reply_id is not None and route.reply is not None and self.producer is not None:
                self.producer.send(
                    message.origination_number,
                    route.reply,
                    request_id=reply_id,
                    context={"inboundMessageId": message.inbound_message_id[:100]},
                    not_after=self._now_ms() + self.config.reply_valid_for_seconds * 1000,
                )
                metrics.add_metric(name=InboundMetric.REPLIES_QUEUED, unit=MetricUnit.Count, value=1)
        entries.append((DetailType.INBOUND_MESSAGE, detail))
        self._put_events(self.config.event_bus_name, entries)
        logger.info(
            "inbound message handled",
            extra={"inboundMessageId": message.inbound_message_id, "classification": classification},
        )
        return classification

    def _route(self, route: Route, detail: dict[str, Any]) -> None:
        body = json.dumps(detail, sort_keys=True)
        for target in route.targets:
            if target.type == TargetType.LAMBDA:
                self.lambda_client.invoke(FunctionName=target.arn, InvocationType="Event", Payload=body.encode())
            elif target.type == TargetType.EVENT_BUS:
                self._put_events(target.arn, [(DetailType.INBOUND_MESSAGE, detail)])
            elif target.type == TargetType.SQS:
                self.sqs.send_message(QueueUrl=target.arn, MessageBody=body)
            else:
                raise ValueError(f"unknown target type {target.type!r}")

    def _put_events(self, bus: str, entries: list[tuple[str, dict[str, Any]]]) -> None:
        response = self.events.put_events(
            Entries=[
                {
                    "Source": EVENT_SOURCE,
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail, sort_keys=True),
                    "EventBusName": bus,
                }
                for detail_type, detail in entries
            ]
        )
        if response.get("FailedEntryCount", 0):
            codes = [e.get("ErrorCode") for e in response.get("Entries", []) if e.get("ErrorCode")]
            raise RetryLaterError(f"EventBridge refused {response['FailedEntryCount']} event(s): {codes}")

    def _now_ms(self) -> int:
        return round(self._clock() * 1000)


_HANDLER: InboundHandler | None = None


def _handler() -> InboundHandler:
    global _HANDLER  # noqa: PLW0603 - one handler per execution environment, built on first use
    if _HANDLER is None:
        _HANDLER = InboundHandler(
            InboundSettings.from_environment(os.environ),
            dynamodb=boto3.client("dynamodb", config=DYNAMODB_CLIENT.botocore_config()),
            events=boto3.client("events", config=QUEUE_CLIENT.botocore_config()),
            sqs=boto3.client("sqs", config=QUEUE_CLIENT.botocore_config()),
            lambda_client=boto3.client("lambda", config=QUEUE_CLIENT.botocore_config()),
        )
    return _HANDLER


@logger.inject_lambda_context
@traced
@metrics.log_metrics
def main(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Lambda entry point (``inbound.handler.main``)."""
    return _handler().handle(event, context)
