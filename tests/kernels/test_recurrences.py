"""Recurrence detection on sequences the tests build themselves."""

from __future__ import annotations

import random
from math import comb

import mpmath
import pytest
from flint import fmpq

from conjectura.kernels.exact import ConvergentWalk
from conjectura.kernels.recurrences import find_recurrence, ratio_limit

N = 60


def fibonacci() -> list[int]:
    terms = [0, 1]
    while len(terms) < N:
        terms.append(terms[-1] + terms[-2])
    return terms


def catalan() -> list[int]:
    return [comb(2 * n, n) // (n + 1) for n in range(N)]


def central_binomial() -> list[int]:
    return [comb(2 * n, n) for n in range(N)]


def motzkin() -> list[int]:
    terms = [1, 1]
    for n in range(2, N):
        terms.append(sum(comb(n, 2 * k) * comb(2 * k, k) // (k + 1) for k in range(n // 2 + 1)))
    return terms


def apery() -> list[int]:
    return [sum(comb(n, k) ** 2 * comb(n + k, k) ** 2 for k in range(n + 1)) for n in range(N)]


def holds(terms: list[int], coefficients) -> bool:
    order = len(coefficients) - 1
    return all(
        sum(
            sum(c * n**j for j, c in enumerate(row)) * terms[n + i]
            for i, row in enumerate(coefficients)
        )
        == 0
        for n in range(len(terms) - order)
    )


def test_fibonacci_is_order_2_constant() -> None:
    found = find_recurrence(fibonacci())
    assert (found.order, found.degree) == (2, 0)
    assert found.coefficients == ((-1,), (-1,), (1,))


def test_catalan_numbers() -> None:
    found = find_recurrence(catalan())
    assert (found.order, found.degree) == (1, 1)
    # (n+2)·C(n+1) = (4n+2)·C(n)
    assert found.coefficients == ((-2, -4), (2, 1))


@pytest.mark.parametrize(
    ("terms", "order", "degree"), [(central_binomial(), 1, 1), (motzkin(), 2, 1), (apery(), 2, 3)]
)
def test_p_recursive_fixtures(terms, order, degree) -> None:
    found = find_recurrence(terms)
    assert (found.order, found.degree) == (order, degree)
    assert holds(terms, found.coefficients)  # checked again here, independently


def test_apery_recurrence_is_the_known_one() -> None:
    # (n+2)^3 u(n+2) - (34n^3 + 153n^2 + 231n + 117) u(n+1) + (n+1)^3 u(n) = 0
    found = find_recurrence(apery())
    assert found.coefficients == ((1, 3, 3, 1), (-117, -231, -153, -34), (8, 12, 6, 1))


def test_primes_and_random_sequences_have_none() -> None:
    primes = [p for p in range(2, 400) if all(p % d for d in range(2, int(p**0.5) + 1))][:N]
    assert find_recurrence(primes) is None
    rng = random.Random(11)
    assert find_recurrence([rng.randint(-(10**9), 10**9) for _ in range(N)]) is None


def test_a_guess_that_fails_held_back_terms_is_rejected() -> None:
    terms = fibonacci()
    terms[-2] += 1  # the guess sees the first terms only; this one is held back
    assert find_recurrence(terms, held_back=8) is None
    assert find_recurrence(fibonacci()[:-8] + [0] * 8, held_back=8) is None


def test_pcf_denominators_go_through_the_same_detector() -> None:
    walk = ConvergentWalk([1, 2], [0, 0, 1])  # q_n of PCF(2n+1, n^2)
    q = [int(walk.at(n).q) for n in range(1, N)]
    found = find_recurrence(q)
    assert found is not None and found.order == 2 and holds(q, found.coefficients)


def test_ratio_limit() -> None:
    found = ratio_limit(fibonacci())
    assert float(found.value) == pytest.approx((1 + 5**0.5) / 2) and found.digits > 12
    assert ratio_limit([1, 2, 3, 0, 5, 6, 7, 0]) is None


# -- honest ratio limits ------------------------------------------------------------------


def power_of_two_times_n(count: int) -> list[int]:
    """2^n·(n+1): a(n+1)/a(n) = 2(n+2)/(n+1) = 2 + 2/(n+1), settling like 1/n."""
    return [2**n * (n + 1) for n in range(count)]


def power_of_two_settling_like_n_squared(count: int) -> list[int]:
    """2^n + floor(2^n/(n+1)) = 2^n·(n+2)/(n+1) up to 2^-n: the ratio is
    2(n+3)(n+1)/(n+2)^2 = 2 - 2/(n+2)^2, settling like 1/n^2."""
    return [2**n + 2**n // (n + 1) for n in range(count)]


def as_mpf(value: fmpq) -> mpmath.mpf:
    return mpmath.mpf(int(value.p)) / int(value.q)


def agreement(value, limit: mpmath.mpf) -> float:
    """Significant digits to which ``value`` equals ``limit``, computed here at 1000 digits."""
    with mpmath.workdps(1000):
        return float(-mpmath.log10(abs(as_mpf(value) - limit) / abs(limit)))


def catalan_terms(count: int) -> list[int]:
    return [comb(2 * n, n) // (n + 1) for n in range(count)]


def central_terms(count: int) -> list[int]:
    return [comb(2 * n, n) for n in range(count)]


def fibonacci_terms(count: int) -> list[int]:
    terms = [0, 1]
    while len(terms) < count:
        terms.append(terms[-1] + terms[-2])
    return terms


with mpmath.workdps(1000):
    GOLDEN = (1 + mpmath.sqrt(5)) / 2


@pytest.mark.parametrize(
    ("name", "terms", "limit", "power_law"),
    [
        ("catalan", catalan_terms(1000), mpmath.mpf(4), True),
        ("central binomial", central_terms(1000), mpmath.mpf(4), True),
        ("catalan, 60 terms", catalan_terms(60), mpmath.mpf(4), True),
        ("1/n", power_of_two_times_n(500), mpmath.mpf(2), True),
        ("1/n^2", power_of_two_settling_like_n_squared(500), mpmath.mpf(2), True),
        ("1/n^2, 100 terms", power_of_two_settling_like_n_squared(100), mpmath.mpf(2), True),
        ("fibonacci", fibonacci_terms(60), GOLDEN, False),
        ("fibonacci, 1000 terms", fibonacci_terms(1000), GOLDEN, False),
    ],
)
def test_ratio_limit_claims_no_more_digits_than_it_has(name, terms, limit, power_law) -> None:
    found = ratio_limit(terms)
    assert found is not None, name
    value, digits = found.value, found.digits
    true = agreement(value, limit)
    assert digits <= true, (name, digits, true)
    if power_law:  # honest, yet not uselessly timid
        assert digits >= true - 0.5, (name, digits, true)
    else:
        assert digits >= true / 2, (name, digits, true)


def test_a_catalan_ratio_of_1000_terms_has_under_3_digits() -> None:
    # C(n+1)/C(n) = (4n+2)/(n+2) = 4 - 6/(n+2): at n = 998, 6/1000 off 4, 2.82 digits
    found = ratio_limit(catalan_terms(1000))
    assert found.value == fmpq(3994, 1000)
    assert 2.3 <= found.digits <= 2.83


def test_a_geometric_sequence_has_an_exact_rational_ratio() -> None:
    found = ratio_limit([3 * 5**k for k in range(40)])
    assert found is not None
    assert found.exact and found.value == fmpq(5)
    assert ratio_limit([(-2) ** k * 7 for k in range(40)]).value == fmpq(-2)
    assert not ratio_limit(fibonacci_terms(60)).exact


def test_a_ratio_that_does_not_settle_has_no_limit() -> None:
    # 2^n·(2 + (-1)^n): the ratio alternates between 2/3 and 6
    assert ratio_limit([2**n * (2 + (-1) ** n) for n in range(200)]) is None
    assert ratio_limit([1, 2, 4]) is None  # too short to tell


# -- the sequence's own index, and how much a recurrence predicted -----------------------


def holds_from(terms: list[int], coefficients, offset: int) -> int:
    """How many n (n = offset + position) satisfy sum P_i(n)·a(n+i) = 0; fails on any n
    that breaks it."""
    order = len(coefficients) - 1
    for k in range(len(terms) - order):
        n = offset + k
        total = sum(
            sum(c * n**j for j, c in enumerate(row)) * terms[k + i]
            for i, row in enumerate(coefficients)
        )
        assert total == 0, (n, coefficients)
    return len(terms) - order


def test_the_recurrence_is_stated_in_the_sequences_own_index() -> None:
    numbers = catalan()
    at_zero = find_recurrence(numbers, offset=0)
    # a(n) = C(n): (n+2)·a(n+1) = (4n+2)·a(n)
    assert at_zero.offset == 0 and at_zero.coefficients == ((-2, -4), (2, 1))
    shifted = find_recurrence(numbers, offset=1)
    # the same numbers as a(1), a(2), ...: a(n) = C(n-1), so (n+1)·a(n+1) = (4n-2)·a(n)
    assert shifted.offset == 1 and shifted.coefficients == ((2, -4), (1, 1))
    assert holds_from(numbers, shifted.coefficients, 1) == N - 1
    with pytest.raises(AssertionError):
        holds_from(numbers, at_zero.coefficients, 1)  # the index-0 formula is wrong here


def test_a_constant_coefficient_recurrence_does_not_depend_on_the_offset() -> None:
    assert find_recurrence(fibonacci(), offset=5).coefficients == ((-1,), (-1,), (1,))


def test_verified_needs_unknowns_plus_ten_predicted_terms() -> None:
    # Apery: order 2, degree 3, 12 unknowns; fitted on 12 + 4 equations (18 terms)
    enough = find_recurrence(apery()[:40])
    assert (enough.order, enough.degree) == (2, 3)
    assert enough.fitted == 16 and enough.predicted == 40 - 18 == 22
    assert enough.verified
    short = find_recurrence(apery()[:39])
    assert short.coefficients == enough.coefficients
    assert short.predicted == 21 and not short.verified  # 21 < 12 + 10: numerical
    assert find_recurrence(apery()[:25], held_back=8) is None  # 7 predicted < held_back


def test_held_back_is_a_floor_on_the_predicted_terms() -> None:
    found = find_recurrence(fibonacci()[:30], held_back=8)
    # order 2, 3 unknowns: fitted on 7 equations (terms 0..8), 21 terms predicted
    assert (found.fitted, found.predicted, found.verified) == (7, 21, True)
    demanding = find_recurrence(fibonacci()[:30], held_back=15)
    assert demanding.predicted == 21 and demanding.verified
    assert find_recurrence(fibonacci()[:30], held_back=22) is None  # 2·22 > 30 terms anyway
    assert find_recurrence(fibonacci()[:20], held_back=10) is not None
    assert not find_recurrence(fibonacci()[:20], held_back=10).verified  # 11 < 3 + 10


def test_leading_zeros_widen_the_fit_and_shorten_the_prediction() -> None:
    # C(n, 10) is 0 for n < 10: the first equations say nothing, so the fit takes more.
    # (n-9)·a(n+1) = (n+1)·a(n), by hand from C(n+1, 10)/C(n, 10) = (n+1)/(n-9)
    terms = [comb(n, 10) for n in range(40)]
    found = find_recurrence(terms)
    assert found.coefficients == ((-1, -1), (-9, 1))
    assert found.fitted > 8  # 4 unknowns + 4 spare equations were not enough
    assert found.predicted == 39 - found.fitted  # every equation past the fit, n - 9 != 0
    assert found.verified
    assert holds_from(terms, found.coefficients, 0) == 39
