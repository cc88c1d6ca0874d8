"""A small upstream for proxy tests: records every request it sees and answers on cue.

Runs uvicorn in a background thread on a free loopback port, so a test can read `requests`
directly. Endpoints (any method unless noted; the query string tunes them):

- `/v1/echo`               200 JSON describing the request (method, path, query, headers, body)
- `/v1/status/{code}`      that status with a Parallel-shaped JSON error body, plus
                           www-authenticate (401) / retry-after (429) and x-stub-status
- `/v1/sse?count=&interval_ms=&pad=`  an event stream, one `tick` event per interval; each
                           event's data holds its index and the upstream's send time
- `/v1/sse-broken`         one event, then the connection drops without a clean end
- `/v1/sse-forever`        ticks every 100 ms until the client goes away (recorded in `disconnects`)
- `/v1/slow?delay_ms=`     waits, then answers 200 (recorded in `disconnects` if the client left)
- `/v1/big?bytes=`         a body of that many bytes in 64 KiB chunks
- `/v1/gzip`               a gzip-encoded JSON body with content-encoding: gzip
- `/v1/headers-out`        200 with headers the proxy must drop (cookies, hop-by-hop, ones that
                           act on the page's origin) and ones it must keep (`KEPT_HEADERS`)
- `/v1/page?type=`         200 with a scripted HTML/SVG-ish body of that content type and
                           the headers of `/v1/headers-out`
- `/v1/redirect?to=&status=`  that 3xx status (302 by default) with Location: `to` (decoded)
- anything else            404 JSON error

`RawUpstream` answers every connection with fixed bytes, for answers uvicorn cannot make (101).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from tests.support.servers import free_port
from tests.support.threaded import ThreadedServer, read_body

# Headers an API client reads: the proxy passes them on.
KEPT_HEADERS = [
    ("x-request-id", "req-stub-1"),
    ("request-id", "req-stub-2"),
    ("retry-after", "3"),
    ("retry-after-ms", "2500"),
    ("x-should-retry", "true"),
    ("x-ratelimit-remaining-requests", "41"),
    ("ratelimit-policy", "100;w=60"),
    ("etag", '"v1"'),
    ("cache-control", "private, max-age=5"),
]
# Headers that would act on the playground's origin, or leak the upstream's: the proxy drops them.
DROPPED_HEADERS = [
    ("set-cookie", "session=secret; Path=/"),
    ("set-cookie", "other=1"),
    ("clear-site-data", '"*"'),
    ("refresh", "0; url=https://evil.example/"),
    ("link", "<https://evil.example/x.js>; rel=preload; as=script"),
    ("strict-transport-security", "max-age=63072000"),
    ("content-security-policy", "default-src * 'unsafe-inline'"),
    ("x-frame-options", "ALLOWALL"),
    ("x-content-type-options", "sniff"),
    ("server", "stub/1.0"),
    ("x-custom", "dropped"),
    ("keep-alive", "timeout=99, max=7"),
    ("proxy-authenticate", "Basic"),
    ("trailer", "x-checksum"),
    ("upgrade", "h2c"),
    ("x-hop", "named-in-connection"),
    ("connection", "x-hop"),
]
SCRIPTED_PAGE = (
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>parent.stolen = localStorage.length'
    b"</script></svg><html><script>document.title = 'ran'</script></html>"
)


def _raw_headers(pairs) -> list[tuple[bytes, bytes]]:
    return [(n.encode(), v.encode()) for n, v in pairs]


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes = b""

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k == name.lower()]
        return ", ".join(values) if values else None


@dataclass
class StubUpstream:
    port: int = field(default_factory=free_port)
    requests: list[Seen] = field(default_factory=list)
    disconnects: list[str] = field(default_factory=list)
    sse_sent: dict[str, list[float]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> StubUpstream:
        self._server = ThreadedServer(
            self.app, self.port, timeout_keep_alive=30, backlog=2048
        ).start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def clear(self) -> None:
        self.requests.clear()
        self.disconnects.clear()
        self.sse_sent.clear()

    def wait_for(self, predicate, timeout: float = 10.0) -> None:
        """Wait until `predicate()` holds (a condition with a deadline, not a sleep)."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError("stub upstream: condition not met in time")
            time.sleep(0.01)

    # -- ASGI ----------------------------------------------------------------------------------
    async def app(self, scope, receive, send):
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        seen = Seen(
            method=scope["method"],
            path=scope["path"],
            query=scope["query_string"].decode("latin-1"),
            headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]],
            body=bytes(body),
        )
        self.requests.append(seen)
        params = dict(p.split("=", 1) if "=" in p else (p, "") for p in seen.query.split("&") if p)
        path = seen.path
        if path == "/v1/echo":
            payload = {
                "method": seen.method,
                "path": path,
                "query": seen.query,
                "headers": seen.headers,
                "body": seen.body.decode("utf-8", "replace"),
            }
            await _reply(send, 200, json.dumps(payload).encode(), "application/json")
        elif path.startswith("/v1/status/"):
            code = int(path.rsplit("/", 1)[1])
            extra = [
                (b"x-stub-status", str(code).encode()),
                (b"x-request-id", f"stub-{code}".encode()),
            ]
            if code == 401:
                extra.append((b"www-authenticate", b'Bearer realm="stub"'))
            if code == 429:
                extra.append((b"retry-after", b"7"))
            err = {
                "type": "error",
                "error": {"ref_id": "stub", "message": f"stub {code}", "detail": {"code": code}},
            }
            await _reply(send, code, json.dumps(err).encode(), "application/json", extra)
        elif path == "/v1/sse":
            await self._sse(
                send,
                receive,
                int(params.get("count", "5")),
                int(params.get("interval_ms", "300")),
                int(params.get("pad", "0")),
                params.get("tag", "sse"),
            )
        elif path == "/v1/sse-broken":
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")],
                }
            )
            await send(
                {
                    "type": "http.response.body",
                    "more_body": True,
                    "body": b"event: tick\nid: 0\ndata: {}\n\n",
                }
            )
            raise RuntimeError("stub: connection dropped mid-stream (on purpose)")
        elif path == "/v1/sse-forever":
            await self._sse(send, receive, 10**9, 100, 0, params.get("tag", "forever"))
        elif path == "/v1/slow":
            await asyncio.sleep(int(params.get("delay_ms", "1000")) / 1000)
            if await _client_gone(receive):
                self.disconnects.append(path)
                return
            await _reply(send, 200, b'{"slow":true}', "application/json")
        elif path == "/v1/big":
            await self._big(send, int(params.get("bytes", str(1024 * 1024))))
        elif path == "/v1/gzip":
            raw = json.dumps({"compressed": True, "filler": "x" * 2000}).encode()
            await _reply(
                send, 200, gzip.compress(raw), "application/json", [(b"content-encoding", b"gzip")]
            )
        elif path == "/v1/headers-out":
            await _reply(
                send, 200, b"{}", "application/json", _raw_headers(KEPT_HEADERS + DROPPED_HEADERS)
            )
        elif path == "/v1/page":
            content_type = parse_qs(seen.query).get("type", ["text/html"])[0]
            await _reply(
                send,
                200,
                SCRIPTED_PAGE,
                content_type,
                _raw_headers(KEPT_HEADERS + DROPPED_HEADERS),
            )
        elif path == "/v1/redirect":
            query = parse_qs(seen.query, keep_blank_values=True)
            status = int(query.get("status", ["302"])[0])
            location = query.get("to", ["/v1/echo"])[0]
            await _reply(
                send,
                status,
                b'{"redirect":true}',
                "application/json",
                [(b"location", location.encode("latin-1"))],
            )
        else:
            err = {"type": "error", "error": {"ref_id": "stub", "message": "no such stub path"}}
            await _reply(send, 404, json.dumps(err).encode(), "application/json")

    async def _sse(self, send, receive, count, interval_ms, pad, tag):
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/event-stream"),
                    (b"cache-control", b"no-cache"),
                ],
            }
        )
        sent = self.sse_sent.setdefault(tag, [])
        gone = asyncio.ensure_future(_wait_disconnect(receive))
        try:
            for i in range(count):
                if i:
                    done, _ = await asyncio.wait({gone}, timeout=interval_ms / 1000)
                    if done:
                        self.disconnects.append(tag)
                        return
                data = json.dumps({"i": i, "sent": time.time(), "pad": "p" * pad})
                sent.append(time.time())
                await send(
                    {
                        "type": "http.response.body",
                        "body": f"event: tick\nid: {i}\ndata: {data}\n\n".encode(),
                        "more_body": True,
                    }
                )
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            gone.cancel()

    async def _big(self, send, size):
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/octet-stream"),
                    (b"content-length", str(size).encode()),
                ],
            }
        )
        chunk = bytes(range(256)) * 256  # 64 KiB with a recognisable pattern
        left = size
        while left > 0:
            piece = chunk[: min(left, len(chunk))]
            left -= len(piece)
            await send({"type": "http.response.body", "body": piece, "more_body": left > 0})


async def _reply(send, status, body, content_type, extra=()):
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _wait_disconnect(receive):
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def _client_gone(receive) -> bool:
    try:
        message = await asyncio.wait_for(receive(), timeout=0.01)
    except TimeoutError:
        return False
    return message["type"] == "http.disconnect"


@dataclass
class RawUpstream:
    """A loopback server that reads one request head per connection and answers `reply` bytes.

    For answers an ASGI server will not make (a 101 to a plain request). Counts the requests it saw.
    """

    reply: bytes
    port: int = field(default_factory=free_port)
    seen: list[bytes] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> RawUpstream:
        self._sock = socket.create_server(("127.0.0.1", self.port))
        self._sock.settimeout(0.2)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            with conn, contextlib.suppress(OSError):
                conn.settimeout(5)
                head = b""
                while b"\r\n\r\n" not in head:
                    piece = conn.recv(65536)
                    if not piece:
                        break
                    head += piece
                self.seen.append(head)
                conn.sendall(self.reply)
                conn.shutdown(socket.SHUT_WR)
