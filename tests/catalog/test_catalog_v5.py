"""A catalog written by schema version 5 (fixtures/catalog-v5) opens, grows and migrates."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from conjectura.catalog import api
from conjectura.catalog.maintenance import check, compact, migrate
from conjectura.catalog.store import Catalog, CatalogError, read_footer
from conjectura.schemas.tables import PCF, RUNS, SCHEMA_VERSION, TableKind
from tests.catalog.fixtures.write_catalog_v5 import OTHER, OTHER_SHARDS, RUN_ID, SHARDS, SPACE
from tests.catalog.test_store import pcf_columns, run_columns

FIXTURE = Path(__file__).parent / "fixtures" / "catalog-v5"


@pytest.fixture
def v5(tmp_path: Path) -> Path:
    root = tmp_path / "catalog"
    shutil.copytree(FIXTURE, root)
    return root


def versions(root: Path) -> set[int | None]:
    return {read_footer(p).version for p in root.glob("*/**/*.parquet")}


def test_the_fixture_is_what_version_5_wrote() -> None:
    assert json.loads((FIXTURE / "catalog.json").read_text()) == {"schema_version": 5}
    assert versions(FIXTURE) == {5}
    assert "family" not in pl.read_parquet(next(FIXTURE.glob("runs/*.parquet"))).columns


def test_it_reads_with_the_new_column_null(v5: Path) -> None:
    catalog = Catalog(v5)
    assert check(catalog) == []
    runs = catalog.scan(RUNS).collect()
    assert runs.columns == RUNS.schema.names
    assert runs.select("run_id", "family", "pcfs").rows() == [(RUN_ID, None, 5)]
    pcf = catalog.scan(PCF).collect()
    assert pcf.group_by("space").len().sort("space").rows() == [(SPACE, 5), (OTHER, 3)]
    assert catalog.constant_expansions()["pi"].startswith("3.14159265358979")
    reader = api.open(v5)
    assert reader.sql("SELECT run_id, family FROM runs").rows() == [(RUN_ID, None)]
    assert reader.sql("SELECT count(*) FROM conjectures WHERE kind = 'pcf_limit'").item() == 1
    assert reader.latest_run()["family"] is None
    assert json.loads((v5 / "catalog.json").read_text())["schema_version"] == 5  # reads only


def test_read_shard_reads_its_own_and_its_compacted_files(v5: Path) -> None:
    catalog = Catalog(v5)
    assert catalog.read_shard(PCF, {"space": SPACE}, SHARDS[0])["id"].to_list() == [101, 102]
    assert catalog.read_shard(PCF, {"space": SPACE}, SHARDS[1])["id"].to_list() == [201, 202, 203]
    other = catalog.read_shard(PCF, {"space": OTHER}, OTHER_SHARDS[1])  # footer without ranges
    assert other["id"].to_list() == [401, 402]
    assert catalog.read_shard(RUNS, {}, RUN_ID)["family"].to_list() == [None]


def test_it_takes_new_commits_beside_the_old_files(v5: Path) -> None:
    catalog = Catalog(v5)
    resumed = run_columns("next", family="pcf") | {"space": [SPACE], "pcfs": [7]}
    catalog.commit(RUNS, resumed, partition={}, key="next")  # a run that adds a shard
    catalog.commit(
        PCF, pcf_columns([501, 502], "new-shard"), partition={"space": SPACE}, key="new-shard"
    )
    assert json.loads((v5 / "catalog.json").read_text())["schema_version"] == SCHEMA_VERSION
    assert versions(v5) == {5, SCHEMA_VERSION}
    family = dict(catalog.scan(RUNS).select("run_id", "family").collect().rows())
    assert family == {RUN_ID: None, "next": "pcf"}
    assert api.open(v5).sql("SELECT run_id, family FROM runs ORDER BY run_id").rows() == [
        (RUN_ID, None),
        ("next", "pcf"),
    ]
    assert catalog.read_shard(RUNS, {}, "next")["family"].to_list() == ["pcf"]
    assert check(catalog) == []
    # one merged file of old and new rows, every shard still readable on its own
    compact(catalog, PCF)
    assert len(list((v5 / "pcf" / f"space={SPACE}").glob("*.parquet"))) == 1
    expected = {SHARDS[0]: [101, 102], SHARDS[1]: [201, 202, 203], "new-shard": [501, 502]}
    for key, ids in expected.items():
        assert catalog.read_shard(TableKind.PCF, {"space": SPACE}, key)["id"].to_list() == ids
    assert catalog.committed_keys(PCF, {"space": SPACE}) == set(expected)
    assert check(catalog) == []


def test_migrate_rewrites_it_to_the_current_version(v5: Path) -> None:
    before = {t: Catalog(v5).scan(t).collect() for t in TableKind if t in {"pcf", "runs"}}
    report = migrate(Catalog(v5))
    assert (report.version_before, report.version_after) == (5, SCHEMA_VERSION)
    assert len(report.files_rewritten) == 6  # every parquet file of the fixture
    assert versions(v5) == {SCHEMA_VERSION}
    assert json.loads((v5 / "catalog.json").read_text())["schema_version"] == SCHEMA_VERSION
    [merged] = (v5 / "pcf" / f"space={OTHER}").glob("*.parquet")
    assert read_footer(merged).key_rows == {OTHER_SHARDS[0]: (0, 1), OTHER_SHARDS[1]: (1, 3)}
    for table, frame in before.items():
        after = Catalog(v5).scan(table).collect()
        assert after.sort(after.columns[0]).equals(frame.sort(frame.columns[0]))
    assert check(Catalog(v5)) == []
    assert api.open(v5).sql("SELECT family FROM runs").rows() == [(None,)]
    assert not migrate(Catalog(v5)).changed


@pytest.mark.parametrize(
    ("version", "message"),
    [(4, "version 5 was not additive"), (99, "newer than this conjectura")],
)
def test_a_copy_marked_4_or_99_is_refused(v5: Path, version: int, message: str) -> None:
    (v5 / "catalog.json").write_text(json.dumps({"schema_version": version}))
    with pytest.raises(CatalogError, match=message):
        Catalog(v5).scan(PCF)
    with pytest.raises(CatalogError, match=message):
        api.open(v5)
    with pytest.raises(CatalogError, match=message):
        Catalog(v5).commit(RUNS, run_columns("x"), partition={}, key="x")
    with pytest.raises(CatalogError, match=message):
        migrate(Catalog(v5))
    assert any(message in p for p in check(Catalog(v5)))
    assert versions(v5) == {5}


def test_constants_and_conjectures_read_as_written(v5: Path) -> None:
    conjectures = Catalog(v5).scan("conjectures").collect()
    row = conjectures.row(0, named=True)
    assert (row["formula"], row["relation"], row["kind"]) == (
        "PCF(2n+1, n^2) = 4/pi",
        [-4, 0, 0, 1],
        "pcf_limit",
    )
    assert row["created_at"] == datetime(2024, 6, 1, 3, tzinfo=UTC)


def test_cli_migrates_the_v5_catalog_and_check_agrees(tmp_path: Path) -> None:
    import subprocess
    import sys

    copy = tmp_path / "catalog"
    shutil.copytree(FIXTURE, copy)

    def cli(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "conjectura.flows.cli", "catalog", *args]
        return subprocess.run(
            [*command, "--catalog", str(copy)], capture_output=True, text=True, timeout=120
        )

    first = cli("migrate")
    assert first.returncode == 0, first.stderr
    assert f"schema version 5 -> {SCHEMA_VERSION}" in first.stdout
    assert " 0 files rewritten" not in first.stdout
    again = cli("migrate")
    version = SCHEMA_VERSION
    assert again.returncode == 0 and f"{version} -> {version}, 0 files rewritten" in again.stdout
    checked = cli("check")
    assert checked.returncode == 0, checked.stdout
