// Pasted rows for a task group: RFC 4180 CSV/TSV and JSON Lines, with hostile input.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  MAX_CHARS,
  MAX_DEPTH,
  MAX_ROWS,
  describeError,
  detectFormat,
  jsonDepth,
  parseDelimited,
  planBatches,
  readRows,
  schemaForColumns,
  utf8Length,
  wellFormed,
} from "../../public/tasks-sse/js/group-input.js";

const fields = (text, d) => parseDelimited(text, d).records.map((r) => r.fields);

test("CSV: quoted fields, doubled quotes, CRLF, newlines inside quotes", () => {
  assert.deepEqual(fields('a,b\r\n"x, y","say ""hi"""\r\n"two\r\nlines",z\r\n'), [
    ["a", "b"],
    ["x, y", 'say "hi"'],
    ["two\r\nlines", "z"],
  ]);
  assert.deepEqual(fields("a,b\nc,d"), [
    ["a", "b"],
    ["c", "d"],
  ]); // no final newline
  assert.deepEqual(fields("a,b\rc,d\r"), [
    ["a", "b"],
    ["c", "d"],
  ]); // old Mac line ends
  assert.deepEqual(fields('a,""\n'), [["a", ""]]);
  assert.deepEqual(fields("a,,\n"), [["a", "", ""]]);
});

test("CSV: record lines count the newlines inside quoted cells", () => {
  const r = parseDelimited('h\n"one\ntwo\nthree"\nnext\n');
  assert.deepEqual(
    r.records.map((x) => x.line),
    [1, 2, 5],
  );
});

test("CSV: a quote inside an unquoted cell is text; text after a closing quote is an error", () => {
  assert.deepEqual(fields('size\n5" disk\n'), [["size"], ['5" disk']]);
  const r = parseDelimited('a\n"x"y\nok\n');
  assert.deepEqual(r.errors, [{ line: 2, message: "text after a closing quote (quote the whole cell)" }]);
  assert.deepEqual(
    r.records.map((x) => x.fields),
    [["a"], ["ok"]],
  );
});

test("CSV: an unclosed quote is reported on the line where it opened", () => {
  const r = parseDelimited('a\nok\n"never closed\nmore\n');
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0].line, 3);
  assert.match(r.errors[0].message, /never closed/);
});

test("readRows: headers become fields and a string input schema; a BOM is dropped", () => {
  const r = readRows("\uFEFFcompany, country \nParallel,US\nAcme,DE\n");
  assert.equal(r.format, "csv");
  assert.deepEqual(r.columns, ["company", "country"]);
  assert.deepEqual(r.inputs, [
    { company: "Parallel", country: "US" },
    { company: "Acme", country: "DE" },
  ]);
  assert.deepEqual(r.lines, [2, 3]);
  assert.deepEqual(r.inputSchema, {
    type: "object",
    properties: { company: { type: "string" }, country: { type: "string" } },
    required: ["company", "country"],
    additionalProperties: false,
  });
  assert.deepEqual(r.errors, []);
  assert.deepEqual(schemaForColumns(["x"]).required, ["x"]);
});

test("readRows: ragged rows, empty and duplicate headers are errors by line; blank rows are skipped", () => {
  const r = readRows("a,b,a,\n1,2,3,4\n\n,,,\n5,6\n");
  const text = r.errors.map(describeError);
  assert.ok(text.includes('line 1: column "a" appears twice in the header'), text);
  assert.ok(text.includes("line 1: column 4 has no name in the header"), text);
  assert.ok(text.includes("line 5: 2 cells, but the header has 4"), text);
  assert.equal(r.inputs.length, 1);
});

test("readRows: formula-looking cells are kept exactly (export neutralises them, not input)", () => {
  const r = readRows('v\n=1+1\n"@SUM(A1)"\n-3\n');
  assert.deepEqual(
    r.inputs.map((i) => i.v),
    ["=1+1", "@SUM(A1)", "-3"],
  );
});

test("TSV is detected from tabs and parsed with the same rules", () => {
  const text = 'name\tnote\nx\t"a\tb"\n';
  assert.equal(detectFormat(text), "tsv");
  assert.deepEqual(readRows(text).inputs, [{ name: "x", note: "a\tb" }]);
  assert.equal(detectFormat("a,b\tc\n"), "csv");
});

test("JSON Lines: objects and strings are inputs; anything else is an error by line", () => {
  const text = '{"q": "one"}\r\n\n"plain text"\n[1]\n42\nnull\n{"q": 2\n{}\n""\n';
  const r = readRows(text);
  assert.equal(r.format, "jsonl");
  assert.deepEqual(r.inputs, [{ q: "one" }, "plain text"]);
  assert.deepEqual(r.lines, [1, 3]);
  assert.deepEqual(r.columns, ["q"]);
  const text2 = r.errors.map(describeError);
  assert.equal(text2[0], "line 4: not a JSON object (an array); each line is one run's input");
  assert.equal(text2[1], "line 5: not a JSON object (number); each line is one run's input");
  assert.equal(text2[2], "line 6: not a JSON object (null); each line is one run's input");
  assert.match(text2[3], /^line 7: not valid JSON/);
  assert.match(text2[4], /^line 8: an empty object/);
  assert.match(text2[5], /^line 9: an empty string/);
  assert.equal(r.inputSchema, null);
});

test("format detection, and an explicit format overrides it", () => {
  assert.equal(detectFormat('{"a":1}\n'), "jsonl");
  assert.equal(detectFormat('{"a":\n'), "jsonl"); // broken JSON is still meant as JSON Lines
  assert.equal(detectFormat('"just text"\n'), "jsonl");
  assert.equal(detectFormat('"a, b",c\n'), "csv");
  assert.equal(detectFormat("\n\nname\n"), "csv");
  assert.equal(readRows('{"a":1}\n', { format: "csv" }).format, "csv");
  assert.equal(readRows("a\n1\n", { format: "nonsense" }).format, "csv");
});

test("hostile: deep nesting is refused without overflowing the stack", () => {
  const deep = `{"a":${"[".repeat(5000)}${"]".repeat(5000)}}`;
  const r = readRows(deep);
  assert.equal(r.inputs.length, 0);
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0].message, /nested|not valid JSON/);
  assert.equal(jsonDepth({ a: [[1]] }), 3);
  let v = 1;
  for (let i = 0; i < 100_000; i++) v = [v];
  assert.ok(jsonDepth(v) > MAX_DEPTH); // iterative: returns early, no RangeError
});

test("hostile: lone UTF-16 surrogates become U+FFFD with a warning", () => {
  const r = readRows("name\nbad \uD800 here\nok \uD83D\uDE00\n");
  assert.deepEqual(
    r.inputs.map((i) => i.name),
    ["bad \uFFFD here", "ok \uD83D\uDE00"],
  );
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0], /1 broken character was/);
  assert.deepEqual(wellFormed("\uDC00x\uD800"), { text: "\uFFFDx\uFFFD", replaced: 2 });
});

test("hostile: huge input is refused up front; too many rows is an error, nothing is cut silently", () => {
  const huge = readRows("a".repeat(MAX_CHARS + 1));
  assert.equal(huge.inputs.length, 0);
  assert.match(huge.errors[0].message, /at most/);
  const many = readRows(`h\n${"x\n".repeat(MAX_ROWS + 1)}`);
  assert.equal(many.errors.length, 1);
  assert.match(many.errors[0].message, new RegExp(`${(MAX_ROWS + 1).toLocaleString("en")} rows; at most`));
});

test("hostile: a long quoted cell and many columns parse in linear time", () => {
  const cell = "x".repeat(2_000_000);
  const t0 = Date.now();
  const r = readRows(`a\n"${cell}"\n`);
  assert.equal(r.inputs[0].a.length, cell.length);
  const wide = readRows(`${Array.from({ length: 300 }, (_, i) => `c${i}`).join(",")}\n`);
  assert.match(wide.errors[0].message, /300 columns; at most 200/);
  assert.ok(Date.now() - t0 < 5000); // a bound against quadratic behaviour, not a timing check
});

test("hostile: NUL and control characters stay text; only header/cell rules apply", () => {
  const r = readRows("a\nx\u0000y\u0007\n");
  assert.equal(r.inputs[0].a, "x\u0000y\u0007");
});

test("planBatches: at most maxCount items and maxBytes per batch; an oversize item is named", () => {
  const items = Array.from({ length: 2500 }, (_, i) => ({ input: `row ${i}` }));
  const plan = planBatches(items, { maxCount: 1000 });
  assert.deepEqual(
    plan.batches.map((b) => [b.start, b.items.length]),
    [
      [0, 1000],
      [1000, 1000],
      [2000, 500],
    ],
  );
  const sized = planBatches([{ a: "x".repeat(60) }, { a: "é".repeat(30) }, { a: "y".repeat(500) }, { a: "z" }], {
    maxCount: 10,
    maxBytes: 100,
  });
  assert.deepEqual(sized.tooLarge, [2]);
  assert.deepEqual(
    sized.batches.map((b) => b.start),
    [0, 1, 3],
  );
  assert.equal(utf8Length("aé😀"), 1 + 2 + 4);
});
