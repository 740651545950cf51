"""Wall time of the default run, as a user gets it: `conjectura run` in a fresh directory.

Includes starting the Prefect server, the Dask LocalCluster, numba loading (compiled
kernels are cached beside the package after the first run), screening 59,049 PCFs,
identification with exact verification, and printing the table.

    .venv/bin/python tests/benchmarks/bench_default_run.py
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="conjectura-bench-"))
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "conjectura.flows.cli", "run", "--no-progress"],
        cwd=workdir,
        capture_output=True,
        text=True,
        env=environment,
        check=True,
    )
    wall = time.perf_counter() - start
    summary = re.search(r"run \S+: .*", result.stdout)
    print(summary.group(0) if summary else result.stdout[-500:])
    print(f"default run wall time: {wall:.1f} s ({os.cpu_count()} cores)")
    shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
