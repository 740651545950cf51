"""Rows as the catalog takes them: one conjecture-row builder, one rows-to-columns helper."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from conjectura.schemas.tables import Table

Row = dict[str, Any]
Columns = dict[str, list[Any]]
"""A table's rows column by column, the shape Catalog.commit takes."""


def columns_of(rows: Sequence[Mapping[str, Any]], table: Table) -> Columns:
    """Rows (dicts) as the table's columns; a column a row leaves out is null."""
    return {name: [row.get(name) for row in rows] for name in table.schema.names}


def conjecture_id(kind: str, identity: Iterable[str]) -> str:
    """Stable id: the same conjecture found again (a retry, a re-run) gets the same id."""
    key = "|".join([kind, *identity])
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def conjecture_row(
    *,
    kind: str,
    identity: Iterable[str],
    detector: str,
    run_id: str,
    subject: str,
    basis: Sequence[str],
    relation: Sequence[int],
    formula: str,
    digits: float,
    status: str,
    exact_depth: int,
    **extra: Any,
) -> Row:
    """One row of the conjectures table; ``extra`` fills the optional columns (pcf_id,
    space, a_coeffs, b_coeffs, pslq_confirmed, signs, ...)."""
    return {
        "conjecture_id": conjecture_id(kind, identity),
        "kind": kind,
        "detector": detector,
        "run_id": run_id,
        "created_at": datetime.now(UTC),
        "subject": subject,
        "basis": list(basis),
        "relation": [int(r) for r in relation],
        "formula": formula,
        "digits": digits,
        "status": status,
        "exact_depth": exact_depth,
        **extra,
    }
