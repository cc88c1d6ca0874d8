// Export and import of one run: the round trip, the Markdown, and hostile files.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  IMPORT_MAX_DEPTH,
  jsonDepth,
  parseRunExport,
  runToJson,
  runToMarkdown,
} from "../../public/tasks-sse/js/run-export.js";

const run = { run_id: "trun_abc123", status: "completed", is_active: false, processor: "lite", created_at: "c" };
const output = {
  type: "text",
  content: "Paris is the capital.",
  basis: [
    {
      field: "output",
      confidence: "high",
      citations: [{ title: "A [tricky] title", url: "https://example.com/a (1)" }, { url: "javascript:alert(1)" }],
    },
  ],
};
const events = [{ type: "task_run.state", data: JSON.stringify({ type: "task_run.state", run }) }];
const record = { run, input: { input: "Capital of France?", processor: "lite" }, output, events };

test("a JSON export reads back as the same record", () => {
  const text = JSON.stringify(runToJson(record, new Date(0)));
  assert.deepEqual(parseRunExport(text), { record: { runId: "trun_abc123", ...record } });
});

test("the Markdown export has the output and its citations, links escaped, unsafe links as text", () => {
  const md = runToMarkdown(record);
  assert.match(md, /^# Task run trun_abc123/);
  assert.match(md, /Paris is the capital\./);
  assert.match(md, /## Citations/);
  assert.match(md, /- \[A \\\[tricky\\\] title\]\(https:\/\/example\.com\/a%20%281%29\)/);
  assert.match(md, /- javascript:alert\(1\)$/m);
});

test("hostile or foreign files get a clear error", () => {
  const good = runToJson(record);
  const cases = [
    ["not json", /not JSON/],
    ["[]", /not a run exported/],
    [JSON.stringify({ ...good, format: "other" }), /not a run exported/],
    [JSON.stringify({ ...good, version: 99 }), /version 99/],
    [JSON.stringify({ ...good, run: { run_id: "../../etc", status: "completed" } }), /run id/],
    [JSON.stringify({ ...good, run: { ...run, status: "<b>" } }), /status/],
    [JSON.stringify({ ...good, events: "x" }), /no event list/],
    [JSON.stringify({ ...good, events: [{ type: 1, data: "x" }] }), /Event 1/],
    [JSON.stringify({ ...good, input: [1] }), /input is not an object/],
  ];
  for (const [text, error] of cases) {
    const r = parseRunExport(text);
    assert.ok(r.error, text.slice(0, 40));
    assert.match(r.error, error);
  }
});

test("huge and deep files are refused before they cost anything", () => {
  assert.match(parseRunExport("{}", { size: 1e9 }).error, /larger than/);
  assert.match(parseRunExport("x".repeat(2000), { maxBytes: 1000 }).error, /larger than/);
  const deep = { ...runToJson(record), output: JSON.parse("[".repeat(200) + "]".repeat(200)) };
  assert.match(parseRunExport(JSON.stringify(deep)).error, /nests deeper|not an object/);
  const deepInput = { ...runToJson(record), input: { a: JSON.parse("[".repeat(200) + "]".repeat(200)) } };
  assert.match(parseRunExport(JSON.stringify(deepInput)).error, /nests deeper/);
  assert.ok(jsonDepth(JSON.parse("[".repeat(IMPORT_MAX_DEPTH) + "]".repeat(IMPORT_MAX_DEPTH))) === IMPORT_MAX_DEPTH);
  // Deeper than the parser itself can go: an error, not a crash.
  assert.ok(parseRunExport("[".repeat(200000)).error);
});
