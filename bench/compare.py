"""The comparison panel in Chromium: Compare click to the first event in every one of 6 columns.

The simulator (speed 20) behind the Worker (local runtime), the page with the simulator's key in
localStorage. The page marks `tasks-sse:compare-click` when Compare is pressed and
`tasks-sse:compare-first-event-all` when every column has painted its first event
(compare-panel.js): 6 creates through the Worker, then 6 event streams through the Worker, parsing,
folding and one batched paint per frame. Each comparison is left to finish before the next, so its
6 streams have ended and given back the browser's 6 connections to the origin.

Beside it, two baselines from the same page and Worker: the single-run figure (Run click to the
first event on screen), and the same 6 creates + 6 first stream chunks done with plain fetch from
the page (no playground code: the floor the panel adds its own work to).
"""

from __future__ import annotations

from statistics import median

from bench.browser import OBSERVE_JS, _poll, runs_to_first_event
from bench.context import Ctx
from bench.page_stack import SIM_KEY, keyed_page, page_stack
from bench.report import Row, Section

REPS = 3
PROCESSORS = ["lite", "lite-fast", "base", "base-fast", "core-fast", "core2x-fast"]

COMPARE_SPAN_JS = """
() => {
  const a = performance.getEntriesByName("tasks-sse:compare-click", "mark").at(-1);
  const b = performance.getEntriesByName("tasks-sse:compare-first-event-all", "mark").at(-1);
  return a && b && b.startTime >= a.startTime ? b.startTime - a.startTime : null;
}
"""

ALL_DONE_JS = f"""
() => document.querySelectorAll(
  "#compare-panel .compare-col .status-completed, #compare-panel .compare-col .status-failed"
).length === {len(PROCESSORS)}
"""

# The same network work without the playground: 6 creates at once, then each stream's first chunk.
DIRECT_JS = """
async ([processors, key]) => {
  const api = "/tasks-sse/api";
  const headers = { "x-api-key": key, "content-type": "application/json",
                    "parallel-beta": "events-sse-2025-07-24" };
  const t0 = performance.now();
  const runs = await Promise.all(processors.map(async (processor) => {
    const body = { input: `direct baseline ${Math.random()}`, processor, enable_events: true };
    const r = await fetch(`${api}/v1/tasks/runs`,
      { method: "POST", headers, body: JSON.stringify(body) });
    return (await r.json()).run_id;
  }));
  const controllers = [];
  await Promise.all(runs.map(async (id) => {
    const c = new AbortController();
    controllers.push(c);
    const r = await fetch(`${api}/v1beta/tasks/runs/${id}/events`,
      { headers: { "x-api-key": key }, signal: c.signal });
    const reader = r.body.getReader();
    await reader.read();
  }));
  const ms = performance.now() - t0;
  for (const c of controllers) c.abort();  // give the connections back
  return ms;
}
"""


async def _measure(browser, base: str) -> dict:
    ctx, page = await keyed_page(browser)
    out = {"compare": [], "single": [], "direct": [], "longtasks": [], "maxGap": 0}
    try:
        await page.goto(base + "/tasks-sse/", wait_until="load")
        await _poll(page, "() => document.querySelector('#compare-box input') !== null")
        await page.evaluate("() => { document.getElementById('compare-box').open = true; }")
        for p in PROCESSORS:
            await page.check(f"#compare-box input[data-processor='{p}']")

        for i in range(REPS + 1):  # the first is a warm-up (modules, connections)
            await page.evaluate("() => performance.clearMarks()")
            await page.evaluate(OBSERVE_JS)
            await page.fill("#input", f"Compare benchmark {i}: who founded Parallel?")
            await page.click("#compare-button")
            await _poll(
                page,
                "() => performance.getEntriesByName('tasks-sse:compare-first-event-all').length",
                timeout_s=20,
            )
            span = await page.evaluate(COMPARE_SPAN_JS)
            await page.evaluate("() => { window.__bench.stop = true; }")
            bench = await page.evaluate("() => window.__bench")
            if span is None:
                raise RuntimeError("the page set no compare-click / compare-first-event-all marks")
            await _poll(page, ALL_DONE_JS, timeout_s=30)  # streams over: connections free
            if i:
                out["compare"].append(span)
                out["longtasks"] += bench["longtasks"]
                out["maxGap"] = max(out["maxGap"], bench["maxGap"])

        for i in range(REPS + 1):
            out_ms = await page.evaluate(DIRECT_JS, [PROCESSORS, SIM_KEY])
            if i:
                out["direct"].append(out_ms)

        out["single"] = await runs_to_first_event(
            page, REPS, "Single-run baseline: who founded Parallel?"
        )
    finally:
        await ctx.close()
    return out


async def run(ctx: Ctx) -> Section:
    sec = Section("Comparing 6 processors in Chromium (through the Worker to the simulator)")
    async with page_stack(ctx) as (browser, base):
        m = await _measure(browser, base)
    compare, direct, single = median(m["compare"]), median(m["direct"]), median(m["single"])
    longest = max(m["longtasks"], default=0)
    sec.rows += [
        Row(
            f"Compare click → first event in all 6 columns (median of {REPS})",
            direct,
            compare,
            compare - direct,
            "ms",
        ),
        Row(
            f"baseline: Run click → first event, one run (median of {REPS})",
            through=single,
            unit="ms",
        ),
        Row(
            "comparison: longest main-thread task (Long Tasks API)",
            None,
            longest if longest else f"none ≥ 50 ms (frame gap ≤ {m['maxGap']:.0f} ms)",
            None,
            "ms",
        ),
    ]
    sec.notes += [
        f"Compare → first event in every column: {', '.join(f'{s:.0f}' for s in m['compare'])} ms "
        f"(after a warm-up; {', '.join(PROCESSORS)}; simulator speed 20). The baseline column is "
        "the same 6 creates and 6 first stream chunks done with plain fetch from the page "
        f"({', '.join(f'{s:.0f}' for s in m['direct'])} ms).",
        f"One run, Run → first event: {', '.join(f'{s:.0f}' for s in m['single'])} ms.",
    ]
    sec.data = {
        "compare_to_first_event_all_ms": m["compare"],
        "direct_fetch_ms": m["direct"],
        "single_run_to_first_event_ms": m["single"],
        "longtasks": m["longtasks"][:50],
        "max_frame_gap_ms": m["maxGap"],
    }
    return sec
