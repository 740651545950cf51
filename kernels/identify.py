"""Identification of a limit: find candidates cheaply, then bear them out exactly.

Finding works at float precision: a sorted table of Möbius forms (p0 + p1·c)/(q0 + q1·c)
answers a lookup by binary search (one side of a meet in the middle: the PCF side is the
other), and an LLL reduction looks for an integer polynomial of low degree. Nothing is
believed at that stage. Every candidate is then checked against an exact limit estimate
deep enough for the wanted digits (its digits never more than the estimate has settled
to), and a relation that passes is confirmed independently: re-checked against an
estimate twice as deep, at twice the precision, with its constants recomputed there.
It is ``verified`` when the digits and the confirmation reach the threshold and the
relation pays for its coefficients (LIReC's return on investment, roi >= 2).

Slowly converging PCFs (kernels.acceleration) take the same path with an accelerated
estimate in place of the exact one: looked up from a cheap extrapolation, checked against
a deeper one at the check's precision, confirmed by a third at twice the depth and twice
the precision. Their exact convergents would give a handful of digits at any depth.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import flint
import mpmath
import numpy as np
from flint import fmpz_mat, fmpz_poly

from conjectura.kernels.acceleration import METHOD as ACCELERATED
from conjectura.kernels.acceleration import accelerated_limit
from conjectura.kernels.constants import constant_value
from conjectura.kernels.exact import (
    CONFIRMATION_FACTOR,
    GUARD_DIGITS,
    Agreement,
    ExactLimit,
    LimitEstimate,
    agreement_digits,
    check_candidate,
    confirm,
    relation_digits,
    settle,
)


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


def may_have_small_polynomial(
    x: np.ndarray, digits: np.ndarray, degree: int, bound: int
) -> np.ndarray:
    """For each limit, whether an integer polynomial of degree <= ``degree`` (and >= 1) with
    |coefficients| <= ``bound`` vanishes there to the precision :func:`integer_polynomial`
    asks, loosened tenfold: where this is False, integer_polynomial returns None, so the
    LLL need not run. By brute force over (c1, c2), c0 the nearest integer, for degree
    <= 2 (625 pairs at bound 12, vectorized over a shard); True throughout above that."""
    x = np.asarray(x, float)
    if degree > 2:
        return np.ones(x.shape, bool)
    usable = np.minimum(np.asarray(digits, float), 15.0) - 1.0
    tolerance = 10.0 * 10.0 ** (-(usable - 1.0)) + 1e-15
    found = np.zeros(x.shape, bool)
    c = np.arange(-bound, bound + 1, dtype=float)
    squares = x * x
    for c2 in c if degree == 2 else [0.0]:
        t2 = c2 * squares
        t1 = np.outer(x, c)  # every c1 at once
        c0 = -np.round(t1 + t2[:, None])
        residual = np.abs(c0 + t1 + t2[:, None])
        size = np.abs(c0) + np.abs(t1) + np.abs(t2)[:, None]
        nonconstant = (c != 0)[None, :] | (c2 != 0)
        hits = (np.abs(c0) <= bound) & nonconstant & (residual <= tolerance[:, None] * size)
        found |= hits.any(axis=1)
    return found & (usable >= 4)


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


MIN_ROI = 2.0
"""LIReC's "high" return on investment: a relation must hold to at least twice the bits it
spends on its coefficients (one per non-zero coefficient plus their bit lengths)."""


def coefficient_bits(relation: Sequence[int]) -> int:
    """Total bit length of the relation's non-zero coefficients."""
    return sum(abs(int(c)).bit_length() for c in relation if c)


def return_on_investment(digits: float, relation: Sequence[int]) -> float:
    """LIReC's roi: verified bits (digits · log2 10) per bit of description (the number of
    non-zero coefficients plus their bit lengths)."""
    cost = sum(1 for c in relation if c) + coefficient_bits(relation)
    return digits * math.log2(10) / cost if cost else 0.0


def is_verified(
    digits: float,
    confirmation_digits: float | None,
    relation: Sequence[int],
    verify_digits: float,
) -> bool:
    """The status rule: enough digits, an independent confirmation that reached as many,
    and a relation that pays for its coefficients."""
    return (
        digits >= verify_digits
        and confirmation_digits is not None
        and confirmation_digits >= verify_digits
        and return_on_investment(digits, relation) >= MIN_ROI
    )


@dataclass(frozen=True)
class Identification:
    """A relation between a PCF's value L and constants, with the digits that bear it out."""

    detector: str
    basis: tuple[str, ...]
    relation: tuple[int, ...]
    value: float  # the limit estimate behind ``digits``, rounded (to pick a root, say)
    digits: float  # agreement with the estimate, capped by how far that has settled
    exact_depth: int
    pslq_confirmed: bool  # the independent confirmation reached the verification threshold
    verified: bool
    confirmation_digits: float | None = None  # None: not attempted (digits fell short)
    confirmation_depth: int | None = None
    basis_kind: str = "lookup"  # which search proposed it: lookup, algebraic, cluster, ...
    method: str = "exact"  # how the estimate was obtained: exact or accelerated

    @property
    def coefficient_bits(self) -> int:
        return coefficient_bits(self.relation)

    @property
    def roi(self) -> float:
        return return_on_investment(self.digits, self.relation)


def conclude(
    limit: ExactLimit | AcceleratedLimits,
    check: Agreement,
    target: Callable[[], mpmath.mpf],
    *,
    detector: str,
    basis: tuple[str, ...],
    relation: tuple[int, ...],
    basis_kind: str,
    verify_digits: float,
) -> Identification:
    """An identification from a passed check: confirmed independently (when its digits
    reach ``verify_digits``; otherwise it cannot be verified and the confirmation is
    skipped), then judged by :func:`is_verified`. An accelerated check is confirmed by a
    deeper acceleration, an exact one by a deeper exact estimate."""
    confirmation = None
    if check.digits >= verify_digits:
        if isinstance(limit, AcceleratedLimits):
            confirmation = limit.confirm(target, check.estimate)
        else:
            confirmation = confirm(limit, target, check.estimate)
    confirmation_digits = confirmation.digits if confirmation is not None else None
    return Identification(
        detector=detector,
        basis=basis,
        relation=relation,
        value=float(check.value),
        digits=check.digits,
        exact_depth=check.depth,
        pslq_confirmed=confirmation_digits is not None and confirmation_digits >= verify_digits,
        verified=is_verified(check.digits, confirmation_digits, relation, verify_digits),
        confirmation_digits=confirmation_digits,
        confirmation_depth=confirmation.depth if confirmation is not None else None,
        basis_kind=basis_kind,
        method=check.estimate.method,
    )


def check_precision(verify_digits: int) -> int:
    """Working digits of a check: room for twice the threshold, so the reported digits can
    go past it, plus the guard digits."""
    return 2 * verify_digits + 20


def identify_limit(
    a: Sequence[int],
    b: Sequence[int],
    limit: float,
    digits: float,
    *,
    table: MobiusTable,
    algebraic_degree: int,
    algebraic_bound: int,
    verify_digits: int,
    max_exact_depth: int,
) -> Identification | None:
    """The simplest description of PCF(a, b)'s limit that exact convergents bear out to at
    least 8 digits, or None.

    Rational limits (0 among them) are not conjectures and give None. Möbius forms are
    tried first (nearest first), then an algebraic number of degree >= 2. Constants are
    computed to each check's precision (``constant_value``), never read from a truncated
    expansion.
    """
    return identify_estimates(
        ExactLimit(a, b),
        limit,
        digits,
        table=table,
        algebraic_degree=algebraic_degree,
        algebraic_bound=algebraic_bound,
        verify_digits=verify_digits,
        max_exact_depth=max_exact_depth,
    )


def identify_estimates(
    estimates: ExactLimit | AcceleratedLimits,
    limit: float,
    digits: float,
    *,
    table: MobiusTable,
    algebraic_degree: int,
    algebraic_bound: int,
    verify_digits: int,
    max_exact_depth: int,
) -> Identification | None:
    """The lookup and the algebraic test on a float ``limit`` with ``digits``, each
    candidate checked and confirmed on ``estimates`` (exact convergents or accelerated
    ones): the one procedure behind both identify functions."""
    polynomial = integer_polynomial(limit, digits, algebraic_degree, algebraic_bound)
    with mpmath.workdps(check_precision(verify_digits)):
        rational = polynomial is not None and len(polynomial) == 2
        if rational and _holds_exactly(estimates, polynomial, verify_digits, max_exact_depth):
            return None  # a rational limit
        for name, form in table.candidates(limit, digits):
            found = _check_mobius(estimates, name, form, verify_digits, max_exact_depth)
            if found is not None:
                return found
        if polynomial is not None and len(polynomial) > 2:
            return _check_algebraic(estimates, limit, polynomial, verify_digits, max_exact_depth)
    return None


# -- slowly converging PCFs: the same lookup and checks on accelerated estimates ------------

ACCELERATED_SCREEN_DEPTH = 1024
"""Depth of the cheap accelerated estimate a slow PCF is looked up with. Measured on the
default run's 2,600 slow converged rows at ACCELERATED_SCREEN_DPS: 1,024 gives >= 10
digits to all but 16 (512: to all but 88), about 2 ms each, and no claim exceeds what an
acceleration 8 times deeper at 100 digits bears out."""

ACCELERATED_SCREEN_DPS = 30
"""Precision of that estimate: it is read as a float64, so 25 claimable digits are plenty."""

ACCELERATED_START_DEPTH = 1024
"""First depth of an accelerated check (then doubled). At 120 digits (verify_digits 50)
Brouncker's fraction claims 88 digits at 1,024 (103 true) in about 8 ms; the double-root
fractions of the default space (irrational α) need up to 32,768."""


@functools.lru_cache(maxsize=1024)
def _accelerated(
    a: tuple[int, ...], b: tuple[int, ...], depth: int, dps: int
) -> LimitEstimate | None:
    """accelerated_limit as a LimitEstimate, remembered per process."""
    found = accelerated_limit(list(a), list(b), depth, dps)
    if found is None:
        return None
    return LimitEstimate(found.value, found.digits, found.depth, found.method, found.precision)


class AcceleratedLimits:
    """Accelerated estimates of one PCF's limit (kernels.acceleration), remembered by depth
    and precision: for slowly converging PCFs what :class:`ExactLimit` is for the others,
    so checks of several candidates and the confirmation share the work."""

    def __init__(self, a: Sequence[int], b: Sequence[int]) -> None:
        self.a = [int(c) for c in a]
        self.b = [int(c) for c in b]

    def estimate(self, depth: int) -> LimitEstimate | None:
        """The acceleration from convergents up to ``depth`` at the current mpmath precision,
        its digits the agreement of independent extrapolations; None where it has none.

        PCF(-a, b) has exactly the negated convergents of PCF(a, b), so the same negated
        estimate: a mirror (planned into the same shard) reuses its partner's work."""
        sign = -1 if next((c for c in reversed(self.a) if c), 0) < 0 else 1
        found = _accelerated(tuple(sign * c for c in self.a), tuple(self.b), depth, mpmath.mp.dps)
        if found is None or sign == 1:
            return found
        return dataclasses.replace(found, value=-found.value)

    def check(
        self,
        target: mpmath.mpf,
        *,
        want_digits: float,
        max_depth: int,
        start_depth: int = ACCELERATED_START_DEPTH,
    ) -> Agreement | None:
        """:func:`check_candidate` on accelerated estimates: double the depth until the
        estimate bears ``target`` out to ``want_digits`` or ``max_depth`` is reached.

        None when the estimate settles on a different value (3 digits past its agreement
        with the target) or there is no estimate even at ``max_depth``."""
        depth = min(start_depth, max_depth)
        while True:
            estimate = self.estimate(depth)
            if estimate is not None:
                agreement = agreement_digits(estimate.value, target)
                digits = min(agreement, estimate.digits)
                if digits >= want_digits:
                    return Agreement(digits, estimate)
                if estimate.digits >= agreement + 3:
                    return None
                if depth >= max_depth:
                    return Agreement(digits, estimate)
            elif depth >= max_depth:
                return None
            depth = min(2 * depth, max_depth)

    def confirm(self, target: Callable[[], mpmath.mpf], after: LimitEstimate) -> Agreement:
        """The independent confirmation: a second acceleration from convergents
        CONFIRMATION_FACTOR times deeper, at CONFIRMATION_FACTOR times the precision, with
        the relation's value (its constants too) recomputed there. No estimate there
        confirms nothing (0 digits)."""
        with mpmath.workdps(CONFIRMATION_FACTOR * after.precision):
            depth = CONFIRMATION_FACTOR * (after.depth + 1)
            estimate = self.estimate(depth)
            if estimate is None:
                nothing = LimitEstimate(mpmath.mpf(0), 0.0, depth, ACCELERATED, mpmath.mp.dps)
                return Agreement(0.0, nothing)
            return Agreement(relation_digits(estimate, target()), estimate)


def accelerated_screen(
    a: Sequence[int], b: Sequence[int], *, max_depth: int
) -> LimitEstimate | None:
    """The cheap accelerated estimate a slow PCF's limit is looked up with (its float64
    screen has a handful of digits): ACCELERATED_SCREEN_DEPTH (at most ``max_depth``) at
    ACCELERATED_SCREEN_DPS."""
    with mpmath.workdps(ACCELERATED_SCREEN_DPS):
        return AcceleratedLimits(a, b).estimate(min(ACCELERATED_SCREEN_DEPTH, max_depth))


def settles_slowly(a: Sequence[int], b: Sequence[int], *, below: float, max_depth: int) -> bool:
    """Whether the exact walk settles, but slowly: exact estimates at ACCELERATED_SCREEN_DEPTH
    and twice it (at most ``max_depth``) have settled to fewer than ``below`` digits and
    gain less than half again per doubling (geometric convergence doubles them). For PCFs
    that :func:`converges_slowly` does not recognise from their degrees."""
    second_depth = min(2 * ACCELERATED_SCREEN_DEPTH, max_depth)
    if second_depth < 12:
        return False
    limit = ExactLimit(a, b)
    with mpmath.workdps(ACCELERATED_SCREEN_DPS + GUARD_DIGITS):
        first = limit.estimate(second_depth // 2).digits
        second = limit.estimate(second_depth).digits
    return 0 < first < second < below and second < 1.5 * first


def identify_accelerated(
    a: Sequence[int],
    b: Sequence[int],
    estimate: LimitEstimate,
    *,
    table: MobiusTable,
    algebraic_degree: int,
    algebraic_bound: int,
    verify_digits: int,
    max_exact_depth: int,
) -> Identification | None:
    """:func:`identify_limit` for a slowly converging PCF, from an accelerated ``estimate``
    (:func:`accelerated_screen`): the same Möbius lookup and algebraic test, each candidate
    checked against accelerated estimates at the check's precision (depths up to
    ``max_exact_depth``) and confirmed by a deeper one at twice the precision. The result's
    method is "accelerated" and its exact_depth the deepest convergent the check used."""
    return identify_estimates(
        AcceleratedLimits(a, b),
        float(estimate.value),
        min(estimate.digits, 15.0),
        table=table,
        algebraic_degree=algebraic_degree,
        algebraic_bound=algebraic_bound,
        verify_digits=verify_digits,
        max_exact_depth=max_exact_depth,
    )


def mobius_target(name: str, form: Sequence[int]) -> Callable[[], mpmath.mpf]:
    """(p0 + p1·c)/(q0 + q1·c) at the current mpmath precision, c computed to it."""
    p0, p1, q0, q1 = form

    def value() -> mpmath.mpf:
        c = constant_value(name, mpmath.mp.dps)
        return (p0 + p1 * c) / (q0 + q1 * c)

    return value


def _check(
    limit: ExactLimit | AcceleratedLimits, target: mpmath.mpf, verify_digits: int, max_depth: int
) -> Agreement | None:
    """The candidate against the limit's own kind of estimate, deepened as far as needed."""
    if isinstance(limit, AcceleratedLimits):
        return limit.check(target, want_digits=verify_digits, max_depth=max_depth)
    return check_candidate(limit, target, want_digits=verify_digits, max_depth=max_depth)


def _check_mobius(exact, name, form, verify_digits, max_exact_depth) -> Identification | None:
    target = mobius_target(name, form)
    check = _check(exact, target(), verify_digits, max_exact_depth)
    if check is None or check.digits < 8:
        return None
    p0, p1, q0, q1 = form
    return conclude(
        exact,
        check,
        target,
        detector="mobius",
        basis=("1", name, "L", f"L*{name}"),
        relation=(p0, p1, -q0, -q1),  # p0 + p1·c − q0·L − q1·L·c = 0
        basis_kind="lookup",
        verify_digits=verify_digits,
    )


def _check_algebraic(exact, limit, polynomial, verify_digits, max_exact_depth):
    real_roots = _real_roots(polynomial)
    if not real_roots:
        return None
    index = min(range(len(real_roots)), key=lambda i: abs(real_roots[i] - limit))

    def target() -> mpmath.mpf:
        return _real_roots(polynomial)[index]  # roots come sorted: the same one at any precision

    check = _check(exact, real_roots[index], verify_digits, max_exact_depth)
    if check is None or check.digits < 8:
        return None
    return conclude(
        exact,
        check,
        target,
        detector="algebraic",
        basis=tuple(["1", "L", *("*".join(["L"] * k) for k in range(2, len(polynomial)))]),
        relation=tuple(polynomial),
        basis_kind="algebraic",
        verify_digits=verify_digits,
    )


def _real_roots(polynomial: Sequence[int]) -> list[mpmath.mpf]:
    """Real roots, ascending, at the current mpmath precision, isolated rigorously by FLINT."""
    digits = mpmath.mp.dps + 10
    saved = flint.ctx.dps
    flint.ctx.dps = digits
    try:
        roots = fmpz_poly(list(polynomial)).complex_roots()
        return sorted(
            mpmath.mpf(root.real.mid().str(digits, radius=False))
            for root, _multiplicity in roots
            if root.imag.contains(0)
        )
    finally:
        flint.ctx.dps = saved


def _holds_exactly(exact, polynomial, verify_digits, max_exact_depth) -> bool:
    c0, c1 = polynomial
    check = _check(exact, mpmath.mpf(-c0) / c1, verify_digits, max_exact_depth)
    return check is not None and check.digits >= verify_digits


def rational_near(x: mpmath.mpf, digits: float) -> Fraction | None:
    """A rational p/q that x (known to ``digits`` significant digits) is, or None.

    q may go up to 10^(digits/2 − 5): a best approximation that small agrees with an
    irrational x to about digits − 10 digits, so agreeing to digits − 1 takes a partial
    quotient near 10^9 by chance. 0 is rational (PSLQ cannot take a zero entry)."""
    if x == 0:
        return Fraction(0)
    if not mpmath.isfinite(x) or digits < 12:
        return None
    mantissa, exponent = abs(x).man_exp
    exact = (1 if x > 0 else -1) * Fraction(int(mantissa)) * Fraction(2) ** int(exponent)
    candidate = exact.limit_denominator(10 ** int(digits / 2 - 5))
    error = abs(exact - candidate)
    if error == 0 or error <= abs(exact) * Fraction(10) ** -math.floor(digits - 1):
        return candidate
    return None


def discover_with_constant(
    a: Sequence[int],
    b: Sequence[int],
    names: str | Sequence[str],
    *,
    max_coeff: int,
    search_digits: int,
    max_exact_depth: int,
) -> Identification | None:
    """Cluster-led discovery: PSLQ for L = (p0 + p1·c)/(q0 + q1·c) with the cluster's
    constant c at ``search_digits``, then an exact check to twice that precision and the
    independent confirmation. ``names``: one constant, or several tried in turn on the
    same settled estimate of L (the walk is shared); the first borne out is returned.

    Limits that do not settle to the search precision, and zero or rational limits
    (found before PSLQ, which raises on a zero entry), give None."""
    return discover_on(
        ExactLimit(a, b),
        names,
        max_coeff=max_coeff,
        search_digits=search_digits,
        max_exact_depth=max_exact_depth,
    )


def discover_on(
    exact: ExactLimit,
    names: str | Sequence[str],
    *,
    max_coeff: int,
    search_digits: int,
    max_exact_depth: int,
) -> Identification | None:
    """:func:`discover_with_constant` on any exact convergents with ExactLimit's interface
    (a PCF's, a matrix field trajectory's)."""
    with mpmath.workdps(check_precision(search_digits)):
        estimate = settle(exact, want_digits=search_digits + 10, max_depth=max_exact_depth)
        if estimate.digits < search_digits + 5:
            return None  # too slow to know L to the search precision
        if rational_near(estimate.value, estimate.digits) is not None:
            return None
    for name in [names] if isinstance(names, str) else names:
        found = _discovered(exact, estimate, name, max_coeff, search_digits, max_exact_depth)
        if found is not None:
            return found
    return None


def _discovered(
    exact: ExactLimit,
    estimate: LimitEstimate,
    name: str,
    max_coeff: int,
    search_digits: int,
    max_exact_depth: int,
) -> Identification | None:
    """One constant of :func:`discover_with_constant`, from L's settled estimate."""
    verify_digits = 2 * search_digits
    with mpmath.workdps(check_precision(search_digits)):
        L = estimate.value
        c = constant_value(name)
        with mpmath.workdps(search_digits):
            vector = [mpmath.mpf(1), +c, +L, L * c]
            try:
                found = mpmath.pslq(vector, maxcoeff=max_coeff, maxsteps=50_000)
            except ValueError:  # an entry below the working precision reads as zero
                return None
        if found is None or (found[2] == 0 and found[3] == 0):
            return None
        p0, p1, q0, q1 = found[0], found[1], -found[2], -found[3]
        if p0 * q1 == p1 * q0:
            return None  # rational
        sign = -1 if (q1 < 0 or (q1 == 0 and q0 < 0)) else 1
        form = (sign * p0, sign * p1, sign * q0, sign * q1)
        target = mobius_target(name, form)
        check = check_candidate(
            exact,
            target(),
            want_digits=verify_digits,
            max_depth=max_exact_depth,
            start_depth=estimate.depth,
        )
    if check is None or check.digits < search_digits:
        return None
    return conclude(
        exact,
        check,
        target,
        detector="cluster",
        basis=("1", name, "L", f"L*{name}"),
        relation=(form[0], form[1], -form[2], -form[3]),
        basis_kind="cluster",
        verify_digits=verify_digits,
    )
