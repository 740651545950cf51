"""Exact convergents with python-flint, and the digits they prove for a candidate value.

The convergents of a(0) + b(1)/(a(1) + ...) come from the matrix product
M_N ··· M_1 with M_n = [[a(n), b(n)], [1, 0]]: then p_N = P00·a(0) + P01 and q_N = P00.
The product is built by binary splitting (balanced sizes keep FLINT's multiplication
fast) and extended in place, so doubling the depth reuses the work already done.

The leaves of the tree (products of up to LEAF_WIDTH consecutive matrices, a few hundred
bits) are where a Python loop would spend its time; a numba kernel computes them exactly
in 32-bit limbs (two's complement), and only the balanced products above them go to FLINT.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import mpmath
import numba
import numpy as np
from flint import fmpz, fmpz_mat

_IDENTITY = fmpz_mat(2, 2, [1, 0, 0, 1])
LEAF_WIDTH = 64  # measured: 32 to 64 are equally fast at depth 2000
# |a(n)|, |b(n)| below 2^30 keep a·limb + b·limb + carry inside int64 in the leaf kernel.
_LEAF_TERM_BOUND = 2.0**30


def _value_at(coefficients: Sequence[int], n: int) -> int:
    value = 0
    for c in reversed(coefficients):
        value = value * n + c
    return value


def segment_product(a: Sequence[int], b: Sequence[int], lo: int, hi: int) -> fmpz_mat:
    """M_hi ··· M_lo (identity when hi < lo), by binary splitting over exact leaves."""
    if hi < lo:
        return _IDENTITY
    return _balanced_product(_leaf_products(a, b, _leaf_bounds([(lo, hi)])))


def _balanced_product(leaves: list[fmpz_mat]) -> fmpz_mat:
    """leaves[-1] ··· leaves[0], multiplied pairwise so operands stay of similar size."""
    while len(leaves) > 1:
        paired = [leaves[i + 1] * leaves[i] for i in range(0, len(leaves) - 1, 2)]
        if len(leaves) % 2:
            paired.append(leaves[-1])
        leaves = paired
    return leaves[0]


def _leaf_bounds(segments: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Each segment [lo, hi] cut into leaves [lo, lo+W-1], ... of at most W = LEAF_WIDTH."""
    return [
        (start, min(hi, start + LEAF_WIDTH - 1))
        for lo, hi in segments
        for start in range(lo, hi + 1, LEAF_WIDTH)
    ]


def _leaf_products(
    a: Sequence[int], b: Sequence[int], bounds: Sequence[tuple[int, int]]
) -> list[fmpz_mat]:
    """M_hi ··· M_lo for every (lo, hi) in ``bounds``, exactly."""
    n = np.arange(bounds[0][0], bounds[-1][1] + 1, dtype=np.float64)
    size_a = np.abs(np.polynomial.polynomial.polyval(n, [float(c) for c in a]))
    size_b = np.abs(np.polynomial.polynomial.polyval(n, [float(c) for c in b]))
    if max(size_a.max(), size_b.max()) >= _LEAF_TERM_BOUND:
        return [_python_leaf(a, b, lo, hi) for lo, hi in bounds]
    # ||M_n||_inf = max(|a(n)| + |b(n)|, 1) bounds a leaf's entries by the product of norms;
    # no leaf is longer than LEAF_WIDTH, so the widest window of that many terms bounds all.
    growth = np.log2(np.maximum(size_a + size_b, 1.0))
    window = np.convolve(growth, np.ones(min(LEAF_WIDTH, growth.size)), mode="valid")
    limbs = int(window.max() + 2) // 32 + 2
    los, his = (np.array(column, np.int64) for column in zip(*bounds, strict=True))
    words = _leaf_limbs(
        np.array([int(c) for c in a], np.int64),
        np.array([int(c) for c in b], np.int64),
        los,
        his,
        limbs,
    ).astype(np.uint32)
    return [
        fmpz_mat(2, 2, [int.from_bytes(entry.tobytes(), "little", signed=True) for entry in leaf])
        for leaf in words
    ]


def _python_leaf(a: Sequence[int], b: Sequence[int], lo: int, hi: int) -> fmpz_mat:
    """A leaf product with Python integers, for terms too large for the numba kernel."""
    x00, x01, x10, x11 = 1, 0, 0, 1
    for n in range(lo, hi + 1):
        a_n, b_n = _value_at(a, n), _value_at(b, n)
        x00, x01, x10, x11 = a_n * x00 + b_n * x10, a_n * x01 + b_n * x11, x00, x01
    return fmpz_mat(2, 2, [x00, x01, x10, x11])


@numba.njit(cache=True)
def _leaf_limbs(a, b, los, his, limbs):  # pragma: no cover - compiled
    """Exact leaf products M_hi ··· M_lo as 32-bit limbs, two's complement, low limb first.

    The update [[x00, x01], [x10, x11]] <- M_n · X sets row 0 to a(n)·row0 + b(n)·row1:
    a multi-limb integer times two small signed integers, with a signed carry."""
    out = np.zeros((los.size, 4, limbs), np.int64)
    fresh = np.zeros((2, limbs), np.int64)
    for leaf in range(los.size):
        x = out[leaf]
        x[0, 0] = 1
        x[3, 0] = 1
        for n in range(los[leaf], his[leaf] + 1):
            a_n = np.int64(0)
            for k in range(a.size - 1, -1, -1):
                a_n = a_n * n + a[k]
            b_n = np.int64(0)
            for k in range(b.size - 1, -1, -1):
                b_n = b_n * n + b[k]
            for column in range(2):
                carry = np.int64(0)
                for i in range(limbs):
                    t = a_n * x[column, i] + b_n * x[2 + column, i] + carry
                    fresh[column, i] = t & 0xFFFFFFFF
                    carry = t >> 32
            for column in range(2):
                for i in range(limbs):
                    x[2 + column, i] = x[column, i]
                    x[column, i] = fresh[column, i]
    return out


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


def convergents_at(a: Sequence[int], b: Sequence[int], depths: Sequence[int]) -> list[Convergent]:
    """Exact convergents at every depth in ``depths`` (ascending, >= 1), from one walk.

    All leaves come from a single kernel call, cut at the requested depths; each stretch
    between two depths is multiplied out balanced, then onto the running product."""
    segments = list(zip([1, *(d + 1 for d in depths[:-1])], depths, strict=True))
    leaves = iter(_leaf_products(a, b, _leaf_bounds(segments)))
    product, found, a0 = _IDENTITY, [], int(a[0])
    for lo, hi in segments:
        count = len(range(lo, hi + 1, LEAF_WIDTH))
        if count:
            product = _balanced_product([next(leaves) for _ in range(count)]) * product
        found.append(Convergent(hi, product[0, 0] * a0 + product[0, 1], product[0, 0]))
    return found


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
