"""The constant library: every value computed by mpmath, never typed in.

Specs and conjecture bases name constants (``pi``) or products of them (``pi*pi``);
:func:`value_of` evaluates either from decimal expansions held by the catalog (enough for
a float lookup table), :func:`constant_value` computes either to the precision a check
needs: a check never runs on a constant truncated to the catalog's LIBRARY_DIGITS.

A spec may add user constants by mpmath expression (``my_g: 1/agm(1, sqrt(2))``). They are
registered per process (:func:`register_user_constants`: a run's tasks do it from the spec,
on whichever worker they land) and from then on are names like the library's, computed to
any precision by ``kernels.expressions``; values are cached by expression, not by name.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

import mpmath

from conjectura.kernels.expressions import check_name, compile_expression


@dataclass(frozen=True)
class ConstantDefinition:
    name: str
    expression: str
    compute: Callable[[], mpmath.mpf]  # at the current mpmath precision
    source: str


LIBRARY: dict[str, ConstantDefinition] = {
    d.name: d
    for d in (
        ConstantDefinition("pi", "π", lambda: +mpmath.pi, "mpmath.pi"),
        ConstantDefinition("e", "e = exp(1)", lambda: +mpmath.e, "mpmath.e"),
        ConstantDefinition("zeta3", "ζ(3)", lambda: mpmath.zeta(3), "mpmath.zeta(3)"),
        ConstantDefinition("zeta5", "ζ(5)", lambda: mpmath.zeta(5), "mpmath.zeta(5)"),
        ConstantDefinition(
            "catalan", "G = Σ (-1)^k/(2k+1)^2", lambda: +mpmath.catalan, "mpmath.catalan"
        ),
        ConstantDefinition("log2", "ln 2", lambda: +mpmath.ln2, "mpmath.ln2"),
        ConstantDefinition("sqrt2", "√2", lambda: mpmath.sqrt(2), "mpmath.sqrt(2)"),
        ConstantDefinition("sqrt3", "√3", lambda: mpmath.sqrt(3), "mpmath.sqrt(3)"),
        ConstantDefinition("sqrt5", "√5", lambda: mpmath.sqrt(5), "mpmath.sqrt(5)"),
        ConstantDefinition(
            "gauss",
            "G = 1/agm(1, √2) (Gauss' constant)",
            lambda: 1 / mpmath.agm(1, mpmath.sqrt(2)),
            "1 / mpmath.agm(1, mpmath.sqrt(2))",
        ),
        ConstantDefinition(
            "lemniscate",
            "ϖ = π·G (lemniscate constant)",
            lambda: mpmath.pi / mpmath.agm(1, mpmath.sqrt(2)),
            "mpmath.pi / mpmath.agm(1, mpmath.sqrt(2))",
        ),
        ConstantDefinition(
            "euler_gamma", "γ (Euler–Mascheroni)", lambda: +mpmath.euler, "mpmath.euler"
        ),
        ConstantDefinition(
            "gompertz",
            "δ = e·E1(1) (Gompertz)",
            lambda: mpmath.e * mpmath.e1(1),
            "mpmath.e * mpmath.e1(1)",
        ),
    )
}

LIBRARY_DIGITS = 1050
"""Significant digits computed for the constants table (the contract asks for >= 1000)."""

USER_SOURCE = "user: mpmath expression"
"""The constants table's ``source`` for a user constant."""

_USER: dict[str, str] = {}
"""User constants registered in this process: name -> mpmath expression."""


def register_user_constants(expressions: Mapping[str, str]) -> None:
    """Make user constants (name -> mpmath expression) known to :func:`factors`,
    :func:`constant_value` and :func:`value_of` in this process. Names and expressions
    are checked (ExpressionError); registering a name again with another expression
    replaces it."""
    for name, expression in expressions.items():
        check_name(name)
        compile_expression(expression)
        _USER[name] = expression.strip()


def user_constants() -> dict[str, str]:
    """The user constants registered in this process (name -> expression)."""
    return dict(_USER)


def definition(name: str) -> ConstantDefinition:
    """A library constant's definition, or a registered user constant's."""
    if name in LIBRARY:
        return LIBRARY[name]
    if name in _USER:
        return ConstantDefinition(name, _USER[name], compile_expression(_USER[name]), USER_SOURCE)
    raise KeyError(f"unknown constant {name}")


def factors(name: str, user: Collection[str] = ()) -> list[str]:
    """``pi*pi`` -> ``['pi', 'pi']``; each factor must be in the library, a registered
    user constant, or one of ``user`` (a spec's user constant names, before registering)."""
    parts = name.split("*")
    unknown = [p for p in parts if p not in LIBRARY and p not in _USER and p not in user]
    if unknown:
        known = [*LIBRARY, *sorted(set(_USER) | set(user))]
        raise KeyError(f"unknown constant {', '.join(unknown)} (known: {', '.join(known)})")
    return parts


def decimal_expansion(name: str, digits: int = LIBRARY_DIGITS) -> str:
    """A library (or registered user) constant to ``digits`` significant digits, as a
    decimal string."""
    compute = definition(name).compute
    with mpmath.workdps(digits + 15):
        return mpmath.nstr(compute(), digits, strip_zeros=False)


def value_of(name: str, expansions: Mapping[str, str]) -> mpmath.mpf:
    """A constant or product of constants at the current mpmath precision."""
    value = mpmath.mpf(1)
    for factor in factors(name):
        value *= mpmath.mpf(expansions[factor])
    return value


PRECISION_STEP = 64
"""constant_value rounds the digits asked for up to a multiple of this, so that checks at
nearby precisions share one cached value."""


def constant_value(name: str, digits: int | None = None) -> mpmath.mpf:
    """A constant or product of constants (library or registered user constants),
    computed to at least ``digits`` significant digits (default: the current mpmath
    precision); cached by precision."""
    wanted = mpmath.mp.dps if digits is None else int(digits)
    parts = factors(name)  # unknown names fail here, before anything is cached
    # A user factor is keyed by its expression: re-registering a name changes the value.
    expressions = tuple(_USER.get(p, "") if p not in LIBRARY else "" for p in parts)
    return _computed(name, expressions, -(-wanted // PRECISION_STEP) * PRECISION_STEP)


@functools.lru_cache(maxsize=512)
def _computed(name: str, expressions: tuple[str, ...], digits: int) -> mpmath.mpf:
    with mpmath.workdps(digits + 15):
        value = mpmath.mpf(1)
        for factor, expression in zip(name.split("*"), expressions, strict=True):
            value *= _factor(factor, expression, digits)
        return value


@functools.lru_cache(maxsize=512)
def _factor(name: str, expression: str, digits: int) -> mpmath.mpf:
    """A library constant (``expression`` empty) or a user constant's expression."""
    compute = compile_expression(expression) if expression else LIBRARY[name].compute
    with mpmath.workdps(digits + 15):
        return +compute()
