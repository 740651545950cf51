"""flows.stages.metrics: convergence-dynamics metrics of converged rows, mirrors walked once."""

from __future__ import annotations

import math

import mpmath
import pytest

from conjectura.flows.stages.metrics import metrics_columns
from conjectura.schemas.spec import PcfSpec, parse_spec
from conjectura.schemas.tables import PCF

BASE = """
name: metrics
family: pcf
a: [[-1, 1], [-2, 2]]
b: [0, 0, 1]
depth: 200
constants: [pi]
"""
WITH_DYNAMICS = BASE + "dynamics: {depth: 200}\n"

# the metric columns of the pcf table: every nullable column after the screening ones
METRIC_NAMES = PCF.schema.names[PCF.schema.names.index("shard") + 1 :]


def spec_of(text: str) -> PcfSpec:
    spec = parse_spec(text, source="test")
    assert isinstance(spec, PcfSpec)
    return spec


def row(columns: dict[str, list], i: int) -> dict:
    return {name: values[i] for name, values in columns.items()}


@pytest.fixture(scope="module")
def pair() -> dict[str, list]:
    """PCF(2n+1, n^2), then its mirror PCF(-2n-1, n^2): the mirror comes from the first."""
    return metrics_columns(
        spec_of(WITH_DYNAMICS), [[1, 2], [-1, -2]], [[0, 0, 1], [0, 0, 1]], [True, True]
    )


def test_all_null_columns_without_dynamics() -> None:
    columns = metrics_columns(spec_of(BASE), [[1, 2], [1]], [[0, 0, 1], [1]], [True, True])
    assert list(columns) == METRIC_NAMES
    assert all(values == [None, None] for values in columns.values())


def test_a_pcf_and_its_mirror_share_every_metric_but_the_eigen_ratio_sign(pair) -> None:
    plus, minus = row(pair, 0), row(pair, 1)
    assert plus["metrics_reason"] is None
    for name in METRIC_NAMES:
        if name == "eigen_ratio":
            assert minus[name] == -plus[name] != 0
        else:
            assert minus[name] == plus[name], name


def test_the_mirror_shortcut_matches_walking_the_mirror_itself(pair) -> None:
    alone = metrics_columns(spec_of(WITH_DYNAMICS), [[-1, -2]], [[0, 0, 1]], [True])
    for name in METRIC_NAMES:
        found, walked = pair[name][1], alone[name][0]
        if isinstance(walked, float):
            assert found == pytest.approx(walked, rel=1e-12, abs=1e-12), name
        else:
            assert found == walked, name


def test_eigen_ratio_from_the_leading_coefficients(pair) -> None:
    # a(n) ~ 2n, b(n) ~ n^2: A = 2, B = 1, log|(A + sqrt(A^2 + 4B))/(A - sqrt(A^2 + 4B))|
    with mpmath.workdps(30):
        root = mpmath.sqrt(2**2 + 4 * 1)
        expected = float(mpmath.log(abs((2 + root) / (2 - root))))
    assert expected == pytest.approx(2 * math.log(1 + math.sqrt(2)))  # worked by hand
    assert pair["eigen_ratio"][0] == pytest.approx(expected, rel=1e-12)
    assert pair["eigen_complex"] == [False, False]


def test_metrics_are_finite_numbers_at_the_spec_depth(pair) -> None:
    assert pair["metrics_depth"] == [200, 200]
    for name in ("delta_naive", "delta_fr", "growth_c", "convergence_c"):
        assert all(isinstance(v, float) and math.isfinite(v) for v in pair[name]), name
    # the convergents approach the limit: the error shrinks, so its fitted slope is negative
    assert pair["convergence_c"][0] < 0
    # q_n grows: a positive growth fit
    assert pair["growth_c"][0] + pair["growth_d"][0] * math.log(200) > 0


def test_rows_that_did_not_converge_get_no_metrics() -> None:
    columns = metrics_columns(
        spec_of(WITH_DYNAMICS), [[1, 2], [1, 1]], [[0, 0, 1], [0, 0, 1]], [False, True]
    )
    assert all(values[0] is None for values in columns.values())
    assert columns["delta_fr"][1] is not None


def test_a_terminating_fraction_gets_a_reason_not_numbers() -> None:
    # b(n) = 1 - n: b(1) = 0, so the value is a rational number
    columns = metrics_columns(spec_of(WITH_DYNAMICS), [[1, 1]], [[1, -1]], [True])
    assert columns["metrics_reason"][0]
    assert columns["metrics_depth"] == [200]
    numbers = [n for n in METRIC_NAMES if n not in ("metrics_reason", "metrics_depth")]
    assert all(columns[n] == [None] for n in numbers)
