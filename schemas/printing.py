"""The one printer of formulas: polynomials, PCFs and relations as plain text and as TeX.

Every readable formula (catalog ``formula`` column, CLI tables, plot titles, the HTML
report) comes from here, so one value always reads the same wherever it appears. The
module needs only the standard library (and sympy, imported when a family certificate
is printed): it works from the integers a conjecture stores (basis and relation), never
from kernel objects.

Plain text conventions: polynomials highest power first without spaces (``2n+1``);
values with spaced operators (``(1 + sqrt5)/2``); products written with ``*``. TeX is
limited to what matplotlib's mathtext typesets (the report renders with it), except the
functions under "TeX for MathML", written for latex2mathml (the report's families page),
which reads more of LaTeX (cfrac, ddots, matrices).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext

_CONSTANT_TEX = {
    "pi": r"\pi",
    "e": "e",
    "log2": r"\ln 2",
    "zeta3": r"\zeta(3)",
    "zeta5": r"\zeta(5)",
    "catalan": "G",
    "sqrt2": r"\sqrt{2}",
    "sqrt3": r"\sqrt{3}",
    "sqrt5": r"\sqrt{5}",
    "gauss": r"G_{\mathrm{Gauss}}",  # plain G is Catalan's
    "lemniscate": r"\varpi",
    "euler_gamma": r"\gamma",
    "gompertz": r"\delta_G",
    "L": "L",
    "1": "1",
}

_SURD = re.compile(r"sqrt([0-9]+)")
"""Names of quadratic surd constants: their Möbius forms collapse to one canonical text."""

_MATHRM_ESCAPES = {
    "\\": r"\backslash{}",
    "_": r"\_",
    "$": r"\$",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "#": r"\#{}",  # mathtext reads \#b as one unknown symbol
    " ": r"\ ",
    "*": r"\cdot ",
}

# -- polynomials and PCFs -------------------------------------------------------------------


def polynomial_text(coefficients: Sequence[int], variable: str = "n") -> str:
    """``[1, 2]`` -> ``2n+1``; ``[0, 0, -2]`` -> ``-2n^2``: highest power first."""
    return _polynomial(coefficients, variable, tex=False)


def pcf_text(a: Sequence[int], b: Sequence[int]) -> str:
    """``PCF(2n+1, n^2)``: the subject text of a PCF conjecture (and its id key)."""
    return f"PCF({polynomial_text(a)}, {polynomial_text(b)})"


def trajectory_text(cmf: str, direction: Sequence[int], start: Sequence[int]) -> str:
    """``zeta3(1,1)@(1,1)``: a field's trajectory (direction, then start; axes in field order)."""
    return f"{cmf}({','.join(map(str, direction))})@({','.join(map(str, start))})"


def trajectory_id(cmf: str, direction: Sequence[int], start: Sequence[int]) -> str:
    """``zeta3:1,1@1,1``: the trajectories table's row key."""
    return f"{cmf}:{','.join(map(str, direction))}@{','.join(map(str, start))}"


def polynomial_tex(coefficients: Sequence[int], variable: str = "n") -> str:
    """As :func:`polynomial_text`, with exponents braced: ``-2n^{2}``."""
    return _polynomial(coefficients, variable, tex=True)


def pcf_tex(a: Sequence[int], b: Sequence[int]) -> str:
    r"""``\mathrm{PCF}\left(2n+1,\ n^{2}\right)``."""
    return rf"\mathrm{{PCF}}\left({polynomial_tex(a)},\ {polynomial_tex(b)}\right)"


def _polynomial(coefficients: Sequence[int], variable: str, *, tex: bool) -> str:
    terms = []
    for power in range(len(coefficients) - 1, -1, -1):
        c = int(coefficients[power])
        if c == 0:
            continue
        magnitude = abs(c)
        if power == 0:
            body = str(magnitude)
        else:
            exponent = f"^{{{power}}}" if tex else f"^{power}"
            monomial = variable if power == 1 else variable + exponent
            body = monomial if magnitude == 1 else f"{magnitude}{monomial}"
        sign = "-" if c < 0 else "+"
        terms.append(body if not terms and c > 0 else sign + body)
    return "".join(terms) if terms else "0"


def _spaced_polynomial(coefficients: Sequence[int], variable: str, product: str = "") -> str:
    """Highest power first with spaced signs: ``x^3 - 3x - 3``; ``product`` joins a
    coefficient to its power (``*`` gives ``2*pi^2``)."""
    terms = []
    for power in range(len(coefficients) - 1, -1, -1):
        c = int(coefficients[power])
        if c == 0:
            continue
        monomial = "" if power == 0 else (variable if power == 1 else f"{variable}^{power}")
        magnitude = str(abs(c)) if (abs(c) != 1 or power == 0) else ""
        body = f"{magnitude}{product}{monomial}" if magnitude and monomial else magnitude + monomial
        if terms:
            terms.append(f"{'-' if c < 0 else '+'} {body}")
        else:
            terms.append(f"{'-' if c < 0 else ''}{body}")
    return " ".join(terms) if terms else "0"


# -- quadratic surds ------------------------------------------------------------------------


def quadratic_text(p: int, q: int, d: int, r: int) -> str:
    """(p + q·sqrt(d))/r in its one canonical form: ``(1 + sqrt5)/2``, ``2*sqrt2``.

    Square factors leave the radicand, the gcd of p, q, r is divided out and r made
    positive, so equal numbers always print alike whichever form a lookup found. A zero
    q prints the rational p/r. Raises ValueError when d <= 0, d is a perfect square or
    r == 0 (not a quadratic surd)."""
    p, q, d, r = _canonical_quadratic(p, q, d, r)
    if q == 0:
        return _rational_text(p, r)
    term = ("" if abs(q) == 1 else f"{abs(q)}*") + f"sqrt{d}"
    body = f"{'-' if q < 0 else ''}{term}" if p == 0 else f"{p} {'-' if q < 0 else '+'} {term}"
    if r == 1:
        return body
    return f"{body}/{r}" if p == 0 else f"({body})/{r}"


def _quadratic_tex(p: int, q: int, d: int, r: int) -> str:
    p, q, d, r = _canonical_quadratic(p, q, d, r)
    if q == 0:
        return str(p) if r == 1 else rf"\frac{{{p}}}{{{r}}}"
    term = ("" if abs(q) == 1 else str(abs(q))) + rf"\sqrt{{{d}}}"
    body = f"{'-' if q < 0 else ''}{term}" if p == 0 else f"{p} {'-' if q < 0 else '+'} {term}"
    return body if r == 1 else rf"\frac{{{body}}}{{{r}}}"


def _canonical_quadratic(p: int, q: int, d: int, r: int) -> tuple[int, int, int, int]:
    p, q, d, r = int(p), int(q), int(d), int(r)
    if r == 0:
        raise ValueError("a quadratic surd needs a non-zero denominator r")
    if d <= 0:
        raise ValueError(f"sqrt({d}) is not a real quadratic surd")
    outside, radicand, k = 1, d, 2
    while k * k <= radicand:
        while radicand % (k * k) == 0:
            radicand //= k * k
            outside *= k
        k += 1
    if radicand == 1:
        raise ValueError(f"{d} is a perfect square: sqrt({d}) is rational")
    q *= outside
    g = math.gcd(p, q, r)
    sign = -1 if r < 0 else 1
    return sign * p // g, sign * q // g, radicand, sign * r // g


def _rational_text(p: int, r: int) -> str:
    g = math.gcd(p, r) * (-1 if r < 0 else 1)
    p, r = p // g, r // g
    return str(p) if r == 1 else f"{p}/{r}"


def _surd_radicand(constant: str) -> int | None:
    """d for a constant named ``sqrt<d>`` whose root is irrational, else None."""
    match = _SURD.fullmatch(constant)
    if match is None:
        return None
    d = int(match.group(1))
    return None if d < 2 or math.isqrt(d) ** 2 == d else d


# -- Möbius forms ---------------------------------------------------------------------------


def mobius_text(form: tuple[int, int, int, int], constant: str) -> str:
    """(p0 + p1·c)/(q0 + q1·c) as readable text: ``4/pi``, ``8/(7*zeta3)``.

    Over a quadratic surd constant (``sqrt5``) the value is printed by
    :func:`quadratic_text`, so sqrt2/(sqrt2 - 1) and 2 + sqrt2 read the same."""
    p0, p1, q0, q1 = (int(v) for v in form)
    d = _surd_radicand(constant)
    if d is not None:
        rationalised = _rationalised(p0, p1, q0, q1, d)
        if rationalised is not None:
            return quadratic_text(*rationalised)
    numerator, denominator = _linear(p0, p1, constant), _linear(q0, q1, constant)
    if denominator == "1":
        return numerator
    if denominator == "-1":
        return _linear(-p0, -p1, constant)
    if " " in numerator:
        numerator = f"({numerator})"
    if " " in denominator or "*" in denominator or denominator.startswith("-"):
        denominator = f"({denominator})"
    return f"{numerator}/{denominator}"


def _rationalised(p0: int, p1: int, q0: int, q1: int, d: int) -> tuple[int, int, int, int] | None:
    """(p0 + p1·s)/(q0 + q1·s) with s = sqrt(d) as (p, q, d, r) = (p + q·s)/r, by
    multiplying with the conjugate q0 - q1·s; None for a zero denominator."""
    r = q0 * q0 - d * q1 * q1
    if r == 0:
        return None
    return p0 * q0 - d * p1 * q1, p1 * q0 - p0 * q1, d, r


def monomial_text(entry: str) -> str:
    """A basis product as text, repeated factors as powers: ``pi*pi`` -> ``pi^2``,
    ``zeta3*pi*pi`` -> ``zeta3*pi^2`` (factors in order of first appearance)."""
    factors = entry.split("*")
    counts = {f: factors.count(f) for f in dict.fromkeys(factors)}
    return "*".join(f if n == 1 else f"{f}^{n}" for f, n in counts.items())


def _linear(c0: int, c1: int, name: str) -> str:
    parts = []
    if c1:
        magnitude = "" if abs(c1) == 1 else f"{abs(c1)}*"
        parts.append(("-" if c1 < 0 else "") + magnitude + monomial_text(name))
    if c0 or not parts:
        if parts:
            parts.append(f"{'-' if c0 < 0 else '+'} {abs(c0)}")
        else:
            parts.append(str(c0))
    return " ".join(parts)


def _linear_tex(c0: int, c1: int, c: str) -> str:
    parts = []
    if c1:
        parts.append(("-" if c1 < 0 else "") + ("" if abs(c1) == 1 else str(abs(c1))) + c)
    if c0 or not parts:
        parts.append(f" {'-' if c0 < 0 else '+'} {abs(c0)}" if parts else str(c0))
    return "".join(parts)


def _mobius_form(
    basis: Sequence[str], relation: Sequence[int]
) -> tuple[str, tuple[int, int, int, int]] | None:
    """(constant, form) when the relation says L = (p0 + p1·c)/(q0 + q1·c), else None.

    The relation is p0 + p1·c − q0·L − q1·L·c = 0; the form is reduced and signed as
    identify's Möbius table stores it (q1 > 0, or q1 == 0 and q0 > 0)."""
    if len(basis) != 4 or len(relation) != 4:
        return None
    constant = basis[1]
    if basis[0] != "1" or basis[2] != "L" or basis[3] != f"L*{constant}":
        return None
    if constant in ("1", "L"):
        return None
    p0, p1, q0, q1 = int(relation[0]), int(relation[1]), -int(relation[2]), -int(relation[3])
    if q0 == 0 and q1 == 0:
        return None
    g = math.gcd(p0, p1, q0, q1) * (-1 if (q1 < 0 or (q1 == 0 and q0 < 0)) else 1)
    return constant, (p0 // g, p1 // g, q0 // g, q1 // g)


# -- relations and formulas -----------------------------------------------------------------


def value_text(basis: Sequence[str], relation: Sequence[int], near: float | None = None) -> str:
    """The right-hand side of ``subject = ...`` from a conjecture's basis and relation.

    Σ relation[i]·basis[i] = 0 with L the subject's value. A Möbius basis
    (1, c, L, L*c) prints :func:`mobius_text`; an algebraic basis (1, L, L*L, ...) prints
    the root nearest ``near`` (a quadratic one exactly, with the larger root when
    ``near`` is None; a higher degree as ``root of P near x``); anything else
    :func:`relation_text`."""
    mobius = _mobius_form(basis, relation)
    if mobius is not None:
        constant, form = mobius
        return mobius_text(form, constant)
    polynomial = _algebraic_polynomial(basis, relation)
    if polynomial is not None and len(polynomial) == 3:
        root = _quadratic_root(polynomial, near)
        if root is not None:
            p, q, d, r = root
            return _rational_text(p, r) if q == 0 else quadratic_text(p, q, d, r)
    if polynomial is not None and len(polynomial) > 3:
        text = f"root of {_spaced_polynomial(polynomial, 'x')}"
        return text if near is None else f"{text} near {_significant(near, 12)}"
    solved = _solved_for_L(basis, relation)
    return solved if solved is not None else relation_text(basis, relation)


def _solved_for_L(basis: Sequence[str], relation: Sequence[int]) -> str | None:
    """L = -(Σ r·B over entries without L)/(Σ r·X over entries L*X), when L appears at most
    once in every entry: ``(1 + 2*pi)/(pi + log2)`` for two constants, ``30/pi^2``."""
    numerator: list[tuple[int, str]] = []
    denominator: list[tuple[int, str]] = []
    for coefficient, entry in zip(relation, basis, strict=True):
        if not coefficient:
            continue
        factors = entry.split("*")
        if factors.count("L") > 1:
            return None
        rest = "*".join(f for f in factors if f != "L") or "1"
        if "L" in factors:
            denominator.append((int(coefficient), rest))
        else:
            numerator.append((-int(coefficient), rest))
    if not denominator:
        return None
    if _leading_sign(denominator) < 0:
        numerator = [(-c, m) for c, m in numerator]
        denominator = [(-c, m) for c, m in denominator]
    top, bottom = _combination(numerator), _combination(denominator)
    if bottom == "1":
        return top
    if " " in top:
        top = f"({top})"
    if " " in bottom or "*" in bottom or bottom.startswith("-"):
        bottom = f"({bottom})"
    return f"{top}/{bottom}"


def _leading_sign(terms: list[tuple[int, str]]) -> int:
    """Sign of the term printed first (monomials before the constant term)."""
    ordered = [t for t in terms if t[1] != "1"] + [t for t in terms if t[1] == "1"]
    return 1 if ordered[0][0] > 0 else -1


def _combination(terms: list[tuple[int, str]]) -> str:
    """Σ c·m as text, monomials in basis order and the constant last: ``3*pi^2 - 8``."""
    ordered = [t for t in terms if t[1] != "1"] + [t for t in terms if t[1] == "1"]
    parts = []
    for c, monomial in ordered:
        body = (
            str(abs(c))
            if monomial == "1"
            else (monomial_text(monomial) if abs(c) == 1 else f"{abs(c)}*{monomial_text(monomial)}")
        )
        if parts:
            parts.append(f"{'-' if c < 0 else '+'} {body}")
        else:
            parts.append(("-" if c < 0 else "") + body)
    return " ".join(parts) if parts else "0"


def formula_text(
    subject: str, basis: Sequence[str], relation: Sequence[int], near: float | None = None
) -> str:
    """``PCF(2n+1, n^2) = 4/pi``: the catalog's ``formula`` column."""
    return f"{subject} = {value_text(basis, relation, near)}"


def relation_text(basis: Sequence[str], relation: Sequence[int]) -> str:
    """Σ relation[i]·basis[i] = 0 written out: ``1 + 3*L - 2*L*pi = 0``.

    Terms keep the basis order and its entries verbatim (products joined by ``*``);
    zero terms are dropped, a coefficient ±1 is not written (except on the entry "1"),
    and signs are spaced after the first term. All zero reads ``0 = 0``."""
    terms = []
    for coefficient, entry in zip(relation, basis, strict=True):
        c = int(coefficient)
        if c == 0:
            continue
        magnitude = abs(c)
        if entry == "1":
            body = str(magnitude)
        else:
            body = entry if magnitude == 1 else f"{magnitude}*{entry}"
        if terms:
            terms.append(f"{'-' if c < 0 else '+'} {body}")
        else:
            terms.append(f"{'-' if c < 0 else ''}{body}")
    return (" ".join(terms) if terms else "0") + " = 0"


def _algebraic_polynomial(basis: Sequence[str], relation: Sequence[int]) -> list[int] | None:
    """Ascending coefficients when the basis is 1, L, L*L, ... (trailing zeros trimmed)."""
    if len(basis) < 2 or len(basis) != len(relation):
        return None
    if list(basis) != ["1", *("*".join(["L"] * k) for k in range(1, len(basis)))]:
        return None
    values = [int(c) for c in relation]
    while values and values[-1] == 0:
        values.pop()
    return values if len(values) >= 2 else None


def _quadratic_root(
    polynomial: Sequence[int], near: float | None
) -> tuple[int, int, int, int] | None:
    """The real root of c0 + c1·x + c2·x² nearest ``near`` (the larger for None) as
    (p, q, d, r) = (p + q·sqrt(d))/r; q = 0 for a rational root, None without real roots."""
    c0, c1, c2 = polynomial
    discriminant = c1 * c1 - 4 * c0 * c2
    if discriminant < 0:
        return None
    root = math.isqrt(discriminant)
    rational = root * root == discriminant
    roots = [
        (-c1 + s * root, 0, 0, 2 * c2) if rational else (-c1, s, discriminant, 2 * c2)
        for s in (1, -1)
    ]

    def value(candidate: tuple[int, int, int, int]) -> float:
        p, q, d, r = candidate
        return (p + q * math.sqrt(d)) / r

    if near is None:
        return max(roots, key=value)
    return min(roots, key=lambda candidate: abs(value(candidate) - near))


def _significant(x: float, digits: int) -> str:
    """x to ``digits`` significant digits exactly as ``mpmath.nstr(x, digits)`` writes it
    (half-up rounding, ``.0`` kept, fixed notation for exponents in (-5, digits))."""
    if x == 0:
        return "0.0"
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "+inf" if x > 0 else "-inf"
    sign = "-" if x < 0 else ""
    with localcontext() as context:
        context.prec = 1200  # a double's exact decimal expansion fits
        exact = Decimal(abs(x))
        exponent = exact.adjusted()
        scaled = exact.scaleb(digits - 1 - exponent).quantize(Decimal(1), ROUND_HALF_UP)
    mantissa = str(int(scaled))
    if len(mantissa) > digits:  # rounded up to the next power of ten
        mantissa, exponent = mantissa[:digits], exponent + 1
    if min(-(digits // 3), -5) < exponent < digits:
        if exponent < 0:
            mantissa, split = "0" * -exponent + mantissa, 1
        else:
            split = exponent + 1
        exponent = 0
    else:
        split = 1
    text = (mantissa[:split] + "." + mantissa[split:]).rstrip("0")
    text += "0" if text.endswith(".") else ""
    if exponent == 0:
        return sign + text
    return f"{sign}{text}e{'+' if exponent > 0 else ''}{exponent}"


# -- recurrences and ESMA -------------------------------------------------------------------


def recurrence_text(coefficients: Sequence[Sequence[int]], offset: int = 0) -> str:
    """Σ_i P_i(n)·a(n+i) = 0 with coefficients[i][j] multiplying n^j·a(n+i), lowest
    shift first: ``(-2n-4)·a(n) + (n+1)·a(n+1) = 0``, ``-a(n) - a(n+1) + a(n+2) = 0``.

    n is the sequence's own index; a sequence whose first term is a(offset), offset ≠ 0,
    gets `` for n ≥ offset``, so the reader knows which n the polynomials are in."""
    parts = []
    for i, row in enumerate(coefficients):
        polynomial = polynomial_text(row)
        if polynomial == "0":
            continue
        term = f"a(n+{i})" if i else "a(n)"
        if polynomial == "1":
            parts.append(term)
        elif polynomial == "-1":
            parts.append(f"-{term}")
        else:
            parts.append(f"({polynomial})·{term}")
    text = " + ".join(parts).replace("+ -", "- ") + " = 0"
    return f"{text} for n ≥ {offset}" if offset else text


def rational_form_text(p: Sequence[int], q: Sequence[int], constant: str) -> str:
    """P(c)/Q(c) from ascending coefficients: ``(pi^2 + 1)/(2*pi)``, ``3*pi - 1``."""
    numerator = _spaced_polynomial(p, constant, "*")
    denominator = _spaced_polynomial(q, constant, "*")
    if denominator == "1":
        return numerator
    if " " in numerator:
        numerator = f"({numerator})"
    if any(ch in denominator for ch in " *") or denominator.startswith("-"):
        denominator = f"({denominator})"
    return f"{numerator}/{denominator}"


def esma_formula_text(
    subject: str,
    a0: int,
    shown: Sequence[int],
    register: Sequence[int],
    signs: Sequence[int],
) -> str:
    """``x = [a0; a1, ..., a6, ...] signs (+-), a(n) = 2a(n-1) - a(n-2)``.

    ``shown`` are the first partial denominators after a0, ``register`` the integer
    recurrence [lead, c1, ..., cL] with Σ c_j·a(n-j) = 0, ``signs`` the sign pattern."""
    pattern = "".join("+" if s > 0 else "-" for s in signs)
    terms = []
    for j, r in enumerate(register[1:], start=1):
        if r:
            coefficient = -r
            magnitude = "" if abs(coefficient) == 1 else f"{abs(coefficient)}"
            if terms:
                terms.append(f"{'-' if coefficient < 0 else '+'} {magnitude}a(n-{j})")
            else:
                terms.append(f"{'-' if coefficient < 0 else ''}{magnitude}a(n-{j})")
    lead = register[0]
    rule = " ".join(terms) if lead == 1 else f"({' '.join(terms)})/{lead}"
    listed = ", ".join(map(str, shown))
    return f"{subject} = [{a0}; {listed}, ...] signs ({pattern}), a(n) = {rule}"


# -- TeX ------------------------------------------------------------------------------------


def constant_tex(name: str) -> str:
    r"""TeX of a constant's name: ``pi`` -> ``\pi``, a product ``e*e*e`` -> ``e^{3}``;
    unknown names upright."""
    if "*" in name:
        factors = name.split("*")
        counts = {f: factors.count(f) for f in dict.fromkeys(factors)}
        return "".join(constant_tex(f) + (f"^{{{k}}}" if k > 1 else "") for f, k in counts.items())
    if name in _CONSTANT_TEX:
        return _CONSTANT_TEX[name]
    d = _surd_radicand(name)
    if d is not None:
        return rf"\sqrt{{{d}}}"
    return r"\mathrm{" + name.replace("_", r"\_") + "}"


def relation_tex(basis: Sequence[str], relation: Sequence[int]) -> str:
    r"""The relation as TeX: ``L = \frac{4}{\pi}`` for a Möbius basis, else Σ r_i b_i = 0.

    Quadratic surd constants print their canonical value (``L = 2 + \sqrt{2}``)."""
    mobius = _mobius_form(basis, relation)
    if mobius is not None:
        constant, (p0, p1, q0, q1) = mobius
        d = _surd_radicand(constant)
        rationalised = _rationalised(p0, p1, q0, q1, d) if d is not None else None
        if rationalised is not None:
            return f"L = {_quadratic_tex(*rationalised)}"
        c = constant_tex(constant)
        numerator, denominator = _linear_tex(p0, p1, c), _linear_tex(q0, q1, c)
        if denominator == "1":
            return f"L = {numerator}"
        return rf"L = \frac{{{numerator}}}{{{denominator}}}"
    terms = []
    for coefficient, entry in zip(relation, basis, strict=True):
        c = int(coefficient)
        if c == 0:
            continue
        factors = entry.split("*")
        powers = {f: factors.count(f) for f in dict.fromkeys(factors) if f != "1"}
        monomial = "".join(
            _factor_tex(f) + (f"^{{{n}}}" if n > 1 else "") for f, n in powers.items()
        )
        magnitude = abs(c)
        body = (str(magnitude) if (magnitude != 1 or not monomial) else "") + monomial
        terms.append(
            f"{'-' if c < 0 else '+'} {body}" if terms else f"{'-' if c < 0 else ''}{body}"
        )
    return (" ".join(terms) if terms else "0") + " = 0"


def subject_tex(
    subject: str, a: Sequence[int] | None = None, b: Sequence[int] | None = None
) -> str:
    r"""A conjecture's subject as TeX: the PCF typeset when the subject is PCF(a, b),
    otherwise the text upright (``\mathrm{...}``) with TeX's special characters escaped."""
    if a is not None and b is not None and subject == pcf_text(a, b):
        return pcf_tex(a, b)
    return r"\mathrm{" + _mathrm_escaped(subject) + "}"


def _factor_tex(factor: str) -> str:
    """One factor of a basis entry: a constant, L, ``n^2`` or a term such as ``a(n+1)``."""
    if len(factor) == 1 and factor.isascii() and factor.isalpha() and factor not in _CONSTANT_TEX:
        return factor  # a variable such as n: italic, as TeX sets variables
    if factor.isidentifier() or factor in _CONSTANT_TEX:
        return constant_tex(factor)
    base, caret, exponent = factor.partition("^")
    if caret and base and exponent.isascii() and exponent.isdigit():
        return f"{_factor_tex(base)}^{{{exponent}}}"
    if all(ch.isascii() and (ch.isalnum() or ch in "()+-,.") for ch in factor):
        return factor
    return r"\mathrm{" + _mathrm_escaped(factor) + "}"


def _mathrm_escaped(text: str) -> str:
    """Text safe inside mathtext's \\mathrm{}: specials escaped, ``^12`` braced, a caret
    without digits printed literally."""
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "^":
            j = i + 1
            while j < len(text) and text[j].isascii() and text[j].isdigit():
                j += 1
            out.append(f"^{{{text[i + 1 : j]}}}" if j > i + 1 else r"\^{}")
            i = j
            continue
        out.append(_MATHRM_ESCAPES.get(ch, ch))
        i += 1
    return "".join(out)


# -- TeX for MathML -------------------------------------------------------------------------
# The families page of the report typesets with latex2mathml and lets the browser lay the
# MathML out; latex2mathml reads more than mathtext does (\cfrac, \ddots, matrices).


def continued_fraction_tex(a: Sequence[int], b: Sequence[int], terms: int = 3) -> str:
    r"""The PCF a(0) + b(1)/(a(1) + b(2)/(a(2) + ...)) written out as a continued fraction:
    its first ``terms`` levels with their integer values a(0), b(1), a(1), ..., then the
    general level with b(n) and a(n) as polynomials in n. PCF(2n+1, n^2), terms=3, reads
    ``1 + \cfrac{1}{3 + \cfrac{4}{5 + \cfrac{9}{\ddots + \cfrac{n^{2}}{2n+1 + \ddots}}}}``.

    A negative numerator is written as a subtraction (``1 - \cfrac{2}{...}``; for the
    general level when b's leading coefficient is negative), a zero a(i) is left out, and
    a PCF whose a and b are both constant has no general level (it would repeat the
    integers): ``1 + \cfrac{1}{1 + \cfrac{1}{1 + \ddots}}``. Raises ValueError for
    ``terms`` < 1."""
    if terms < 1:
        raise ValueError(f"a continued fraction needs at least one level, not {terms}")
    if all(int(c) == 0 for c in [*a[1:], *b[1:]]):
        inner = _tail_tex(str(_value_at(a, terms)), _value_at(b, terms + 1))
    else:
        b_sign = -1 if _leading_coefficient(b) < 0 else 1
        general = _tail_tex(polynomial_tex(a), b_sign)
        numerator = polynomial_tex([b_sign * int(c) for c in b])
        inner = _level_tex(r"\ddots", b_sign, numerator, general)
    for level in range(terms - 1, -1, -1):
        numerator = _value_at(b, level + 1)
        inner = _level_tex(str(_value_at(a, level)), numerator, str(abs(numerator)), inner)
    return inner


def _value_at(coefficients: Sequence[int], n: int) -> int:
    return sum(int(c) * n**power for power, c in enumerate(coefficients))


def _leading_coefficient(coefficients: Sequence[int]) -> int:
    """The coefficient of the highest power that is not zero (0 for the zero polynomial)."""
    return next((int(c) for c in reversed(coefficients) if int(c)), 0)


def _level_tex(head: str, sign: int, numerator: str, rest: str) -> str:
    r"""``head + \cfrac{numerator}{rest}``, ``-`` for a negative ``sign``; a zero head is
    left out."""
    fraction = rf"\cfrac{{{numerator}}}{{{rest}}}"
    if head == "0":
        return fraction if sign >= 0 else f"-{fraction}"
    return f"{head} {'-' if sign < 0 else '+'} {fraction}"


def _tail_tex(head: str, sign: int) -> str:
    r"""``head + \ddots``: a level of the continued fraction and the rest left out."""
    if head == "0":
        return r"\ddots" if sign >= 0 else r"-\ddots"
    return rf"{head} {'-' if sign < 0 else '+'} \ddots"


def certificate_tex(certificate_json: str) -> str:
    r"""A family certificate as TeX: the matrix U(n), the factor c(n) and the shift k,
    ``U(n) = \left(\begin{matrix}1 & 0 \\ 0 & -1\end{matrix}\right),\quad c(n) = -1,\quad k = 0``
    (\left( and \right) rather than pmatrix: latex2mathml marks only those fences stretchy,
    so the brackets grow with the matrix).

    The certificate is the families table's JSON {"U": [["u11", "u12"], ["u21", "u22"]],
    "c": "...", "shift": k}, whose entries are expressions in n, and means
    M_member(n)·U(n+1) = c(n)·U(n)·M_rep(n+k). sympy reads and typesets the entries
    (rational functions print as fractions). Raises ValueError for text that is not such
    a certificate."""
    import sympy  # only here: the rest of the module stays standard-library only

    try:
        certificate = json.loads(certificate_json)
        rows, factor, shift = certificate["U"], certificate["c"], int(certificate["shift"])
        if len(rows) != 2 or any(len(row) != 2 for row in rows):
            raise ValueError("U is not 2x2")
    except (TypeError, KeyError, ValueError) as err:
        raise ValueError(f"not a family certificate: {certificate_json!r} ({err})") from None
    n = sympy.Symbol("n")

    def entry_tex(entry: object) -> str:
        return sympy.latex(sympy.sympify(str(entry), locals={"n": n}))

    matrix = r" \\ ".join(" & ".join(entry_tex(u) for u in row) for row in rows)
    return (
        rf"U(n) = \left(\begin{{matrix}}{matrix}\end{{matrix}}\right),\quad "
        rf"c(n) = {entry_tex(factor)},\quad k = {shift}"
    )


def mobius_map_tex(
    limit_map: Sequence[Sequence[int]],
    member: str = "L",
    representative: str = r"L_{\mathrm{rep}}",
) -> str:
    r"""The limit map [[t11, t12], [t21, t22]] of a family member as TeX,
    L = (t11·L_rep + t12)/(t21·L_rep + t22) simplified: zero terms and unit factors are
    not written, a common factor is divided out and the denominator's leading coefficient
    made positive, so [[1, 0], [0, -1]] reads ``L = -L_{\mathrm{rep}}`` and
    [[0, 4], [1, 0]] reads ``L = \frac{4}{L_{\mathrm{rep}}}``. Raises ValueError when the
    map is not 2x2 or its denominator is zero."""
    if len(limit_map) != 2 or any(len(row) != 2 for row in limit_map):
        raise ValueError(f"a limit map is a 2x2 matrix, not {limit_map!r}")
    (t11, t12), (t21, t22) = ((int(t) for t in row) for row in limit_map)
    if t21 == 0 and t22 == 0:
        raise ValueError(f"the limit map {limit_map!r} has a zero denominator")
    # the denominator's leading coefficient is t21, or t22 when t21 is zero
    g = math.gcd(t11, t12, t21, t22) * (-1 if (t21 or t22) < 0 else 1)
    t11, t12, t21, t22 = t11 // g, t12 // g, t21 // g, t22 // g
    numerator = _linear_tex(t12, t11, representative)
    denominator = _linear_tex(t22, t21, representative)
    if denominator == "1":
        return f"{member} = {numerator}"
    return rf"{member} = \frac{{{numerator}}}{{{denominator}}}"
