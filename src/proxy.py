"""Forward one request to a fixed upstream URL and stream the answer back.

A body with a Content-Length (checked against the limit first) goes into `fetch` as the client's
stream, and the upstream's response body stream goes into the outgoing Response, so an event
stream flows through event by event and a large JSON body is never held in memory. A chunked
upload (no length) is read first, up to the limit: a Worker cannot cut a streamed subrequest
body short (workerd sends the shorter body as complete), so the upstream gets all of it or nothing.
"""

from __future__ import annotations

import contextlib

import js
from pyodide.ffi import to_js

import headers as header_policy
import paths
from bodies import Refused, declared_length, read_upload
from interop import error_response, header_pairs, is_null, js_object, respond, unreachable_response


async def forward(js_request, target_url: str, cors: list[tuple[str, str]]):
    """Send `js_request` to `target_url` (already validated) and return the streamed answer."""
    incoming = header_pairs(js_request.headers)
    method = str(js_request.method)
    body = None
    streamed = False
    if method not in ("GET", "HEAD"):
        body = js_request.body
        try:
            length = declared_length(incoming, cors)
            if is_null(body):
                body = None
            elif length is None:
                # A Uint8Array: fetch sends it with its Content-Length.
                body = to_js(await read_upload(body, cors))
            else:
                streamed = True
        except Refused as refused:
            return refused.response

    # The platform's fetch is called directly with one options object (headers as a list of
    # pairs inside it): the SDK's wrapper would convert keyword arguments, make an abort signal
    # and wrap the answer twice per request, which shows in a burst of requests.
    options = {
        "method": method,
        "headers": header_policy.request_headers(incoming),
        # Never follow a redirect: it could point at another host.
        "redirect": "manual",
    }
    if body is not None:
        options["body"] = body
        if streamed:
            options["duplex"] = "half"  # required by WHATWG fetch for a streamed body
    try:
        js_upstream = await js.fetch(target_url, js_object(options))
    except Exception as exc:
        return unreachable_response("proxy", exc, cors)

    status = int(js_upstream.status)
    pairs = header_pairs(js_upstream.headers)
    refusal = paths.upstream_refusal(status, header_policy.get(pairs, "location"), target_url)
    body = js_upstream.body
    if refusal is not None:
        if not is_null(body):
            with contextlib.suppress(Exception):  # nobody will read it: let the connection go
                body.cancel()
        print(f"tasks-sse proxy: refused an upstream answer ({status})")
        return error_response(502, refusal, cors)

    out = header_policy.response_headers(pairs)
    out = header_policy.with_stream_cache_control(out) + cors
    return respond(
        None if is_null(body) else body,
        status,
        out,
        status_text=str(js_upstream.statusText or ""),
    )
