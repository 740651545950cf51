"""The house's one-way arrows, checked on the source: what each room may import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

FORBIDDEN = {
    # kernels and schemas never reach up into flows or the catalog
    "kernels": ("conjectura.flows", "conjectura.catalog", "prefect", "distributed", "dask"),
    "schemas": ("conjectura.flows", "conjectura.catalog", "conjectura.kernels", "prefect"),
    # the catalog serves flows, never the other way round
    "catalog": ("conjectura.flows", "prefect", "distributed"),
    # stages are pure: no catalog, no Prefect, no Dask
    "flows/stages": ("conjectura.catalog", "prefect", "prefect_dask", "distributed", "dask"),
}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("room", FORBIDDEN)
def test_rooms_import_only_downstream(room: str) -> None:
    files = sorted((REPO / room).glob("*.py"))
    assert files, room
    broken = [
        f"{path.relative_to(REPO)} imports {name}"
        for path in files
        for name in sorted(imported_modules(path))
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[room])
    ]
    assert not broken, broken


def test_no_bare_top_level_imports_of_the_card_folders() -> None:
    bare = ("flows", "kernels", "schemas", "catalog", "infra")
    offenders = [
        f"{path.relative_to(REPO)} imports {name}"
        for folder in (*bare, "tests", "conjectura")
        for path in (REPO / folder).rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] in bare
    ]
    assert not offenders, offenders


PATH_BUILDERS = ("file_path(", "read_parquet(", "scan_parquet(")


def test_only_the_catalog_builds_paths_inside_a_catalog() -> None:
    """Flows ask the catalog for a shard by (table, partition, key), never by a path."""
    offenders = [
        str(path.relative_to(REPO))
        for path in (REPO / "flows").rglob("*.py")
        if any(word in path.read_text() for word in PATH_BUILDERS)
    ]
    assert not offenders, offenders
