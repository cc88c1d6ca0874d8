"""Start and stop the servers under test, and read their memory and CPU with psutil.

The Worker and the simulator start through the test suite's helpers (tests/support/servers.py), so
the benchmark runs them exactly as the tests do; the bench upstream is our own subprocess.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

from bench.rawhttp import KeepAliveConn
from tests.support.servers import ROOT, Server, free_port

__all__ = [
    "ROOT",
    "WORKER_ROOT",
    "CpuMeter",
    "Server",
    "cpu_ns",
    "cpu_seconds",
    "launch",
    "launch_sim",
    "launch_worker",
    "rss_mb",
    "start_upstream",
]

# As tests/support/servers.py:start_worker; BENCH_WORKER_CMD swaps in another proxy to compare.
WORKER_CMD = os.environ.get("BENCH_WORKER_CMD", "node runtime/server.mjs").split()
# The tree the Worker runs from (default this one): BENCH_WORKER_ROOT=<another checkout> measures
# that checkout's Worker and runtime with this checkout's bench (before/after comparisons).
WORKER_ROOT = Path(os.environ.get("BENCH_WORKER_ROOT") or ROOT).resolve()
SIM_CMD = [sys.executable, "-m", "parallel_sim"]  # as tests/support/servers.py:start_sim


def start_upstream(log_dir: Path, deadline_s: float = 15.0) -> Server:
    """The stamped upstream (`python -m bench.upstream`) on a free loopback port."""
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"upstream-{port}.log"
    out = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.upstream", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    server = Server("upstream", f"http://127.0.0.1:{port}", proc, log_path)
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"bench upstream exited:\n{server.log()}")
        if "ready" in server.log():
            return server
        time.sleep(0.02)
    server.stop()
    raise TimeoutError(f"bench upstream not ready in {deadline_s}s:\n{server.log()}")


async def _first_200(port: int, path: str) -> bool:
    conn = KeepAliveConn("127.0.0.1", port, timeout=2.0)
    try:
        reply = await conn.request("GET", path)
        return reply.status == 200
    except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
        return False
    finally:
        await conn.close()


async def launch(
    name: str,
    cmd: list[str],
    env: dict,
    ready_path: str,
    log_dir: Path,
    deadline_s: float = 30.0,
    poll_s: float = 0.01,
    cwd: Path = ROOT,
) -> tuple[Server, float]:
    """Spawn a server on a free port and poll `ready_path` until it answers 200.

    Returns the server and the seconds from spawn to that first 200 (the cold start).
    The caller owns the server and must stop it.
    """
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}-{port}.log"
    out = log_path.open("wb")
    full_env = {**os.environ, **env}
    full_env = {k: v.replace("{port}", str(port)) for k, v in full_env.items()}
    argv = [a.replace("{port}", str(port)) for a in cmd]
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, cwd=cwd, env=full_env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(name, f"http://127.0.0.1:{port}", proc, log_path)
    try:
        while time.monotonic() - t0 < deadline_s:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}: {server.log()[-600:]}")
            if await _first_200(port, ready_path):
                return server, time.monotonic() - t0
            await asyncio.sleep(poll_s)
        raise TimeoutError(
            f"{name} gave no 200 on {ready_path} within {deadline_s:.0f} s: {server.log()[-600:]}"
        )
    except BaseException:
        server.stop()
        raise


async def launch_worker(
    log_dir: Path, upstream: str, env: dict | None = None, deadline_s: float = 30.0
) -> tuple[Server, float]:
    """The Worker in the local runtime in front of `upstream`."""
    wenv = {
        "PORT": "{port}",
        "HOST": "127.0.0.1",
        "PARALLEL_API_ORIGIN": upstream,
        "WRANGLER_SEND_METRICS": "false",
        "WRANGLER_SEND_ERROR_REPORTS": "false",
        "CLOUDFLARE_CF_FETCH_ENABLED": "false",
        **(env or {}),
    }
    return await launch(
        "worker", WORKER_CMD, wenv, "/tasks-sse/config.json", log_dir, deadline_s, cwd=WORKER_ROOT
    )


async def launch_sim(
    log_dir: Path, env: dict | None = None, args: list[str] | None = None, deadline_s: float = 30.0
) -> tuple[Server, float]:
    """The Task API simulator."""
    cmd = [*SIM_CMD, "--host", "127.0.0.1", "--port", "{port}", *(args or [])]
    return await launch(
        "sim",
        cmd,
        env or {},
        "/.well-known/oauth-authorization-server",
        log_dir,
        deadline_s,
        poll_s=0.05,
    )


def _tree(pid: int) -> list[psutil.Process]:
    try:
        p = psutil.Process(pid)
        return [p, *p.children(recursive=True)]
    except psutil.Error:
        return []


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MiB."""
    total = 0
    for p in _tree(pid):
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total / (1024 * 1024)


def cpu_seconds(pid: int, children: bool = True) -> float:
    """User + system CPU seconds used so far by a process (and its children, if asked)."""
    total = 0.0
    for p in _tree(pid) if children else _tree(pid)[:1]:
        with contextlib.suppress(psutil.Error):
            t = p.cpu_times()
            total += t.user + t.system
    return total


def cpu_ns(pid: int) -> int:
    """CPU time used so far by a process and its children, in ns, from the scheduler's per-thread
    counters (/proc/<pid>/task/*/schedstat): exact where /proc/<pid>/stat counts 10 ms ticks.
    Time of threads that already exited is not in it; the servers measured keep their threads."""
    total = 0
    for p in _tree(pid):
        try:
            tasks = list(Path(f"/proc/{p.pid}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            with contextlib.suppress(OSError, ValueError, IndexError):
                total += int((task / "schedstat").read_text().split()[0])
    return total


class CpuMeter:
    """CPU time used by named processes over a span, as % of one core (200% = both cores)."""

    def __init__(self, pids: dict[str, int]):
        self.pids = {"client": os.getpid(), **pids}
        self.start: dict[str, float] = {}
        self.t0 = 0.0
        self.result: dict[str, float] = {}

    def _cpu(self, name: str) -> float:
        # The client's children are the servers: its own process only.
        return cpu_seconds(self.pids[name], children=name != "client")

    def __enter__(self):
        self.t0 = time.monotonic()
        self.start = {k: self._cpu(k) for k in self.pids}
        return self

    def __exit__(self, *exc):
        wall = max(1e-6, time.monotonic() - self.t0)
        self.result = {k: round(100 * (self._cpu(k) - self.start[k]) / wall) for k in self.pids}
        return False

    def note(self) -> str:
        return "CPU (% of one core): " + ", ".join(f"{k} {v}%" for k, v in self.result.items())
