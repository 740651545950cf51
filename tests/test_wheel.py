"""The wheel ships what a run needs: built from a copy of the sources, installed into a
folder of its own, and run with conjectura imported from there, never from the checkout.

Package data (the default spec, infra/prefect.yaml, the cluster profiles) is proven to ship
by using it from the installed wheel. Dependencies come from the test's environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import polars as pl
import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]
PROFILES = ["kubernetes", "lab-server", "local", "slurm"]
SPEC = """name: wheel
family: pcf
a: [[1, 3], [0, 3]]
b: [[0, 1], [-1, 0], [-2, 1]]
depth: 500
constants: [pi, e, log2, sqrt5]
shard_size: 50
"""  # 192 PCFs in 4 shards

WHERE = """
import importlib, json
from distributed import Client, LocalCluster
names = ["conjectura", "conjectura.flows", "conjectura.kernels", "conjectura.schemas"]
where = {name: importlib.import_module(name).__file__ for name in names}
with (
    LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0") as cluster,
    Client(cluster) as client,
):
    where["worker"] = client.submit(
        lambda: importlib.import_module("conjectura.kernels.screen").__file__
    ).result()
print(json.dumps(where))
"""


def copy_sources(destination: Path) -> None:
    """pyproject.toml, the readme and every package folder it names; nothing else, so the
    build neither writes into the checkout nor sees its caches and data."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    folders = {Path(f).parts[0] for f in project["tool"]["setuptools"]["package-dir"].values()}
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    destination.mkdir()
    for name in ["pyproject.toml", project["project"]["readme"]]:
        shutil.copy2(REPO / name, destination / name)
    for folder in sorted(folders):
        shutil.copytree(REPO / folder, destination / folder, ignore=ignore)


def build_wheel(tmp: Path) -> Path:
    """With build isolation: pip installs the build backend pyproject asks for (setuptools
    >= 68, from the package index); the test environment's own setuptools may be older."""
    copy_sources(tmp / "src")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(tmp / "src"), "--no-deps", "-w", str(tmp)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (wheel,) = tmp.glob("conjectura-*.whl")
    return wheel


def test_a_run_from_the_installed_wheel(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = [
        "conjectura/schemas/default_spec.yaml",
        "conjectura/infra/prefect.yaml",
        *(f"conjectura/infra/profiles/{name}.yaml" for name in PROFILES),
    ]
    assert [name for name in shipped if name not in names] == []

    site = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PREFECT_", "CONJECTURA_")) and k != "PYTHONPATH"
    }
    env["PYTHONPATH"] = str(site)  # before site-packages, where the editable install's finder is

    def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        # cwd: not the checkout, whose folders must not be what gets imported
        return subprocess.run(
            args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=timeout
        )

    where = run(sys.executable, "-c", WHERE)
    assert where.returncode == 0, where.stderr[-3000:]
    files = json.loads(where.stdout.strip().splitlines()[-1])
    outside = {name: path for name, path in files.items() if not Path(path).is_relative_to(site)}
    assert outside == {}, f"imported from outside the wheel: {outside}"

    default = run(
        sys.executable,
        "-c",
        "from conjectura.schemas.spec import load_spec; print(load_spec(None).name)",
    )
    assert default.returncode == 0 and default.stdout.strip() == "default", default.stderr

    conjectura = str(site / "bin" / "conjectura")
    listed = run(conjectura, "cluster", "list")
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[0] for line in listed.stdout.splitlines()] == PROFILES

    (tmp_path / "spec.yaml").write_text(SPEC)
    catalog = tmp_path / "catalog"
    done = run(
        conjectura, "run", "spec.yaml", "--no-progress", "--catalog", str(catalog), timeout=900
    )
    assert done.returncode == 0, done.stderr[-3000:]
    pcf = pl.read_parquet(str(catalog / "pcf" / "**" / "*.parquet"))
    assert pcf.height == 192 and pcf["id"].n_unique() == 192
    formulas = pl.read_parquet(str(catalog / "conjectures" / "**" / "*.parquet"))["formula"]
    assert "PCF(2n+1, n^2) = 4/pi" in formulas.to_list()
