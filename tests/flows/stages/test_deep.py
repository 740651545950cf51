"""flows.stages.deep: the deep relation search on a shard's unidentified limits.

Expected values are computed here by another path: convergents from a plain-integer
recurrence, constants from mpmath's own pi and e, relations evaluated term by term."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import polars as pl
import pytest

from conjectura.flows.plan import plan_shards
from conjectura.flows.stages.deep import (
    borne_out,
    deep_rows,
    deep_search,
    limit_groups,
    mirrored,
    relation_value,
)
from conjectura.flows.stages.screen import screened_columns
from conjectura.kernels.exact import ExactLimit
from conjectura.schemas.spec import PcfSpec, parse_spec
from tests.conftest import plain_convergent

ZETA2 = ([3, 11, 11], [0, 0, 0, 0, 1])  # PCF(11n^2+11n+3, n^4) = 5/zeta(2) = 30/pi^2
ZETA2_MIRROR = ([-3, -11, -11], [0, 0, 0, 0, 1])  # its mirror: -30/pi^2
E_SQUARED = ([0, 1], [0, 2])  # PCF(n, 2n) = 4/(e^2 - 3), checked below
RATIONAL = ([1], [2])  # x = 1 + 2/x: 2
ZERO = ([0, 1], [0, -1, 1])  # b(1) = 0: the value is a(0) = 0

SPEC = """
name: deep
family: pcf
a: [0]
b: [1]
depth: 16
constants: [pi, e]
identify: {verify_digits: 100}
"""


def spec_with(text: str = SPEC) -> PcfSpec:
    parsed = parse_spec(text, source="test")
    assert isinstance(parsed, PcfSpec)
    return parsed


def screened_of(*pcfs: tuple[list[int], list[int]]) -> pl.DataFrame:
    """The real screen's rows for each PCF (a one-PCF space per PCF)."""
    frames = []
    for a, b in pcfs:
        text = f"name: one\nfamily: pcf\na: {a}\nb: {b}\ndepth: 1000\nconstants: [pi]\n"
        one = spec_with(text)
        (shard,) = plan_shards(one)
        frames.append(pl.DataFrame(screened_columns(one, shard)))
    return pl.concat(frames)


def residual_digits(basis: list[str], relation: list[int], limit: mpmath.mpf) -> float:
    """-log10 |Σ r·B| / Σ |r·B| with pi and e from mpmath, at the current precision."""
    names = {"1": mpmath.mpf(1), "L": limit, "pi": +mpmath.pi, "e": mpmath.e}
    terms = []
    for r, entry in zip(relation, basis, strict=True):
        term = mpmath.mpf(r)
        for factor in entry.split("*"):
            term *= names[factor]
        terms.append(term)
    total = abs(mpmath.fsum(terms))
    return float(-mpmath.log10(total / mpmath.fsum(abs(t) for t in terms)))


@pytest.fixture(scope="module")
def screened() -> pl.DataFrame:
    frame = screened_of(ZETA2, ZETA2_MIRROR, E_SQUARED, RATIONAL, ZERO)
    assert frame["status"].to_list() == ["converged"] * 5
    return frame


def pcf_key(row: dict) -> tuple[tuple[int, ...], tuple[int, ...]]:
    return tuple(row["a_coeffs"]), tuple(row["b_coeffs"])


def test_the_identities_used_here_hold() -> None:
    with mpmath.workdps(120):
        zeta2 = plain_convergent(*ZETA2, 100)
        e_squared = plain_convergent(*E_SQUARED, 200)
        assert abs(mpmath.mpf(zeta2.numerator) / zeta2.denominator - 30 / mpmath.pi**2) < 1e-100
        value = mpmath.mpf(e_squared.numerator) / e_squared.denominator
        assert abs(value - 4 / (mpmath.e**2 - 3)) < 1e-100
    assert plain_convergent(*RATIONAL, 80) - 2 < Fraction(1, 10**20)
    assert plain_convergent(*ZERO, 10) == 0


def test_rows_state_verified_relations_that_hold_against_mpmath(screened) -> None:
    rows = {pcf_key(r): r for r in deep_rows(spec_with(), screened, set(), "run")}
    assert set(rows) == {
        (tuple(ZETA2[0]), tuple(ZETA2[1])),
        (tuple(ZETA2_MIRROR[0]), tuple(ZETA2_MIRROR[1])),
        (tuple(E_SQUARED[0]), tuple(E_SQUARED[1])),
    }
    for (a, b), row in rows.items():
        assert row["detector"] == "deep" and row["method"] == "exact"
        assert row["status"] == "verified"
        assert row["basis_kind"] == "powers"  # a power of pi or of e: beyond the lookup
        assert row["digits"] >= 100 and row["confirmation_digits"] >= 100
        assert row["roi"] >= 2
        exact = plain_convergent(list(a), list(b), 400)
        with mpmath.workdps(300):
            limit = mpmath.mpf(exact.numerator) / exact.denominator
            assert residual_digits(row["basis"], row["relation"], limit) > 100
    zeta2 = rows[(tuple(ZETA2[0]), tuple(ZETA2[1]))]
    assert zeta2["formula"] == "PCF(11n^2+11n+3, n^4) = 30/pi^2"
    assert rows[(tuple(ZETA2_MIRROR[0]), tuple(ZETA2_MIRROR[1]))]["formula"].endswith("= -30/pi^2")


def test_the_budget_takes_the_simplest_pcfs_first(screened) -> None:
    outcome = deep_search(spec_with(), screened, set(), "run", budget=1)
    # PCF(n, 2n) (height 2) before the zeta2 pair (height 11); 2 and 0 are not searched
    assert [pcf_key(r) for r in outcome.rows] == [(tuple(E_SQUARED[0]), tuple(E_SQUARED[1]))]
    assert (outcome.searched, outcome.found, outcome.left) == (1, 1, 1)
    nothing = deep_search(spec_with(), screened, set(), "run", budget=0)
    assert nothing.rows == [] and nothing.searched == 0 and nothing.left == 2


def test_a_mirror_and_its_pcf_share_one_search(screened) -> None:
    outcome = deep_search(spec_with(), screened, set(), "run")
    assert (outcome.searched, outcome.found, outcome.unsettled, outcome.left) == (2, 2, 0, 0)
    assert len(outcome.rows) == 3


def test_identified_pcfs_zero_and_rationals_are_not_searched(screened) -> None:
    ids = {pcf_key(row): row["id"] for row in screened.iter_rows(named=True)}
    groups = limit_groups(screened, {ids[(tuple(E_SQUARED[0]), tuple(E_SQUARED[1]))]}, 10.0)
    assert [[pcf_key(m) for m in group] for group in groups] == [
        [(tuple(ZETA2[0]), tuple(ZETA2[1])), (tuple(ZETA2_MIRROR[0]), tuple(ZETA2_MIRROR[1]))]
    ]
    assert limit_groups(screened, set(), 400.0) == []  # none screened that far


def test_deep_limit_of_the_spec_is_the_default_budget(screened) -> None:
    capped = spec_with(SPEC.replace("{verify_digits: 100}", "{verify_digits: 100, deep_limit: 1}"))
    assert len(deep_rows(capped, screened, set(), "run")) == 1


def test_a_relation_that_does_not_hold_is_not_borne_out() -> None:
    spec = spec_with()
    basis = ("1", "pi*pi", "L", "L*pi*pi")
    exact = ExactLimit(*ZETA2)
    near = mpmath.mpf(30) / mpmath.pi**2
    wrong = borne_out(exact, basis, (31, 0, 0, -1), "powers", near=near, settings=spec.identify)
    assert wrong is None
    right = borne_out(exact, basis, (30, 0, 0, -1), "powers", near=near, settings=spec.identify)
    assert right is not None and right.verified and right.detector == "deep"


def test_relation_value_solves_for_l() -> None:
    with mpmath.workdps(60):
        mobius = relation_value(("1", "pi*pi", "L", "L*pi*pi"), (30, 0, 0, -1), mpmath.mpf(3))
        assert abs(mobius() - 30 / mpmath.pi**2) < mpmath.mpf(10) ** -55
        two = relation_value(("1", "pi", "e", "L", "L*pi", "L*e"), (1, 2, 0, 0, -3, -1), 0)
        assert abs(two() - (1 + 2 * mpmath.pi) / (3 * mpmath.pi + mpmath.e)) < 1e-55
        golden = ("1", "L", "L*L")  # L^2 - L - 1 = 0
        assert abs(relation_value(golden, (-1, -1, 1), 1.6)() - (1 + mpmath.sqrt(5)) / 2) < 1e-55
        assert abs(relation_value(golden, (-1, -1, 1), -0.6)() - (1 - mpmath.sqrt(5)) / 2) < 1e-55


def test_mirrored_relations_hold_for_minus_l_and_keep_the_catalogs_signs() -> None:
    # L = (1 + pi)/(2 + 3pi): 1 + pi - 2L - 3L*pi = 0; -L: 1 + pi + 2L + 3L*pi = 0, and the
    # last L term is made negative again.
    assert mirrored(("1", "pi", "L", "L*pi"), (1, 1, -2, -3)) == (-1, -1, -2, -3)
    # L^2 - L - 1 (golden ratio) -> L^2 + L - 1 for -L, leading coefficient positive
    assert mirrored(("1", "L", "L*L"), (-1, -1, 1)) == (-1, 1, 1)
    # cubic: 2 - L^3 written with a positive lead is L^3 - 2; for -L: L^3 + 2
    assert mirrored(("1", "L", "L*L", "L*L*L"), (-2, 0, 0, 1)) == (2, 0, 0, 1)
