"""The lanes of a send queue as the handlers read them: names, queues, ranks, and which lane a record came from.

A send queue with lanes (``SmsSendQueue(lanes=...)``) has one SQS queue per lane, highest priority first; the settings
carry them as ``name=queueUrl`` items (``SenderSettings.lanes``, ``RetrySettings.lanes``) and the reserved shares as
``name=share`` items (``SenderSettings.lane_reserved_shares``). The sender knows a record's lane from the queue it came
from (the record's ``eventSourceARN``): a queue URL ``https://sqs.<region>.amazonaws.com/<account>/<name>`` and the ARN
``arn:<partition>:sqs:<region>:<account>:<name>`` name the same queue when their account and queue name match (queue
names are unique per account in a region, and the lanes of a queue live in one region).

Stdlib only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlparse

__all__ = ["Lane", "Lanes", "parse_items", "queue_of_arn", "queue_of_url"]

#: The separator of a ``name=value`` item.
_SEPARATOR: Final = "="


def parse_items(items: Iterable[str], setting: str) -> dict[str, str]:
    """``name=value`` items → ``{name: value}``, in order; raises ``ValueError`` naming ``setting`` on an item without
    ``=``, an empty name or value, or a name given twice."""
    parsed: dict[str, str] = {}
    for item in items:
        name, separator, value = item.partition(_SEPARATOR)
        if not separator or not name or not value:
            raise ValueError(f"{setting}: an item is name=value, not {item!r}")
        if name in parsed:
            raise ValueError(f"{setting}: {name!r} is given twice")
        parsed[name] = value
    return parsed


def queue_of_url(url: str) -> tuple[str, str] | None:
    """``(account, queue name)`` of an SQS queue URL (the last two parts of its path), or ``None``."""
    parts = [p for p in urlparse(url).path.split("/") if p]
    return (parts[-2], parts[-1]) if len(parts) >= 2 else None


def queue_of_arn(arn: str) -> tuple[str, str] | None:
    """``(account, queue name)`` of an SQS queue ARN (``arn:<partition>:sqs:<region>:<account>:<name>``), or
    ``None``."""
    parts = arn.split(":")
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sqs":
        return None
    return parts[4], parts[5]


@dataclass(frozen=True)
class Lane:
    """One lane of a send queue.

    :param name: The lane's name (``urgent``).
    :param rank: Its priority: 0 for the first (highest) lane.
    :param queue_url: The lane's queue.
    :param reserved_share: The share of the MPS kept for this lane alone, or ``None``.
    """

    name: str
    rank: int
    queue_url: str
    reserved_share: float | None = None


class Lanes:
    """The lanes of a send queue, from its settings.

    :param lanes: ``name=queueUrl`` items, highest priority first (empty: a queue without lanes).
    :param default_queue_url: The default lane's queue (``SenderSettings.queue_url``).
    :param reserved_shares: ``name=share`` items (0 < share < 1, summing to less than 1). Default: none.
    """

    def __init__(self, lanes: Iterable[str], default_queue_url: str, reserved_shares: Iterable[str] = ()) -> None:
        urls = parse_items(lanes, "lanes")
        shares: dict[str, float] = {}
        for name, raw in parse_items(reserved_shares, "lane_reserved_shares").items():
            if name not in urls:
                raise ValueError(f"lane_reserved_shares: {name!r} is not a lane ({', '.join(urls) or 'none'})")
            share = float(raw)
            if not 0 < share < 1:
                raise ValueError(f"lane_reserved_shares: the share of {name!r} must be in (0, 1), not {raw}")
            shares[name] = share
        if sum(shares.values()) >= 1:
            raise ValueError(f"lane_reserved_shares: the shares must sum to less than 1, not {sum(shares.values()):g}")
        self.by_name: dict[str, Lane] = {
            name: Lane(name, rank, url, shares.get(name)) for rank, (name, url) in enumerate(urls.items())
        }
        self._by_queue = {queue_of_url(lane.queue_url): lane for lane in self.by_name.values()}
        default = self._by_queue.get(queue_of_url(default_queue_url))
        self.default: Lane | None = default or (next(iter(self.by_name.values())) if self.by_name else None)

    def __bool__(self) -> bool:
        return bool(self.by_name)

    def __len__(self) -> int:
        return len(self.by_name)

    @property
    def reserved_total(self) -> float:
        """The sum of the reserved shares (0 without any)."""
        return sum(lane.reserved_share or 0.0 for lane in self.by_name.values())

    def of_source(self, event_source_arn: str | None) -> Lane | None:
        """The lane whose queue is ``event_source_arn`` (a record's), or ``None`` when it is none of them."""
        if not event_source_arn:
            return None
        queue = queue_of_arn(event_source_arn)
        return self._by_queue.get(queue) if queue is not None else None

    def named(self, name: str | None) -> Lane | None:
        """The lane called ``name``, or ``None``."""
        return self.by_name.get(name) if name is not None else None
