"""flows.dask_clusters: scheduler checks, profile renderings and task runners, built
without starting any cluster."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest
import yaml

from conjectura.flows.dask_clusters import (
    UnreachableScheduler,
    check_reachable,
    dask_task_runner,
    render,
    slurm_kwargs,
    task_runner,
)
from conjectura.schemas.profile import ClusterProfile, load_profile


@pytest.fixture
def listening() -> Iterator[str]:
    """A TCP socket that accepts connections, as a scheduler address."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    try:
        yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()


@pytest.fixture
def refusing() -> Iterator[str]:
    """A bound port nobody listens on: connections are refused at once."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    try:
        yield f"tcp://127.0.0.1:{holder.getsockname()[1]}"
    finally:
        holder.close()


@pytest.mark.parametrize(
    "address",
    ["http://127.0.0.1:8786", "127.0.0.1:8786", "tcp://127.0.0.1", "tcp://:8786", ""],
)
def test_an_address_that_is_not_tcp_host_port_is_refused(address: str) -> None:
    with pytest.raises(UnreachableScheduler, match="tcp://HOST:PORT"):
        check_reachable(address)


def test_no_scheduler_at_the_address(refusing: str) -> None:
    with pytest.raises(UnreachableScheduler, match="no Dask scheduler reachable") as info:
        check_reachable(refusing, timeout=2.0)
    assert refusing in str(info.value)
    assert isinstance(info.value, ValueError)  # the CLI reports it as bad input


def test_a_listening_scheduler_passes(listening: str) -> None:
    assert check_reachable(listening, timeout=2.0) is None


def test_render_local_profile() -> None:
    profile = ClusterProfile(name="mine", kind="local", workers=3)
    assert render(profile) == "LocalCluster: 3 worker processes, 1 thread each\n"
    default = load_profile("local")
    assert default.workers is None
    assert render(default) == f"LocalCluster: {os.cpu_count()} worker processes, 1 thread each\n"


def test_render_address_profile() -> None:
    profile = load_profile("lab-server")
    assert profile.kind == "address"
    assert render(profile) == "existing Dask scheduler at tcp://127.0.0.1:8786\n"


def test_render_kubernetes_profile_is_a_dask_cluster_resource() -> None:
    document = yaml.safe_load(render(load_profile("kubernetes")))
    assert document["kind"] == "DaskCluster"
    assert document["metadata"]["name"] == "conjectura-kubernetes"
    assert document["spec"]["worker"]["replicas"] == 8
    (container,) = document["spec"]["worker"]["spec"]["containers"]
    assert container["image"] == "ghcr.io/conjectura/conjectura:0.1.0"
    assert container["resources"]["limits"] == {"cpu": "1", "memory": "4G"}
    assert {"name": "DO_NOT_TRACK", "value": "1"} in container["env"]


def test_local_task_runner() -> None:
    runner = task_runner(ClusterProfile(name="mine", kind="local", workers=2))
    assert runner.cluster_class == "distributed.LocalCluster"
    assert runner.address is None
    kwargs = runner.cluster_kwargs
    assert kwargs["n_workers"] == 2
    assert kwargs["threads_per_worker"] == 1
    assert kwargs["processes"] is True
    assert kwargs["host"] == "127.0.0.1"
    assert kwargs["dashboard_address"] == ":0"  # never the fixed 8787
    assert not runner.adapt_kwargs


def test_local_task_runner_defaults_to_one_worker_per_core() -> None:
    runner = task_runner(load_profile("local"))
    assert runner.cluster_kwargs["n_workers"] == (os.cpu_count() or 1)


def test_adaptive_local_task_runner() -> None:
    profile = ClusterProfile(name="grow", kind="local", adapt={"minimum": 1, "maximum": 4})
    runner = task_runner(profile)
    assert runner.adapt_kwargs == {"minimum": 1, "maximum": 4}


def test_dask_task_runner_sets_the_workers() -> None:
    runner = dask_task_runner(workers=3)
    assert runner.cluster_class == "distributed.LocalCluster"
    assert runner.cluster_kwargs["n_workers"] == 3


def test_address_task_runner(listening: str) -> None:
    profile = ClusterProfile(name="lab", kind="address", address=listening)
    runner = task_runner(profile)
    assert runner.address == listening
    assert runner.cluster_class is None


def test_an_address_overrides_the_profile(listening: str) -> None:
    runner = task_runner(load_profile("local"), listening)
    assert runner.address == listening
    assert runner.cluster_class is None
    assert dask_task_runner(listening).address == listening


def test_an_unreachable_address_fails_before_any_runner(refusing: str) -> None:
    profile = ClusterProfile(name="lab", kind="address", address=refusing)
    with pytest.raises(UnreachableScheduler):
        task_runner(profile)
    with pytest.raises(UnreachableScheduler):
        task_runner(load_profile("local"), refusing)


def test_slurm_task_runner() -> None:
    profile = load_profile("slurm")
    runner = task_runner(profile)
    assert runner.cluster_class == "dask_jobqueue.SLURMCluster"
    kwargs = runner.cluster_kwargs
    assert kwargs["queue"] == "normal"
    assert kwargs["walltime"] == "02:00:00"
    assert (kwargs["cores"], kwargs["processes"], kwargs["memory"]) == (8, 8, "32GB")
    assert kwargs["job_extra_directives"] == ["--exclusive"]
    assert kwargs["job_name"] == "conjectura-slurm"
    assert kwargs["n_workers"] == 0  # adaptive: the adapt bounds decide
    assert "python" not in kwargs
    assert runner.adapt_kwargs == {"minimum": 1, "maximum": 16}


def test_slurm_kwargs_carry_the_interpreter_and_fixed_workers() -> None:
    profile = ClusterProfile(
        name="hpc",
        kind="slurm",
        workers=4,
        slurm={"queue": "gpu", "cores": 2, "memory": "8GB", "python": "/opt/py/bin/python"},
    )
    kwargs = slurm_kwargs(profile)
    assert kwargs["python"] == "/opt/py/bin/python"
    assert kwargs["n_workers"] == 4
    assert kwargs["job_name"] == "conjectura-hpc"
    assert kwargs["processes"] == 1


def test_kubernetes_task_runner() -> None:
    runner = task_runner(load_profile("kubernetes"))
    assert runner.cluster_class == "dask_kubernetes.operator.KubeCluster"
    assert runner.cluster_kwargs["namespace"] == "conjectura"
    spec = runner.cluster_kwargs["custom_cluster_spec"]
    assert spec["metadata"]["name"] == "conjectura-kubernetes"
