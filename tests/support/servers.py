"""Start the real servers (simulator, the Worker, stub upstreams) on free loopback ports.

Every wait has a deadline; a server that does not come up fails the test with its own output.

The Worker runs in one of two ways, chosen by one switch, the environment variable `TEST_WORKER`:
- `runtime` (default): the local runtime, `node runtime/server.mjs` (works offline);
- `wrangler`: `wrangler dev` on workerd, the reference (needs the internet: workerd downloads
  its Python bundle at start).
Callers of `start_worker` do not change; the same vars reach the Worker either way.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]

WORKER_KINDS = ("runtime", "wrangler")
WRANGLER_BIN = ROOT / "node_modules" / ".bin" / "wrangler"
# No telemetry, no calls to Cloudflare's API for `request.cf`: tests stay local.
WRANGLER_QUIET = {
    "WRANGLER_SEND_METRICS": "false",
    "WRANGLER_SEND_ERROR_REPORTS": "false",
    "CLOUDFLARE_CF_FETCH_ENABLED": "false",
    "NO_COLOR": "1",  # its log lands in test failures: as plain text as it lets us
    "FORCE_COLOR": "0",
}
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# wrangler dev takes ~9 s online (four processes); the local runtime 2-5 s.
READY_DEADLINE_S = {"runtime": 60.0, "wrangler": 100.0}
# Settings of the launching process, not Worker vars.
PROCESS_KEYS = frozenset({"PORT", "HOST"})
RUNTIME_ONLY_PREFIX = "RUNTIME_"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_kind() -> str:
    """Which Worker the suites start: `TEST_WORKER`, `runtime` when unset."""
    kind = os.environ.get("TEST_WORKER", "").strip() or "runtime"
    if kind not in WORKER_KINDS:
        raise ValueError(f"TEST_WORKER must be one of {', '.join(WORKER_KINDS)} (got {kind!r})")
    return kind


@dataclass
class Server:
    name: str
    url: str
    proc: subprocess.Popen
    log_path: Path
    extra: dict = field(default_factory=dict)
    group: bool = False  # the process leads its own group (wrangler's workerd children stop too)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def _signal(self, sig: int) -> None:
        if self.group:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
        else:
            self.proc.send_signal(sig)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.proc.wait(timeout=10)
        if self.group:  # children that outlived their parent
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)


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


def _spawn(
    name: str, cmd: list[str], env: dict, log_dir: Path, group: bool = False
) -> tuple[subprocess.Popen, Path]:
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}-{os.getpid()}-{time.monotonic_ns()}.log"
    out = log_path.open("wb")
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=group,
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


def worker_vars(env: dict) -> dict:
    """The Worker vars among a caller's env: everything but the launcher's own settings."""
    runtime_only = sorted(k for k in env if k.startswith(RUNTIME_ONLY_PREFIX))
    if runtime_only:
        raise ValueError(
            f"{', '.join(runtime_only)}: settings of the local runtime; "
            "this test is runtime-only (TEST_WORKER=runtime)"
        )
    return {k: v for k, v in env.items() if k not in PROCESS_KEYS and k != "WRANGLER_CONFIG"}


def wrangler_command(
    port: int, inspector_port: int, persist_to: Path, vars: dict, config: str | None = None
) -> list[str]:
    """`wrangler dev` on 127.0.0.1:`port`, local only, non-interactive, with `vars` as --var.

    wrangler splits `--var KEY:VALUE` at the first colon only, so URLs pass unchanged.
    """
    cmd = [str(WRANGLER_BIN), "dev", "--local", "--ip", "127.0.0.1", "--port", str(port)]
    cmd += ["--inspector-ip", "127.0.0.1", "--inspector-port", str(inspector_port)]
    cmd += ["--persist-to", str(persist_to), "--show-interactive-dev-session=false"]
    if config:
        cmd += ["--config", config]
    for key, value in vars.items():
        if not key or ":" in key:
            raise ValueError(f"not a var name for wrangler's --var: {key!r}")
        cmd += ["--var", f"{key}:{value}"]
    return cmd


def start_worker(
    log_dir: Path, upstream: str, port: int | None = None, env: dict | None = None
) -> Server:
    """The Worker proxying to `upstream`, in the runtime `TEST_WORKER` names (see the top)."""
    kind = worker_kind()
    port = port or free_port()
    full_env = {
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "PARALLEL_API_ORIGIN": upstream,
        **(env or {}),
    }
    if kind == "wrangler":
        state = log_dir / f"wrangler-state-{port}"
        cmd = wrangler_command(
            port, free_port(), state, worker_vars(full_env), full_env.get("WRANGLER_CONFIG")
        )
        proc_env = {**full_env, **WRANGLER_QUIET, "WRANGLER_LOG_PATH": str(state / "logs")}
        proc, log_path = _spawn("wrangler", cmd, proc_env, log_dir, group=True)
    else:
        proc, log_path = _spawn("worker", ["node", "runtime/server.mjs"], full_env, log_dir)
    url = f"http://127.0.0.1:{port}"
    server = Server("worker", url, proc, log_path, extra={"kind": kind}, group=kind == "wrangler")
    try:
        wait_http(url + "/tasks-sse/config.json", proc, log_path, READY_DEADLINE_S[kind])
    except Exception as e:
        server.stop()
        if kind == "wrangler":
            raise RuntimeError(
                "TEST_WORKER=wrangler: `wrangler dev` did not start (workerd downloads its Python "
                "bundle at start, so this needs the internet); its output follows.\n"
                + ANSI.sub("", str(e))
            ) from e
        raise
    return server
