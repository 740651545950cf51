"""What a study catalog found, by family, as markdown for docs/study/README.md.

Reads a catalog written by `make study` and prints: the families by constant and
novelty (non-trivial ones), and every verified family whose representative has a
constant a(n) and a quadratic b(n) (the slowly converging class where the published
search found its Gauss, lemniscate, π and ln 2 formulas), with digits, method and δ.

    .venv/bin/python tests/benchmarks/study_findings.py --catalog DIR
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import polars as pl

from conjectura.catalog import queries
from conjectura.catalog.store import Catalog
from conjectura.schemas.tables import TableKind

CONSTANTS = ["gauss", "lemniscate", "pi", "log2", "e", "zeta3", "catalan", "sqrt2", "sqrt5"]


def constants_of(formula: str) -> list[str]:
    """The constants named on the value side of ``formula`` ("PCF(...) = value")."""
    value = formula.split(" = ", 1)[1] if " = " in formula else formula
    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", value))
    return [c for c in CONSTANTS if c in names]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, required=True)
    args = parser.parse_args()
    catalog = Catalog(args.catalog)
    space = queries.latest_space(catalog)
    assert space is not None
    overview = queries.families_overview(catalog, space)
    methods = (
        catalog.scan(TableKind.CONJECTURES)
        .select("conjecture_id", "method", "detector")
        .unique("conjecture_id")
        .collect()
    )
    overview = overview.join(methods, on="conjecture_id", how="left").with_columns(
        constants=pl.col("formula").map_elements(
            lambda f: ", ".join(constants_of(f)) or "algebraic", return_dtype=pl.String
        ),
        constant_a=pl.col("rep_a_coeffs").list.len() == 1,
        quadratic_b=pl.col("rep_b_coeffs").list.len() == 3,
    )
    plain = overview.filter(pl.col("trivial").is_null())
    by_constant = (
        plain.group_by("constants", "novelty")
        .agg(families=pl.len(), members=pl.col("members").sum())
        .sort("constants", "novelty")
    )
    print("| constants | novelty | families | member PCFs |\n|---|---|---:|---:|")
    for row in by_constant.iter_rows(named=True):
        print(f"| {row['constants']} | {row['novelty']} | {row['families']} | {row['members']} |")
    slow = plain.filter(
        pl.col("constant_a") & pl.col("quadratic_b") & (pl.col("status") == "verified")
    ).sort("constants", "novelty", "digits", descending=[False, False, True])
    print(
        "\n| representative formula | members | digits | method | detector | δ | novelty |"
        " known as |\n|---|---:|---:|---|---|---:|---|---|"
    )
    for row in slow.iter_rows(named=True):
        delta = f"{row['delta']:.3f}" if row["delta"] is not None else ""
        print(
            f"| {row['formula']} | {row['members']} | {row['digits']:.1f} | {row['method']} |"
            f" {row['detector']} | {delta} | {row['novelty']} | {row['known'] or ''} |"
        )
    summary = {
        "families": overview.height,
        "non_trivial": plain.height,
        "by_novelty": dict(plain.group_by("novelty").len().iter_rows()),
        "constant_a_quadratic_b_verified": slow.height,
        "constant_a_quadratic_b_constants": sorted(
            {c for text in slow["constants"] for c in text.split(", ")}
        ),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
