"""Routes: the Task API under /v1 and /v1beta, the OAuth provider, and the shared policies
(x-api-key, fault injection, rate limit, credits) in one place."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from . import faults as faultlib
from . import stream
from .auth import Credits, KeyRing, RateLimiter
from .bodies import MAX_BODY_BYTES, TooLarge, invalid, invalid_query, read_json
from .config import Config
from .groups import GroupStore, group_routes
from .oauth import OAuthProvider
from .runs import Run, RunStore
from .util import error_response, json_response
from .validation import InvalidProcessor, InvalidRequest, check_run_input
from .webhooks import WebhookSender

log = logging.getLogger("parallel_sim")

UNAUTHORIZED = "Unauthorized: invalid or missing credentials"
RUN_NOT_FOUND = "Run id not found"
RESULT_NOT_FOUND = "Run failed or run id not found"
FAULT_MESSAGES = {
    429: "Too many requests: quota temporarily exceeded",
    500: "Internal server error (simulated fault)",
    502: "Bad gateway (simulated fault)",
    503: "Service unavailable (simulated fault)",
    504: "Gateway timeout (simulated fault)",
}
EXPOSE = ["content-type", "www-authenticate", "retry-after", "retry-after-ms"]


class Sim:
    """Everything the handlers share."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.keys = KeyRing(config.api_key)
        self.runs = RunStore(config.seed, config.speed, config.failure_rate)
        self.groups = GroupStore(config.seed)
        self.limiter = RateLimiter(config.rate_limit_per_minute)
        self.credits = Credits(config.credits)
        self.oauth = OAuthProvider(self.keys, config.issuer)
        self.webhooks = WebhookSender(
            config.webhook_secret,
            config.webhook_max_attempts,
            config.webhook_retry_seconds,
            config.speed,
        )
        self.config_faults = faultlib.parse(config.fault)
        self.fail_counter = faultlib.FailCounter()


class Ctx:
    """Per request: the caller's key and the faults in force."""

    def __init__(
        self, sim: Sim, request: Request, key: str, faults: faultlib.Faults, raw_fault: str
    ):
        self.sim, self.request, self.key, self.faults, self.raw_fault = (
            sim,
            request,
            key,
            faults,
            raw_fault,
        )


Handler = Callable[[Ctx], Awaitable[Response]]


def request_fault_text(request: Request) -> str:
    return request.headers.get(faultlib.HEADER) or request.query_params.get(faultlib.PARAM) or ""


async def apply_faults(ctx: Ctx, faults: faultlib.Faults, counter_key: str) -> Response | None:
    """first-byte-delay and fail-first; a Response when this request must fail."""
    if faults.first_byte_delay_ms:
        await asyncio.sleep(faults.first_byte_delay_ms / 1000.0)
    if faults.fail_first and ctx.sim.fail_counter.should_fail(counter_key, faults.fail_first[0]):
        status = faults.fail_first[1]
        headers = None
        if status in (429, 503):
            ms = faults.retry_after_ms
            # Retry-After is whole seconds; retry-after-ms (read by Parallel's SDKs) is exact.
            headers = (
                {"retry-after": "1"}
                if ms is None
                else {"retry-after": str(math.ceil(ms / 1000)), "retry-after-ms": str(ms)}
            )
        return error_response(
            status,
            FAULT_MESSAGES.get(status, f"Simulated fault {status}"),
            {"fault": "fail-first"},
            headers,
        )
    return None


def api(sim: Sim, handler: Handler, counts_for_rate: bool = False) -> Callable:
    """Wrap an API handler: x-api-key, request-level faults, rate limit."""

    async def endpoint(request: Request) -> Response:
        key = request.headers.get("x-api-key", "")
        if not sim.keys.valid(key):
            return error_response(401, UNAUTHORIZED)
        raw = request_fault_text(request)
        try:
            faults = sim.config_faults.merged(faultlib.parse(raw))
        except faultlib.FaultSyntaxError as e:
            return error_response(
                400, f"Bad fault injection ({faultlib.HEADER} / {faultlib.PARAM}): {e}"
            )
        ctx = Ctx(sim, request, key, faults, raw)
        failed = await apply_faults(
            ctx, faults, f"{request.method} {request.url.path} {raw or sim.config.fault}"
        )
        if failed:
            return failed
        if counts_for_rate and not sim.limiter.allow(key):
            return error_response(429, FAULT_MESSAGES[429])
        try:
            return await handler(ctx)
        except TooLarge:
            return error_response(413, f"Request body larger than {MAX_BODY_BYTES} bytes")

    return endpoint


# --- task runs -----------------------------------------------------------------------------
async def create_run(ctx: Ctx) -> Response:
    sim = ctx.sim
    try:
        body = await read_json(ctx.request)
        checked = check_run_input(body)
    except InvalidRequest as e:
        return invalid(e)
    except InvalidProcessor:
        return error_response(403, "Forbidden: invalid processor in request")
    if (body.get("metadata") or {}).get("sim_fault") is not None:
        try:
            faultlib.parse(str(body["metadata"]["sim_fault"]))
        except faultlib.FaultSyntaxError as e:
            return invalid(InvalidRequest(("body", "metadata", "sim_fault"), str(e)))
    if not sim.credits.charge(checked.processor.price_usd):
        return error_response(402, "Payment required: insufficient credit in account")
    run = sim.runs.create(checked, ctx.key)
    sim.webhooks.schedule(run)
    return json_response(run.snapshot(), 202)


def run_faults(ctx: Ctx, run: Run) -> faultlib.Faults:
    """config < run metadata `sim_fault` < this request's header/query."""
    meta = (run.body.get("metadata") or {}).get("sim_fault")
    f = ctx.sim.config_faults
    if meta:
        f = f.merged(faultlib.parse(str(meta)))
    return f.merged(faultlib.parse(ctx.raw_fault)) if ctx.raw_fault else f


async def with_run(ctx: Ctx, not_found: str = RUN_NOT_FOUND) -> tuple[Run | None, Response | None]:
    run = ctx.sim.runs.get(ctx.request.path_params["run_id"])
    if run is None:
        return None, error_response(404, not_found)
    meta = (run.body.get("metadata") or {}).get("sim_fault")
    if meta:
        # The wrapper applied the request's own faults; the run's apply where the request set
        # none, with fail-first counted per run (every request addressed to it).
        mine, theirs = faultlib.parse(str(meta)), faultlib.parse(ctx.raw_fault)
        failed = await apply_faults(
            ctx,
            faultlib.Faults(
                first_byte_delay_ms=None
                if theirs.first_byte_delay_ms is not None
                else mine.first_byte_delay_ms,
                fail_first=None if theirs.fail_first else mine.fail_first,
            ),
            f"run {run.run_id}",
        )
        if failed:
            return None, failed
    return run, None


async def get_run(ctx: Ctx) -> Response:
    run, err = await with_run(ctx)
    return err or json_response(run.snapshot())


async def get_input(ctx: Ctx) -> Response:
    run, err = await with_run(ctx)
    return err or json_response(run.body)


async def get_result(ctx: Ctx) -> Response:
    raw = ctx.request.query_params.get("timeout", "600")
    try:
        timeout = int(raw)
        if timeout < 0:
            raise ValueError
    except ValueError:
        return invalid_query("timeout", "timeout must be a non-negative integer")
    run, err = await with_run(ctx, RESULT_NOT_FOUND)
    if err:
        return err
    if not run.is_done():
        await asyncio.sleep(min(run.remaining() + 1e-3, timeout))
    if not run.is_done():
        return error_response(408, "Request timed out; run still active")
    if run.status() != "completed":
        # Failed, cancelled or waiting for an action: there is no output to give.
        return error_response(404, RESULT_NOT_FOUND, {"status": run.status()})
    # Per-element basis entries are always there (the SDK's types describe them), so the
    # field-basis-2025-11-25 beta header changes nothing.
    return json_response({"run": run.snapshot(), "output": run.output()})


async def run_events(ctx: Ctx) -> Response:
    run, err = await with_run(ctx)
    if err:
        return err
    f = run_faults(ctx, run)
    events = stream.run_events(run, f, ctx.sim.config.max_stream_seconds)
    return StreamingResponse(
        stream.encode(events, f), media_type="text/event-stream", headers=stream.SSE_HEADERS
    )


async def not_found(ctx: Ctx) -> Response:
    return error_response(404, "Not found")


# --- app -----------------------------------------------------------------------------------
def build_app(config: Config) -> Starlette:
    sim = Sim(config)
    routes: list[Route] = []
    for prefix in ("/v1", "/v1beta"):
        base = f"{prefix}/tasks/runs"
        routes += [
            Route(base, api(sim, create_run, counts_for_rate=True), methods=["POST"]),
            Route(base + "/{run_id}", api(sim, get_run), methods=["GET"]),
            Route(base + "/{run_id}/input", api(sim, get_input), methods=["GET"]),
            Route(base + "/{run_id}/result", api(sim, get_result), methods=["GET"]),
            Route(base + "/{run_id}/events", api(sim, run_events), methods=["GET"]),
        ]
        routes += group_routes(sim, prefix, api)
    for prefix in ("/v1", "/v1beta"):
        routes.append(
            Route(
                prefix + "/{rest:path}",
                api(sim, not_found),
                methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            )
        )
    o = sim.oauth
    routes += [
        Route("/.well-known/oauth-authorization-server", o.metadata, methods=["GET"]),
        Route("/.well-known/oauth-protected-resource", o.protected_resource, methods=["GET"]),
        Route("/getKeys/register", o.register, methods=["POST"]),
        Route("/getKeys/authorize", o.authorize, methods=["GET"]),
        Route("/getKeys/authorize", o.decide, methods=["POST"]),
        Route("/getKeys/authorize/decision", o.decide, methods=["POST"]),
        Route("/getKeys/token", o.token, methods=["POST"]),
        Route("/getKeys/consent.css", o.consent_css, methods=["GET"]),
        Route("/", home, methods=["GET"]),
    ]

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
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={404: http_error, 405: http_error},
    )
    app.state.sim = sim
    return app


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 in Parallel's error shape."""
    status = getattr(exc, "status_code", 404)
    return error_response(status, "Not found" if status == 404 else "Method not allowed")


async def home(request: Request) -> Response:
    return json_response(
        {
            "name": "Parallel Task API simulator",
            "docs": "parallel_sim/README.md",
            "api": ["/v1/tasks/runs", "/v1beta/tasks/runs/{run_id}/events", "/v1beta/tasks/groups"],
            "oauth": "/.well-known/oauth-authorization-server",
        }
    )
