"""Reading JSON request bodies: bounded while they arrive, then checked for what JSON allows but
the API cannot store (lone surrogates, absurd nesting)."""

from __future__ import annotations

import json

from starlette.requests import Request

from . import limits
from .errors import ApiError
from .validation import InvalidRequest


class TooLarge(ApiError):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(
            413, f"Request body larger than {max_bytes} bytes", {"max_bytes": max_bytes}
        )


def declared_length(request: Request) -> int | None:
    """Content-Length as a number, None when absent; only ASCII digits count."""
    raw = request.headers.get("content-length", "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() else None


async def read_limited(request: Request, max_bytes: int) -> bytes:
    """The body, refused (TooLarge) as soon as it passes `max_bytes`, declared or chunked."""
    declared = declared_length(request)
    if declared is not None and declared > max_bytes:
        raise TooLarge(max_bytes)
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(max_bytes)
        parts.append(chunk)
    return b"".join(parts)


def _depth_ok(value: object, max_depth: int) -> bool:
    """Nesting at most `max_depth` arrays/objects deep (iterative: no recursion to exhaust)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > max_depth:
                return False
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return True


def parse_json(raw: bytes, max_depth: int = limits.MAX_JSON_DEPTH) -> object:
    """JSON text to a value (None when empty); InvalidRequest for what the API cannot take."""
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except RecursionError:
        raise InvalidRequest(
            ("body",), f"JSON nested deeper than {max_depth} levels", "json_invalid"
        ) from None
    except (ValueError, UnicodeDecodeError) as e:
        raise InvalidRequest(("body",), f"the body is not valid JSON ({e})", "json_invalid") from e
    if not _depth_ok(value, max_depth):
        raise InvalidRequest(
            ("body",), f"JSON nested deeper than {max_depth} levels", "json_invalid"
        )
    try:
        # A `\ud800` escape parses to a lone surrogate, which no UTF-8 answer can carry.
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidRequest(
            ("body",), "the body holds a lone surrogate (\\ud800-\\udfff)", "string_unicode"
        ) from None
    return value


async def read_json(request: Request, max_bytes: int = limits.MAX_BODY_BYTES) -> object:
    """The request's JSON body (None when empty), bounded and checked."""
    return parse_json(await read_limited(request, max_bytes))
