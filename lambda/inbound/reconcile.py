"""The consent reconciliation Lambda of ``SmsInbound``: the ledger against the opt-out list, on a schedule.

It reads every recipient's current consent from the ledger and every number of the opt-out list
(``DescribeOptedOutNumbers``, 100 a page) and publishes one ``ConsentDrift`` event per number on which they disagree:

- ``LEDGER_OPTED_OUT_NOT_ON_LIST``: the ledger's newest message was an opt-out, the list does not hold the number;
- ``LEDGER_OPTED_IN_ON_LIST``: the ledger's newest message was an opt-in, the list holds the number;
- ``ON_LIST_NOT_IN_LEDGER``: the list holds a number the ledger has no record of (opted out before the ledger existed,
  through another channel, by an API call, or the record expired).

It only reports: the opt-out list is the service's and is never changed here. Running it twice reports the same
drift twice; nothing else changes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext
from sms_constructs_runtime.consent import ConsentLedger, ConsentRecord, ConsentState
from sms_constructs_runtime.inbound import (
    EVENT_SOURCE,
    SCHEMA_VERSION,
    DetailType,
    DriftKind,
    InboundMetric,
    ReconcileSettings,
    iso,
)
from sms_constructs_runtime.metrics import count_per_reason
from sms_constructs_runtime.settings import DYNAMODB_CLIENT, QUEUE_CLIENT, SMS_CLIENT
from sms_constructs_runtime.tracing import traced

logger = Logger()
metrics = Metrics()

#: ``DescribeOptedOutNumbers`` returns at most 100 numbers a page; EventBridge takes at most 10 entries a call.
_PAGE_SIZE = 100
_PUT_EVENTS_BATCH = 10


class Reconciler:
    """Compares the ledger with the opt-out list; every dependency is injectable for tests."""

    def __init__(self, config: ReconcileSettings, *, dynamodb: Any, sms: Any, events: Any) -> None:
        self.config = config
        self.ledger = ConsentLedger(dynamodb, config.ledger_table_name, 0)
        self.sms = sms
        self.events = events

    def run(self) -> dict[str, int]:
        """Reconcile once; returns the count of drifts per kind (and ``checked``: numbers looked at)."""
        opted_out = dict(self._opted_out_numbers())
        ledger = {record.phone_number: record for record in self.ledger.all_current()}
        drifts: list[dict[str, Any]] = []
        for number, record in sorted(ledger.items()):
            listed = opted_out.get(number)
            if record.state == ConsentState.OPTED_OUT and listed is None:
                drifts.append(self._drift(DriftKind.LEDGER_OPTED_OUT_NOT_ON_LIST, number, record, None))
            elif record.state == ConsentState.OPTED_IN and listed is not None:
                drifts.append(self._drift(DriftKind.LEDGER_OPTED_IN_ON_LIST, number, record, listed))
        for number, listed in sorted(opted_out.items()):
            if number not in ledger:
                drifts.append(self._drift(DriftKind.ON_LIST_NOT_IN_LEDGER, number, None, listed))
        for start in range(0, len(drifts), _PUT_EVENTS_BATCH):
            self._put(drifts[start : start + _PUT_EVENTS_BATCH])
        counts = {"checked": len(set(ledger) | set(opted_out))}
        for drift in drifts:
            counts[drift["kind"]] = counts.get(drift["kind"], 0) + 1
            count_per_reason(metrics, InboundMetric.CONSENT_DRIFT, drift["kind"])
        logger.info("consent reconciled", extra={"counts": counts})
        return counts

    def _opted_out_numbers(self) -> Iterator[tuple[str, dict[str, Any]]]:
        kwargs: dict[str, Any] = {"OptOutListName": self.config.opt_out_list_name, "MaxResults": _PAGE_SIZE}
        while True:
            page = self.sms.describe_opted_out_numbers(**kwargs)
            for item in page.get("OptedOutNumbers", []):
                yield item["OptedOutNumber"], item
            token = page.get("NextToken")
            if not token:
                return
            kwargs["NextToken"] = token

    def _drift(
        self, kind: str, number: str, record: ConsentRecord | None, listed: dict[str, Any] | None
    ) -> dict[str, Any]:
        opted_out_at = listed.get("OptedOutTimestamp") if listed else None
        if isinstance(opted_out_at, datetime):
            opted_out_at = opted_out_at.isoformat()
        return {
            "version": SCHEMA_VERSION,
            "kind": kind,
            "phoneNumber": number,
            "optOutListName": self.config.opt_out_list_name,
            "ledgerState": record.state if record else None,
            "ledgerAt": iso(record.at) if record else None,
            "ledgerKeyword": record.keyword if record else None,
            "ledgerInboundMessageId": record.inbound_message_id if record else None,
            "optedOutAt": opted_out_at,
            "endUserOptedOut": listed.get("EndUserOptedOut") if listed else None,
        }

    def _put(self, drifts: list[dict[str, Any]]) -> None:
        response = self.events.put_events(
            Entries=[
                {
                    "Source": EVENT_SOURCE,
                    "DetailType": DetailType.CONSENT_DRIFT,
                    "Detail": json.dumps(drift, sort_keys=True),
                    "EventBusName": self.config.event_bus_name,
                }
                for drift in drifts
            ]
        )
        if response.get("FailedEntryCount", 0):
            raise RuntimeError(f"EventBridge refused {response['FailedEntryCount']} ConsentDrift event(s)")


_RECONCILER: Reconciler | None = None


def _reconciler() -> Reconciler:
    global _RECONCILER  # noqa: PLW0603 - one per execution environment, built on first use
    if _RECONCILER is None:
        _RECONCILER = Reconciler(
            ReconcileSettings.from_environment(os.environ),
            dynamodb=boto3.client("dynamodb", config=DYNAMODB_CLIENT.botocore_config()),
            sms=boto3.client("pinpoint-sms-voice-v2", config=SMS_CLIENT.botocore_config()),
            events=boto3.client("events", config=QUEUE_CLIENT.botocore_config()),
        )
    return _RECONCILER


@logger.inject_lambda_context
@traced
@metrics.log_metrics
def main(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:  # noqa: ARG001 - a schedule event
    """Lambda entry point (``inbound.reconcile.main``), invoked by the schedule."""
    return _reconciler().run()
