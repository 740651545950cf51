"""Family detection: its time on a real run's conjectures, and its share of the run.

Two catalogs, each written by a real `conjectura run` (a subprocess, as a user runs it):
the default spec (59,049 PCFs) and a larger space (a and b coefficients in [-7, 7]:
759,375 PCFs) for a catalog of more than 1,000 conjectures. For each: the run's wall time,
then the families stage alone on the same conjectures (what the find-families task does,
timed here in one process: reading, the stage, annotating and committing are separate
figures), with the pairs it tried and what it found. On the default run's conjectures the
stage also runs with certificates of degree 1 to 6 (the default is 4): what each finds and
costs (the reason for the default); --sweep-large sweeps the larger catalog too.

    .venv/bin/python tests/benchmarks/bench_families.py [--workdir DIR] [--only default]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from conjectura.catalog import queries
from conjectura.catalog.store import Catalog
from conjectura.flows.stages import families
from conjectura.kernels.formulas import load_library
from conjectura.schemas.tables import FAMILIES, ConjectureKind, TableKind

LARGE = """name: bench-families
family: pcf
a: [[-7, 7], [-7, 7]]
b: [[-7, 7], [-7, 7], [-7, 7]]
depth: 1000
constants: [pi, e, log2, zeta3, catalan, sqrt2, sqrt5]
"""


def run_search(spec: Path | None, catalog: Path) -> float:
    command = [sys.executable, "-m", "conjectura.flows.cli", "run"]
    command += [str(spec)] if spec else []
    command += ["--catalog", str(catalog), "--no-progress"]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, text=True)
    return time.perf_counter() - started


def time_stage(catalog_root: Path) -> dict:
    catalog = Catalog(catalog_root)
    space = queries.latest_space(catalog)
    assert space is not None
    started = time.perf_counter()
    conjectures = queries.space_pcf_conjectures(catalog, space)
    deltas = dict(zip(conjectures["pcf_id"], conjectures["delta_fr"], strict=True))
    library = load_library()
    read = time.perf_counter() - started
    started = time.perf_counter()
    found = families.family_rows(conjectures, deltas, library, "bench")
    stage = time.perf_counter() - started
    started = time.perf_counter()
    annotations = found.annotations.with_columns(space=pl.lit(space))
    partition = {"kind": ConjectureKind.PCF_LIMIT.value}
    catalog.annotate(TableKind.CONJECTURES, partition, annotations, on=["space", "conjecture_id"])
    columns = {name: [r.get(name) for r in found.rows] for name in FAMILIES.schema.names}
    catalog.commit(TableKind.FAMILIES, columns, partition={}, key=space)
    write = time.perf_counter() - started
    notes = found.annotations.unique("family_id")
    return {
        "conjectures": conjectures.height,
        "families": notes.height,
        "pairs_tried": found.pairs_tried,
        "new": int((notes["novelty"] == "new").sum()),
        "known_constant_new_pcf": int((notes["novelty"] == "known-constant-new-pcf").sum()),
        "known": int((notes["novelty"] == "known").sum()),
        "trivial": int(notes["trivial"].is_not_null().sum()),
        "read_s": round(read, 2),
        "stage_s": round(stage, 2),
        "write_s": round(write, 2),
    }


def degree_sweep(catalog_root: Path, degrees: tuple[int, ...] = (1, 2, 3, 4, 5, 6)) -> dict:
    catalog = Catalog(catalog_root)
    space = queries.latest_space(catalog)
    assert space is not None
    conjectures = queries.space_pcf_conjectures(catalog, space)
    deltas = dict(zip(conjectures["pcf_id"], conjectures["delta_fr"], strict=True))
    library = load_library()
    families.family_rows(conjectures, deltas, library, "warm-up")  # δ walks cached
    sweep = {}
    for degree in degrees:
        started = time.perf_counter()
        found = families.family_rows(conjectures, deltas, library, "bench", max_degree=degree)
        elapsed = time.perf_counter() - started
        notes = found.annotations.unique("family_id")
        sweep[f"degree_{degree}"] = {
            "families": notes.height,
            "known": int((notes["novelty"] == "known").sum()),
            "pairs_tried": found.pairs_tried,
            "stage_s": round(elapsed, 2),
        }
    return sweep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--only", choices=["default", "large"])
    parser.add_argument("--sweep-large", action="store_true", help="degree sweep on large too")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-families-"))
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "large.yaml").write_text(LARGE)
    results = {}
    for name, spec in (("default", None), ("large", workdir / "large.yaml")):
        if args.only and name != args.only:
            continue
        catalog = workdir / f"catalog-{name}"
        wall = run_search(spec, catalog)
        figures = time_stage(catalog)
        # the run already includes one families stage: its share is the stage over the run
        share = (figures["read_s"] + figures["stage_s"] + figures["write_s"]) / wall
        results[name] = {"run_wall_s": round(wall, 1), **figures, "share_of_run": round(share, 3)}
        print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in results[name].items()), flush=True)
        if name == "default" or args.sweep_large:
            results[f"degrees_{name}"] = degree_sweep(catalog)
            print(f"{name} by degree (δ walks cached): {results[f'degrees_{name}']}", flush=True)
    print(json.dumps({"workdir": str(workdir), **results}))


if __name__ == "__main__":
    main()
