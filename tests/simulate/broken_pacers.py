"""Pacers broken on purpose, for the real-process simulator's tests: each worker process calls one of these (the
``--worker-setup`` seam) before it imports the sender handler."""

from __future__ import annotations

from typing import Any


def _scale_cost(factor: float) -> None:
    from sms_constructs_runtime.pacing import Pacer  # noqa: PLC0415 - the worker's lambda/ copy, after the sleep wrap

    cost_us = Pacer.cost_us

    def scaled(self: Any, parts: int) -> int:
        return max(1, round(cost_us(self, parts) * factor))

    Pacer.cost_us = scaled  # type: ignore[method-assign]


def bursting() -> None:
    """Each send occupies half the schedule it should: twice the MPS."""
    _scale_cost(0.5)


def slow() -> None:
    """Each send occupies three times the schedule it should: a third of the MPS."""
    _scale_cost(3)
