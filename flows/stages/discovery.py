"""Clustering by convergence dynamics, and cluster-led discovery: each unidentified member
of a labelled cluster tried by PSLQ against its cluster's constant."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import polars as pl
from sklearn.neighbors import NearestNeighbors

from conjectura.flows.stages.identify import pcf_conjecture_row
from conjectura.flows.stages.rows import Columns, Row
from conjectura.kernels.clustering import cluster_plane, plane_name
from conjectura.kernels.identify import discover_with_constant
from conjectura.schemas.spec import ClusterSettings, PcfSpec
from conjectura.schemas.tables import CLUSTERS

DISCOVERY_CHUNK = 200
"""Candidates per discovery task."""


def cluster_columns(
    plane: tuple[str, str],
    metrics: pl.DataFrame,
    lookup_constants: Mapping[int, str],
    settings: ClusterSettings,
) -> Columns:
    """The ``clusters`` rows of one plane: HDBSCAN over the PCFs' metrics (columns ``id``
    and the plane's two), each cluster labelled by the one constant its lookup-identified
    members point to."""
    labels = cluster_plane(
        metrics[plane[1]].to_numpy().astype(float, copy=False),  # no copy when float64
        metrics[plane[0]].to_numpy().astype(float, copy=False),
        cell=settings.grid_cell,
        min_cluster_size=settings.min_cluster_size,
        spread_radius=settings.spread_radius,
    )
    ids = metrics["id"].to_numpy()
    columns: Columns = {name: [] for name in CLUSTERS.schema.names}
    # members of every cluster from one sort (thousands of clusters at grid 0.001), kept
    # as int64 arrays: 1.5M Python ints would cost about 40 MB more per plane
    order = np.lexsort((ids, labels))
    members_in_order = ids[order]
    known = np.isin(members_in_order, np.fromiter(lookup_constants, np.int64))
    numbers, starts = np.unique(labels[order], return_index=True)
    ends = [*starts[1:].tolist(), len(order)]
    for number, start, end in zip(numbers.tolist(), starts.tolist(), ends, strict=True):
        if number == -1:
            continue
        members = members_in_order[start:end]
        identified = members[known[start:end]].tolist()
        constants = {lookup_constants[m] for m in identified}
        columns["cluster_id"].append(f"{plane_name(plane)}#{number}")
        columns["plane"].append(plane_name(plane))
        columns["number"].append(number)
        columns["members"].append(members)
        columns["size"].append(end - start)
        columns["identified"].append(len(identified))
        columns["label"].append(constants.pop() if len(constants) == 1 else None)
    return columns


def discovery_candidates(
    labelled: pl.DataFrame,
    lookup_constants: Mapping[int, str],
    settings: ClusterSettings,
    plane_points: Mapping[str, pl.DataFrame] | None = None,
) -> list[tuple[int, str]]:
    """(pcf id, constant) for the members of labelled clusters (frame with ``plane``,
    ``members`` and ``label``) that the lookup did not identify, sorted.

    A cluster above ``settings.discovery_max_size`` members is a plane's bulk: a whole
    degree class (docs/study/README.md), labelled by the few formulas the lookup found in
    it. Only its ``settings.discovery_sample`` unidentified members nearest, on the plane,
    to those identified ones are candidates; ``plane_points`` (plane name -> frame of id
    and the plane's two metrics) gives their positions.

    Derived from the lookup's conjectures only, so every discovery task sees the same list
    while discoveries are being committed."""
    pairs: set[tuple[int, str]] = set()
    for plane, members, label in labelled.select("plane", "members", "label").iter_rows():
        unidentified = [m for m in members if m not in lookup_constants]
        if len(members) > settings.discovery_max_size:
            if settings.discovery_sample == 0:
                continue
            if plane_points is None or plane not in plane_points:
                raise ValueError(f"a cluster of {len(members)} on {plane} needs its points")
            unidentified = nearest_to_identified(
                plane_points[plane],
                [m for m in members if m in lookup_constants],
                unidentified,
                settings.discovery_sample,
            )
        pairs.update((member, label) for member in unidentified)
    return sorted(pairs)


def nearest_to_identified(
    points: pl.DataFrame, identified: list[int], unidentified: list[int], count: int
) -> list[int]:
    """The ``count`` ids of ``unidentified`` nearest (Euclidean, on the plane of
    ``points``: columns id and two metrics) to any of ``identified``; ties go to the
    smaller id, so the choice is the same on every run."""
    if count == 0 or not identified or not unidentified:
        return []
    coordinates = [c for c in points.columns if c != "id"]

    def located(ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
        frame = pl.DataFrame({"id": ids}, schema={"id": pl.Int64}).join(points, on="id")
        return frame["id"].to_numpy(), frame.select(coordinates).to_numpy().astype(float)

    _, known = located(identified)
    ids, candidates = located(unidentified)
    distance, _ = NearestNeighbors(n_neighbors=1).fit(known).kneighbors(candidates)
    order = np.lexsort((ids, distance[:, 0]))[:count]
    return sorted(ids[order].tolist())


def discovery_chunks(candidates: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    return [
        candidates[start : start + DISCOVERY_CHUNK]
        for start in range(0, len(candidates), DISCOVERY_CHUNK)
    ]


def discovered_rows(
    spec: PcfSpec,
    candidates: list[tuple[int, str]],
    pcfs: pl.DataFrame,
    expansions: Mapping[str, str],
    run_id: str,
) -> list[Row]:
    """PSLQ each candidate (pcf id, constant) against its constant (and its product with
    pi when the spec allows); a relation borne out exactly becomes a conjecture.
    ``pcfs`` holds the candidates' rows (id, a_coeffs, b_coeffs). ``expansions`` (the
    catalog's constants) are not read: every check computes its constants to the precision
    it needs, past the catalog's digits when verify_digits asks for that."""
    assert spec.dynamics is not None and spec.dynamics.cluster is not None
    settings = spec.dynamics.cluster
    rows = {row["id"]: row for row in pcfs.iter_rows(named=True)}
    found = []
    for pcf, name in candidates:
        row = rows[pcf]
        names = [name]
        if settings.pi_products and "pi" in spec.constants and name != "pi":
            names.append(f"{name}*pi")
        identification = discover_with_constant(
            row["a_coeffs"],
            row["b_coeffs"],
            names,
            max_coeff=settings.discovery_max_coeff,
            search_digits=spec.identify.verify_digits,
            max_exact_depth=spec.identify.max_exact_depth,
        )
        if identification is not None:
            found.append(pcf_conjecture_row(spec, row, identification, run_id))
    return found
