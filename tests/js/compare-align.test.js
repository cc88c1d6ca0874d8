// Aligning JSON outputs field by field: order, differences, missing fields, and bounded work on
// hostile, huge and deep outputs (it never throws).
import { test } from "node:test";
import assert from "node:assert/strict";

import { alignJson, boundedJson, NO_JSON, ALIGN_LIMITS } from "../../public/tasks-sse/js/compare-align.js";

const byPath = (r) => Object.fromEntries(r.rows.map((row) => [row.path, row]));

test("nested objects and arrays flatten to dotted paths in tree order", () => {
  const a = { company: "P", key_executives: [{ name: "A" }, { name: "B" }], hq: { city: "SF" } };
  const b = { company: "P", key_executives: [{ name: "A" }, { name: "C" }, { name: "D" }], hq: { city: "NY" } };
  const r = alignJson([a, b]);
  assert.deepEqual(
    r.rows.map((x) => [x.path, x.state]),
    [
      ["company", "same"],
      ["key_executives.0.name", "same"],
      ["key_executives.1.name", "differs"],
      ["key_executives.2.name", "missing"],
      ["hq.city", "differs"],
    ],
  );
  assert.deepEqual(r.counts, { same: 2, differs: 2, missing: 1 });
  assert.deepEqual(r.compared, [0, 1]);
  const missing = byPath(r)["key_executives.2.name"];
  assert.deepEqual(missing.missingIn, [0]);
  assert.equal(missing.cells[0], undefined);
  assert.equal(missing.cells[1].text, '"D"');
  assert.equal(r.truncated, false);
});

test("keys only some columns have join the order where they first appear", () => {
  const r = alignJson([{ a: 1, c: 3 }, { a: 1, b: 2, c: 3 }, { d: 4 }]);
  assert.deepEqual(
    r.rows.map((x) => x.path),
    ["a", "c", "b", "d"],
  );
  assert.equal(byPath(r).a.state, "missing");
  assert.deepEqual(byPath(r).a.missingIn, [2]);
});

test("columns without JSON output take no part; values keep their JSON type", () => {
  const r = alignJson([{ n: 1 }, NO_JSON, { n: "1" }, undefined]);
  assert.deepEqual(r.compared, [0, 2]);
  const row = byPath(r).n;
  assert.equal(row.state, "differs"); // 1 and "1" are not the same value
  assert.equal(row.cells[1], null);
  assert.equal(row.cells[3], null);
  assert.deepEqual(
    row.cells.map((c) => (c ? c.text : c)),
    ["1", null, '"1"', null],
  );
  assert.deepEqual(alignJson([NO_JSON, NO_JSON]).rows, []);
  assert.deepEqual(alignJson([]).rows, []);
});

test("one JSON column: every row is 'same' (nothing to differ from)", () => {
  const r = alignJson([{ a: { b: [1, 2] } }, NO_JSON]);
  assert.deepEqual(
    r.rows.map((x) => [x.path, x.state]),
    [
      ["a.b.0", "same"],
      ["a.b.1", "same"],
    ],
  );
});

test("a leaf where another column has fields: a shape row, then the fields", () => {
  const r = alignJson([{ hq: "SF" }, { hq: { city: "SF" } }, { hq: {} }]);
  const rows = byPath(r);
  assert.equal(rows.hq.state, "differs");
  assert.deepEqual(
    rows.hq.cells.map((c) => c.text),
    ['"SF"', "{…}", "{}"],
  );
  assert.equal(rows["hq.city"].state, "missing");
  assert.deepEqual(rows["hq.city"].missingIn, [0, 2]);
});

test("primitive roots and empty containers are rows of their own", () => {
  const r = alignJson(["text", "text"]);
  assert.deepEqual(
    r.rows.map((x) => [x.path, x.state]),
    [["(whole output)", "same"]],
  );
  const e = alignJson([{ a: [] }, { a: [] }]);
  assert.deepEqual(
    e.rows.map((x) => [x.path, x.state, x.cells[0].text]),
    [["a", "same", "[]"]],
  );
});

test("hostile keys are data: __proto__, constructor, dots and empty keys", () => {
  const a = JSON.parse('{"__proto__": {"x": 1}, "constructor": 2, "a.b": 3, "": 4}');
  const b = JSON.parse('{"__proto__": {"x": 2}, "constructor": 2, "a.b": 3, "": 5}');
  const r = alignJson([a, b]);
  const rows = r.rows.map((x) => [x.segments, x.state]);
  assert.deepEqual(rows, [
    [["__proto__", "x"], "differs"],
    [["constructor"], "same"],
    [["a.b"], "same"],
    [[""], "differs"],
  ]);
  assert.equal({}.x, undefined); // nothing leaked onto Object.prototype
});

test("huge outputs are bounded: rows, keys and value length", () => {
  const wide = {};
  for (let i = 0; i < 50_000; i += 1) wide[`k${i}`] = i;
  const t0 = Date.now();
  const r = alignJson([wide, { ...wide, k3: "x" }]);
  assert.equal(r.rows.length, ALIGN_LIMITS.maxRows);
  assert.equal(r.truncated, true);
  assert.equal(byPath(r).k3.state, "differs");
  assert.ok(Date.now() - t0 < 5000);

  const long = "x".repeat(1_000_000);
  const s = alignJson([{ a: long }, { a: `${long}y` }], { maxValueChars: 100 });
  const row = byPath(s).a;
  assert.equal(row.state, "differs"); // compared on the whole value
  assert.ok(row.cells[0].text.length <= 104);
  assert.ok(row.cells[0].text.endsWith("…"));

  const big = alignJson([{ list: Array.from({ length: 100_000 }, (_, i) => i) }, { list: [] }], { maxKeys: 10 });
  assert.equal(big.truncated, true);
  assert.ok(big.rows.length <= 12);
});

test("deep outputs stop at the depth limit and are shown whole, bounded", () => {
  let deep = 0;
  for (let i = 0; i < 10_000; i += 1) deep = { d: deep };
  let other = 1;
  for (let i = 0; i < 10_000; i += 1) other = { d: other };
  const r = alignJson([deep, other], { maxValueChars: 200 });
  assert.equal(r.truncated, true);
  assert.equal(r.rows.length, 1);
  const row = r.rows[0];
  assert.equal(row.segments.length, ALIGN_LIMITS.maxDepth);
  assert.equal(row.state, "differs");
  assert.ok(row.cells[0].text.length <= 201);
  // Identical deep values: the same, whichever way equality had to be decided.
  assert.equal(alignJson([deep, deep]).rows[0].state, "same");
});

test("never throws on odd column lists", () => {
  for (const v of [null, undefined, 0, "x", {}, [null], [NaN, Infinity], [[[]]], [{ a: undefined }]]) {
    assert.doesNotThrow(() => alignJson(v));
  }
  assert.doesNotThrow(() => alignJson([{ a: 1 }, { a: 2 }], { maxRows: 0 }));
  assert.equal(alignJson([{ a: 1 }, { a: 2 }], { maxRows: 0 }).truncated, true);
});

test("boundedJson writes JSON text within its budget", () => {
  assert.equal(boundedJson("a"), '"a"');
  assert.equal(boundedJson(null), "null");
  assert.equal(boundedJson({ a: [1, { b: "c" }] }), '{"a":[1,{"b":"c"}]}');
  const huge = { list: Array.from({ length: 100_000 }, () => "xxxxxxxx") };
  const text = boundedJson(huge, 50);
  assert.ok(text.length <= 51 && text.endsWith("…"));
});
