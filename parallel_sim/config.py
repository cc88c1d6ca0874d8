"""Settings from the environment, overridable by CLI flags (flags win)."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

DEFAULT_SPEED = 12.0


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = 8788
    api_key: str = "sim-dev-key"
    # Time divisor applied to each processor's documented latency range (see runs.draw_duration).
    speed: float = DEFAULT_SPEED
    seed: int = 0
    max_stream_seconds: float = 570.0
    webhook_secret: str = "sim-webhook-secret"  # noqa: S105 - a documented dev default
    # Fraction of runs (0..1) that fail, chosen deterministically from seed + input.
    failure_rate: float = 0.0
    # Run-creating POSTs per minute per API key before 429; 0 = unlimited (real API: 2000).
    rate_limit_per_minute: int = 0
    # Credit balance in USD; None = unlimited. Each run costs its processor's price per 1K / 1000.
    credits: float | None = None
    # A fault list applied to every API request (same syntax as the x-sim-fault header).
    fault: str = ""
    webhook_max_attempts: int = 5
    # Seconds before the first webhook retry (doubling after that), before the speed divisor.
    webhook_retry_seconds: float = 5.0
    # Fixed OAuth issuer; empty = derive from each request's Host header.
    issuer: str = ""
    log_requests: bool = False


def _env_float(name: str, default: float | None) -> float | None:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def from_env() -> Config:
    """Defaults overridden by the documented environment variables."""
    c = Config()
    c.port = _env_int("SIM_PORT", c.port)
    c.host = os.environ.get("SIM_HOST", c.host) or c.host
    c.api_key = os.environ.get("PARALLEL_SIM_API_KEY", c.api_key) or c.api_key
    c.speed = _env_float("PARALLEL_SIM_SPEED", c.speed)
    c.seed = _env_int("PARALLEL_SIM_SEED", c.seed)
    c.max_stream_seconds = _env_float("PARALLEL_SIM_MAX_STREAM_SECONDS", c.max_stream_seconds)
    c.webhook_secret = os.environ.get("PARALLEL_SIM_WEBHOOK_SECRET") or c.webhook_secret
    c.failure_rate = _env_float("PARALLEL_SIM_FAILURE_RATE", c.failure_rate)
    c.rate_limit_per_minute = _env_int("PARALLEL_SIM_RATE_LIMIT", c.rate_limit_per_minute)
    c.credits = _env_float("PARALLEL_SIM_CREDITS", c.credits)
    c.fault = os.environ.get("PARALLEL_SIM_FAULT", c.fault)
    c.webhook_max_attempts = _env_int("PARALLEL_SIM_WEBHOOK_MAX_ATTEMPTS", c.webhook_max_attempts)
    c.webhook_retry_seconds = _env_float(
        "PARALLEL_SIM_WEBHOOK_RETRY_SECONDS", c.webhook_retry_seconds
    )
    c.issuer = os.environ.get("PARALLEL_SIM_ISSUER", c.issuer).rstrip("/")
    c.log_requests = os.environ.get("PARALLEL_SIM_LOG_REQUESTS", "") not in ("", "0", "false")
    return c


def parse_args(argv: list[str] | None = None, base: Config | None = None) -> Config:
    """CLI flags over the environment."""
    c = base or from_env()
    p = argparse.ArgumentParser(
        prog="parallel-sim",
        description="Offline simulator of Parallel's Task API and OAuth provider.",
    )
    p.add_argument("--host", default=c.host)
    p.add_argument("--port", type=int, default=c.port)
    p.add_argument("--api-key", default=c.api_key, help="the development API key")
    p.add_argument("--speed", type=float, default=c.speed, help="time divisor for run latency")
    p.add_argument("--seed", type=int, default=c.seed)
    p.add_argument("--max-stream-seconds", type=float, default=c.max_stream_seconds)
    p.add_argument("--webhook-secret", default=c.webhook_secret)
    p.add_argument("--failure-rate", type=float, default=c.failure_rate)
    p.add_argument(
        "--rate-limit",
        type=int,
        default=c.rate_limit_per_minute,
        help="run-creating POSTs per minute per key (0 = unlimited)",
    )
    p.add_argument("--credits", type=float, default=c.credits, help="credit balance in USD")
    p.add_argument("--fault", default=c.fault, help="fault list applied to every API request")
    p.add_argument("--webhook-max-attempts", type=int, default=c.webhook_max_attempts)
    p.add_argument("--webhook-retry-seconds", type=float, default=c.webhook_retry_seconds)
    p.add_argument("--issuer", default=c.issuer, help="fixed OAuth issuer (default: from Host)")
    p.add_argument("--log-requests", action="store_true", default=c.log_requests)
    a = p.parse_args(argv)
    if a.speed <= 0:
        p.error("--speed must be positive")
    if not 0 <= a.failure_rate <= 1:
        p.error("--failure-rate must be between 0 and 1")
    if a.max_stream_seconds <= 0:
        p.error("--max-stream-seconds must be positive")
    return Config(
        host=a.host,
        port=a.port,
        api_key=a.api_key,
        speed=a.speed,
        seed=a.seed,
        max_stream_seconds=a.max_stream_seconds,
        webhook_secret=a.webhook_secret,
        failure_rate=a.failure_rate,
        rate_limit_per_minute=a.rate_limit,
        credits=a.credits,
        fault=a.fault,
        webhook_max_attempts=a.webhook_max_attempts,
        webhook_retry_seconds=a.webhook_retry_seconds,
        issuer=a.issuer.rstrip("/"),
        log_requests=a.log_requests,
    )
