// Where a 422's problems show on the create form: API body locations to form fields.
import { test } from "node:test";
import assert from "node:assert/strict";

import { fieldForLoc, placeApiErrors } from "../../public/tasks-sse/js/form-errors.js";
import { locParts } from "../../public/tasks-sse/js/api.js";

/** The simulator's 422 detail for one failed location (parallel_sim/validation.py). */
function simDetail(loc, msg) {
  return { field: loc.slice(1).join("."), errors: [{ loc, msg, type: "value_error" }] };
}

test("each TaskRunInput location maps to the form control that holds it", () => {
  const cases = [
    [["input"], "input"],
    [["processor"], "processor"],
    [["task_spec", "input_schema", "json_schema"], "inputSchema"],
    [["source_policy", "include_domains", 3], "includeDomains"],
    [["source_policy", "exclude_domains"], "excludeDomains"],
    [["source_policy", "after_date"], "afterDate"],
    [["source_policy"], "includeDomains"], // the domain total, where the form shows that limit
    [["webhook", "url"], "webhookUrl"],
    [["webhook", "event_types"], "webhookUrl"],
    [["webhook"], "webhookUrl"],
    [["metadata", "sim_fault"], "metadata"],
    [["metadata"], "metadata"],
    [["mcp_servers", 0, "type"], "mcpServers"],
    [["mcp_servers"], "mcpServers"],
  ];
  for (const [loc, field] of cases) assert.equal(fieldForLoc(loc), field, loc.join("."));
});

test("the output schema's location follows the form's output mode", () => {
  const loc = ["task_spec", "output_schema", "json_schema", "properties", "x", "type"];
  assert.equal(fieldForLoc(loc, { outputMode: "json" }), "outputSchema");
  assert.equal(fieldForLoc(["task_spec", "output_schema", "description"], { outputMode: "text" }), "outputDescription");
  assert.equal(fieldForLoc(loc, { outputMode: "auto" }), null); // no control shows it
});

test("locations the form has no control for map to nothing", () => {
  for (const loc of [
    [],
    ["task_spec"], // the spec's size: no one field
    ["task_spec", "output_schema_x"],
    ["source_policy", "location"],
    ["enable_events"],
    ["advanced_settings", "location"],
    ["default_task_spec", "output_schema"],
    ["previous_interaction_id"],
    [0, "input"],
  ])
    assert.equal(fieldForLoc(loc), null, JSON.stringify(loc));
  assert.equal(fieldForLoc(undefined), null);
  assert.equal(fieldForLoc("input"), null); // a string is not a location list
});

test("locations come as lists with or without body, or dotted strings", () => {
  assert.deepEqual(locParts(["body", "mcp_servers", 0, "url"]), ["mcp_servers", 0, "url"]);
  assert.deepEqual(locParts("mcp_servers.0.url"), ["mcp_servers", 0, "url"]);
  assert.deepEqual(locParts("metadata[2].key"), ["metadata", 2, "key"]);
  assert.deepEqual(locParts(["body"]), ["body"]);
  assert.deepEqual(locParts(null), []);
});

test("the simulator's 422 is placed beside its field with its path and message", () => {
  const detail = simDetail(["body", "mcp_servers", 0, "type"], "type must be 'url'");
  assert.deepEqual(placeApiErrors(detail), {
    placed: [
      {
        field: "mcpServers",
        loc: ["mcp_servers", 0, "type"],
        where: "mcp_servers[0].type",
        message: "type must be 'url'",
      },
    ],
    unplaced: [],
  });
});

test("FastAPI's list: mapped entries are placed, the rest stay as lines, in order", () => {
  const detail = [
    { loc: ["body", "metadata", "team"], msg: "too long", type: "value_error" },
    { loc: ["body", "advanced_settings", "location"], msg: "not a country", type: "value_error" },
    { loc: ["body", "input"], msg: "input is required", type: "missing" },
    { loc: ["query", "limit"], msg: "not a number" },
  ];
  const { placed, unplaced } = placeApiErrors(detail);
  assert.deepEqual(
    placed.map((p) => [p.field, p.where, p.message]),
    [
      ["metadata", "metadata.team", "too long"],
      ["input", "input", "input is required"],
    ],
  );
  assert.deepEqual(unplaced, ["advanced_settings.location: not a country", "query.limit: not a number"]);
});

test("a field the page shows no problems for stays in the box", () => {
  const detail = simDetail(["body", "processor"], "processor must be a string");
  const r = placeApiErrors(detail, { hasField: (f) => f !== "processor" });
  assert.deepEqual(r, { placed: [], unplaced: ["processor: processor must be a string"] });
});

test("{field, message} and a dotted field name are placed too", () => {
  const r = placeApiErrors({ field: "webhook.url", message: "webhook.url must be an http(s) URL" });
  assert.deepEqual(
    r.placed.map((p) => [p.field, p.where]),
    [["webhookUrl", "webhook.url"]],
  );
});

test("a detail that is not a validation detail places nothing", () => {
  for (const detail of [null, undefined, "text", 42, {}, { hint: "x" }, [], ["a string"], [{ loc: ["body", "input"] }]])
    assert.deepEqual(placeApiErrors(detail), { placed: [], unplaced: [] }, JSON.stringify(detail));
});

test("hostile messages stay plain, one-line text", () => {
  const detail = simDetail(["body", "input"], "<img src=x onerror=alert(1)>\n\n  second line");
  const [p] = placeApiErrors(detail).placed;
  assert.equal(p.message, "<img src=x onerror=alert(1)> second line"); // shown with textContent
});
