"""The analyst's door: LazyFrames and DuckDB views in the current schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from conjectura.catalog import api
from conjectura.catalog.store import Catalog
from conjectura.schemas.tables import PCF, RUNS, TableKind
from tests.catalog.test_store import pcf_columns, run_columns, write_as_version


@pytest.mark.parametrize("old_first", [True, False], ids=["old-file-first", "new-file-first"])
def test_views_over_old_and_new_files_show_the_new_column(tmp_path: Path, old_first: bool) -> None:
    old_key, new_key = ("a-old", "b-new") if old_first else ("b-old", "a-new")
    Catalog(tmp_path).commit(RUNS, run_columns(new_key, family="esma"), partition={}, key=new_key)
    write_as_version(tmp_path / "runs" / f"{old_key}.parquet", RUNS, run_columns(old_key), 5)
    reader = api.open(tmp_path)
    rows = reader.sql("SELECT run_id, family FROM runs ORDER BY run_id").rows()
    assert dict(rows) == {old_key: None, new_key: "esma"}
    columns = [c[0] for c in reader.connect().sql("DESCRIBE runs").fetchall()]
    assert columns == RUNS.schema.names
    assert dict(reader.runs().select("run_id", "family").collect().rows()) == dict(rows)


def test_partitioned_views_keep_their_partition_columns(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    catalog.commit(PCF, pcf_columns([1, 2], "s0"), partition={"space": "a-1"}, key="s0")
    catalog.commit(PCF, pcf_columns([3], "s1"), partition={"space": "b-2"}, key="s1")
    reader = api.open(tmp_path)
    assert reader.sql("SELECT space, count(*) FROM pcf GROUP BY space ORDER BY space").rows() == [
        ("a-1", 2),
        ("b-2", 1),
    ]
    assert reader.table(TableKind.PCF).collect().height == reader.pcf().collect().height == 3
    with pytest.raises(KeyError, match="no table 'nope'"):
        reader.table("nope")
