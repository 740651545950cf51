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
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "conjectura.flows.cli",
            "run",
            "spec.yaml",
            "--workers",
            "2",
            "--no-progress",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env=environment,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "PCF(2n+1, n^2) = 4/pi" in result.stdout
    assert "verified" in result.stdout
    assert "temporary server" not in result.stderr  # one server for the run, ours
    catalog = tmp_path / "data" / "catalog"
    pcf = pl.read_parquet(str(catalog / "pcf/**/*.parquet"), hive_partitioning=True)
    assert pcf.height == 16
    log = (tmp_path / ".prefect" / "server.log").read_text()
    port = int(re.search(r"http://127\.0\.0\.1:(\d+)/api", log).group(1))
    with socket.socket() as probe:  # the run's server is gone with the run
        assert probe.connect_ex(("127.0.0.1", port)) != 0
