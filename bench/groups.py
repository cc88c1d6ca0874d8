"""A 1,000-run task group in Chromium: the page's table rendering as the group's events arrive.

Two measurements, both watching the main thread as bench/browser.py does (PerformanceObservers for
`longtask` and `long-animation-frame`, and a requestAnimationFrame loop whose largest gap bounds
the longest task from above even when it is under 50 ms):

- live: 1,000 CSV rows pasted into the page's "Task group from rows" card and created through the
  Worker (local runtime) to the simulator; the span runs from the Create press (the batch is
  sent, runs are added, the event stream is followed) until the panel says all 1,000 runs
  finished. Events arrive as the simulator's runs finish.
- burst: a synthetic finished group of 1,000 runs served by Playwright's request routing and
  opened with the page's own "Open a run" field: the runs stream (1,000 states) and the event
  stream (2,000 events) each arrive in one piece, the worst case for a frame.
"""

from __future__ import annotations

import json

from bench import targets as T
from bench.browser import OBSERVE_JS, _poll
from bench.context import Ctx
from bench.page_stack import keyed_page, page_stack
from bench.report import Row, Section

RUNS = 1000
GROUP = "tgrp_" + "be" * 24

RESET_JS = """
() => { const b = window.__bench; b.longtasks.length = 0; b.loafs.length = 0; b.maxGap = 0;
        b.frames = 0; b.start = performance.now(); }
"""

DONE_JS = f"""
() => {{
  const label = document.getElementById("group-progress-label");
  const ok = label && label.textContent.startsWith("{RUNS:,} of {RUNS:,} runs finished");
  if (ok && !window.__bench.end) window.__bench.end = performance.now();
  return ok;
}}
"""

COLLECT_JS = """
async () => {
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  await new Promise((r) => setTimeout(r, 100));  // observers deliver their entries
  const b = window.__bench;
  b.stop = true;
  const rows = document.querySelectorAll("#group-panel tbody tr[data-run-id]").length;
  return { totalMs: b.end - b.start, longtasks: b.longtasks, loafs: b.loafs, maxGap: b.maxGap,
           frames: b.frames, rows };
}
"""


def _run(i: int, status: str) -> dict:
    return {
        "run_id": f"trun_{i:032x}",
        "status": status,
        "is_active": status == "running",
        "warnings": None,
        "error": None,
        "processor": "lite",
        "metadata": None,
        "taskgroup_id": GROUP,
        "created_at": "2025-08-06T00:00:00.000000Z",
        "modified_at": "2025-08-06T00:00:10.000000Z",
    }


def _status(done: int) -> dict:
    counts = {"completed": done}
    if RUNS - done:
        counts["running"] = RUNS - done
    return {
        "num_task_runs": RUNS,
        "task_run_status_counts": counts,
        "is_active": done < RUNS,
        "status_message": f"{done} of {RUNS} runs finished",
        "modified_at": "2025-08-06T00:00:10.000000Z",
    }


def _sse(events: list[dict]) -> str:
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)


async def _serve_synthetic_group(page, base: str) -> None:
    api = f"{base}/tasks-sse/api/v1/tasks/groups/{GROUP}"
    group = {
        "taskgroup_id": GROUP,
        "metadata": None,
        "status": _status(0),
        "created_at": "2025-08-06T00:00:00.000000Z",
    }
    runs = _sse(
        [
            {
                "type": "task_run.state",
                "event_id": str(i),
                "input": {"input": {"topic": f"Synthetic topic {i}"}, "processor": "lite"},
                "run": _run(i, "running"),
                "output": None,
            }
            for i in range(RUNS)
        ]
    )
    events = []
    for i in range(RUNS):
        events.append(
            {
                "type": "task_run.state",
                "event_id": f"{i}-1",
                "input": None,
                "run": _run(i, "completed"),
                "output": None,
            }
        )
        events.append({"type": "task_group_status", "event_id": f"{i}-2", "status": _status(i + 1)})

    async def answer(route, text: str, ctype: str) -> None:
        await route.fulfill(status=200, headers={"content-type": ctype}, body=text)

    await page.route(api, lambda r: answer(r, json.dumps(group), "application/json"))
    await page.route(api + "/runs**", lambda r: answer(r, runs, "text/event-stream"))
    await page.route(api + "/events**", lambda r: answer(r, _sse(events), "text/event-stream"))


async def _measure(page) -> dict:
    # Polled every 100 ms, not 10: each poll is a task on the page's main thread, inside the
    # window whose longest task is measured (the span itself comes from the page's own marks).
    await _poll(page, DONE_JS, timeout_s=30.0, every_s=0.1)
    return await page.evaluate(COLLECT_JS)


async def _live(browser, base: str) -> dict:
    ctx, page = await keyed_page(browser)
    try:
        await page.goto(base + "/tasks-sse/", wait_until="load")
        await _poll(page, "() => document.querySelector('#processor option') !== null")
        await page.select_option("#processor", "lite")
        rows = "topic\n" + "".join(f"Benchmark topic {i}\n" for i in range(RUNS))
        await page.fill("#group-rows", rows)
        await _poll(
            page,
            "() => document.getElementById('group-create-button').textContent"
            f".includes('{RUNS:,} runs')",
        )
        await page.evaluate(OBSERVE_JS)
        await page.wait_for_timeout(200)  # page-load work settles out of the window
        await page.evaluate(RESET_JS)
        await page.click("#group-create-button")
        return await _measure(page)
    finally:
        await ctx.close()


async def _burst(browser, base: str) -> dict:
    ctx, page = await keyed_page(browser)
    try:
        await _serve_synthetic_group(page, base)
        await page.goto(base + "/tasks-sse/", wait_until="load")
        await _poll(page, "() => document.querySelector('#processor option') !== null")
        await page.evaluate(OBSERVE_JS)
        await page.wait_for_timeout(200)
        await page.evaluate(RESET_JS)
        await page.fill("#open-run-ref", GROUP)
        await page.evaluate("() => document.getElementById('open-run-form').requestSubmit()")
        return await _measure(page)
    finally:
        await ctx.close()


def _longest(r: dict) -> float:
    return max(r["longtasks"], default=0)


async def run(ctx: Ctx) -> Section:
    sec = Section("A 1,000-run task group in Chromium (table rendering as events arrive)")
    async with page_stack(ctx) as (browser, base):
        live = await _live(browser, base)
        burst = await _burst(browser, base)
    for name, r in (("live (simulator)", live), ("burst (2,000 events at once)", burst)):
        longest = _longest(r)
        sec.rows += [
            Row(f"{name}: until all {RUNS:,} finished on screen", None, r["totalMs"], None, "ms"),
            Row(
                f"{name}: longest main-thread task (Long Tasks API)",
                None,
                longest if longest else f"none ≥ 50 ms (frame gap ≤ {r['maxGap']:.0f} ms)",
                None,
                "ms",
                f"≤ {T.LONG_TASK_MS:g} ms",
                longest <= T.LONG_TASK_MS,
            ),
            Row(
                f"{name}: longest animation frame",
                None,
                max(r["loafs"], default=0) or "none ≥ 50 ms",
                None,
                "ms",
            ),
        ]
        sec.notes.append(
            f"{name}: {len(r['longtasks'])} long tasks, largest gap between animation frames "
            f"{r['maxGap']:.0f} ms over {r['frames']} frames; {r['rows']} table rows in the DOM "
            f"for {RUNS:,} runs (windowed)."
        )
    sec.data = {
        k: {x: v for x, v in r.items() if x not in ("longtasks", "loafs")}
        | {"longtasks": r["longtasks"][:50], "loafs": r["loafs"][:50]}
        for k, r in (("live", live), ("burst", burst))
    }
    return sec
