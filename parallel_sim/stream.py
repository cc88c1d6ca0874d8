"""Server-Sent Event streams for a task run: replay, then live from the run's timeline.

Per connection (spec section 6): task_run.state first; the whole message trace with original
timestamps; only the latest progress_stats; then live events; the final task_run.state with the
output, then the stream ends. A stream still open after the maximum duration is closed cleanly,
so clients must reconnect (the real API closes after 570 s).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from .clock import Clock
from .events import TraceEvent, frame
from .faults import Faults
from .runs import Run
from .util import ref_id

STATS = "task_run.progress_stats"

SSE_HEADERS = {
    "cache-control": "no-cache",
    "x-accel-buffering": "no",
}


async def _sleep_until(clock: Clock, at: float, deadline: float) -> bool:
    """Sleep until monotonic `at`; False when the stream's deadline comes first."""
    now = clock.monotonic()
    if deadline <= at:
        if deadline > now:
            await clock.sleep(deadline - now)
        return False
    if at > now:
        await clock.sleep(at - now)
    return True


async def run_events(
    run: Run, faults: Faults, max_seconds: float, clock: Clock
) -> AsyncIterator[dict]:
    """The events of one connection to a run's stream, as dicts."""
    started = clock.monotonic()
    deadline = started + (
        faults.max_stream_seconds if faults.max_stream_seconds is not None else max_seconds
    )
    # drop-after cuts only the run's first stream, so a reconnecting client can finish.
    first = run.streams_opened == 0
    run.streams_opened += 1
    limit = faults.drop_after if first else None
    sent = 0

    def budget() -> bool:
        return limit is None or sent < limit

    now = started
    elapsed = run.elapsed(now)
    done = run.is_done(now)
    replay = [e for e in run.trace if e.offset <= elapsed]
    live = [] if done else [e for e in run.trace if e.offset > elapsed]

    initial: list[dict] = [run.state_event(now)]
    initial += [e.payload for e in replay if e.type != STATS]
    latest_stats = next((e for e in reversed(replay) if e.type == STATS), None)
    if latest_stats is not None:
        initial.append(latest_stats.payload)
    for event in initial:
        if not budget():
            return
        yield event
        sent += 1
    pending: list[TraceEvent] = live
    for event in pending:
        if not budget():
            return
        if not await _sleep_until(clock, run.created_mono + event.offset, deadline):
            return
        yield event.payload
        sent += 1
    if not budget():
        return
    if not done and not await _sleep_until(clock, run.end_mono() + 1e-4, deadline):
        return
    # No state event for queued -> running: the docs say task_run.state is sent at the start and
    # on the transition to a non-active status.
    yield run.state_event(with_output=True)


def stream_error() -> dict:
    """The API's in-stream `error` event (its types list it beside the run's own events)."""
    return {
        "type": "error",
        "error": {
            "ref_id": ref_id(),
            "message": "Internal error while streaming events (simulated fault)",
            "detail": {"fault": "stream-error-after"},
        },
    }


async def _with_error(events: AsyncIterator[dict], after: int) -> AsyncIterator[dict]:
    sent = 0
    async with contextlib.aclosing(events):
        async for event in events:
            if sent >= after:
                break
            yield event
            sent += 1
    yield stream_error()


async def encode(events: AsyncIterator[dict], faults: Faults) -> AsyncIterator[bytes]:
    """SSE frames, optionally cut into pieces of `chunk-bytes` bytes; `stream-error-after` ends
    the stream with an error event."""
    size = faults.chunk_bytes
    if faults.stream_error_after is not None:
        events = _with_error(events, faults.stream_error_after)
    async for event in events:
        data = frame(event)
        if not size:
            yield data
            continue
        for i in range(0, len(data), size):
            yield data[i : i + size]
            await asyncio.sleep(0)  # let each piece go out as its own write
