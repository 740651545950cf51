"""Headless Chromium for the report tests: one set of flags, no network, no sandbox."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def chromium(*arguments: str, profile: Path) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium with ``arguments`` (a page to screenshot or dump), logging to
    stderr so console errors and failed loads can be asserted on."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    assert binary, "chromium is installed by .ci/run (Debian package chromium)"
    return subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1200,1600",
            *arguments,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
