"""Uploads the Worker takes (checked before reading), and body streams read, never past a limit.

Used for the few bodies the Worker reads itself (a client's JSON, a chunked upload it must
measure before forwarding, the upstream's run, result and error answers). Reading stops, and the
stream is cancelled, as soon as the limit is passed, so a huge or decompression-bomb body never
grows memory beyond the limit.
"""

from __future__ import annotations

import contextlib

import headers as header_policy
import limits
from interop import error_response, is_null


class Refused(Exception):
    """An upload the Worker will not take; `response` is the answer that says why."""

    def __init__(self, response):
        super().__init__("upload refused")
        self.response = response


def _too_large(cors):
    return error_response(413, "Request body too large", cors, {"max_bytes": limits.MAX_BODY_BYTES})


def declared_length(incoming, cors) -> int | None:
    """The request's Content-Length (None without one); Refused (400 or 413) when it is
    malformed or over MAX_BODY_BYTES, before any of the body is read."""
    try:
        length = limits.content_length(header_policy.get(incoming, "content-length"))
    except ValueError:
        raise Refused(error_response(400, "Malformed Content-Length header", cors)) from None
    if length is not None and length > limits.MAX_BODY_BYTES:
        raise Refused(_too_large(cors))
    return length


async def read_upload(body, cors) -> bytes:
    """All of an upload body (JS null: b""); Refused (413) as soon as it passes MAX_BODY_BYTES."""
    data = await read_limited(body, limits.MAX_BODY_BYTES)
    if data is None:
        raise Refused(_too_large(cors))
    return data


async def read_limited(stream, limit: int) -> bytes | None:
    """All bytes of a JS ReadableStream (None or JS null: b""), or None when over `limit`."""
    if is_null(stream):
        return b""
    reader = stream.getReader()
    chunks, size = [], 0
    try:
        while True:
            result = await reader.read()
            if result.done:
                return b"".join(chunks)
            chunk = result.value.to_bytes()
            size += len(chunk)
            if size > limit:
                with contextlib.suppress(Exception):  # the stream may already be closed
                    await reader.cancel()
                return None
            chunks.append(chunk)
    finally:
        with contextlib.suppress(Exception):
            reader.releaseLock()
