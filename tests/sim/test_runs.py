"""Task runs over real HTTP: create, get, input, result, auth, processors, errors."""

from __future__ import annotations

import re

import httpx
import pytest

from parallel_sim.config import parse_args
from tests.sim.helpers import KEY, create

RUN_KEYS = [
    "run_id",
    "interaction_id",
    "status",
    "is_active",
    "warnings",
    "error",
    "processor",
    "metadata",
    "taskgroup_id",
    "created_at",
    "modified_at",
]
TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
PROCESSORS = ["lite", "base", "core", "core2x", "pro", "ultra", "ultra2x", "ultra4x", "ultra8x"]


def assert_error(r: httpx.Response, status: int, message: str | None = None) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["type"] == "error"
    assert re.fullmatch(r"[0-9a-f-]{36}", body["error"]["ref_id"])
    if message is not None:
        assert body["error"]["message"] == message
    return body["error"]


def test_create_returns_a_queued_task_run(client):
    run = create(
        client,
        {
            "input": "What is the capital of France?",
            "processor": "core",
            "metadata": {"my_key": "my_value", "n": 3},
        },
    )
    assert list(run) == RUN_KEYS
    assert re.fullmatch(r"trun_[0-9a-f]{32}", run["run_id"])
    assert run["interaction_id"] == run["run_id"]
    assert run["status"] == "queued" and run["is_active"] is True
    assert run["processor"] == "core"
    assert run["metadata"] == {"my_key": "my_value", "n": 3}
    assert run["error"] is None and run["taskgroup_id"] is None
    assert TS.match(run["created_at"]) and TS.match(run["modified_at"])


def test_get_run_and_input(client):
    body = {
        "input": {"company": "Acme", "country": "FR"},
        "processor": "lite",
        "task_spec": {
            "output_schema": "The company's founding year",
            "input_schema": {
                "type": "json",
                "json_schema": {
                    "type": "object",
                    "properties": {"company": {"type": "string"}, "country": {"type": "string"}},
                },
            },
        },
    }
    run = create(client, body)
    got = client.get(f"/v1/tasks/runs/{run['run_id']}")
    assert got.status_code == 200
    assert got.json()["run_id"] == run["run_id"]
    assert list(got.json()) == RUN_KEYS
    echoed = client.get(f"/v1/tasks/runs/{run['run_id']}/input")
    assert echoed.status_code == 200
    assert echoed.json() == body


def test_result_blocks_until_completed(client):
    run = create(client, {"input": "Tell me about Lyon", "processor": "base"})
    r = client.get(f"/v1/tasks/runs/{run['run_id']}/result", params={"timeout": 60})
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["run"]["status"] == "completed" and result["run"]["is_active"] is False
    assert result["output"]["type"] == "text"
    assert result["output"]["content"].startswith("# ")
    assert [b["field"] for b in result["output"]["basis"]] == ["output"]
    after = client.get(f"/v1/tasks/runs/{run['run_id']}").json()
    assert after["status"] == "completed"
    assert after["modified_at"] >= after["created_at"]


def test_result_times_out_with_408_while_active(client):
    run = create(client, {"input": "A long ultra task", "processor": "ultra"})
    r = client.get(f"/v1/tasks/runs/{run['run_id']}/result", params={"timeout": 0})
    assert_error(r, 408, "Request timed out; run still active")


def test_result_query_is_validated(client):
    run = create(client, {"input": "x", "processor": "lite"})
    err = assert_error(
        client.get(f"/v1/tasks/runs/{run['run_id']}/result", params={"timeout": "soon"}), 422
    )
    assert err["detail"]["field"] == "timeout"


def test_failed_run_has_an_error_and_no_result(client):
    run = create(client, {"input": "Please fail [sim:fail]", "processor": "lite"})
    r = client.get(f"/v1/tasks/runs/{run['run_id']}/result", params={"timeout": 60})
    assert_error(r, 404, "Run failed or run id not found")
    failed = client.get(f"/v1/tasks/runs/{run['run_id']}").json()
    assert failed["status"] == "failed" and failed["is_active"] is False
    assert failed["error"]["message"] and re.fullmatch(r"[0-9a-f-]{36}", failed["error"]["ref_id"])


@pytest.mark.parametrize(
    "path",
    [
        "/v1/tasks/runs/trun_{0}",
        "/v1/tasks/runs/trun_{0}/input",
        "/v1beta/tasks/runs/trun_{0}/events",
        "/v1/tasks/runs/trun_{0}/events",
    ],
)
def test_unknown_run_is_404(client, path):
    assert_error(client.get(path.format("0" * 32)), 404, "Run id not found")


def test_unknown_run_result_is_404(client):
    assert_error(
        client.get("/v1/tasks/runs/trun_nope/result"), 404, "Run failed or run id not found"
    )


@pytest.mark.parametrize(
    "method,path",
    [
        ("POST", "/v1/tasks/runs"),
        ("GET", "/v1/tasks/runs/trun_x"),
        ("GET", "/v1/tasks/runs/trun_x/input"),
        ("GET", "/v1/tasks/runs/trun_x/result"),
        ("GET", "/v1beta/tasks/runs/trun_x/events"),
        ("GET", "/v1/tasks/runs/trun_x/events"),
        ("POST", "/v1beta/tasks/groups"),
        ("GET", "/v1beta/tasks/groups/tgrp_x"),
        ("GET", "/v1/tasks/groups/tgrp_x/events"),
        ("GET", "/v1/anything"),
    ],
)
@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_every_api_call_needs_a_valid_key(fast_sim, method, path, key):
    headers = {"x-api-key": key} if key else {}
    r = fast_sim.client(headers=headers).request(method, path, json={})
    assert_error(r, 401, "Unauthorized: invalid or missing credentials")


def test_bearer_is_not_an_api_key(fast_sim):
    r = fast_sim.client(headers={}).post(
        "/v1/tasks/runs",
        headers={"authorization": f"Bearer {KEY}"},
        json={"input": "x", "processor": "lite"},
    )
    assert r.status_code == 401


@pytest.mark.parametrize("processor", PROCESSORS + [p + "-fast" for p in PROCESSORS])
def test_every_processor_is_accepted(client, processor):
    run = create(client, {"input": f"Check {processor}", "processor": processor})
    assert run["processor"] == processor


@pytest.mark.parametrize("processor", ["turbo", "Lite", "pro-faster", "-fast", ""])
def test_unknown_processor_is_403(client, processor):
    r = client.post("/v1/tasks/runs", json={"input": "x", "processor": processor})
    assert_error(r, 403, "Forbidden: invalid processor in request")


def test_beta_create_path_and_query_flags_are_accepted(client):
    r = client.post(
        "/v1/tasks/runs?beta=true",
        json={"input": "x", "processor": "lite"},
        headers={"parallel-beta": "events-sse-2025-07-24,webhook-2025-08-12"},
    )
    assert r.status_code == 202


def test_unknown_api_path_is_404_in_parallels_shape(client):
    assert_error(client.get("/v1/tasks/nothing-here"), 404)


def test_same_input_gives_the_same_run_timeline_and_output(client):
    body = {
        "input": "Deterministic question",
        "processor": "lite",
        "task_spec": {
            "output_schema": {
                "type": "json",
                "json_schema": {
                    "type": "object",
                    "properties": {"answer": {"type": "string"}},
                    "required": ["answer"],
                    "additionalProperties": False,
                },
            }
        },
    }
    a, b = create(client, body), create(client, body)
    assert a["run_id"] != b["run_id"]
    ra = client.get(f"/v1/tasks/runs/{a['run_id']}/result", params={"timeout": 30}).json()
    rb = client.get(f"/v1/tasks/runs/{b['run_id']}/result", params={"timeout": 30}).json()
    assert ra["output"] == rb["output"]


def test_seed_changes_outputs(sim_factory):
    body = {"input": "Seeded question", "processor": "lite"}
    outs = []
    for seed in ("1", "2"):
        sim = sim_factory(env={"PARALLEL_SIM_SEED": seed})
        with sim.client() as c:
            run = create(c, body)
            outs.append(c.get(f"/v1/tasks/runs/{run['run_id']}/result").json()["output"])
    assert outs[0]["content"] != outs[1]["content"]


def test_custom_dev_key_from_env(sim_factory):
    sim = sim_factory(env={"PARALLEL_SIM_API_KEY": "my-own-key"})
    ok = sim.client(headers={}).post(
        "/v1/tasks/runs",
        headers={"x-api-key": "my-own-key"},
        json={"input": "x", "processor": "lite"},
    )
    assert ok.status_code == 202
    old = sim.client(headers={}).post(
        "/v1/tasks/runs",
        headers={"x-api-key": KEY},
        json={"input": "x", "processor": "lite"},
    )
    assert old.status_code == 401


def test_non_api_paths_and_methods_answer_json(client):
    r = client.get("/no/such/page")
    assert r.status_code == 404 and r.json()["type"] == "error"
    r = client.delete("/v1/tasks/runs")
    assert r.status_code in (404, 405) and r.json()["type"] == "error"


def test_oversized_body_is_413(client):
    r = client.post(
        "/v1/tasks/runs",
        content=b" " * (16 * 2**20 + 1),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413 and r.json()["type"] == "error"


def test_cli_flags_override_the_environment(sim_factory):
    sim = sim_factory(env={"PARALLEL_SIM_API_KEY": "from-env"}, args=["--api-key", "from-cli"])
    c = sim.client(headers={})
    assert c.get("/v1/tasks/runs/trun_x", headers={"x-api-key": "from-cli"}).status_code == 404
    assert c.get("/v1/tasks/runs/trun_x", headers={"x-api-key": "from-env"}).status_code == 401


def test_cli_help_and_bad_flags(capsys):
    with pytest.raises(SystemExit) as e:
        parse_args(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for flag in (
        "--speed",
        "--seed",
        "--max-stream-seconds",
        "--webhook-secret",
        "--fault",
        "--failure-rate",
        "--rate-limit",
        "--credits",
        "--api-key",
        "--issuer",
        "--log-requests",
    ):
        assert flag in out
    with pytest.raises(SystemExit) as e:
        parse_args(["--speed", "0"])
    assert e.value.code != 0 and "--speed" in capsys.readouterr().err
