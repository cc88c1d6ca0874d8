// A task group's results as CSV (RFC 4180, safe to open in a spreadsheet) or JSON Lines. Pure.
//
// One row per run: run_id, status, the run's input fields, its output (a JSON output's fields as
// columns, a text output as one "output" column) and its error. Cells a spreadsheet would run as a
// formula (starting with = + - @, tab or carriage return) get a leading apostrophe.

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;
const FIXED = new Set(["run_id", "status", "error", "output"]);

/** One CSV cell: formula-looking text neutralised, then quoted when RFC 4180 requires it. */
export function csvCell(value) {
  let s = value === null || value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line (no line end). */
export function csvLine(cells) {
  return cells.map(csvCell).join(",");
}

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** A run's output content: an object for a JSON output, text otherwise, or null. */
function outputContent(output) {
  if (!isObject(output)) return null;
  const c = output.content;
  if (output.type === "json" && isObject(c)) return c;
  if (typeof c === "string") {
    if (output.type === "json") {
      try {
        const parsed = JSON.parse(c);
        if (isObject(parsed)) return parsed;
      } catch {
        /* kept as text */
      }
    }
    return c;
  }
  return c === undefined ? null : c;
}

function errorText(error) {
  if (!error) return "";
  if (typeof error === "string") return error;
  if (isObject(error) && typeof error.message === "string") return error.message;
  return JSON.stringify(error);
}

/**
 * The CSV text for results [{ runId, status, input, output, error }] (rows in group order).
 * Starts with a byte-order mark so spreadsheets read it as UTF-8; lines end with CRLF.
 */
export function resultsToCsv(results) {
  const inputKeys = [];
  const outputKeys = [];
  const seenIn = new Set();
  const seenOut = new Set();
  let textInput = false;
  let textOutput = false;
  for (const r of results) {
    if (isObject(r.input)) {
      for (const k of Object.keys(r.input))
        if (!seenIn.has(k)) {
          seenIn.add(k);
          inputKeys.push(k);
        }
    } else if (r.input !== null && r.input !== undefined) textInput = true;
    const c = outputContent(r.output);
    if (isObject(c)) {
      for (const k of Object.keys(c))
        if (!seenOut.has(k)) {
          seenOut.add(k);
          outputKeys.push(k);
        }
    } else if (c !== null) textOutput = true;
  }
  // Input fields keep their own names (the file reads back as a group's input) unless a name
  // would collide with a result column.
  const inName = (k) => (FIXED.has(k) || k.startsWith("output.") || k === "input" ? `input.${k}` : k);
  const header = [
    "run_id",
    "status",
    ...(textInput ? ["input"] : []),
    ...inputKeys.map(inName),
    ...(textOutput ? ["output"] : []),
    ...outputKeys.map((k) => `output.${k}`),
    "error",
  ];
  const lines = [csvLine(header)];
  for (const r of results) {
    const input = r.input;
    const c = outputContent(r.output);
    const cells = [r.runId, r.status];
    if (textInput) cells.push(isObject(input) ? "" : (input ?? ""));
    for (const k of inputKeys) cells.push(isObject(input) && Object.hasOwn(input, k) ? input[k] : "");
    if (textOutput) cells.push(isObject(c) || c === null ? "" : c);
    for (const k of outputKeys) cells.push(isObject(c) && Object.hasOwn(c, k) ? c[k] : "");
    cells.push(errorText(r.error));
    lines.push(csvLine(cells));
  }
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}

/** The JSON Lines text: one {run_id, status, input, output, error} object per run. */
export function resultsToJsonl(results) {
  return results
    .map((r) =>
      JSON.stringify({
        run_id: r.runId,
        status: r.status,
        input: r.input ?? null,
        output: r.output ?? null,
        error: r.error ?? null,
      }),
    )
    .map((l) => `${l}\n`)
    .join("");
}

/** A file name for a group's export: "tgrp_abc…-results.csv". */
export function exportFileName(groupId, ext) {
  const safe =
    String(groupId)
      .replace(/[^A-Za-z0-9_-]/g, "")
      .slice(0, 60) || "group";
  return `${safe}-results.${ext}`;
}
