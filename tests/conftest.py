"""Shared fixtures: the simulator and the Worker (local runtime) as real servers on free ports."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.support.servers import start_sim, start_worker

SIM_KEY = "sim-dev-key"


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("server-logs")


@pytest.fixture(scope="session")
def sim(log_dir):
    """One simulator for the session, fast enough that a pro run takes a few seconds."""
    server = start_sim(log_dir, env={"PARALLEL_SIM_SPEED": os.environ.get("TEST_SIM_SPEED", "20")})
    yield server
    server.stop()


@pytest.fixture(scope="session")
def worker(log_dir, sim):
    """The Worker in the local runtime, in front of the session's simulator."""
    server = start_worker(
        log_dir, upstream=sim.url, env={"OAUTH_ISSUER": sim.url, "UPSTREAM_MODE": "simulator"}
    )
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's chromium, never a downloaded browser."""
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not path:
        pytest.fail("chromium not found: `apt-get install -y chromium` or set CHROMIUM_PATH")
    return {
        **browser_type_launch_args,
        "executable_path": path,
        "args": [
            "--disable-gpu",
            "--disable-quic",
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }
