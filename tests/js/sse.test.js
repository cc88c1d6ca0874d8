// sse.js against every vector in fixtures/sse-vectors.json: whole, in the vector's own chunks,
// one character at a time, and (for the byte-wise vector) one UTF-8 byte at a time through TextDecoder.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { createSSEParser } from "../../public/tasks-sse/js/sse.js";

const vectors = JSON.parse(readFileSync(new URL("./fixtures/sse-vectors.json", import.meta.url), "utf8"));

function run(chunks) {
  const events = [];
  const retries = [];
  const parser = createSSEParser({
    onEvent: (e) => events.push({ type: e.type, data: e.data, id: e.lastEventId }),
    onRetry: (ms) => retries.push(ms),
  });
  for (const c of chunks) parser.feed(c);
  parser.end();
  return { events, retries };
}

function decodeBytewise(text) {
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  const out = [];
  for (const byte of new TextEncoder().encode(text)) {
    out.push(decoder.decode(new Uint8Array([byte]), { stream: true }));
  }
  out.push(decoder.decode());
  return out;
}

function check(vector, result, how) {
  assert.deepEqual(result.events, vector.events, `${vector.name} (${how})`);
  if (vector.retry !== undefined) {
    assert.equal(result.retries.at(-1), vector.retry, `${vector.name} retry (${how})`);
  }
}

test("the fixture holds vectors", () => {
  assert.ok(vectors.length >= 20);
});

for (const vector of vectors) {
  test(`vector ${vector.name}: whole`, () => {
    check(vector, run([vector.input]), "whole");
  });

  test(`vector ${vector.name}: one character at a time`, () => {
    check(vector, run([...vector.input.split("")]), "char by char");
  });

  if (Array.isArray(vector.chunks)) {
    test(`vector ${vector.name}: its own chunks`, () => {
      check(vector, run(vector.chunks), "chunks");
    });
  }

  test(`vector ${vector.name}: one UTF-8 byte at a time through TextDecoder`, () => {
    check(vector, run(decodeBytewise(vector.input)), "bytewise");
  });
}

test("only the first leading BOM is stripped", () => {
  const { events } = run(["\ufeff", "\ufeffdata: x\n\n"]);
  // The second U+FEFF is part of the field name, which is then unknown: no event.
  assert.deepEqual(events, []);
  const again = run(["\ufeffdata: a\n\n\ufeffdata: b\n\n"]);
  assert.deepEqual(
    again.events.map((e) => e.data),
    ["a"],
  );
});

test("a BOM is only stripped at the very start", () => {
  const { events } = run(["data: a\n\n", "\ufeffdata: b\n\n"]);
  assert.deepEqual(
    events.map((e) => e.data),
    ["a"],
  );
});

test("an unterminated last block is dropped by end()", () => {
  const { events } = run(["data: one\n\ndata: two\n"]);
  assert.deepEqual(
    events.map((e) => e.data),
    ["one"],
  );
});

test("an empty data line dispatches an event with empty data", () => {
  const { events } = run(["data\n\n"]);
  assert.deepEqual(events, [{ type: "message", data: "", id: "" }]);
});

test("Parallel's framing: event + one-line JSON data", () => {
  const frame = 'event: task_run.state\ndata: {"type":"task_run.state","run":{"status":"running"}}\n\n';
  const { events } = run([frame]);
  assert.equal(events.length, 1);
  assert.equal(events[0].type, "task_run.state");
  assert.equal(JSON.parse(events[0].data).run.status, "running");
});
