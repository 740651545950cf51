"""Integration fixtures: one real Prefect API server for the whole test session."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from conjectura.flows.prefect_server import QUIET_ENVIRONMENT


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory) -> Iterator[str]:
    """prefect_test_harness: a real API server (uvicorn + SQLite) in a subprocess.

    Its URL also goes into os.environ so that Dask worker processes, which inherit the
    environment rather than Prefect's settings context, talk to the same server."""
    home = tmp_path_factory.mktemp("prefect-home")
    saved = dict(os.environ)
    os.environ.update(QUIET_ENVIRONMENT)
    os.environ["PREFECT_HOME"] = str(home)
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        url = PREFECT_API_URL.value()
        os.environ["PREFECT_API_URL"] = url
        yield url
    os.environ.clear()
    os.environ.update(saved)
