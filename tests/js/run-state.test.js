// Derived run state: one place decides what events imply.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  countsLine,
  historyFieldsFromRun,
  impliedQueuedStep,
  isFinishedStatus,
  statusImpliedByProgress,
  streamEndMeaning,
} from "../../public/tasks-sse/js/run-state.js";

test("progress implies running only after queued", () => {
  assert.equal(statusImpliedByProgress("queued"), "running");
  assert.equal(statusImpliedByProgress("running"), null);
  assert.equal(statusImpliedByProgress("completed"), null);
  assert.equal(statusImpliedByProgress(""), null);
});

test("a timeline that starts later than queued gets a Queued step at the creation time", () => {
  assert.deepEqual(impliedQueuedStep("running", { created_at: "c" }), { status: "queued", at: "c", inferred: true });
  assert.deepEqual(impliedQueuedStep("completed", null), { status: "queued", at: "", inferred: true });
  assert.equal(impliedQueuedStep("queued", { created_at: "c" }), null);
});

test("finished statuses, history fields and the counts line", () => {
  assert.ok(isFinishedStatus("failed") && !isFinishedStatus("running"));
  assert.deepEqual(
    historyFieldsFromRun(
      { status: "failed", is_active: false, processor: "lite", error: { message: "boom", ref_id: "r1" } },
      null,
    ),
    {
      status: "failed",
      isActive: false,
      processor: "lite",
      createdAt: "",
      modifiedAt: "",
      outputType: "",
      error: "boom (ref_id r1)",
    },
  );
  assert.equal(
    countsLine({ events: 1, connections: 2, duplicates: 0 }),
    "1 event · 2 connections · 0 replayed events skipped",
  );
});

test("a 404 at the stream's end: a forgotten finished run, a forgotten active run, or nothing known", () => {
  const gone = { state: "ended", reason: "error", status: 404, message: "not found" };
  assert.equal(streamEndMeaning(gone, { lastStatus: "completed" }), "forgotten-finished");
  assert.equal(streamEndMeaning(gone, { kept: true }), "forgotten-kept");
  assert.equal(streamEndMeaning(gone, { lastStatus: "running" }), "forgotten-active");
  assert.equal(streamEndMeaning(gone, {}), null);
  assert.equal(streamEndMeaning({ ...gone, status: 500 }, { lastStatus: "running" }), null);
  assert.equal(streamEndMeaning({ state: "live" }, {}), null);
});
