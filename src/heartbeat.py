"""Keep an idle event stream open: wait for something, writing a comment while it takes long.

Pure asyncio (no `js`), so CPython tests run it; in the Worker it wraps every wait of the relay.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def with_heartbeat(
    awaitable: Awaitable, beat: Callable[[], Awaitable[None]], interval: float
):
    """Await `awaitable`; call `beat()` each time `interval` seconds pass without it finishing.

    If `beat` raises (the client went away) the wait is cancelled and the error propagates.
    """
    future = asyncio.ensure_future(awaitable)
    try:
        while True:
            done, _ = await asyncio.wait({future}, timeout=interval)
            if done:
                return future.result()
            await beat()
    except BaseException:
        future.cancel()
        raise
