"""The PCF search, read top to bottom as the recipe of a run.

plan shards -> per shard: screen (+ metrics), then identify (the lookup, then the deep
relation search on what it left, ``identify.deep: all``) -> once all are in: cluster each
dynamics plane, then cluster-led discovery (with the deep search on the labelled clusters'
members for ``identify.deep: clusters``) -> families: the space's conjectures grouped into
families of equivalent PCFs, each known or new. Tasks read their inputs from the
catalog, call a pure stage (:mod:`conjectura.flows.stages`) and commit what it returns;
the flow plans, submits with a bound, and reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from conjectura.catalog import queries
from conjectura.catalog.store import Catalog
from conjectura.flows import faults
from conjectura.flows.plan import Shard, plan_shards
from conjectura.flows.runs import (
    DEFAULT_IN_FLIGHT,
    TASK_RETRIES,
    Manifest,
    StageBars,
    bounded,
    commit_constants,
    recorded_run,
)
from conjectura.flows.stages import deep, discovery, families, identify, screen
from conjectura.flows.stages.rows import columns_of
from conjectura.kernels.clustering import PLANES, plane_name
from conjectura.kernels.constants import register_user_constants
from conjectura.kernels.formulas import load_library
from conjectura.schemas.spec import PcfSpec
from conjectura.schemas.tables import CONJECTURES, FAMILIES, ConjectureKind, TableKind

# -- keys: what a committed file of each stage is called in the catalog -------------------


def identify_key(spec: PcfSpec, shard: Shard) -> str:
    """A shard's conjectures: its space, the shard, and the identify settings."""
    return f"{spec.label}-{shard.shard_id}-{spec.spec_hash[:8]}"


def clusters_key(spec: PcfSpec, plane: tuple[str, str]) -> str:
    return f"clusters-{spec.spec_hash[:8]}-{PLANES.index(plane)}"


def discovery_key(spec: PcfSpec, chunk: int) -> str:
    return f"{spec.label}-cluster-{spec.spec_hash[:8]}-{chunk:05d}"


def _space(spec: PcfSpec) -> dict[str, str]:
    return {"space": spec.label}


_PCF_LIMITS = {"kind": ConjectureKind.PCF_LIMIT.value}


# -- tasks ---------------------------------------------------------------------------------


@task(name="screen-shard", retries=TASK_RETRIES, cache_policy=NO_CACHE)
def screen_shard(spec: PcfSpec, shard: Shard, catalog_root: str) -> Manifest:
    """Screen one shard (and compute its metrics) and commit its ``pcf`` rows."""
    faults.inject("screen", shard, "before_commit")
    columns = screen.screened_columns(spec, shard)
    Catalog(catalog_root).commit(TableKind.PCF, columns, partition=_space(spec), key=shard.shard_id)
    faults.inject("screen", shard, "after_commit")
    converged = sum(status == "converged" for status in columns["status"])
    return {"shard": shard.shard_id, "pcfs": len(columns["id"]), "converged": converged}


@task(name="identify-shard", retries=TASK_RETRIES, cache_policy=NO_CACHE)
def identify_shard(
    spec: PcfSpec,
    shard: Shard,
    catalog_root: str,
    run_id: str,
    expansions: Mapping[str, str],
    screened: Any = None,
) -> Manifest:
    """Identify the converged limits of one committed shard: the lookup, then (for
    ``identify.deep: all``) the deep search on what the lookup left; commit both at once.

    ``screened`` is the screen task's future when one runs: it orders this task after it."""
    faults.inject("identify", shard, "before_commit")
    register_user_constants(spec.constant_expressions)  # this worker's process
    catalog = Catalog(catalog_root)
    pcfs = catalog.read_shard(TableKind.PCF, _space(spec), shard.shard_id)
    rows = identify.identified_rows(spec, pcfs, expansions, run_id)
    searched: dict[str, int] = {}
    if spec.identify.deep == "all":
        outcome = deep.deep_search(spec, pcfs, {row["pcf_id"] for row in rows}, run_id)
        rows += outcome.rows
        searched = {"deep_searched": outcome.searched, "deep_left": outcome.left}
    catalog.commit(
        TableKind.CONJECTURES,
        columns_of(rows, CONJECTURES),
        partition=_PCF_LIMITS,
        key=identify_key(spec, shard),
    )
    faults.inject("identify", shard, "after_commit")
    verified = sum(r["status"] == "verified" for r in rows)
    return {"shard": shard.shard_id, "conjectures": len(rows), "verified": verified, **searched}


@task(name="cluster-plane", retries=TASK_RETRIES, cache_policy=NO_CACHE)
def cluster_plane(spec: PcfSpec, plane: tuple[str, str], catalog_root: str) -> Manifest:
    """Cluster the space's converging PCFs on one plane (planes run side by side)."""
    assert spec.dynamics is not None and spec.dynamics.cluster is not None
    catalog = Catalog(catalog_root)
    columns = discovery.cluster_columns(
        plane,
        queries.space_metrics(catalog, spec.label, plane),
        queries.lookup_constants(catalog, spec.label),
        spec.dynamics.cluster,
    )
    key = clusters_key(spec, plane)
    catalog.commit(TableKind.CLUSTERS, columns, partition=_space(spec), key=key)
    labelled = sum(label is not None for label in columns["label"])
    clusters = len(columns["cluster_id"])
    return {"plane": plane_name(plane), "clusters": clusters, "labelled": labelled}


@task(name="discover-chunk", retries=TASK_RETRIES, cache_policy=NO_CACHE)
def discover_chunk(
    spec: PcfSpec,
    chunk: int,
    candidates: list[tuple[int, str]],
    catalog_root: str,
    run_id: str,
    expansions: Mapping[str, str],
) -> Manifest:
    """Try one chunk of (pcf id, cluster constant) candidates; commit the successes. For
    ``identify.deep: clusters`` the members PSLQ leaves go to the deep search too."""
    register_user_constants(spec.constant_expressions)  # this worker's process
    catalog = Catalog(catalog_root)
    pcfs = queries.pcf_rows(
        catalog,
        spec.label,
        [pcf for pcf, _ in candidates],
        ["a_coeffs", "b_coeffs", "status", "limit", "digits"],
    )
    rows = discovery.discovered_rows(spec, candidates, pcfs, expansions, run_id)
    searched: dict[str, int] = {}
    if spec.identify.deep == "clusters":
        outcome = deep.deep_search(spec, pcfs, {row["pcf_id"] for row in rows}, run_id)
        rows += outcome.rows
        searched = {"deep_searched": outcome.searched, "deep_left": outcome.left}
    catalog.commit(
        TableKind.CONJECTURES,
        columns_of(rows, CONJECTURES),
        partition=_PCF_LIMITS,
        key=discovery_key(spec, chunk),
    )
    verified = sum(r["status"] == "verified" for r in rows)
    return {"chunk": chunk, "conjectures": len(rows), "verified": verified, **searched}


@task(name="find-families", retries=TASK_RETRIES, cache_policy=NO_CACHE)
def find_families(spec: PcfSpec, catalog_root: str, run_id: str) -> Manifest:
    """Group the space's PCF conjectures into families (see :func:`commit_families`)."""
    register_user_constants(spec.constant_expressions)  # this worker's process
    return commit_families(Catalog(catalog_root), spec.label, run_id)


def commit_families(catalog: Catalog, space: str, run_id: str) -> Manifest:
    """Group a space's PCF conjectures into families of equivalent PCFs (certificates
    checked) against the formula library; set each conjecture's family_id, known, novelty
    and trivial, then replace the space's families file (last: it marks the stage done).

    Recomputed whole each time: a retry, a later run in the same space or a refresh
    (``conjectura catalog families``) writes the same rows again, never a second copy."""
    conjectures = queries.space_pcf_conjectures(catalog, space)
    deltas = dict(zip(conjectures["pcf_id"], conjectures["delta_fr"], strict=True))
    found = families.family_rows(conjectures, deltas, load_library(), run_id)
    annotations = found.annotations.with_columns(space=pl.lit(space))
    catalog.annotate(TableKind.CONJECTURES, _PCF_LIMITS, annotations, on=["space", "conjecture_id"])
    catalog.commit(TableKind.FAMILIES, columns_of(found.rows, FAMILIES), partition={}, key=space)
    count = found.annotations["family_id"].n_unique() if found.rows else 0
    return {"families": count, "members": len(found.rows), "pairs_tried": found.pairs_tried}


# -- the flow ------------------------------------------------------------------------------


def candidate_chunks(spec: PcfSpec, catalog: Catalog) -> list[list[tuple[int, str]]]:
    """Once every plane is clustered: the discovery candidates, cut into chunks.

    Computed once by the flow and handed to each chunk's task: reading the clusters table
    (millions of member ids at study scale) per chunk cost seconds each. Members the deep
    search already identified (``identify.deep: all``, committed with the shards) are left
    out, so discovery does not state their relation a second time."""
    assert spec.dynamics is not None and spec.dynamics.cluster is not None
    settings = spec.dynamics.cluster
    labelled = queries.labelled_clusters(catalog, spec.label)
    bulk = set(labelled.filter(pl.col("size") > settings.discovery_max_size)["plane"])
    points = {
        plane_name(plane): queries.space_metrics(catalog, spec.label, list(plane))
        for plane in PLANES
        if plane_name(plane) in bulk and settings.discovery_sample > 0
    }
    lookup = queries.lookup_constants(catalog, spec.label)
    found = _deep_identified(catalog, spec)
    candidates = discovery.discovery_candidates(labelled, lookup, settings, points)
    return discovery.discovery_chunks([c for c in candidates if c[0] not in found])


def _deep_identified(catalog: Catalog, spec: PcfSpec) -> set[int]:
    """Ids of the space's PCFs that have a conjecture of this spec's deep search."""
    frame = (
        catalog.scan(TableKind.CONJECTURES)
        .filter(
            (pl.col("space") == spec.label)
            & (pl.col("kind") == ConjectureKind.PCF_LIMIT.value)
            & (pl.col("detector") == "deep")
        )
        .select("pcf_id")
        .collect()
    )
    return set(frame["pcf_id"].to_list())


@flow(name="pcf-search", log_prints=False)
def pcf_search(
    spec: PcfSpec,
    catalog_root: str,
    run_id: str,
    show_progress: bool = True,
    max_in_flight: int = DEFAULT_IN_FLIGHT,
) -> dict[str, Any]:
    """Screen and identify every shard not yet committed, at most ``max_in_flight`` at
    once; then cluster and discover when the spec asks for it.

    Resuming is the same call: committed work is skipped, so a crashed or repeated run
    ends with the same catalog as one clean run."""
    catalog = Catalog(catalog_root)
    shards = plan_shards(spec)
    # Before the run is recorded: a user constant the catalog defines otherwise is bad
    # input (ConstantConflict), not a failed run.
    expansions = commit_constants(catalog, spec)
    with recorded_run(catalog, spec, run_id, len(shards)) as totals:
        screened = catalog.committed_keys(TableKind.PCF, _space(spec))
        identified = catalog.committed_keys(TableKind.CONJECTURES, _PCF_LIMITS)
        todo = [s for s in shards if identify_key(spec, s) not in identified]

        def submit(shard: Shard) -> list[tuple[str, Any]]:
            tasks = []
            upstream = None
            if shard.shard_id not in screened:
                upstream = screen_shard.submit(spec, shard, catalog_root)
                tasks.append(("screen", upstream))
            follow = identify_shard.submit(spec, shard, catalog_root, run_id, expansions, upstream)
            return [*tasks, ("identify", follow)]

        with StageBars(show_progress) as bars:
            to_screen = sum(s.shard_id not in screened for s in todo)
            bars.add("screen", total=len(shards), done=len(shards) - to_screen)
            bars.add("identify", total=len(shards), done=len(shards) - len(todo))
            bounded(todo, submit, bars, max_in_flight=max_in_flight)
        if spec.dynamics is not None and spec.dynamics.cluster is not None:
            _cluster_and_discover(spec, catalog, run_id, expansions, show_progress, max_in_flight)
        with StageBars(show_progress) as bars:
            bars.add("families", total=1, done=0)
            bounded(
                [spec],
                lambda s: [("families", find_families.submit(s, catalog_root, run_id))],
                bars,
                max_in_flight=1,
            )
        totals.update(queries.space_counts(catalog, spec.label))
        totals.update(queries.conjecture_counts(catalog, spec.label, ConjectureKind.PCF_LIMIT))
    return {"run_id": run_id, "shards": len(shards), "skipped": len(shards) - len(todo), **totals}


def _cluster_and_discover(
    spec: PcfSpec,
    catalog: Catalog,
    run_id: str,
    expansions: Mapping[str, str],
    show: bool,
    max_in_flight: int,
) -> None:
    """Once every shard is in: cluster each plane, then try each unidentified member of
    a labelled cluster against its cluster's constant, one task per chunk."""
    root = str(catalog.root)
    planes_done = catalog.committed_keys(TableKind.CLUSTERS, _space(spec))
    planes = [p for p in PLANES if clusters_key(spec, p) not in planes_done]
    with StageBars(show) as bars:
        bars.add("cluster", total=len(PLANES), done=len(PLANES) - len(planes))
        bounded(
            planes,
            lambda plane: [("cluster", cluster_plane.submit(spec, plane, root))],
            bars,
            max_in_flight=max_in_flight,
        )
    chunks = candidate_chunks(spec, catalog)
    done = catalog.committed_keys(TableKind.CONJECTURES, _PCF_LIMITS)
    todo = [c for c in range(len(chunks)) if discovery_key(spec, c) not in done]
    counts = queries.cluster_counts(catalog, spec.label)
    with StageBars(show) as bars:
        bars.add(
            "discover",
            total=len(chunks),
            done=len(chunks) - len(todo),
            detail=f"{counts['clusters']} clusters, {counts['labelled']} labelled",
        )
        bounded(
            todo,
            lambda c: [
                ("discover", discover_chunk.submit(spec, c, chunks[c], root, run_id, expansions))
            ],
            bars,
            max_in_flight=max_in_flight,
        )
