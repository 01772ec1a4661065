"""DynamoDB and SQS for the real-process mode of the simulator: moto's server, one request at a time.

Several worker processes share the message store, the pacer's schedule, the idempotency records and the send queue,
so the back ends are served over HTTP on localhost (``AWS_ENDPOINT_URL_DYNAMODB``, ``AWS_ENDPOINT_URL_SQS``) by moto's
WSGI application (``moto[server]``), in a process of their own (``python -m sms_constructs.simulate.backend``).

moto's backends take no locks: on its threaded server two ``UpdateItem`` calls can interleave between the condition
check and the write, and two receives can take the same message. DynamoDB guarantees that a conditional write is
atomic, and the pacer relies on it, so :class:`Serialized` runs every request alone, behind one lock. An SQS long poll
(``ReceiveMessage`` with ``WaitTimeSeconds``) must not hold that lock while it waits: the server answers it as short
polls, each under the lock, every 20 ms until a message is received or the wait is over.

moto's SQS reads the clock through ``datetime`` for every message it looks at, and computes every queue attribute
(counting the messages) to check one message's retention: a receive from a queue of a few hundred messages took
0.2-0.3 s, holding the lock. :func:`speed_up_moto` replaces those two with equivalents that read ``time.time()``.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final

__all__ = ["Serialized", "main", "make_server"]

#: How often a long poll looks at the queue again.
LONG_POLL_INTERVAL_SECONDS: Final = 0.02
_RECEIVE_TARGET: Final = "AmazonSQS.ReceiveMessage"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class Serialized:
    """WSGI middleware: one request at a time through ``app``; SQS long polls as short polls (module docstring).

    :param app: The WSGI application (moto's).
    """

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("HTTP_X_AMZ_TARGET") == _RECEIVE_TARGET:
            return self._long_poll(environ, start_response)
        with self.lock:
            return [b"".join(self.app(environ, start_response))]

    def _long_poll(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        params = json.loads(body or b"{}")
        wait = float(params.pop("WaitTimeSeconds", 0) or 0)
        params["WaitTimeSeconds"] = 0
        short = json.dumps(params).encode()
        ends = time.monotonic() + wait
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:  # noqa: ARG001
            captured["status"], captured["headers"] = status, headers
            return lambda _: None

        while True:
            poll = {**environ, "wsgi.input": io.BytesIO(short), "CONTENT_LENGTH": str(len(short))}
            with self.lock:
                answer = b"".join(self.app(poll, capture))
            received = captured["status"].startswith("200") and json.loads(answer or b"{}").get("Messages")
            if received or time.monotonic() >= ends:
                start_response(captured["status"], captured["headers"])
                return [answer]
            time.sleep(LONG_POLL_INTERVAL_SECONDS)


def speed_up_moto() -> None:
    """Make moto's SQS clock reads and retention check cheap (same results; see the module docstring)."""
    import moto.sqs.models  # noqa: PLC0415

    sqs_models: Any = moto.sqs.models
    unix_time, unix_time_millis = sqs_models.unix_time, sqs_models.unix_time_millis

    def fast_unix_time(dt: Any = None) -> float:
        return time.time() if dt is None else float(unix_time(dt))

    def fast_unix_time_millis(dt: Any = None) -> float:
        return time.time() * 1000.0 if dt is None else float(unix_time_millis(dt))

    def retained(self: Any, queue_name: str, message: Any) -> bool:
        retention = int(getattr(self.get_queue(queue_name), "message_retention_period", 345_600))
        return bool(retention + message.sent_timestamp / 1000 > time.time())

    sqs_models.unix_time = fast_unix_time
    sqs_models.unix_time_millis = fast_unix_time_millis
    sqs_models.SQSBackend.is_message_valid_based_on_retention_period = retained


def make_server(port: int = 0) -> Any:
    """moto's application behind :class:`Serialized`, on a threaded werkzeug server on ``127.0.0.1:port``."""
    import warnings  # noqa: PLC0415

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        from moto.moto_server.werkzeug_app import (  # noqa: PLC0415 - moto[server], only in this process
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
    from werkzeug.serving import make_server as werkzeug_server  # noqa: PLC0415

    speed_up_moto()
    app = Serialized(DomainDispatcherApplication(create_backend_app))
    return werkzeug_server("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until killed; print ``http://127.0.0.1:<port>`` on the first line of standard output."""
    parser = argparse.ArgumentParser(description="moto's DynamoDB and SQS, one request at a time")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    server = make_server(args.port)
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
