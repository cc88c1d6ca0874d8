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

// The kinds of change records an event produced, without the counts record that ends each batch.
const kinds = (changes) => changes.map((c) => c.kind).filter((k) => k !== "counts");
const duplicate = (changes) => kinds(changes).length === 0;
const find = (changes, kind) => changes.find((c) => c.kind === kind);
const counts = (s) => s.snapshot().at(-1).counts;
const timelineOf = (s) => s.summary().timeline.map((t) => t.status);

test("a first connection: each event's change records, in order, with the counts last", () => {
  const s = createEventStore();
  assert.deepEqual(s.beginConnection(), [
    { kind: "counts", counts: { events: 0, connections: 1, duplicates: 0, messages: 0 } },
  ]);
  const batches = trace.map((e) => s.add(e));
  assert.deepEqual(batches.map(kinds), [
    ["status", "status", "raw"], // the implied Queued step, then Running
    ["message", "raw"],
    ["message", "raw"],
    ["stats", "raw"],
    ["message", "raw"],
    ["message", "raw"],
    ["stats", "raw"],
  ]);
  assert.ok(batches.every((b) => b.at(-1).kind === "counts"));
  assert.deepEqual(
    s.messages().map((m) => m.kind),
    ["exec_status", "plan", "search", "search"],
  );
  assert.deepEqual(find(batches[6], "stats").stats, {
    considered: 10,
    read: 3,
    sample: ["https://a.example"],
    progress: 40,
  });
  assert.deepEqual(counts(s), { events: 7, connections: 1, duplicates: 0, messages: 4 });
});

test("a stream opened mid-run starts the timeline with an implied Queued step at the creation time", () => {
  const s = createEventStore();
  s.beginConnection();
  const changes = s.add(
    ev({ type: "task_run.state", run: { run_id: "r", status: "running", is_active: true, created_at: "c0" } }),
  );
  assert.deepEqual(find(changes, "status").timeline, { status: "queued", at: "c0", inferred: true });
  assert.deepEqual(s.summary().timeline, [
    { status: "queued", at: "c0", inferred: true },
    { status: "running", at: "c0" },
  ]);
});

test("a replay after reconnect adds nothing twice, and new events still arrive", () => {
  const s = createEventStore();
  s.beginConnection();
  trace.slice(0, 5).forEach((e) => s.add(e)); // dropped after 5 events
  s.beginConnection();
  // The replay: state, every message since the start, the latest stats only, then live updates.
  const done = state("completed", {
    run: { run_id: "trun_1", status: "completed", is_active: false, modified_at: "m-done" },
    output,
  });
  const replay = [
    state("running"),
    ...trace.filter((e) => e.type.includes("progress_msg")),
    stats(3, 40),
    msg("result", "Found it", "t4"),
    done,
  ];
  const batches = replay.map((e) => s.add(e));
  assert.deepEqual(batches.map(duplicate), [true, true, true, true, false, false, false, false]);
  assert.deepEqual(kinds(batches[7]), ["status", "output", "raw"]);
  assert.deepEqual(find(batches[7], "output").output, output);
  assert.deepEqual(
    s.messages().map((m) => m.message),
    ["Starting research", "Planning", "Searching", "Searching", "Found it"],
  );
  assert.deepEqual(timelineOf(s), ["queued", "running", "completed"]);
  assert.deepEqual(s.summary().output, output);
  // A third connection replays the completed run: nothing new at all.
  s.beginConnection();
  const again = [done, ...replay.slice(1, 6), msg("result", "Found it", "t4"), done];
  assert.ok(again.map((e) => s.add(e)).every(duplicate));
  assert.equal(s.messages().length, 5);
  assert.equal(s.raw().length, 9);
  assert.deepEqual(counts(s), { events: 9, connections: 3, duplicates: 12, messages: 5 });
});

test("error events keep message and ref_id; unknown types are kept as data; bad JSON is kept as text", () => {
  const s = createEventStore();
  s.beginConnection();
  const err = s.add(ev({ type: "error", error: { ref_id: "r1", message: "boom" } }));
  assert.deepEqual(find(err, "error").item, { message: "boom", refId: "r1", detail: null });
  const other = find(s.add(ev({ type: "task_run.new_thing", x: 1 })), "other");
  assert.deepEqual(other.item.data, { type: "task_run.new_thing", x: 1 });
  const text = find(s.add({ type: "message", data: "not json" }), "other");
  assert.equal(text.item.data, "not json");
  assert.equal(find(s.add(msg("reasoning", "thinking", "t9")), "message").item.kind, "reasoning");
});

test("isTerminalState and messageKind", () => {
  assert.equal(isTerminalState(state("running")), false);
  // A finished run's replay opens with a completed state without output: not the end yet.
  assert.equal(isTerminalState(state("completed", { run: { status: "completed", is_active: false } })), false);
  assert.equal(isTerminalState(state("completed", { run: { status: "completed", is_active: false }, output })), true);
  assert.equal(isTerminalState(state("failed", { run: { status: "failed" } })), true);
  assert.equal(isTerminalState(msg("plan", "x", "t")), false);
  assert.equal(isTerminalState({ type: "task_run.state", data: "{not json" }), false);
  assert.equal(messageKind("task_run.progress_msg.tool_call"), "tool_call");
});

test("progress while the API last said queued shows as running (inferred), once", () => {
  const s = createEventStore();
  s.beginConnection();
  s.add(state("queued"));
  const first = s.add(msg("plan", "Planning", "t1"));
  assert.deepEqual(kinds(first), ["status", "message", "raw"]);
  assert.deepEqual(find(first, "status"), {
    kind: "status",
    status: "running",
    run: null,
    timeline: { status: "running", at: "t1", inferred: true },
  });
  assert.deepEqual(kinds(s.add(msg("search", "Searching", "t2"))), ["message", "raw"]);
  assert.equal(s.summary().status, "running");
  // The API's own running state (on a reconnect) adds nothing to the timeline.
  s.beginConnection();
  assert.equal(find(s.add(state("running")), "status").timeline, null);
  s.add(
    state("completed", { run: { run_id: "trun_1", status: "completed", is_active: false, modified_at: "m" }, output }),
  );
  assert.deepEqual(timelineOf(s), ["queued", "running", "completed"]);
});

test("a snapshot rebuilds the same picture the changes drew", () => {
  const s = createEventStore();
  s.beginConnection();
  trace.forEach((e) => s.add(e));
  const snap = s.snapshot();
  assert.deepEqual(
    snap.filter((c) => c.kind === "status").map((c) => c.status),
    ["queued", "running", "running"],
  );
  assert.equal(snap.filter((c) => c.kind === "message").length, 4);
  assert.deepEqual(find(snap, "stats").stats.read, 3);
  assert.equal(snap.at(-1).kind, "counts");
});
