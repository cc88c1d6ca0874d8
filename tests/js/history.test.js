// The history store with an injected storage: round trip, order, corruption, foreign data, bounds.
import { test } from "node:test";
import assert from "node:assert/strict";

import { createHistory, entryFromRun, HISTORY_KEY, BACKUP_KEY } from "../../public/tasks-sse/js/history.js";

function memoryStorage({ quota = Infinity } = {}) {
  const map = new Map();
  return {
    map,
    getItem: (k) => (map.has(k) ? map.get(k) : null),
    setItem: (k, v) => {
      const used = [...map.entries()].reduce((n, [key, val]) => n + (key === k ? 0 : val.length), 0);
      if (used + String(v).length > quota) throw new Error("QuotaExceededError");
      map.set(k, String(v));
    },
    removeItem: (k) => map.delete(k),
  };
}

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
  const storage = memoryStorage({ quota: 1500 });
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
