"""Peak memory of a run at 1x and 10x the size of the same spec.

Runs `conjectura run` on the default space (59,049 PCFs) and on the same spec with the
last coefficient's range ten times wider (590,490 PCFs), each in a fresh directory, and
samples the resident memory of the flow process and of every Dask worker process
(the Prefect server, also a child, is reported apart) every 0.2 s.

    .venv/bin/python tests/benchmarks/bench_memory.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

SPECS = {
    "1x": "b: [[-4, 4], [-4, 4], [-4, 4]]",
    "10x": "b: [[-4, 4], [-4, 4], [-44, 45]]",
}
TEMPLATE = """name: memory-{size}
family: pcf
a: [[-4, 4], [-4, 4]]
{b}
depth: 1000
constants: [pi, e, log2, zeta3, catalan, sqrt2, sqrt5]
"""


def measure(size: str) -> dict[str, float]:
    workdir = Path(tempfile.mkdtemp(prefix=f"conjectura-mem-{size}-"))
    spec = workdir / "spec.yaml"
    spec.write_text(TEMPLATE.format(size=size, b=SPECS[size]))
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "conjectura.flows.cli", "run", str(spec), "--no-progress"],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment,
    )
    flow = psutil.Process(process.pid)
    peaks = {"flow": 0, "worker": 0, "server": 0}
    while process.poll() is None:
        try:
            peaks["flow"] = max(peaks["flow"], flow.memory_info().rss)
            for child in flow.children(recursive=True):
                role = "server" if "server" in " ".join(child.cmdline()) else "worker"
                peaks[role] = max(peaks[role], child.memory_info().rss)
        except psutil.Error:
            pass
        time.sleep(0.2)
    output = process.stdout.read()
    if process.returncode != 0:
        raise SystemExit(output[-3000:])
    summary = next(line for line in output.splitlines() if line.startswith("run "))
    print(f"  {size:>3}: {summary}")
    return {**{k: v / 2**20 for k, v in peaks.items()}, "wall": time.perf_counter() - start}


def main() -> None:
    results = {size: measure(size) for size in SPECS}
    print(f"{'':>5} {'flow MiB':>10} {'worker MiB':>11} {'server MiB':>11} {'wall s':>8}")
    for size, r in results.items():
        print(
            f"{size:>5} {r['flow']:10.0f} {r['worker']:11.0f} {r['server']:11.0f} {r['wall']:8.0f}"
        )
    for role in ("flow", "worker"):
        ratio = results["10x"][role] / results["1x"][role]
        print(f"10x / 1x peak RSS, {role}: {ratio:.2f} (target <= 1.25)")


if __name__ == "__main__":
    main()
