// A comparison column folded from change records, the creates of a comparison, and the words and
// numbers a column shows.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  applyChanges,
  announcement,
  elapsedSeconds,
  emptyColumn,
  formatElapsed,
  formatUsd,
  isRunning,
  pricePerRun,
  streamNote,
} from "../../public/tasks-sse/js/compare-state.js";
import { createComparisonRuns, createErrorText, pickProblem } from "../../public/tasks-sse/js/compare-create.js";
import { ApiError } from "../../public/tasks-sse/js/api.js";

const run = (status, extra = {}) => ({
  run_id: "trun_1",
  status,
  is_active: !["completed", "failed", "cancelled"].includes(status),
  created_at: "2025-01-01T00:00:00Z",
  modified_at: "2025-01-01T00:00:12.5Z",
  ...extra,
});

test("a column follows status, stats, counts, output and the stream", () => {
  let c = emptyColumn("lite", { runId: "trun_1" });
  assert.equal(c.status, "queued");
  let r = applyChanges(c, [
    { kind: "status", status: "queued", run: run("queued"), timeline: null },
    { kind: "stream", state: { state: "live" } },
    { kind: "counts", counts: { events: 1 } },
  ]);
  c = r.column;
  assert.equal(r.changed, true);
  assert.equal(r.finishedNow, false);
  assert.equal(c.createdAt, "2025-01-01T00:00:00Z");
  assert.equal(c.events, 1);
  assert.equal(isRunning(c), true);
  r = applyChanges(c, [{ kind: "stats", stats: { read: 4, considered: 9, sample: [], progress: 40 } }]);
  c = r.column;
  assert.deepEqual([c.sourcesRead, c.sourcesConsidered], [4, 9]);
  r = applyChanges(c, [
    { kind: "status", status: "completed", run: run("completed"), timeline: null },
    { kind: "output", output: { type: "text", content: "hi" }, run: run("completed") },
    { kind: "counts", counts: { events: 7 } },
  ]);
  c = r.column;
  assert.equal(r.finishedNow, true);
  assert.equal(c.output.content, "hi");
  assert.equal(c.events, 7);
  assert.equal(isRunning(c), false);
  // Frozen at the run's last change, whatever the clock says.
  assert.equal(elapsedSeconds(c, Date.parse("2030-01-01T00:00:00Z")), 12.5);
  assert.equal(announcement(c), "lite: completed after 12.5 s.");
  // A replay of the same final status does not announce twice.
  assert.equal(applyChanges(c, [{ kind: "status", status: "completed", run: null }]).finishedNow, false);
  // Nothing changes for a repeated count or an unknown record.
  assert.equal(applyChanges(c, [{ kind: "counts", counts: { events: 7 } }, null, { kind: "raw" }]).changed, false);
});

test("a failed run shows its error; a create that failed says so", () => {
  const failed = applyChanges(emptyColumn("core", { runId: "trun_1" }), [
    {
      kind: "status",
      status: "failed",
      run: run("failed", { error: { message: "Task execution failed", ref_id: "r1" } }),
    },
  ]).column;
  assert.equal(failed.runError, "Task execution failed (ref_id r1)");
  const none = emptyColumn("core", { error: "HTTP 402: Payment required" });
  assert.equal(none.status, "not created");
  assert.equal(isRunning(none), false);
  assert.equal(announcement(none), "core: not created.");
  assert.equal(emptyColumn("core").status, "creating");
});

test("elapsed time ticks while running and is unknown without a creation time", () => {
  const c = { ...emptyColumn("lite", { runId: "trun_1" }), createdAt: "2025-01-01T00:00:00Z", status: "running" };
  assert.equal(elapsedSeconds(c, Date.parse("2025-01-01T00:00:03Z")), 3);
  assert.equal(elapsedSeconds(c, Date.parse("2024-12-31T00:00:00Z")), 0); // a skewed clock: never negative
  assert.equal(elapsedSeconds({ ...c, createdAt: "" }), null);
  assert.equal(formatElapsed(null), "–");
  assert.equal(formatElapsed(0.84), "0.8 s");
  assert.equal(formatElapsed(185), "3 min 05 s");
  assert.equal(formatElapsed(3720), "1 h 02 min");
});

test("price per run comes from the processor table; money has no float noise", () => {
  assert.equal(pricePerRun("lite"), 0.005);
  assert.equal(pricePerRun("lite-fast"), 0.005);
  assert.equal(pricePerRun("nope"), null);
  assert.equal(formatUsd(0.005), "$0.005");
  assert.equal(formatUsd(0.1 + 0.2), "$0.3");
  assert.equal(formatUsd(2.4), "$2.4");
  assert.equal(formatUsd(null), "–");
});

test("stream notes: waiting, reconnecting, ended in error; nothing once it completed", () => {
  const c = emptyColumn("lite", { runId: "trun_1" });
  assert.equal(streamNote(c), "Waiting for the stream…");
  assert.equal(streamNote({ ...c, stream: { state: "reconnecting", attempt: 2 } }), "Reconnecting (attempt 2)…");
  assert.equal(
    streamNote({ ...c, stream: { state: "ended", reason: "error", status: 404, message: "Run id not found" } }),
    "Stream ended: Run id not found (HTTP 404)",
  );
  assert.equal(streamNote({ ...c, events: 3, stream: { state: "ended", reason: "completed" } }), null);
  assert.equal(isRunning({ ...c, stream: { state: "ended", reason: "gave-up" } }), false);
});

test("picking: 2 to 6 known processors, each once", () => {
  assert.match(pickProblem(["lite"]), /at least 2/);
  assert.match(pickProblem(["lite", "base", "core", "pro", "ultra", "ultra2x", "ultra4x"]), /at most 6/);
  assert.match(pickProblem(["lite", "gpt"]), /Unknown processor: gpt/);
  assert.match(pickProblem(["lite", "lite"]), /once/);
  assert.equal(pickProblem(["lite", "lite-fast"]), "");
  assert.match(pickProblem(null), /at least 2/);
});

test("creates: same body but the processor, same headers; a failure keeps the others going", async () => {
  const seen = [];
  const body = { input: "q", processor: "lite", task_spec: { output_schema: { type: "text" } } };
  const headers = { "content-type": "application/json", "parallel-beta": "events-sse-2025-07-24" };
  const settled = [];
  const members = await createComparisonRuns({
    body,
    headers,
    processors: ["lite", "core", "base"],
    createRun: async ({ body: b, headers: h }) => {
      seen.push({ b, h });
      if (b.processor === "core") throw new ApiError({ status: 402, message: "Payment required", refId: "x1" });
      return { run_id: `trun_${b.processor}`, status: "queued" };
    },
    onSettled: (i, m) => settled.push([i, m.processor]),
  });
  assert.deepEqual(
    seen.map((s) => s.b.processor),
    ["lite", "core", "base"],
  );
  for (const s of seen) {
    assert.deepEqual({ ...s.b, processor: "lite" }, body);
    assert.deepEqual(s.h, headers);
  }
  assert.equal(body.processor, "lite"); // the form's body is not changed
  assert.deepEqual(
    members.map((m) => [m.processor, m.run ? m.run.run_id : m.error]),
    [
      ["lite", "trun_lite"],
      ["core", "HTTP 402: Payment required (ref_id x1)"],
      ["base", "trun_base"],
    ],
  );
  assert.equal(members[1].status, 402);
  assert.equal(settled.length, 3);
});

test("a create answer without a run id is an error in words", async () => {
  const [m] = await createComparisonRuns({
    body: { input: "q" },
    headers: {},
    processors: ["lite"],
    createRun: async () => ({ nope: 1 }),
  });
  assert.equal(m.error, "The API's answer has no run_id.");
  assert.equal(createErrorText(new Error("Network error: x")), "Network error: x");
});
