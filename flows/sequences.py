"""The sequence detectors as a stage: recurrences (exact on every term) and ratio limits."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import polars as pl

from conjectura.catalog.ingest import decode
from conjectura.catalog.store import Catalog
from conjectura.kernels.constants import value_of
from conjectura.kernels.identify import mobius_table, mobius_text
from conjectura.kernels.recurrences import find_recurrence, ratio_limit
from conjectura.schemas.spec import SequencesSpec
from conjectura.schemas.tables import CONJECTURES, SEQUENCES


def plan(spec: SequencesSpec, catalog: Catalog) -> list[list[str]]:
    """Sorted sequence ids in shards (the same ids always make the same shards)."""
    frame = catalog.scan(SEQUENCES)
    if spec.names:
        frame = frame.filter(pl.col("name").is_in(spec.names))
    ids = sorted(set(frame.select("seq_id").collect()["seq_id"].to_list()))
    return [ids[i : i + spec.shard_size] for i in range(0, len(ids), spec.shard_size)]


def shard_key(spec: SequencesSpec, ids: list[str]) -> str:
    digest = hashlib.sha256(",".join(ids).encode()).hexdigest()[:12]
    return f"{spec.label}-seq-{digest}"


def detect(spec: SequencesSpec, ids: list[str], catalog_root: str, run_id: str) -> dict:
    catalog = Catalog(catalog_root)
    rows = (
        catalog.scan(SEQUENCES)
        .filter(pl.col("seq_id").is_in(ids))
        .unique("seq_id", keep="first")
        .sort("seq_id")
        .collect()
    )
    table = None
    if spec.constants:
        expansions = catalog.constant_expansions()
        table = mobius_table(
            {c: float(value_of(c, expansions)) for c in spec.constants}, spec.lookup_bound
        )
    found: list[dict[str, Any]] = []
    for row in rows.iter_rows(named=True):
        terms = [decode(t) for t in row["terms"]]
        recurrence = find_recurrence(
            terms, max_order=spec.max_order, max_degree=spec.max_degree, held_back=spec.held_back
        )
        if recurrence is not None:
            kind = "linear" if recurrence.degree == 0 else "holonomic"
            found.append(
                _row(
                    spec,
                    row,
                    run_id,
                    "recurrence",
                    kind,
                    recurrence.basis,
                    recurrence.relation,
                    f"{row['name']}: {recurrence.text()}",
                    float(len(terms)),
                    "verified",
                    recurrence.checked,
                )
            )
        limit = ratio_limit(terms)
        if table is not None and limit is not None and limit[1] >= 6:
            for name, form in table.candidates(limit[0], limit[1], most=1):
                p0, p1, q0, q1 = form
                found.append(
                    _row(
                        spec,
                        row,
                        run_id,
                        "sequence_limit",
                        "ratio",
                        ["1", name, "L", f"L*{name}"],
                        [p0, p1, -q0, -q1],
                        f"{row['name']}: lim a(n+1)/a(n) = {mobius_text(form, name)}",
                        round(limit[1], 2),
                        "numerical",
                        len(terms),
                    )
                )
    for kind in ("sequence_limit", "recurrence"):  # the recurrence file last: it marks done
        mine = [r for r in found if r["kind"] == kind]
        columns = {name: [r.get(name) for r in mine] for name in CONJECTURES.schema.names}
        catalog.commit(CONJECTURES, columns, partition={"kind": kind}, key=shard_key(spec, ids))
    return {"sequences": rows.height, "conjectures": len(found)}


def _row(spec, row, run_id, kind, detector, basis, relation, formula, digits, status, depth):
    key = f"{kind}|{row['seq_id']}|{','.join(basis)}|{','.join(map(str, relation))}"
    return {
        "conjecture_id": hashlib.sha256(key.encode()).hexdigest()[:16],
        "kind": kind,
        "detector": detector,
        "run_id": run_id,
        "created_at": datetime.now(UTC),
        "subject": f"{row['name']} ({row['seq_id']})",
        "space": spec.label,
        "basis": list(basis),
        "relation": list(relation),
        "formula": formula,
        "digits": digits,
        "status": status,
        "exact_depth": depth,
        "pslq_confirmed": None,
    }
