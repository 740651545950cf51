"""Sequence detectors: recurrences checked exactly on every term, and ratio limits looked
up among Möbius forms (kernels.recurrences, kernels.identify).

What the numbers in a row mean:
- recurrence: ``digits`` is the number of terms the recurrence predicted exactly beyond the
  equations it was fitted on (verified needs its unknowns + 10, and at least the spec's
  held_back); ``exact_depth`` the number of terms it was checked on (all of them); the
  polynomial coefficients are in the sequence's own index n (its first term is a(offset)).
- sequence_limit: ``digits`` is what the last ratio a(m+1)/a(m) has settled to
  (kernels.recurrences.ratio_limit), no more than the found form agrees with it;
  ``exact_depth`` the number of terms. Always numerical: finitely many terms prove no limit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import mpmath
import polars as pl

from conjectura.flows.stages.rows import Row, conjecture_row
from conjectura.kernels.constants import factors, value_of
from conjectura.kernels.identify import MobiusTable, mobius_table
from conjectura.kernels.recurrences import RatioLimit, Recurrence, find_recurrence, ratio_limit
from conjectura.schemas.bigint import decode_int
from conjectura.schemas.printing import mobius_text, recurrence_text
from conjectura.schemas.spec import SequencesSpec
from conjectura.schemas.tables import ConjectureKind

RATIO_LOOKUP_DIGITS = 6
"""A ratio limit settled to fewer digits is not looked up."""
FLOAT_DIGITS = 15.0
"""The Möbius table is float64: a lookup asks for no more digits than that."""
GUARD_DIGITS = 10
"""Digits of the agreement check's working precision that are never claimed."""


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
            terms,
            max_order=spec.max_order,
            max_degree=spec.max_degree,
            held_back=spec.held_back,
            offset=row["offset"],
        )
        if recurrence is not None:
            found.append(_recurrence_row(spec, row, subject, recurrence, len(terms), run_id))
        limit = ratio_limit(terms)
        if table is None or limit is None or limit.exact or limit.digits < RATIO_LOOKUP_DIGITS:
            continue  # an exact (geometric) ratio is a rational: nothing to look up
        found.extend(_limit_rows(spec, row, subject, limit, table, expansions, len(terms), run_id))
    return found


def _recurrence_row(
    spec: SequencesSpec,
    row: dict,
    subject: str,
    recurrence: Recurrence,
    count: int,
    run_id: str,
) -> Row:
    return conjecture_row(
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
        formula=f"{row['name']}: {recurrence_text(recurrence.coefficients, recurrence.offset)}",
        digits=float(recurrence.predicted),
        status="verified" if recurrence.verified else "numerical",
        exact_depth=count,
        space=spec.label,
        method="exact",
        basis_kind="recurrence",
    )


def _limit_rows(
    spec: SequencesSpec,
    row: dict,
    subject: str,
    limit: RatioLimit,
    table: MobiusTable,
    expansions: Mapping[str, str],
    count: int,
    run_id: str,
) -> list[Row]:
    rows = []
    lookup = min(limit.digits, FLOAT_DIGITS)
    for name, form in table.candidates(float(limit.value), lookup, most=1):
        digits = min(limit.digits, _agreement(limit, name, form, expansions))
        if digits < RATIO_LOOKUP_DIGITS:
            continue  # matched in float64, not at the estimate's own precision
        p0, p1, q0, q1 = form
        basis, relation = ["1", name, "L", f"L*{name}"], [p0, p1, -q0, -q1]
        rows.append(
            conjecture_row(
                kind=ConjectureKind.SEQUENCE_LIMIT,
                identity=[row["seq_id"], ",".join(basis), ",".join(map(str, relation))],
                detector="ratio",
                run_id=run_id,
                subject=subject,
                basis=basis,
                relation=relation,
                formula=f"{row['name']}: lim a(n+1)/a(n) = {mobius_text(form, name)}",
                digits=round(digits, 2),
                status="numerical",  # finitely many terms prove no limit
                exact_depth=count,
                space=spec.label,
                method="exact",
                basis_kind="ratio",
            )
        )
    return rows


def _agreement(
    limit: RatioLimit, name: str, form: tuple[int, ...], expansions: Mapping[str, str]
) -> float:
    """Significant digits to which the form (p0 + p1·c)/(q0 + q1·c) equals the exact ratio,
    at a precision above the digits the ratio can claim (and below the constants')."""
    available = min(len(expansions[f]) for f in factors(name)) - GUARD_DIGITS
    precision = min(math.ceil(limit.digits) + 2 * GUARD_DIGITS, available)
    p0, p1, q0, q1 = form
    with mpmath.workdps(precision):
        c = value_of(name, expansions)
        target = (p0 + p1 * c) / (q0 + q1 * c)
        estimate = mpmath.mpf(int(limit.value.p)) / int(limit.value.q)
        difference = abs(estimate - target)
        if difference == 0:
            return float(precision - GUARD_DIGITS)
        digits = float(-mpmath.log10(difference / abs(target)))
    return min(digits, float(precision - GUARD_DIGITS))
