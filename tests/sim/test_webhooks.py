"""Webhook delivery to a receiver the test runs: Standard Webhooks headers, signatures verified
with the documented algorithm, the documented payload, retries with backoff on non-2xx."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.sim.helpers import create, wait_until
from tests.support.servers import free_port

SECRET = "whsec_test-secret-123"


class Receiver:
    """An HTTP server that records POSTs and answers `plan` statuses in order (then 200)."""

    def __init__(self, plan: list[int] | None = None):
        self.requests: list[dict] = []
        self.plan = list(plan or [])
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status = receiver.plan.pop(0) if receiver.plan else 200
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.port}/hook"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def verify(secret: str, headers: dict, body: bytes) -> bool:
    """The documented check: base64(HMAC-SHA256(secret, id.timestamp.body)) among v1 entries."""
    msg = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(secret.encode(), msg, hashlib.sha256).digest()).decode()
    sigs = [s.split(",", 1)[1] for s in headers["webhook-signature"].split() if s.startswith("v1,")]
    return any(hmac.compare_digest(expected, s) for s in sigs)


@pytest.fixture
def hook_sim(sim_factory):
    return sim_factory(
        env={"PARALLEL_SIM_WEBHOOK_SECRET": SECRET, "PARALLEL_SIM_WEBHOOK_RETRY_SECONDS": "2"}
    )  # /100 speed = 20 ms


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def headers_of(req):
    return {k.lower(): v for k, v in req["headers"].items()}


def test_completion_is_posted_and_signed(hook_sim, receiver):
    with hook_sim.client() as c:
        run = create(
            c,
            {
                "input": "notify me",
                "processor": "lite",
                "metadata": {"k": "v"},
                "webhook": {"url": receiver.url, "event_types": ["task_run.status"]},
            },
            headers={"parallel-beta": "webhook-2025-08-12"},
        )
        wait_until(lambda: receiver.requests, what="a webhook delivery")
    req = receiver.requests[0]
    h = headers_of(req)
    assert h["content-type"] == "application/json"
    assert h["webhook-id"].startswith("whevent_") and h["webhook-timestamp"].isdigit()
    assert h["webhook-signature"].startswith("v1,")
    assert verify(SECRET, h, req["body"])
    assert not verify("another-secret", h, req["body"])
    payload = json.loads(req["body"])
    assert set(payload) == {"timestamp", "type", "data"}
    assert payload["type"] == "task_run.status" and payload["timestamp"].endswith("Z")
    data = payload["data"]
    assert data["run_id"] == run["run_id"] and data["status"] == "completed"
    assert data["is_active"] is False and data["metadata"] == {"k": "v"}
    assert "output" not in data and "output" not in payload  # fetch /result for the output


def test_failure_is_posted_too(hook_sim, receiver):
    with hook_sim.client() as c:
        create(
            c, {"input": "[sim:fail] notify", "processor": "lite", "webhook": {"url": receiver.url}}
        )
        wait_until(lambda: receiver.requests, what="a webhook delivery")
    data = json.loads(receiver.requests[0]["body"])["data"]
    assert data["status"] == "failed" and data["error"]["message"]


def test_non_2xx_is_retried_with_the_same_id(hook_sim):
    receiver = Receiver(plan=[500, 503])
    try:
        with hook_sim.client() as c:
            create(
                c,
                {
                    "input": "retry me",
                    "processor": "lite",
                    "webhook": {"url": receiver.url, "event_types": []},
                },
            )
            wait_until(lambda: len(receiver.requests) >= 3, what="three attempts")
        ids = {headers_of(r)["webhook-id"] for r in receiver.requests}
        assert len(ids) == 1
        assert all(verify(SECRET, headers_of(r), r["body"]) for r in receiver.requests)
        assert len({r["body"] for r in receiver.requests}) == 1
    finally:
        receiver.close()


def test_retries_are_bounded(sim_factory):
    sim = sim_factory(
        env={"PARALLEL_SIM_WEBHOOK_MAX_ATTEMPTS": "3", "PARALLEL_SIM_WEBHOOK_RETRY_SECONDS": "1"}
    )  # 10 ms, 20 ms, (40 ms)
    receiver, marker = Receiver(plan=[500] * 10), Receiver()
    try:
        with sim.client() as c:
            create(
                c,
                {"input": "never accepted", "processor": "lite", "webhook": {"url": receiver.url}},
            )
            wait_until(lambda: len(receiver.requests) >= 3, what="three attempts")
            # A run created now completes (>= 100 ms) well after a fourth attempt would have
            # come (40 ms): its delivery is the condition to wait on instead of a sleep.
            create(c, {"input": "marker", "processor": "lite", "webhook": {"url": marker.url}})
            wait_until(lambda: marker.requests, what="the marker delivery")
        assert len(receiver.requests) == 3
    finally:
        receiver.close()
        marker.close()


def test_unreachable_receiver_does_not_break_the_run(hook_sim):
    port = free_port()
    with hook_sim.client() as c:
        run = create(
            c,
            {
                "input": "nobody listens",
                "processor": "lite",
                "webhook": {"url": f"http://127.0.0.1:{port}/hook"},
            },
        )
        assert c.get(f"/v1/tasks/runs/{run['run_id']}/result").status_code == 200
