"""Recurrence detection on sequences the tests build themselves."""

from __future__ import annotations

import random
from math import comb

import pytest

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
    value, digits = ratio_limit(fibonacci())
    assert value == pytest.approx((1 + 5**0.5) / 2) and digits > 12
    assert ratio_limit([1, 2, 3, 0, 5, 6, 7, 0]) is None
