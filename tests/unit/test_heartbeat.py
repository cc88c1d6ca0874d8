"""Heartbeats while a wait is long; none when it is quick; the wait is cancelled on failure."""

import asyncio

import pytest

from heartbeat import with_heartbeat


async def test_beats_while_waiting_then_returns_the_result():
    release = asyncio.Event()
    beats = []

    async def beat():
        beats.append(1)
        if len(beats) == 3:
            release.set()

    async def slow():
        await release.wait()
        return "value"

    assert await with_heartbeat(slow(), beat, 0.001) == "value"
    assert len(beats) == 3


async def test_no_beat_when_the_result_is_ready():
    beats = []

    async def beat():
        beats.append(1)

    async def quick():
        return 7

    assert await with_heartbeat(quick(), beat, 60) == 7
    assert beats == []


async def test_failing_beat_cancels_the_wait():
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def never():
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def beat():
        raise ConnectionError("client gone")

    with pytest.raises(ConnectionError):
        await with_heartbeat(never(), beat, 0.001)
    await asyncio.wait_for(cancelled.wait(), 5)
    assert started.is_set()


async def test_errors_of_the_awaited_propagate():
    async def boom():
        raise ValueError("x")

    async def beat():
        pass

    with pytest.raises(ValueError):
        await with_heartbeat(boom(), beat, 60)
