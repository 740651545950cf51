"""The PCF flow: a run resumed after `catalog compact` ends equal to a clean run.

Deterministic: the interrupted state is built by calling the tasks' plain functions
(some shards screened and identified, others only screened), then the catalog is
compacted and the real flow resumes it under a real Prefect API server.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from conjectura.catalog.maintenance import compact
from conjectura.catalog.store import Catalog
from conjectura.schemas.spec import parse_spec
from conjectura.schemas.tables import CONJECTURES, PCF

pytestmark = pytest.mark.integration

SMALL = """
name: resume
family: pcf
a: [[1, 3], [0, 3]]
b: [[0, 1], [-1, 0], [-2, 1]]
depth: 500
constants: [pi, e, log2, sqrt5]
shard_size: 50
"""


def table(root: Path, name: str, volatile: list[str]) -> pl.DataFrame:
    frame = pl.read_parquet(str(root / name / "**" / "*.parquet"), hive_partitioning=True)
    return frame.drop(volatile).sort(frame.columns[0])


def resumed_and_clean(tmp_path: Path) -> tuple[Path, Path]:
    """A run resumed after `catalog compact` (2 of its shards identified before) and a
    clean run of the same spec, both finished by the real flow."""
    from prefect.task_runners import ThreadPoolTaskRunner

    from conjectura.flows import pcf
    from conjectura.flows.plan import plan_shards
    from conjectura.flows.runs import commit_constants, new_run_id

    spec = parse_spec(SMALL, source="resume")
    shards = plan_shards(spec)
    assert len(shards) >= 4
    interrupted, clean = tmp_path / "interrupted", tmp_path / "clean"
    catalog = Catalog(interrupted)
    expansions = commit_constants(catalog, spec)
    for shard in shards:
        pcf.screen_shard.fn(spec, shard, str(interrupted))
    for shard in shards[:2]:  # the others' identification never ran
        pcf.identify_shard.fn(spec, shard, str(interrupted), "before", expansions)
    merged = compact(catalog, PCF)
    assert merged and merged[0].files_before == len(shards)
    assert not list((interrupted / "pcf").rglob(f"{shards[-1].shard_id}.parquet"))

    # One task at a time: mpmath's working precision is global to a process, so stages must
    # not share one in threads (Dask workers run one thread each for the same reason).
    search = pcf.pcf_search.with_options(task_runner=ThreadPoolTaskRunner(max_workers=1))
    summary = search(
        spec=spec, catalog_root=str(interrupted), run_id=new_run_id(), show_progress=False
    )
    assert summary["skipped"] == 2 and summary["pcfs"] == 192
    search(spec=spec, catalog_root=str(clean), run_id=new_run_id(), show_progress=False)
    return interrupted, clean


def test_resume_after_compaction_finishes_with_the_same_pcfs_and_formulas(
    prefect_api, tmp_path: Path
) -> None:
    interrupted, clean = resumed_and_clean(tmp_path)
    resumed, fresh = table(interrupted, PCF.name, []), table(clean, PCF.name, [])
    assert resumed.height == 192 and resumed.sort("id").equals(fresh.sort("id"), null_equal=True)
    facts = ["pcf_id", "formula", "status"]
    resumed = table(interrupted, CONJECTURES.name, ["run_id", "created_at"])
    fresh = table(clean, CONJECTURES.name, ["run_id", "created_at"])
    assert resumed.height > 0 and resumed["pcf_id"].n_unique() == resumed.height
    assert sorted(resumed.select(facts).rows()) == sorted(fresh.select(facts).rows())


def test_resume_after_compaction_equals_a_clean_run_row_for_row(
    prefect_api, tmp_path: Path
) -> None:
    interrupted, clean = resumed_and_clean(tmp_path)
    for name, key in ((PCF.name, "id"), (CONJECTURES.name, "conjecture_id")):
        volatile = ["run_id", "created_at"] if name == CONJECTURES.name else []
        resumed, fresh = table(interrupted, name, volatile), table(clean, name, volatile)
        assert resumed.height > 0 and resumed[key].n_unique() == resumed.height
        assert set(resumed[key]) == set(fresh[key])
        for column in resumed.columns:
            assert resumed.sort(key)[column].equals(fresh.sort(key)[column]), column
