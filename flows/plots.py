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

NAMED_CLUSTERS = 12
"""The largest clusters of a plane drawn in their own colours and named in the legend."""

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
        in_plane = clusters.filter(pl.col("plane") == name).sort(
            ["size", "number"], descending=[True, False]
        )
        # one join, not one membership test per cluster: at grid 0.001 a plane has thousands
        ranks = (
            in_plane.with_row_index("rank")
            .select("rank", pl.col("members").alias("id"))
            .explode("id")
        )
        located = points.join(ranks, on="id", how="left")
        figure, axes = plt.subplots(figsize=(8, 6), dpi=110)
        noise = located.filter(pl.col("rank").is_null())
        axes.scatter(noise[plane[1]], noise[plane[0]], s=2, c="#c8c8c8", label="noise",
                     rasterized=True)  # fmt: skip
        rest = located.filter(pl.col("rank") >= NAMED_CLUSTERS)
        if rest.height:
            axes.scatter(rest[plane[1]], rest[plane[0]], s=3, c="#7f9fbf", rasterized=True,
                         label=f"{in_plane.height - NAMED_CLUSTERS} smaller clusters")  # fmt: skip
        colours = plt.get_cmap("tab20")
        for rank, row in enumerate(in_plane.head(NAMED_CLUSTERS).iter_rows(named=True)):
            members = located.filter(pl.col("rank") == rank)
            text = f"#{row['number']} ({row['size']:,})" + (
                f" {row['label']}" if row["label"] else ""
            )
            axes.scatter(members[plane[1]], members[plane[0]], s=4, color=colours(rank % 20),
                         label=text, rasterized=True)  # fmt: skip
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


def trajectory_maps(trajectories: pl.DataFrame, field: str):
    """A figure of a two-axis field's trajectories (rows of the trajectories table): FR δ
    and digits per step at each direction (d_x, d_y); singular directions crossed out,
    directions without a value hollow. None for fields with another number of axes."""
    if trajectories.is_empty() or len(trajectories["trajectory"][0]) != 2:
        return None
    figure, panels = plt.subplots(1, 2, figsize=(10, 4.4), dpi=100)
    x = [d[0] for d in trajectories["trajectory"]]
    y = [d[1] for d in trajectories["trajectory"]]
    singular = trajectories["status"].fill_null("") == "singular"
    for axes, column, title, colours in (
        (panels[0], "delta_fr", "FR δ (blind, at N/2)", "coolwarm"),
        (panels[1], "digits_per_step", "digits per step", "viridis"),
    ):
        values = trajectories[column]
        known = values.is_not_null() & ~singular
        xs = [v for v, k in zip(x, known, strict=True) if k]
        ys = [v for v, k in zip(y, known, strict=True) if k]
        if xs:
            drawn = axes.scatter(
                xs, ys, c=values.filter(known).to_list(), cmap=colours, s=140, edgecolors="k"
            )
            figure.colorbar(drawn, ax=axes, shrink=0.85)
        for xi, yi, missing, bad in zip(x, y, ~known, singular, strict=True):
            if bad:
                axes.scatter([xi], [yi], marker="x", color="crimson", s=80)
            elif missing:
                axes.scatter([xi], [yi], facecolors="none", edgecolors="grey", s=140)
        verified = trajectories["status"].fill_null("") == "verified"
        for xi, yi, good in zip(x, y, verified, strict=True):
            if good:
                axes.scatter([xi], [yi], marker="o", facecolors="none", edgecolors="k", s=300)
        axes.axhline(0, color="#bbb", lw=0.8)
        axes.axvline(0, color="#bbb", lw=0.8)
        axes.set_xlabel("step along axis 1")
        axes.set_ylabel("step along axis 2")
        axes.set_title(title, fontsize=10)
        axes.set_aspect("equal")
    figure.suptitle(
        f"field {field}: trajectories by direction (ringed: verified formula; x: singular)",
        fontsize=10,
    )
    figure.tight_layout()
    return figure
