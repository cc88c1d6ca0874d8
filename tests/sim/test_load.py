"""Holding many concurrent SSE streams: 500 clients on one run, every one gets the whole stream.

Figures (peak concurrent streams, the simulator's memory) are printed, never asserted on time.
"""

from __future__ import annotations

import asyncio
import json
import os

import httpx
import psutil
import pytest

from tests.sim.helpers import KEY, create
from tests.support.servers import start_sim

STREAMS = int(os.environ.get("SIM_LOAD_STREAMS", "500"))


async def one_stream(port: int, path: str, state: dict) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nx-api-key: {KEY}\r\n"
            "Accept: text/event-stream\r\nConnection: close\r\n\r\n".encode()
        )
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head[:100]
        state["open"] += 1
        state["peak"] = max(state["peak"], state["open"])
        if state["open"] == STREAMS:
            state["all_open_after"] = asyncio.get_running_loop().time() - state["t0"]
        body = await reader.read()  # until the server ends the stream
        state["open"] -= 1
        return body
    finally:
        writer.close()


async def many(port: int, path: str, n: int) -> tuple[list[bytes], dict]:
    state = {"open": 0, "peak": 0, "t0": asyncio.get_running_loop().time(), "all_open_after": -1}
    bodies = await asyncio.gather(*(one_stream(port, path, state) for _ in range(n)))
    return bodies, state


@pytest.fixture
def real_sim(log_dir):
    """A real `python -m parallel_sim` process: its memory and CPU are measured on their own.
    Speed 80: an ultra run lasts 3.75 s or more, so every stream is open at once while it runs."""
    server = start_sim(log_dir, env={"PARALLEL_SIM_SPEED": "80"})
    yield server
    server.stop()


def test_500_concurrent_streams(real_sim):
    sim = real_sim
    proc = psutil.Process(sim.proc.pid)
    port = int(sim.url.rsplit(":", 1)[1])
    with httpx.Client(base_url=sim.url, headers={"x-api-key": KEY}, timeout=30) as c:
        run = create(c, {"input": "Many watchers", "processor": "ultra", "enable_events": True})
        rss_before = proc.memory_info().rss
        cpu_before = proc.cpu_times()
        bodies, state = asyncio.run(
            many(port, f"/v1beta/tasks/runs/{run['run_id']}/events", STREAMS)
        )
        cpu_after = proc.cpu_times()
        rss_after = proc.memory_info().rss
        assert c.get(f"/v1/tasks/runs/{run['run_id']}").json()["status"] == "completed"
    finals = 0
    for body in bodies:
        text = body.decode()
        last = [line for line in text.split("\n") if line.startswith("data: ")][-1]
        final = json.loads(last[6:])
        assert final["type"] == "task_run.state" and final["run"]["status"] == "completed"
        assert final["output"] is not None
        finals += 1
    assert finals == STREAMS
    assert state["peak"] == STREAMS  # all were open together before the run finished
    cpu = (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system)
    print(
        f"\n[sim load] {STREAMS} concurrent SSE streams held; peak open {state['peak']}; "
        f"simulator RSS {rss_before / 2**20:.1f} -> {rss_after / 2**20:.1f} MiB; "
        f"simulator CPU {cpu:.2f} s over the run; events per stream "
        f"{bodies[0].count(b'event: ')}; all open after {state['all_open_after']:.2f} s"
    )
