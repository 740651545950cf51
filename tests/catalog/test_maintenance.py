"""Compaction that readers never see half-done, and a check that names what is wrong."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conjectura.catalog.maintenance import check, compact, migrate
from conjectura.catalog.store import (
    COMPACTED_PREFIX,
    KEY_ROWS_KEY,
    Catalog,
    CatalogError,
    ShardNotFoundError,
    read_footer,
)
from conjectura.schemas.tables import (
    CONJECTURES,
    PCF,
    RUNS,
    SCHEMA_VERSION,
    SCHEMA_VERSION_KEY,
    TableKind,
    schema_at,
)
from tests.catalog.test_store import pcf_columns, run_columns, write_as_version

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
    assert any("schema version 0" in p for p in check(Catalog(tmp_path)))


# -- read_shard after compaction --------------------------------------------------------


def commit_shard(catalog: Catalog, key: str, rows: int, first_id: int) -> list[int]:
    ids = list(range(first_id, first_id + rows))
    catalog.commit(PCF, pcf_columns(ids, key), partition={"space": "x"}, key=key)
    return ids


def only_file(catalog: Catalog) -> Path:
    [path] = (catalog.root / "pcf" / "space=x").glob("*.parquet")
    return path


def test_read_shard_finds_a_shard_in_a_compacted_file(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    expected = {
        key: commit_shard(catalog, key, rows, 100 * n)
        for n, (key, rows) in enumerate([("a0", 3), ("a1", 1), ("a2", 4)])
    }
    compact(catalog, PCF)
    merged = only_file(catalog)
    assert merged.name.startswith(COMPACTED_PREFIX)
    assert read_footer(merged).key_rows == {"a0": (0, 3), "a1": (3, 4), "a2": (4, 8)}
    for key, ids in expected.items():
        shard = catalog.read_shard(PCF, {"space": "x"}, key)
        assert shard["id"].to_list() == ids and set(shard["shard"]) == {key}
        assert shard.columns == PCF.schema.names
    with pytest.raises(ShardNotFoundError, match="'a3'"):
        catalog.read_shard(PCF, {"space": "x"}, "a3")


def test_read_shard_after_compacting_a_compacted_file_with_new_files(tmp_path: Path) -> None:
    """The compacted file sorts between the new ones ('b' < 'compact-' < 'z'), so its
    ranges must be shifted by the rows of the file before it."""
    catalog = Catalog(tmp_path)
    expected = {"a0": commit_shard(catalog, "a0", 2, 0), "a1": commit_shard(catalog, "a1", 3, 10)}
    compact(catalog, PCF)
    expected["b2"] = commit_shard(catalog, "b2", 4, 20)
    expected["z3"] = commit_shard(catalog, "z3", 1, 30)
    [done] = compact(catalog, PCF)
    assert (done.files_before, done.rows) == (3, 10)
    assert read_footer(only_file(catalog)).key_rows == {
        "b2": (0, 4),
        "a0": (4, 6),
        "a1": (6, 9),
        "z3": (9, 10),
    }
    for key, ids in expected.items():
        assert catalog.read_shard(PCF, {"space": "x"}, key)["id"].to_list() == ids, key
    assert check(catalog) == []


def test_read_shard_is_exact_for_tables_without_a_shard_column(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    subjects = {"k0": ["PCF(1, n)", "PCF(2, n)"], "k1": [], "k2": ["PCF(3, n)"]}
    for key, rows in subjects.items():
        catalog.commit(
            CONJECTURES, conjecture_columns(rows), partition={"kind": "esma_cf"}, key=key
        )
    compact(catalog, CONJECTURES)
    for key, rows in subjects.items():
        shard = catalog.read_shard(TableKind.CONJECTURES, {"kind": "esma_cf"}, key)
        assert shard["subject"].to_list() == rows


def test_read_shard_holds_the_partition_while_compaction_swaps_files(tmp_path: Path) -> None:
    catalog = filled(tmp_path)
    wrong: list[object] = []
    reads = 0
    stop = threading.Event()
    expected = list(range(7 * ROWS, 8 * ROWS))

    def read_repeatedly() -> None:
        nonlocal reads
        while not stop.is_set():
            try:
                ids = catalog.read_shard(PCF, {"space": "x-1"}, "s007")["id"].to_list()
            except Exception as err:  # a file swapped away mid-read would show here
                wrong.append(err)
                continue
            reads += 1
            if ids != expected:
                wrong.append(ids)

    reader = threading.Thread(target=read_repeatedly)
    reader.start()
    try:
        for round_ in range(10):
            compact(catalog, PCF)
            key = f"t{round_}"
            catalog.commit(
                PCF, pcf_columns([-1 - round_], key), partition={"space": "x-1"}, key=key
            )
    finally:
        stop.set()
        reader.join()
    assert wrong == [] and reads > 0


def test_a_legacy_compacted_file_without_key_rows(tmp_path: Path) -> None:
    """Version 5 compacted files list keys only: pcf rows are found by their shard column,
    other tables cannot be split, and say so."""
    catalog = Catalog(tmp_path)
    commit_shard(catalog, "a0", 2, 0)
    commit_shard(catalog, "a1", 1, 10)
    for key, rows in {"k0": ["PCF(1, n)"], "k1": ["PCF(2, n)"]}.items():
        catalog.commit(
            CONJECTURES, conjecture_columns(rows), partition={"kind": "esma_cf"}, key=key
        )
    compact(catalog, PCF)
    compact(catalog, CONJECTURES)
    for path in tmp_path.glob(f"*/*/{COMPACTED_PREFIX}*.parquet"):
        as_version_5(path)
    assert catalog.read_shard(PCF, {"space": "x"}, "a1")["id"].to_list() == [10]
    with pytest.raises(CatalogError, match="compacted before"):
        catalog.read_shard(CONJECTURES, {"kind": "esma_cf"}, "k0")
    assert check(catalog) == []
    # compacted again after a new file ('b2' sorts first): pcf ranges recovered and shifted
    commit_shard(catalog, "b2", 1, 20)
    compact(catalog, PCF)
    assert read_footer(only_file(catalog)).key_rows == {"b2": (0, 1), "a0": (1, 3), "a1": (3, 4)}
    assert catalog.read_shard(PCF, {"space": "x"}, "a0")["id"].to_list() == [0, 1]


def conjecture_columns(subjects: list[str]) -> dict[str, list]:
    rows = len(subjects)
    return {
        "conjecture_id": [f"id-{s}" for s in subjects],
        "detector": ["esma"] * rows,
        "run_id": ["r"] * rows,
        "created_at": [datetime(2024, 6, 1, tzinfo=UTC)] * rows,
        "subject": subjects,
        "basis": [["1", "L"]] * rows,
        "relation": [[1, -1]] * rows,
        "formula": [f"{s} = 1" for s in subjects],
        "digits": [30.0] * rows,
        "status": ["numerical"] * rows,
        "exact_depth": [100] * rows,
    }


def as_version_5(path: Path) -> None:
    """Rewrite a file as version 5 wrote it: its columns only, stamped 5, no key row
    ranges."""
    table = pq.read_table(path)
    metadata = pq.read_metadata(path).metadata
    kind = metadata[b"conjectura.table"].decode()
    old = schema_at(kind, 5)
    assert old is not None
    pq.write_table(table.select(old.names).replace_schema_metadata(metadata), path)
    rewrite_footer(path, {SCHEMA_VERSION_KEY: "5", KEY_ROWS_KEY: None})


def as_stamped(path: Path, version: str) -> None:
    rewrite_footer(path, {SCHEMA_VERSION_KEY: version})


def rewrite_footer(path: Path, changes: dict[str, str | None]) -> None:
    """The same rows under a changed footer (None removes the key)."""
    metadata = {k.decode(): v.decode() for k, v in pq.read_metadata(path).metadata.items()}
    metadata.pop("ARROW:schema", None)
    for key, value in changes.items():
        if value is None:
            metadata.pop(key)
        else:
            metadata[key] = value
    data = pq.read_table(path)
    pq.write_table(data.replace_schema_metadata(metadata), path)


# -- versions: compaction, check and migration of older files -----------------------------


def test_compaction_null_fills_columns_older_files_lack(tmp_path: Path) -> None:
    """A pcf table one additive step ahead (a nullable ``tag``): older files get nulls."""
    tagged = replace(PCF, schema=PCF.schema.append(pa.field("tag", pa.string(), nullable=True)))
    catalog = Catalog(tmp_path)
    for order in ("z-new", "a-new"):  # an old file first and last in the listing
        columns = pcf_columns([len(order)], order) | {"tag": ["t"]}
        catalog.commit(tagged, columns, partition={"space": "x"}, key=order)
    commit_shard(catalog, "m-old", 2, 100)
    [done] = compact(catalog, tagged)
    assert done.rows == 4
    merged = pl.read_parquet(only_file(catalog))
    assert merged.columns == tagged.schema.names
    assert dict(zip(merged["shard"], merged["tag"], strict=True)) == {
        "a-new": "t",
        "m-old": None,
        "z-new": "t",
    }
    assert catalog.read_shard(tagged, {"space": "x"}, "m-old")["id"].to_list() == [100, 101]


def test_check_accepts_older_additive_files_and_reports_real_mismatches(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    catalog.commit(RUNS, run_columns("new", "pcf"), partition={}, key="new")
    write_as_version(tmp_path / "runs" / "old.parquet", RUNS, run_columns("old"), 5)
    assert check(catalog) == []
    # the v6 column in a file stamped 5: not what version 5 wrote
    liar = write_as_version(tmp_path / "runs" / "liar.parquet", RUNS, run_columns("liar"), 6)
    as_stamped(liar, "5")
    # a file from a newer conjectura
    future = write_as_version(tmp_path / "runs" / "future.parquet", RUNS, run_columns("f"), 6)
    as_stamped(future, str(SCHEMA_VERSION + 1))
    problems = check(catalog)
    assert len(problems) == 2, problems
    assert any(str(liar) in p and "do not match" in p and "version 5" in p for p in problems)
    assert any(str(future) in p and "newer than this conjectura" in p for p in problems)


def test_check_reports_a_catalog_json_it_cannot_read(tmp_path: Path) -> None:
    catalog = filled(tmp_path)
    assert check(catalog) == []
    (tmp_path / "catalog.json").write_text("{not json")
    [problem] = check(Catalog(tmp_path))
    assert "catalog.json" in problem and "no readable schema version" in problem
    (tmp_path / "catalog.json").unlink()
    assert any("no catalog.json" in p for p in check(Catalog(tmp_path)))


def test_check_reports_key_rows_that_do_not_hold_their_shard(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    commit_shard(catalog, "a0", 2, 0)
    commit_shard(catalog, "a1", 2, 10)
    compact(catalog, PCF)
    rewrite_footer(only_file(catalog), {KEY_ROWS_KEY: json.dumps({"a0": [0, 3], "a1": [3, 4]})})
    assert any("are not all of shard a0" in p for p in check(catalog))


def test_migrate_rewrites_older_files_once(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    commit_shard(catalog, "a0", 2, 0)
    commit_shard(catalog, "a1", 1, 10)
    compact(catalog, PCF)
    as_version_5(only_file(catalog))
    old_run = write_as_version(tmp_path / "runs" / "old.parquet", RUNS, run_columns("old"), 5)
    catalog.commit(RUNS, run_columns("new", "esma"), partition={}, key="new")
    (tmp_path / "catalog.json").write_text(json.dumps({"schema_version": 5}))
    before = {t: Catalog(tmp_path).scan(t).collect() for t in (PCF, RUNS)}

    report = migrate(Catalog(tmp_path))
    assert (report.version_before, report.version_after) == (5, SCHEMA_VERSION)
    assert set(report.files_rewritten) == {only_file(catalog), old_run} and report.changed
    assert Catalog(tmp_path).stored_version() == SCHEMA_VERSION
    for path in tmp_path.glob("*/**/*.parquet"):
        assert read_footer(path).version == SCHEMA_VERSION, path
    assert read_footer(only_file(catalog)).key_rows == {"a0": (0, 2), "a1": (2, 3)}
    assert pq.read_schema(old_run).names == RUNS.schema.names
    for table, frame in before.items():
        assert (
            Catalog(tmp_path)
            .scan(table)
            .collect()
            .sort(frame.columns[0])
            .equals(frame.sort(frame.columns[0]))
        )
    assert check(Catalog(tmp_path)) == []
    assert list((tmp_path / ".staging").iterdir()) == []

    again = migrate(Catalog(tmp_path))
    assert again.files_rewritten == () and not again.changed


def test_migrate_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"no catalog\.json"):
        migrate(Catalog(tmp_path))
    (tmp_path / "catalog.json").write_text(json.dumps({"schema_version": 4}))
    with pytest.raises(CatalogError, match="not additive"):
        migrate(Catalog(tmp_path))
    (tmp_path / "catalog.json").write_text(json.dumps({"schema_version": 5}))
    write_as_version(tmp_path / "runs" / "r.parquet", RUNS, run_columns("r"), 5)
    as_stamped(tmp_path / "runs" / "r.parquet", "4")
    with pytest.raises(CatalogError, match=r"cannot migrate .*r\.parquet"):
        migrate(Catalog(tmp_path))
    assert json.loads((tmp_path / "catalog.json").read_text())["schema_version"] == 5
