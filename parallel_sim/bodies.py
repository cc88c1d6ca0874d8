"""Reading request bodies and answering validation errors in Parallel's shape."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response

from .util import error_response
from .validation import InvalidRequest

INVALID_BODY = "Unprocessable content: request validation error"
INVALID_QUERY = "Request validation error"
MAX_BODY_BYTES = 16 * 2**20


class TooLarge(Exception):
    """The body is over MAX_BODY_BYTES (413)."""


def invalid(e: InvalidRequest) -> Response:
    return error_response(422, INVALID_BODY, e.detail())


def invalid_query(name: str, msg: str) -> Response:
    return error_response(
        422,
        INVALID_QUERY,
        {"field": name, "errors": [{"loc": ["query", name], "msg": msg, "type": "value_error"}]},
    )


async def read_json(request: Request) -> object:
    """The JSON body (None when empty); InvalidRequest for bad JSON, TooLarge for huge bodies."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise TooLarge
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise TooLarge
    try:
        return json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError) as e:
        raise InvalidRequest(("body",), f"the body is not valid JSON ({e})", "json_invalid") from e
