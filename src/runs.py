"""`POST /tasks-sse/run` and `GET /tasks-sse/runs/{run_id}/stream`: one call from a terminal.

Stateless like the proxy. The upstream calls are in `upstream`, the SSE relay job in `stream_job`
(its deduplication and event ids in the pure `relay`), the framing in `sse`. Every upstream
request made for a client carries its ClientLink's signal, so a client that leaves stops them all.
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs

import js
from pyodide.ffi import create_once_callable

import headers as header_policy
import limits
from bodies import Refused, declared_length, read_upload
from client_link import ClientLink
from interop import error_response, header_pairs, is_null, respond, unreachable_response
from reconnect import RequestBudget
from relay import Cursor, Relay, compact
from stream_job import MAX_RESULT_WAIT_ATTEMPTS, EventSink, StreamJob
from upstream import RUN_ID, Unreadable, Upstream, discard, read_json

HEARTBEAT_SECONDS = 15.0

# Tasks writing SSE responses; a strong reference keeps them from being garbage collected until
# they end (they end when the run's stream is complete or the client leaves).
_STREAM_TASKS: set = set()


def _passthrough(js_resp, cors):
    """An upstream answer as it came (status, body stream), with the proxy's header policy.
    A 1xx or 3xx answer means nothing to a client of these endpoints: 502."""
    status = int(js_resp.status)
    if status < 200 or 300 <= status < 400:
        detail = {"status": status}
        return error_response(502, "The upstream gave an unexpected answer", cors, detail)
    out = header_policy.response_headers(header_pairs(js_resp.headers)) + cors
    body = None if is_null(js_resp.body) else js_resp.body
    return respond(body, status, out, str(js_resp.statusText or ""))


def _keep_alive(ctx, task) -> None:
    """Hand the platform a promise for the task so it keeps the request alive until it ends."""
    _STREAM_TASKS.add(task)
    task.add_done_callback(_STREAM_TASKS.discard)

    def executor(resolve, _reject):
        task.add_done_callback(lambda _t: resolve())

    try:
        ctx.waitUntil(js.Promise.new(create_once_callable(executor)))
    except Exception as exc:  # a context without waitUntil: the task still runs
        print(f"tasks-sse runs: waitUntil unavailable ({type(exc).__name__})")


def _sse_headers(cors) -> list[tuple[str, str]]:
    return [
        ("content-type", "text/event-stream; charset=utf-8"),
        ("cache-control", "no-cache, no-transform"),
        ("x-accel-buffering", "no"),
        *cors,
    ]


def _wants_sse(incoming) -> bool:
    accept = (header_policy.get(incoming, "accept") or "").lower()
    return "text/event-stream" in accept


async def _open_stream(ctx, upstream, link, run_id, run, cursor, cors, heartbeat):
    """Open the first upstream connection (so its errors keep their status), then stream.
    From here on the job owns `link`; on an early answer the caller releases it."""
    budget = RequestBudget()
    budget.reserve()
    try:
        connection = await upstream.events(run_id)
    except Exception as exc:
        return None, unreachable_response("runs", exc, cors)
    if int(connection.status) != 200:
        return None, _passthrough(connection, cors)
    sink = EventSink()
    job = StreamJob(upstream, link, budget, run_id, Relay(cursor), sink, heartbeat)
    task = asyncio.ensure_future(job.run(run, connection))
    link.bind(task)
    _keep_alive(ctx, task)
    return task, respond(sink.readable, 200, _sse_headers(cors))


async def handle_run(js_request, origin: str, ctx, cors, heartbeat: float = HEARTBEAT_SECONDS):
    """POST /tasks-sse/run: create the run, then stream it (SSE) or wait for its result (JSON)."""
    incoming = header_pairs(js_request.headers)
    try:
        declared_length(incoming, cors)
        raw = await read_upload(js_request.body, cors)
    except Refused as refused:
        return refused.response
    try:
        task_input = limits.loads(raw)
    except limits.JSONTooDeep:
        return error_response(
            400,
            "The body is nested too deeply",
            cors,
            {"max_depth": limits.MAX_JSON_DEPTH},
        )
    except ValueError:
        return error_response(400, "The body must be a TaskRunInput JSON object", cors)
    if not isinstance(task_input, dict):
        return error_response(400, "The body must be a TaskRunInput JSON object", cors)
    task_input["enable_events"] = True

    link = ClientLink(js_request)
    streaming = None
    try:
        upstream = Upstream(origin, incoming, link.signal)
        try:
            created = await upstream.create(compact(task_input))
        except Exception as exc:
            return _gone_or_unreachable(link, exc, cors)
        if not 200 <= int(created.status) < 300:
            return _passthrough(created, cors)
        try:
            run = await read_json(created, limits.MAX_RUN_BYTES)
            run_id = str(run["run_id"])
        except (Unreadable, KeyError, TypeError) as exc:
            if link.gone:
                return _gone_or_unreachable(link, exc, cors)
            return error_response(
                502, "The upstream created a run but its answer was unreadable", cors
            )
        if not RUN_ID.fullmatch(run_id):
            return error_response(
                502, "The upstream created a run with a malformed id", cors, {"run_id": run_id[:80]}
            )
        if _wants_sse(incoming):
            streaming, response = await _open_stream(
                ctx, upstream, link, run_id, run, Cursor(), cors, heartbeat
            )
            return response
        return await _wait_for_result(upstream, link, run_id, cors)
    finally:
        if streaming is None:
            link.release()


def _gone_or_unreachable(link: ClientLink, exc: BaseException, cors):
    if link.gone:  # nobody reads this answer; the upstream request was aborted on purpose
        return error_response(499, "The client closed the request", cors)
    return unreachable_response("runs", exc, cors)


async def _wait_for_result(upstream: Upstream, link: ClientLink, run_id: str, cors):
    """JSON mode: block on the result endpoint, retrying its 408 (run still active)."""
    budget = RequestBudget()
    for _ in range(MAX_RESULT_WAIT_ATTEMPTS):
        try:
            await link.sleep(budget.reserve())
            resp = await upstream.result(run_id)
        except Exception as exc:  # ClientGone included: nobody reads the answer then
            return _gone_or_unreachable(link, exc, cors)
        if int(resp.status) == 408:
            await discard(resp)
            continue
        return _passthrough(resp, cors)
    return error_response(504, "Timed out waiting for the result", cors, {"run_id": run_id})


async def handle_stream(
    js_request,
    origin: str,
    ctx,
    cors,
    run_id: str,
    query: str,
    heartbeat: float = HEARTBEAT_SECONDS,
):
    """GET /tasks-sse/runs/{run_id}/stream: the same stream for an existing run, resumable."""
    if not RUN_ID.fullmatch(run_id):
        return error_response(400, "Malformed run id", cors)
    incoming = header_pairs(js_request.headers)
    last_id = header_policy.get(incoming, "last-event-id")
    if last_id is None:
        last_id = _query_value(query, "last_event_id")
    try:
        cursor = Cursor.decode(last_id)
        if not Relay.resumable(cursor):
            raise ValueError("out of range")
    except ValueError:
        return error_response(
            400,
            "Last-Event-ID is not an id this stream issued",
            cors,
            {"last_event_id": (last_id or "")[:100]},
        )
    if cursor.ended:
        # Everything was delivered; 204 also tells an EventSource to stop reconnecting.
        return respond(None, 204, cors)
    link = ClientLink(js_request)
    streaming = None
    try:
        upstream = Upstream(origin, incoming, link.signal)
        run = None
        if cursor.n == 0:
            try:
                resp = await upstream.run(run_id)
            except Exception as exc:
                return _gone_or_unreachable(link, exc, cors)
            if int(resp.status) != 200:
                return _passthrough(resp, cors)
            try:
                run = await read_json(resp, limits.MAX_RUN_BYTES)
            except Unreadable as exc:
                if link.gone:
                    return _gone_or_unreachable(link, exc, cors)
                return error_response(502, "The upstream's run was unreadable", cors)
        streaming, response = await _open_stream(
            ctx, upstream, link, run_id, run, cursor, cors, heartbeat
        )
        return response
    finally:
        if streaming is None:
            link.release()


def _query_value(query: str, name: str) -> str | None:
    values = parse_qs(query, keep_blank_values=True).get(name)
    return values[0] if values else None


def method_not_allowed(cors, allow: str):
    return error_response(405, "Method not allowed", cors, extra=[("allow", allow)])
