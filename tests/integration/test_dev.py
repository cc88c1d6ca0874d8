"""`make dev`'s launcher: prints the playground URL, serves it with the simulator upstream, and
takes both servers down with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import psutil

from tests.support.servers import ROOT, free_port

DEADLINE_S = 60.0


def _wait_for_line(proc: subprocess.Popen, needle: str) -> str:
    """Read the launcher's output until `needle` appears (or fail with all of it)."""
    seen: list[str] = []
    end = time.monotonic() + DEADLINE_S
    while time.monotonic() < end:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if needle in line:
            return line
    raise AssertionError(f"{needle!r} never printed:\n{''.join(seen)}")


def test_dev_serves_the_playground_against_the_simulator_and_stops_cleanly():
    port, sim_port = free_port(), free_port()
    proc = subprocess.Popen(
        [sys.executable, "scripts/dev.py", "--port", str(port), "--sim-port", str(sim_port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PARALLEL_API_ORIGIN"},
    )
    try:
        line = _wait_for_line(proc, "Playground:")
        url = line.split("Playground:")[1].strip()
        assert url == f"http://127.0.0.1:{port}/tasks-sse/"
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) >= 2

        page = httpx.get(url, timeout=10)
        assert page.status_code == 200 and "<html" in page.text.lower()
        config = httpx.get(url + "config.json", timeout=10).json()
        assert config["mode"] == "simulator"
        assert config["upstream"] == f"http://127.0.0.1:{sim_port}"
        created = httpx.post(
            url + "api/v1/tasks/runs",
            headers={"x-api-key": "sim-dev-key"},
            json={"input": "hello", "processor": "lite"},
            timeout=10,
        )
        assert created.status_code == 202, created.text

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        _, alive = psutil.wait_procs(children, timeout=15)
        assert not alive, f"left running: {[p.cmdline() for p in alive]}"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
