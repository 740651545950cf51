"""The constant library against closed forms computed another way."""

from __future__ import annotations

import mpmath
import pytest

from conjectura.kernels.constants import (
    LIBRARY,
    LIBRARY_DIGITS,
    constant_value,
    decimal_expansion,
    factors,
    register_user_constants,
    user_constants,
    value_of,
)
from conjectura.kernels.expressions import ExpressionError

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


# -- constants to the precision a check needs (issue 16) ------------------------------------


def machin_pi(digits: int) -> mpmath.mpf:
    """pi = 16 atan(1/5) - 4 atan(1/239), by its Taylor series in exact rationals."""
    scale = 10 ** (digits + 10)

    def atan_inverse(x: int) -> int:  # scale * atan(1/x), floor
        total, power, k, sign = 0, scale // x, 1, 1
        while power:
            total += sign * (power // k)
            power //= x * x
            k += 2
            sign = -sign
        return total

    with mpmath.workdps(digits + 10):
        return mpmath.mpf(16 * atan_inverse(5) - 4 * atan_inverse(239)) / scale


def test_constants_are_computed_past_the_catalogs_digits() -> None:
    digits = 3 * LIBRARY_DIGITS
    with mpmath.workdps(30):  # the current precision does not cut it short
        value = constant_value("pi", digits)
    with mpmath.workdps(digits + 10):
        assert abs(value - machin_pi(digits)) < mpmath.mpf(10) ** -(digits - 2)


def test_products_are_computed_to_the_precision_asked() -> None:
    with mpmath.workdps(2010):
        product = constant_value("gauss*pi", 2000)
        lemniscate = GAMMA_FORMS["lemniscate"]()
        assert abs(product - lemniscate) < mpmath.mpf(10) ** -1995


def test_the_default_precision_is_the_current_one() -> None:
    with mpmath.workdps(1500):
        value = constant_value("e")
        assert abs(value - mpmath.exp(1)) < mpmath.mpf(10) ** -1495


def test_values_are_cached_by_precision() -> None:
    assert constant_value("zeta3", 700) is constant_value("zeta3", 699)
    assert constant_value("zeta3", 700) is not constant_value("zeta3", 2000)


def test_unknown_constants_are_refused() -> None:
    with pytest.raises(KeyError, match="unknown constant tau"):
        constant_value("pi*tau", 100)


# -- user constants by expression (issue 16 part 2) ------------------------------------------


def test_a_registered_user_constant_is_computed_to_any_precision() -> None:
    register_user_constants({"user_gauss": "1/agm(1, sqrt(2))"})
    assert factors("user_gauss*pi") == ["user_gauss", "pi"]
    with mpmath.workdps(1510):
        expected = GAMMA_FORMS["gauss"]()
        assert abs(constant_value("user_gauss", 1500) - expected) < mpmath.mpf(10) ** -1495
        product = constant_value("user_gauss*pi", 1500)  # the lemniscate constant
        assert abs(product - GAMMA_FORMS["lemniscate"]()) < mpmath.mpf(10) ** -1495


def test_registering_another_expression_changes_the_value() -> None:
    register_user_constants({"user_x": "sqrt(2)"})
    first = constant_value("user_x", 100)
    register_user_constants({"user_x": "sqrt(3)"})
    with mpmath.workdps(110):
        assert abs(first - mpmath.sqrt(2)) < mpmath.mpf(10) ** -100
        assert abs(constant_value("user_x", 100) - mpmath.sqrt(3)) < mpmath.mpf(10) ** -100
    assert user_constants()["user_x"] == "sqrt(3)"


def test_user_constants_are_checked_when_registered() -> None:
    with pytest.raises(ExpressionError, match="library constant"):
        register_user_constants({"pi": "3"})
    with pytest.raises(ExpressionError, match=r"'os\.system' is not allowed"):
        register_user_constants({"user_bad": "os.system('true')"})
    with pytest.raises(KeyError, match="unknown constant user_never"):
        constant_value("user_never", 50)
    assert factors("pi*user_spec", user={"user_spec"}) == ["pi", "user_spec"]


def test_value_of_reads_a_user_constant_from_the_expansions() -> None:
    register_user_constants({"user_half": "1/2"})
    with mpmath.workdps(50):
        assert value_of("user_half*pi", {"user_half": "0.5", "pi": "3.25"}) == mpmath.mpf("1.625")
