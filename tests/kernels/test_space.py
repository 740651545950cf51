"""kernels.space: mixed-radix enumeration of a coefficient space, trimming, stable ids."""

from __future__ import annotations

import itertools

import numpy as np

from conjectura.kernels.space import coefficients_at, pcf_id, trimmed

RANGES = [(0, 1), (-1, 1), (2, 3)]


def test_enumeration_is_mixed_radix_last_coefficient_fastest() -> None:
    rows = coefficients_at(RANGES, 0, 12)
    # itertools.product varies its last factor fastest: the same order, worked by hand
    expected = list(itertools.product([0, 1], [-1, 0, 1], [2, 3]))
    assert rows.dtype == np.int64
    assert rows.shape == (12, 3)
    assert [tuple(r) for r in rows.tolist()] == expected
    assert rows[:4].tolist() == [[0, -1, 2], [0, -1, 3], [0, 0, 2], [0, 0, 3]]


def test_any_slice_matches_the_whole_enumeration() -> None:
    whole = coefficients_at(RANGES, 0, 12)
    for start, stop in [(0, 1), (3, 7), (5, 12), (11, 12), (4, 4)]:
        assert coefficients_at(RANGES, start, stop).tolist() == whole[start:stop].tolist()


def test_fixed_coefficients_and_negative_ranges() -> None:
    rows = coefficients_at([(5, 5), (-3, -2), (7, 7)], 0, 2)
    assert rows.tolist() == [[5, -3, 7], [5, -2, 7]]


def test_trimmed_drops_trailing_zeros_only() -> None:
    assert trimmed([1, 2, 0, 0]) == [1, 2]
    assert trimmed([0, 0, 3]) == [0, 0, 3]
    assert trimmed([0, 0, 0]) == [0]
    assert trimmed([0]) == [0]
    assert trimmed(np.array([4, 0], dtype=np.int64)) == [4]
    assert all(type(c) is int for c in trimmed(np.array([4, 5], dtype=np.int64)))


def test_pcf_id_is_stable_under_zero_padding() -> None:
    base = pcf_id([1, 2], [0, 0, 1])
    assert pcf_id([1, 2, 0, 0], [0, 0, 1, 0]) == base
    assert pcf_id(np.array([1, 2, 0]), np.array([0, 0, 1, 0, 0, 0, 0])) == base
    assert pcf_id((1, 2), (0, 0, 1)) == base


def test_pcf_id_is_a_signed_64_bit_integer() -> None:
    for a, b in [([1, 2], [0, 0, 1]), ([0], [0]), ([-5, 3, 1], [7, -2])]:
        value = pcf_id(a, b)
        assert isinstance(value, int)
        assert -(2**63) <= value < 2**63


def test_pcf_ids_differ_for_different_pcfs() -> None:
    pcfs = [
        (list(a), list(b))
        for a in itertools.product(range(-2, 3), repeat=2)
        for b in itertools.product(range(-2, 3), repeat=2)
    ]
    ids = {pcf_id(a, b) for a, b in pcfs}
    assert len(ids) == len(pcfs)
    # a and b are not interchangeable, nor is a PCF its mirror PCF(-a, b)
    assert pcf_id([1, 2], [3]) != pcf_id([3], [1, 2])
    assert pcf_id([1, 2], [0, 0, 1]) != pcf_id([-1, -2], [0, 0, 1])
    # the boundary between the lists matters: [1], [2, 3] is not [1, 2], [3]
    assert pcf_id([1], [2, 3]) != pcf_id([1, 2], [3])
