"""Exact convergence-dynamics metrics per PCF: conjectura against ramanujantools.

Side by side, one core, on the same random converging degree-2 PCFs (coefficients in
[-5, 5]) at depth N = 2000:

- the same definitions on both sides: the limit p_N/q_N and the blind FR δ at N/2 (L from
  depth N). conjectura's `blind_delta` against ramanujantools' cheapest call for the pair,
  `limit([N/2, N])` then `delta` on the first with the second as L (one walk). The call
  this benchmark used before, `limit(N)` then `delta(N/2)`, walks twice; it is timed too.
- everything conjectura stores per PCF (`dynamics`: FR statistic and flag, both δs, the
  growth and convergence fits, seven gcds), against the same ramanujantools call.

Every timed PCF is walked from scratch on both sides (no mirror sharing). The δs of the
two sides are compared as they are timed.

    .venv/bin/python tests/benchmarks/bench_dynamics.py [--count 100]
"""

from __future__ import annotations

import argparse
import json
import random
import time

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
    pairs = zip(blind, their_deltas, strict=True)
    compared = [abs(ours.delta_fr - d) for ours, d in pairs if ours.delta_fr is not None]

    print(f"{len(pcfs)} converging degree-2 PCFs, depth {DEPTH}, one core, ms per PCF")
    print(f"  conjectura blind_delta (limit + blind FR δ)      : {ours_blind * 1e3:7.2f}")
    print(f"  conjectura dynamics (every stored metric)        : {ours_all * 1e3:7.2f}")
    print(f"  ramanujantools limit([N/2, N]) + delta (one walk) : {theirs * 1e3:7.2f}")
    print(f"  ramanujantools limit(N) + delta(N/2) (two walks)  : {theirs_two * 1e3:7.2f}")
    print(f"  same definitions (limit + blind δ)  : {theirs / ours_blind:6.1f}x")
    print(f"  all metrics against limit + blind δ : {theirs / ours_all:6.1f}x")
    print(f"  max |δ ours − δ theirs| over {len(compared)} PCFs: {max(compared):.1e}")
    summary = {
        "pcfs": len(pcfs),
        "depth": DEPTH,
        "ours_blind_delta_ms": round(ours_blind * 1e3, 3),
        "ours_dynamics_ms": round(ours_all * 1e3, 3),
        "theirs_one_walk_ms": round(theirs * 1e3, 2),
        "theirs_two_walks_ms": round(theirs_two * 1e3, 2),
        "speedup_same_definitions": round(theirs / ours_blind, 1),
        "speedup_all_metrics": round(theirs / ours_all, 1),
        "max_delta_difference": max(compared),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
