"""X-Ray for the library's handlers, without paying for the X-Ray SDK unless it is asked for.

Every function the library creates has Lambda **active tracing**: Lambda records a segment for each invocation (its
duration, cold start, errors) with no SDK in the function. The X-Ray SDK adds a subsegment for each AWS SDK call
(``SendTextMessage``, DynamoDB, SQS), but importing it and patching botocore costs about 110 ms of every cold start —
a third of the sender's import time. So the handlers load it only when their construct sets ``trace_sdk_calls=True``
(environment variable ``SMS_TRACE_SDK_CALLS=true``).

Stdlib only: Powertools' ``Tracer`` is imported inside :func:`traced`, and only when tracing is on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from .settings import TRACE_SDK_CALLS_VARIABLE

__all__ = ["sdk_tracing_enabled", "traced"]

_Handler = TypeVar("_Handler", bound=Callable[..., Any])


def sdk_tracing_enabled(environment: Mapping[str, str] | None = None) -> bool:
    """Whether the function's environment (default ``os.environ``) asks for SDK subsegments."""
    return (os.environ if environment is None else environment).get(TRACE_SDK_CALLS_VARIABLE) == "true"


def traced(handler: _Handler) -> _Handler:
    """``handler`` wrapped with Powertools ``Tracer.capture_lambda_handler`` when SDK tracing is on (the X-Ray SDK is
    imported and botocore patched then); otherwise ``handler`` itself, and the X-Ray SDK is never imported."""
    if not sdk_tracing_enabled():
        return handler
    from aws_lambda_powertools import Tracer  # noqa: PLC0415 - only when asked for: ~110 ms of cold start

    return cast(_Handler, Tracer().capture_lambda_handler(handler))
