"""Fixtures for the simulator's own tests: fast simulators started as real servers."""

from __future__ import annotations

import httpx
import pytest

from tests.sim.helpers import FAST, KEY
from tests.support.servers import start_sim


@pytest.fixture(scope="package")
def fast_sim(log_dir):
    server = start_sim(log_dir, env={"PARALLEL_SIM_SPEED": FAST})
    yield server
    server.stop()


@pytest.fixture
def client(fast_sim):
    with httpx.Client(base_url=fast_sim.url, headers={"x-api-key": KEY}, timeout=30) as c:
        yield c


@pytest.fixture
def sim_factory(log_dir):
    """Start extra simulators with their own settings; all stopped after the test."""
    started = []

    def start(env: dict | None = None, args: list[str] | None = None):
        server = start_sim(log_dir, env={"PARALLEL_SIM_SPEED": FAST, **(env or {})}, args=args)
        started.append(server)
        return server

    yield start
    for s in started:
        s.stop()
