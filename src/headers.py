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

# Response headers never passed to the client: cookies from another site, and CORS headers that
# the Worker sets itself.
RESPONSE_DROP = frozenset({"set-cookie", "set-cookie2"})
RESPONSE_DROP_PREFIXES = ("access-control-",)


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
    """What the client gets from an upstream response, before CORS headers are added.

    `body_decoded`: the platform's fetch hands the Worker a decoded body for gzip/br/deflate
    (Node always; workerd by default), so the encoding and the length of the encoded body no
    longer describe it and are dropped; the body then goes out as identity.
    """
    headers = [(n.lower(), v) for n, v in headers]
    drop = _hop_by_hop(headers) | RESPONSE_DROP
    encoded = any(
        n == "content-encoding" and v.strip().lower() not in ("", "identity") for n, v in headers
    )
    if body_decoded and encoded:
        drop = drop | {"content-encoding", "content-length"}
    return [
        (n, v) for n, v in headers if n not in drop and not n.startswith(RESPONSE_DROP_PREFIXES)
    ]


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
