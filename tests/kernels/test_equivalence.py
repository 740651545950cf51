"""PCF equivalence certificates: the search, the exact check, and the limit map, checked
against limits computed independently from exact convergents and against ramanujantools'
CoboundarySolver as an oracle."""

from __future__ import annotations

import json
from fractions import Fraction

import mpmath
import pytest
import sympy

from conjectura.kernels.equivalence import (
    IDENTITY,
    Certificate,
    N,
    Pcf,
    apply_mobius,
    certificate_holds,
    compose,
    find_certificate,
    inverse,
    kind_of,
    limit_map,
)
from conjectura.kernels.exact import agreement_digits, convergents_at

# Fast-converging PCFs (a and b linear: the error falls like 1/n!), around e.
E_REP: Pcf = ((3, 1), (1, 1))  # n + 3, n + 1
# (member, rep, kind): each member is a structural transform of its rep.
STRUCTURAL = [
    (((-3, -1), (1, 1)), E_REP, "mirror"),
    (((5, 1), (3, 1)), E_REP, "shift"),  # rep(n + 2)
    (((2, 1), (0, 1)), E_REP, "shift"),  # rep(n - 1)
    (((3, 2), (2,)), ((1, 2), (2,)), "shift"),  # 2n+3 vs 2n+1, b = 2: rep(n + 1)
    (((1, 2), (2,)), ((5, 2), (2,)), "shift"),  # rep(n - 2)
    (((6, 2), (4, 4)), E_REP, "scale"),  # s = 2
    (((-9, -3), (9, 9)), E_REP, "scale"),  # s = -3
    (((1, 2), (1, 2)), ((2, 4), (4, 8)), "scale"),  # s = 1/2
]
# Genuine coboundaries (not diagonal), found by the solver and pinned here.
COBOUNDARY = [
    ((2, 1), (1, 1)),  # U = [[1, n+1], [1, n+3]], c = 1, k = 0
    ((1, 1), (0, 1)),  # U of degree 2
    ((2, 2), (0, 4)),  # c = 2
    ((0, 1), (0, 1)),  # k = -1
    ((-1, -1), (0, 1)),  # c = -1
    ((0, -2), (0, 4)),  # PCF(-2n, 4n) = -2/(e - 1): c = -2, k = -1
]
DIGITS = 60


def exact_limit(pcf: Pcf, depth: int) -> mpmath.mpf:
    """p_depth/q_depth from exact integer convergents, at the current precision."""
    a, b = pcf
    (convergent,) = convergents_at(list(a) or [0], list(b) or [0], [depth])
    return convergent.to_mpf()


def settled_limit(pcf: Pcf, depth: int = 300) -> mpmath.mpf:
    """The limit, checked to have settled to the working precision at this depth."""
    value = exact_limit(pcf, depth)
    assert agreement_digits(value, exact_limit(pcf, 2 * depth)) >= DIGITS - 5, pcf
    return value


def assert_limits_related(member: Pcf, rep: Pcf, certificate: Certificate) -> None:
    """T from limit_map carries the representative's limit onto the member's (>= 50 digits)."""
    t = limit_map(member, rep, certificate)
    with mpmath.workdps(DIGITS):
        mapped = apply_mobius(t, settled_limit(rep))
        assert agreement_digits(mapped, settled_limit(member)) >= 50, (member, rep, t)


def projectively_equal(x: tuple[tuple[int, int], ...], y: tuple[tuple[int, int], ...]) -> bool:
    """x and y are the same Möbius map (2x2 matrices equal up to a nonzero scalar)."""
    flat_x, flat_y = [v for row in x for v in row], [v for row in y for v in row]
    return all(
        p * s == q * r
        for p, q in zip(flat_x, flat_y, strict=True)
        for r, s in zip(flat_x, flat_y, strict=True)
    )


def adjugate(t: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    (t11, t12), (t21, t22) = t
    return (t22, -t12), (-t21, t11)


def rescaled(certificate: Certificate, factor: sympy.Expr) -> Certificate:
    """The same relation with U multiplied by factor(n): c picks up factor(n+1)/factor(n)."""
    return Certificate(
        tuple(tuple(sympy.cancel(entry * factor) for entry in row) for row in certificate.U),
        sympy.cancel(certificate.c * factor.subs(N, N + 1) / factor),
        certificate.shift,
    )


# --- structural forms ---------------------------------------------------------------------


@pytest.mark.parametrize(("member", "rep", "kind"), STRUCTURAL)
def test_structural_forms_are_found_named_and_map_the_limits(
    member: Pcf, rep: Pcf, kind: str
) -> None:
    certificate = find_certificate(member, rep)
    assert certificate is not None
    assert kind_of(certificate) == kind
    assert certificate_holds(member, rep, certificate)
    assert_limits_related(member, rep, certificate)


def test_the_shift_and_the_mirror_have_their_usual_form() -> None:
    mirror = find_certificate(((-3, -1), (1, 1)), E_REP)
    assert mirror is not None
    assert json.loads(mirror.to_json()) == {"U": [["1", "0"], ["0", "-1"]], "c": "-1", "shift": 0}
    shift = find_certificate(((5, 1), (3, 1)), E_REP)
    assert shift is not None
    assert (shift.U, shift.c, shift.shift) == (IDENTITY.U, IDENTITY.c, 2)


def test_a_pcf_is_its_own_representative() -> None:
    pcf: Pcf = ((1, 2), (0, 0, 1))
    assert find_certificate(pcf, pcf) == IDENTITY
    assert kind_of(IDENTITY) == "representative"
    assert limit_map(pcf, pcf, IDENTITY) == ((1, 0), (0, 1))


def test_trailing_zeros_do_not_matter() -> None:
    assert find_certificate(((3, 1, 0), (1, 1, 0)), E_REP) == IDENTITY


@pytest.mark.parametrize(
    ("certificate", "kind"),
    [
        (Certificate(((3, 0), (0, 3)), 1, 0), "representative"),
        (Certificate(((-1, 0), (0, 1)), -1, 0), "mirror"),
        (Certificate(((2, 0), (0, -2)), -1, 0), "mirror"),
        (Certificate(((4, 0), (0, 2)), 2, 0), "scale"),
        (Certificate(((sympy.Rational(1, 3), 0), (0, 1)), sympy.Rational(1, 3), 0), "scale"),
        (Certificate(((5, 0), (0, 5)), 1, -2), "shift"),
        (Certificate(((1, 0), (0, -1)), -1, 1), "coboundary"),  # mirror + shift
        (Certificate(((2, 0), (0, 1)), 2, 1), "coboundary"),  # scale + shift
        (Certificate(((1, "n + 1"), (1, "n + 3")), 1, 0), "coboundary"),
        (Certificate(((N, 0), (0, 1)), N + 1, 0), "coboundary"),  # an inflation
    ],
)
def test_kind_of_names_the_forms_up_to_a_constant_factor(
    certificate: Certificate, kind: str
) -> None:
    assert kind_of(certificate) == kind


# --- coboundaries -------------------------------------------------------------------------


@pytest.mark.parametrize("member", COBOUNDARY)
def test_coboundaries_are_found_and_map_the_limits(member: Pcf) -> None:
    certificate = find_certificate(member, E_REP)
    assert certificate is not None
    assert kind_of(certificate) == "coboundary"
    assert certificate_holds(member, E_REP, certificate)
    assert_limits_related(member, E_REP, certificate)


def test_a_pinned_coboundary() -> None:
    certificate = find_certificate(((2, 1), (1, 1)), E_REP)
    assert certificate is not None
    assert certificate.to_json() == (
        '{"U": [["1", "n + 1"], ["1", "n + 3"]], "c": "1", "shift": 0}'
    )
    # T = A_member·U(1)·A_rep^{-1} = [[1, 2], [0, 1]]·[[1, 2], [1, 4]]·[[1, -3], [0, 1]]
    assert limit_map(((2, 1), (1, 1)), E_REP, certificate) == ((3, 1), (1, 1))


def test_e_closed_form_through_the_map() -> None:
    """PCF(-2n, 4n) = -2/(e - 1), so T carries E_REP's limit to that closed form."""
    member: Pcf = ((0, -2), (0, 4))
    certificate = find_certificate(member, E_REP)
    assert certificate is not None
    with mpmath.workdps(DIGITS):
        mapped = apply_mobius(limit_map(member, E_REP, certificate), settled_limit(E_REP))
        assert agreement_digits(mapped, -2 / (mpmath.e - 1)) >= 50


def test_inflation_and_deflation() -> None:
    """a -> g(n)·a, b -> g(n)·g(n-1)·b with g(n) = n + 2: c = g(n) one way, 1/g(n-1) back."""
    inflated: Pcf = ((6, 5, 1), (2, 5, 4, 1))  # (n+2)(n+3), (n+2)(n+1)(n+1)
    forward, backward = find_certificate(inflated, E_REP), find_certificate(E_REP, inflated)
    assert forward is not None and backward is not None
    assert forward.c == N + 2 and backward.c == 1 / (N + 1)
    assert kind_of(forward) == kind_of(backward) == "coboundary"
    assert_limits_related(inflated, E_REP, forward)
    assert_limits_related(E_REP, inflated, backward)


# PCFs for 4/pi-related values and log 2 (slow: the error falls like a power of 1/n).
PI_MINUS_4: Pcf = ((-2,), (0, 0, 1))  # 2/(pi - 4)
THREE_PI_MINUS_8: Pcf = ((-2,), (0, 2, 1))  # -4/(3 pi - 8)
LOG2: Pcf = ((-2,), (0, 1, 1))  # -1/(2 log 2 - 1)
LOG2_SHIFTED: Pcf = ((-2,), (2, 3, 1))  # n² + 3n + 2 = LOG2's b(n + 1)


def test_a_pi_coboundary_maps_the_closed_forms() -> None:
    """2/(pi - 4) and -4/(3 pi - 8) are related by a degree-2 U with c = 1, both ways."""
    with mpmath.workdps(DIGITS):
        closed = {
            PI_MINUS_4: 2 / (mpmath.pi - 4),
            THREE_PI_MINUS_8: -4 / (3 * mpmath.pi - 8),
        }
        for member, rep in [(PI_MINUS_4, THREE_PI_MINUS_8), (THREE_PI_MINUS_8, PI_MINUS_4)]:
            certificate = find_certificate(member, rep)
            assert certificate is not None
            assert kind_of(certificate) == "coboundary"
            assert certificate.c == 1
            t = limit_map(member, rep, certificate)
            assert agreement_digits(apply_mobius(t, closed[rep]), closed[member]) >= 50
            # the closed forms are the PCFs' limits (slow convergence: a few digits)
            assert agreement_digits(exact_limit(member, 4000), closed[member]) >= 5
        forward = find_certificate(PI_MINUS_4, THREE_PI_MINUS_8)
        assert forward is not None
        assert forward.to_json() == '{"U": [["n", "2*n**2"], ["2", "n - 3"]], "c": "1", "shift": 0}'
        assert limit_map(PI_MINUS_4, THREE_PI_MINUS_8, forward) == ((3, 0), (-2, -2))


def test_the_log2_pcfs_are_shifts() -> None:
    certificate = find_certificate(LOG2_SHIFTED, LOG2)
    assert certificate is not None
    assert (kind_of(certificate), certificate.shift) == ("shift", 1)
    with mpmath.workdps(DIGITS):
        log2 = -1 / (2 * mpmath.log(2) - 1)
        mapped = apply_mobius(limit_map(LOG2_SHIFTED, LOG2, certificate), log2)
        assert agreement_digits(mapped, exact_limit(LOG2_SHIFTED, 4000)) >= 5


@pytest.mark.parametrize(
    ("member", "rep"),
    [
        (((1, 2), (0, 0, 1)), ((0, -2), (0, 4))),  # 4/pi against -2/(e - 1)
        (((1, 2), (0, 0, 1)), PI_MINUS_4),  # Möbius-related values, but no certificate here
        (PI_MINUS_4, LOG2),
        (((1, 2), (2,)), E_REP),
        (((1, 1), (0, 0, 1)), ((1, 1), (0, 0, 2))),  # lc(b) ratio 1/2: no rational c
    ],
)
def test_non_equivalent_pairs_give_none(member: Pcf, rep: Pcf) -> None:
    assert find_certificate(member, rep) is None


# --- the oracle ---------------------------------------------------------------------------


def oracle_finds_coboundary(member: Pcf, rep: Pcf, max_degree: int) -> bool:
    """ramanujantools' CoboundarySolver: a polynomial U of degree <= max_degree with
    M_member(n)·U(n+1) = U(n)·M_rep(n), i.e. our identity with c = 1, k = 0.

    Its PCF.M() is [[0, b(n)], [1, a(n)]], our convention (checked below). The solver
    returns the whole solution space, the zero matrix when it is {0}; only a space holding
    a matrix with det ≢ 0 counts as a coboundary."""
    from ramanujantools.pcf import PCF
    from ramanujantools.solvers import CoboundarySolver

    def ramanujantools_pcf(pcf: Pcf) -> PCF:
        a, b = (sum(c * N**i for i, c in enumerate(p)) for p in pcf)
        pcf_object = PCF(sympy.sympify(a), sympy.sympify(b))
        assert sympy.expand(pcf_object.M() - sympy.Matrix([[0, b], [1, a]])) == sympy.zeros(2)
        return pcf_object

    found = CoboundarySolver.find_coboundary(
        ramanujantools_pcf(member).M(), ramanujantools_pcf(rep).M(), max_degree, N
    )
    return found is not None and sympy.expand(found[0].det()) != 0


@pytest.mark.parametrize(
    ("member", "rep", "oracle_says"),
    [
        (((2, 1), (1, 1)), E_REP, True),
        (((1, 1), (0, 1)), E_REP, True),
        (((4, 1), (1, 1)), E_REP, True),
        (PI_MINUS_4, THREE_PI_MINUS_8, True),
        (((1, 2), (0, 0, 1)), PI_MINUS_4, False),
        (((1, 2), (0, 0, 1)), ((0, -2), (0, 4)), False),
        (((-2, -1), (1, 1)), E_REP, False),  # related, but with c = -1: outside the oracle
    ],
)
def test_agrees_with_the_coboundary_oracle(member: Pcf, rep: Pcf, oracle_says: bool) -> None:
    assert oracle_finds_coboundary(member, rep, 2) is oracle_says
    ours = find_certificate(member, rep, max_degree=2, max_shift=0)
    if oracle_says:
        assert ours is not None
    if ours is not None and ours.c == 1:
        # a c = 1, k = 0 certificate is a solution the oracle must have seen
        assert oracle_says
    if not oracle_says and ours is not None:
        assert ours.c != 1


# --- refused certificates -----------------------------------------------------------------


def test_planted_wrong_certificates_are_refused() -> None:
    member: Pcf = ((2, 1), (1, 1))
    good = find_certificate(member, E_REP)
    assert good is not None and certificate_holds(member, E_REP, good)
    (u11, u12), (u21, u22) = good.U
    wrong = [
        Certificate(((u11, u12 + 1), (u21, u22)), good.c, good.shift),  # one entry perturbed
        Certificate(good.U, good.c, good.shift + 1),  # wrong shift
        Certificate(good.U, -good.c, good.shift),  # wrong sign of c
        Certificate(good.U, 0, good.shift),  # c = 0
        Certificate(((1, N), (1, N)), 1, 0),  # det U ≡ 0
        Certificate(((0, 0), (0, 0)), 1, 0),  # U = 0
        Certificate(((u11, u12), (u21, u22 * sympy.sqrt(N))), good.c, 0),  # not rational
        Certificate(((u11, u12), (u21, u22 + sympy.Symbol("x"))), good.c, 0),  # other symbol
        Certificate(((u11, u12), (u21, u22 + sympy.Float(0.5))), good.c, 0),  # inexact
    ]
    for certificate in wrong:
        assert not certificate_holds(member, E_REP, certificate), certificate
    assert not certificate_holds(member, ((3, 1), (1, 2)), good)  # another rep
    # the mirror needs c = -1 and the opposite signs
    assert not certificate_holds(((-3, -1), (1, 1)), E_REP, IDENTITY)
    assert not certificate_holds(((-3, -1), (1, 1)), E_REP, Certificate(((1, 0), (0, -1)), 1, 0))


# --- compose and inverse ------------------------------------------------------------------


def test_compose_mirror_and_shift() -> None:
    y: Pcf = ((4, 1), (2, 1))  # E_REP(n + 1)
    x: Pcf = ((-4, -1), (2, 1))  # mirror of y
    first, second = find_certificate(x, y), find_certificate(y, E_REP)
    assert first is not None and second is not None
    assert (kind_of(first), kind_of(second)) == ("mirror", "shift")
    composed = compose(first, second)
    assert certificate_holds(x, E_REP, composed)
    assert kind_of(composed) == "coboundary"
    assert composed.shift == 1
    assert_limits_related(x, E_REP, composed)
    t_first, t_second = limit_map(x, y, first), limit_map(y, E_REP, second)
    product = tuple(
        tuple(sum(t_first[i][m] * t_second[m][j] for m in range(2)) for j in range(2))
        for i in range(2)
    )
    assert projectively_equal(limit_map(x, E_REP, composed), product)


def test_compose_coboundaries_with_shifts() -> None:
    """X -> Y a coboundary with k = -1, Y -> R a coboundary: the shifts add up."""
    x: Pcf = ((0, 1), (0, 1))
    y: Pcf = E_REP
    r: Pcf = ((2, 1), (1, 1))
    first, second = find_certificate(x, y), find_certificate(y, r)
    assert first is not None and second is not None
    composed = compose(first, second)
    assert composed.shift == first.shift + second.shift
    assert certificate_holds(x, r, composed)
    assert_limits_related(x, r, composed)


@pytest.mark.parametrize(
    ("member", "rep"),
    [(member, rep) for member, rep, _ in STRUCTURAL] + [(m, E_REP) for m in COBOUNDARY],
)
def test_inverse_relates_the_swapped_pair(member: Pcf, rep: Pcf) -> None:
    certificate = find_certificate(member, rep)
    assert certificate is not None
    backwards = inverse(certificate)
    assert certificate_holds(rep, member, backwards)
    assert backwards.shift == -certificate.shift
    assert certificate_holds(member, rep, inverse(backwards))
    if kind_of(certificate) != "coboundary":
        assert kind_of(backwards) == kind_of(certificate)
    # the inverse relation carries the inverse Möbius map
    assert projectively_equal(
        limit_map(rep, member, backwards), adjugate(limit_map(member, rep, certificate))
    )


def test_a_rational_u_with_a_pole_at_one_gives_the_same_map() -> None:
    """U/(n - 1) with c·(n - 1)/n is the same relation; the map starts past n = 1."""
    member: Pcf = ((1, 1), (0, 1))
    certificate = find_certificate(member, E_REP)
    assert certificate is not None
    with_pole = rescaled(certificate, 1 / (N - 1))
    assert certificate_holds(member, E_REP, with_pole)
    assert limit_map(member, E_REP, with_pole) == limit_map(member, E_REP, certificate)
    assert_limits_related(member, E_REP, with_pole)


def test_limit_map_refuses_a_singular_rep_step() -> None:
    """A shift past a zero of b_rep needs M_rep(j)^{-1}, which does not exist."""
    rep: Pcf = ((3, 1), (-1, 1))  # b(1) = 0
    member: Pcf = ((5, 1), (1, 1))  # rep(n + 2)
    certificate = find_certificate(member, rep)
    assert certificate is not None and certificate.shift == 2
    with pytest.raises(ValueError, match=r"M_rep\(1\) is singular"):
        limit_map(member, rep, certificate)


def test_limit_map_refuses_a_singular_map() -> None:
    """b_member(1) = 0: the member stops at a rational value, which no Möbius map of the
    rep's limit gives. Here T = A_m·M_rep(0)·A_rep^{-1} with M_rep(0) singular."""
    rep: Pcf = ((2, 1), (0, 1))  # b(0) = 0
    member: Pcf = ((1, 1), (-1, 1))  # rep(n - 1): b(1) = 0
    certificate = find_certificate(member, rep)
    assert certificate is not None and certificate.shift == -1
    with pytest.raises(ValueError, match="singular"):
        limit_map(member, rep, certificate)


def test_apply_mobius_is_exact_on_fractions() -> None:
    assert apply_mobius(((1, 2), (3, 4)), Fraction(1, 2)) == Fraction(5, 11)


# --- JSON ---------------------------------------------------------------------------------


def test_identity_json() -> None:
    assert IDENTITY.to_json() == '{"U": [["1", "0"], ["0", "1"]], "c": "1", "shift": 0}'
    assert Certificate.from_json(IDENTITY.to_json()) == IDENTITY


def test_json_round_trip() -> None:
    found = [find_certificate(member, E_REP) for member in COBOUNDARY]
    mirror = find_certificate(((-3, -1), (1, 1)), E_REP)
    scale = find_certificate(((1, 2), (1, 2)), ((2, 4), (4, 8)))
    certificates = [c for c in [*found, mirror, scale] if c is not None]
    certificates += [rescaled(certificates[0], 1 / (N - 1)), inverse(certificates[1])]
    certificates.append(Certificate(((N**-2, 0), (0, (N + 1) / (2 * N - 3))), -N / 7, -3))
    for certificate in certificates:
        text = certificate.to_json()
        back = Certificate.from_json(text)
        assert back.to_json() == text
        assert back.shift == certificate.shift
        pairs = [
            *zip(back.U[0] + back.U[1], certificate.U[0] + certificate.U[1], strict=True),
            (back.c, certificate.c),
        ]
        assert all(sympy.cancel(x - y) == 0 for x, y in pairs)
        # entries parse with sympy too
        assert all(sympy.sympify(entry) == entry for row in back.U for entry in row)


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"U": [["1", "0"], ["0", "1"]], "c": "1"}',
        '{"U": [["1", "0"], ["0", "1"]], "c": "1", "shift": 0, "extra": 1}',
        '{"U": [["1", "0"], ["0", "1"], ["0", "0"]], "c": "1", "shift": 0}',
        '{"U": [["1", "0", "0"], ["0", "1"]], "c": "1", "shift": 0}',
        '{"U": [[1, 0], [0, 1]], "c": "1", "shift": 0}',
        '{"U": [["1", "0"], ["0", "1"]], "c": "1", "shift": "0"}',
        '{"U": [["1", "0"], ["0", "1"]], "c": "1", "shift": 1.5}',
        '{"U": [["1", "0"], ["0", "1"]], "c": "1", "shift": true}',
        '{"U": [["sqrt(n)", "0"], ["0", "1"]], "c": "1", "shift": 0}',
        '{"U": [["x + 1", "0"], ["0", "1"]], "c": "1", "shift": 0}',
        '{"U": [["1", "0"], ["0", "1"]], "c": "1.5", "shift": 0}',
        '{"U": [["1", "0"], ["0", "1"]], "c": "1/0", "shift": 0}',
        '{"U": [["1", "0"], ["0", "1"]], "c": "n**100000", "shift": 0}',
        '{"U": [["1", "0"], ["0", "1"]], "c": "(n**2)**3", "shift": 0}',
        '{"U": [["1", "0"], ["0", "1"]], "c": "__import__(\'os\')", "shift": 0}',
        '{"U": [["1", "0"], ["0", "1"]], "c": "", "shift": 0}',
        '{"U": [["1", "0"], ["0", "1"]], "c": "n +", "shift": 0}',
    ],
)
def test_from_json_refuses_malformed_text(text: str) -> None:
    with pytest.raises(ValueError):
        Certificate.from_json(text)
