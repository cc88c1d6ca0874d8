"""GET /tasks-sse/key-check over real HTTP: the Worker's side-effect-free verdict on an API key."""

from __future__ import annotations

import httpx

from tests.conftest import SIM_KEY


def check(worker, headers: dict) -> httpx.Response:
    return httpx.get(f"{worker.url}/tasks-sse/key-check", headers=headers, timeout=15)


def test_an_accepted_key_is_valid_and_nothing_is_created(worker, sim):
    r = check(worker, {"x-api-key": SIM_KEY})
    assert r.status_code == 200
    assert r.json() == {"valid": True}
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["access-control-allow-origin"] == "*"
    assert "sandbox" in r.headers["content-security-policy"]


def test_a_refused_key_is_a_200_with_the_verdict(worker):
    r = check(worker, {"x-api-key": "not-a-key"})
    assert r.status_code == 200  # a 4xx would show as a failed request in the browser console
    body = r.json()
    assert body["valid"] is False and body["status"] == 401
    assert isinstance(body["message"], str)


def test_no_key_is_a_400_and_other_methods_a_405(worker):
    r = check(worker, {})
    assert r.status_code == 400 and r.json()["type"] == "error"
    r = httpx.post(f"{worker.url}/tasks-sse/key-check", headers={"x-api-key": SIM_KEY})
    assert r.status_code == 405
    assert "GET" in r.headers["allow"]


def test_an_unreachable_api_is_a_502(log_dir):
    from tests.support.servers import free_port, start_worker

    server = start_worker(log_dir, upstream=f"http://127.0.0.1:{free_port()}")
    try:
        r = check(server, {"x-api-key": SIM_KEY})
        assert r.status_code == 502 and r.json()["type"] == "error"
    finally:
        server.stop()
