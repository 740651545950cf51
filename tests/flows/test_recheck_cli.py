"""`conjectura catalog recheck` on the default run's catalog: 0 false, exit 0; a planted
wrong relation is named and makes it exit 1."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conjectura.catalog.store import Catalog
from conjectura.schemas.tables import CONJECTURES, TableKind

pytestmark = pytest.mark.integration


def conjectura(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return subprocess.run(
        [sys.executable, "-m", "conjectura.flows.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        env=environment,
    )


def planted_row() -> dict[str, list]:
    """PCF(2n+1, n^2) = 3/pi claimed to 50 digits (it is 4/pi)."""
    row = {
        "conjecture_id": "planted0false000",
        "detector": "planted",
        "run_id": "planted",
        "created_at": datetime.now(UTC),
        "subject": "PCF(2n+1, n^2)",
        "a_coeffs": [1, 2],
        "b_coeffs": [0, 0, 1],
        "basis": ["1", "pi", "L", "L*pi"],
        "relation": [3, 0, 0, -1],
        "formula": "PCF(2n+1, n^2) = 3/pi",
        "digits": 50.0,
        "status": "verified",
        "exact_depth": 128,
        "method": "exact",
    }
    return {name: [row.get(name)] for name in CONJECTURES.schema.names}


def test_recheck_of_the_default_run_and_of_a_planted_false_row(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    run = conjectura("run", "--no-progress", "--catalog", str(catalog), cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]

    clean = conjectura("catalog", "recheck", "--catalog", str(catalog), cwd=tmp_path)
    assert clean.returncode == 0, clean.stdout[-3000:] + clean.stderr[-3000:]
    summary = re.search(r"(\d+) rows: (\d+) confirmed, (\d+) false", clean.stdout)
    assert summary is not None, clean.stdout
    rows, confirmed, false = map(int, summary.groups())
    assert false == 0
    assert rows > 0 and confirmed > 0  # the default run verifies formulas such as 4/pi
    assert "false:" not in clean.stdout

    Catalog(catalog).commit(
        TableKind.CONJECTURES, planted_row(), partition={"kind": "pcf_limit"}, key="planted"
    )
    planted = conjectura("catalog", "recheck", "--catalog", str(catalog), cwd=tmp_path)
    assert planted.returncode == 1, planted.stdout[-3000:] + planted.stderr[-3000:]
    lines = [line for line in planted.stdout.splitlines() if line.startswith("false:")]
    assert len(lines) == 1
    assert "planted0false000" in lines[0] and "3/pi" in lines[0]
    assert re.search(rf"{rows + 1} rows: {confirmed} confirmed, 1 false", planted.stdout)

    sample = conjectura(
        "catalog",
        "recheck",
        "--catalog",
        str(catalog),
        "--sample",
        "3",
        "--seed",
        "1",
        cwd=tmp_path,
    )
    assert sample.returncode in (0, 1)
    assert "3 rows:" in sample.stdout
