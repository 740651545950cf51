import numpy as np
from sklearn.cluster import HDBSCAN
from sklearn.metrics import adjusted_rand_score

from conjectura.kernels.clustering import cell_representatives, cluster_plane, hdbscan_labels


def test_clustering_separates_blobs() -> None:
    rng = np.random.default_rng(5)
    blob_a = rng.normal([0.2, 1.0], 0.01, size=(80, 2))
    blob_b = rng.normal([-0.5, 3.0], 0.01, size=(60, 2))
    noise = rng.uniform([-3, -3], [3, 8], size=(6, 2))
    points = np.vstack([blob_a, blob_b, noise, [[np.nan, 1.0]]])
    labels = cluster_plane(
        points[:, 1], points[:, 0], cell=0.001, min_cluster_size=5, spread_radius=0.01
    )
    assert len(set(labels[:80])) == 1 and len(set(labels[80:140])) == 1
    assert labels[0] != labels[80] and labels[0] >= 0 and labels[80] >= 0
    assert labels[-1] == -1  # a point without metrics is noise


def test_cell_representatives_are_the_means_of_their_cells() -> None:
    points = np.array([[0.01, 0.02], [0.03, 0.08], [0.25, 0.05], [-0.05, 0.01], [0.29, 0.01]])
    representatives = cell_representatives(points, 0.1)
    # cells (-1, 0), (0, 0), (2, 0), in that order
    expected = np.array([[-0.05, 0.01], [0.02, 0.05], [0.27, 0.03]])
    np.testing.assert_allclose(representatives, expected)


def test_cell_representatives_make_hdbscan_independent_of_tie_breaking() -> None:
    # Dense overlapping blobs on a fine grid: cell centres would sit on a lattice where
    # distances tie, and the partition would depend on the MST algorithm's tie order.
    rng = np.random.default_rng(11)
    points = np.vstack(
        [
            rng.normal([0.0, 0.0], [0.3, 0.05], size=(6000, 2)),
            rng.normal([0.4, 0.15], [0.2, 0.05], size=(4000, 2)),
            rng.normal([-0.6, -0.2], [0.1, 0.1], size=(3000, 2)),
        ]
    )
    representatives = cell_representatives(points, 0.01)
    by_tree = HDBSCAN(min_cluster_size=5, algorithm="kd_tree", copy=True).fit_predict(
        representatives
    )
    by_brute = HDBSCAN(min_cluster_size=5, algorithm="brute", copy=True).fit_predict(
        representatives
    )
    assert adjusted_rand_score(by_tree, by_brute) == 1.0


def _overlapping_blobs(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.vstack(
        [
            rng.normal([0.0, 0.0], [0.3, 0.05], size=(6000, 2)),
            rng.normal([0.4, 0.15], [0.2, 0.05], size=(4000, 2)),
            rng.normal([-0.6, -0.2], [0.1, 0.1], size=(3000, 2)),
            rng.uniform([-2.0, -1.0], [2.0, 1.0], size=(500, 2)),
        ]
    )


def test_fast_hdbscan_with_aligned_min_samples_matches_scikit_learn() -> None:
    # fast_hdbscan's min_samples leaves the point itself out: m − 1 there is scikit-learn's m.
    representatives = cell_representatives(_overlapping_blobs(11), 0.01)
    reference = HDBSCAN(min_cluster_size=5, algorithm="kd_tree", copy=True).fit_predict(
        representatives
    )
    labels = hdbscan_labels(representatives, 5)
    assert adjusted_rand_score(reference, labels) >= 0.999
    # unaligned (the point counted twice over), the partition moves measurably
    unaligned = HDBSCAN(
        min_cluster_size=5, min_samples=6, algorithm="kd_tree", copy=True
    ).fit_predict(representatives)
    assert adjusted_rand_score(reference, unaligned) < adjusted_rand_score(reference, labels)


def test_fast_hdbscan_labels_are_reproducible() -> None:
    representatives = cell_representatives(_overlapping_blobs(12), 0.005)
    first = hdbscan_labels(representatives, 5)
    assert np.array_equal(first, hdbscan_labels(representatives, 5))
    assert first.max() >= 1  # more than one cluster: the comparison means something
