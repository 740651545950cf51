"""The one formula printer: pinned texts, canonical surds checked by sympy, TeX that renders."""

from __future__ import annotations

import io
import itertools
import re

import pytest
import sympy
from matplotlib import mathtext

from conjectura.schemas.printing import (
    constant_tex,
    esma_formula_text,
    formula_text,
    mobius_text,
    pcf_tex,
    pcf_text,
    polynomial_tex,
    polynomial_text,
    quadratic_text,
    rational_form_text,
    recurrence_text,
    relation_tex,
    relation_text,
    subject_tex,
    value_text,
)

ALGEBRAIC_2 = ["1", "L", "L*L"]
ALGEBRAIC_3 = ["1", "L", "L*L", "L*L*L"]


def mobius_basis(constant: str) -> list[str]:
    return ["1", constant, "L", f"L*{constant}"]


# -- plain text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("coefficients", "variable", "expected"),
    [
        ([1, 2], "n", "2n+1"),
        ([0, 0, -2], "n", "-2n^2"),
        ([0], "n", "0"),
        ([], "n", "0"),
        ([1], "n", "1"),
        ([-1], "n", "-1"),
        ([0, 1], "n", "n"),
        ([0, -1], "n", "-n"),
        ([5, 27, 51, 34], "n", "34n^3+51n^2+27n+5"),
        ([-4, 1, -3, 0], "n", "-3n^2+n-4"),
        ([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1], "n", "-n^12+1"),
        ([3, -1], "x", "-x+3"),
    ],
)
def test_polynomial_text(coefficients: list[int], variable: str, expected: str) -> None:
    assert polynomial_text(coefficients, variable) == expected


def test_pcf_text() -> None:
    assert pcf_text([1, 2], [0, 0, 1]) == "PCF(2n+1, n^2)"
    assert pcf_text([5, 27, 51, 34], [0, 0, 0, 0, 0, 0, -1]) == "PCF(34n^3+51n^2+27n+5, -n^6)"
    assert pcf_text([1], [1]) == "PCF(1, 1)"
    assert pcf_text([0, 1, 0], [0, 1]) == "PCF(n, n)"  # padding does not show


@pytest.mark.parametrize(
    ("form", "constant", "expected"),
    [
        ((4, 0, 0, 1), "pi", "4/pi"),
        ((0, 1, 1, 0), "e", "e"),
        ((1, 0, -1, 1), "e", "1/(e - 1)"),
        ((0, 1, -2, 1), "e", "e/(e - 2)"),
        ((1, 1, -1, 1), "e", "(e + 1)/(e - 1)"),
        ((4, 0, -8, 3), "pi", "4/(3*pi - 8)"),
        ((0, 1, -4, 1), "pi", "pi/(pi - 4)"),
        ((-3, 2, 5, 0), "log2", "(2*log2 - 3)/5"),
        ((0, -1, 2, 0), "catalan", "-catalan/2"),
        ((3, 0, -1, 0), "pi", "-3"),  # denominator -1: the sign moves up
        ((1, 0, 0, -1), "pi", "1/(-pi)"),  # not a table form, printed as given
        ((0, 0, 1, 0), "pi", "0"),
        # fix: a product in the denominator is bracketed
        ((8, 0, 0, 7), "zeta3", "8/(7*zeta3)"),
        ((6, 0, 0, 1), "zeta3", "6/zeta3"),
        ((1, 0, 0, 2), "pi*pi", "1/(2*pi^2)"),
        ((1, 0, 0, 1), "pi*pi", "1/pi^2"),
        ((2, 1, 0, 3), "pi", "(pi + 2)/(3*pi)"),
    ],
)
def test_mobius_text(form: tuple[int, int, int, int], constant: str, expected: str) -> None:
    assert mobius_text(form, constant) == expected


@pytest.mark.parametrize(
    ("form", "constant", "expected"),
    [
        ((0, 1, -1, 1), "sqrt2", "2 + sqrt2"),  # sqrt2/(sqrt2 - 1)
        ((2, 1, 1, 0), "sqrt2", "2 + sqrt2"),
        ((2, 0, 2, -1), "sqrt2", "2 + sqrt2"),  # 2/(2 - sqrt2)
        ((1, 1, 2, 0), "sqrt5", "(1 + sqrt5)/2"),
        ((2, 0, -1, 1), "sqrt5", "(1 + sqrt5)/2"),  # 2/(sqrt5 - 1): the golden ratio again
        ((1, 1, 1, 0), "sqrt2", "1 + sqrt2"),
        ((0, 1, 3, 0), "sqrt3", "sqrt3/3"),
        ((1, 0, 0, 1), "sqrt3", "sqrt3/3"),  # 1/sqrt3
        ((0, -1, 1, 0), "sqrt3", "-sqrt3"),
        ((0, 1, 1, 0), "sqrt8", "2*sqrt2"),  # square factors leave the radicand
        ((3, 0, 1, 0), "sqrt2", "3"),  # a degenerate (rational) form still prints
    ],
)
def test_mobius_text_over_a_surd_is_canonical(
    form: tuple[int, int, int, int], constant: str, expected: str
) -> None:
    assert mobius_text(form, constant) == expected


def test_mobius_text_over_a_square_root_of_a_square_is_plain() -> None:
    assert mobius_text((1, 1, 2, 0), "sqrt4") == "(sqrt4 + 1)/2"


@pytest.mark.parametrize(
    ("pqdr", "expected"),
    [
        ((2, 1, 2, 1), "2 + sqrt2"),
        ((1, 1, 5, 2), "(1 + sqrt5)/2"),
        ((0, -1, 3, 1), "-sqrt3"),
        ((3, -2, 2, 7), "(3 - 2*sqrt2)/7"),
        ((0, 1, 8, 2), "sqrt2"),
        ((0, 3, 2, 6), "sqrt2/2"),
        ((-2, -1, 2, -1), "2 + sqrt2"),  # r made positive
        ((4, 4, 5, 8), "(1 + sqrt5)/2"),  # gcd divided out
        ((1, 1, 12, 1), "1 + 2*sqrt3"),
        ((0, 2, 18, 3), "2*sqrt2"),
        ((0, -2, 2, 3), "-2*sqrt2/3"),
        ((-1, -1, 5, 2), "(-1 - sqrt5)/2"),
        ((3, 0, 2, 6), "1/2"),  # q = 0: the rational p/r
        ((0, 0, 7, 5), "0"),
    ],
)
def test_quadratic_text(pqdr: tuple[int, int, int, int], expected: str) -> None:
    assert quadratic_text(*pqdr) == expected


@pytest.mark.parametrize("d", [1, 4, 9, 0, -2, -5])
def test_quadratic_text_refuses_rational_or_imaginary_roots(d: int) -> None:
    with pytest.raises(ValueError):
        quadratic_text(1, 1, d, 1)


def test_quadratic_text_refuses_a_zero_denominator() -> None:
    with pytest.raises(ValueError):
        quadratic_text(1, 1, 2, 0)


def _parsed(text: str) -> sympy.Expr:
    """sympy's reading of a printed value, sqrtN read as sqrt(N)."""
    return sympy.sympify(re.sub(r"sqrt(\d+)", r"sqrt(\1)", text))


SQUAREFUL = (2, 3, 5, 6, 7, 8, 12, 18, 20, 27, 45, 50)


def test_quadratic_text_prints_the_value_it_was_given() -> None:
    """Exactly equal by sympy over a grid, one text per value, a square-free radicand."""
    texts: dict[sympy.Expr, str] = {}
    for p, q, d, r in itertools.product(range(-4, 5), range(-3, 4), SQUAREFUL, range(-4, 5)):
        if r == 0 or q == 0:
            continue
        text = quadratic_text(p, q, d, r)
        wanted = sympy.expand((p + q * sympy.sqrt(d)) / sympy.Integer(r))
        assert sympy.expand(_parsed(text) - wanted) == 0, (p, q, d, r, text)
        assert texts.setdefault(wanted, text) == text, (p, q, d, r, text, texts[wanted])
        (radicand,) = re.findall(r"sqrt(\d+)", text)
        assert all(int(radicand) % (k * k) for k in range(2, 8)), text


def test_mobius_text_over_a_surd_is_the_exact_value() -> None:
    for form in itertools.product(range(-2, 3), repeat=4):
        p0, p1, q0, q1 = form
        if p0 * q1 == p1 * q0:
            continue
        for d in (2, 3, 5, 8):
            c = sympy.sqrt(d)
            text = mobius_text(form, f"sqrt{d}")
            assert sympy.expand(_parsed(text) * (q0 + q1 * c) - (p0 + p1 * c)) == 0, text


# -- values and formulas --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("basis", "relation", "expected"),
    [
        (mobius_basis("pi"), (4, 0, 0, -1), "4/pi"),
        (mobius_basis("pi"), (-4, 0, 0, 1), "4/pi"),  # sign normalised
        (mobius_basis("pi"), (8, 0, 0, -2), "4/pi"),  # content divided out
        (mobius_basis("e"), (0, 1, 2, -1), "e/(e - 2)"),
        (mobius_basis("zeta3"), (8, 0, 0, -7), "8/(7*zeta3)"),
        (mobius_basis("zeta3"), (6, 0, 0, -1), "6/zeta3"),
        (mobius_basis("sqrt2"), (0, 1, 1, -1), "2 + sqrt2"),
        (mobius_basis("sqrt5"), (1, 1, -2, 0), "(1 + sqrt5)/2"),
        (mobius_basis("pi"), (1, 2, 0, 0), "1 + 2*pi = 0"),  # no L: not a value
    ],
)
def test_value_text_of_mobius_relations(
    basis: list[str], relation: tuple[int, ...], expected: str
) -> None:
    assert value_text(basis, relation) == expected


def test_value_text_of_a_quadratic_is_the_exact_root_nearest() -> None:
    golden = (-1, -1, 1)  # x^2 - x - 1
    assert value_text(ALGEBRAIC_2, golden, near=1.618) == "(1 + sqrt5)/2"
    assert value_text(ALGEBRAIC_2, golden, near=-0.618) == "(1 - sqrt5)/2"
    assert value_text(ALGEBRAIC_2, golden) == "(1 + sqrt5)/2"  # the larger root
    assert value_text(ALGEBRAIC_2, (-1, -2, 1), near=2.414) == "1 + sqrt2"  # sqrt8 reduced
    assert value_text(ALGEBRAIC_2, (1, 2, -1), near=-0.414) == "1 - sqrt2"  # lead < 0
    assert value_text(ALGEBRAIC_2, (1, 2, -1)) == "1 + sqrt2"
    assert value_text(ALGEBRAIC_2, (-6, 1, 1), near=1.9) == "2"  # rational roots
    assert value_text(ALGEBRAIC_2, (-6, 1, 1), near=-3.1) == "-3"
    assert value_text(ALGEBRAIC_2, (-1, 0, 4), near=0.4) == "1/2"
    assert value_text(ALGEBRAIC_2, (1, 0, 1), near=0.0) == "1 + L*L = 0"  # no real root


def test_value_text_of_higher_degree_names_the_polynomial_and_the_root() -> None:
    root = 2.1038034027355365  # of x^3 - 3x - 3
    assert value_text(ALGEBRAIC_3, (-3, -3, 0, 1), near=root) == (
        "root of x^3 - 3x - 3 near 2.10380340274"
    )
    assert value_text(ALGEBRAIC_3, (-3, -3, 0, 1)) == "root of x^3 - 3x - 3"
    quartic = ["1", "L", "L*L", "L*L*L", "L*L*L*L"]
    assert value_text(quartic, (1, 0, -2, 0, 2), near=-1e-6) == (
        "root of 2x^4 - 2x^2 + 1 near -1.0e-6"
    )
    assert value_text(quartic, (1, -1, 0, 0, 1), near=100.0) == ("root of x^4 - x + 1 near 100.0")
    assert value_text(quartic, (-2, 0, 0, 1, 0), near=1.2599210498948732) == (
        "root of x^3 - 2 near 1.25992104989"  # trailing zeros trimmed: a cubic
    )
    assert value_text(quartic, (-7, 0, 0, 1, 0), near=123456789012.5) == (
        "root of x^3 - 7 near 123456789013.0"  # half up, as mpmath.nstr rounds
    )


@pytest.mark.parametrize(
    ("basis", "relation", "expected"),
    [
        (["1", "L", "L*pi"], (1, 3, -2), "1 + 3*L - 2*L*pi = 0"),
        (["1", "L", "L*pi"], (-1, 0, 1), "-1 + L*pi = 0"),
        (["1", "L"], (-3, 2), "-3 + 2*L = 0"),
        (["1", "L"], (0, 0), "0 = 0"),
        (
            ["1", "pi", "pi*pi", "L", "L*pi", "L*pi*pi"],
            (1, 0, 2, -3, 0, -1),
            "1 + 2*pi*pi - 3*L - L*pi*pi = 0",
        ),
        (
            ["a(n)", "n*a(n)", "a(n+1)", "n^2*a(n+1)"],
            (2, 1, -1, -1),
            "2*a(n) + n*a(n) - a(n+1) - n^2*a(n+1) = 0",
        ),
    ],
)
def test_relation_text(basis: list[str], relation: tuple[int, ...], expected: str) -> None:
    assert relation_text(basis, relation) == expected


@pytest.mark.parametrize(
    ("basis", "relation", "expected"),
    [
        (["1", "L", "L*pi"], (1, 3, -2), "1/(2*pi - 3)"),
        (["1", "L", "L*pi"], (-1, 0, 1), "1/pi"),
        (["1", "L"], (-3, 2), "3/2"),
        (["1", "pi*pi", "L", "L*pi*pi"], (30, 0, 0, -1), "30/pi^2"),
        (["1", "e*e", "L", "L*e*e"], (0, 1, -1, 0), "e^2"),
        (["1", "zeta3", "L*pi*pi"], (0, 1, -1), "zeta3/pi^2"),
        (
            ["1", "pi", "log2", "L", "L*pi", "L*log2"],
            (-1, -2, 0, 0, 1, 1),
            "(2*pi + 1)/(pi + log2)",
        ),
        (
            ["1", "pi", "pi*pi", "L", "L*pi", "L*pi*pi"],
            (1, 0, 2, -3, 0, -1),
            "(2*pi^2 + 1)/(pi^2 + 3)",
        ),
        # L squared is not solved for, and a basis without L is only a relation
        (["1", "L*L", "L*pi"], (1, 1, 1), "1 + L*L + L*pi = 0"),
        (["a(n)", "a(n+1)"], (1, -1), "a(n) - a(n+1) = 0"),
    ],
)
def test_value_text_solves_a_relation_linear_in_L(
    basis: list[str], relation: tuple[int, ...], expected: str
) -> None:
    assert value_text(basis, relation) == expected


def test_formula_text() -> None:
    assert formula_text("PCF(2n+1, n^2)", mobius_basis("pi"), (4, 0, 0, -1)) == (
        "PCF(2n+1, n^2) = 4/pi"
    )
    assert formula_text("PCF(1, 1)", ALGEBRAIC_2, (-1, -1, 1), near=1.618) == (
        "PCF(1, 1) = (1 + sqrt5)/2"
    )
    assert formula_text("PCF(2, 1)", mobius_basis("sqrt2"), (0, 1, 1, -1)) == (
        "PCF(2, 1) = 2 + sqrt2"
    )


@pytest.mark.parametrize(
    ("coefficients", "expected"),
    [
        ([[-1], [-1], [1]], "-a(n) - a(n+1) + a(n+2) = 0"),
        ([[-4, -2], [1, 1]], "(-2n-4)·a(n) + (n+1)·a(n+1) = 0"),
        ([[2, 0], [0, 0], [-1, 3]], "(2)·a(n) + (3n-1)·a(n+2) = 0"),
        ([[0, 0, 1], [-1, 0, 0]], "(n^2)·a(n) - a(n+1) = 0"),
        ([[-2], [1]], "(-2)·a(n) + a(n+1) = 0"),
        ([[1, 1], [0, -1]], "(n+1)·a(n) + (-n)·a(n+1) = 0"),
    ],
)
def test_recurrence_text(coefficients: list[list[int]], expected: str) -> None:
    assert recurrence_text(coefficients) == expected
    assert recurrence_text(coefficients, offset=0) == expected


def test_recurrence_text_names_the_first_index() -> None:
    # Catalan numbers listed from a(1): (n+1)·a(n+1) = (4n-2)·a(n) for n >= 1
    assert recurrence_text([[2, -4], [1, 1]], offset=1) == (
        "(-4n+2)·a(n) + (n+1)·a(n+1) = 0 for n ≥ 1"
    )
    assert recurrence_text([[-1], [-1], [1]], offset=-3) == (
        "-a(n) - a(n+1) + a(n+2) = 0 for n ≥ -3"
    )


@pytest.mark.parametrize(
    ("p", "q", "constant", "expected"),
    [
        ((1, 0, 1), (0, 2, 0), "pi", "(pi^2 + 1)/(2*pi)"),
        ((-1, 3), (1, 0), "pi", "3*pi - 1"),
        ((0, 1), (1, 1), "e", "e/(e + 1)"),
        ((4, 0), (0, -1), "zeta3", "4/(-zeta3)"),
        ((0, -2), (3, 0), "log2", "-2*log2/3"),
        ((2, 0, -1), (0, 0, 1), "pi", "(-pi^2 + 2)/pi^2"),
        ((0, 0), (1, 0), "pi", "0"),
        ((1, 1), (0, 1), "pi*pi", "(pi*pi + 1)/(pi*pi)"),
    ],
)
def test_rational_form_text(
    p: tuple[int, ...], q: tuple[int, ...], constant: str, expected: str
) -> None:
    assert rational_form_text(p, q, constant) == expected


def test_esma_formula_text() -> None:
    assert esma_formula_text("(1 + pi)/2", 2, [1, 3, 5, 7, 9, 11], [1, -2, 1], [1, -1]) == (
        "(1 + pi)/2 = [2; 1, 3, 5, 7, 9, 11, ...] signs (+-), a(n) = 2a(n-1) - a(n-2)"
    )
    assert esma_formula_text("x", 1, [2, 4, 8, 16, 32, 64], [2, -4, 0], [1]) == (
        "x = [1; 2, 4, 8, 16, 32, 64, ...] signs (+), a(n) = (4a(n-1))/2"
    )
    assert esma_formula_text("e", 2, [1, 2, 1, 1, 4, 1], [1, 0, 0, -2, 0, 0, 1], [1]) == (
        "e = [2; 1, 2, 1, 1, 4, 1, ...] signs (+), a(n) = 2a(n-3) - a(n-6)"
    )
    assert esma_formula_text("pi", -3, [5, -7], [1, 3, 1], [-1, -1, 1]) == (
        "pi = [-3; 5, -7, ...] signs (--+), a(n) = -3a(n-1) - a(n-2)"
    )


# -- TeX ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pi", r"\pi"),
        ("e", "e"),
        ("log2", r"\ln 2"),
        ("zeta3", r"\zeta(3)"),
        ("zeta5", r"\zeta(5)"),
        ("catalan", "G"),
        ("sqrt2", r"\sqrt{2}"),
        ("sqrt7", r"\sqrt{7}"),
        ("gauss", r"G_{\mathrm{Gauss}}"),
        ("lemniscate", r"\varpi"),
        ("euler_gamma", r"\gamma"),
        ("gompertz", r"\delta_G"),
        ("L", "L"),
        ("my_const", r"\mathrm{my\_const}"),
        ("e*e*e", "e^{3}"),
        ("pi*zeta3*pi", r"\pi^{2}\zeta(3)"),
    ],
)
def test_constant_tex(name: str, expected: str) -> None:
    assert constant_tex(name) == expected


def test_polynomial_and_pcf_tex() -> None:
    assert polynomial_tex([0, 0, -2]) == "-2n^{2}"
    assert polynomial_tex([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]) == "n^{12}+1"
    assert pcf_tex([1, 2], [0, 0, 1]) == r"\mathrm{PCF}\left(2n+1,\ n^{2}\right)"


@pytest.mark.parametrize(
    ("basis", "relation", "expected"),
    [
        (mobius_basis("pi"), (4, 0, 0, -1), r"L = \frac{4}{\pi}"),
        (mobius_basis("pi"), (-4, 0, 0, 1), r"L = \frac{4}{\pi}"),
        (mobius_basis("e"), (0, 1, -1, 0), "L = e"),
        (mobius_basis("e"), (0, 1, 1, 0), "L = -e"),
        (mobius_basis("e"), (1, 1, 1, -1), r"L = \frac{e + 1}{e - 1}"),
        (mobius_basis("zeta3"), (8, 0, 0, -7), r"L = \frac{8}{7\zeta(3)}"),
        (mobius_basis("log2"), (-3, 2, -5, 0), r"L = \frac{2\ln 2 - 3}{5}"),
        (mobius_basis("sqrt2"), (0, 1, 1, -1), r"L = 2 + \sqrt{2}"),
        (mobius_basis("sqrt5"), (1, 1, -2, 0), r"L = \frac{1 + \sqrt{5}}{2}"),
        (mobius_basis("sqrt3"), (1, 0, 0, -1), r"L = \frac{\sqrt{3}}{3}"),
        (ALGEBRAIC_2, (-1, -1, 1), "-1 - L + L^{2} = 0"),
        (ALGEBRAIC_3, (-3, -3, 0, 1), "-3 - 3L + L^{3} = 0"),
        (
            ["1", "pi", "pi*pi", "L", "L*pi", "L*pi*pi"],
            (1, 0, 2, -3, 0, -1),
            r"1 + 2\pi^{2} - 3L - L\pi^{2} = 0",
        ),
        (
            ["a(n)", "n*a(n)", "a(n+1)", "n^2*a(n+1)"],
            (2, 1, -1, -1),
            "2a(n) + na(n) - a(n+1) - n^{2}a(n+1) = 0",
        ),
        (["1", "L", "L*gauss"], (1, 0, -1), r"1 - LG_{\mathrm{Gauss}} = 0"),
    ],
)
def test_relation_tex(basis: list[str], relation: tuple[int, ...], expected: str) -> None:
    assert relation_tex(basis, relation) == expected
    render(expected)


@pytest.mark.parametrize(
    ("subject", "a", "b", "expected"),
    [
        ("PCF(2n+1, n^2)", [1, 2], [0, 0, 1], r"\mathrm{PCF}\left(2n+1,\ n^{2}\right)"),
        (
            "PCF(-3n^2+n-4, -2n^12)",
            [-4, 1, -3],
            [0] * 12 + [-2],
            r"\mathrm{PCF}\left(-3n^{2}+n-4,\ -2n^{12}\right)",
        ),
        ("(1 + pi)/2", [1], [1], r"\mathrm{(1\ +\ pi)/2}"),  # ESMA: not the PCF's text
        ("PCF(2n+1, n^2)", None, None, r"\mathrm{PCF(2n+1,\ n^{2})}"),
        ("fibonacci (A000045)", None, None, r"\mathrm{fibonacci\ (A000045)}"),
        ("2*pi^2/3", None, None, r"\mathrm{2\cdot pi^{2}/3}"),
        ("odd_squares #1 {x} 50% $ a^b \\", None, None, None),
    ],
)
def test_subject_tex(subject: str, a: list[int] | None, b: list[int] | None, expected) -> None:
    tex = subject_tex(subject, a, b)
    if expected is not None:
        assert tex == expected
    render(tex)


def render(tex: str) -> None:
    """Typeset as the report does; mathtext raises on anything it cannot set."""
    buffer = io.BytesIO()
    mathtext.math_to_image(f"${tex}$", buffer, format="svg")
    assert buffer.getvalue().lstrip().startswith(b"<?xml")


def test_every_constant_and_sample_renders() -> None:
    names = [
        "pi", "e", "log2", "zeta3", "zeta5", "catalan", "sqrt2", "sqrt3", "sqrt5", "sqrt7",
        "gauss", "lemniscate", "euler_gamma", "gompertz", "L", "1", "odd_name_2",
    ]  # fmt: skip
    for name in names:
        render(constant_tex(name))
        if name not in ("L", "1"):
            render(relation_tex(mobius_basis(name), (1, 2, -3, -4)))
            render(relation_tex(mobius_basis(name), (8, 0, 0, -7)))
    for coefficients in ([1, 2], [0, 0, -2], [0], [5, 27, 51, 34], [1] + [0] * 11 + [-1]):
        render(polynomial_tex(coefficients))
        render(pcf_tex(coefficients, coefficients))
