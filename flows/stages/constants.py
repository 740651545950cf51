"""The constant library's rows: every value computed by mpmath, never typed in."""

from __future__ import annotations

from collections.abc import Iterable

from conjectura.flows.stages.rows import Columns
from conjectura.kernels import constants as library


def needed_constants(names: Iterable[str]) -> list[str]:
    """The library constants behind a spec's constant names (``pi*pi`` needs ``pi``)."""
    return sorted({factor for name in names for factor in library.factors(name)})


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
