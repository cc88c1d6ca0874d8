// Task history in localStorage: a versioned, size-bounded list, newest first. Two kinds of entry:
// a run (the default), and a comparison (`kind: "compare"`, one input on 2 to 6 processors). Both
// are keyed by `runId`, so delete, undo and clear treat them alike; a comparison's key is its own
// id (cmp_…), never a run's, and its runs are listed in `members`.
// Storage is injected (any object with getItem/setItem/removeItem), so Node tests use a Map-backed
// fake. Corrupt or foreign data is never thrown away silently and never crashes the page: it is
// moved to a backup key and reported through `notice`.

import { BACKUP_KEY, HISTORY_KEY } from "./names.js";

export { BACKUP_KEY, HISTORY_KEY };
export const VERSION = 1;
export const DEFAULT_MAX_ENTRIES = 200;
export const DEFAULT_MAX_BYTES = 256 * 1024;

const RUN_ID = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_INPUT_CHARS = 4000;
const MAX_PREVIEW_CHARS = 200;

export const COMPARISON_KIND = "compare";
export const COMPARE_MIN = 2;
export const COMPARE_MAX = 6;
const COMPARISON_ID = /^cmp_[A-Za-z0-9]{6,64}$/;
/** window event: the history asks the comparison panel to show a comparison ({ detail: { id } }). */
export const OPEN_COMPARISON_EVENT = "tasks-sse:open-comparison";
/** window event: a comparison left the history ({ detail: { id } }). */
export const REMOVED_COMPARISON_EVENT = "tasks-sse:comparison-removed";

const str = (v, max = 200) => (typeof v === "string" ? v.slice(0, max) : "");

export function isComparisonId(value) {
  return typeof value === "string" && COMPARISON_ID.test(value);
}

export function isComparison(entry) {
  return Boolean(entry) && entry.kind === COMPARISON_KIND;
}

/** A new comparison id: "cmp_" and 16 random hex digits. */
export function newComparisonId(random = () => globalThis.crypto.getRandomValues(new Uint8Array(8))) {
  return `cmp_${[...random()].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** A comparison entry's fields; null when it does not have 2 to 6 usable columns. */
function sanitizeComparison(e) {
  if (!isComparisonId(e.runId) || !Array.isArray(e.members)) return null;
  const members = [];
  for (const m of e.members.slice(0, COMPARE_MAX)) {
    if (m === null || typeof m !== "object" || Array.isArray(m)) continue;
    const processor = str(m.processor, 32);
    if (!processor) continue;
    const runId = typeof m.runId === "string" && RUN_ID.test(m.runId) ? m.runId : "";
    members.push({ processor, runId, error: runId ? "" : str(m.error, 500) || "Not created." });
  }
  if (members.length < COMPARE_MIN) return null;
  return {
    kind: COMPARISON_KIND,
    runId: e.runId,
    createdAt: str(e.createdAt, 64),
    inputPreview: str(e.inputPreview, MAX_PREVIEW_CHARS),
    input: str(e.input, MAX_INPUT_CHARS),
    outputType: str(e.outputType, 16),
    members,
    // Run fields the page reads of every entry: a comparison is never an active run.
    status: "comparison",
    isActive: false,
  };
}

/** Keep only the fields we store, with types we expect; null when the entry is unusable. */
export function sanitizeEntry(e) {
  if (e === null || typeof e !== "object" || Array.isArray(e)) return null;
  if (typeof e.runId !== "string" || !RUN_ID.test(e.runId)) return null;
  if (e.kind === COMPARISON_KIND) return sanitizeComparison(e);
  if (isComparisonId(e.runId)) return null; // a comparison's id is never a run's
  const out = {
    runId: e.runId,
    status: str(e.status, 32) || "unknown",
    isActive: e.isActive === true,
    processor: str(e.processor, 32),
    createdAt: str(e.createdAt, 64),
    modifiedAt: str(e.modifiedAt, 64),
    inputPreview: str(e.inputPreview, MAX_PREVIEW_CHARS),
    input: str(e.input, MAX_INPUT_CHARS),
    outputType: str(e.outputType, 16),
    error: str(e.error, 500),
    kept: e.kept === true, // its result is kept in this browser (kept-runs.js)
  };
  return out;
}

function serialize(entries) {
  return JSON.stringify({ v: VERSION, entries });
}

/**
 * @param {{ storage?: Storage, key?: string, maxEntries?: number, maxBytes?: number, now?: () => number }} options
 */
export function createHistory({
  storage,
  key = HISTORY_KEY,
  maxEntries = DEFAULT_MAX_ENTRIES,
  maxBytes = DEFAULT_MAX_BYTES,
  now = () => Date.now(),
} = {}) {
  let entries = [];
  let notice = "";

  function setAside(raw, reason) {
    const backupKey = `${BACKUP_KEY}.${now()}`;
    try {
      storage.setItem(backupKey, raw);
      notice = `${reason} It was moved to localStorage key "${backupKey}" and a new history was started.`;
    } catch {
      notice = `${reason} It could not be backed up (storage full) and a new history was started.`;
    }
    try {
      storage.removeItem(key);
    } catch {
      /* nothing more to do */
    }
  }

  function load() {
    entries = [];
    notice = "";
    if (!storage) return { entries: [], notice };
    let raw;
    try {
      raw = storage.getItem(key);
    } catch {
      notice = "The browser's storage is not available; history will not be kept.";
      return { entries: [], notice };
    }
    if (raw === null || raw === undefined) return { entries: [], notice };
    let parsed;
    try {
      parsed = JSON.parse(raw);
    } catch {
      setAside(raw, "The saved task history was not valid JSON.");
      return { entries: [], notice };
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed) || !("v" in parsed)) {
      setAside(raw, "The saved task history was in an unknown format.");
      return { entries: [], notice };
    }
    if (parsed.v !== VERSION || !Array.isArray(parsed.entries)) {
      setAside(
        raw,
        `The saved task history has format version ${JSON.stringify(parsed.v)}, which this page does not read.`,
      );
      return { entries: [], notice };
    }
    const seen = new Set();
    let dropped = 0;
    for (const e of parsed.entries) {
      const clean = sanitizeEntry(e);
      if (!clean || seen.has(clean.runId)) {
        dropped += 1;
        continue;
      }
      seen.add(clean.runId);
      entries.push(clean);
    }
    if (dropped) {
      notice = `${dropped} unreadable history ${dropped === 1 ? "entry was" : "entries were"} skipped.`;
      persist();
    }
    return { entries: list(), notice };
  }

  /** Write, dropping the oldest entries until the data fits both bounds and the storage quota. */
  function persist() {
    if (!storage) return;
    if (entries.length > maxEntries) entries.length = maxEntries;
    let text = serialize(entries);
    while (text.length > maxBytes && entries.length > 0) {
      entries.pop();
      text = serialize(entries);
    }
    for (;;) {
      try {
        storage.setItem(key, text);
        return;
      } catch {
        if (entries.length === 0) {
          notice = "The browser's storage is full; history could not be saved.";
          return;
        }
        entries.pop();
        text = serialize(entries);
      }
    }
  }

  const copy = (e) => (e.members ? { ...e, members: e.members.map((m) => ({ ...m })) } : { ...e });

  function list() {
    return entries.map(copy);
  }

  function get(runId) {
    const e = entries.find((x) => x.runId === runId);
    return e ? copy(e) : null;
  }

  /** Add a run (to the front) or merge fields into an existing one (keeping its place). */
  function upsert(fields) {
    const i = entries.findIndex((x) => x.runId === fields.runId);
    const merged = sanitizeEntry(i >= 0 ? { ...entries[i], ...fields } : fields);
    if (!merged) return null;
    if (i >= 0) entries[i] = merged;
    else entries.unshift(merged);
    persist();
    return copy(merged);
  }

  /** Put a removed entry back at `index` (undo of a delete). */
  function restore(entry, index) {
    const clean = sanitizeEntry(entry);
    if (!clean) return null;
    entries = entries.filter((x) => x.runId !== clean.runId);
    entries.splice(Math.max(0, Math.min(index, entries.length)), 0, clean);
    persist();
    return copy(clean);
  }

  /** The position of a run in the list (newest first), or -1. */
  function indexOf(runId) {
    return entries.findIndex((x) => x.runId === runId);
  }

  function remove(runId) {
    const before = entries.length;
    entries = entries.filter((x) => x.runId !== runId);
    if (entries.length !== before) persist();
  }

  function clear() {
    entries = [];
    persist();
  }

  return {
    load,
    list,
    get,
    upsert,
    restore,
    indexOf,
    remove,
    clear,
    get notice() {
      return notice;
    },
    clearNotice() {
      notice = "";
    },
  };
}

/** Build a history entry from a TaskRun and the request that created it. */
export function entryFromRun(run, body) {
  const input = body && body.input !== undefined ? body.input : "";
  const inputText = typeof input === "string" ? input : JSON.stringify(input);
  const flat = inputText.replace(/\s+/g, " ").trim();
  return {
    runId: run.run_id,
    status: run.status,
    isActive: run.is_active === true,
    processor: run.processor || (body && body.processor) || "",
    createdAt: run.created_at || new Date().toISOString(),
    modifiedAt: run.modified_at || "",
    inputPreview: flat.length > MAX_PREVIEW_CHARS ? `${flat.slice(0, MAX_PREVIEW_CHARS - 1)}…` : flat,
    input: inputText.slice(0, MAX_INPUT_CHARS),
  };
}

/** A comparison's history entry: the input it ran and one member per processor (run id or error). */
export function comparisonEntry({ id, body, createdAt, members }) {
  const base = entryFromRun({ run_id: id, status: "comparison" }, body);
  const spec = body && body.task_spec;
  const schema = spec && typeof spec === "object" ? spec.output_schema : undefined;
  const outputType =
    typeof schema === "string" ? "text" : schema && typeof schema.type === "string" ? schema.type : "auto";
  return {
    kind: COMPARISON_KIND,
    runId: id,
    createdAt: createdAt || new Date().toISOString(),
    inputPreview: base.inputPreview,
    input: base.input,
    outputType,
    members: members.map((m) => ({ processor: m.processor, runId: m.runId || "", error: m.error || "" })),
  };
}
