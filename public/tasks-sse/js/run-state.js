// Derived run state, decided in one place: what a status means, when the stream is over, what the
// API left unsaid (queued -> running), and the counts line. The event store and the views ask
// here; nothing else infers anything.

export const FINISHED_STATUSES = Object.freeze(["completed", "failed", "cancelled"]);

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Is a run with this status over (no more events will come)? */
export function isFinishedStatus(status) {
  return FINISHED_STATUSES.includes(status);
}

/**
 * The API sends no state event for queued -> running, only at the start and at the end. Progress
 * while the last reported status is "queued" means the run is running. Returns the status the
 * progress implies, or null when it implies nothing new.
 */
export function statusImpliedByProgress(currentStatus) {
  return currentStatus === "queued" ? "running" : null;
}

/**
 * Every run starts queued, but a stream opened later replays only the current status. When the
 * first status seen is a later one, the timeline starts with Queued at the run's creation time
 * (marked inferred). Returns that entry, or null.
 */
export function impliedQueuedStep(firstStatus, run) {
  if (!firstStatus || firstStatus === "queued") return null;
  const at = (run && run.created_at) || "";
  return { status: "queued", at, inferred: true };
}

/**
 * True when a state event ends the run's stream: the run is no longer active and, for a completed
 * run, the event carries the output. (A finished run's replay *starts* with a completed state
 * without output; the stream only ends with the final state that has it.)
 */
export function isTerminalState(event, parse = JSON.parse) {
  if (!event || event.type !== "task_run.state") return false;
  let parsed = event.data;
  if (typeof parsed === "string") {
    try {
      parsed = parse(parsed);
    } catch {
      return false;
    }
  }
  if (!isObject(parsed) || !isObject(parsed.run)) return false;
  const run = parsed.run;
  const over = run.is_active === false || isFinishedStatus(run.status);
  if (!over) return false;
  return run.status !== "completed" || isObject(parsed.output);
}

/** The history fields a run object implies (status, activity, processor, error text). */
export function historyFieldsFromRun(run, output) {
  const err = isObject(run.error) ? run.error : null;
  return {
    status: String(run.status || "unknown"),
    isActive: run.is_active === true,
    processor: typeof run.processor === "string" ? run.processor : "",
    createdAt: typeof run.created_at === "string" ? run.created_at : "",
    modifiedAt: typeof run.modified_at === "string" ? run.modified_at : "",
    outputType: isObject(output) && typeof output.type === "string" ? output.type : "",
    error: err && err.message ? `${err.message}${err.ref_id ? ` (ref_id ${err.ref_id})` : ""}` : "",
  };
}

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "12 events · 1 connection · 0 replayed events skipped" */
export function countsLine(c) {
  return `${plural(c.events, "event")} · ${plural(c.connections, "connection")} · ${plural(c.duplicates, "replayed event")} skipped`;
}

/**
 * What the stream's end means for the run, in the page's words (null: nothing to say).
 * `kept`: the run's result is kept in this browser; `lastStatus`: the last status seen.
 */
export function streamEndMeaning(streamState, { kept = false, lastStatus = "" } = {}) {
  if (!streamState || streamState.state !== "ended" || streamState.reason !== "error") return null;
  if (streamState.status !== 404) return null;
  if (kept) return "forgotten-kept";
  if (isFinishedStatus(lastStatus)) return "forgotten-finished";
  return lastStatus ? "forgotten-active" : null;
}
