"""SSE streams of task runs: framing, order, replay on reconnect, max duration, event volume."""

from __future__ import annotations

import json

import pytest

from tests.sim.helpers import KEY, create
from tests.sim.sse_reader import read_stream

STATE, STATS, MSG = "task_run.state", "task_run.progress_stats", "task_run.progress_msg."


def events_of(client, run_id: str, path: str = "/v1beta/tasks/runs/{}/events", **kw):
    status, events, raw = read_stream(client, path.format(run_id), **kw)
    assert status == 200, raw
    return events, raw


def messages(events):
    return [e.json for e in events if e.type.startswith(MSG)]


@pytest.mark.parametrize("path", ["/v1beta/tasks/runs/{}/events", "/v1/tasks/runs/{}/events"])
def test_a_pro_stream_from_start_to_output(client, path):
    run = create(client, {"input": "Research the EV battery market", "processor": "pro"})
    events, raw = events_of(client, run["run_id"], path)
    # Framing: `event: <type>` then one `data:` line of JSON whose type matches, blank line.
    blocks = [b for b in raw.split("\n\n") if b]
    assert len(blocks) == len(events)
    for block, ev in zip(blocks, events, strict=True):
        lines = block.split("\n")
        assert lines[0] == f"event: {ev.type}" and lines[1].startswith("data: {")
        assert len(lines) == 2
        assert json.loads(lines[1][6:])["type"] == ev.type
    assert events[0].type == STATE and events[0].json["run"]["status"] in ("queued", "running")
    assert events[0].json["event_id"] is None and events[0].json["output"] is None
    final = events[-1].json
    assert events[-1].type == STATE and final["run"]["status"] == "completed"
    assert final["run"]["is_active"] is False and final["output"] is not None
    assert sum(e.type == STATE for e in events) == 2
    msgs = messages(events)
    kinds = {m["type"].removeprefix(MSG) for m in msgs}
    assert {"exec_status", "plan"} <= kinds
    assert kinds & {"search", "result", "tool", "tool_call"}
    assert msgs[0] == {
        "type": MSG + "exec_status",
        "message": "Starting research",
        "timestamp": msgs[0]["timestamp"],
    }
    stamps = [m["timestamp"] for m in msgs]
    assert stamps == sorted(stamps) and all(s.endswith("Z") for s in stamps)
    meters = [e.json["progress_meter"] for e in events if e.type == STATS]
    assert meters == sorted(meters) and meters[-1] == 100
    stats = [e.json for e in events if e.type == STATS][-1]["source_stats"]
    assert stats["num_sources_read"] <= stats["num_sources_considered"]
    assert 0 < len(stats["sources_read_sample"]) <= 8


def test_a_finished_run_replays_the_trace_then_the_latest_stats_then_the_output(client):
    run = create(
        client, {"input": "Replay after completion", "processor": "pro", "enable_events": True}
    )
    live, _ = events_of(client, run["run_id"])
    assert live[-1].json["run"]["status"] == "completed"
    replay, _ = events_of(client, run["run_id"])
    assert replay[0].type == STATE and replay[0].json["run"]["status"] == "completed"
    assert replay[0].json["output"] is None
    # Whole message trace with the original timestamps, one stats event (the latest), output.
    assert messages(replay) == messages(live)
    types = [e.type for e in replay]
    assert types.count(STATS) == 1 and types[-2] == STATS and types[-1] == STATE
    assert replay[-2].json == [e.json for e in live if e.type == STATS][-1]
    assert replay[-1].json["output"] == live[-1].json["output"]


def test_a_reconnect_mid_run_replays_what_came_before(client):
    run = create(
        client,
        {"input": "Reconnect in the middle of ultra", "processor": "ultra", "enable_events": True},
    )
    first, _ = events_of(client, run["run_id"], limit=4)
    seen = messages(first)
    assert seen, "the first connection saw messages"
    second, _ = events_of(client, run["run_id"])
    assert second[0].type == STATE
    again = messages(second)
    assert again[: len(seen)] == seen  # same messages, original timestamps
    assert second[-1].json["run"]["status"] == "completed"
    # Before the first message that is new to this connection, at most one stats event.
    prefix = []
    for e in second[1:]:
        if e.type.startswith(MSG) and e.json not in seen:
            break
        prefix.append(e.type)
    assert prefix.count(STATS) <= 1


def test_enable_events_false_gives_fewer_events(client):
    counts = {}
    for flag in (True, False):
        run = create(
            client, {"input": "Events on or off", "processor": "pro", "enable_events": flag}
        )
        events, _ = events_of(client, run["run_id"])
        assert events[-1].json["run"]["status"] == "completed"
        counts[flag] = (len(events), len(messages(events)))
    assert counts[False][0] < counts[True][0]
    assert counts[False][1] < counts[True][1]


@pytest.mark.parametrize("processor", ["lite", "base"])
def test_lite_and_base_give_few_message_events(client, processor):
    run = create(client, {"input": "Few events", "processor": processor, "enable_events": True})
    events, _ = events_of(client, run["run_id"])
    assert len(messages(events)) <= 3
    assert events[-1].json["output"]["type"] == "text"


def test_failed_run_stream_ends_with_failed_state(client):
    run = create(
        client, {"input": "[sim:fail] this one", "processor": "core", "enable_events": True}
    )
    events, _ = events_of(client, run["run_id"])
    final = events[-1].json
    assert events[-1].type == STATE and final["run"]["status"] == "failed"
    assert final["output"] is None
    assert set(final["run"]["error"]) >= {"ref_id", "message"}


def test_stream_closes_after_the_maximum_duration(sim_factory):
    sim = sim_factory(env={"PARALLEL_SIM_SPEED": "1", "PARALLEL_SIM_MAX_STREAM_SECONDS": "0.5"})
    with sim.client() as c:
        run = create(c, {"input": "A slow pro run", "processor": "pro"})
        for _ in range(2):  # the stream ends cleanly, and reconnecting works again
            events, _ = events_of(c, run["run_id"])
            assert events[0].type == STATE
            assert all(e.json["run"]["is_active"] for e in events if e.type == STATE)


def test_per_run_max_stream_seconds_fault(client):
    run = create(
        client,
        {
            "input": "Long ultra",
            "processor": "ultra",
            "metadata": {"sim_fault": "max-stream-seconds=0.3"},
        },
    )
    events, _ = events_of(client, run["run_id"])
    assert events[0].type == STATE
    assert not any(e.type == STATE and e.json["output"] for e in events)
    # The header overrides the run's setting for one request: this stream runs to the end.
    full, _ = events_of(client, run["run_id"], headers={"x-sim-fault": "max-stream-seconds=60"})
    assert full[-1].json["run"]["status"] == "completed"


def test_stream_needs_no_beta_header_or_accept(fast_sim):
    with fast_sim.client(headers={}) as c:
        run = create(c, {"input": "x", "processor": "lite"}, headers={"x-api-key": KEY})
        with c.stream(
            "GET", f"/v1beta/tasks/runs/{run['run_id']}/events", headers={"x-api-key": KEY}
        ) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            assert "no-cache" in r.headers["cache-control"]
            r.read()
