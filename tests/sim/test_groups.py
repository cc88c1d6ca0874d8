"""Task groups over HTTP: create, get, add runs, events (cursors, resume), runs stream."""

from __future__ import annotations

import re
import threading

import pytest

from tests.sim.sse_reader import read_stream


@pytest.fixture(params=["/v1beta", "/v1"])
def prefix(request):
    return request.param


def new_group(client, prefix, metadata=None) -> dict:
    r = client.post(f"{prefix}/tasks/groups", json={"metadata": metadata} if metadata else {})
    assert r.status_code == 200, r.text
    return r.json()


def add(client, prefix, gid, inputs, **extra) -> dict:
    r = client.post(f"{prefix}/tasks/groups/{gid}/runs", json={"inputs": inputs, **extra})
    assert r.status_code == 200, r.text
    return r.json()


def test_create_and_get(client, prefix):
    group = new_group(client, prefix, {"batch": "b1"})
    assert re.fullmatch(r"tgrp_[0-9a-f]{48}", group["taskgroup_id"])
    assert group["metadata"] == {"batch": "b1"}
    assert group["status"]["num_task_runs"] == 0 and group["status"]["is_active"] is False
    got = client.get(f"{prefix}/tasks/groups/{group['taskgroup_id']}").json()
    assert got["taskgroup_id"] == group["taskgroup_id"] and got["created_at"]


def test_add_runs_with_default_task_spec(client, prefix):
    gid = new_group(client, prefix)["taskgroup_id"]
    schema = {
        "type": "object",
        "properties": {"ceo": {"type": "string"}},
        "required": ["ceo"],
        "additionalProperties": False,
    }
    added = add(
        client,
        prefix,
        gid,
        [
            {"input": "Acme", "processor": "lite"},
            {"input": "Globex", "processor": "lite", "task_spec": {"output_schema": "Their CEO"}},
        ],
        default_task_spec={"output_schema": {"type": "json", "json_schema": schema}},
    )
    assert added["run_cursor"] is None and added["event_cursor"] is None  # first runs
    assert len(added["run_ids"]) == 2
    assert added["status"]["num_task_runs"] == 2
    first, second = added["run_ids"]
    r1 = client.get(f"/v1/tasks/runs/{first}/result").json()
    r2 = client.get(f"/v1/tasks/runs/{second}/result").json()
    assert r1["output"]["type"] == "json" and set(r1["output"]["content"]) == {"ceo"}
    assert r2["output"]["type"] == "text"  # a per-run task_spec overrides the default
    assert r1["run"]["taskgroup_id"] == gid
    in_group = client.get(f"{prefix}/tasks/groups/{gid}/runs/{first}")
    assert in_group.status_code == 200 and in_group.json()["run_id"] == first
    later = add(client, prefix, gid, [{"input": "Initech", "processor": "lite"}])
    assert later["run_cursor"] == "1" and later["event_cursor"]


def test_group_events_stream_and_resume(client, prefix):
    gid = new_group(client, prefix)["taskgroup_id"]
    ids = add(
        client,
        prefix,
        gid,
        [{"input": f"Company {i}", "processor": "lite"} for i in range(3)]
        + [{"input": "[sim:fail] broken", "processor": "lite"}],
    )["run_ids"]
    status, events, raw = read_stream(client, f"{prefix}/tasks/groups/{gid}/events")
    assert status == 200, raw
    types = [e.type for e in events]
    assert types[0] == "task_group_status"
    states = [e.json for e in events if e.type == "task_run.state"]
    assert sorted(s["run"]["run_id"] for s in states) == sorted(ids)
    assert all(s["run"]["status"] in ("completed", "failed") for s in states)
    assert sum(s["run"]["status"] == "failed" for s in states) == 1
    cursors = [e.json["event_id"] for e in events]
    assert all(cursors) and len(set(cursors)) == len(cursors)
    final = events[-1].json
    assert final["type"] == "task_group_status" and final["status"]["is_active"] is False
    assert final["status"]["task_run_status_counts"] == {"completed": 3, "failed": 1}
    # Resume after the third event: exactly the rest, same cursors.
    status, rest, _ = read_stream(
        client, f"{prefix}/tasks/groups/{gid}/events?last_event_id={cursors[2]}"
    )
    assert [e.json["event_id"] for e in rest] == cursors[3:]
    got = client.get(f"{prefix}/tasks/groups/{gid}").json()["status"]
    assert got["num_task_runs"] == 4 and got["is_active"] is False


def test_group_events_bad_cursor_is_422(client, prefix):
    gid = new_group(client, prefix)["taskgroup_id"]
    r = client.get(f"{prefix}/tasks/groups/{gid}/events", params={"last_event_id": "nope"})
    assert r.status_code == 422 and r.json()["error"]["detail"]["field"] == "last_event_id"


def test_runs_stream_filters_and_includes(client, prefix):
    gid = new_group(client, prefix)["taskgroup_id"]
    ids = add(
        client,
        prefix,
        gid,
        [
            {"input": "ok one", "processor": "lite"},
            {"input": "[sim:fail]", "processor": "lite"},
            {"input": "ok two", "processor": "lite"},
        ],
    )["run_ids"]
    for rid in ids:
        client.get(f"/v1/tasks/runs/{rid}/result")
    url = f"{prefix}/tasks/groups/{gid}/runs"
    _, events, _ = read_stream(client, url)
    assert [e.json["run"]["run_id"] for e in events] == ids
    assert all(e.json["input"] is None and e.json["output"] is None for e in events)
    _, done, _ = read_stream(
        client, url + "?status=completed&include_input=true&include_output=true"
    )
    assert [e.json["run"]["run_id"] for e in done] == [ids[0], ids[2]]
    assert done[0].json["input"]["input"] == "ok one"
    assert done[0].json["output"]["type"] == "text"
    _, after, _ = read_stream(client, url + f"?last_event_id={events[0].json['event_id']}")
    assert [e.json["run"]["run_id"] for e in after] == ids[1:]
    bad = client.get(url, params={"status": "sleeping"})
    assert bad.status_code == 422


def test_group_errors(client, prefix):
    missing = f"{prefix}/tasks/groups/tgrp_{'0' * 48}"
    for method, path in [
        ("GET", ""),
        ("GET", "/events"),
        ("GET", "/runs"),
        ("POST", "/runs"),
        ("GET", "/runs/trun_x"),
    ]:
        r = client.request(
            method, missing + path, json={"inputs": [{"input": "x", "processor": "lite"}]}
        )
        assert r.status_code == 404 and r.json()["error"]["message"] == "TaskGroup not found"
    gid = new_group(client, prefix)["taskgroup_id"]
    url = f"{prefix}/tasks/groups/{gid}/runs"
    too_many = client.post(url, json={"inputs": [{"input": "x", "processor": "lite"}] * 1001})
    assert too_many.status_code == 422
    assert too_many.json()["error"]["detail"]["field"] == "inputs"
    bad = client.post(
        url,
        json={"inputs": [{"input": "x", "processor": "lite"}, {"input": "y", "processor": "nope"}]},
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["detail"]["field"] == "inputs.1.processor"
    bad_spec = client.post(
        url,
        json={
            "inputs": [{"input": "x", "processor": "lite"}],
            "default_task_spec": {"output_schema": {"type": "json"}},
        },
    )
    assert (
        bad_spec.json()["error"]["detail"]["field"] == "default_task_spec.output_schema.json_schema"
    )
    empty = client.post(url, json={"inputs": []})
    assert empty.status_code == 422
    other = client.post("/v1/tasks/runs", json={"input": "x", "processor": "lite"}).json()
    assert client.get(f"{url}/{other['run_id']}").status_code == 404


def test_a_thousand_runs_in_one_request(client):
    gid = new_group(client, "/v1beta")["taskgroup_id"]
    r = client.post(
        f"/v1beta/tasks/groups/{gid}/runs?refresh_status=false",
        json={"inputs": [{"input": f"Row {i}", "processor": "lite"} for i in range(1000)]},
    )
    assert r.status_code == 200
    body = r.json()
    assert len(body["run_ids"]) == len(set(body["run_ids"])) == 1000
    status, events, raw = read_stream(client, f"/v1beta/tasks/groups/{gid}/events")
    assert status == 200, raw
    states = [e for e in events if e.type == "task_run.state"]
    assert len(states) == 1000
    assert events[-1].json["status"]["task_run_status_counts"] == {"completed": 1000}


def test_group_events_go_live_and_pick_up_runs_added_later(served_client):
    """On the real clock: a fast-forward clock could finish the slow run (and the stream) in
    virtual time before this thread adds the quick one."""
    client = served_client
    gid = new_group(client, "/v1beta")["taskgroup_id"]
    slow = add(client, "/v1beta", gid, [{"input": "slow one", "processor": "pro"}])["run_ids"]
    got: dict = {}

    def watch():
        got["result"] = read_stream(client, f"/v1beta/tasks/groups/{gid}/events")

    t = threading.Thread(target=watch)
    t.start()
    fast = add(client, "/v1beta", gid, [{"input": "quick one", "processor": "lite"}])["run_ids"]
    t.join(timeout=60)
    status, events, raw = got["result"]
    assert status == 200, raw
    finished = [e.json["run"]["run_id"] for e in events if e.type == "task_run.state"]
    assert finished == fast + slow  # the later, quicker run finished first
    assert events[-1].json["status"]["num_task_runs"] == 2


def test_group_events_timeout_closes_the_stream(client):
    gid = new_group(client, "/v1beta")["taskgroup_id"]
    add(client, "/v1beta", gid, [{"input": "slow one", "processor": "ultra8x"}])
    status, events, _ = read_stream(client, f"/v1beta/tasks/groups/{gid}/events?timeout=0.3")
    assert status == 200
    assert [e.type for e in events] == ["task_group_status"]
    assert events[0].json["status"]["is_active"] is True
