// Creating a comparison's runs: one create per processor, all at once, with the same body except
// `processor`. A create that fails does not stop the others; its column keeps the error in words.

import { COMPARE_MAX, COMPARE_MIN } from "./history.js";
import { findProcessor } from "./processors.js";

/** A problem with the picked processors, in words; "" when they can be compared. */
export function pickProblem(processors) {
  const list = Array.isArray(processors) ? processors : [];
  if (list.length < COMPARE_MIN) return `Pick at least ${COMPARE_MIN} processors to compare (${list.length} picked).`;
  if (list.length > COMPARE_MAX)
    return `Pick at most ${COMPARE_MAX} processors to compare (${list.length} picked): each holds a live stream.`;
  const unknown = list.filter((p) => !findProcessor(p));
  if (unknown.length) return `Unknown processor: ${unknown.join(", ")}.`;
  if (new Set(list).size !== list.length) return "Each processor can be picked once.";
  return "";
}

/** The error of a failed create in words: "HTTP 402: Payment required (ref_id …)". */
export function createErrorText(e) {
  const message = e && e.message ? String(e.message) : String(e);
  const status = e && typeof e.status === "number" && e.status ? `HTTP ${e.status}: ` : "";
  const ref = e && e.refId ? ` (ref_id ${e.refId})` : "";
  return `${status}${message}${ref}`;
}

/**
 * Create one run per processor. `createRun({ body, headers })` is api.js's createRun with the page's
 * base and key bound. `onSettled(index, member)` is called as each create answers.
 * Resolves to the members in processor order: { processor, run } or { processor, error, status }.
 */
export async function createComparisonRuns({ body, headers, processors, createRun, onSettled = () => {} }) {
  return Promise.all(
    processors.map(async (processor, i) => {
      let member;
      try {
        const run = await createRun({ body: { ...body, processor }, headers: { ...headers } });
        if (!run || typeof run.run_id !== "string") throw new Error("The API's answer has no run_id.");
        member = { processor, run };
      } catch (e) {
        member = { processor, error: createErrorText(e), status: e && typeof e.status === "number" ? e.status : 0 };
      }
      onSettled(i, member);
      return member;
    }),
  );
}
