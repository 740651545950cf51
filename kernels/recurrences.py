"""Recurrences of integer sequences, found by linear algebra and checked exactly.

- Constant coefficients: Berlekamp–Massey modulo several primes proposes an order (from all
  terms but the last ``held_back``); the recurrence is then solved like any other below.
- Polynomial coefficients (P-recursive): Σ_{i≤r} Σ_{j≤d} c_ij·n^j·a(n+i) = 0, n the
  sequence's own index (the first term is a(offset)). The unknowns c_ij span the nullspace
  of the first ``unknowns + SPARE_EQUATIONS`` equations (the fit); every later equation then
  predicts one further term, and all of them must hold exactly. Orders and degrees are
  tried smallest first.

How much a recurrence is worth is the number of terms it predicted beyond those it was
fitted on: fewer than ``held_back`` and it is not reported at all (held_back is a floor on
the predictions, the guess never sees those terms); at least ``unknowns + VERIFY_MARGIN``
(and at least held_back) and it is ``verified``; in between it is numerical. Everything is
exact (python-flint).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import mpmath
import numpy as np
from flint import fmpq, fmpz, fmpz_mat

from conjectura.kernels.esma import berlekamp_massey

PRIMES = (1_000_003, 998_244_353, 2_147_483_647)
SPARE_EQUATIONS = 4
"""The fit is over-determined by this many equations: it alone must pin the recurrence down."""
VERIFY_MARGIN = 10
"""Verified needs at least unknowns + this many terms predicted exactly beyond the fit."""


@dataclass(frozen=True)
class Recurrence:
    """Σ_i Σ_j coefficients[i][j]·n^j·a(n+i) = 0 for every n ≥ offset with terms, n the
    sequence's own index."""

    order: int
    degree: int
    coefficients: tuple[tuple[int, ...], ...]  # [i][j], primitive integers
    offset: int  # index of the first term
    checked: int  # equations verified, the fitted ones included
    fitted: int  # equations the coefficients were solved from (the first ones)
    predicted: int  # further terms the recurrence predicted exactly
    verified: bool  # predicted >= unknowns + VERIFY_MARGIN and >= held_back

    @property
    def unknowns(self) -> int:
        return (self.order + 1) * (self.degree + 1)

    @property
    def basis(self) -> list[str]:
        return [_monomial(i, j) for i in range(self.order + 1) for j in range(self.degree + 1)]

    @property
    def relation(self) -> list[int]:
        return [c for row in self.coefficients for c in row]


def linear_recurrence(
    terms: Sequence[int], *, held_back: int = 8, offset: int = 0
) -> Recurrence | None:
    """The shortest recurrence with constant coefficients that holds on every term."""
    usable = len(terms) - held_back
    orders = set()
    for prime in PRIMES:
        register = berlekamp_massey(np.array([t % prime for t in terms[:usable]], np.int64), prime)
        orders.add(len(register) - 1)
    order = max(orders)  # a prime that divides the answer's content may undercount
    if order == 0 or 2 * order + SPARE_EQUATIONS > usable:
        return None
    return holonomic_recurrence(terms, order=order, degree=0, held_back=held_back, offset=offset)


def holonomic_recurrence(
    terms: Sequence[int], *, order: int, degree: int, held_back: int = 8, offset: int = 0
) -> Recurrence | None:
    """A recurrence of exactly this order and degree, if the first equations force a unique
    one, it predicts every later term and at least ``held_back`` of them."""
    unknowns = (order + 1) * (degree + 1)
    equations = len(terms) - order
    fit = unknowns + SPARE_EQUATIONS
    if equations - fit < held_back:
        return None
    rows = [_row(terms, k, order, degree, offset) for k in range(equations)]
    most, step = equations - held_back, 1
    while True:  # few leading equations that pin the recurrence down
        kernel, nullity = fmpz_mat(rows[:fit]).nullspace()
        if nullity <= 1 or fit == most:
            break
        fit, step = min(fit + step, most), 2 * step  # leading terms that say little (zeros)
    if nullity != 1:
        return None  # no recurrence, or not pinned down by the terms
    vector = _primitive([kernel[k, 0] for k in range(unknowns)])
    if all(v == 0 for v in vector[: degree + 1] + vector[-(degree + 1) :]):
        return None  # leading or trailing coefficient identically zero: a lower order
    for row in rows[fit:]:  # each equation past the fit predicts a(n + order)
        if sum(c * e for c, e in zip(vector, row, strict=True)):
            return None
    lead = vector[-(degree + 1) :]
    predicted = sum(
        1
        for k in range(fit, equations)
        if sum(c * (offset + k) ** j for j, c in enumerate(lead))  # P_r(n) = 0 predicts nothing
    )
    if predicted < held_back:
        return None
    coefficients = tuple(
        tuple(vector[i * (degree + 1) : (i + 1) * (degree + 1)]) for i in range(order + 1)
    )
    verified = predicted >= max(unknowns + VERIFY_MARGIN, held_back)
    return Recurrence(order, degree, coefficients, offset, equations, fit, predicted, verified)


def find_recurrence(
    terms: Sequence[int],
    *,
    max_order: int = 4,
    max_degree: int = 4,
    held_back: int = 8,
    offset: int = 0,
) -> Recurrence | None:
    """The simplest recurrence (constant coefficients first, then by order + degree), with
    its polynomial coefficients in the sequence's own index (the first term is a(offset))."""
    if len(terms) < 2 * held_back or len(set(terms)) <= 1:
        return None
    found = linear_recurrence(terms, held_back=held_back, offset=offset)
    if found is not None and found.order <= max_order:
        return found
    for total in range(1, max_order + max_degree + 1):
        for order in range(1, max_order + 1):
            degree = total - order
            if not 1 <= degree <= max_degree:
                continue
            found = holonomic_recurrence(
                terms, order=order, degree=degree, held_back=held_back, offset=offset
            )
            if found is not None:
                return found
    return None


# -- limits of a(n+1)/a(n) -------------------------------------------------------------

SAFETY = 2.0
"""The estimated error is doubled (0.3 digits) for the error model's own error."""
MIN_TERMS = 18
"""Ratios at m/8, m/4, m/2 and m (m = len(terms) - 2) need m/8 >= 2."""


@dataclass(frozen=True)
class RatioLimit:
    """lim a(n+1)/a(n) estimated by the last ratio ``value`` = a(m+1)/a(m) (exact).

    ``digits``: significant digits to which ``value`` is expected to equal the limit, from
    how the ratios settle (below). ``exact``: the ratios are constant over the second half
    of the terms (a geometric tail), so the limit is taken to be ``value`` itself, a
    rational, and ``digits`` is infinite."""

    value: fmpq
    digits: float
    exact: bool = False


def ratio_limit(terms: Sequence[int]) -> RatioLimit | None:
    """The limit of a(n+1)/a(n) with honest digits, or None when the ratios do not settle.

    Digits come from the error of r_m = a(m+1)/a(m) as the ratios settle, with r_k sampled
    at k = m/8, m/4, m/2, m. The differences d of successive samples shrink by a factor t
    per halving (t = 2^-p when the error falls like 1/n^p), so the error left at m is about
    d_last·t/(1 - t), with t the slower of the two factors seen. When the error falls
    faster than any power (t shrinks with each halving: a geometric sequence of errors,
    C-finite sequences), the error is bounded by the change between consecutive ratios
    instead (an odd and an even one). Either way the claim never exceeds the change between
    r_m and r_(m-1), r_(m-2), and is SAFETY times more cautious than the model."""
    m = len(terms) - 2
    if m < MIN_TERMS - 2:
        return None
    picks = sorted({m // 8, m // 4, m // 2, m - 2, m - 1, m})
    if any(terms[k] == 0 for k in picks):
        return None
    ratio = {k: fmpq(terms[k + 1], terms[k]) for k in picks}
    value = ratio[m]
    if all(terms[k + 1] * value.q == terms[k] * value.p for k in range(m // 2, m)):
        return RatioLimit(value, math.inf, exact=True)
    if value == 0:
        return None

    def change(a: int, b: int) -> mpmath.mpf:  # exact difference first: no cancellation
        return abs(_mpf(ratio[b] - ratio[a]))

    with mpmath.workdps(30):
        halving = [change(m // 8, m // 4), change(m // 4, m // 2), change(m // 2, m)]
        steps = [change(m - 1, m), change(m - 2, m - 1)]
        if 0 in halving or steps[1] == 0:
            return None  # ratios that stand still for a while, then move: no settled limit
        t_early, t_late = halving[1] / halving[0], halving[2] / halving[1]
        if t_early >= 1 or t_late >= 1:
            return None
        settled = max(steps[0], change(m - 2, m))
        if t_late <= t_early**1.5:  # faster than any power: consecutive ratios bound it
            shrink = steps[0] / steps[1]
            if shrink >= 1:
                return None
            error = max(settled, steps[0] * shrink / (1 - shrink))
        else:
            t = max(t_early, t_late)
            error = max(settled, halving[2] * t / (1 - t))
        digits = -mpmath.log10(SAFETY * error / abs(_mpf(value)))
    return RatioLimit(value, float(digits)) if digits > 0 else None


def _mpf(value: fmpq) -> mpmath.mpf:
    return mpmath.mpf(int(value.p)) / int(value.q)


def _row(terms: Sequence[int], k: int, order: int, degree: int, offset: int) -> list[fmpz]:
    """The equation at position k: n = offset + k is the sequence's own index."""
    n = fmpz(offset + k)
    return [fmpz(terms[k + i]) * n**j for i in range(order + 1) for j in range(degree + 1)]


def _primitive(vector: list[fmpz]) -> list[int]:
    values = [int(v) for v in vector]
    g = math.gcd(*values) or 1
    first = next((v for v in reversed(values) if v), 1)
    sign = 1 if first > 0 else -1
    return [sign * v // g for v in values]


def _monomial(i: int, j: int) -> str:
    term = f"a(n+{i})" if i else "a(n)"
    return term if j == 0 else (f"n*{term}" if j == 1 else f"n^{j}*{term}")
