"""The questions flows, the CLI and the report ask of a catalog, answered in one place.

Each function takes a :class:`~conjectura.catalog.store.Catalog` and returns plain
values or Polars frames; none of them knows a path.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from conjectura.catalog.store import Catalog
from conjectura.schemas.tables import ConjectureKind, TableKind


def space_counts(catalog: Catalog, space: str) -> dict[str, int]:
    """PCFs screened and converged in a pcf partition (true for resumed runs too)."""
    frame = (
        catalog.scan(TableKind.PCF)
        .filter(pl.col("space") == space)
        .select(pcfs=pl.len(), converged=(pl.col("status") == "converged").sum())
        .collect()
    )
    return {name: int(frame[name][0]) for name in frame.columns}


def conjecture_counts(
    catalog: Catalog, space: str, kind: ConjectureKind | None = None
) -> dict[str, int]:
    """Conjectures (and how many are verified) of a space, of one kind or of all."""
    wanted = pl.col("space") == space
    if kind is not None:
        wanted &= pl.col("kind") == kind.value
    frame = (
        catalog.scan(TableKind.CONJECTURES)
        .filter(wanted)
        .select(conjectures=pl.len(), verified=(pl.col("status") == "verified").sum())
        .collect()
    )
    return {name: int(frame[name][0]) for name in frame.columns}


def conjecture_breakdown(catalog: Catalog, space: str) -> pl.DataFrame:
    """A space's conjectures counted by method, basis kind and status (nulls read as "-",
    for rows written before those columns existed)."""
    return (
        catalog.scan(TableKind.CONJECTURES)
        .filter(pl.col("space") == space)
        .group_by(
            pl.col("method").fill_null("-"),
            pl.col("basis_kind").fill_null("-"),
            "status",
        )
        .agg(pl.len().alias("conjectures"))
        .sort("method", "basis_kind", "status")
        .collect()
    )


def lookup_constants(catalog: Catalog, space: str) -> dict[int, str]:
    """pcf id -> the constant of its lookup (Möbius) conjecture in this space."""
    frame = (
        catalog.scan(TableKind.CONJECTURES)
        .filter(
            (pl.col("space") == space)
            & (pl.col("kind") == ConjectureKind.PCF_LIMIT.value)
            & (pl.col("detector") == "mobius")
        )
        .select("pcf_id", pl.col("basis").list.get(1).alias("constant"))
        .collect()
    )
    return dict(frame.iter_rows())


def space_metrics(catalog: Catalog, space: str, columns: Sequence[str]) -> pl.DataFrame:
    """id and the given metric columns of every PCF of the space that has metrics."""
    return (
        catalog.scan(TableKind.PCF)
        .filter((pl.col("space") == space) & pl.col("delta_fr").is_not_null())
        .select("id", *columns)
        .collect()
    )


def pcf_rows(
    catalog: Catalog, space: str, ids: Sequence[int], columns: Sequence[str]
) -> pl.DataFrame:
    """The given columns (and id) of the PCFs ``ids`` of a space."""
    return (
        catalog.scan(TableKind.PCF)
        .filter((pl.col("space") == space) & pl.col("id").is_in(list(ids)))
        .select("id", *columns)
        .collect()
    )


def space_clusters(catalog: Catalog, space: str) -> pl.DataFrame:
    """Every cluster of a space, every plane."""
    return catalog.scan(TableKind.CLUSTERS).filter(pl.col("space") == space).collect()


def cluster_counts(catalog: Catalog, space: str) -> dict[str, int]:
    frame = (
        catalog.scan(TableKind.CLUSTERS)
        .filter(pl.col("space") == space)
        .select(clusters=pl.len(), labelled=pl.col("label").is_not_null().sum())
        .collect()
    )
    return {name: int(frame[name][0]) for name in frame.columns}


def labelled_clusters(catalog: Catalog, space: str) -> pl.DataFrame:
    """plane, members, size and label of every labelled cluster of a space."""
    return (
        catalog.scan(TableKind.CLUSTERS)
        .filter((pl.col("space") == space) & pl.col("label").is_not_null())
        .select("plane", "members", "size", "label")
        .sort("plane", "label", "size")
        .collect()
    )


def space_conjectures(catalog: Catalog, space: str) -> pl.DataFrame:
    """A space's conjectures, verified first, then simplest PCFs (smallest coefficients)."""
    height = (
        pl.col("a_coeffs").list.eval(pl.element().abs()).list.sum()
        + pl.col("b_coeffs").list.eval(pl.element().abs()).list.sum()
    )
    return (
        catalog.scan(TableKind.CONJECTURES)
        .filter(pl.col("space") == space)
        .with_columns(height=height)
        .sort(["status", "height", "subject"], descending=[True, False, False])
        .collect()
    )


def run_conjectures(catalog: Catalog, run_id: str) -> pl.DataFrame:
    """formula, digits, status, detector of what one run committed, most digits first."""
    return (
        catalog.scan(TableKind.CONJECTURES)
        .filter(pl.col("run_id") == run_id)
        .select("formula", "digits", "status", "detector")
        .sort("digits", descending=True)
        .collect()
    )


def latest_space(catalog: Catalog) -> str | None:
    """The space (pcf partition) of the most recently started run."""
    runs = catalog.scan(TableKind.RUNS).sort("started_at").select("space").collect()
    return runs["space"][-1] if runs.height else None


def sequence_ids(catalog: Catalog, names: Sequence[str] = ()) -> list[str]:
    """Ids of the ingested sequences (those with these names, when given), sorted."""
    frame = catalog.scan(TableKind.SEQUENCES)
    if names:
        frame = frame.filter(pl.col("name").is_in(list(names)))
    return sorted(set(frame.select("seq_id").collect()["seq_id"].to_list()))


def sequences_by_id(catalog: Catalog, ids: Sequence[str]) -> pl.DataFrame:
    """The sequences ``ids``, one row each (a sequence ingested twice is one row)."""
    return (
        catalog.scan(TableKind.SEQUENCES)
        .filter(pl.col("seq_id").is_in(list(ids)))
        .unique("seq_id", keep="first")
        .sort("seq_id")
        .collect()
    )


NOVELTY_ORDER = {"new": 0, "known-constant-new-pcf": 1, "known": 2}
"""How the families overview ranks novelty: what a reader came for first."""


def families_overview(catalog: Catalog, space: str | None = None) -> pl.DataFrame:
    """One row per family (of one space, or of all): its representative's conjecture
    (subject, formula, digits, status), member count, δ, novelty, known name and trivial
    reason; non-trivial new families first, then new formulas for known constants, then
    known ones, trivial families last; most members first within each."""
    families = catalog.scan(TableKind.FAMILIES)
    if space is not None:
        families = families.filter(pl.col("space") == space)
    sizes = families.group_by("family_id").agg(members=pl.len())
    representatives = families.filter(pl.col("kind") == "representative").select(
        "family_id", "space", "conjecture_id", "rep_a_coeffs", "rep_b_coeffs", "delta"
    )
    conjectures = catalog.scan(TableKind.CONJECTURES).select(
        "conjecture_id", "subject", "formula", "digits", "status", "novelty", "known", "trivial"
    )
    return (
        representatives.join(sizes, on="family_id")
        .join(conjectures.unique("conjecture_id"), on="conjecture_id", how="left")
        .with_columns(
            rank=pl.col("novelty").replace_strict(NOVELTY_ORDER, default=3),
            is_trivial=pl.col("trivial").is_not_null(),
        )
        .sort(
            ["is_trivial", "rank", "members", "digits"],
            descending=[False, False, True, True],
        )
        .drop("rank", "is_trivial")
        .collect()
    )


FAMILY_INPUT_COLUMNS = [
    "conjecture_id", "space", "pcf_id", "a_coeffs", "b_coeffs", "basis", "relation",
    "formula", "digits", "status",
]  # fmt: skip


def space_pcf_conjectures(catalog: Catalog, space: str) -> pl.DataFrame:
    """A space's PCF-limit conjectures with their screened limit and stored FR δ (null when
    the space has no metrics): what the families stage needs."""
    conjectures = (
        catalog.scan(TableKind.CONJECTURES)
        .filter((pl.col("space") == space) & (pl.col("kind") == ConjectureKind.PCF_LIMIT.value))
        .select(FAMILY_INPUT_COLUMNS)
    )
    screened = (
        catalog.scan(TableKind.PCF)
        .filter(pl.col("space") == space)
        .select(pl.col("id").alias("pcf_id"), "limit", "delta_fr")
    )
    return (
        conjectures.join(screened, on="pcf_id", how="left")
        .unique(["conjecture_id"], keep="first")
        .sort("conjecture_id")
        .collect()
    )


def space_cmf_conjectures(catalog: Catalog, space: str) -> pl.DataFrame:
    """A CMF run's cmf_trajectory conjectures in the shape the families stage takes (no
    screened limit or stored δ: it walks the PCFs itself)."""
    return (
        catalog.scan(TableKind.CONJECTURES)
        .filter(
            (pl.col("space") == space)
            & (pl.col("kind") == ConjectureKind.CMF_TRAJECTORY.value)
            & pl.col("a_coeffs").is_not_null()  # larger fields' conjectures have no PCF
        )
        .select(FAMILY_INPUT_COLUMNS)
        .with_columns(limit=pl.lit(None, pl.Float64), delta_fr=pl.lit(None, pl.Float64))
        .unique(["conjecture_id"], keep="first")
        .sort("conjecture_id")
        .collect()
    )


def trajectory_ids(catalog: Catalog, cmf: str) -> set[str]:
    """The trajectories a field's partition already holds (from any run)."""
    frame = (
        catalog.scan(TableKind.TRAJECTORIES)
        .filter(pl.col("cmf") == cmf)
        .select("trajectory_id")
        .collect()
    )
    return set(frame["trajectory_id"].to_list())


def cmf_trajectories(catalog: Catalog, cmf: str) -> pl.DataFrame:
    """A field's trajectories, best first: verified, then most digits per step."""
    return (
        catalog.scan(TableKind.TRAJECTORIES)
        .filter(pl.col("cmf") == cmf)
        .collect()
        .sort(
            [pl.col("status") == "verified", "digits_per_step"],
            descending=[True, True],
            nulls_last=True,
        )
    )


def trajectory_counts(catalog: Catalog, cmf: str, space: str) -> dict[str, int]:
    """A field's trajectories by status, and the cmf_trajectory conjectures of ``space``."""
    frame = (
        catalog.scan(TableKind.TRAJECTORIES).filter(pl.col("cmf") == cmf).select("status").collect()
    )
    statuses = frame["status"].to_list()
    conjectures = (
        catalog.scan(TableKind.CONJECTURES)
        .filter(
            (pl.col("space") == space) & (pl.col("kind") == ConjectureKind.CMF_TRAJECTORY.value)
        )
        .select(pl.len())
        .collect()
        .item()
    )
    return {
        "trajectories": len(statuses),
        "verified": statuses.count("verified"),
        "numerical": statuses.count("numerical"),
        "singular": statuses.count("singular"),
        "conjectures": int(conjectures),
    }


def pcf_conjecture_spaces(catalog: Catalog) -> list[str]:
    """The spaces that have PCF-limit conjectures, sorted."""
    frame = (
        catalog.scan(TableKind.CONJECTURES)
        .filter(pl.col("kind") == ConjectureKind.PCF_LIMIT.value)
        .select(pl.col("space").unique())
        .collect()
    )
    return sorted(s for s in frame["space"].to_list() if s is not None)


def user_constants(catalog: Catalog) -> dict[str, str]:
    """The user constants the catalog's constants table holds: name -> mpmath expression."""
    from conjectura.kernels.constants import USER_SOURCE

    frame = (
        catalog.scan(TableKind.CONSTANTS)
        .filter(pl.col("source") == USER_SOURCE)
        .select("name", "expression")
        .collect()
    )
    return dict(frame.iter_rows())
