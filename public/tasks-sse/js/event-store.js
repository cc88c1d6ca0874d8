// The state of one run's event stream, built from SSE events, with de-duplication across reconnects.
//
// The Task API replays the whole trace on every connection (state, every progress message with its
// original timestamp, the latest stats, and for a finished run the final state with output). So a
// message is identified by (type, timestamp, message) plus its occurrence number within the current
// connection: the n-th copy of an identical message in a replay maps onto the n-th copy already
// shown, and genuinely repeated messages are still shown as often as the API sent them.
// Stats replace the previous stats in place; the status timeline grows only on a change of status.

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

  const state = {
    run: null,
    status: "",
    isActive: null,
    timeline: [], // { status, at }
    messages: [], // { key, type, kind, message, timestamp }
    stats: null, // { considered, read, sample: string[], progress: number|null }
    errors: [], // { message, refId, detail }
    others: [], // { type, data } unknown event types (data parsed, or raw text)
    output: null,
    raw: [], // { seq, type, data } every accepted event, in arrival order
    duplicates: 0,
    connections: 0,
    received: 0,
  };

  function occurrenceKey(base) {
    const n = occurrences.get(base) || 0;
    occurrences.set(base, n + 1);
    return `${base}#${n}`;
  }

  function accept(key) {
    if (seen.has(key)) {
      state.duplicates += 1;
      return false;
    }
    seen.add(key);
    return true;
  }

  function keepRaw(type, data) {
    state.raw.push({ seq: state.raw.length + 1, type, data });
  }

  /**
   * The API sends no state event for queued -> running, only at the start and at the end. Progress
   * while the last reported status is "queued" means the run is running: the timeline says so,
   * marked as inferred. Returns the timeline entry, or null.
   */
  function inferRunning(at) {
    if (state.status !== "queued") return null;
    state.status = "running";
    const entry = { status: "running", at, inferred: true };
    if (!state.timeline.some((t) => t.status === "running")) state.timeline.push(entry);
    return entry;
  }

  /** A new connection starts: the replay's occurrence counting starts over. */
  function beginConnection() {
    occurrences = new Map();
    state.connections += 1;
  }

  /**
   * Add one SSE event ({ type, data } with data the raw text).
   * Returns { action, kind, item } where action is "append", "update" or "duplicate" and kind is
   * "state", "message", "stats", "error" or "other".
   */
  function add(event) {
    state.received += 1;
    const rawData = typeof event.data === "string" ? event.data : JSON.stringify(event.data);
    const parsed =
      typeof event.data === "string" ? parseEventData(event.data) : isObject(event.data) ? event.data : null;
    const type = (parsed && typeof parsed.type === "string" && parsed.type) || event.type || "message";

    if (type === "task_run.state" && parsed && isObject(parsed.run)) {
      const run = parsed.run;
      const status = String(run.status || "unknown");
      const hasOutput = isObject(parsed.output);
      const key = `state|${status}|${run.modified_at || ""}|${hasOutput ? 1 : 0}`;
      const changedStatus = status !== state.status;
      const newOutput = hasOutput && !state.output;
      if (seen.has(key) && !changedStatus && !newOutput) {
        state.duplicates += 1;
        return { action: "duplicate", kind: "state", item: null };
      }
      seen.add(key);
      state.run = run;
      state.status = status;
      state.isActive = run.is_active === true;
      const appended = changedStatus && !state.timeline.some((t) => t.status === status);
      if (appended) state.timeline.push({ status, at: run.modified_at || run.created_at || "" });
      if (newOutput) state.output = parsed.output;
      keepRaw(type, rawData);
      return {
        action: appended ? "append" : "update",
        kind: "state",
        item: { run, status, output: newOutput ? parsed.output : null },
      };
    }

    if (type.startsWith(MESSAGE_PREFIX) && parsed) {
      const message = typeof parsed.message === "string" ? parsed.message : JSON.stringify(parsed.message ?? "");
      const timestamp = typeof parsed.timestamp === "string" ? parsed.timestamp : "";
      const key = occurrenceKey(`msg|${type}|${timestamp}|${message}`);
      if (!accept(key)) return { action: "duplicate", kind: "message", item: null };
      const item = { key, type, kind: messageKind(type), message, timestamp };
      state.messages.push(item);
      keepRaw(type, rawData);
      return { action: "append", kind: "message", item, inferred: inferRunning(timestamp) };
    }

    if (type === "task_run.progress_stats" && parsed) {
      const s = isObject(parsed.source_stats) ? parsed.source_stats : {};
      const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);
      const stats = {
        considered: num(s.num_sources_considered),
        read: num(s.num_sources_read),
        sample: Array.isArray(s.sources_read_sample) ? s.sources_read_sample.filter((u) => typeof u === "string") : [],
        progress: num(parsed.progress_meter),
      };
      const same = state.stats && JSON.stringify(state.stats) === JSON.stringify(stats);
      if (same) {
        state.duplicates += 1;
        return { action: "duplicate", kind: "stats", item: null };
      }
      const action = state.stats ? "update" : "append";
      state.stats = stats;
      keepRaw(type, rawData);
      return { action, kind: "stats", item: stats, inferred: inferRunning("") };
    }

    if (type === "error") {
      const e = parsed && isObject(parsed.error) ? parsed.error : {};
      const item = {
        message: typeof e.message === "string" ? e.message : parsed ? "Error event without a message" : rawData,
        refId: typeof e.ref_id === "string" ? e.ref_id : "",
        detail: e.detail ?? null,
      };
      const key = occurrenceKey(`error|${item.refId}|${item.message}`);
      if (!accept(key)) return { action: "duplicate", kind: "error", item: null };
      state.errors.push(item);
      keepRaw(type, rawData);
      return { action: "append", kind: "error", item };
    }

    const key = occurrenceKey(`other|${type}|${rawData}`);
    if (!accept(key)) return { action: "duplicate", kind: "other", item: null };
    const item = { type, data: parsed ?? rawData };
    state.others.push(item);
    keepRaw(type, rawData);
    return { action: "append", kind: "other", item };
  }

  return { state, add, beginConnection };
}

/**
 * True when a state event ends the run's stream: the run is no longer active and, for a completed
 * run, the event carries the output. (A finished run's replay *starts* with a completed state
 * without output; the stream only ends with the final state that has it.)
 */
export function isTerminalState(event) {
  if (!event || event.type !== "task_run.state") return false;
  const parsed = typeof event.data === "string" ? parseEventData(event.data) : event.data;
  if (!parsed || !isObject(parsed.run)) return false;
  const run = parsed.run;
  const over = run.is_active === false || ["completed", "failed", "cancelled"].includes(run.status);
  if (!over) return false;
  return run.status !== "completed" || isObject(parsed.output);
}
