"""The packaged library of conservative matrix fields, each with its source.

Axes are listed in the order that trajectory and start vectors use. Every field here is
checked exactly for conservativeness by the test suite (and by ``conjectura run`` before
it walks one).

- ``e``, ``pi``, ``zeta3``: the two-axis fields of R. Elimelech, O. David, C. De la Cruz
  Mengual, R. Kalisch, W. Berndt, M. Shalyt, M. Silberstein, Y. Hadad, I. Kaminer,
  "Algorithm-assisted discovery of an intrinsic order among mathematical constants",
  PNAS 121 (2024), arXiv:2308.11829. The ζ(3) field's diagonal is Apéry's recurrence.
- ``hyp2f1``, ``hyp3f2``: the fields of the generalized hypergeometric function pFq(a; b; z)
  (p = q + 1) at z = −1, with integer shifts of its parameters as axes, built here from its
  differential equation (DLMF 16.8.3, θ = z·d/dz) and its contiguity relations
  (θ + a_i)F = a_i·F(a_i + 1), (θ + b_j − 1)F = (b_j − 1)·F(b_j − 1) (DLMF 16.3.7 and
  16.3.8 in their θ form). On v = (F, θF, ..., θ^(p−1)F) the derivative acts as a companion
  matrix A, so v(a + e_i) = (I + A/a_i)·v and v(b + e_j) = (I + A(b + e_j)/b_j)^(−1)·v;
  the field's matrices are their transposes (steps multiply left to right). The same
  construction underlies the hypergeometric CMFs of the PNAS paper above.
"""

from __future__ import annotations

import functools
from fractions import Fraction

import sympy

from conjectura.kernels.cmf import Field, field_from_text

PNAS_2024 = (
    "Elimelech et al., Algorithm-assisted discovery of an intrinsic order among "
    "mathematical constants, PNAS 121 (2024), arXiv:2308.11829"
)

_TEXT_FIELDS: dict[str, dict] = {
    "e": {
        "matrices": {
            "x": [["1", "-y - 1"], ["-1", "x + y + 2"]],
            "y": [["0", "-y - 1"], ["-1", "x + y + 1"]],
        },
        "constants": ("e",),
    },
    "pi": {
        "matrices": {
            "x": [["x", "-x"], ["-y", "2*x + y + 1"]],
            "y": [["1 + y", "-x"], ["-1 - y", "x + 2*y + 1"]],
        },
        "constants": ("pi",),
    },
    "zeta3": {
        "matrices": {
            "x": [
                ["0", "-x**3"],
                ["(x + 1)**3", "x**3 + (x + 1)**3 + 2*y*(y - 1)*(2*x + 1)"],
            ],
            "y": [
                ["-x**3 + 2*x**2*y - 2*x*y**2 + y**3", "-x**3"],
                ["x**3", "x**3 + 2*x**2*y + 2*x*y**2 + y**3"],
            ],
        },
        "constants": ("zeta3",),
    },
}

HYPERGEOMETRIC_Z = Fraction(-1)
"""The argument z of the packaged hypergeometric fields."""


def library_names() -> tuple[str, ...]:
    return (*_TEXT_FIELDS, "hyp2f1", "hyp3f2")


@functools.cache
def library_field(name: str) -> Field:
    """A packaged field by name (KeyError lists the names)."""
    if name in _TEXT_FIELDS:
        entry = _TEXT_FIELDS[name]
        return field_from_text(
            name, entry["matrices"], source=PNAS_2024, constants=entry["constants"]
        )
    if name == "hyp2f1":
        return hypergeometric_field(2, HYPERGEOMETRIC_Z, name, ("log2", "pi"))
    if name == "hyp3f2":
        return hypergeometric_field(3, HYPERGEOMETRIC_Z, name, ("log2", "pi", "zeta3"))
    raise KeyError(f"no field {name!r} in the library (fields: {', '.join(library_names())})")


def hypergeometric_field(p: int, z: Fraction, name: str, constants: tuple[str, ...] = ()) -> Field:
    """The pFq field (q = p − 1) at ``z``: axes a1..ap, b1..bq (see the module docstring)."""
    theta = sympy.Symbol("theta")
    a = sympy.symbols(f"a1:{p + 1}")
    b = sympy.symbols(f"b1:{p}")
    zz = sympy.Rational(z.numerator, z.denominator)
    ode = sympy.Poly(
        theta * sympy.prod([theta + bj - 1 for bj in b])
        - zz * sympy.prod([theta + ai for ai in a]),
        theta,
    )
    coefficients = ode.all_coeffs()[::-1]  # ascending in θ; the θ^p one is 1 − z
    lead = coefficients[p]
    companion = sympy.zeros(p, p)
    for k in range(p - 1):
        companion[k, k + 1] = 1
    for k in range(p):
        companion[p - 1, k] = sympy.cancel(-coefficients[k] / lead)
    identity = sympy.eye(p)
    matrices = [(identity + companion / ai).T for ai in a]
    for bj in b:
        up = (identity + companion.subs(bj, bj + 1) / bj).inv()
        matrices.append(up.applyfunc(sympy.cancel).T)
    source = (
        f"{p}F{p - 1}(a; b; {z}) from its differential equation and contiguity relations "
        "(DLMF 16.8.3, 16.3.7-8); CMF form as in " + PNAS_2024
    )
    axes = tuple(str(s) for s in (*a, *b))
    return Field(name, axes, tuple(map(sympy.ImmutableMatrix, matrices)), source, constants)
