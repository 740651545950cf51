"""Matrix-field trajectories per second per core: conjectura against ramanujantools.

Side by side, one core, the same trajectories of the e, pi and zeta3 fields (every
primitive direction in a box, from one start) at the same depth N. Each trajectory on
each side: its trajectory matrix, the walk to N, the limit p_N/q_N and the blind FR δ at
N/2 (ramanujantools: `CMF.limit(trajectory, [N/2, N], start)` then `delta`, its cheapest
call for the pair; a fresh CMF object per field, so nothing is cached from an earlier
pass). Trajectories singular on either side are left out of both. The δs are compared.

    .venv/bin/python tests/benchmarks/bench_cmf.py [--depth 2000] [--box 2]
"""

from __future__ import annotations

import argparse
import json
import time

import sympy
from ramanujantools.cmf import known_cmfs

from conjectura.kernels.cmf import TrajectoryLimit, trajectory_matrix, trajectory_metrics
from conjectura.kernels.fields import library_field
from conjectura.schemas.spec import parse_spec

FIELDS = {"e": known_cmfs.e, "pi": known_cmfs.pi, "zeta3": known_cmfs.zeta3}
START = (1, 1)


def directions(box: int) -> list[tuple[int, ...]]:
    spec = parse_spec(
        f"name: b\nfamily: cmf\ncmf: e\ndirections: {{box: {box}}}\nstart: [1, 1]\n"
        "constants: [e]\n",
        source="bench",
    )
    return spec.planned_directions()


def ours(name: str, direction: tuple[int, ...], depth: int) -> float | None:
    matrix = trajectory_matrix(library_field(name), direction, START)
    if matrix.singular_before(depth + 1) is not None:
        return None
    return trajectory_metrics(TrajectoryLimit(matrix), depth).delta_fr


def theirs(field, name: str, direction: tuple[int, ...], depth: int) -> float | None:
    x, y = sympy.symbols("x y")
    try:
        half, full = field.limit(
            {x: direction[0], y: direction[1]}, [depth // 2, depth], {x: START[0], y: START[1]}
        )
        return float(half.delta(full.as_float()))
    except (ZeroDivisionError, ValueError):
        return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--depth", type=int, default=2000)
    parser.add_argument("--box", type=int, default=2)
    args = parser.parse_args()
    chosen = [(name, d) for name in FIELDS for d in directions(args.box)]
    # warm both sides up (imports, compiled fields, numba), then decide what both can walk
    for name in FIELDS:
        ours(name, (1, 1), 64)
        theirs(FIELDS[name](), name, (1, 1), 64)
    fields = {name: FIELDS[name]() for name in FIELDS}
    walkable = [
        (name, d)
        for name, d in chosen
        if ours(name, d, 64) is not None and theirs(fields[name], name, d, 64) is not None
    ]

    start = time.process_time()
    our_deltas = [ours(name, d, args.depth) for name, d in walkable]
    our_seconds = time.process_time() - start
    fields = {name: FIELDS[name]() for name in FIELDS}  # fresh: no cached trajectory matrices
    start = time.process_time()
    their_deltas = [theirs(fields[name], name, d, args.depth) for name, d in walkable]
    their_seconds = time.process_time() - start

    compared = [
        abs(a - b) for a, b in zip(our_deltas, their_deltas, strict=True) if None not in (a, b)
    ]
    count = len(walkable)
    print(
        f"{count} trajectories of e, pi, zeta3 (box {args.box}, start {START}), depth "
        f"{args.depth}, one core ({len(chosen) - count} singular on a side, left out)"
    )
    print(f"  conjectura     : {our_seconds / count * 1e3:8.2f} ms, {count / our_seconds:8.2f} /s")
    print(
        f"  ramanujantools : {their_seconds / count * 1e3:8.2f} ms, {count / their_seconds:8.2f} /s"
    )
    print(f"  ratio          : {their_seconds / our_seconds:6.1f}x")
    print(f"  max |δ ours − δ theirs| over {len(compared)}: {max(compared):.1e}")
    print(
        json.dumps(
            {
                "trajectories": count,
                "depth": args.depth,
                "ours_ms": round(our_seconds / count * 1e3, 3),
                "theirs_ms": round(their_seconds / count * 1e3, 3),
                "ours_per_second": round(count / our_seconds, 2),
                "theirs_per_second": round(count / their_seconds, 2),
                "speedup": round(their_seconds / our_seconds, 1),
                "max_delta_difference": max(compared),
            }
        )
    )


if __name__ == "__main__":
    main()
