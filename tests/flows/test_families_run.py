"""Families in a real run: every PCF conjecture gets a family, every certificate written
re-checks with sympy (independently of kernels.equivalence), and a second run of the same
spec replaces the families file instead of adding to it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mpmath
import polars as pl
import pytest

from conjectura.schemas.spec import parse_spec
from tests.flows.stages.test_families import independently_holds

pytestmark = pytest.mark.integration

SPEC = """
name: families
family: pcf
a: [[-3, 3], [-2, 2]]
b: [[-1, 1], [-1, 2], [0, 1]]
depth: 500
constants: [pi, e, log2, sqrt2, sqrt5]
shard_size: 200
"""


def run(root: Path) -> dict:
    from prefect.task_runners import ThreadPoolTaskRunner

    from conjectura.flows.pcf import pcf_search
    from conjectura.flows.runs import new_run_id

    # one task at a time: mpmath's working precision is process-global
    return pcf_search.with_options(task_runner=ThreadPoolTaskRunner(max_workers=1))(
        spec=parse_spec(SPEC, source="families"),
        catalog_root=str(root),
        run_id=new_run_id(),
        show_progress=False,
    )


@pytest.fixture(scope="module")
def catalog_root(prefect_api, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("catalog")
    run(root)
    return root


def tables(root: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    conjectures = pl.read_parquet(root / "conjectures" / "**" / "*.parquet", hive_partitioning=True)
    families = pl.read_parquet(root / "families" / "*.parquet")
    return conjectures, families


def test_every_pcf_conjecture_has_one_family_row(catalog_root: Path) -> None:
    conjectures, families = tables(catalog_root)
    assert conjectures.height > 20
    assert conjectures["family_id"].null_count() == 0
    assert conjectures["novelty"].null_count() == 0
    assert set(conjectures["novelty"]) <= {"known", "known-constant-new-pcf", "new"}
    assert sorted(families["conjecture_id"]) == sorted(conjectures["conjecture_id"])
    joined = conjectures.join(families, on="conjecture_id", suffix="_f")
    assert (joined["family_id"] == joined["family_id_f"]).all()
    # fewer families than conjectures: mirrors at least fold into one
    assert families["family_id"].n_unique() < conjectures.height
    assert {"representative", "mirror"} <= set(families["kind"])
    # Brouncker's formula is in the space and the library knows it
    brouncker = conjectures.filter(pl.col("subject") == "PCF(2n+1, n^2)").row(0, named=True)
    assert brouncker["known"] == "brouncker-4-over-pi" and brouncker["novelty"] == "known"


def test_every_certificate_rechecks_with_sympy_and_maps_the_limits(catalog_root: Path) -> None:
    _, families = tables(catalog_root)
    screened = pl.read_parquet(catalog_root / "pcf" / "**" / "*.parquet", hive_partitioning=True)
    limits = dict(zip(screened["id"], screened["limit"], strict=True))
    by_coefficients = {
        (tuple(a), tuple(b)): limits[i]
        for i, a, b in families.select("pcf_id", "a_coeffs", "b_coeffs").iter_rows()
    }
    for row in families.iter_rows(named=True):
        assert independently_holds(row), row
        (t11, t12), (t21, t22) = row["limit_map"]
        rep = mpmath.mpf(by_coefficients[(tuple(row["rep_a_coeffs"]), tuple(row["rep_b_coeffs"]))])
        member = limits[row["pcf_id"]]
        # float64 screen limits: agreement to a few digits is what they can show
        assert abs((t11 * rep + t12) / (t21 * rep + t22) - member) <= 1e-4 * max(1, abs(member))


def test_a_second_run_replaces_the_families_instead_of_adding(catalog_root: Path) -> None:
    before_conjectures, before = tables(catalog_root)
    run(catalog_root)
    after_conjectures, after = tables(catalog_root)
    assert after.height == before.height
    assert sorted(after["family_id"]) == sorted(before["family_id"])
    assert after_conjectures.height == before_conjectures.height
    assert len(list((catalog_root / "families").glob("*.parquet"))) == 1


def test_catalog_families_recomputes_the_same_families(catalog_root: Path) -> None:
    _, before = tables(catalog_root)
    refresh = subprocess.run(
        [sys.executable, "-m", "conjectura.flows.cli", "catalog", "families"],
        env={**os.environ, "CONJECTURA_CATALOG": str(catalog_root)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert refresh.returncode == 0, refresh.stderr
    assert f"{before.height} PCF conjectures in" in refresh.stdout
    _, after = tables(catalog_root)
    assert after.sort("conjecture_id")["family_id"].to_list() == (
        before.sort("conjecture_id")["family_id"].to_list()
    )
    assert set(after["run_id"]) != set(before["run_id"])  # rewritten by the refresh
    bad = subprocess.run(
        [sys.executable, "-m", "conjectura.flows.cli", "catalog", "families", "--space", "nope"],
        env={**os.environ, "CONJECTURA_CATALOG": str(catalog_root)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert bad.returncode == 2 and "no PCF conjectures in space nope" in bad.stderr
