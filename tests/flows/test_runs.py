"""The bounded submission loop every family shares, under a real Prefect API server."""

from __future__ import annotations

import threading
import time

import pytest

pytestmark = pytest.mark.integration


def test_bounded_keeps_at_most_max_in_flight_units_open(prefect_api) -> None:
    from prefect import flow, task
    from prefect.task_runners import ThreadPoolTaskRunner

    from conjectura.flows.runs import StageBars, bounded

    lock = threading.Lock()
    open_units: set[int] = set()
    most = [0]

    @task
    def first(unit: int) -> dict:
        with lock:
            open_units.add(unit)
            most[0] = max(most[0], len(open_units))
        time.sleep(0.05)  # long enough for a runaway loop to open many units
        return {}

    @task
    def second(unit: int, upstream: object) -> dict:
        with lock:
            open_units.discard(unit)
        return {"conjectures": 1, "verified": unit % 2}

    @flow(task_runner=ThreadPoolTaskRunner(max_workers=8))
    def run(units: int, bound: int) -> None:
        def submit(unit: int) -> list:
            upstream = first.submit(unit)
            return [("first", upstream), ("second", second.submit(unit, upstream))]

        with StageBars(show=False) as bars:
            bars.add("first", total=units, done=0)
            bars.add("second", total=units, done=0)
            bounded(range(units), submit, bars, max_in_flight=bound)

    run(12, 2)
    assert most[0] <= 2 and not open_units
    most[0] = 0
    run(12, 6)
    assert 2 < most[0] <= 6  # the bound, not the thread pool, limited it before


def test_a_failing_task_fails_the_loop(prefect_api) -> None:
    from prefect import flow, task

    from conjectura.flows.runs import StageBars, bounded

    @task(retries=0)
    def broken(unit: int) -> dict:
        raise ValueError(f"unit {unit} is broken")

    @flow
    def run() -> None:
        with StageBars(show=False) as bars:
            bars.add("broken", total=3, done=0)
            bounded(range(3), lambda u: [("broken", broken.submit(u))], bars, max_in_flight=2)

    with pytest.raises(ValueError, match="is broken"):
        run()
