"""Convergence acceleration of slowly converging PCFs: which method, how many digits, what cost.

Part 1 compares, on Brouncker's PCF(2, (2n-1)^2) = 1 + 4/pi and on PCF(5, n^2) =
2/(2·log2 - 1), the plain convergents, mpmath's richardson, shanks and levin (u), and
kernels.acceleration.accelerated_limit: true digits (against the closed form, computed
here with mpmath), the digits each method would claim where it has an agreement to claim
from, and seconds. Part 2 runs accelerated_limit over the space of examples/slow.yaml:
seconds per PCF, how many get an estimate, the digits they get, and (--check) whether any
claim exceeds its agreement with a reference run at four times the depth and more
precision.

    .venv/bin/python tests/benchmarks/bench_acceleration.py [--depths 2048,8192,32768]
        [--dps 120] [--space-depth 8192] [--space-dps 60] [--check] [--want DIGITS]
        [--skip-methods] [--skip-space]
"""

from __future__ import annotations

import argparse
import itertools
import math
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import mpmath

from conjectura.kernels.acceleration import accelerated_limit, accelerated_value, converges_slowly
from conjectura.kernels.exact import convergents_at
from conjectura.schemas.spec import load_spec

TARGETS: dict[str, tuple[list[int], list[int], Callable[[], mpmath.mpf]]] = {
    "PCF(2, (2n-1)^2) = 1 + 4/pi": ([2], [1, -4, 4], lambda: 1 + 4 / mpmath.pi),
    "PCF(5, n^2) = 2/(2 log2 - 1)": ([5], [0, 0, 1], lambda: 2 / (2 * mpmath.log(2) - 1)),
}
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "slow.yaml"


def digits_between(x: mpmath.mpf, y: mpmath.mpf) -> float:
    difference = abs(x - y)
    if difference == 0:
        return math.inf
    return -float(mpmath.log10(difference / abs(y)))


def values_at(a: list[int], b: list[int], depths: list[int]) -> dict[int, mpmath.mpf]:
    return {c.depth: c.to_mpf() for c in convergents_at(a, b, sorted(set(depths)))}


def richardson(a: list[int], b: list[int], depth: int, points: int) -> tuple[mpmath.mpf, float]:
    """mpmath.richardson on x_2sj and on x_2sj+1 (j = 1..2N+1, per parity, spacing s); it
    uses the last N+1 of each, so its nodes are those of accelerated_limit with α = 1."""
    count = 2 * points + 1
    step = (depth - 1) // (2 * count)
    x = values_at(a, b, [2 * step * j + p for j in range(1, count + 1) for p in (0, 1)])
    # richardson takes seq[i] to be the i-th term: a placeholder at 0 keeps j aligned
    # (without it, N=24 gives 40 digits on Brouncker at depth 2048 instead of 67)
    pad = [mpmath.mpf(0)]
    even, _ = mpmath.richardson(pad + [x[2 * step * j] for j in range(1, count + 1)])
    odd, _ = mpmath.richardson(pad + [x[2 * step * j + 1] for j in range(1, count + 1)])
    return (even + odd) / 2, digits_between(even, odd)


def shanks(a: list[int], b: list[int], depth: int, points: int) -> tuple[mpmath.mpf, float]:
    """Wynn's epsilon (mpmath.shanks) on the last 2N+1 consecutive convergents; estimates
    sit on every other row of its table, so the claim compares the last two of those."""
    x = values_at(a, b, list(range(depth - 2 * points, depth + 1)))
    table = mpmath.shanks([x[n] for n in sorted(x)])
    return table[-1][-1], digits_between(table[-1][-1], table[-3][-1])


def levin(a: list[int], b: list[int], terms: int) -> tuple[mpmath.mpf, float]:
    """Levin's u transform (mpmath.levin) on x_2, x_4, ..., x_2N and on x_1, x_3, ...
    (on the whole alternating sequence it gains almost nothing: 4 to 6 digits)."""
    x = values_at(a, b, list(range(1, 2 * terms + 2)))
    estimates = []
    for parity in (0, 1):
        transform = mpmath.levin(method="levin", variant="u")
        value, _ = transform.update_psum([x[2 * n + parity] for n in range(1, terms + 1)])
        estimates.append(value)
    even, odd = estimates
    return (even + odd) / 2, digits_between(even, odd)


def timed(call: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


def compare_methods(depths: list[int], dps: int) -> None:
    print(f"Part 1: methods compared at {dps} digits (true = against the closed form)")
    print(f"  {'method':46s} {'depth':>6s} {'claimed':>8s} {'true':>7s} {'seconds':>8s}")
    accelerated_limit([2], [1, -4, 4], 256, 30)  # compile the leaf kernel outside timing
    for name, (a, b, closed) in TARGETS.items():
        print(f" {name}")
        with mpmath.workdps(dps + 50):
            truth = +closed()
        for depth in depths:
            rows: list[tuple[str, float, object, float]] = []
            with mpmath.workdps(dps):
                x, seconds = timed(lambda a=a, b=b, d=depth: values_at(a, b, [d - 1, d]))
                rows.append(("exact convergent x_D", math.nan, x[depth], seconds))
                rows.append(
                    ("mean of x_D-1 and x_D", math.nan, (x[depth] + x[depth - 1]) / 2, seconds)
                )
            for points in (24, 48):
                # richardson's weights reach about 10^(0.8 N): give it that much more
                with mpmath.workdps(dps + points):
                    (value, claim), seconds = timed(
                        lambda a=a, b=b, d=depth, p=points: richardson(a, b, d, p)
                    )
                label = f"mpmath.richardson N={points}, +{points} digits"
                rows.append((label, claim, value, seconds))
            with mpmath.workdps(dps):
                (value, claim), seconds = timed(lambda a=a, b=b, d=depth: shanks(a, b, d, 20))
            rows.append(("mpmath.shanks, 41 consecutive", claim, value, seconds))
            for points in (24, None):
                label = f"accelerated_limit, {points or 'default'} nodes"
                result, seconds = timed(
                    lambda a=a, b=b, d=depth, p=points: accelerated_limit(a, b, d, dps, points=p)
                )
                if result is None:
                    rows.append((label + " (None)", math.nan, None, seconds))
                else:
                    rows.append((label, result.digits, result.value, seconds))
            with mpmath.workdps(dps + 50):
                for label, claim, value, seconds in rows:
                    true = math.nan if value is None else digits_between(value, truth)
                    print(f"  {label:46s} {depth:6d} {claim:8.1f} {true:7.1f} {seconds:8.3f}")
        for terms in (40, 80, 120):
            with mpmath.workdps(3 * dps):  # levin cancels heavily: mpmath's advice
                (value, claim), seconds = timed(lambda a=a, b=b, t=terms: levin(a, b, t))
                true = digits_between(value, truth)
            label = f"mpmath.levin u, x_1..x_{2 * terms + 1}, 3x digits"
            print(f"  {label:46s} {2 * terms + 1:6d} {claim:8.1f} {true:7.1f} {seconds:8.3f}")


def slow_space() -> list[tuple[list[int], list[int]]]:
    spec = load_spec(str(EXAMPLE))

    def span(c: int | list[int]) -> range:
        return range(c, c + 1) if isinstance(c, int) else range(c[0], c[1] + 1)

    a_space = itertools.product(*(span(c) for c in spec.a))
    b_space = list(itertools.product(*(span(c) for c in spec.b)))
    return [(list(a), list(b)) for a in a_space for b in b_space]


def sweep(depth: int, dps: int, check: bool, want: float | None) -> None:
    space = slow_space()
    how = f"doubling from 1024 until {want} digits, at most" if want else "at"
    print(f"\nPart 2: examples/slow.yaml, {len(space)} PCFs, {how} depth {depth}, {dps} digits")
    accelerated_limit([2], [1, -4, 4], depth, dps)  # JIT compiled outside timing

    def estimate(a: list[int], b: list[int]) -> object:
        if want is None:
            return accelerated_limit(a, b, depth, dps)
        return accelerated_value(a, b, digits=want, max_depth=depth, dps=dps)

    results, seconds = [], []
    for a, b in space:
        result, spent = timed(lambda a=a, b=b: estimate(a, b))
        results.append(result)
        seconds.append(spent)
    found = [r for r in results if r is not None]
    digits = sorted(r.digits for r in found)
    slow = sum(converges_slowly(a, b) for a, b in space)
    print(f"  converges_slowly: {slow} of {len(space)}")
    print(
        f"  seconds per PCF: mean {statistics.fmean(seconds):.3f}, "
        f"median {statistics.median(seconds):.3f}, max {max(seconds):.3f}; "
        f"total {sum(seconds):.1f} s on one core"
    )
    exact = sum(r.method == "exact" for r in found)
    print(
        f"  estimates: {len(found)} ({exact} terminating, exact); none: {len(space) - len(found)}"
    )
    if digits:
        quartiles = statistics.quantiles(digits, n=4)
        print(
            f"  digits: min {digits[0]:.1f}, quartiles "
            + ", ".join(f"{q:.1f}" for q in quartiles)
            + f", max {digits[-1]:.1f}; >= 30: {sum(d >= 30 for d in digits)}"
        )
    if not check:
        return
    over, compared, worst = 0, 0, math.inf
    for (a, b), result in zip(space, results, strict=True):
        if result is None:
            continue
        reference = accelerated_limit(a, b, 4 * depth, dps + 40)
        if reference is None or reference.digits < result.digits + 3:
            continue  # the reference is no better: it cannot judge this claim
        compared += 1
        with mpmath.workdps(dps + 40):
            true = digits_between(result.value, reference.value)
        worst = min(worst, true - result.digits)
        over += true < result.digits
    print(
        f"  check against depth {4 * depth}, {dps + 40} digits: {compared} claims judged, "
        f"{over} above their agreement; smallest margin {worst:.1f} digits"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--depths", default="2048,8192,32768")
    parser.add_argument("--dps", type=int, default=120)
    parser.add_argument("--space-depth", type=int, default=8192)
    parser.add_argument("--space-dps", type=int, default=60)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--want", type=float, help="accelerated_value: stop at these digits")
    parser.add_argument("--skip-methods", action="store_true")
    parser.add_argument("--skip-space", action="store_true")
    args = parser.parse_args()
    if not args.skip_methods:
        compare_methods([int(d) for d in args.depths.split(",")], args.dps)
    if not args.skip_space:
        sweep(args.space_depth, args.space_dps, args.check, args.want)


if __name__ == "__main__":
    main()
