"""``SmsProducer``: the client producers use to put SMS requests on an ``SmsSendQueue``.

It builds the versioned contract message with the same code the sender validates it with
(``sms_constructs_runtime.contract``), so a message the producer accepts is a message the sender reads. Grant the
producer ``send_queue.grant_send(role)`` and give it the queue URL (e.g. as ``SMS_SEND_QUEUE_URL``)::

    from sms_constructs.producer import SmsProducer

    producer = SmsProducer.from_environment()
    producer.send("+14255550123", "Your code is 123456", request_id="otp-7f3a")
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import boto3
from sms_constructs_runtime.contract import CONTRACT_VERSION, VERSION_ATTRIBUTE, ContractError, SendRequest

__all__ = ["ContractError", "SendRequest", "SmsProducer", "SmsProducerBatchError"]

#: Environment variable :meth:`SmsProducer.from_environment` reads the queue URL from.
QUEUE_URL_VARIABLE = "SMS_SEND_QUEUE_URL"


@dataclass(frozen=True)
class SmsProducerBatchError(Exception):
    """Some requests of :meth:`SmsProducer.send_batch` were not accepted by SQS (``failed``: request id → reason)."""

    #: Request id → SQS error code and message, for each request not queued (the others were). No default.
    failed: Mapping[str, str]

    def __str__(self) -> str:
        return f"{len(self.failed)} request(s) not queued: {dict(self.failed)}"


class SmsProducer:
    """Puts contract messages on a send queue.

    :param queue_url: URL of the send queue (``SmsSendQueue.queue.queue_url``).
    :param sqs_client: A boto3 ``sqs`` client. Default: ``boto3.client("sqs")``.
    """

    def __init__(self, queue_url: str, *, sqs_client: Any = None) -> None:
        if sqs_client is None:
            sqs_client = boto3.client("sqs")
        self.queue_url = queue_url
        self._sqs = sqs_client

    @classmethod
    def from_environment(cls, *, sqs_client: Any = None) -> SmsProducer:
        """A producer for the queue named by ``SMS_SEND_QUEUE_URL``."""
        return cls(os.environ[QUEUE_URL_VARIABLE], sqs_client=sqs_client)

    @staticmethod
    def build(
        destination_phone_number: str,
        message_body: str,
        *,
        request_id: str | None = None,
        message_type: str | None = None,
        context: Mapping[str, str] | None = None,
        time_to_live_seconds: int | None = None,
        max_price: str | None = None,
    ) -> SendRequest:
        """A validated request (raises ``ContractError``). ``request_id`` defaults to a new UUID: pass your own
        (an order or OTP id) so that a retried ``send`` of the same SMS is sent once."""
        return SendRequest(
            request_id=request_id or str(uuid.uuid4()),
            destination_phone_number=destination_phone_number,
            message_body=message_body,
            message_type=message_type,
            context=dict(context or {}),
            time_to_live_seconds=time_to_live_seconds,
            max_price=max_price,
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
        delay_seconds: int = 0,
    ) -> str:
        """Validate and queue one SMS; returns its request id. Arguments as in :meth:`build`; ``delay_seconds``
        (0–900) holds the message in the queue before it is sent."""
        request = self.build(
            destination_phone_number,
            message_body,
            request_id=request_id,
            message_type=message_type,
            context=context,
            time_to_live_seconds=time_to_live_seconds,
            max_price=max_price,
        )
        self.send_request(request, delay_seconds=delay_seconds)
        return request.request_id

    def send_request(self, request: SendRequest, *, delay_seconds: int = 0) -> None:
        """Queue a request built with :meth:`build`."""
        self._sqs.send_message(
            QueueUrl=self.queue_url,
            MessageBody=request.to_json(),
            DelaySeconds=delay_seconds,
            MessageAttributes=_attributes(),
        )

    def send_batch(self, requests: Sequence[SendRequest]) -> list[str]:
        """Queue many requests, 10 per ``SendMessageBatch``; returns their request ids, or raises
        ``SmsProducerBatchError`` naming the ones SQS refused (the others are queued)."""
        failed: dict[str, str] = {}
        for start in range(0, len(requests), 10):
            chunk = requests[start : start + 10]
            response = self._sqs.send_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(n), "MessageBody": r.to_json(), "MessageAttributes": _attributes()}
                    for n, r in enumerate(chunk)
                ],
            )
            for failure in response.get("Failed", []):
                failed[chunk[int(failure["Id"])].request_id] = f"{failure.get('Code')}: {failure.get('Message', '')}"
        if failed:
            raise SmsProducerBatchError(failed)
        return [r.request_id for r in requests]


def _attributes() -> dict[str, Any]:
    return {VERSION_ATTRIBUTE: {"DataType": "Number", "StringValue": str(CONTRACT_VERSION)}}
