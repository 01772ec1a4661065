"""The real-process mode with lanes: one queue and one worker pool per lane, the same real sender, nothing lost.

A small run on a shared test machine: it checks what happened to every request (each sent once, through its own
lane's queue) and that the first lane's requests were measured; latencies and shares are measured on a quiet machine
by ``benchmarks/lanes.py``."""

from __future__ import annotations

import pytest

from sms_constructs.simulate.processes import ProcessOptions, report, run_processes
from sms_constructs.simulate.run import SimulationOptions, deploy

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def test_two_lanes_send_every_request_once_through_the_real_sender() -> None:
    deployment = deploy(SimulationOptions(mps=20, concurrency=4))
    options = ProcessOptions(
        processes=4,
        mps=20,
        seconds=6,
        jitter_ms=10,
        min_rate=0,
        lanes=("urgent", "bulk"),
        lane_processes=(1, 3),
        urgent_every=1.0,
    )
    result = run_processes(options, deployment=deployment)
    assert result.settings.lanes[0].startswith("urgent=")
    assert result.settings.lanes[1].startswith("bulk=")
    urgent = [rid for rid, lane in result.lane_of.items() if lane == "urgent"]
    assert urgent  # first-lane requests were put on their queue while the backlog drained
    assert set(result.sent) == set(result.requests)  # every request sent ...
    assert result.duplicates == 0  # ... once
    assert result.lost == 0
    assert not result.dead_letters
    assert not result.rejected
    assert len(result.times_to_send()) == len(urgent)
    assert result.over_the_bound(result.releases) == 0  # the pacer's releases keep the bound with lanes
    text = report(result)
    assert "Lanes (urgent 1, bulk 3 worker processes" in text
    assert f"urgent                   {len(urgent)} requests" in text


def test_fails_on_a_worker_count_per_lane_that_does_not_match_the_lanes() -> None:
    with pytest.raises(ValueError, match="one number per lane"):
        ProcessOptions(lanes=("urgent", "bulk"), lane_processes=(1,)).workers_per_lane()
