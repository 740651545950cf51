"""Compile every numba kernel once, so its machine code lands in numba's on-disk cache.

`make` runs this after installing: otherwise the first run of a fresh install compiles
the kernels in every worker at once (seconds of CPU and hundreds of MB each, HDBSCAN's
most of all). The calls use the argument types the pipeline uses, so their cache entries
are the ones it loads.

    python -m conjectura.kernels.warmup
"""

from __future__ import annotations

import time

import numpy as np


def compile_kernels() -> dict[str, float]:
    """Call each kernel on a tiny input; seconds per kernel (compiling or loading)."""
    from conjectura.kernels.clustering import hdbscan_labels
    from conjectura.kernels.dynamics import dynamics
    from conjectura.kernels.esma import PRIME, berlekamp_massey
    from conjectura.kernels.screen import screen_pcfs

    seconds = {}
    calls = {
        "screen": lambda: screen_pcfs(np.array([[1, 2, 0]]), np.array([[0, 0, 1]]), 64),
        "exact walk leaves": lambda: dynamics([1, 2, 0], [0, 0, 1], 400),
        "hdbscan": lambda: hdbscan_labels(np.random.default_rng(0).normal(size=(300, 2)), 5),
        "berlekamp-massey": lambda: berlekamp_massey(
            np.array([1, 1, 2, 3, 5, 8, 13, 21], np.int64), PRIME
        ),
    }
    for name, call in calls.items():
        start = time.perf_counter()
        call()
        seconds[name] = round(time.perf_counter() - start, 2)
    return seconds


if __name__ == "__main__":
    print("numba kernels compiled and cached:", compile_kernels())
