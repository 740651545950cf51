"""From a cluster profile to a Prefect DaskTaskRunner, and offline renderings of what a
Slurm or Kubernetes profile would submit. Nothing here imports Prefect at module level:
the CLI validates profiles and addresses before any server or file exists."""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import yaml

from conjectura.schemas.profile import ClusterProfile, load_profile

if TYPE_CHECKING:
    from prefect_dask import DaskTaskRunner


class _PlainDumper(yaml.SafeDumper):
    """Writes repeated objects out in full: a spec to read, not to round-trip."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


class UnreachableScheduler(ValueError):
    pass


def check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail fast, before anything is written, when no scheduler answers at ``address``."""
    parsed = urlparse(address)
    if parsed.scheme != "tcp" or not parsed.hostname or not parsed.port:
        raise UnreachableScheduler(f"scheduler address must be tcp://HOST:PORT, got {address!r}")
    try:
        with socket.create_connection((parsed.hostname, parsed.port), timeout=timeout):
            return
    except OSError as err:
        raise UnreachableScheduler(
            f"no Dask scheduler reachable at {address} ({err.strerror or err})"
        ) from None


def dask_task_runner(address: str | None = None, workers: int | None = None) -> DaskTaskRunner:
    """An existing scheduler at ``address``, or a LocalCluster of ``workers`` processes
    (default: one per core)."""
    profile = load_profile("local")
    if workers:
        profile = profile.model_copy(update={"workers": workers})
    return task_runner(profile, address)


def task_runner(profile: ClusterProfile, address: str | None = None) -> DaskTaskRunner:
    """``address`` (from --address) overrides the profile."""
    from prefect_dask import DaskTaskRunner  # Prefect reads its settings on first import

    if address or profile.kind == "address":
        target = address or profile.address
        assert target is not None
        check_reachable(target)
        return DaskTaskRunner(address=target)
    adapt = profile.adapt.model_dump() if profile.adapt else None
    if profile.kind == "local":
        kwargs: dict[str, Any] = {
            "n_workers": profile.workers or os.cpu_count() or 1,
            "threads_per_worker": 1,
            "processes": True,
            "host": "127.0.0.1",
            "dashboard_address": ":0",  # None still binds 8787; concurrent runs would clash
        }
        return DaskTaskRunner(
            cluster_class="distributed.LocalCluster", cluster_kwargs=kwargs, adapt_kwargs=adapt
        )
    if profile.kind == "slurm":
        return DaskTaskRunner(
            cluster_class="dask_jobqueue.SLURMCluster",
            cluster_kwargs=slurm_kwargs(profile),
            adapt_kwargs=adapt,
        )
    return DaskTaskRunner(
        cluster_class="dask_kubernetes.operator.KubeCluster",
        cluster_kwargs={
            "custom_cluster_spec": kubernetes_spec(profile),
            "namespace": profile.kubernetes.namespace,
        },
        adapt_kwargs=adapt,
    )


def slurm_kwargs(profile: ClusterProfile) -> dict[str, Any]:
    slurm = profile.slurm
    assert slurm is not None
    kwargs: dict[str, Any] = {
        "queue": slurm.queue,
        "account": slurm.account,
        "walltime": slurm.walltime,
        "cores": slurm.cores,
        "processes": slurm.processes,
        "memory": slurm.memory,
        "job_extra_directives": list(slurm.job_extra),
        "job_name": f"conjectura-{profile.name}",
        "n_workers": profile.workers or 0,
    }
    if slurm.python:
        kwargs["python"] = slurm.python
    return kwargs


def slurm_job_script(profile: ClusterProfile) -> str:
    """The batch script one Slurm job would run (no submission, no Slurm needed)."""
    from dask_jobqueue import SLURMCluster

    kwargs = slurm_kwargs(profile) | {"n_workers": 0, "scheduler_options": {"host": "127.0.0.1"}}
    cluster = SLURMCluster(**kwargs)
    try:
        return cluster.job_script()
    finally:
        cluster.close()


def kubernetes_spec(profile: ClusterProfile) -> dict[str, Any]:
    """The DaskCluster resource the operator would create (no cluster needed)."""
    from dask_kubernetes.operator import make_cluster_spec

    kube = profile.kubernetes
    assert kube is not None
    return make_cluster_spec(
        name=f"conjectura-{profile.name}",
        image=kube.image,
        n_workers=profile.workers or (profile.adapt.minimum if profile.adapt else 1),
        resources={
            "limits": {"cpu": kube.cpu, "memory": kube.memory},
            "requests": {"cpu": kube.cpu, "memory": kube.memory},
        },
        env=dict(kube.env),
    )


def render(profile: ClusterProfile) -> str:
    if profile.kind == "slurm":
        return slurm_job_script(profile)
    if profile.kind == "kubernetes":
        return yaml.dump(kubernetes_spec(profile), Dumper=_PlainDumper, sort_keys=False)
    if profile.kind == "address":
        return f"existing Dask scheduler at {profile.address}\n"
    return f"LocalCluster: {profile.workers or os.cpu_count()} worker processes, 1 thread each\n"
