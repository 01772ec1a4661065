"""The consent ledger and the inbound de-duplication table of ``SmsInbound`` (DynamoDB, through a boto3 client).

**Ledger** (``pk`` = the recipient's number, ``sk``):

- ``CURRENT``: the recipient's latest consent — ``state`` (``OPTED_OUT`` / ``OPTED_IN``), ``keyword``, ``at`` (epoch ms
  of the message), ``inboundMessageId``, ``destinationNumber``. It is only replaced by a **newer** message (by ``at``,
  ties broken by the message id), so an older STOP that arrives late never overwrites a newer START.
- ``EVENT#<at>#<inboundMessageId>``: one history record per opt-out or opt-in message, late ones included.

Every item expires (``expiresAt``, DynamoDB TTL) the retention after the message that wrote it.

**De-duplication** (``pk`` = ``inboundMessageId``): a conditional put claims a message (``IN_PROGRESS``); the handler
marks it ``DONE`` when everything is done, or releases the claim when it fails, so a redelivery handles it again. A
claim older than the function's timeout belongs to a handler that died: the next copy may take it over.

Stdlib only; the client is injected.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["CURRENT", "ConsentLedger", "ConsentRecord", "ConsentState", "DedupTable"]

#: Sort key of a recipient's current consent.
CURRENT: Final = "CURRENT"
_EVENT_PREFIX: Final = "EVENT#"


class ConsentState:
    """``state`` of a ledger record."""

    OPTED_OUT: Final = "OPTED_OUT"
    OPTED_IN: Final = "OPTED_IN"


@dataclass(frozen=True)
class ConsentRecord:
    """Who consented or withdrew, when, how, and the message that proved it."""

    phone_number: str
    state: str
    keyword: str
    #: Epoch milliseconds of the message (its SNS ``Timestamp``).
    at: int
    inbound_message_id: str
    destination_number: str

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ConsentRecord:
        """Read a DynamoDB item."""
        return cls(
            phone_number=item["pk"]["S"],
            state=item["state"]["S"],
            keyword=item["keyword"]["S"],
            at=int(item["at"]["N"]),
            inbound_message_id=item["inboundMessageId"]["S"],
            destination_number=item["destinationNumber"]["S"],
        )


def _conditional_failed(error: Exception) -> bool:
    response = getattr(error, "response", None)
    return isinstance(response, dict) and response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class ConsentLedger:
    """The consent ledger table.

    :param client: A boto3 ``dynamodb`` client.
    :param table_name: The ledger table.
    :param retention_seconds: How long each record is kept after its message.
    """

    def __init__(self, client: Any, table_name: str, retention_seconds: int) -> None:
        self.client = client
        self.table_name = table_name
        self.retention_seconds = retention_seconds

    def record(self, record: ConsentRecord) -> bool:
        """Add ``record`` to the history and make it current unless a newer one is; returns whether it is current.

        Idempotent: recording the same message again gives the same answer and changes nothing.
        """
        expires = record.at // 1000 + self.retention_seconds
        attributes = {
            "state": {"S": record.state},
            "keyword": {"S": record.keyword},
            "at": {"N": str(record.at)},
            "inboundMessageId": {"S": record.inbound_message_id},
            "destinationNumber": {"S": record.destination_number},
            "expiresAt": {"N": str(expires)},
        }
        self.client.put_item(
            TableName=self.table_name,
            Item={
                "pk": {"S": record.phone_number},
                "sk": {"S": f"{_EVENT_PREFIX}{record.at:013d}#{record.inbound_message_id}"},
                **attributes,
            },
        )
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item={"pk": {"S": record.phone_number}, "sk": {"S": CURRENT}, **attributes},
                ConditionExpression="attribute_not_exists(pk) OR #at < :at OR (#at = :at AND #id <= :id)",
                ExpressionAttributeNames={"#at": "at", "#id": "inboundMessageId"},
                ExpressionAttributeValues={":at": {"N": str(record.at)}, ":id": {"S": record.inbound_message_id}},
            )
        except Exception as error:
            if _conditional_failed(error):
                return False  # a newer message decided the recipient's consent
            raise
        return True

    def current(self, phone_number: str) -> ConsentRecord | None:
        """The recipient's current consent, if the ledger has one."""
        item = self.client.get_item(
            TableName=self.table_name, Key={"pk": {"S": phone_number}, "sk": {"S": CURRENT}}, ConsistentRead=True
        ).get("Item")
        return ConsentRecord.from_item(item) if item else None

    def history(self, phone_number: str) -> list[ConsentRecord]:
        """Every opt-out and opt-in of the recipient the ledger still holds, oldest first (by message time)."""
        records: list[ConsentRecord] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": phone_number}, ":prefix": {"S": _EVENT_PREFIX}},
        }
        while True:
            page = self.client.query(**kwargs)
            records.extend(ConsentRecord.from_item(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return records
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def all_current(self) -> Iterator[ConsentRecord]:
        """Every recipient's current consent (a paginated scan: for the scheduled reconciliation only)."""
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "FilterExpression": "sk = :current",
            "ExpressionAttributeValues": {":current": {"S": CURRENT}},
        }
        while True:
            page = self.client.scan(**kwargs)
            for item in page.get("Items", []):
                yield ConsentRecord.from_item(item)
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class ClaimResult:
    """What :meth:`DedupTable.claim` found."""

    #: The caller owns the message now.
    CLAIMED: Final = "CLAIMED"
    #: The message was handled already.
    DONE: Final = "DONE"
    #: Another handler is working on it (the record must come back later).
    BUSY: Final = "BUSY"


class DedupTable:
    """The table of handled inbound message ids.

    :param client: A boto3 ``dynamodb`` client.
    :param table_name: The table.
    :param retention_seconds: How long a handled id is remembered.
    :param claim_timeout_seconds: After this a claim that was never finished may be taken over.
    """

    def __init__(self, client: Any, table_name: str, retention_seconds: int, claim_timeout_seconds: int) -> None:
        self.client = client
        self.table_name = table_name
        self.retention_seconds = retention_seconds
        self.claim_timeout_seconds = claim_timeout_seconds

    def claim(self, inbound_message_id: str, now_ms: int) -> str:
        """Claim the message with a conditional put; returns a :class:`ClaimResult` value."""
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item={
                    "pk": {"S": inbound_message_id},
                    "status": {"S": "IN_PROGRESS"},
                    "claimedAt": {"N": str(now_ms)},
                    "expiresAt": {"N": str(now_ms // 1000 + self.retention_seconds)},
                },
                ConditionExpression="attribute_not_exists(pk) OR (#s = :busy AND claimedAt < :stale)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":busy": {"S": "IN_PROGRESS"},
                    ":stale": {"N": str(now_ms - self.claim_timeout_seconds * 1000)},
                },
            )
        except Exception as error:
            if not _conditional_failed(error):
                raise
            item = self.client.get_item(
                TableName=self.table_name, Key={"pk": {"S": inbound_message_id}}, ConsistentRead=True
            ).get("Item", {})
            return ClaimResult.DONE if item.get("status", {}).get("S") == "DONE" else ClaimResult.BUSY
        return ClaimResult.CLAIMED

    def done(self, inbound_message_id: str, now_ms: int) -> None:
        """Mark the message handled."""
        self.client.put_item(
            TableName=self.table_name,
            Item={
                "pk": {"S": inbound_message_id},
                "status": {"S": "DONE"},
                "doneAt": {"N": str(now_ms)},
                "expiresAt": {"N": str(now_ms // 1000 + self.retention_seconds)},
            },
        )

    def release(self, inbound_message_id: str) -> None:
        """Give up a claim (the handler failed): the next copy of the message is handled again."""
        self.client.delete_item(
            TableName=self.table_name,
            Key={"pk": {"S": inbound_message_id}},
            ConditionExpression="#s = :busy",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":busy": {"S": "IN_PROGRESS"}},
        )
