"""Bad input: exit code 2, one line naming the problem, nothing written (and what a
catalog already held is left as it was)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

GOOD = """name: small
family: pcf
a: [[1, 3], 2]
b: [0, 0, [-2, 1]]
depth: 200
constants: [pi, e]
"""

CASES = {
    "unknown-key": (GOOD + "colour: blue\n", "colour: unknown key"),
    "empty-range": (GOOD.replace("[-2, 1]", "[]"), "empty range"),
    "inverted-range": (GOOD.replace("[-2, 1]", "[1, -2]"), "range [1, -2] is empty"),
    "non-integer": (
        GOOD.replace("[[1, 3], 2]", "[[1, 3], 2.5]"),
        "expected an integer or a [low, high] range",  # brackets survive the console
    ),
    "unknown-constant": (GOOD.replace("[pi, e]", "[pi, tau]"), "unknown constant tau"),
    "over-cap": (GOOD.replace("[-2, 1]", "[-2000, 2000]"), "above the cap of 1,000"),
}


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "conjectura.flows.cli",
            "run",
            *args,
            "--catalog",
            str(tmp_path / "catalog"),
            "--max-space",
            "1000",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("case", CASES)
def test_bad_spec_exits_2_with_one_clear_line(tmp_path: Path, case: str) -> None:
    text, message = CASES[case]
    (tmp_path / "spec.yaml").write_text(text)
    result = run_cli(tmp_path, "spec.yaml")
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "spec.yaml" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]  # nothing written


def test_missing_spec_file(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "absent.yaml")
    assert result.returncode == 2
    assert "absent.yaml: spec file not found" in result.stderr
    assert list(tmp_path.iterdir()) == []


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "conjectura.flows.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("conjectura: error: "), result.stderr
    return lines[0]


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (the catalog's data, locks and staging alike), by content."""
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def sequences(catalog: Path) -> pl.DataFrame:
    return pl.read_parquet(str(catalog / "sequences" / "**" / "*.parquet")).sort("name")


def test_spec_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_bytes(b"name: x\xff\n" + GOOD.split("\n", 1)[1].encode())
    line = one_error_line(run_cli(tmp_path, "spec.yaml"))
    assert "spec.yaml: not UTF-8 text (byte 0xff at offset 7, line 1)" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]  # nothing written


@pytest.mark.parametrize(
    ("coefficients", "message"),
    [
        (  # a range's end
            "a: [[9223372036854775807, 9223372036854775808]]",
            "a: coefficient 0: 9223372036854775808 is outside",
        ),
        ("a: [[1, 3], -9223372036854775809]", "a: coefficient 1: -9223372036854775809 is outside"),
    ],
)
def test_coefficient_outside_int64_is_refused_before_any_work(
    tmp_path: Path, coefficients: str, message: str
) -> None:
    """Such a spec used to run, and store the value wrapped around."""
    (tmp_path / "spec.yaml").write_text(GOOD.replace("a: [[1, 3], 2]", coefficients))
    line = one_error_line(run_cli(tmp_path, "spec.yaml"))
    assert f"spec.yaml: {message}" in line
    assert "64-bit integer range [-9223372036854775808, 9223372036854775807]" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]  # no catalog at all


def test_coefficient_outside_int64_leaves_a_catalog_as_it_was(tmp_path: Path) -> None:
    from conjectura.catalog.ingest import ingest
    from conjectura.catalog.store import Catalog

    (tmp_path / "squares.txt").write_text("".join(f"{n} {n * n}\n" for n in range(20)))
    ingest(Catalog(tmp_path / "catalog"), tmp_path / "squares.txt")  # committed rows
    before = snapshot(tmp_path / "catalog")
    (tmp_path / "spec.yaml").write_text(GOOD.replace("[[1, 3], 2]", "[[1, 9223372036854775808]]"))
    line = one_error_line(run_cli(tmp_path, "spec.yaml"))
    assert "a: coefficient 0: 9223372036854775808 is outside the 64-bit integer range" in line
    assert snapshot(tmp_path / "catalog") == before  # not a byte changed, nothing added
    rows = sequences(tmp_path / "catalog")
    assert rows["name"].to_list() == ["squares"] and rows["n_terms"].to_list() == [20]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog", "spec.yaml", "squares.txt"]


BAD_TEXT = {  # each: a good first line, then a line with a byte that is not UTF-8
    "bfile": ("bad.txt", b"0 1\n1 1\n2 \xff2\n"),
    "csv": ("bad.csv", b"name,terms\nok,1 2 3\nbad\xe9,1 2\n"),
    "jsonl": ("bad.jsonl", b'{"name": "ok", "terms": [1]}\n{"name": "caf\xc3", "terms": [2]}\n'),
}


@pytest.mark.parametrize("fmt", BAD_TEXT)
def test_ingest_refuses_a_file_that_is_not_utf8_and_commits_none_of_the_call(
    tmp_path: Path, fmt: str
) -> None:
    (tmp_path / "first.txt").write_text("0 0\n1 1\n2 4\n3 9\n")
    (tmp_path / "second.csv").write_text("name,terms\ncubes,0 1 8 27\n")
    name, content = BAD_TEXT[fmt]
    (tmp_path / name).write_bytes(content)
    catalog = tmp_path / "catalog"
    first = cli(tmp_path, "ingest", "first.txt", "--catalog", str(catalog))
    assert first.returncode == 0, first.stderr
    committed = sequences(catalog)
    assert committed["name"].to_list() == ["first"]
    before = snapshot(catalog)

    line = one_error_line(cli(tmp_path, "ingest", "second.csv", name, "--catalog", str(catalog)))
    bad = next(i for i, byte in enumerate(content) if byte >= 0x80)
    assert f"{name}: not UTF-8 text (byte 0x{content[bad]:02x} at offset {bad}, line" in line
    assert line.endswith("no file ingested")
    assert sequences(catalog).equals(committed)  # the first file's rows, nothing of second.csv
    assert snapshot(catalog) == before

    again = cli(tmp_path, "ingest", "second.csv", "--catalog", str(catalog))  # alone: it goes in
    assert again.returncode == 0, again.stderr
    assert sequences(catalog)["name"].to_list() == ["cubes", "first"]


def test_cluster_profile_that_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text(GOOD)
    (tmp_path / "mine.yaml").mkdir()
    line = one_error_line(run_cli(tmp_path, "spec.yaml", "--cluster", "mine.yaml"))
    assert "mine.yaml: is a directory, not a cluster profile file" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.yaml", "spec.yaml"]
    assert list((tmp_path / "mine.yaml").iterdir()) == []
