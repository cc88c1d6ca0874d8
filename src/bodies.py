"""Read a body stream into memory, never past a byte limit.

Used for the few bodies the Worker reads itself (a client's JSON, a chunked upload it must
measure before forwarding, the upstream's run, result and error answers). Reading stops, and the
stream is cancelled, as soon as the limit is passed, so a huge or decompression-bomb body never
grows memory beyond the limit.
"""

from __future__ import annotations

import contextlib

from interop import is_null


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


async def response_bytes(response, limit: int) -> bytes | None:
    """The body of a fetch Response (SDK wrapper or JS object), or None when over `limit`."""
    js_response = getattr(response, "js_object", response)
    return await read_limited(js_response.body, limit)
