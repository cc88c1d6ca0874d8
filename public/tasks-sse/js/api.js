// Task API requests: building and validating a create request from the form's values, the
// parallel-beta list it needs, and reading Parallel's error shape. Pure apart from the fetch helpers,
// which take fetch as a parameter so Node tests can drive them.

import { checkOutputSchema, checkSizes } from "./schema-check.js";
import { findProcessor } from "./processors.js";

export const BETA = Object.freeze({
  events: "events-sse-2025-07-24",
  webhook: "webhook-2025-08-12",
  mcp: "mcp-server-2025-07-17",
});

export const LIMITS = Object.freeze({
  metadataKey: 16,
  metadataValue: 512,
  domains: 200,
  mcpServers: 10,
});

export const WEBHOOK_EVENT_TYPES = Object.freeze(["task_run.status"]);

// An apex domain or a suffix such as ".gov" / "co.uk": labels of letters, digits and hyphens.
const DOMAIN = /^\.?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Normalise one domain entry. Returns { domain } or { error } with a message a user can act on.
 */
export function normalizeDomain(raw) {
  let s = String(raw).trim().toLowerCase();
  if (s === "") return { error: "Empty domain." };
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(s)) {
    return { error: `"${raw}" is a URL; enter only the domain, e.g. ${hostOf(s) || "example.com"}.` };
  }
  if (s.includes("/")) return { error: `"${raw}" has a path; paths are not supported, enter only the domain.` };
  if (s.endsWith(".")) s = s.slice(0, -1);
  if (s.length > 253 || !DOMAIN.test(s)) return { error: `"${raw}" is not a valid domain.` };
  return { domain: s };
}

function hostOf(url) {
  try {
    return new URL(url).hostname;
  } catch {
    return "";
  }
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
 *          excludeDomains[], webhookUrl, webhookEventTypes[], metadata: [{key, value}],
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
  if (include.length || exclude.length) {
    body.source_policy = {};
    if (include.length) body.source_policy.include_domains = include;
    if (exclude.length) body.source_policy.exclude_domains = exclude;
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

  for (const e of checkSizes(body.task_spec, body.input))
    errors.push({ field: e.path === "input" ? "input" : "outputSchema", message: e.message });

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
  constructor({ status, message, refId = "", detail = null }) {
    super(message);
    this.name = "ApiError";
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
 * Read Parallel's error shape {"type":"error","error":{ref_id, message, detail}}, FastAPI's
 * {"detail":[{loc,msg}]}, or anything else, into { status, message, refId, detail }.
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
    }
    if (!message && Array.isArray(parsed.detail)) {
      detail = parsed.detail;
      message = parsed.detail
        .map((d) => (isObject(d) ? `${Array.isArray(d.loc) ? d.loc.join(".") + ": " : ""}${d.msg ?? ""}` : String(d)))
        .join("; ");
    } else if (!message && typeof parsed.message === "string") {
      message = parsed.message;
    }
  } else if (typeof text === "string" && text.trim() && text.length < 300 && !/^\s*</.test(text)) {
    message = text.trim();
  }
  if (!message) message = STATUS_TEXT[status] || `HTTP ${status}`;
  return { status, message, refId, detail };
}

/** One line per validation detail, for showing under the error message. */
export function describeDetail(detail) {
  if (detail == null) return [];
  if (Array.isArray(detail)) {
    return detail.map((d) =>
      isObject(d) && (d.msg || d.message)
        ? `${Array.isArray(d.loc) ? d.loc.join(".") + ": " : ""}${d.msg || d.message}`
        : JSON.stringify(d),
    );
  }
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

/** POST /v1/tasks/runs. Resolves with the TaskRun; rejects with ApiError. */
export async function createRun({ apiBase, apiKey, body, headers, fetchImpl = globalThis.fetch }) {
  let response;
  try {
    response = await fetchImpl(`${apiBase}/v1/tasks/runs`, {
      method: "POST",
      headers: withKey(apiKey, headers || { "content-type": "application/json", "parallel-beta": betaHeaderFor(body) }),
      body: JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError({ status: 0, message: `Network error: ${e && e.message ? e.message : e}` });
  }
  if (!response.ok) throw await errorFrom(response);
  return response.json();
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
