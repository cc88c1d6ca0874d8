"""A Task API that misbehaves on cue, for the one-call endpoints' hostile-upstream tests.

A raw ASGI app on a free loopback port (uvicorn in a thread). The run's `input` text picks the
misbehaviour; everything it is asked is recorded in `requests` (time, method, path) and every
request whose client (the Worker) went away before it was answered in `disconnects`.

Inputs: `deep-create`, `bomb-create` (an endless gzip bomb), `bad-id`, `redirect-create`,
`hang-create`, `deep-event`, `huge-event`, `flappy` (one new event per connection, then close),
`hang-events`, `deep-result`, `hang-result`; anything else is a short, well-behaved run.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import zlib
from dataclasses import dataclass, field

from tests.support.servers import free_port
from tests.support.threaded import ThreadedServer, read_body

DEEP = b"[" * 100_000 + b"]" * 100_000
BOMB_BLOCKS = 65_536  # 64 GiB decoded; the Worker must stop after about 1 MiB of it


GZIP_HEADER_BYTES = 10


def _bomb_start() -> bytes:
    """A gzip header, then 1 MiB of zeros deflated and fully flushed. After the header the
    blocks need no earlier data, so sending them again and again decodes to zeros forever."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    return z.compress(b"\0" * (1 << 20)) + z.flush(zlib.Z_FULL_FLUSH)


@dataclass
class HostileApi:
    port: int = field(default_factory=free_port)
    requests: list[tuple[float, str, str]] = field(default_factory=list)
    disconnects: list[str] = field(default_factory=list)
    bomb_bytes_sent: int = 0
    _modes: dict[str, str] = field(default_factory=dict)
    _flaps: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HostileApi:
        self._server = ThreadedServer(self.app, self.port).start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def wait_for(self, predicate, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError("hostile API: condition not met in time")
            time.sleep(0.01)

    def paths(self, suffix: str = "") -> list[str]:
        return [p for _, _, p in self.requests if p.endswith(suffix)]

    # -- ASGI ----------------------------------------------------------------------------------
    async def app(self, scope, receive, send):
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        path = scope["path"]
        self.requests.append((time.monotonic(), scope["method"], path))
        if scope["method"] == "POST" and path == "/v1/tasks/runs":
            await self._create(json.loads(body), receive, send)
            return
        parts = path.strip("/").split("/")
        run_id = next((p for p in parts if p.startswith("trun_")), "")
        mode = self._modes.get(run_id, "")
        if path.endswith("/events"):
            await self._events(run_id, mode, receive, send)
        elif path.endswith("/result"):
            await self._result(run_id, mode, receive, send)
        elif run_id:
            await _json(send, 200, _run(run_id, "running"))
        else:
            await _json(send, 404, {"type": "error", "error": {"message": "no such path"}})

    async def _create(self, task_input: dict, receive, send) -> None:
        mode = str(task_input.get("input", ""))
        run_id = "trun_" + hashlib.sha256(f"{mode}{time.monotonic_ns()}".encode()).hexdigest()[:32]
        self._modes[run_id] = mode
        if mode == "deep-create":
            await _raw(send, 200, DEEP)
        elif mode == "bomb-create":
            await self._bomb(receive, send)
        elif mode == "bad-id":
            await _json(send, 200, {**_run("trun_x", "queued"), "run_id": "trun_/../../v1/x"})
        elif mode == "redirect-create":
            await send(
                {
                    "type": "http.response.start",
                    "status": 302,
                    "headers": [(b"location", b"http://elsewhere.invalid/v1/tasks/runs")],
                }
            )
            await send({"type": "http.response.body", "body": b""})
        elif mode == "hang-create":
            await self._hang(receive, "/v1/tasks/runs")
        else:
            await _json(send, 200, _run(run_id, "queued"))

    async def _bomb(self, receive, send) -> None:
        start = _bomb_start()
        block = start[GZIP_HEADER_BYTES:]
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-encoding", b"gzip")],
            }
        )
        gone = asyncio.ensure_future(receive())
        try:
            await send({"type": "http.response.body", "body": start, "more_body": True})
            for _ in range(BOMB_BLOCKS):
                if gone.done():
                    self.disconnects.append("/v1/tasks/runs")
                    return
                await send({"type": "http.response.body", "body": block, "more_body": True})
                self.bomb_bytes_sent += len(block)
            await send({"type": "http.response.body", "body": b""})
        except OSError:
            self.disconnects.append("/v1/tasks/runs")
        finally:
            gone.cancel()

    async def _hang(self, receive, label: str) -> None:
        """Never answer; record when the client goes away."""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                self.disconnects.append(label)
                return

    async def _events(self, run_id: str, mode: str, receive, send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream")],
            }
        )

        async def event(kind: str, data: bytes | str) -> None:
            data = data if isinstance(data, bytes) else data.encode()
            frame = b"event: " + kind.encode() + b"\ndata: " + data + b"\n\n"
            await send({"type": "http.response.body", "body": frame, "more_body": True})

        async def state(status: str) -> None:
            await event("task_run.state", json.dumps({"run": _run(run_id, status)}))

        if mode == "hang-events":
            await state("running")
            await send({"type": "http.response.body", "body": b": hi\n\n", "more_body": True})
            await self._hang(receive, "/events")
            return
        if mode == "flappy":
            self._flaps += 1
            await event("task_run.progress_msg.plan", json.dumps({"message": f"m{self._flaps}"}))
            await send({"type": "http.response.body", "body": b""})
            return
        await state("running")
        if mode == "deep-event":
            await event("task_run.progress_msg.plan", DEEP)
            await event("task_run.progress_stats", DEEP)
            await event("task_run.state", DEEP)
        if mode == "huge-event":
            await event("task_run.progress_msg.plan", b'"' + b"x" * (2 << 20) + b'"')
        await event("task_run.progress_msg.plan", json.dumps({"message": "working"}))
        await state("completed")
        await send({"type": "http.response.body", "body": b""})

    async def _result(self, run_id: str, mode: str, receive, send) -> None:
        if mode == "hang-result":
            await self._hang(receive, "/result")
        elif mode == "deep-result":
            await _raw(send, 200, DEEP)
        else:
            run = _run(run_id, "completed")
            await _json(send, 200, {"run": run, "output": {"type": "text", "content": "ok"}})


def _run(run_id: str, status: str) -> dict:
    return {
        "run_id": run_id,
        "status": status,
        "is_active": status in ("queued", "running"),
        "processor": "lite",
        "metadata": None,
        "created_at": "2026-01-01T00:00:00Z",
        "modified_at": "2026-01-01T00:00:00Z",
    }


async def _raw(send, status: int, body: bytes, content_type: bytes = b"application/json") -> None:
    headers = [(b"content-type", content_type)]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _json(send, status: int, payload) -> None:
    await _raw(send, status, json.dumps(payload).encode())
