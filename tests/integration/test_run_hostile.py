"""The one-call endpoints against hostile clients and a misbehaving upstream, over real HTTP.

The Worker runs in front of `HostileApi`, which misbehaves according to the run's input text.
Every answer must be a clean error in the API's shape, the Worker must keep serving, and a client
that leaves must end every upstream request made for it.
"""

from __future__ import annotations

import json

import httpx
import psutil
import pytest

from sse import SSEParser
from tests.support.hostile_api import HostileApi
from tests.support.servers import start_worker, worker_kind

KEY = {"x-api-key": "any-key"}
SSE = {**KEY, "accept": "text/event-stream"}
TIMEOUT = httpx.Timeout(30.0, connect=5.0)


@pytest.fixture(scope="module")
def api():
    server = HostileApi().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def worker(log_dir, api):
    server = start_worker(log_dir, upstream=api.url, env={"RUN_HEARTBEAT_SECONDS": "0.5"})
    yield server
    server.stop()


def still_serving(worker) -> None:
    r = httpx.get(f"{worker.url}/tasks-sse/config.json", timeout=10)
    assert r.status_code == 200


def post_run(worker, text: str, sse: bool = False) -> httpx.Response:
    return httpx.post(
        f"{worker.url}/tasks-sse/run",
        json={"input": text, "processor": "lite"},
        headers=SSE if sse else KEY,
        timeout=TIMEOUT,
    )


def events_of(resp: httpx.Response) -> list:
    events = []
    parser = SSEParser(events.append)
    parser.feed(resp.text)
    parser.end()
    return events


def assert_api_error(resp: httpx.Response, status: int) -> dict:
    assert resp.status_code == status, resp.text[:300]
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert body["type"] == "error" and body["error"]["message"]
    return body


# --- hostile clients -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000,
        b'{"input": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"input": {"a": ' * 50_000 + b"1" + b"}" * 50_000 + b"}",
    ],
    ids=["unclosed-arrays", "deep-input", "deep-objects"],
)
def test_deeply_nested_client_json_is_a_400_and_the_worker_keeps_serving(worker, body):
    r = httpx.post(
        f"{worker.url}/tasks-sse/run",
        content=body,
        headers={"content-type": "application/json"},
        timeout=TIMEOUT,
    )
    assert_api_error(r, 400)
    still_serving(worker)


def test_a_last_event_id_out_of_range_is_refused(worker):
    url = f"{worker.url}/tasks-sse/runs/trun_{'a' * 32}/stream"
    for last_id in ["1000000000001.0.0.0", "\u00b2.0.0.0", "999999999.x"]:
        r = httpx.get(url, params={"last_event_id": last_id}, headers=KEY, timeout=TIMEOUT)
        assert_api_error(r, 400)


def test_a_run_id_with_path_characters_is_refused(worker, api):
    before = len(api.requests)
    for run_id in ["trun_..%2f..%2fv1", "trun_abc;x=1", "trun_ABCDEF0123456789", "run_0123abcd"]:
        r = httpx.get(f"{worker.url}/tasks-sse/runs/{run_id}/stream", headers=KEY, timeout=10)
        assert r.status_code in (400, 404)
    assert len(api.requests) == before


# --- a misbehaving upstream ----------------------------------------------------------------------


@pytest.mark.parametrize("sse", [False, True], ids=["json", "sse"])
def test_deeply_nested_create_answer_is_a_502(worker, sse):
    assert_api_error(post_run(worker, "deep-create", sse), 502)
    still_serving(worker)


def test_gzip_bomb_create_answer_is_a_502_without_reading_it_all(worker, api):
    rss_before = _worker_rss(worker)
    assert_api_error(post_run(worker, "bomb-create"), 502)
    # The Worker answered after reading a little of it (the rest would be 64 GiB decoded).
    assert api.bomb_bytes_sent < 32 * 1024 * 1024
    still_serving(worker)
    if rss_before is not None:
        # The Worker stops at 1 MiB of decoded body: memory must not follow the 64 GiB bomb.
        assert _worker_rss(worker) - rss_before < 200 * 1024 * 1024


def _worker_rss(worker) -> int | None:
    if worker_kind() != "runtime":
        return None  # wrangler runs workerd in other processes
    return psutil.Process(worker.proc.pid).memory_info().rss


@pytest.mark.parametrize("sse", [False, True], ids=["json", "sse"])
def test_a_malformed_run_id_from_upstream_never_reaches_a_url(worker, api, sse):
    assert_api_error(post_run(worker, "bad-id", sse), 502)
    assert not any(".." in p or "/v1/x" in p for p in api.paths())


def test_a_redirect_off_the_origin_is_a_502(worker):
    body = assert_api_error(post_run(worker, "redirect-create"), 502)
    assert "elsewhere" not in json.dumps(body)


def test_deep_event_data_is_relayed_and_the_run_still_finishes(worker):
    r = post_run(worker, "deep-event", sse=True)
    assert r.status_code == 200
    events = events_of(r)
    assert events[0].type == "run" and events[-1].type == "done"
    assert any(e.data == "[" * 100_000 + "]" * 100_000 for e in events)
    still_serving(worker)


def test_an_event_over_the_size_limit_ends_the_stream_with_an_error(worker):
    r = post_run(worker, "huge-event", sse=True)
    assert r.status_code == 200
    events = events_of(r)
    assert events[-1].type == "error"
    assert json.loads(events[-1].data)["error"]["detail"]["max_bytes"] == 1024 * 1024
    assert events[-1].last_event_id.endswith(".end")
    still_serving(worker)


def test_deeply_nested_result(worker):
    # SSE mode parses the result: a clean terminal error event.
    events = events_of(post_run(worker, "deep-result", sse=True))
    assert events[-1].type == "error"
    assert "result" in json.loads(events[-1].data)["error"]["message"]
    # JSON mode streams the result through untouched, never parsing it.
    r = post_run(worker, "deep-result")
    assert r.status_code == 200 and len(r.content) == 200_000
    still_serving(worker)


def test_every_reconnect_to_a_flapping_upstream_waits(worker, api):
    """The upstream sends one new event per connection and closes, forever."""
    wanted = 5
    got = []
    with httpx.stream(
        "POST",
        f"{worker.url}/tasks-sse/run",
        json={"input": "flappy", "processor": "lite"},
        headers=SSE,
        timeout=TIMEOUT,
    ) as r:
        parser = SSEParser(got.append)
        for text in r.iter_text():
            parser.feed(text)
            if sum(e.type.startswith("task_run.progress_msg") for e in got) >= wanted:
                break
    connections = [t for t, _, p in api.requests if p.endswith("/events")]
    assert len(connections) >= wanted
    gaps = [b - a for a, b in zip(connections[-wanted:], connections[-wanted + 1 :], strict=False)]
    # The Worker sleeps at least its base backoff before every reconnect (a lower bound the code
    # enforces, not a performance figure); the per-minute budget is unit-tested.
    assert min(gaps) >= 0.2, gaps


# --- a client that leaves ------------------------------------------------------------------------


def _leave_after_first_event(worker, text: str) -> None:
    with httpx.stream(
        "POST",
        f"{worker.url}/tasks-sse/run",
        json={"input": text, "processor": "lite"},
        headers=SSE,
        timeout=TIMEOUT,
    ) as r:
        assert r.status_code == 200
        for text_chunk in r.iter_text():
            if "event: run" in text_chunk:
                break


def test_client_leaving_an_sse_stream_ends_its_upstream_events_request(worker, api):
    _leave_after_first_event(worker, "hang-events")
    api.wait_for(lambda: "/events" in api.disconnects)
    _assert_logged_client_left(worker)


def test_client_leaving_while_the_result_is_awaited_ends_the_result_request(worker, api):
    api.disconnects.clear()
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(
            f"{worker.url}/tasks-sse/run",
            json={"input": "hang-result", "processor": "lite"},
            headers=KEY,
            timeout=httpx.Timeout(1.5, connect=5.0),
        )
    api.wait_for(lambda: "/result" in api.disconnects)


def test_client_leaving_while_the_run_is_created_ends_the_create_request(worker, api):
    api.disconnects.clear()
    with pytest.raises(httpx.ReadTimeout):
        post_run_with_timeout(worker, "hang-create", 1.0)
    api.wait_for(lambda: "/v1/tasks/runs" in api.disconnects)
    still_serving(worker)


def post_run_with_timeout(worker, text: str, seconds: float) -> httpx.Response:
    return httpx.post(
        f"{worker.url}/tasks-sse/run",
        json={"input": text, "processor": "lite"},
        headers=SSE,
        timeout=httpx.Timeout(seconds, connect=5.0),
    )


def _assert_logged_client_left(worker) -> None:
    import time

    deadline = time.monotonic() + 10
    while "client left" not in worker.log():
        assert time.monotonic() < deadline, worker.log()[-2000:]
        time.sleep(0.05)
