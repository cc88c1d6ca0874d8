"""A minimal HTTP/1.1 client on raw asyncio sockets, so the client adds as little noise as possible.

Two shapes:
- `KeepAliveConn`: sequential request/response on one persistent connection, timing the first
  byte of each response (TTFB) and reading bodies by Content-Length or chunked framing.
- `open_sse` / `SSECapture`: a streaming GET whose socket reads are only timestamped and stored
  while the stream runs (no parsing on the hot path); events are parsed after it ends, each one
  stamped with the arrival time of the read that completed it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from dataclasses import dataclass, field

now_ns = time.monotonic_ns


class HTTPError(Exception):
    pass


def _request_bytes(
    method: str, host: str, port: int, path: str, headers: dict | None, body: bytes | None
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"host: {host}:{port}"]
    hdrs = {k.lower(): v for k, v in (headers or {}).items()}
    if body is not None:
        hdrs["content-length"] = str(len(body))
    for k, v in hdrs.items():
        lines.append(f"{k}: {v}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


def _parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    text = head.decode("latin-1")
    first, *rest = text.split("\r\n")
    parts = first.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise HTTPError(f"bad status line {first!r}")
    headers: dict[str, str] = {}
    for line in rest:
        if not line:
            continue
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(parts[1]), headers


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    t_sent: int  # monotonic ns when the request was written
    t_first: int  # monotonic ns when the response head was read
    t_done: int  # monotonic ns when the body was complete

    @property
    def ttfb_ms(self) -> float:
        return (self.t_first - self.t_sent) / 1e6


class KeepAliveConn:
    """One persistent connection; reconnects transparently if the server closes it."""

    def __init__(self, host: str, port: int, timeout: float = 10.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.reconnects = 0

    async def _connect(self) -> None:
        self.reader, self.writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port, limit=1 << 20), self.timeout
        )

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self.writer.wait_closed()
            self.writer = self.reader = None

    async def request(
        self,
        method: str,
        path: str,
        headers: dict | None = None,
        body: bytes | None = None,
        sink: bool = False,
    ) -> Reply:
        """Send one request; `sink=True` counts body bytes without keeping them."""
        if self.writer is None:
            await self._connect()
        elif self.reader.at_eof():
            await self.close()
            self.reconnects += 1
            await self._connect()
        return await asyncio.wait_for(
            self._exchange(method, path, headers, body, sink), self.timeout
        )

    async def _exchange(self, method, path, headers, body, sink) -> Reply:
        data = _request_bytes(method, self.host, self.port, path, headers, body)
        t_sent = now_ns()
        self.writer.write(data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        t_first = now_ns()
        status, hdrs = _parse_head(head[:-4])
        chunks: list[bytes] = []
        size = 0
        if hdrs.get("transfer-encoding", "").lower() == "chunked":
            while True:
                line = await self.reader.readuntil(b"\r\n")
                n = int(line.split(b";", 1)[0].strip(), 16)
                if n == 0:
                    # trailers (if any) end with an empty line
                    while (await self.reader.readuntil(b"\r\n")) != b"\r\n":
                        pass
                    break
                remaining = n
                while remaining:
                    piece = await self.reader.read(min(remaining, 1 << 20))
                    if not piece:
                        raise HTTPError("connection closed inside a chunk")
                    remaining -= len(piece)
                    size += len(piece)
                    if not sink:
                        chunks.append(piece)
                await self.reader.readexactly(2)
        elif "content-length" in hdrs:
            remaining = int(hdrs["content-length"])
            while remaining:
                piece = await self.reader.read(min(remaining, 1 << 20))
                if not piece:
                    raise HTTPError("connection closed inside the body")
                remaining -= len(piece)
                size += len(piece)
                if not sink:
                    chunks.append(piece)
        elif status not in (204, 304) and method != "HEAD":
            while piece := await self.reader.read(1 << 20):  # close-delimited
                size += len(piece)
                if not sink:
                    chunks.append(piece)
            await self.close()
        t_done = now_ns()
        if hdrs.get("connection", "").lower() == "close":
            await self.close()
        reply = Reply(status, hdrs, b"".join(chunks), t_sent, t_first, t_done)
        reply.headers["x-bench-body-bytes"] = str(size)
        return reply


# --- SSE ------------------------------------------------------------------------------------


@dataclass
class Event:
    data: dict
    arrival: int  # monotonic ns of the socket read that completed the event


@dataclass
class SSECapture(asyncio.Protocol):
    """Stores (arrival_ns, bytes) per socket read; parsing happens after the stream ends."""

    reads: list = field(default_factory=list)
    t_open: int = 0
    t_connected: int = 0
    done: asyncio.Future | None = None
    transport: asyncio.Transport | None = None
    error: str | None = None
    t_first_data: int = 0  # arrival of the first read holding an SSE data field
    first_data: asyncio.Future | None = None  # resolved at that read, when a caller set it

    def connection_made(self, transport):
        self.t_connected = now_ns()
        self.transport = transport

    def data_received(self, data):
        t = now_ns()
        self.reads.append((t, data))
        if not self.t_first_data and b"data:" in data:
            self.t_first_data = t
            if self.first_data is not None and not self.first_data.done():
                self.first_data.set_result(None)
        # The last chunk of a chunked body ends the stream even if the server keeps the
        # connection alive (a keep-alive proxy does); close-delimited bodies end on EOF.
        tail = (self.reads[-2][1][-8:] if len(self.reads) > 1 else b"") + data[-8:]
        if tail.endswith(b"\r\n0\r\n\r\n") and self.done is not None and not self.done.done():
            self.done.set_result(None)

    def eof_received(self):
        return False

    def connection_lost(self, exc):
        if exc is not None:
            self.error = repr(exc)
        for fut in (self.done, self.first_data):
            if fut is not None and not fut.done():
                fut.set_result(None)

    # -- after the stream --
    def parse(self) -> tuple[int | None, dict, list[Event]]:
        """(status, headers, events); events carry the JSON of their data field."""
        head = b""
        status, headers = None, {}
        decoder: ChunkedDecoder | None = None
        sse = b""
        events: list[Event] = []
        for t, data in self.reads:
            if status is None:
                head += data
                end = head.find(b"\r\n\r\n")
                if end < 0:
                    continue
                status, headers = _parse_head(head[:end])
                if headers.get("transfer-encoding", "").lower() == "chunked":
                    decoder = ChunkedDecoder()
                data = head[end + 4 :]
            sse += decoder.feed(data) if decoder else data
            while (idx := sse.find(b"\n\n")) >= 0:
                block, sse = sse[:idx], sse[idx + 2 :]
                for line in block.split(b"\n"):
                    if line.startswith(b"data:"):
                        try:
                            events.append(Event(json.loads(line[5:]), t))
                        except ValueError:
                            events.append(Event({"raw": line[5:].decode("utf-8", "replace")}, t))
        return status, headers, events


class ChunkedDecoder:
    """Incremental decoder of HTTP/1.1 chunked transfer coding (extensions and trailers ignored)."""

    def __init__(self):
        self.buf = b""
        self.left = 0  # data bytes left in the current chunk
        self.crlf = False  # a chunk's trailing CRLF is still to be skipped
        self.done = False

    def feed(self, data: bytes) -> bytes:
        self.buf += data
        out = []
        while not self.done:
            if self.left:
                take = self.buf[: self.left]
                if not take:
                    break
                out.append(take)
                self.left -= len(take)
                self.buf = self.buf[len(take) :]
                self.crlf = self.left == 0
                continue
            if self.crlf:
                if len(self.buf) < 2:
                    break
                self.buf = self.buf[2:]
                self.crlf = False
            nl = self.buf.find(b"\r\n")
            if nl < 0:
                break
            size = int(self.buf[:nl].split(b";", 1)[0], 16)
            self.buf = self.buf[nl + 2 :]
            if size == 0:
                self.done = True
            self.left = size
        return b"".join(out)


async def open_sse(host: str, port: int, path: str, headers: dict | None = None) -> SSECapture:
    """Connect and send a GET; the returned capture's `done` resolves when the stream ends.

    The connect and the request write are plain blocking socket calls (on loopback both complete
    at once): an asyncio connect costs ~0.2 ms of client CPU per stream, which at 500 streams
    opened together made the client itself the bottleneck.
    """
    loop = asyncio.get_running_loop()
    cap = SSECapture()
    cap.done = loop.create_future()
    cap.first_data = loop.create_future()
    cap.t_open = now_ns()
    hdrs = {"accept": "text/event-stream", "cache-control": "no-cache", **(headers or {})}
    sock = socket.create_connection((host, port), timeout=5)
    try:
        sock.sendall(_request_bytes("GET", host, port, path, hdrs, None))
        sock.setblocking(False)
        await loop.create_connection(lambda: cap, sock=sock)
    except BaseException:
        sock.close()
        raise
    return cap


async def wait_sse(cap: SSECapture, deadline: float) -> None:
    """Wait until the stream closes or `deadline` (loop time) passes, then close it."""
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(asyncio.shield(cap.done), max(0.0, deadline - loop.time()))
    except TimeoutError:
        cap.error = cap.error or "timeout"
    finally:
        if cap.transport is not None and not cap.transport.is_closing():
            cap.transport.close()
