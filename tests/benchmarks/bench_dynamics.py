"""Exact convergence-dynamics metrics per PCF: conjectura against ramanujantools.

Side by side on the same random converging degree-2 PCFs (coefficients in [-5, 5]),
depth N = 2000: conjectura's `dynamics` (FR, blind δ at N/2, all fits) against the
published library's `limit(N)` + blind `delta(N/2)`, one core each.

    .venv/bin/python tests/benchmarks/bench_dynamics.py [--count 100]
"""

from __future__ import annotations

import argparse
import random
import time

import numpy as np
import sympy
from ramanujantools.pcf import PCF

from conjectura.kernels.dynamics import dynamics
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100)
    args = parser.parse_args()
    pcfs = sample(args.count)
    n = sympy.Symbol("n")

    start = time.perf_counter()
    for a, b in pcfs:
        dynamics(a, b, DEPTH)
    ours = (time.perf_counter() - start) / len(pcfs)

    objects = [
        PCF(sum(c * n**k for k, c in enumerate(a)), sum(c * n**k for k, c in enumerate(b)))
        for a, b in pcfs
    ]
    start = time.perf_counter()
    for pcf in objects:
        pcf.limit(DEPTH)
        pcf.delta(DEPTH // 2)
    theirs = (time.perf_counter() - start) / len(pcfs)

    print(f"{len(pcfs)} converging degree-2 PCFs, depth {DEPTH}, one core")
    print(f"  conjectura dynamics (all metrics)      : {ours * 1e3:8.1f} ms/PCF")
    print(f"  ramanujantools limit + blind delta     : {theirs * 1e3:8.1f} ms/PCF")
    print(f"  speed-up                              : {theirs / ours:8.1f}x")


if __name__ == "__main__":
    main()
