// Where a 422's problems go on the create form: the API names fields by their place in the
// TaskRunInput body (["body", "mcp_servers", 0, "type"]); the form names them by its controls
// ("mcpServers"). Pure: form.js renders what this decides.

import { validationEntries, validationLine } from "./api.js";

const SOURCE_POLICY = {
  include_domains: "includeDomains",
  exclude_domains: "excludeDomains",
  after_date: "afterDate",
};

/**
 * The form field a body location belongs to, or null when the form has no control for it.
 * `outputMode` ("auto" | "text" | "json") says which control holds the output schema.
 */
export function fieldForLoc(loc, { outputMode = "json" } = {}) {
  const [top, sub] = Array.isArray(loc) ? loc : [];
  switch (top) {
    case "input":
    case "processor":
    case "metadata":
      return top;
    case "mcp_servers":
      return "mcpServers";
    case "webhook": // its URL and its event types share the webhook's one problem slot
      return "webhookUrl";
    case "task_spec":
      if (sub === "input_schema") return "inputSchema";
      if (sub !== "output_schema") return null; // the spec as a whole (its size): no one field
      return outputMode === "json" ? "outputSchema" : outputMode === "text" ? "outputDescription" : null;
    case "source_policy":
      // The policy as a whole (its domain total) goes where the form puts that limit too.
      return sub === undefined ? "includeDomains" : SOURCE_POLICY[sub] || null;
    default:
      return null;
  }
}

/**
 * Split a 422's detail into problems shown beside form fields and lines left for the error box.
 * `hasField(field)` says whether the form shows problems for that field.
 * Returns { placed: [{ field, loc, where, message }], unplaced: ["where: message"] }, in the
 * API's order; both empty when the detail is not a validation detail.
 */
export function placeApiErrors(detail, { outputMode = "json", hasField = () => true } = {}) {
  const placed = [];
  const unplaced = [];
  for (const entry of validationEntries(detail)) {
    const field = fieldForLoc(entry.loc, { outputMode });
    if (field && hasField(field)) placed.push({ field, ...entry });
    else unplaced.push(validationLine(entry));
  }
  return { placed, unplaced };
}
