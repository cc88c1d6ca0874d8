"""Memory over time: the runtime's RSS before and after 20,000 sequential proxied requests.

One keep-alive connection sends POST /tasks-sse/api/v1/tasks/runs back to back (after a warm-up);
RSS is sampled every SAMPLE_EVERY requests, so the report can give both the drift and the slope
(bytes per request) of a least-squares fit, which tells a leak from a one-off step.
"""

from __future__ import annotations

import time

from bench import targets as T
from bench.context import API, Ctx
from bench.procs import CpuMeter, rss_mb
from bench.rawhttp import KeepAliveConn
from bench.report import Row, Section
from bench.stats import slope
from bench.ttfb import BODY, HEADERS

REQUESTS = 20_000
WARMUP = 1_000
SAMPLE_EVERY = 1_000
TIME_CAP_S = 100.0


async def run(ctx: Ctx) -> Section:
    sec = Section(f"Memory: {REQUESTS:,} sequential proxied requests (keep-alive)")
    pid = ctx.worker.proc.pid
    conn = KeepAliveConn(*ctx.wk)
    path = API + "/v1/tasks/runs"
    xs, ys = [], []
    done = 0
    try:
        for _ in range(WARMUP):
            await conn.request("POST", path, HEADERS, BODY)
        before = rss_mb(pid)
        xs.append(0)
        ys.append(before)
        t0 = time.monotonic()
        cap = min(TIME_CAP_S, max(5.0, ctx.remaining() - 60))
        with CpuMeter({"upstream": ctx.upstream.proc.pid, "worker": pid}) as cpu:
            while done < REQUESTS and time.monotonic() - t0 < cap:
                r = await conn.request("POST", path, HEADERS, BODY)
                if r.status != 202:
                    raise RuntimeError(f"status {r.status} after {done} requests")
                done += 1
                if done % SAMPLE_EVERY == 0:
                    xs.append(done)
                    ys.append(rss_mb(pid))
        elapsed = time.monotonic() - t0
    finally:
        await conn.close()
    after = rss_mb(pid)
    drift = 100 * (after - before) / before
    per_req = slope(xs, ys)
    per_req_b = per_req * 1024 * 1024 if per_req is not None else None
    half = len(xs) // 2
    late = slope(xs[half:], ys[half:])  # a leak keeps its slope; heap warm-up flattens out
    late_b = late * 1024 * 1024 if late is not None else None
    label = f"runtime RSS before → after {done:,} requests"
    sec.rows += [
        Row(
            label,
            None,
            f"{before:.0f} → {after:.0f} MB",
            f"{drift:+.1f}%",
            "",
            f"flat within {T.DRIFT_PCT:g}%",
            abs(drift) <= T.DRIFT_PCT and done == REQUESTS,
        ),
        Row(
            "RSS growth per request (slope: all / second half)",
            None,
            f"{per_req_b or 0:.0f} / {late_b or 0:.0f} bytes",
            None,
        ),
        Row(
            "RSS drift over the second half (steady state)",
            None,
            f"{ys[half]:.0f} → {ys[-1]:.0f} MB",
            f"{100 * (ys[-1] - ys[half]) / ys[half]:+.1f}%" if len(ys) > 2 else None,
        ),
        Row("sequential request rate through the Worker", None, done / elapsed, None, "req/s"),
    ]
    if done < REQUESTS:
        sec.notes.append(f"stopped at the {cap:.0f} s time cap after {done:,} requests.")
    sec.notes += [
        f"RSS samples (MB) every {SAMPLE_EVERY:,}: " + ", ".join(f"{y:.0f}" for y in ys),
        cpu.note(),
    ]
    sec.data = {
        "requests": done,
        "before_mb": before,
        "after_mb": after,
        "drift_pct": drift,
        "slope_bytes_per_request": per_req_b,
        "samples": list(zip(xs, ys, strict=True)),
        "seconds": elapsed,
        "cpu": cpu.result,
    }
    return sec
