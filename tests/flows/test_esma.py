"""`conjectura run` on the ESMA spec for e lists the known continued fractions."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

pytestmark = pytest.mark.integration

SPEC = Path(__file__).resolve().parents[2] / "examples" / "esma-e.yaml"


def test_esma_run_for_e(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    result = subprocess.run(
        [sys.executable, "-m", "conjectura.flows.cli", "run", str(SPEC), "--no-progress"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env=environment,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    conjectures = pl.read_parquet(
        str(tmp_path / "data/catalog/conjectures/**/*.parquet"), hive_partitioning=True
    )
    assert set(conjectures["kind"]) == {"esma_cf"}

    def one(subject: str, signs: list[int]) -> dict:
        rows = conjectures.filter(
            (pl.col("subject") == subject) & (pl.col("signs") == signs)
        ).to_dicts()
        assert len(rows) == 1, (subject, signs)
        assert rows[0]["status"] == "verified" and rows[0]["digits"] >= 100
        return rows[0]

    e = one("e", [1])
    assert e["initial_terms"][:3] == [2, 1, 2] and e["recurrence"] == [1, 0, 0, -2, 0, 0, 1]
    coth = one("(e + 1)/(e - 1)", [1])
    assert coth["recurrence"] == [1, -2, 1]
    assert (coth["a_coeffs"], coth["b_coeffs"]) == ([2, 4], [1])  # PCF(4n+2, 1)
    assert coth["basis"] == ["1", "e", "L", "L*e"] and coth["relation"] == [1, 1, 1, -1]
    alternating = one("e/(e - 1)", [1, -1])
    assert alternating["recurrence"] == [1, 0, -2, 0, 1]
    assert alternating["initial_terms"][:5] == [1, 2, 3, 2, 5]
    assert "e/(e - 1) = [1; 2, 3, 2, 5" in result.stdout
