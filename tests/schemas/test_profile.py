"""Cluster profiles: the shipped ones load, and every kind of bad file is named in a SpecError."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conjectura.schemas.profile import (
    PROFILES_DIR,
    Adapt,
    ClusterProfile,
    available_profiles,
    load_profile,
)
from conjectura.schemas.spec import SpecError


def write(tmp_path: Path, text: str, name: str = "mine.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_documented_profiles_ship() -> None:
    assert {"local", "lab-server", "slurm", "kubernetes"} <= set(available_profiles())
    assert available_profiles() == sorted(available_profiles())


@pytest.mark.parametrize("name", available_profiles())
def test_every_shipped_profile_loads_and_is_named_after_its_file(name: str) -> None:
    profile = load_profile(name)
    assert isinstance(profile, ClusterProfile)
    assert profile.name == name
    # the kind's own section is there, no other kind's
    for section in ("slurm", "kubernetes"):
        assert (getattr(profile, section) is not None) == (profile.kind == section)
    assert (profile.address is not None) == (profile.kind == "address")


def test_shipped_profiles_hold_what_their_files_say() -> None:
    local = load_profile("local")
    assert local.kind == "local" and local.workers is None and local.adapt is None

    server = load_profile("lab-server")
    assert server.kind == "address" and server.address == "tcp://127.0.0.1:8786"

    slurm = load_profile("slurm")
    assert slurm.adapt == Adapt(minimum=1, maximum=16)
    assert slurm.slurm is not None
    assert (slurm.slurm.queue, slurm.slurm.cores, slurm.slurm.memory) == ("normal", 8, "32GB")
    assert slurm.slurm.walltime == "02:00:00" and slurm.slurm.job_extra == ["--exclusive"]

    kubernetes = load_profile("kubernetes")
    assert kubernetes.workers == 8 and kubernetes.kubernetes is not None
    assert kubernetes.kubernetes.namespace == "conjectura"


def test_load_by_path_equals_load_by_name() -> None:
    assert load_profile(str(PROFILES_DIR / "slurm.yaml")) == load_profile("slurm")


@pytest.mark.parametrize("suffix", [".yaml", ".yml"])
def test_load_a_file_by_path(tmp_path: Path, suffix: str) -> None:
    path = write(
        tmp_path,
        "name: big-box\nkind: local\nadapt: {maximum: 4}\n",
        name=f"big-box{suffix}",
    )
    profile = load_profile(str(path))
    assert profile.name == "big-box" and profile.kind == "local"
    assert profile.adapt == Adapt(minimum=1, maximum=4)  # minimum defaults to 1
    assert profile.workers is None


def test_unknown_name_lists_the_shipped_profiles() -> None:
    with pytest.raises(SpecError) as caught:
        load_profile("no-such-profile")
    message = str(caught.value)
    assert "cluster profile 'no-such-profile' not found" in message
    assert "local" in message and "slurm" in message


BAD = {
    "unknown key": (
        "name: x\nkind: local\nworkerz: 2\n",
        "workerz: unknown key",
    ),
    "slurm without its section": (
        "name: x\nkind: slurm\n",
        "kind slurm needs a `slurm:` section",
    ),
    "kubernetes without its section": (
        "name: x\nkind: kubernetes\n",
        "kind kubernetes needs a `kubernetes:` section",
    ),
    "address without an address": (
        "name: x\nkind: address\n",
        "kind address needs `address: tcp://HOST:PORT`",
    ),
    "a section of another kind": (
        "name: x\nkind: local\nkubernetes: {image: img}\n",
        "a `kubernetes:` section belongs to kind kubernetes, not local",
    ),
    "a slurm section on kubernetes": (
        "name: x\nkind: kubernetes\nkubernetes: {image: img}\n"
        "slurm: {queue: q, cores: 1, memory: 1GB}\n",
        "a `slurm:` section belongs to kind slurm, not kubernetes",
    ),
    "workers and adapt": (
        "name: x\nkind: local\nworkers: 2\nadapt: {minimum: 1, maximum: 3}\n",
        "give either workers or adapt, not both",
    ),
    "adapt minimum above maximum": (
        "name: x\nkind: local\nadapt: {minimum: 5, maximum: 2}\n",
        "minimum 5 above maximum 2",
    ),
    "unknown key inside a section": (
        "name: x\nkind: slurm\nslurm: {queue: q, cores: 1, memory: 1GB, gpus: 2}\n",
        "slurm.gpus: unknown key",
    ),
    "invalid YAML": (
        "name: [x\nkind: local\n",
        "not valid YAML",
    ),
}


@pytest.mark.parametrize(("text", "expected"), list(BAD.values()), ids=list(BAD))
def test_a_bad_profile_file_is_named_with_its_problem(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SpecError) as caught:
        load_profile(str(path))
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert expected in message


def test_adapt_error_names_the_adapt_key(tmp_path: Path) -> None:
    path = write(tmp_path, "name: x\nkind: local\nadapt: {minimum: 5, maximum: 2}\n")
    with pytest.raises(SpecError) as caught:
        load_profile(str(path))
    assert str(caught.value) == f"{path}: adapt: adapt: minimum 5 above maximum 2"


def test_a_directory_named_like_a_profile_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "x.yaml"
    directory.mkdir()
    with pytest.raises(SpecError) as caught:
        load_profile(str(directory))
    assert str(caught.value) == f"{directory}: is a directory, not a cluster profile file"


def test_a_non_utf8_profile_is_refused_naming_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    # "name: x\n" (8 bytes) + "kind: local # caf" (17): the 0xe9 at offset 25, line 2
    path.write_bytes(b"name: x\nkind: local # caf\xe9\n")
    with pytest.raises(SpecError) as caught:
        load_profile(str(path))
    message = str(caught.value)
    assert message.startswith(f"{path}: not UTF-8 text")
    assert "byte 0xe9 at offset 25, line 2" in message


def test_an_empty_profile_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    with pytest.raises(SpecError, match="^" + re.escape(f"{path}: ")):
        load_profile(str(path))
