"""flows.stages.discovery: clusters labelled by their identified members, and cluster-led
PSLQ discovery on the members the lookup missed."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import polars as pl
import pytest

from conjectura.flows.stages.discovery import (
    DISCOVERY_CHUNK,
    cluster_columns,
    discovered_rows,
    discovery_candidates,
    discovery_chunks,
    nearest_to_identified,
)
from conjectura.kernels.space import pcf_id
from conjectura.schemas.spec import ClusterSettings, PcfSpec, parse_spec
from conjectura.schemas.tables import CLUSTERS

PLANE = ("delta_fr", "growth_c")
PLANE_NAME = "delta_fr~growth_c"
BLOB = 30
FIRST = list(range(100, 100 + BLOB))
SECOND = list(range(200, 200 + BLOB))

SPEC = """
name: discovery
family: pcf
a: [3, 3]
b: [0, 1, -2]
depth: 1000
constants: [pi]
dynamics: {depth: 1000}
"""


@pytest.fixture(scope="module")
def metrics() -> pl.DataFrame:
    """Two tight blobs far apart in the (growth_c, delta_fr) plane, and one NaN point."""
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.normal(0.0, 0.02, BLOB), rng.normal(3.0, 0.02, BLOB), [np.nan]])
    y = np.concatenate([rng.normal(0.0, 0.02, BLOB), rng.normal(-2.0, 0.02, BLOB), [0.0]])
    return pl.DataFrame({"id": [*FIRST, *SECOND, 999], "growth_c": x, "delta_fr": y})


@pytest.fixture(scope="module")
def clusters(metrics: pl.DataFrame) -> pl.DataFrame:
    # the first blob's identified members agree on pi; the second's disagree
    lookup = {100: "pi", 117: "pi", 200: "e", 201: "pi"}
    columns = cluster_columns(PLANE, metrics, lookup, ClusterSettings())
    assert list(columns) == CLUSTERS.schema.names
    return pl.DataFrame(columns)


def blob(clusters: pl.DataFrame, member: int) -> dict:
    (row,) = [r for r in clusters.iter_rows(named=True) if member in r["members"]]
    return row


def test_one_cluster_per_blob_with_sorted_members(clusters) -> None:
    assert clusters.height == 2
    first, second = blob(clusters, 100), blob(clusters, 200)
    assert first["members"] == FIRST
    assert second["members"] == SECOND
    assert (first["size"], second["size"]) == (BLOB, BLOB)
    assert 999 not in first["members"] + second["members"]  # NaN metrics are noise
    assert set(clusters["plane"]) == {"delta_fr~growth_c"}
    assert sorted(clusters["number"]) == [0, 1]
    for r in clusters.iter_rows(named=True):
        assert r["cluster_id"] == f"delta_fr~growth_c#{r['number']}"


def test_a_cluster_is_labelled_by_its_identified_members_constant(clusters) -> None:
    first = blob(clusters, 100)
    assert first["label"] == "pi"
    assert first["identified"] == 2


def test_a_cluster_whose_members_disagree_gets_no_label(clusters) -> None:
    second = blob(clusters, 200)
    assert second["label"] is None
    assert second["identified"] == 2


def test_too_few_points_give_no_cluster() -> None:
    frame = pl.DataFrame({"id": [1, 2, 3], "growth_c": [0.0, 0.1, 0.2], "delta_fr": [0.0] * 3})
    columns = cluster_columns(PLANE, frame, {1: "pi"}, ClusterSettings(min_cluster_size=5))
    assert all(values == [] for values in columns.values())


def test_candidates_leave_out_lookup_identified_members_and_are_sorted() -> None:
    labelled = pl.DataFrame(
        {
            "plane": [PLANE_NAME] * 3,
            "members": [[5, 3, 9], [9, 4], [7, 1]],
            "label": ["pi", "pi", "log2"],  # 9 is in two clusters of the same label
        }
    )
    lookup = {3: "pi", 7: "log2", 42: "e"}
    assert discovery_candidates(labelled, lookup, ClusterSettings()) == [
        (1, "log2"),
        (4, "pi"),
        (5, "pi"),
        (9, "pi"),
    ]


def test_a_bulk_cluster_is_searched_on_the_members_nearest_its_identified_ones() -> None:
    # a cluster of 10 on a line; members 0 and 9 identified as e; with the size cap at 5
    # and a sample of 4, the candidates are the two nearest each end: 1, 8, then 2, 7
    ids = list(range(10))
    points = pl.DataFrame({"id": ids, "delta_fr": [0.0] * 10, "growth_c": [0.1 * i for i in ids]})
    labelled = pl.DataFrame({"plane": [PLANE_NAME], "members": [ids], "label": ["e"]})
    lookup = {0: "e", 9: "e"}
    sampled = ClusterSettings(discovery_max_size=5, discovery_sample=4)
    found = discovery_candidates(labelled, lookup, sampled, {PLANE_NAME: points})
    assert found == [(1, "e"), (2, "e"), (7, "e"), (8, "e")]
    whole = discovery_candidates(labelled, lookup, ClusterSettings(), {PLANE_NAME: points})
    assert [pcf for pcf, _ in whole] == list(range(1, 9))  # under the cap: every member
    none = ClusterSettings(discovery_max_size=5, discovery_sample=0)
    assert discovery_candidates(labelled, lookup, none, {PLANE_NAME: points}) == []
    with pytest.raises(ValueError, match="needs its points"):
        discovery_candidates(labelled, lookup, sampled)


def test_nearest_to_identified_breaks_ties_by_id() -> None:
    points = pl.DataFrame({"id": [1, 2, 3, 4], "x": [0.0, 1.0, -1.0, 2.0], "y": [0.0] * 4})
    assert nearest_to_identified(points, [1], [4, 3, 2], 1) == [2]  # 2 and 3 tie at 1
    assert nearest_to_identified(points, [1], [4, 3, 2], 2) == [2, 3]
    assert nearest_to_identified(points, [], [4, 3, 2], 2) == []


def test_no_labelled_clusters_no_candidates() -> None:
    empty = pl.DataFrame(
        {"plane": [], "members": [], "label": []},
        schema={"plane": pl.String, "members": pl.List(pl.Int64), "label": pl.String},
    )
    assert discovery_candidates(empty, {}, ClusterSettings()) == []


def test_chunks_cover_the_candidates_in_order() -> None:
    candidates = [(i, "pi") for i in range(2 * DISCOVERY_CHUNK + 50)]
    chunks = discovery_chunks(candidates)
    assert [len(c) for c in chunks] == [DISCOVERY_CHUNK, DISCOVERY_CHUNK, 50]
    assert [pair for chunk in chunks for pair in chunk] == candidates
    assert discovery_chunks([]) == []


# -- discovery ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spec() -> PcfSpec:
    parsed = parse_spec(SPEC, source="test")
    assert isinstance(parsed, PcfSpec)
    return parsed


@pytest.fixture(scope="module")
def expansions() -> dict[str, str]:
    with mpmath.workdps(1100):
        return {"pi": mpmath.nstr(+mpmath.pi, 1060)}


TARGET = ([3, 3], [0, 1, -2])  # PCF(3n+3, -2n^2+n)
COTH = ([2, 4], [1])  # PCF(4n+2, 1) = (e + 1)/(e - 1): no Möbius form of pi


@pytest.fixture(scope="module")
def pcfs() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": [pcf_id(*TARGET), pcf_id(*COTH)],
            "a_coeffs": [TARGET[0], COTH[0]],
            "b_coeffs": [TARGET[1], COTH[1]],
        }
    )


def test_the_target_is_4_over_3pi_minus_8() -> None:
    """The expected value, checked here with exact convergents and mpmath."""
    value = lambda poly, n: sum(c * n**k for k, c in enumerate(poly))  # noqa: E731
    a, b = TARGET
    p_prev, p, q_prev, q = 1, value(a, 0), 0, 1
    for n in range(1, 400):
        a_n, b_n = value(a, n), value(b, n)
        p_prev, p = p, a_n * p + b_n * p_prev
        q_prev, q = q, a_n * q + b_n * q_prev
    with mpmath.workdps(60):
        convergent = Fraction(p, q)
        expected = 4 / (3 * mpmath.pi - 8)
        assert abs(mpmath.mpf(convergent.numerator) / convergent.denominator - expected) < 1e-40


def test_discovery_finds_4_over_3pi_minus_8(spec, pcfs, expansions) -> None:
    rows = discovered_rows(spec, [(pcf_id(*TARGET), "pi")], pcfs, expansions, "run-d")
    (row,) = rows
    assert row["subject"] == "PCF(3n+3, -2n^2+n)"
    assert row["formula"] == "PCF(3n+3, -2n^2+n) = 4/(3*pi - 8)"
    assert row["detector"] == "cluster"
    assert row["status"] == "verified"
    assert row["digits"] >= 2 * spec.identify.verify_digits
    assert row["pcf_id"] == pcf_id(*TARGET)
    assert row["space"] == spec.label
    assert row["basis"] == ["1", "pi", "L", "L*pi"]
    # L(3 pi - 8) = 4: the relation is a multiple of 4 + 0 pi + 8 L - 3 L pi
    relation = row["relation"]
    scale = Fraction(relation[0], 4)
    assert scale != 0
    assert [Fraction(r) for r in relation] == [scale * c for c in (4, 0, 8, -3)]
    # confirmed independently, not just written True: an estimate twice as deep, at twice
    # the precision, bears the relation out past the threshold
    assert row["pslq_confirmed"] is True
    assert row["confirmation_digits"] >= 2 * spec.identify.verify_digits
    assert row["method"] == "exact"
    assert row["basis_kind"] == "cluster"
    bits = sum(abs(r).bit_length() for r in relation if r)
    assert row["coefficient_bits"] == bits
    nonzero = sum(1 for r in relation if r)
    assert row["roi"] == pytest.approx(row["digits"] * 3.321928094887362 / (nonzero + bits), 1e-3)


def test_no_relation_with_the_wrong_constant(spec, pcfs, expansions) -> None:
    assert discovered_rows(spec, [(pcf_id(*COTH), "pi")], pcfs, expansions, "r") == []


def test_one_row_per_candidate_found(spec, pcfs, expansions) -> None:
    candidates = [(pcf_id(*COTH), "pi"), (pcf_id(*TARGET), "pi")]
    rows = discovered_rows(spec, candidates, pcfs, expansions, "r")
    assert [r["subject"] for r in rows] == ["PCF(3n+3, -2n^2+n)"]


FOUR_OVER_PI = ([1, 2], [0, 0, 1])  # PCF(2n+1, n^2) = 4/pi
ZERO = ([0, 1], [-1, 1])  # b(1) = 0 ends the fraction at a(0) = 0: the limit is exactly 0


def test_discovery_verifies_past_the_catalogs_digits() -> None:
    """verify_digits 600 asks cluster-led discovery for 1,200 digits, more than the 1,050 the
    catalog stores: the constant is computed to the check's precision, so 4/pi is
    verified (it was rejected before, its agreement stopping at the stored digits)."""
    spec = parse_spec(SPEC + "identify: {verify_digits: 600}\n", source="test")
    assert isinstance(spec, PcfSpec)
    frame = pl.DataFrame(
        {
            "id": [pcf_id(*FOUR_OVER_PI)],
            "a_coeffs": [FOUR_OVER_PI[0]],
            "b_coeffs": [FOUR_OVER_PI[1]],
        }
    )
    with mpmath.workdps(1100):  # the catalog's expansion, 1,060 digits: not enough
        truncated = {"pi": mpmath.nstr(+mpmath.pi, 1060)}
    (row,) = discovered_rows(spec, [(pcf_id(*FOUR_OVER_PI), "pi")], frame, truncated, "r")
    assert row["formula"] == "PCF(2n+1, n^2) = 4/pi"
    assert row["status"] == "verified"
    assert row["digits"] >= 1200
    assert row["confirmation_digits"] >= 1200


def test_discovery_of_a_zero_limit_is_no_error(spec, expansions) -> None:
    frame = pl.DataFrame({"id": [pcf_id(*ZERO)], "a_coeffs": [ZERO[0]], "b_coeffs": [ZERO[1]]})
    assert discovered_rows(spec, [(pcf_id(*ZERO), "pi")], frame, expansions, "r") == []
