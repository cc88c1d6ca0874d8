"""API keys (the development key plus OAuth-minted ones), the rate limit and the credit balance."""

from __future__ import annotations

import hmac
import secrets
import time
from collections import deque


class KeyRing:
    def __init__(self, dev_key: str) -> None:
        self.dev_key = dev_key
        self._minted: set[str] = set()

    def mint(self) -> str:
        """A new API key, as the OAuth provider hands out."""
        key = "sim_" + secrets.token_urlsafe(30)
        self._minted.add(key)
        return key

    def valid(self, key: str | None) -> bool:
        if not key:
            return False
        if hmac.compare_digest(key.encode(), self.dev_key.encode()):
            return True
        return key in self._minted


class RateLimiter:
    """At most `per_minute` counted requests per key in any 60 s window (0 = unlimited)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._hits: dict[str, deque[float]] = {}

    def allow(self, key: str, now: float | None = None) -> bool:
        if self.per_minute <= 0:
            return True
        now = time.monotonic() if now is None else now
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - 60.0:
            hits.popleft()
        if len(hits) >= self.per_minute:
            return False
        hits.append(now)
        return True

    def retry_after(self, key: str, now: float) -> float:
        """Seconds until `key` may make a counted request again."""
        hits = self._hits.get(key)
        return max(0.0, hits[0] + 60.0 - now) if hits else 0.0


class Credits:
    """One simulated account balance in USD (None = unlimited), charged when runs are created.

    The real API reserves credit for in-flight runs; the simulator simply charges at creation.
    """

    def __init__(self, balance: float | None) -> None:
        self.balance = balance

    def charge(self, usd: float) -> bool:
        if self.balance is None:
            return True
        if usd > self.balance + 1e-12:
            return False
        self.balance -= usd
        return True
