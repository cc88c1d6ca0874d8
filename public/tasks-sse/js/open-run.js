// Opening a run made anywhere (here, curl, an SDK, a backend): read a run id out of what was typed
// or pasted, and fetch what the API knows of the run (the run, and the input it was created with).

import { ApiError, parseApiError } from "./api.js";

const RUN_ID = /^trun_[A-Za-z0-9]{1,64}$/;
const RUN_ID_IN_TEXT = /(?:^|[^A-Za-z0-9_])(trun_[A-Za-z0-9]{1,64})(?![A-Za-z0-9_])/;

export function isRunId(value) {
  return typeof value === "string" && RUN_ID.test(value);
}

/**
 * The run id in a typed id, a playground link (`.../tasks-sse/#run=trun_...`), an API URL
 * (`.../v1/tasks/runs/trun_.../events`) or any text holding exactly one; null when there is none.
 */
export function parseRunRef(text) {
  const s = String(text ?? "").trim();
  if (!s || s.length > 2048) return null;
  if (isRunId(s)) return s;
  const fromHash = runIdFromHash(s.includes("#") ? s.slice(s.indexOf("#")) : "");
  if (fromHash) return fromHash;
  const m = RUN_ID_IN_TEXT.exec(s);
  return m ? m[1] : null;
}

/** The run a location hash names: "#run=trun_..." (and the older "#trun_..."); null otherwise. */
export function runIdFromHash(hash) {
  const h = String(hash ?? "").replace(/^#/, "");
  if (isRunId(h)) return h;
  const params = new URLSearchParams(h);
  const id = params.get("run");
  return isRunId(id) ? id : null;
}

export function hashForRun(runId) {
  return `#run=${runId}`;
}

async function getJson(url, apiKey, fetchImpl) {
  const r = await fetchImpl(url, { headers: { "x-api-key": apiKey }, cache: "no-store" });
  const text = await r.text();
  if (!r.ok) throw new ApiError(parseApiError(r.status, text));
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError({ status: r.status, message: "The API answered with something that is not JSON." });
  }
}

/**
 * The run and its input body ({ input, processor, task_spec, ... }) from the API. The input is
 * null when the API does not give it (older APIs, or a run whose input expired).
 */
export async function fetchRun({ apiBase, apiKey, runId, fetchImpl = (...a) => globalThis.fetch(...a) }) {
  const base = `${apiBase}/v1/tasks/runs/${encodeURIComponent(runId)}`;
  const run = await getJson(base, apiKey, fetchImpl);
  let input = null;
  try {
    input = await getJson(`${base}/input`, apiKey, fetchImpl);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) throw e;
  }
  return { run, input };
}
