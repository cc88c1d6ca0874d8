"""`python -m parallel_sim --host 127.0.0.1 --port 8788 [--speed S --seed N ...]`."""

from __future__ import annotations

import logging
import sys

import uvicorn

from .app import build_app
from .config import parse_args


def main(argv: list[str] | None = None) -> None:
    config = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="parallel_sim: %(message)s")
    app = build_app(config)
    url = f"http://{config.host}:{config.port}"
    print(f"Parallel Task API simulator on {url}", flush=True)
    print(f"  development API key (x-api-key): {config.api_key}", flush=True)
    print(
        f"  OAuth issuer: {config.issuer or url}   speed: {config.speed:g}x   seed: "
        f"{config.seed}   max stream: {config.max_stream_seconds:g} s",
        flush=True,
    )
    uvicorn.run(
        app,
        host=config.host,
        port=config.port,
        log_level="warning",
        access_log=config.log_requests,
        timeout_graceful_shutdown=2,
        backlog=4096,
        server_header=False,
    )


if __name__ == "__main__":
    sys.exit(main())
