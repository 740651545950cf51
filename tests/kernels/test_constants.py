"""The constant library against closed forms computed another way."""

from __future__ import annotations

import mpmath
import pytest

from conjectura.kernels.constants import LIBRARY, LIBRARY_DIGITS, decimal_expansion

# Gauss' constant and the lemniscate constant by the Γ function, not the AGM the library uses.
GAMMA_FORMS = {
    "gauss": lambda: mpmath.gamma(mpmath.mpf(1) / 4) ** 2 / (2 * mpmath.pi) ** 1.5,
    "lemniscate": lambda: mpmath.gamma(mpmath.mpf(1) / 4) ** 2 / (2 * mpmath.sqrt(2 * mpmath.pi)),
}


@pytest.mark.parametrize("name", sorted(GAMMA_FORMS))
def test_agm_constants_match_their_gamma_closed_forms(name: str) -> None:
    with mpmath.workdps(LIBRARY_DIGITS + 10):
        expected = GAMMA_FORMS[name]()
        stored = mpmath.mpf(decimal_expansion(name))
        assert abs(stored - expected) < mpmath.mpf(10) ** -(LIBRARY_DIGITS - 2)


def test_every_library_constant_has_the_promised_digits() -> None:
    for name in LIBRARY:
        digits = decimal_expansion(name).lstrip("-").replace(".", "").lstrip("0")
        assert len(digits) >= 1000, name
