"""flows.plots: cluster-plane and convergence pictures written as PNG files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from conjectura.flows.plots import PLANE_COLUMNS, cluster_planes, convergence

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
METRICS = ["convergence_c", "convergence_d", "delta_fr", "growth_c", "growth_d"]


def is_png(path: Path) -> bool:
    return path.is_file() and path.read_bytes()[:8] == PNG_SIGNATURE and path.stat().st_size > 1000


@pytest.fixture
def points() -> pl.DataFrame:
    rng = np.random.default_rng(3)
    frame = {"id": list(range(40))}
    for name in METRICS:
        frame[name] = np.concatenate([rng.normal(0, 0.1, 20), rng.normal(2, 0.1, 20)]).tolist()
    return pl.DataFrame(frame)


@pytest.fixture
def clusters() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "plane": ["delta_fr~growth_c", "delta_fr~growth_c", "delta_fr~convergence_d"],
            "number": [0, 1, 0],
            "size": [20, 20, 40],
            "members": [list(range(20)), list(range(20, 40)), list(range(40))],
            "label": ["pi", None, "log2"],
        }
    )


def test_the_planes_draw_the_dynamics_metrics() -> None:
    assert PLANE_COLUMNS == METRICS


def test_one_png_per_plane(points, clusters, tmp_path: Path) -> None:
    out = tmp_path / "nested" / "plots"
    written = cluster_planes(points, clusters, "space-abc", out)
    assert len(written) == 4
    assert len(set(written)) == 4
    assert all(path.parent == out for path in written)
    assert all(is_png(path) for path in written)
    assert {path.name for path in written} == {
        "clusters-delta_fr-vs-growth_c.png",
        "clusters-delta_fr-vs-growth_d.png",
        "clusters-delta_fr-vs-convergence_c.png",
        "clusters-delta_fr-vs-convergence_d.png",
    }
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)


def test_a_plane_without_clusters_is_still_drawn(points, tmp_path: Path) -> None:
    no_clusters = pl.DataFrame(
        {"plane": [], "number": [], "size": [], "members": [], "label": []},
        schema={
            "plane": pl.String,
            "number": pl.Int32,
            "size": pl.Int64,
            "members": pl.List(pl.Int64),
            "label": pl.String,
        },
    )
    written = cluster_planes(points, no_clusters, "s", tmp_path)
    assert len(written) == 4 and all(is_png(p) for p in written)


def test_no_points_is_an_error_naming_the_space(clusters, tmp_path: Path) -> None:
    empty = pl.DataFrame(schema={"id": pl.Int64, **{name: pl.Float64 for name in METRICS}})
    with pytest.raises(ValueError, match="space-xyz"):
        cluster_planes(empty, clusters, "space-xyz", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_convergence_curve(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "curve.png"
    written = convergence([1, 2], [0, 0, 1], 60, target)
    assert written == target
    assert is_png(target)
