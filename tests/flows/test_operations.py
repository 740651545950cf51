"""Operations: a served deployment run by the Prefect API, --address on a real scheduler,
cluster profiles rendered offline, and bad operational input refused with exit 2."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.flows.test_reliability import (
    BIN,
    dask_processes,
    environment,
    free_port,
    table,
)

pytestmark = pytest.mark.integration

SMALL = """name: nightly
family: pcf
a: [[1, 3], [0, 3]]
b: [[0, 1], [-1, 0], [-2, 1]]
depth: 500
constants: [pi, e, log2, sqrt5]
shard_size: 50
"""

TRIGGER = """
import json
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
run = run_deployment("scheduled-search/nightly", timeout=600)
with get_client(sync_client=True) as client:
    keys = [a.key for a in client.read_artifacts() if a.key]
print(json.dumps({"state": run.state.type.value, "artifacts": keys}))
"""


def wait_until(ready: Callable[[], bool], what: str, timeout: float = 180) -> None:
    """Return once ``ready()`` holds; fail naming ``what`` after ``timeout`` seconds.
    ``ready`` asks a real readiness signal (an API answer), not the clock."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not ready after {timeout:.0f}s")
        time.sleep(0.25)


def api_answers(url: str, status: int = 200) -> Callable[[], bool]:
    """A readiness signal: GET ``url`` answers ``status`` (a refused connection: not yet)."""

    def ready() -> bool:
        try:
            return httpx.get(url, timeout=10).status_code == status
        except httpx.TransportError:
            return False

    return ready


def cli(cwd: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "conjectura"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment(),
    )


def test_served_deployment_runs_and_publishes_an_artifact(tmp_path: Path) -> None:
    (tmp_path / "nightly.yaml").write_text(SMALL)
    serve = subprocess.Popen(
        [str(BIN / "conjectura"), "serve", "nightly.yaml", "--interval", "86400"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=environment(),
        start_new_session=True,
    )
    try:
        url = serve.stdout.readline().split(" on ", 1)[1].split(" ", 1)[0]
        wait_until(  # serve registers its deployment after it prints the URL
            api_answers(f"{url}/deployments/name/scheduled-search/nightly"),
            "deployment scheduled-search/nightly in the served API",
        )
        trigger_env = environment(PREFECT_API_URL=url, PREFECT_HOME=str(tmp_path / "client"))
        results = []
        for _ in range(2):  # the second scheduled run only adds what is new: nothing
            done = subprocess.run(
                [sys.executable, "-c", TRIGGER],
                capture_output=True,
                text=True,
                env=trigger_env,
                timeout=600,
            )
            assert done.returncode == 0, done.stderr[-2000:]
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
            pcf = table(tmp_path / "data" / "catalog", "pcf")
            assert pcf.height == 192 and pcf["id"].n_unique() == 192
    finally:
        os.killpg(serve.pid, signal.SIGINT)
        try:
            serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
    assert [r["state"] for r in results] == ["COMPLETED", "COMPLETED"]
    assert "conjectures-nightly" in results[0]["artifacts"]
    runs = table(tmp_path / "data" / "catalog", "runs")
    assert sorted(runs["status"]) == ["completed", "completed"]
    conjectures = table(tmp_path / "data" / "catalog", "conjectures")
    assert conjectures["conjecture_id"].n_unique() == conjectures.height > 0


def test_address_run_equals_a_local_run(tmp_path: Path) -> None:
    (tmp_path / "nightly.yaml").write_text(SMALL)
    with dask_processes() as (address, _):
        remote = cli(
            tmp_path,
            "run",
            "nightly.yaml",
            "--address",
            address,
            "--no-progress",
            "--catalog",
            "remote",
        )
        assert remote.returncode == 0, remote.stderr[-2000:]
    local = cli(tmp_path, "run", "nightly.yaml", "--no-progress", "--catalog", "local")
    assert local.returncode == 0, local.stderr[-2000:]
    for name, key, volatile in (
        ("pcf", "id", []),
        ("conjectures", "conjecture_id", ["run_id", "created_at"]),
    ):
        a = table(tmp_path / "remote", name).drop(volatile).sort(key)
        b = table(tmp_path / "local", name).drop(volatile).sort(key)
        assert a.equals(b, null_equal=True) and a.height > 0


def test_profiles_render_offline_with_their_settings(tmp_path: Path) -> None:
    slurm = cli(tmp_path, "cluster", "render", "slurm")
    assert slurm.returncode == 0, slurm.stderr
    for expected in (
        "#SBATCH -p normal",
        "#SBATCH -t 02:00:00",
        "--cpus-per-task=8",
        "#SBATCH --exclusive",
        "--nworkers 8",
    ):
        assert expected in slurm.stdout
    kube = cli(tmp_path, "cluster", "render", "kubernetes")
    assert kube.returncode == 0, kube.stderr
    for expected in (
        "kind: DaskCluster",
        "image: ghcr.io/conjectura/conjectura:0.1.0",
        "replicas: 8",
        "memory: 4G",
    ):
        assert expected in kube.stdout
    custom = tmp_path / "mine.yaml"
    custom.write_text(
        "name: mine\nkind: slurm\nslurm: {queue: gpu, cores: 2, memory: 4GB, "
        "walltime: '00:30:00', account: lab42}\n"
    )
    rendered = cli(tmp_path, "cluster", "render", str(custom))
    assert "#SBATCH -p gpu" in rendered.stdout and "#SBATCH -A lab42" in rendered.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "nightly.yaml", "--cluster", "bad.yaml"], "needs a `kubernetes:` section"),
        (["run", "nightly.yaml", "--cluster", "missing"], "cluster profile 'missing' not found"),
        (["run", "nightly.yaml", "--address", "tcp://127.0.0.1:9"], "no Dask scheduler reachable"),
        (["serve", "nightly.yaml", "--cron", "0 25 * * *"], "does not parse"),
        (["serve", "nightly.yaml", "--cron", "every night"], "does not parse"),
    ],
)
def test_bad_operational_input_exits_2_and_writes_nothing(tmp_path: Path, args, message) -> None:
    (tmp_path / "nightly.yaml").write_text(SMALL)
    (tmp_path / "bad.yaml").write_text("name: bad\nkind: kubernetes\nworkers: 2\n")
    result = cli(tmp_path, *args, timeout=120)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "nightly.yaml"]


def test_infra_deployments_register_with_a_work_pool(tmp_path: Path) -> None:
    port = free_port()
    env = environment(
        PREFECT_HOME=str(tmp_path / "home"),
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_API_URL=f"http://127.0.0.1:{port}/api",
        CONJECTURA_HOME=str(Path.cwd()),
    )
    server = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    repo = Path(__file__).resolve().parents[2]
    api = f"http://127.0.0.1:{port}/api"
    try:
        # the port opens a moment before the API answers: wait for its readiness check
        wait_until(api_answers(f"{api}/ready"), f"prefect server on port {port}")

        def prefect(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run(
                [str(BIN / "prefect"), "--no-prompt", *args],
                cwd=repo,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )

        pool = prefect("work-pool", "create", "conjectura", "--type", "process")
        assert pool.returncode == 0, pool.stdout + pool.stderr
        deployed = prefect("deploy", "--all", "--prefect-file", "infra/prefect.yaml")
        assert deployed.returncode == 0, deployed.stdout[-2000:] + deployed.stderr[-2000:]
        for name, cron in (("nightly-default", "0 3 * * *"), ("weekly-esma-e", "0 4 * * 0")):
            found = httpx.get(f"{api}/deployments/name/scheduled-search/{name}", timeout=30)
            assert found.status_code == 200, f"{name}: {found.status_code} {found.text[:500]}"
            deployment = found.json()
            schedules = [(s["schedule"].get("cron"), s["active"]) for s in deployment["schedules"]]
            assert schedules == [(cron, True)], f"{name}: schedules {schedules}"
            assert deployment["work_pool_name"] == "conjectura", name
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_stages_run_from_a_plain_dask_client(tmp_path: Path) -> None:
    """No Prefect: client.map over shards with the tasks' plain functions, as the README
    shows."""
    import polars as pl
    from distributed import Client, LocalCluster

    from conjectura.catalog.store import Catalog
    from conjectura.flows import pcf
    from conjectura.flows.plan import plan_shards
    from conjectura.flows.runs import commit_constants
    from conjectura.schemas.spec import parse_spec

    spec = parse_spec(SMALL, source="nightly")
    root = str(tmp_path / "catalog")
    expansions = commit_constants(Catalog(root), spec)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        shards = plan_shards(spec)
        screened = client.map(
            pcf.screen_shard.fn, [spec] * len(shards), shards, [root] * len(shards)
        )
        identified = client.map(
            lambda s, _: pcf.identify_shard.fn(spec, s, root, "dask", expansions), shards, screened
        )
        manifests = client.gather(identified)
    assert sum(m["conjectures"] for m in manifests) > 0
    assert pl.read_parquet(str(tmp_path / "catalog/pcf/**/*.parquet")).height == 192
