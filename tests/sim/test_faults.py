"""Fault injection: header, query parameter, run metadata and config; each fault's effect."""

from __future__ import annotations

import json
import socket

import pytest

from tests.sim.helpers import KEY, create
from tests.sim.sse_reader import SSEReader, read_stream

STATE = "task_run.state"


def stream(client, run_id, **kw):
    status, events, raw = read_stream(client, f"/v1beta/tasks/runs/{run_id}/events", **kw)
    assert status == 200, raw
    return events


def test_drop_after_from_metadata_cuts_only_the_first_stream(client):
    run = create(
        client,
        {
            "input": "drop me",
            "processor": "pro",
            "enable_events": True,
            "metadata": {"sim_fault": "drop-after=3"},
        },
    )
    first = stream(client, run["run_id"])
    assert len(first) == 3 and first[0].type == STATE
    second = stream(client, run["run_id"])
    assert second[-1].type == STATE and second[-1].json["run"]["status"] == "completed"


def test_drop_after_from_the_header(client):
    run = create(client, {"input": "drop by header", "processor": "core", "enable_events": True})
    cut = stream(client, run["run_id"], headers={"x-sim-fault": "drop-after=2"})
    assert len(cut) == 2
    # The same header on a reconnect does not cut again: only the run's first stream is cut.
    full = stream(client, run["run_id"], headers={"x-sim-fault": "drop-after=2"})
    assert full[-1].json["run"]["status"] == "completed"


def test_drop_after_from_the_query_parameter(client):
    run = create(client, {"input": "drop by query", "processor": "core", "enable_events": True})
    status, events, _ = read_stream(
        client, f"/v1beta/tasks/runs/{run['run_id']}/events?sim_fault=drop-after%3D1"
    )
    assert status == 200 and len(events) == 1


def raw_chunked_get(url: str, path: str, headers: dict) -> list[bytes]:
    """GET over a plain socket; return the HTTP/1.1 chunk payloads exactly as framed."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        s.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{head}"
            "Connection: close\r\n\r\n".encode()
        )
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head_end = data.index(b"\r\n\r\n")
    assert b"transfer-encoding: chunked" in data[:head_end].lower()
    body, chunks = data[head_end + 4 :], []
    while True:
        line_end = body.index(b"\r\n")
        size = int(body[:line_end], 16)
        if size == 0:
            return chunks
        chunks.append(body[line_end + 2 : line_end + 2 + size])
        body = body[line_end + 2 + size + 2 :]


@pytest.mark.parametrize("size", [1, 7, 64])
def test_chunk_bytes_writes_the_stream_in_small_pieces(served_client, served, size):
    client = served_client
    run = create(client, {"input": "chunk me", "processor": "lite"})
    assert client.get(f"/v1/tasks/runs/{run['run_id']}/result").status_code == 200
    chunks = raw_chunked_get(
        served.base_url,
        f"/v1beta/tasks/runs/{run['run_id']}/events",
        {"x-api-key": KEY, "x-sim-fault": f"chunk-bytes={size}"},
    )
    assert chunks and all(len(c) <= size for c in chunks)
    assert max(len(c) for c in chunks) == size
    reader = SSEReader()
    reader.feed(b"".join(chunks).decode())
    assert reader.events[0].type == STATE and reader.events[-1].json["output"]
    # The reassembled stream equals an unchunked one.
    plain = stream(client, run["run_id"])
    assert [e.data for e in plain] == [e.data for e in reader.events]


def test_chunk_bytes_splits_multibyte_characters_safely(served_client, served):
    client = served_client
    run = create(client, {"input": "Café in Zürich — naïve façade", "processor": "lite"})
    chunks = raw_chunked_get(
        served.base_url,
        f"/v1beta/tasks/runs/{run['run_id']}/events",
        {"x-api-key": KEY, "x-sim-fault": "chunk-bytes=3"},
    )
    text = b"".join(chunks).decode("utf-8")
    assert "Zürich" in text


def test_first_byte_delay(client, fast_sim):
    run = create(client, {"input": "delay me", "processor": "lite"})
    url = f"/v1beta/tasks/runs/{run['run_id']}/events"
    # The simulator's clock fast-forwards through the wait: it moved on by the delay at least.
    started = fast_sim.clock.monotonic()
    with client.stream("GET", url, headers={"x-sim-fault": "first-byte-delay-ms=300"}) as r:
        assert r.status_code == 200
        elapsed = fast_sim.clock.monotonic() - started
        r.read()
    assert elapsed >= 0.3


@pytest.mark.parametrize("status", [500, 503])
def test_fail_first_from_the_header(client, status):
    headers = {"x-sim-fault": f"fail-first=2:{status}"}
    body = {"input": f"fail first {status}", "processor": "lite"}
    codes = [
        client.post("/v1/tasks/runs", json=body, headers=headers).status_code for _ in range(3)
    ]
    assert codes == [status, status, 202]
    r = client.post("/v1/tasks/runs", json=body, headers={"x-sim-fault": f"fail-first=1:{status}"})
    assert r.status_code == status
    assert r.json()["type"] == "error" and r.json()["error"]["ref_id"]


def test_fail_first_from_the_query_parameter(client):
    run = create(client, {"input": "fail by query", "processor": "lite"})
    url = f"/v1/tasks/runs/{run['run_id']}?sim_fault=fail-first%3D1%3A503"
    assert [client.get(url).status_code for _ in range(2)] == [503, 200]


def test_fail_first_from_run_metadata_counts_the_runs_requests(client):
    run = create(
        client,
        {
            "input": "fail by metadata",
            "processor": "lite",
            "metadata": {"sim_fault": "fail-first=2:503"},
        },
    )
    rid = run["run_id"]
    codes = [
        client.get(f"/v1/tasks/runs/{rid}").status_code,
        client.get(f"/v1beta/tasks/runs/{rid}/events").status_code,
    ]
    assert codes == [503, 503]
    events = stream(client, rid)
    assert events[-1].json["run"]["status"] == "completed"


def test_metadata_faults_combine(client):
    run = create(
        client,
        {
            "input": "combined",
            "processor": "core",
            "enable_events": True,
            "metadata": {"sim_fault": "drop-after=2; chunk-bytes=5"},
        },
    )
    assert len(stream(client, run["run_id"])) == 2


@pytest.mark.parametrize(
    "bad",
    [
        "explode=1",
        "drop-after=-1",
        "chunk-bytes=0",
        "fail-first=x:503",
        "fail-first=1:200",
        "drop-after",
    ],
)
def test_bad_fault_syntax_is_a_clear_error(client, bad):
    r = client.get("/v1/tasks/runs/trun_x", headers={"x-sim-fault": bad})
    assert r.status_code == 400 and "x-sim-fault" in r.json()["error"]["message"]
    bad_meta = client.post(
        "/v1/tasks/runs", json={"input": "x", "processor": "lite", "metadata": {"sim_fault": bad}}
    )
    assert bad_meta.status_code == 422
    assert bad_meta.json()["error"]["detail"]["field"] == "metadata.sim_fault"


def test_config_level_fault_applies_to_every_request(sim_factory):
    sim = sim_factory(env={"PARALLEL_SIM_FAULT": "chunk-bytes=4;drop-after=2"})
    with sim.client() as c:
        run = create(c, {"input": "config faults", "processor": "core", "enable_events": True})
        assert len(stream(c, run["run_id"])) == 2


def test_failure_rate_one_fails_every_run(sim_factory):
    sim = sim_factory(args=["--failure-rate", "1"])
    with sim.client() as c:
        for text in ("a", "b"):
            run = create(c, {"input": text, "processor": "lite"})
            r = c.get(f"/v1/tasks/runs/{run['run_id']}/result")
            assert r.status_code == 404
            assert c.get(f"/v1/tasks/runs/{run['run_id']}").json()["status"] == "failed"


def test_rate_limit_gives_429(sim_factory):
    sim = sim_factory(env={"PARALLEL_SIM_RATE_LIMIT": "3"})
    with sim.client() as c:
        codes = [
            c.post("/v1/tasks/runs", json={"input": "x", "processor": "lite"}).status_code
            for _ in range(4)
        ]
        assert codes == [202, 202, 202, 429]
        r = c.post("/v1/tasks/runs", json={"input": "x", "processor": "lite"})
        assert r.json()["error"]["message"] == "Too many requests: quota temporarily exceeded"
        assert 1 <= int(r.headers["retry-after"]) <= 60  # when the window has room again
        run_id = c.get("/v1/tasks/runs/trun_x")  # GETs are not counted
        assert run_id.status_code == 404
        sim.clock.advance(int(r.headers["retry-after"]))
        assert c.post("/v1/tasks/runs", json={"input": "x", "processor": "lite"}).status_code == 202


def test_credits_run_out_with_402_priced_per_processor(sim_factory):
    sim = sim_factory(args=["--credits", "0.012"])
    with sim.client() as c:

        def post(processor):
            return c.post("/v1/tasks/runs", json={"input": "x", "processor": processor})

        assert post("pro").status_code == 402  # $0.100 > $0.012
        assert post("lite").status_code == 202  # $0.005
        assert post("lite-fast").status_code == 202  # same price as lite
        r = post("lite")
        assert r.status_code == 402
        assert r.json()["error"]["message"] == "Payment required: insufficient credit in account"


def test_fault_error_bodies_are_json(client):
    r = client.get("/v1/tasks/runs/trun_x", headers={"x-sim-fault": "fail-first=1:429"})
    assert r.status_code == 429 and r.headers.get("retry-after")
    assert json.loads(r.text)["error"]["message"].startswith("Too many requests")
