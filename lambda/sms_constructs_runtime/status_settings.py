"""What ``SmsStatusNotifier`` tells its status function, and the function's metric names (the typed construct ↔ handler
contract, as ``settings`` does for the sender and the retry handler).

Stdlib only: it runs inside Lambda and at synth time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from .settings import TRACE_SDK_CALLS_VARIABLE, _env, _EnvironmentSettings

__all__ = ["StatusMetric", "StatusSettings"]


class StatusMetric:
    """Custom metrics of the status function (in the send queue's namespace)."""

    #: Status events published to the bus.
    EVENTS_PUBLISHED: Final = "StatusEventsPublished"
    #: Changes that did not move the request forward (late, out of order or duplicate): nothing published.
    CHANGES_SUPERSEDED: Final = "StatusChangesSuperseded"
    #: SMS events of messages the send queue did not send (no request id in their context).
    FOREIGN_EVENTS: Final = "StatusForeignEvents"
    #: Records handed back because another invocation was publishing the same change (a copy of one SMS event handled
    #: twice at once); published or superseded on redelivery.
    CHANGES_IN_FLIGHT: Final = "StatusChangesInFlight"
    #: Records that are neither SMS events nor store items (they end in the dead-letter queue).
    MALFORMED_RECORDS: Final = "StatusMalformedRecords"

    #: All of them.
    ALL: Final = (EVENTS_PUBLISHED, CHANGES_SUPERSEDED, CHANGES_IN_FLIGHT, FOREIGN_EVENTS, MALFORMED_RECORDS)


@dataclass(frozen=True)
class StatusSettings(_EnvironmentSettings):
    """What ``SmsStatusNotifier`` tells its status function.

    :param table_name: The send queue's message store (status items are written there).
    :param event_bus_name: Name or ARN of the bus the status events go to.
    :param retention_seconds: How long a status item lives after its last change (the store's retention).
    :param service_name: ``POWERTOOLS_SERVICE_NAME``.
    :param metrics_namespace: ``POWERTOOLS_METRICS_NAMESPACE``.
    :param include_phone_numbers: Publish destinations in full instead of masked.
    :param retried_statuses: Final carrier statuses ``SmsRetry`` retries: not final for the request.
    :param trace_sdk_calls: X-Ray subsegments for the AWS SDK calls.
    """

    table_name: str = _env("SMS_TABLE_NAME")
    event_bus_name: str = _env("SMS_STATUS_EVENT_BUS")
    retention_seconds: int = _env("SMS_RETENTION_SECONDS")
    service_name: str = _env("POWERTOOLS_SERVICE_NAME")
    metrics_namespace: str = _env("POWERTOOLS_METRICS_NAMESPACE")
    include_phone_numbers: bool = _env("SMS_STATUS_INCLUDE_PHONE_NUMBERS", False)
    retried_statuses: tuple[str, ...] = _env("SMS_STATUS_RETRIED_STATUSES", ())
    trace_sdk_calls: bool | None = _env(TRACE_SDK_CALLS_VARIABLE, None)
