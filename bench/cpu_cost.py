"""CPU time the Worker spends per request, beside the bare Node fetch() proxy (bench/floor.py).

Wall-clock figures swing with whatever else runs on the cores; a process's own CPU time (the
scheduler's on-CPU time of all its threads) swings less: the better figure to compare commits by.
Per proxy: POSTS sequential POSTs on one keep-alive connection, and STREAMS event streams opened
one after another, each read to its first event and closed, in ROUNDS batches where the proxies
take turns. CPU is read before and after each batch, once the proxy went quiet (so the teardown of
its last stream counts too), and divided by the batch's count. 'Added' is what the Worker costs
over the floor: Pyodide and the Worker's Python.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time

from bench import floor
from bench.context import API, Ctx, host_port
from bench.procs import Server, cpu_ns, launch
from bench.rawhttp import KeepAliveConn, open_sse
from bench.report import Row, Section
from bench.ttfb import BODY, HEADERS

POSTS = 500
STREAMS = 200
ROUNDS = 5  # each proxy's share of POSTS and STREAMS, taken in turns
WARMUP = 200  # requests first: the JIT of both proxies warms up
EVENTS_PATH = "/v1beta/tasks/runs/trun_bench0000000000000000000000/events"
STREAM_HEADERS = {"x-api-key": "bench-key", "parallel-beta": "events-sse-2025-07-24"}
QUIET_POLL_S = 0.05  # the proxy is quiet when a poll this long shows (almost) no new CPU
QUIET_NS = 100_000
QUIET_MAX_S = 3.0
STREAMS_END_MAX_S = 10.0  # the upstream ends each run stream within a second anyway


async def _quiet(pid: int) -> int:
    """CPU ns of `pid` once a poll interval passes without new CPU (bounded wait)."""
    end = time.monotonic() + QUIET_MAX_S
    last = cpu_ns(pid)
    while time.monotonic() < end:
        await asyncio.sleep(QUIET_POLL_S)
        now = cpu_ns(pid)
        if now - last < QUIET_NS:
            return now
        last = now
    return last


async def _posts(server: Server, n: int) -> None:
    conn = KeepAliveConn(*host_port(server.url))
    try:
        for _ in range(n):
            r = await conn.request("POST", API + "/v1/tasks/runs", HEADERS, BODY)
            if r.status != 202:
                raise RuntimeError(f"{server.name}: POST status {r.status} {r.body[:200]!r}")
    finally:
        await conn.close()


async def _streams(server: Server, n: int) -> None:
    host, port = host_port(server.url)
    for _ in range(n):
        cap = await open_sse(host, port, API + EVENTS_PATH, STREAM_HEADERS)
        try:
            await asyncio.wait_for(asyncio.shield(cap.first_data), 10)
        finally:
            cap.transport.close()
        if not cap.t_first_data:
            status, _, _ = cap.parse()
            raise RuntimeError(f"{server.name}: stream status {status}, no event ({cap.error})")


async def _upstream_streams_done(ctx: Ctx) -> None:
    """Wait (bounded) until the upstream wrote its last run stream: their teardown is done too."""
    conn = KeepAliveConn(*ctx.up)
    try:
        end = time.monotonic() + STREAMS_END_MAX_S
        while time.monotonic() < end:
            r = await conn.request("GET", "/v1/bench/open")
            if json.loads(r.body)["run_streams"] == 0:
                return
            await asyncio.sleep(QUIET_POLL_S)
        raise TimeoutError(f"upstream run streams still open after {STREAMS_END_MAX_S} s")
    finally:
        await conn.close()


async def per_request(ctx: Ctx, server: Server, batch, n: int) -> tuple[float, float]:
    """(CPU ms, wall ms) per request of `batch(server, n)` in `server`'s process tree."""
    await _upstream_streams_done(ctx)
    before = await _quiet(server.proc.pid)
    t0 = time.monotonic()
    await batch(server, n)
    wall = time.monotonic() - t0
    await _upstream_streams_done(ctx)
    after = await _quiet(server.proc.pid)
    return (after - before) / 1e6 / n, wall * 1000 / n


async def measure(ctx: Ctx, servers: dict[str, Server]) -> dict:
    """Per proxy and kind of request: CPU and wall ms per request, median over ROUNDS.

    The proxies take turns in every round, so drift in the machine's load hits them alike.
    """
    for server in servers.values():
        await _posts(server, WARMUP)
        await _streams(server, WARMUP // 4)
    samples = {(name, kind): [] for name in servers for kind in ("post", "stream")}
    for _ in range(ROUNDS):
        for kind, batch, n in (("post", _posts, POSTS), ("stream", _streams, STREAMS)):
            for name, server in servers.items():
                samples[name, kind].append(await per_request(ctx, server, batch, n // ROUNDS))
    out: dict = {name: {} for name in servers}
    for (name, kind), pairs in samples.items():
        out[name][f"{kind}_cpu_ms"] = statistics.median(c for c, _ in pairs)
        out[name][f"{kind}_wall_ms"] = statistics.median(w for _, w in pairs)
        out[name][f"{kind}_cpu_rounds_ms"] = [round(c, 3) for c, _ in pairs]
    return out


async def run(ctx: Ctx) -> Section:
    sec = Section("Worker CPU per request (CPU time; the Direct column is the bare Node floor)")
    env = {"PORT": "{port}", "HOST": "127.0.0.1", "PARALLEL_API_ORIGIN": ctx.upstream.url}
    server, _ = await launch("floor", floor.CMD, env, "/tasks-sse/config.json", ctx.log_dir)
    try:
        got = await measure(ctx, {"worker": ctx.worker, "floor": server})
    finally:
        server.stop()
    worker, bare = got["worker"], got["floor"]
    for key, label in (
        ("post", f"CPU per proxied POST /v1/tasks/runs ({POSTS}, keep-alive)"),
        ("stream", f"CPU per stream open, to its first event, then closed ({STREAMS})"),
    ):
        w, f = worker[f"{key}_cpu_ms"], bare[f"{key}_cpu_ms"]
        sec.rows.append(Row(label, f, w, w - f, "ms"))
    sec.notes.append(
        "ms of CPU (on-CPU time of all the proxy's threads) per request, floor → Worker, median "
        f"of {ROUNDS} interleaved rounds; wall ms per request: POST {bare['post_wall_ms']:.2f} → "
        f"{worker['post_wall_ms']:.2f}, stream {bare['stream_wall_ms']:.2f} → "
        f"{worker['stream_wall_ms']:.2f}. CPU time moves less than wall time with other load on "
        "the cores, so this row compares better across commits (still not immune: a busy "
        "machine inflates both columns)."
    )
    sec.data = got
    return sec
