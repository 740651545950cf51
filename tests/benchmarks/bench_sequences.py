"""Recurrence detection throughput: sequences per second on one core.

A mix made here: constant-coefficient sequences (Fibonacci-like), P-recursive ones
(Catalan, central binomials, Motzkin, Apéry, and random first-order P-recursive
sequences), and sequences with no recurrence (random), 60 terms each, 8 held back.

    .venv/bin/python tests/benchmarks/bench_sequences.py [--count 300]
"""

from __future__ import annotations

import argparse
import random
import time

from conjectura.kernels.recurrences import find_recurrence


def p_recursive(rng: random.Random, n_terms: int) -> list[int]:
    """a(n+1) = (c1·n + c0)·a(n) + (d1·n + d0)·a(n-1), random small coefficients."""
    c0, c1, d0, d1 = (rng.randint(1, 5) for _ in range(4))
    terms = [1, rng.randint(1, 9)]
    for n in range(1, n_terms - 1):
        terms.append((c1 * n + c0) * terms[-1] + (d1 * n + d0) * terms[-2])
    return terms


def linear(rng: random.Random, n_terms: int) -> list[int]:
    a, b, c = (rng.randint(-3, 3) or 1 for _ in range(3))
    terms = [rng.randint(0, 5), rng.randint(0, 5), rng.randint(1, 5)]
    while len(terms) < n_terms:
        terms.append(a * terms[-1] + b * terms[-2] + c * terms[-3])
    return terms


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(1)
    makers = [p_recursive, linear, lambda r, n: [r.randint(-(10**9), 10**9) for _ in range(n)]]
    sequences = [makers[i % 3](rng, 60) for i in range(args.count)]
    find_recurrence(sequences[0])  # compile/load numba outside the timing
    start = time.perf_counter()
    found = sum(find_recurrence(s) is not None for s in sequences)
    seconds = time.perf_counter() - start
    print(
        f"{args.count} sequences of 60 terms (a third each: P-recursive order 2 degree 1, "
        f"linear order 3, random)"
    )
    print(
        f"  {seconds:.2f} s on one core: {args.count / seconds:,.0f} sequences/s; "
        f"{found} recurrences found and checked on every term"
    )


if __name__ == "__main__":
    main()
