// Finding things in a run: the message filter and the output's fields with their basis.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  filterMessages,
  isFilterActive,
  makeMessageFilter,
  matchesMessage,
  outputFields,
  valueAtField,
} from "../../public/tasks-sse/js/find-in-run.js";

const msgs = [
  { kind: "exec_status", message: "Starting the run" },
  { kind: "plan", message: "Plan: read about Solar Panels" },
  { kind: "search", message: "Searching solar efficiency" },
  { kind: "tool", message: "Opened a page" },
  { kind: "search", message: "Searching wind power" },
];

test("an empty filter lets every message through, and is not active", () => {
  const f = makeMessageFilter();
  assert.equal(isFilterActive(f), false);
  assert.equal(filterMessages(msgs, f), msgs);
  assert.equal(isFilterActive(makeMessageFilter([], "   ")), false);
});

test("unticked types are hidden", () => {
  const f = makeMessageFilter(["search", "tool"]);
  assert.equal(isFilterActive(f), true);
  assert.deepEqual(
    filterMessages(msgs, f).map((m) => m.kind),
    ["exec_status", "plan"],
  );
});

test("the text search is case-insensitive, trimmed, and combines with the types", () => {
  assert.deepEqual(
    filterMessages(msgs, makeMessageFilter([], "  SOLAR ")).map((m) => m.message),
    ["Plan: read about Solar Panels", "Searching solar efficiency"],
  );
  assert.deepEqual(
    filterMessages(msgs, makeMessageFilter(["plan"], "solar")).map((m) => m.message),
    ["Searching solar efficiency"],
  );
  assert.equal(matchesMessage(makeMessageFilter([], "x"), { kind: "plan", message: null }), false);
});

test("5,000 messages filter in one pass", () => {
  const many = Array.from({ length: 5000 }, (_, i) => ({ kind: i % 2 ? "search" : "plan", message: `m ${i}` }));
  const out = filterMessages(many, makeMessageFilter(["plan"], "m 49"));
  assert.deepEqual(
    out.map((m) => m.message),
    ["m 49", "m 491", "m 493", "m 495", "m 497", "m 499", ...Array.from({ length: 50 }, (_, j) => `m ${4901 + 2 * j}`)],
  );
});

test("values are found at basis field paths", () => {
  const content = { name: "A", items: ["x", "y"], "a.b": 1, nested: { k: 2 } };
  assert.equal(valueAtField(content, "name"), "A");
  assert.equal(valueAtField(content, "items.1"), "y");
  assert.equal(valueAtField(content, "a.b"), 1);
  assert.equal(valueAtField(content, "nested.k"), 2);
  assert.equal(valueAtField(content, "missing.0"), undefined);
  assert.equal(valueAtField("text", "output"), undefined);
});

test("output fields: content fields in order with their basis, then basis-only fields", () => {
  const b = (field) => ({ field, citations: [], reasoning: `why ${field}`, confidence: "high" });
  const output = {
    type: "json",
    content: { name: "A", items: ["x"], extra: 3 },
    basis: [b("items"), b("name"), b("items.0"), "junk", { reasoning: "no field" }],
  };
  assert.deepEqual(
    outputFields(output).map((f) => [f.field, f.value, f.basis && f.basis.reasoning]),
    [
      ["name", "A", "why name"],
      ["items", ["x"], "why items"],
      ["extra", 3, null],
      ["items.0", "x", "why items.0"],
    ],
  );
  assert.deepEqual(
    outputFields({ type: "text", content: "Hello", basis: [b("output")] }).map((f) => f.field),
    ["output"],
  );
  assert.deepEqual(outputFields(null), []);
});
