"""The pipeline's stages as plain functions: kernels in, catalog files out.

Each stage takes a spec, a shard and a catalog root, commits its rows and returns a
small manifest (a dict of counts and paths, never a DataFrame). Prefect tasks wrap them
in :mod:`conjectura.flows.pipeline`; they run just as well from ``client.map`` on any
Dask cluster or from a notebook.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, datetime
from typing import Any

import mpmath
import numpy as np
import polars as pl

from conjectura.catalog.store import Catalog
from conjectura.flows.plan import Shard
from conjectura.kernels import constants as library
from conjectura.kernels.clustering import PLANES, cluster_plane, plane_name
from conjectura.kernels.dynamics import Dynamics, dynamics, mirrored
from conjectura.kernels.identify import (
    MobiusTable,
    discover_with_constant,
    identify_limit,
    mobius_table,
)
from conjectura.kernels.screen import CONVERGED, STATUS_NAMES, screen_pcfs
from conjectura.kernels.space import coefficients_at, pcf_id, pcf_text, trimmed
from conjectura.schemas.spec import PcfSpec, Spec
from conjectura.schemas.tables import CLUSTERS, CONJECTURES, CONSTANTS, DYNAMICS_FIELDS, PCF

Manifest = dict[str, Any]


def ensure_constants(spec: Spec, catalog: Catalog) -> list[str]:
    """Compute and commit every library constant the spec needs that the catalog lacks."""
    needed = sorted({f for name in spec.constants for f in library.factors(name)})
    present = set(catalog.constant_expansions())
    added = []
    for name in needed:
        if name in present:
            continue
        definition = library.LIBRARY[name]
        catalog.commit(
            CONSTANTS,
            {
                "name": [name],
                "expression": [definition.expression],
                "value": [library.decimal_expansion(name)],
                "digits": [library.LIBRARY_DIGITS],
                "source": [definition.source],
            },
            partition={},
            key=name,
        )
        added.append(name)
    return added


def screen_shard(spec: PcfSpec, shard: Shard, catalog_root: str) -> Manifest:
    """Enumerate the shard, walk it with the float64 kernel, commit its ``pcf`` rows."""
    rows = np.concatenate(
        [coefficients_at(spec.coefficient_ranges, start, stop) for start, stop in shard.ranges]
    )
    a_rows, b_rows = rows[:, : len(spec.a)], rows[:, len(spec.a) :]
    status, limit, digits = screen_pcfs(a_rows, b_rows, spec.depth)
    a_lists = [trimmed(r) for r in a_rows.tolist()]
    b_lists = [trimmed(r) for r in b_rows.tolist()]
    converged = status == CONVERGED
    columns = {
        "id": [pcf_id(a, b) for a, b in zip(a_lists, b_lists, strict=True)],
        "a_coeffs": a_lists,
        "b_coeffs": b_lists,
        "depth": [spec.depth] * len(a_lists),
        "status": [STATUS_NAMES[s] for s in status.tolist()],
        "limit": np.where(converged, limit, np.nan).tolist(),
        "digits": np.where(converged, digits, np.nan).tolist(),
        "shard": [shard.shard_id] * len(a_lists),
    }
    columns |= _dynamics_columns(spec, a_lists, b_lists, converged.tolist())
    path = Catalog(catalog_root).commit(
        PCF, columns, partition={"space": spec.label}, key=shard.shard_id
    )
    return {
        "shard": shard.shard_id,
        "pcfs": len(a_lists),
        "converged": int(converged.sum()),
        "path": str(path),
    }


def _dynamics_columns(
    spec: PcfSpec, a_lists: list[list[int]], b_lists: list[list[int]], converged: list[bool]
) -> dict[str, list]:
    """Exact convergence-dynamics metrics of the converged rows (all null if not asked).

    A PCF and its mirror PCF(−a, b) share their metrics, so each pair is walked once."""
    names = [f.name for f in DYNAMICS_FIELDS]
    columns: dict[str, list] = {name: [None] * len(a_lists) for name in names}
    if spec.dynamics is None:
        return columns
    walked: dict[tuple[tuple[int, ...], tuple[int, ...]], Dynamics] = {}
    for i, ok in enumerate(converged):
        if not ok:
            continue
        a, b = a_lists[i], b_lists[i]
        mirror = (tuple(-c for c in a), tuple(b))
        if mirror in walked:
            metrics = mirrored(walked[mirror], a, b)
        else:
            metrics = dynamics(a, b, spec.dynamics.depth)
            walked[(tuple(a), tuple(b))] = metrics
        row = metrics.as_row()
        row["metrics_depth"] = row.pop("depth")
        row["metrics_reason"] = row.pop("reason")
        for name in names:
            columns[name][i] = row[name]
    return columns


def identify_shard(spec: PcfSpec, shard: Shard, catalog_root: str, run_id: str) -> Manifest:
    """Identify the converged limits of one committed shard; commit its conjectures."""
    catalog = Catalog(catalog_root)
    settings = spec.identify
    screened = catalog.read_file(catalog.file_path(PCF, {"space": spec.label}, shard.shard_id))
    candidates = screened.filter(
        (pl.col("status") == "converged") & (pl.col("digits") >= settings.lookup_digits)
    )
    expansions = catalog.constant_expansions()
    table = _mobius_table(tuple(spec.constants), settings.mobius_bound, _frozen(expansions))
    found: list[dict[str, Any]] = []
    for row in candidates.iter_rows(named=True):
        identification = identify_limit(
            row["a_coeffs"],
            row["b_coeffs"],
            row["limit"],
            row["digits"],
            table=table,
            expansions=expansions,
            algebraic_degree=settings.algebraic_degree,
            algebraic_bound=settings.algebraic_bound,
            verify_digits=settings.verify_digits,
            max_exact_depth=settings.max_exact_depth,
        )
        if identification is not None:
            found.append(_conjecture_row(spec, row, identification, run_id))
    columns = {name: [r.get(name) for r in found] for name in CONJECTURES.schema.names}
    path = catalog.commit(
        CONJECTURES,
        columns,
        partition={"kind": "pcf_limit"},
        key=identify_key(spec, shard),
    )
    return {
        "shard": shard.shard_id,
        "looked_up": candidates.height,
        "conjectures": len(found),
        "verified": sum(r["status"] == "verified" for r in found),
        "path": str(path),
    }


def identify_key(spec: PcfSpec, shard: Shard) -> str:
    """The conjectures file of a shard: its space, the shard, and the identify settings."""
    return f"{spec.label}-{shard.shard_id}-{spec.spec_hash[:8]}"


def space_totals(spec: PcfSpec, catalog: Catalog) -> dict[str, int]:
    """Counts for the spec's space, read back from the catalog (true for resumed runs too)."""
    pcf = (
        catalog.scan(PCF)
        .filter(pl.col("space") == spec.label)
        .select(pcfs=pl.len(), converged=(pl.col("status") == "converged").sum())
        .collect()
    )
    conjectures = (
        catalog.scan(CONJECTURES)
        .filter((pl.col("space") == spec.label) & (pl.col("kind") == "pcf_limit"))
        .select(conjectures=pl.len(), verified=(pl.col("status") == "verified").sum())
        .collect()
    )
    return {name: int(frame[name][0]) for frame in (pcf, conjectures) for name in frame.columns}


DISCOVERY_CHUNK = 200


def cluster_plane_of_space(spec: PcfSpec, plane: tuple[str, str], catalog_root: str) -> Manifest:
    """Cluster the space's converging PCFs on one plane; label clusters by constant.

    Planes are independent, so each is its own task (the costly HDBSCAN runs side by side)
    and commits its own file."""
    assert spec.dynamics is not None and spec.dynamics.cluster is not None
    settings = spec.dynamics.cluster
    catalog = Catalog(catalog_root)
    metrics = (
        catalog.scan(PCF)
        .filter((pl.col("space") == spec.label) & pl.col("delta_fr").is_not_null())
        .select("id", *plane)
        .collect()
    )
    constant_of = _identified_constants(spec, catalog)
    rows: dict[str, list] = {name: [] for name in CLUSTERS.schema.names}
    labels = cluster_plane(
        metrics[plane[1]].to_numpy().astype(float),
        metrics[plane[0]].to_numpy().astype(float),
        cell=settings.grid_cell,
        min_cluster_size=settings.min_cluster_size,
        spread_radius=settings.spread_radius,
    )
    ids = metrics["id"].to_numpy()
    for number in sorted(set(labels.tolist()) - {-1}):
        members = sorted(ids[labels == number].tolist())
        constants = {constant_of[m] for m in members if m in constant_of}
        rows["cluster_id"].append(f"{plane_name(plane)}#{number}")
        rows["plane"].append(plane_name(plane))
        rows["number"].append(number)
        rows["members"].append(members)
        rows["size"].append(len(members))
        rows["identified"].append(sum(m in constant_of for m in members))
        rows["label"].append(constants.pop() if len(constants) == 1 else None)
    catalog.commit(CLUSTERS, rows, partition={"space": spec.label}, key=clusters_key(spec, plane))
    return {
        "plane": plane_name(plane),
        "clusters": len(rows["cluster_id"]),
        "labelled": sum(label is not None for label in rows["label"]),
    }


def discovery_chunks(spec: PcfSpec, catalog: Catalog) -> list[list[tuple[int, str]]]:
    """Once every plane is clustered: the candidates, cut into chunks of DISCOVERY_CHUNK.

    Computed once by the flow and handed to each chunk's task: reading the clusters
    table (millions of member ids at study scale) per chunk cost seconds each."""
    candidates = discovery_candidates(spec, catalog)
    return [
        candidates[start : start + DISCOVERY_CHUNK]
        for start in range(0, len(candidates), DISCOVERY_CHUNK)
    ]


def discovery_candidates(spec: PcfSpec, catalog: Catalog) -> list[tuple[int, str]]:
    """(pcf id, constant) for every unidentified member of a labelled cluster, sorted.

    Derived from the lookup's conjectures only, so every discovery task sees the same list
    while discoveries are being committed. Clusters above ``discovery_max_size`` are left
    out: on the 1.77M study the growth-c plane's bulk (1.44M PCFs) is labelled e by 44."""
    assert spec.dynamics is not None and spec.dynamics.cluster is not None
    largest = spec.dynamics.cluster.discovery_max_size
    clusters = (
        catalog.scan(CLUSTERS)
        .filter(
            (pl.col("space") == spec.label)
            & pl.col("label").is_not_null()
            & (pl.col("size") <= largest)
        )
        .select("members", "label")
        .collect()
    )
    identified = _identified_constants(spec, catalog)
    pairs = {
        (member, label)
        for members, label in clusters.iter_rows()
        for member in members
        if member not in identified
    }
    return sorted(pairs)


def discover_chunk(
    spec: PcfSpec,
    chunk: int,
    candidates: list[tuple[int, str]],
    catalog_root: str,
    run_id: str,
) -> Manifest:
    """PSLQ each candidate (pcf id, constant) of chunk ``chunk`` against its cluster's
    constant; commit the successes under the chunk's key."""
    assert spec.dynamics is not None and spec.dynamics.cluster is not None
    settings = spec.dynamics.cluster
    catalog = Catalog(catalog_root)
    wanted = {pcf for pcf, _ in candidates}
    rows = {
        row["id"]: row
        for row in catalog.scan(PCF)
        .filter((pl.col("space") == spec.label) & pl.col("id").is_in(list(wanted)))
        .select("id", "a_coeffs", "b_coeffs")
        .collect()
        .iter_rows(named=True)
    }
    expansions = catalog.constant_expansions()
    constants_allowed = set(spec.constants)
    found = []
    for pcf, name in candidates:
        row = rows[pcf]
        names = [name]
        if settings.pi_products and "pi" in constants_allowed and name != "pi":
            names.append(f"{name}*pi")
        for basis_constant in names:
            identification = discover_with_constant(
                row["a_coeffs"],
                row["b_coeffs"],
                basis_constant,
                expansions=expansions,
                max_coeff=settings.discovery_max_coeff,
                search_digits=spec.identify.verify_digits,
                max_exact_depth=spec.identify.max_exact_depth,
            )
            if identification is not None:
                found.append(_conjecture_row(spec, row, identification, run_id))
                break
    columns = {name: [r.get(name) for r in found] for name in CONJECTURES.schema.names}
    catalog.commit(
        CONJECTURES, columns, partition={"kind": "pcf_limit"}, key=discovery_key(spec, chunk)
    )
    return {"chunk": chunk, "tried": len(candidates), "conjectures": len(found)}


def discovery_key(spec: PcfSpec, chunk: int) -> str:
    return f"{spec.label}-cluster-{spec.spec_hash[:8]}-{chunk:05d}"


def clusters_key(spec: PcfSpec, plane: tuple[str, str]) -> str:
    return f"clusters-{spec.spec_hash[:8]}-{PLANES.index(plane)}"


def _identified_constants(spec: PcfSpec, catalog: Catalog) -> dict[int, str]:
    """pcf id -> the constant of its lookup (Möbius) conjecture in this space."""
    frame = (
        catalog.scan(CONJECTURES)
        .filter(
            (pl.col("space") == spec.label)
            & (pl.col("kind") == "pcf_limit")
            & (pl.col("detector") == "mobius")
        )
        .select("pcf_id", pl.col("basis").list.get(1).alias("constant"))
        .collect()
    )
    return dict(frame.iter_rows())


def _conjecture_row(spec: PcfSpec, row: dict[str, Any], found, run_id: str) -> dict[str, Any]:
    subject = pcf_text(row["a_coeffs"], row["b_coeffs"])
    key = f"pcf_limit|{subject}|{','.join(found.basis)}|{','.join(map(str, found.relation))}"
    return {
        "conjecture_id": hashlib.sha256(key.encode()).hexdigest()[:16],
        "detector": found.detector,
        "run_id": run_id,
        "created_at": datetime.now(UTC),
        "subject": subject,
        "pcf_id": row["id"],
        "space": spec.label,
        "a_coeffs": row["a_coeffs"],
        "b_coeffs": row["b_coeffs"],
        "basis": list(found.basis),
        "relation": list(found.relation),
        "formula": f"{subject} = {found.value_text}",
        "digits": round(found.digits, 2),
        "status": "verified" if found.verified else "numerical",
        "exact_depth": found.exact_depth,
        "pslq_confirmed": found.pslq_confirmed,
    }


def _frozen(expansions: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(expansions.items()))


@functools.lru_cache(maxsize=4)
def _mobius_table(
    names: tuple[str, ...], bound: int, expansions: tuple[tuple[str, str], ...]
) -> MobiusTable:
    """Built once per worker process and reused by every shard it identifies."""
    values = dict(expansions)
    with mpmath.workdps(30):
        floats = {name: float(library.value_of(name, values)) for name in names}
    return mobius_table(floats, bound)
