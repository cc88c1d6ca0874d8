"""Debian's chromium, as the browser tests, the bench and the screenshots launch it: never a
downloaded browser (the machine that runs them has no internet)."""

from __future__ import annotations

import os
import shutil

# No GPU and no QUIC in a headless sandboxless VM; nothing that phones home.
ARGS: tuple[str, ...] = (
    "--disable-gpu",
    "--disable-quic",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

NOT_FOUND = (
    "chromium not found: install Debian's chromium (`make chromium`, or "
    "`apt-get install -y chromium`) or set CHROMIUM_PATH"
)


def chromium_path() -> str | None:
    """CHROMIUM_PATH, else the `chromium` on PATH; None when there is neither."""
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
