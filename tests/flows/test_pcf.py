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


def test_resume_after_compaction_equals_a_clean_run(prefect_api, tmp_path: Path) -> None:
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

    summary = pcf.pcf_search(
        spec=spec, catalog_root=str(interrupted), run_id=new_run_id(), show_progress=False
    )
    assert summary["skipped"] == 2 and summary["pcfs"] == 192
    pcf.pcf_search(spec=spec, catalog_root=str(clean), run_id=new_run_id(), show_progress=False)

    for name, key in ((PCF.name, "id"), (CONJECTURES.name, "conjecture_id")):
        volatile = ["run_id", "created_at"] if name == CONJECTURES.name else []
        resumed, fresh = table(interrupted, name, volatile), table(clean, name, volatile)
        assert resumed.height > 0 and resumed[key].n_unique() == resumed.height
        assert resumed.columns == fresh.columns
        for column in resumed.columns:
            assert resumed.sort(key)[column].equals(fresh.sort(key)[column]), column
