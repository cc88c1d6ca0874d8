// The final output of a run: text (formatted with the safe markdown subset, or plain pre-wrapped),
// JSON (pretty, collapsible with details/summary), per-field basis (reasoning, confidence badge,
// citations with titles and excerpts), a field picker (select a field to see its value, citations,
// reasoning and confidence together), MCP tool calls, and the run's warnings or error.
// DOM through textContent only; links only for http(s) URLs.

import { h, safeLink, copyText } from "./dom.js";
import { renderMarkdown } from "./markdown.js";
import { outputFields } from "./find-in-run.js";

const OPEN_DEPTH = 2; // JSON nodes deeper than this start collapsed
const MAX_CHILDREN = 500; // per JSON node, before "… n more"

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function jsonPrimitive(value) {
  const type = value === null ? "null" : typeof value;
  return h("span", { class: `json-${type}`, text: type === "string" ? JSON.stringify(value) : String(value) });
}

/** A collapsible JSON tree. */
export function jsonTree(value, depth = 0, key = null) {
  const label = key === null ? null : h("span", { class: "json-key", text: `${JSON.stringify(key)}: ` });
  if (!isObject(value) && !Array.isArray(value)) {
    return h("div", { class: "json-leaf" }, [label, jsonPrimitive(value)]);
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  const brackets = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  if (entries.length === 0)
    return h("div", { class: "json-leaf" }, [label, h("span", { class: "json-punct", text: brackets.join("") })]);
  const count = Array.isArray(value)
    ? `${entries.length} item${entries.length === 1 ? "" : "s"}`
    : `${entries.length} field${entries.length === 1 ? "" : "s"}`;
  const details = h("details", { class: "json-node" });
  details.open = depth < OPEN_DEPTH;
  details.append(
    h("summary", {}, [
      label,
      h("span", { class: "json-punct", text: brackets[0] }),
      h("span", { class: "json-count", text: ` ${count} ` }),
      h("span", { class: "json-punct", text: brackets[1] }),
    ]),
  );
  const body = h("div", { class: "json-children" });
  for (const [k, v] of entries.slice(0, MAX_CHILDREN))
    body.append(jsonTree(v, depth + 1, Array.isArray(value) ? null : k));
  if (entries.length > MAX_CHILDREN)
    body.append(h("div", { class: "json-more", text: `… ${entries.length - MAX_CHILDREN} more (see raw JSON)` }));
  details.append(body);
  return details;
}

function confidenceBadge(confidence) {
  const c = typeof confidence === "string" ? confidence.trim().toLowerCase() : "";
  const known = ["high", "medium", "low"].includes(c);
  return h("span", {
    class: `badge confidence confidence-${known ? c : "unknown"}`,
    text: `confidence: ${c || "n/a"}`,
  });
}

function citationItem(c) {
  if (!isObject(c)) return h("li", { text: String(c) });
  const title = typeof c.title === "string" && c.title.trim() ? c.title : c.url;
  const li = h("li", { class: "citation" }, [safeLink(c.url, title)]);
  if (c.title && typeof c.url === "string") li.append(h("span", { class: "citation-url", text: ` ${c.url}` }));
  if (Array.isArray(c.excerpts) && c.excerpts.length) {
    const ul = h("ul", { class: "excerpts" });
    for (const ex of c.excerpts) ul.append(h("li", {}, [h("q", { text: String(ex) })]));
    li.append(ul);
  }
  return li;
}

function basisSection(basis) {
  const section = h("section", { class: "basis", "aria-label": "Basis" }, [
    h("h3", { text: `Basis (${basis.length} field${basis.length === 1 ? "" : "s"})` }),
  ]);
  const list = h("ol", { class: "basis-list" });
  for (const b of basis) {
    if (!isObject(b)) continue;
    const item = h("li", { class: "basis-item", dataset: { field: String(b.field ?? "") } }, [
      h("div", { class: "basis-head" }, [
        h("code", { class: "basis-field", text: String(b.field ?? "(field)") }),
        " ",
        confidenceBadge(b.confidence),
      ]),
    ]);
    if (b.reasoning) item.append(h("p", { class: "basis-reasoning", text: String(b.reasoning) }));
    const cites = Array.isArray(b.citations) ? b.citations : [];
    if (cites.length) {
      const ul = h("ul", { class: "citations", "aria-label": `Citations for ${b.field}` });
      for (const c of cites) ul.append(citationItem(c));
      item.append(ul);
    } else {
      item.append(h("p", { class: "muted", text: "No citations." }));
    }
    list.append(item);
  }
  section.append(list);
  return section;
}

/** Buttons, one per output field; the selected one's value and basis show in a details area. */
function fieldPicker(fields, basisList) {
  const details = h("div", {
    class: "field-details",
    role: "region",
    "aria-label": "Field details",
    "aria-live": "polite",
  });
  details.append(h("p", { class: "muted", text: "Select a field to see its citations, reasoning and confidence." }));
  const buttons = h("ul", { class: "field-list", "aria-label": "Output fields" });
  const section = h("section", { class: "fields", "aria-label": "Fields" }, [
    h("h3", { text: "Fields" }),
    buttons,
    details,
  ]);

  function select(f, button) {
    for (const b of buttons.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b === button));
    const body = [
      h("h4", {}, [h("code", { text: f.field }), " ", f.basis ? confidenceBadge(f.basis.confidence) : null]),
    ];
    if (f.value !== undefined)
      body.push(
        isObject(f.value) || Array.isArray(f.value)
          ? h("div", { class: "json-view" }, [jsonTree(f.value)])
          : h("p", { class: "field-value" }, [jsonPrimitive(f.value)]),
      );
    if (!f.basis) body.push(h("p", { class: "muted", text: "The output has no basis for this field." }));
    else {
      body.push(
        h("p", { class: "basis-reasoning" }, [h("strong", { text: "Reasoning: " }), String(f.basis.reasoning ?? "–")]),
      );
      const cites = Array.isArray(f.basis.citations) ? f.basis.citations : [];
      const ul = h("ul", { class: "citations", "aria-label": `Citations for the selected field ${f.field}` });
      for (const c of cites) ul.append(citationItem(c));
      body.push(cites.length ? ul : h("p", { class: "muted", text: "No citations." }));
    }
    details.replaceChildren(...body);
    // The same field's entry in the full basis list is marked too.
    if (basisList)
      for (const item of basisList.children) {
        if (item.dataset.field === f.field) item.setAttribute("aria-current", "true");
        else item.removeAttribute("aria-current");
      }
  }

  for (const f of fields) {
    const b = h("button", { type: "button", class: "small field-button", "aria-pressed": "false", text: f.field });
    b.addEventListener("click", () => select(f, b));
    buttons.append(h("li", {}, [b]));
  }
  return section;
}

function toolCallsSection(calls) {
  const section = h("section", { class: "tool-calls" }, [h("h3", { text: `MCP tool calls (${calls.length})` })]);
  for (const c of calls) {
    if (!isObject(c)) continue;
    const d = h("details", { class: "tool-call" }, [
      h("summary", { text: `${c.server_name ?? "?"} · ${c.tool_name ?? "?"}${c.error ? " · error" : ""}` }),
    ]);
    let args = c.arguments;
    try {
      args = JSON.stringify(JSON.parse(args), null, 2);
    } catch {
      /* keep as sent */
    }
    d.append(h("pre", { class: "code", text: `arguments: ${args ?? ""}` }));
    if (c.content) d.append(h("pre", { class: "code", text: String(c.content) }));
    if (c.error) d.append(h("p", { class: "error-text", text: String(c.error) }));
    section.append(d);
  }
  return section;
}

function copyButton(label, getText) {
  const b = h("button", { type: "button", class: "small", text: label });
  b.addEventListener("click", async () => {
    const ok = await copyText(getText());
    b.textContent = ok ? "Copied" : "Copy failed";
    setTimeout(() => {
      b.textContent = label;
    }, 1500);
  });
  return b;
}

/** Render a run's final output (or failure) into `container`, replacing what was there. */
export function renderOutput(container, { output, run }) {
  container.replaceChildren();
  if (run && isObject(run.error)) {
    container.append(
      h("div", { class: "api-error", role: "alert" }, [
        h("strong", { text: "The run failed: " }),
        h("span", { class: "error-message", text: String(run.error.message ?? "no message") }),
        run.error.ref_id ? h("span", { class: "ref-id", text: ` (ref_id ${run.error.ref_id})` }) : null,
      ]),
    );
  }
  if (run && Array.isArray(run.warnings) && run.warnings.length) {
    const ul = h("ul", { class: "warnings", "aria-label": "Warnings" });
    for (const w of run.warnings)
      ul.append(
        h("li", { text: `${w && w.type ? `${w.type}: ` : ""}${w && w.message ? w.message : JSON.stringify(w)}` }),
      );
    container.append(ul);
  }
  if (!isObject(output)) return;

  const head = h("div", { class: "output-head" }, [
    h("h3", { text: output.type === "json" ? "Output (JSON)" : "Output (text)" }),
  ]);
  container.append(head);

  if (output.type === "json" || isObject(output.content)) {
    const pretty = JSON.stringify(output.content, null, 2);
    head.append(copyButton("Copy JSON", () => pretty));
    container.append(
      h("div", { class: "json-view output-content", dataset: { format: "json" } }, [jsonTree(output.content)]),
    );
    if (isObject(output.output_schema)) {
      const d = h("details", { class: "generated-schema" }, [h("summary", { text: "Schema the auto mode generated" })]);
      d.append(h("pre", { class: "code", text: JSON.stringify(output.output_schema, null, 2) }));
      container.append(d);
    }
  } else {
    const text = typeof output.content === "string" ? output.content : JSON.stringify(output.content);
    const formatted = h("div", { class: "markdown output-content", dataset: { format: "markdown" } });
    formatted.append(renderMarkdown(text));
    const plain = h("pre", { class: "plain output-content", dataset: { format: "plain" }, text, hidden: true });
    const toggle = h("button", { type: "button", class: "small", "aria-pressed": "false", text: "Show plain text" });
    toggle.addEventListener("click", () => {
      const showPlain = plain.hidden;
      plain.hidden = !showPlain;
      formatted.hidden = showPlain;
      toggle.setAttribute("aria-pressed", String(showPlain));
      toggle.textContent = showPlain ? "Show formatted" : "Show plain text";
    });
    head.append(
      toggle,
      copyButton("Copy text", () => text),
    );
    container.append(formatted, plain);
  }

  const basis = Array.isArray(output.basis) && output.basis.length ? basisSection(output.basis) : null;
  const fields = outputFields(output);
  if (fields.some((f) => f.basis)) container.append(fieldPicker(fields, basis && basis.querySelector(".basis-list")));
  if (basis) container.append(basis);
  if (Array.isArray(output.mcp_tool_calls) && output.mcp_tool_calls.length)
    container.append(toolCallsSection(output.mcp_tool_calls));
}
