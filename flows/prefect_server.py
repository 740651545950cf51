"""One Prefect API server per run, on loopback, with nothing phoning home.

Without ``PREFECT_API_URL`` every Dask worker process would start its own ephemeral
server on one SQLite file (slow, "database is locked"): the field notes. So a run either
uses the server the environment names, or starts one here and hands its URL to the
workers through the environment they inherit.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

QUIET_ENVIRONMENT = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_ENABLED": "false",
    "PREFECT_UI_ENABLED": "false",
    "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "DASK_DISTRIBUTED__LOGGING__DISTRIBUTED": "warning",
}

STARTUP_TIMEOUT_S = 120.0


class PrefectServerError(RuntimeError):
    pass


def configure_environment(home: Path) -> None:
    """Project-local Prefect home and no telemetry, for this process and its children."""
    os.environ.setdefault("PREFECT_HOME", str(home.resolve()))
    for key, value in QUIET_ENVIRONMENT.items():
        os.environ.setdefault(key, value)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _die_with_parent() -> None:
    """In the server's process: ask Linux to SIGTERM it if the run is killed outright, so a
    SIGKILLed run leaves no server behind (no-op elsewhere)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1


@contextlib.contextmanager
def api_server(home: Path) -> Iterator[str]:
    """Yield the API URL to use: $PREFECT_API_URL if set, else a server started here."""
    configure_environment(home)
    existing = os.environ.get("PREFECT_API_URL")
    if existing:
        yield existing
        return
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    log = home / "server.log"
    # One database per server: concurrent runs in one directory must not share SQLite.
    database = home / "servers" / f"{port}.db"
    database.parent.mkdir(parents=True, exist_ok=True)
    environment = os.environ.copy()
    environment["PREFECT_API_DATABASE_CONNECTION_URL"] = f"sqlite+aiosqlite:///{database}"
    with open(log, "ab") as sink:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "prefect",
                "server",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-services",
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole below
            preexec_fn=_die_with_parent,
            env=environment,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _healthy(url):
            if server.poll() is not None:
                raise PrefectServerError(f"Prefect server exited at start; see {log}")
            if time.monotonic() > deadline:
                raise PrefectServerError(
                    f"Prefect server not healthy after {STARTUP_TIMEOUT_S:.0f}s; see {log}"
                )
            time.sleep(0.25)
        os.environ["PREFECT_API_URL"] = url
        yield url
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        for leftover in database.parent.glob(f"{port}.db*"):
            leftover.unlink(missing_ok=True)  # the catalog, not Prefect's state, is the record
