"""The simulator: how many concurrent SSE streams it holds, all connected and receiving.

One long `pro` run (speed 3: it lasts well over the test, with an event every second or so);
LEVELS[0] streams to its events endpoint are opened at once and held, then more are added up to
LEVELS[1]. A stream counts as connected when it answered 200 and delivered its first event (the
replayed state), and as receiving when live events kept arriving on it during the hold after
every stream of that level was connected.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from bench.context import Ctx, host_port
from bench.procs import CpuMeter, launch_sim, rss_mb
from bench.rawhttp import KeepAliveConn, SSECapture, now_ns, open_sse, wait_sse
from bench.report import Row, Section
from bench.stats import summary

LEVELS = (500, 1000)
HOLD_S = 6.0
CONNECT_DEADLINE_S = 20.0
KEY = "sim-dev-key"
TARGET = 500  # the simulator holds at least 500 concurrent SSE connections
ROOT = Path(__file__).resolve().parents[1]
# The section's budget in bench/__main__.py; the suite's run gets what the streams left of it.
SECTION_BUDGET_S = 50.0
SUITE_TARGET_S = 20.0


async def _suite_wall_s(timeout: float) -> tuple[float | None, str]:
    """Wall time of the simulator's own test suite (`pytest tests/sim`), or None and why not."""
    if timeout < 5:
        return None, "not run: the section's time budget is spent"
    t0 = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/sim",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return None, f"not finished within {timeout:.0f} s"
    wall = time.monotonic() - t0
    last = out.decode(errors="replace").strip().splitlines()[-1:] or [""]
    if proc.returncode != 0:
        return None, f"failed: {last[0]}"
    return wall, last[0]


async def _create_run(host: str, port: int) -> str:
    conn = KeepAliveConn(host, port)
    try:
        body = json.dumps(
            {
                "input": "Benchmark: a long research question about stream capacity.",
                "processor": "pro",
                "enable_events": True,
            }
        ).encode()
        r = await conn.request(
            "POST",
            "/v1/tasks/runs",
            {
                "x-api-key": KEY,
                "content-type": "application/json",
                "parallel-beta": "events-sse-2025-07-24",
            },
            body,
        )
    finally:
        await conn.close()
    if r.status not in (200, 201, 202):
        raise RuntimeError(f"create run: status {r.status} {r.body[:200]!r}")
    return json.loads(r.body)["run_id"]


async def _open(host: str, port: int, path: str, n: int) -> tuple[list[SSECapture], list[str]]:
    caps, errors = [], []
    for c in await asyncio.gather(
        *(open_sse(host, port, path, {"x-api-key": KEY}) for _ in range(n)), return_exceptions=True
    ):
        (errors.append(repr(c)) if isinstance(c, BaseException) else caps.append(c))
    return caps, errors


async def _until_connected(caps: list[SSECapture], deadline_s: float) -> int:
    """Wait until every stream delivered data (or the deadline); return the time it took (ns)."""
    t0 = now_ns()
    end = asyncio.get_running_loop().time() + deadline_s
    while asyncio.get_running_loop().time() < end:
        if all(c.t_first_data or c.done.done() for c in caps):
            break
        await asyncio.sleep(0.05)
    return now_ns() - t0


def _tally(caps: list[SSECapture], new_from: int, since_ns: int, until_ns: int) -> dict:
    """Counts for the streams open at one level; first-event times for those it opened."""
    connected = receiving = live_events = 0
    first = []
    for i, c in enumerate(caps):
        status, _, events = c.parse()
        if status == 200 and events:
            connected += 1
            if i >= new_from:
                first.append((events[0].arrival - c.t_open) / 1e6)
            live = sum(1 for e in events if since_ns < e.arrival <= until_ns)
            live_events += live
            receiving += live > 0
    return {
        "streams": len(caps),
        "connected": connected,
        "receiving": receiving,
        "live_events": live_events,
        "open_to_first_ms": summary(first),
    }


async def run(ctx: Ctx) -> Section:
    t_section = time.monotonic()
    sec = Section("Simulator: concurrent SSE streams held (one long pro run); its test suite")
    sim, _ = await launch_sim(ctx.log_dir, env={"PARALLEL_SIM_SPEED": "3"})
    host, port = host_port(sim.url)
    all_caps: list[SSECapture] = []
    results = []
    try:
        run_id = await _create_run(host, port)
        path = f"/v1/tasks/runs/{run_id}/events"
        with CpuMeter({"sim": sim.proc.pid}) as cpu:
            prev = 0
            for level in LEVELS:
                caps, errors = await _open(host, port, path, level - prev)
                all_caps += caps
                waited = await _until_connected(all_caps, CONNECT_DEADLINE_S)
                since = now_ns()
                await asyncio.sleep(HOLD_S)
                rss = rss_mb(sim.proc.pid)
                open_now = sum(1 for c in all_caps if not c.done.done())
                results.append((level, prev, since, now_ns(), waited, errors, rss, open_now))
                prev = level
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(wait_sse(c, loop.time()) for c in all_caps))
    finally:
        for c in all_caps:
            if c.transport is not None and not c.transport.is_closing():
                c.transport.close()
        sim.stop()
    for level, new_from, since, until, waited, errors, rss, open_now in results:
        t = _tally(all_caps[:level], new_from, since, until)
        ok = t["connected"] == level and t["receiving"] == level
        sec.rows += [
            Row(
                f"{level} streams: connected / receiving during a {HOLD_S:g} s hold",
                None,
                f"{t['connected']} / {t['receiving']} of {level}",
                None,
                "",
                f"all (≥ {TARGET} held)",
                ok if level >= TARGET else None,
            ),
            Row(
                f"{level} streams: open → first event p99",
                None,
                t["open_to_first_ms"]["p99"],
                None,
                "ms",
            ),
            Row(f"{level} streams: simulator RSS", None, rss, None, "MB"),
        ]
        sec.notes.append(
            f"{level}: {t['live_events']} live events during the hold, still open "
            f"at its end {open_now}, all connected after {waited / 1e9:.1f} s"
            + (f", open errors {errors[:2]}" if errors else "")
        )
        sec.data[str(level)] = {
            **t,
            "rss_mb": rss,
            "open_errors": errors[:5],
            "still_open": open_now,
        }
    sec.notes.append(cpu.note())
    left = min(SECTION_BUDGET_S - (time.monotonic() - t_section), ctx.remaining()) - 3
    wall, outcome = await _suite_wall_s(left)
    sec.rows.append(
        Row(
            "simulator test suite (pytest tests/sim): wall time",
            None,
            wall,
            None,
            "s",
            f"< {SUITE_TARGET_S:g} s",
            None if wall is None else wall < SUITE_TARGET_S,
        )
    )
    sec.notes.append(f"tests/sim: {outcome}")
    sec.data["suite_wall_s"] = wall
    return sec
