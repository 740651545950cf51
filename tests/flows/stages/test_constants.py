"""flows.stages.constants: the constant library's rows, checked against mpmath."""

from __future__ import annotations

import mpmath
import pytest

from conjectura.flows.stages.constants import constant_columns, needed_constants
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
