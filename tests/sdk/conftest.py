"""The official SDKs' targets: the simulator itself, and the Worker in front of it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.conftest import SIM_KEY


@dataclass(frozen=True)
class Target:
    name: str
    base_url: str  # what an SDK's base_url / baseURL is set to
    key: str = SIM_KEY


@pytest.fixture(params=["sim", "worker"])
def target(request) -> Target:
    """Each contract test runs against the simulator directly and through the Worker's proxy."""
    if request.param == "sim":
        return Target("sim", request.getfixturevalue("sim").url)
    worker = request.getfixturevalue("worker")
    return Target("worker", worker.url + "/tasks-sse/api")
