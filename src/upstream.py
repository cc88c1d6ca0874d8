"""The Task API as the one-call endpoints see it: one client's credentials, one abort signal.

Every call goes to the configured origin with `redirect: "manual"` and the client's link signal, so
a client that leaves ends all of them. Answers stay JS Responses; `read_json` reads the few the
Worker must understand, capped in bytes and in nesting depth.
"""

from __future__ import annotations

import contextlib
import re

import js

import headers as header_policy
import limits
from bodies import read_limited
from interop import is_null, js_object

EVENTS_BETA = "events-sse-2025-07-24"
RESULT_TIMEOUT_SECONDS = 60
# What a run id from the API looks like; anything else never goes into a URL.
RUN_ID = re.compile(r"trun_[0-9a-f]{8,64}")


class Unreadable(Exception):
    """An upstream answer the Worker cannot use: too large, too deep, or not the JSON expected."""


class Upstream:
    def __init__(self, origin: str, client_headers: list[tuple[str, str]], signal=None):
        self.origin = origin.strip().rstrip("/")
        self.signal = signal
        drop = {"content-type", "accept", "last-event-id", "parallel-beta"}
        self.base = [
            (n, v) for n, v in header_policy.request_headers(client_headers) if n not in drop
        ]
        betas = [
            b.strip()
            for b in (header_policy.get(client_headers, "parallel-beta") or "").split(",")
            if b.strip()
        ]
        if EVENTS_BETA not in betas:
            betas.append(EVENTS_BETA)
        self.beta = ",".join(betas)

    async def _call(self, method: str, path: str, accept: str, body: str | None = None):
        headers = [*self.base, ("accept", accept), ("parallel-beta", self.beta)]
        options = {"method": method, "redirect": "manual"}
        if body is not None:
            headers.append(("content-type", "application/json"))
            options["body"] = body
        options["headers"] = headers
        if self.signal is not None:
            options["signal"] = self.signal
        return await js.fetch(f"{self.origin}/{path}", js_object(options))

    async def create(self, task_input_json: str):
        return await self._call("POST", "v1/tasks/runs", "application/json", task_input_json)

    async def run(self, run_id: str):
        return await self._call("GET", f"v1/tasks/runs/{_checked(run_id)}", "application/json")

    async def events(self, run_id: str):
        return await self._call(
            "GET", f"v1beta/tasks/runs/{_checked(run_id)}/events", "text/event-stream"
        )

    async def result(self, run_id: str, timeout: int = RESULT_TIMEOUT_SECONDS):
        return await self._call(
            "GET",
            f"v1/tasks/runs/{_checked(run_id)}/result?timeout={timeout}",
            "application/json",
        )


def _checked(run_id: str) -> str:
    if not RUN_ID.fullmatch(run_id):
        raise ValueError("not a run id")
    return run_id


async def read_text(js_response, limit: int) -> str:
    """The body as text (UTF-8, undecodable bytes replaced); Unreadable past `limit` bytes."""
    raw = await read_limited(js_response.body, limit)
    if raw is None:
        raise Unreadable(f"larger than {limit} bytes")
    return raw.decode("utf-8", errors="replace")


async def read_json(js_response, limit: int):
    """The body as JSON; Unreadable when too large, nested too deep or malformed."""
    text = await read_text(js_response, limit)
    try:
        return limits.loads(text)
    except ValueError as exc:
        raise Unreadable(str(exc)) from None


async def upstream_error_text(js_response) -> str:
    """An upstream error body to quote: at most MAX_ERROR_BYTES of it."""
    raw = await read_limited(js_response.body, limits.MAX_ERROR_BYTES)
    return "(error body too large)" if raw is None else raw.decode("utf-8", errors="replace")


async def discard(js_response) -> None:
    """Drop a body the Worker does not need (reading a little lets the connection be reused)."""
    body = js_response.body
    if is_null(body):
        return
    with contextlib.suppress(Exception):  # a body that already failed is discarded too
        await read_limited(body, limits.MAX_ERROR_BYTES)
