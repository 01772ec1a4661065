"""The real-process mode with routes: a parking queue and its workers per route, the same real sender, nothing lost.

A small run on a shared test machine: every request is sent once, each on its own route's pacer key, and a saturated
route's records were parked; rates and latencies are measured on a quiet machine by ``benchmarks/routes.py``."""

from __future__ import annotations

import pytest

from sms_constructs.simulate.processes import ProcessOptions, run_processes
from sms_constructs.simulate.run import SimulationOptions, deploy

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def test_routes_send_every_request_once_on_its_routes_key() -> None:
    deployment = deploy(SimulationOptions(mps=5, concurrency=3))
    routes = {"CA": 1.0, "GB": 10.0}
    options = ProcessOptions(processes=3, mps=5, seconds=4, jitter_ms=10, min_rate=0, routes=routes, route_processes=2)
    result = run_processes(options, deployment=deployment)
    assert result.settings.routes == ("CA=1", "GB=10")
    assert [item.split("=")[0] for item in result.settings.route_parking_queues] == ["CA", "GB", "*"]
    assert set(result.sent) == set(result.requests)  # every request sent ...
    assert result.duplicates == 0  # ... once
    assert result.lost == 0
    assert not result.dead_letters
    assert not result.rejected
    assert {result.route_of[rid] for rid in result.requests} == {"CA", "GB"}
    for route, mps in routes.items():
        releases = result.route_releases(route)
        assert sum(p for _, p in releases) >= len([r for r in result.requests if result.route_of[r] == route])
        assert result.route_over_bound(releases, mps) == 0  # each route's releases keep its own bound
    assert result.route_releases("*") == []  # nothing went to the queue's own key
    assert result.metrics["RouteParked"] > 0  # CA's 4 s backlog at 1 MPS could not all wait in the send queue
