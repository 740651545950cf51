"""The catalog: atomic, deterministic files that Polars and DuckDB read without us."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conjectura.catalog.store import (
    KEY_ROWS_KEY,
    KEYS_KEY,
    Catalog,
    CatalogError,
    ShardNotFoundError,
    read_footer,
)
from conjectura.schemas.tables import (
    PCF,
    RUNS,
    SCHEMA_VERSION,
    SCHEMA_VERSION_KEY,
    TABLE_NAME_KEY,
    Table,
    TableKind,
    schema_at,
)


def pcf_columns(ids: list[int], shard: str) -> dict[str, list]:
    return {
        "id": ids,
        "a_coeffs": [[1, 2]] * len(ids),
        "b_coeffs": [[0, 0, 1]] * len(ids),
        "depth": [100] * len(ids),
        "status": ["converged"] * len(ids),
        "limit": [1.27] * len(ids),
        "digits": [12.5] * len(ids),
        "shard": [shard] * len(ids),
    }


def run_columns(run_id: str, family: str | None = None) -> dict[str, list]:
    """A finished run's row; ``family`` is the column version 6 added."""
    return {
        "run_id": [run_id],
        "spec_name": ["example"],
        "spec_hash": ["h" * 64],
        "space": ["example-0123456789"],
        "family": [family],
        "code_version": ["0.6.0"],
        "started_at": [datetime(2024, 6, 1, 3, tzinfo=UTC)],
        "finished_at": [datetime(2024, 6, 1, 4, tzinfo=UTC)],
        "status": ["completed"],
        "shards": [1],
        "pcfs": [0],
        "converged": [0],
        "conjectures": [0],
        "verified": [0],
    }


def write_as_version(
    path: Path,
    table: Table,
    columns: Mapping[str, list[Any]],
    version: int,
    *,
    keys: list[str] | None = None,
    metadata: Mapping[str, str] | None = None,
) -> Path:
    """A file as code of schema ``version`` wrote it: that version's columns and stamps
    (no key row ranges, which version 5 did not record)."""
    schema = schema_at(table, version)
    assert schema is not None
    data = pa.Table.from_pydict({n: columns[n] for n in schema.names}, schema=schema)
    stamps = {
        SCHEMA_VERSION_KEY: str(version),
        TABLE_NAME_KEY: table.name,
        KEYS_KEY: json.dumps(keys or [path.stem]),
        **(metadata or {}),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(data.replace_schema_metadata(stamps), path)
    return path


def test_commit_is_deterministic_and_replaces_its_own_file(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    first = catalog.commit(PCF, pcf_columns([1, 2], "s0"), partition={"space": "x-1"}, key="s0")
    again = catalog.commit(PCF, pcf_columns([1, 2], "s0"), partition={"space": "x-1"}, key="s0")
    assert first == again == tmp_path / "pcf" / "space=x-1" / "s0.parquet"
    assert catalog.scan(PCF).collect().height == 2  # a retry rewrites, never appends
    assert list((tmp_path / ".staging").iterdir()) == []


def test_files_carry_schema_version(tmp_path: Path) -> None:
    path = Catalog(tmp_path).commit(PCF, pcf_columns([1], "s0"), partition={"space": "x"}, key="s0")
    metadata = pq.read_metadata(path).metadata
    assert metadata[SCHEMA_VERSION_KEY.encode()] == str(SCHEMA_VERSION).encode()


def test_wrong_columns_are_refused(tmp_path: Path) -> None:
    columns = pcf_columns([1], "s0")
    columns["depth"] = ["deep"]
    with pytest.raises((TypeError, ValueError)):
        Catalog(tmp_path).commit(PCF, columns, partition={"space": "x"}, key="s0")
    with pytest.raises(ValueError, match="partition"):
        Catalog(tmp_path).commit(PCF, pcf_columns([1], "s0"), partition={}, key="s0")


def test_empty_table_scans_with_its_schema(tmp_path: Path) -> None:
    frame = Catalog(tmp_path).scan("conjectures").collect()
    assert frame.height == 0 and "relation" in frame.columns and "kind" in frame.columns


def test_polars_and_duckdb_read_hive_partitions(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    catalog.commit(PCF, pcf_columns([1, 2], "s0"), partition={"space": "a-1"}, key="s0")
    catalog.commit(PCF, pcf_columns([3], "s1"), partition={"space": "b-2"}, key="s1")
    glob = str(tmp_path / "pcf" / "**" / "*.parquet")
    by_polars = (
        pl.scan_parquet(glob, hive_partitioning=True).filter(pl.col("space") == "b-2").collect()
    )
    by_duckdb = duckdb.sql(
        f"SELECT id FROM read_parquet('{glob}', hive_partitioning=true) WHERE space = 'b-2'"
    ).fetchall()
    assert by_polars["id"].to_list() == [row[0] for row in by_duckdb] == [3]


def test_locate_prefers_argument_then_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CONJECTURA_CATALOG", str(tmp_path / "env"))
    assert Catalog.locate().root == (tmp_path / "env").resolve()
    assert Catalog.locate(tmp_path / "arg").root == (tmp_path / "arg").resolve()
    monkeypatch.delenv("CONJECTURA_CATALOG")
    assert Catalog.locate().root == Path("data/catalog").resolve()


def test_timestamps_round_trip(tmp_path: Path) -> None:
    from conjectura.schemas.tables import RUNS

    now = datetime.now(UTC).replace(microsecond=0)
    catalog = Catalog(tmp_path)
    catalog.commit(
        RUNS,
        {
            "run_id": ["r"],
            "spec_name": ["s"],
            "spec_hash": ["h"],
            "space": ["s-h"],
            "code_version": ["0"],
            "started_at": [now],
            "finished_at": [None],
            "status": ["running"],
            "shards": [1],
            "pcfs": [None],
            "converged": [None],
            "conjectures": [None],
            "verified": [None],
        },
        partition={},
        key="r",
    )
    assert catalog.scan(RUNS).collect()["started_at"].to_list() == [now]


def test_files_record_their_key_and_its_rows(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    path = catalog.commit(PCF, pcf_columns([1, 2, 3], "s0"), partition={"space": "x"}, key="s0")
    footer = read_footer(path)
    assert (footer.version, footer.table, footer.keys) == (SCHEMA_VERSION, "pcf", ("s0",))
    assert footer.key_rows == {"s0": (0, 3)}
    assert json.loads(pq.read_metadata(path).metadata[KEY_ROWS_KEY.encode()]) == {"s0": [0, 3]}


def test_tables_are_named_by_table_kind_or_string(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    catalog.commit(TableKind.PCF, pcf_columns([1], "s0"), partition={"space": "x"}, key="s0")
    catalog.commit("pcf", pcf_columns([2], "s1"), partition={"space": "x"}, key="s1")
    assert catalog.committed_keys(TableKind.PCF, {"space": "x"}) == {"s0", "s1"}
    assert catalog.committed_keys("pcf", {"space": "x"}) == {"s0", "s1"}
    assert catalog.scan(TableKind.PCF).collect().height == catalog.scan("pcf").collect().height
    assert catalog.read_shard("pcf", {"space": "x"}, "s1")["id"].to_list() == [2]
    with pytest.raises(KeyError, match="no table 'pfc'"):
        catalog.scan("pfc")


def test_read_shard_reads_the_shards_own_file(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    catalog.commit(PCF, pcf_columns([1, 2], "s0"), partition={"space": "x"}, key="s0")
    catalog.commit(PCF, pcf_columns([3], "s1"), partition={"space": "x"}, key="s1")
    catalog.commit(PCF, pcf_columns([4], "s0"), partition={"space": "y"}, key="s0")
    shard = catalog.read_shard(PCF, {"space": "x"}, "s0")
    assert shard["id"].to_list() == [1, 2]
    assert shard.columns == PCF.schema.names  # file columns, current schema
    assert catalog.read_shard(PCF, {"space": "y"}, "s0")["id"].to_list() == [4]


def test_read_shard_of_a_key_not_committed_names_table_partition_and_key(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    catalog.commit(PCF, pcf_columns([1], "s0"), partition={"space": "x"}, key="s0")
    for partition, key in (({"space": "x"}, "s9"), ({"space": "nowhere"}, "s0")):
        with pytest.raises(ShardNotFoundError) as raised:
            catalog.read_shard(PCF, partition, key)
        message = str(raised.value)
        assert "pcf" in message and f"space={partition['space']}" in message and key in message
    assert issubclass(ShardNotFoundError, KeyError) and issubclass(ShardNotFoundError, CatalogError)
    with pytest.raises(ValueError, match="partition"):
        catalog.read_shard(PCF, {}, "s0")


@pytest.mark.parametrize("old_first", [True, False], ids=["old-file-first", "new-file-first"])
def test_scan_has_the_current_schema_whichever_file_comes_first(
    tmp_path: Path, old_first: bool
) -> None:
    """Polars takes a scan's schema from the first file unless told: an added column must
    neither vanish (old file first) nor fail the scan."""
    catalog = Catalog(tmp_path)
    old_key, new_key = ("a-old", "b-new") if old_first else ("b-old", "a-new")
    catalog.commit(RUNS, run_columns(new_key, family="pcf"), partition={}, key=new_key)
    write_as_version(tmp_path / "runs" / f"{old_key}.parquet", RUNS, run_columns(old_key), 5)
    frame = catalog.scan(RUNS).collect().sort("run_id")
    assert frame.columns == RUNS.schema.names
    family = dict(zip(frame["run_id"], frame["family"], strict=True))
    assert family == {old_key: None, new_key: "pcf"}
    assert catalog.read_shard(RUNS, {}, old_key).columns == RUNS.schema.names


def test_scan_of_old_files_only_still_has_the_new_column(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    (tmp_path / "catalog.json").write_text(json.dumps({"schema_version": 5}))
    write_as_version(tmp_path / "runs" / "r.parquet", RUNS, run_columns("r"), 5)
    frame = catalog.scan(RUNS).collect()
    assert frame["family"].to_list() == [None] and frame["run_id"].to_list() == ["r"]
    assert json.loads((tmp_path / "catalog.json").read_text())["schema_version"] == 5  # read only


def test_first_write_moves_an_additive_catalog_to_the_current_version(tmp_path: Path) -> None:
    (tmp_path / "catalog.json").write_text(json.dumps({"schema_version": 5}))
    catalog = Catalog(tmp_path)
    catalog.ensure_version(write=False)
    assert json.loads((tmp_path / "catalog.json").read_text())["schema_version"] == 5
    catalog.commit(RUNS, run_columns("r", "pcf"), partition={}, key="r")
    assert json.loads((tmp_path / "catalog.json").read_text())["schema_version"] == SCHEMA_VERSION
    assert Catalog(tmp_path).stored_version() == SCHEMA_VERSION


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            {"schema_version": 4},
            "schema version 4 cannot be read or migrated: version 5 was not additive",
        ),
        ({"schema_version": 99}, "schema version 99 is newer than this conjectura"),
        ({"schema_version": "6"}, "not an integer"),
        ({"version": 6}, "no readable schema version"),
    ],
)
def test_catalogs_this_code_cannot_read_are_refused(
    tmp_path: Path, content: dict, message: str
) -> None:
    (tmp_path / "catalog.json").write_text(json.dumps(content))
    with pytest.raises(CatalogError, match=message):
        Catalog(tmp_path).scan(PCF)
    with pytest.raises(CatalogError, match=message):
        Catalog(tmp_path).commit(PCF, pcf_columns([1], "s"), partition={"space": "x"}, key="s")
    assert json.loads((tmp_path / "catalog.json").read_text()) == content  # left as it was
    assert not (tmp_path / "pcf").exists()


def test_annotate_sets_columns_of_the_named_rows_only(tmp_path: Path) -> None:
    from conjectura.catalog.maintenance import compact

    catalog = Catalog(tmp_path)
    space = {"space": "s-1"}
    catalog.commit(PCF, pcf_columns([1, 2], "a"), partition=space, key="a")
    catalog.commit(PCF, pcf_columns([3, 4], "b"), partition=space, key="b")
    compact(catalog, PCF)
    catalog.commit(PCF, pcf_columns([5, 6], "c"), partition=space, key="c")
    values = pl.DataFrame({"id": [2, 5, 99], "metrics_reason": ["x", "y", "z"]})

    assert catalog.annotate(PCF, space, values, on="id") == 2  # id 99 is nowhere

    frame = catalog.scan(PCF).sort("id").collect()
    assert frame["metrics_reason"].to_list() == [None, "x", None, None, "y", None]
    assert frame["limit"].to_list() == [1.27] * 6  # other columns untouched
    # shard keys and their row ranges survive, in the compacted file and the own one
    assert catalog.read_shard(PCF, space, "b")["id"].to_list() == [3, 4]
    assert catalog.read_shard(PCF, space, "c")["id"].to_list() == [5, 6]
    assert catalog.committed_keys(PCF, space) == {"a", "b", "c"}
    # the same values again: the same rows, nothing doubled
    catalog.annotate(PCF, space, values, on="id")
    assert catalog.scan(PCF).collect().height == 6


def test_annotate_refuses_columns_that_are_not_nullable(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    catalog.commit(PCF, pcf_columns([1], "a"), partition={"space": "s"}, key="a")
    with pytest.raises(CatalogError, match=r"pcf\.limit|pcf\.depth"):
        catalog.annotate(PCF, {"space": "s"}, pl.DataFrame({"id": [1], "depth": [3]}), on="id")
    with pytest.raises(CatalogError, match="twice"):
        values = pl.DataFrame({"id": [1, 1], "metrics_reason": ["x", "y"]})
        catalog.annotate(PCF, {"space": "s"}, values, on="id")


def test_annotate_on_several_columns_touches_only_rows_matching_all(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    one, two = {"space": "one"}, {"space": "two"}
    catalog.commit(PCF, pcf_columns([1, 2], "a"), partition=one, key="a")
    catalog.commit(PCF, pcf_columns([1, 2], "b"), partition=two, key="b")
    values = pl.DataFrame({"id": [1], "shard": ["b"], "metrics_reason": ["set"]})
    # the same id in another shard (file) is another row: left alone
    assert catalog.annotate(PCF, one, values, on=["id", "shard"]) == 0
    assert catalog.annotate(PCF, two, values, on=["id", "shard"]) == 1
    frame = catalog.scan(PCF).filter(pl.col("metrics_reason").is_not_null()).collect()
    assert frame.select("space", "id").rows() == [("two", 1)]
