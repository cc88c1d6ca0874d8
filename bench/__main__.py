"""`make bench`: the proxy, the runtime, the page and the simulator, each beside its baseline.

Runs every section in order within a global budget (5.5 minutes for the whole `make bench`),
prints a markdown table on stdout and writes the same data to bench/results.json. A section that
fails or runs out of time becomes an error row; servers are always stopped.

    .venv/bin/python -m bench                 # everything
    .venv/bin/python -m bench --only ttfb,sse # some sections (results.json is not overwritten)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench import (
    browser,
    coldstart,
    compare,
    concurrency,
    cpu_cost,
    environment,
    floor,
    groups,
    memory,
    simulator,
    sse_latency,
    throughput,
    ttfb,
)
from bench.context import Ctx
from bench.procs import launch_worker, start_upstream
from bench.report import Section, format_report, write_json

BUDGET_S = 330.0  # leaves room under 6 minutes for setup checks and the browser's start
BUSY_NOTE_PCT = 15  # note a section measured while others kept the cores this busy
RESULTS = Path(__file__).with_name("results.json")

# (key, function, budget in seconds, which worker it needs: "main", "fresh", or None)
SECTIONS: list[tuple[str, Callable[[Ctx], Awaitable[Section]], float, str | None]] = [
    ("coldstart", coldstart.run, 45, None),
    ("sse", sse_latency.run, 30, "main"),
    ("ttfb", ttfb.run, 30, "main"),
    ("throughput", throughput.run, 40, "main"),
    ("cpu", cpu_cost.run, 45, "main"),
    ("concurrency100", concurrency.run_100, 45, "fresh"),
    ("concurrency500", concurrency.run_500, 60, "same"),
    ("floor", floor.run, 45, None),
    ("browser", browser.run, 60, None),
    ("compare", compare.run, 45, None),
    ("groups", groups.run, 45, None),
    ("simulator", simulator.run, 80, None),
    ("memory", memory.run, 130, "main"),
]


async def _ensure_worker(ctx: Ctx, need: str | None, workers: dict) -> None:
    """Give the section the worker it needs: the long-lived main one, or a fresh one."""
    if need is None:
        return
    if need == "same" and ctx.worker is not None:
        return
    key = "main" if need == "main" else "fresh"
    if key == "fresh" and "fresh" in workers:  # a fresh one per request of it
        workers.pop("fresh").stop()
    if key not in workers:
        workers[key], _ = await launch_worker(ctx.log_dir, ctx.upstream.url)
    ctx.worker = workers[key]


async def run_all(only: set[str] | None) -> tuple[dict, list[Section]]:
    t_start = time.monotonic()
    log_dir = Path(tempfile.mkdtemp(prefix="bench-logs-"))
    ctx = Ctx(log_dir=log_dir, deadline=t_start + BUDGET_S)
    sections: list[Section] = []
    workers: dict = {}
    results = {
        "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": environment.machine(),
        "versions": environment.versions(),
        "commit": environment.commit(),
        "logs": str(log_dir),
    }
    load = environment.MachineLoad().__enter__()
    try:
        ctx.upstream = start_upstream(log_dir)
        for key, fn, budget, need in SECTIONS:
            if only and key not in only:
                continue
            t0 = time.monotonic()
            timeout = min(budget, ctx.remaining())
            section_load = environment.MachineLoad().__enter__()
            try:
                if timeout < 5:
                    raise TimeoutError("skipped: the run's time budget is spent")
                sec = await asyncio.wait_for(_section(ctx, fn, need, workers), timeout)
            except Exception as e:  # fail soft: one section's error is one row
                msg = (
                    f"timed out after {timeout:.0f} s"
                    if isinstance(e, TimeoutError) and not str(e)
                    else f"{type(e).__name__}: {e}"
                )
                sec = Section(key, error=msg.strip())
                print(f"[bench] {key}: {msg}", file=sys.stderr)
                traceback.print_exc(limit=3, file=sys.stderr)
            sec.seconds = round(time.monotonic() - t0, 1)
            section_load.__exit__(None, None, None)
            others = section_load.result["others_cpu_pct"]
            sec.data["others_cpu_pct"] = others
            if others >= BUSY_NOTE_PCT:
                sec.notes.append(
                    f"other processes used {others}% of the machine's CPU during this section: "
                    "its tails (and the direct baseline) are inflated by that, not by the proxy"
                )
            print(f"[bench] {key} done in {sec.seconds:.1f} s", file=sys.stderr, flush=True)
            sections.append(sec)
    finally:
        for w in workers.values():
            w.stop()
        for s in ctx.extra_servers:
            s.stop()
        if ctx.upstream is not None:
            ctx.upstream.stop()
    load.__exit__(None, None, None)
    results["machine"]["load"] = load.result
    results["duration_s"] = round(time.monotonic() - t_start, 1)
    return results, sections


async def _section(ctx: Ctx, fn, need, workers) -> Section:
    await _ensure_worker(ctx, need, workers)
    return await fn(ctx)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--only", help="comma-separated section keys: " + ",".join(k for k, *_ in SECTIONS)
    )
    p.add_argument(
        "--json",
        type=Path,
        help="where to write the results (default: "
        "bench/results.json for a full run, nowhere for --only)",
    )
    a = p.parse_args()
    only = set(a.only.split(",")) if a.only else None
    unknown = sorted((only or set()) - {k for k, *_ in SECTIONS})
    if unknown:
        p.error(f"unknown section(s): {', '.join(unknown)}")
    results, sections = asyncio.run(run_all(only))
    print(format_report(results, sections))
    out = a.json or (None if only else RESULTS)
    if out:
        write_json(out, results, sections)
        print(f"\nWrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
