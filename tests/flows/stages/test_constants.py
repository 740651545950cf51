"""flows.stages.constants: the constant library's rows, checked against mpmath."""

from __future__ import annotations

import mpmath
import polars as pl
import pytest

from conjectura.flows.plan import plan_shards
from conjectura.flows.stages.constants import (
    constant_columns,
    needed_constants,
    same_expression,
    user_constant_columns,
)
from conjectura.flows.stages.identify import identified_rows
from conjectura.flows.stages.screen import screened_columns
from conjectura.kernels.constants import LIBRARY_DIGITS, register_user_constants
from conjectura.schemas.spec import PcfSpec, parse_spec
from conjectura.schemas.tables import CONSTANTS

# Computed here, independently of the library's definitions.
REFERENCE = {
    "pi": lambda: +mpmath.pi,
    "e": lambda: mpmath.exp(1),
    "zeta3": lambda: mpmath.zeta(3),
    "sqrt5": lambda: mpmath.sqrt(5),
    "gompertz": lambda: mpmath.e * mpmath.e1(1),
}


def significant_digits(decimal: str) -> int:
    mantissa = decimal.lower().split("e")[0].lstrip("+-").replace(".", "").lstrip("0")
    return len(mantissa)


def test_constant_values_agree_with_mpmath_to_1000_digits() -> None:
    names = list(REFERENCE)
    columns = constant_columns(names)
    assert set(columns) == set(CONSTANTS.schema.names)
    assert columns["name"] == names
    with mpmath.workdps(1100):
        for name, value, digits in zip(
            columns["name"], columns["value"], columns["digits"], strict=True
        ):
            expected = REFERENCE[name]()
            assert digits >= 1000
            assert significant_digits(value) >= 1000
            error = abs(mpmath.mpf(value) - expected) / abs(expected)
            assert error < mpmath.mpf(10) ** -1000, name


def test_each_row_says_what_it_is_and_where_it_came_from() -> None:
    columns = constant_columns(["pi", "log2"])
    assert len(columns["expression"]) == 2
    assert all(text.strip() for text in columns["expression"] + columns["source"])
    assert len(set(columns["value"])) == 2
    assert columns["value"][1].startswith("0.6931471805599453")  # ln 2, by hand


def test_no_names_no_rows() -> None:
    columns = constant_columns([])
    assert all(values == [] for values in columns.values())


def test_unknown_constant_is_refused() -> None:
    with pytest.raises(KeyError):
        constant_columns(["not_a_constant"])


def test_needed_constants_are_the_factors_once_sorted() -> None:
    assert needed_constants(["pi*pi", "e", "zeta3*pi"]) == ["e", "pi", "zeta3"]
    assert needed_constants([]) == []
    with pytest.raises(KeyError, match="nope"):
        needed_constants(["pi*nope"])


# -- user constants (issue 16 part 2) -----------------------------------------------------


def gauss_by_gamma() -> mpmath.mpf:
    """Gauss's constant by its Γ closed form, not the AGM the user writes."""
    return mpmath.gamma(mpmath.mpf(1) / 4) ** 2 / (2 * mpmath.pi) ** 1.5


def test_user_constant_rows_keep_the_expression_and_the_library_digits() -> None:
    columns = user_constant_columns({"my_g": " 1/agm(1, sqrt(2)) "})
    assert set(columns) == set(CONSTANTS.schema.names)
    assert columns["name"] == ["my_g"] and columns["expression"] == ["1/agm(1, sqrt(2))"]
    assert columns["source"] == ["user: mpmath expression"]
    assert columns["digits"] == [LIBRARY_DIGITS]
    assert significant_digits(columns["value"][0]) == LIBRARY_DIGITS
    with mpmath.workdps(LIBRARY_DIGITS + 20):
        error = abs(mpmath.mpf(columns["value"][0]) - gauss_by_gamma())
        assert error < mpmath.mpf(10) ** -(LIBRARY_DIGITS - 2)


def test_needed_constants_leave_user_constants_out() -> None:
    assert needed_constants(["pi", "my_g", "my_g*e"], user={"my_g"}) == ["e", "pi"]
    with pytest.raises(KeyError, match="my_h"):
        needed_constants(["my_h"], user={"my_g"})


def test_same_expression_ignores_spacing_and_redundant_brackets_only() -> None:
    assert same_expression("1/agm(1,sqrt(2))", " 1 / agm(1, (sqrt(2)))")
    assert not same_expression("1/agm(1, sqrt(2))", "1/agm(1, sqrt(3))")
    assert not same_expression("2*pi", "pi*2")  # the same number, another expression


USER_SPEC = """
name: gauss
family: pcf
a: [[2, 3], 4]
b: [0, -1, -2]
depth: 1000
constants: [{name: my_g, mpmath: "1/agm(1, sqrt(2))"}]
"""


def test_a_user_constant_identifies_a_gauss_formula_in_the_lookup() -> None:
    # PCF(4n+3, -2n^2-n) = 2G/(2G - 1), G Gauss's constant: checked here against the Γ form
    # with plain-integer convergents before the lookup is asked.
    spec = parse_spec(USER_SPEC, source="test")
    assert isinstance(spec, PcfSpec)
    p_prev, p, q_prev, q = 1, 3, 0, 1
    for n in range(1, 400):
        a_n, b_n = 4 * n + 3, -2 * n * n - n
        p_prev, p, q_prev, q = p, a_n * p + b_n * p_prev, q, a_n * q + b_n * q_prev
    with mpmath.workdps(110):
        g = gauss_by_gamma()
        assert abs(mpmath.mpf(p) / q - 2 * g / (2 * g - 1)) < mpmath.mpf(10) ** -100

    register_user_constants(spec.constant_expressions)  # as the run's task does
    expansions = {"my_g": user_constant_columns(spec.constant_expressions)["value"][0]}
    (shard,) = plan_shards(spec)
    screened = pl.DataFrame(screened_columns(spec, shard))
    rows = identified_rows(spec, screened, expansions, "run")
    found = {tuple(r["a_coeffs"]): r for r in rows}
    row = found[(3, 4)]
    assert row["formula"] == "PCF(4n+3, -2n^2-n) = 2*my_g/(2*my_g - 1)"
    assert row["basis"] == ["1", "my_g", "L", "L*my_g"] and row["status"] == "verified"
    p0, p1, minus_q0, minus_q1 = row["relation"]
    with mpmath.workdps(110):
        g = gauss_by_gamma()
        value = (p0 + p1 * g) / (-minus_q0 - minus_q1 * g)
        assert abs(value - 2 * g / (2 * g - 1)) < mpmath.mpf(10) ** -100
