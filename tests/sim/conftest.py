"""Fixtures for the simulator's own tests: the ASGI app in this process, no subprocess.

`fast_sim` is called through an httpx transport (no socket) and runs on a fast-forward clock, so
waits inside the simulator take no real time. `served` is the same app on a real loopback socket
in a thread, for the few tests that read HTTP/1.1 framing byte by byte. The subprocess smoke test
(test_smoke.py) checks `python -m parallel_sim` itself.
"""

from __future__ import annotations

import os
from unittest import mock

import httpx
import pytest

from parallel_sim.config import parse_args
from parallel_sim.testing import InProcessSimulator, serve
from tests.sim.helpers import FAST, KEY


@pytest.fixture(scope="package")
def fast_sim():
    with InProcessSimulator(parse_args([], base=None), speed=float(FAST)) as sim:
        yield sim


@pytest.fixture
def client(fast_sim):
    with fast_sim.client() as c:
        yield c


@pytest.fixture(scope="package")
def served():
    with serve(speed=float(FAST)) as running:
        yield running


@pytest.fixture
def served_client(served):
    with httpx.Client(base_url=served.base_url, headers={"x-api-key": KEY}, timeout=30) as c:
        yield c


def config_from(env: dict | None = None, args: list[str] | None = None):
    """The Config `python -m parallel_sim` would build from this environment and these flags."""
    with mock.patch.dict(os.environ, {"PARALLEL_SIM_SPEED": FAST, **(env or {})}):
        return parse_args(args or [])


@pytest.fixture
def sim_factory():
    """Extra in-process simulators with their own settings (environment and CLI flags)."""
    started = []

    def start(env: dict | None = None, args: list[str] | None = None) -> InProcessSimulator:
        sim = InProcessSimulator(config_from(env, args))
        started.append(sim)
        return sim

    yield start
    for s in started:
        s.close()
