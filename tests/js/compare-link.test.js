import test from "node:test";
import assert from "node:assert/strict";

import { comparisonFromHash, hashForComparison } from "../../public/tasks-sse/js/compare-link.js";

const ID = "cmp_0123456789abcdef";
const A = "trun_" + "a".repeat(32);
const B = "trun_" + "b".repeat(32);

test("a comparison's link names its runs once they exist, and reads back the same", () => {
  assert.equal(hashForComparison(ID), `#compare=${ID}`);
  assert.equal(hashForComparison(ID, [{ processor: "lite", runId: "" }]), `#compare=${ID}`);
  const members = [
    { processor: "lite", runId: A },
    { processor: "core2x-fast", runId: B },
  ];
  const hash = hashForComparison(ID, members);
  assert.equal(hash, `#compare=${ID}&runs=lite:${A},core2x-fast:${B}`);
  assert.deepEqual(comparisonFromHash(hash), {
    id: ID,
    members: members.map((m) => ({ ...m, error: "" })),
  });
});

test("a link with no usable runs still names the comparison; other hashes name none", () => {
  assert.deepEqual(comparisonFromHash(`#compare=${ID}`), { id: ID, members: null });
  assert.deepEqual(comparisonFromHash(`#compare=${ID}&runs=lite:${A}`), { id: ID, members: null }); // one column
  const seven = Array.from({ length: 7 }, () => `lite:${A}`).join(",");
  assert.deepEqual(comparisonFromHash(`#compare=${ID}&runs=${seven}`), { id: ID, members: null });
  assert.equal(comparisonFromHash("#run=" + A), null);
  assert.equal(comparisonFromHash("#compare=cmp_<img>"), null);
  assert.equal(comparisonFromHash(""), null);
  assert.equal(comparisonFromHash(undefined), null);
});

test("hostile run lists are refused whole, never half-read", () => {
  for (const runs of [
    `lite:${A},<script>:${B}`,
    `lite:${A},base:javascript:alert(1)`,
    `lite:${A},base:${B}%26x`,
    `LITE:${A},base:${B}`,
    `lite:${A},,base:${B}`,
    `lite:${A},base:trun_${"c".repeat(65)}`,
    `${"x".repeat(33)}:${A},base:${B}`,
  ]) {
    assert.deepEqual(comparisonFromHash(`#compare=${ID}&runs=${runs}`), { id: ID, members: null }, runs);
  }
});
