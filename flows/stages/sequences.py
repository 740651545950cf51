"""Sequence detectors: recurrences checked exactly on every term, and ratio limits looked
up among Möbius forms (kernels.recurrences, kernels.identify)."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from conjectura.flows.stages.rows import Row, conjecture_row
from conjectura.kernels.constants import value_of
from conjectura.kernels.identify import mobius_table
from conjectura.kernels.recurrences import find_recurrence, ratio_limit
from conjectura.schemas.bigint import decode_int
from conjectura.schemas.printing import mobius_text, recurrence_text
from conjectura.schemas.spec import SequencesSpec
from conjectura.schemas.tables import ConjectureKind

RATIO_LOOKUP_DIGITS = 6
"""A ratio limit settled to fewer digits is not looked up."""


def sequence_shards(spec: SequencesSpec, ids: list[str]) -> list[list[str]]:
    """Sorted sequence ids in shards (the same ids always make the same shards)."""
    ids = sorted(set(ids))
    return [ids[i : i + spec.shard_size] for i in range(0, len(ids), spec.shard_size)]


def detected_rows(
    spec: SequencesSpec, sequences: pl.DataFrame, expansions: Mapping[str, str], run_id: str
) -> list[Row]:
    """Recurrence and ratio-limit conjectures for the sequences (rows of the sequences
    table); each row carries its kind (recurrence or sequence_limit)."""
    table = None
    if spec.constants:
        table = mobius_table(
            {c: float(value_of(c, expansions)) for c in spec.constants}, spec.lookup_bound
        )
    found: list[Row] = []
    for row in sequences.iter_rows(named=True):
        terms = [decode_int(t) for t in row["terms"]]
        subject = f"{row['name']} ({row['seq_id']})"
        recurrence = find_recurrence(
            terms, max_order=spec.max_order, max_degree=spec.max_degree, held_back=spec.held_back
        )
        if recurrence is not None:
            found.append(
                conjecture_row(
                    kind=ConjectureKind.RECURRENCE,
                    identity=[
                        row["seq_id"],
                        ",".join(recurrence.basis),
                        ",".join(map(str, recurrence.relation)),
                    ],
                    detector="linear" if recurrence.degree == 0 else "holonomic",
                    run_id=run_id,
                    subject=subject,
                    basis=recurrence.basis,
                    relation=recurrence.relation,
                    formula=f"{row['name']}: {recurrence_text(recurrence.coefficients)}",
                    digits=float(len(terms)),
                    status="verified",
                    exact_depth=recurrence.checked,
                    space=spec.label,
                )
            )
        limit = ratio_limit(terms)
        if table is None or limit is None or limit[1] < RATIO_LOOKUP_DIGITS:
            continue
        for name, form in table.candidates(limit[0], limit[1], most=1):
            p0, p1, q0, q1 = form
            basis, relation = ["1", name, "L", f"L*{name}"], [p0, p1, -q0, -q1]
            found.append(
                conjecture_row(
                    kind=ConjectureKind.SEQUENCE_LIMIT,
                    identity=[row["seq_id"], ",".join(basis), ",".join(map(str, relation))],
                    detector="ratio",
                    run_id=run_id,
                    subject=subject,
                    basis=basis,
                    relation=relation,
                    formula=f"{row['name']}: lim a(n+1)/a(n) = {mobius_text(form, name)}",
                    digits=round(limit[1], 2),
                    status="numerical",  # finitely many terms prove no limit
                    exact_depth=len(terms),
                    space=spec.label,
                )
            )
    return found
