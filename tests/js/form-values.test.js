// form.load's pure half: a TaskRunInput body back into the form's values. What the form sends comes
// back unchanged through buildCreateRequest (the round trip "Run again" relies on).
import { test } from "node:test";
import assert from "node:assert/strict";

import { buildCreateRequest } from "../../public/tasks-sse/js/api.js";
import { emptyFormValues, formValuesFromBody } from "../../public/tasks-sse/js/form-values.js";
import { EXAMPLE_OUTPUT_SCHEMA } from "../../public/tasks-sse/js/schema-check.js";

function roundTrip(body) {
  const { values, notCarried } = formValuesFromBody(body);
  const again = buildCreateRequest(values);
  assert.deepEqual(again.errors, []);
  return { again, values, notCarried };
}

test("every body the form builds comes back the same through the form's values", () => {
  const forms = [
    {},
    { inputMode: "json", input: '{"company": "Parallel", "n": 3}', processor: "pro-fast", enableEvents: false },
    { outputMode: "text", outputDescription: "Two paragraphs", inputSchema: "A company name" },
    {
      outputMode: "json",
      outputSchema: JSON.stringify(EXAMPLE_OUTPUT_SCHEMA),
      inputSchema: JSON.stringify({ type: "object", properties: { company: { type: "string" } } }),
      includeDomains: ["example.com", ".gov", "docs.python.org/3"],
      excludeDomains: ["reddit.com"],
      afterDate: "2024-01-31",
      webhookUrl: "https://hooks.example/x",
      webhookEventTypes: ["task_run.status"],
      metadata: [
        { key: "sim_fault", value: "first-byte-delay-ms=10" },
        { key: "team", value: "" },
      ],
      mcpServers: JSON.stringify([{ type: "url", name: "docs", url: "https://mcp.example/mcp", headers: { a: "b" } }]),
    },
    { webhookUrl: "https://hooks.example/y", webhookEventTypes: [] },
  ];
  for (const overrides of forms) {
    const first = buildCreateRequest({ ...emptyFormValues(), input: "What does Parallel do?", ...overrides });
    assert.deepEqual(first.errors, [], JSON.stringify(overrides));
    const { again, notCarried } = roundTrip(first.body);
    assert.deepEqual(again.body, first.body);
    assert.deepEqual(again.headers, first.headers);
    assert.deepEqual(notCarried, []);
  }
});

test("a body made elsewhere: the API's defaults and shorthands become form settings", () => {
  // No task_spec and no enable_events: auto output, and events as the API defaults them.
  const lite = formValuesFromBody({ input: "q", processor: "lite" }).values;
  assert.equal(lite.outputMode, "auto");
  assert.equal(lite.enableEvents, false);
  assert.equal(formValuesFromBody({ input: "q", processor: "ultra" }).values.enableEvents, true);
  // Bare strings are accepted as output and input schemas.
  const bare = formValuesFromBody({
    input: "q",
    processor: "base",
    task_spec: { output_schema: "A list", input_schema: "A name" },
  });
  assert.equal(bare.values.outputMode, "text");
  assert.equal(bare.values.outputDescription, "A list");
  assert.equal(bare.values.inputSchema, "A name");
  const json = formValuesFromBody({
    input: { a: 1 },
    processor: "core",
    task_spec: { output_schema: { json_schema: { type: "object" } } },
  });
  assert.equal(json.values.inputMode, "json");
  assert.deepEqual(JSON.parse(json.values.input), { a: 1 });
  assert.equal(json.values.outputMode, "json");
});

test("what the form cannot hold is named, not dropped silently", () => {
  const { values, notCarried } = formValuesFromBody({
    input: "q",
    processor: "lite-9000",
    metadata: { n: 3, flag: true, s: "x" },
    previous_interaction_id: "int_1",
    advanced_settings: {},
  });
  assert.equal(values.processor, "lite");
  assert.deepEqual(values.metadata, [
    { key: "n", value: "3" },
    { key: "flag", value: "true" },
    { key: "s", value: "x" },
  ]);
  assert.deepEqual(notCarried, [
    'processor "lite-9000" (not one this page knows)',
    "metadata n, flag will be sent as text",
    "previous_interaction_id",
    "advanced_settings",
  ]);
  assert.deepEqual(formValuesFromBody(null).notCarried, ["the run's input could not be read"]);
});
