// The event store: what each event type does, and de-duplication of the replay on reconnect.
import { test } from "node:test";
import assert from "node:assert/strict";

import { createEventStore, isTerminalState, messageKind } from "../../public/tasks-sse/js/event-store.js";

const ev = (obj) => ({ type: obj.type, data: JSON.stringify(obj) });
const state = (status, extra = {}) =>
  ev({
    type: "task_run.state",
    event_id: null,
    input: null,
    run: { run_id: "trun_1", status, is_active: ["queued", "running"].includes(status), modified_at: `m-${status}` },
    output: null,
    ...extra,
  });
const msg = (kind, message, ts) => ev({ type: `task_run.progress_msg.${kind}`, message, timestamp: ts });
const stats = (read, progress) =>
  ev({
    type: "task_run.progress_stats",
    source_stats: { num_sources_considered: 10, num_sources_read: read, sources_read_sample: ["https://a.example"] },
    progress_meter: progress,
  });
const output = { type: "text", content: "done", basis: [] };

const trace = [
  state("running"),
  msg("exec_status", "Starting research", "t1"),
  msg("plan", "Planning", "t2"),
  stats(1, 10),
  msg("search", "Searching", "t3"),
  msg("search", "Searching", "t3"), // genuinely sent twice
  stats(3, 40),
];

test("a first connection keeps everything in order", () => {
  const s = createEventStore();
  s.beginConnection();
  const actions = trace.map((e) => s.add(e).action);
  assert.deepEqual(actions, ["append", "append", "append", "append", "append", "append", "update"]);
  assert.deepEqual(
    s.state.messages.map((m) => m.kind),
    ["exec_status", "plan", "search", "search"],
  );
  assert.deepEqual(s.state.stats, { considered: 10, read: 3, sample: ["https://a.example"], progress: 40 });
  assert.deepEqual(
    s.state.timeline.map((t) => t.status),
    ["running"],
  );
});

test("a replay after reconnect adds nothing twice, and new events still arrive", () => {
  const s = createEventStore();
  s.beginConnection();
  trace.slice(0, 5).forEach((e) => s.add(e)); // dropped after 5 events
  s.beginConnection();
  // The replay: state, every message since the start, the latest stats only, then live updates.
  const replay = [
    state("running"),
    ...trace.filter((e) => e.type.includes("progress_msg")),
    stats(3, 40),
    msg("result", "Found it", "t4"),
    state("completed", {
      run: { run_id: "trun_1", status: "completed", is_active: false, modified_at: "m-done" },
      output,
    }),
  ];
  const actions = replay.map((e) => s.add(e).action);
  assert.deepEqual(actions, [
    "duplicate",
    "duplicate",
    "duplicate",
    "duplicate",
    "append",
    "update",
    "append",
    "append",
  ]);
  assert.deepEqual(
    s.state.messages.map((m) => m.message),
    ["Starting research", "Planning", "Searching", "Searching", "Found it"],
  );
  assert.deepEqual(
    s.state.timeline.map((t) => t.status),
    ["running", "completed"],
  );
  assert.deepEqual(s.state.output, output);
  // A third connection replays the completed run: nothing new at all.
  s.beginConnection();
  const again = [
    state("completed", {
      run: { run_id: "trun_1", status: "completed", is_active: false, modified_at: "m-done" },
      output,
    }),
    ...replay.slice(1, 6),
    msg("result", "Found it", "t4"),
    state("completed", {
      run: { run_id: "trun_1", status: "completed", is_active: false, modified_at: "m-done" },
      output,
    }),
  ];
  assert.ok(again.map((e) => s.add(e).action).every((a) => a === "duplicate"));
  assert.equal(s.state.messages.length, 5);
  assert.equal(s.state.raw.length, 9);
});

test("error events keep message and ref_id; unknown types are kept as data; bad JSON is kept as text", () => {
  const s = createEventStore();
  s.beginConnection();
  assert.equal(s.add(ev({ type: "error", error: { ref_id: "r1", message: "boom" } })).kind, "error");
  assert.deepEqual(s.state.errors[0], { message: "boom", refId: "r1", detail: null });
  const other = s.add(ev({ type: "task_run.new_thing", x: 1 }));
  assert.equal(other.kind, "other");
  assert.deepEqual(other.item.data, { type: "task_run.new_thing", x: 1 });
  const text = s.add({ type: "message", data: "not json" });
  assert.equal(text.kind, "other");
  assert.equal(text.item.data, "not json");
  const unknownKind = s.add(msg("reasoning", "thinking", "t9"));
  assert.equal(unknownKind.item.kind, "reasoning");
});

test("isTerminalState and messageKind", () => {
  assert.equal(isTerminalState(state("running")), false);
  // A finished run's replay opens with a completed state without output: not the end yet.
  assert.equal(isTerminalState(state("completed", { run: { status: "completed", is_active: false } })), false);
  assert.equal(isTerminalState(state("completed", { run: { status: "completed", is_active: false }, output })), true);
  assert.equal(isTerminalState(state("failed", { run: { status: "failed" } })), true);
  assert.equal(isTerminalState(msg("plan", "x", "t")), false);
  assert.equal(messageKind("task_run.progress_msg.tool_call"), "tool_call");
});

test("progress while the API last said queued shows as running (inferred), once", () => {
  const s = createEventStore();
  s.beginConnection();
  s.add(state("queued"));
  const first = s.add(msg("plan", "Planning", "t1"));
  assert.deepEqual(first.inferred, { status: "running", at: "t1", inferred: true });
  assert.equal(s.add(msg("search", "Searching", "t2")).inferred, null);
  assert.equal(s.state.status, "running");
  // The API's own running state (on a reconnect) adds nothing to the timeline.
  s.beginConnection();
  assert.equal(s.add(state("running")).action, "update");
  s.add(
    state("completed", { run: { run_id: "trun_1", status: "completed", is_active: false, modified_at: "m" }, output }),
  );
  assert.deepEqual(
    s.state.timeline.map((t) => t.status),
    ["queued", "running", "completed"],
  );
});
