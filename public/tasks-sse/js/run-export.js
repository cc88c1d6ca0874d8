// One run as a file: JSON (run, input and task spec, event trace, output) that this page can import
// again, and Markdown (the output with its citations) for people. Imports are hostile until proven
// otherwise: size, nesting depth, shape and counts are checked before anything is kept or shown.

import { isRunId } from "./open-run.js";

export const EXPORT_FORMAT = "tasks-sse.run";
export const EXPORT_VERSION = 1;
export const IMPORT_MAX_BYTES = 25 * 1024 * 1024;
export const IMPORT_MAX_DEPTH = 64;
export const IMPORT_MAX_EVENTS = 50000;

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The JSON export of a run. `events`: [{ type, data }] with data the event's raw text. */
export function runToJson({ run, input, output, events }, now = new Date()) {
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: now.toISOString(),
    run,
    input: input ?? null,
    output: output ?? null,
    events: events.map((e) => ({ type: e.type, data: e.data })),
  };
}

/** Deepest nesting of a parsed JSON value, counted without recursion (a hostile file is deep). */
export function jsonDepth(value, limit = Infinity) {
  let deepest = 0;
  const stack = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop();
    if (v === null || typeof v !== "object") continue;
    if (d > deepest) deepest = d;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return deepest;
}

/**
 * Read an export back. Returns { record: { runId, run, input, output, events } } or { error } in
 * words. `size`: the file's byte size, checked before reading when known.
 */
export function parseRunExport(text, { size = null, maxBytes = IMPORT_MAX_BYTES } = {}) {
  const mb = (n) => `${Math.round(n / 1024 / 1024)} MB`;
  if ((size ?? 0) > maxBytes || typeof text !== "string" || text.length > maxBytes)
    return { error: `The file is larger than ${mb(maxBytes)}, more than any export of this page.` };
  let data;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const tooDeep = e instanceof RangeError;
    return { error: tooDeep ? "The file nests too deeply to be an export." : "The file is not JSON." };
  }
  if (!isObject(data) || data.format !== EXPORT_FORMAT)
    return { error: `The file is not a run exported by this page (no "format": "${EXPORT_FORMAT}").` };
  if (data.version !== EXPORT_VERSION)
    return {
      error: `The export has version ${JSON.stringify(data.version)}; this page reads version ${EXPORT_VERSION}.`,
    };
  if (jsonDepth(data, IMPORT_MAX_DEPTH) > IMPORT_MAX_DEPTH)
    return { error: `The file nests deeper than ${IMPORT_MAX_DEPTH} levels.` };
  const run = data.run;
  if (!isObject(run) || !isRunId(run.run_id)) return { error: "The export has no run with a run id (trun_…)." };
  if (typeof run.status !== "string" || !/^[a-z_]{1,32}$/.test(run.status))
    return { error: "The export's run has no readable status." };
  if (data.input !== null && !isObject(data.input)) return { error: "The export's input is not an object." };
  if (data.output !== null && !isObject(data.output)) return { error: "The export's output is not an object." };
  if (!Array.isArray(data.events)) return { error: "The export has no event list." };
  if (data.events.length > IMPORT_MAX_EVENTS)
    return { error: `The export has ${data.events.length} events; at most ${IMPORT_MAX_EVENTS} are read.` };
  const bad = data.events.findIndex((e) => !isObject(e) || typeof e.type !== "string" || typeof e.data !== "string");
  if (bad >= 0) return { error: `Event ${bad + 1} of the export is not { type, data } text.` };
  return {
    record: {
      runId: run.run_id,
      run,
      input: data.input,
      output: data.output,
      events: data.events.map((e) => ({ type: e.type.slice(0, 200), data: e.data })),
    },
  };
}

function fence(text) {
  const longest = Math.max(2, ...(String(text).match(/`+/g) || []).map((m) => m.length));
  const ticks = "`".repeat(longest + 1);
  return `${ticks}\n${text}\n${ticks}`;
}

function oneLine(v) {
  return String(v ?? "")
    .replace(/\s+/g, " ")
    .trim();
}

/** Markdown link text and URL, with the characters that would break out of them escaped. */
function mdLink(title, url) {
  const text = oneLine(title || url).replace(/([\\[\]])/g, "\\$1");
  const href = String(url).replace(
    /[()\s<>]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
  );
  return /^https?:\/\//i.test(url) ? `[${text}](${href})` : text;
}

/** The run's output, with its citations, as Markdown. */
export function runToMarkdown({ run, input, output }) {
  const lines = [`# Task run ${run.run_id}`, ""];
  lines.push(`- Status: ${run.status}`);
  if (run.processor) lines.push(`- Processor: ${run.processor}`);
  if (run.created_at) lines.push(`- Created: ${run.created_at}`);
  lines.push("");
  if (input && input.input !== undefined) {
    lines.push("## Input", "");
    lines.push(typeof input.input === "string" ? input.input : fence(JSON.stringify(input.input, null, 2)), "");
  }
  lines.push("## Output", "");
  if (!isObject(output)) lines.push(run.error ? `The run failed: ${oneLine(run.error.message)}` : "No output.", "");
  else if (typeof output.content === "string") lines.push(output.content, "");
  else lines.push(fence(JSON.stringify(output.content, null, 2)), "");
  const basis = isObject(output) && Array.isArray(output.basis) ? output.basis : [];
  const cited = basis.filter((b) => isObject(b) && Array.isArray(b.citations) && b.citations.length);
  if (cited.length) {
    lines.push("## Citations", "");
    for (const b of cited) {
      lines.push(
        `### ${oneLine(b.field) || "output"}${b.confidence ? ` (confidence: ${oneLine(b.confidence)})` : ""}`,
        "",
      );
      for (const c of b.citations) if (isObject(c) && c.url) lines.push(`- ${mdLink(c.title, c.url)}`);
      lines.push("");
    }
  }
  return lines.join("\n");
}
