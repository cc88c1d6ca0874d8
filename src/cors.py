"""CORS decisions: which origin to allow, what to expose, how to answer a preflight. Pure.

With no ALLOWED_ORIGINS the Worker answers `Access-Control-Allow-Origin: *` (no credentials are
ever involved: the API key travels in a header the page sets itself). With a list, it echoes a
listed Origin and says `Vary: Origin` so caches keep the answers apart.
"""

from __future__ import annotations

import re

Header = tuple[str, str]

# Response headers the page's script may read (CORS hides all but a safelisted few otherwise):
# those the official SDKs read (retry and back-off), the request ids and rate-limit state a page
# may show, and where an event stream resumes. A subset of what headers.response_headers keeps.
EXPOSE_HEADERS = (
    "content-type",
    "content-length",
    "www-authenticate",
    "retry-after",
    "retry-after-ms",
    "x-should-retry",
    "x-request-id",
    "request-id",
    "x-ratelimit-limit-requests",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-reset-requests",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "ratelimit",
    "ratelimit-policy",
    "last-event-id",
)
ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
DEFAULT_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "cache-control",
    "content-type",
    "last-event-id",
    "parallel-beta",
    "x-api-key",
)
MAX_AGE_SECONDS = 7200  # Chromium's cap; longer values are clipped anyway.

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}")
_MAX_REQUESTED_HEADERS = 50


def parse_allowed_origins(value: str | None) -> frozenset[str]:
    """ALLOWED_ORIGINS: comma-separated origins; empty means any origin (`*`)."""
    if not value:
        return frozenset()
    return frozenset(o.strip().rstrip("/").lower() for o in value.split(",") if o.strip())


def allow_origin_headers(origin: str | None, allowed: frozenset[str]) -> list[Header]:
    if not allowed:
        return [("access-control-allow-origin", "*")]
    headers = [("vary", "Origin")]
    if origin and origin.strip().lower() in allowed:
        headers.insert(0, ("access-control-allow-origin", origin.strip()))
    return headers


def response_cors_headers(origin: str | None, allowed: frozenset[str]) -> list[Header]:
    """CORS headers for an actual (non-preflight) response."""
    return [
        *allow_origin_headers(origin, allowed),
        ("access-control-expose-headers", ", ".join(EXPOSE_HEADERS)),
    ]


def sanitise_requested_headers(value: str | None) -> list[str]:
    """The header names of Access-Control-Request-Headers that are valid tokens, lowercased."""
    if not value:
        return []
    names = []
    for raw in value.split(","):
        name = raw.strip().lower()
        if _TOKEN.fullmatch(name) and name not in names:
            names.append(name)
        if len(names) >= _MAX_REQUESTED_HEADERS:
            break
    return names


def preflight_headers(
    origin: str | None, allowed: frozenset[str], requested_headers: str | None
) -> list[Header]:
    """Headers of the Worker's own 204 answer to an OPTIONS request."""
    requested = sanitise_requested_headers(requested_headers)
    headers = [
        *allow_origin_headers(origin, allowed),
        ("access-control-allow-methods", ALLOW_METHODS),
        ("access-control-allow-headers", ", ".join(requested or DEFAULT_ALLOW_HEADERS)),
        ("access-control-max-age", str(MAX_AGE_SECONDS)),
    ]
    # The answer depends on the requested headers, so caches must key on them.
    vary = [v for n, v in headers if n == "vary"]
    headers = [(n, v) for n, v in headers if n != "vary"]
    headers.append(("vary", ", ".join([*vary, "Access-Control-Request-Headers"])))
    return headers
