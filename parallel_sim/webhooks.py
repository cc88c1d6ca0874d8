"""Webhook delivery (Standard Webhooks, as Parallel documents it): signed POSTs on completion or
failure, retried with exponential backoff on non-2xx, a bounded number of times."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import importlib
import logging
import secrets
from typing import Any

from .clock import Clock
from .runs import Run
from .util import dumps, rfc3339

log = logging.getLogger("parallel_sim.webhooks")


def sign(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`; the secret's own bytes are
    the key, as in Parallel's docs examples."""
    mac = hmac.new(secret.encode(), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def payload(run: Run) -> dict:
    # Documented payload: no output (clients fetch /result). For failures the docs example shows
    # `error.details`; we send the TaskRun's own Error shape ({ref_id, message, detail}).
    return {
        "timestamp": rfc3339(run.clock.time()),
        "type": "task_run.status",
        "data": run.snapshot(),
    }


class WebhookSender:
    def __init__(
        self, secret: str, max_attempts: int, retry_seconds: float, speed: float, clock: Clock
    ):
        self.clock = clock
        self.secret = secret
        self.max_attempts = max(1, max_attempts)
        self.retry_seconds = retry_seconds / speed
        self._tasks: set[asyncio.Task] = set()
        self._client: Any = None  # an httpx.AsyncClient, made on first delivery

    def schedule(self, run: Run) -> None:
        hook = run.body.get("webhook")
        if not hook:
            return
        types = hook.get("event_types") or ["task_run.status"]
        if "task_run.status" not in types:
            return
        task = asyncio.get_running_loop().create_task(self._deliver(run, hook["url"]))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, run: Run, url: str) -> None:
        await self.clock.sleep(run.remaining() + 1e-3)
        # httpx is imported on first use (off the event loop): it pulls in a CLI stack that
        # would add a second to every simulator start.
        httpx = await asyncio.to_thread(importlib.import_module, "httpx")
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=10.0, follow_redirects=False)
        body = dumps(payload(run)).encode()
        msg_id = "whevent_" + secrets.token_hex(12)  # the same id on every retry (dedupe key)
        for attempt in range(self.max_attempts):
            ts = str(int(self.clock.time()))
            headers = {
                "content-type": "application/json",
                "webhook-id": msg_id,
                "webhook-timestamp": ts,
                "webhook-signature": sign(self.secret, msg_id, ts, body),
                "user-agent": "parallel-sim-webhooks",
            }
            try:
                r = await self._client.post(url, content=body, headers=headers)
                if 200 <= r.status_code < 300:
                    log.info(
                        "webhook %s for %s delivered (attempt %d)", msg_id, run.run_id, attempt + 1
                    )
                    return
                outcome = f"HTTP {r.status_code}"
            except httpx.HTTPError as e:
                outcome = type(e).__name__
            log.info(
                "webhook %s for %s failed (%s, attempt %d)",
                msg_id,
                run.run_id,
                outcome,
                attempt + 1,
            )
            if attempt + 1 < self.max_attempts:
                await self.clock.sleep(self.retry_seconds * 2**attempt)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._client is not None:
            await self._client.aclose()
