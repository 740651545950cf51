"""Identification of a limit: find candidates cheaply, then prove digits exactly.

Finding works at float precision: a sorted table of Möbius forms (p0 + p1·c)/(q0 + q1·c)
answers a lookup by binary search (one side of a meet in the middle: the PCF side is the
other), and an LLL reduction looks for an integer polynomial of low degree. Nothing is
believed at that stage. Every candidate is then checked against exact convergents
(python-flint) deep enough for the wanted digits, and confirmed by PSLQ at that higher
precision; only then is it a conjecture, ``verified`` if the digits reach the threshold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import flint
import mpmath
import numpy as np
from flint import fmpz_mat, fmpz_poly

from conjectura.kernels.constants import value_of
from conjectura.kernels.exact import exact_agreement, pslq_finds, settled_value


@dataclass(frozen=True)
class MobiusTable:
    """All (p0 + p1·c)/(q0 + q1·c) with |coefficients| <= bound, sorted by value.

    Forms are primitive (gcd 1), non-degenerate (p0·q1 ≠ p1·q0, so not rational), and
    each appears once (sign fixed by the denominator's first non-zero coefficient).
    """

    values: np.ndarray  # float64, ascending
    constant_index: np.ndarray  # index into names
    coefficients: np.ndarray  # (rows, 4): p0, p1, q0, q1
    names: tuple[str, ...]

    def candidates(self, limit: float, digits: float, most: int = 8) -> list[tuple[str, tuple]]:
        """Forms within the limit's precision, simplest (smallest coefficients) first.

        Over a quadratic irrational such as sqrt5 several forms share one value; the
        simplest is the one worth reporting.
        """
        tolerance = abs(limit) * 10.0 ** (-digits + 0.5) + 1e-300
        lo = np.searchsorted(self.values, limit - tolerance, side="left")
        hi = np.searchsorted(self.values, limit + tolerance, side="right")
        height = np.abs(self.coefficients[lo:hi]).max(axis=1) if hi > lo else []
        ordered = sorted(
            range(lo, hi), key=lambda r: (height[r - lo], abs(self.values[r] - limit))
        )[:most]
        return [
            (self.names[self.constant_index[r]], tuple(int(v) for v in self.coefficients[r]))
            for r in ordered
        ]


def mobius_table(constant_values: Mapping[str, float], bound: int) -> MobiusTable:
    span = np.arange(-bound, bound + 1, dtype=np.int64)
    p0, p1, q0, q1 = (g.ravel() for g in np.meshgrid(span, span, span, span, indexing="ij"))
    keep = p0 * q1 != p1 * q0
    keep &= (q1 > 0) | ((q1 == 0) & (q0 > 0))  # one sign per form
    keep &= np.gcd(np.gcd(p0, p1), np.gcd(q0, q1)) == 1
    p0, p1, q0, q1 = p0[keep], p1[keep], q0[keep], q1[keep]
    names = tuple(constant_values)
    values, index, forms = [], [], []
    for i, name in enumerate(names):
        c = constant_values[name]
        denominator = q0 + q1 * c
        finite = denominator != 0
        values.append((p0[finite] + p1[finite] * c) / denominator[finite])
        index.append(np.full(int(finite.sum()), i, dtype=np.int32))
        forms.append(np.stack([p0[finite], p1[finite], q0[finite], q1[finite]], axis=1))
    all_values = np.concatenate(values)
    order = np.argsort(all_values, kind="stable")
    return MobiusTable(
        all_values[order], np.concatenate(index)[order], np.concatenate(forms)[order], names
    )


def integer_polynomial(x: float, digits: float, degree: int, bound: int) -> list[int] | None:
    """Smallest integer polynomial (ascending coefficients, |c| <= bound, degree <= degree)
    with a root at x to the given precision, found by LLL; None if there is none."""
    usable = min(digits, 15.0) - 1.0
    if degree < 1 or usable < 4:
        return None
    scale = 10 ** int(usable)
    size = degree + 1
    entries = []
    for k in range(size):
        row = [0] * (size + 1)
        row[k] = 1
        row[size] = round(scale * x**k)
        entries.extend(row)
    reduced = fmpz_mat(size, size + 1, entries).lll()
    coefficients = [int(reduced[0, k]) for k in range(size)]
    while coefficients and coefficients[-1] == 0:
        coefficients.pop()
    if len(coefficients) < 2 or max(abs(c) for c in coefficients) > bound:
        return None
    terms = [c * x**k for k, c in enumerate(coefficients)]
    if abs(sum(terms)) > 10.0 ** (-(usable - 1)) * sum(abs(t) for t in terms):
        return None
    return _factor_vanishing_at(coefficients, x)


def _factor_vanishing_at(coefficients: list[int], x: float) -> list[int]:
    """The irreducible factor (primitive, positive leading coefficient) nearest to a root
    at x: LLL may return a multiple of the minimal polynomial, such as x·(x² − 3x − 3)."""
    _content, factors = fmpz_poly(coefficients).factor()

    def distance(factor: fmpz_poly) -> float:
        roots = factor.complex_roots()
        return min(abs(complex(float(r.real.mid()), float(r.imag.mid())) - x) for r, _ in roots)

    best = min((f for f, _ in factors), key=distance) if factors else fmpz_poly(coefficients)
    result = [int(c) for c in best.coeffs()]
    sign = 1 if result[-1] > 0 else -1
    return [sign * c for c in result]


@dataclass(frozen=True)
class Identification:
    """A relation between a PCF's value L and constants, with the digits that prove it."""

    detector: str
    basis: tuple[str, ...]
    relation: tuple[int, ...]
    value: float  # the exact convergent behind ``digits``, rounded (to pick a root, say)
    digits: float
    exact_depth: int
    pslq_confirmed: bool
    verified: bool


def identify_limit(
    a: Sequence[int],
    b: Sequence[int],
    limit: float,
    digits: float,
    *,
    table: MobiusTable,
    expansions: Mapping[str, str],
    algebraic_degree: int,
    algebraic_bound: int,
    verify_digits: int,
    max_exact_depth: int,
) -> Identification | None:
    """The simplest verified description of PCF(a, b)'s limit, or None.

    Rational limits are not conjectures and give None. Möbius forms are tried first
    (nearest first), then an algebraic number of degree >= 2.
    """
    polynomial = integer_polynomial(limit, digits, algebraic_degree, algebraic_bound)
    with mpmath.workdps(2 * verify_digits + 20):
        if (
            polynomial is not None
            and len(polynomial) == 2
            and _holds_exactly(a, b, polynomial, verify_digits, max_exact_depth)
        ):
            return None  # a rational limit
        for name, form in table.candidates(limit, digits):
            found = _check_mobius(a, b, name, form, expansions, verify_digits, max_exact_depth)
            if found is not None:
                return found
        if polynomial is not None and len(polynomial) > 2:
            return _check_algebraic(a, b, limit, polynomial, verify_digits, max_exact_depth)
    return None


def _check_mobius(a, b, name, form, expansions, verify_digits, max_exact_depth):
    p0, p1, q0, q1 = form
    c = value_of(name, expansions)
    target = (p0 + p1 * c) / (q0 + q1 * c)
    agreement = exact_agreement(a, b, target, want_digits=verify_digits, max_depth=max_exact_depth)
    if agreement is None or agreement.digits < 8:
        return None
    relation = (p0, p1, -q0, -q1)  # p0 + p1·c − q0·L − q1·L·c = 0
    L = agreement.value
    confirmed = _pslq_confirms([1, c, L, L * c], relation, agreement.digits, involving=(2, 3))
    return Identification(
        detector="mobius",
        basis=("1", name, "L", f"L*{name}"),
        relation=relation,
        value=float(L),
        digits=agreement.digits,
        exact_depth=agreement.depth,
        pslq_confirmed=confirmed,
        verified=confirmed and agreement.digits >= verify_digits,
    )


def _check_algebraic(a, b, limit, polynomial, verify_digits, max_exact_depth):
    real_roots = _real_roots(polynomial)
    if not real_roots:
        return None
    target = min(real_roots, key=lambda r: abs(r - limit))
    agreement = exact_agreement(a, b, target, want_digits=verify_digits, max_depth=max_exact_depth)
    if agreement is None or agreement.digits < 8:
        return None
    L = agreement.value
    powers = [L**k for k in range(len(polynomial))]
    confirmed = _pslq_confirms(
        powers, polynomial, agreement.digits, involving=range(1, len(powers))
    )
    return Identification(
        detector="algebraic",
        basis=tuple(["1", "L", *("*".join(["L"] * k) for k in range(2, len(polynomial)))]),
        relation=tuple(polynomial),
        value=float(L),
        digits=agreement.digits,
        exact_depth=agreement.depth,
        pslq_confirmed=confirmed,
        verified=confirmed and agreement.digits >= verify_digits,
    )


def _real_roots(polynomial: Sequence[int]) -> list[mpmath.mpf]:
    """Real roots at the current mpmath precision, isolated rigorously by FLINT."""
    digits = mpmath.mp.dps + 10
    saved = flint.ctx.dps
    flint.ctx.dps = digits
    try:
        roots = fmpz_poly(list(polynomial)).complex_roots()
        return [
            mpmath.mpf(root.real.mid().str(digits, radius=False))
            for root, _multiplicity in roots
            if root.imag.contains(0)
        ]
    finally:
        flint.ctx.dps = saved


def _holds_exactly(a, b, polynomial, verify_digits, max_exact_depth) -> bool:
    c0, c1 = polynomial
    agreement = exact_agreement(
        a, b, mpmath.mpf(-c0) / c1, want_digits=verify_digits, max_depth=max_exact_depth
    )
    return agreement is not None and agreement.digits >= verify_digits


def _pslq_confirms(values, relation, digits: float, involving: Sequence[int]) -> bool:
    """PSLQ at the precision the exact convergent supports (well above the lookup's)."""
    precision = int(min(digits, mpmath.mp.dps)) - 2
    if precision < 15:
        return False
    with mpmath.workdps(precision):
        return pslq_finds(values, relation, max_coeff=10**4, involving=involving)


def discover_with_constant(
    a: Sequence[int],
    b: Sequence[int],
    name: str,
    *,
    expansions: Mapping[str, str],
    max_coeff: int,
    search_digits: int,
    max_exact_depth: int,
) -> Identification | None:
    """Cluster-led discovery: PSLQ for L = (p0 + p1·c)/(q0 + q1·c) with the cluster's
    constant at ``search_digits``, then exact verification to twice that precision."""
    verify_digits = 2 * search_digits
    with mpmath.workdps(verify_digits + 20):
        value = settled_value(a, b, digits=search_digits + 10, max_depth=max_exact_depth)
        if value.digits < search_digits + 5:
            return None  # too slow to know L to the search precision
        c = value_of(name, expansions)
        L = value.value
        with mpmath.workdps(search_digits):
            found = mpmath.pslq([1, c, L, L * c], maxcoeff=max_coeff, maxsteps=50_000)
        if found is None or (found[2] == 0 and found[3] == 0):
            return None
        p0, p1, q0, q1 = found[0], found[1], -found[2], -found[3]
        if p0 * q1 == p1 * q0:
            return None  # rational
        sign = -1 if (q1 < 0 or (q1 == 0 and q0 < 0)) else 1
        form = (sign * p0, sign * p1, sign * q0, sign * q1)
        target = (form[0] + form[1] * c) / (form[2] + form[3] * c)
        agreement = exact_agreement(
            a, b, target, want_digits=verify_digits, max_depth=max_exact_depth
        )
    if agreement is None or agreement.digits < search_digits:
        return None
    return Identification(
        detector="cluster",
        basis=("1", name, "L", f"L*{name}"),
        relation=(form[0], form[1], -form[2], -form[3]),
        value=float(agreement.value),
        digits=agreement.digits,
        exact_depth=agreement.depth,
        pslq_confirmed=True,
        verified=agreement.digits >= verify_digits,
    )
