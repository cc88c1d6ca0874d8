"""One call from a terminal: POST /tasks-sse/run and GET /tasks-sse/runs/{id}/stream.

Real HTTP through the local runtime (the Worker in Pyodide) to the simulator. The simulator's own
event stream, read directly, is the ground truth the Worker's single stream is compared with.
"""

from __future__ import annotations

import itertools
import json

import httpx
import pytest

from sse import SSEParser
from tests.conftest import SIM_KEY

TIMEOUT = httpx.Timeout(60.0, connect=5.0)
MESSAGE = "task_run.progress_msg"


def read_sse(response: httpx.Response, stop_after: int | None = None) -> list:
    """Events of an SSE response as they arrive; with `stop_after`, hang up after that many."""
    events = []
    parser = SSEParser(events.append)
    for text in response.iter_text():
        parser.feed(text)
        if stop_after is not None and len(events) >= stop_after:
            return events[:stop_after]
    parser.end()
    return events


def run_body(
    processor: str = "base", text: str = "What is the capital of France?", **extra
) -> dict:
    return {"input": text, "processor": processor, **extra}


def post_sse(worker, body: dict, headers: dict | None = None) -> tuple[httpx.Response, list]:
    with (
        httpx.Client(timeout=TIMEOUT) as client,
        client.stream(
            "POST",
            f"{worker.url}/tasks-sse/run",
            json=body,
            headers={"x-api-key": SIM_KEY, "accept": "text/event-stream", **(headers or {})},
        ) as resp,
    ):
        if resp.status_code != 200:
            resp.read()
            return resp, []
        return resp, read_sse(resp)


def stream_run(worker, run_id: str, last_event_id: str | None = None, key: str = SIM_KEY):
    headers = {"x-api-key": key, "accept": "text/event-stream"}
    if last_event_id is not None:
        headers["last-event-id"] = last_event_id
    with (
        httpx.Client(timeout=TIMEOUT) as client,
        client.stream(
            "GET", f"{worker.url}/tasks-sse/runs/{run_id}/stream", headers=headers
        ) as resp,
    ):
        if resp.status_code != 200:
            resp.read()
            return resp, []
        return resp, read_sse(resp)


def upstream_truth(sim, run_id: str) -> tuple[list, dict]:
    """The finished run's full replay and its result, straight from the simulator."""
    headers = {"x-api-key": SIM_KEY}
    with httpx.Client(timeout=TIMEOUT) as client:
        with client.stream(
            "GET",
            f"{sim.url}/v1beta/tasks/runs/{run_id}/events",
            headers={**headers, "accept": "text/event-stream"},
        ) as resp:
            assert resp.status_code == 200
            replay = read_sse(resp)
        result = client.get(f"{sim.url}/v1/tasks/runs/{run_id}/result", headers=headers)
        assert result.status_code == 200
    return replay, result.json()


def messages(events) -> list:
    return [json.loads(e.data) for e in events if e.type.startswith(MESSAGE)]


def counter(event) -> int:
    return int(event.last_event_id.split(".")[0])


def assert_one_clean_stream(events, sim):
    """`run` first, `done` last, ids counting up, every upstream message exactly once."""
    types = [e.type for e in events]
    assert types[0] == "run", types
    assert types[-1] == "done", types
    assert "error" not in types and types.count("done") == 1
    assert [counter(e) for e in events] == list(range(1, len(events) + 1))
    assert len({(e.type, e.data) for e in events}) == len(events), "an event came twice"

    run_id = json.loads(events[0].data)["run_id"]
    replay, result = upstream_truth(sim, run_id)
    assert messages(events) == messages(replay)
    stats = [e for e in events if e.type == "task_run.progress_stats"]
    replay_stats = [e for e in replay if e.type == "task_run.progress_stats"]
    if replay_stats:
        assert json.loads(stats[-1].data) == json.loads(replay_stats[-1].data)
    statuses = [json.loads(e.data)["run"]["status"] for e in events if e.type == "task_run.state"]
    assert statuses[-1] == "completed"
    assert all(a != b for a, b in itertools.pairwise(statuses))
    done = json.loads(events[-1].data)
    assert done == result
    assert done["run"]["status"] == "completed" and done["output"]["content"]
    return run_id, replay


# --- REST mode --------------------------------------------------------------------------------


def test_rest_mode_returns_the_result(worker, sim):
    r = httpx.post(
        f"{worker.url}/tasks-sse/run",
        json=run_body("lite"),
        headers={"x-api-key": SIM_KEY, "origin": "https://app.example"},
        timeout=TIMEOUT,
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers["access-control-allow-origin"] == "*"
    body = r.json()
    assert body["run"]["status"] == "completed"
    assert body["output"]["content"]
    _, result = upstream_truth(sim, body["run"]["run_id"])
    assert body == result


def test_rest_mode_retries_the_result_endpoints_408(worker, sim):
    # The simulator answers 408 to the first two requests addressed to this run.
    body = run_body("lite", "retry please", metadata={"sim_fault": "fail-first=2:408"})
    r = httpx.post(
        f"{worker.url}/tasks-sse/run", json=body, headers={"x-api-key": SIM_KEY}, timeout=TIMEOUT
    )
    assert r.status_code == 200, r.text
    assert r.json()["run"]["status"] == "completed"


@pytest.mark.parametrize("sse", [False, True], ids=["rest", "sse"])
def test_bad_key_gives_401_in_both_modes(worker, sse):
    headers = {"x-api-key": "not-a-key"}
    if sse:
        headers["accept"] = "text/event-stream"
    r = httpx.post(
        f"{worker.url}/tasks-sse/run", json=run_body("lite"), headers=headers, timeout=TIMEOUT
    )
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.json()["type"] == "error" and r.json()["error"]["message"]


@pytest.mark.parametrize("sse", [False, True], ids=["rest", "sse"])
def test_invalid_input_gives_422_in_both_modes(worker, sse):
    headers = {"x-api-key": SIM_KEY}
    if sse:
        headers["accept"] = "text/event-stream"
    r = httpx.post(
        f"{worker.url}/tasks-sse/run",
        json={"input": "no processor"},
        headers=headers,
        timeout=TIMEOUT,
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.json()["type"] == "error"


@pytest.mark.parametrize("payload", [b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_body_that_is_not_a_json_object_gives_400(worker, payload):
    r = httpx.post(
        f"{worker.url}/tasks-sse/run",
        content=payload,
        headers={"x-api-key": SIM_KEY, "content-type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["error"]["ref_id"]


def test_body_over_one_mib_gives_413(worker):
    r = httpx.post(
        f"{worker.url}/tasks-sse/run",
        content=b"x" * (1024 * 1024 + 1),
        headers={"x-api-key": SIM_KEY},
    )
    assert r.status_code == 413
    assert r.headers["access-control-allow-origin"] == "*"


def test_preflight_and_wrong_method(worker):
    r = httpx.options(
        f"{worker.url}/tasks-sse/run",
        headers={
            "origin": "https://app.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "x-api-key, content-type",
        },
    )
    assert r.status_code == 204
    assert r.headers["access-control-allow-headers"] == "x-api-key, content-type"
    r = httpx.get(f"{worker.url}/tasks-sse/run")
    assert r.status_code == 405
    assert r.json()["type"] == "error"


# --- SSE mode ---------------------------------------------------------------------------------


def test_sse_mode_streams_one_clean_stream(worker, sim):
    resp, events = post_sse(worker, run_body("base"))
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/event-stream")
    assert resp.headers["cache-control"] == "no-cache, no-transform"
    assert resp.headers["access-control-allow-origin"] == "*"
    assert_one_clean_stream(events, sim)


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        # Every upstream stream of the run closes after 0.3 s, as the real API does after 570 s.
        (run_body("base", "closing streams", metadata={"sim_fault": "max-stream-seconds=0.3"}), {}),
        # The run's first upstream stream is cut after 3 events.
        (run_body("base", "dropped stream"), {"x-sim-fault": "drop-after=3"}),
    ],
    ids=["max-stream-seconds", "drop-after"],
)
def test_sse_mode_survives_upstream_closing_the_stream(worker, sim, body, headers):
    resp, events = post_sse(worker, body, headers)
    assert resp.status_code == 200
    _, replay = assert_one_clean_stream(events, sim)
    # More than one upstream connection was needed to see all of this.
    assert len(replay) > 3


def test_stream_of_an_existing_run_and_exact_resume_after_it_finished(worker, sim):
    resp, full = post_sse(worker, run_body("base", "resume me"))
    assert resp.status_code == 200
    run_id, _ = assert_one_clean_stream(full, sim)

    # The same stream for the existing run, from the start.
    resp, again = stream_run(worker, run_id)
    assert resp.status_code == 200
    assert_one_clean_stream(again, sim)

    done_at = len(full) - 1
    for cut in sorted({0, 1, len(full) // 2, done_at - 1}):
        seen = full[: cut + 1]
        resp, rest = stream_run(worker, run_id, last_event_id=seen[-1].last_event_id)
        assert resp.status_code == 200
        combined = seen + rest
        assert [counter(e) for e in rest] == list(range(cut + 2, cut + 2 + len(rest)))
        assert messages(combined) == messages(full), f"resume after event {cut}"
        assert len({(e.type, e.data) for e in combined}) == len(combined)
        assert rest[-1].type == "done" and rest[-1].data == full[-1].data

    # After `done` there is nothing left: 204 also stops an EventSource from reconnecting.
    resp, rest = stream_run(worker, run_id, last_event_id=full[-1].last_event_id)
    assert resp.status_code == 204


def test_resume_while_the_run_is_live(worker, sim):
    with (
        httpx.Client(timeout=TIMEOUT) as client,
        client.stream(
            "POST",
            f"{worker.url}/tasks-sse/run",
            json=run_body("core", "cut me off", metadata={"sim_fault": "max-stream-seconds=1"}),
            headers={"x-api-key": SIM_KEY, "accept": "text/event-stream"},
        ) as resp,
    ):
        assert resp.status_code == 200
        first = read_sse(resp, stop_after=4)  # then hang up mid-run
    assert first[0].type == "run"
    run_id = json.loads(first[0].data)["run_id"]
    resp, rest = stream_run(worker, run_id, last_event_id=first[-1].last_event_id)
    assert resp.status_code == 200
    combined = first + rest
    assert rest[0].type != "run"
    assert counter(rest[0]) == counter(first[-1]) + 1
    replay, result = upstream_truth(sim, run_id)
    assert messages(combined) == messages(replay)
    assert len({(e.type, e.data) for e in combined}) == len(combined)
    assert combined[-1].type == "done"
    assert json.loads(combined[-1].data) == result


def test_stream_errors_keep_their_status(worker, sim):
    resp, _ = post_sse(worker, run_body("lite", "for errors"))
    assert resp.status_code == 200
    r = httpx.post(
        f"{sim.url}/v1/tasks/runs", json=run_body("lite"), headers={"x-api-key": SIM_KEY}
    )
    run_id = r.json()["run_id"]

    resp, _ = stream_run(worker, run_id, key="not-a-key")
    assert resp.status_code == 401
    assert resp.json()["type"] == "error"
    assert resp.headers["access-control-allow-origin"] == "*"

    resp, _ = stream_run(worker, "trun_" + "0" * 32)
    assert resp.status_code == 404
    assert resp.json()["type"] == "error"

    resp, _ = stream_run(worker, run_id, last_event_id="not-ours")
    assert resp.status_code == 400
    assert resp.json()["error"]["message"]

    r = httpx.get(f"{worker.url}/tasks-sse/runs/bad%20id/stream", headers={"x-api-key": SIM_KEY})
    assert r.status_code == 400


def test_failed_run_ends_with_an_error_event(worker, sim):
    resp, events = post_sse(worker, run_body("lite", "this one breaks [sim:fail]"))
    assert resp.status_code == 200
    types = [e.type for e in events]
    assert types[0] == "run" and types[-1] == "error"
    assert "done" not in types
    error = json.loads(events[-1].data)
    assert error["type"] == "error" and error["error"]["message"]
    assert error["run"]["status"] == "failed"
    assert events[-1].last_event_id.endswith(".end")

    # REST mode answers the result endpoint's error with its status.
    r = httpx.post(
        f"{worker.url}/tasks-sse/run",
        json=run_body("lite", "again [sim:fail]"),
        headers={"x-api-key": SIM_KEY},
        timeout=TIMEOUT,
    )
    assert r.status_code >= 400
    assert r.json()["type"] == "error"
