"""What the Worker knows about one client's connection, and the switch that stops its work.

workerd never reports a departed client through the response stream: a pending write() or
close() on the body the Worker writes into simply never settles. The platform's way to learn it is
`request.signal` (with the `enable_request_signal` compatibility flag), which aborts when the client
disconnects. A ClientLink turns that into: every upstream request made for the client carries
`link.signal` (so they are all aborted), the tasks bound to it are cancelled, and waits end early.
"""

from __future__ import annotations

import asyncio
import contextlib

import js
from pyodide.ffi import create_proxy

from interop import is_null


class ClientGone(Exception):
    """The client went away; nothing more is sent to it."""


class ClientLink:
    def __init__(self, js_request):
        self._controller = js.AbortController.new()
        self.signal = self._controller.signal
        self.gone = False
        self._gone = asyncio.get_event_loop().create_future()
        self._tasks: set[asyncio.Task] = set()
        self._client_signal = None
        self._listener = None
        client_signal = getattr(js_request, "signal", None)
        if client_signal is None or is_null(client_signal):
            return
        if client_signal.aborted:
            self._left()
            return
        self._client_signal = client_signal
        self._listener = create_proxy(self._left)
        client_signal.addEventListener("abort", self._listener)

    def _left(self, *_event) -> None:
        if self.gone:
            return
        self.gone = True
        print("tasks-sse runs: client left; stopping its upstream requests")
        self._controller.abort()
        if not self._gone.done():
            self._gone.set_result(None)
        for task in list(self._tasks):
            task.cancel()

    def bind(self, task: asyncio.Task) -> None:
        """Cancel `task` when the client leaves."""
        if self.gone:
            task.cancel()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds`, or raise ClientGone as soon as the client leaves."""
        if seconds > 0:
            await asyncio.wait({self._gone}, timeout=seconds)
        if self.gone:
            raise ClientGone

    def release(self, abort: bool = False) -> None:
        """Stop listening to the client's signal (the PyProxy is freed). With `abort`, also end
        any upstream request still open for this client."""
        if self._listener is not None:
            with contextlib.suppress(Exception):  # the request may already be gone
                self._client_signal.removeEventListener("abort", self._listener)
            self._listener.destroy()
            self._listener = None
            self._client_signal = None
        if abort:
            self._controller.abort()
