"""User constants by expression, evaluated with mpmath at the current precision.

The text is checked by ``schemas.expressions`` (the one whitelist, standard library only,
shared with the spec model) and the checked tree is walked here node by node: numbers,
+ - * / **, unary signs, whitelisted mpmath constants and functions. Nothing is passed to
``eval``; numeric literals become mpf from their decimal text, so ``0.1`` is exact to the
working precision and ``10**10**10`` is an mpf power, not a Python integer.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable

import mpmath

from conjectura.schemas.expressions import (
    FUNCTIONS,
    ExpressionError,
    check_name,
    parse_expression,
)

__all__ = ["ExpressionError", "check_name", "compile_expression", "evaluate"]

_BINARY: dict[type, Callable] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}


def compile_expression(text: str) -> Callable[[], mpmath.mpf]:
    """A function that evaluates ``text`` at the mpmath precision current when it is
    called (as the constant library's ``compute`` does). Whitelist problems raise
    :class:`ExpressionError` here; evaluation problems (a pole, a complex value) when the
    function is called, naming the expression."""
    tree = parse_expression(text)
    source = text.strip()

    def compute() -> mpmath.mpf:
        try:
            value = _evaluate(tree.body, source)
        except ExpressionError:
            raise
        except ZeroDivisionError:
            raise ExpressionError(f"{source!r} cannot be evaluated: division by zero") from None
        except (ArithmeticError, ValueError) as err:
            raise ExpressionError(f"{source!r} cannot be evaluated: {err}") from None
        return _real(value, source)

    return compute


def evaluate(text: str, digits: int) -> mpmath.mpf:
    """``text`` to ``digits`` significant digits (evaluated with 15 guard digits)."""
    compute = compile_expression(text)
    with mpmath.workdps(digits + 15):
        value = compute()
    return value


def _evaluate(node: ast.AST, source: str) -> mpmath.mpf | mpmath.mpc:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, int):
            return mpmath.mpf(node.value)
        # From the literal's own text: a float literal keeps every digit written.
        text = ast.get_source_segment(source, node) or repr(node.value)
        return mpmath.mpf(text.replace("_", ""))
    if isinstance(node, ast.Name):
        return +getattr(mpmath, node.id)  # unary plus: the constant at the current precision
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, source)
        return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left, source), _evaluate(node.right, source)
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS  # checked
        arguments = [_evaluate(argument, source) for argument in node.args]
        try:
            return getattr(mpmath, node.func.id)(*arguments)
        except TypeError:
            call = ast.get_source_segment(source, node)
            raise ExpressionError(
                f"{call!r}: {node.func.id} does not take {len(arguments)} argument(s)"
            ) from None
    raise ExpressionError(f"{ast.dump(node)} is not allowed")  # pragma: no cover - checked


def _real(value: object, source: str) -> mpmath.mpf:
    """The real value; a complex one with a non-negligible imaginary part is refused."""
    if isinstance(value, mpmath.mpc):
        if abs(value.imag) > abs(value) * mpmath.eps * 16:
            raise ExpressionError(f"{source!r} is not real: {mpmath.nstr(value, 10)}")
        value = value.real
    value = mpmath.mpf(value)
    if not mpmath.isfinite(value):
        raise ExpressionError(f"{source!r} is not finite: {value}")
    return value
