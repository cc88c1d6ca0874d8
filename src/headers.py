"""Header policy for both directions of the proxy. Pure: header lists in, header lists out.

Headers are (name, value) pairs with lowercase names, as WHATWG Headers yields them.
"""

from __future__ import annotations

from collections.abc import Iterable

Header = tuple[str, str]

# RFC 9110 section 7.6.1 plus the legacy ones proxies still see.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)

# Request headers the Worker never forwards: the platform's own, the browser's cookies, and the
# ones the fetch implementation must compute itself (length, expect, encoding negotiation).
REQUEST_DROP = frozenset(
    {
        "host",
        "cookie",
        "cookie2",
        "forwarded",
        "x-real-ip",
        "true-client-ip",
        "expect",
        "content-length",
        "accept-encoding",
    }
)
REQUEST_DROP_PREFIXES = ("cf-", "x-forwarded-")

# Response headers the client gets from an upstream: an ALLOWLIST, because a proxied answer is
# served from the playground's origin and some headers act on that origin (Set-Cookie,
# Clear-Site-Data, Strict-Transport-Security, Refresh, Link preloads, a looser CSP). Only what API
# clients read passes; everything else is dropped. The Worker sets CORS and security headers itself.
RESPONSE_KEEP = frozenset(
    {
        "content-type",  # how every client parses the body (JSON, event stream)
        "content-length",  # a known length (dropped below when the body was decoded)
        "content-encoding",  # only when the body is passed on still encoded (see below)
        "cache-control",  # the API's caching rules; event streams get their own below
        "date",  # when the answer was made (clients compare it with retry-after dates)
        "etag",  # conditional requests
        "last-modified",  # conditional requests
        "vary",  # caches must key on what the upstream varied on
        "location",  # a redirect (checked against the upstream's origin) or a created resource
        "retry-after",  # 429/503 back-off, read by the SDKs
        "retry-after-ms",  # the SDKs' finer back-off
        "x-should-retry",  # the SDKs' retry override
        "www-authenticate",  # why a 401 happened
        "x-request-id",  # the id support asks for
        "request-id",
        "last-event-id",  # where an event stream resumes
    }
)
# Rate-limit families: `x-ratelimit-*`, and the IETF draft's `ratelimit` and `ratelimit-policy`.
RESPONSE_KEEP_PREFIXES = ("x-ratelimit-", "ratelimit")

# Added to every response the Worker makes (proxied or its own): whatever the body is (an upstream
# text/html or SVG opened in a tab), it never runs as a page on our origin, where script could read
# the stored API key, and is never framed or sniffed into something executable.
SECURITY_HEADERS = (
    ("content-security-policy", "default-src 'none'; frame-ancestors 'none'; sandbox"),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
)
_SECURITY_NAMES = frozenset(name for name, _ in SECURITY_HEADERS)


def connection_tokens(headers: Iterable[Header]) -> frozenset[str]:
    """Header names listed in Connection (those are hop-by-hop too)."""
    names = set()
    for name, value in headers:
        if name.lower() == "connection":
            names.update(t.strip().lower() for t in value.split(",") if t.strip())
    return frozenset(names)


def _hop_by_hop(headers: list[Header]) -> frozenset[str]:
    return HOP_BY_HOP | connection_tokens(headers)


def request_headers(headers: Iterable[Header]) -> list[Header]:
    """What the Worker sends upstream: the client's headers minus hop-by-hop and platform ones."""
    headers = [(n.lower(), v) for n, v in headers]
    drop = _hop_by_hop(headers) | REQUEST_DROP
    return [(n, v) for n, v in headers if n not in drop and not n.startswith(REQUEST_DROP_PREFIXES)]


def response_headers(headers: Iterable[Header], body_decoded: bool = True) -> list[Header]:
    """What the client gets from an upstream response, before CORS and security headers.

    `body_decoded`: the platform's fetch hands the Worker a decoded body for gzip/br/deflate
    (Node always; workerd by default), so the encoding and the length of the encoded body no
    longer describe it and are dropped; the body then goes out as identity.
    """
    headers = [(n.lower(), v) for n, v in headers]
    drop = _hop_by_hop(headers)
    encoded = any(
        n == "content-encoding" and v.strip().lower() not in ("", "identity") for n, v in headers
    )
    if body_decoded and encoded:
        drop = drop | {"content-encoding", "content-length"}
    return [
        (n, v)
        for n, v in headers
        if n not in drop and (n in RESPONSE_KEEP or n.startswith(RESPONSE_KEEP_PREFIXES))
    ]


def with_security_headers(headers: list[Header]) -> list[Header]:
    """`headers` with the Worker's security headers in place of any of the same name."""
    kept = [(n, v) for n, v in headers if n.lower() not in _SECURITY_NAMES]
    return [*kept, *SECURITY_HEADERS]


def get(headers: Iterable[Header], name: str) -> str | None:
    """First value of `name` (case-insensitive), or None."""
    name = name.lower()
    for n, v in headers:
        if n.lower() == name:
            return v
    return None


def is_event_stream(content_type: str | None) -> bool:
    if not content_type:
        return False
    return content_type.split(";", 1)[0].strip().lower() == "text/event-stream"


def with_stream_cache_control(headers: list[Header]) -> list[Header]:
    """An event stream must not be buffered or compressed by any layer in between."""
    if not is_event_stream(get(headers, "content-type")):
        return headers
    kept = [(n, v) for n, v in headers if n != "cache-control"]
    return [*kept, ("cache-control", "no-cache, no-transform")]
