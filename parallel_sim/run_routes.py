"""Task run endpoints: create, get, input, result (blocking with a timeout) and the event stream."""

from __future__ import annotations

import re

from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from . import faults as faultlib
from . import stream
from .bodies import read_json
from .context import Ctx, api, apply_faults, parse_faults
from .errors import ApiError, invalid_query
from .runs import Run
from .util import json_response
from .validation import InvalidRequest, check_run_input

RUN_NOT_FOUND = "Run id not found"
RESULT_NOT_FOUND = "Run failed or run id not found"
PAYMENT_REQUIRED = "Payment required: insufficient credit in account"
DEFAULT_RESULT_TIMEOUT = 600
_ASCII_INT = re.compile(r"[0-9]{1,9}")


def metadata_fault(run_body: dict) -> str | None:
    meta = (run_body.get("metadata") or {}).get("sim_fault")
    return None if meta is None else str(meta)


async def create_run(ctx: Ctx) -> Response:
    sim = ctx.sim
    body = await read_json(ctx.request)
    checked = check_run_input(body)
    meta = metadata_fault(body)
    if meta is not None:
        try:
            faultlib.parse(meta)
        except faultlib.FaultSyntaxError as e:
            raise InvalidRequest(("body", "metadata", "sim_fault"), str(e)) from None
    if not sim.credits.charge(checked.processor.price_usd):
        raise ApiError(402, PAYMENT_REQUIRED)
    run = sim.runs.create(checked, ctx.key)
    sim.webhooks.schedule(run)
    return json_response(run.snapshot(), 202)


def run_faults(ctx: Ctx, run: Run) -> faultlib.Faults:
    """config < run metadata `sim_fault` < this request's header/query."""
    f = ctx.sim.config_faults
    meta = metadata_fault(run.body)
    if meta:
        f = f.merged(faultlib.parse(meta))
    return f.merged(faultlib.parse(ctx.raw_fault)) if ctx.raw_fault else f


async def find_run(ctx: Ctx, not_found: str = RUN_NOT_FOUND) -> Run:
    """The addressed run, after the faults its metadata asks for; ApiError when it fails."""
    run = ctx.sim.runs.get(ctx.request.path_params["run_id"])
    if run is None:
        raise ApiError(404, not_found)
    meta = metadata_fault(run.body)
    if meta:
        # The wrapper applied the request's own faults; the run's apply where the request set
        # none, with fail-first counted per run (every request addressed to it).
        mine, theirs = faultlib.parse(meta), parse_faults(ctx.raw_fault, faultlib.HEADER)
        await apply_faults(
            ctx,
            faultlib.Faults(
                first_byte_delay_ms=None
                if theirs.first_byte_delay_ms is not None
                else mine.first_byte_delay_ms,
                fail_first=None if theirs.fail_first else mine.fail_first,
                retry_after_ms=mine.retry_after_ms,
            ),
            f"run {run.run_id}",
        )
    return run


async def get_run(ctx: Ctx) -> Response:
    return json_response((await find_run(ctx)).snapshot())


async def get_input(ctx: Ctx) -> Response:
    return json_response((await find_run(ctx)).body)


def result_timeout(ctx: Ctx) -> int:
    raw = ctx.request.query_params.get("timeout")
    if raw is None:
        return DEFAULT_RESULT_TIMEOUT
    # ASCII digits only: "²".isdigit() is true, but int("²") raises.
    if not _ASCII_INT.fullmatch(raw):
        raise invalid_query("timeout", "timeout must be a non-negative integer")
    return int(raw)


async def get_result(ctx: Ctx) -> Response:
    timeout = result_timeout(ctx)
    run = await find_run(ctx, RESULT_NOT_FOUND)
    if not run.is_done():
        await ctx.sim.clock.sleep(min(run.remaining() + 1e-3, timeout))
    if not run.is_done():
        raise ApiError(408, "Request timed out; run still active")
    if run.status() != "completed":
        # Failed, cancelled or waiting for an action: there is no output to give.
        raise ApiError(404, RESULT_NOT_FOUND, {"status": run.status()})
    # Per-element basis entries are always there (the SDK's types describe them), so the
    # field-basis-2025-11-25 beta header changes nothing.
    return json_response({"run": run.snapshot(), "output": run.output()})


async def run_events(ctx: Ctx) -> Response:
    run = await find_run(ctx)
    f = run_faults(ctx, run)
    events = stream.run_events(run, f, ctx.sim.config.max_stream_seconds, ctx.sim.clock)
    return StreamingResponse(
        stream.encode(events, f), media_type="text/event-stream", headers=stream.SSE_HEADERS
    )


def routes(prefix: str) -> list[Route]:
    base = f"{prefix}/tasks/runs"
    return [
        Route(base, api(create_run, counts_for_rate=True), methods=["POST"]),
        Route(base + "/{run_id}", api(get_run), methods=["GET"]),
        Route(base + "/{run_id}/input", api(get_input), methods=["GET"]),
        Route(base + "/{run_id}/result", api(get_result), methods=["GET"]),
        Route(base + "/{run_id}/events", api(run_events), methods=["GET"]),
    ]
