"""`POST /tasks-sse/run` and `GET /tasks-sse/runs/{run_id}/stream`: one call from a terminal.

Stateless like the proxy. SSE mode writes into a TransformStream from a background task (kept alive
with ctx.waitUntil); the deduplication and event ids live in the pure `relay` module, the framing
in `sse`. Upstream requests carry the client's own x-api-key and the events beta header.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from urllib.parse import parse_qs

import js
from pyodide.ffi import create_once_callable
from workers import fetch

import headers as header_policy
from heartbeat import with_heartbeat
from interop import (
    error_response,
    header_pairs,
    is_null,
    respond,
    to_js_headers,
    unreachable_response,
)
from relay import (
    TERMINAL_OK,
    Cursor,
    Relay,
    compact,
    error_payload,
    failed_run_payload,
    upstream_error_payload,
)
from sse import ByteSSEParser, format_comment, format_event

EVENTS_BETA = "events-sse-2025-07-24"
MAX_BODY_BYTES = 1024 * 1024
HEARTBEAT_SECONDS = 15.0
RESULT_TIMEOUT_SECONDS = 60
MAX_RESULT_WAIT_ATTEMPTS = 240  # 240 x 60 s: four hours, longer than any processor runs
MAX_QUICK_FAILURES = 6  # upstream connections in a row that brought nothing new
TERMINAL_DRAIN_SECONDS = 5.0
RUN_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")

# Tasks writing SSE responses; a strong reference keeps them from being garbage collected.
_STREAM_TASKS: set = set()


class ClientGone(Exception):
    """The client stopped reading the stream."""


# --- upstream calls -----------------------------------------------------------------------------


class Upstream:
    """The Task API as seen with this client's credentials."""

    def __init__(self, origin: str, client_headers: list[tuple[str, str]]):
        self.origin = origin.strip().rstrip("/")
        drop = {"content-type", "accept", "last-event-id", "parallel-beta"}
        self.base = [
            (n, v) for n, v in header_policy.request_headers(client_headers) if n not in drop
        ]
        betas = [
            b.strip()
            for b in (header_policy.get(client_headers, "parallel-beta") or "").split(",")
            if b.strip()
        ]
        if EVENTS_BETA not in betas:
            betas.append(EVENTS_BETA)
        self.beta = ",".join(betas)

    async def _call(self, method: str, path: str, accept: str, body: str | None = None):
        pairs = [*self.base, ("accept", accept), ("parallel-beta", self.beta)]
        options = {"method": method, "redirect": "manual"}
        if body is not None:
            pairs.append(("content-type", "application/json"))
            options["body"] = body
        options["headers"] = to_js_headers(pairs)
        return await fetch(f"{self.origin}/{path}", **options)

    async def create(self, task_input: dict):
        return await self._call("POST", "v1/tasks/runs", "application/json", json.dumps(task_input))

    async def run(self, run_id: str):
        return await self._call("GET", f"v1/tasks/runs/{run_id}", "application/json")

    async def events(self, run_id: str):
        return await self._call("GET", f"v1beta/tasks/runs/{run_id}/events", "text/event-stream")

    async def result(self, run_id: str, timeout: int = RESULT_TIMEOUT_SECONDS):
        return await self._call(
            "GET", f"v1/tasks/runs/{run_id}/result?timeout={timeout}", "application/json"
        )


def _passthrough(upstream, cors):
    """An upstream answer as it came (status, body stream), with the proxy's header policy."""
    js_resp = upstream.js_object
    out = header_policy.response_headers(header_pairs(js_resp.headers)) + cors
    body = None if is_null(js_resp.body) else js_resp.body
    return respond(body, int(js_resp.status), out, str(js_resp.statusText or ""))


async def _read_limited(js_request, limit: int) -> bytes | None:
    """The request body, or None when it is larger than `limit` (stops reading right there)."""
    body = js_request.body
    if is_null(body):
        return b""
    reader = body.getReader()
    chunks, size = [], 0
    while True:
        result = await reader.read()
        if result.done:
            break
        chunk = result.value.to_bytes()
        size += len(chunk)
        if size > limit:
            await reader.cancel()
            return None
        chunks.append(chunk)
    return b"".join(chunks)


# --- the SSE writer -----------------------------------------------------------------------------


class EventSink:
    """The response body of an SSE answer, written to from Python."""

    def __init__(self):
        stream = js.TransformStream.new()
        self.readable = stream.readable
        self._writer = stream.writable.getWriter()
        self._encoder = js.TextEncoder.new()

    async def write(self, text: str) -> None:
        try:
            await self._writer.write(self._encoder.encode(text))
        except Exception as exc:
            raise ClientGone from exc

    async def close(self) -> None:
        with contextlib.suppress(Exception):  # the client went away: nothing left to close
            await self._writer.close()


async def _with_heartbeat(awaitable, sink: EventSink, interval: float):
    """Await `awaitable`, writing a keepalive comment whenever the wait exceeds `interval`."""
    return await with_heartbeat(
        awaitable, lambda: sink.write(format_comment("keepalive")), interval
    )


async def _awaited(promise):
    return await promise


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


class StreamJob:
    """Relay one run's events to one client, reconnecting upstream until the run has ended."""

    def __init__(
        self, upstream: Upstream, run_id: str, relay: Relay, sink: EventSink, heartbeat: float
    ):
        self.upstream = upstream
        self.run_id = run_id
        self.relay = relay
        self.sink = sink
        self.heartbeat = heartbeat

    async def send(self, out) -> None:
        if out is not None:
            await self.sink.write(format_event(out.type, out.data, out.id))

    async def run(self, run: dict | None, first_connection) -> None:
        try:
            if run is not None:
                await self.send(self.relay.run_event(run))
            await self._relay_events(first_connection)
            await self._finish()
        except ClientGone:
            pass
        except Exception as exc:
            print(f"tasks-sse runs: stream failed ({type(exc).__name__})")
            with contextlib.suppress(ClientGone):
                await self.send(self.relay.error(error_payload("The Worker's relay failed")))
        finally:
            await self.sink.close()

    async def _relay_events(self, connection) -> None:
        quick_failures = 0
        while not self.relay.terminal_run:
            if connection is None:
                try:
                    connection = await _with_heartbeat(
                        self.upstream.events(self.run_id), self.sink, self.heartbeat
                    )
                except ClientGone:
                    raise
                except Exception:
                    connection = None
            status = int(connection.status) if connection is not None else 0
            if connection is not None and status == 200 and not is_null(connection.js_object.body):
                delivered = await self._pump(connection.js_object.body)
            else:
                if connection is not None and 400 <= status < 500 and status not in (408, 429):
                    text = await connection.text()
                    await self.send(self.relay.error(upstream_error_payload(status, text)))
                    return
                delivered = 0
            connection = None
            if self.relay.terminal_run:
                return
            # The upstream closed the stream while the run is still active: reconnect. Back off
            # only when connections keep ending without anything new.
            quick_failures = 0 if delivered else quick_failures + 1
            if quick_failures >= MAX_QUICK_FAILURES:
                await self.send(
                    self.relay.error(
                        error_payload("The upstream event stream keeps closing without new events")
                    )
                )
                return
            if quick_failures:
                await _with_heartbeat(
                    asyncio.sleep(0.25 * 2**quick_failures), self.sink, self.heartbeat
                )

    async def _pump(self, body) -> int:
        """Relay one upstream connection; returns how many events were new to the client."""
        self.relay.new_connection()
        pending = []
        parser = ByteSSEParser(pending.append)
        reader = body.getReader()
        delivered = 0
        try:
            while True:
                read = _awaited(reader.read())
                if self.relay.terminal_run:
                    # After the final state the upstream replays the rest at once and closes;
                    # do not wait for a close that might never come.
                    result = await asyncio.wait_for(read, TERMINAL_DRAIN_SECONDS)
                else:
                    result = await _with_heartbeat(read, self.sink, self.heartbeat)
                if result.done:
                    parser.end()
                    break
                parser.feed(result.value.to_bytes())
                for event in pending:
                    out = self.relay.accept(event.type, event.data)
                    if out is not None:
                        delivered += 1
                        await self.send(out)
                pending.clear()
        except ClientGone:
            await _cancel(reader)
            raise
        except TimeoutError:
            await _cancel(reader)
        except Exception as exc:  # the upstream connection broke: reconnect like a close
            print(f"tasks-sse runs: upstream stream broke ({type(exc).__name__})")
            await _cancel(reader)
        held_back = self.relay.end_connection()
        if held_back is not None:
            delivered += 1
            await self.send(held_back)
        return delivered

    async def _finish(self) -> None:
        if self.relay.ended:
            return
        run = self.relay.terminal_run or {}
        if run.get("status") != TERMINAL_OK:
            await self.send(self.relay.error(failed_run_payload(run)))
            return
        for _ in range(MAX_RESULT_WAIT_ATTEMPTS):
            resp = await _with_heartbeat(
                self.upstream.result(self.run_id), self.sink, self.heartbeat
            )
            status = int(resp.status)
            text = await resp.text()
            if status == 408:
                continue
            if status == 200:
                try:
                    await self.send(self.relay.done(compact(json.loads(text))))
                except ValueError:
                    await self.send(self.relay.error(upstream_error_payload(status, text)))
                return
            await self.send(self.relay.error(upstream_error_payload(status, text)))
            return
        await self.send(self.relay.error(error_payload("Timed out waiting for the result")))


async def _cancel(reader) -> None:
    with contextlib.suppress(Exception):  # already closed
        await reader.cancel()


# --- handlers -----------------------------------------------------------------------------------


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


async def _open_stream(ctx, upstream, run_id, run, cursor, cors, heartbeat):
    """Open the first upstream connection (so its errors keep their status), then stream."""
    try:
        connection = await upstream.events(run_id)
    except Exception as exc:
        return unreachable_response("runs", exc, cors)
    if int(connection.status) != 200:
        return _passthrough(connection, cors)
    sink = EventSink()
    job = StreamJob(upstream, run_id, Relay(cursor), sink, heartbeat)
    _keep_alive(ctx, asyncio.ensure_future(job.run(run, connection)))
    return respond(sink.readable, 200, _sse_headers(cors))


async def handle_run(js_request, origin: str, ctx, cors, heartbeat: float = HEARTBEAT_SECONDS):
    """POST /tasks-sse/run: create the run, then stream it (SSE) or wait for its result (JSON)."""
    incoming = header_pairs(js_request.headers)
    length = header_policy.get(incoming, "content-length")
    if length is not None and (not length.strip().isdigit() or int(length) > MAX_BODY_BYTES):
        return error_response(413, "Request body too large", cors, {"max_bytes": MAX_BODY_BYTES})
    raw = await _read_limited(js_request, MAX_BODY_BYTES)
    if raw is None:
        return error_response(413, "Request body too large", cors, {"max_bytes": MAX_BODY_BYTES})
    try:
        task_input = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return error_response(400, "The body must be a TaskRunInput JSON object", cors)
    if not isinstance(task_input, dict):
        return error_response(400, "The body must be a TaskRunInput JSON object", cors)
    task_input["enable_events"] = True

    upstream = Upstream(origin, incoming)
    try:
        created = await upstream.create(task_input)
    except Exception as exc:
        return unreachable_response("runs", exc, cors)
    if not 200 <= int(created.status) < 300:
        return _passthrough(created, cors)
    try:
        run = json.loads(await created.text())
        run_id = str(run["run_id"])
    except (ValueError, KeyError, TypeError):
        return error_response(502, "The upstream created a run but its answer was unreadable", cors)

    if _wants_sse(incoming):
        return await _open_stream(ctx, upstream, run_id, run, Cursor(), cors, heartbeat)
    return await _wait_for_result(upstream, run_id, cors)


async def _wait_for_result(upstream: Upstream, run_id: str, cors):
    """REST mode: block on the result endpoint, retrying its 408 (run still active)."""
    for _ in range(MAX_RESULT_WAIT_ATTEMPTS):
        try:
            resp = await upstream.result(run_id)
        except Exception as exc:
            return unreachable_response("runs", exc, cors)
        if int(resp.status) == 408:
            await resp.text()  # drain so the connection can be reused
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
    upstream = Upstream(origin, incoming)
    run = None
    if cursor.n == 0:
        try:
            resp = await upstream.run(run_id)
        except Exception as exc:
            return unreachable_response("runs", exc, cors)
        if int(resp.status) != 200:
            return _passthrough(resp, cors)
        try:
            run = json.loads(await resp.text())
        except ValueError:
            return error_response(502, "The upstream's run was unreadable", cors)
    return await _open_stream(ctx, upstream, run_id, run, cursor, cors, heartbeat)


def _query_value(query: str, name: str) -> str | None:
    values = parse_qs(query, keep_blank_values=True).get(name)
    return values[0] if values else None


def method_not_allowed(cors, allow: str):
    return error_response(405, "Method not allowed", cors, extra=[("allow", allow)])
