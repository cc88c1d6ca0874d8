// Kept results: the eviction policy (oldest first, by count and by size) and graceful failure.
import { test } from "node:test";
import assert from "node:assert/strict";

import { createKeptRuns, evictionPlan, recordBytes } from "../../public/tasks-sse/js/kept-runs.js";

const idx = (runId, keptAt, bytes = 10) => ({ runId, keptAt, bytes });

test("nothing is evicted while both bounds hold", () => {
  assert.deepEqual(evictionPlan([idx("a", 1), idx("b", 2)], idx("c", 3), { maxRuns: 3, maxBytes: 100 }), []);
});

test("over the run count, the oldest go first", () => {
  const index = [idx("new", 30), idx("old", 10), idx("mid", 20)];
  assert.deepEqual(evictionPlan(index, idx("x", 40), { maxRuns: 2, maxBytes: 1e9 }), ["old", "mid"]);
});

test("over the byte budget, the oldest go until it fits", () => {
  const index = [idx("a", 1, 40), idx("b", 2, 40), idx("c", 3, 40)];
  assert.deepEqual(evictionPlan(index, idx("x", 4, 50), { maxRuns: 99, maxBytes: 100 }), ["a", "b"]);
});

test("keeping a run again replaces it, never evicts itself", () => {
  const index = [idx("a", 1, 60), idx("b", 2, 30)];
  assert.deepEqual(evictionPlan(index, idx("a", 5, 60), { maxRuns: 2, maxBytes: 100 }), []);
});

test("recordBytes is the JSON size", () => {
  assert.equal(recordBytes({ a: "xy" }), 10);
});

test("without IndexedDB every call resolves quietly and the notice says results are not kept", async () => {
  const kept = createKeptRuns({ indexedDB: null });
  assert.deepEqual(await kept.put({ runId: "trun_1", events: [] }), { kept: false, evicted: [] });
  assert.equal(await kept.get("trun_1"), null);
  await kept.remove("trun_1");
  await kept.clear();
  assert.match(kept.notice, /cannot be kept/);
});

test("an IndexedDB whose open throws is reported, not thrown", async () => {
  const kept = createKeptRuns({
    indexedDB: {
      open() {
        throw new Error("SecurityError");
      },
    },
  });
  assert.equal(await kept.get("x"), null);
  assert.match(kept.notice, /SecurityError/);
});
