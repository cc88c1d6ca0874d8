"""Task group endpoints: create, get, add runs, the group event stream, the runs stream and one
run of a group (the beta and GA paths behave the same)."""

from __future__ import annotations

import re

from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from . import stream
from .bodies import read_json
from .context import Ctx, api
from .errors import ApiError, invalid_query
from .events import frame
from .groups import MAX_GROUP_STREAM_SECONDS, Group, group_events, parse_cursor
from .run_routes import PAYMENT_REQUIRED, RUN_NOT_FOUND
from .runs import STATUSES
from .table import LIMITS
from .util import json_response
from .validation import InvalidProcessor, InvalidRequest, check_run_input

MAX_INPUTS = LIMITS["group_inputs_per_request"]
GROUP_NOT_FOUND = "TaskGroup not found"
_RUN_CURSOR = re.compile(r"[0-9]{1,9}")


def find_group(ctx: Ctx) -> Group:
    group = ctx.sim.groups.get(ctx.request.path_params["group_id"])
    if group is None:
        raise ApiError(404, GROUP_NOT_FOUND)
    return group


def bool_param(ctx: Ctx, name: str, default: bool) -> bool:
    raw = ctx.request.query_params.get(name)
    if raw is None:
        return default
    value = {"true": True, "1": True, "false": False, "0": False}.get(raw.lower())
    if value is None:
        raise invalid_query(name, "must be true or false")
    return value


async def create_group(ctx: Ctx) -> Response:
    body = await read_json(ctx.request)
    body = {} if body is None else body
    if not isinstance(body, dict):
        raise InvalidRequest(("body",), "the body must be a JSON object", "type_error")
    meta = body.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        raise InvalidRequest(("body", "metadata"), "metadata must be an object", "type_error")
    return json_response(ctx.sim.groups.create(meta).response())


async def get_group(ctx: Ctx) -> Response:
    return json_response(find_group(ctx).response())


def _checked_inputs(body: object) -> list:
    if not isinstance(body, dict):
        raise InvalidRequest(("body",), "the body must be a JSON object", "type_error")
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise InvalidRequest(
            ("body", "inputs"),
            "inputs must be a non-empty array",
            "missing" if inputs is None else "type_error",
        )
    if len(inputs) > MAX_INPUTS:
        raise InvalidRequest(
            ("body", "inputs"), f"at most {MAX_INPUTS} inputs per request", "too_long"
        )
    checked = []
    for i, item in enumerate(inputs):
        try:
            checked.append(
                check_run_input(item, ("body", "inputs", i), body.get("default_task_spec"))
            )
        except InvalidProcessor:
            raise InvalidRequest(
                ("body", "inputs", i, "processor"), "invalid processor", "enum"
            ) from None
    return checked


async def add_runs(ctx: Ctx) -> Response:
    sim = ctx.sim
    group = find_group(ctx)
    refresh = bool_param(ctx, "refresh_status", True)
    checked = _checked_inputs(await read_json(ctx.request))
    # Groups reserve credit for all runs up front.
    if not sim.credits.charge(sum(c.processor.price_usd for c in checked)):
        raise ApiError(402, PAYMENT_REQUIRED)
    now = sim.clock.monotonic()
    past = [key for key, t in group.timeline() if t <= now]
    event_cursor = f"{past[-1][0]:015d}-{past[-1][1]}-{past[-1][2]}" if past else None
    run_cursor = str(len(group.runs) - 1) if group.runs else None
    runs = [sim.runs.create(c, ctx.key, taskgroup_id=group.taskgroup_id) for c in checked]
    for run in runs:
        sim.webhooks.schedule(run)
    group.add(runs)
    if refresh or group.cached_status is None:
        group.cached_status = group.status()
    return json_response(
        {
            "status": group.cached_status,
            "run_ids": [r.run_id for r in runs],
            "run_cursor": run_cursor,
            "event_cursor": event_cursor,
        }
    )


async def stream_group_events(ctx: Ctx) -> Response:
    group = find_group(ctx)
    try:
        cursor = parse_cursor(ctx.request.query_params.get("last_event_id"))
    except ValueError:
        raise invalid_query("last_event_id", "not a cursor from this group's events") from None
    raw_timeout = ctx.request.query_params.get("timeout")
    try:
        limit = float(raw_timeout) if raw_timeout else MAX_GROUP_STREAM_SECONDS
        if not 0 < limit < float("inf"):
            raise ValueError
    except ValueError:
        raise invalid_query("timeout", "timeout must be a positive number of seconds") from None
    limit = min(limit, MAX_GROUP_STREAM_SECONDS)
    f = ctx.faults
    if f.max_stream_seconds is not None:
        limit = min(limit, f.max_stream_seconds)
    return StreamingResponse(
        stream.encode(group_events(group, cursor, limit), f),
        media_type="text/event-stream",
        headers=stream.SSE_HEADERS,
    )


async def stream_group_runs(ctx: Ctx) -> Response:
    group = find_group(ctx)
    q = ctx.request.query_params
    want_input = bool_param(ctx, "include_input", False)
    want_output = bool_param(ctx, "include_output", False)
    status = q.get("status")
    if status is not None and status not in STATUSES:
        raise invalid_query("status", "unknown status")
    after = q.get("last_event_id")
    if after is not None and not _RUN_CURSOR.fullmatch(after):
        raise invalid_query("last_event_id", "not a cursor from this group's runs stream")
    start = int(after) + 1 if after is not None else 0
    now = ctx.sim.clock.monotonic()
    chunks = []
    for i, run in enumerate(group.runs[start:], start):
        if status is not None and run.status(now) != status:
            continue
        chunks.append(
            frame(
                run.state_event(
                    now, with_output=want_output, event_id=str(i), include_input=want_input
                )
            )
        )
    # It "doesn't wait for runs to complete": all runs at once, then the stream ends.
    return Response(b"".join(chunks), media_type="text/event-stream", headers=stream.SSE_HEADERS)


async def get_group_run(ctx: Ctx) -> Response:
    group = find_group(ctx)
    run = ctx.sim.runs.get(ctx.request.path_params["run_id"])
    if run is None or run.taskgroup_id != group.taskgroup_id:
        raise ApiError(404, RUN_NOT_FOUND)
    return json_response(run.snapshot())


def routes(prefix: str) -> list[Route]:
    base = f"{prefix}/tasks/groups"
    return [
        Route(base, api(create_group), methods=["POST"]),
        Route(base + "/{group_id}", api(get_group), methods=["GET"]),
        Route(base + "/{group_id}/runs", api(add_runs, counts_for_rate=True), methods=["POST"]),
        Route(base + "/{group_id}/runs", api(stream_group_runs), methods=["GET"]),
        Route(base + "/{group_id}/events", api(stream_group_events), methods=["GET"]),
        Route(base + "/{group_id}/runs/{run_id}", api(get_group_run), methods=["GET"]),
    ]
