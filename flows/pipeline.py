"""The Prefect flow: plan, screen every shard, identify what converged, record the run.

Thin on purpose: tasks call the stage functions and pass manifests; the flow only wires
them together, shows progress and writes the ``runs`` row.
"""

import contextlib
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import partial
from typing import Any

import polars as pl
from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, as_completed
from prefect_dask import DaskTaskRunner
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from conjectura import __version__
from conjectura.catalog.store import Catalog
from conjectura.flows import dask_clusters, esma, faults, sequences, stages
from conjectura.flows.plan import Shard, plan_shards
from conjectura.kernels.clustering import PLANES
from conjectura.schemas.profile import load_profile
from conjectura.schemas.spec import EsmaSpec, PcfSpec, SequencesSpec, parse_spec
from conjectura.schemas.tables import CLUSTERS, CONJECTURES, PCF, RUNS

TASK_RETRIES = 2
DEFAULT_IN_FLIGHT = 8


@task(name="screen-shard", retries=TASK_RETRIES, cache_policy=NO_CACHE)
def screen_shard_task(spec: PcfSpec, shard: Shard, catalog_root: str) -> dict[str, Any]:
    faults.inject("screen", shard, "before_commit")
    manifest = stages.screen_shard(spec, shard, catalog_root)
    faults.inject("screen", shard, "after_commit")
    return manifest


@task(name="identify-shard", retries=TASK_RETRIES, cache_policy=NO_CACHE)
def identify_shard_task(
    spec: PcfSpec, shard: Shard, catalog_root: str, run_id: str, screened: Any = None
) -> dict[str, Any]:
    # `screened` is the screen task's future when one runs: it orders this task after it.
    faults.inject("identify", shard, "before_commit")
    manifest = stages.identify_shard(spec, shard, catalog_root, run_id)
    faults.inject("identify", shard, "after_commit")
    return manifest


@task(name="cluster-plane", retries=TASK_RETRIES, cache_policy=NO_CACHE)
def cluster_plane_task(spec: PcfSpec, plane: tuple[str, str], catalog_root: str) -> dict:
    return stages.cluster_plane_of_space(spec, plane, catalog_root)


@task(name="discover-chunk", retries=TASK_RETRIES, cache_policy=NO_CACHE)
def discover_chunk_task(
    spec: PcfSpec, chunk: int, candidates: list, catalog_root: str, run_id: str
) -> dict:
    return stages.discover_chunk(spec, chunk, candidates, catalog_root, run_id)


@task(name="esma-shard", retries=TASK_RETRIES, cache_policy=NO_CACHE)
def esma_shard_task(
    spec: EsmaSpec, index: int, groups: list, catalog_root: str, run_id: str
) -> dict[str, Any]:
    return esma.esma_shard(spec, index, groups, catalog_root, run_id)


def new_run_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


@flow(name="pcf-search", log_prints=False)
def pcf_search(
    spec: PcfSpec,
    catalog_root: str,
    run_id: str,
    show_progress: bool = True,
    max_in_flight: int = DEFAULT_IN_FLIGHT,
) -> dict[str, Any]:
    """Screen and identify every shard not yet committed, at most ``max_in_flight`` at once.

    Resuming is the same call: shards whose files exist are skipped, so a crashed or
    repeated run ends with the same catalog as one clean run.
    """
    catalog = Catalog(catalog_root)
    shards = plan_shards(spec)
    with _recorded_run(catalog, spec, run_id, len(shards)) as totals:
        stages.ensure_constants(spec, catalog)
        screened = catalog.committed_keys(PCF, {"space": spec.label})
        identified = catalog.committed_keys(CONJECTURES, {"kind": "pcf_limit"})
        todo = [s for s in shards if stages.identify_key(spec, s) not in identified]
        _stream(
            spec, catalog_root, run_id, todo, screened, len(shards), max_in_flight, show_progress
        )
        if spec.dynamics is not None and spec.dynamics.cluster is not None:
            _cluster_and_discover(spec, catalog, run_id, show_progress)
        totals.update(stages.space_totals(spec, catalog))
    return {"run_id": run_id, "shards": len(shards), "skipped": len(shards) - len(todo), **totals}


@flow(name="esma-search", log_prints=False)
def esma_search(
    spec: EsmaSpec,
    catalog_root: str,
    run_id: str,
    show_progress: bool = True,
    max_in_flight: int = DEFAULT_IN_FLIGHT,
) -> dict[str, Any]:
    """Expand every form group of the spec under every sign pattern; resume like a PCF run."""
    catalog = Catalog(catalog_root)
    stages.ensure_constants(spec, catalog)
    groups = esma.plan_groups(spec, catalog.constant_expansions())
    chunks = [groups[i : i + spec.shard_size] for i in range(0, len(groups), spec.shard_size)]
    done = catalog.committed_keys(CONJECTURES, {"kind": "esma_cf"})
    todo = [i for i in range(len(chunks)) if esma.shard_key(spec, i) not in done]
    with _recorded_run(catalog, spec, run_id, len(chunks)) as totals:
        _bounded(
            "esma",
            [
                partial(esma_shard_task.submit, spec, i, chunks[i], catalog_root, run_id)
                for i in todo
            ],
            total=len(chunks),
            detail=f"{len(groups)} form groups",
            max_in_flight=max_in_flight,
            show=show_progress,
        )
        totals.update(_conjecture_totals(catalog, spec.label))
    return {
        "run_id": run_id,
        "shards": len(chunks),
        "skipped": len(chunks) - len(todo),
        "forms": sum(len(g) for g in groups),
        "groups": len(groups),
        **totals,
    }


@task(name="detect-sequences", retries=TASK_RETRIES, cache_policy=NO_CACHE)
def detect_sequences_task(spec: SequencesSpec, ids: list, catalog_root: str, run_id: str) -> dict:
    return sequences.detect(spec, ids, catalog_root, run_id)


@flow(name="sequences-search", log_prints=False)
def sequences_search(
    spec: SequencesSpec,
    catalog_root: str,
    run_id: str,
    show_progress: bool = True,
    max_in_flight: int = DEFAULT_IN_FLIGHT,
) -> dict[str, Any]:
    """Recurrence and limit detectors over the ingested sequences; resumes like any run."""
    catalog = Catalog(catalog_root)
    stages.ensure_constants(spec, catalog)
    shards = sequences.plan(spec, catalog)
    done = catalog.committed_keys(CONJECTURES, {"kind": "recurrence"})
    todo = [ids for ids in shards if sequences.shard_key(spec, ids) not in done]
    with _recorded_run(catalog, spec, run_id, len(shards)) as totals:
        _bounded(
            "detect",
            [
                partial(detect_sequences_task.submit, spec, ids, catalog_root, run_id)
                for ids in todo
            ],
            total=len(shards),
            detail=f"{sum(map(len, shards))} sequences",
            max_in_flight=max_in_flight,
            show=show_progress,
        )
        totals.update(_conjecture_totals(catalog, spec.label))
    return {
        "run_id": run_id,
        "shards": len(shards),
        "skipped": len(shards) - len(todo),
        "sequences": sum(map(len, shards)),
        **totals,
    }


@contextlib.contextmanager
def _recorded_run(catalog: Catalog, spec: Any, run_id: str, shards: int) -> Iterator[dict]:
    """The run's `runs` row: `running` on entry, then `failed` or `completed` with the
    totals the block filled in, and the run's artifact."""
    started = datetime.now(UTC)
    _record_run(catalog, spec, run_id, started, "running", shards)
    totals: dict[str, int] = {}
    try:
        yield totals
    except BaseException:
        _record_run(catalog, spec, run_id, started, "failed", shards)
        raise
    _record_run(catalog, spec, run_id, started, "completed", shards, totals)
    publish_artifact(catalog, spec, run_id, totals)


def _bounded(
    description: str,
    submissions: list[Callable[[], PrefectFuture]],
    *,
    total: int,
    detail: str,
    max_in_flight: int,
    show: bool,
) -> None:
    """Run the submissions with at most ``max_in_flight`` futures alive, showing progress;
    ``total`` counts the work already committed before this run as done."""
    with Progress(*_COLUMNS, console=Console(stderr=True), disable=not show) as bar:
        task_bar = bar.add_task(
            description, total=total, completed=total - len(submissions), detail=detail
        )
        waiting, running = iter(submissions), set()
        while True:
            while len(running) < max_in_flight and (submit := next(waiting, None)) is not None:
                running.add(submit())
            if not running:
                break
            future = next(as_completed(list(running)))
            running.discard(future)
            future.result()  # re-raises a task's failure after its retries
            bar.advance(task_bar)


def _conjecture_totals(catalog: Catalog, space: str) -> dict[str, int]:
    found = (
        catalog.scan(CONJECTURES)
        .filter(pl.col("space") == space)
        .select(conjectures=pl.len(), verified=(pl.col("status") == "verified").sum())
        .collect()
    )
    return {"conjectures": int(found["conjectures"][0]), "verified": int(found["verified"][0])}


_COLUMNS = (
    TextColumn("{task.description:<10}"),
    BarColumn(),
    MofNCompleteColumn(),
    TextColumn("{task.fields[detail]}"),
    TimeElapsedColumn(),
)


def _cluster_and_discover(spec: PcfSpec, catalog: Catalog, run_id: str, show: bool) -> None:
    """Once every shard is in: cluster the space, then try each unidentified member of a
    labelled cluster against its cluster's constant, one task per chunk."""
    root = str(catalog.root)
    planes_done = catalog.committed_keys(CLUSTERS, {"space": spec.label})
    planes = [p for p in PLANES if stages.clusters_key(spec, p) not in planes_done]
    for future in [cluster_plane_task.submit(spec, plane, root) for plane in planes]:
        future.result()  # planes run side by side; a failure surfaces here
    clusters = catalog.scan(CLUSTERS).filter(pl.col("space") == spec.label)
    counted = clusters.select(n=pl.len(), labelled=pl.col("label").is_not_null().sum()).collect()
    clustered = {
        "clusters": int(counted["n"][0]),
        "labelled": int(counted["labelled"][0]),
    }
    chunks = stages.discovery_chunks(spec, catalog)
    done = catalog.committed_keys(CONJECTURES, {"kind": "pcf_limit"})
    todo = [c for c in range(len(chunks)) if stages.discovery_key(spec, c) not in done]
    futures = [discover_chunk_task.submit(spec, c, chunks[c], root, run_id) for c in todo]
    with Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not show,
    ) as progress:
        bar = progress.add_task(
            "discover",
            total=len(chunks),
            completed=len(chunks) - len(todo),
            detail=f"{clustered['clusters']} clusters, {clustered['labelled']} labelled",
        )
        for future in as_completed(futures):
            future.result()
            progress.advance(bar)


def _stream(
    spec: PcfSpec,
    catalog_root: str,
    run_id: str,
    todo: list[Shard],
    screened: set[str],
    total: int,
    max_in_flight: int,
    show: bool,
) -> None:
    """Keep at most ``max_in_flight`` shards between submission and identification, so
    memory in the flow and on the workers does not grow with the size of the search."""
    columns = (
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
    )
    waiting = iter(todo)
    running: dict[PrefectFuture, tuple[str, Shard]] = {}
    shards_open = 0
    found = verified = 0
    done_before = total - len(todo)
    with Progress(*columns, console=Console(stderr=True), disable=not show) as progress:
        screen_bar = progress.add_task("screen", total=total, detail="", completed=done_before)
        identify_bar = progress.add_task("identify", total=total, detail="", completed=done_before)
        while True:
            while shards_open < max_in_flight and (shard := next(waiting, None)):
                shards_open += 1
                upstream = None
                if shard.shard_id in screened:
                    progress.advance(screen_bar)
                else:
                    upstream = screen_shard_task.submit(spec, shard, catalog_root)
                    running[upstream] = ("screen", shard)
                follow = identify_shard_task.submit(spec, shard, catalog_root, run_id, upstream)
                running[follow] = ("identify", shard)
            if not running:
                break
            future = next(as_completed(list(running)))
            stage, shard = running.pop(future)
            manifest = future.result()  # re-raises a task's failure after its retries
            if stage == "screen":
                progress.advance(screen_bar)
            else:
                shards_open -= 1
                found += manifest["conjectures"]
                verified += manifest["verified"]
                progress.update(
                    identify_bar, advance=1, detail=f"{found:,} conjectures, {verified:,} verified"
                )


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
    profile = load_profile("local")
    if workers:
        profile = profile.model_copy(update={"workers": workers})
    return dask_clusters.task_runner(profile, address)


def publish_artifact(
    catalog: Catalog, spec: PcfSpec | EsmaSpec, run_id: str, totals: dict[str, Any]
) -> None:
    """A markdown artifact in the Prefect API: what this run found."""
    found = (
        catalog.scan(CONJECTURES)
        .filter(pl.col("run_id") == run_id)
        .select("formula", "digits", "status", "detector")
        .sort("digits", descending=True)
        .collect()
    )
    lines = [
        f"# {spec.name}: run {run_id}",
        "",
        ", ".join(f"{k}: {v:,}" for k, v in totals.items()),
        "",
        f"{found.height} new conjectures" + (" (first 200 shown)" if found.height > 200 else ""),
        "",
        "| formula | digits | status | detector |",
        "|---|---:|---|---|",
        *(f"| `{f}` | {d:.1f} | {s} | {t} |" for f, d, s, t in found.head(200).iter_rows()),
    ]
    create_markdown_artifact(
        key=f"conjectures-{spec.name.lower().replace('_', '-').replace('.', '-')}",
        markdown="\n".join(lines),
        description=f"conjectures found by run {run_id}",
    )


@flow(name="scheduled-search", log_prints=False)
def scheduled_search(spec_text: str, catalog_root: str, cluster: str = "local") -> dict:
    """What `conjectura serve` deploys: parse the spec, pick the cluster, run the search.

    Each run resumes into the same catalog, so it only adds what is new."""
    spec = parse_spec(spec_text, source="deployment spec")
    runner = dask_clusters.task_runner(load_profile(cluster))
    search = {EsmaSpec: esma_search, SequencesSpec: sequences_search}.get(type(spec), pcf_search)
    return search.with_options(task_runner=runner)(
        spec=spec, catalog_root=catalog_root, run_id=new_run_id(), show_progress=False
    )
