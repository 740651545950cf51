"""Analysts: SQL equals Polars on a catalog built by a real run; the Python API; the
HTML report opened in headless Chromium (no network), screenshot kept as an artifact."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from conjectura.catalog import api
from conjectura.schemas.spec import parse_spec
from tests.flows.chromium import chromium

pytestmark = pytest.mark.integration

SPEC = """
name: analysts
family: pcf
a: [[-2, 3], [0, 3]]
b: [[0, 1], [-1, 1], [-2, 1]]
depth: 500
constants: [pi, e, log2, sqrt2, sqrt5]
dynamics: {depth: 400}
shard_size: 100
"""
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def catalog_root(prefect_api, tmp_path_factory) -> Path:
    from conjectura.flows.dask_clusters import dask_task_runner
    from conjectura.flows.pcf import pcf_search
    from conjectura.flows.runs import new_run_id

    root = tmp_path_factory.mktemp("catalog")
    pcf_search.with_options(task_runner=dask_task_runner(workers=2))(
        spec=parse_spec(SPEC, source="analysts"),
        catalog_root=str(root),
        run_id=new_run_id(),
        show_progress=False,
    )
    return root


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "conjectura.flows.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


QUERIES = [
    (
        "SELECT status, count(*) AS n FROM pcf GROUP BY status ORDER BY status",
        lambda r: r.pcf().group_by("status").agg(n=pl.len()).sort("status"),
    ),
    (
        "SELECT formula, digits FROM conjectures WHERE list_contains(basis, 'pi') ORDER BY formula",
        lambda r: (
            r.conjectures()
            .filter(pl.col("basis").list.contains("pi"))
            .select("formula", "digits")
            .sort("formula")
        ),
    ),
    (
        "SELECT space, count(*) AS n FROM pcf WHERE delta_fr > 0 GROUP BY space",
        lambda r: r.pcf().filter(pl.col("delta_fr") > 0).group_by("space").agg(n=pl.len()),
    ),
]


@pytest.mark.parametrize(("sql", "polars"), QUERIES)
def test_sql_equals_polars(catalog_root: Path, sql, polars) -> None:
    reader = api.open(catalog_root)
    by_sql = reader.sql(sql)
    by_polars = polars(reader).collect()
    assert by_sql.height == by_polars.height
    assert by_sql.rows() == by_polars.rows()


def test_query_cli_formats(catalog_root: Path, tmp_path: Path) -> None:
    sql = "SELECT subject, digits FROM conjectures ORDER BY subject"
    as_json = cli("query", sql, "--catalog", str(catalog_root), "--format", "json", cwd=tmp_path)
    assert as_json.returncode == 0, as_json.stderr
    rows = json.loads(as_json.stdout)
    expected = (
        api.open(catalog_root).conjectures().select("subject", "digits").sort("subject").collect()
    )
    assert [r["subject"] for r in rows] == expected["subject"].to_list()
    as_csv = cli("query", sql, "--catalog", str(catalog_root), "--format", "csv", cwd=tmp_path)
    assert as_csv.stdout.splitlines()[0] == "subject,digits"
    out = tmp_path / "q.parquet"
    cli(
        "query",
        sql,
        "--catalog",
        str(catalog_root),
        "--format",
        "parquet",
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert pl.read_parquet(out).equals(expected)
    pi = "SELECT a_coeffs, b_coeffs FROM conjectures WHERE subject = 'PCF(2n+1, n^2)'"
    as_table = cli("query", pi, "--catalog", str(catalog_root), cwd=tmp_path)
    assert as_table.returncode == 0, as_table.stderr
    assert "2n+1" in as_table.stdout and "n^2" in as_table.stdout  # the printer's polynomials
    assert "[1, 2]" not in as_table.stdout
    bad = cli("query", "SELECT nope FROM nowhere", "--catalog", str(catalog_root), cwd=tmp_path)
    assert bad.returncode == 2 and "query failed" in bad.stderr


def test_api_answers_the_three_questions(catalog_root: Path) -> None:
    reader = api.open(catalog_root)
    # which PCFs converge to something with pi?
    with_pi = reader.conjectures_with_pcf().filter(pl.col("basis").list.contains("pi")).collect()
    assert with_pi.height > 0 and with_pi["status_pcf"].unique().to_list() == ["converged"]
    # what did the last run find?
    latest = reader.latest_run()
    assert latest is not None and latest["status"] == "completed"
    found = reader.conjectures().filter(pl.col("run_id") == latest["run_id"]).collect()
    assert found.height == latest["conjectures"]
    assert api.decode_int(api.encode_int(-(10**40))) == -(10**40)


def test_report_opens_in_headless_chromium(catalog_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    built = cli("report", "--catalog", str(catalog_root), "--out", str(out), cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    page = out / "conjectures-001.html"
    text = page.read_text()
    assert "<svg" in text and "data:image/png;base64," in text  # formulas and plots inline
    assert not re.search(r"""(src|href)=["']https?:""", text)  # nothing to fetch
    assert "PCF(2n+1, n^2) = 4/pi" in text
    index = (out / "index.html").read_text()
    assert ("Runs over time" in index and "Clusters of" not in index) or "<img" in index
    ARTIFACTS.mkdir(exist_ok=True)
    for name in ("index.html", "conjectures-001.html"):
        shot = ARTIFACTS / f"report-{name.replace('.html', '')}.png"
        shot.unlink(missing_ok=True)
        run = chromium(f"--screenshot={shot}", (out / name).as_uri(), profile=tmp_path / "profile")
        console = [line for line in run.stderr.splitlines() if "CONSOLE" in line]
        assert console == [], console
        assert "Failed to load resource" not in run.stderr
        assert shot.exists() and shot.stat().st_size > 10_000
