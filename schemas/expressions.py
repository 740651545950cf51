"""User constants written as mpmath expressions: the whitelist and its validator.

A spec may define a constant by an expression such as ``1/agm(1, sqrt(2))``. The text is
parsed with :mod:`ast` and every node is checked against a whitelist (numbers, + - * / **,
unary signs, the names below, calls to the functions below with positional arguments), so
no arbitrary code is ever evaluated. This module is standard library only: the spec model
validates with it, and ``kernels.expressions`` evaluates the checked tree with mpmath.
"""

from __future__ import annotations

import ast
import re

FUNCTIONS: frozenset[str] = frozenset(
    {
        # powers, roots, exponentials, logarithms
        "sqrt", "cbrt", "root", "exp", "expm1", "log", "ln", "log10", "log1p", "power",
        # trigonometric and hyperbolic
        "sin", "cos", "tan", "sec", "csc", "cot", "asin", "acos", "atan", "atan2",
        "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sinc", "sinpi", "cospi",
        # means, gamma and zeta families
        "agm", "gamma", "rgamma", "loggamma", "factorial", "fac", "binomial", "beta",
        "psi", "digamma", "harmonic", "zeta", "altzeta", "polylog", "lerchphi",
        "barnesg", "hyperfac", "superfac", "stieltjes", "bernoulli",
        "clsin", "clcos", "lambertw",
        # error function, exponential and logarithmic integrals
        "erf", "erfc", "ei", "e1", "li", "expint", "si", "ci", "shi", "chi",
        # elliptic integrals and Bessel functions
        "ellipk", "ellipe", "ellipf", "ellippi", "besselj", "bessely", "besseli", "besselk",
        "airyai", "airybi",
        # hypergeometric series
        "hyp0f1", "hyp1f1", "hyp1f2", "hyp2f0", "hyp2f1", "hyp2f2", "hyp3f2",
    }
)  # fmt: skip
"""Callable names: each is the mpmath function of that name, taking numbers only."""

CONSTANTS: frozenset[str] = frozenset(
    {"pi", "e", "euler", "catalan", "ln2", "ln10", "phi", "glaisher", "khinchin", "apery",
     "mertens", "twinprime"}
)  # fmt: skip
"""Bare names: each is the mpmath constant of that name (``euler`` is γ, ``apery`` ζ(3))."""

LIBRARY_CONSTANT_NAMES: frozenset[str] = frozenset(
    {"pi", "e", "zeta3", "zeta5", "catalan", "log2", "sqrt2", "sqrt3", "sqrt5", "gauss",
     "lemniscate", "euler_gamma", "gompertz"}
)  # fmt: skip
"""Names of the constant library (kernels.constants.LIBRARY, kept equal by a test): a user
constant may not take one, or a basis such as ``L*pi`` would mean two things."""

RESERVED_NAMES: frozenset[str] = frozenset({"L"})
"""``L`` stands for the subject's value in a conjecture's basis."""

NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")
"""A user constant's name: a letter, then letters, digits or ``_`` (no ``*``: products)."""

MAX_LENGTH = 500
MAX_NODES = 200
"""Bounds on an expression's text and tree, so that checking and evaluating stay cheap."""

_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_UNARY = {ast.USub: "-", ast.UAdd: "+"}


class ExpressionError(ValueError):
    """An expression outside the whitelist. The message names the offending part."""


def parse_expression(text: str) -> ast.Expression:
    """The checked syntax tree of ``text``; :class:`ExpressionError` names what is refused."""
    if not isinstance(text, str):
        raise ExpressionError(f"an expression is a string, got {type(text).__name__}")
    if not text.strip():
        raise ExpressionError("empty expression")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise ExpressionError(f"not a valid expression: {err.msg} in {text!r}") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise ExpressionError(f"expression has more than {MAX_NODES} parts")
    for node in nodes:
        _check_node(node, text.strip())
    callees = {id(n.func) for n in nodes if isinstance(n, ast.Call)}
    for node in nodes:
        if isinstance(node, ast.Name) and node.id in FUNCTIONS and id(node) not in callees:
            raise ExpressionError(f"function {node.id!r} used without a call")
    return tree


def check_name(name: object) -> str:
    """``name`` if it may name a user constant; :class:`ExpressionError` says why not."""
    if not isinstance(name, str):
        raise ExpressionError(f"a constant's name is a string, got {type(name).__name__}")
    if not NAME_PATTERN.fullmatch(name):
        raise ExpressionError(
            f"name {name!r} is not a letter followed by up to 31 letters, digits or '_'"
        )
    if name in LIBRARY_CONSTANT_NAMES:
        raise ExpressionError(f"name {name!r} is a library constant; choose another name")
    if name in RESERVED_NAMES:
        raise ExpressionError(f"name {name!r} is reserved for the subject's value")
    return name


def _check_node(node: ast.AST, text: str) -> None:
    if isinstance(node, ast.Expression | ast.expr_context | ast.operator | ast.unaryop):
        return  # operators are checked at their BinOp / UnaryOp
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ExpressionError(f"literal {value!r} is not a real number")
        return
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _OPERATORS:
            raise ExpressionError(f"operator {_segment(node, text)!r} is not one of + - * / **")
        return
    if isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            raise ExpressionError(f"unary operator in {_segment(node, text)!r} is not allowed")
        return
    if isinstance(node, ast.Name):
        if node.id not in CONSTANTS and node.id not in FUNCTIONS:
            raise ExpressionError(f"unknown name {node.id!r}")
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise ExpressionError(f"call of {_segment(node.func, text)!r} is not allowed")
        if node.func.id not in FUNCTIONS:
            raise ExpressionError(f"{node.func.id!r} is not a whitelisted function")
        if node.keywords:
            raise ExpressionError(f"keyword arguments in {_segment(node, text)!r}")
        if any(isinstance(arg, ast.Starred) for arg in node.args):
            raise ExpressionError(f"starred arguments in {_segment(node, text)!r}")
        return
    if isinstance(node, ast.Attribute):
        raise ExpressionError(f"attribute access {_segment(node, text)!r} is not allowed")
    raise ExpressionError(f"{_segment(node, text)!r} is not allowed in an expression")


def _segment(node: ast.AST, text: str) -> str:
    return ast.get_source_segment(text, node) or type(node).__name__
