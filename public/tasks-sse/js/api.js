// Task API requests: building and validating a create request from the form's values, the
// parallel-beta list it needs, and reading Parallel's error shape. Pure apart from the fetch helpers,
// which take fetch as a parameter so Node tests can drive them.

import { checkOutputSchema, checkSizes } from "./schema-check.js";
import { findProcessor, TASK_API } from "./processors.js";

export const BETA = Object.freeze({
  events: "events-sse-2025-07-24",
  webhook: "webhook-2025-08-12",
  mcp: "mcp-server-2025-07-17",
});

// From the data file the simulator and the tests read too.
export const LIMITS = Object.freeze({
  metadataKey: TASK_API.limits.metadata_key_chars,
  metadataValue: TASK_API.limits.metadata_value_chars,
  domains: TASK_API.limits.source_policy_entries,
  mcpServers: TASK_API.limits.mcp_servers,
});

export const WEBHOOK_EVENT_TYPES = Object.freeze(["task_run.status"]);

// One host label: letters, digits and inner hyphens, at most 63 characters.
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// A path after the host: no whitespace, query, fragment or port-like colon (the API omits those).
const PATH = /^\/[^\s?#:]*$/;
const MAX_ENTRY_CHARS = 1000;

/**
 * Normalise one source-policy entry: a domain (`example.com`, which includes its subdomains), a
 * bare extension (`.gov`, `.co.uk`) or a domain with a path prefix (`docs.python.org/3`).
 * The host is lower-cased (hosts are case-insensitive); the path keeps its case (the API matches
 * paths case-sensitively) and loses trailing slashes (the API ignores them).
 * Returns { domain } or { error } with a message a user can act on.
 */
export function normalizeDomain(raw) {
  const text = String(raw ?? "").trim();
  if (text === "") return { error: "Empty domain." };
  const shown = text.length > 60 ? `${text.slice(0, 59)}…` : text;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    const u = urlParts(text);
    const host = u ? u.host : "example.com";
    const withPath = u && u.path ? `, or the domain and path, ${host}${u.path}` : "";
    return { error: `"${shown}" is a URL; enter only the domain, e.g. ${host}${withPath}.` };
  }
  if (/\s/.test(text)) return { error: `"${shown}" is not a domain: a domain has no spaces.` };
  if (text.length > MAX_ENTRY_CHARS) return { error: `"${shown}" is longer than ${MAX_ENTRY_CHARS} characters.` };
  const slash = text.indexOf("/");
  let host = (slash === -1 ? text : text.slice(0, slash)).toLowerCase();
  let path = slash === -1 ? "" : text.slice(slash).replace(/\/+$/, "");
  if (path && !PATH.test(path))
    return { error: `"${shown}" has a path with a query, fragment or colon; keep only domain/path.` };
  if (host.endsWith(".") && !host.startsWith(".")) host = host.slice(0, -1);
  const suffix = host.startsWith(".");
  if (suffix && path) return { error: `"${shown}": an extension such as .gov cannot have a path.` };
  if (/[^\p{ASCII}]/u.test(host)) host = toAscii(host.replace(/^\./, ""), suffix) || host;
  if (/:\d*$/.test(host)) return { error: `"${shown}" has a port; leave the port out.` };
  const labels = (suffix ? host.slice(1) : host).split(".");
  if (host.length > 253 || !labels.every((l) => LABEL.test(l)))
    return { error: `"${shown}" is not a valid domain (letters, digits and hyphens between dots).` };
  if (!suffix && labels.length < 2)
    return {
      error: `"${shown}" is not a domain: use a full domain such as ${labels[0]}.com, or an extension such as .${labels[0]}.`,
    };
  if (/^[0-9]+$/.test(labels[labels.length - 1]) && !/^(?:\d{1,3}\.){3}\d{1,3}$/.test(host))
    return { error: `"${shown}" is not a valid domain: the last label cannot be all digits.` };
  path = path.replace(/^\/+/, "/");
  return { domain: host + path };
}

/** Host and path of a URL (for a hint), or null. */
function urlParts(text) {
  try {
    const u = new URL(text);
    return { host: u.hostname, path: u.pathname === "/" ? "" : u.pathname.replace(/\/+$/, "") };
  } catch {
    return null;
  }
}

/** An internationalised host in its ASCII (punycode) form, through the URL parser. */
function toAscii(host, suffix) {
  try {
    const ascii = new URL(`http://${host}/`).hostname;
    return suffix ? `.${ascii}` : ascii;
  } catch {
    return "";
  }
}

/** True for a real calendar date written YYYY-MM-DD (the API's after_date format). */
export function isIsoDate(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(value));
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** True for an absolute http(s) URL. */
export function isHttpUrl(value) {
  try {
    const u = new URL(String(value));
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

/** The parallel-beta header value for a create body: comma-joined, no spaces. */
export function betaHeaderFor(body) {
  const list = [BETA.events];
  if (body && body.webhook) list.push(BETA.webhook);
  if (body && Array.isArray(body.mcp_servers) && body.mcp_servers.length > 0) list.push(BETA.mcp);
  return list.join(",");
}

/** Parse text as JSON; returns { value } or { error } with position information when known. */
export function parseJson(text) {
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    return { error: `Invalid JSON: ${e && e.message ? e.message : String(e)}` };
  }
}

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Build the TaskRunInput body from the form's values and check it.
 *
 * form = { inputMode: "text"|"json", input, processor, outputMode: "auto"|"text"|"json",
 *          outputDescription, outputSchema (text), inputSchema (text), includeDomains[],
 *          excludeDomains[], afterDate ("" or YYYY-MM-DD), webhookUrl, webhookEventTypes[], metadata: [{key, value}],
 *          mcpServers (text), enableEvents: boolean }
 *
 * @returns {{ body: object|null, headers: object, errors: {field: string, path?: string, message: string}[],
 *             warnings: {field: string, path?: string, message: string}[] }}
 */
export function buildCreateRequest(form) {
  const errors = [];
  const warnings = [];
  const body = {};

  // input
  const inputText = String(form.input ?? "");
  if (form.inputMode === "json") {
    const parsed = parseJson(inputText);
    if (parsed.error) errors.push({ field: "input", message: parsed.error });
    else if (!isObject(parsed.value))
      errors.push({ field: "input", message: 'JSON input must be an object, e.g. {"company": "Parallel"}.' });
    else body.input = parsed.value;
  } else if (inputText.trim() === "") {
    errors.push({ field: "input", message: "Enter the task input." });
  } else {
    body.input = inputText;
  }

  // processor
  if (!findProcessor(form.processor))
    errors.push({ field: "processor", message: `Unknown processor "${form.processor}".` });
  body.processor = form.processor;

  // task_spec
  const taskSpec = {};
  if (form.outputMode === "json") {
    const parsed = parseJson(String(form.outputSchema ?? ""));
    if (parsed.error) {
      errors.push({ field: "outputSchema", message: parsed.error });
    } else {
      const { errors: se, warnings: sw } = checkOutputSchema(parsed.value);
      for (const e of se) errors.push({ field: "outputSchema", path: e.path, message: e.message });
      for (const w of sw) warnings.push({ field: "outputSchema", path: w.path, message: w.message });
      taskSpec.output_schema = { type: "json", json_schema: parsed.value };
    }
  } else if (form.outputMode === "text") {
    const description = String(form.outputDescription ?? "").trim();
    taskSpec.output_schema = description ? { type: "text", description } : { type: "text" };
  } else {
    taskSpec.output_schema = { type: "auto" };
  }
  const inputSchemaText = String(form.inputSchema ?? "").trim();
  if (inputSchemaText) {
    if (inputSchemaText.startsWith("{")) {
      const parsed = parseJson(inputSchemaText);
      if (parsed.error) errors.push({ field: "inputSchema", message: parsed.error });
      else if (!isObject(parsed.value))
        errors.push({ field: "inputSchema", message: "The input schema must be a JSON object or plain text." });
      else taskSpec.input_schema = { type: "json", json_schema: parsed.value };
    } else {
      taskSpec.input_schema = { type: "text", description: inputSchemaText };
    }
  }
  // Auto output with no input schema is the API's default: send no task_spec at all.
  if (form.outputMode !== "auto" || taskSpec.input_schema) body.task_spec = taskSpec;

  // source_policy
  const include = [];
  const exclude = [];
  for (const [list, out, field] of [
    [form.includeDomains, include, "includeDomains"],
    [form.excludeDomains, exclude, "excludeDomains"],
  ]) {
    for (const raw of list || []) {
      const n = normalizeDomain(raw);
      if (n.error) errors.push({ field, message: n.error });
      else if (!out.includes(n.domain)) out.push(n.domain);
    }
  }
  if (include.length + exclude.length > LIMITS.domains) {
    errors.push({
      field: "includeDomains",
      message: `At most ${LIMITS.domains} domains in all (${include.length + exclude.length} given).`,
    });
  }
  if (include.length && exclude.length) {
    warnings.push({
      field: "excludeDomains",
      message: "When include domains are set, the API ignores exclude domains.",
    });
  }
  const afterDate = String(form.afterDate ?? "").trim();
  if (afterDate && !isIsoDate(afterDate))
    errors.push({ field: "afterDate", message: "The date must be a calendar date written YYYY-MM-DD." });
  if (include.length || exclude.length || afterDate) {
    body.source_policy = {};
    if (include.length) body.source_policy.include_domains = include;
    if (exclude.length) body.source_policy.exclude_domains = exclude;
    if (afterDate) body.source_policy.after_date = afterDate;
  }

  // webhook
  const webhookUrl = String(form.webhookUrl ?? "").trim();
  if (webhookUrl) {
    if (!isHttpUrl(webhookUrl))
      errors.push({ field: "webhookUrl", message: "The webhook URL must be an http(s) URL." });
    const types = (form.webhookEventTypes || []).filter((t) => WEBHOOK_EVENT_TYPES.includes(t));
    body.webhook = { url: webhookUrl, event_types: types };
  }

  // metadata
  const rows = (form.metadata || []).filter((r) => String(r.key ?? "").trim() !== "" || String(r.value ?? "") !== "");
  if (rows.length) {
    const metadata = {};
    rows.forEach((r, i) => {
      const key = String(r.key ?? "").trim();
      const value = String(r.value ?? "");
      const path = `metadata[${i}]`;
      if (key === "") errors.push({ field: "metadata", path, message: `Row ${i + 1}: the key is empty.` });
      else if (key.length > LIMITS.metadataKey)
        errors.push({
          field: "metadata",
          path,
          message: `Row ${i + 1}: key "${key}" is ${key.length} characters; the limit is ${LIMITS.metadataKey}.`,
        });
      else if (Object.hasOwn(metadata, key))
        errors.push({ field: "metadata", path, message: `Row ${i + 1}: key "${key}" is used twice.` });
      if (value.length > LIMITS.metadataValue)
        errors.push({
          field: "metadata",
          path,
          message: `Row ${i + 1}: the value is ${value.length} characters; the limit is ${LIMITS.metadataValue}.`,
        });
      if (key) metadata[key] = value;
    });
    body.metadata = metadata;
  }

  // mcp_servers (beta)
  const mcpText = String(form.mcpServers ?? "").trim();
  if (mcpText) {
    const parsed = parseJson(mcpText);
    if (parsed.error) {
      errors.push({ field: "mcpServers", message: parsed.error });
    } else if (!Array.isArray(parsed.value)) {
      errors.push({
        field: "mcpServers",
        message: 'MCP servers must be a JSON array of {"type":"url","name","url"} objects.',
      });
    } else {
      if (parsed.value.length > LIMITS.mcpServers)
        errors.push({ field: "mcpServers", message: `At most ${LIMITS.mcpServers} MCP servers.` });
      parsed.value.forEach((s, i) => {
        if (!isObject(s))
          errors.push({ field: "mcpServers", path: `[${i}]`, message: `Server ${i + 1} must be an object.` });
        else {
          if (!s.name || typeof s.name !== "string")
            errors.push({ field: "mcpServers", path: `[${i}].name`, message: `Server ${i + 1} needs a "name".` });
          if (!isHttpUrl(s.url))
            errors.push({
              field: "mcpServers",
              path: `[${i}].url`,
              message: `Server ${i + 1} needs an http(s) "url".`,
            });
        }
      });
      if (parsed.value.length) body.mcp_servers = parsed.value;
    }
  }

  body.enable_events = Boolean(form.enableEvents);

  // A spec that is too long is shown on the part of it that makes it long, a field the user can see.
  const specField = () => {
    const size = (v) => (v === undefined ? 0 : JSON.stringify(v).length);
    if (size(taskSpec.input_schema) > size(taskSpec.output_schema)) return "inputSchema";
    return form.outputMode === "json"
      ? "outputSchema"
      : form.outputMode === "text"
        ? "outputDescription"
        : "inputSchema";
  };
  for (const e of checkSizes(body.task_spec, body.input))
    errors.push({ field: e.path === "input" ? "input" : specField(), message: e.message });

  const ok = errors.length === 0;
  return {
    body: ok ? body : null,
    headers: ok ? { "content-type": "application/json", "parallel-beta": betaHeaderFor(body) } : {},
    errors,
    warnings,
  };
}

/** An error from the API (or the proxy), in Parallel's shape when it has one. */
export class ApiError extends Error {
  constructor({ status, message, refId = "", detail = null, code = "" }) {
    super(message);
    this.name = "ApiError";
    /** "" for an answer from the API; "timeout" or "cancelled" when the page stopped waiting. */
    this.code = code;
    this.status = status;
    this.refId = refId;
    this.detail = detail;
  }
}

const STATUS_TEXT = {
  400: "Bad request",
  401: "Unauthorized: invalid or missing credentials",
  402: "Payment required",
  403: "Forbidden",
  404: "Not found",
  408: "Request timed out",
  413: "Request too large",
  422: "Request validation error",
  429: "Too many requests",
  500: "Server error",
  502: "Bad gateway",
  503: "Service unavailable",
  504: "Gateway timeout",
};

/**
 * A validation location as a list of keys and indexes, without the leading "body":
 * ["body", "mcp_servers", 0, "url"] and "mcp_servers.0.url" both give ["mcp_servers", 0, "url"].
 */
export function locParts(loc) {
  const list = Array.isArray(loc)
    ? loc
    : typeof loc === "string"
      ? loc
          .split(/[.[\]]+/)
          .filter(Boolean)
          .map((p) => (/^\d+$/.test(p) ? Number(p) : p))
      : [];
  return list[0] === "body" && list.length > 1 ? list.slice(1) : list;
}

/** A validation location such as ["body", "mcp_servers", 0, "url"] as "mcp_servers[0].url". */
function formatLoc(loc) {
  if (!Array.isArray(loc)) return typeof loc === "string" ? loc : "";
  return locParts(loc).reduce(
    (out, p) => (typeof p === "number" ? `${out}[${p}]` : out ? `${out}.${String(p)}` : String(p)),
    "",
  );
}

function oneLine(value) {
  return String(value ?? "")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * The entries of a validation detail, in any of the shapes seen: FastAPI's [{loc, msg}], the
 * simulator's {field, errors: [{loc, msg, type}]}, or {field, message}. Each is
 * { loc: [key|index...] (no "body"), where: "mcp_servers[0].url" or "", message }.
 * [] when the detail is not a validation detail.
 */
export function validationEntries(detail) {
  const entry = (loc, msg) => ({ loc: locParts(loc), where: formatLoc(loc), message: oneLine(msg) });
  const fromList = (list, fallbackField) =>
    list
      .filter((d) => isObject(d) && (d.msg || d.message))
      .map((d) => entry(d.loc ?? d.field ?? fallbackField, d.msg || d.message));
  if (Array.isArray(detail)) return fromList(detail);
  if (!isObject(detail)) return [];
  if (Array.isArray(detail.errors)) {
    const entries = fromList(detail.errors, detail.field);
    if (entries.length) return entries;
  }
  if (typeof detail.field === "string" && (detail.msg || detail.message))
    return [entry(detail.field, detail.msg || detail.message)];
  return [];
}

/** A validation entry as one "field: message" line. */
export function validationLine({ where, message }) {
  return where ? `${where}: ${message}` : message;
}

/** "field: message" lines from a validation detail (see validationEntries); [] for any other. */
export function validationLines(detail) {
  return validationEntries(detail).map(validationLine);
}

const SHOWN_LINES = 3;

/**
 * Read Parallel's error shape {"type":"error","error":{ref_id, message, detail}}, FastAPI's
 * {"detail":[{loc,msg}]}, or anything else, into { status, message, refId, detail }.
 * A validation error's message names the field and what is wrong with it ("field: message").
 */
export function parseApiError(status, text) {
  let message = "";
  let refId = "";
  let detail = null;
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (isObject(parsed)) {
    const e = isObject(parsed.error) ? parsed.error : null;
    if (e) {
      message = typeof e.message === "string" ? e.message : "";
      refId = typeof e.ref_id === "string" ? e.ref_id : "";
      detail = e.detail ?? null;
    } else if (typeof parsed.error === "string") {
      message = parsed.error;
    } else if (parsed.detail != null) {
      detail = parsed.detail;
    }
    if (!message && typeof parsed.message === "string") message = parsed.message;
  } else if (typeof text === "string" && text.trim() && text.length < 300 && !/^\s*</.test(text)) {
    message = text.trim();
  }
  const lines = validationLines(detail);
  if (lines.length) {
    const more = lines.length - SHOWN_LINES;
    message = lines.slice(0, SHOWN_LINES).join("; ") + (more > 0 ? `; and ${more} more` : "");
  }
  message = oneLine(message).slice(0, 1000);
  if (!message) message = STATUS_TEXT[status] || `HTTP ${status}`;
  return { status, message, refId, detail };
}

/** One line per detail entry, for showing under the error message. */
export function describeDetail(detail) {
  if (detail == null) return [];
  const lines = validationLines(detail);
  if (lines.length) return lines;
  if (Array.isArray(detail)) return detail.map((d) => (typeof d === "string" ? d : JSON.stringify(d)));
  if (isObject(detail)) {
    if (Object.keys(detail).length === 0) return [];
    return Object.entries(detail).map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
  }
  return [String(detail)];
}

async function errorFrom(response) {
  let text;
  try {
    text = await response.text();
  } catch {
    text = "";
  }
  return new ApiError(parseApiError(response.status, text));
}

function withKey(apiKey, headers = {}) {
  return apiKey ? { ...headers, "x-api-key": apiKey } : { ...headers };
}

/** How long createRun waits for the API's answer (headers and body) before giving up. */
export const CREATE_TIMEOUT_MS = 60_000;

/**
 * POST /v1/tasks/runs. Resolves with the TaskRun; rejects with ApiError.
 *
 * Two call forms (the same options either way):
 *   createRun(body, headers, { apiBase, apiKey, signal, timeoutMs, fetchImpl })
 *   createRun({ apiBase, apiKey, body, headers, signal, timeoutMs, fetchImpl })
 * `signal` cancels (ApiError code "cancelled"); after `timeoutMs` (default CREATE_TIMEOUT_MS) the
 * request is abandoned (ApiError code "timeout"). Both are status 0 with a message in words.
 */
export async function createRun(...args) {
  const opts =
    args.length === 1 && isObject(args[0]) && "body" in args[0]
      ? args[0]
      : { ...(args[2] || {}), body: args[0], headers: args[1] };
  const {
    apiBase = "/tasks-sse/api",
    apiKey = "",
    body,
    headers,
    signal,
    timeoutMs = CREATE_TIMEOUT_MS,
    fetchImpl = globalThis.fetch,
  } = opts;
  const deadline = new AbortController();
  let why = "";
  const abort = (reason) => {
    if (!why) why = reason;
    deadline.abort();
  };
  const timer = setTimeout(() => abort("timeout"), timeoutMs);
  const onCancel = () => abort("cancelled");
  if (signal) {
    if (signal.aborted) onCancel();
    else signal.addEventListener("abort", onCancel, { once: true });
  }
  const stopped = () => {
    const seconds = Math.round(timeoutMs / 1000);
    return why === "timeout"
      ? new ApiError({
          status: 0,
          code: "timeout",
          message: `The API did not answer within ${seconds} second${seconds === 1 ? "" : "s"}, so the page stopped waiting. The run may still have been created: check your runs before pressing Run again.`,
        })
      : new ApiError({
          status: 0,
          code: "cancelled",
          message: "Cancelled: the page stopped waiting for the API. The run may still have been created.",
        });
  };
  try {
    let response;
    try {
      response = await fetchImpl(`${apiBase}/v1/tasks/runs`, {
        method: "POST",
        headers: withKey(
          apiKey,
          headers || { "content-type": "application/json", "parallel-beta": betaHeaderFor(body) },
        ),
        body: JSON.stringify(body),
        signal: deadline.signal,
      });
    } catch (e) {
      if (why) throw stopped();
      throw new ApiError({ status: 0, message: `Network error: ${e && e.message ? e.message : e}` });
    }
    try {
      if (!response.ok) throw await errorFrom(response);
      return await response.json();
    } catch (e) {
      if (why) throw stopped();
      if (e instanceof ApiError) throw e;
      throw new ApiError({ status: response.status, message: "The API's answer could not be read as JSON." });
    }
  } finally {
    clearTimeout(timer);
    if (signal) signal.removeEventListener("abort", onCancel);
  }
}

/** GET /v1/tasks/runs/{id}. Resolves with the TaskRun; rejects with ApiError. */
export async function getRun({ apiBase, apiKey, runId, fetchImpl = globalThis.fetch }) {
  let response;
  try {
    response = await fetchImpl(`${apiBase}/v1/tasks/runs/${encodeURIComponent(runId)}`, { headers: withKey(apiKey) });
  } catch (e) {
    throw new ApiError({ status: 0, message: `Network error: ${e && e.message ? e.message : e}` });
  }
  if (!response.ok) throw await errorFrom(response);
  return response.json();
}

/** The events URL of a run (the beta path the SSE docs and cookbook use). */
export function eventsUrl(apiBase, runId) {
  return `${apiBase}/v1beta/tasks/runs/${encodeURIComponent(runId)}/events`;
}

/** A short preview of an input (text or JSON) for lists. */
export function inputPreview(input, max = 140) {
  const s = typeof input === "string" ? input : JSON.stringify(input);
  const flat = String(s ?? "")
    .replace(/\s+/g, " ")
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
