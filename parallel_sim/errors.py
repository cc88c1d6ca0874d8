"""One way to fail: API handlers raise ApiError; one exception handler writes the response in
Parallel's error shape."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response

from .util import error_response

log = logging.getLogger("parallel_sim")


class ApiError(Exception):
    """An answer other than success: status, message, detail and extra headers."""

    def __init__(
        self, status: int, message: str, detail: object = None, headers: dict | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.detail = detail
        self.headers = headers

    def response(self) -> Response:
        return error_response(self.status, self.message, self.detail, self.headers)


INVALID_QUERY = "Request validation error"


def invalid_query(name: str, msg: str) -> ApiError:
    """A 422 about one query parameter."""
    return ApiError(
        422,
        INVALID_QUERY,
        {"field": name, "errors": [{"loc": ["query", name], "msg": msg, "type": "value_error"}]},
    )


async def on_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def on_http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 in Parallel's error shape."""
    status = getattr(exc, "status_code", 404)
    return error_response(status, "Not found" if status == 404 else "Method not allowed")


async def on_unexpected(request: Request, exc: Exception) -> Response:
    """A bug still answers in the API's shape (and is logged); the process carries on."""
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "Internal server error")
