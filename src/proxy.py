"""Forward one request to a fixed upstream URL and stream the answer back untouched.

The Worker never reads a body here: the client's request body stream goes into `fetch`, and the
upstream's response body stream goes into the outgoing Response, so an event stream flows through
event by event and a large JSON body is never held in memory.
"""

from __future__ import annotations

import contextlib

import js
from pyodide.ffi import create_proxy, to_js

import headers as header_policy
from interop import error_response, header_pairs, is_null, js_object, respond, unreachable_response

MAX_BODY_BYTES = 1024 * 1024


class BodyTooLarge(Exception):
    pass


class _LimitedBody:
    """Pipe a body of unknown length through a byte counter that errors past the limit.

    Used only when the client sent no Content-Length (a chunked upload): the body still streams,
    and the upload fails as soon as it exceeds the limit instead of after it was all read.
    The transform callback is a PyProxy; it is destroyed when the stream ends or errors. (If the
    client vanishes mid-upload neither happens and one small proxy lives until GC of the stream.)
    """

    def __init__(self, body, limit: int):
        self.limit = limit
        self.seen = 0
        self.exceeded = False
        self._transform = create_proxy(self._on_chunk)
        self._flush = create_proxy(self._on_flush)
        transformer = to_js(
            {"transform": self._transform, "flush": self._flush},
            dict_converter=js.Object.fromEntries,
        )
        self.stream = body.pipeThrough(js.TransformStream.new(transformer))

    def _on_chunk(self, chunk, controller):
        self.seen += chunk.byteLength
        if self.seen > self.limit:
            self.exceeded = True
            controller.error(js.Error.new("request body too large"))
            self.destroy()
            return
        controller.enqueue(chunk)

    def _on_flush(self, _controller):
        self.destroy()

    def destroy(self):
        for proxy in (self._transform, self._flush):
            with contextlib.suppress(Exception):  # already destroyed is fine
                proxy.destroy()


def content_length(value: str | None) -> int | None:
    """Content-Length as an int; None when absent; ValueError when malformed."""
    if value is None:
        return None
    value = value.strip()
    if not value.isdigit():
        raise ValueError("malformed Content-Length")
    return int(value)


async def forward(js_request, target_url: str, cors: list[tuple[str, str]]):
    """Send `js_request` to `target_url` (already validated) and return the streamed answer."""
    incoming = header_pairs(js_request.headers)
    method = str(js_request.method)
    body = None
    limited = None
    if method not in ("GET", "HEAD"):
        try:
            length = content_length(header_policy.get(incoming, "content-length"))
        except ValueError:
            return error_response(400, "Malformed Content-Length header", cors)
        if length is not None and length > MAX_BODY_BYTES:
            return error_response(
                413, "Request body too large", cors, {"max_bytes": MAX_BODY_BYTES}
            )
        body = js_request.body
        if is_null(body):
            body = None
        elif length is None:
            limited = _LimitedBody(body, MAX_BODY_BYTES)
            body = limited.stream

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
        options["duplex"] = "half"  # required by WHATWG fetch for a streamed body
    try:
        js_upstream = await js.fetch(target_url, js_object(options))
    except Exception as exc:
        if limited is not None and limited.exceeded:
            return error_response(
                413, "Request body too large", cors, {"max_bytes": MAX_BODY_BYTES}
            )
        return unreachable_response("proxy", exc, cors)
    finally:
        if limited is not None and limited.exceeded:
            limited.destroy()

    out = header_policy.response_headers(header_pairs(js_upstream.headers))
    out = header_policy.with_stream_cache_control(out) + cors
    body = js_upstream.body
    return respond(
        None if is_null(body) else body,
        int(js_upstream.status),
        out,
        status_text=str(js_upstream.statusText or ""),
    )
