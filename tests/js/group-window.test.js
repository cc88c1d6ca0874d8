import { test } from "node:test";
import assert from "node:assert/strict";
import { rowsToBuild } from "../../public/tasks-sse/js/group-window.js";

/** Render frames until the whole window is built; returns each frame's window. */
function frames({ first, last, inSight, built = new Set(), maxNew }) {
  const out = [];
  for (let guard = 0; guard < 100; guard++) {
    const w = rowsToBuild({ first, last, inSight, isNew: (p) => !built.has(p), maxNew });
    out.push(w);
    // Like the view: rows outside the window are dropped, rows inside are built.
    for (const p of [...built]) if (p < w.first || p >= w.last) built.delete(p);
    for (let p = w.first; p < w.last; p++) built.add(p);
    if (!w.partial) return out;
  }
  throw new Error("the window never completed");
}

test("a window with few new rows is shown whole", () => {
  assert.deepEqual(rowsToBuild({ first: 0, last: 21, inSight: 0, isNew: (p) => p >= 15, maxNew: 8 }), {
    first: 0,
    last: 21,
    partial: false,
  });
});

test("the first rows come in slices of at most maxNew new rows, from the top", () => {
  const out = frames({ first: 0, last: 21, inSight: 0, maxNew: 8 });
  assert.deepEqual(
    out.map((w) => [w.first, w.last]),
    [
      [0, 8],
      [0, 16],
      [0, 21],
    ],
  );
});

test("after a long jump the rows in sight come first, then the margin above", () => {
  const out = frames({ first: 492, last: 521, inSight: 500, built: new Set([3, 4, 5]), maxNew: 8 });
  assert.deepEqual(out[0], { first: 500, last: 508, partial: true });
  assert.deepEqual(out.at(-1), { first: 492, last: 521, partial: false });
  for (let k = 1; k < out.length; k++) {
    // No frame builds more than maxNew rows, and each one builds some.
    const before = out[k - 1];
    const fresh = [];
    for (let p = out[k].first; p < out[k].last; p++) if (p < before.first || p >= before.last) fresh.push(p);
    assert.ok(fresh.length > 0 && fresh.length <= 8, `frame ${k} built ${fresh.length}`);
  }
});

test("a view past the end (the list shrank) still progresses", () => {
  const out = frames({ first: 0, last: 20, inSight: 40, maxNew: 8 });
  assert.deepEqual(out.at(-1), { first: 0, last: 20, partial: false });
  assert.deepEqual(out[0], { first: 12, last: 20, partial: true });
});

test("an empty window is whole", () => {
  assert.deepEqual(rowsToBuild({ first: 0, last: 0, inSight: 0, isNew: () => true, maxNew: 8 }), {
    first: 0,
    last: 0,
    partial: false,
  });
});
