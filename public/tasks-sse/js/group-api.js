// Task group requests through the page's API base (the Worker's proxy): create a group, read it,
// add runs (at most 1,000 per request), the group's event stream URL (resumable by cursor), and its
// runs stream (each run's state, input and output, read to the end). Errors are api.js's ApiError.
// fetch is a parameter so Node tests can drive every call.

import { ApiError, parseApiError } from "./api.js";
import { createSSEParser } from "./sse.js";

/** The API's limit on inputs per add-runs request. */
export const MAX_RUNS_PER_REQUEST = 1000;
const REQUEST_TIMEOUT_MS = 60_000;
const RUNS_STREAM_RETRIES = 3;
// A thousand runs' states can arrive in one read: they are parsed in slices, giving the main
// thread back between slices once a run of them took this long. A slice is small (a few runs with
// their inputs) so that the time budget is overshot by little.
const SLICE_CHARS = 4 * 1024;
const YIELD_AFTER_MS = 8;
const clock = () => (typeof performance !== "undefined" ? performance.now() : Date.now());

function yieldTask() {
  if (globalThis.scheduler && typeof globalThis.scheduler.yield === "function") return globalThis.scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

const defaultFetch = (...args) => globalThis.fetch(...args);

function groupsBase(apiBase) {
  return `${apiBase}/v1/tasks/groups`;
}

function withKey(apiKey, headers = {}) {
  return apiKey ? { ...headers, "x-api-key": apiKey } : { ...headers };
}

function networkError(e) {
  return new ApiError({ status: 0, message: `Network error: ${e && e.message ? e.message : e}` });
}

async function errorFrom(response) {
  let text = "";
  try {
    text = await response.text();
  } catch {
    /* the status says enough */
  }
  return new ApiError(parseApiError(response.status, text));
}

/** One JSON request with a deadline; resolves with the parsed body, rejects with ApiError. */
async function requestJson(url, { method = "GET", apiKey, body, headers, fetchImpl, timeoutMs = REQUEST_TIMEOUT_MS }) {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  try {
    let response;
    try {
      response = await fetchImpl(url, {
        method,
        headers: withKey(apiKey, body === undefined ? headers : { "content-type": "application/json", ...headers }),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: deadline.signal,
      });
    } catch (e) {
      if (deadline.signal.aborted)
        throw new ApiError({
          status: 0,
          code: "timeout",
          message: `The API did not answer within ${Math.round(timeoutMs / 1000)} s.`,
        });
      throw networkError(e);
    }
    if (!response.ok) throw await errorFrom(response);
    try {
      return await response.json();
    } catch {
      throw new ApiError({ status: response.status, message: "The API's answer could not be read as JSON." });
    }
  } finally {
    clearTimeout(timer);
  }
}

/** POST /v1/tasks/groups: resolves with the TaskGroupResponse. */
export function createGroup({ apiBase, apiKey, metadata = null, fetchImpl = defaultFetch }) {
  return requestJson(groupsBase(apiBase), {
    method: "POST",
    apiKey,
    body: metadata ? { metadata } : {},
    fetchImpl,
  });
}

/** GET /v1/tasks/groups/{id}: the TaskGroupResponse. */
export function getGroup({ apiBase, apiKey, groupId, fetchImpl = defaultFetch }) {
  return requestJson(`${groupsBase(apiBase)}/${encodeURIComponent(groupId)}`, { apiKey, fetchImpl });
}

/**
 * POST /v1/tasks/groups/{id}/runs with up to 1,000 inputs (TaskRunInput objects) and a default
 * task spec; `beta` is the parallel-beta header value, if any. Resolves with
 * { status, run_ids, run_cursor, event_cursor }.
 */
export function addRuns({
  apiBase,
  apiKey,
  groupId,
  inputs,
  defaultTaskSpec = null,
  beta = "",
  fetchImpl = defaultFetch,
}) {
  if (!Array.isArray(inputs) || inputs.length === 0 || inputs.length > MAX_RUNS_PER_REQUEST)
    throw new RangeError(`addRuns takes 1 to ${MAX_RUNS_PER_REQUEST} inputs`);
  const body = { inputs };
  if (defaultTaskSpec) body.default_task_spec = defaultTaskSpec;
  // Status is not needed per batch (the event stream reports it): the API may answer faster.
  return requestJson(`${groupsBase(apiBase)}/${encodeURIComponent(groupId)}/runs?refresh_status=false`, {
    method: "POST",
    apiKey,
    body,
    headers: beta ? { "parallel-beta": beta } : {},
    fetchImpl,
  });
}

/** The group's event stream URL, resuming after `lastEventId` when given. */
export function groupEventsUrl(apiBase, groupId, lastEventId = "") {
  const base = `${groupsBase(apiBase)}/${encodeURIComponent(groupId)}/events`;
  return lastEventId ? `${base}?last_event_id=${encodeURIComponent(lastEventId)}` : base;
}

/** The group's runs stream URL. */
export function groupRunsUrl(apiBase, groupId, { includeInput = false, includeOutput = false, lastEventId = "" } = {}) {
  const q = new URLSearchParams();
  if (includeInput) q.set("include_input", "true");
  if (includeOutput) q.set("include_output", "true");
  if (lastEventId) q.set("last_event_id", lastEventId);
  const qs = q.toString();
  return `${groupsBase(apiBase)}/${encodeURIComponent(groupId)}/runs${qs ? `?${qs}` : ""}`;
}

/**
 * Read the group's runs stream to its end: every run's latest state (with input and output when
 * asked). A cut connection resumes after the last event received. `onRun(event)` gets each parsed
 * task_run.state event as it arrives; resolves with { runs: event[], errors: string[] }.
 */
export async function readGroupRuns({
  apiBase,
  apiKey,
  groupId,
  includeInput = false,
  includeOutput = false,
  onRun = () => {},
  signal,
  fetchImpl = defaultFetch,
}) {
  const runs = [];
  const errors = [];
  let lastEventId = "";
  for (let attempt = 0; ; attempt++) {
    let response;
    try {
      response = await fetchImpl(groupRunsUrl(apiBase, groupId, { includeInput, includeOutput, lastEventId }), {
        headers: withKey(apiKey, { accept: "text/event-stream" }),
        signal,
        cache: "no-store",
      });
    } catch (e) {
      if ((signal && signal.aborted) || attempt >= RUNS_STREAM_RETRIES) throw networkError(e);
      continue;
    }
    if (!response.ok) throw await errorFrom(response);
    const parser = createSSEParser({
      onEvent: (event) => {
        let data;
        try {
          data = JSON.parse(event.data);
        } catch {
          errors.push("An event that is not JSON was skipped.");
          return;
        }
        // The cursor is in the data (the API sends no SSE id: field).
        if (data && typeof data.event_id === "string" && data.event_id) lastEventId = data.event_id;
        if (data && data.type === "task_run.state" && data.run && typeof data.run.run_id === "string") {
          runs.push(data);
          onRun(data);
        } else if (data && data.type === "error") {
          errors.push(String((data.error && data.error.message) || data.message || "An error event."));
        }
      },
    });
    const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
    let since = clock();
    const feed = async (text) => {
      for (let i = 0; i < text.length; i += SLICE_CHARS) {
        parser.feed(text.length <= SLICE_CHARS ? text : text.slice(i, i + SLICE_CHARS));
        if (clock() - since > YIELD_AFTER_MS) {
          await yieldTask();
          since = clock();
        }
      }
    };
    try {
      if (response.body && response.body.getReader) {
        const reader = response.body.getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          await feed(decoder.decode(value, { stream: true }));
        }
        await feed(decoder.decode());
      } else await feed(await response.text());
      parser.end();
      return { runs, errors };
    } catch (e) {
      parser.end();
      if ((signal && signal.aborted) || attempt >= RUNS_STREAM_RETRIES) throw networkError(e);
    }
  }
}
