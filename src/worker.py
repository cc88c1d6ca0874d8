"""tasks-sse: a Python Worker in front of Parallel's Task API, serving the playground.

`Default.fetch` only routes; the policies live in small pure modules (paths, headers, cors, config,
errors, limits, sse, relay, reconnect, heartbeat) and the platform glue in proxy, runs, stream_job,
upstream, client_link, bodies and interop. docs/architecture.md is the contract they keep.
"""

from __future__ import annotations

import json

from workers import Response, WorkerEntrypoint

import cors
import headers as header_policy
import paths
import runs
from config import build_config
from interop import (
    error_response,
    header_pairs,
    is_null,
    js_request_of,
    json_response,
    respond,
)
from key_check import handle_key_check
from proxy import forward

PLAYGROUND = "/tasks-sse/"
CONFIG_PATH = "/tasks-sse/config.json"
RUN_PATH = "/tasks-sse/run"
KEY_CHECK_PATH = "/tasks-sse/key-check"
RUNS_PREFIX = "/tasks-sse/runs/"
STREAM_SUFFIX = "/stream"


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
        if path == RUN_PATH:
            return await self._run(js_request, method)
        if path == KEY_CHECK_PATH:
            return await self._key_check(js_request, method)
        if path.startswith(RUNS_PREFIX):
            return await self._stream(js_request, method, path, query)
        for prefix, targeter, var, default in (
            (paths.API_PREFIX, paths.api_target, "PARALLEL_API_ORIGIN", "https://api.parallel.ai"),
            (
                paths.OAUTH_PREFIX,
                paths.oauth_target,
                "OAUTH_ISSUER",
                "https://platform.parallel.ai",
            ),
        ):
            if path.startswith(prefix) or path == prefix.rstrip("/"):
                return await self._proxy(
                    js_request,
                    method,
                    path[len(prefix) :],
                    query,
                    targeter,
                    _var(self.env, var, default),
                )
        return await self.env.ASSETS.fetch(request)

    def _config(self, js_request, method: str):
        cors_headers = self._cors(js_request)
        if method == "OPTIONS":
            return self._preflight(js_request)
        if method not in ("GET", "HEAD"):
            return error_response(
                405, "Method not allowed", cors_headers, extra=[("allow", "GET, HEAD, OPTIONS")]
            )
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

    def _heartbeat(self) -> float:
        try:
            return max(0.05, float(_var(self.env, "RUN_HEARTBEAT_SECONDS", "15")))
        except ValueError:
            return runs.HEARTBEAT_SECONDS

    def _api_origin(self) -> str:
        return _var(self.env, "PARALLEL_API_ORIGIN", "https://api.parallel.ai")

    async def _run(self, js_request, method: str):
        if method == "OPTIONS":
            return self._preflight(js_request)
        cors_headers = self._cors(js_request)
        if method != "POST":
            return runs.method_not_allowed(cors_headers, "POST, OPTIONS")
        return await runs.handle_run(
            js_request, self._api_origin(), self.ctx, cors_headers, self._heartbeat()
        )

    async def _key_check(self, js_request, method: str):
        if method == "OPTIONS":
            return self._preflight(js_request)
        cors_headers = self._cors(js_request)
        if method != "GET":
            return runs.method_not_allowed(cors_headers, "GET, OPTIONS")
        return await handle_key_check(js_request, self._api_origin(), cors_headers)

    async def _stream(self, js_request, method: str, path: str, query: str):
        cors_headers = self._cors(js_request)
        run_id = path[len(RUNS_PREFIX) :]
        if not run_id.endswith(STREAM_SUFFIX):
            return error_response(404, "Not found", cors_headers)
        if method == "OPTIONS":
            return self._preflight(js_request)
        if method != "GET":
            return runs.method_not_allowed(cors_headers, "GET, OPTIONS")
        return await runs.handle_stream(
            js_request,
            self._api_origin(),
            self.ctx,
            cors_headers,
            run_id[: -len(STREAM_SUFFIX)],
            query,
            self._heartbeat(),
        )

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
