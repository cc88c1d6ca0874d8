"""The ASGI app: the Task API under /v1 and /v1beta, the OAuth provider, one exception handler
for every API error, CORS, and an optional one-line-per-request log."""

from __future__ import annotations

import contextlib
import logging
import time

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import group_routes, run_routes
from .clock import Clock
from .config import Config
from .context import Ctx, Sim, api
from .errors import ApiError, on_api_error, on_http_error, on_unexpected
from .util import json_response

log = logging.getLogger("parallel_sim")
access_log = logging.getLogger("parallel_sim.access")

EXPOSE = ["content-type", "www-authenticate", "retry-after", "retry-after-ms"]


async def not_found(ctx: Ctx) -> Response:
    raise ApiError(404, "Not found")


async def home(request: Request) -> Response:
    return json_response(
        {
            "name": "Parallel Task API simulator",
            "docs": "parallel_sim/README.md",
            "api": ["/v1/tasks/runs", "/v1beta/tasks/runs/{run_id}/events", "/v1beta/tasks/groups"],
            "oauth": "/.well-known/oauth-authorization-server",
        }
    )


def oauth_routes(sim: Sim) -> list[Route]:
    o = sim.oauth
    return [
        Route("/.well-known/oauth-authorization-server", o.metadata, methods=["GET"]),
        Route("/.well-known/oauth-protected-resource", o.protected_resource, methods=["GET"]),
        Route("/getKeys/register", o.register, methods=["POST"]),
        Route("/getKeys/authorize", o.authorize, methods=["GET"]),
        Route("/getKeys/authorize", o.decide, methods=["POST"]),
        Route("/getKeys/authorize/decision", o.decide, methods=["POST"]),
        Route("/getKeys/token", o.token, methods=["POST"]),
        Route("/getKeys/consent.css", o.consent_css, methods=["GET"]),
    ]


class AccessLog:
    """One line per request: method, path (never the query: it may carry codes), status, time.
    Keys and headers are never logged."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [0]

        async def send_and_note(message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            access_log.info(
                "%s %s %d %.1f ms",
                scope["method"],
                scope["path"],
                status[0],
                (time.perf_counter() - started) * 1000,
            )


def build_app(config: Config, clock: Clock | None = None) -> Starlette:
    """The simulator for `config`; `clock` replaces real time (tests use a fast-forward one)."""
    sim = Sim(config, clock)
    routes: list[Route] = []
    for prefix in ("/v1", "/v1beta"):
        routes += run_routes.routes(prefix) + group_routes.routes(prefix)
    for prefix in ("/v1", "/v1beta"):
        routes.append(
            Route(
                prefix + "/{rest:path}",
                api(not_found),
                methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            )
        )
    routes += oauth_routes(sim)
    routes.append(Route("/", home, methods=["GET"]))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        await sim.webhooks.close()

    # The real API sends no CORS headers; answering CORS here is harmless and lets a browser
    # page call the OAuth endpoints (and the API) directly.
    middleware = [
        Middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=EXPOSE,
            max_age=600,
        )
    ]
    if config.log_requests:
        middleware.insert(0, Middleware(AccessLog))
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={
            ApiError: on_api_error,
            HTTPException: on_http_error,
            Exception: on_unexpected,
        },
    )
    app.state.sim = sim
    return app
