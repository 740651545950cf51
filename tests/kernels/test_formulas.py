"""The formula library: the packaged CSV loads strictly, every formula converges to its
stated limit, stated constants really are Möbius-related to the limit, and malformed rows
are refused with the file, line and column named."""

from __future__ import annotations

import csv
import io
from importlib import resources
from pathlib import Path

import mpmath
import pytest

from conjectura.kernels.acceleration import accelerated_limit, converges_slowly
from conjectura.kernels.constants import LIBRARY, constant_value
from conjectura.kernels.exact import agreement_digits, exact_agreement, limit_estimate
from conjectura.kernels.formulas import (
    COLUMNS,
    LibraryError,
    LibraryFormula,
    load_library,
    parse_row,
    polynomial_coefficients,
)
from tests.conftest import REFERENCE_FORMULAS, ReferenceFormula

FORMULAS = load_library()  # strictly: a malformed packaged row fails collection

WORKING_DIGITS = 50
FAST_DIGITS = 30  # exponentially converging: exact convergents, at most depth 4096
SLOW_DIGITS = 20  # the weakest, sqrt-family-4n-plus-1 at m = 1, gives 23.2 at depth 2048
SLOW_DEPTH = 2048
PSLQ_DIGITS = 50
RELATION_HEIGHT = 1000  # largest coefficient a Möbius relation of the library may need
RESIDUAL_DIGITS = 100  # the relation re-checked far beyond the precision PSLQ saw


def _name(formula: LibraryFormula) -> str:
    return formula.name


# -- the packaged library -------------------------------------------------------------------


def test_packaged_library_has_enough_rows_with_unique_names_and_sources() -> None:
    rows = {formula.family or formula.name for formula in FORMULAS}
    assert len(rows) >= 25
    names = [formula.name for formula in FORMULAS]
    assert len(names) == len(set(names))
    assert all(formula.source.strip() for formula in FORMULAS)


def test_no_pcf_is_named_twice() -> None:
    # A family's range leaves out the members that a concrete row already names.
    pcfs = [(formula.a_coeffs, formula.b_coeffs) for formula in FORMULAS]
    assert len(pcfs) == len(set(pcfs))


def test_constants_are_library_constants() -> None:
    for formula in FORMULAS:
        if formula.constant is not None:
            assert all(factor in LIBRARY for factor in formula.constant.split("*"))


def test_default_library_is_cached_and_equals_the_file_loaded_by_path() -> None:
    assert load_library() is FORMULAS
    packaged = resources.files("conjectura.kernels").joinpath("formulas.csv")
    with resources.as_file(packaged) as path:
        assert load_library(path) == FORMULAS


def test_family_rows_expand_over_their_range() -> None:
    members = [formula for formula in FORMULAS if formula.family == "sqrt-family"]
    assert [formula.name for formula in members] == [f"sqrt-family[m={m}]" for m in range(1, 31)]
    five = members[4]
    assert (five.a_coeffs, five.b_coeffs, five.limit) == ((1, 2), (5, 0, -1), "sqrt(5)")
    assert five.trivial and five.constant is None
    assert five.pcf_text == "PCF(2n+1, -n^2+5)"


@pytest.mark.parametrize("reference", REFERENCE_FORMULAS, ids=lambda f: f.id)
def test_every_reference_formula_is_in_the_library(reference: ReferenceFormula) -> None:
    by_pcf = {(f.a_coeffs, f.b_coeffs): f for f in FORMULAS}
    formula = by_pcf.get((tuple(reference.a), tuple(reference.b)))
    assert formula is not None, f"{reference.id} is missing from the library"
    with mpmath.workdps(60):
        assert agreement_digits(formula.value(60), reference.limit(80)) >= 55


# -- every formula converges to its limit -----------------------------------------------------


@pytest.mark.parametrize("formula", FORMULAS, ids=_name)
def test_formula_converges_to_its_limit(formula: LibraryFormula) -> None:
    a, b = formula.a_coeffs, formula.b_coeffs
    with mpmath.workdps(WORKING_DIGITS):
        target = formula.value(WORKING_DIGITS)
        if not converges_slowly(a, b):
            agreement = exact_agreement(
                a, b, target, want_digits=FAST_DIGITS, max_depth=4096, start_depth=64
            )
            assert agreement is not None and agreement.digits >= FAST_DIGITS
            return
        # Exact convergents of a slow fraction give a handful of digits; the accelerated
        # estimate claims only what its independent extrapolations agree on.
        estimate = accelerated_limit(a, b, SLOW_DEPTH, WORKING_DIGITS)
        assert estimate is not None
        assert min(agreement_digits(estimate.value, target), estimate.digits) >= SLOW_DIGITS
        # and, without any extrapolation, the convergents are on their way there
        assert agreement_digits(limit_estimate(a, b, SLOW_DEPTH).value, target) >= 2


# -- stated constants --------------------------------------------------------------------------


@pytest.mark.parametrize("formula", [f for f in FORMULAS if f.constant], ids=_name)
def test_limit_is_a_mobius_function_of_its_constant(formula: LibraryFormula) -> None:
    assert formula.constant is not None
    with mpmath.workdps(PSLQ_DIGITS):
        limit = formula.value(PSLQ_DIGITS)
        c = constant_value(formula.constant, PSLQ_DIGITS)
        relation = mpmath.pslq([1, c, limit, limit * c], maxcoeff=RELATION_HEIGHT, maxsteps=100_000)
    assert relation is not None, f"no relation r0 + r1 c + r2 L + r3 L c = 0 for {formula.name}"
    r0, r1, r2, r3 = relation
    # L = -(r0 + r1 c)/(r2 + r3 c) is a proper Möbius function only when r0 r3 != r1 r2
    # (otherwise the relation says that L is rational).
    assert r0 * r3 != r1 * r2
    with mpmath.workdps(RESIDUAL_DIGITS + 20):
        limit = formula.value(RESIDUAL_DIGITS + 20)
        c = constant_value(formula.constant, RESIDUAL_DIGITS + 20)
        residual = abs(r0 + r1 * c + r2 * limit + r3 * limit * c)
        assert residual < mpmath.mpf(10) ** -RESIDUAL_DIGITS


# -- polynomials ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "coefficients"),
    [
        ("2*n+1", (1, 2)),
        ("n**2", (0, 0, 1)),
        ("-(2*n-1)*(n+1)", (1, -1, -2)),
        ("34*n**3+51*n**2+27*n+5", (5, 27, 51, 34)),
        ("n**3+(n+1)**3", (1, 3, 3, 2)),
        ("(2*n+1)**4", (1, 8, 24, 32, 16)),
        ("n*n - n**2 + 7", (7,)),
    ],
)
def test_polynomial_coefficients(text: str, coefficients: tuple[int, ...]) -> None:
    assert polynomial_coefficients(text) == coefficients


# -- malformed rows ------------------------------------------------------------------------------

GOOD_ROW = {
    "name": "good",
    "a": "2*n+1",
    "b": "n**2",
    "limit": "4/pi",
    "constant": "pi",
    "parameter": "",
    "parameter_values": "",
    "trivial": "",
    "source": "Gauss 1813",
}


def _library_file(tmp_path: Path, *rows: dict[str, str] | str) -> Path:
    """A CSV of the header, GOOD_ROW (line 2) and ``rows`` (from line 3); a str is a raw line."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerow([GOOD_ROW[column] for column in COLUMNS])
    for row in rows:
        if isinstance(row, str):
            text.write(row + "\n")
        else:
            writer.writerow([{**GOOD_ROW, **row}[column] for column in COLUMNS])
    path = tmp_path / "library.csv"
    path.write_text(text.getvalue(), encoding="utf-8")
    return path


def _family(**cells: str) -> dict[str, str]:
    return {"name": "fam", "constant": "", "parameter": "m", "parameter_values": "1..5", **cells}


MALFORMED = {
    "empty name": ({"name": ""}, "name"),
    "name not a slug": ({"name": "Bad Name"}, "name"),
    "empty source": ({"name": "x", "source": " "}, "source"),
    "duplicate name": ({"name": "good", "a": "3*n"}, "name"),
    "division in a": ({"name": "x", "a": "(4*n+2)/2"}, "a"),
    "non-integer literal in a": ({"name": "x", "a": "0.5*n"}, "a"),
    "function in a": ({"name": "x", "a": "sqrt(n)"}, "a"),
    "negative exponent in a": ({"name": "x", "a": "n**-1"}, "a"),
    "caret for power in a": ({"name": "x", "a": "n^2"}, "a"),
    "syntax error in a": ({"name": "x", "a": "2*n+"}, "a"),
    "unknown symbol in b": ({"name": "x", "b": "k*n**2"}, "b"),
    "symbolic exponent in b": ({"name": "x", "b": "n**n"}, "b"),
    "zero b": ({"name": "x", "b": "n-n"}, "b"),
    "unknown function in limit": ({"name": "x", "limit": "4/tau(1)"}, "limit"),
    "unknown name in limit": ({"name": "x", "limit": "4/zeta3"}, "limit"),
    "limit with a pole": ({"name": "x", "limit": "1/(e-e)"}, "limit"),
    "unknown constant": ({"name": "x", "constant": "tau"}, "constant"),
    "constant as a power": ({"name": "x", "constant": "pi**2"}, "constant"),
    "constant with an empty factor": ({"name": "x", "constant": "pi*"}, "constant"),
    "range not lo..hi": (_family(a="m*n+1", parameter_values="1-5"), "parameter_values"),
    "range lo above hi": (_family(a="m*n+1", parameter_values="5..1"), "parameter_values"),
    "parameter without values": (_family(a="m*n+1", parameter_values=""), "parameter_values"),
    "values without parameter": (_family(a="2*n+1", parameter=""), "parameter"),
    "parameter named n": (_family(parameter="n"), "parameter"),
    "parameter named like a constant": (_family(parameter="pi"), "parameter"),
    "parameter symbol unknown in a": (_family(a="k*n+1"), "a"),
    "limit fails at one parameter value": (_family(a="m*n+1", limit="1/(m-3)"), "limit"),
}


@pytest.mark.parametrize(("row", "column"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_row_is_refused_naming_line_and_column(
    tmp_path: Path, row: dict[str, str], column: str
) -> None:
    path = _library_file(tmp_path, row)
    with pytest.raises(LibraryError) as raised:
        load_library(path)
    assert f"{path}:3: column {column!r}" in str(raised.value)


def test_parameter_value_is_named_in_the_message(tmp_path: Path) -> None:
    path = _library_file(tmp_path, _family(a="m*n+1", limit="1/(m-3)"))
    with pytest.raises(LibraryError, match=r"at m=3"):
        load_library(path)


def test_wrong_header_is_refused_on_line_one(tmp_path: Path) -> None:
    path = tmp_path / "library.csv"
    path.write_text("name,a,b,limit,constant,source\nx,1,1,1,,someone\n", encoding="utf-8")
    with pytest.raises(LibraryError, match=rf"{path}:1: header"):
        load_library(path)


@pytest.mark.parametrize("line", ["x,2*n+1,n**2,4/pi,pi,,,,Gauss,extra", "x,2*n+1,n**2"])
def test_row_with_wrong_cell_count_is_refused(tmp_path: Path, line: str) -> None:
    path = _library_file(tmp_path, line)
    with pytest.raises(LibraryError, match=rf"{path}:3: the row has \d+ cells"):
        load_library(path)


def test_parse_row_expands_a_negative_range() -> None:
    row = {**GOOD_ROW, **_family(a="2*n+1", b="m-n**2", limit="m", parameter_values="-2..-1")}
    formulas = parse_row(row, 7, "here.csv")
    assert [f.name for f in formulas] == ["fam[m=-2]", "fam[m=-1]"]
    assert formulas[0].b_coeffs == (-2, 0, -1)
    assert formulas[0].limit == "(-2)" and formulas[0].family == "fam"
    assert formulas[0].value(20) == -2
