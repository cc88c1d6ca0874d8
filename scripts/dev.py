"""`make dev`: the simulator and the Worker (local runtime) together, or the Worker alone when live.

With no PARALLEL_API_ORIGIN in the environment the simulator is the upstream and the page signs in
against it; `PARALLEL_API_ORIGIN=https://api.parallel.ai make dev` talks to the real API instead.
Both children share this terminal; Ctrl-C stops both.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READY_DEADLINE_S = 60.0


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for_port(port: int, proc: subprocess.Popen, what: str) -> None:
    """Block until `port` accepts connections; exit with a clear message if `proc` dies first."""
    end = time.monotonic() + READY_DEADLINE_S
    while time.monotonic() < end:
        if proc.poll() is not None:
            sys.exit(f"make dev: the {what} exited with status {proc.returncode} (see above)")
        if port_in_use(port):
            return
        time.sleep(0.1)
    sys.exit(f"make dev: the {what} did not listen on port {port} within {READY_DEADLINE_S:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8787)))
    parser.add_argument("--sim-port", type=int, default=int(os.environ.get("SIM_PORT", 8788)))
    args = parser.parse_args()

    live_origin = os.environ.get("PARALLEL_API_ORIGIN", "").strip()
    for port, what in [(args.port, "PORT"), (None if live_origin else args.sim_port, "SIM_PORT")]:
        if port and port_in_use(port):
            sys.exit(f"make dev: port {port} is in use; stop what holds it or set {what}=...")

    # SIGTERM (a supervisor, `kill`) must stop the children too, like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    children: list[subprocess.Popen] = []
    env = dict(os.environ, PORT=str(args.port), HOST="127.0.0.1")
    try:
        if live_origin:
            env.setdefault("UPSTREAM_MODE", "live")
            print(f"make dev: live mode, upstream {live_origin} (requests spend credits)")
        else:
            sim_origin = f"http://127.0.0.1:{args.sim_port}"
            sim = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "parallel_sim",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(args.sim_port),
                ],
                cwd=ROOT,
            )
            children.append(sim)
            wait_for_port(args.sim_port, sim, "simulator")
            env.update(
                PARALLEL_API_ORIGIN=sim_origin, OAUTH_ISSUER=sim_origin, UPSTREAM_MODE="simulator"
            )
        worker = subprocess.Popen(["node", "runtime/server.mjs"], cwd=ROOT, env=env)
        children.append(worker)
        wait_for_port(args.port, worker, "Worker (local runtime)")
        print(f"\n  Playground: http://127.0.0.1:{args.port}/tasks-sse/\n", flush=True)
        if not live_origin:
            key = os.environ.get("PARALLEL_SIM_API_KEY", "sim-dev-key")
            print(f"  Simulator API key: {key}  (or use 'Sign in with Parallel')\n", flush=True)
        while all(c.poll() is None for c in children):
            time.sleep(0.5)
        sys.exit("make dev: a server stopped; shutting down the other")
    except KeyboardInterrupt:
        pass
    finally:
        for c in children:
            if c.poll() is None:
                c.send_signal(signal.SIGTERM)
        for c in children:
            try:
                c.wait(timeout=10)
            except subprocess.TimeoutExpired:
                c.kill()


if __name__ == "__main__":
    main()
