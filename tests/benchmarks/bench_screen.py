"""Screening throughput at depth 1000 on the default space, in PCF/s per core.

Side by side in one run: conjectura's kernel and a plain float64 walk (one PCF at a
time, renormalised), on the same rows. Then both cores at once, one process each.

    .venv/bin/python tests/benchmarks/bench_screen.py [--repeat 8]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time

import numpy as np
from numba import njit

from conjectura.kernels.screen import screen_pcfs
from conjectura.kernels.space import coefficients_at

DEPTH = 1000


@njit(cache=True, error_model="numpy")
def plain_walk(a: np.ndarray, b: np.ndarray, depth: int) -> np.ndarray:
    """The textbook loop: per PCF, p and q by the recurrence, rescaled when large."""
    out = np.empty(a.shape[0])
    for i in range(a.shape[0]):
        p0, q0, p1, q1 = 1.0, 0.0, float(a[i, 0]), 1.0
        for n in range(1, depth + 1):
            x = float(n)
            an = a[i, 0] + a[i, 1] * x
            bn = b[i, 0] + x * (b[i, 1] + x * b[i, 2])
            p0, p1 = p1, an * p1 + bn * p0
            q0, q1 = q1, an * q1 + bn * q0
            if abs(p1) > 1e150 or abs(q1) > 1e150:
                p0 *= 1e-150
                p1 *= 1e-150
                q0 *= 1e-150
                q1 *= 1e-150
        out[i] = p1 / q1
    return out


def default_space(repeat: int) -> tuple[np.ndarray, np.ndarray]:
    rows = np.tile(coefficients_at([(-4, 4)] * 5, 0, 9**5), (repeat, 1))
    return rows[:, :2].copy(), rows[:, 2:].copy()


def rate(function, a: np.ndarray, b: np.ndarray) -> float:
    function(a[:64], b[:64], DEPTH)  # compile (or load from cache) outside the timing
    start = time.perf_counter()
    function(a, b, DEPTH)
    return a.shape[0] / (time.perf_counter() - start)


def _worker(repeat: int) -> float:
    return rate(screen_pcfs, *default_space(repeat))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=8, help="copies of the 59,049-PCF space")
    args = parser.parse_args()
    a, b = default_space(args.repeat)
    print(f"default space x{args.repeat}: {a.shape[0]:,} PCFs, depth {DEPTH}")
    kernel = rate(screen_pcfs, a, b)
    plain = rate(plain_walk, a, b)
    print(f"  conjectura screen_pcfs, 1 core : {kernel:12,.0f} PCF/s")
    print(f"  plain float64 walk,     1 core : {plain:12,.0f} PCF/s")
    print(f"  ratio                          : {kernel / plain:12.2f}x")
    cores = mp.cpu_count()
    with mp.get_context("spawn").Pool(cores) as pool:
        rates = pool.map(_worker, [args.repeat] * cores)
    print(
        f"  screen_pcfs, {cores} processes at once: {sum(rates):,.0f} PCF/s in all, "
        f"{sum(rates) / cores:,.0f} PCF/s per core"
    )


if __name__ == "__main__":
    main()
