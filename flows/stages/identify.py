"""Identifying a screened shard: the Möbius lookup and the algebraic test, each candidate
checked against an exact limit estimate and confirmed independently (kernels.identify).

Slowly converging PCFs (recognised from their degrees by ``converges_slowly``, or by an
exact walk that settles slowly when the screen gave too few digits) are looked up from an
accelerated estimate instead of their float64 screen, which has a handful of digits, and
checked and confirmed on accelerated estimates (method "accelerated"). One that the
acceleration cannot estimate falls back to the exact path when its screen had the digits.

The catalog's constant expansions only build the float lookup table; the checks compute
their constants to the precision they need."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import mpmath
import polars as pl

from conjectura.flows.stages.rows import Row, conjecture_row
from conjectura.kernels import constants as library
from conjectura.kernels.acceleration import converges_slowly
from conjectura.kernels.dynamics import terminating_depth
from conjectura.kernels.identify import (
    Identification,
    MobiusTable,
    accelerated_screen,
    identify_accelerated,
    identify_limit,
    may_have_small_polynomial,
    mobius_table,
    settles_slowly,
)
from conjectura.schemas.printing import formula_text, pcf_text
from conjectura.schemas.spec import IdentifySettings, PcfSpec
from conjectura.schemas.tables import ConjectureKind


def identified_rows(
    spec: PcfSpec, screened: pl.DataFrame, expansions: Mapping[str, str], run_id: str
) -> list[Row]:
    """Conjecture rows for the converged limits of one screened shard (its pcf rows)."""
    settings = spec.identify
    converged = screened.filter(pl.col("status") == "converged")
    table = _mobius_table(tuple(spec.constants), settings.mobius_bound, _frozen(expansions))
    algebraic = may_have_small_polynomial(
        converged["limit"].to_numpy(),
        converged["digits"].to_numpy(),
        settings.algebraic_degree,
        settings.algebraic_bound,
    )
    found = []
    for row, maybe_algebraic in zip(converged.iter_rows(named=True), algebraic, strict=True):
        if terminating_depth(row["b_coeffs"], settings.max_exact_depth) is not None:
            continue  # b(k) = 0: the fraction stops, its value is rational
        identification = identify_row(row, settings, table, screened_algebraic=maybe_algebraic)
        if identification is not None:
            found.append(pcf_conjecture_row(spec, row, identification, run_id))
    return found


def identify_row(
    row: Mapping[str, Any],
    settings: IdentifySettings,
    table: MobiusTable,
    *,
    screened_algebraic: bool = True,
) -> Identification | None:
    """One converged PCF: through acceleration when it converges slowly, else (or when the
    acceleration has no estimate with lookup_digits) exactly from its screened limit, if
    that has lookup_digits. ``screened_algebraic`` False: no small polynomial vanishes at
    the screened limit (may_have_small_polynomial), so its algebraic test is skipped."""
    a, b = row["a_coeffs"], row["b_coeffs"]
    screened_enough = row["digits"] >= settings.lookup_digits
    depth = settings.max_exact_depth
    if converges_slowly(a, b) or (
        not screened_enough and settles_slowly(a, b, below=settings.lookup_digits, max_depth=depth)
    ):
        estimate = accelerated_screen(a, b, max_depth=depth)
        if estimate is not None and estimate.digits >= settings.lookup_digits:
            return identify_accelerated(
                a,
                b,
                estimate,
                table=table,
                algebraic_degree=settings.algebraic_degree,
                algebraic_bound=settings.algebraic_bound,
                verify_digits=settings.verify_digits,
                max_exact_depth=depth,
            )
    if not screened_enough:
        return None
    return identify_limit(
        a,
        b,
        row["limit"],
        row["digits"],
        table=table,
        algebraic_degree=settings.algebraic_degree if screened_algebraic else 0,
        algebraic_bound=settings.algebraic_bound,
        verify_digits=settings.verify_digits,
        max_exact_depth=depth,
    )


def pcf_conjecture_row(
    spec: PcfSpec, pcf: Mapping[str, Any], found: Identification, run_id: str
) -> Row:
    """The conjecture that PCF ``pcf`` (a row with id, a_coeffs, b_coeffs) has the value
    ``found`` describes."""
    subject = pcf_text(pcf["a_coeffs"], pcf["b_coeffs"])
    return conjecture_row(
        kind=ConjectureKind.PCF_LIMIT,
        identity=[subject, ",".join(found.basis), ",".join(map(str, found.relation))],
        detector=found.detector,
        run_id=run_id,
        subject=subject,
        basis=found.basis,
        relation=found.relation,
        formula=formula_text(subject, found.basis, found.relation, near=found.value),
        digits=round(found.digits, 2),
        status="verified" if found.verified else "numerical",
        exact_depth=found.exact_depth,
        pcf_id=pcf["id"],
        space=spec.label,
        a_coeffs=pcf["a_coeffs"],
        b_coeffs=pcf["b_coeffs"],
        pslq_confirmed=found.pslq_confirmed,
        method=found.method,
        basis_kind=found.basis_kind,
        roi=round(found.roi, 3),
        coefficient_bits=found.coefficient_bits,
        confirmation_digits=(
            None if found.confirmation_digits is None else round(found.confirmation_digits, 2)
        ),
    )


def mobius_table_for(
    names: tuple[str, ...], bound: int, expansions: Mapping[str, str]
) -> MobiusTable:
    """The float lookup table of Möbius forms over ``names``, built once per process."""
    return _mobius_table(tuple(names), bound, _frozen(expansions))


def _frozen(expansions: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(expansions.items()))


@functools.lru_cache(maxsize=4)
def _mobius_table(
    names: tuple[str, ...], bound: int, expansions: tuple[tuple[str, str], ...]
) -> MobiusTable:
    """Built once per worker process and reused by every shard it identifies."""
    values = dict(expansions)
    with mpmath.workdps(30):
        floats = {name: float(library.value_of(name, values)) for name in names}
    return mobius_table(floats, bound)
