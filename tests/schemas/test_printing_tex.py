"""The printer's TeX for MathML (the report's families page): continued fractions, family
certificates and limit maps, pinned as strings and converted by latex2mathml."""

from __future__ import annotations

import json
import re

import pytest
from latex2mathml.converter import convert

from conjectura.schemas.printing import (
    certificate_tex,
    continued_fraction_tex,
    mobius_map_tex,
)

MIRROR = json.dumps({"U": [["1", "0"], ["0", "-1"]], "c": "-1", "shift": 0})
COBOUNDARY = json.dumps(
    {"U": [["n + 1", "(n+1)/(2*n)"], ["0", "n**2"]], "c": "n*(n+1)", "shift": 2}
)


def value(coefficients: list[int], n: int) -> int:
    return sum(c * n**k for k, c in enumerate(coefficients))


# -- continued fractions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "terms", "expected"),
    [
        (  # Brouncker, 4/pi
            [1, 2],
            [0, 0, 1],
            3,
            r"1 + \cfrac{1}{3 + \cfrac{4}{5 + \cfrac{9}{\ddots + \cfrac{n^{2}}{2n+1 + \ddots}}}}",
        ),
        (  # negative b: subtractions, the general level's numerator made positive
            [3, 3],
            [0, 1, -2],
            2,
            r"3 - \cfrac{1}{6 - \cfrac{6}{\ddots - \cfrac{2n^{2}-n}{3n+3 - \ddots}}}",
        ),
        (  # constant coefficients: no general level, it would repeat the integers
            [1],
            [1],
            3,
            r"1 + \cfrac{1}{1 + \cfrac{1}{1 + \cfrac{1}{1 + \ddots}}}",
        ),
        (  # a(0) = 0 is not written
            [0, 1],
            [0, 1],
            1,
            r"\cfrac{1}{\ddots + \cfrac{n}{n + \ddots}}",
        ),
    ],
)
def test_continued_fraction_tex_pinned(a, b, terms, expected) -> None:
    assert continued_fraction_tex(a, b, terms) == expected
    assert "<mfrac>" in convert(expected)


@pytest.mark.parametrize(
    ("a", "b"),
    [([1, 2], [0, 0, 1]), ([-1, -2], [0, 0, 1]), ([3, 5, 3], [0, 0, 0, -2]), ([2, 1], [7])],
)
def test_continued_fraction_levels_are_the_integer_values(a, b) -> None:
    """The first levels read back as a(0), b(1), a(1), b(2), ... in order, a negative b
    as a subtraction."""
    tex = continued_fraction_tex(a, b, terms=4)
    levels = re.findall(r"(-?\d+) ([+-]) \\cfrac\{(\d+)\}", tex.split(r"\ddots")[0])
    assert len(levels) == 4
    assert [int(head) for head, _, _ in levels] == [value(a, i) for i in range(4)]
    assert [int(sign + numerator) for _, sign, numerator in levels] == [
        value(b, i) for i in range(1, 5)
    ]
    math = convert(tex)
    assert math.startswith("<math") and math.count("<mfrac>") >= 4


def test_continued_fraction_needs_a_level() -> None:
    with pytest.raises(ValueError, match="at least one level"):
        continued_fraction_tex([1, 2], [0, 0, 1], terms=0)


# -- certificates ---------------------------------------------------------------------------


def test_certificate_tex_of_a_mirror_pinned() -> None:
    tex = certificate_tex(MIRROR)
    assert tex == (
        r"U(n) = \left(\begin{matrix}1 & 0 \\ 0 & -1\end{matrix}\right),\quad c(n) = -1,"
        r"\quad k = 0"
    )
    math = convert(tex)
    assert "<mtable>" in math and 'stretchy="true"' in math  # brackets grow with U


def test_certificate_tex_typesets_rational_entries_and_the_shift() -> None:
    tex = certificate_tex(COBOUNDARY)
    assert r"\frac{n + 1}{2 n}" in tex and "n^{2}" in tex
    assert r"c(n) = n \left(n + 1\right)" in tex and tex.endswith("k = 2")
    assert convert(tex).count("<mtr>") == 2


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        json.dumps({"U": [["1", "0"], ["0", "1"]], "c": "1"}),  # no shift
        json.dumps({"U": [["1", "0", "0"], ["0", "1", "0"]], "c": "1", "shift": 0}),
        json.dumps({"U": [["1", "0"]], "c": "1", "shift": 0}),
        json.dumps([1, 2]),
    ],
)
def test_certificate_tex_refuses_what_is_not_a_certificate(text: str) -> None:
    with pytest.raises(ValueError, match="not a family certificate"):
        certificate_tex(text)


# -- limit maps -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit_map", "expected"),
    [
        ([[1, 0], [0, 1]], r"L = L_{\mathrm{rep}}"),
        ([[1, 0], [0, -1]], r"L = -L_{\mathrm{rep}}"),
        ([[0, 1], [1, -1]], r"L = \frac{1}{L_{\mathrm{rep}} - 1}"),
        ([[0, 4], [1, 0]], r"L = \frac{4}{L_{\mathrm{rep}}}"),
        ([[2, 1], [0, 3]], r"L = \frac{2L_{\mathrm{rep}} + 1}{3}"),
        ([[-2, -2], [0, -4]], r"L = \frac{L_{\mathrm{rep}} + 1}{2}"),  # common factor, sign
        ([[1, -3], [-2, 5]], r"L = \frac{-L_{\mathrm{rep}} + 3}{2L_{\mathrm{rep}} - 5}"),
        ([[0, 5], [0, 1]], "L = 5"),
    ],
)
def test_mobius_map_tex_pinned(limit_map, expected) -> None:
    assert mobius_map_tex(limit_map) == expected
    assert convert(expected).startswith("<math")


def test_mobius_map_tex_names_and_refusals() -> None:
    assert mobius_map_tex([[1, 2], [3, 4]], member="x", representative="y") == (
        r"x = \frac{y + 2}{3y + 4}"
    )
    with pytest.raises(ValueError, match="zero denominator"):
        mobius_map_tex([[1, 2], [0, 0]])
    with pytest.raises(ValueError, match="2x2"):
        mobius_map_tex([[1, 2, 3], [0, 1, 0]])
