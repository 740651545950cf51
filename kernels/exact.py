"""Exact convergents with python-flint, honest estimates of a limit from them, and the
digits they bear out for a candidate value.

The convergents of a(0) + b(1)/(a(1) + ...) come from the matrix product
M_N ··· M_1 with M_n = [[a(n), b(n)], [1, 0]]: then p_N = P00·a(0) + P01 and q_N = P00.
The product is built by binary splitting (balanced sizes keep FLINT's multiplication
fast) and extended in place, so doubling the depth reuses the work already done.

The leaves of the tree (products of up to LEAF_WIDTH consecutive matrices, a few hundred
bits) are where a Python loop would spend its time; a numba kernel computes them exactly
in 32-bit limbs (two's complement), and only the balanced products above them go to FLINT.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import mpmath
import numba
import numpy as np
from flint import fmpz, fmpz_mat

_IDENTITY = fmpz_mat(2, 2, [1, 0, 0, 1])
LEAF_WIDTH = 64  # measured: 32 to 64 are equally fast at depth 2000
# |a(n)|, |b(n)| below 2^30 keep a·limb + b·limb + carry inside int64 in the leaf kernel.
_LEAF_TERM_BOUND = 2.0**30
SHORT_SEGMENT = 8  # segments shorter than this are multiplied out directly in Python


def _value_at(coefficients: Sequence[int], n: int) -> int:
    value = 0
    for c in reversed(coefficients):
        value = value * n + c
    return value


def values_at(coefficients: Sequence[int], points: np.ndarray) -> np.ndarray:
    """The polynomial at each of ``points`` in float64 (Horner; numpy's polyval costs
    more in argument handling than in arithmetic at these sizes)."""
    values = np.full(points.shape, float(coefficients[-1]))
    for c in reversed(coefficients[:-1]):
        values = values * points + float(c)
    return values


def segment_product(a: Sequence[int], b: Sequence[int], lo: int, hi: int) -> fmpz_mat:
    """M_hi ··· M_lo (identity when hi < lo), by binary splitting over exact leaves."""
    if hi < lo:
        return _IDENTITY
    if hi - lo < SHORT_SEGMENT:
        return _python_leaf(a, b, lo, hi)  # a few steps: cheaper than setting up the kernel
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
    """M_hi ··· M_lo for every (lo, hi) in ``bounds`` (consecutive leaves), exactly.

    Leaves whose terms stay below the kernel's bound go to numba, the others (the deep
    end of a walk, say) to Python integers."""
    first = bounds[0][0]
    los, his = (np.array(column, np.int64) for column in zip(*bounds, strict=True))
    n = np.arange(first, his[-1] + 1, dtype=np.float64)
    size_a = np.abs(values_at(a, n))
    size_b = np.abs(values_at(b, n))
    starts = los - first
    small = np.maximum.reduceat(np.maximum(size_a, size_b), starts) < _LEAF_TERM_BOUND
    found: list[fmpz_mat | None] = [None] * len(bounds)
    if small.any():
        # ||M_n||_inf = max(|a(n)| + |b(n)|, 1): a leaf's entries are bounded by the product
        # of its terms' norms, which sets that leaf's limbs (early leaves need few).
        growth = np.add.reduceat(np.log2(np.maximum(size_a + size_b, 1.0)), starts)[small]
        limbs = (growth + 2).astype(np.int64) // 32 + 2
        words = _leaf_limbs(
            np.array([int(c) for c in a], np.int64),
            np.array([int(c) for c in b], np.int64),
            los[small],
            his[small],
            limbs,
        ).astype(np.uint32)
        for index, leaf, count in zip(np.flatnonzero(small), words, limbs.tolist(), strict=True):
            found[index] = fmpz_mat(
                2,
                2,
                [int.from_bytes(e[:count].tobytes(), "little", signed=True) for e in leaf],
            )
    for index in np.flatnonzero(~small):
        found[index] = _python_leaf(a, b, *bounds[index])
    return found  # type: ignore[return-value]  # every leaf is filled


def _python_leaf(a: Sequence[int], b: Sequence[int], lo: int, hi: int) -> fmpz_mat:
    """A leaf product with Python integers, for terms too large for the numba kernel."""
    x00, x01, x10, x11 = 1, 0, 0, 1
    for n in range(lo, hi + 1):
        a_n, b_n = _value_at(a, n), _value_at(b, n)
        x00, x01, x10, x11 = a_n * x00 + b_n * x10, a_n * x01 + b_n * x11, x00, x01
    return fmpz_mat(2, 2, [x00, x01, x10, x11])


@numba.njit(cache=True)
def _leaf_limbs(a, b, los, his, limbs):  # pragma: no cover - compiled
    """Exact leaf products M_hi ··· M_lo as 32-bit limbs, two's complement, low limb first:
    leaf i in its first limbs[i] limbs (the rest of its row is unused).

    The update [[x00, x01], [x10, x11]] <- M_n · X sets row 0 to a(n)·row0 + b(n)·row1:
    a multi-limb integer times two small signed integers, with a signed carry."""
    out = np.zeros((los.size, 4, limbs.max()), np.int64)
    fresh = np.zeros((2, limbs.max()), np.int64)
    for leaf in range(los.size):
        x = out[leaf]
        width = limbs[leaf]
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
                for i in range(width):
                    t = a_n * x[column, i] + b_n * x[2 + column, i] + carry
                    fresh[column, i] = t & 0xFFFFFFFF
                    carry = t >> 32
            for column in range(2):
                for i in range(width):
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

    @property
    def depth(self) -> int:
        return self._depth

    def at(self, depth: int) -> Convergent:
        return self.pair(depth)[1]

    def pair(self, depth: int) -> tuple[Convergent, Convergent]:
        """(x_(D-1), x_D) at D = ``depth``: row 1 of M_D ··· M_1 is row 0 of M_(D-1) ··· M_1,
        so the previous convergent comes with the product for free."""
        if depth < self._depth:
            raise ValueError(f"walk is at depth {self._depth}; it cannot go back to {depth}")
        self._product = segment_product(self._a, self._b, self._depth + 1, depth) * self._product
        self._depth = depth
        a0, product = self._a[0], self._product
        return (
            Convergent(depth - 1, product[1, 0] * a0 + product[1, 1], product[1, 0]),
            Convergent(depth, product[0, 0] * a0 + product[0, 1], product[0, 0]),
        )


@dataclass(frozen=True)
class SampledWalk:
    """One exact walk sampled at ascending depths d_0 < d_1 < ...: the convergent at each
    depth (None where it was not asked for), and the segment products
    segments[i] = M_(d_i) ··· M_(d_(i-1)+1) (d_(-1) = 0) that carried it there, from which
    any product between two sampled depths follows."""

    depths: list[int]
    convergents: list[Convergent | None]
    segments: list[fmpz_mat]
    a0: int

    def convergent(self, index: int) -> Convergent:
        """The convergent at depths[index], multiplied out now if the walk skipped it."""
        found = self.convergents[index]
        if found is not None:
            return found
        product = _balanced_product(self.segments[: index + 1])
        return Convergent(
            self.depths[index], product[0, 0] * self.a0 + product[0, 1], product[0, 0]
        )


def sampled_walk(
    a: Sequence[int],
    b: Sequence[int],
    depths: Sequence[int],
    exact_at: Collection[int] | None = None,
) -> SampledWalk:
    """Exact convergents at every depth in ``depths`` (ascending, >= 1), from one walk;
    with ``exact_at``, only at those depths (the segments are there for every depth, and
    :meth:`SampledWalk.convergent` multiplies out a skipped one on demand).

    All leaves come from a single kernel call, cut at the requested depths; each stretch
    between two depths is multiplied out balanced, stretches up to the next asked depth
    onto each other, then onto the running product (only its first row at the last depth,
    which is all a convergent needs)."""
    segments = list(zip([1, *(d + 1 for d in depths[:-1])], depths, strict=True))
    leaves = iter(_leaf_products(a, b, _leaf_bounds(segments)))
    product, pending, found, products, a0 = _IDENTITY, _IDENTITY, [], [], int(a[0])
    for index, (lo, hi) in enumerate(segments):
        segment = _balanced_product([next(leaves) for _ in range(lo, hi + 1, LEAF_WIDTH)])
        products.append(segment)
        last = index == len(segments) - 1
        if not last and exact_at is not None and hi not in exact_at:
            pending = segment * pending
            found.append(None)
            continue
        segment = segment * pending
        pending = _IDENTITY
        if not last:
            product = segment * product
        else:  # the running product ends here: row 0 is p_N, q_N
            product = fmpz_mat(1, 2, [segment[0, 0], segment[0, 1]]) * product
        found.append(Convergent(hi, product[0, 0] * a0 + product[0, 1], product[0, 0]))
    return SampledWalk(list(depths), found, products, a0)


def convergents_at(a: Sequence[int], b: Sequence[int], depths: Sequence[int]) -> list[Convergent]:
    """Exact convergents at every depth in ``depths`` (ascending, >= 1), from one walk."""
    return sampled_walk(a, b, depths).convergents


def agreement_digits(x: mpmath.mpf, target: mpmath.mpf) -> float:
    """Significant decimal digits to which x agrees with target, at the working precision
    (absolute digits when the target is 0)."""
    if not mpmath.isfinite(x):
        return 0.0
    difference = abs(x - target)
    ceiling = float(mpmath.mp.dps)
    if difference == 0:
        return ceiling
    scale = abs(target) if target != 0 else mpmath.mpf(1)
    return max(0.0, min(ceiling, -float(mpmath.log10(difference / scale))))


# -- honest limit estimates -----------------------------------------------------------------

GUARD_DIGITS = 10
"""Digits of the working precision never claimed: the last ones carry the rounding of p/q,
of the constants and of the arithmetic on them."""

TAIL_FACTOR = 3
"""Safety factor on the geometric tail estimate (see ExactLimit.estimate)."""

CONFIRMATION_FACTOR = 2
"""A confirmation looks at least this many times deeper, at this many times the precision."""


@dataclass(frozen=True)
class LimitEstimate:
    """An estimate of a PCF's limit, kept apart from what it is compared with.

    ``digits`` is how far the estimate itself has settled (never more than the working
    precision minus GUARD_DIGITS): a relation checked against ``value`` holds to at most
    that many digits, however well it agrees.
    """

    value: mpmath.mpf
    digits: float
    depth: int
    method: str  # "exact": a convergent p_N/q_N; "accelerated": extrapolated from convergents
    precision: int  # decimal digits of the working precision behind value and digits


class ExactLimit:
    """One PCF's exact convergents, remembered by depth, and honest estimates of its limit.

    Checks of several candidates and their confirmation share it, so each depth is walked
    once."""

    def __init__(self, a: Sequence[int], b: Sequence[int]) -> None:
        self.a = [int(c) for c in a]
        self.b = [int(c) for c in b]
        self._walk = ConvergentWalk(self.a, self.b)
        self._known: dict[int, Convergent] = {}

    def convergent(self, depth: int) -> Convergent:
        if depth not in self._known:
            if depth < self._walk.depth:
                self._walk = ConvergentWalk(self.a, self.b)  # rare: asked below the walk
            previous, current = self._walk.pair(depth)
            self._known[depth - 1] = previous
            self._known[depth] = current
        return self._known[depth]

    def defined(self, depth: int) -> bool:
        """Whether the convergents an estimate at ``depth`` uses all have a value (q ≠ 0)."""
        return all(self.convergent(d).q != 0 for d in range(depth - 5, depth + 1))

    def estimate(self, depth: int) -> LimitEstimate:
        """x_D = p_D/q_D at the current mpmath precision, with the digits it has settled to.

        The error of x_D is taken as the largest of |x_D − x_(D−1)| (the other parity: two
        alternating halves that do not meet never settle), |x_D − x_(D−2)|, and TAIL_FACTOR
        times the geometric tail that the ratio of |x_D − x_(D−2)| to |x_(D−2) − x_(D−4)|
        predicts (slow, one-sided convergence has a small step but a long tail)."""
        if depth < 6:
            raise ValueError(f"an estimate needs depth >= 6, not {depth}")
        for d in (depth - 4, depth - 2, depth):
            self.convergent(d)
        x = {d: self._known[d] for d in range(depth - 5, depth + 1)}
        precision = mpmath.mp.dps
        value = x[depth].to_mpf()
        return LimitEstimate(value, _settled_digits(x, depth, value), depth, "exact", precision)


def _difference(u: Convergent, v: Convergent) -> mpmath.mpf:
    """|u − v| from exact integers, so nothing cancels at the working precision."""
    numerator = u.p * v.q - v.p * u.q
    if numerator == 0:
        return mpmath.mpf(0)
    return abs(mpmath.mpf(int(numerator)) / mpmath.mpf(int(u.q * v.q)))


def _settled_digits(x: Mapping[int, Convergent], depth: int, value: mpmath.mpf) -> float:
    ceiling = float(mpmath.mp.dps - GUARD_DIGITS)
    if any(c.q == 0 for c in x.values()):
        return 0.0
    other_parity = _difference(x[depth], x[depth - 1])
    step = _difference(x[depth], x[depth - 2])
    earlier_step = _difference(x[depth - 2], x[depth - 4])
    if step == 0:
        tail = mpmath.mpf(0)
    elif step >= earlier_step:
        return 0.0  # not (yet) settling
    else:
        ratio = step / earlier_step
        # A geometric tail, tripled: a polynomial rate C/n^k has a heavier tail than the
        # geometric series through its last two steps (by (k+1)/k), and the next term of
        # its expansion needs room too. Fast convergence (ratio < 1/4) is not affected.
        tail = TAIL_FACTOR * step * ratio / (1 - ratio)
    error = max(other_parity, step, tail)
    if error == 0:
        return ceiling
    # An estimate indistinguishable from 0 has absolute digits, as agreement with 0 has.
    scale = abs(value) if abs(value) > error else mpmath.mpf(1)
    return max(0.0, min(ceiling, -float(mpmath.log10(error / scale))))


def limit_estimate(a: Sequence[int], b: Sequence[int], depth: int) -> LimitEstimate:
    """The exact estimate of PCF(a, b)'s limit at ``depth``, at the current precision."""
    return ExactLimit(a, b).estimate(depth)


def settle(
    limit: ExactLimit, *, want_digits: float, max_depth: int, start_depth: int = 64
) -> LimitEstimate:
    """Double the depth until the estimate has settled to ``want_digits`` (or ``max_depth``)."""
    depth, undefined_before = min(start_depth, max_depth), False
    while True:
        estimate = limit.estimate(depth)
        undefined = not limit.defined(depth)
        if estimate.digits >= want_digits or depth >= max_depth or (undefined and undefined_before):
            return estimate
        depth, undefined_before = min(2 * depth, max_depth), undefined


@dataclass(frozen=True)
class Agreement:
    """How far a candidate value is borne out by a limit estimate."""

    digits: float  # agreement with the candidate, capped by estimate.digits
    estimate: LimitEstimate

    @property
    def depth(self) -> int:
        return self.estimate.depth

    @property
    def value(self) -> mpmath.mpf:
        return self.estimate.value


def relation_digits(estimate: LimitEstimate, target: mpmath.mpf) -> float:
    """Digits to which ``target`` is borne out: its agreement with the estimate, never more
    than the estimate has settled to."""
    return min(agreement_digits(estimate.value, target), estimate.digits)


def check_candidate(
    limit: ExactLimit,
    target: mpmath.mpf,
    *,
    want_digits: float,
    max_depth: int,
    start_depth: int = 64,
) -> Agreement | None:
    """Walk exactly, doubling the depth, until the estimate bears ``target`` out to
    ``want_digits`` or ``max_depth`` is reached.

    Returns None when the estimate settles on a different value (it has settled 3 digits
    further than it agrees with the target), or when convergents without a value (q = 0)
    turn up at two successive depths (a(n) = 0 throughout, say: no limit). Call it inside
    an mpmath precision comfortably above ``want_digits``."""
    depth, undefined_before = min(start_depth, max_depth), False
    while True:
        estimate = limit.estimate(depth)
        agreement = agreement_digits(estimate.value, target)
        digits = min(agreement, estimate.digits)
        if digits >= want_digits:
            return Agreement(digits, estimate)
        undefined = not limit.defined(depth)
        if estimate.digits >= agreement + 3 or (undefined and undefined_before):
            return None
        if depth >= max_depth:
            return Agreement(digits, estimate)
        depth, undefined_before = min(2 * depth, max_depth), undefined


def exact_agreement(
    a: Sequence[int],
    b: Sequence[int],
    target: mpmath.mpf,
    *,
    want_digits: float,
    max_depth: int,
    start_depth: int = 64,
) -> Agreement | None:
    """:func:`check_candidate` on a fresh walk of PCF(a, b)."""
    return check_candidate(
        ExactLimit(a, b),
        target,
        want_digits=want_digits,
        max_depth=max_depth,
        start_depth=start_depth,
    )


def confirm(limit: ExactLimit, target: Callable[[], mpmath.mpf], after: LimitEstimate) -> Agreement:
    """The independent confirmation of a relation checked against ``after``: the relation's
    value recomputed (constants too) at CONFIRMATION_FACTOR times the precision, against
    the estimate at CONFIRMATION_FACTOR times the depth. ``target`` evaluates the relation's
    value of L at the current mpmath precision."""
    with mpmath.workdps(CONFIRMATION_FACTOR * after.precision):
        estimate = limit.estimate(CONFIRMATION_FACTOR * after.depth)
        return Agreement(relation_digits(estimate, target()), estimate)
