"""Added latency per SSE event: one stamped stream received directly and through the Worker at once.

Method: the upstream holds both connections on one channel and writes every event to both in the
same instant with one `sent` stamp (alternating which goes first). The client reads both sockets on
one event loop and stamps each socket read on arrival. Per event, added latency is
`arrival through the Worker - arrival direct`; the client's and the upstream's own costs are in
both arrivals and cancel out. Each path's `arrival - sent` is shown in its own column.
"""

from __future__ import annotations

import asyncio
import uuid

from bench import targets as T
from bench.context import API, Ctx
from bench.procs import CpuMeter
from bench.rawhttp import open_sse, wait_sse
from bench.report import Row, Section
from bench.stats import summary

EVENTS = 1000
INTERVAL_MS = 3
WARMUP_EVENTS = 100


async def paired_stream(ctx: Ctx, n: int, interval_ms: float) -> tuple[list, list, list]:
    """Direct and through arrivals of the same n events: (direct_lat, through_lat, added) in ms."""
    ch = uuid.uuid4().hex
    path = f"/v1/bench/events?n={n}&interval_ms={interval_ms}&ch={ch}&subs=2&pad=200"
    direct = await open_sse(*ctx.up, path)
    through = await open_sse(*ctx.wk, API + path)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + n * interval_ms / 1000 + 20
    await asyncio.gather(wait_sse(direct, deadline), wait_sse(through, deadline))
    sd, _, ev_d = direct.parse()
    st, _, ev_t = through.parse()
    if sd != 200 or st != 200:
        raise RuntimeError(f"status direct {sd}, through {st} ({through.error or direct.error})")
    by_seq = {e.data.get("seq"): e for e in ev_d}
    d_lat, t_lat, added = [], [], []
    for e in ev_t:
        d = by_seq.get(e.data.get("seq"))
        t_lat.append((e.arrival - e.data["sent"]) / 1e6)
        if d is not None:
            added.append((e.arrival - d.arrival) / 1e6)
    d_lat = [(e.arrival - e.data["sent"]) / 1e6 for e in ev_d]
    if len(ev_d) != n or len(ev_t) != n:
        raise RuntimeError(f"events lost: direct {len(ev_d)}/{n}, through {len(ev_t)}/{n}")
    return d_lat, t_lat, added


async def run(ctx: Ctx) -> Section:
    sec = Section("SSE: added latency per event (1 stream, both paths at once)")
    await paired_stream(ctx, WARMUP_EVENTS, 2)
    with CpuMeter({"upstream": ctx.upstream.proc.pid, "worker": ctx.worker.proc.pid}) as cpu:
        d_lat, t_lat, added = await paired_stream(ctx, EVENTS, INTERVAL_MS)
    d, t, a = summary(d_lat), summary(t_lat), summary(added)
    sec.rows += [
        Row(
            "event latency p50 (arrival − send stamp)",
            d["p50"],
            t["p50"],
            a["p50"],
            "ms",
            f"added ≤ {T.EVENT_ADDED_P50_MS} ms",
            a["p50"] <= T.EVENT_ADDED_P50_MS,
            T.REF_EVENT_P50,
        ),
        Row(
            "event latency p99",
            d["p99"],
            t["p99"],
            a["p99"],
            "ms",
            f"added ≤ {T.EVENT_ADDED_P99_MS:g} ms",
            a["p99"] <= T.EVENT_ADDED_P99_MS,
            T.REF_EVENT_P99,
        ),
        Row("event latency max", d["max"], t["max"], a["max"], "ms"),
    ]
    sec.notes += [
        f"{EVENTS} events of ~260 bytes every {INTERVAL_MS} ms after a {WARMUP_EVENTS}-event "
        "warm-up; 'added' is the per-event difference of arrival times (through − direct) of the "
        "same event written to both connections at once, so its percentiles are not the "
        "difference of the columns' percentiles.",
        cpu.note(),
    ]
    sec.data = {"direct_ms": d, "through_ms": t, "added_ms": a, "cpu": cpu.result}
    return sec
