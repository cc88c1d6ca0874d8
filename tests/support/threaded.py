"""An ASGI app served by uvicorn in a daemon thread on a free loopback port, for test upstreams
that a test reads from directly (what they recorded) while the Worker talks to them over HTTP."""

from __future__ import annotations

import threading
import time

import uvicorn

from tests.support.servers import free_port


class ThreadedServer:
    def __init__(self, app, port: int | None = None, **config):
        self.port = port or free_port()
        self._config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            interface="asgi3",
            **config,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, deadline_s: float = 10.0) -> ThreadedServer:
        self._server = uvicorn.Server(self._config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        end = time.monotonic() + deadline_s
        while not self._server.started:
            if time.monotonic() > end or not self._thread.is_alive():
                raise RuntimeError(f"the test server on port {self.port} did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


async def read_body(receive) -> bytes:
    """The whole request body of an ASGI http request."""
    body = bytearray()
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return bytes(body)
