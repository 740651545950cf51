"""The CMF search, read top to bottom: plan the field's trajectories into shards, walk each
shard on a worker and commit its trajectories and conjectures, then group the conjectures
into families (against the formula library) and mark each trajectory with its family.

Exactly once: a shard commits its conjectures, then its trajectories, under one key; a shard
whose trajectories are committed is done, and a retry or a resumed run writes the same
files again (a key names one file). Trajectories that the field's partition already holds
from another run are left out of the plan, so (cmf, trajectory, start) stays a key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from conjectura.catalog import queries
from conjectura.catalog.store import Catalog
from conjectura.flows import faults
from conjectura.flows.runs import (
    DEFAULT_IN_FLIGHT,
    TASK_RETRIES,
    Manifest,
    StageBars,
    bounded,
    commit_constants,
    recorded_run,
)
from conjectura.flows.stages import families
from conjectura.flows.stages.cmf import field_of, trajectory_rows
from conjectura.flows.stages.rows import columns_of
from conjectura.kernels.formulas import load_library
from conjectura.schemas.printing import trajectory_id
from conjectura.schemas.spec import CmfSpec
from conjectura.schemas.tables import (
    CONJECTURES,
    FAMILIES,
    TRAJECTORIES,
    ConjectureKind,
    TableKind,
)

_CMF = {"kind": ConjectureKind.CMF_TRAJECTORY.value}

Directions = list[tuple[int, ...]]


def shard_key(spec: CmfSpec, index: int) -> str:
    return f"{spec.label}-cmf-{index:05d}"


def planned_shards(spec: CmfSpec, committed: set[str] = frozenset()) -> list[Directions]:  # type: ignore[assignment]
    """The spec's directions, ``shard_size`` per shard; within each, those whose
    trajectory ``committed`` (ids of the field's partition) already holds are left out."""
    directions = spec.planned_directions()
    shards = [
        directions[i : i + spec.shard_size] for i in range(0, len(directions), spec.shard_size)
    ]
    return [
        [d for d in shard if trajectory_id(spec.field_name, d, spec.start) not in committed]
        for shard in shards
    ]


@task(name="cmf-shard", retries=TASK_RETRIES, cache_policy=NO_CACHE)
def cmf_shard(
    spec: CmfSpec,
    index: int,
    directions: Directions,
    catalog_root: str,
    run_id: str,
    expansions: Mapping[str, str],
) -> Manifest:
    """Walk, measure and identify one shard of trajectories; commit conjectures, then
    trajectories (the shard's done mark)."""
    field = field_of(spec)
    trajectories, conjectures = trajectory_rows(spec, field, directions, expansions, run_id)
    catalog = Catalog(catalog_root)
    key = shard_key(spec, index)
    catalog.commit(
        TableKind.CONJECTURES, columns_of(conjectures, CONJECTURES), partition=_CMF, key=key
    )
    faults.inject("cmf", index, "between_commits")
    catalog.commit(
        TableKind.TRAJECTORIES,
        columns_of(trajectories, TRAJECTORIES),
        partition={"cmf": spec.field_name},
        key=key,
    )
    verified = sum(row.get("status") == "verified" for row in trajectories)
    return {"shard": index, "trajectories": len(trajectories), "conjectures": verified}


@task(name="cmf-families", retries=TASK_RETRIES, cache_policy=NO_CACHE)
def cmf_families(spec: CmfSpec, catalog_root: str, run_id: str) -> Manifest:
    return commit_cmf_families(Catalog(catalog_root), spec, run_id)


def commit_cmf_families(catalog: Catalog, spec: CmfSpec, run_id: str) -> Manifest:
    """Families of the run's cmf_trajectory conjectures (certificates checked, the formula
    library as anchors): annotate the conjectures, replace the space's families file and
    set each trajectory's family_id. A trajectory's PCF and a PCF search's conjecture share
    a family_id when the family's simplest member (its representative) is the same PCF."""
    conjectures = queries.space_cmf_conjectures(catalog, spec.label)
    found = families.family_rows(conjectures, {}, load_library(), run_id)
    annotations = found.annotations.with_columns(space=pl.lit(spec.label))
    if not annotations.is_empty():
        catalog.annotate(TableKind.CONJECTURES, _CMF, annotations, on=["space", "conjecture_id"])
        by_conjecture = dict(
            zip(annotations["conjecture_id"], annotations["family_id"], strict=True)
        )
        rows = (
            catalog.scan(TableKind.TRAJECTORIES)
            .filter((pl.col("cmf") == spec.field_name) & pl.col("conjecture_id").is_not_null())
            .select("trajectory_id", "conjecture_id")
            .collect()
        )
        marks = pl.DataFrame(
            {
                "trajectory_id": rows["trajectory_id"],
                "family_id": [by_conjecture.get(c) for c in rows["conjecture_id"]],
            },
            schema={"trajectory_id": pl.String, "family_id": pl.String},
        ).unique("trajectory_id")
        catalog.annotate(
            TableKind.TRAJECTORIES, {"cmf": spec.field_name}, marks, on="trajectory_id"
        )
    catalog.commit(
        TableKind.FAMILIES, columns_of(found.rows, FAMILIES), partition={}, key=spec.label
    )
    count = annotations["family_id"].n_unique() if not annotations.is_empty() else 0
    return {"families": count, "members": len(found.rows)}


@flow(name="cmf-search", log_prints=False)
def cmf_search(
    spec: CmfSpec,
    catalog_root: str,
    run_id: str,
    show_progress: bool = True,
    max_in_flight: int = DEFAULT_IN_FLIGHT,
) -> dict[str, Any]:
    """Walk every planned trajectory not yet committed; resume like a PCF run."""
    catalog = Catalog(catalog_root)
    expansions = commit_constants(catalog, spec)
    done = catalog.committed_keys(TableKind.TRAJECTORIES, {"cmf": spec.field_name})
    # trajectories other runs committed are left out; this spec's committed shards skipped
    shards = planned_shards(spec, queries.trajectory_ids(catalog, spec.field_name))
    todo = [i for i in range(len(shards)) if shard_key(spec, i) not in done]
    with recorded_run(catalog, spec, run_id, len(shards)) as totals:
        with StageBars(show_progress) as bars:
            bars.add(
                "cmf",
                total=len(shards),
                done=len(shards) - len(todo),
                detail=f"field {spec.field_name}, {spec.size} trajectories",
            )
            bounded(
                todo,
                lambda i: [
                    ("cmf", cmf_shard.submit(spec, i, shards[i], catalog_root, run_id, expansions))
                ],
                bars,
                max_in_flight=max_in_flight,
            )
        with StageBars(show_progress) as bars:
            bars.add("families", total=1, done=0)
            bounded(
                [spec],
                lambda s: [("families", cmf_families.submit(s, catalog_root, run_id))],
                bars,
                max_in_flight=1,
            )
        counts = queries.trajectory_counts(catalog, spec.field_name, spec.label)
        totals.update(conjectures=counts["conjectures"], verified=counts["verified"])
    return {
        "run_id": run_id,
        "shards": len(shards),
        "skipped": len(shards) - len(todo),
        "cmf": spec.field_name,
        **counts,
    }
