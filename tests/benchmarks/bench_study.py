"""The published convergence-dynamics study, end to end, on this machine.

Runs `conjectura run examples/dynamics-study.yaml` (1,771,561 PCFs: screening, exact
metrics at N = 2000 for every converging PCF, identification, clustering at the
published grid, cluster-led discovery, families) in a fresh catalog, sampling the
resident memory of the whole process tree (flow, Dask workers, Prefect server) every
0.5 s. Then it reads the catalog back and prints the figures, and checks a random sample
of metric rows against ramanujantools (blind δ at N/2 and the limit at N, the same
definitions), timed apart from the study. The last line is one JSON object.

    make study STUDY_ARGS="--workdir DIR"
    .venv/bin/python tests/benchmarks/bench_study.py [--workdir DIR] [--spec SPEC] [--sample 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
import psutil

from conjectura.catalog import api, queries
from conjectura.catalog.store import Catalog
from conjectura.schemas.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]


def run_study(spec: Path, catalog: Path) -> tuple[float, dict[str, int]]:
    """Wall seconds and peak RSS in bytes: the tree's sum, and each role's own peak.

    The run writes its progress bars and summary to this terminal."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "conjectura.flows.cli", "run", str(spec), "--catalog", str(catalog)],
        env=environment,
        cwd=catalog.parent,
    )
    flow = psutil.Process(process.pid)
    peaks = {"total": 0, "flow": 0, "workers": 0, "server": 0}
    cpu: dict[int, tuple[str, float]] = {}  # pid -> (role, CPU seconds last seen)
    while process.poll() is None:
        try:
            usage = {"flow": flow.memory_info().rss, "workers": 0, "server": 0}
            cpu[flow.pid] = ("flow", sum(flow.cpu_times()[:2]))
            for child in flow.children(recursive=True):
                role = "server" if "server" in " ".join(child.cmdline()) else "workers"
                usage[role] += child.memory_info().rss
                cpu[child.pid] = (role, sum(child.cpu_times()[:2]))
        except psutil.Error:
            continue
        for role, value in usage.items():
            peaks[role] = max(peaks[role], value)
        peaks["total"] = max(peaks["total"], sum(usage.values()))
        time.sleep(0.5)
    if process.returncode != 0:
        raise SystemExit(f"the run failed with exit status {process.returncode}")
    for role, seconds in cpu.values():  # CPU seconds by role, as last seen (the last 0.5 s missed)
        peaks[f"cpu_s_{role}"] = peaks.get(f"cpu_s_{role}", 0) + int(seconds)
    return time.perf_counter() - start, peaks


def catalog_figures(catalog: Path, label: str) -> dict[str, int]:
    reader = api.open(catalog)
    pcf = reader.pcf().filter(pl.col("space") == label)
    counts = pcf.select(
        rows=pl.len(),
        converged=(pl.col("status") == "converged").sum(),
        terminating=pl.col("metrics_reason").str.contains("terminates").sum(),
        with_metrics=(pl.col("status") == "converged").and_(pl.col("delta_fr").is_not_null()).sum(),
        no_metrics_other=(
            (pl.col("status") == "converged")
            & pl.col("delta_fr").is_null()
            & ~pl.col("metrics_reason").fill_null("").str.contains("terminates")
        ).sum(),
    ).collect()
    conjectures = reader.conjectures().filter(pl.col("space") == label)
    identified = conjectures.select(
        conjectures=pl.len(),
        identified=pl.col("pcf_id").n_unique(),
        verified=(pl.col("status") == "verified").sum(),
        by_lookup=pl.col("detector").is_in(["mobius", "algebraic"]).sum(),
        by_deep=(pl.col("detector") == "deep").sum(),
        by_cluster=(pl.col("detector") == "cluster").sum(),
    ).collect()
    clusters = (
        reader.clusters()
        .filter(pl.col("space") == label)
        .select(clusters=pl.len(), labelled=pl.col("label").is_not_null().sum())
        .collect()
    )
    overview = queries.families_overview(Catalog(catalog), label)
    plain = overview.filter(pl.col("trivial").is_null())
    families = pl.DataFrame(
        {
            "families": [overview.height],
            "families_new": [plain.filter(pl.col("novelty") == "new").height],
            "families_known_constant_new_pcf": [
                plain.filter(pl.col("novelty") == "known-constant-new-pcf").height
            ],
            "families_known": [plain.filter(pl.col("novelty") == "known").height],
            "families_trivial": [overview.height - plain.height],
        }
    )
    return {
        k: int(v)
        for frame in (counts, identified, clusters, families)
        for k, v in frame.row(0, named=True).items()
    }


def oracle_sample(catalog: Path, label: str, depth: int, count: int, seed: int) -> dict[str, float]:
    """Largest |δ ours − δ theirs| and relative limit difference over ``count`` random rows."""
    import sympy
    from ramanujantools.pcf import PCF

    rows = (
        api.open(catalog)
        .pcf()
        .filter((pl.col("space") == label) & pl.col("delta_fr").is_not_null())
        .select("a_coeffs", "b_coeffs", "delta_fr", "limit", "digits")
        .collect()
    )
    chosen = random.Random(seed).sample(range(rows.height), min(count, rows.height))
    n = sympy.Symbol("n")
    worst_delta = worst_limit = 0.0
    limits_compared = 0
    for index in chosen:
        a, b, delta, limit, digits = rows.row(index)
        theirs = PCF(sum(c * n**k for k, c in enumerate(a)), sum(c * n**k for k, c in enumerate(b)))
        worst_delta = max(worst_delta, abs(delta - float(theirs.delta(depth // 2))))
        if (
            digits is not None and digits >= 8
        ):  # the screen's float limit, where it claims 8+ digits
            their_limit = float(theirs.limit(depth).as_float())
            worst_limit = max(worst_limit, abs(limit - their_limit) / max(1.0, abs(their_limit)))
            limits_compared += 1
    return {
        "compared": len(chosen),
        "worst_delta": worst_delta,
        "limits_compared": limits_compared,
        "worst_limit": worst_limit,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=ROOT / "examples/dynamics-study.yaml")
    parser.add_argument("--sample", type=int, default=1000, help="rows checked by ramanujantools")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--workdir", type=Path, help="keep the catalog here (default: a temp dir)")
    args = parser.parse_args()
    spec = load_spec(args.spec)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="conjectura-study-"))
    workdir.mkdir(parents=True, exist_ok=True)
    catalog = workdir / "catalog"

    wall, peaks = run_study(args.spec.resolve(), catalog)
    figures = catalog_figures(catalog, spec.label)
    gib = 2**30
    grid = spec.dynamics.cluster.grid_cell if spec.dynamics and spec.dynamics.cluster else None
    print(f"\nstudy {spec.label}: {spec.space_size:,} PCFs on {os.cpu_count()} cores")
    print(f"  wall time                 : {wall:8.0f} s ({wall / 60:.1f} min; target < 30 min)")
    print(f"  PCFs per second           : {spec.space_size / wall:8.0f} (whole pipeline)")
    print(
        f"  peak RSS, whole tree      : {peaks['total'] / gib:8.2f} GiB (target <= 2.5 GiB; flow "
        f"{peaks['flow'] / gib:.2f}, workers {peaks['workers'] / gib:.2f}, "
        f"server {peaks['server'] / gib:.2f})"
    )
    print(f"  screened converged        : {figures['converged']:8,} of {figures['rows']:,}")
    print(f"    terminating (b(k) = 0)  : {figures['terminating']:8,} (rational, no dynamics)")
    print(f"    converging with metrics : {figures['with_metrics']:8,} (published: 1,543,926)")
    print(f"    other, without metrics  : {figures['no_metrics_other']:8,}")
    print(
        f"  identified PCFs           : {figures['identified']:8,} "
        f"({figures['verified']:,} verified; lookup {figures['by_lookup']:,}, "
        f"cluster-led PSLQ {figures['by_cluster']:,}, deep search {figures['by_deep']:,})"
    )
    print(
        f"  clusters (grid {grid})    : {figures['clusters']:8,} ({figures['labelled']:,} labelled)"
    )
    print(
        f"  families                  : {figures['families']:8,} ({figures['families_new']} new, "
        f"{figures['families_known_constant_new_pcf']} new formulas for known constants, "
        f"{figures['families_known']} known, {figures['families_trivial']} trivial)"
    )
    summary = {
        "wall_s": round(wall, 1),
        "peak_rss_gib": round(peaks["total"] / gib, 3),
        "peak_rss_gib_by_role": {
            k: round(peaks[k] / gib, 3) for k in ("flow", "workers", "server")
        },
        "cpu_s_by_role": {k[6:]: v for k, v in peaks.items() if k.startswith("cpu_s_")},
        "cores": os.cpu_count(),
        "pcfs": spec.space_size,
        "grid_cell": grid,
        **figures,
        "catalog": str(catalog.resolve()),
    }
    if args.sample > 0:
        start = time.perf_counter()
        check = oracle_sample(catalog, spec.label, spec.dynamics.depth, args.sample, args.seed)
        oracle_s = time.perf_counter() - start
        print(
            f"  ramanujantools, {check['compared']} rows : max |Δδ| = {check['worst_delta']:.1e}, "
            f"max rel. Δlimit = {check['worst_limit']:.1e} over {check['limits_compared']} "
            f"limits ({oracle_s:.0f} s, not in the wall time; target 1e-6)"
        )
        summary["oracle"] = {**check, "seconds": round(oracle_s, 1)}
    print(f"  catalog                   : {catalog}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
