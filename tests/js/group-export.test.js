// Exporting a group's results: RFC 4180 CSV safe for spreadsheets, and JSON Lines.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  csvCell,
  csvLine,
  exportFileName,
  resultsToCsv,
  resultsToJsonl,
} from "../../public/tasks-sse/js/group-export.js";
import { parseDelimited } from "../../public/tasks-sse/js/group-input.js";

test("csvCell quotes per RFC 4180 and neutralises formula-looking cells", () => {
  assert.equal(csvCell("plain"), "plain");
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell("a,b"), '"a,b"');
  assert.equal(csvCell("two\nlines"), '"two\nlines"');
  assert.equal(csvCell("=1+1"), "'=1+1");
  assert.equal(csvCell("+1"), "'+1");
  assert.equal(csvCell("-1"), "'-1");
  assert.equal(csvCell("@SUM(A1)"), "'@SUM(A1)");
  assert.equal(csvCell("\tx"), "'\tx");
  assert.equal(csvCell("\rx"), '"\'\rx"');
  assert.equal(csvCell('=HYPERLINK("http://x","y")'), '"\'=HYPERLINK(""http://x"",""y"")"');
  assert.equal(csvCell(null), "");
  assert.equal(csvCell(3), "3");
  assert.equal(csvCell({ a: 1 }), '"{""a"":1}"');
  assert.equal(csvLine(["a", "b,c"]), 'a,"b,c"');
});

const results = [
  {
    runId: "trun_1",
    status: "completed",
    input: { company: "Acme, Inc.", country: "US" },
    output: { type: "json", content: { founded: "1999", ceo: "=cmd" } },
    error: null,
  },
  {
    runId: "trun_2",
    status: "failed",
    input: { company: "Bad", extra: "x" },
    output: null,
    error: { message: "It failed", ref_id: "r" },
  },
  { runId: "trun_3", status: "completed", input: "plain text input", output: { type: "text", content: "An\nanswer" } },
];

test("resultsToCsv: one row per run with input fields, output fields, text output and error", () => {
  const text = resultsToCsv(results);
  assert.ok(text.startsWith("\uFEFF"));
  assert.ok(text.endsWith("\r\n"));
  const { records, errors } = parseDelimited(text.slice(1));
  assert.deepEqual(errors, []);
  const rows = records.map((r) => r.fields);
  assert.deepEqual(rows[0], [
    "run_id",
    "status",
    "input",
    "company",
    "country",
    "extra",
    "output",
    "output.founded",
    "output.ceo",
    "error",
  ]);
  assert.deepEqual(rows[1], ["trun_1", "completed", "", "Acme, Inc.", "US", "", "", "1999", "'=cmd", ""]);
  assert.deepEqual(rows[2], ["trun_2", "failed", "", "Bad", "", "x", "", "", "", "It failed"]);
  assert.deepEqual(rows[3], ["trun_3", "completed", "plain text input", "", "", "", "An\nanswer", "", "", ""]);
  assert.equal(rows.length, 4);
});

test("resultsToCsv: an input field named like a result column is prefixed; JSON content as text is read", () => {
  const text = resultsToCsv([
    {
      runId: "trun_1",
      status: "completed",
      input: { status: "mine", output: "o" },
      output: { type: "json", content: '{"x": [1, 2]}' },
    },
  ]);
  const rows = parseDelimited(text.slice(1)).records.map((r) => r.fields);
  assert.deepEqual(rows[0], ["run_id", "status", "input.status", "input.output", "output.x", "error"]);
  assert.deepEqual(rows[1], ["trun_1", "completed", "mine", "o", "[1,2]", ""]);
});

test("resultsToCsv of no results is a header row", () => {
  assert.equal(resultsToCsv([]), "\uFEFFrun_id,status,error\r\n");
});

test("resultsToJsonl: one object per line with the whole output", () => {
  const lines = resultsToJsonl(results).split("\n");
  assert.equal(lines.at(-1), "");
  const first = JSON.parse(lines[0]);
  assert.deepEqual(first, {
    run_id: "trun_1",
    status: "completed",
    input: results[0].input,
    output: results[0].output,
    error: null,
  });
  assert.equal(JSON.parse(lines[2]).input, "plain text input");
  assert.equal(lines.length, 4);
});

test("exportFileName keeps only safe characters", () => {
  assert.equal(exportFileName("tgrp_abc", "csv"), "tgrp_abc-results.csv");
  assert.equal(exportFileName("../x/<y>", "jsonl"), "xy-results.jsonl");
  assert.equal(exportFileName("", "csv"), "group-results.csv");
});
