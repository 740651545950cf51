"""The deep relation search: what it costs and what it needs, on one core.

1. LLL (python-flint) against PSLQ (mpmath) on one basis of 4, 6 and 8 elements at 50, 100
   and 200 digits, with a planted relation and with none (the usual case in a search:
   PSLQ then runs until its coefficient bound, the largest any relation with roi >= 2
   could have).
2. Time per limit for each basis kind at 100 digits, with 4 spec constants (pi, e, log2,
   zeta3) and with the default spec's 7, on limits with no relation (every basis tried).
3. False proposals on random limits by digits searched (the deep search's floor).
4. PCF(11n^2+11n+3, n^4) = 30/pi^2 with constants [pi] (examples/zeta2.yaml): the fewest
   digits of its exact limit the search needs, and the seconds it takes.

    .venv/bin/python tests/benchmarks/bench_relations.py [--samples 100] [--reps 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter
from fractions import Fraction

import mpmath

from conjectura.kernels.relations import BASIS_KINDS, RelationSearch

DPS = 450
DEFAULT_CONSTANTS = ("pi", "e", "log2", "zeta3", "catalan", "sqrt2", "sqrt5")


def constant_values(names) -> dict[str, mpmath.mpf]:
    table = {
        "pi": lambda: +mpmath.pi,
        "e": lambda: +mpmath.e,
        "log2": lambda: mpmath.log(2),
        "zeta3": lambda: mpmath.zeta(3),
        "catalan": lambda: +mpmath.catalan,
        "sqrt2": lambda: mpmath.sqrt(2),
        "sqrt5": lambda: mpmath.sqrt(5),
    }
    with mpmath.workdps(DPS):
        return {name: table[name]() for name in names}


def random_limits(count: int, seed: int) -> list[mpmath.mpf]:
    rng = random.Random(seed)
    with mpmath.workdps(DPS):
        return [mpmath.mpf(rng.randrange(10**400)) / 10 ** (399 + rng.randrange(2)) for _ in
                range(count)]  # fmt: skip


def timed(search: RelationSearch, limits, digits: float, reps: int = 1) -> tuple[float, list]:
    """Median seconds per limit (over reps), and what was found."""
    found = []
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        found = [search.find(limit, digits) for limit in limits]
        times.append((time.perf_counter() - start) / len(limits))
    return statistics.median(times), found


def single_basis_table(reps: int) -> None:
    """One basis of each size, both methods, planted relation and none."""
    pi_log2 = constant_values(["pi", "log2"])
    with mpmath.workdps(DPS):
        planted = (13 * pi_log2["pi"] + 7) / (5 * pi_log2["pi"] - 11)  # lies in all three
    cases = {
        4: {"constants": {"pi": pi_log2["pi"]}, "kinds": ("large",)},
        6: {"constants": pi_log2, "kinds": ("two_constants",), "square_pairs": False},
        8: {"constants": {"pi": pi_log2["pi"]}, "kinds": ("powers",), "pair_products": False},
    }
    none = random_limits(4, seed=11)
    print("1. one basis, seconds per search (median); planted = (13pi+7)/(5pi-11)")
    print(f"{'size':>4} {'digits':>6} | {'LLL planted':>12} {'LLL none':>10} | "
          f"{'PSLQ planted':>12} {'PSLQ none':>10} | PSLQ/LLL (none)")  # fmt: skip
    for size, options in cases.items():
        for digits in (50, 100, 200):
            row = {}
            for method in ("lll", "pslq"):
                search = RelationSearch(**options, method=method)
                assert len(search.bases(options["kinds"][0])) == 1
                assert len(search.bases(options["kinds"][0])[0]) == size
                t_planted, hit = timed(
                    search, [planted], digits, reps * (5 if method == "lll" else 1)
                )
                assert hit[0] is not None, (size, digits, method)
                t_none, _ = timed(search, none[: 2 if method == "pslq" else 4], digits, reps)
                row[method] = (t_planted, t_none)
            (lll_hit, lll_none), (pslq_hit, pslq_none) = row["lll"], row["pslq"]
            print(f"{size:>4} {digits:>6} | {lll_hit * 1e3:10.2f}ms {lll_none * 1e3:8.2f}ms | "
                  f"{pslq_hit * 1e3:10.1f}ms {pslq_none * 1e3:8.1f}ms | "
                  f"{pslq_none / lll_none:6.0f}x")  # fmt: skip


def per_kind_table(samples: int) -> None:
    limits = random_limits(samples, seed=23)
    print(f"\n2. time per limit at 100 digits, limits with no relation ({samples} limits)")
    for names in (DEFAULT_CONSTANTS[:4], DEFAULT_CONSTANTS):
        values = constant_values(names)
        start = time.perf_counter()
        RelationSearch(values)
        build = time.perf_counter() - start
        print(f"   constants {', '.join(names)} (bases built in {build * 1e3:.0f} ms)")
        total = 0.0
        for kind in BASIS_KINDS:
            search = RelationSearch(values, kinds=(kind,))
            seconds, found = timed(search, limits, 100)
            total += seconds
            proposals = sum(f is not None for f in found)
            print(f"     {kind:<14} {len(search.bases(kind)):3d} bases  {seconds * 1e3:7.1f} "
                  f"ms/limit  ({1 / seconds:6.1f} limits/s)  proposals: {proposals}")  # fmt: skip
        print(f"     {'all kinds':<14}             {total * 1e3:7.1f} ms/limit  "
              f"({1 / total:6.1f} limits/s per core)")  # fmt: skip


def false_proposals(samples: int) -> None:
    values = constant_values(DEFAULT_CONSTANTS)
    search = RelationSearch(values)
    limits = random_limits(samples, seed=37)
    print(f"\n3. proposals on {samples} random limits, default 7 constants, by digits searched")
    for digits in (10, 12, 15, 20, 30):
        seconds, found = timed(search, limits, digits)
        kinds = Counter(f.basis_kind for f in found if f is not None)
        print(f"   {digits:3d} digits: {sum(kinds.values()):3d} proposals {dict(kinds)}"
              f"  {seconds * 1e3:6.1f} ms/limit")  # fmt: skip


def zeta2_pcf(depth: int = 200) -> None:
    a = lambda n: 11 * n * n + 11 * n + 3  # noqa: E731
    b = lambda n: n**4  # noqa: E731
    p_prev, p, q_prev, q = 1, a(0), 0, 1
    for n in range(1, depth + 1):
        p_prev, p = p, a(n) * p + b(n) * p_prev
        q_prev, q = q, a(n) * q + b(n) * q_prev
    exact = Fraction(p, q)
    with mpmath.workdps(DPS):
        limit = mpmath.mpf(exact.numerator) / exact.denominator
        known = -mpmath.log10(abs(limit - 30 / mpmath.pi**2) / limit)
    print(f"\n4. PCF(11n^2+11n+3, n^4) at depth {depth}: {float(known):.0f} correct digits "
          "(against mpmath's 30/pi^2)")  # fmt: skip
    for label, names in (("[pi]", ["pi"]), ("default 7", DEFAULT_CONSTANTS)):
        search = RelationSearch(constant_values(names))
        first = None
        for digits in range(4, 61):
            found = search.find(limit, digits)
            if found is not None and found.coefficients == (30, 0, 0, -1) and first is None:
                first = digits
            if first is None and found is not None:
                print(f"   {label}: at {digits} digits a wrong proposal: {found.basis_kind} "
                      f"{found.basis} {found.coefficients}")  # fmt: skip
        for digits in sorted({first or 60, 30, 50, 100}):
            seconds, found = timed(search, [limit], digits, 5)
            what = f"{found[0].basis_kind} {found[0].coefficients}" if found[0] else "nothing"
            print(f"   constants {label}: {digits:3d} digits -> {what} "
                  f"in {seconds * 1e3:.1f} ms")  # fmt: skip
        print(f"   constants {label}: fewest digits that find 30/pi^2: {first}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    single_basis_table(args.reps)
    per_kind_table(max(10, args.samples // 5))
    false_proposals(args.samples)
    zeta2_pcf()


if __name__ == "__main__":
    main()
