"""Exact convergents with python-flint, and the digits they prove for a candidate value.

The convergents of a(0) + b(1)/(a(1) + ...) come from the matrix product
M_N ··· M_1 with M_n = [[a(n), b(n)], [1, 0]]: then p_N = P00·a(0) + P01 and q_N = P00.
The product is built by binary splitting (balanced sizes keep FLINT's multiplication
fast) and extended in place, so doubling the depth reuses the work already done.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import mpmath
from flint import fmpz, fmpz_mat

_IDENTITY = fmpz_mat(2, 2, [1, 0, 0, 1])


def _value_at(coefficients: Sequence[int], n: int) -> int:
    value = 0
    for c in reversed(coefficients):
        value = value * n + c
    return value


def segment_product(a: Sequence[int], b: Sequence[int], lo: int, hi: int) -> fmpz_mat:
    """M_hi ··· M_lo (identity when hi < lo), by binary splitting."""
    if hi < lo:
        return _IDENTITY
    if hi - lo < 8:
        product = fmpz_mat(2, 2, [_value_at(a, lo), _value_at(b, lo), 1, 0])
        for n in range(lo + 1, hi + 1):
            product = fmpz_mat(2, 2, [_value_at(a, n), _value_at(b, n), 1, 0]) * product
        return product
    mid = (lo + hi) // 2
    return segment_product(a, b, mid + 1, hi) * segment_product(a, b, lo, mid)


@dataclass(frozen=True)
class Convergent:
    depth: int
    p: fmpz
    q: fmpz

    def to_mpf(self) -> mpmath.mpf:
        """p/q at the current mpmath precision (NaN when q = 0)."""
        if self.q == 0:
            return mpmath.mpf("nan")
        return mpmath.mpf(int(self.p)) / mpmath.mpf(int(self.q))


class ConvergentWalk:
    """Exact convergents of one PCF at increasing depths."""

    def __init__(self, a: Sequence[int], b: Sequence[int]) -> None:
        self._a = [int(c) for c in a]
        self._b = [int(c) for c in b]
        self._product = _IDENTITY
        self._depth = 0

    def at(self, depth: int) -> Convergent:
        if depth < self._depth:
            raise ValueError(f"walk is at depth {self._depth}; it cannot go back to {depth}")
        self._product = segment_product(self._a, self._b, self._depth + 1, depth) * self._product
        self._depth = depth
        a0 = self._a[0]
        return Convergent(
            depth, self._product[0, 0] * a0 + self._product[0, 1], self._product[0, 0]
        )


def agreement_digits(x: mpmath.mpf, target: mpmath.mpf) -> float:
    """Significant decimal digits to which x agrees with target, at the working precision."""
    if not mpmath.isfinite(x):
        return 0.0
    difference = abs(x - target)
    ceiling = float(mpmath.mp.dps)
    if difference == 0:
        return ceiling
    scale = abs(target) if target != 0 else mpmath.mpf(1)
    return max(0.0, min(ceiling, -float(mpmath.log10(difference / scale))))


@dataclass(frozen=True)
class Agreement:
    """How closely the exact convergents approach a candidate value."""

    digits: float  # significant digits of agreement at `depth`
    depth: int
    value: mpmath.mpf  # the convergent p_depth/q_depth


def exact_agreement(
    a: Sequence[int],
    b: Sequence[int],
    target: mpmath.mpf,
    *,
    want_digits: float,
    max_depth: int,
    start_depth: int = 64,
) -> Agreement | None:
    """Walk exactly, doubling the depth, until the convergents agree with ``target`` to
    ``want_digits`` or ``max_depth`` is reached.

    Returns None when the convergents settle on a different value: they agree with each
    other to more digits than with the target (the candidate is wrong). Call it inside an
    mpmath precision comfortably above ``want_digits``.
    """
    walk = ConvergentWalk(a, b)
    depth = min(start_depth, max_depth)
    previous: mpmath.mpf | None = None
    while True:
        x = walk.at(depth).to_mpf()
        digits = agreement_digits(x, target)
        if digits >= want_digits:
            return Agreement(digits, depth, x)
        if previous is not None and mpmath.isfinite(previous):
            settled = agreement_digits(x, previous)
            if settled >= digits + 3:
                return None
        if depth >= max_depth:
            return Agreement(digits, depth, x)
        previous = x
        depth = min(2 * depth, max_depth)


def pslq_finds(
    values: Sequence[mpmath.mpf],
    relation: Sequence[int],
    *,
    max_coeff: int,
    involving: Sequence[int] = (),
) -> bool:
    """Does PSLQ, at the current precision, confirm ``relation`` among ``values``?

    Yes when it finds ``relation`` itself (up to sign). When the values are dependent in
    more than one way (a basis over a quadratic irrational such as sqrt5), PSLQ may return
    another relation; it still confirms when that relation uses a value at one of the
    ``involving`` positions (the subject's value L).
    """
    tolerance = mpmath.mpf(10) ** (-(mpmath.mp.dps - 5))
    found = mpmath.pslq(list(values), tol=tolerance, maxcoeff=max_coeff, maxsteps=20_000)
    if found is None:
        return False
    return _proportional(found, relation) or any(found[i] != 0 for i in involving)


def _proportional(u: Sequence[int], v: Sequence[int]) -> bool:
    gu = math.gcd(*u) or 1
    gv = math.gcd(*v) or 1
    u1 = [x // gu for x in u]
    v1 = [x // gv for x in v]
    return u1 == v1 or u1 == [-x for x in v1]


def settled_value(
    a: Sequence[int], b: Sequence[int], *, digits: float, max_depth: int, start_depth: int = 64
) -> Agreement:
    """The PCF's value to ``digits`` significant digits when the convergents settle that far
    (|x_D - x_D/2| tells), else the deepest convergent with the digits it has."""
    walk = ConvergentWalk(a, b)
    depth = min(start_depth, max_depth)
    previous: mpmath.mpf | None = None
    while True:
        x = walk.at(depth).to_mpf()
        settled = agreement_digits(x, previous) if previous is not None else 0.0
        if settled >= digits or depth >= max_depth:
            return Agreement(settled, depth, x)
        previous = x
        depth = min(2 * depth, max_depth)
