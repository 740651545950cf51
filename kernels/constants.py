"""The constant library: every value computed by mpmath, never typed in.

Specs and conjecture bases name constants (``pi``) or products of them (``pi*pi``);
:func:`value_of` evaluates either from decimal expansions held by the catalog (enough for
a float lookup table), :func:`constant_value` computes either to the precision a check
needs: a check never runs on a constant truncated to the catalog's LIBRARY_DIGITS.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import mpmath


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


def factors(name: str) -> list[str]:
    """``pi*pi`` -> ``['pi', 'pi']``; each factor must be in the library."""
    parts = name.split("*")
    unknown = [p for p in parts if p not in LIBRARY]
    if unknown:
        raise KeyError(f"unknown constant {', '.join(unknown)} (known: {', '.join(LIBRARY)})")
    return parts


def decimal_expansion(name: str, digits: int = LIBRARY_DIGITS) -> str:
    """A library constant to ``digits`` significant digits, as a decimal string."""
    definition = LIBRARY[name]
    with mpmath.workdps(digits + 15):
        return mpmath.nstr(definition.compute(), digits, strip_zeros=False)


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
    """A constant or product of constants, computed to at least ``digits`` significant
    digits (default: the current mpmath precision); cached by precision."""
    wanted = mpmath.mp.dps if digits is None else int(digits)
    factors(name)  # unknown names fail here, before anything is cached
    return _computed(name, -(-wanted // PRECISION_STEP) * PRECISION_STEP)


@functools.lru_cache(maxsize=512)
def _computed(name: str, digits: int) -> mpmath.mpf:
    with mpmath.workdps(digits + 15):
        value = mpmath.mpf(1)
        for factor in factors(name):
            value *= _factor(factor, digits)
        return value


@functools.lru_cache(maxsize=512)
def _factor(name: str, digits: int) -> mpmath.mpf:
    with mpmath.workdps(digits + 15):
        return +LIBRARY[name].compute()
