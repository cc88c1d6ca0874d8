"""Small bridges between the pure policy modules and the platform's JS objects.

Headers cross as plain strings, one call per header, so no PyProxy is created (an implicit
proxy of a Python list handed to JS is what made a prototype leak memory per request).
"""

from __future__ import annotations

import js
from workers import Response

try:  # Pyodide >= 0.27 may surface JS null as jsnull instead of None.
    from pyodide.ffi import jsnull
except ImportError:  # pragma: no cover - older Pyodide
    jsnull = None

from errors import error_json, reason

Header = tuple[str, str]

# Status codes whose responses must not carry a body (the Response constructor refuses one).
NULL_BODY_STATUSES = frozenset({101, 103, 204, 205, 304})


def is_null(value) -> bool:
    return value is None or (jsnull is not None and value is jsnull)


def header_pairs(js_headers) -> list[Header]:
    """A JS Headers object as (lowercase name, value) pairs."""
    return [(str(entry[0]), str(entry[1])) for entry in js_headers]


def to_js_headers(pairs: list[Header]):
    headers = js.Headers.new()
    for name, value in pairs:
        headers.append(name, value)
    return headers


def js_request_of(request):
    """The JS Request, whether the platform handed us the SDK wrapper or the JS object itself."""
    return getattr(request, "js_object", request)


def respond(body, status: int, headers: list[Header], status_text: str = "") -> Response:
    if status in NULL_BODY_STATUSES:
        body = None
    return Response(
        body, status=status, status_text=status_text or reason(status),
        headers=to_js_headers(headers),
    )


def json_response(payload: str, status: int, headers: list[Header]) -> Response:
    base = [
        ("content-type", "application/json"),
        ("cache-control", "no-store"),
        ("x-content-type-options", "nosniff"),
    ]
    return respond(payload, status, base + headers)


def error_response(status: int, message: str, cors: list[Header], detail=None,
                   extra: list[Header] | None = None) -> Response:
    """An error the Worker makes itself: Parallel's JSON shape, with the CORS headers."""
    return json_response(error_json(message, detail), status, cors + (extra or []))
