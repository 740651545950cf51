"""The library of named continued-fraction formulas: classical and published PCFs with
their limits, shipped as data (``formulas.csv``) and loaded strictly.

A row names one formula PCF(a, b) = limit: ``a`` and ``b`` are integer polynomials in n
written as expressions (``2*n+1``, ``-n*(2*n-1)``), ``limit`` is an mpmath expression in the
language of user constants (``kernels.expressions``: ``4/pi``, ``6/zeta(3)``,
``1/(e*e1(1))``), ``constant`` the library constant (or product, ``pi*pi``) of which the
limit is a rational Möbius function, empty when there is none, and ``source`` who found
it. A row with a ``parameter`` (say m) and ``parameter_values`` ``lo..hi`` is a family:
it expands into one formula per value, named ``<name>[m=3]``, with the value substituted
into a, b and the limit before anything is parsed. ``trivial`` says why a row's members
are uninteresting (quadratic irrationals, say), so a search can tell them from finds.

Every problem in the file is a :class:`LibraryError` naming the file, the line and (for a
cell) the column: the packaged library is loaded strictly by the test suite, so a
malformed row never reaches a run.
"""

from __future__ import annotations

import ast
import csv
import functools
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import mpmath

from conjectura.kernels.constants import LIBRARY
from conjectura.kernels.expressions import ExpressionError, evaluate
from conjectura.schemas.expressions import CONSTANTS, FUNCTIONS
from conjectura.schemas.printing import pcf_text

COLUMNS: tuple[str, ...] = (
    "name",
    "a",
    "b",
    "limit",
    "constant",
    "parameter",
    "parameter_values",
    "trivial",
    "source",
)
PACKAGED_RESOURCE = "formulas.csv"
VARIABLE = "n"

NAME_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
"""A formula's name is a slug; ``[`` never occurs in one, so ``x[m=3]`` cannot collide."""
PARAMETER_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")
RANGE_PATTERN = re.compile(r"(-?\d+)\.\.(-?\d+)")

CHECK_DIGITS = 15  # precision of the load-time evaluation of every limit
MAX_DEGREE = 32  # far above any PCF worth naming; bounds the work a bad exponent can ask
MAX_FAMILY_SIZE = 1000  # members one row may expand into


class LibraryError(ValueError):
    """A problem in a formula library file; the message names file:line and the column."""


@dataclass(frozen=True)
class LibraryFormula:
    """One named PCF(a, b) = limit (a family member has its parameter substituted)."""

    name: str  # "brouncker-4-over-pi", or "sqrt-family[m=5]" for a family member
    a_coeffs: tuple[int, ...]  # ascending, trailing zeros dropped
    b_coeffs: tuple[int, ...]
    limit: str  # mpmath expression in kernels.expressions' language, parameter substituted
    constant: str | None  # library constant (or product) the limit is Möbius in
    trivial: str | None  # why the formula is trivial, when it is
    source: str
    family: str | None  # the row's name for a family member, else None

    def value(self, digits: int) -> mpmath.mpf:
        """The limit to ``digits`` significant digits (computed with guard digits)."""
        return evaluate(self.limit, digits)

    @property
    def pcf_text(self) -> str:
        """``PCF(2n+1, n^2)``, as conjectura prints a PCF subject."""
        return pcf_text(self.a_coeffs, self.b_coeffs)


def load_library(path: Path | None = None) -> tuple[LibraryFormula, ...]:
    """Every formula of the library at ``path`` (default: the packaged ``formulas.csv``,
    read once per process), families expanded, in file order. LibraryError on any problem."""
    if path is None:
        return _packaged_library()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise LibraryError(f"{path}: cannot be read: {err}") from None
    return parse_library(text, str(path))


@functools.lru_cache(maxsize=1)
def _packaged_library() -> tuple[LibraryFormula, ...]:
    resource = resources.files("conjectura.kernels").joinpath(PACKAGED_RESOURCE)
    return parse_library(resource.read_text(encoding="utf-8-sig"), PACKAGED_RESOURCE)


def parse_library(text: str, where: str) -> tuple[LibraryFormula, ...]:
    """The formulas of a library file's text; ``where`` names the file in errors."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = tuple(name.strip() for name in reader.fieldnames or ())
    if header != COLUMNS:
        raise LibraryError(
            f"{where}:1: header is {','.join(header) or '(empty)'}; "
            f"expected exactly {','.join(COLUMNS)}"
        )
    formulas: list[LibraryFormula] = []
    first_line: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if None in row or None in row.values():
            raise LibraryError(
                f"{where}:{line}: the row has {_cell_count(row)} cells; expected {len(COLUMNS)}"
            )
        for formula in parse_row(row, line, where):
            if formula.name in first_line:
                raise LibraryError(
                    f"{where}:{line}: column 'name': duplicate name {formula.name!r} "
                    f"(first on line {first_line[formula.name]})"
                )
            first_line[formula.name] = line
            formulas.append(formula)
    return tuple(formulas)


def _cell_count(row: Mapping[str | None, object]) -> int:
    extra = row.get(None)
    filled = sum(1 for key, value in row.items() if key is not None and value is not None)
    return filled + (len(extra) if isinstance(extra, list) else 0)


def parse_row(row: Mapping[str, str], line: int, where: str) -> list[LibraryFormula]:
    """One CSV row as its formulas (one, or one per parameter value for a family);
    LibraryError naming ``where``:``line`` and the column on any problem."""

    def fail(column: str, problem: str) -> LibraryError:
        return LibraryError(f"{where}:{line}: column {column!r}: {problem}")

    cells = {column: (row.get(column) or "").strip() for column in COLUMNS}
    name = cells["name"]
    if not name:
        raise fail("name", "empty name")
    if not NAME_PATTERN.fullmatch(name):
        raise fail("name", f"{name!r} is not a slug (lower-case letters, digits, single '-')")
    if not cells["source"]:
        raise fail("source", "empty source: say who found the formula")
    constant = cells["constant"] or None
    if constant is not None:
        unknown = [factor for factor in constant.split("*") if factor not in LIBRARY]
        if unknown:
            raise fail(
                "constant",
                f"{', '.join(map(repr, unknown))} in {constant!r} is not a library constant "
                f"(known: {', '.join(LIBRARY)}; products are written with *)",
            )
    parameter, values = _parameter_values(cells, fail)

    formulas = []
    for value in values:
        suffix = "" if parameter is None else f"[{parameter}={value}]"
        limit = _substituted(cells["limit"], parameter, value)
        try:
            evaluate(limit, CHECK_DIGITS)  # compiles, and has a real finite value
        except ExpressionError as err:
            raise fail("limit", f"{limit!r}{_at(suffix)}: {err}") from None
        coefficients = {}
        for column in ("a", "b"):
            text = _substituted(cells[column], parameter, value)
            try:
                coefficients[column] = polynomial_coefficients(text)
            except ValueError as err:
                raise fail(column, f"{cells[column]!r}{_at(suffix)}: {err}") from None
        formulas.append(
            LibraryFormula(
                name=name + suffix,
                a_coeffs=coefficients["a"],
                b_coeffs=coefficients["b"],
                limit=limit,
                constant=constant,
                trivial=cells["trivial"] or None,
                source=cells["source"],
                family=name if parameter is not None else None,
            )
        )
    return formulas


def _substituted(text: str, parameter: str | None, value: int | None) -> str:
    """``text`` with the parameter replaced by its value (a negative one in parentheses,
    so that it stays one operand). Whole words only: the parameter never sits inside a
    name."""
    if parameter is None or value is None:
        return text
    literal = f"({value})" if value < 0 else str(value)
    return re.sub(rf"\b{re.escape(parameter)}\b", literal, text)


def _at(suffix: str) -> str:
    """`` at m=3`` for a family member's messages."""
    return f" at {suffix[1:-1]}" if suffix else ""


def _parameter_values(
    cells: Mapping[str, str], fail: Callable[[str, str], LibraryError]
) -> tuple[str | None, list[int | None]]:
    """(parameter, its values) of a family row; (None, [None]) for a single formula."""
    parameter, values = cells["parameter"], cells["parameter_values"]
    if not parameter and not values:
        return None, [None]
    if not values:
        raise fail("parameter_values", f"parameter {parameter!r} is given without values")
    if not parameter:
        raise fail("parameter", f"values {values!r} are given without a parameter")
    if not PARAMETER_PATTERN.fullmatch(parameter) or parameter == VARIABLE:
        raise fail("parameter", f"{parameter!r} is not a symbol name other than {VARIABLE!r}")
    if parameter in CONSTANTS or parameter in FUNCTIONS:
        raise fail("parameter", f"{parameter!r} already names an mpmath constant or function")
    match = RANGE_PATTERN.fullmatch(values)
    if match is None:
        raise fail("parameter_values", f"{values!r} is not an integer range lo..hi")
    lo, hi = int(match.group(1)), int(match.group(2))
    if lo > hi:
        raise fail("parameter_values", f"{values!r}: lo is above hi")
    if hi - lo + 1 > MAX_FAMILY_SIZE:
        raise fail("parameter_values", f"{values!r} has more than {MAX_FAMILY_SIZE} values")
    return parameter, list(range(lo, hi + 1))


# -- integer polynomials in n ---------------------------------------------------------------


def polynomial_coefficients(text: str) -> tuple[int, ...]:
    """Ascending integer coefficients of a polynomial in n written as an expression
    (integers, n, + - *, ** with a constant exponent), trailing zeros dropped.

    ValueError names what is refused: other symbols, division or non-integer literals
    (the coefficients must be integers), a zero polynomial (no continued fraction)."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise ValueError(f"not a valid expression: {err.msg}") from None
    coefficients = _trimmed(_polynomial(tree.body, text))
    if not coefficients:
        raise ValueError("the polynomial is zero")
    return tuple(coefficients)


def _polynomial(node: ast.AST, text: str) -> list[int]:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int):
            raise ValueError(f"literal {node.value!r} is not an integer")
        return [node.value]
    if isinstance(node, ast.Name):
        if node.id != VARIABLE:
            raise ValueError(f"unknown symbol {node.id!r} (a polynomial is in {VARIABLE})")
        return [0, 1]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _polynomial(node.operand, text)
        return [-c for c in operand] if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Pow):
            return _power(_polynomial(node.left, text), _polynomial(node.right, text))
        if isinstance(node.op, ast.Div):
            raise ValueError("division: the coefficients must be integers")
        if isinstance(node.op, ast.BitXor):
            raise ValueError("'^' is not a power: write n**2")
        left, right = _polynomial(node.left, text), _polynomial(node.right, text)
        if isinstance(node.op, ast.Add):
            return _sum(left, right)
        if isinstance(node.op, ast.Sub):
            return _sum(left, [-c for c in right])
        if isinstance(node.op, ast.Mult):
            return _product(left, right)
    part = ast.get_source_segment(text.strip(), node) or type(node).__name__
    raise ValueError(f"{part!r} is not allowed in an integer polynomial")


def _trimmed(coefficients: list[int]) -> list[int]:
    while coefficients and coefficients[-1] == 0:
        coefficients = coefficients[:-1]
    return coefficients


def _sum(left: list[int], right: list[int]) -> list[int]:
    size = max(len(left), len(right))
    return [
        (left[i] if i < len(left) else 0) + (right[i] if i < len(right) else 0) for i in range(size)
    ]


def _product(left: list[int], right: list[int]) -> list[int]:
    left, right = _trimmed(left), _trimmed(right)
    if len(left) + len(right) - 2 > MAX_DEGREE:
        raise ValueError(f"degree above {MAX_DEGREE}")
    product = [0] * max(len(left) + len(right) - 1, 0)
    for i, x in enumerate(left):
        for j, y in enumerate(right):
            product[i + j] += x * y
    return product


def _power(base: list[int], exponent: list[int]) -> list[int]:
    exponent = _trimmed(exponent)
    if len(exponent) > 1 or (exponent and exponent[0] < 0):
        raise ValueError("an exponent must be a non-negative integer constant")
    power = exponent[0] if exponent else 0
    if power > MAX_DEGREE:  # also for a constant base: 10**10**9 would never finish
        raise ValueError(f"exponent above {MAX_DEGREE}")
    result = [1]
    for _ in range(power):
        result = _product(result, base)
    return result
