"""The constants table's rows: every value computed by mpmath, never typed in, whether a
library constant or a user constant given by a spec's mpmath expression."""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterable, Mapping

import mpmath

from conjectura.flows.stages.rows import Columns
from conjectura.kernels import constants as library
from conjectura.kernels.expressions import evaluate
from conjectura.schemas.expressions import parse_expression


def needed_constants(names: Iterable[str], user: Collection[str] = ()) -> list[str]:
    """The library constants behind a spec's constant names (``pi*pi`` needs ``pi``);
    factors named in ``user`` (the spec's user constants) are not library constants and
    are left out."""
    found = {factor for name in names for factor in library.factors(name, user)}
    return sorted(found - set(user))


def constant_columns(names: Iterable[str]) -> Columns:
    """``constants`` rows for library constants, each to LIBRARY_DIGITS digits."""
    definitions = [library.LIBRARY[name] for name in names]
    return {
        "name": [d.name for d in definitions],
        "expression": [d.expression for d in definitions],
        "value": [library.decimal_expansion(d.name) for d in definitions],
        "digits": [library.LIBRARY_DIGITS] * len(definitions),
        "source": [d.source for d in definitions],
    }


def user_constant_columns(expressions: Mapping[str, str]) -> Columns:
    """``constants`` rows for user constants (name -> mpmath expression): the expression
    as written, its value to LIBRARY_DIGITS digits by ``kernels.expressions``."""
    digits = library.LIBRARY_DIGITS
    values = []
    for text in expressions.values():
        value = evaluate(text, digits)
        with mpmath.workdps(digits + 15):
            values.append(mpmath.nstr(value, digits, strip_zeros=False))
    return {
        "name": list(expressions),
        "expression": [text.strip() for text in expressions.values()],
        "value": values,
        "digits": [digits] * len(values),
        "source": [library.USER_SOURCE] * len(values),
    }


def same_expression(first: str, second: str) -> bool:
    """Whether two expressions are the same text up to spacing and redundant brackets
    (their syntax trees agree): ``1/agm(1,sqrt(2))`` is ``1 / agm(1, sqrt(2))``."""
    return ast.dump(parse_expression(first)) == ast.dump(parse_expression(second))
