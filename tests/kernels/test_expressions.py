"""User constants by expression: the whitelist (schemas.expressions) and its mpmath
evaluator (kernels.expressions); expected values from direct mpmath calls."""

from __future__ import annotations

import mpmath
import pytest

from conjectura.kernels.constants import LIBRARY
from conjectura.kernels.expressions import ExpressionError, compile_expression, evaluate
from conjectura.schemas.expressions import (
    CONSTANTS,
    FUNCTIONS,
    LIBRARY_CONSTANT_NAMES,
    check_name,
    parse_expression,
)


def test_gauss_constant_by_expression_at_the_requested_digits() -> None:
    with mpmath.workdps(220):
        expected = 1 / mpmath.agm(1, mpmath.sqrt(2))
    got = evaluate("1/agm(1, sqrt(2))", 200)
    with mpmath.workdps(220):
        assert abs(got - expected) < mpmath.mpf(10) ** -205


def test_the_compiled_function_follows_the_working_precision() -> None:
    compute = compile_expression("pi**2/6 - zeta(2) + agm(1, 2)")
    with mpmath.workdps(30):
        coarse = compute()
    with mpmath.workdps(300):
        fine = compute()
        exact = mpmath.agm(1, 2)
        assert abs(fine - exact) < mpmath.mpf(10) ** -295
        assert mpmath.mpf(10) ** -45 < abs(coarse - exact) < mpmath.mpf(10) ** -27


def close(x: mpmath.mpf, y: mpmath.mpf, digits: int) -> bool:
    with mpmath.workdps(digits + 20):
        return abs(x - y) <= abs(y) * mpmath.mpf(10) ** -digits


def test_literals_keep_their_decimal_digits() -> None:
    """From the literal's text, not the binary float 0.1 (wrong after 17 digits)."""
    with mpmath.workdps(80):
        assert close(evaluate("0.1", 50), mpmath.mpf(1) / 10, 50)
        assert close(evaluate("1_000.5", 50), mpmath.mpf(2001) / 2, 50)
        tiny = evaluate("2.000000000000000000000000000001", 50) - 2
        assert close(tiny, mpmath.mpf(10) ** -30, 15)


def test_powers_are_mpf_powers_not_python_integers() -> None:
    """10**10**10 as Python ints would not finish; as an mpf power it is immediate."""
    with mpmath.workdps(40):
        assert close(evaluate("10**10**10", 20), mpmath.power(10, 10**10), 20)
        assert close(evaluate("-2**0.5", 30), -mpmath.sqrt(2), 30)  # ** before unary minus


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('__import__("os")', "'__import__' is not a whitelisted function"),
        ("os.system(1)", "call of 'os.system' is not allowed"),
        ("mpmath.pi", "attribute access 'mpmath.pi' is not allowed"),
        ("x + 1", "unknown name 'x'"),
        ("sqrt + 1", "function 'sqrt' used without a call"),
        ("pi(2)", "'pi' is not a whitelisted function"),
        ("7 % 2", "operator '7 % 2' is not one of + - * / **"),
        ("not 1", "unary operator in 'not 1' is not allowed"),
        ("sqrt(x=2)", "keyword arguments in 'sqrt(x=2)'"),
        ("sqrt(*[2])", "starred arguments in 'sqrt(*[2])'"),
        ("'a'", "literal 'a' is not a real number"),
        ("1j", "literal 1j is not a real number"),
        ("True", "literal True is not a real number"),
        ("lambda: 1", "'lambda: 1' is not allowed in an expression"),
        ("[1][0]", "is not allowed in an expression"),
        ("(1 if 1 else 2)", "is not allowed in an expression"),
        ("1 +", "not a valid expression"),
        ("  ", "empty expression"),
        ("1+" * 300 + "1", "longer than 500 characters"),
        ("+".join(["pi"] * 120), "more than 200 parts"),
    ],
)
def test_whitelist_refuses_and_names_the_problem(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text)
    assert message in str(caught.value)
    with pytest.raises(ExpressionError):
        compile_expression(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1/0", "'1/0' cannot be evaluated: division by zero"),
        ("zeta(1)", "'zeta(1)' cannot be evaluated"),
        ("log(-1)", "'log(-1)' is not real"),
        ("sqrt(1, 2, 3)", "'sqrt(1, 2, 3)': sqrt does not take 3 argument(s)"),
    ],
)
def test_evaluation_problems_name_the_expression(text: str, message: str) -> None:
    compute = compile_expression(text)  # the whitelist accepts these
    with pytest.raises(ExpressionError) as caught, mpmath.workdps(30):
        compute()
    assert message in str(caught.value)


def test_a_complex_intermediate_with_a_real_result_is_accepted() -> None:
    with mpmath.workdps(40):
        assert evaluate("sqrt(-4)**2", 30) == -4


def test_every_whitelisted_name_is_an_mpmath_name() -> None:
    assert all(callable(getattr(mpmath, name, None)) for name in FUNCTIONS)
    with mpmath.workdps(30):
        assert all(isinstance(+getattr(mpmath, name), mpmath.mpf) for name in CONSTANTS)
    assert not FUNCTIONS & CONSTANTS


def test_library_names_are_the_constant_library() -> None:
    assert set(LIBRARY) == LIBRARY_CONSTANT_NAMES


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("pi", "'pi' is a library constant"),
        ("zeta3", "'zeta3' is a library constant"),
        ("L", "'L' is reserved"),
        ("my*g", "is not a letter followed by"),
        ("3x", "is not a letter followed by"),
        ("x" * 33, "is not a letter followed by"),
        (7, "a constant's name is a string, got int"),
    ],
)
def test_user_constant_names(name: object, message: str) -> None:
    with pytest.raises(ExpressionError, match=message.replace("*", r"\*")):
        check_name(name)
    assert check_name("my_g") == "my_g"
