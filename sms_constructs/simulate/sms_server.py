"""The SMS API over HTTP on localhost, for the real-process mode of the simulator (``--processes``).

Worker processes call it with their real botocore ``pinpoint-sms-voice-v2`` client (``AWS_ENDPOINT_URL_PINPOINT_SMS_
VOICE_V2``): requests are serialized, signed and sent as the service receives them (JSON 1.0 protocol, ``X-Amz-Target:
PinpointSMSVoiceV2.<Operation>``), and the answers are parsed by botocore as the service's would be.

For each ``SendTextMessage`` the server

- records the moment the request arrived, the ``Context`` the sender passes (request id and attempt) and the message
  parts (``sms_constructs_runtime.parts``) — what the service's MPS meter would see;
- validates the request against the operation's input shape in botocore's model (``ParamValidator``) and answers a
  ``ValidationException`` when it does not conform;
- answers ``{"MessageId": ...}``, or, while told to (:meth:`SmsServer.hold`), refuses with
  ``ServiceQuotaExceededException`` ``Reason: MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT`` — what the service returns once
  the account's enforced monthly spend limit is reached.

It never throttles: every call is recorded as offered, so a pacer that bursts shows in the record rather than being
hidden by retries. ``CarrierLookup`` answers ``MOBILE``; other operations answer an ``UnknownOperationException``.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final

import botocore.session
from botocore.validate import ParamValidator
from sms_constructs_runtime.parts import count_parts

__all__ = ["SPEND_LIMIT_REASON", "Call", "SmsServer"]

#: The ``Reason`` of ``ServiceQuotaExceededException`` once the account's enforced text spend limit is reached.
SPEND_LIMIT_REASON: Final = "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT"
_TARGET_PREFIX: Final = "PinpointSMSVoiceV2."


@dataclass(frozen=True)
class Call:
    """One ``SendTextMessage`` that reached the server.

    :param at: When it arrived (seconds since the epoch).
    :param parts: Message parts of its body.
    :param request_id: ``Context.smsRequestId`` (empty when absent).
    :param attempt: ``Context.smsAttempt`` (empty when absent).
    :param accepted: ``True`` when it was answered with a ``MessageId``.
    :param error: The error code it was refused with, else empty.
    """

    at: float
    parts: int
    request_id: str
    attempt: str
    accepted: bool
    error: str = ""


class SmsServer:
    """A ``pinpoint-sms-voice-v2`` fake served on ``127.0.0.1`` (see the module docstring).

    :param port: The port to listen on. Default: 0, any free port (read :attr:`endpoint_url`).
    """

    def __init__(self, port: int = 0) -> None:
        model = botocore.session.get_session().get_service_model("pinpoint-sms-voice-v2")
        self._model = model
        self._validator = ParamValidator()
        self._lock = threading.Lock()
        self._hold_until = 0.0
        #: Every ``SendTextMessage`` call, in arrival order.
        self.calls: list[Call] = []
        #: Requests refused because they did not conform to the model (a bug in the caller).
        self.invalid: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                arrived = time.time()
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = self.headers.get("X-Amz-Target", "")
                status, payload = server._answer(target, body, arrived)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: ARG002 - quiet
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:<port>``: the value of ``AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> SmsServer:
        """Serve on a daemon thread; returns ``self``."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="sms-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()

    def hold(self, seconds: float) -> None:
        """Refuse every ``SendTextMessage`` with the spend-limit error for the next ``seconds`` (0 clears it)."""
        self._hold_until = time.time() + seconds

    # -- requests ------------------------------------------------------------------------------------------------

    def _answer(self, target: str, body: bytes, arrived: float) -> tuple[int, dict[str, Any]]:
        operation = target.removeprefix(_TARGET_PREFIX)
        if not target.startswith(_TARGET_PREFIX) or operation not in self._model.operation_names:
            return 400, {"__type": "UnknownOperationException", "message": f"unknown target {target!r}"}
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            return 400, {"__type": "SerializationException", "Message": "the body is not JSON"}
        input_shape = self._model.operation_model(operation).input_shape
        report = self._validator.validate(params, input_shape) if input_shape is not None else None
        if report is not None and report.has_errors():
            with self._lock:
                self.invalid.append(report.generate_report())
            return 400, {"__type": "ValidationException", "Message": report.generate_report(), "Reason": "OTHER"}
        if operation == "SendTextMessage":
            return self._send_text_message(params, arrived)
        if operation == "CarrierLookup":
            number = str(params["PhoneNumber"])
            return 200, {"E164PhoneNumber": number, "IsoCountryCode": "US", "PhoneNumberType": "MOBILE"}
        return 400, {"__type": "ValidationException", "Message": f"{operation} is not faked", "Reason": "OTHER"}

    def _send_text_message(self, params: Mapping[str, Any], arrived: float) -> tuple[int, dict[str, Any]]:
        context = params.get("Context") or {}
        parts = count_parts(str(params.get("MessageBody", ""))).parts
        held = arrived < self._hold_until
        call = Call(
            at=arrived,
            parts=parts,
            request_id=str(context.get("smsRequestId", "")),
            attempt=str(context.get("smsAttempt", "")),
            accepted=not held,
            error="ServiceQuotaExceededException" if held else "",
        )
        with self._lock:
            self.calls.append(call)
        if held:
            return 400, {
                "__type": "ServiceQuotaExceededException",
                "Message": "The monthly spend limit for text messages has been reached.",
                "Reason": SPEND_LIMIT_REASON,
            }
        return 200, {"MessageId": str(uuid.uuid4())}
