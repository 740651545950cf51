"""The search spec: YAML in, a validated pydantic model out.

A PCF spec names a range or a fixed value for every coefficient of a(n) and b(n)
(ascending order: ``[c0, c1, c2]`` is c0 + c1·n + c2·n²), the walk depth, and the
constants the identification stage may use. Everything is checked before any work
starts; a problem raises :class:`SpecError` with one message that names it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_serializer,
    model_validator,
)

from conjectura.schemas.expressions import ExpressionError, check_name, parse_expression

DEFAULT_MAX_SPACE = 20_000_000
"""Largest number of PCFs a spec may describe unless the caller raises the cap."""

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
"""Coefficients are stored as int64: a value outside would wrap around, so it is refused."""

CoefficientRange = Annotated[list[StrictInt], Field(description="[low, high], both included")]
Coefficient = StrictInt | CoefficientRange


DEFAULT_DEEP_LIMIT = 100
"""Distinct limits per shard the deep search takes by default: with the default spec this
keeps the default run within twice the wall time it had without the deep search."""


class SpecError(ValueError):
    """A spec that cannot be run. The message names the file and the problem."""


class IdentifySettings(BaseModel):
    """How the identification detector looks for and verifies closed forms."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mobius_bound: StrictInt = Field(8, ge=1, le=64, description="max |p0|,|p1|,|q0|,|q1|")
    algebraic_degree: StrictInt = Field(4, ge=0, le=8, description="0 disables the test")
    algebraic_bound: StrictInt = Field(12, ge=1, le=1000, description="max |coefficient|")
    lookup_digits: float = Field(10.0, ge=6, le=15, description="screened digits to look up")
    verify_digits: StrictInt = Field(50, ge=20, le=900, description="digits to say verified")
    max_exact_depth: StrictInt = Field(32768, ge=64, le=1_000_000)
    deep: Literal["all", "clusters", "none"] = Field(
        "all",
        description="which limits the lookup leaves unidentified get the integer-relation "
        "search (large Möbius, powers, two constants, algebraic): all of them, only cluster "
        "representatives, or none",
    )
    deep_limit: StrictInt = Field(
        DEFAULT_DEEP_LIMIT,
        ge=0,
        le=1_000_000,
        description="most distinct limits one task (a shard, or a discovery chunk) gives the "
        "deep search, simplest PCFs first by coefficient height; 0: none",
    )

    @model_serializer(mode="wrap")
    def _omit_default_deep(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """``deep`` and ``deep_limit`` at their defaults are left out of the dump, so specs
        written before they existed keep their spec_hash (and the keys of what they
        committed)."""
        data = handler(self)
        if data.get("deep") == "all":
            del data["deep"]
        if data.get("deep_limit") == DEFAULT_DEEP_LIMIT:
            del data["deep_limit"]
        return data


DEFAULT_DISCOVERY_SAMPLE = 2_000
"""Members of a labelled cluster above discovery_max_size that cluster-led discovery tries."""


class ClusterSettings(BaseModel):
    """Clustering by convergence dynamics and cluster-led discovery."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_cluster_size: StrictInt = Field(5, ge=2, le=10_000, description="HDBSCAN")
    grid_cell: float = Field(0.001, gt=0, description="down-sampling cell size")
    spread_radius: float = Field(0.01, gt=0, description="label spreading distance")
    discovery_max_coeff: StrictInt = Field(1000, ge=1, description="PSLQ coefficient bound")
    discovery_max_size: StrictInt = Field(
        10_000,
        ge=1,
        description="larger clusters (a plane's bulk: a whole degree class, labelled by a "
        "handful of members) are searched on a sample, not whole",
    )
    discovery_sample: StrictInt = Field(
        DEFAULT_DISCOVERY_SAMPLE,
        ge=0,
        description="members searched in a cluster above discovery_max_size: the "
        "unidentified ones nearest, on the plane, to its identified members (0: none)",
    )
    pi_products: bool = Field(True, description="also try c*pi when pi is a spec constant")

    @model_serializer(mode="wrap")
    def _omit_default_sample(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """``discovery_sample`` at its default is left out of the dump, so specs written
        before it existed keep their spec_hash (and the keys of what they committed)."""
        data = handler(self)
        if data.get("discovery_sample") == DEFAULT_DISCOVERY_SAMPLE:
            del data["discovery_sample"]
        return data


class DynamicsSettings(BaseModel):
    """Exact convergence-dynamics metrics for every converging PCF, and clustering."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    depth: StrictInt = Field(2000, ge=64, le=100_000, description="exact walk depth N")
    cluster: ClusterSettings | None = ClusterSettings()


class _HashedSpec(BaseModel):
    """A spec whose results are labelled by its content: ``name-<hash10>``.

    (A PCF spec's label hashes its space instead: see :attr:`PcfSpec.label`.)"""

    @property
    def spec_hash(self) -> str:
        """Hash of everything that determines the results (name and shard size excluded)."""
        return _digest(self.model_dump(exclude={"name", "shard_size"}))

    @property
    def label(self) -> str:
        return f"{self.name}-{self.spec_hash[:10]}"


class PcfSpec(_HashedSpec):
    """A polynomial continued fraction search: a(0) + b(1)/(a(1) + b(2)/(a(2) + ...))."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    family: Literal["pcf"]
    a: list[Coefficient] = Field(min_length=1, max_length=4, description="deg a <= 3")
    b: list[Coefficient] = Field(min_length=1, max_length=7, description="deg b <= 6")
    depth: StrictInt = Field(ge=16, le=1_000_000)
    constants: list[str] = Field(
        min_length=1,
        description="names: library constants (pi), products (pi*pi), and user constants "
        "written in YAML as {name: my_g, mpmath: '1/agm(1, sqrt(2))'}, whose expressions "
        "are kept in constant_expressions",
    )
    constant_expressions: dict[str, str] = Field(
        default_factory=dict,
        exclude=True,  # dumped inside `constants`, as written: see _constants_as_written
        description="user constant name -> mpmath expression (from the constants entries)",
    )
    identify: IdentifySettings = IdentifySettings()
    dynamics: DynamicsSettings | None = None
    shard_size: StrictInt = Field(4096, ge=1, le=1_000_000)

    @model_validator(mode="before")
    @classmethod
    def _split_user_constants(cls, data: Any) -> Any:
        """``{name, mpmath}`` entries of ``constants`` become a name in ``constants`` and
        an expression in ``constant_expressions``, so ``spec.constants`` stays a list of
        names; each name and expression is checked against the whitelist here."""
        if not isinstance(data, dict):
            return data
        if "constant_expressions" in data:
            raise ValueError(
                "constant_expressions: unknown key (write a user constant as an entry "
                "{name: ..., mpmath: ...} of constants)"
            )
        entries = data.get("constants")
        if not isinstance(entries, list):
            return data
        names: list[Any] = []
        expressions: dict[str, str] = {}
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                names.append(entry)
                continue
            where = f"constants.{index}"
            if set(entry) != {"name", "mpmath"}:
                raise ValueError(
                    f"{where}: a user constant is {{name: ..., mpmath: ...}}, got keys "
                    f"{', '.join(map(str, entry)) or 'none'}"
                )
            try:
                name = check_name(entry["name"])
                where = f"{where} ({name})"
                if not isinstance(entry["mpmath"], str):
                    raise ExpressionError(
                        f"mpmath: an expression is a string, got {type(entry['mpmath']).__name__}"
                    )
                parse_expression(entry["mpmath"])
            except ExpressionError as err:
                raise ValueError(f"{where}: {err}") from None
            names.append(name)
            expressions[name] = entry["mpmath"].strip()
        return {**data, "constants": names, "constant_expressions": expressions}

    @field_serializer("constants")
    def _constants_as_written(self, names: list[str]) -> list[str | dict[str, str]]:
        """User constants dump as their ``{name, mpmath}`` entries: the spec_hash covers
        the expressions, and a spec without any hashes as it did before they existed."""
        return [
            {"name": n, "mpmath": self.constant_expressions[n]}
            if n in self.constant_expressions
            else n
            for n in names
        ]

    @field_validator("a", "b")
    @classmethod
    def _ranges_are_pairs_low_to_high(cls, coefficients: list[Any]) -> list[Any]:
        for index, item in enumerate(coefficients):
            for value in item if isinstance(item, list) else [item]:
                if not INT64_MIN <= value <= INT64_MAX:
                    raise ValueError(
                        f"coefficient {index}: {value} is outside the 64-bit integer range "
                        f"[{INT64_MIN}, {INT64_MAX}]"
                    )
            if isinstance(item, list):
                if len(item) == 0:
                    raise ValueError(f"coefficient {index}: empty range []")
                if len(item) != 2:
                    raise ValueError(
                        f"coefficient {index}: a range is [low, high], got {len(item)} values"
                    )
                low, high = item
                if low > high:
                    raise ValueError(
                        f"coefficient {index}: range [{low}, {high}] is empty (low > high)"
                    )
        return coefficients

    @field_validator("constants")
    @classmethod
    def _constants_are_unique(cls, names: list[str]) -> list[str]:
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"listed more than once: {', '.join(duplicates)}")
        return names

    @model_validator(mode="after")
    def _space_within_cap(self, info: ValidationInfo) -> PcfSpec:
        cap = (info.context or {}).get("max_space", DEFAULT_MAX_SPACE)
        if self.space_size > cap:
            raise ValueError(
                f"the space holds {self.space_size:,} PCFs, above the cap of {cap:,} "
                "(raise it with --max-space)"
            )
        return self

    # -- derived facts ---------------------------------------------------------

    @property
    def coefficient_ranges(self) -> list[tuple[int, int]]:
        """(low, high) for every coefficient, a's first then b's; fixed values as (v, v)."""
        return [_as_range(c) for c in [*self.a, *self.b]]

    @property
    def space_size(self) -> int:
        return math.prod(high - low + 1 for low, high in self.coefficient_ranges)

    @property
    def space_hash(self) -> str:
        """Hash of what determines the screened rows: family, coefficient space, depth."""
        dynamics = self.dynamics.depth if self.dynamics else None
        return _digest(
            {"family": self.family, "a": self.a, "b": self.b, "depth": self.depth}
            | ({"dynamics": dynamics} if dynamics else {})
        )

    @property
    def label(self) -> str:
        """Readable, unique partition value for this spec's space: ``name-<hash10>``.

        From :attr:`space_hash`, not :attr:`spec_hash`: runs with other identify settings
        share the space's ``pcf`` partition."""
        return f"{self.name}-{self.space_hash[:10]}"


class EsmaSpec(_HashedSpec):
    """ESMA: signed continued fractions of forms P(c)/Q(c) of constants, searched for
    partial denominators that obey a short linear recurrence."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    family: Literal["esma"]
    constants: list[str] = Field(min_length=1)
    degree: StrictInt = Field(1, ge=1, le=3, description="degree of P and Q")
    coefficient_bound: StrictInt = Field(2, ge=1, le=12, description="max |coefficient|")
    periods: list[StrictInt] = Field([1, 2], min_length=1, description="sign-pattern periods")
    terms: StrictInt = Field(100, ge=12, le=2000, description="partial denominators to expand")
    digits: StrictInt = Field(500, ge=50, le=1000, description="precision of the expansion")
    max_register_fraction: float = Field(0.25, gt=0, le=0.5)
    validate_terms: StrictInt = Field(1000, ge=100, le=100_000)
    want_digits: StrictInt = Field(100, ge=20, le=10_000)
    shard_size: StrictInt = Field(32, ge=1, le=100_000, description="form groups per task")

    @field_validator("periods")
    @classmethod
    def _periods_are_small_and_positive(cls, periods: list[int]) -> list[int]:
        bad = [p for p in periods if not 1 <= p <= 6]
        if bad:
            raise ValueError(f"periods must be between 1 and 6, got {bad}")
        return sorted(set(periods))

    @model_validator(mode="after")
    def _enough_terms_to_validate(self) -> EsmaSpec:
        if self.validate_terms < self.terms:
            raise ValueError("validate_terms must be at least terms")
        return self

    @property
    def forms_count(self) -> int:
        return len(self.constants) * (2 * self.coefficient_bound + 1) ** (2 * self.degree + 2)


class SequencesSpec(_HashedSpec):
    """Detectors over the ingested `sequences` table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    family: Literal["sequences"]
    names: list[str] = Field([], description="only sequences with these names (all if empty)")
    max_order: StrictInt = Field(4, ge=1, le=12)
    max_degree: StrictInt = Field(4, ge=0, le=12)
    held_back: StrictInt = Field(8, ge=1, le=1000, description="terms the guess never sees")
    constants: list[str] = Field([], description="for limits of a(n+1)/a(n)")
    lookup_bound: StrictInt = Field(8, ge=1, le=64)
    shard_size: StrictInt = Field(200, ge=1, le=100_000)


class DirectionBox(BaseModel):
    """Every primitive integer direction with entries in [-box, box] and at least one
    positive entry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    box: StrictInt = Field(ge=1, le=12)


MatrixEntry = StrictInt | str


class CmfSpec(_HashedSpec):
    """Trajectories of a conservative matrix field: a packaged one (``cmf``) or one given
    by its matrices (``matrices``, axes in the order of its keys). The field itself is
    parsed, checked for shape and conservativeness by ``kernels.cmf`` before a run starts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    family: Literal["cmf"]
    cmf: str | None = Field(None, pattern=r"^[A-Za-z0-9_]{1,32}$", description="library field")
    matrices: dict[str, list[list[MatrixEntry]]] | None = Field(
        None, description="axis -> square matrix of polynomial expressions in the axes"
    )
    trajectories: list[list[StrictInt]] | None = Field(None, min_length=1, max_length=10_000)
    directions: DirectionBox | None = None
    start: list[StrictInt] = Field(min_length=1, max_length=12)
    depth: StrictInt = Field(2000, ge=16, le=100_000, description="trajectory steps walked")
    constants: list[str] = Field(min_length=1, description="library constants to identify by")
    identify: IdentifySettings = IdentifySettings()
    shard_size: StrictInt = Field(8, ge=1, le=10_000, description="trajectories per task")

    @model_validator(mode="after")
    def _one_field_and_one_set_of_directions(self) -> CmfSpec:
        if (self.cmf is None) == (self.matrices is None):
            raise ValueError("give exactly one of cmf (a library field) and matrices")
        if (self.trajectories is None) == (self.directions is None):
            raise ValueError("give exactly one of trajectories and directions: {box: K}")
        width = len(self.matrices) if self.matrices is not None else len(self.start)
        if len(self.start) != width:
            raise ValueError(f"start has {len(self.start)} entries for {width} axes")
        for vector in self.trajectories or []:
            if len(vector) != width:
                raise ValueError(f"trajectory {vector} has {len(vector)} entries for {width} axes")
            if not any(vector):
                raise ValueError("trajectory [0, ...] does not move")
        listed = self.trajectories or []
        if len({tuple(v) for v in listed}) != len(listed):
            raise ValueError("trajectories lists a direction twice")
        return self

    @property
    def field_name(self) -> str:
        """The trajectories table's partition: the library name, or the spec's name and
        a hash of its matrices."""
        if self.cmf is not None:
            return self.cmf
        return f"{self.name}-{_digest(self.matrices)[:10]}"

    @property
    def size(self) -> int:
        if self.trajectories is not None:
            return len(self.trajectories)
        k, width = self.directions.box, len(self.start)  # type: ignore[union-attr]
        return sum(1 for v in _box_vectors(k, width) if any(c > 0 for c in v) and math.gcd(*v) == 1)

    def planned_directions(self) -> list[tuple[int, ...]]:
        """The trajectories in order: as listed, or the box's by L1 length then value."""
        if self.trajectories is not None:
            return [tuple(v) for v in self.trajectories]
        k, width = self.directions.box, len(self.start)  # type: ignore[union-attr]
        chosen = [v for v in _box_vectors(k, width) if any(c > 0 for c in v) and math.gcd(*v) == 1]
        return sorted(chosen, key=lambda v: (sum(map(abs, v)), tuple(-c for c in v)))


def _box_vectors(k: int, width: int) -> list[tuple[int, ...]]:
    return list(itertools.product(range(-k, k + 1), repeat=width))


Spec = PcfSpec | EsmaSpec | SequencesSpec | CmfSpec
SPEC_MODELS: dict[str, type[Spec]] = {
    model.model_fields["family"].annotation.__args__[0]: model  # type: ignore[union-attr]
    for model in (PcfSpec, EsmaSpec, SequencesSpec, CmfSpec)
}
"""family name -> spec model; flows.registry binds each to its flow."""


def _as_range(coefficient: Coefficient) -> tuple[int, int]:
    if isinstance(coefficient, list):
        return coefficient[0], coefficient[1]
    return coefficient, coefficient


def _digest(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# -- loading -------------------------------------------------------------------

DEFAULT_SPEC_RESOURCE = "default_spec.yaml"


def default_spec_text() -> str:
    return resources.files(__package__).joinpath(DEFAULT_SPEC_RESOURCE).read_text()


def parse_spec(text: str, *, source: str, max_space: int = DEFAULT_MAX_SPACE) -> Spec:
    """Validate YAML text as a spec; ``source`` names it in error messages."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise SpecError(f"{source}: not valid YAML: {_one_line(str(err))}") from None
    if not isinstance(data, dict):
        raise SpecError(f"{source}: a spec is a YAML mapping, got {type(data).__name__}")
    family = data.get("family")
    if family not in SPEC_MODELS:
        raise SpecError(
            f"{source}: family: unknown family {family!r} (known: {', '.join(SPEC_MODELS)})"
        )
    try:
        return SPEC_MODELS[family].model_validate(data, context={"max_space": max_space})
    except ValidationError as err:
        raise SpecError(f"{source}: {_describe(err)}") from None


def load_spec(path: str | Path | None, *, max_space: int = DEFAULT_MAX_SPACE) -> Spec:
    """Read a spec file, or the embedded default spec when ``path`` is None."""
    if path is None:
        return parse_spec(default_spec_text(), source="default spec", max_space=max_space)
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SpecError(f"{path}: spec file not found") from None
    except IsADirectoryError:
        raise SpecError(f"{path}: is a directory, not a spec file") from None
    except OSError as err:
        raise SpecError(f"{path}: cannot read spec: {err.strerror}") from None
    return parse_spec(decode_utf8(data, source=str(path)), source=str(path), max_space=max_space)


def decode_utf8(data: bytes, *, source: str) -> str:
    """``data`` as text, or a :class:`SpecError` naming the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise SpecError(
            f"{source}: not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start}, "
            f"line {line})"
        ) from None


def _describe(err: ValidationError) -> str:
    problems: dict[str, str] = {}
    for item in err.errors():
        location, in_union = _location(item["loc"])
        if in_union:
            # Both union branches (int, [low, high]) report the same bad input; say it once.
            message = (
                f"expected an integer or a [low, high] range of integers, got {item['input']!r}"
            )
        elif item["type"] == "extra_forbidden":
            message = "unknown key"
        elif item["type"] in {"int_type", "int_parsing"}:
            message = f"expected an integer, got {item['input']!r}"
        else:
            message = item["msg"].removeprefix("Value error, ")
        problems.setdefault(location, message)
    return "; ".join(f"{loc}: {msg}" if loc else msg for loc, msg in problems.items())


def _location(loc: tuple[Any, ...]) -> tuple[str, bool]:
    """Dotted path of an error, cut at a union branch name ("int", "list[int]")."""
    parts: list[str] = []
    for part in loc:
        if isinstance(part, str) and re.fullmatch(r"int|list\[.*\]", part):
            return ".".join(parts), True
        parts.append(str(part))
    return ".".join(parts), False


def _one_line(text: str) -> str:
    return " ".join(text.split())
