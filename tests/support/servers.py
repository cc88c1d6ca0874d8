"""Start the real servers (simulator, local runtime, stub upstreams) on free loopback ports.

Every wait has a deadline; a server that does not come up fails the test with its own output.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    url: str
    proc: subprocess.Popen
    log_path: Path
    extra: dict = field(default_factory=dict)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def wait_http(url: str, proc: subprocess.Popen, log_path: Path, deadline_s: float = 30.0) -> None:
    """Poll until `url` answers below 500; fail if the process dies or the deadline passes."""
    end = time.monotonic() + deadline_s
    last = ""
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            r = httpx.get(url, timeout=2.0)
            if r.status_code < 500:
                return
            last = f"status {r.status_code}"
        except httpx.HTTPError as e:
            last = repr(e)
        time.sleep(0.05)
    raise TimeoutError(f"{url} not ready in {deadline_s}s ({last}):\n{log_path.read_text()}")


def _spawn(name: str, cmd: list[str], env: dict, log_dir: Path) -> tuple[subprocess.Popen, Path]:
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}-{os.getpid()}-{time.monotonic_ns()}.log"
    out = log_path.open("wb")
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
    )
    return proc, log_path


def start_sim(
    log_dir: Path, port: int | None = None, env: dict | None = None, args: list[str] | None = None
) -> Server:
    """The Task API simulator (`python -m parallel_sim`)."""
    port = port or free_port()
    cmd = [sys.executable, "-m", "parallel_sim", "--host", "127.0.0.1", "--port", str(port)]
    proc, log_path = _spawn("sim", cmd + (args or []), env or {}, log_dir)
    url = f"http://127.0.0.1:{port}"
    server = Server("sim", url, proc, log_path)
    try:
        wait_http(url + "/.well-known/oauth-authorization-server", proc, log_path)
    except Exception:
        server.stop()
        raise
    return server


def start_worker(
    log_dir: Path, upstream: str, port: int | None = None, env: dict | None = None
) -> Server:
    """The Worker in the local runtime (`node runtime/server.mjs`), proxying to `upstream`."""
    port = port or free_port()
    full_env = {
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "PARALLEL_API_ORIGIN": upstream,
        **(env or {}),
    }
    proc, log_path = _spawn("worker", ["node", "runtime/server.mjs"], full_env, log_dir)
    url = f"http://127.0.0.1:{port}"
    server = Server("worker", url, proc, log_path)
    try:
        wait_http(url + "/tasks-sse/config.json", proc, log_path, deadline_s=60.0)
    except Exception:
        server.stop()
        raise
    return server
