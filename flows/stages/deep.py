"""The deep relation search on one task's limits: those the lookup left unidentified,
searched for an integer relation over the spec's constants (kernels.relations: large
Möbius, powers, two constants, algebraic), then borne out exactly and confirmed
independently (kernels.exact, kernels.identify.conclude), within a budget.

Why bounded: a search costs about 10-20 ms per distinct limit per core at DEEP_DIGITS
(with nothing to find, the usual case, every basis kind is tried), and the default space
alone leaves some 13,500 distinct irrational limits unidentified. Each task searches at
most ``identify.deep_limit`` distinct limits, simplest PCFs first (coefficient height,
then the sum of the coefficients' sizes, then the id): the order is fixed by the PCFs,
so the same spec searches the same limits.

Why DEEP_DIGITS = 30: below about 15 digits random limits draw false proposals, from 15
to 30 none (tests/benchmarks/bench_relations.py), and LLL costs more with every digit. A
limit is settled exactly to DEEP_DIGITS before it is searched (one that does not settle
that far by DEEP_MAX_DEPTH is left to acceleration); a proposal must then hold on a deeper
estimate past the digits that proposed it (verify_digits, at least DEEP_DIGITS +
CHECK_MARGIN) and is confirmed at twice the depth and precision, constants recomputed.

Mirrors (PCF(-a, b) = -PCF(a, b), planned into one shard) and equal values share one
search: limits are grouped by |value| to GROUP_DIGITS significant digits, the simplest
member searches, and every member checks the relation (L -> -L for a mirror) against its
own exact estimate. Zero and rational limits are skipped before any search.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import polars as pl

from conjectura.flows.stages.identify import pcf_conjecture_row
from conjectura.flows.stages.rows import Row
from conjectura.kernels.constants import constant_value, register_user_constants
from conjectura.kernels.exact import ExactLimit, check_candidate, settle
from conjectura.kernels.identify import Identification, check_precision, conclude
from conjectura.kernels.relations import RelationSearch, rational_value
from conjectura.schemas.spec import IdentifySettings, PcfSpec

DEEP_DIGITS = 30
"""Digits a limit is settled to, exactly, and searched at."""

DEEP_MAX_DEPTH = 4096
"""Deepest walk spent on settling a limit to DEEP_DIGITS before it is searched."""

CHECK_MARGIN = 10
"""A proposal must hold this many digits past DEEP_DIGITS on a deeper estimate."""

GROUP_DIGITS = 9
"""Screened limits whose |values| agree to this many significant digits share a search."""

CONSTANT_DIGITS = 128
"""Digits of the constants the search's bases are built from (DEEP_DIGITS + guard, and
the 60-digit independence check among the constants)."""


@dataclass(frozen=True)
class DeepOutcome:
    """What one task's deep search did: its rows and how many distinct limits it took."""

    rows: list[Row]
    searched: int  # distinct limits settled and searched
    found: int  # of those, limits with a relation borne out (rows count every member)
    unsettled: int  # distinct limits that did not settle to DEEP_DIGITS by DEEP_MAX_DEPTH
    left: int  # distinct irrational limits beyond the budget, not searched


def deep_rows(
    spec: PcfSpec,
    screened: pl.DataFrame,
    identified_ids: Collection[int],
    run_id: str,
    *,
    budget: int | None = None,
) -> list[Row]:
    """Conjecture rows (detector ``deep``) for the converged limits of ``screened`` (pcf
    rows: id, a_coeffs, b_coeffs, status, limit, digits) that ``identified_ids`` leaves
    out; at most ``budget`` (default ``identify.deep_limit``) distinct limits searched."""
    return deep_search(spec, screened, identified_ids, run_id, budget=budget).rows


def deep_search(
    spec: PcfSpec,
    screened: pl.DataFrame,
    identified_ids: Collection[int],
    run_id: str,
    *,
    budget: int | None = None,
) -> DeepOutcome:
    """:func:`deep_rows` with the counts behind them."""
    settings = spec.identify
    budget = settings.deep_limit if budget is None else budget
    register_user_constants(spec.constant_expressions)
    groups = limit_groups(screened, identified_ids, settings.lookup_digits)
    search = _relation_search(
        _factor_names(spec.constants), tuple(sorted(spec.constant_expressions.items()))
    )
    rows: list[Row] = []
    searched = found = unsettled = 0
    for group in groups[:budget]:
        searched += 1
        first = group[0]
        exact = ExactLimit(first["a_coeffs"], first["b_coeffs"])
        with mpmath.workdps(check_precision(_wanted(settings))):
            estimate = settle(
                exact,
                want_digits=DEEP_DIGITS,
                max_depth=min(settings.max_exact_depth, DEEP_MAX_DEPTH),
            )
            if estimate.digits < DEEP_DIGITS:
                unsettled += 1
                continue
            relation = search.find(estimate.value, DEEP_DIGITS)
            if relation is None:
                continue
            near = +estimate.value
        member_rows = []
        for member in group:
            mirror = (member["limit"] < 0) != (first["limit"] < 0)
            identification = borne_out(
                exact if member is first else ExactLimit(member["a_coeffs"], member["b_coeffs"]),
                relation.basis,
                mirrored(relation.basis, relation.coefficients)
                if mirror
                else relation.coefficients,
                relation.basis_kind,
                near=-near if mirror else near,
                settings=settings,
                start_depth=estimate.depth if member is first else 64,
            )
            if identification is not None:
                member_rows.append(pcf_conjecture_row(spec, member, identification, run_id))
        found += bool(member_rows)
        rows.extend(member_rows)
    return DeepOutcome(rows, searched, found, unsettled, max(0, len(groups) - budget))


def limit_groups(
    screened: pl.DataFrame, identified_ids: Collection[int], min_digits: float
) -> list[list[dict[str, Any]]]:
    """The shard's unidentified converged limits with at least ``min_digits`` screened
    digits, grouped by |value| (GROUP_DIGITS significant digits), each group's members
    and the groups simplest first; groups whose value is zero or rational (at the
    screened digits) are left out."""
    identified = set(identified_ids)
    candidates = [
        row
        for row in screened.filter(
            (pl.col("status") == "converged") & (pl.col("digits") >= min_digits)
        ).iter_rows(named=True)
        if row["id"] not in identified and row["limit"] is not None
    ]
    candidates.sort(key=_simplicity)
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in candidates:
        groups.setdefault(f"{abs(row['limit']):.{GROUP_DIGITS - 1}e}", []).append(row)
    return [members for members in groups.values() if _irrational(members[0])]


def _irrational(row: dict[str, Any]) -> bool:
    """Neither zero nor a simple rational at the screened digits (a float holds 14)."""
    limit = mpmath.mpf(row["limit"])
    return bool(mpmath.isfinite(limit)) and rational_value(limit, min(row["digits"], 14.0)) is None


def _simplicity(row: dict[str, Any]) -> tuple[int, int, int]:
    coefficients = [abs(int(c)) for c in (*row["a_coeffs"], *row["b_coeffs"])]
    return max(coefficients), sum(coefficients), int(row["id"])


def _wanted(settings: IdentifySettings) -> int:
    """Digits a check walks for: verify_digits, and past the search's digits in any case."""
    return max(settings.verify_digits, DEEP_DIGITS + CHECK_MARGIN)


def borne_out(
    exact: ExactLimit,
    basis: Sequence[str],
    coefficients: Sequence[int],
    basis_kind: str,
    *,
    near: mpmath.mpf,
    settings: IdentifySettings,
    start_depth: int = 64,
) -> Identification | None:
    """The relation Σ coefficients·basis = 0 checked against PCF ``exact``'s estimate to
    verify_digits (at least DEEP_DIGITS + CHECK_MARGIN, or None) and confirmed
    independently; ``near`` picks the root when the relation is a polynomial in L."""
    want = _wanted(settings)
    with mpmath.workdps(check_precision(want)):
        target = relation_value(basis, coefficients, near)
        try:
            value = target()
        except (ZeroDivisionError, mpmath.libmp.NoConvergence):
            return None
        check = check_candidate(
            exact,
            value,
            want_digits=want,
            max_depth=settings.max_exact_depth,
            start_depth=start_depth,
        )
        if check is None or check.digits < DEEP_DIGITS + CHECK_MARGIN:
            return None
        return conclude(
            exact,
            check,
            target,
            detector="deep",
            basis=tuple(basis),
            relation=tuple(int(c) for c in coefficients),
            basis_kind=basis_kind,
            verify_digits=settings.verify_digits,
        )


def relation_value(
    basis: Sequence[str], coefficients: Sequence[int], near: mpmath.mpf
) -> Callable[[], mpmath.mpf]:
    """A function giving L from Σ coefficients·basis = 0 at the current mpmath precision,
    constants computed to it: L = -(Σ c·u)/(Σ c'·u) for a basis linear in L, else the
    root of the polynomial in L nearest ``near``."""
    powers = [entry.split("*").count("L") for entry in basis]
    terms = ["*".join(f for f in entry.split("*") if f not in ("1", "L")) for entry in basis]

    def value() -> mpmath.mpf:
        dps = mpmath.mp.dps
        polynomial = [mpmath.mpf(0)] * (max(powers) + 1)  # ascending in L
        for c, k, term in zip(coefficients, powers, terms, strict=True):
            if c:
                polynomial[k] += c * (constant_value(term, dps) if term else mpmath.mpf(1))
        if len(polynomial) == 2:
            return -polynomial[0] / polynomial[1]
        while polynomial and polynomial[-1] == 0:
            polynomial.pop()
        roots = mpmath.polyroots(polynomial[::-1], maxsteps=200, extraprec=2 * mpmath.mp.prec)
        return mpmath.re(min(roots, key=lambda root: abs(root - near)))

    return value


def mirrored(basis: Sequence[str], coefficients: Sequence[int]) -> tuple[int, ...]:
    """The relation for -L (a mirror PCF's value): each term's coefficient times (-1)^k
    for L^k, signed as the catalog writes relations (kernels.relations): a polynomial in
    L with a positive leading coefficient, a Möbius form with its last L term negative."""
    powers = [entry.split("*").count("L") for entry in basis]
    flipped = [c * (-1) ** k for c, k in zip(coefficients, powers, strict=True)]
    algebraic = all(entry == "1" or set(entry.split("*")) == {"L"} for entry in basis)
    last = max(i for i, c in enumerate(flipped) if c and (algebraic or powers[i]))
    wrong = flipped[last] < 0 if algebraic else flipped[last] > 0
    return tuple(-c if wrong else c for c in flipped)


def _factor_names(constants: Sequence[str]) -> tuple[str, ...]:
    """The spec's constants as single factors, in spec order (``pi*pi`` is ``pi``: the
    search builds powers and products itself)."""
    return tuple(dict.fromkeys(f for name in constants for f in name.split("*")))


@functools.lru_cache(maxsize=4)
def _relation_search(
    names: tuple[str, ...], expressions: tuple[tuple[str, str], ...]
) -> RelationSearch:
    """Built once per worker process (bases and their independence checks) per spec."""
    register_user_constants(dict(expressions))
    return RelationSearch({name: constant_value(name, CONSTANT_DIGITS) for name in names})
