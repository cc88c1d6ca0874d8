"""Hostile input: every answer is a 4xx in the API's error shape, never a 500 or text/plain, and
nothing is buffered without bound."""

from __future__ import annotations

import json

import pytest

from parallel_sim import limits
from tests.sim.helpers import create

RUN = {"input": "x", "processor": "lite"}


def assert_api_error(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["type"] == "error" and isinstance(body["error"]["ref_id"], str)
    assert isinstance(body["error"]["message"], str)
    return body["error"]


def post_raw(client, path: str, text: str, **kw):
    return client.post(
        path, content=text.encode(), headers={"content-type": "application/json"}, **kw
    )


@pytest.fixture
def group_id(client) -> str:
    return client.post("/v1/tasks/groups", json={}).json()["taskgroup_id"]


LONE_SURROGATE_BODIES = [
    '{"input": "\\ud800", "processor": "lite"}',
    '{"input": {"\\udfff": "key"}, "processor": "lite"}',
    '{"input": "x", "processor": "lite", "metadata": {"k": "\\ud800"}}',
    '{"input": "x", "processor": "\\ud800"}',
    '{"input": "x", "processor": "lite", "task_spec": {"output_schema": "\\udbff"}}',
]


@pytest.mark.parametrize("text", LONE_SURROGATE_BODIES)
def test_a_lone_surrogate_anywhere_is_a_422(client, text):
    err = assert_api_error(post_raw(client, "/v1/tasks/runs", text), 422)
    assert "surrogate" in err["detail"]["errors"][0]["msg"]


def test_a_lone_surrogate_in_groups_and_oauth(client, group_id):
    assert_api_error(post_raw(client, "/v1/tasks/groups", '{"metadata": {"a": "\\ud800"}}'), 422)
    text = '{"inputs": [{"input": "\\ud800", "processor": "lite"}]}'
    assert_api_error(post_raw(client, f"/v1/tasks/groups/{group_id}/runs", text), 422)
    r = post_raw(
        client,
        "/getKeys/register",
        '{"redirect_uris": ["http://localhost/cb"], "client_name": "\\ud800"}',
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_client_metadata"


@pytest.mark.parametrize("depth", [limits.MAX_JSON_DEPTH + 1, 1_000, 5_000, 100_000])
def test_deeply_nested_json_is_a_422(client, group_id, depth):
    nested = "[" * depth + "]" * depth
    body = '{"input": {"deep": ' + nested + '}, "processor": "lite"}'
    err = assert_api_error(post_raw(client, "/v1/tasks/runs", body), 422)
    assert "nested" in err["detail"]["errors"][0]["msg"]
    assert_api_error(post_raw(client, "/v1/tasks/groups", '{"metadata": ' + nested + "}"), 422)
    inputs = '{"inputs": [' + nested + "]}"
    assert_api_error(post_raw(client, f"/v1/tasks/groups/{group_id}/runs", inputs), 422)


def test_nesting_up_to_the_limit_is_fine(client):
    depth = limits.MAX_JSON_DEPTH - 2  # the body object and `input` are two levels
    value = json.loads("[" * depth + "]" * depth)
    create(client, {"input": {"deep": value}, "processor": "lite"})


@pytest.mark.parametrize("value", ["%C2%B2", "%D9%A1", "1%C2%B2", "-1", "1.5", "+3", "%20"])
def test_non_ascii_digits_in_cursors_and_timeouts_are_422(client, group_id, value):
    run = create(client, RUN)
    for path in (
        f"/v1/tasks/groups/{group_id}/events?last_event_id={value}",
        f"/v1/tasks/groups/{group_id}/events?last_event_id=1-2-{value}",
        f"/v1/tasks/groups/{group_id}/runs?last_event_id={value}",
        f"/v1/tasks/runs/{run['run_id']}/result?timeout={value}",
    ):
        r = client.get(path)
        assert_api_error(r, 422)


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "0", "1e400"])
def test_group_stream_timeouts_must_be_finite_and_positive(client, group_id, value):
    assert_api_error(client.get(f"/v1/tasks/groups/{group_id}/events?timeout={value}"), 422)


@pytest.mark.parametrize("value", ["1e400", "inf", "nan", "-1", "600001"])
def test_a_first_byte_delay_that_is_no_real_wait_is_refused(client, value):
    r = client.post(
        "/v1/tasks/runs", json=RUN, headers={"x-sim-fault": f"first-byte-delay-ms={value}"}
    )
    assert_api_error(r, 400)
    meta = {**RUN, "metadata": {"sim_fault": f"first-byte-delay-ms={value}"}}
    assert assert_api_error(client.post("/v1/tasks/runs", json=meta), 422)["detail"]["field"] == (
        "metadata.sim_fault"
    )


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(client):
    pulled = 0
    piece = b" " * 2**20

    def body():
        nonlocal pulled
        for _ in range(300):  # 300 MiB if anybody read it all
            pulled += 1
            yield piece

    r = client.post("/v1/tasks/runs", content=body(), headers={"content-type": "application/json"})
    assert_api_error(r, 413)
    assert pulled <= limits.MAX_BODY_BYTES // len(piece) + 2


def test_a_declared_oversized_body_is_refused_before_reading(client):
    r = client.post(
        "/v1/tasks/groups",
        content=b"{}",
        headers={"content-type": "application/json", "content-length": str(2**40)},
    )
    assert_api_error(r, 413)


def test_register_has_a_size_limit(client):
    uris = ["http://localhost/" + "a" * 1000 for _ in range(100)]
    r = client.post("/getKeys/register", json={"redirect_uris": uris})
    assert_api_error(r, 413)
    many = {"redirect_uris": [f"http://localhost/{i}" for i in range(limits.MAX_REDIRECT_URIS + 1)]}
    assert client.post("/getKeys/register", json=many).status_code == 400


def test_client_registrations_are_bounded(client, fast_sim, monkeypatch):
    monkeypatch.setattr(limits, "MAX_OAUTH_CLIENTS", 3)
    ids = [
        client.post("/getKeys/register", json={"redirect_uris": ["http://localhost/cb"]}).json()[
            "client_id"
        ]
        for _ in range(5)
    ]
    kept = fast_sim.sim.oauth.clients
    assert len(kept) <= 3 and ids[-1] in kept and ids[0] not in kept
