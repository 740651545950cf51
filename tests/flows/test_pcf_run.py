"""End to end: a real Prefect server, a real Dask LocalCluster, Parquet on disk."""

from __future__ import annotations

from pathlib import Path

import duckdb
import mpmath
import polars as pl
import pytest

from conjectura.schemas.spec import parse_spec

pytestmark = pytest.mark.integration

SMALL = """
name: small
family: pcf
a: [[1, 3], [0, 3]]
b: [[0, 1], [-1, 0], [-2, 1]]
depth: 500
constants: [pi, e, log2, sqrt5]
shard_size: 50
"""

# What the test expects, with the limits computed here by mpmath alone.
EXPECTED = {
    "PCF(2n+1, n^2)": lambda: 4 / mpmath.pi,
    "PCF(n+3, -n)": lambda: +mpmath.e,
    "PCF(3n+2, -2n^2)": lambda: 1 / mpmath.log(2),
    "PCF(1, 1)": lambda: (1 + mpmath.sqrt(5)) / 2,
}
CONSTANTS = {
    "1": lambda: mpmath.mpf(1),
    "pi": lambda: +mpmath.pi,
    "e": lambda: +mpmath.e,
    "log2": lambda: mpmath.log(2),
    "sqrt5": lambda: mpmath.sqrt(5),
}


def backward_value(a: list[int], b: list[int], depth: int) -> mpmath.mpf:
    """p_N/q_N as a(0) + b(1)/(a(1) + ... + b(N)/a(N)), independent of conjectura."""
    value = lambda poly, n: sum(c * n**k for k, c in enumerate(poly))  # noqa: E731
    tail = mpmath.mpf(value(a, depth))
    for k in range(depth, 0, -1):
        tail = value(a, k - 1) + value(b, k) / tail
    return tail


def relation_residual(basis: list[str], relation: list[int], L: mpmath.mpf) -> mpmath.mpf:
    total = mpmath.mpf(0)
    for entry, coefficient in zip(basis, relation, strict=True):
        value = mpmath.mpf(1)
        for factor in entry.split("*"):
            value *= L if factor == "L" else CONSTANTS[factor]()
        total += coefficient * value
    return abs(total)


@pytest.fixture(scope="module")
def finished_run(prefect_api, tmp_path_factory):
    from conjectura.flows.dask_clusters import dask_task_runner
    from conjectura.flows.pcf import pcf_search
    from conjectura.flows.runs import new_run_id

    root = tmp_path_factory.mktemp("catalog")
    spec = parse_spec(SMALL, source="small")
    run_id = new_run_id()
    summary = pcf_search.with_options(task_runner=dask_task_runner(workers=2))(
        spec=spec, catalog_root=str(root), run_id=run_id, show_progress=False
    )
    return spec, Path(root), summary


def test_every_pcf_of_the_space_is_committed_once(finished_run) -> None:
    spec, root, summary = finished_run
    pcf = pl.scan_parquet(str(root / "pcf/**/*.parquet"), hive_partitioning=True).collect()
    assert pcf.height == spec.space_size == 192 == summary["pcfs"]
    assert pcf["id"].n_unique() == 192
    assert set(pcf["space"]) == {spec.label}
    assert len(list((root / "pcf").rglob("*.parquet"))) == 4  # 192 PCFs in shards of 50


def test_expected_formulas_are_verified_and_recheck_with_mpmath(finished_run) -> None:
    _, root, _ = finished_run
    conjectures = pl.read_parquet(str(root / "conjectures/**/*.parquet"), hive_partitioning=True)
    by_subject = {row["subject"]: row for row in conjectures.iter_rows(named=True)}
    for subject, limit in EXPECTED.items():
        row = by_subject[subject]
        assert row["kind"] == "pcf_limit" and row["status"] == "verified"
        with mpmath.workdps(row["digits"] + 40):
            L = limit()
            assert relation_residual(row["basis"], row["relation"], L) < mpmath.mpf(10) ** -45
            # the claimed digits are really there: the convergent at exact_depth, computed
            # here by backward evaluation, agrees with the true limit that far
            convergent = backward_value(row["a_coeffs"], row["b_coeffs"], row["exact_depth"])
            assert -mpmath.log10(abs(convergent / L - 1)) >= row["digits"] - 0.5


def test_duckdb_reads_the_same_catalog(finished_run) -> None:
    _, root, summary = finished_run
    glob = str(root / "conjectures" / "**" / "*.parquet")
    count, verified = duckdb.sql(
        f"SELECT count(*), count(*) FILTER (WHERE status = 'verified') "
        f"FROM read_parquet('{glob}', hive_partitioning=true) WHERE kind = 'pcf_limit'"
    ).fetchall()[0]
    assert (count, verified) == (summary["conjectures"], summary["verified"])


def test_run_row_and_constants(finished_run) -> None:
    _, root, summary = finished_run
    runs = pl.read_parquet(root / "runs")
    assert runs.height == 1 and runs["status"][0] == "completed"
    assert runs["pcfs"][0] == 192 and runs["run_id"][0] == summary["run_id"]
    constants = pl.read_parquet(root / "constants")
    assert set(constants["name"]) == {"pi", "e", "log2", "sqrt5"}
    assert constants["value"].str.len_chars().min() >= 1000
    with mpmath.workdps(1000):
        pi = constants.filter(pl.col("name") == "pi")["value"][0]
        assert abs(mpmath.mpf(pi) - mpmath.pi) < mpmath.mpf(10) ** -995


def test_tasks_ran_on_workers_against_the_one_api_server(finished_run, prefect_api) -> None:
    """Every shard's tasks are recorded, completed, in the session's server."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        assert str(client.api_url).rstrip("/") == prefect_api.rstrip("/")
        task_runs = client.read_task_runs()
    names = [run.name.rsplit("-", 1)[0] for run in task_runs if run.state.is_completed()]
    assert names.count("screen-shard") >= 4 and names.count("identify-shard") >= 4
