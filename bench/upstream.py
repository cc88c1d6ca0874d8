"""The benchmark's own upstream: a small, fast HTTP/1.1 server on raw asyncio.

Run as `python -m bench.upstream --port N` (a separate process, so its CPU is its own). It prints
`bench-upstream ready http://127.0.0.1:N` when listening. Paths sit under /v1/ so the Worker
proxies them unchanged:

- `POST /v1/tasks/runs`: reads the body, answers 202 with a small TaskRun JSON at once.
- `GET /v1/bench/events?n=&interval_ms=&pad=&ch=&subs=&t0=`: an SSE stream of `n` events. Each
  event's data is one JSON line `{"seq", "sent", "sched", "pad"}`: `sent` is time.monotonic_ns()
  taken just before the write (CLOCK_MONOTONIC is machine-wide on Linux, so the client can
  subtract it from its own arrival time); `sched` is when the event was due (`t0 + seq*interval`,
  `t0` given by the client in its own monotonic ns), so a stream that connects late still owes
  its early events and their lateness counts.
  With `ch=<name>&subs=2`, the stream waits until two connections joined channel <name> and then
  writes every event to both with one stamp (order alternated per event): that is how the same
  stream is received directly and through the Worker at once.
- `GET /v1beta/tasks/runs/<id>/events`: a run's event stream as the Task API path has it: one
  event at once, a second 250 ms later, then the end (for opening streams one after another).
- `GET /v1/bench/open`: `{"run_streams": N}`, how many of those streams are still being written.
- `GET /v1/bench/bytes?size=N&chunk=C`: N bytes streamed with chunked transfer encoding.
- `GET /healthz`: 200 "ok".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import sys
import time
from urllib.parse import parse_qs, urlsplit

now_ns = time.monotonic_ns
RUN_JSON = json.dumps(
    {
        "run_id": "trun_bench0000000000000000000000",
        "status": "queued",
        "is_active": True,
        "processor": "lite",
        "metadata": None,
        "created_at": "2026-01-01T00:00:00Z",
        "modified_at": "2026-01-01T00:00:00Z",
    }
).encode()
RUN_EVENTS = re.compile(r"/v1beta/tasks/runs/[^/]+/events")
OPEN_RUN_STREAMS = [0]  # run event streams being written now (GET /v1/bench/open)
SSE_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
    b"transfer-encoding: chunked\r\n\r\n"
)
BLOB = bytes(range(256)) * 4096  # 1 MiB of non-compressible-looking filler


def _chunk(payload: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(payload), payload)


def _simple(status: str, body: bytes, ctype: bytes = b"application/json") -> bytes:
    return (
        b"HTTP/1.1 "
        + status.encode()
        + b"\r\ncontent-type: "
        + ctype
        + b"\r\ncontent-length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )


class Channel:
    """Connections that must receive the same stamped events at the same moment."""

    def __init__(self, subs: int):
        self.subs = subs
        self.writers: list[asyncio.StreamWriter] = []
        self.ready = asyncio.Event()
        self.finished = asyncio.Event()


CHANNELS: dict[str, Channel] = {}


async def _read_body(reader: asyncio.StreamReader, headers: dict) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            n = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if n == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass
                return b"".join(parts)
            parts.append(await reader.readexactly(n))
            await reader.readexactly(2)
    n = int(headers.get("content-length", "0") or 0)
    return await reader.readexactly(n) if n else b""


async def _events(writer: asyncio.StreamWriter, q: dict) -> None:
    n = int(q.get("n", ["100"])[0])
    interval = int(float(q.get("interval_ms", ["10"])[0]) * 1e6)
    pad = "x" * int(q.get("pad", ["200"])[0])
    t0 = int(q.get("t0", ["0"])[0]) or now_ns()
    ch_name = q.get("ch", [""])[0]
    subs = int(q.get("subs", ["1"])[0])
    if ch_name and subs > 1:
        ch = CHANNELS.setdefault(ch_name, Channel(subs))
        ch.writers.append(writer)
        writer.write(SSE_HEAD)
        if len(ch.writers) >= ch.subs:
            ch.ready.set()
            try:
                await _emit(ch.writers, n, interval, pad, now_ns())
            finally:
                CHANNELS.pop(ch_name, None)
                ch.finished.set()
        else:
            try:
                await asyncio.wait_for(ch.ready.wait(), 30)
                await ch.finished.wait()
            except TimeoutError:
                CHANNELS.pop(ch_name, None)
        return
    writer.write(SSE_HEAD)
    await _emit([writer], n, interval, pad, t0)


async def _emit(writers: list, n: int, interval: int, pad: str, t0: int) -> None:
    for seq in range(n):
        sched = t0 + seq * interval
        delay = sched - now_ns()
        if delay > 0:
            await asyncio.sleep(delay / 1e9)
        order = writers if seq % 2 == 0 else writers[::-1]
        sent = now_ns()
        frame = _chunk(
            f'id: {seq}\nevent: bench\ndata: {{"seq":{seq},"sent":{sent},"sched":{sched},'
            f'"pad":"{pad}"}}\n\n'.encode()
        )
        for w in order:
            if not w.is_closing():
                w.write(frame)
        for w in order:
            if w.transport.get_write_buffer_size() > 1 << 20:
                await w.drain()
        if all(w.is_closing() for w in writers):
            return
    for w in writers:
        if not w.is_closing():
            w.write(b"0\r\n\r\n")


async def _bytes(writer: asyncio.StreamWriter, q: dict) -> None:
    size = int(q.get("size", [str(10 * 1024 * 1024)])[0])
    chunk = int(q.get("chunk", ["65536"])[0])
    writer.write(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\n"
        b"transfer-encoding: chunked\r\n\r\n"
    )
    sent = 0
    while sent < size:
        n = min(chunk, size - sent)
        off = sent % (len(BLOB) - chunk)
        writer.write(_chunk(BLOB[off : off + n]))
        sent += n
        await writer.drain()
    writer.write(b"0\r\n\r\n")
    await writer.drain()


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if line:
                    k, _, v = line.partition(":")
                    headers[k.strip().lower()] = v.strip()
            body = await _read_body(reader, headers)
            url = urlsplit(target)
            q = parse_qs(url.query)
            if method == "POST" and url.path == "/v1/tasks/runs":
                writer.write(_simple("202 Accepted", RUN_JSON))
            elif method == "GET" and url.path == "/v1/bench/events":
                await _events(writer, q)
                return  # a stream ends its connection's life (no keep-alive after SSE)
            elif method == "GET" and RUN_EVENTS.fullmatch(url.path):
                OPEN_RUN_STREAMS[0] += 1
                try:
                    await _events(writer, {"n": ["2"], "interval_ms": ["250"], "pad": ["100"]})
                finally:
                    OPEN_RUN_STREAMS[0] -= 1
                return
            elif method == "GET" and url.path == "/v1/bench/open":
                writer.write(_simple("200 OK", b'{"run_streams":%d}' % OPEN_RUN_STREAMS[0]))
            elif method == "GET" and url.path == "/v1/bench/bytes":
                await _bytes(writer, q)
            elif url.path == "/healthz":
                writer.write(_simple("200 OK", b"ok", b"text/plain"))
            elif method == "GET" and url.path.startswith("/v1/tasks/runs/"):
                writer.write(_simple("200 OK", RUN_JSON))
            else:
                writer.write(_simple("404 Not Found", b'{"error":"not found"}'))
            del body
            if headers.get("connection", "").lower() == "close":
                await writer.drain()
                return
    except (ConnectionError, asyncio.IncompleteReadError):
        return
    finally:
        if not writer.is_closing():
            with contextlib.suppress(ConnectionError):
                await writer.drain()
            writer.close()


async def serve(host: str, port: int) -> None:
    server = await asyncio.start_server(handle, host, port, backlog=4096, limit=1 << 20)
    bound = server.sockets[0].getsockname()[1]
    print(f"bench-upstream ready http://{host}:{bound}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    a = p.parse_args()
    try:
        asyncio.run(serve(a.host, a.port))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
