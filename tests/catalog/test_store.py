"""The catalog: atomic, deterministic files that Polars and DuckDB read without us."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from conjectura.catalog.store import Catalog
from conjectura.schemas.tables import PCF, SCHEMA_VERSION, SCHEMA_VERSION_KEY


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
