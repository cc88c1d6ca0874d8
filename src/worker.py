"""tasks-sse: a Python Worker in front of Parallel's Task API, serving the playground.

`Default.fetch` only routes; the policies live in small pure modules (paths, headers, cors, config,
errors) and the platform glue in proxy/interop. See DESIGN.md, "Worker contract".
"""

from __future__ import annotations

import json

from workers import Response, WorkerEntrypoint

import cors
import headers as header_policy
import paths
from config import build_config
from interop import (
    error_response,
    header_pairs,
    is_null,
    js_request_of,
    json_response,
    respond,
)
from proxy import forward

PLAYGROUND = "/tasks-sse/"
CONFIG_PATH = "/tasks-sse/config.json"


def _var(env, name: str, default: str = "") -> str:
    value = getattr(env, name, None)
    return default if value is None else str(value)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        js_request = js_request_of(request)
        try:
            return await self._route(request, js_request)
        except Exception as exc:
            # Log the class only: a message could carry header values or other client data.
            print(f"tasks-sse worker: unhandled {type(exc).__name__}")
            return error_response(500, "Internal error in the Worker", self._cors(js_request))

    def _allowed_origins(self) -> frozenset[str]:
        return cors.parse_allowed_origins(_var(self.env, "ALLOWED_ORIGINS"))

    def _cors(self, js_request) -> list[tuple[str, str]]:
        origin = js_request.headers.get("origin")
        return cors.response_cors_headers(
            None if is_null(origin) else str(origin), self._allowed_origins()
        )

    async def _route(self, request, js_request):
        path, query = paths.split_request_url(str(js_request.url))
        method = str(js_request.method)

        if path == "/":
            return respond(None, 302, [("location", PLAYGROUND)])
        if path == CONFIG_PATH:
            return self._config(js_request, method)
        for prefix, targeter, var, default in (
            (paths.API_PREFIX, paths.api_target, "PARALLEL_API_ORIGIN",
             "https://api.parallel.ai"),
            (paths.OAUTH_PREFIX, paths.oauth_target, "OAUTH_ISSUER",
             "https://platform.parallel.ai"),
        ):
            if path.startswith(prefix) or path == prefix.rstrip("/"):
                return await self._proxy(
                    js_request, method, path[len(prefix):], query, targeter,
                    _var(self.env, var, default),
                )
        return await self.env.ASSETS.fetch(request)

    def _config(self, js_request, method: str):
        cors_headers = self._cors(js_request)
        if method == "OPTIONS":
            return self._preflight(js_request)
        if method not in ("GET", "HEAD"):
            return error_response(405, "Method not allowed", cors_headers,
                                  extra=[("allow", "GET, HEAD, OPTIONS")])
        config = build_config(
            _var(self.env, "PARALLEL_API_ORIGIN"),
            _var(self.env, "OAUTH_ISSUER"),
            _var(self.env, "UPSTREAM_MODE"),
        )
        return json_response(json.dumps(config), 200, cors_headers)

    def _preflight(self, js_request):
        incoming = header_pairs(js_request.headers)
        out = cors.preflight_headers(
            header_policy.get(incoming, "origin"),
            self._allowed_origins(),
            header_policy.get(incoming, "access-control-request-headers"),
        )
        return respond(None, 204, out)

    async def _proxy(self, js_request, method, rest, query, targeter, origin) -> Response:
        # A preflight is answered here and never reaches the upstream.
        if method == "OPTIONS":
            return self._preflight(js_request)
        cors_headers = self._cors(js_request)
        try:
            target = targeter(rest, query, origin)
        except paths.PathRejected as rejected:
            return error_response(rejected.status, rejected.message, cors_headers)
        return await forward(js_request, target.url, cors_headers)
