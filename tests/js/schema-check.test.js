// Output-schema checks against the documented rules, each problem with a path.
import { test } from "node:test";
import assert from "node:assert/strict";

import { checkOutputSchema, EXAMPLE_OUTPUT_SCHEMA } from "../../public/tasks-sse/js/schema-check.js";

const paths = (list) => list.map((p) => p.path);

test("the example schema is clean", () => {
  assert.deepEqual(checkOutputSchema(EXAMPLE_OUTPUT_SCHEMA), { errors: [], warnings: [] });
});

test("root must be an object with properties and no anyOf", () => {
  assert.deepEqual(paths(checkOutputSchema([]).errors), ["$"]);
  const r = checkOutputSchema({ type: "string", anyOf: [] });
  assert.deepEqual(paths(r.errors).sort(), ["$.anyOf", "$.properties", "$.type"]);
  assert.deepEqual(paths(checkOutputSchema({ type: "object", properties: {} }).errors), ["$.properties"]);
});

test("anyOf below the root is allowed; a standalone null type is not", () => {
  const ok = checkOutputSchema({
    type: "object",
    properties: { a: { anyOf: [{ type: "string" }, { type: "number" }] } },
    required: ["a"],
    additionalProperties: false,
  });
  assert.deepEqual(ok.errors, []);
  const bad = checkOutputSchema({
    type: "object",
    properties: { a: { type: "null" }, b: { type: ["string", "null"] } },
    required: ["a", "b"],
    additionalProperties: false,
  });
  assert.deepEqual(paths(bad.errors), ["$.properties.a.type"]);
});

test("unsupported keywords are reported where they are, property names are not keywords", () => {
  const r = checkOutputSchema({
    type: "object",
    properties: {
      format: { type: "string", format: "date" },
      list: { type: "array", items: { type: "string", maxLength: 3 }, minItems: 1 },
    },
    required: ["format", "list"],
    additionalProperties: false,
  });
  assert.deepEqual(paths(r.errors).sort(), [
    "$.properties.format.format",
    "$.properties.list.items.maxLength",
    "$.properties.list.minItems",
  ]);
});

test("nesting deeper than 5 levels is an error", () => {
  const leaf = { type: "string" };
  let node = leaf;
  for (let i = 0; i < 5; i++)
    node = { type: "object", properties: { x: node }, required: ["x"], additionalProperties: false };
  assert.deepEqual(checkOutputSchema(node).errors, []); // 5 object levels, string leaves
  const deeper = { type: "object", properties: { y: node }, required: ["y"], additionalProperties: false };
  assert.ok(checkOutputSchema(deeper).errors.some((e) => /nests/.test(e.message)));
});

test("more than 100 properties, more than 500 enum values, more than 25,000 characters", () => {
  const props = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`p${i}`, { type: "string" }]));
  const many = checkOutputSchema({
    type: "object",
    properties: props,
    required: Object.keys(props),
    additionalProperties: false,
  });
  assert.ok(many.errors.some((e) => /101 properties/.test(e.message)));
  const en = checkOutputSchema({
    type: "object",
    properties: { a: { type: "string", enum: Array.from({ length: 501 }, (_, i) => `v${i}`) } },
    required: ["a"],
    additionalProperties: false,
  });
  assert.ok(en.errors.some((e) => /501 enum values/.test(e.message)));
  const bigEnum = checkOutputSchema({
    type: "object",
    properties: { a: { type: "string", enum: Array.from({ length: 251 }, (_, i) => `${"v".repeat(30)}${i}`) } },
    required: ["a"],
    additionalProperties: false,
  });
  assert.ok(bigEnum.errors.some((e) => e.path === "$.properties.a.enum"));
  const long = checkOutputSchema({
    type: "object",
    properties: { a: { type: "string", description: "d".repeat(25001) } },
    required: ["a"],
    additionalProperties: false,
  });
  assert.ok(long.errors.some((e) => /25,000/.test(e.message)));
});

test("warnings: fields not required, additionalProperties not false, basis-like names", () => {
  const r = checkOutputSchema({
    type: "object",
    properties: { name: { type: "string" }, citations: { type: "string" } },
    required: ["citations"],
  });
  assert.deepEqual(r.errors, []);
  assert.deepEqual(paths(r.warnings).sort(), ["$.additionalProperties", "$.properties.citations", "$.properties.name"]);
});
