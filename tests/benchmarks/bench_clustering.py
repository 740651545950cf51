"""HDBSCAN on the study's planes: scikit-learn's exact kd-tree path against fast_hdbscan
(numba, Borůvka; what the pipeline runs, kernels.clustering) and hdbscan (boruvka_kdtree
with the exact spanning tree; the `bench` extra), side by side.

For each plane of a catalog's space (the published study's, written by `make study`):
the cell means at the grid asked for, clustered by each implementation with aligned
parameters (scikit-learn counts a point in its own min_samples, the other two do not:
scikit-learn's 5 is their 4), the adjusted Rand index (ARI) of each against scikit-learn's
kd-tree labels (over cells, and over PCFs: each cell weighted by its points), the number of
clusters and the seconds each took. scikit-learn is skipped above --sklearn-max-cells (its
tree is built with Prim's algorithm, quadratic in the cells).

    .venv/bin/python tests/benchmarks/bench_clustering.py --catalog DIR [--grid 0.003 0.001]
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.cluster import HDBSCAN as SklearnHDBSCAN
from sklearn.metrics import adjusted_rand_score

from conjectura.catalog import queries
from conjectura.catalog.store import Catalog
from conjectura.kernels import clustering
from conjectura.kernels.clustering import PLANES, plane_name

warnings.filterwarnings("ignore")


def cells_of(points: np.ndarray, cell: float) -> tuple[np.ndarray, np.ndarray]:
    """Cell means (one row per occupied cell) and how many points each holds."""
    keys = np.floor(points / cell).astype(np.int64)
    _, inverse, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    means = np.column_stack([np.bincount(inverse, weights=points[:, j]) / counts for j in range(2)])
    return means, counts


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


def sklearn_labels(cells: np.ndarray, size: int) -> np.ndarray:
    return SklearnHDBSCAN(min_cluster_size=size, algorithm="kd_tree", copy=True).fit_predict(cells)


def fast_labels(cells: np.ndarray, size: int) -> np.ndarray:
    """fast_hdbscan as the pipeline calls it (kernels.clustering)."""
    return clustering.hdbscan_labels(cells, size)


def hdbscan_labels(cells: np.ndarray, size: int) -> np.ndarray:
    import hdbscan

    return hdbscan.HDBSCAN(
        min_cluster_size=size,
        min_samples=size - 1,
        algorithm="boruvka_kdtree",
        approx_min_span_tree=False,
        core_dist_n_jobs=1,
    ).fit_predict(cells)


def weighted_ari(reference: np.ndarray, labels: np.ndarray, counts: np.ndarray) -> float:
    return float(adjusted_rand_score(np.repeat(reference, counts), np.repeat(labels, counts)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--catalog", type=Path, required=True)
    parser.add_argument("--grid", type=float, nargs="+", default=[0.003])
    parser.add_argument("--min-cluster-size", type=int, default=5)
    parser.add_argument("--sklearn-max-cells", type=int, default=250_000)
    args = parser.parse_args()
    catalog = Catalog(args.catalog)
    space = queries.latest_space(catalog)
    assert space is not None
    size = args.min_cluster_size
    fast_labels(np.random.default_rng(0).normal(size=(100, 2)), size)  # numba warm-up
    results = []
    for plane in PLANES:
        frame = queries.space_metrics(catalog, space, plane)
        points = np.column_stack([frame[plane[1]].to_numpy(), frame[plane[0]].to_numpy()])
        points = points[np.isfinite(points).all(axis=1)]
        for grid in args.grid:
            cells, counts = cells_of(points, grid)
            row = {"plane": plane_name(plane), "grid": grid, "cells": int(cells.shape[0])}
            fast, row["fast_hdbscan_s"] = timed(fast_labels, cells, size)
            other, row["hdbscan_s"] = timed(hdbscan_labels, cells, size)
            row["clusters_fast_hdbscan"] = int(fast.max() + 1)
            row["clusters_hdbscan"] = int(other.max() + 1)
            if cells.shape[0] <= args.sklearn_max_cells:
                reference, row["sklearn_kd_tree_s"] = timed(sklearn_labels, cells, size)
                row["clusters_sklearn"] = int(reference.max() + 1)
                for name, labels in (("fast_hdbscan", fast), ("hdbscan", other)):
                    row[f"ari_cells_{name}"] = round(adjusted_rand_score(reference, labels), 5)
                    row[f"ari_pcfs_{name}"] = round(weighted_ari(reference, labels, counts), 5)
            row = {k: round(v, 2) if k.endswith("_s") else v for k, v in row.items()}
            print(row, flush=True)
            results.append(row)
    print(json.dumps({"catalog": str(args.catalog), "space": space, "planes": results}))


if __name__ == "__main__":
    main()
