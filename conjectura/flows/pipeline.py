"""The Prefect flow: plan, screen every shard, identify what converged, record the run.

Thin on purpose: tasks call the stage functions and pass manifests; the flow only wires
them together, shows progress and writes the ``runs`` row.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, as_completed
from prefect_dask import DaskTaskRunner
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from conjectura import __version__
from conjectura.catalog.store import Catalog
from conjectura.flows import stages
from conjectura.flows.plan import Shard, plan_shards
from conjectura.schemas.spec import PcfSpec
from conjectura.schemas.tables import RUNS

TASK_RETRIES = 2


@task(name="screen-shard", retries=TASK_RETRIES, cache_policy=NO_CACHE)
def screen_shard_task(spec: PcfSpec, shard: Shard, catalog_root: str) -> dict[str, Any]:
    return stages.screen_shard(spec, shard, catalog_root)


@task(name="identify-shard", retries=TASK_RETRIES, cache_policy=NO_CACHE)
def identify_shard_task(
    spec: PcfSpec, shard: Shard, catalog_root: str, run_id: str, screened: dict[str, Any]
) -> dict[str, Any]:
    # `screened` is the screen task's manifest: passing it orders this task after that one.
    return stages.identify_shard(spec, shard, catalog_root, run_id)


def new_run_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


@flow(name="pcf-search", log_prints=False)
def pcf_search(
    spec: PcfSpec, catalog_root: str, run_id: str, show_progress: bool = True
) -> dict[str, Any]:
    catalog = Catalog(catalog_root)
    started = datetime.now(UTC)
    shards = plan_shards(spec)
    _record_run(catalog, spec, run_id, started, "running", len(shards))
    try:
        stages.ensure_constants(spec, catalog)
        screened = [screen_shard_task.submit(spec, s, catalog_root) for s in shards]
        identified = [
            identify_shard_task.submit(spec, s, catalog_root, run_id, f)
            for s, f in zip(shards, screened, strict=True)
        ]
        screen_results, identify_results = _collect(screened, identified, show_progress)
    except BaseException:
        _record_run(catalog, spec, run_id, started, "failed", len(shards))
        raise

    totals = {
        "pcfs": sum(m["pcfs"] for m in screen_results),
        "converged": sum(m["converged"] for m in screen_results),
        "conjectures": sum(m["conjectures"] for m in identify_results),
        "verified": sum(m["verified"] for m in identify_results),
    }
    _record_run(catalog, spec, run_id, started, "completed", len(shards), totals)
    return {"run_id": run_id, "shards": len(shards), **totals}


def _collect(
    screened: Sequence[PrefectFuture], identified: Sequence[PrefectFuture], show: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    console = Console(stderr=True)
    columns = (
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
    )
    screen_ids = {f.task_run_id for f in screened}
    screen_results: list[dict[str, Any]] = []
    identify_results: list[dict[str, Any]] = []
    with Progress(*columns, console=console, disable=not show, transient=False) as progress:
        screen_bar = progress.add_task("screen", total=len(screened), detail="")
        identify_bar = progress.add_task("identify", total=len(identified), detail="")
        for future in as_completed([*screened, *identified]):
            result = future.result()  # re-raises a task's failure after its retries
            if future.task_run_id in screen_ids:
                screen_results.append(result)
                pcfs = sum(m["pcfs"] for m in screen_results)
                converged = sum(m["converged"] for m in screen_results)
                progress.update(
                    screen_bar, advance=1, detail=f"{pcfs:,} PCFs, {converged:,} converged"
                )
            else:
                identify_results.append(result)
                found = sum(m["conjectures"] for m in identify_results)
                verified = sum(m["verified"] for m in identify_results)
                progress.update(
                    identify_bar, advance=1, detail=f"{found:,} conjectures, {verified:,} verified"
                )
    return screen_results, identify_results


def _record_run(
    catalog: Catalog,
    spec: PcfSpec,
    run_id: str,
    started: datetime,
    status: str,
    shards: int,
    totals: dict[str, int] | None = None,
) -> None:
    totals = totals or {}
    catalog.commit(
        RUNS,
        {
            "run_id": [run_id],
            "spec_name": [spec.name],
            "spec_hash": [spec.spec_hash],
            "space": [spec.label],
            "code_version": [__version__],
            "started_at": [started],
            "finished_at": [datetime.now(UTC) if status != "running" else None],
            "status": [status],
            "shards": [shards],
            **{k: [totals.get(k)] for k in ("pcfs", "converged", "conjectures", "verified")},
        },
        partition={},
        key=run_id,
    )


def dask_task_runner(address: str | None = None, workers: int | None = None) -> DaskTaskRunner:
    """An existing scheduler at ``address``, or a LocalCluster of one process per core."""
    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={
            "n_workers": workers or os.cpu_count() or 1,
            "threads_per_worker": 1,
            "processes": True,
            "host": "127.0.0.1",
            "dashboard_address": ":0",  # None still binds 8787; concurrent runs would clash
        },
    )
