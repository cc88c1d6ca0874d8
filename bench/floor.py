"""The floor: the same measurements through a bare Node fetch() proxy (bench/floor_proxy.mjs).

The local runtime proxies with Node's WHATWG fetch and streams, plus Pyodide running the Worker.
Measuring a 50-line Node proxy built on the same fetch shows how much of each figure is the
platform (Node's fetch and HTTP server, the client, the upstream) and how much is the Worker in
Pyodide, which tells where to optimise. Informational: no target applies.
"""

from __future__ import annotations

import dataclasses

from bench import concurrency, sse_latency, throughput, ttfb
from bench.context import API, Ctx
from bench.procs import launch
from bench.report import Row, Section
from bench.stats import summary

CMD = ["node", "bench/floor_proxy.mjs"]


async def run(ctx: Ctx) -> Section:
    sec = Section("Floor: a bare Node fetch() proxy, no Pyodide (reference for the runtime)")
    env = {"PORT": "{port}", "HOST": "127.0.0.1", "PARALLEL_API_ORIGIN": ctx.upstream.url}
    server, started = await launch("floor", CMD, env, "/tasks-sse/config.json", ctx.log_dir)
    fctx = dataclasses.replace(ctx, worker=server)
    try:
        await sse_latency.paired_stream(fctx, 100, 2)
        _, _, added = await sse_latency.paired_stream(fctx, 500, 3)
        a = summary(added)
        d_ms, t_ms, _, _ = await ttfb.measure(fctx, 200)
        ttfb_add = summary(t_ms)["p50"] - summary(d_ms)["p50"]
        d_mb, t_mb, _ = await throughput.measure(fctx, 3)
        pids = {"upstream": ctx.upstream.proc.pid, "proxy": server.proc.pid}
        burst_t = await concurrency.burst(
            *fctx.wk, API, 500, rss_pid=server.proc.pid, cpu_pids=pids
        )
        direct_p99 = ctx.shared.get("conc500_direct_p99")
        if direct_p99 is None:
            burst_d = await concurrency.burst(*fctx.up, "", 500)
            direct_p99 = burst_d["latency_ms"]["p99"]
    finally:
        server.stop()
    tl = burst_t["latency_ms"]
    sec.rows += [
        Row("event latency added p50 / p99", None, f"+{a['p50']:.3f} / +{a['p99']:.2f} ms", None),
        Row("POST TTFB added p50", None, ttfb_add, None, "ms"),
        Row("10 MiB streamed body (best of 3)", max(d_mb), max(t_mb), None, "MB/s"),
        Row(
            "500 streams at once: delivered / sent",
            None,
            f"{burst_t['delivered']}/{burst_t['sent']}",
        ),
        Row(
            "500 streams at once: event latency p99 (arrival − due)",
            direct_p99,
            tl["p99"],
            tl["p99"] - direct_p99 if tl["p99"] is not None else None,
            "ms",
        ),
        Row("500 streams at once: proxy RSS (peak)", None, burst_t["rss_peak_mb"], None, "MB"),
        Row("launch → first 200", None, started, None, "s"),
    ]
    sec.notes.append(
        "same client, upstream and counts as the sections above (fewer repetitions); 500-stream "
        f"opening phase {burst_t['opening_s'] * 1000:.0f} ms, CPU "
        + ", ".join(f"{k} {v}%" for k, v in burst_t["opening_cpu"].items())
    )
    sec.data = {"added_ms": a, "ttfb_added_p50_ms": ttfb_add, "mb_s": t_mb, "burst500": burst_t}
    return sec
