"""Recurrences of integer sequences, found by linear algebra and checked exactly.

- Constant coefficients: Berlekamp–Massey modulo several primes proposes an order; the
  recurrence is then solved over ℚ from the first terms and checked on every term.
- Polynomial coefficients (P-recursive): Σ_{i≤r} Σ_{j≤d} c_ij·n^j·a(n+i) = 0. The
  unknowns c_ij span the nullspace of a matrix built from the terms the guess may see; the
  last ``held_back`` terms are kept out of the guess and must satisfy it too. Orders and
  degrees are tried smallest first, and a guess needs more equations than unknowns.

Everything is exact (python-flint); a sequence gets a recurrence only if it holds on all
its terms.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from flint import fmpq, fmpz, fmpz_mat

from conjectura.kernels.esma import berlekamp_massey

PRIMES = (1_000_003, 998_244_353, 2_147_483_647)
SPARE_EQUATIONS = 4
"""A guess must be over-determined by this many equations, beyond the held-back terms."""


@dataclass(frozen=True)
class Recurrence:
    """Σ_i Σ_j coefficients[i][j]·n^j·a(n+i) = 0 for every n ≥ offset with terms."""

    order: int
    degree: int
    coefficients: tuple[tuple[int, ...], ...]  # [i][j], primitive integers
    offset: int  # index of the first term
    checked: int  # equations verified, held-back ones included

    @property
    def basis(self) -> list[str]:
        return [_monomial(i, j) for i in range(self.order + 1) for j in range(self.degree + 1)]

    @property
    def relation(self) -> list[int]:
        return [c for row in self.coefficients for c in row]


def linear_recurrence(terms: Sequence[int], *, held_back: int = 8) -> Recurrence | None:
    """The shortest recurrence with constant coefficients that holds on every term."""
    usable = len(terms) - held_back
    orders = set()
    for prime in PRIMES:
        register = berlekamp_massey(np.array([t % prime for t in terms[:usable]], np.int64), prime)
        orders.add(len(register) - 1)
    order = max(orders)  # a prime that divides the answer's content may undercount
    if order == 0 or 2 * order + SPARE_EQUATIONS > usable:
        return None
    return holonomic_recurrence(terms, order=order, degree=0, held_back=held_back)


def holonomic_recurrence(
    terms: Sequence[int], *, order: int, degree: int, held_back: int = 8
) -> Recurrence | None:
    """A recurrence of exactly this order and degree, if the terms force a unique one."""
    unknowns = (order + 1) * (degree + 1)
    equations = len(terms) - order
    seen = equations - held_back
    if seen < unknowns + SPARE_EQUATIONS:
        return None
    rows = [_row(terms, n, order, degree) for n in range(seen)]
    kernel, nullity = fmpz_mat(rows).nullspace()
    if nullity != 1:
        return None  # no recurrence, or not pinned down by the terms
    vector = [kernel[k, 0] for k in range(unknowns)]
    vector = _primitive(vector)
    if all(v == 0 for v in vector[: degree + 1] + vector[-(degree + 1) :]):
        return None  # leading or trailing coefficient identically zero: a lower order
    for n in range(equations):  # every term, the held-back ones included
        if sum(c * e for c, e in zip(vector, _row(terms, n, order, degree), strict=True)):
            return None
    coefficients = tuple(
        tuple(vector[i * (degree + 1) : (i + 1) * (degree + 1)]) for i in range(order + 1)
    )
    return Recurrence(order, degree, coefficients, 0, equations)


def find_recurrence(
    terms: Sequence[int], *, max_order: int = 4, max_degree: int = 4, held_back: int = 8
) -> Recurrence | None:
    """The simplest recurrence (constant coefficients first, then by order + degree)."""
    if len(terms) < 2 * held_back or len(set(terms)) <= 1:
        return None
    found = linear_recurrence(terms, held_back=held_back)
    if found is not None and found.order <= max_order:
        return found
    for total in range(1, max_order + max_degree + 1):
        for order in range(1, max_order + 1):
            degree = total - order
            if not 1 <= degree <= max_degree:
                continue
            found = holonomic_recurrence(terms, order=order, degree=degree, held_back=held_back)
            if found is not None:
                return found
    return None


def ratio_limit(terms: Sequence[int], tail: int = 4) -> tuple[float, float] | None:
    """(estimate, digits) of lim a(n+1)/a(n) from the last terms, when they settle."""
    if len(terms) < tail + 2 or any(t == 0 for t in terms[-tail - 2 :]):
        return None
    ratios = [fmpq(terms[k + 1], terms[k]) for k in range(len(terms) - tail - 1, len(terms) - 1)]
    spread = abs(float(ratios[-1] - ratios[-2]))
    value = float(ratios[-1])
    if value == 0 or spread == 0:
        return (value, 15.0) if value else None
    digits = -np.log10(spread / abs(value))
    return (value, float(digits)) if digits >= 3 else None


def _row(terms: Sequence[int], n: int, order: int, degree: int) -> list[fmpz]:
    return [fmpz(terms[n + i]) * fmpz(n) ** j for i in range(order + 1) for j in range(degree + 1)]


def _primitive(vector: list[fmpz]) -> list[int]:
    values = [int(v) for v in vector]
    g = math.gcd(*values) or 1
    first = next((v for v in reversed(values) if v), 1)
    sign = 1 if first > 0 else -1
    return [sign * v // g for v in values]


def _monomial(i: int, j: int) -> str:
    term = f"a(n+{i})" if i else "a(n)"
    return term if j == 0 else (f"n*{term}" if j == 1 else f"n^{j}*{term}")
