"""The default run before and after a change to identification, side by side in one run.

The "before" code is a git ref, built into a wheel and installed into a folder of its own
(the way tests/test_wheel.py proves a wheel runs), so both runs share this machine, this
environment and this moment. Each run starts cold in a fresh directory: Prefect server,
LocalCluster, screening 59,049 PCFs, identification, the printed table.

    .venv/bin/python tests/benchmarks/bench_identify.py [--before REF]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BEFORE = "063424f"  # main just before issue 16 (honest, deeper identification)


def built_from(ref: str, scratch: Path) -> Path:
    """site-packages folder holding conjectura as it was at ``ref``."""
    source, site = scratch / "source", scratch / "site"
    source.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", ref], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    pip = [sys.executable, "-m", "pip", "--quiet"]
    subprocess.run([*pip, "wheel", str(source), "--no-deps", "-w", str(scratch)], check=True)
    wheel = next(scratch.glob("conjectura-*.whl"))
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True)
    return site


def timed_run(label: str, pythonpath: Path | None) -> dict[str, str | float]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    if pythonpath is not None:
        environment["PYTHONPATH"] = str(pythonpath)
    with tempfile.TemporaryDirectory(prefix=f"bench-{label}-") as workdir:
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "conjectura.flows.cli", "run", "--no-progress"],
            cwd=workdir,
            capture_output=True,
            text=True,
            env=environment,
            check=True,
        )
        wall = time.perf_counter() - start
    summary = re.search(r"(\d[\d,]*) conjectures \(([\d,]+) verified\)", done.stdout)
    breakdown = re.search(r"by method/basis .*", done.stdout)
    return {
        "wall": wall,
        "conjectures": summary.group(1) if summary else "?",
        "verified": summary.group(2) if summary else "?",
        "breakdown": breakdown.group(0) if breakdown else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", default=BEFORE, help=f"git ref (default {BEFORE})")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-before-") as scratch:
        site = built_from(args.before, Path(scratch))
        before = timed_run("before", site)
    after = timed_run("after", None)
    print(f"default run, {os.cpu_count()} cores, cold start to exit")
    print(f"{'':14}{'before (' + args.before + ')':>22}{'after (this tree)':>22}")
    for key in ("wall", "conjectures", "verified"):
        b, a = before[key], after[key]
        shown = (f"{b:.1f} s", f"{a:.1f} s") if key == "wall" else (str(b), str(a))
        print(f"{key:<14}{shown[0]:>22}{shown[1]:>22}")
    print(f"ratio of wall times: {after['wall'] / before['wall']:.2f} (issue 16 allows 2.0)")
    print(f"after, {after['breakdown']}")


if __name__ == "__main__":
    main()
