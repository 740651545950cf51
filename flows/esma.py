"""The ESMA search, read top to bottom: plan the constants' forms into shift groups, cut
them into shards, expand each shard on a worker, commit what validates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from conjectura.catalog import queries
from conjectura.catalog.store import Catalog
from conjectura.flows.runs import (
    DEFAULT_IN_FLIGHT,
    TASK_RETRIES,
    Manifest,
    StageBars,
    bounded,
    commit_constants,
    recorded_run,
)
from conjectura.flows.stages.esma import Group, esma_rows, form_groups
from conjectura.flows.stages.rows import columns_of
from conjectura.schemas.spec import EsmaSpec
from conjectura.schemas.tables import CONJECTURES, ConjectureKind, TableKind

_ESMA = {"kind": ConjectureKind.ESMA_CF.value}


def shard_key(spec: EsmaSpec, index: int) -> str:
    return f"{spec.label}-esma-{index:05d}"


def planned_shards(spec: EsmaSpec, expansions: Mapping[str, str]) -> list[list[Group]]:
    """The spec's form groups, ``shard_size`` groups per shard."""
    groups = form_groups(spec, expansions)
    return [groups[i : i + spec.shard_size] for i in range(0, len(groups), spec.shard_size)]


@task(name="esma-shard", retries=TASK_RETRIES, cache_policy=NO_CACHE)
def esma_shard(
    spec: EsmaSpec,
    index: int,
    groups: list[Group],
    catalog_root: str,
    run_id: str,
    expansions: Mapping[str, str],
) -> Manifest:
    """Expand one shard of form groups and commit the conjectures that validate."""
    rows = esma_rows(spec, groups, expansions, run_id)
    Catalog(catalog_root).commit(
        TableKind.CONJECTURES,
        columns_of(rows, CONJECTURES),
        partition=_ESMA,
        key=shard_key(spec, index),
    )
    return {"shard": index, "groups": len(groups), "conjectures": len(rows), "verified": len(rows)}


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
    expansions = commit_constants(catalog, spec)
    shards = planned_shards(spec, expansions)
    done = catalog.committed_keys(TableKind.CONJECTURES, _ESMA)
    todo = [i for i in range(len(shards)) if shard_key(spec, i) not in done]
    groups = sum(map(len, shards))
    with recorded_run(catalog, spec, run_id, len(shards)) as totals:
        with StageBars(show_progress) as bars:
            bars.add(
                "esma",
                total=len(shards),
                done=len(shards) - len(todo),
                detail=f"{groups} form groups",
            )
            bounded(
                todo,
                lambda i: [
                    (
                        "esma",
                        esma_shard.submit(spec, i, shards[i], catalog_root, run_id, expansions),
                    )
                ],
                bars,
                max_in_flight=max_in_flight,
            )
        totals.update(queries.conjecture_counts(catalog, spec.label))
    return {
        "run_id": run_id,
        "shards": len(shards),
        "skipped": len(shards) - len(todo),
        "forms": sum(len(g) for shard in shards for g in shard),
        "groups": groups,
        **totals,
    }
