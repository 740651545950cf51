"""Cluster profiles: where a run's Dask workers come from (`--cluster NAME`)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, model_validator

from conjectura.schemas.spec import SpecError, decode_utf8


class Adapt(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    minimum: StrictInt = Field(1, ge=0)
    maximum: StrictInt = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> Adapt:
        if self.minimum > self.maximum:
            raise ValueError(f"adapt: minimum {self.minimum} above maximum {self.maximum}")
        return self


class Slurm(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    queue: str
    account: str | None = None
    walltime: str = Field("01:00:00", pattern=r"^\d{1,3}:\d{2}:\d{2}$")
    cores: StrictInt = Field(ge=1, description="cores per job")
    memory: str = Field(pattern=r"^\d+(\.\d+)?\s*(GB|GiB|MB|MiB)$", description="per job")
    processes: StrictInt = Field(1, ge=1, description="worker processes per job")
    python: str | None = Field(None, description="interpreter on the compute nodes")
    job_extra: list[str] = []


class Kubernetes(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    image: str
    namespace: str = "default"
    cpu: str = "1"
    memory: str = "4G"
    env: dict[str, str] = {}


class ClusterProfile(BaseModel):
    """One way to get Dask workers. Scale-out knobs (workers, adapt) live here."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    kind: Literal["local", "address", "slurm", "kubernetes"]
    workers: StrictInt | None = Field(None, ge=1, description="fixed number of workers")
    adapt: Adapt | None = None
    address: str | None = Field(None, pattern=r"^tcp://[^:/\s]+:\d{1,5}$")
    slurm: Slurm | None = None
    kubernetes: Kubernetes | None = None

    @model_validator(mode="after")
    def _settings_match_kind(self) -> ClusterProfile:
        if self.kind == "address" and self.address is None:
            raise ValueError("kind address needs `address: tcp://HOST:PORT`")
        for section in ("slurm", "kubernetes"):
            present = getattr(self, section) is not None
            if self.kind == section and not present:
                raise ValueError(f"kind {section} needs a `{section}:` section")
            if self.kind != section and present:
                raise ValueError(
                    f"a `{section}:` section belongs to kind {section}, not {self.kind}"
                )
        if self.workers is not None and self.adapt is not None:
            raise ValueError("give either workers or adapt, not both")
        return self


# The profiles ship as package data of conjectura.infra (in a checkout: infra/profiles).
PROFILES_DIR = Path(str(resources.files("conjectura.infra").joinpath("profiles")))


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))


def load_profile(name_or_path: str) -> ClusterProfile:
    """A profile shipped in infra/profiles by name, or a YAML file by path."""
    path = Path(name_or_path)
    if not (path.suffix in {".yaml", ".yml"} and path.exists()):
        path = PROFILES_DIR / f"{name_or_path}.yaml"
    if not path.exists():
        raise SpecError(
            f"cluster profile {name_or_path!r} not found "
            f"(shipped: {', '.join(available_profiles())}; or give a .yaml path)"
        )
    if path.is_dir():
        raise SpecError(f"{path}: is a directory, not a cluster profile file")
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise SpecError(f"{path}: cannot read cluster profile: {err.strerror}") from None
    text = decode_utf8(raw, source=str(path))
    try:
        data = yaml.safe_load(text)
        return ClusterProfile.model_validate(data)
    except yaml.YAMLError as err:
        raise SpecError(f"{path}: not valid YAML: {' '.join(str(err).split())}") from None
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'profile'}: "
            + (
                "unknown key"
                if e["type"] == "extra_forbidden"
                else e["msg"].removeprefix("Value error, ")
            )
            for e in err.errors()
        )
        raise SpecError(f"{path}: {problems}") from None
