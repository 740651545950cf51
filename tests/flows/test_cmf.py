"""The cmf flow in process (a real Prefect API server, a thread runner): a shard that fails
between its two commits is retried and every row appears once; a second run over the same
field plans only trajectories the catalog does not hold."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from conjectura.flows.cmf import planned_shards
from conjectura.schemas.spec import parse_spec

pytestmark = pytest.mark.integration

SPEC = """name: cmf-flow
family: cmf
cmf: pi
trajectories: [[1, 1], [1, 0], [0, 1], [2, 1]]
start: [1, 1]
depth: 600
constants: [pi]
shard_size: 2
"""


def run(root: Path, text: str = SPEC) -> dict:
    from prefect.task_runners import ThreadPoolTaskRunner

    from conjectura.flows.cmf import cmf_search
    from conjectura.flows.runs import new_run_id

    # one task at a time: mpmath's working precision is process-global
    return cmf_search.with_options(task_runner=ThreadPoolTaskRunner(max_workers=1))(
        spec=parse_spec(text, source="cmf-flow"),
        catalog_root=str(root),
        run_id=new_run_id(),
        show_progress=False,
    )


def table(root: Path, name: str) -> pl.DataFrame:
    return pl.read_parquet(str(root / name / "**" / "*.parquet"), hive_partitioning=True)


def test_a_fault_between_the_commits_is_retried_and_rows_appear_once(
    prefect_api, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("CONJECTURA_FAULTS", "cmf:0:between_commits,cmf:1:between_commits")
    summary = run(tmp_path)
    assert summary["trajectories"] == 4 and summary["skipped"] == 0
    trajectories = table(tmp_path, "trajectories")
    assert sorted(trajectories["trajectory_id"]) == sorted(
        ["pi:1,1@1,1", "pi:1,0@1,1", "pi:0,1@1,1", "pi:2,1@1,1"]
    )
    conjectures = table(tmp_path, "conjectures")
    assert conjectures["conjecture_id"].is_unique().all()
    verified = trajectories.filter(pl.col("status") == "verified")
    assert verified.height >= 1
    assert set(verified["conjecture_id"].drop_nulls()) <= set(conjectures["conjecture_id"])


def test_a_second_spec_over_the_same_field_plans_only_new_trajectories(
    prefect_api, tmp_path: Path
) -> None:
    run(tmp_path)
    wider = SPEC.replace("[[1, 1], [1, 0], [0, 1], [2, 1]]", "[[1, 1], [1, 2]]")
    spec = parse_spec(wider, source="wider")
    assert planned_shards(spec, {"pi:1,1@1,1"}) == [[(1, 2)]]
    summary = run(tmp_path, wider)
    assert summary["trajectories"] == 5  # (1, 1) was there already: one new row
    assert table(tmp_path, "trajectories")["trajectory_id"].is_unique().all()
