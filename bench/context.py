"""What every section gets: the running servers, a log folder, and the run's deadline."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bench.procs import Server

API = "/tasks-sse/api"  # the Worker's proxy prefix


def host_port(url: str) -> tuple[str, int]:
    u = urlsplit(url)
    return u.hostname or "127.0.0.1", u.port or 80


@dataclass
class Ctx:
    log_dir: Path
    upstream: Server | None = None
    worker: Server | None = None
    deadline: float = 0.0  # time.monotonic() by which the whole run must end
    extra_servers: list[Server] = field(default_factory=list)
    shared: dict = field(default_factory=dict)  # figures one section leaves for another

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    @property
    def up(self) -> tuple[str, int]:
        return host_port(self.upstream.url)

    @property
    def wk(self) -> tuple[str, int]:
        return host_port(self.worker.url)
