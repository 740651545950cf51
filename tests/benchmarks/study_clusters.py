"""The study's bulk clusters: what they hold, in figures and pictures.

Reads a catalog written by `make study`, takes each plane's largest cluster, and prints
(as markdown) what it holds: the degrees of a(n) and b(n), the signs of their leading
coefficients, the eigenvalue regime, factorial reduction, the metrics inside against
outside, the grid cells it covers, and the constants of its identified members. Writes
one picture per plane: every PCF coloured by its degree class, beside the bulk alone.

    .venv/bin/python tests/benchmarks/study_clusters.py --catalog DIR [--out docs/study]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import polars as pl

from conjectura.catalog import queries
from conjectura.catalog.store import Catalog
from conjectura.kernels.clustering import PLANES, plane_name
from conjectura.schemas.tables import TableKind

METRICS = ["delta_fr", "growth_c", "growth_d", "convergence_c", "convergence_d"]


def pcf_frame(catalog: Catalog, space: str) -> pl.DataFrame:
    """Every PCF with metrics, with its degree class and eigenvalue regime."""
    frame = (
        catalog.scan(TableKind.PCF)
        .filter((pl.col("space") == space) & pl.col("delta_fr").is_not_null())
        .select("id", "a_coeffs", "b_coeffs", "fr", "eigen_ratio", "eigen_complex", *METRICS)
        .collect()
    )
    return frame.with_columns(
        deg_a=pl.col("a_coeffs").list.len() - 1,
        deg_b=pl.col("b_coeffs").list.len() - 1,
        sign_a=pl.col("a_coeffs").list.last().sign(),
        sign_b=pl.col("b_coeffs").list.last().sign(),
        regime=pl.when(pl.col("eigen_complex"))
        .then(pl.lit("complex eigenvalues"))
        .when(pl.col("eigen_ratio").is_infinite())
        .then(pl.lit("deg b < 2 deg a (factorial)"))
        .otherwise(pl.lit("finite ratio (exponential or slower)")),
    ).with_columns(
        degrees=pl.format("deg a {}, deg b {}", "deg_a", "deg_b"),
    )


def shares(frame: pl.DataFrame, column: str, top: int = 6) -> list[tuple[str, int, float]]:
    counted = frame.group_by(column).len().sort("len", descending=True).head(top)
    return [(str(k), int(n), n / frame.height) for k, n in counted.iter_rows()]


def describe(
    plane: tuple[str, str],
    pcfs: pl.DataFrame,
    clusters: pl.DataFrame,
    labels: dict[int, str],
    grid: float,
) -> dict:
    name = plane_name(plane)
    in_plane = clusters.filter(pl.col("plane") == name).sort("size", descending=True)
    bulk_row = in_plane.row(0, named=True)
    members = pl.DataFrame({"id": bulk_row["members"]}, schema={"id": pl.Int64})
    inside = pcfs.join(members, on="id", how="semi")
    outside = pcfs.join(members, on="id", how="anti")

    def cells(frame: pl.DataFrame) -> int:
        return (
            frame.select(
                (pl.col(plane[1]) / grid).floor().cast(pl.Int64).alias("x"),
                (pl.col(plane[0]) / grid).floor().cast(pl.Int64).alias("y"),
            )
            .unique()
            .height
        )

    identified = [labels[m] for m in bulk_row["members"] if m in labels]
    return {
        "plane": name,
        "clusters": in_plane.height,
        "bulk": {
            "number": bulk_row["number"],
            "size": bulk_row["size"],
            "label": bulk_row["label"],
        },
        "second_largest": in_plane.row(1, named=True)["size"] if in_plane.height > 1 else None,
        "share_of_plane": inside.height / pcfs.height,
        "cells": {"bulk": cells(inside), "plane": cells(pcfs)},
        "degrees": shares(inside, "degrees"),
        "degrees_outside": shares(outside, "degrees"),
        "signs": shares(inside.with_columns(s=pl.format("a {} b {}", "sign_a", "sign_b")), "s"),
        "regime": shares(inside, "regime"),
        "fr_share": float(inside["fr"].mean()),
        "identified": {c: identified.count(c) for c in sorted(set(identified))},
        "metrics": {
            m: {
                "inside": np.percentile(inside[m].to_numpy(), [5, 50, 95]).round(3).tolist(),
                "outside": np.percentile(outside[m].to_numpy(), [5, 50, 95]).round(3).tolist()
                if outside.height
                else None,
            }
            for m in METRICS
        },
    }


def picture(plane: tuple[str, str], pcfs: pl.DataFrame, bulk_members: list[int], out: Path) -> Path:
    classes = pcfs.group_by("degrees").len().sort("len", descending=True)["degrees"].to_list()
    colours = dict(zip(classes, plt.get_cmap("tab10").colors, strict=False))
    members = pl.DataFrame({"id": bulk_members}, schema={"id": pl.Int64})
    bulk = pcfs.join(members, on="id", how="semi")
    figure, panels = plt.subplots(1, 2, figsize=(13, 5.5), dpi=110, sharex=True, sharey=True)
    for axes, frame, title in (
        (panels[0], pcfs, f"every PCF with metrics ({pcfs.height:,})"),
        (panels[1], bulk, f"the largest cluster alone ({bulk.height:,})"),
    ):
        for degrees in classes[:10]:
            part = frame.filter(pl.col("degrees") == degrees)
            if part.height:
                axes.scatter(
                    part[plane[1]],
                    part[plane[0]],
                    s=0.3,
                    color=colours[degrees],
                    label=f"{degrees} ({part.height:,})",
                    rasterized=True,
                )
        axes.set_xlabel(plane[1])
        axes.set_title(title, fontsize=10)
        axes.grid(alpha=0.3)
        axes.legend(fontsize=7, markerscale=12, loc="best")
    panels[0].set_ylabel(plane[0])
    figure.suptitle(f"{plane_name(plane)}: coloured by the degrees of a(n) and b(n)")
    path = out / f"bulk-{plane_name(plane).replace('~', '-vs-')}.png"
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("docs/study"))
    parser.add_argument("--grid", type=float, default=0.001)
    args = parser.parse_args()
    catalog = Catalog(args.catalog)
    space = queries.latest_space(catalog)
    assert space is not None
    pcfs = pcf_frame(catalog, space)
    clusters = queries.space_clusters(catalog, space)
    labels = queries.lookup_constants(catalog, space)
    args.out.mkdir(parents=True, exist_ok=True)
    found = []
    for plane in PLANES:
        summary = describe(plane, pcfs, clusters, labels, args.grid)
        biggest = clusters.filter(pl.col("plane") == plane_name(plane)).sort(
            "size", descending=True
        )
        summary["picture"] = str(picture(plane, pcfs, biggest["members"][0].to_list(), args.out))
        print(json.dumps(summary), flush=True)
        found.append(summary)
    print(json.dumps({"space": space, "pcfs": pcfs.height, "planes": found}))


if __name__ == "__main__":
    main()
