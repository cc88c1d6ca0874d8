"""The simulator's time: real by default; a fast-forward clock for tests.

Everything that reads the time or waits goes through a Clock, so a test can run a simulator whose
waits take no real time while keeping every run's timeline exactly as a real clock would give it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time


class Clock:
    """Real time: monotonic for durations, wall time for timestamps."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    async def wait(self, event: asyncio.Event, seconds: float) -> None:
        """Until `event` is set or `seconds` have passed, whichever comes first."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), max(0.0, seconds))


class FastForwardClock(Clock):
    """Real time plus an offset; a sleep moves the offset to its end at once instead of waiting.

    Time still flows (a test that polls sees runs progress), any wait is instant, and `advance()`
    moves time on by hand. Concurrent sleepers move time to the latest end any of them asked for.
    """

    def __init__(self) -> None:
        self.offset = 0.0
        self._wall0 = time.time() - time.monotonic()

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def time(self) -> float:
        return self._wall0 + self.monotonic()

    def advance(self, seconds: float) -> None:
        self.offset += max(0.0, seconds)

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            end = self.monotonic() + seconds
            self.offset = max(self.offset, end - time.monotonic())
        await asyncio.sleep(0)

    async def wait(self, event: asyncio.Event, seconds: float) -> None:
        # Give other tasks a turn to set the event before jumping over the wait.
        for _ in range(3):
            if event.is_set():
                return
            await asyncio.sleep(0)
        await self.sleep(seconds)
