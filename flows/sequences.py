"""The sequences search, read top to bottom: shard the ingested sequences, run the
detectors on a worker per shard, commit recurrences and ratio limits."""

from __future__ import annotations

import hashlib
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
from conjectura.flows.stages.rows import columns_of
from conjectura.flows.stages.sequences import detected_rows, sequence_shards
from conjectura.schemas.spec import SequencesSpec
from conjectura.schemas.tables import CONJECTURES, ConjectureKind, TableKind

# The recurrence file is committed last: its key marks the shard done.
_KINDS = (ConjectureKind.SEQUENCE_LIMIT, ConjectureKind.RECURRENCE)


def shard_key(spec: SequencesSpec, ids: list[str]) -> str:
    digest = hashlib.sha256(",".join(ids).encode()).hexdigest()[:12]
    return f"{spec.label}-seq-{digest}"


def planned_shards(spec: SequencesSpec, catalog: Catalog) -> list[list[str]]:
    return sequence_shards(spec, queries.sequence_ids(catalog, spec.names))


@task(name="detect-sequences", retries=TASK_RETRIES, cache_policy=NO_CACHE)
def detect_sequences(
    spec: SequencesSpec,
    ids: list[str],
    catalog_root: str,
    run_id: str,
    expansions: Mapping[str, str],
) -> Manifest:
    """Run the detectors over one shard of sequences; commit one file per conjecture kind."""
    catalog = Catalog(catalog_root)
    sequences = queries.sequences_by_id(catalog, ids)
    rows = detected_rows(spec, sequences, expansions, run_id)
    for kind in _KINDS:
        mine = [r for r in rows if r["kind"] == kind]
        catalog.commit(
            TableKind.CONJECTURES,
            columns_of(mine, CONJECTURES),
            partition={"kind": kind.value},
            key=shard_key(spec, ids),
        )
    verified = sum(r["status"] == "verified" for r in rows)
    return {"sequences": sequences.height, "conjectures": len(rows), "verified": verified}


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
    expansions = commit_constants(catalog, spec)
    shards = planned_shards(spec, catalog)
    done = catalog.committed_keys(TableKind.CONJECTURES, {"kind": ConjectureKind.RECURRENCE.value})
    todo = [ids for ids in shards if shard_key(spec, ids) not in done]
    sequences = sum(map(len, shards))
    with recorded_run(catalog, spec, run_id, len(shards)) as totals:
        with StageBars(show_progress) as bars:
            bars.add(
                "detect",
                total=len(shards),
                done=len(shards) - len(todo),
                detail=f"{sequences} sequences",
            )
            bounded(
                todo,
                lambda ids: [
                    ("detect", detect_sequences.submit(spec, ids, catalog_root, run_id, expansions))
                ],
                bars,
                max_in_flight=max_in_flight,
            )
        totals.update(queries.conjecture_counts(catalog, spec.label))
    return {
        "run_id": run_id,
        "shards": len(shards),
        "skipped": len(shards) - len(todo),
        "sequences": sequences,
        **totals,
    }
