"""Exactly once under worker death, flow death, injected faults and concurrent runs.

Real processes on loopback: `conjectura run` subprocesses with their own Prefect server,
a `dask scheduler` with `dask worker` processes, SIGKILL where the issue says SIGKILL.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from conjectura.flows.plan import plan_shards
from conjectura.schemas.spec import PcfSpec, load_spec

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent
SPACE = """family: pcf
a: [[-4, 4], [-4, 4]]
b: [0, [-4, 4], [-2, 2]]
depth: 600
constants: [pi, e, log2, sqrt2, sqrt5]
shard_size: 500
"""  # 3,645 PCFs: 8 shards of 5 a-blocks and their mirrors (450 rows), then a ≡ 0 (45)


def spec_file(directory: Path, name: str, text: str = SPACE) -> Path:
    path = directory / f"{name}.yaml"
    path.write_text(f"name: {name}\n{text}")
    return path


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(extra)
    return env


def start_run(cwd: Path, spec: Path, *args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "conjectura"), "run", str(spec), "--no-progress", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(**env),
        start_new_session=True,
    )


def finish(process: subprocess.Popen, timeout: float = 420) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    return out


def wait_for_files(directory: Path, at_least: int, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(list(directory.rglob("*.parquet"))) >= at_least:
            return
        time.sleep(0.1)
    raise AssertionError(f"no {at_least} files under {directory} after {timeout}s")


def table(catalog: Path, name: str) -> pl.DataFrame:
    return pl.read_parquet(str(catalog / name / "**" / "*.parquet"), hive_partitioning=True)


def assert_exactly_once(catalog: Path, space_size: int) -> None:
    pcf = table(catalog, "pcf")
    assert pcf.height == space_size and pcf["id"].n_unique() == space_size
    conjectures = table(catalog, "conjectures")
    assert conjectures["conjecture_id"].n_unique() == conjectures.height > 0


def assert_whole_shards(pcf: pl.DataFrame, spec: Path, at_least: int) -> None:
    """What a reader sees at any moment: whole shards of the spec's plan, each PCF once."""
    plan = load_spec(spec)
    assert isinstance(plan, PcfSpec)
    sizes = {shard.shard_id: shard.size for shard in plan_shards(plan)}
    counts = dict(pcf.group_by("shard").len().iter_rows())
    assert len(counts) >= at_least and all(counts[s] == sizes.get(s) for s in counts), counts
    assert pcf["id"].n_unique() == pcf.height


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"nothing listens on port {port} after {timeout}s")


@contextlib.contextmanager
def dask_processes(workers: int = 2) -> Iterator[tuple[str, list[subprocess.Popen]]]:
    """A real `dask scheduler` and `dask worker` processes on loopback, killed afterwards;
    yields the address once the scheduler listens, and the worker processes."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"start_new_session": True, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [
            str(BIN / "dask"),
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-dashboard",
        ],
        **quiet,
    )
    processes = [
        subprocess.Popen(
            [
                str(BIN / "dask"),
                "worker",
                address,
                "--nworkers",
                "1",
                "--nthreads",
                "1",
                "--no-dashboard",
                "--host",
                "127.0.0.1",
                "--name",
                f"w{i}",
            ],
            **quiet,
        )
        for i in range(workers)
    ]
    try:
        wait_for_port(port)  # a run checks the scheduler answers before it starts
        yield address, processes
    finally:
        for process in [*processes, scheduler]:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_sigkill_a_worker_mid_run(tmp_path: Path) -> None:
    with dask_processes() as (address, workers):
        run = start_run(
            tmp_path,
            spec_file(tmp_path, "killworker"),
            "--address",
            address,
            "--max-in-flight",
            "4",
        )
        wait_for_files(tmp_path / "data" / "catalog" / "pcf", 2)
        os.killpg(workers[0].pid, signal.SIGKILL)
        finish(run)
    assert_exactly_once(tmp_path / "data" / "catalog", 3645)


def test_sigkill_the_flow_then_resume_equals_a_clean_run(tmp_path: Path) -> None:
    interrupted, clean = tmp_path / "interrupted", tmp_path / "clean"
    interrupted.mkdir()
    clean.mkdir()
    spec = spec_file(tmp_path, "resume")
    run = start_run(interrupted, spec, "--max-in-flight", "2")
    wait_for_files(interrupted / "data" / "catalog" / "pcf", 2)
    # Queryable while it runs; whatever the run has reached: whole shards, each PCF once.
    assert_whole_shards(table(interrupted / "data" / "catalog", "pcf"), spec, at_least=2)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    # Whenever the kill landed: whole shards, each PCF once, and the resumed run skips
    # exactly the shards whose identification was committed (all 9 if the run had ended).
    assert_whole_shards(table(interrupted / "data" / "catalog", "pcf"), spec, at_least=2)
    identified = len(list((interrupted / "data" / "catalog" / "conjectures").rglob("*.parquet")))
    resumed = finish(start_run(interrupted, spec))
    assert f"9 shards, {identified} already committed" in resumed
    finish(start_run(clean, spec))
    for name, volatile in (("pcf", []), ("conjectures", ["run_id", "created_at"])):
        a = table(interrupted / "data" / "catalog", name).drop(volatile)
        b = table(clean / "data" / "catalog", name).drop(volatile)
        key = "id" if name == "pcf" else "conjecture_id"
        assert a.sort(key).equals(b.sort(key), null_equal=True)
    assert_exactly_once(interrupted / "data" / "catalog", 3645)


def test_injected_faults_are_retried_and_rows_appear_once(tmp_path: Path) -> None:
    faults = "screen:1:after_commit,identify:2:after_commit,screen:3:before_commit"
    out = finish(start_run(tmp_path, spec_file(tmp_path, "faults"), CONJECTURA_FAULTS=faults))
    assert "9 shards, 0 already committed" in out
    assert_exactly_once(tmp_path / "data" / "catalog", 3645)
    check = subprocess.run(
        [str(BIN / "conjectura"), "catalog", "check"], cwd=tmp_path, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout
    # and once more: running the same spec again adds nothing
    again = finish(start_run(tmp_path, spec_file(tmp_path, "faults")))
    assert "9 shards, 9 already committed" in again
    assert_exactly_once(tmp_path / "data" / "catalog", 3645)
    # a truncated file is named by `catalog check`, which exits non-zero
    victim = sorted((tmp_path / "data" / "catalog" / "pcf").rglob("*.parquet"))[3]
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])
    check = subprocess.run(
        [str(BIN / "conjectura"), "catalog", "check"], cwd=tmp_path, capture_output=True, text=True
    )
    assert check.returncode == 1 and str(victim) in check.stdout


def test_two_runs_at_once_into_one_catalog(tmp_path: Path) -> None:
    other = SPACE.replace("[0, [-4, 4], [-2, 2]]", "[0, [-4, 4], [-1, 1]]")
    first = start_run(tmp_path, spec_file(tmp_path, "first"), "--workers", "1")
    second = start_run(tmp_path, spec_file(tmp_path, "second", other), "--workers", "1")
    finish(first)
    finish(second)
    pcf = table(tmp_path / "data" / "catalog", "pcf")
    counts = dict(pcf.group_by(pl.col("space").str.extract(r"^(\w+)-")).len().iter_rows())
    assert counts == {"first": 3645, "second": 2187}
    assert pcf.group_by("space").agg(pl.col("id").n_unique() == pl.len())["id"].all()
    runs = table(tmp_path / "data" / "catalog", "runs")
    assert sorted(runs["status"]) == ["completed", "completed"]
