"""Limits of slowly converging PCFs by convergence acceleration, with digits that are earned.

Some PCFs approach their limit only polynomially: x_n - L ~ n^-α (c0 + c1/n + ...), for
each parity of n separately. Brouncker's PCF(2, (2n-1)^2) = 1 + 4/π has α = 1 and gives
about five digits at depth 16,000. The error is a ratio of the recurrence's two solutions,
so its expansion runs over the exponents jα + i (j >= 1, i >= 0). It is removed term by
term by extrapolating to 1/n = 0: the even convergents x_2m and, independently, the odd
ones x_2m+1, each at k nodes m, fitted exactly by L plus the first k-1 of those terms.

The digits claimed are never a model's promise. The same extrapolation runs at three
levels, depths D, D/2 and D/4, on disjoint convergents; the claim is the smallest of the
even-odd agreement at D and, per parity, the agreement of D with D/2 (widened when the
levels improve slowly, refused when they do not improve). Either kind of check alone can
be fooled: even and odd errors of one sign (monotone convergents, or a wrong α) fool the
first, a lucky level the second; together they stayed below the true agreement on every
PCF measured (tests and benchmark). The precision the weights amplify away is measured
and paid for with extra working precision, so the cap is the caller's precision less
GUARD_DIGITS.

Measured choice of method (tests/benchmarks/bench_acceleration.py): mpmath.richardson is
the same polynomial extrapolation (as many digits when its nodes are aligned, but its even
and odd estimates overstate their agreement: 122.5 claimed, 116.9 true); shanks gains a
few digits on these logarithmic sequences and overstates; levin (u) on the first few
hundred convergents is strong but needs three times the precision and overstates too.

Where α comes from: with a(n) ~ A·n^d and b(n) ~ B·n^e,
- e = 2d + 2, B > 0 (b dominates; e.g. constant a, quadratic b): α = |A|/√B;
- e = 2d, A² + 4B = 0 (the characteristic roots coincide): α from the indicial equation
  of the next two orders (see :func:`error_exponent`), when it is real and the
  convergence polynomial rather than exp(-c·√n).
Otherwise α = 1 (plain polynomial extrapolation), and the agreement checks decide.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import flint
import mpmath

from conjectura.kernels.exact import convergents_at

GUARD_DIGITS = 5  # digits held back from the working precision in every claim
SPREAD = 0.5  # the shallowest node sits at this fraction of the deepest
MIN_DIGITS = 1.0  # below this the accelerations do not agree on anything: no estimate
METHOD = "accelerated"
EXACT = "exact"  # a terminating fraction: its value is a convergent, nothing extrapolated


@dataclass(frozen=True)
class AcceleratedLimit:
    """An extrapolated limit and the digits independent extrapolations agree on."""

    value: mpmath.mpf
    digits: float  # significant digits; never above precision - GUARD_DIGITS
    depth: int  # deepest convergent used
    method: str  # "accelerated"; "exact" for a fraction that terminates
    precision: int  # decimal working precision the digits are capped by
    exponent: float  # α of the error expansion n^-α (c0 + c1/n + ...) removed; 0 if exact


def _trimmed(coefficients: Sequence[int]) -> list[int]:
    trimmed = [int(c) for c in coefficients]
    while trimmed and trimmed[-1] == 0:
        trimmed.pop()
    return trimmed


def _first_positive_root(b: Sequence[int]) -> int | None:
    """The smallest n >= 1 with b(n) = 0: there the fraction terminates (a rational)."""
    if not b:
        return 1
    # an integer root divides the lowest non-zero coefficient (after factoring out n^j)
    lowest = abs(next(c for c in b if c != 0))
    divisors = {
        n for k in range(1, math.isqrt(lowest) + 1) if lowest % k == 0 for n in (k, lowest // k)
    }
    roots = [n for n in divisors if sum(c * n**i for i, c in enumerate(b)) == 0]
    return min(roots) if roots else None


def _exponent_squared(a: list[int], b: list[int]) -> Fraction | None:
    """α² (rational in every case handled), or None; see :func:`error_exponent`."""
    if not a or not b or _first_positive_root(b) is not None:
        return None
    d, e = len(a) - 1, len(b) - 1
    big_a, big_b = a[-1], b[-1]
    if e == 2 * d + 2 and big_b > 0:
        return Fraction(big_a * big_a, big_b)
    if e != 2 * d or big_a * big_a + 4 * big_b != 0:
        return None

    def normalised(coefficients: list[int], k: int) -> Fraction:
        index = len(coefficients) - 1 - k
        return Fraction(coefficients[index], coefficients[-1]) if index >= 0 else Fraction(0)

    a1, a2 = normalised(a, 1), normalised(a, 2)
    b1, b2 = normalised(b, 1), normalised(b, 2)
    if b1 + d != 2 * a1:
        return None
    c2 = b2 + d * b1 + Fraction(d * (d + 1), 2)
    discriminant = (1 + 2 * a1) ** 2 - 4 * (c2 - 2 * a2)
    return discriminant if discriminant > 0 else None


def error_exponent(a: Sequence[int], b: Sequence[int]) -> float | None:
    """α with x_n - L ~ n^-α (per parity), from the degrees and leading coefficients.

    None when the convergence is not polynomial in that way (fast, sub-exponential or
    divergent), or when nothing fixes α. With a(n) ~ A·n^d, b(n) ~ B·n^e:
    - e = 2d + 2, B > 0: α = |A|/√B (measured: 0.50, 0.71, 1, 1.5, 2, 3, 5 all match);
    - e = 2d, A² + 4B = 0, writing a(n) = A·n^d (1 + a1/n + a2/n² + ...) and
      b(n) = B·n^2d (1 + b1/n + b2/n² + ...): the solutions scaled by (A/2)^n·n!^d behave
      like n^ρ with ρ² - (1 + 2·a1)·ρ + (c2 - 2·a2) = 0, c2 = b2 + d·b1 + d(d+1)/2,
      provided b1 + d = 2·a1 (else like exp(±c√n)); then α = ρ1 - ρ2 (2 for the
      slow ζ(3) fraction PCF(n³ + (n+1)³, -n⁶), as measured).
    """
    squared = _exponent_squared(_trimmed(a), _trimmed(b))
    return None if squared is None else math.sqrt(squared)


def converges_slowly(a: Sequence[int], b: Sequence[int]) -> bool:
    """Do the convergents approach the limit only polynomially or sub-exponentially?

    Decided from degrees and leading coefficients alone (no arithmetic on convergents), so
    identification can route a PCF to :func:`accelerated_limit` before evaluating it:
    b dominating with B > 0 (e = 2d + 2 polynomially, e = 2d + 1 like exp(-c√n)), or
    e = 2d with a double characteristic root (A² + 4B = 0). A fraction that terminates
    (b(n) = 0 for some n >= 1) is a rational and never slow; with B < 0 or complex roots
    the convergents do not settle at all.
    """
    a, b = _trimmed(a), _trimmed(b)
    if not a or not b or _first_positive_root(b) is not None:
        return False
    d, e = len(a) - 1, len(b) - 1
    big_a, big_b = a[-1], b[-1]
    if e in (2 * d + 1, 2 * d + 2):
        return big_b > 0
    return e == 2 * d and big_a * big_a + 4 * big_b == 0


def _rational_root(square: Fraction) -> Fraction | None:
    """√square when it is rational."""
    top, bottom = math.isqrt(square.numerator), math.isqrt(square.denominator)
    if top * top == square.numerator and bottom * bottom == square.denominator:
        return Fraction(top, bottom)
    return None


@lru_cache(maxsize=128)
def extrapolation_weights(
    nodes: tuple[int, ...], exponent_squared: Fraction, dps: int
) -> tuple[mpmath.mpf, ...]:
    """Weights c_i (summing to 1) with L = Σ c_i·y_i exact for y_m = L + Σ_{j>=1, i>=0}
    c_ji·m^-(jα + i) truncated to len(nodes) - 1 terms, at ``dps`` digits; α² given
    exactly. Cached: they depend on the nodes and α only, not on the PCF.

    Rational α = p/q: (y - L)·m^α is a polynomial in h = m^(-1/q) (every jα + i is α plus
    a multiple of 1/q), so its (k-1)-th divided difference over the k nodes vanishes:
    Σ w_i (y_i - L)·m_i^α = 0 with w_i = 1/Π(h_i - h_j), a closed form.
    Irrational α: the k-1 smallest exponents jα + i, and a linear solve (which loses about
    four digits per node, so it runs that much higher), in FLINT's arb: 15 times faster
    than mpmath's lu_solve (48 nodes: 0.02 s against 0.33 s), which identification of a
    space with many distinct α cannot do without; mpmath's where arb cannot solve it.
    """
    k = len(nodes)
    root = _rational_root(exponent_squared)
    if root is not None:
        with mpmath.workdps(dps + 10):
            power = mpmath.mpf(root.numerator) / root.denominator
            h = [mpmath.mpf(m) ** (-mpmath.mpf(1) / root.denominator) for m in nodes]
            raw = []
            for i, hi in enumerate(h):
                product = mpmath.mpf(1)
                for j, hj in enumerate(h):
                    if j != i:
                        product *= hi - hj
                raw.append((mpmath.mpf(nodes[i]) / nodes[-1]) ** power / product)
            total = mpmath.fsum(raw)
            weights = [w / total for w in raw]
    else:
        weights = _solved_weights(nodes, exponent_squared, dps + 4 * k + 20)
    with mpmath.workdps(dps):
        return tuple(+w for w in weights)


def _exponent_order(k: int, exponent_squared: Fraction) -> list[tuple[int, int]]:
    """(j, i) of the k-1 smallest exponents jα + i, j >= 1, i >= 0."""
    alpha = math.sqrt(exponent_squared)
    pairs = sorted((j * alpha + i, j, i) for j in range(1, k + 1) for i in range(k))
    return [(j, i) for _, j, i in pairs[: k - 1]]


def _solved_weights(
    nodes: tuple[int, ...], exponent_squared: Fraction, dps: int
) -> list[mpmath.mpf]:
    """The weights for an irrational α: Σ c_i = 1 and Σ c_i·u_i^(jα + i) = 0 for the k-1
    smallest exponents, u_i = max(nodes)/m_i in [1, 2] (moderate entries), solved in arb
    at ``dps`` digits (entries as products of powers of u^α and u); mpmath otherwise."""
    k = len(nodes)
    order = _exponent_order(k, exponent_squared)
    top_j, top_i = max(j for j, _ in order), max(i for _, i in order)
    saved = flint.ctx.prec
    try:
        flint.ctx.dps = dps
        alpha = (
            flint.arb(exponent_squared.numerator).sqrt()
            / flint.arb(exponent_squared.denominator).sqrt()
        )
        system = flint.arb_mat(k, k)
        for column, m in enumerate(nodes):
            u = flint.arb(nodes[-1]) / m
            u_alpha = u**alpha
            by_j, by_i = [flint.arb(1)], [flint.arb(1)]
            for _ in range(top_j):
                by_j.append(by_j[-1] * u_alpha)
            for _ in range(top_i):
                by_i.append(by_i[-1] * u)
            system[0, column] = 1
            for row, (j, i) in enumerate(order, start=1):
                system[row, column] = by_j[j] * by_i[i]
        unit = flint.arb_mat(k, 1)
        unit[0, 0] = 1
        solved = system.solve(unit)
        mids = [solved[i, 0].mid().man_exp() for i in range(k)]
    except (ZeroDivisionError, ValueError):
        return _mpmath_solved_weights(nodes, exponent_squared, dps)
    finally:
        flint.ctx.prec = saved
    with mpmath.workdps(dps):
        return [mpmath.mpf((int(man), int(exp))) for man, exp in mids]


def _mpmath_solved_weights(
    nodes: tuple[int, ...], exponent_squared: Fraction, dps: int
) -> list[mpmath.mpf]:
    """:func:`_solved_weights` by mpmath's lu_solve (slower; for what arb cannot solve)."""
    k = len(nodes)
    with mpmath.workdps(dps):
        alpha = mpmath.sqrt(mpmath.mpf(exponent_squared.numerator)) / mpmath.sqrt(
            exponent_squared.denominator
        )
        exponents = [j * alpha + i for j, i in _exponent_order(k, exponent_squared)]
        system = mpmath.matrix(k, k)
        for column, m in enumerate(nodes):
            u = mpmath.mpf(nodes[-1]) / m  # in [1, 2]: keeps the entries moderate
            system[0, column] = 1
            for row, s in enumerate(exponents, start=1):
                system[row, column] = u**s
        unit = mpmath.matrix(k, 1)
        unit[0] = 1
        solved = mpmath.lu_solve(system, unit)
        return [solved[i] for i in range(k)]


def amplification(weights: Sequence[mpmath.mpf]) -> float:
    """log10 Σ|c_i|: the decimal digits an extrapolation with these weights can lose."""
    with mpmath.workdps(30):
        return float(mpmath.log10(mpmath.fsum(abs(w) for w in weights)))


def _nodes(deepest: int, points: int) -> tuple[int, ...]:
    """``points`` distinct integers spread evenly over (SPREAD·deepest, deepest]."""
    lowest = math.floor(SPREAD * deepest) + 1
    span = deepest - lowest
    return tuple(sorted({lowest + (span * i) // (points - 1) for i in range(points)}))


def _significant(difference: mpmath.mpf, value: mpmath.mpf) -> float:
    """-log10 of |difference| relative to |value| (absolute when value is 0)."""
    if difference == 0:
        return math.inf
    scale = abs(value) if value != 0 else mpmath.mpf(1)
    return -float(mpmath.log10(abs(difference) / scale))


def default_points(dps: int) -> int:
    """Extrapolation nodes per parity and level: about one per 2.5 wanted digits, 8 to 64.

    Measured (benchmark): each node adds about 2 to 3 digits on Brouncker's fraction at
    depths 4,000 to 32,768 until the working precision caps them."""
    return max(8, min(64, math.ceil(dps / 2.5)))


LEVELS = 3  # depths D, D/2, D/4: disjoint node ranges, three estimates


def accelerated_limit(
    a: Sequence[int],
    b: Sequence[int],
    depth: int,
    dps: int,
    *,
    points: int | None = None,
    exponent: Fraction | int | None = None,
) -> AcceleratedLimit | None:
    """The limit of PCF(a, b) by extrapolating exact convergents up to ``depth``.

    At each of the depths D, D/2 and D/4 the even and the odd convergents are extrapolated
    separately (nodes in the top half of that depth, so the three levels share no
    convergent). The value is the deepest level's mean of even and odd. Its error is taken
    as the largest of the even-odd gap and, per parity, the step s = |E_D - E_D/2|, the
    latter inflated by r/(1 - r), r = s / |E_D/2 - E_D/4|, when the levels improve too
    slowly to trust (a geometric tail); r >= 1 means they do not improve at all. A fraction
    that terminates (b(n) = 0 for some n >= 1) is its convergent there, method "exact".

    Returns None when there is no estimate: fewer than MIN_DIGITS survive, the even-odd gap
    of the convergents does not shrink (a fraction that does not converge), a denominator
    vanishes at a node, or ``depth`` is too small for four nodes at D/4. ``dps`` is the
    precision the digits are capped by (less GUARD_DIGITS); the work runs higher by what
    the weights amplify. ``exponent`` (a rational α) overrides :func:`error_exponent`;
    without either, α = 1 (polynomial in 1/n).
    """
    ta, tb = _trimmed(a), _trimmed(b)
    if not ta:
        return None  # a = 0: every other denominator vanishes
    end = _first_positive_root(tb)
    if end is not None:
        return _terminating(ta, tb, end - 1, dps)
    if exponent is not None:
        if exponent <= 0:
            raise ValueError(f"exponent must be positive, not {exponent}")
        squared = Fraction(exponent) ** 2
    else:
        squared = _exponent_squared(ta, tb) or Fraction(1)
    deepest = (depth - 1) // 2  # the odd node 2m+1 must not pass depth
    tops = [deepest >> level for level in range(LEVELS)]
    fit = tops[-1] - math.floor(SPREAD * tops[-1])  # distinct nodes the shallowest holds
    k = min(points if points is not None else default_points(dps), fit)
    if k < 4:
        return None
    levels = [_nodes(top, k) for top in tops]

    work = dps + GUARD_DIGITS + 5 + 2 * k
    while True:
        weights = [extrapolation_weights(nodes, squared, work) for nodes in levels]
        lost = max(amplification(w) for w in weights)
        if dps + GUARD_DIGITS + 5 + lost <= work:
            break
        work = dps + GUARD_DIGITS + 5 + math.ceil(lost) + 5

    depths = sorted({2 * m + parity for nodes in levels for m in nodes for parity in (0, 1)})
    convergents = {c.depth: c for c in convergents_at(ta, tb, depths)}
    if any(c.q == 0 for c in convergents.values()):
        return None

    with mpmath.workdps(work):
        x = {n: mpmath.mpf(int(c.p)) / mpmath.mpf(int(c.q)) for n, c in convergents.items()}
        top, below = tops[0], tops[1]
        gap = abs(x[2 * top + 1] - x[2 * top])
        if gap > abs(x[2 * top]) * mpmath.mpf(10) ** (GUARD_DIGITS - dps) and gap >= abs(
            x[2 * below + 1] - x[2 * below]
        ):
            return None  # even and odd convergents are not closing in on one value

        def extrapolate(level: int, parity: int) -> mpmath.mpf:
            pairs = zip(weights[level], levels[level], strict=True)
            return mpmath.fsum(w * x[2 * m + parity] for w, m in pairs)

        # per parity: the mean of even and odd can be luckily good at one level, which
        # would make the comparison between levels meaningless
        chains = [[extrapolate(level, parity) for level in range(LEVELS)] for parity in (0, 1)]
        (even, *_), (odd, *_) = chains
        value = (even + odd) / 2
        noise = abs(value) * mpmath.mpf(10) ** (GUARD_DIGITS - dps)
        error = max(abs(even - odd), noise)
        for estimates in chains:
            step = abs(estimates[0] - estimates[1])
            if step <= noise:
                continue  # settled to the working precision
            ratio = step / max(abs(estimates[1] - estimates[2]), noise)
            if ratio >= 1:
                return None  # deeper extrapolations do not improve: nothing to trust
            error = max(error, step, step * ratio / (1 - ratio))
        digits = min(_significant(error, value), float(dps - GUARD_DIGITS))
    if not digits >= MIN_DIGITS:  # also catches NaN
        return None
    with mpmath.workdps(dps):
        return AcceleratedLimit(+value, digits, 2 * top + 1, METHOD, dps, math.sqrt(squared))


def _terminating(a: list[int], b: list[int], depth: int, dps: int) -> AcceleratedLimit | None:
    """x_depth, exactly: b(depth + 1) = 0 cuts the fraction there (None when q = 0)."""
    if depth == 0:
        p, q = a[0], 1
    else:
        convergent = convergents_at(a, b, [depth])[0]
        p, q = int(convergent.p), int(convergent.q)
    if q == 0:
        return None
    with mpmath.workdps(dps):
        value = mpmath.mpf(p) / mpmath.mpf(q)
    return AcceleratedLimit(value, float(dps - GUARD_DIGITS), depth, EXACT, dps, 0.0)


def accelerated_value(
    a: Sequence[int],
    b: Sequence[int],
    *,
    digits: float,
    max_depth: int,
    dps: int,
    start_depth: int = 1024,
) -> AcceleratedLimit | None:
    """:func:`accelerated_limit` at depths doubling from ``start_depth`` until it claims
    ``digits`` or reaches ``max_depth``: most slow fractions need far less than the
    largest depth (Brouncker's gives 100 digits at 2,048), so this is the cheap call.
    The answer is that of the last depth tried, None included."""
    depth = min(start_depth, max_depth)
    while True:
        result = accelerated_limit(a, b, depth, dps)
        if (result is not None and result.digits >= digits) or depth >= max_depth:
            return result
        depth = min(2 * depth, max_depth)
