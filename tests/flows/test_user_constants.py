"""User constants by mpmath expression through a run's front door: committed to the shared
constants table once, a catalog name given another expression refused, and a spec whose
expression cannot be evaluated refused before anything runs (exit 2, naming it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import mpmath
import pytest

from conjectura.catalog.store import Catalog
from conjectura.flows.runs import ConstantConflict, commit_constants
from conjectura.schemas.spec import PcfSpec, parse_spec
from conjectura.schemas.tables import TableKind

SPEC = """name: user
family: pcf
a: [[2, 3], 4]
b: [0, -1, -2]
depth: 200
constants: [pi, {{name: my_g, mpmath: "{expression}"}}]
"""
GAUSS = "1/agm(1, sqrt(2))"


def spec_of(expression: str) -> PcfSpec:
    spec = parse_spec(SPEC.format(expression=expression), source="user.yaml")
    assert isinstance(spec, PcfSpec)
    return spec


def constants_table(root: Path) -> dict[str, dict]:
    frame = Catalog(root).scan(TableKind.CONSTANTS).collect()
    return {row["name"]: row for row in frame.iter_rows(named=True)}


def test_user_constants_are_committed_with_their_expression(tmp_path: Path) -> None:
    expansions = commit_constants(Catalog(tmp_path), spec_of(GAUSS))
    table = constants_table(tmp_path)
    assert set(table) == {"pi", "my_g"}
    assert table["my_g"]["expression"] == GAUSS
    assert table["my_g"]["source"] == "user: mpmath expression"
    with mpmath.workdps(1060):
        gauss = mpmath.gamma(mpmath.mpf(1) / 4) ** 2 / (2 * mpmath.pi) ** 1.5  # not the AGM
        assert abs(mpmath.mpf(expansions["my_g"]) - gauss) < mpmath.mpf(10) ** -1000


def test_the_same_expression_again_is_accepted_and_not_rewritten(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    commit_constants(catalog, spec_of(GAUSS))
    files = sorted((tmp_path / "constants").rglob("*.parquet"))
    commit_constants(catalog, spec_of("1 / agm(1,sqrt(2))"))  # spacing only
    assert sorted((tmp_path / "constants").rglob("*.parquet")) == files


def test_a_name_the_catalog_defines_otherwise_is_refused(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    commit_constants(catalog, spec_of(GAUSS))
    before = constants_table(tmp_path)
    with pytest.raises(ConstantConflict, match=r"constant my_g: .*'sqrt\(2\)'"):
        commit_constants(catalog, spec_of("sqrt(2)"))
    assert constants_table(tmp_path) == before


def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "conjectura.flows.cli", "run", *args, "--no-progress"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("expression", "reason"),
    [("gamma(0)", "gamma function pole"), ("log(-1) + 1", "is not real")],
)
def test_an_expression_that_cannot_be_evaluated_exits_2_naming_it(
    tmp_path: Path, expression: str, reason: str
) -> None:
    (tmp_path / "spec.yaml").write_text(SPEC.format(expression=expression))
    result = run_cli(tmp_path, "spec.yaml", "--catalog", str(tmp_path / "catalog"))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "spec.yaml" in lines[0] and "my_g" in lines[0] and reason in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]  # nothing written


@pytest.mark.integration
def test_a_run_whose_constant_the_catalog_defines_otherwise_exits_2(tmp_path: Path) -> None:
    root = tmp_path / "catalog"
    commit_constants(Catalog(root), spec_of(GAUSS))  # an earlier run's my_g
    (tmp_path / "spec.yaml").write_text(SPEC.format(expression="sqrt(2)"))
    result = run_cli(tmp_path, "spec.yaml", "--catalog", str(root))
    assert result.returncode == 2, result.stderr
    assert "constant my_g" in result.stderr and "sqrt(2)" in result.stderr
    assert Catalog(root).scan(TableKind.RUNS).collect().height == 0  # no run was recorded
    assert constants_table(root)["my_g"]["expression"] == GAUSS
