"""Time to first byte of POST /v1/tasks/runs, direct and through the Worker, interleaved.

Each path keeps one keep-alive connection (as a browser would); requests alternate between the
two paths so drift in machine load hits both alike. TTFB is request written -> response head read.
"""

from __future__ import annotations

import json

from bench import targets as T
from bench.context import API, Ctx
from bench.procs import CpuMeter
from bench.rawhttp import KeepAliveConn
from bench.report import Row, Section
from bench.stats import summary

REQUESTS = 300
WARMUP = 30
BODY = json.dumps(
    {
        "input": "What was the GDP of France in 2023?",
        "processor": "lite",
        "task_spec": {"output_schema": {"type": "text", "description": "One paragraph."}},
        "enable_events": True,
    }
).encode()
HEADERS = {
    "content-type": "application/json",
    "x-api-key": "bench-key",
    "parallel-beta": "events-sse-2025-07-24",
}


async def measure(ctx: Ctx, requests: int = REQUESTS) -> tuple[list, list, dict, str]:
    """TTFB samples in ms, direct and through ctx.worker, plus CPU use and a reconnect note."""
    direct = KeepAliveConn(*ctx.up)
    through = KeepAliveConn(*ctx.wk)
    d_ms, t_ms = [], []
    path = "/v1/tasks/runs"
    try:
        for _ in range(WARMUP):
            await direct.request("POST", path, HEADERS, BODY)
            await through.request("POST", API + path, HEADERS, BODY)
        with CpuMeter({"upstream": ctx.upstream.proc.pid, "worker": ctx.worker.proc.pid}) as cpu:
            for i in range(requests):
                pair = [(direct, path, d_ms), (through, API + path, t_ms)]
                for conn, p, out in pair if i % 2 == 0 else pair[::-1]:
                    r = await conn.request("POST", p, HEADERS, BODY)
                    if r.status != 202:
                        raise RuntimeError(f"{p}: status {r.status} {r.body[:200]!r}")
                    out.append(r.ttfb_ms)
    finally:
        await direct.close()
        await through.close()
    return (
        d_ms,
        t_ms,
        cpu.result,
        f"reconnects: direct {direct.reconnects}, through {through.reconnects}",
    )


async def run(ctx: Ctx) -> Section:
    sec = Section(f"POST /v1/tasks/runs: time to first byte ({REQUESTS} each, keep-alive)")
    d_ms, t_ms, cpu, reconnects = await measure(ctx)
    d, t = summary(d_ms), summary(t_ms)
    add50, add99 = t["p50"] - d["p50"], t["p99"] - d["p99"]
    sec.rows += [
        Row(
            "TTFB p50",
            d["p50"],
            t["p50"],
            add50,
            "ms",
            f"added ≤ {T.TTFB_ADDED_P50_MS:g} ms",
            add50 <= T.TTFB_ADDED_P50_MS,
            T.REF_TTFB,
        ),
        Row("TTFB p99", d["p99"], t["p99"], add99, "ms"),
    ]
    sec.notes += [
        f"'added' = through − direct of each percentile; {reconnects}.",
        "CPU (% of one core): " + ", ".join(f"{k} {v}%" for k, v in cpu.items()),
    ]
    sec.data = {"direct_ms": d, "through_ms": t, "cpu": cpu}
    return sec
