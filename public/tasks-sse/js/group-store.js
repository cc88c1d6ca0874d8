// One task group's state as the page knows it: the group's status (from task_group_status events),
// its runs in group order (ids from add-runs answers or the runs stream, statuses from
// task_run.state events), the stream's state and the add-runs progress. Every change is emitted as
// a change record; views batch them and never reach in. Pure: no DOM.

import { inputPreview } from "./api.js";

export const ACTIVE_STATUSES = Object.freeze(["queued", "action_required", "running", "cancelling"]);
const TERMINAL = new Set(["completed", "failed", "cancelled"]);
// Display order of status counts.
export const STATUS_ORDER = Object.freeze([
  "queued",
  "running",
  "action_required",
  "cancelling",
  "completed",
  "failed",
  "cancelled",
]);

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** A TaskGroupStatus from the API, kept only in the shape the page reads. */
function cleanStatus(s) {
  if (!isObject(s)) return null;
  const counts = {};
  if (isObject(s.task_run_status_counts))
    for (const [k, v] of Object.entries(s.task_run_status_counts)) if (Number.isSafeInteger(v) && v >= 0) counts[k] = v;
  return {
    numRuns: Number.isSafeInteger(s.num_task_runs) && s.num_task_runs >= 0 ? s.num_task_runs : 0,
    counts,
    isActive: Boolean(s.is_active),
    message: typeof s.status_message === "string" ? s.status_message : "",
    modifiedAt: typeof s.modified_at === "string" ? s.modified_at : "",
  };
}

function errorMessage(error) {
  if (!error) return "";
  if (typeof error === "string") return error;
  if (isObject(error) && typeof error.message === "string") return error.message;
  return "";
}

export function createGroupStore(groupId) {
  const listeners = new Set();
  const rows = []; // { runId, index, status, preview, input, error, line }
  const byId = new Map();
  let status = null;
  let lastEventId = "";
  let stream = { state: "idle" };
  let adding = null; // { done, total, failed: [{ from, to, message }] }
  let info = null; // { createdAt, metadata }

  function emit(changes) {
    if (!changes.length) return;
    for (const fn of listeners) fn(changes);
  }

  function row(runId) {
    let r = byId.get(runId);
    if (!r) {
      r = {
        runId,
        index: rows.length,
        status: "queued",
        input: undefined,
        error: "",
        line: 0,
        cachedPreview: null,
        // Computed on first read: a view pays only for the rows it shows.
        get preview() {
          if (this.cachedPreview === null)
            this.cachedPreview = this.input === undefined ? "" : inputPreview(this.input, 200);
          return this.cachedPreview;
        },
      };
      rows.push(r);
      byId.set(runId, r);
    }
    return r;
  }

  /** Apply a TaskRun (and its input, when known); returns the change or null. */
  function applyRun(run, input) {
    if (!isObject(run) || typeof run.run_id !== "string") return null;
    const existed = byId.has(run.run_id);
    const r = row(run.run_id);
    let changed = !existed;
    // A finished run never goes back to an active status (a replayed or older state).
    if (
      typeof run.status === "string" &&
      run.status !== r.status &&
      !(TERMINAL.has(r.status) && !TERMINAL.has(run.status))
    ) {
      r.status = run.status;
      changed = true;
    }
    const err = errorMessage(run.error);
    if (err && err !== r.error) {
      r.error = err;
      changed = true;
    }
    if (input !== undefined && input !== null && r.input === undefined) {
      setInput(r, input);
      changed = true;
    }
    if (!changed) return null;
    return existed ? { kind: "run", index: r.index } : { kind: "rows", from: r.index };
  }

  function setInput(r, body) {
    // The runs stream's input is the TaskRunInput (input, processor, …); add-runs knows the input.
    const input = isObject(body) && "input" in body && "processor" in body ? body.input : body;
    r.input = input;
    r.cachedPreview = null;
  }

  return {
    groupId,
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    /** Runs just added: ids from the add-runs answer with the inputs sent (same order). */
    addRuns(runIds, inputs = [], lines = []) {
      const from = rows.length;
      runIds.forEach((id, k) => {
        const r = row(id);
        if (inputs[k] !== undefined && r.input === undefined) setInput(r, inputs[k]);
        if (lines[k]) r.line = lines[k];
      });
      if (rows.length > from) emit([{ kind: "rows", from }]);
    },
    /** The group as GET returned it. */
    setGroup(group) {
      if (!isObject(group)) return;
      info = {
        createdAt: typeof group.created_at === "string" ? group.created_at : "",
        metadata: isObject(group.metadata) ? group.metadata : null,
      };
      const s = cleanStatus(group.status);
      if (s) status = s;
      emit([{ kind: "status" }]);
    },
    /** One event of the group's event stream ({ type, data } from the SSE parser). */
    applyEvent(event) {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      if (!isObject(data)) return;
      if (typeof data.event_id === "string" && data.event_id) lastEventId = data.event_id;
      if (data.type === "task_group_status") {
        const s = cleanStatus(data.status);
        if (s) {
          status = s;
          emit([{ kind: "status" }]);
        }
      } else if (data.type === "task_run.state") {
        const c = applyRun(data.run, data.input);
        if (c) emit([c]);
      } else if (data.type === "error") {
        emit([{ kind: "error", message: errorMessage(data.error) || "The group's stream reported an error." }]);
      }
    },
    /** Runs from the runs stream (task_run.state events, parsed), in group order. */
    applyRunStates(events) {
      const changes = [];
      for (const e of events) {
        const c = applyRun(e.run, e.input);
        if (c) changes.push(c);
      }
      emit(changes);
    },
    setStream(st) {
      stream = { ...st };
      emit([{ kind: "stream" }]);
    },
    setAdding(a) {
      adding = a ? { ...a, failed: [...(a.failed || [])] } : null;
      emit([{ kind: "adding" }]);
    },
    /** The cursor to resume the event stream after ("" before any event). */
    get lastEventId() {
      return lastEventId;
    },
    /** Is any run still active (as far as the page knows)? */
    get isActive() {
      return status ? status.isActive : rows.some((r) => ACTIVE_STATUSES.includes(r.status));
    },
    summary() {
      const counts = status ? { ...status.counts } : {};
      if (!status) for (const r of rows) counts[r.status] = (counts[r.status] || 0) + 1;
      const total = status ? Math.max(status.numRuns, rows.length) : rows.length;
      let finished = 0;
      for (const [k, v] of Object.entries(counts)) if (TERMINAL.has(k)) finished += v;
      return {
        groupId,
        total,
        finished,
        counts,
        isActive: status ? status.isActive : rows.some((r) => ACTIVE_STATUSES.includes(r.status)),
        message: status ? status.message : "",
        modifiedAt: status ? status.modifiedAt : "",
        createdAt: info ? info.createdAt : "",
        stream,
        adding,
        rowCount: rows.length,
      };
    },
    /** Row i (group order), or undefined. The view reads rows; it never changes them. */
    rowAt(i) {
      return rows[i];
    },
    get rowCount() {
      return rows.length;
    },
    /** Row indexes whose status is `status` (all rows for ""). */
    indexesWithStatus(st) {
      const out = [];
      for (const r of rows) if (!st || r.status === st) out.push(r.index);
      return out;
    },
  };
}
