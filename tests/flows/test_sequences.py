"""`conjectura ingest` + `conjectura run` on a sequences spec, with fixtures made here."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conjectura.catalog import api
from tests.kernels.test_recurrences import apery, catalan, central_binomial, fibonacci, motzkin

pytestmark = pytest.mark.integration

SPEC = """name: fixtures
family: sequences
constants: [sqrt5]
"""


def write_fixtures(directory: Path) -> list[Path]:
    bfile = directory / "fibonacci.txt"
    lines = ["# Fibonacci numbers, a b-file", *(f"{n} {v}" for n, v in enumerate(fibonacci()))]
    lines.insert(5, "7 oops")  # a bad line: reported, skipped, the rest still goes in
    bfile.write_text("\n".join(lines) + "\n")
    jsonl = directory / "more.jsonl"
    primes = [p for p in range(2, 400) if all(p % d for d in range(2, int(p**0.5) + 1))][:60]
    rng = random.Random(5)
    jsonl.write_text(
        "\n".join(
            json.dumps(item)
            for item in [
                {"name": "catalan", "terms": catalan()},
                {"name": "central", "terms": [str(t) for t in central_binomial()]},
                {"name": "primes", "terms": primes},
                {"name": "random", "terms": [rng.randint(-(10**6), 10**6) for _ in range(60)]},
                "not an object",
            ]
        )
        + "\n{broken json\n"
    )
    csv = directory / "motzkin.csv"
    csv.write_text("name,terms\nmotzkin," + " ".join(map(str, motzkin())) + "\n")
    parquet = directory / "apery.parquet"
    big = [str(t) for t in apery()]  # past 64 bits: decimal strings
    pq.write_table(pa.table({"name": ["apery"], "terms": [big]}), parquet)
    return [bfile, jsonl, csv, parquet]


def holds_everywhere(basis: list[str], relation: list[int], terms: list[int]) -> int:
    """How many n the relation sum r_k · n^j · a(n+i) = 0 was checked at; fails if any
    n breaks it. Basis entries read `a(n+i)`, `n*a(n+i)` or `n^j*a(n+i)`."""
    parsed = []
    for entry in basis:
        power, _, term = entry.rpartition("*")
        j = 0 if not power else 1 if power == "n" else int(power.removeprefix("n^"))
        i = int(term.removeprefix("a(n").removesuffix(")") or 0)
        parsed.append((j, i))
    order = max(i for _, i in parsed)
    for n in range(len(terms) - order):
        total = sum(r * n**j * terms[n + i] for r, (j, i) in zip(relation, parsed, strict=True))
        assert total == 0, (basis, relation, n)
    return len(terms) - order


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return subprocess.run(
        [sys.executable, "-m", "conjectura.flows.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env=environment,
    )


def test_ingest_then_detect(tmp_path: Path) -> None:
    files = write_fixtures(tmp_path)
    ingested = cli(tmp_path, "ingest", *map(str, files))
    assert ingested.returncode == 2  # bad lines were reported ...
    assert "fibonacci.txt:6" in ingested.stderr and "more.jsonl:5" in ingested.stderr
    assert "more.jsonl:6" in ingested.stderr
    reader = api.open(tmp_path / "data" / "catalog")
    sequences = reader.sequences().collect()
    assert sorted(sequences["name"]) == sorted(  # ... and everything else went in
        ["fibonacci", "catalan", "central", "primes", "random", "motzkin", "apery"]
    )
    again = cli(tmp_path, "ingest", *map(str, files[1:]))
    assert reader.table("sequences").collect().height == 7  # re-ingesting adds nothing
    assert again.returncode == 2

    (tmp_path / "spec.yaml").write_text(SPEC)
    run = cli(tmp_path, "run", "spec.yaml", "--no-progress")
    assert run.returncode == 0, run.stderr[-3000:]
    found = reader.conjectures().filter(pl.col("kind") == "recurrence").collect()
    by_name = {row["subject"].split(" ")[0]: row for row in found.iter_rows(named=True)}
    assert set(by_name) == {"fibonacci", "catalan", "central", "motzkin", "apery"}
    terms = {
        row["name"]: [api.decode_int(v) for v in row["terms"]]
        for row in sequences.iter_rows(named=True)
    }
    for name, row in by_name.items():
        # the recurrence holds on every term, checked here from its basis and relation
        assert holds_everywhere(row["basis"], row["relation"], terms[name]) > 40
    assert by_name["catalan"]["relation"] == [-2, -4, 2, 1]  # (n+2)C(n+1) = (4n+2)C(n)
    assert len(by_name["apery"]["basis"]) == 12  # order 2, degree 3
    limits = reader.conjectures().filter(pl.col("kind") == "sequence_limit").collect()
    assert "fibonacci" in limits["subject"].str.split(" ").list.first().to_list()
