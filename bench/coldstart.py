"""Cold start: spawning `node runtime/server.mjs` until the Worker's first 200.

Polls GET /tasks-sse/config.json (a Worker route, so Pyodide and src/worker.py must be loaded)
every 10 ms from the moment of spawn; repeated a few times, each a fresh process.
"""

from __future__ import annotations

from statistics import median

from bench import targets as T
from bench.context import Ctx
from bench.procs import launch_worker, rss_mb
from bench.report import Row, Section

REPS = 3


async def run(ctx: Ctx) -> Section:
    sec = Section("Cold start: local runtime launch → first 200")
    times, rss, how = [], [], []
    for _ in range(REPS):
        server, seconds = await launch_worker(ctx.log_dir, ctx.upstream.url, deadline_s=30)
        try:
            rss.append(rss_mb(server.proc.pid))
            ready = [ln for ln in server.log().splitlines() if "ready in" in ln]
            how.append(ready[0].split("ready in", 1)[1].strip() if ready else "?")
        finally:
            server.stop()
        times.append(seconds)
    med = median(times)
    sec.rows.append(
        Row(
            f"launch → first 200 (median of {REPS})",
            None,
            med,
            None,
            "s",
            f"≤ {T.COLD_START_S:g} s",
            med <= T.COLD_START_S,
            T.REF_COLD,
        )
    )
    sec.notes.append(
        f"each run: {', '.join(f'{t:.2f} s' for t in times)}; RSS right after the "
        f"first 200: {', '.join(f'{r:.0f} MB' for r in rss)}; the runtime's own log: "
        + "; ".join(how)
    )
    sec.data = {"seconds": times, "rss_mb_at_ready": rss, "runtime_says": how}
    return sec
