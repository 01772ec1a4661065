"""Builders for the status tests: SMS events derived from the AWS-documented payloads next to this module, store items
written by the real ``MessageStore``, and the records the Lambda event source mappings deliver."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
#: TEXT_SUCCESSFUL, final, bare event (configuration-sets-event-format.html, current revision).
BARE_SUCCESSFUL = json.loads((HERE / "02-awsdoc-event-format-current-text-successful.json").read_text())
#: EventBridge envelope, TEXT_DELIVERED (monitor-event-bridge.html).
ENVELOPE_DELIVERED = json.loads((HERE / "05-awsdoc-eventbridge-2024-text-delivered-us.json").read_text())
#: EventBridge envelope, TEXT_SUCCESSFUL of the same message as 05.
ENVELOPE_SUCCESSFUL = json.loads((HERE / "06-awsdoc-eventbridge-2024-text-successful-us.json").read_text())

STREAM_ARN = "arn:aws:dynamodb:us-east-1:111122223333:table/message-store/stream/2026-01-01T00:00:00.000"
QUEUE_ARN = "arn:aws:sqs:us-east-1:111122223333:status-events"


def sms_event(
    status: str,
    *,
    is_final: bool,
    request_id: str | None,
    attempt: int = 1,
    message_id: str = "862a8790-60c0-4430-9b2b-658bdexample",
    at: int = 1_767_225_601_000,
    destination: str = "+14255550156",
) -> dict[str, Any]:
    """The documented bare event (02) with the values of one status of one send-queue message."""
    event = copy.deepcopy(BARE_SUCCESSFUL)
    event.update(
        eventType=f"TEXT_{status}",
        messageStatus=status,
        isFinal=is_final,
        eventTimestamp=at,
        messageId=message_id,
        destinationPhoneNumber=destination,
    )
    if request_id is not None:
        event["context"] = {**event["context"], "smsRequestId": request_id, "smsAttempt": str(attempt)}
    return event


def sqs_record(body: Mapping[str, Any] | str, message_id: str = "m-1") -> dict[str, Any]:
    """A record of the Lambda SQS event carrying ``body`` (raw message delivery: the SMS event itself)."""
    text = body if isinstance(body, str) else json.dumps(body)
    return {
        "messageId": message_id,
        "receiptHandle": f"rh-{message_id}",
        "body": text,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1767225600000"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN,
        "awsRegion": "us-east-1",
    }


def stream_record(item: Mapping[str, Any], sequence: int = 1, event_name: str = "INSERT") -> dict[str, Any]:
    """A record of the Lambda DynamoDB Streams event for a ``NEW_IMAGE`` stream, carrying ``item`` (DynamoDB JSON)."""
    return {
        "eventID": f"e{sequence}",
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1767225600,
            "Keys": {"pk": item["pk"], "sk": item["sk"]},
            "NewImage": dict(item),
            "SequenceNumber": f"{sequence:021d}",
            "SizeBytes": 100,
            "StreamViewType": "NEW_IMAGE",
        },
        "eventSourceARN": STREAM_ARN,
    }


def batch(*records: Mapping[str, Any]) -> dict[str, Any]:
    """The Lambda event of ``records``."""
    return {"Records": list(records)}
