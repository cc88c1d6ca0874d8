// The history store with an injected storage: round trip, order, corruption, foreign data, bounds.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  BACKUP_KEY,
  comparisonEntry,
  createHistory,
  entryFromRun,
  HISTORY_KEY,
  isComparison,
  isComparisonId,
  newComparisonId,
  sanitizeEntry,
} from "../../public/tasks-sse/js/history.js";
import { memoryStorage } from "./support/memory-storage.js";

const run = (i, extra = {}) => ({
  runId: `trun_${String(i).padStart(4, "0")}`,
  status: "running",
  isActive: true,
  processor: "lite",
  createdAt: `2025-01-01T00:00:${String(i % 60).padStart(2, "0")}Z`,
  inputPreview: `input ${i}`,
  ...extra,
});

test("round trip: newest first, survives a reload, updates keep their place", () => {
  const storage = memoryStorage();
  const h = createHistory({ storage });
  h.load();
  h.upsert(run(1));
  h.upsert(run(2));
  h.upsert({ runId: "trun_0001", status: "completed", isActive: false });
  const again = createHistory({ storage });
  const { entries, notice } = again.load();
  assert.equal(notice, "");
  assert.deepEqual(
    entries.map((e) => e.runId),
    ["trun_0002", "trun_0001"],
  );
  assert.equal(entries[1].status, "completed");
  assert.equal(entries[1].isActive, false);
  assert.equal(entries[1].inputPreview, "input 1");
  assert.equal(JSON.parse(storage.getItem(HISTORY_KEY)).v, 1);
});

test("delete one and clear all", () => {
  const storage = memoryStorage();
  const h = createHistory({ storage });
  h.load();
  h.upsert(run(1));
  h.upsert(run(2));
  h.remove("trun_0001");
  assert.deepEqual(
    h.list().map((e) => e.runId),
    ["trun_0002"],
  );
  h.clear();
  assert.deepEqual(createHistory({ storage }).load().entries, []);
});

test("corrupt JSON is moved to a backup key with a notice, not lost and not thrown", () => {
  const storage = memoryStorage();
  storage.setItem(HISTORY_KEY, "{not json");
  const h = createHistory({ storage, now: () => 42 });
  const { entries, notice } = h.load();
  assert.deepEqual(entries, []);
  assert.match(notice, /not valid JSON/);
  assert.equal(storage.getItem(`${BACKUP_KEY}.42`), "{not json");
  assert.equal(storage.getItem(HISTORY_KEY), null);
  h.upsert(run(1));
  assert.equal(createHistory({ storage }).load().entries.length, 1);
});

test("foreign data (another app's array, a future version) is set aside", () => {
  for (const raw of ['["something else"]', '{"v": 2, "entries": []}', '{"items": [1,2]}', "null", "17"]) {
    const storage = memoryStorage();
    storage.setItem(HISTORY_KEY, raw);
    const { entries, notice } = createHistory({ storage, now: () => 7 }).load();
    assert.deepEqual(entries, [], raw);
    assert.ok(notice.length > 0, raw);
    assert.equal(storage.getItem(`${BACKUP_KEY}.7`), raw, raw);
  }
});

test("bad entries inside a good file are skipped with a notice; field types are enforced", () => {
  const storage = memoryStorage();
  storage.setItem(
    HISTORY_KEY,
    JSON.stringify({
      v: 1,
      entries: [run(1), { runId: "<img src=x>" }, 5, run(1), { ...run(2), status: 99, processor: { x: 1 } }],
    }),
  );
  const { entries, notice } = createHistory({ storage }).load();
  assert.deepEqual(
    entries.map((e) => e.runId),
    ["trun_0001", "trun_0002"],
  );
  assert.equal(entries[1].status, "unknown");
  assert.equal(entries[1].processor, "");
  assert.match(notice, /3 unreadable history entries were skipped/);
});

test("size bound: entry count and bytes; the oldest go first", () => {
  const storage = memoryStorage();
  const h = createHistory({ storage, maxEntries: 5 });
  h.load();
  for (let i = 0; i < 8; i++) h.upsert(run(i));
  assert.deepEqual(
    h.list().map((e) => e.runId),
    ["trun_0007", "trun_0006", "trun_0005", "trun_0004", "trun_0003"],
  );

  const small = memoryStorage();
  const hb = createHistory({ storage: small, maxBytes: 2000 });
  hb.load();
  for (let i = 0; i < 50; i++) hb.upsert(run(i, { input: "x".repeat(300) }));
  assert.ok(small.getItem(HISTORY_KEY).length <= 2000);
  assert.equal(hb.list()[0].runId, "trun_0049");
});

test("a full storage quota drops the oldest entries instead of throwing", () => {
  const storage = memoryStorage({}, { quota: 1500 });
  const h = createHistory({ storage });
  h.load();
  for (let i = 0; i < 30; i++) h.upsert(run(i));
  assert.ok(h.list().length > 0 && h.list().length < 30);
  assert.equal(h.list()[0].runId, "trun_0029");
});

test("storage that throws on read gives an empty history and a notice", () => {
  const storage = {
    getItem() {
      throw new Error("SecurityError");
    },
    setItem() {},
    removeItem() {},
  };
  const { entries, notice } = createHistory({ storage }).load();
  assert.deepEqual(entries, []);
  assert.match(notice, /not available/);
});

test("entryFromRun takes the run's fields and previews the input", () => {
  const e = entryFromRun(
    { run_id: "trun_x", status: "queued", is_active: true, processor: "pro", created_at: "2025-08-06T00:52:58Z" },
    { input: { company: "Parallel" }, processor: "pro" },
  );
  assert.equal(e.runId, "trun_x");
  assert.equal(e.inputPreview, '{"company":"Parallel"}');
  assert.equal(e.isActive, true);
});

// --- comparisons ------------------------------------------------------------------------------

const comparison = (extra = {}) =>
  comparisonEntry({
    id: "cmp_0123456789abcdef",
    body: { input: { company: "Parallel" }, processor: "lite", task_spec: { output_schema: { type: "json" } } },
    createdAt: "2025-01-01T00:00:00Z",
    members: [
      { processor: "lite", runId: "trun_0001" },
      { processor: "core", error: "HTTP 402: Payment required" },
    ],
    ...extra,
  });

test("a comparison is one entry: kept with its members, survives a reload, deletes and restores", () => {
  const storage = memoryStorage();
  const h = createHistory({ storage });
  h.load();
  h.upsert(run(1));
  h.upsert(comparison());
  const again = createHistory({ storage });
  const { entries, notice } = again.load();
  assert.equal(notice, "");
  assert.deepEqual(
    entries.map((e) => e.runId),
    ["cmp_0123456789abcdef", "trun_0001"],
  );
  const c = entries[0];
  assert.ok(isComparison(c));
  assert.equal(c.isActive, false); // never resumed as a run
  assert.equal(c.outputType, "json");
  assert.equal(c.inputPreview, '{"company":"Parallel"}');
  assert.deepEqual(c.members, [
    { processor: "lite", runId: "trun_0001", error: "" },
    { processor: "core", runId: "", error: "HTTP 402: Payment required" },
  ]);
  // Copies: changing what list() gave does not change the history.
  c.members[0].runId = "trun_9999";
  assert.equal(again.get("cmp_0123456789abcdef").members[0].runId, "trun_0001");
  const index = again.indexOf("cmp_0123456789abcdef");
  const saved = again.get("cmp_0123456789abcdef");
  again.remove("cmp_0123456789abcdef");
  assert.equal(again.get("cmp_0123456789abcdef"), null);
  again.restore(saved, index);
  assert.ok(isComparison(again.list()[0]));
  again.clear();
  assert.deepEqual(again.list(), []);
});

test("comparison entries are sanitized: id, 2 to 6 members, member fields", () => {
  const good = comparison();
  assert.equal(sanitizeEntry({ ...good, runId: "trun_0001" }), null); // a run id is not a comparison's
  assert.equal(sanitizeEntry({ ...good, kind: undefined }), null); // a comparison id is not a run's
  assert.equal(sanitizeEntry({ ...good, members: "x" }), null);
  assert.equal(sanitizeEntry({ ...good, members: [good.members[0]] }), null);
  const seven = Array.from({ length: 7 }, (_, i) => ({ processor: "lite", runId: `trun_${i}` }));
  assert.equal(sanitizeEntry({ ...good, members: seven }).members.length, 6);
  const odd = sanitizeEntry({
    ...good,
    members: [
      null,
      [],
      { processor: 5 },
      { processor: "lite", runId: "bad id!" },
      { processor: "x".repeat(99), runId: "trun_2" },
    ],
    extra: "dropped",
    isActive: true,
  });
  assert.deepEqual(odd.members, [
    { processor: "lite", runId: "", error: "Not created." },
    { processor: "x".repeat(32), runId: "trun_2", error: "" },
  ]);
  assert.equal(odd.isActive, false);
  assert.equal("extra" in odd, false);
});

test("a stored comparison with bad members is skipped with a notice, runs kept", () => {
  const storage = memoryStorage();
  storage.setItem(
    HISTORY_KEY,
    JSON.stringify({ v: 1, entries: [run(1), { ...comparison(), members: [] }, comparison()] }),
  );
  const h = createHistory({ storage });
  const { entries, notice } = h.load();
  assert.equal(entries.length, 2);
  assert.match(notice, /1 unreadable history entry was skipped/);
});

test("comparison ids: new ones are well formed and distinct", () => {
  const a = newComparisonId();
  assert.ok(isComparisonId(a), a);
  assert.notEqual(a, newComparisonId());
  assert.equal(isComparisonId("cmp_"), false);
  assert.equal(isComparisonId("trun_abc"), false);
  assert.equal(isComparisonId(null), false);
});
