"""Convergence dynamics of one PCF from exact convergents: FR, δ, growth and speed fits.

Definitions (shared field notes, "Factorial reduction" and "Clustering by convergence
dynamics"), with L = p_N/q_N and q̃_n = q_n / gcd(p_n, q_n):

- FR statistic s_n = log gcd(p_n, q_n)/n + deg(a)·(1 − log n), sampled every 200 terms
  up to 1400; factorial reduction (FR) when the last two samples differ by < 0.1 (so only
  those two are computed).
- δ at depth n: −1 − log|L − p_n/q_n| / log q̃_n (FR δ), or over log q_n (naive δ); taken
  at n = N/2 with L from depth N (blind δ).
- (c, d): least squares of log q̃_n = c·n + d·n·log n at n ∈ {6, N/8, N/4, N/2, N};
  if |d| < 0.05, d = 0 and c is refitted.
- convergence (b, c, d): least squares of log|L − p_n/q_n| = b·log n + c·n + d·n·log n
  at n = N/16, 2N/16, ..., 8N/16.
- eigenvalue ratio log|(A + √(A² + 4B)) / (A − √(A² + 4B))| from the leading behaviour of
  a(n) ~ A·n^k and b(n) ~ B·n^(2k); complex flag when A² + 4B < 0; predicted
  δ = N·|ratio| / (c·N + d·N·log N) − 1.

No precision is lost in L − p_n/q_n however close the convergents are. Its numerator
p_N·q_n − p_n·q_N equals ±S01·∏_(k<=n) b(k), where S = M_N ··· M_(n+1) (the determinant
identity), so its logarithm is log|S01| plus a sum of logarithms of small integers. S01
comes from the walk's exact segment products multiplied in arb ball arithmetic, whose
radius bounds the rounding: when a ball is not at least 2^-40 accurate (cancellation),
the numerator is formed exactly instead. Logarithms of the big integers come from arb.
A PCF whose metrics cannot be computed gets a reason, not a number; a fraction that
terminates (b(k) = 0 for some k >= 1) is a rational and has none.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np
from flint import arb, arb_mat, fmpz

from conjectura.kernels.exact import Convergent, SampledWalk, sampled_walk, values_at

FR_STEP = 200
FR_LAST = 1400
FR_TOLERANCE = 0.1
D_ZERO = 0.05
SPLIT_GCD_FROM = 400  # from this depth on, gcd(p_n, q_n) is taken in blocks (convergent_gcds)
GCD_BLOCK_BITS = 6000  # measured: 4000 to 8000 bits per block are equally fast at N = 2000
SUFFIX_ACCURACY_BITS = 40  # an arb ball less accurate than this is replaced by exact arithmetic


@dataclass(frozen=True)
class Dynamics:
    """Metrics of one PCF at depth N; every number is None when ``reason`` is set."""

    depth: int
    fr_statistic: float | None = None
    fr: bool | None = None
    delta_naive: float | None = None
    delta_fr: float | None = None
    growth_c: float | None = None
    growth_d: float | None = None
    convergence_b: float | None = None
    convergence_c: float | None = None
    convergence_d: float | None = None
    eigen_ratio: float | None = None
    eigen_complex: bool | None = None
    delta_predicted: float | None = None
    reason: str | None = None

    def as_row(self) -> dict:
        return asdict(self)


def _log(value: fmpz) -> float:
    """Natural log of |value| for an integer of any size."""
    return float(arb(abs(value)).log())


def _degree(coefficients: Sequence[int]) -> int:
    degree = len(coefficients) - 1
    while degree > 0 and coefficients[degree] == 0:
        degree -= 1
    return degree


def eigenvalue_ratio(a: Sequence[int], b: Sequence[int]) -> tuple[float, bool]:
    """(log |λ+/λ−|, complex?) of λ² = a(n)·λ + b(n) at leading order in n."""
    k = _degree(a)
    big_a = float(a[k]) if any(a) else 0.0
    big_b = float(b[2 * k]) if 2 * k < len(b) and _degree(b) == 2 * k else 0.0
    if _degree(b) > 2 * k or not any(a):
        big_a, big_b = 0.0, float(b[_degree(b)])
    discriminant = big_a**2 + 4 * big_b
    if discriminant < 0:
        return 0.0, True  # conjugate eigenvalues of one modulus
    root = math.sqrt(discriminant)
    # |A + root| and |A − root| swap when A changes sign; taking the log of the larger over
    # the smaller, signed like A, makes PCF(−a, b)'s ratio the exact negative of PCF(a, b)'s.
    larger, smaller = abs(big_a) + root, abs(abs(big_a) - root)
    if smaller == 0.0:
        return math.inf, False
    return math.copysign(math.log(larger / smaller), big_a) if big_a else 0.0, False


def terminating_depth(b: Sequence[int], depth: int) -> int | None:
    """The first k in 1..depth with b(k) = 0, where the fraction stops (a rational), or None."""
    coefficients = list(b)
    while coefficients and coefficients[0] == 0:  # b(n) = n^j·b'(n): roots of b' only
        coefficients.pop(0)
    if not coefficients:
        return 1
    constant = abs(coefficients[0])  # an integer root k >= 1 divides the constant term
    for k in range(1, min(constant, depth) + 1):
        if constant % k == 0 and sum(c * k**i for i, c in enumerate(coefficients)) == 0:
            return k
    return None


def sample_depths(depth: int) -> tuple[list[int], list[int], list[int]]:
    """(growth, convergence, FR) sample depths for N = ``depth``."""
    growth = sorted({6, depth // 8, depth // 4, depth // 2, depth})
    convergence = sorted({max(1, depth * k // 16) for k in range(1, 9)})
    fr = list(range(FR_STEP, min(FR_LAST, depth) + 1, FR_STEP))[-2:]  # the flag compares two
    return growth, convergence, fr


@dataclass(frozen=True)
class _WalkLogs:
    """Logarithms read off one exact walk to depth N: log q_n at every sampled depth,
    log gcd(p_n, q_n) where asked, and log|L − p_n/q_n| (L = p_N/q_N) where asked."""

    limit: Convergent
    log_q: dict[int, float]
    log_gcd: dict[int, float]
    log_error: dict[int, float]

    def log_q_reduced(self, n: int) -> float:
        return self.log_q[n] - self.log_gcd[n]


def _walk_logs(
    a: Sequence[int], b: Sequence[int], n_max: int, reduced_at: set[int], error_at: set[int]
) -> _WalkLogs | str:
    """The logarithms of one walk to ``n_max``, or the reason they do not exist."""
    stop = terminating_depth(b, n_max)
    if stop is not None:
        return f"b({stop}) = 0: the fraction terminates"
    depths = sorted(reduced_at | error_at | {n_max})
    # exact convergents where a gcd is taken; the others need only log q_n (below)
    walk = sampled_walk(a, b, depths, exact_at=reduced_at | {n_max})
    last = walk.convergents[-1]
    assert last is not None
    if last.q == 0:
        return f"q_{n_max} = 0"
    log_q_last = _log(last.q)

    log_q: dict[int, float] = {}
    at: dict[int, Convergent] = {}
    in_arb = [arb_mat(segment) for segment in walk.segments]  # for both ball computations
    approximate = _arb_log_denominators(walk, in_arb)
    for i, n in enumerate(depths):
        convergent = walk.convergents[i]
        if convergent is None and approximate[i] is not None:
            log_q[n] = approximate[i]
            continue
        convergent = convergent or walk.convergent(i)  # the ball could not vouch: exactly
        if convergent.q == 0:
            return f"q_{n} = 0"
        at[n] = convergent
        log_q[n] = log_q_last if n == n_max else _log(convergent.q)
    # gcd(p_n, q_n) is the costly part: taken only where asked
    gcds = convergent_gcds(walk, depths, sorted(reduced_at), int(a[0]))
    log_gcd = {n: _log(g) for n, g in gcds.items()}
    log_numerators = _log_error_numerators(in_arb, depths, sorted(error_at), b)
    log_error: dict[int, float] = {}
    for n in sorted(error_at):
        log_numerator = log_numerators[n]
        if log_numerator is None:  # the ball met 0 or lost its bits: form it exactly
            convergent = at.get(n) or walk.convergent(depths.index(n))
            numerator = last.p * convergent.q - convergent.p * last.q
            if numerator == 0:
                return f"p_{n}/q_{n} equals the limit"
            log_numerator = _log(numerator)
        log_error[n] = log_numerator - log_q_last - log_q[n]
    return _WalkLogs(last, log_q, log_gcd, log_error)


@dataclass(frozen=True)
class BlindDelta:
    """The limit estimate p_N/q_N and the blind δ at N/2 (FR and naive) of one PCF;
    the δs are None when ``reason`` is set."""

    depth: int
    limit: Convergent | None
    delta_fr: float | None = None
    delta_naive: float | None = None
    reason: str | None = None


def blind_delta(a: Sequence[int], b: Sequence[int], depth: int) -> BlindDelta:
    """L = p_N/q_N and the blind δ at N/2 alone (what ``dynamics`` also reports, from a
    walk that samples two depths instead of fifteen and takes one gcd instead of seven)."""
    half = depth // 2
    if half < 1:
        return BlindDelta(depth, None, reason=f"depth {depth} too small")
    logs = _walk_logs(a, b, depth, {half}, {half})
    if isinstance(logs, str):
        return BlindDelta(depth, None, reason=logs)
    if logs.log_q_reduced(half) <= 0:
        return BlindDelta(depth, logs.limit, reason=f"reduced q_{half} does not grow")
    return BlindDelta(
        depth,
        logs.limit,
        delta_fr=-1 - logs.log_error[half] / logs.log_q_reduced(half),
        delta_naive=-1 - logs.log_error[half] / logs.log_q[half],
    )


def dynamics(a: Sequence[int], b: Sequence[int], depth: int) -> Dynamics:
    """All metrics of PCF(a, b) from exact convergents up to ``depth`` (N)."""
    n_max = depth
    half = n_max // 2
    growth_points, convergence_points, fr_points = sample_depths(n_max)
    if min(growth_points) < 1:
        return Dynamics(depth, reason=f"depth {depth} too small")
    logs = _walk_logs(a, b, n_max, {*growth_points, *fr_points, half}, {*convergence_points, half})
    if isinstance(logs, str):
        return Dynamics(depth, reason=logs)
    log_gcd, log_error = logs.log_gcd, logs.log_error
    log_q_reduced = {n: logs.log_q_reduced(n) for n in log_gcd}

    # factorial reduction
    fr_values = [log_gcd[n] / n + _degree(a) * (1 - math.log(n)) for n in fr_points]
    fr_statistic = fr_values[-1] if fr_values else None
    fr = abs(fr_values[-1] - fr_values[-2]) < FR_TOLERANCE if len(fr_values) >= 2 else None

    # blind δ at N/2
    if log_q_reduced[half] <= 0:
        return Dynamics(
            depth, fr_statistic=fr_statistic, fr=fr, reason=f"reduced q_{half} does not grow"
        )
    delta_fr = -1 - log_error[half] / log_q_reduced[half]
    delta_naive = -1 - log_error[half] / (log_q_reduced[half] + log_gcd[half])

    growth_c, growth_d = _growth_fit(growth_points, [log_q_reduced[n] for n in growth_points])
    conv_b, conv_c, conv_d = _least_squares(
        [[math.log(n), n, n * math.log(n)] for n in convergence_points],
        [log_error[n] for n in convergence_points],
    )
    ratio, complex_eigenvalues = eigenvalue_ratio(a, b)
    growth_at_n = growth_c * n_max + growth_d * n_max * math.log(n_max)
    predicted = n_max * abs(ratio) / growth_at_n - 1 if growth_at_n > 0 else None
    return Dynamics(
        depth=depth,
        fr_statistic=fr_statistic,
        fr=fr,
        delta_naive=delta_naive,
        delta_fr=delta_fr,
        growth_c=growth_c,
        growth_d=growth_d,
        convergence_b=conv_b,
        convergence_c=conv_c,
        convergence_d=conv_d,
        eigen_ratio=ratio,
        eigen_complex=complex_eigenvalues,
        delta_predicted=predicted if predicted is None or math.isfinite(predicted) else None,
    )


def convergent_gcds(
    walk: SampledWalk, depths: list[int], reduced_at: list[int], a0: int
) -> dict[int, fmpz]:
    """gcd(p_n, q_n) for each n in ``reduced_at`` (sampled depths of ``walk``).

    A direct gcd of two integers of n steps' size costs far more than n times one of a
    step's size (GMP's Lehmer range here), so from SPLIT_GCD_FROM on it is taken against
    a known multiple cut into small factors. Row 0 of P_n = M_n ··· M_1 is (q_n, r_n) with
    p_n = a0·q_n + r_n, so gcd(p_n, q_n) = gcd(q_n, r_n), the content of that row. With
    m the sampled depth below n, that row is u·P_m for u = row 0 of the walk's segment
    M_n ··· M_(m+1), and (u·P_m)·adj(P_m) = det(P_m)·u, so the content divides
    K = gcd(u)·|det P_m| = F_0·F_1···F_J: F_0 = gcd(u), the others products of the
    segments' |det| (∏|b(k)|) of about GCD_BLOCK_BITS each. Then gcd(q_n, K) = G_J with
    G_(-1) = 1, G_j = gcd(q_n, G_(j−1)·F_j) (p-adic valuations agree: gcd(X, A·B) =
    gcd(X, gcd(X, A)·B)), each a gcd of block size, and gcd(p_n, q_n) = gcd(G_J, r_n)."""
    index = {d: i for i, d in enumerate(depths)}
    found: dict[int, fmpz] = {}
    dets: list[fmpz] = []  # |det| of each segment, computed once for every gcd
    for n in reduced_at:
        top = index[n]
        convergent = walk.convergents[top]
        if n < SPLIT_GCD_FROM or top == 0:
            found[n] = fmpz.gcd(convergent.p, convergent.q)
            continue
        while len(dets) < top:
            dets.append(abs(walk.segments[len(dets)].det()))
        segment = walk.segments[top]
        factors, block = [fmpz.gcd(segment[0, 0], segment[0, 1])], fmpz(1)
        for det in dets[:top]:
            block *= det
            if block.bit_length() >= GCD_BLOCK_BITS:
                factors.append(block)
                block = fmpz(1)
        factors.append(block)
        common = fmpz(1)
        for factor in factors:
            bound = common * factor
            common = fmpz.gcd(convergent.q % bound, bound)
        found[n] = fmpz.gcd(common, (convergent.p - a0 * convergent.q) % common)
    return found


def _arb_log_denominators(walk: SampledWalk, in_arb: list[arb_mat]) -> list[float | None]:
    """log|q_n| at the depths the walk did not multiply out exactly (None elsewhere, and
    where the ball of P_n = seg_i ··· seg_0, built from ``in_arb``, the segments in arb,
    cannot vouch for SUFFIX_ACCURACY_BITS)."""
    found: list[float | None] = [None] * len(in_arb)
    if all(convergent is not None for convergent in walk.convergents):
        return found
    product = in_arb[0]
    for i, convergent in enumerate(walk.convergents):
        if i:
            product = in_arb[i] * product
        q = product[0, 0]
        vouched = (q > 0 or q < 0) and q.rel_accuracy_bits() >= SUFFIX_ACCURACY_BITS
        if convergent is None and vouched:  # arb comparisons hold only when certain
            found[i] = float(abs(q).log())
    return found


def _log_error_numerators(
    in_arb: list[arb_mat], depths: list[int], error_at: list[int], b: Sequence[int]
) -> dict[int, float | None]:
    """log|p_N·q_n − p_n·q_N| for each n in ``error_at``, or None where the ball
    arithmetic cannot vouch for it (the caller then forms the numerator exactly).

    With S = M_N ··· M_(n+1), (p_N, q_N) = S00·(p_n, q_n) + S01·(p_(n−1), q_(n−1)), so the
    numerator is S01·(p_(n−1)·q_n − p_n·q_(n−1)) = ±S01·∏_(k<=n) b(k). Row 0 of S is built
    from the top down, one segment product at a time (``in_arb``: the walk's segments in
    arb, at the context's precision); the integer logarithms are summed exactly rounded
    (math.fsum)."""
    row = arb_mat(1, 2, [1, 0])
    suffix_s01: dict[int, arb] = {}
    for i in range(len(depths) - 1, 0, -1):
        row = row * in_arb[i]
        suffix_s01[depths[i - 1]] = row[0, 1]
    found: dict[int, float | None] = {}
    log_b = _log_abs_values(b, 1, error_at[-1])  # log|b(k)| at index k - 1
    log_b_sum, summed_to = 0.0, 0
    for n in error_at:
        log_b_sum += math.fsum(log_b[summed_to:n])
        summed_to = n
        s01 = suffix_s01.get(n)
        vouched = s01 is not None and (s01 > 0 or s01 < 0)  # arb: true only when certain
        if vouched and s01.rel_accuracy_bits() >= SUFFIX_ACCURACY_BITS:
            found[n] = float(abs(s01).log()) + log_b_sum
        else:
            found[n] = None
    return found


def _log_abs_values(coefficients: Sequence[int], lo: int, hi: int) -> list[float]:
    """log|f(k)| for k = lo..hi (f(k) != 0): in float64 while every term of f(k) is an
    integer below 2^53 (then exact), else from Python integers."""
    bound = sum(abs(c) * hi**i for i, c in enumerate(coefficients))
    if bound < 2**53:
        terms = np.arange(lo, hi + 1, dtype=np.float64)
        values = values_at(coefficients, terms)
        return np.log(np.abs(values)).tolist()
    return [
        math.log(abs(sum(c * k**i for i, c in enumerate(coefficients)))) for k in range(lo, hi + 1)
    ]


def mirrored(metrics: Dynamics, a: Sequence[int], b: Sequence[int]) -> Dynamics:
    """The metrics of PCF(a, b) from those of PCF(−a, b).

    Negating a(n) negates the limit and flips the signs of p_n and q_n in a fixed pattern;
    every |p_n|, |q_n|, gcd and |L − p_n/q_n| is unchanged, so only the eigenvalue ratio
    (whose sign follows a's) differs."""
    if metrics.reason is not None:
        return metrics
    ratio, _complex = eigenvalue_ratio(a, b)
    return replace(metrics, eigen_ratio=ratio)


def _growth_fit(points: list[int], values: list[float]) -> tuple[float, float]:
    c, d = _least_squares([[n, n * math.log(n)] for n in points], values)
    if abs(d) < D_ZERO:
        (c,) = _least_squares([[n] for n in points], values)
        d = 0.0
    return c, d


def _least_squares(rows: list[list[float]], values: list[float]) -> list[float]:
    """The least-squares solution x of rows·x ≈ values."""
    return (_pseudo_inverse(tuple(map(tuple, rows))) @ np.array(values, float)).tolist()


@functools.lru_cache(maxsize=64)
def _pseudo_inverse(rows: tuple[tuple[float, ...], ...]) -> np.ndarray:
    """The design matrices depend only on N's sample depths: each is inverted once."""
    return np.linalg.pinv(np.array(rows, float))


def error_curve(a: Sequence[int], b: Sequence[int], depth: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, log10|L − p_n/q_n|) for n = 1..depth with L = p_2N/q_2N, all exact.

    Points where q_n = 0 or p_n/q_n equals L are left out."""
    value = lambda poly, n: sum(c * n**k for k, c in enumerate(poly))  # noqa: E731
    p_prev, p, q_prev, q = 1, value(a, 0), 0, 1
    pairs = []
    for n in range(1, 2 * depth + 1):
        a_n, b_n = value(a, n), value(b, n)
        p_prev, p = p, a_n * p + b_n * p_prev
        q_prev, q = q, a_n * q + b_n * q_prev
        if n <= depth:
            pairs.append((n, p, q))
    if q == 0:
        raise ValueError(f"q_{2 * depth} = 0: no limit to measure against")
    ns, errors = [], []
    for n, p_n, q_n in pairs:
        numerator = p * q_n - p_n * q
        if q_n == 0 or numerator == 0:
            continue
        ns.append(n)
        errors.append((_log(fmpz(numerator)) - _log(fmpz(q)) - _log(fmpz(q_n))) / math.log(10))
    return np.array(ns), np.array(errors)
