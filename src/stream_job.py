"""Relay one run's events to one client as a single SSE stream, reconnecting upstream as needed.

The job runs as a background task (kept alive with ctx.waitUntil) and writes into a
TransformStream whose readable side is the response body. It ends when the run's terminal
`done`/`error` event was sent, or at once when the client leaves: its ClientLink cancels the task
and aborts every upstream request. After that nothing is awaited on the response, because on
workerd a write to a departed client never settles.
"""

from __future__ import annotations

import asyncio
import contextlib

import js

import limits
from client_link import ClientGone, ClientLink
from heartbeat import with_heartbeat
from reconnect import RequestBudget, reconnect_delay
from relay import (
    TERMINAL_OK,
    Relay,
    compact,
    error_payload,
    failed_run_payload,
    upstream_error_payload,
)
from sse import ByteSSEParser, EventTooLarge, format_comment, format_event
from upstream import Unreadable, Upstream, discard, read_json, upstream_error_text

MAX_RESULT_WAIT_ATTEMPTS = 240  # 240 x 60 s: four hours, longer than any processor runs
MAX_IDLE_CONNECTIONS = 6  # upstream connections in a row that brought nothing new
TERMINAL_DRAIN_SECONDS = 5.0


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
        except Exception as exc:  # a runtime that does report the departed client
            raise ClientGone from exc

    async def close(self) -> None:
        with contextlib.suppress(Exception):  # nothing left to close
            await self._writer.close()


async def _awaited(promise):
    return await promise


class StreamJob:
    def __init__(
        self,
        upstream: Upstream,
        link: ClientLink,
        budget: RequestBudget,
        run_id: str,
        relay: Relay,
        sink: EventSink,
        heartbeat: float,
    ):
        self.upstream = upstream
        self.link = link
        self.budget = budget
        self.run_id = run_id
        self.relay = relay
        self.sink = sink
        self.heartbeat = heartbeat

    async def send(self, out) -> None:
        if out is not None:
            await self.sink.write(format_event(out.type, out.data, out.id))

    async def send_error(self, message: str, detail=None) -> None:
        await self.send(self.relay.error(error_payload(message, detail)))

    async def _beating(self, awaitable):
        """Await `awaitable`, writing a keepalive comment whenever the wait passes the interval."""
        return await with_heartbeat(
            awaitable, lambda: self.sink.write(format_comment("keepalive")), self.heartbeat
        )

    async def _pause(self, seconds: float) -> None:
        if seconds > 0:
            await self._beating(asyncio.sleep(seconds))

    async def run(self, run: dict | None, first_connection) -> None:
        try:
            try:
                if run is not None:
                    await self.send(self.relay.run_event(run))
                await self._relay_events(first_connection)
                await self._finish()
            except (ClientGone, asyncio.CancelledError):
                raise
            except Exception as exc:
                print(f"tasks-sse runs: stream failed ({type(exc).__name__})")
                await self.send_error("The Worker's relay failed")
            await self.sink.close()
        except (ClientGone, asyncio.CancelledError):
            pass  # the client left: nothing more may be awaited on its response
        finally:
            self.link.release(abort=True)

    async def _relay_events(self, connection) -> None:
        idle = 0
        while not self.relay.terminal_run:
            if connection is None:
                await self._pause(self.budget.reserve())
                try:
                    connection = await self._beating(self.upstream.events(self.run_id))
                except (ClientGone, asyncio.CancelledError):
                    raise
                except Exception:
                    connection = None
            status = int(connection.status) if connection is not None else 0
            delivered = 0
            if status == 200:
                try:
                    delivered = await self._pump(connection.body)
                except EventTooLarge:
                    await self.send_error(
                        "The upstream sent an event larger than the Worker relays",
                        {"max_bytes": limits.MAX_EVENT_BYTES},
                    )
                    return
            elif connection is not None:
                if 400 <= status < 500 and status not in (408, 429):
                    text = await upstream_error_text(connection)
                    await self.send(self.relay.error(upstream_error_payload(status, text)))
                    return
                await discard(connection)
            connection = None
            if self.relay.terminal_run:
                return
            # The upstream closed the stream while the run is still active: reconnect, waiting
            # longer each time connections keep ending without anything new.
            idle = 0 if delivered else idle + 1
            if idle >= MAX_IDLE_CONNECTIONS:
                await self.send_error("The upstream event stream keeps closing without new events")
                return
            await self._pause(reconnect_delay(idle))

    async def _pump(self, body) -> int:
        """Relay one upstream connection; returns how many events were new to the client."""
        self.relay.new_connection()
        pending = []
        parser = ByteSSEParser(pending.append, max_event_chars=limits.MAX_EVENT_BYTES)
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
                    result = await self._beating(read)
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
        except (ClientGone, asyncio.CancelledError, EventTooLarge):
            _cancel_soon(reader)
            raise
        except TimeoutError:
            _cancel_soon(reader)
        except Exception as exc:  # the upstream connection broke: reconnect like a close
            print(f"tasks-sse runs: upstream stream broke ({type(exc).__name__})")
            _cancel_soon(reader)
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
            await self._pause(self.budget.reserve())
            resp = await self._beating(self.upstream.result(self.run_id))
            status = int(resp.status)
            if status == 408:
                await discard(resp)
                continue
            if status != 200:
                text = await upstream_error_text(resp)
                await self.send(self.relay.error(upstream_error_payload(status, text)))
                return
            try:
                result = await read_json(resp, limits.MAX_RESULT_BYTES)
            except Unreadable as exc:
                await self.send_error("The upstream's result was unreadable", str(exc))
                return
            await self.send(self.relay.done(compact(result)))
            return
        await self.send_error("Timed out waiting for the result")


def _cancel_soon(reader) -> None:
    """Cancel an upstream body without awaiting it (the promise may settle late, or never).
    `Boolean` is a built-in JS function used as a no-op rejection handler: no PyProxy to free."""
    with contextlib.suppress(Exception):  # already released or closed
        reader.cancel().catch(js.Boolean)
