// One comparison column's state, folded from its run session's change records (event-store.js
// kinds plus run-session's `stream`), and the words and numbers the column shows. Pure: the panel
// renders what this returns and never reads a store.

import { isFinishedStatus } from "./run-state.js";
import { findProcessor } from "./processors.js";

/** A column before any record: `error` is set when its run could not be created. */
export function emptyColumn(processor, { runId = "", error = "", createdAt = "", status = "" } = {}) {
  return {
    processor,
    runId,
    createError: runId ? "" : error,
    status: status || (runId ? "queued" : error ? "not created" : "creating"),
    createdAt,
    modifiedAt: "",
    events: 0,
    sourcesRead: null,
    sourcesConsidered: null,
    output: null,
    runError: "",
    stream: null, // the session's stream state
    firstEventAt: null,
  };
}

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Apply a batch of change records. Returns { column, changed, finishedNow }: `changed` says the
 * view needs painting, `finishedNow` that the run reached a final status in this batch.
 */
export function applyChanges(column, changes) {
  let c = column;
  let changed = false;
  const wasFinished = isFinishedStatus(c.status);
  for (const rec of changes) {
    if (!rec || typeof rec !== "object") continue;
    if (rec.kind === "status") {
      const run = isObject(rec.run) ? rec.run : null;
      c = {
        ...c,
        status: typeof rec.status === "string" && rec.status ? rec.status : c.status,
        createdAt: (run && typeof run.created_at === "string" && run.created_at) || c.createdAt,
        modifiedAt: (run && typeof run.modified_at === "string" && run.modified_at) || c.modifiedAt,
      };
      if (run && isObject(run.error)) c.runError = errorText(run.error);
      changed = true;
    } else if (rec.kind === "output") {
      if (isObject(rec.output)) c = { ...c, output: rec.output };
      if (rec.run && isObject(rec.run.error)) c = { ...c, runError: errorText(rec.run.error) };
      changed = true;
    } else if (rec.kind === "stats" && isObject(rec.stats)) {
      c = { ...c, sourcesRead: rec.stats.read, sourcesConsidered: rec.stats.considered };
      changed = true;
    } else if (rec.kind === "counts" && isObject(rec.counts)) {
      const events = Number(rec.counts.events) || 0;
      if (events !== c.events) {
        c = { ...c, events };
        changed = true;
      }
    } else if (rec.kind === "stream") {
      c = { ...c, stream: rec.state || null };
      changed = true;
    }
  }
  return { column: c, changed, finishedNow: !wasFinished && isFinishedStatus(c.status) };
}

function errorText(err) {
  const message = typeof err.message === "string" && err.message ? err.message : "The run failed.";
  return `${message}${typeof err.ref_id === "string" && err.ref_id ? ` (ref_id ${err.ref_id})` : ""}`;
}

/** Is the column's run still going (so its elapsed time ticks)? */
export function isRunning(column) {
  return Boolean(column.runId) && !isFinishedStatus(column.status) && !streamGaveUp(column);
}

function streamGaveUp(column) {
  const st = column.stream;
  return Boolean(st && st.state === "ended" && st.reason !== "completed" && st.reason !== "stopped");
}

/**
 * Seconds from the run's creation: to its last change once it is over, to `now` while it runs.
 * null when the creation time is unknown.
 */
export function elapsedSeconds(column, now = Date.now()) {
  const start = Date.parse(column.createdAt);
  if (!Number.isFinite(start)) return null;
  const end = isFinishedStatus(column.status) ? Date.parse(column.modifiedAt) : now;
  if (!Number.isFinite(end)) return null;
  return Math.max(0, (end - start) / 1000);
}

/** "0.8 s", "42.1 s", "3 min 05 s", "1 h 02 min". */
export function formatElapsed(seconds) {
  if (seconds === null || !Number.isFinite(seconds)) return "–";
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const s = Math.floor(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

/** USD per run of a processor (its price per 1,000 runs / 1,000); null for an unknown name. */
export function pricePerRun(processor) {
  const p = findProcessor(processor);
  return p ? p.pricePer1k / 1000 : null;
}

/** "$0.005" (no float noise: at most 6 decimals, trailing zeros dropped). */
export function formatUsd(usd) {
  if (usd === null || !Number.isFinite(usd)) return "–";
  return `$${Number(usd.toFixed(6)).toLocaleString("en-US", { maximumFractionDigits: 6 })}`;
}

/** The stream's state in a few words, for the column (null when the status says it all). */
export function streamNote(column) {
  const st = column.stream;
  if (!st) return column.runId && !column.events ? "Waiting for the stream…" : null;
  switch (st.state) {
    case "connecting":
      return column.events ? null : "Connecting…";
    case "reconnecting":
      return `Reconnecting (attempt ${st.attempt || 1})…`;
    case "ended":
      if (st.reason === "completed" || st.reason === "stopped") return null;
      return `Stream ended: ${st.message || st.reason}${st.status ? ` (HTTP ${st.status})` : ""}`;
    default:
      return null;
  }
}

/** What a column's status change says aloud (final statuses and creation errors only). */
export function announcement(column) {
  if (column.createError) return `${column.processor}: not created.`;
  if (!isFinishedStatus(column.status)) return "";
  const t = formatElapsed(elapsedSeconds(column));
  return `${column.processor}: ${column.status}${t !== "–" ? ` after ${t}` : ""}.`;
}
