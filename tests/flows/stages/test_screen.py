"""flows.stages.screen: a shard's pcf rows from the real screening kernel."""

from __future__ import annotations

import itertools
import math

import mpmath
import pytest

from conjectura.flows.plan import plan_shards
from conjectura.flows.stages.screen import screened_columns
from conjectura.kernels.space import pcf_id
from conjectura.schemas.spec import PcfSpec, parse_spec
from conjectura.schemas.tables import PCF, PCF_STATUSES

SMALL = """
name: small
family: pcf
a: [[0, 2], [0, 2]]
b: [0, 0, [0, 1]]
depth: 500
constants: [pi]
"""

# a's ranges symmetric about 0: the plan pairs each PCF with its mirror in one shard
MIRRORED = """
name: mirrored
family: pcf
a: [[-1, 1], [-2, 2]]
b: [0, [0, 1], [0, 1]]
depth: 300
constants: [pi]
shard_size: 8
"""


def pcf(text: str) -> PcfSpec:
    spec = parse_spec(text, source="test")
    assert isinstance(spec, PcfSpec)
    return spec


def rows_of(columns: dict[str, list]) -> list[dict]:
    return [
        dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)
    ]


def by_pcf(rows: list[dict]) -> dict[tuple[tuple[int, ...], tuple[int, ...]], dict]:
    return {(tuple(r["a_coeffs"]), tuple(r["b_coeffs"])): r for r in rows}


def exact_convergents(a: list[int], b: list[int], depth: int) -> list[tuple[int, int]]:
    """(p_n, q_n) for n = 0..depth with Python integers."""
    value = lambda poly, n: sum(c * n**k for k, c in enumerate(poly))  # noqa: E731
    p_prev, p, q_prev, q = 1, value(a, 0), 0, 1
    out = [(p, q)]
    for n in range(1, depth + 1):
        a_n, b_n = value(a, n), value(b, n)
        p_prev, p = p, a_n * p + b_n * p_prev
        q_prev, q = q, a_n * q + b_n * q_prev
        out.append((p, q))
    return out


@pytest.fixture(scope="module")
def small() -> tuple[PcfSpec, dict[str, list]]:
    spec = pcf(SMALL)
    (shard,) = plan_shards(spec)
    return spec, screened_columns(spec, shard)


def test_every_column_of_the_pcf_table_one_row_per_pcf(small) -> None:
    spec, columns = small
    assert list(columns) == PCF.schema.names
    assert {len(values) for values in columns.values()} == {spec.space_size}
    assert set(columns["status"]) <= set(PCF_STATUSES)
    assert set(columns["depth"]) == {500}


def test_the_shard_holds_every_pcf_of_the_space_with_its_id(small) -> None:
    _, columns = small
    rows = rows_of(columns)
    expected = {
        (tuple(a), tuple(b))
        for a in ([a0, a1] for a0 in range(3) for a1 in range(3))
        for b in ([0, 0, b2] for b2 in range(2))
    }
    # coefficients are stored trimmed: pad back before comparing
    found = {
        (
            tuple(r["a_coeffs"] + [0] * (2 - len(r["a_coeffs"]))),
            tuple(r["b_coeffs"] + [0] * (3 - len(r["b_coeffs"]))),
        )
        for r in rows
    }
    assert found == expected
    for r in rows:
        assert r["a_coeffs"] == [0] or r["a_coeffs"][-1] != 0
        assert r["b_coeffs"] == [0] or r["b_coeffs"][-1] != 0
        assert r["id"] == pcf_id(r["a_coeffs"], r["b_coeffs"])
    assert len({r["id"] for r in rows}) == len(rows)


def test_pcf_2n_plus_1_n_squared_converges_to_4_over_pi(small) -> None:
    _, columns = small
    row = by_pcf(rows_of(columns))[((1, 2), (0, 0, 1))]
    with mpmath.workdps(30):
        four_over_pi = float(4 / mpmath.pi)
    assert row["status"] == "converged"
    assert row["digits"] >= 10
    assert abs(row["limit"] - four_over_pi) < 1e-9


def test_a_terminating_fraction_converges_to_its_exact_value(small) -> None:
    _, columns = small
    row = by_pcf(rows_of(columns))[((2, 1), (0,))]  # b = 0: the value is a(0) = 2
    assert row["status"] == "converged"
    assert row["limit"] == 2.0


def test_limit_and_digits_are_nan_unless_converged(small) -> None:
    _, columns = small
    rows = rows_of(columns)
    assert any(r["status"] != "converged" for r in rows)
    for r in rows:
        if r["status"] == "converged":
            assert math.isfinite(r["limit"]) and math.isfinite(r["digits"])
        else:
            assert math.isnan(r["limit"]) and math.isnan(r["digits"])


def test_no_metrics_without_dynamics(small) -> None:
    _, columns = small
    for name in ("delta_fr", "growth_c", "eigen_ratio", "metrics_depth", "metrics_reason"):
        assert set(columns[name]) == {None}


@pytest.mark.xfail(
    strict=True,
    reason="kernels.screen: PCF(0, n^2) has q_n = 0 for every odd n (its odd convergents "
    "are 1/0), yet it is screened 'converged' to 0.0: once p_n has been rescaled, a "
    "q_n of exactly 0.0 is taken for underflow and zero_q is never set",
)
def test_a_pcf_with_infinite_odd_convergents_is_not_converged(small) -> None:
    spec, columns = small
    exact = exact_convergents([0], [0, 0, 1], spec.depth)
    assert all(q == 0 for _, q in exact[1::2])  # worked out independently: q_odd = 0
    row = by_pcf(rows_of(columns))[((0,), (0, 0, 1))]
    assert row["status"] != "converged"


def test_mirrored_shards_together_cover_the_space_once() -> None:
    spec = pcf(MIRRORED)
    shards = plan_shards(spec)
    assert len(shards) > 1 and any(len(s.ranges) == 2 for s in shards)
    seen: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    for shard in shards:
        columns = screened_columns(spec, shard)
        assert set(columns["shard"]) == {shard.shard_id}
        assert len(columns["id"]) == shard.size
        seen.extend(by_pcf(rows_of(columns)))
    expected = {
        (tuple(_trim([a0, a1])), tuple(_trim([0, b1, b2])))
        for a0, a1, b1, b2 in itertools.product(range(-1, 2), range(-2, 3), range(2), range(2))
    }
    assert len(seen) == len(set(seen)) == spec.space_size
    assert set(seen) == expected


def test_a_pcf_and_its_mirror_land_in_the_same_shard() -> None:
    spec = pcf(MIRRORED)
    for shard in plan_shards(spec):
        pairs = set(by_pcf(rows_of(screened_columns(spec, shard))))
        for a, b in pairs:
            assert (tuple(_trim([-c for c in a])), b) in pairs


def test_a_mirror_converges_to_minus_the_limit() -> None:
    spec = pcf(MIRRORED)
    rows: dict = {}
    for shard in plan_shards(spec):
        rows |= by_pcf(rows_of(screened_columns(spec, shard)))
    plus, minus = rows[((1, 2), (0, 0, 1))], rows[((-1, -2), (0, 0, 1))]
    assert plus["status"] == minus["status"] == "converged"
    assert minus["limit"] == pytest.approx(-plus["limit"], rel=1e-12)


def _trim(values: list[int]) -> list[int]:
    while len(values) > 1 and values[-1] == 0:
        values = values[:-1]
    return values
