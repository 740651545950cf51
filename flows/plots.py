"""Pictures people would rather look at: cluster planes and convergence curves (PNG)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt
import polars as pl

from conjectura.kernels.clustering import PLANES, plane_name
from conjectura.kernels.dynamics import error_curve
from conjectura.schemas.printing import pcf_text

PLANE_COLUMNS = sorted({column for plane in PLANES for column in plane})
"""The metric columns the cluster planes draw."""


def cluster_planes(
    points: pl.DataFrame, clusters: pl.DataFrame, space: str, out: Path
) -> list[Path]:
    """One PNG per plane: every PCF with metrics (``points``: id and the planes' metric
    columns), coloured by its cluster (rows of the clusters table), labels named."""
    if points.is_empty():
        raise ValueError(f"space {space} has no convergence-dynamics metrics to plot")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for plane in PLANES:
        name = plane_name(plane)
        figure, axes = plt.subplots(figsize=(8, 6), dpi=110)
        axes.scatter(points[plane[1]], points[plane[0]], s=4, c="#c8c8c8", label="noise")
        in_plane = clusters.filter(pl.col("plane") == name).sort("size", descending=True)
        colours = plt.get_cmap("tab20")
        for index, row in enumerate(in_plane.iter_rows(named=True)):
            members = points.filter(pl.col("id").is_in(row["members"]))
            text = f"#{row['number']} ({row['size']})" + (
                f" {row['label']}" if row["label"] else ""
            )
            axes.scatter(
                members[plane[1]],
                members[plane[0]],
                s=7,
                color=colours(index % 20),
                label=text if index < 12 else None,
            )
        axes.set_xlabel(plane[1])
        axes.set_ylabel(plane[0])
        axes.set_title(f"{space}: {name}, {in_plane.height} clusters")
        axes.legend(fontsize=7, markerscale=2, loc="best")
        path = out / f"clusters-{name.replace('~', '-vs-')}.png"
        figure.tight_layout()
        figure.savefig(path)
        plt.close(figure)
        written.append(path)
    return written


def convergence(a: Sequence[int], b: Sequence[int], depth: int, out: Path) -> Path:
    """log10 |L − p_n/q_n| against n, L taken at depth 2N."""
    ns, errors = error_curve(a, b, depth)
    figure, axes = plt.subplots(figsize=(7, 4.5), dpi=110)
    axes.plot(ns, errors, lw=1.2)
    axes.set_xlabel("n")
    axes.set_ylabel("log10 |L - p_n/q_n|")
    axes.set_title(f"{pcf_text(a, b)}: convergence (L from depth {2 * depth})")
    axes.grid(alpha=0.3)
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(out)
    plt.close(figure)
    return out
