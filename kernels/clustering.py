"""Clustering PCFs by convergence dynamics (field notes, "Clustering by convergence dynamics").

Per plane (FR δ against one of the fits): down-sample to one point per grid cell, run
HDBSCAN on the cells, then give every PCF the label of the nearest labelled cell within
the spreading radius (others stay noise, -1).

HDBSCAN is fast_hdbscan's: exact Borůvka over a kd-tree in numba, quasi-linear in the
cells, where scikit-learn's builds its spanning tree with Prim's algorithm, quadratic (the
study's growth plane has 408,561 cells at the published grid 0.001). Its ``min_samples``
does not count the point itself, scikit-learn's does: scikit-learn's default for a
minimum cluster size m is min_samples = m, which is fast_hdbscan's m − 1, the value used
here, so the clusters are scikit-learn's (adjusted Rand index against scikit-learn's
kd-tree path in docs/study/README.md). It runs on one numba thread, where its labels are
the same on every call, so a retried task writes the same clusters.

A cell is represented by the mean of its points, not its centre. Centres sit on a lattice,
where most mutual-reachability distances tie, and HDBSCAN's condensed tree then depends on
the order ties are broken: on three windows of the 1.77M study's growth plane,
scikit-learn's own kd-tree and brute-force runs agreed to adjusted Rand indices of
0.13-0.999 on centres, and 0.9997-1.0 on means.
"""

from __future__ import annotations

import numba
import numpy as np
from fast_hdbscan import HDBSCAN
from sklearn.neighbors import NearestNeighbors

PLANES: tuple[tuple[str, str], ...] = (
    ("delta_fr", "growth_c"),
    ("delta_fr", "growth_d"),
    ("delta_fr", "convergence_c"),
    ("delta_fr", "convergence_d"),
)


def plane_name(plane: tuple[str, str]) -> str:
    return f"{plane[0]}~{plane[1]}"


def cluster_plane(
    x: np.ndarray,
    y: np.ndarray,
    *,
    cell: float,
    min_cluster_size: int,
    spread_radius: float,
) -> np.ndarray:
    """HDBSCAN labels (-1: noise) for the points (x, y); NaN points are noise."""
    labels = np.full(x.shape[0], -1, dtype=np.int64)
    finite = np.isfinite(x) & np.isfinite(y)
    points = np.column_stack([x[finite], y[finite]])
    if points.shape[0] < min_cluster_size:
        return labels
    representatives = cell_representatives(points, cell)
    if representatives.shape[0] < min_cluster_size:
        return labels
    cell_labels = hdbscan_labels(representatives, min_cluster_size)
    labelled = cell_labels >= 0
    if not labelled.any():
        return labels
    neighbours = NearestNeighbors(n_neighbors=1).fit(representatives[labelled])
    distance, index = neighbours.kneighbors(points)
    spread = np.where(distance[:, 0] <= spread_radius, cell_labels[labelled][index[:, 0]], -1)
    labels[np.flatnonzero(finite)] = spread
    return labels


def hdbscan_labels(points: np.ndarray, min_cluster_size: int) -> np.ndarray:
    """HDBSCAN labels (-1: noise) of ``points`` with scikit-learn's default min_samples.

    On one numba thread: with two, even ``reproducible=True`` moved 37 to 84 of the
    study's 408,584 growth-plane cells between identical calls; on one, none (and the
    planes run side by side on the workers anyway)."""
    model = HDBSCAN(
        min_cluster_size=min_cluster_size, min_samples=min_cluster_size - 1, reproducible=True
    )
    threads = numba.get_num_threads()
    numba.set_num_threads(1)  # this thread's parallel regions only
    try:
        return np.asarray(model.fit_predict(points), dtype=np.int64)
    finally:
        numba.set_num_threads(threads)


def cell_representatives(points: np.ndarray, cell: float) -> np.ndarray:
    """The mean of the points in each occupied grid cell of side ``cell``, one row per
    cell, in the order of the cells' integer coordinates."""
    # One int64 key per cell, x-major like the pair (x, y): np.unique over rows of a 2-D
    # array costs about 2.5 times the memory (160 MB on a 1.5M-point study plane).
    kx = np.floor(points[:, 0] / cell).astype(np.int64)
    ky = np.floor(points[:, 1] / cell).astype(np.int64)
    kx -= kx.min()
    ky -= ky.min()
    span = int(ky.max()) + 1
    if int(kx.max()) < np.iinfo(np.int64).max // span:
        _, cell_of_point = np.unique(kx * span + ky, return_inverse=True)
    else:  # coordinates too far apart for one key: rows of (x, y)
        keys = np.column_stack([kx, ky])
        _, cell_of_point = np.unique(keys, axis=0, return_inverse=True)
    cell_of_point = cell_of_point.ravel()  # numpy 2 keeps the axis on return_inverse
    counts = np.bincount(cell_of_point)
    return np.column_stack(
        [np.bincount(cell_of_point, weights=points[:, j]) / counts for j in range(2)]
    )
