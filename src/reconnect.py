"""How often the relay may call the upstream for one client: backoff and a request budget. Pure.

The API closes a run's event stream every 570 s, so reconnecting is normal; an upstream that
closes at once, again and again, is not. Every reconnect waits (briefly after a connection that
brought something new, exponentially longer after ones that did not), and every upstream request
of one stream (event connections and result polls) draws from a token bucket, so even an upstream
that sends one new event and closes, forever, gets a bounded number of requests per minute.
"""

from __future__ import annotations

import time
from collections.abc import Callable

BASE_DELAY_SECONDS = 0.25
MAX_DELAY_SECONDS = 30.0
BURST_REQUESTS = 10
REQUESTS_PER_MINUTE = 30


def reconnect_delay(idle_connections: int) -> float:
    """Seconds to wait before the next connection, after `idle_connections` in a row that
    brought nothing new (0 after a connection that did)."""
    return min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** max(0, idle_connections))


class RequestBudget:
    """A token bucket: `burst` requests at once, then `per_minute` on average."""

    def __init__(
        self,
        burst: int = BURST_REQUESTS,
        per_minute: float = REQUESTS_PER_MINUTE,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.capacity = float(burst)
        self.rate = per_minute / 60.0
        self.clock = clock
        self.tokens = float(burst)
        self.updated = clock()

    def reserve(self) -> float:
        """Take one request; returns how many seconds the caller must wait before sending it."""
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        self.tokens -= 1.0
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate
