"""The catalog's tables: the one place a column is defined.

Each table is an Arrow schema (columns stored in the Parquet files) plus the hive
partition columns that live in directory names. Every column carries its meaning in
the field metadata, so documentation can be generated from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import pyarrow as pa


class TableKind(StrEnum):
    """The catalog's tables; each value is the table's directory name."""

    PCF = "pcf"
    CONJECTURES = "conjectures"
    CONSTANTS = "constants"
    RUNS = "runs"
    CLUSTERS = "clusters"
    SEQUENCES = "sequences"
    FAMILIES = "families"
    TRAJECTORIES = "trajectories"


class ConjectureKind(StrEnum):
    """Values of the conjectures table's ``kind`` partition: one per detector family."""

    PCF_LIMIT = "pcf_limit"
    ESMA_CF = "esma_cf"
    RECURRENCE = "recurrence"
    SEQUENCE_LIMIT = "sequence_limit"
    CMF_TRAJECTORY = "cmf_trajectory"


@dataclass(frozen=True)
class SchemaStep:
    """What schema version ``version`` changed with respect to ``version - 1``.

    An additive step only adds nullable columns and new tables, so files written before it
    still read correctly once the new columns are null-filled; any other step (a column
    changing meaning or type, shard keys changing meaning) makes older catalogs unreadable.
    """

    version: int
    summary: str
    additive: bool
    new_columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """table name -> nullable columns the step added (in the current schema's order)."""
    new_tables: tuple[str, ...] = ()


SCHEMA_HISTORY: tuple[SchemaStep, ...] = (
    SchemaStep(5, "shards pair each PCF with its mirror, so shard keys changed meaning", False),
    SchemaStep(6, "the search family of each run", True, {"runs": ("family",)}),
    SchemaStep(
        7,
        "how a conjecture's digits were obtained and how much they are worth",
        True,
        {
            "conjectures": (
                "method",
                "basis_kind",
                "roi",
                "coefficient_bits",
                "confirmation_digits",
            )
        },
    ),
    SchemaStep(
        8,
        "families of equivalent PCF conjectures, and whether each formula is known or new",
        True,
        {"conjectures": ("family_id", "known", "novelty", "trivial")},
        ("families",),
    ),
    SchemaStep(
        9,
        "trajectories of conservative matrix fields, and their PCF conjectures",
        True,
        {},
        ("trajectories",),
    ),
)
"""Every step since the last one that was not additive; nothing older is readable.

To change the schema: append a step here (additive when it only adds nullable columns or
tables), make the change below, and regenerate docs/tables.md."""

SCHEMA_VERSION = SCHEMA_HISTORY[-1].version
"""The version this code writes; stamped into every Parquet file and into catalog.json."""

OLDEST_READABLE_VERSION = max(step.version for step in SCHEMA_HISTORY if not step.additive)
"""Files and catalogs of this version or newer (up to SCHEMA_VERSION) are read as they are."""

SCHEMA_VERSION_KEY = "conjectura.schema_version"
TABLE_NAME_KEY = "conjectura.table"

PCF_STATUSES = ("converged", "diverged", "oscillating", "zero_denominator", "indeterminate")
"""Screening outcomes. ``indeterminate``: float64 lost too much precision to decide."""

CONJECTURE_STATUSES = ("verified", "numerical")
"""``verified``: the relation holds to at least the spec's verify_digits for a limit estimate
that has itself settled that far, an independent estimate (twice the depth, twice the
working precision, constants recomputed there) confirms it to the threshold too, and its
return on investment is at least 2 (LIReC); a recurrence is verified when it predicts at
least its unknowns + 10 further terms exactly. ``numerical``: the relation holds to every
digit the estimate has, but one of those conditions is not met (slow convergence, say)."""


TRAJECTORY_STATUSES = (*CONJECTURE_STATUSES, "singular")
"""A trajectory's status: its formula's (verified, numerical), or ``singular`` when its walk
meets a pole or a zero determinant before the depth; null when no formula was found."""

NOVELTIES = ("known", "known-constant-new-pcf", "new")
"""How new a PCF conjecture is against the curated formula library (kernels/formulas.csv):
``known``: a certificate relates its PCF to a library PCF; ``known-constant-new-pcf``: its
limit is a rational Möbius image of a library formula's limit but no certificate relates the
PCFs (a new formula for a known constant); ``new``: neither."""

FAMILY_KINDS = ("representative", "mirror", "shift", "scale", "coboundary")
"""How a family member relates to its representative: the representative itself, its mirror
PCF(-a, b), a shift n -> n + k, a rescaling (s·a, s²·b), or any other certificate
(compositions of the simple ones included)."""


def _field(name: str, type_: pa.DataType, meaning: str, *, nullable: bool = False) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"meaning": meaning})


@dataclass(frozen=True)
class Table:
    name: TableKind
    schema: pa.Schema
    partition_by: tuple[str, ...]
    description: str

    def __post_init__(self) -> None:
        overlap = set(self.partition_by) & set(self.schema.names)
        assert not overlap, f"{self.name}: partition columns also stored in files: {overlap}"


INT_LIST = pa.list_(pa.int64())


def _metric(name: str, meaning: str, type_: pa.DataType | None = None) -> pa.Field:
    return _field(
        name,
        type_ or pa.float64(),
        meaning + " (null unless the spec asks for dynamics)",
        nullable=True,
    )


DYNAMICS_FIELDS = [
    _metric("metrics_depth", "depth N of the exact walk behind the metrics", pa.int32()),
    _metric("fr_statistic", "log gcd(p_n, q_n)/n + deg(a)(1 - log n) at the last sample"),
    _metric("fr", "factorial reduction: the last two FR samples differ by < 0.1", pa.bool_()),
    _metric("delta_naive", "-1 - log|L - p_n/q_n| / log q_n at n = N/2, L = p_N/q_N"),
    _metric("delta_fr", "the same over log of q_n/gcd(p_n, q_n) (FR δ, blind)"),
    _metric("growth_c", "c in log q~_n = c n + d n log n"),
    _metric("growth_d", "d in log q~_n = c n + d n log n (0 when |d| < 0.05)"),
    _metric("convergence_b", "b in log|L - p_n/q_n| = b log n + c n + d n log n"),
    _metric("convergence_c", "c in log|L - p_n/q_n| = b log n + c n + d n log n"),
    _metric("convergence_d", "d in log|L - p_n/q_n| = b log n + c n + d n log n"),
    _metric("eigen_ratio", "log|(A + sqrt(A^2 + 4B))/(A - sqrt(A^2 + 4B))|, leading order"),
    _metric("eigen_complex", "A^2 + 4B < 0: eigenvalues of one modulus", pa.bool_()),
    _metric("delta_predicted", "N |eigen_ratio| / (c N + d N log N) - 1"),
    _metric(
        "metrics_reason", "why the metrics of a converged PCF could not be computed", pa.string()
    ),
]

PCF = Table(
    name=TableKind.PCF,
    partition_by=("space",),
    description="One row per screened PCF a(0) + b(1)/(a(1) + b(2)/(...)). "
    "Partition `space`: the spec name and the hash of its space (name-hash10).",
    schema=pa.schema(
        [
            _field("id", pa.int64(), "stable id from the family and the coefficients"),
            _field("a_coeffs", INT_LIST, "a(n) as ascending coefficients, trailing zeros dropped"),
            _field("b_coeffs", INT_LIST, "b(n) as ascending coefficients, trailing zeros dropped"),
            _field("depth", pa.int32(), "number of terms walked by the screening kernel"),
            _field("status", pa.string(), f"screening outcome: one of {', '.join(PCF_STATUSES)}"),
            _field(
                "limit",
                pa.float64(),
                "float64 estimate of the limit (null unless converged)",
                nullable=True,
            ),
            _field(
                "digits",
                pa.float64(),
                "significant decimal digits of `limit`, estimated from the walk and "
                "capped by float64 precision lost on the way (null unless converged)",
                nullable=True,
            ),
            _field("shard", pa.string(), "id of the shard that produced the row"),
            *DYNAMICS_FIELDS,
        ]
    ),
)

CONJECTURES = Table(
    name=TableKind.CONJECTURES,
    partition_by=("kind",),
    description="Formulas found by the detectors, verified with exact arithmetic. "
    f"Partition `kind`: {', '.join(ConjectureKind)}.",
    schema=pa.schema(
        [
            _field("conjecture_id", pa.string(), "stable id from kind, subject, basis, relation"),
            _field("detector", pa.string(), "stage that found it: mobius, algebraic, ..."),
            _field("run_id", pa.string(), "run that first committed it"),
            _field("created_at", pa.timestamp("us", tz="UTC"), "commit time"),
            _field("subject", pa.string(), "what the conjecture is about, e.g. PCF(2n+1, n^2)"),
            _field("pcf_id", pa.int64(), "the subject's id in the pcf table", nullable=True),
            _field("space", pa.string(), "the subject's pcf partition", nullable=True),
            _field("a_coeffs", INT_LIST, "a(n) ascending, PCF subjects only", nullable=True),
            _field("b_coeffs", INT_LIST, "b(n) ascending, PCF subjects only", nullable=True),
            _field(
                "basis",
                pa.list_(pa.string()),
                "1, L (the subject's value), constant names, or products joined by *",
            ),
            _field("relation", INT_LIST, "integers r with sum(r[i] * basis[i]) = 0"),
            _field("formula", pa.string(), "readable form, e.g. PCF(2n+1, n^2) = 4/pi"),
            _field(
                "digits",
                pa.float64(),
                "significant decimal digits to which the relation holds for the limit "
                "estimate at depth exact_depth: the agreement, capped by how far the estimate "
                "has settled (odd/even and same-parity differences, geometric tail) and by the "
                "working precision less 10 guard digits; constants are computed to the "
                "precision a check needs. recurrence: further terms predicted exactly beyond "
                "those it was fitted on; sequence_limit: digits the last ratio a(m+1)/a(m) has "
                "settled to, no more than the form agrees with it; esma_cf: the regenerated "
                "CF's agreement with the form, capped the same way",
            ),
            _field("status", pa.string(), f"one of {', '.join(CONJECTURE_STATUSES)}"),
            _field(
                "exact_depth",
                pa.int32(),
                "depth N of the estimate used (the exact convergent, or the deepest one an "
                "acceleration used); recurrence and sequence_limit: the number of terms; "
                "esma_cf: the regenerated partial denominators",
            ),
            _field(
                "pslq_confirmed",
                pa.bool_(),
                "the relation, re-checked against an estimate at twice the depth and twice "
                "the working precision (constants recomputed there), held to at least the "
                "verification threshold (null: not used)",
                nullable=True,
            ),
            _field(
                "signs", INT_LIST, "esma_cf: the periodic sign pattern s_0, s_1, ...", nullable=True
            ),
            _field(
                "initial_terms",
                INT_LIST,
                "esma_cf: a_0, a_1, ... before the recurrence has enough history",
                nullable=True,
            ),
            _field(
                "recurrence",
                INT_LIST,
                "esma_cf: register r with sum r[j] a[n-j] = 0 for n >= len(r) (a counted from a_1)",
                nullable=True,
            ),
            _field(
                "method",
                pa.string(),
                "how the limit estimate behind `digits` was obtained: exact (a convergent "
                "p_N/q_N) or accelerated (extrapolated from convergents)",
                nullable=True,
            ),
            _field(
                "basis_kind",
                pa.string(),
                "which search proposed the relation: lookup, algebraic, cluster, large, "
                "powers, two_constants (PCF limits); recurrence, ratio (sequences); esma",
                nullable=True,
            ),
            _field(
                "roi",
                pa.float64(),
                "return on investment (LIReC): verified bits / (non-zero coefficients + "
                "their total bit length); verified needs roi >= 2",
                nullable=True,
            ),
            _field(
                "coefficient_bits",
                pa.int64(),
                "total bit length of the relation's non-zero coefficients",
                nullable=True,
            ),
            _field(
                "confirmation_digits",
                pa.float64(),
                "digits to which an independent estimate (deeper, at higher precision than "
                "the one that proposed the relation) satisfies it (null: not attempted, "
                "digits below the threshold)",
                nullable=True,
            ),
            _field(
                "family_id",
                pa.string(),
                "pcf_limit: the family (see the families table) of PCFs equivalent to the "
                "subject; null for other kinds and until the run's families stage has run",
                nullable=True,
            ),
            _field(
                "known",
                pa.string(),
                "name of the curated library formula (kernels/formulas.csv) to which a "
                "certificate relates the subject's PCF, else null",
                nullable=True,
            ),
            _field(
                "novelty",
                pa.string(),
                f"pcf_limit: one of {', '.join(NOVELTIES)} (see the families table); null for "
                "other kinds",
                nullable=True,
            ),
            _field(
                "trivial",
                pa.string(),
                "why the formula is trivial (a quadratic irrational from constant "
                "coefficients, a member of a one-parameter family the library marks), else null",
                nullable=True,
            ),
        ]
    ),
)

CONSTANTS = Table(
    name=TableKind.CONSTANTS,
    partition_by=(),
    description="The constant library, computed (never typed in) to at least 1000 digits.",
    schema=pa.schema(
        [
            _field("name", pa.string(), "name used in specs and in conjecture bases"),
            _field("expression", pa.string(), "what it is, in mathematical notation"),
            _field("value", pa.string(), "decimal expansion, at least 1000 significant digits"),
            _field("digits", pa.int32(), "significant digits in `value`"),
            _field("source", pa.string(), "library and function that computed it"),
        ]
    ),
)

RUNS = Table(
    name=TableKind.RUNS,
    partition_by=(),
    description="One row per run, written when it starts and replaced when it ends.",
    schema=pa.schema(
        [
            _field("run_id", pa.string(), "unique id of the run"),
            _field("spec_name", pa.string(), "the spec's name"),
            _field("spec_hash", pa.string(), "sha256 of the spec's content, name excluded"),
            _field("space", pa.string(), "the pcf partition the run writes"),
            _field(
                "family",
                pa.string(),
                "search family of the run: pcf, esma, sequences (null: not recorded)",
                nullable=True,
            ),
            _field("code_version", pa.string(), "conjectura version"),
            _field("started_at", pa.timestamp("us", tz="UTC"), "start time"),
            _field(
                "finished_at",
                pa.timestamp("us", tz="UTC"),
                "end time, null while running",
                nullable=True,
            ),
            _field("status", pa.string(), "running, completed or failed"),
            _field("shards", pa.int64(), "shards planned"),
            _field("pcfs", pa.int64(), "PCFs screened", nullable=True),
            _field("converged", pa.int64(), "PCFs classified converged", nullable=True),
            _field("conjectures", pa.int64(), "conjectures committed", nullable=True),
            _field("verified", pa.int64(), "conjectures with status verified", nullable=True),
        ]
    ),
)

CLUSTERS = Table(
    name=TableKind.CLUSTERS,
    partition_by=("space",),
    description="HDBSCAN clusters of converging PCFs in the convergence-dynamics planes.",
    schema=pa.schema(
        [
            _field("cluster_id", pa.string(), "plane and number, e.g. delta_fr~growth_c#3"),
            _field("plane", pa.string(), "the two metrics clustered: y~x"),
            _field("number", pa.int32(), "HDBSCAN label within the plane (0, 1, ...)"),
            _field("members", INT_LIST, "pcf ids in the cluster after label spreading"),
            _field("size", pa.int64(), "number of members"),
            _field("identified", pa.int64(), "members with a Möbius conjecture"),
            _field(
                "label",
                pa.string(),
                "the one constant its identified members point to",
                nullable=True,
            ),
        ]
    ),
)

SEQUENCES = Table(
    name=TableKind.SEQUENCES,
    partition_by=(),
    description="Integer sequences ingested from b-files, CSV, JSONL or Parquet.",
    schema=pa.schema(
        [
            _field("seq_id", pa.string(), "stable id from the terms and offset (sha256, 16 hex)"),
            _field("name", pa.string(), "name given by the source (file stem for b-files)"),
            _field("source", pa.string(), "file the sequence came from"),
            _field("line", pa.int64(), "line (or row) of the source where it starts"),
            _field("offset", pa.int64(), "index n of the first term"),
            _field("n_terms", pa.int64(), "number of terms"),
            _field("terms", pa.list_(pa.binary()), "terms as signed little-endian bytes"),
        ]
    ),
)

FAMILIES = Table(
    name=TableKind.FAMILIES,
    partition_by=(),
    description="One row per PCF conjecture (kind pcf_limit): the family of equivalent PCFs it "
    "belongs to, its representative, and the exact certificate relating them, "
    "M_member(n)·U(n+1) = c(n)·U(n)·M_rep(n+k) with M(n) = [[0, b(n)], [1, a(n)]]. "
    "Recomputed over a space's conjectures at the end of each run that adds to it (one file "
    "per space, replaced whole).",
    schema=pa.schema(
        [
            _field(
                "family_id",
                pa.string(),
                "fam- and 12 hex digits of sha256 of the representative's coefficients: "
                "stable across runs while the representative stays",
            ),
            _field("space", pa.string(), "the pcf partition of the conjectures"),
            _field("conjecture_id", pa.string(), "the member conjecture"),
            _field("pcf_id", pa.int64(), "the member's id in the pcf table"),
            _field("a_coeffs", INT_LIST, "the member's a(n), ascending"),
            _field("b_coeffs", INT_LIST, "the member's b(n), ascending"),
            _field("rep_a_coeffs", INT_LIST, "the representative's a(n), ascending"),
            _field("rep_b_coeffs", INT_LIST, "the representative's b(n), ascending"),
            _field(
                "kind", pa.string(), f"how the member relates: one of {', '.join(FAMILY_KINDS)}"
            ),
            _field(
                "certificate",
                pa.string(),
                'JSON {"U": [["u11", "u12"], ["u21", "u22"]], "c": "...", "shift": k}, entries '
                "polynomials or rational functions of n that sympy parses, with "
                "M_member(n)·U(n+1) = c(n)·U(n)·M_rep(n+k) exactly; checked by substitution "
                "before it is written",
            ),
            _field(
                "limit_map",
                pa.list_(INT_LIST),
                "T = A_member·U(1)·(M_rep(1)···M_rep(k))^-1·A_rep^-1 as coprime integers "
                "[[t11, t12], [t21, t22]], A = [[1, a(0)], [0, 1]]: L_member = (t11·L_rep + "
                "t12)/(t21·L_rep + t22), checked against both limits",
            ),
            _field(
                "delta",
                pa.float64(),
                "the member's FR δ (the dynamics used to group candidates), null when its "
                "metrics could not be computed",
                nullable=True,
            ),
            _field("run_id", pa.string(), "run whose families stage wrote the row"),
        ]
    ),
)

TRAJECTORIES = Table(
    name=TableKind.TRAJECTORIES,
    partition_by=("cmf",),
    description="One row per walked trajectory of a conservative matrix field: the walk "
    "W_N = T(0)···T(N−1) of its trajectory matrix T(n) (the axis steps from start + n·d to "
    "start + (n+1)·d), its limit p_N/q_N = W_N[0, −1]/W_N[1, −1] and dynamics, and its "
    "formula. Keyed by (cmf, trajectory, start). Partition `cmf`: the field's library name, "
    "or the spec name and a hash of its matrices for a field given by `matrices:`.",
    schema=pa.schema(
        [
            _field("trajectory_id", pa.string(), "cmf:trajectory@start, e.g. zeta3:1,1@1,1"),
            _field("trajectory", INT_LIST, "direction d, one entry per axis in field order"),
            _field("start", INT_LIST, "start point, one entry per axis in field order"),
            _field("axes", pa.list_(pa.string()), "the field's axes, in the order of the vectors"),
            _field("depth", pa.int32(), "N: trajectory steps walked for the limit and δ"),
            _field(
                "limit",
                pa.float64(),
                "float64 of p_N/q_N (null when singular or q_N = 0)",
                nullable=True,
            ),
            _field(
                "digits",
                pa.float64(),
                "significant digits the estimate has settled to (its change between depths), "
                "or the formula's digits when one was found (null when singular)",
                nullable=True,
            ),
            _field("method", pa.string(), "exact (convergents of the walk)", nullable=True),
            _field(
                "delta_naive",
                pa.float64(),
                "-1 - log|L - p_n/q_n| / log|q_n| at n = N/2, L = p_N/q_N (the integer walk)",
                nullable=True,
            ),
            _field(
                "delta_fr",
                pa.float64(),
                "the same over log of q_n/gcd(p_n, q_n) (FR δ, blind)",
                nullable=True,
            ),
            _field(
                "digits_per_step",
                pa.float64(),
                "-log10|p_N/q_N - p_n/q_n| / (N - n) at n = N/2: digits gained per step",
                nullable=True,
            ),
            _field(
                "status",
                pa.string(),
                f"one of {', '.join(TRAJECTORY_STATUSES)}; null when no formula was found",
                nullable=True,
            ),
            _field(
                "reason",
                pa.string(),
                "why there is no limit or δ (a singular point, q = 0, ...)",
                nullable=True,
            ),
            _field("formula", pa.string(), "the limit's closed form, readable", nullable=True),
            _field("basis", pa.list_(pa.string()), "the formula's basis", nullable=True),
            _field("relation", INT_LIST, "the formula's integer relation", nullable=True),
            _field(
                "pcf_a_coeffs",
                INT_LIST,
                "a(n) of an equivalent PCF, ascending (2x2 fields; null for larger ones)",
                nullable=True,
            ),
            _field(
                "pcf_b_coeffs",
                INT_LIST,
                "b(n) of the equivalent PCF, ascending (null for larger fields)",
                nullable=True,
            ),
            _field(
                "conjecture_id",
                pa.string(),
                "the cmf_trajectory conjecture about the equivalent PCF's limit",
                nullable=True,
            ),
            _field(
                "family_id",
                pa.string(),
                "family of that conjecture (see the families table)",
                nullable=True,
            ),
            _field("run_id", pa.string(), "run that committed the row"),
            _field("spec_hash", pa.string(), "hash of the spec that planned it"),
            _field("created_at", pa.timestamp("us", tz="UTC"), "commit time"),
        ]
    ),
)

TABLES: dict[TableKind, Table] = {
    t.name: t
    for t in (PCF, CONJECTURES, CONSTANTS, RUNS, CLUSTERS, SEQUENCES, FAMILIES, TRAJECTORIES)
}
"""Keyed by TableKind; a plain string such as ``"pcf"`` finds the same entry."""


def table_of(table: Table | TableKind | str) -> Table:
    """The Table for a Table, a TableKind or its value; KeyError names the known tables."""
    if isinstance(table, Table):
        return table
    try:
        return TABLES[TableKind(table)]
    except ValueError:
        raise KeyError(f"no table {table!r} (tables: {', '.join(TABLES)})") from None


def unreadable_reason(version: int) -> str | None:
    """Why files or catalogs stamped ``version`` cannot be read by this code (None: they can)."""
    if version > SCHEMA_VERSION:
        return (
            f"schema version {version} is newer than this conjectura's ({SCHEMA_VERSION}); "
            "upgrade conjectura to read it"
        )
    if version < OLDEST_READABLE_VERSION:
        step = next(s for s in SCHEMA_HISTORY if s.version == OLDEST_READABLE_VERSION)
        return (
            f"schema version {version} cannot be read or migrated: version {step.version} "
            f"was not additive ({step.summary}); this conjectura reads versions "
            f"{OLDEST_READABLE_VERSION} to {SCHEMA_VERSION} only, so write a new catalog"
        )
    return None


def schema_at(table: Table | TableKind | str, version: int) -> pa.Schema | None:
    """The columns that files of ``table`` stamped ``version`` hold, in file order.

    None when the table did not exist yet at that version. Raises ValueError for a version
    this code cannot read (see :func:`unreadable_reason`)."""
    table = table_of(table)
    reason = unreadable_reason(version)
    if reason is not None:
        raise ValueError(reason)
    later = [s for s in SCHEMA_HISTORY if s.version > version]
    if any(table.name in s.new_tables for s in later):
        return None
    added = {c for s in later for c in s.new_columns.get(table.name, ())}
    return pa.schema([f for f in table.schema if f.name not in added])


def _check_history() -> None:
    """The history must describe the schemas above; fail at import, not in a migration."""
    versions = [s.version for s in SCHEMA_HISTORY]
    assert versions == list(range(versions[0], versions[0] + len(versions))), versions
    assert not SCHEMA_HISTORY[0].additive, "the history starts at a step that was not additive"
    for step in SCHEMA_HISTORY:
        for name in step.new_tables:
            assert name in TABLES, f"version {step.version}: no table {name}"
        for name, columns in step.new_columns.items():
            schema = TABLES[TableKind(name)].schema
            for column in columns:
                assert column in schema.names, f"version {step.version}: no {name}.{column}"
                assert not step.additive or schema.field(column).nullable, (
                    f"version {step.version}: {name}.{column} is added, so must be nullable"
                )


_check_history()
