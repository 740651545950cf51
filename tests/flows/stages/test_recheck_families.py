"""The families recheck: stored certificates and limit maps re-derived with plain sympy."""

from __future__ import annotations

import json

from conjectura.flows.stages.recheck_families import recheck_certificate


def row(a, b, rep_a, rep_b, u, c, shift, limit_map) -> dict:
    return {
        "conjecture_id": "c",
        "family_id": "f",
        "a_coeffs": a,
        "b_coeffs": b,
        "rep_a_coeffs": rep_a,
        "rep_b_coeffs": rep_b,
        "certificate": json.dumps({"U": u, "c": c, "shift": shift}),
        "limit_map": limit_map,
    }


BROUNCKER = ([1, 2], [0, 0, 1])
MIRROR = row([-1, -2], [0, 0, 1], *BROUNCKER, [["1", "0"], ["0", "-1"]], "-1", 0, [[1, 0], [0, -1]])
# PCF(2n+3, (n+1)^2) is Brouncker's tail: L_rep = 1 + 1/L_member, so L_member = 1/(L_rep - 1)
SHIFT = row([3, 2], [1, 2, 1], *BROUNCKER, [["1", "0"], ["0", "1"]], "1", 1, [[0, 1], [1, -1]])


def test_true_certificates_and_maps_hold() -> None:
    for good in (MIRROR, SHIFT):
        result = recheck_certificate(good)
        assert result.holds, result.reason
    scaled = {**MIRROR, "limit_map": [[-3, 0], [0, 3]]}  # T is defined up to a factor
    assert recheck_certificate(scaled).holds


def test_planted_wrong_certificates_are_refused() -> None:
    wrong_c = {**MIRROR, "certificate": MIRROR["certificate"].replace('"c": "-1"', '"c": "1"')}
    assert "≠" in recheck_certificate(wrong_c).reason
    wrong_shift = {**SHIFT, "certificate": SHIFT["certificate"].replace('"shift": 1', '"shift": 2')}
    assert not recheck_certificate(wrong_shift).holds
    singular = row(
        [1, 2], [0, 0, 1], *BROUNCKER, [["1", "n"], ["1", "n"]], "1", 0, [[1, 0], [0, 1]]
    )
    assert "identically 0" in recheck_certificate(singular).reason
    unreadable = {**MIRROR, "certificate": '{"U": [["import os", "0"], ["0", "1"]]}'}
    assert "unreadable" in recheck_certificate(unreadable).reason


def test_a_limit_map_that_is_not_the_certificates_is_refused() -> None:
    wrong_map = {**SHIFT, "limit_map": [[1, 1], [1, 0]]}
    assert "limit_map" in recheck_certificate(wrong_map).reason
