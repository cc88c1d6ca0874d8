"""What every API handler shares: the simulator's state (Sim), the per-request context (Ctx), and
the wrapper that applies the shared policies (x-api-key, faults, rate limit) before a handler."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from . import faults as faultlib
from .auth import Credits, KeyRing, RateLimiter
from .clock import Clock
from .config import Config
from .errors import ApiError
from .groups import GroupStore
from .oauth import OAuthProvider
from .runs import RunStore
from .webhooks import WebhookSender

UNAUTHORIZED = "Unauthorized: invalid or missing credentials"
FAULT_MESSAGES = {
    429: "Too many requests: quota temporarily exceeded",
    500: "Internal server error (simulated fault)",
    502: "Bad gateway (simulated fault)",
    503: "Service unavailable (simulated fault)",
    504: "Gateway timeout (simulated fault)",
}


class Sim:
    """Everything the handlers share."""

    def __init__(self, config: Config, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or Clock()
        self.keys = KeyRing(config.api_key)
        self.runs = RunStore(config.seed, config.speed, config.failure_rate, self.clock)
        self.groups = GroupStore(config.seed, self.clock)
        self.limiter = RateLimiter(config.rate_limit_per_minute)
        self.credits = Credits(config.credits)
        self.oauth = OAuthProvider(self.keys, config.issuer)
        self.webhooks = WebhookSender(
            config.webhook_secret,
            config.webhook_max_attempts,
            config.webhook_retry_seconds,
            config.speed,
            self.clock,
        )
        self.config_faults = faultlib.parse(config.fault)
        self.fail_counter = faultlib.FailCounter()


class Ctx:
    """Per request: the simulator, the request, the caller's key and the faults in force."""

    def __init__(
        self, sim: Sim, request: Request, key: str, faults: faultlib.Faults, raw_fault: str
    ) -> None:
        self.sim = sim
        self.request = request
        self.key = key
        self.faults = faults
        self.raw_fault = raw_fault


Handler = Callable[[Ctx], Awaitable[Response]]


def request_fault_text(request: Request) -> str:
    return request.headers.get(faultlib.HEADER) or request.query_params.get(faultlib.PARAM) or ""


def parse_faults(text: str, source: str) -> faultlib.Faults:
    try:
        return faultlib.parse(text)
    except faultlib.FaultSyntaxError as e:
        raise ApiError(400, f"Bad fault injection ({source}): {e}") from None


async def apply_faults(ctx: Ctx, faults: faultlib.Faults, counter_key: str) -> None:
    """first-byte-delay, then fail-first: raises the ApiError when this request must fail."""
    if faults.first_byte_delay_ms:
        await ctx.sim.clock.sleep(faults.first_byte_delay_ms / 1000.0)
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
        raise ApiError(
            status,
            FAULT_MESSAGES.get(status, f"Simulated fault {status}"),
            {"fault": "fail-first"},
            headers,
        )


def api(handler: Handler, counts_for_rate: bool = False) -> Callable:
    """An endpoint for `handler`: x-api-key, request-level faults, rate limit, then the handler.
    Every failure is an ApiError, answered by the app's one exception handler."""

    async def endpoint(request: Request) -> Response:
        sim: Sim = request.app.state.sim
        key = request.headers.get("x-api-key", "")
        if not sim.keys.valid(key):
            raise ApiError(401, UNAUTHORIZED)
        raw = request_fault_text(request)
        faults = sim.config_faults.merged(
            parse_faults(raw, f"{faultlib.HEADER} / {faultlib.PARAM}")
        )
        ctx = Ctx(sim, request, key, faults, raw)
        await apply_faults(
            ctx, faults, f"{request.method} {request.url.path} {raw or sim.config.fault}"
        )
        now = sim.clock.monotonic()
        if counts_for_rate and not sim.limiter.allow(key, now):
            wait = math.ceil(sim.limiter.retry_after(key, now))
            raise ApiError(429, FAULT_MESSAGES[429], None, {"retry-after": str(max(1, wait))})
        return await handler(ctx)

    return endpoint
