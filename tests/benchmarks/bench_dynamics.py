"""Exact convergence-dynamics metrics per PCF: conjectura against ramanujantools.

Side by side, one core, on the same random converging degree-2 PCFs (coefficients in
[-5, 5]) at depth N = 2000:

- the same definitions on both sides: the limit p_N/q_N and the blind FR δ at N/2 (L from
  depth N). conjectura's `blind_delta` against ramanujantools' cheapest call for the pair,
  `limit([N/2, N])` then `delta` on the first with the second as L (one walk). The call
  this benchmark used before, `limit(N)` then `delta(N/2)`, walks twice; it is timed too.
- everything conjectura stores per PCF (`dynamics`: FR statistic and flag, both δs, the
  growth and convergence fits, from seven gcds and nine errors) on both sides: for
  ramanujantools, one walk `limit(depths)` at every sampled depth, its `as_rational` (the
  reduced convergent) for each gcd, its `delta` against L = p_N/q_N for each error, and
  the same least-squares fits (numpy here, written apart from conjectura's). Every
  metric of the two sides is compared, so both computed the same thing.
- for reference, conjectura's every metric against ramanujantools' limit + blind δ alone
  (more work on our side than on theirs).

Every timed PCF is walked from scratch on both sides (no mirror sharing). The δs of the
two sides are compared as they are timed.

    .venv/bin/python tests/benchmarks/bench_dynamics.py [--count 100]
"""

from __future__ import annotations

import argparse
import json
import random
import time

import mpmath
import numpy as np
import sympy
from ramanujantools.pcf import PCF

from conjectura.kernels.dynamics import blind_delta, dynamics
from conjectura.kernels.screen import screen_pcfs

DEPTH = 2000


def sample(count: int) -> list[tuple[list[int], list[int]]]:
    rng = random.Random(7)
    chosen = []
    while len(chosen) < count:
        a = [rng.randint(-5, 5) for _ in range(3)]
        b = [rng.randint(-5, 5) for _ in range(3)]
        if screen_pcfs(np.array([a]), np.array([b]), 1000)[0][0] == 0:
            chosen.append((a, b))
    return chosen


def per_pcf(function, items) -> tuple[float, list]:
    """Seconds per item and the results."""
    start = time.perf_counter()
    results = [function(item) for item in items]
    return (time.perf_counter() - start) / len(items), results


def their_blind_delta(pcf: PCF) -> float:
    at_half, at_n = pcf.limit([DEPTH // 2, DEPTH])
    return float(at_half.delta(at_n.as_float()))


def their_two_walks(pcf: PCF) -> float:
    pcf.limit(DEPTH)
    return float(pcf.delta(DEPTH // 2))


def their_metrics(pcf: PCF, a: list[int]) -> dict[str, float | bool] | None:
    """Every metric `dynamics` stores, from ramanujantools' walk and its Limit objects
    (definitions: shared field notes; depths restated here, not taken from conjectura);
    None where they do not exist (a fraction that terminates, a q̃ that does not grow)."""
    try:
        return _their_metrics(pcf, a)
    except ZeroDivisionError:
        return None


def _their_metrics(pcf: PCF, a: list[int]) -> dict[str, float | bool]:
    growth = sorted({6, DEPTH // 8, DEPTH // 4, DEPTH // 2, DEPTH})
    convergence = [DEPTH * k // 16 for k in range(1, 9)]
    fr_depths = [1200, 1400]
    depths = sorted({*growth, *convergence, *fr_depths})
    limits = dict(zip(depths, pcf.limit(depths), strict=True))
    limit = limits[DEPTH].as_float()
    log_q, log_q_reduced, log_error = {}, {}, {}
    for n in depths:
        at = limits[n]
        log_q[n] = float(mpmath.log(abs(int(at.q()))))
        log_q_reduced[n] = float(mpmath.log(abs(int(at.as_rational().q))))
        if n in convergence:
            log_error[n] = -(1 + float(at.delta(limit))) * log_q_reduced[n]
    degree_a = max([k for k, c in enumerate(a) if c] or [0])
    fr_values = [(log_q[n] - log_q_reduced[n]) / n + degree_a * (1 - np.log(n)) for n in fr_depths]
    half = DEPTH // 2

    def fit(columns: list[list[float]], values: list[float]) -> list[float]:
        return np.linalg.lstsq(np.array(columns), np.array(values), rcond=None)[0].tolist()

    growth_c, growth_d = fit(
        [[n, n * np.log(n)] for n in growth], [log_q_reduced[n] for n in growth]
    )
    if abs(growth_d) < 0.05:
        (growth_c,), growth_d = fit([[n] for n in growth], [log_q_reduced[n] for n in growth]), 0.0
    conv = fit(
        [[np.log(n), n, n * np.log(n)] for n in convergence], [log_error[n] for n in convergence]
    )
    return {
        "fr_statistic": fr_values[-1],
        "fr": abs(fr_values[-1] - fr_values[-2]) < 0.1,
        "delta_fr": -1 - log_error[half] / log_q_reduced[half],
        "delta_naive": -1 - log_error[half] / log_q[half],
        "growth_c": growth_c,
        "growth_d": growth_d,
        "convergence_b": conv[0],
        "convergence_c": conv[1],
        "convergence_d": conv[2],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100)
    args = parser.parse_args()
    pcfs = sample(args.count)
    n = sympy.Symbol("n")

    def objects() -> list[PCF]:  # fresh objects: ramanujantools caches walks per object
        return [
            PCF(sum(c * n**k for k, c in enumerate(a)), sum(c * n**k for k, c in enumerate(b)))
            for a, b in pcfs
        ]

    dynamics(*pcfs[0], DEPTH), their_blind_delta(objects()[0])  # imports, numba, caches
    ours_all, _ = per_pcf(lambda p: dynamics(*p, DEPTH), pcfs)
    ours_blind, blind = per_pcf(lambda p: blind_delta(*p, DEPTH), pcfs)
    theirs, their_deltas = per_pcf(their_blind_delta, objects())
    theirs_two, _ = per_pcf(their_two_walks, objects())
    their_all, their_rows = per_pcf(
        lambda item: their_metrics(*item), list(zip(objects(), [a for a, _ in pcfs], strict=True))
    )
    ours_rows = [dynamics(*p, DEPTH) for p in pcfs]
    worst: dict[str, float] = {}
    for ours, row in zip(ours_rows, their_rows, strict=True):
        assert (row is None) == (ours.reason is not None), (ours, row)
        if row is None:
            continue
        for name, value in row.items():
            difference = abs(float(getattr(ours, name)) - float(value))
            worst[name] = max(worst.get(name, 0.0), difference)
    pairs = zip(blind, their_deltas, strict=True)
    compared = [abs(ours.delta_fr - d) for ours, d in pairs if ours.delta_fr is not None]

    print(f"{len(pcfs)} converging degree-2 PCFs, depth {DEPTH}, one core, ms per PCF")
    print(f"  conjectura blind_delta (limit + blind FR δ)      : {ours_blind * 1e3:7.2f}")
    print(f"  conjectura dynamics (every stored metric)        : {ours_all * 1e3:7.2f}")
    print(f"  ramanujantools limit([N/2, N]) + delta (one walk) : {theirs * 1e3:7.2f}")
    print(f"  ramanujantools limit(N) + delta(N/2) (two walks)  : {theirs_two * 1e3:7.2f}")
    print(f"  ramanujantools every stored metric (one walk)     : {their_all * 1e3:7.2f}")
    print(f"  same definitions, limit + blind δ   : {theirs / ours_blind:6.1f}x")
    print(f"  same definitions, every metric      : {their_all / ours_all:6.1f}x")
    print(f"  our every metric against their limit + blind δ : {theirs / ours_all:6.1f}x")
    print(
        "  max |ours − theirs| per metric: " + ", ".join(f"{k} {v:.1e}" for k, v in worst.items())
    )
    print(f"  max |δ ours − δ theirs| over {len(compared)} PCFs: {max(compared):.1e}")
    summary = {
        "pcfs": len(pcfs),
        "depth": DEPTH,
        "ours_blind_delta_ms": round(ours_blind * 1e3, 3),
        "ours_dynamics_ms": round(ours_all * 1e3, 3),
        "theirs_one_walk_ms": round(theirs * 1e3, 2),
        "theirs_two_walks_ms": round(theirs_two * 1e3, 2),
        "theirs_every_metric_ms": round(their_all * 1e3, 2),
        "speedup_same_definitions": round(theirs / ours_blind, 1),
        "speedup_every_metric": round(their_all / ours_all, 1),
        "speedup_our_every_metric_against_their_delta": round(theirs / ours_all, 1),
        "max_delta_difference": max(compared),
        "max_metric_differences": worst,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
