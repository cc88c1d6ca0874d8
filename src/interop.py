"""Small bridges between the pure policy modules and the platform's JS objects.

Every JS call from Python is a crossing that costs far more than the Python around it, so
headers cross in one call each way: read as one array of pairs, written as one list converted
by `to_js` (a JS copy: no PyProxy is created, which matters because an implicit proxy of a
Python list handed to JS is what made a prototype leak memory per request).
"""

from __future__ import annotations

import js
from pyodide.ffi import to_js
from workers import Response

try:  # Pyodide >= 0.27 may surface JS null as jsnull instead of None.
    from pyodide.ffi import jsnull
except ImportError:  # pragma: no cover - older Pyodide
    jsnull = None

from errors import error_json, reason
from headers import with_security_headers

Header = tuple[str, str]

# Status codes whose responses must not carry a body (the Response constructor refuses one).
NULL_BODY_STATUSES = frozenset({101, 103, 204, 205, 304})


def is_null(value) -> bool:
    return value is None or (jsnull is not None and value is jsnull)


def header_pairs(js_headers) -> list[Header]:
    """A JS Headers object as (lowercase name, value) pairs, read in one crossing."""
    return [(name, value) for name, value in js.Array.from_(js_headers).to_py()]


def js_object(options: dict):
    """A plain JS object from a dict (nested lists become arrays), converted in one call."""
    return to_js(options, dict_converter=js.Object.fromEntries)


def to_js_headers(pairs: list[Header]):
    return js.Headers.new(to_js(pairs))


def js_request_of(request):
    """The JS Request, whether the platform handed us the SDK wrapper or the JS object itself."""
    return getattr(request, "js_object", request)


def respond(body, status: int, headers: list[Header], status_text: str = "") -> Response:
    """A Response built by JS's constructor in one call, then wrapped by the SDK as is.

    `body` is None, a str or a JS body (a ReadableStream): nothing Python-owned crosses over.
    Every response the Worker makes goes through here, so every one carries the security headers
    (a sandboxing CSP, nosniff): no answer can run as a page on the playground's origin.
    """
    if status in NULL_BODY_STATUSES:
        body = None
    elif isinstance(body, bytes | bytearray):
        body = to_js(body)  # a Uint8Array copy, not a proxy
    init = js_object(
        {
            "status": status,
            "statusText": status_text or reason(status),
            "headers": with_security_headers(headers),
        }
    )
    return Response(js.Response.new(body, init))


def json_response(payload: str, status: int, headers: list[Header]) -> Response:
    base = [("content-type", "application/json"), ("cache-control", "no-store")]
    return respond(payload, status, base + headers)


def error_response(
    status: int, message: str, cors: list[Header], detail=None, extra: list[Header] | None = None
) -> Response:
    """An error the Worker makes itself: Parallel's JSON shape, with the CORS headers."""
    return json_response(error_json(message, detail), status, cors + (extra or []))


def unreachable_response(component: str, exc: BaseException, cors: list[Header]) -> Response:
    """502 for a subrequest that failed; logs the exception class only (a message could carry
    header values or other client data)."""
    print(f"tasks-sse {component}: upstream unreachable ({type(exc).__name__})")
    return error_response(502, "Upstream unreachable", cors)
