// One run's event trace, built from SSE events with de-duplication across reconnects. `add` applies
// an event and returns change records; views render those records and never read the store's
// insides. What the events imply (queued -> running, the stream's end) is asked of run-state.js.
//
// The Task API replays the whole trace on every connection (state, every progress message with its
// original timestamp, the latest stats, and for a finished run the final state with output). So a
// message is identified by (type, timestamp, message) plus its occurrence number within the current
// connection: the n-th copy of an identical message in a replay maps onto the n-th copy already
// shown, and genuinely repeated messages are still shown as often as the API sent them.
// Stats replace the previous stats in place; the status timeline grows only on a change of status.
//
// Change records (`kind` and fields):
//   status   { status, run|null, timeline: entry|null }   entry = { status, at, inferred? }
//   output   { output, run }
//   message  { item: { key, type, kind, message, timestamp } }
//   stats    { stats: { considered, read, sample, progress } }
//   error    { item: { message, refId, detail } }
//   other    { item: { type, data } }
//   raw      { item: { seq, type, data } }
//   counts   { counts: { events, connections, duplicates, messages } }   (last in every batch)

import { impliedQueuedStep, isTerminalState, statusImpliedByProgress } from "./run-state.js";

export { isTerminalState };
export const MESSAGE_PREFIX = "task_run.progress_msg.";

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The kind label of a progress message type: "task_run.progress_msg.plan" -> "plan". */
export function messageKind(type) {
  return type.startsWith(MESSAGE_PREFIX) ? type.slice(MESSAGE_PREFIX.length) || "message" : type;
}

/** Parse one SSE event's data. Returns the object, or null when it is not a JSON object. */
export function parseEventData(data) {
  try {
    const v = JSON.parse(data);
    return isObject(v) ? v : null;
  } catch {
    return null;
  }
}

export function createEventStore() {
  const seen = new Set(); // keys of everything accepted, across connections
  let occurrences = new Map(); // base key -> count, within the current connection

  let run = null;
  let status = "";
  const timeline = []; // { status, at, inferred? }
  const messages = [];
  let stats = null;
  const errors = [];
  const others = [];
  let output = null;
  const raw = []; // { seq, type, data } every accepted event, in arrival order
  const counts = { events: 0, connections: 0, duplicates: 0, messages: 0 };

  const countsChange = () => ({ kind: "counts", counts: { ...counts, events: raw.length, messages: messages.length } });

  function occurrenceKey(base) {
    const n = occurrences.get(base) || 0;
    occurrences.set(base, n + 1);
    return `${base}#${n}`;
  }

  function keepRaw(type, data, changes) {
    const item = { seq: raw.length + 1, type, data };
    raw.push(item);
    changes.push({ kind: "raw", item });
  }

  function duplicate() {
    counts.duplicates += 1;
    return [countsChange()];
  }

  /** Record a status; the timeline grows when it is new. Returns the status change record. */
  function setStatus(next, nextRun, at, inferred) {
    const changes = [];
    if (!status && timeline.length === 0) {
      const queued = impliedQueuedStep(next, nextRun);
      if (queued) {
        timeline.push(queued);
        changes.push({ kind: "status", status: "queued", run: null, timeline: queued });
      }
    }
    status = next;
    let entry = null;
    if (!timeline.some((t) => t.status === next)) {
      entry = inferred ? { status: next, at, inferred: true } : { status: next, at };
      timeline.push(entry);
    }
    changes.push({ kind: "status", status: next, run: nextRun, timeline: entry });
    return changes;
  }

  function progressImplies(at) {
    const next = statusImpliedByProgress(status);
    return next ? setStatus(next, null, at, true) : [];
  }

  /** A new connection starts: the replay's occurrence counting starts over. */
  function beginConnection() {
    occurrences = new Map();
    counts.connections += 1;
    return [countsChange()];
  }

  /** Apply one SSE event ({ type, data } with data the raw text). Returns change records. */
  function add(event) {
    const rawData = typeof event.data === "string" ? event.data : JSON.stringify(event.data);
    const parsed =
      typeof event.data === "string" ? parseEventData(event.data) : isObject(event.data) ? event.data : null;
    const type = (parsed && typeof parsed.type === "string" && parsed.type) || event.type || "message";
    const changes = [];

    if (type === "task_run.state" && parsed && isObject(parsed.run)) {
      const nextRun = parsed.run;
      const next = String(nextRun.status || "unknown");
      const hasOutput = isObject(parsed.output);
      const key = `state|${next}|${nextRun.modified_at || ""}|${hasOutput ? 1 : 0}`;
      const newOutput = hasOutput && !output;
      if (seen.has(key) && next === status && !newOutput) return duplicate();
      seen.add(key);
      run = nextRun;
      changes.push(...setStatus(next, nextRun, nextRun.modified_at || nextRun.created_at || "", false));
      if (newOutput) output = parsed.output;
      if (newOutput || isObject(nextRun.error)) changes.push({ kind: "output", output, run: nextRun });
    } else if (type.startsWith(MESSAGE_PREFIX) && parsed) {
      const message = typeof parsed.message === "string" ? parsed.message : JSON.stringify(parsed.message ?? "");
      const timestamp = typeof parsed.timestamp === "string" ? parsed.timestamp : "";
      const key = occurrenceKey(`msg|${type}|${timestamp}|${message}`);
      if (seen.has(key)) return duplicate();
      seen.add(key);
      const item = { key, type, kind: messageKind(type), message, timestamp };
      messages.push(item);
      changes.push(...progressImplies(timestamp), { kind: "message", item });
    } else if (type === "task_run.progress_stats" && parsed) {
      const s = isObject(parsed.source_stats) ? parsed.source_stats : {};
      const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);
      const next = {
        considered: num(s.num_sources_considered),
        read: num(s.num_sources_read),
        sample: Array.isArray(s.sources_read_sample) ? s.sources_read_sample.filter((u) => typeof u === "string") : [],
        progress: num(parsed.progress_meter),
      };
      if (stats && JSON.stringify(stats) === JSON.stringify(next)) return duplicate();
      stats = next;
      changes.push(...progressImplies(""), { kind: "stats", stats: next });
    } else if (type === "error") {
      const e = parsed && isObject(parsed.error) ? parsed.error : {};
      const item = {
        message: typeof e.message === "string" ? e.message : parsed ? "Error event without a message" : rawData,
        refId: typeof e.ref_id === "string" ? e.ref_id : "",
        detail: e.detail ?? null,
      };
      const key = occurrenceKey(`error|${item.refId}|${item.message}`);
      if (seen.has(key)) return duplicate();
      seen.add(key);
      errors.push(item);
      changes.push({ kind: "error", item });
    } else {
      const key = occurrenceKey(`other|${type}|${rawData}`);
      if (seen.has(key)) return duplicate();
      seen.add(key);
      const item = { type, data: parsed ?? rawData };
      others.push(item);
      changes.push({ kind: "other", item });
    }
    keepRaw(type, rawData, changes);
    changes.push(countsChange());
    return changes;
  }

  /** Change records that rebuild a view from empty (raw events are read on demand). */
  function snapshot() {
    const changes = timeline.map((t) => ({ kind: "status", status: t.status, run: null, timeline: t }));
    for (const item of messages) changes.push({ kind: "message", item });
    for (const item of errors) changes.push({ kind: "error", item });
    for (const item of others) changes.push({ kind: "other", item });
    if (stats) changes.push({ kind: "stats", stats });
    if (run) changes.push({ kind: "status", status, run, timeline: null });
    if (output || (run && isObject(run.error))) changes.push({ kind: "output", output, run });
    changes.push(countsChange());
    return changes;
  }

  return {
    add,
    beginConnection,
    snapshot,
    /** Copies of messages [start, end). */
    messages: (start = 0, end = messages.length) => messages.slice(start, end),
    /** Accepted raw events [start, end). */
    raw: (start = 0, end = raw.length) => raw.slice(start, end),
    /** The run summary other parts of the page keep (history, kept results). */
    summary: () => ({
      run,
      status,
      output,
      events: raw.length,
      messages: messages.length,
      timeline: timeline.map((t) => ({ ...t })),
    }),
  };
}
