"""flows.stages.identify: a screened shard's limits looked up and proved exactly."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import polars as pl
import pytest

from conjectura.flows.plan import plan_shards
from conjectura.flows.stages import identify as stage
from conjectura.flows.stages.identify import identified_rows
from conjectura.flows.stages.rows import columns_of
from conjectura.flows.stages.screen import screened_columns
from conjectura.kernels.space import pcf_id
from conjectura.schemas.spec import PcfSpec, parse_spec
from conjectura.schemas.tables import CONJECTURES
from tests.conftest import plain_convergent

# holds PCF(2n+1, n^2) = 4/pi and PCF(n, n+2) = 4/3 (a rational limit, worked out below)
SPEC = """
name: identify
family: pcf
a: [[0, 1], [1, 2]]
b: [[0, 2], [0, 1], [0, 1]]
depth: 500
constants: [pi]
"""


@pytest.fixture(scope="module")
def expansions() -> dict[str, str]:
    with mpmath.workdps(1100):
        return {"pi": mpmath.nstr(+mpmath.pi, 1060)}


@pytest.fixture(scope="module")
def spec() -> PcfSpec:
    parsed = parse_spec(SPEC, source="test")
    assert isinstance(parsed, PcfSpec)
    return parsed


@pytest.fixture(scope="module")
def screened(spec: PcfSpec) -> pl.DataFrame:
    (shard,) = plan_shards(spec)
    frame = pl.DataFrame(screened_columns(spec, shard))
    wanted = [((1, 2), (0, 0, 1)), ((0, 1), (2, 1)), ((1, 1), (1,))]
    keep = [
        (tuple(a), tuple(b)) in wanted
        for a, b in zip(frame["a_coeffs"], frame["b_coeffs"], strict=True)
    ]
    return frame.filter(pl.Series(keep))


@pytest.fixture(scope="module")
def found(spec, screened, expansions) -> list[dict]:
    return identified_rows(spec, screened, expansions, "run-identify")


def test_the_screened_frame_holds_both_subjects(screened) -> None:
    assert screened.height == 3
    assert set(screened["status"]) == {"converged"}
    # PCF(n, n + 2) is rational, worked out with exact convergents
    assert abs(plain_convergent([0, 1], [2, 1], 60) - Fraction(4, 3)) < Fraction(1, 10**50)


def test_pcf_2n_plus_1_n_squared_is_identified_as_4_over_pi(found, spec) -> None:
    (row,) = [r for r in found if r["subject"] == "PCF(2n+1, n^2)"]
    assert row["formula"] == "PCF(2n+1, n^2) = 4/pi"
    assert row["status"] == "verified"
    assert row["detector"] == "mobius"
    assert row["kind"] == "pcf_limit"
    assert row["digits"] >= spec.identify.verify_digits
    assert row["pslq_confirmed"] is True
    assert row["pcf_id"] == pcf_id([1, 2], [0, 0, 1])
    assert (row["a_coeffs"], row["b_coeffs"]) == ([1, 2], [0, 0, 1])
    assert row["space"] == spec.label
    assert row["run_id"] == "run-identify"
    # the relation holds for L = 4/pi, computed here
    assert row["basis"] == ["1", "pi", "L", "L*pi"]
    with mpmath.workdps(60):
        L = 4 / mpmath.pi
        values = [1, mpmath.pi, L, L * mpmath.pi]
        residual = sum(r * v for r, v in zip(row["relation"], values, strict=True))
        assert abs(residual) < mpmath.mpf(10) ** -50
    assert any(row["relation"][2:])  # L takes part in it


def test_rows_carry_method_basis_kind_return_and_confirmation(found, spec) -> None:
    """The lookup found 4 - L*pi = 0: two non-zero coefficients of 3 and 1 bits, so roi is
    digits * log2(10) / (2 + 4); the confirmation (twice as deep, twice the precision)
    reached the threshold, which is what pslq_confirmed now says."""
    (row,) = [r for r in found if r["subject"] == "PCF(2n+1, n^2)"]
    assert row["method"] == "exact"
    assert row["basis_kind"] == "lookup"
    assert row["coefficient_bits"] == 4
    assert row["roi"] == pytest.approx(row["digits"] * 3.321928094887362 / 6, rel=1e-3)
    assert row["roi"] >= 2
    assert row["confirmation_digits"] >= spec.identify.verify_digits
    assert row["pslq_confirmed"] is True
    # honest digits: never past the check's precision (2 * 50 + 20) less 10 guard digits
    assert row["digits"] <= 2 * spec.identify.verify_digits + 10


def test_a_rational_limit_is_not_a_conjecture(found) -> None:
    subjects = {r["subject"] for r in found}
    assert "PCF(n, n+2)" not in subjects
    # PCF(n+1, 1) = I0(2)/I1(2), a Bessel ratio: no Möbius form of pi, no false positive
    assert "PCF(n+1, 1)" not in subjects
    assert subjects == {"PCF(2n+1, n^2)"}


def test_rows_fit_the_conjectures_table(found) -> None:
    import pyarrow as pa

    table = pa.Table.from_pydict(columns_of(found, CONJECTURES), schema=CONJECTURES.schema)
    assert table.num_rows == len(found) == 1


def test_limits_screened_to_too_few_digits_are_not_looked_up(spec, screened, expansions) -> None:
    shallow = screened.with_columns(digits=pl.lit(spec.identify.lookup_digits - 1))
    assert identified_rows(spec, shallow, expansions, "r") == []


def test_rows_that_did_not_converge_are_skipped(spec, screened, expansions) -> None:
    diverged = screened.with_columns(status=pl.lit("oscillating"))
    assert identified_rows(spec, diverged, expansions, "r") == []


def test_the_same_shard_gives_the_same_conjecture_ids(spec, screened, expansions, found) -> None:
    again = identified_rows(spec, screened, expansions, "another-run")
    assert [r["conjecture_id"] for r in again] == [r["conjecture_id"] for r in found]


# -- slowly converging PCFs: through acceleration ------------------------------------------

SLOW_SPEC = """
name: slow-identify
family: pcf
a: [[1, 6]]
b: [[-3, 3], [-4, 4], [1, 4]]
depth: 2000
constants: [pi, log2]
identify: {verify_digits: 30%s}
"""


def slow_spec(extra: str = "") -> PcfSpec:
    parsed = parse_spec(SLOW_SPEC % extra, source="test")
    assert isinstance(parsed, PcfSpec)
    return parsed


def one_row(a: list[int], b: list[int], limit: float, digits: float) -> pl.DataFrame:
    """A screened frame of one converged PCF, as the float64 screen leaves a slow one."""
    return pl.DataFrame(
        {
            "id": [pcf_id(a, b)],
            "a_coeffs": [a],
            "b_coeffs": [b],
            "status": ["converged"],
            "limit": [limit],
            "digits": [digits],
        }
    )


@pytest.fixture(scope="module")
def slow_expansions() -> dict[str, str]:
    with mpmath.workdps(1100):
        return {"pi": mpmath.nstr(+mpmath.pi, 1060), "log2": mpmath.nstr(mpmath.log(2), 1060)}


BROUNCKER = ([2], [1, -4, 4])  # PCF(2, (2n-1)^2) = 1 + 4/pi


def brouncker_frame() -> pl.DataFrame:
    """Screened to 3.7 digits (float64 at depth 2000), below lookup_digits."""
    with mpmath.workdps(30):
        near = float(1 + 4 / mpmath.pi) + 2e-4
    return one_row(*BROUNCKER, near, 3.7)


def test_brouncker_is_verified_through_acceleration(slow_expansions) -> None:
    spec = slow_spec()
    (row,) = identified_rows(spec, brouncker_frame(), slow_expansions, "run-slow")
    assert row["formula"] == "PCF(2, 4n^2-4n+1) = (pi + 4)/pi"
    assert row["method"] == "accelerated"
    assert row["status"] == "verified"
    assert row["digits"] >= 30 and row["confirmation_digits"] >= 30
    assert row["pslq_confirmed"] is True
    assert row["roi"] >= 2
    assert row["exact_depth"] >= 1000  # the deepest convergent the acceleration used
    with mpmath.workdps(80):
        L, pi = 1 + 4 / mpmath.pi, +mpmath.pi
        values = [1, pi, L, L * pi]
        residual = sum(r * v for r, v in zip(row["relation"], values, strict=True))
        assert abs(residual) < mpmath.mpf(10) ** -70


def test_brouncker_is_numerical_when_the_acceleration_is_too_shallow(slow_expansions) -> None:
    spec = slow_spec(", max_exact_depth: 256")
    (row,) = identified_rows(spec, brouncker_frame(), slow_expansions, "run-slow")
    assert row["formula"] == "PCF(2, 4n^2-4n+1) = (pi + 4)/pi"
    assert row["method"] == "accelerated"
    assert row["status"] == "numerical"
    assert 10 <= row["digits"] < 30
    assert row["exact_depth"] <= 256
    assert row["confirmation_digits"] is None
    assert row["pslq_confirmed"] is False


def test_a_slow_pcf_screened_to_lookup_digits_goes_through_acceleration(slow_expansions) -> None:
    """PCF(4, n^2) = 6/(3 pi - 8): its screen has 13 digits, and exact convergents reach
    about 18 at depth 32768 (numerical before); accelerated, it is verified."""
    with mpmath.workdps(30):
        value = 6 / (3 * mpmath.pi - 8)
    spec = slow_spec()
    (row,) = identified_rows(
        spec, one_row([4], [0, 0, 1], float(value), 13.0), slow_expansions, "r"
    )
    assert row["method"] == "accelerated" and row["status"] == "verified"
    assert row["formula"] == "PCF(4, n^2) = 6/(3*pi - 8)"


def test_a_slow_pcf_without_an_accelerated_estimate_falls_back_to_the_exact_path(
    slow_expansions, monkeypatch
) -> None:
    """When the acceleration has nothing (here: forced), a row screened to lookup_digits
    is identified exactly, as before: numerical, with exact convergents' digits."""
    monkeypatch.setattr(stage, "accelerated_screen", lambda a, b, max_depth: None)
    with mpmath.workdps(30):
        value = 6 / (3 * mpmath.pi - 8)
    spec = slow_spec(", max_exact_depth: 4096")
    (row,) = identified_rows(
        spec, one_row([4], [0, 0, 1], float(value), 13.0), slow_expansions, "r"
    )
    assert row["method"] == "exact" and row["status"] == "numerical"
    assert row["formula"] == "PCF(4, n^2) = 6/(3*pi - 8)"
    assert row["digits"] < 30
    # and a slow row below lookup_digits has no exact fallback
    assert identified_rows(spec, brouncker_frame(), slow_expansions, "r") == []
