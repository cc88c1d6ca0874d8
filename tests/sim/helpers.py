"""Helpers shared by the simulator tests."""

from __future__ import annotations

import time

KEY = "sim-dev-key"
FAST = "100"  # speed factor: lite ~0.1 s, pro ~1-6 s


def create(client, body: dict, headers: dict | None = None) -> dict:
    r = client.post("/v1/tasks/runs", json=body, headers=headers)
    assert r.status_code == 202, r.text
    return r.json()


def wait_until(predicate, deadline_s: float = 30.0, what: str = "condition"):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"{what} not reached in {deadline_s}s")
