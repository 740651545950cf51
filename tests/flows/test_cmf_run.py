"""The user's path for matrix fields: `conjectura run` on a cmf spec with its own Prefect
server and a LocalCluster, committed exactly once (a second run adds nothing), resumable,
reported with the field's page; and bad fields refused with exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

pytestmark = pytest.mark.integration

SPEC = """name: cmf-small
family: cmf
cmf: zeta3
directions: {box: 1}
start: [1, 1]
depth: 1000
constants: [zeta3]
shard_size: 2
"""


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    environment["COLUMNS"] = "250"
    return subprocess.run(
        [sys.executable, "-m", "conjectura.flows.cli", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        env=environment,
    )


def read(catalog: Path, table: str) -> pl.DataFrame:
    return pl.read_parquet(str(catalog / table / "**" / "*.parquet"), hive_partitioning=True)


def test_a_field_run_commits_each_trajectory_once_and_reports_it(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text(SPEC)
    first = cli(tmp_path, "run", "spec.yaml", "--workers", "2", "--no-progress")
    assert first.returncode == 0, first.stderr[-3000:]
    assert "trajectories of zeta3" in first.stdout
    catalog = tmp_path / "data" / "catalog"
    trajectories = read(catalog, "trajectories")
    assert trajectories.height == 5  # box 1: (1,0), (0,1), (1,1), (1,-1), (-1,1)
    assert trajectories["trajectory_id"].n_unique() == 5
    assert set(trajectories["cmf"]) == {"zeta3"}
    diagonal = trajectories.filter(pl.col("trajectory_id") == "zeta3:1,1@1,1").row(0, named=True)
    assert diagonal["status"] == "verified" and diagonal["family_id"] is not None
    conjectures = read(catalog, "conjectures").filter(pl.col("kind") == "cmf_trajectory")
    assert conjectures.height >= 1 and (conjectures["status"] == "verified").all()
    apery = conjectures.filter(pl.col("formula").str.starts_with("PCF(34n^3+51n^2+27n+5, -n^6)"))
    assert apery.height == 1 and apery["known"][0] == "apery-6-over-zeta3"
    families = read(catalog, "families")
    assert set(families["conjecture_id"]) == set(conjectures["conjecture_id"])

    again = cli(tmp_path, "run", "spec.yaml", "--workers", "1", "--no-progress")
    assert again.returncode == 0, again.stderr[-3000:]
    assert read(catalog, "trajectories").height == 5
    assert read(catalog, "conjectures").filter(pl.col("kind") == "cmf_trajectory").height == (
        conjectures.height
    )
    assert read(catalog, "families").height == families.height

    report = cli(tmp_path, "report", "--out", "report")
    assert report.returncode == 0, report.stderr[-3000:]
    page = (tmp_path / "report" / "cmf-zeta3.html").read_text()
    assert "trajectory maps" in page and "<math" in page and "FR δ" in page
    assert "cmf-zeta3.html" in (tmp_path / "report" / "fields.html").read_text()


BAD = {
    "not-conservative": (
        SPEC.replace("cmf: zeta3", 'matrices: {x: [[1, "y"], [0, 1]], y: [[1, 0], ["x", 1]]}'),
        "not conservative",
    ),
    "unknown-symbol": (
        SPEC.replace("cmf: zeta3", 'matrices: {x: [[1, "t"], [0, 1]], y: [[1, 0], [0, 1]]}'),
        "unknown symbol 't'",
    ),
    "not-square": (
        SPEC.replace("cmf: zeta3", "matrices: {x: [[1, 0], [0]], y: [[1, 0], [0, 1]]}"),
        "not square",
    ),
    "both-fields": (SPEC.replace("cmf: zeta3", "cmf: zeta3\nmatrices: {x: [[1]]}"), "exactly one"),
    "wrong-length": (SPEC.replace("start: [1, 1]", "start: [1, 1, 1]"), "has 3 entries"),
    "unknown-field": (SPEC.replace("cmf: zeta3", "cmf: zeta5"), "no field 'zeta5'"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_field_exits_2_naming_the_problem_and_writes_nothing(
    tmp_path: Path, case: str
) -> None:
    text, message = BAD[case]
    (tmp_path / "spec.yaml").write_text(text)
    result = cli(tmp_path, "run", "spec.yaml", "--no-progress")
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert message in result.stderr
    assert not (tmp_path / "data").exists()
