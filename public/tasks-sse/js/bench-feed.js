// Render benchmark hook: feeds N synthetic events through the page's real path (SSE text ->
// sse.js parser -> event store -> batched run view) and resolves when they are all in the DOM.
//
// Use from a benchmark (e.g. Playwright's page.evaluate on the loaded playground):
//   const { feedSyntheticEvents } = await import("/tasks-sse/js/bench-feed.js");
//   const r = await feedSyntheticEvents(5000);   // { events, totalMs, chunks }
// and watch long tasks with a PerformanceObserver({ type: "longtask" }) around the call.
// Events arrive in network-sized chunks (default 200 events per chunk, one macrotask each),
// the way a replayed trace arrives from fetch.

import { createSSEParser } from "./sse.js";
import { benchHooks } from "./app.js";

const KINDS = ["plan", "search", "result", "tool_call", "exec_status"];

/** The SSE text of a synthetic run with `n` events: state, messages and stats, final state. */
export function syntheticStream(n, runId = "trun_bench0000000000000000000000000000") {
  const frames = [];
  const t0 = Date.parse("2025-08-06T00:00:00Z");
  const run = (status, active) => ({
    run_id: runId,
    status,
    is_active: active,
    warnings: null,
    error: null,
    processor: "pro",
    metadata: {},
    taskgroup_id: null,
    created_at: "2025-08-06T00:00:00.000000Z",
    modified_at: new Date(t0 + n * 10).toISOString(),
  });
  const push = (obj) => frames.push(`event: ${obj.type}\ndata: ${JSON.stringify(obj)}\n\n`);
  push({ type: "task_run.state", event_id: null, input: null, run: run("running", true), output: null });
  for (let i = 1; i < n - 1; i++) {
    if (i % 10 === 0) {
      push({
        type: "task_run.progress_stats",
        source_stats: {
          num_sources_considered: i * 3,
          num_sources_read: i,
          sources_read_sample: [`https://example.com/source/${i}`],
        },
        progress_meter: Math.min(99, (i / n) * 100),
      });
    } else {
      const kind = KINDS[i % KINDS.length];
      push({
        type: `task_run.progress_msg.${kind}`,
        message: `Synthetic ${kind} message number ${i} with a little text to wrap on narrow screens.`,
        timestamp: new Date(t0 + i * 10).toISOString(),
      });
    }
  }
  push({
    type: "task_run.state",
    event_id: null,
    input: null,
    run: run("completed", false),
    output: { type: "text", content: "# Result\n\nSynthetic output.", basis: [] },
  });
  return frames;
}

export async function feedSyntheticEvents(n = 5000, { eventsPerChunk = 200, runId } = {}) {
  await benchHooks.ready;
  const id = runId || `trun_bench${String(Date.now()).padStart(28, "0")}`.slice(0, 37);
  const frames = syntheticStream(n, id);
  await new Promise((r) => setTimeout(r, 0)); // building the input is not part of the measurement
  const start = performance.now();
  const session = benchHooks.openSession(id);
  session.store.beginConnection();
  const parser = createSSEParser({ onEvent: (e) => benchHooks.ingest(session, e) });
  let chunks = 0;
  for (let i = 0; i < frames.length; i += eventsPerChunk) {
    parser.feed(frames.slice(i, i + eventsPerChunk).join(""));
    chunks += 1;
    await new Promise((r) => setTimeout(r, 0)); // the next network chunk is a new task
  }
  parser.end();
  await benchHooks.whenFlushed();
  return {
    events: frames.length,
    chunks,
    totalMs: performance.now() - start,
    rendered: document.querySelectorAll("#run-panel .msg").length,
  };
}
