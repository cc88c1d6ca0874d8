"""Task groups (spec section 8): create, get, add runs, the group event stream (resumable with
event_id cursors) and the runs stream.

A group's events are derived from its runs' fixed timelines: one task_group_status per add, and
for each run a task_run.state at its termination followed by a task_group_status. Cursors have
the form `<microseconds since group creation>-<kind>-<index>` and sort in event order.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from . import stream
from .bodies import invalid, invalid_query, read_json
from .events import frame
from .runs import ACTIVE, Run
from .util import error_response, json_response, rfc3339
from .validation import InvalidProcessor, InvalidRequest, check_run_input

if TYPE_CHECKING:
    from .app import Ctx

MAX_INPUTS = 1000
GROUP_NOT_FOUND = "TaskGroup not found"
MAX_GROUP_STREAM_SECONDS = 3600.0  # "stays open for up to an hour"
STATUS, RUN_STATE, STATUS_AFTER_RUN = 0, 1, 2


@dataclass
class Group:
    taskgroup_id: str
    metadata: dict | None
    created_wall: float
    created_mono: float
    runs: list[Run] = field(default_factory=list)
    adds: list[tuple[float, int]] = field(default_factory=list)  # (mono time, runs after add)
    cached_status: dict | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    _events: list[tuple[tuple, float]] | None = None  # ((key), mono time), sorted

    def status(self, now: float | None = None) -> dict:
        now = time.monotonic() if now is None else now
        counts: dict[str, int] = {}
        n = 0
        last_change = self.created_mono
        for t_add, after in self.adds:
            if t_add <= now:
                n = after
                last_change = max(last_change, t_add)
        for run in self.runs[:n]:
            s = run.status(now)
            counts[s] = counts.get(s, 0) + 1
            if s not in ACTIVE:
                last_change = max(last_change, run.end_mono())
        active = any(counts.get(s, 0) for s in ACTIVE)
        done = n - sum(counts.get(s, 0) for s in ACTIVE)
        return {
            "num_task_runs": n,
            "task_run_status_counts": counts,
            "is_active": active,
            "status_message": f"{done} of {n} runs finished" if n else "",
            "modified_at": rfc3339(self.created_wall + (last_change - self.created_mono)),
        }

    def response(self, now: float | None = None) -> dict:
        return {
            "taskgroup_id": self.taskgroup_id,
            "metadata": self.metadata,
            "status": self.status(now),
            "created_at": rfc3339(self.created_wall),
        }

    def event_id(self, t: float, kind: int, index: int) -> str:
        return f"{max(0, round((t - self.created_mono) * 1e6)):015d}-{kind}-{index}"

    def timeline(self) -> list[tuple[tuple, float]]:
        """Every event the group has had or will have, in order (cached until the next add)."""
        if self._events is None:
            evs = []
            for k, (t_add, _) in enumerate(self.adds):
                evs.append(((round((t_add - self.created_mono) * 1e6), STATUS, k), t_add))
            for i, run in enumerate(self.runs):
                t = run.end_mono()
                us = round((t - self.created_mono) * 1e6)
                evs.append(((us, RUN_STATE, i), t))
                evs.append(((us, STATUS_AFTER_RUN, i), t))
            evs.sort()
            self._events = evs
        return self._events

    def render(self, key: tuple, t: float) -> dict:
        us, kind, index = key
        event_id = f"{us:015d}-{kind}-{index}"
        at = t + 1e-6  # the state just after the event
        if kind == RUN_STATE:
            return self.runs[index].state_event(at, event_id=event_id)
        return {"type": "task_group_status", "event_id": event_id, "status": self.status(at)}

    def add(self, runs: list[Run]) -> None:
        self.runs += runs
        self.adds.append((time.monotonic(), len(self.runs)))
        self._events = None
        self.changed.set()
        self.changed = asyncio.Event()


def parse_cursor(raw: str | None) -> tuple | None:
    if raw is None or raw == "":
        return None
    parts = raw.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(raw)
    return tuple(int(p) for p in parts)


class GroupStore:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.groups: dict[str, Group] = {}

    def create(self, metadata: dict | None) -> Group:
        gid = "tgrp_" + secrets.token_hex(24)  # random, like run ids (see runs.py)
        group = Group(gid, metadata, time.time(), time.monotonic())
        self.groups[gid] = group
        return group


def _bool_param(ctx: Ctx, name: str, default: bool) -> bool | None:
    raw = ctx.request.query_params.get(name)
    if raw is None:
        return default
    return {"true": True, "1": True, "false": False, "0": False}.get(raw.lower())


def group_routes(sim, prefix: str, api) -> list[Route]:
    """Routes for `prefix`/tasks/groups... (the beta and GA paths behave the same)."""

    def find(ctx: Ctx) -> Group | None:
        return sim.groups.groups.get(ctx.request.path_params["group_id"])

    async def create(ctx: Ctx) -> Response:
        try:
            body = await read_json(ctx.request)
        except InvalidRequest as e:
            return invalid(e)
        body = {} if body is None else body
        if not isinstance(body, dict):
            return invalid(
                InvalidRequest(("body",), "the body must be a JSON object", "type_error")
            )
        meta = body.get("metadata")
        if meta is not None and not isinstance(meta, dict):
            return invalid(
                InvalidRequest(("body", "metadata"), "metadata must be an object", "type_error")
            )
        return json_response(sim.groups.create(meta).response())

    async def get(ctx: Ctx) -> Response:
        group = find(ctx)
        if group is None:
            return error_response(404, GROUP_NOT_FOUND)
        return json_response(group.response())

    async def add_runs(ctx: Ctx) -> Response:
        group = find(ctx)
        if group is None:
            return error_response(404, GROUP_NOT_FOUND)
        refresh = _bool_param(ctx, "refresh_status", True)
        if refresh is None:
            return invalid_query("refresh_status", "must be true or false")
        try:
            body = await read_json(ctx.request)
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
        except InvalidRequest as e:
            return invalid(e)
        # Groups reserve credit for all runs up front.
        if not sim.credits.charge(sum(c.processor.price_usd for c in checked)):
            return error_response(402, "Payment required: insufficient credit in account")
        timeline = group.timeline()
        now = time.monotonic()
        past = [key for key, t in timeline if t <= now]
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

    async def events(ctx: Ctx) -> Response:
        group = find(ctx)
        if group is None:
            return error_response(404, GROUP_NOT_FOUND)
        try:
            cursor = parse_cursor(ctx.request.query_params.get("last_event_id"))
        except ValueError:
            return invalid_query("last_event_id", "not a cursor from this group's events")
        raw_timeout = ctx.request.query_params.get("timeout")
        try:
            limit = float(raw_timeout) if raw_timeout else MAX_GROUP_STREAM_SECONDS
            if not limit > 0:
                raise ValueError
        except ValueError:
            return invalid_query("timeout", "timeout must be a positive number of seconds")
        f = ctx.faults
        if f.max_stream_seconds is not None:
            limit = min(limit, f.max_stream_seconds)
        return StreamingResponse(
            stream.encode(_group_events(group, cursor, limit), f),
            media_type="text/event-stream",
            headers=stream.SSE_HEADERS,
        )

    async def runs_stream(ctx: Ctx) -> Response:
        group = find(ctx)
        if group is None:
            return error_response(404, GROUP_NOT_FOUND)
        q = ctx.request.query_params
        want_input = _bool_param(ctx, "include_input", False)
        want_output = _bool_param(ctx, "include_output", False)
        if want_input is None or want_output is None:
            return invalid_query(
                "include_input" if want_input is None else "include_output", "must be true or false"
            )
        status = q.get("status")
        if status is not None and status not in (
            *ACTIVE,
            "completed",
            "failed",
            "cancelled",
            "action_required",
        ):
            return invalid_query("status", "unknown status")
        after = q.get("last_event_id")
        if after is not None and not after.isdigit():
            return invalid_query("last_event_id", "not a cursor from this group's runs stream")
        start = int(after) + 1 if after is not None else 0
        now = time.monotonic()
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
        return Response(
            b"".join(chunks), media_type="text/event-stream", headers=stream.SSE_HEADERS
        )

    async def run_in_group(ctx: Ctx) -> Response:
        group = find(ctx)
        if group is None:
            return error_response(404, GROUP_NOT_FOUND)
        run = sim.runs.get(ctx.request.path_params["run_id"])
        if run is None or run.taskgroup_id != group.taskgroup_id:
            return error_response(404, "Run id not found")
        return json_response(run.snapshot())

    base = f"{prefix}/tasks/groups"
    return [
        Route(base, api(sim, create), methods=["POST"]),
        Route(base + "/{group_id}", api(sim, get), methods=["GET"]),
        Route(
            base + "/{group_id}/runs", api(sim, add_runs, counts_for_rate=True), methods=["POST"]
        ),
        Route(base + "/{group_id}/runs", api(sim, runs_stream), methods=["GET"]),
        Route(base + "/{group_id}/events", api(sim, events), methods=["GET"]),
        Route(base + "/{group_id}/runs/{run_id}", api(sim, run_in_group), methods=["GET"]),
    ]


async def _group_events(group: Group, cursor: tuple | None, limit: float):
    """Events after `cursor`, then live ones while any run is active; ends after `limit` s."""
    deadline = time.monotonic() + limit
    last = cursor
    sent_any = False
    while True:
        now = time.monotonic()
        timeline = group.timeline()
        start = 0 if last is None else bisect.bisect_right(timeline, (last, float("inf")))
        for key, t in timeline[start:]:
            if t > now:
                break
            yield group.render(key, t)
            last = key
            sent_any = True
        status = group.status(now)
        if not status["is_active"]:
            if not sent_any and cursor is None:
                # A group with no runs yet: its status, with a cursor (the SDK's type needs one).
                yield {
                    "type": "task_group_status",
                    "event_id": group.event_id(now, STATUS, 0),
                    "status": status,
                }
            return
        upcoming = [t for key, t in timeline if last is None or key > last]
        wake = min([t for t in upcoming if t > now], default=deadline)
        if now >= deadline:
            return
        changed = group.changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), max(0.0, min(wake, deadline) - now) + 1e-4)
