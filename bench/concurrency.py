"""Many SSE streams opened at once: delivered/sent, p99 latency and the runtime's memory.

Each of N streams is opened in one burst at t0 and carries EVENTS events due every INTERVAL_MS
from t0 (event k is due at t0 + k*interval; the upstream writes it at that time or as soon as the
stream is connected). Latency = arrival - due time, so connection queueing in the Worker counts,
as a user would feel it. The same burst runs directly against the upstream first: its p99 is the
baseline, and 'added' is the difference of the two p99s.
"""

from __future__ import annotations

import asyncio

from bench import targets as T
from bench.context import API, Ctx
from bench.procs import CpuMeter, rss_mb
from bench.rawhttp import KeepAliveConn, now_ns, open_sse, wait_sse
from bench.report import Row, Section
from bench.stats import summary

EVENTS = 20
INTERVAL_MS = 250


async def burst(
    host: str,
    port: int,
    prefix: str,
    n: int,
    rss_pid: int | None = None,
    cpu_pids: dict | None = None,
) -> dict:
    """Open n streams at once and collect their events; sample RSS of rss_pid meanwhile.

    CPU use of cpu_pids is also taken over the opening phase alone (until every stream has its
    first event), where a single-threaded proxy saturates first.
    """
    opening = CpuMeter(cpu_pids or {})
    opening.__enter__()
    t0 = now_ns()
    path = f"{prefix}/v1/bench/events?n={EVENTS}&interval_ms={INTERVAL_MS}&t0={t0}&pad=200"
    opened = await asyncio.gather(
        *(open_sse(host, port, path) for _ in range(n)), return_exceptions=True
    )
    caps = [c for c in opened if not isinstance(c, BaseException)]
    errors = [repr(c) for c in opened if isinstance(c, BaseException)]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + EVENTS * INTERVAL_MS / 1000 + 20
    rss_peak = 0.0
    sampling = True

    async def sample():
        nonlocal rss_peak
        while sampling:
            rss_peak = max(rss_peak, rss_mb(rss_pid))
            await asyncio.sleep(0.2)

    sampler = asyncio.create_task(sample()) if rss_pid else None
    while loop.time() < deadline and not all(c.t_first_data or c.done.done() for c in caps):
        await asyncio.sleep(0.005)
    opening.__exit__(None, None, None)
    opening_s = (now_ns() - t0) / 1e9
    await asyncio.gather(*(wait_sse(c, deadline) for c in caps))
    sampling = False
    if sampler:
        await sampler
    lat, first, steady, delivered, bad = [], [], [], 0, 0
    for c in caps:
        status, _, events = c.parse()
        if status != 200:
            bad += 1
            if c.error:
                errors.append(c.error)
            continue
        delivered += len(events)
        for e in events:
            lat.append((e.arrival - e.data["sched"]) / 1e6)
            if e.data["seq"] > 0:
                steady.append((e.arrival - e.data["sent"]) / 1e6)
        if events:
            first.append((events[0].arrival - c.t_open) / 1e6)
    return {
        "streams": n,
        "failed_streams": len(errors) + bad,
        "sent": n * EVENTS,
        "delivered": delivered,
        "latency_ms": summary(lat),
        "open_to_first_ms": summary(first),
        "steady_ms": summary(steady),
        "rss_peak_mb": rss_peak or None,
        "errors": errors[:3],
        "opening_s": opening_s,
        "opening_cpu": opening.result,
    }


WARMUP_REQUESTS = 300
WARMUP_STREAMS = 50


async def warm_up(ctx: Ctx) -> None:
    """Bring a fresh runtime's JIT tiers up on the request and the streaming paths, so the burst
    measures capacity rather than the first minutes of a process (cold start is its own row)."""
    if ctx.shared.get("warm_pid") == ctx.worker.proc.pid:
        return
    conn = KeepAliveConn(*ctx.wk)
    try:
        for _ in range(WARMUP_REQUESTS):
            await conn.request("GET", API + "/v1/tasks/runs/trun_warmup")
    finally:
        await conn.close()
    path = f"{API}/v1/bench/events?n=3&interval_ms=10&pad=200"
    caps = await asyncio.gather(*(open_sse(*ctx.wk, path) for _ in range(WARMUP_STREAMS)))
    end = asyncio.get_running_loop().time() + 15
    await asyncio.gather(*(wait_sse(c, end) for c in caps))
    ctx.shared["warm_pid"] = ctx.worker.proc.pid


async def run_level(ctx: Ctx, n: int) -> Section:
    sec = Section(
        f"{n} concurrent SSE streams opened at once ({EVENTS} events each, every {INTERVAL_MS} ms)"
    )
    wpid = ctx.worker.proc.pid
    pids = {"upstream": ctx.upstream.proc.pid, "worker": wpid}
    await warm_up(ctx)
    with CpuMeter(pids) as cpu_d:
        d = await burst(*ctx.up, "", n, cpu_pids=pids)
    await asyncio.sleep(0.5)  # let sockets close before the next burst
    rss_before = rss_mb(wpid)
    with CpuMeter(pids) as cpu_t:
        t = await burst(*ctx.wk, API, n, rss_pid=wpid, cpu_pids=pids)
    dl, tl = d["latency_ms"], t["latency_ms"]
    ctx.shared[f"conc{n}_direct_p99"] = dl["p99"]
    added = tl["p99"] - dl["p99"] if tl["p99"] is not None and dl["p99"] is not None else None
    all_in = t["delivered"] == t["sent"]
    sec.rows += [
        Row(
            "events delivered / sent",
            f"{d['delivered']}/{d['sent']}",
            f"{t['delivered']}/{t['sent']}",
            None,
            "",
            "all",
            all_in,
            T.REF_CONC if n >= 300 else "",
        ),
        Row(
            "event latency p99 (arrival − due)",
            dl["p99"],
            tl["p99"],
            added,
            "ms",
            f"added ≤ {T.CONC_ADDED_P99_MS:g} ms",
            None if added is None else added <= T.CONC_ADDED_P99_MS,
        ),
        Row(
            "stream open → first event p99",
            d["open_to_first_ms"]["p99"],
            t["open_to_first_ms"]["p99"],
            None,
            "ms",
        ),
        Row(
            "runtime RSS (peak while streaming)",
            None,
            t["rss_peak_mb"],
            t["rss_peak_mb"] - rss_before if t["rss_peak_mb"] else None,
            "MB",
            f"≤ {T.CONC_RSS_MB:g} MB" if n >= 500 else "",
            (t["rss_peak_mb"] <= T.CONC_RSS_MB) if n >= 500 and t["rss_peak_mb"] else None,
            T.REF_CONC_RSS if n >= 300 else "",
        ),
    ]
    ts, ds = t["steady_ms"], d["steady_ms"]
    sec.notes += [
        f"after a warm-up of {WARMUP_REQUESTS} requests and {WARMUP_STREAMS} streams; "
        f"steady-state events (seq ≥ 1, arrival − send stamp): p50 {ds['p50']:.2f} → "
        f"{ts['p50']:.2f} ms, p99 {ds['p99']:.2f} → {ts['p99']:.2f} ms (direct → through); "
        f"RSS before the burst {rss_before:.0f} MB; failed streams direct {d['failed_streams']}, "
        f"through {t['failed_streams']} {t['errors'] or ''}".rstrip(),
        "whole burst, direct: " + cpu_d.note() + "; through: " + cpu_t.note(),
        f"opening phase (until every stream had its first event: direct "
        f"{d['opening_s'] * 1000:.0f} ms, through {t['opening_s'] * 1000:.0f} ms), through: "
        + ", ".join(f"{k} {v}%" for k, v in t["opening_cpu"].items()),
    ]
    sec.data = {
        "direct": d,
        "through": t,
        "rss_before_mb": rss_before,
        "cpu_direct": cpu_d.result,
        "cpu_through": cpu_t.result,
    }
    return sec


async def run_100(ctx: Ctx) -> Section:
    return await run_level(ctx, 100)


async def run_500(ctx: Ctx) -> Section:
    return await run_level(ctx, 500)
