// The inverse of api.buildCreateRequest: a TaskRunInput body (as the form sends it, or as
// GET /v1/tasks/runs/{id}/input returns a run made elsewhere) turned back into the form's values,
// so "Run again" and "Edit as new" can fill the form. Pure, so Node tests can check the round trip.

import { DEFAULT_PROCESSOR, eventsOnByDefault, findProcessor } from "./processors.js";
import { WEBHOOK_EVENT_TYPES } from "./api.js";

// Body fields the form has controls for; anything else is reported as not carried over.
const KNOWN = new Set([
  "input",
  "processor",
  "task_spec",
  "source_policy",
  "webhook",
  "metadata",
  "mcp_servers",
  "enable_events",
]);

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

const pretty = (value) => JSON.stringify(value, null, 2);

/** The values of an empty form (the same shape createForm's read() returns). */
export function emptyFormValues() {
  return {
    inputMode: "text",
    input: "",
    processor: DEFAULT_PROCESSOR,
    outputMode: "auto",
    outputDescription: "",
    outputSchema: "",
    inputSchema: "",
    includeDomains: [],
    excludeDomains: [],
    afterDate: "",
    webhookUrl: "",
    webhookEventTypes: [...WEBHOOK_EVENT_TYPES],
    metadata: [],
    mcpServers: "",
    enableEvents: true,
  };
}

/**
 * Form values from a TaskRunInput body.
 * @returns {{ values: object, notCarried: string[] }} notCarried names what the form cannot hold
 *   (fields it has no control for, values it had to change), in words, for a notice.
 */
export function formValuesFromBody(body) {
  const values = emptyFormValues();
  const notCarried = [];
  if (!isObject(body)) return { values, notCarried: ["the run's input could not be read"] };

  if (typeof body.input === "string") values.input = body.input;
  else if (isObject(body.input)) {
    values.inputMode = "json";
    values.input = pretty(body.input);
  } else if (body.input !== undefined) {
    values.inputMode = "json";
    values.input = JSON.stringify(body.input);
  }

  if (typeof body.processor === "string" && findProcessor(body.processor)) values.processor = body.processor;
  else notCarried.push(`processor ${JSON.stringify(body.processor ?? null)} (not one this page knows)`);

  const spec = isObject(body.task_spec) ? body.task_spec : null;
  const out = spec ? spec.output_schema : undefined;
  if (typeof out === "string") {
    values.outputMode = "text";
    values.outputDescription = out;
  } else if (isObject(out)) {
    if (out.type === "json" || (out.type === undefined && isObject(out.json_schema))) {
      values.outputMode = "json";
      values.outputSchema = pretty(out.json_schema ?? {});
    } else if (out.type === "text") {
      values.outputMode = "text";
      values.outputDescription = typeof out.description === "string" ? out.description : "";
    }
  }
  const inSchema = spec ? spec.input_schema : undefined;
  if (typeof inSchema === "string") values.inputSchema = inSchema;
  else if (isObject(inSchema)) {
    if (inSchema.type === "text") values.inputSchema = String(inSchema.description ?? "");
    else if (isObject(inSchema.json_schema)) values.inputSchema = pretty(inSchema.json_schema);
  }

  const policy = isObject(body.source_policy) ? body.source_policy : {};
  const strings = (list) => (Array.isArray(list) ? list.filter((d) => typeof d === "string") : []);
  values.includeDomains = strings(policy.include_domains);
  values.excludeDomains = strings(policy.exclude_domains);
  if (typeof policy.after_date === "string") values.afterDate = policy.after_date;

  if (isObject(body.webhook) && typeof body.webhook.url === "string") {
    values.webhookUrl = body.webhook.url;
    values.webhookEventTypes = strings(body.webhook.event_types);
  }

  if (isObject(body.metadata)) {
    const changed = [];
    for (const [key, value] of Object.entries(body.metadata)) {
      if (typeof value !== "string") changed.push(key);
      values.metadata.push({ key, value: typeof value === "string" ? value : String(value) });
    }
    if (changed.length) notCarried.push(`metadata ${changed.join(", ")} will be sent as text`);
  }

  if (Array.isArray(body.mcp_servers) && body.mcp_servers.length) values.mcpServers = pretty(body.mcp_servers);

  // Without the flag the API used its default for the processor; the form always sends it.
  values.enableEvents =
    typeof body.enable_events === "boolean" ? body.enable_events : eventsOnByDefault(values.processor);

  for (const key of Object.keys(body)) if (!KNOWN.has(key)) notCarried.push(key);
  return { values, notCarried };
}
