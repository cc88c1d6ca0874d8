"""Shared fixtures: the simulator and the Worker as real servers on free ports.

The Worker is the local runtime, or `wrangler dev` with TEST_WORKER=wrangler
(tests/support/servers.py).
"""

from __future__ import annotations

import os

import pytest

from tests.support.chromium import ARGS, NOT_FOUND, chromium_path
from tests.support.servers import start_sim, start_worker, worker_kind

SIM_KEY = "sim-dev-key"
# Suites about the local runtime itself (its config loader, snapshot, launcher): nothing to check
# on wrangler dev.
RUNTIME_ONLY_FILES = frozenset({"test_runtime.py", "test_dev.py"})


def pytest_collection_modifyitems(config, items):
    if worker_kind() != "wrangler":
        return
    skip = pytest.mark.skip(reason="tests the local runtime itself; TEST_WORKER=wrangler")
    for item in items:
        if item.path.name in RUNTIME_ONLY_FILES:
            item.add_marker(skip)


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
    """The Worker (runtime or wrangler dev: TEST_WORKER) in front of the session's simulator."""
    server = start_worker(
        log_dir, upstream=sim.url, env={"OAUTH_ISSUER": sim.url, "UPSTREAM_MODE": "simulator"}
    )
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's chromium, never a downloaded browser."""
    path = chromium_path()
    if not path:
        pytest.fail(NOT_FOUND)
    return {**browser_type_launch_args, "executable_path": path, "args": list(ARGS)}
