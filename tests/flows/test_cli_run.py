"""The user's path: `conjectura run SPEC` starts its own Prefect server and a LocalCluster."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

pytestmark = pytest.mark.integration

SPEC = """name: cli-small
family: pcf
a: [[1, 2], [1, 2]]
b: [0, [-1, 0], [0, 1]]
depth: 400
constants: [pi, e]
shard_size: 8
"""


def test_run_prints_the_conjectures_table_and_leaves_no_server(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text(SPEC)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    environment["COLUMNS"] = "200"  # rich wraps table cells to the terminal's width

    def run(*extra: str) -> subprocess.CompletedProcess:
        command = ["run", "spec.yaml", "--workers", "2", "--no-progress", *extra]
        return subprocess.run(
            [sys.executable, "-m", "conjectura.flows.cli", *command],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=600,
            env=environment,
        )

    result = run()
    assert result.returncode == 0, result.stderr[-3000:]
    # one line per family: Brouncker's among them, known from the library
    assert "families of cli-small" in result.stdout
    line = next(x for x in result.stdout.splitlines() if "PCF(2n+1, n^2)" in x)
    assert "4/pi (verified)" in line and "known (brouncker-4-over-pi)" in line
    assert "temporary server" not in result.stderr  # one server for the run, ours
    # --all: every conjecture row instead (the run resumes: all is committed already)
    rows = run("--all")
    assert rows.returncode == 0, rows.stderr[-3000:]
    assert "PCF(2n+1, n^2) = 4/pi" in rows.stdout and "families of" not in rows.stdout
    catalog = tmp_path / "data" / "catalog"
    pcf = pl.read_parquet(str(catalog / "pcf/**/*.parquet"), hive_partitioning=True)
    assert pcf.height == 16
    log = (tmp_path / ".prefect" / "server.log").read_text()
    port = int(re.search(r"http://127\.0\.0\.1:(\d+)/api", log).group(1))
    with socket.socket() as probe:  # the run's server is gone with the run
        assert probe.connect_ex(("127.0.0.1", port)) != 0
