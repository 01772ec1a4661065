"""The sample app's producer: a Lambda function that puts SMS requests on the send queue.

It is what an application's own producer looks like. ``SmsSendQueue.add_producer`` gave it the send grant,
``SMS_SEND_QUEUE_URL`` and the ``sms_constructs_runtime`` layer; its code asset holds this file only (no aws-cdk-lib,
no bundled dependencies). Invoke it with an event such as::

    {"destinationPhoneNumber": "+14254147755", "messageBody": "Hello from the sandbox",
     "requestId": "hello-1", "validForSeconds": 300}

``requestId`` defaults to a new UUID; ``validForSeconds`` (a deadline) to none. It returns the request id, or the
reason the request breaks the contract (nothing is queued then).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sms_constructs_runtime import ContractError, SmsProducer

_PRODUCER: SmsProducer | None = None


def main(event: dict[str, Any], context: Any) -> dict[str, Any]:  # noqa: ARG001 - the Lambda signature
    """Lambda entry point (``handler.main``)."""
    global _PRODUCER  # noqa: PLW0603 - one client per execution environment
    if _PRODUCER is None:
        _PRODUCER = SmsProducer.from_environment()
    valid_for = event.get("validForSeconds")
    try:
        request_id = _PRODUCER.send(
            str(event.get("destinationPhoneNumber", "")),
            str(event.get("messageBody", "")),
            request_id=event.get("requestId"),
            context=event.get("context"),
            valid_for=timedelta(seconds=float(valid_for)) if valid_for is not None else None,
        )
    except (ContractError, ValueError) as error:
        return {"queued": False, "error": str(error)}
    return {"queued": True, "requestId": request_id}
