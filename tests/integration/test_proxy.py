"""The Worker's proxy over real HTTP: the local runtime in front of a recording stub upstream.

Checks the Worker contract end to end (docs/architecture.md): streaming, headers both ways,
statuses, CORS, preflights, hostile paths, 502/413, and many streams at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import http.client
import json
import time
from urllib.parse import quote

import httpx
import pytest

from tests.support.servers import ROOT, free_port, start_worker
from tests.support.stub_upstream import (
    DROPPED_HEADERS,
    KEPT_HEADERS,
    SCRIPTED_PAGE,
    RawUpstream,
    StubUpstream,
)

API = "/tasks-sse/api"
MIB = 1024 * 1024
SANDBOX_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"


@pytest.fixture(scope="module")
def stub():
    upstream = StubUpstream().start()
    yield upstream
    upstream.stop()


@pytest.fixture(scope="module")
def proxy(log_dir, stub):
    server = start_worker(log_dir, upstream=stub.url, env={"OAUTH_ISSUER": stub.url})
    yield server
    server.stop()


@pytest.fixture
def upstream(stub, proxy):
    """The stub with an empty record (the runtime is up, so its start-up probe is not in it)."""
    stub.clear()
    return stub


def raw_request(server, method: str, path: str, headers: dict | None = None, body=None):
    """Send `path` byte for byte (httpx would normalise dot segments away).

    Returns the headers with lowercase names (values of a repeated name joined by ", "): header
    names are case-insensitive, and workerd sends them Title-Cased.
    """
    host, port = server.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        out: dict[str, str] = {}
        for name, value in resp.getheaders():
            name = name.lower()
            out[name] = f"{out[name]}, {value}" if name in out else value
        return resp.status, out, resp.read()
    finally:
        conn.close()


def assert_sandboxed(headers) -> None:
    """The Worker's security headers: whatever the body is, it never runs as a page."""
    assert headers["content-security-policy"] == SANDBOX_CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"


def settle(upstream) -> None:
    """Wait until every request the proxy sent before now has reached the stub's record.

    Sends a marker request and waits for it: whatever the stub records is then what it got.
    """
    marker = f"settle-{time.monotonic_ns()}"
    httpx.get(f"{upstream.url}/v1/echo?{marker}", timeout=10)
    upstream.wait_for(lambda: any(seen.query == marker for seen in upstream.requests))
    upstream.requests[:] = [seen for seen in upstream.requests if seen.query != marker]


def split_events(text: str) -> list[dict]:
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.split("\n") if ": " in line)
        if "data" in fields:
            events.append(fields)
    return events


# --- streaming -------------------------------------------------------------------------------


def test_sse_events_arrive_as_they_are_sent(proxy, upstream):
    count = 4
    arrivals: list[float] = []
    buffer = ""
    with httpx.stream(
        "GET",
        f"{proxy.url}{API}/v1/sse?count={count}&interval_ms=300&tag=live",
        headers={"accept": "text/event-stream"},
        timeout=20,
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["access-control-allow-origin"] == "*"
        assert "no-transform" in r.headers["cache-control"]
        for chunk in r.iter_text():
            buffer += chunk
            while len(arrivals) < buffer.count("\n\n"):
                arrivals.append(time.time())
    sent = upstream.sse_sent["live"]
    events = split_events(buffer)
    assert [e["id"] for e in events] == [str(i) for i in range(count)]
    assert all(e["event"] == "tick" for e in events)
    assert len(arrivals) == count == len(sent)
    # Causality, not timing: event i reached the client before the upstream even sent event
    # i + 1. A proxy that buffered the body would deliver every event after the last was sent.
    assert arrivals[0] < sent[-1]
    early = sum(arrivals[i] < sent[i + 1] for i in range(count - 1))
    assert early >= count - 2, (arrivals, sent)


def test_upstream_dropping_mid_stream_ends_the_response(proxy, upstream):
    """The client gets what was sent and then an end, never a hang. (workerd, and the runtime
    after it, end such a body cleanly - test_workerd_parity.py pins that; SSE clients reconnect
    on any end without a final event.)"""
    received = ""
    with (
        contextlib.suppress(httpx.RemoteProtocolError),
        httpx.stream("GET", f"{proxy.url}{API}/v1/sse-broken", timeout=10) as r,
    ):
        assert r.status_code == 200
        for chunk in r.iter_text():
            received += chunk
    assert "id: 0" in received


def test_client_going_away_cancels_the_upstream_stream(proxy, upstream):
    with httpx.stream("GET", f"{proxy.url}{API}/v1/sse-forever?tag=cancel", timeout=10) as r:
        assert r.status_code == 200
        for chunk in r.iter_text():
            if "\n\n" in chunk:
                break
    upstream.wait_for(lambda: "cancel" in upstream.disconnects)


def test_large_body_streams_through_intact(proxy, upstream):
    size = 5 * 1024 * 1024 + 123
    r = httpx.get(f"{proxy.url}{API}/v1/big?bytes={size}", timeout=30)
    assert r.status_code == 200
    assert len(r.content) == size
    pattern = bytes(range(256)) * 256
    assert r.content[: len(pattern)] == pattern
    assert r.content[-123:] == pattern[:123]


# --- requests reach upstream unchanged -------------------------------------------------------


def test_post_body_headers_and_query_reach_upstream_unchanged(proxy, upstream):
    body = json.dumps({"input": "What is the tallest building?", "processor": "lite"}).encode()
    headers = {
        "x-api-key": "sk-test-secret-123",
        "parallel-beta": "events-sse-2025-07-24",
        "content-type": "application/json; charset=utf-8",
        "last-event-id": "evt-41",
        "accept": "text/event-stream",
        "cache-control": "no-cache",
        "authorization": "Bearer tok-abc",
    }
    query = "include_input=true&q=a%20b%2Fc&empty="
    r = httpx.post(f"{proxy.url}{API}/v1/echo?{query}", content=body, headers=headers)
    assert r.status_code == 200
    [seen] = upstream.requests
    assert seen.method == "POST"
    assert seen.path == "/v1/echo"
    assert seen.query == query
    assert seen.body == body
    for name, value in headers.items():
        assert seen.header(name) == value, name


def test_chunked_request_body_streams_to_upstream(proxy, upstream):
    pieces = [b'{"input": "', b"x" * 70000, b'", "processor": "base"}']

    def gen():
        yield from pieces

    r = httpx.post(
        f"{proxy.url}{API}/v1/echo",
        content=gen(),
        headers={"content-type": "application/json", "x-api-key": "k"},
    )
    assert r.status_code == 200
    [seen] = upstream.requests
    assert seen.body == b"".join(pieces)


@pytest.mark.parametrize("method", ["GET", "DELETE", "PUT", "PATCH"])
def test_methods_are_forwarded(proxy, upstream, method):
    content = b'{"a":1}' if method in ("PUT", "PATCH") else None
    r = httpx.request(method, f"{proxy.url}{API}/v1/echo", content=content)
    assert r.status_code == 200
    assert upstream.requests[0].method == method


# --- responses pass through --------------------------------------------------------------------


@pytest.mark.parametrize("status", [302, 307, 401, 404, 422, 429, 500])
def test_upstream_status_and_body_pass_through_with_cors(proxy, upstream, status):
    r = httpx.get(f"{proxy.url}{API}/v1/status/{status}", headers={"x-api-key": "k"})
    assert r.status_code == status
    assert r.headers["x-request-id"] == f"stub-{status}"
    assert "x-stub-status" not in r.headers  # not an API header: the allowlist drops it
    assert r.json() == {
        "type": "error",
        "error": {"ref_id": "stub", "message": f"stub {status}", "detail": {"code": status}},
    }
    assert r.headers["access-control-allow-origin"] == "*"
    exposed = {h.strip() for h in r.headers["access-control-expose-headers"].split(",")}
    assert {"content-type", "www-authenticate", "retry-after"} <= exposed
    if status == 401:
        assert r.headers["www-authenticate"] == 'Bearer realm="stub"'
    if status == 429:
        assert r.headers["retry-after"] == "7"


def test_compressed_upstream_body_reaches_the_client_intact(proxy, upstream):
    # Node's fetch decodes the body; the runtime must not pass the stale content-encoding on.
    r = httpx.get(f"{proxy.url}{API}/v1/gzip", headers={"accept-encoding": "gzip"})
    assert r.status_code == 200
    assert r.json()["compressed"] is True
    r = httpx.get(f"{proxy.url}{API}/v1/gzip", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in r.headers
    assert json.loads(r.content)["compressed"] is True


def test_preflight_is_answered_by_the_worker(proxy, upstream):
    r = httpx.options(
        f"{proxy.url}{API}/v1/tasks/runs",
        headers={
            "origin": "http://localhost:5173",
            "access-control-request-method": "POST",
            "access-control-request-headers": "x-api-key, content-type, parallel-beta",
        },
    )
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "*"
    assert "POST" in r.headers["access-control-allow-methods"]
    allowed = {h.strip().lower() for h in r.headers["access-control-allow-headers"].split(",")}
    assert {"x-api-key", "content-type", "parallel-beta"} <= allowed
    assert int(r.headers["access-control-max-age"]) > 0
    assert upstream.requests == []


def test_cookies_and_hop_by_hop_headers_are_stripped(proxy, upstream):
    r = httpx.get(
        f"{proxy.url}{API}/v1/headers-out",
        headers={
            "cookie": "session=browser-secret",
            "connection": "keep-alive, x-drop-me",
            "x-drop-me": "1",
            "keep-alive": "timeout=99",
            "proxy-authorization": "Basic Zm9vOmJhcg==",
            "te": "trailers",
            "x-forwarded-for": "203.0.113.9",
            "cf-connecting-ip": "203.0.113.9",
            "x-keep-me": "yes",
        },
    )
    assert r.status_code == 200
    [seen] = upstream.requests
    sent = {k for k, _ in seen.headers}
    assert {
        "cookie",
        "x-drop-me",
        "proxy-authorization",
        "te",
        "x-forwarded-for",
        "cf-connecting-ip",
    }.isdisjoint(sent)
    assert seen.header("keep-alive") is None
    assert seen.header("x-keep-me") == "yes"
    assert seen.header("host") == f"127.0.0.1:{upstream.port}"
    # Response side: only the allowlisted headers reach the client (cookies, hop-by-hop headers
    # and anything else the upstream sends are dropped).
    assert "set-cookie" not in r.headers
    for name in ("proxy-authenticate", "trailer", "upgrade", "x-hop", "x-custom"):
        assert name not in r.headers, name
    assert r.headers.get("keep-alive") != "timeout=99, max=7"
    for name, value in KEPT_HEADERS:
        assert r.headers[name] == value, name


@pytest.mark.parametrize("content_type", ["text/html", "image/svg+xml", "text/xml"])
def test_upstream_pages_come_back_sandboxed_without_origin_wide_headers(
    proxy, upstream, content_type
):
    """An upstream answer opened in a tab must not run as a page on the playground's origin."""
    r = httpx.get(f"{proxy.url}{API}/v1/page", params={"type": content_type})
    assert r.status_code == 200
    assert r.content == SCRIPTED_PAGE
    assert r.headers["content-type"] == content_type
    assert_sandboxed(r.headers)
    assert len(r.headers.get_list("content-security-policy")) == 1
    # None of the upstream's other headers came through (the server may add its own
    # connection management, so values are compared), and none that act on the whole origin.
    for name, value in DROPPED_HEADERS:
        assert value not in r.headers.get_list(name), name
    for name in ("set-cookie", "clear-site-data", "refresh", "link", "strict-transport-security"):
        assert name not in r.headers, name
    for name, value in KEPT_HEADERS:
        assert r.headers[name] == value, name
    exposed = {h.strip() for h in r.headers["access-control-expose-headers"].split(",")}
    assert {"retry-after-ms", "x-should-retry", "x-request-id"} <= exposed


def test_oauth_proxy_answers_are_sandboxed_too(proxy, upstream):
    r = httpx.get(f"{proxy.url}/tasks-sse/oauth/.well-known/oauth-authorization-server")
    assert r.status_code == 404  # the stub has no such document; the answer passed through
    assert [seen.path for seen in upstream.requests] == ["/.well-known/oauth-authorization-server"]
    assert_sandboxed(r.headers)


# --- redirects and protocol switches from the upstream -----------------------------------------


@pytest.mark.parametrize(
    "location",
    [
        "/v1/tasks/runs/r2",
        "r2?x=1",
        "{origin}/v1/tasks/runs/r2",
    ],
)
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_on_the_upstream_passes_through(proxy, upstream, location, status):
    location = location.format(origin=upstream.url)
    r = httpx.get(
        f"{proxy.url}{API}/v1/redirect?status={status}&to={quote(location, safe='')}",
        follow_redirects=False,
    )
    assert r.status_code == status
    assert r.headers["location"] == location
    assert r.json() == {"redirect": True}
    assert_sandboxed(r.headers)


@pytest.mark.parametrize(
    "location",
    [
        "https://evil.example/steal",
        "//evil.example/steal",
        "http://127.0.0.1:1/v1/x",
        "{origin_other_scheme}/v1/x",
        "/\\evil.example/steal",
        "javascript:alert(1)",
    ],
)
def test_redirect_off_the_upstream_origin_becomes_502(proxy, upstream, location):
    location = location.format(origin_other_scheme=upstream.url.replace("http:", "https:"))
    r = httpx.get(
        f"{proxy.url}{API}/v1/redirect?to={quote(location, safe='')}", follow_redirects=False
    )
    assert r.status_code == 502
    assert "location" not in r.headers
    body = r.json()
    assert body["type"] == "error" and "redirect" in body["error"]["message"].lower()
    assert r.headers["access-control-allow-origin"] == "*"
    assert_sandboxed(r.headers)


def test_upstream_switching_protocols_becomes_502(log_dir):
    raw = RawUpstream(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
    ).start()
    server = start_worker(log_dir, upstream=raw.url)
    try:
        r = httpx.get(f"{server.url}{API}/v1/tasks/runs", headers={"x-api-key": "k"}, timeout=20)
        assert r.status_code == 502, (r.status_code, r.text, server.log()[-2000:])
        assert r.json()["type"] == "error"
        assert r.headers["access-control-allow-origin"] == "*"
        assert_sandboxed(r.headers)
        assert any(b"/v1/tasks/runs" in head for head in raw.seen)
    finally:
        server.stop()
        raw.stop()


# --- the Worker's own errors -----------------------------------------------------------------

HOSTILE = [
    f"{API}/v1/%2e%2e/%2e%2e/admin",
    f"{API}/v1/..%2f..%2fadmin",
    f"{API}/v1%2ftasks",
    f"{API}/v1%5ctasks",
    f"{API}/v1/tasks%00",
    f"{API}//evil.example/v1/tasks",
    f"{API}/http://evil.example/v1/tasks",
    f"{API}/https:%2f%2fevil.example/v1",
    f"{API}/@evil.example/v1/tasks",
    f"{API}/v2/tasks",
    f"{API}/",
    f"{API}/../../etc/passwd",
    f"{API}/v1/" + "a" * 9000,
    f"{API}/v1/tasks;x=1/runs",
    f"{API}/v1/tasks/runs;jsessionid=1",
    f"{API}/v1/tasks%3Bx/runs",
]


@pytest.mark.parametrize("path", HOSTILE)
def test_hostile_paths_are_refused_and_never_reach_upstream(proxy, upstream, path):
    status, headers, body = raw_request(proxy, "GET", path, {"x-api-key": "k"})
    assert status in (400, 404), (status, body)
    # Only the Worker's own answers carry the error shape; assets 404 with no body.
    if body:
        err = json.loads(body)
        assert err["type"] == "error" and err["error"]["message"]
        assert headers.get("access-control-allow-origin") == "*"
        assert_sandboxed(headers)
    assert upstream.requests == []


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/tasks-sse/config.json", 200),
        ("POST", "/tasks-sse/config.json", 405),
        ("GET", f"{API}/v2/tasks", 404),
        ("GET", f"{API}/v1/a%20b", 400),
        ("OPTIONS", f"{API}/v1/tasks/runs", 204),
        ("GET", "/", 302),
    ],
)
def test_the_workers_own_answers_are_sandboxed(proxy, upstream, method, path, status):
    r = httpx.request(method, proxy.url + path, follow_redirects=False)
    assert r.status_code == status
    assert_sandboxed(r.headers)
    assert upstream.requests == []


def test_a_semicolon_in_the_query_is_forwarded(proxy, upstream):
    r = httpx.get(f"{proxy.url}{API}/v1/echo?a=1;b=2")
    assert r.status_code == 200
    assert r.json()["query"] == "a=1;b=2"


def test_body_over_one_mib_gets_413(proxy, upstream):
    big = b"x" * (2 * MIB)
    r = httpx.post(
        f"{proxy.url}{API}/v1/echo", content=big, headers={"content-type": "application/json"}
    )
    assert r.status_code == 413
    assert r.json()["type"] == "error"
    assert r.headers["access-control-allow-origin"] == "*"
    assert_sandboxed(r.headers)
    assert upstream.requests == []


def _chunked(size: int, piece: int = 65536):
    """A body of `size` bytes sent with Transfer-Encoding: chunked (no Content-Length)."""

    def gen():
        left = size
        while left > 0:
            n = min(piece, left)
            left -= n
            yield b"y" * n

    return gen()


def test_chunked_body_one_byte_over_the_limit_gets_413_and_never_reaches_upstream(proxy, upstream):
    """No Content-Length: the Worker reads up to the limit first, so the upstream gets the whole
    body or nothing (workerd would send a body stream the Worker cut short as complete)."""
    r = httpx.post(
        f"{proxy.url}{API}/v1/echo",
        content=_chunked(MIB + 1),
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert r.status_code == 413
    assert r.json()["error"]["detail"] == {"max_bytes": MIB}
    assert r.headers["access-control-allow-origin"] == "*"
    settle(upstream)
    assert upstream.requests == []


def test_chunked_body_at_the_limit_reaches_upstream_whole(proxy, upstream):
    r = httpx.post(
        f"{proxy.url}{API}/v1/echo",
        content=_chunked(MIB, piece=10_000),
        headers={"content-type": "application/octet-stream"},
        timeout=30,
    )
    assert r.status_code == 200
    [seen] = upstream.requests
    assert seen.body == b"y" * MIB
    assert seen.header("content-length") == str(MIB)


@pytest.mark.parametrize("value", ["\u00b2", "1\u00b2", "-1", "0x10"])
def test_malformed_content_length_gets_400_not_500(proxy, upstream, value):
    """The HTTP server in front of the Worker may refuse these itself (Node's does); the Worker's
    own check (`limits.content_length`, unit-tested) answers 400 for whatever gets through."""
    status, _, _ = raw_request(
        proxy, "POST", f"{API}/v1/echo", {"content-length": value}, body=b"{}"
    )
    assert status == 400
    settle(upstream)
    assert upstream.requests == []


def test_upstream_down_gives_502_json_with_cors(log_dir):
    dead = f"http://127.0.0.1:{free_port()}"
    server = start_worker(log_dir, upstream=dead)
    try:
        r = httpx.post(
            f"{server.url}{API}/v1/tasks/runs", json={"input": "x"}, headers={"x-api-key": "k"}
        )
        assert r.status_code == 502
        assert r.headers["content-type"].startswith("application/json")
        assert r.headers["access-control-allow-origin"] == "*"
        assert_sandboxed(r.headers)
        body = r.json()
        assert body["type"] == "error" and body["error"]["message"]
    finally:
        server.stop()


# --- many streams ------------------------------------------------------------------------------


def test_200_concurrent_streams_receive_every_event(proxy, upstream):
    """Each stream on its own connection; the body is read de-chunked to its clean end (workerd
    sends one event as several chunks, and keeps a connection open after the end)."""
    streams, events = 200, 5
    url = f"{proxy.url}{API}/v1/sse?count={events}&interval_ms=200&tag=many"

    async def one(client: httpx.AsyncClient) -> tuple[int, str]:
        async with client.stream("GET", url, headers={"accept": "text/event-stream"}) as r:
            return r.status_code, (await r.aread()).decode()

    async def run():
        limits = httpx.Limits(max_connections=streams, max_keepalive_connections=0)
        async with httpx.AsyncClient(limits=limits, timeout=60) as client:
            return await asyncio.wait_for(
                asyncio.gather(*(one(client) for _ in range(streams))), timeout=60
            )

    replies = asyncio.run(run())
    for status, body in replies:
        assert status == 200
        assert [e["event"] for e in split_events(body)] == ["tick"] * events
    assert len(upstream.sse_sent["many"]) == streams * events


# --- logging -----------------------------------------------------------------------------------


def test_log_has_one_line_per_request_without_query_or_header_values(proxy, upstream):
    marker = f"logcheck{time.monotonic_ns()}"
    r = httpx.get(
        f"{proxy.url}{API}/v1/echo/{marker}?token=query-secret-42",
        headers={"x-api-key": "sk-header-secret-42"},
    )
    assert r.status_code == 404  # the stub knows no such path; the proxy passed it through
    line_start = f"GET {API}/v1/echo/{marker} 404 "

    def logged():
        return line_start in proxy.log()

    deadline = time.monotonic() + 5
    while not logged() and time.monotonic() < deadline:
        time.sleep(0.02)
    log = proxy.log()
    assert logged(), log[-2000:]
    assert "query-secret-42" not in log
    assert "sk-header-secret-42" not in log
    assert sum(line.startswith(line_start) for line in log.splitlines()) == 1


# --- the playground's assets ---------------------------------------------------------------------

PUBLIC = ROOT / "public"


def headers_rules() -> list[tuple[str, list[tuple[str, str]]]]:
    """public/_headers as (pattern, [(name, value)]) - only the plain form the project uses."""
    path = PUBLIC / "_headers"
    if not path.exists():
        return []
    rules: list[tuple[str, list[tuple[str, str]]]] = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            rules.append((line.strip(), []))
        elif ":" in line and not line.strip().startswith("!"):
            name, value = line.strip().split(":", 1)
            rules[-1][1].append((name.strip().lower(), value.strip()))
    return rules


def expected_headers(path: str) -> dict[str, str]:
    expected: dict[str, str] = {}
    for pattern, pairs in headers_rules():
        if fnmatch.fnmatchcase(path, pattern.replace(":name", "*")):
            for name, value in pairs:
                expected[name] = f"{expected[name]}, {value}" if name in expected else value
    return expected


def playground_assets() -> list[tuple[str, str]]:
    found = []
    for file in sorted((PUBLIC / "tasks-sse").rglob("*")):
        if file.is_file() and file.suffix in (".html", ".css", ".js"):
            rel = "/" + file.relative_to(PUBLIC).as_posix()
            found.append((rel.removesuffix("index.html"), file.suffix))
    return found


CONTENT_TYPES = {".html": "text/html", ".css": "text/css", ".js": "text/javascript"}


@pytest.mark.parametrize(("path", "suffix"), playground_assets())
def test_playground_assets_have_their_type_and_the_headers_rules(proxy, path, suffix):
    r = httpx.get(proxy.url + path)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == CONTENT_TYPES[suffix]
    for name, value in expected_headers(path).items():
        assert r.headers.get(name) == value, name


def test_playground_page_carries_a_strict_csp(proxy):
    if not headers_rules():
        pytest.skip("public/_headers not written yet")
    csp = httpx.get(proxy.url + "/tasks-sse/").headers["content-security-policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    for directive in ("default-src", "script-src", "style-src", "connect-src"):
        assert directives[directive] == ["'self'"], directive
    assert directives["frame-ancestors"] == ["'none'"]


def test_playground_directory_redirects_to_its_slash(proxy):
    r = httpx.get(proxy.url + "/tasks-sse", follow_redirects=False)
    assert r.status_code == 307
    assert r.headers["location"] == "/tasks-sse/"
    assert httpx.get(proxy.url + "/", follow_redirects=False).headers["location"] == "/tasks-sse/"
