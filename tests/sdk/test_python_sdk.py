"""Parallel's official Python SDK (`parallel-web`) against the simulator and through the Worker.

Every response is parsed in the SDK's strict validation mode, so a field the simulator gets wrong
(a missing required key, a wrong type, an unknown enum value) fails here as it would for a user.
"""

from __future__ import annotations

import datetime
import json
import uuid

import httpx
import parallel
import pydantic
import pytest
from parallel import Parallel
from parallel._models import validate_type
from parallel.types import (
    ErrorEvent,
    RunInput,
    TaskGroup,
    TaskGroupRunResponse,
    TaskGroupStatusEvent,
    TaskRun,
    TaskRunEvent,
    TaskRunEventsResponse,
    TaskRunJsonOutput,
    TaskRunProgressMessageEvent,
    TaskRunProgressStatsEvent,
    TaskRunResult,
    TaskRunTextOutput,
)
from parallel.types.parsed_task_run_result import ParsedTaskRunResult

# Shown in Parallel's docs' sample stream, unknown to both SDKs' enums: the one event the
# simulator sends that strict parsing cannot take.
UNTYPED_EVENT = "task_run.progress_msg.tool"

SCHEMA = {
    "type": "object",
    "properties": {
        "founded": {"type": "integer", "description": "Year the company was founded"},
        "key_executives": {
            "type": "array",
            "description": "Its executives",
            "items": {"type": "string", "description": "A name"},
        },
    },
    "required": ["founded", "key_executives"],
    "additionalProperties": False,
}


def client(target, **kw) -> Parallel:
    kw.setdefault("max_retries", 0)
    return Parallel(
        base_url=target.base_url,
        api_key=target.key,
        _strict_response_validation=True,
        timeout=60,
        **kw,
    )


def fault(text: str) -> dict:
    """A fault header of this test's own: `fail-first` counts per fault text, so a unique tag
    keeps one test's count from another's."""
    return {"x-sim-fault": f"{text};tag={uuid.uuid4().hex}"}


def test_create_with_every_parameter_then_retrieve_input_and_result(target):
    c = client(target)
    params = {
        "input": {"company": "Acme Corp", "country": "FR"},
        "processor": "lite",
        "advanced_settings": {
            "location": "fr",
            "data_sources": {"free": ["partner-a"], "pay_per_use": ["partner-b"]},
        },
        "enable_events": True,
        "mcp_servers": [
            {
                "name": "crm",
                "url": "https://mcp.example.com/sse",
                "allowed_tools": ["lookup"],
                "headers": {"authorization": "Bearer x"},
                "type": "url",
            }
        ],
        "memory_scope_key": "team-research",
        "metadata": {"who": "contract-test", "n": 3, "ok": True},
        "previous_interaction_id": "trun_0123456789abcdef0123456789abcdef",
        "source_policy": {
            "include_domains": ["wikipedia.org", "docs.python.org/3", ".gov"],
            "exclude_domains": ["reddit.com"],
            "after_date": datetime.date(2024, 1, 31),
        },
        "task_spec": {
            "output_schema": {"type": "json", "json_schema": SCHEMA},
            "input_schema": {
                "type": "json",
                "json_schema": {
                    "type": "object",
                    "properties": {"company": {"type": "string"}, "country": {"type": "string"}},
                    "required": ["company", "country"],
                },
            },
        },
        "webhook": {
            "url": "https://hooks.example.com/parallel",
            "event_types": ["task_run.status"],
        },
        "betas": ["mcp-server-2025-07-17", "webhook-2025-08-12"],
    }
    run = c.task_run.create(**params)
    assert isinstance(run, TaskRun)
    assert run.status == "queued" and run.is_active and run.processor == "lite"
    assert run.metadata == {"who": "contract-test", "n": 3, "ok": True}

    got = c.task_run.retrieve(run.run_id)
    assert got.run_id == run.run_id and got.interaction_id == run.interaction_id

    echoed = c.task_run.retrieve_input(run.run_id)
    assert isinstance(echoed, RunInput)
    assert echoed.memory_scope_key == "team-research"
    assert str(echoed.source_policy.after_date) == "2024-01-31"
    assert echoed.source_policy.include_domains[1] == "docs.python.org/3"
    assert echoed.advanced_settings.location == "fr"
    assert echoed.mcp_servers[0].allowed_tools == ["lookup"]

    result = c.task_run.result(run.run_id, api_timeout=60)
    assert isinstance(result, TaskRunResult)
    assert result.run.status == "completed" and not result.run.is_active
    out = result.output
    assert isinstance(out, TaskRunJsonOutput)
    assert set(out.content) == {"founded", "key_executives"}
    fields = {b.field for b in out.basis}
    # Citations for every list element, as the SDK documents (`key_executives.0`).
    n = len(out.content["key_executives"])
    assert {f"key_executives.{i}" for i in range(n)} <= fields
    assert out.mcp_tool_calls and out.mcp_tool_calls[0].server_name == "crm"


def test_text_and_auto_outputs(target):
    c = client(target)
    text = c.task_run.create(
        input="Who founded Acme?", processor="lite", task_spec={"output_schema": "One line"}
    )
    res = c.task_run.result(text.run_id, api_timeout=60)
    assert isinstance(res.output, TaskRunTextOutput) and res.output.basis[0].field == "output"
    auto = c.task_run.create(
        input="Battery outlook",
        processor="pro-fast",
        task_spec={"output_schema": {"type": "auto"}},
    )
    res = c.task_run.result(auto.run_id, api_timeout=60)
    assert isinstance(res.output, TaskRunJsonOutput) and res.output.output_schema


def test_result_timeout_is_a_408_and_the_sdk_retries_it(target):
    c = client(target)
    run = c.task_run.create(input="A slow question", processor="ultra8x")
    with pytest.raises(parallel.APIStatusError) as e:
        c.task_run.result(run.run_id, api_timeout=0)
    assert e.value.status_code == 408
    assert e.value.body["error"]["message"]
    # A 408 is retryable for the SDK: with retries left it asks again, then gives up the same way.
    with pytest.raises(parallel.APIStatusError) as e:
        client(target, max_retries=1).task_run.result(run.run_id, api_timeout=0)
    assert e.value.status_code == 408


def test_execute_and_execute_with_a_pydantic_output(target):
    c = client(target)
    res = c.task_run.execute(
        input="What is the capital of France?", processor="lite", output="The city"
    )
    assert isinstance(res, TaskRunResult) and res.run.status == "completed"

    class Company(pydantic.BaseModel):
        founded: int
        key_executives: list[str]

    parsed = c.task_run.execute(input="Acme Corp", processor="lite", output=Company, timeout=60)
    assert isinstance(parsed, ParsedTaskRunResult)
    assert isinstance(parsed.output.parsed, Company)


def _raw_events(target, run_id: str, headers: dict | None = None) -> list[dict]:
    """The stream's events as JSON, read without the SDK (for the one untyped event)."""
    out = []
    with (
        httpx.Client(timeout=60) as h,
        h.stream(
            "GET",
            f"{target.base_url}/v1/tasks/runs/{run_id}/events",
            headers={"x-api-key": target.key, **(headers or {})},
        ) as r,
    ):
        assert r.status_code == 200
        for line in r.iter_lines():
            if line.startswith("data:"):
                out.append(json.loads(line[5:]))
    return out


def test_events_each_parse_to_the_type_their_type_names(target):
    c = client(target)
    # core-fast's trace holds every message kind, `tool` included.
    run = c.task_run.create(input="Acme Corp history", processor="core-fast", enable_events=True)
    c.task_run.result(run.run_id, api_timeout=60)
    events = _raw_events(target, run.run_id)
    kinds = {e["type"] for e in events}
    assert {"task_run.state", "task_run.progress_stats", UNTYPED_EVENT} <= kinds
    by_prefix = {
        "task_run.state": TaskRunEvent,
        "task_run.progress_stats": TaskRunProgressStatsEvent,
        "task_run.progress_msg.": TaskRunProgressMessageEvent,
    }
    for raw in events:
        parsed_type = next(t for p, t in by_prefix.items() if raw["type"].startswith(p))
        if raw["type"] == UNTYPED_EVENT:
            with pytest.raises(pydantic.ValidationError):
                pydantic.TypeAdapter(TaskRunEventsResponse).validate_python(raw)
            continue
        parsed = validate_type(type_=TaskRunEventsResponse, value=raw)
        assert type(parsed) is parsed_type, raw["type"]
    final = validate_type(type_=TaskRunEventsResponse, value=events[-1])
    assert final.run.status == "completed" and final.output is not None


def test_events_through_the_sdk_stream(target):
    c = client(target)
    run = c.task_run.create(input="Acme Corp", processor="base", enable_events=True)
    seen = [type(e) for e in c.task_run.events(run.run_id)]
    assert seen[0] is TaskRunEvent and seen[-1] is TaskRunEvent
    assert TaskRunProgressStatsEvent in seen and TaskRunProgressMessageEvent in seen


def test_an_in_stream_error_event_parses_as_error_event(target):
    c = client(target)
    run = c.task_run.create(input="Acme Corp", processor="lite")
    events = list(c.task_run.events(run.run_id, extra_headers=fault("stream-error-after=1")))
    assert [type(e) for e in events] == [TaskRunEvent, ErrorEvent]
    assert events[1].error.ref_id and events[1].error.message


@pytest.mark.parametrize(
    ("marker", "final"),
    [
        ("", "completed"),
        ("[sim:fail]", "failed"),
        ("[sim:cancel]", "cancelled"),
        ("[sim:action-required]", "action_required"),
    ],
)
def test_every_final_status_parses(target, marker, final):
    c = client(target)
    run = c.task_run.create(input=f"Acme Corp {marker}", processor="lite")
    events = list(c.task_run.events(run.run_id))
    last = events[-1]
    assert isinstance(last, TaskRunEvent) and last.run.status == final
    assert c.task_run.retrieve(run.run_id).status == final
    if final == "failed":
        assert last.run.error is not None and last.run.error.ref_id
    if final != "completed":
        with pytest.raises(parallel.NotFoundError):
            c.task_run.result(run.run_id, api_timeout=5)


def test_task_group_lifecycle(target):
    c = client(target)
    group = c.task_group.create(metadata={"batch": "contract"})
    assert isinstance(group, TaskGroup) and group.metadata == {"batch": "contract"}
    first = list(c.task_group.events(group.task_group_id))
    assert [type(e) for e in first] == [TaskGroupStatusEvent]  # an empty group's status

    added = c.task_group.add_runs(
        group.task_group_id,
        inputs=[
            {"input": "Acme Corp", "processor": "lite"},
            {"input": "Globex [sim:fail]", "processor": "lite"},
        ],
        default_task_spec={"output_schema": {"type": "json", "json_schema": SCHEMA}},
        refresh_status=True,
    )
    assert isinstance(added, TaskGroupRunResponse) and len(added.run_ids) == 2
    assert added.run_cursor is None and added.event_cursor is None
    more = c.task_group.add_runs(
        group.task_group_id, inputs=[{"input": "Initech", "processor": "lite"}]
    )
    assert more.run_cursor == "1" and more.event_cursor

    events = list(c.task_group.events(group.task_group_id, api_timeout=60))
    states = [e for e in events if isinstance(e, TaskRunEvent)]
    assert {e.run.run_id for e in states} == {*added.run_ids, *more.run_ids}
    assert all(isinstance(e, TaskGroupStatusEvent | TaskRunEvent) for e in events)
    assert isinstance(events[-1], TaskGroupStatusEvent) and not events[-1].status.is_active
    # Resuming after the first event's cursor gives the rest.
    rest = list(c.task_group.events(group.task_group_id, last_event_id=events[0].event_id))
    assert len(rest) == len(events) - 1

    got = c.task_group.retrieve(group.task_group_id)
    assert got.status.num_task_runs == 3 and got.status.task_run_status_counts == {
        "completed": 2,
        "failed": 1,
    }
    runs = list(c.task_group.get_runs(group.task_group_id, include_input=True, include_output=True))
    assert all(isinstance(e, TaskRunEvent) for e in runs) and len(runs) == 3
    assert runs[0].input.input == "Acme Corp" and runs[0].output is not None
    failed = list(c.task_group.get_runs(group.task_group_id, status="failed"))
    assert [e.run.run_id for e in failed] == [added.run_ids[1]]
    one = c.task_group.retrieve_run(added.run_ids[0], task_group_id=group.task_group_id)
    assert isinstance(one, TaskRun) and one.task_group_id == group.task_group_id


ERRORS = [
    (400, parallel.BadRequestError),
    (401, parallel.AuthenticationError),
    (402, parallel.APIStatusError),
    (403, parallel.PermissionDeniedError),
    (404, parallel.NotFoundError),
    (409, parallel.ConflictError),
    (422, parallel.UnprocessableEntityError),
    (429, parallel.RateLimitError),
    (500, parallel.InternalServerError),
    (502, parallel.InternalServerError),
    (503, parallel.InternalServerError),
    (504, parallel.InternalServerError),
]


@pytest.mark.parametrize(("status", "exc"), ERRORS)
def test_each_error_status_maps_to_its_exception(target, status, exc):
    c = client(target)
    with pytest.raises(exc) as e:
        c.task_run.create(
            input="x", processor="lite", extra_headers=fault(f"fail-first=1:{status}")
        )
    assert e.value.status_code == status
    assert e.value.body["type"] == "error"
    assert e.value.body["error"]["ref_id"] and e.value.body["error"]["message"]


def test_natural_errors_map_to_their_exceptions(target):
    c = client(target)
    with pytest.raises(parallel.AuthenticationError):
        Parallel(base_url=target.base_url, api_key="wrong", max_retries=0).task_run.retrieve(
            "trun_x"
        )
    with pytest.raises(parallel.PermissionDeniedError):
        c.task_run.create(input="x", processor="no-such-processor")
    with pytest.raises(parallel.NotFoundError):
        c.task_run.retrieve("trun_" + "0" * 32)
    with pytest.raises(parallel.NotFoundError):
        c.task_group.retrieve("tgrp_missing")
    with pytest.raises(parallel.UnprocessableEntityError) as e:
        c.task_run.create(
            input="x", processor="lite", source_policy={"include_domains": ["https://example.com"]}
        )
    assert e.value.body["error"]["detail"]["field"] == "source_policy.include_domains.0"
    with pytest.raises(parallel.BadRequestError):
        c.task_run.create(input="x", processor="lite", extra_headers=fault("no-such-fault=1"))


@pytest.mark.parametrize("status", [429, 500, 503])
def test_retries_honour_retry_after(target, status):
    # Each retry carries the same fault header, so the simulator fails exactly the first two.
    headers = fault(f"fail-first=2:{status};retry-after-ms=20")
    run = client(target, max_retries=2).task_run.create(
        input=f"retry {status}", processor="lite", extra_headers=headers
    )
    assert run.status == "queued"
    with pytest.raises(parallel.APIStatusError) as e:
        client(target, max_retries=1).task_run.create(
            input=f"retry {status} again",
            processor="lite",
            extra_headers=fault(f"fail-first=2:{status};retry-after-ms=20"),
        )
    assert e.value.status_code == status


def test_retry_after_headers_reach_the_client(target):
    with httpx.Client(timeout=30) as h:
        r = h.post(
            f"{target.base_url}/v1/tasks/runs",
            json={"input": "x", "processor": "lite"},
            headers={"x-api-key": target.key, **fault("fail-first=1:429;retry-after-ms=1500")},
        )
    assert r.status_code == 429
    assert r.headers["retry-after"] == "2" and r.headers["retry-after-ms"] == "1500"


def test_a_plain_retry_after_is_honoured(target):
    # The simulator's default: `Retry-After: 1` alone, whole seconds, on a 503.
    run = client(target, max_retries=1).task_run.create(
        input="retry after one second", processor="lite", extra_headers=fault("fail-first=1:503")
    )
    assert run.status == "queued"
