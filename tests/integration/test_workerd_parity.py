"""How the platform treats a Worker, as measured on real workerd: these tests hold on both.

A small Python Worker of this file's own (a plain pass-through proxy, a Worker-made event stream,
a request that waits for its client, an upload it cuts short) runs in front of a recording stub
upstream, on the local runtime or on `wrangler dev` (TEST_WORKER=wrangler). Nothing here depends
on src/worker.py: these are the platform's facts the project's Worker is built on.
"""

from __future__ import annotations

import asyncio
import json
import textwrap
import time

import httpx
import pytest

from tests.support.servers import free_port, start_worker
from tests.support.threaded import ThreadedServer, read_body

WORKER = '''
import asyncio
import json

import js
from pyodide.ffi import create_once_callable, create_proxy, to_js
from workers import Response, WorkerEntrypoint

try:
    from pyodide.ffi import jsnull
except ImportError:
    jsnull = None

# Per key: what the Worker saw of its client (module state lives as long as the isolate).
STATE = {}
TASKS = set()


def is_null(value):
    return value is None or (jsnull is not None and value is jsnull)


def js_object(value):
    return to_js(value, dict_converter=js.Object.fromEntries)


def record(key):
    return STATE.setdefault(key, {"aborted": False, "writes": 0, "write_error": None,
                                  "pending_since": None})


def watch_signal(js_request, key):
    """Record when request.signal aborts; a future that resolves then."""
    future = asyncio.get_event_loop().create_future()

    def on_abort(*_):
        record(key)["aborted"] = True
        if not future.done():
            future.set_result(None)

    signal = js_request.signal
    if signal.aborted:
        on_abort()
    else:
        signal.addEventListener("abort", create_proxy(on_abort))
    return future


def keep_alive(ctx, coro):
    task = asyncio.ensure_future(coro)
    TASKS.add(task)
    task.add_done_callback(TASKS.discard)

    def executor(resolve, _reject):
        task.add_done_callback(lambda _t: resolve())

    ctx.waitUntil(js.Promise.new(create_once_callable(executor)))


async def write_forever(writer, key):
    """Write an event every 50 ms; note when a write is pending and whether one rejects."""
    state = record(key)
    encoder = js.TextEncoder.new()
    try:
        for i in range(100000):
            state["pending_since"] = float(js.Date.now())
            await writer.write(encoder.encode(f"data: {i}\\n\\n"))
            state["pending_since"] = None
            state["writes"] = i + 1
            await asyncio.sleep(0.05)
    except Exception as exc:
        state["write_error"] = type(exc).__name__


class Cutter:
    """A transform that errors its stream once more than `limit` bytes went through."""

    def __init__(self, limit):
        self.limit = limit
        self.seen = 0

    def transform(self, chunk, controller):
        self.seen += chunk.byteLength
        if self.seen > self.limit:
            controller.error(js.Error.new("cut short by the Worker"))
            return
        controller.enqueue(chunk)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        js_request = request.js_object
        url = js.URL.new(js_request.url)
        path, query = str(url.pathname), str(url.search)
        key = str(url.searchParams.get("key") or "-")
        if path == "/w/status":
            state = dict(record(key))
            since = state.pop("pending_since")
            state["pending_ms"] = 0 if since is None else float(js.Date.now()) - since
            return Response(json.dumps(state), headers={"content-type": "application/json"})
        if path == "/w/hold":
            await asyncio.wait({watch_signal(js_request, key)}, timeout=20)
            return Response("held")
        if path == "/w/own-stream":
            watch_signal(js_request, key)
            stream = js.TransformStream.new()
            keep_alive(self.ctx, write_forever(stream.writable.getWriter(), key))
            return Response(js.Response.new(stream.readable, js_object(
                {"headers": [["content-type", "text/event-stream"]]})))
        if path.startswith("/w/proxy/"):
            return await self.forward(js_request, path[len("/w/proxy"):] + query, None)
        if path.startswith("/w/cut-upload/"):
            cutter = Cutter(int(str(url.searchParams.get("limit"))))
            transformer = js_object({"transform": create_proxy(cutter.transform)})
            body = js_request.body.pipeThrough(js.TransformStream.new(transformer))
            return await self.forward(js_request, path[len("/w/cut-upload"):], body)
        return await self.env.ASSETS.fetch(request)

    async def forward(self, js_request, rest, body):
        """A plain proxy: content-type and x- headers only; the body stream as it is."""
        pairs = js.Array.from_(js_request.headers).to_py()
        headers = [[k, v] for k, v in pairs if k == "content-type" or k.startswith("x-")]
        options = {"method": str(js_request.method), "headers": headers, "redirect": "manual"}
        if body is None and not is_null(js_request.body):
            body = js_request.body
        if body is not None:
            options["body"] = body
            options["duplex"] = "half"
        upstream = await js.fetch(str(self.env.PARALLEL_API_ORIGIN) + rest, js_object(options))
        init = js_object({"status": upstream.status, "headers": upstream.headers})
        return Response(js.Response.new(upstream.body, init))
'''

WRANGLER_TOML = """\
name = "parity"
main = "src/worker.py"
compatibility_date = "2025-11-01"
compatibility_flags = ["python_workers", "enable_request_signal"]

[assets]
directory = "public"
binding = "ASSETS"
run_worker_first = ["/w/*"]

[vars]
PARALLEL_API_ORIGIN = ""
"""


# --- a recording upstream ----------------------------------------------------------------------


class Upstream:
    """uvicorn on a free loopback port. `seen[path]`: (headers, body) of the last request there;
    `outcomes[key]`: how a /slow or /forever request ended ("answered" or "disconnected")."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.seen: dict[str, tuple[dict[str, str], bytes]] = {}
        self.outcomes: dict[str, str] = {}

    def start(self) -> Upstream:
        self._server = ThreadedServer(self.app, self.port).start()
        return self

    def stop(self) -> None:
        self._server.stop()

    async def app(self, scope, receive, send):
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        path = scope["path"]
        self.seen[path] = (headers, bytes(body))
        query = dict(p.split("=", 1) for p in scope["query_string"].decode().split("&") if "=" in p)
        key = query.get("key", "-")
        if path == "/echo":
            payload = json.dumps({"length": len(body)}).encode()
            await _start(send, 200, "application/json", len(payload))
            await send({"type": "http.response.body", "body": payload})
        elif path == "/slow":
            await asyncio.sleep(int(query.get("delay_ms", "1000")) / 1000)
            if await _gone(receive, 0.01):
                self.outcomes[key] = "disconnected"
                return
            self.outcomes[key] = "answered"
            await _start(send, 200, "text/plain", 4)
            await send({"type": "http.response.body", "body": b"slow"})
        elif path == "/cut":
            await _start(send, 200, "text/event-stream", None)
            event = b"event: tick\nid: 0\ndata: {}\n\n"
            await send({"type": "http.response.body", "body": event, "more_body": True})
            raise RuntimeError("stub: the connection drops mid-body (on purpose)")
        elif path == "/forever":
            await _start(send, 200, "text/event-stream", None)
            for i in range(10**6):
                tick = f"event: tick\nid: {i}\ndata: {{}}\n\n".encode()
                await send({"type": "http.response.body", "body": tick, "more_body": True})
                if await _gone(receive, 0.1):
                    self.outcomes[key] = "disconnected"
                    return
        else:
            await _start(send, 404, "text/plain", 0)
            await send({"type": "http.response.body", "body": b""})


async def _start(send, status, content_type, length):
    headers = [(b"content-type", content_type.encode())]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})


async def _gone(receive, timeout: float) -> bool:
    try:
        message = await asyncio.wait_for(receive(), timeout=timeout)
    except TimeoutError:
        return False
    return message["type"] == "http.disconnect"


def wait_until(predicate, what: str, timeout: float = 15.0) -> None:
    """Wait for a condition, with a deadline (never a bare sleep as synchronisation)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.02)


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def upstream():
    server = Upstream().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def worker(tmp_path_factory, log_dir, upstream):
    root = tmp_path_factory.mktemp("parity")
    (root / "src").mkdir()
    (root / "src" / "worker.py").write_text(textwrap.dedent(WORKER))
    (root / "wrangler.toml").write_text(WRANGLER_TOML)
    (root / "public").mkdir()
    (root / "public" / "app.js").write_text("export const x = 1;\n")
    (root / "public" / "_headers").write_text("/*\n  X-Parity: rules-apply\n")
    server = start_worker(
        log_dir, upstream=upstream.url, env={"WRANGLER_CONFIG": str(root / "wrangler.toml")}
    )
    yield server
    server.stop()


def status(worker, key: str) -> dict:
    return httpx.get(f"{worker.url}/w/status?key={key}", timeout=10).json()


def unique(name: str) -> str:
    return f"{name}-{time.monotonic_ns()}"


# --- request.signal (enable_request_signal) ----------------------------------------------------


def test_request_signal_aborts_when_the_client_leaves_before_the_headers(worker):
    key = unique("hold")
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{worker.url}/w/hold?key={key}", timeout=0.5)
    wait_until(lambda: status(worker, key)["aborted"], "request.signal never aborted")


def test_a_worker_made_stream_is_left_pending_when_its_client_leaves(worker):
    """The Worker learns of the departure from request.signal only: its write() neither
    settles nor rejects (workerd stops reading the stream; it does not cancel it)."""
    key = unique("own")
    with httpx.stream("GET", f"{worker.url}/w/own-stream?key={key}", timeout=10) as r:
        assert r.status_code == 200
        for chunk in r.iter_text():
            if "\n\n" in chunk:
                break
    wait_until(lambda: status(worker, key)["aborted"], "request.signal never aborted")

    def write_stuck() -> bool:
        state = status(worker, key)
        assert state["write_error"] is None, state  # a write must never reject
        return state["pending_ms"] >= 500

    wait_until(write_stuck, "no write stayed pending after the client left")


def test_a_subrequest_body_passed_through_is_cancelled_when_the_client_leaves(worker, upstream):
    key = unique("forever")
    with httpx.stream("GET", f"{worker.url}/w/proxy/forever?key={key}", timeout=10) as r:
        assert r.status_code == 200
        for chunk in r.iter_text():
            if "\n\n" in chunk:
                break
    wait_until(lambda: upstream.outcomes.get(key) == "disconnected", "upstream left open")


# --- subrequests -------------------------------------------------------------------------------


def test_client_leaving_before_the_headers_does_not_cancel_the_subrequest(worker, upstream):
    key = unique("slow")
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{worker.url}/w/proxy/slow?delay_ms=1500&key={key}", timeout=0.4)
    wait_until(lambda: key in upstream.outcomes, "the slow subrequest never ended")
    assert upstream.outcomes[key] == "answered"


def test_a_body_with_content_length_goes_upstream_with_it_and_no_headers_are_added(
    worker, upstream
):
    """The Worker forwards no content-length header: the body stream carries its length."""
    body = b"x" * 70000
    r = httpx.post(
        f"{worker.url}/w/proxy/echo", content=body, headers={"content-type": "text/plain"}
    )
    assert r.status_code == 200
    assert r.json() == {"length": len(body)}
    headers, seen = upstream.seen["/echo"]
    assert seen == body
    assert headers.get("content-length") == str(len(body))
    assert "transfer-encoding" not in headers
    # The client sent accept and accept-encoding; the Worker did not forward them and the
    # platform adds none of its own.
    assert "accept" not in headers
    assert "accept-encoding" not in headers


def test_a_request_body_the_worker_ends_early_reaches_upstream_as_a_shorter_body(worker, upstream):
    limit = 100_000
    sent = b"".join(bytes([i]) * 65536 for i in range(4))

    def chunks():
        for i in range(0, len(sent), 65536):
            yield sent[i : i + 65536]

    r = httpx.post(f"{worker.url}/w/cut-upload/echo?limit={limit}", content=chunks(), timeout=20)
    assert r.status_code == 200  # the fetch succeeded: the upstream answered
    _, seen = upstream.seen["/echo"]
    assert 0 < len(seen) <= limit
    assert r.json() == {"length": len(seen)}
    assert sent.startswith(seen)


def test_upstream_cutting_the_body_mid_stream_ends_the_response_cleanly(worker, upstream):
    """The client gets the bytes sent so far, then a normal end (the chunked terminator):
    httpx raises RemoteProtocolError on a cut instead."""
    with httpx.stream("GET", f"{worker.url}/w/proxy/cut", timeout=10) as r:
        assert r.status_code == 200
        received = b"".join(r.iter_bytes())
    assert received == b"event: tick\nid: 0\ndata: {}\n\n"


# --- assets ------------------------------------------------------------------------------------


def test_javascript_assets_are_text_javascript_utf8(worker):
    r = httpx.get(f"{worker.url}/app.js")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert r.headers["x-parity"] == "rules-apply"


def test_a_missing_asset_is_an_empty_404_that_carries_the_headers_rules(worker):
    r = httpx.get(f"{worker.url}/no-such-file.txt")
    assert r.status_code == 404
    assert r.content == b""
    assert r.headers["x-parity"] == "rules-apply"
