// Reading a run id out of what was typed or pasted, and the page's #run= links.
import { test } from "node:test";
import assert from "node:assert/strict";

import { hashForRun, isRunId, parseRunRef, runIdFromHash } from "../../public/tasks-sse/js/open-run.js";

const id = "trun_0123456789abcdef0123456789abcdef";

test("ids, links, API URLs and commands give the run id", () => {
  assert.equal(parseRunRef(id), id);
  assert.equal(parseRunRef(`  ${id}\n`), id);
  assert.equal(parseRunRef(`https://example.com/tasks-sse/#run=${id}`), id);
  assert.equal(parseRunRef(`https://example.com/tasks-sse/#${id}`), id);
  assert.equal(parseRunRef(`https://api.parallel.ai/v1/tasks/runs/${id}/result`), id);
  assert.equal(parseRunRef(`curl -H 'x-api-key: k' https://x/v1beta/tasks/runs/${id}/events`), id);
});

test("anything else gives null", () => {
  for (const bad of ["", "not a run", "trun_", "trun_../etc", `x${id}`, "a".repeat(5000), null, undefined])
    assert.equal(parseRunRef(bad), null, String(bad).slice(0, 20));
  assert.equal(isRunId("trun_a b"), false);
});

test("hash links round-trip", () => {
  assert.equal(runIdFromHash(hashForRun(id)), id);
  assert.equal(runIdFromHash(`#${id}`), id);
  assert.equal(runIdFromHash("#run=<script>"), null);
  assert.equal(runIdFromHash(""), null);
});
