"""The simulator inside your own tests.

Two ways, both yielding a base URL and an API key for any client (Parallel's SDKs included):

- ``serve()``: a context manager running the simulator on a free loopback port in a background
  thread; real HTTP, so another process (a Node test, a browser) can use it too.
- ``InProcessSimulator``: no socket at all. Its ``transport`` is an httpx transport that calls
  the ASGI app directly (streaming responses included), and its clock fast-forwards through every
  wait, so a run that takes minutes on the real API finishes at once.

    from parallel import Parallel
    from parallel_sim.testing import serve

    with serve() as sim:
        client = Parallel(base_url=sim.base_url, api_key=sim.api_key)

The pytest fixture ``parallel_sim_server`` (``pytest_plugins = ["parallel_sim.testing"]``) does
the same for a whole test session.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import queue
import socket
import threading
from collections.abc import Iterator

import httpx

from .app import build_app
from .clock import Clock, FastForwardClock
from .config import Config

IN_PROCESS_URL = "http://parallel-sim.test"


@dataclasses.dataclass
class Running:
    base_url: str
    api_key: str
    config: Config


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(config: Config | None = None, **settings) -> Iterator[Running]:
    """The simulator on a free port of 127.0.0.1 until the block ends.

    `settings` are Config fields (speed, seed, api_key, fault, ...)."""
    import uvicorn  # the server stack is only needed here

    config = dataclasses.replace(config or Config(), **settings)
    config.host = "127.0.0.1"
    config.port = _free_port(config.host)
    server = uvicorn.Server(
        uvicorn.Config(
            build_app(config),
            host=config.host,
            port=config.port,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=1,
        )
    )
    thread = threading.Thread(target=server.run, name="parallel-sim", daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the simulator did not start")
            thread.join(0.01)
        yield Running(f"http://{config.host}:{config.port}", config.api_key, config)
    finally:
        server.should_exit = True
        thread.join(10)


class _Body(httpx.SyncByteStream):
    """A response body fed by the app's `send` calls, one piece per ASGI body message."""

    def __init__(self, pieces: queue.Queue, disconnect, timeout: float) -> None:
        self._pieces = pieces
        self._disconnect = disconnect
        self._timeout = timeout

    def __iter__(self) -> Iterator[bytes]:
        while True:
            try:
                kind, value = self._pieces.get(timeout=self._timeout)
            except queue.Empty:
                raise httpx.ReadTimeout("no data from the simulator in time") from None
            if kind == "body":
                if value:
                    yield value
            elif kind == "error":
                raise httpx.RemoteProtocolError(f"the app failed: {value!r}")
            else:
                return

    def close(self) -> None:
        self._disconnect()  # like a client closing its connection mid-stream


class InProcessSimulator:
    """The ASGI app on an event loop in a background thread, called without a socket."""

    def __init__(self, config: Config | None = None, clock: Clock | None = None, **settings):
        self.config = dataclasses.replace(config or Config(), **settings)
        self.clock = clock if clock is not None else FastForwardClock()
        self.app = build_app(self.config, self.clock)
        self.sim = self.app.state.sim
        self.base_url = self.url = IN_PROCESS_URL
        self.api_key = self.config.api_key
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="parallel-sim-in-process", daemon=True
        )
        self._thread.start()
        self.transport = _Transport(self)

    def run(self, coro, timeout: float = 60.0):
        """Run a coroutine on the simulator's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def client(self, **kw) -> httpx.Client:
        kw.setdefault("headers", {"x-api-key": self.api_key})
        kw.setdefault("timeout", 60)
        return httpx.Client(transport=self.transport, base_url=self.base_url, **kw)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.run(self.sim.webhooks.close(), 10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()

    def __enter__(self) -> InProcessSimulator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Transport(httpx.BaseTransport):
    def __init__(self, owner: InProcessSimulator) -> None:
        self.owner = owner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        owner = self.owner
        loop = owner.loop
        timeout = (request.extensions.get("timeout") or {}).get("read") or 60.0
        url = request.url
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": url.scheme,
            "path": url.path,
            "raw_path": url.raw_path.split(b"?")[0],
            "query_string": url.query,
            "root_path": "",
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "client": ("127.0.0.1", 50000),
            "server": (url.host, url.port or 80),
            "state": {},
        }
        pieces: queue.Queue = queue.Queue()
        body = iter(request.stream)
        gone = asyncio.Event()
        done_body = False

        async def receive() -> dict:
            nonlocal done_body
            if not done_body:
                # The request body is pulled piece by piece, only as the app asks for it.
                chunk = next(body, None)
                if chunk is not None:
                    return {"type": "http.request", "body": bytes(chunk), "more_body": True}
                done_body = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            if gone.is_set():
                raise OSError("client disconnected")
            if message["type"] == "http.response.start":
                pieces.put(("start", message))
            elif message["type"] == "http.response.body":
                pieces.put(("body", message.get("body", b"")))
                if not message.get("more_body", False):
                    pieces.put(("end", None))

        async def call() -> None:
            try:
                await owner.app(scope, receive, send)
            except Exception as e:  # surfaced to the test as a protocol error
                pieces.put(("error", e))
            finally:
                pieces.put(("end", None))

        future = asyncio.run_coroutine_threadsafe(call(), loop)

        def disconnect() -> None:
            loop.call_soon_threadsafe(gone.set)

        try:
            kind, value = pieces.get(timeout=timeout)
        except queue.Empty:
            disconnect()
            future.cancel()
            raise httpx.ReadTimeout("the simulator did not answer in time") from None
        if kind != "start":
            raise httpx.RemoteProtocolError(f"the app ended without a response: {value!r}")
        return httpx.Response(
            value["status"],
            headers=[(k, v) for k, v in value.get("headers", [])],
            stream=_Body(pieces, disconnect, timeout),
            extensions={"http_version": b"HTTP/1.1"},
        )


@contextlib.contextmanager
def _pytest_server() -> Iterator[Running]:
    with serve() as running:
        yield running


try:  # the fixture, for test suites that load this module as a pytest plugin
    import pytest

    @pytest.fixture(scope="session")
    def parallel_sim_server() -> Iterator[Running]:
        """A simulator for the session: `.base_url`, `.api_key`."""
        with _pytest_server() as running:
            yield running

except ImportError:  # pytest is not needed to use the simulator
    pass
