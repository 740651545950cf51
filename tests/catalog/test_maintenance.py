"""Compaction that readers never see half-done, and a check that names what is wrong."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import polars as pl
import pytest

from conjectura.catalog.maintenance import check, compact
from conjectura.catalog.store import Catalog, CatalogError
from conjectura.schemas.tables import PCF
from tests.catalog.test_store import pcf_columns

SHARDS, ROWS = 40, 25


def filled(root: Path) -> Catalog:
    catalog = Catalog(root)
    for shard in range(SHARDS):
        ids = list(range(shard * ROWS, (shard + 1) * ROWS))
        catalog.commit(
            PCF, pcf_columns(ids, f"s{shard:03d}"), partition={"space": "x-1"}, key=f"s{shard:03d}"
        )
    return catalog


def test_compaction_keeps_rows_and_shard_keys(tmp_path: Path) -> None:
    catalog = filled(tmp_path)
    before = catalog.scan(PCF).collect().sort("id")
    [done] = compact(catalog, PCF)
    assert (done.files_before, done.rows) == (SHARDS, SHARDS * ROWS)
    assert len(list((tmp_path / "pcf" / "space=x-1").glob("*.parquet"))) == 1
    assert catalog.scan(PCF).collect().sort("id").equals(before)
    assert catalog.committed_keys(PCF, {"space": "x-1"}) == {f"s{i:03d}" for i in range(SHARDS)}
    assert check(catalog) == []
    # a later commit lands beside the compacted file and is compacted in turn
    catalog.commit(PCF, pcf_columns([10_000], "late"), partition={"space": "x-1"}, key="late")
    compact(catalog, PCF)
    assert catalog.scan(PCF).collect().height == SHARDS * ROWS + 1
    assert "late" in catalog.committed_keys(PCF, {"space": "x-1"})


def test_readers_never_see_duplicates_or_gaps_during_compaction(tmp_path: Path) -> None:
    catalog = filled(tmp_path)
    glob = str(tmp_path / "pcf" / "**" / "*.parquet")
    seen: list[int] = []
    missing_files = 0
    stop = threading.Event()

    def read_repeatedly() -> None:
        nonlocal missing_files
        while not stop.is_set():
            try:
                frame = pl.scan_parquet(glob, hive_partitioning=True).select("id").collect()
            except (FileNotFoundError, pl.exceptions.ComputeError):
                missing_files += 1  # listed just before the swap: an error, never wrong rows
                continue
            seen.append(frame.height if frame["id"].n_unique() == frame.height else -1)

    reader = threading.Thread(target=read_repeatedly)
    reader.start()
    try:
        for _ in range(5):  # compact, then spread out again, five times over
            compact(catalog, PCF)
            for shard in range(SHARDS, SHARDS + 2):
                ids = list(range(shard * ROWS, (shard + 1) * ROWS))
                catalog.commit(
                    PCF,
                    pcf_columns(ids, f"s{shard:03d}"),
                    partition={"space": "x-1"},
                    key=f"s{shard:03d}",
                )
    finally:
        stop.set()
        reader.join()
    # whole shards only (commits land one shard at a time), never fewer, never a duplicate
    assert seen and set(seen) <= {SHARDS * ROWS, (SHARDS + 1) * ROWS, (SHARDS + 2) * ROWS}
    assert missing_files <= len(seen)


def test_check_names_a_truncated_file(tmp_path: Path) -> None:
    catalog = filled(tmp_path)
    victim = tmp_path / "pcf" / "space=x-1" / "s007.parquet"
    victim.write_bytes(victim.read_bytes()[:200])
    problems = check(catalog)
    assert any(str(victim) in p and "unreadable" in p for p in problems)


def test_check_names_duplicated_ids(tmp_path: Path) -> None:
    catalog = filled(tmp_path)
    catalog.commit(PCF, pcf_columns([0, 1], "again"), partition={"space": "x-1"}, key="again")
    assert any("ids appear more than once" in p for p in check(catalog))


def test_a_catalog_of_another_schema_version_is_refused(tmp_path: Path) -> None:
    filled(tmp_path)
    (tmp_path / "catalog.json").write_text(json.dumps({"schema_version": 0}))
    with pytest.raises(CatalogError, match="schema version 0"):
        Catalog(tmp_path).scan(PCF)
    with pytest.raises(CatalogError, match="schema version 0"):
        Catalog(tmp_path).commit(PCF, pcf_columns([1], "s"), partition={"space": "x"}, key="s")
