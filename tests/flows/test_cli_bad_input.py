"""Bad input: exit code 2, one line naming the problem, nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
    "non-integer": (GOOD.replace("[[1, 3], 2]", "[[1, 3], 2.5]"), "expected an integer"),
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
