// The "Task group from rows" card: paste or load CSV/TSV/JSON Lines, see what will be sent (rows,
// columns, the first rows, every problem by line), and create the group. The task spec comes from
// the create form above (processor, output schema, source policy…); CSV headers become the input
// schema. The card only reads and reports; group-panel.js creates the group.

import { dateTime, formatCount, h } from "./dom.js";
import { buildCreateRequest } from "./api.js";
import { checkSizes } from "./schema-check.js";
import { FORMATS, MAX_CHARS, MAX_ROWS, SHOWN_ERRORS, describeError, planBatches, readRows } from "./group-input.js";
import { MAX_RUNS_PER_REQUEST } from "./group-api.js";

const PREVIEW_ROWS = 5;
const PREVIEW_CELL_CHARS = 60;
const PARSE_DELAY_MS = 150;

function clip(s, max = PREVIEW_CELL_CHARS) {
  const t = String(s ?? "").replace(/\s+/g, " ");
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/**
 * The request plan for the rows: { inputs (TaskRunInput[]), lines, rowInputs, defaultTaskSpec,
 * beta, batches } or { errors: string[] } saying why nothing can be sent.
 */
export function planGroup(parsed, formValues) {
  const errors = [];
  // The form is read for everything but its input: a placeholder stands in for the row.
  const built = buildCreateRequest({ ...formValues, inputMode: "text", input: "row" });
  for (const e of built.errors) if (e.field !== "input") errors.push(`The form above: ${e.message}`);
  if (errors.length) return { errors };
  const { input: _unused, task_spec: formSpec, ...perRun } = built.body;
  const spec = { ...(formSpec || { output_schema: { type: "auto" } }) };
  if (parsed.inputSchema) spec.input_schema = { type: "json", json_schema: parsed.inputSchema };
  parsed.inputs.forEach((input, k) => {
    for (const e of checkSizes(spec, input))
      if (e.path === "input") errors.push(`line ${parsed.lines[k]}: ${e.message}`);
  });
  const inputs = parsed.inputs.map((input) => ({ ...perRun, input }));
  const { batches, tooLarge } = planBatches(inputs, { maxCount: MAX_RUNS_PER_REQUEST });
  for (const i of tooLarge) errors.push(`line ${parsed.lines[i]}: this row alone is too large to send`);
  if (errors.length) return { errors };
  return {
    inputs,
    lines: parsed.lines,
    rowInputs: parsed.inputs,
    defaultTaskSpec: spec,
    beta: built.headers["parallel-beta"] || "",
    batches,
    processor: built.body.processor,
  };
}

/**
 * @param {HTMLElement} root  the #group-create section
 * @param {{ readForm: () => object, onCreate: (plan: object) => Promise<void>,
 *           onOpen: (groupId: string) => void }} o
 */
export function createGroupCreate(root, { readForm, onCreate, onOpen }) {
  let timer = null;
  let parsed = null;
  let busy = false;

  const title = h("h2", { id: "group-create-title", text: "Task group from rows" });
  const intro = h("p", {
    class: "help muted",
    id: "group-rows-help",
    text: `One run per row, with the processor and output schema of the form above. CSV or TSV: a header row, then one row per run; the headers become the input's fields. JSON Lines: one JSON object (or string) per line. Up to ${formatCount(MAX_ROWS)} rows and ${formatCount(MAX_CHARS / 1024 / 1024)} MB; they are sent ${formatCount(MAX_RUNS_PER_REQUEST)} at a time.`,
  });
  const textarea = h("textarea", {
    id: "group-rows",
    class: "code-input",
    rows: "6",
    spellcheck: "false",
    autocomplete: "off",
    placeholder: "company,country\nParallel Web Systems,US\nExample Corp,DE",
    "aria-describedby": "group-rows-help group-preview-summary",
  });
  const file = h("input", {
    id: "group-file",
    type: "file",
    accept: ".csv,.tsv,.jsonl,.ndjson,.txt,text/csv,text/tab-separated-values,application/x-ndjson,text/plain",
  });
  const format = h("select", { id: "group-format" }, [
    h("option", { value: "auto", text: "Detect" }),
    ...Object.entries(FORMATS).map(([k, v]) => h("option", { value: k, text: v })),
  ]);
  const summary = h("p", { id: "group-preview-summary", class: "help", role: "status" });
  const warnings = h("p", { class: "field-error", dataset: { level: "warning" }, hidden: true });
  const errorList = h("ul", {
    id: "group-errors",
    class: "group-errors field-error",
    "aria-label": "Problems in the rows",
    hidden: true,
  });
  const preview = h("div", { class: "group-preview" });
  const specLine = h("p", { class: "help muted group-spec" });
  const button = h("button", {
    type: "button",
    class: "primary",
    id: "group-create-button",
    text: "Create group",
    disabled: true,
  });
  const status = h("p", { class: "help", role: "status" });
  const failure = h("p", { class: "field-error", role: "alert", hidden: true });
  const recentTitle = h("h3", {
    id: "group-recent-title",
    class: "group-recent-title",
    text: "Recent groups",
    hidden: true,
  });
  const recentNotice = h("p", { class: "help muted", hidden: true });
  const recent = h("ul", { class: "group-recent", "aria-labelledby": "group-recent-title", hidden: true });

  root.replaceChildren(
    title,
    intro,
    h("label", { for: "group-rows", text: "Rows" }),
    textarea,
    h("div", { class: "group-create-row" }, [
      h("span", { class: "group-file" }, [h("label", { for: "group-file", text: "Or load a file" }), file]),
      h("span", { class: "group-format" }, [h("label", { for: "group-format", text: "Format" }), format]),
    ]),
    summary,
    warnings,
    errorList,
    preview,
    specLine,
    h("div", { class: "group-create-actions" }, [button]),
    status,
    failure,
    recentTitle,
    recentNotice,
    recent,
  );
  root.hidden = false;

  textarea.addEventListener("input", parseSoon);
  format.addEventListener("change", parseNow);
  file.addEventListener("change", onFile);
  button.addEventListener("click", onClick);

  function parseSoon() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(parseNow, PARSE_DELAY_MS);
  }

  function parseNow() {
    if (timer) clearTimeout(timer);
    timer = null;
    const text = textarea.value;
    failure.hidden = true;
    if (text.trim() === "") {
      parsed = null;
      summary.textContent = "";
      warnings.hidden = true;
      errorList.hidden = true;
      preview.replaceChildren();
      updateButton();
      return;
    }
    parsed = readRows(text, { format: format.value });
    format.options[0].textContent = `Detect (${FORMATS[parsed.detected]})`;
    const n = parsed.inputs.length;
    const cols = parsed.columns;
    const colText = cols.length
      ? `, column${cols.length === 1 ? "" : "s"} ${cols.slice(0, 12).join(", ")}${cols.length > 12 ? ` and ${cols.length - 12} more` : ""}`
      : "";
    summary.textContent = `${FORMATS[parsed.format]}: ${formatCount(n)} row${n === 1 ? "" : "s"}${colText}.`;
    warnings.hidden = !parsed.warnings.length;
    warnings.textContent = parsed.warnings.join(" ");
    showErrors(parsed.errors.map(describeError), parsed.errors.length);
    renderPreview(parsed);
    updateButton();
  }

  function showErrors(lines, total) {
    errorList.hidden = lines.length === 0;
    textarea.setAttribute("aria-invalid", String(lines.length > 0));
    const items = lines.slice(0, SHOWN_ERRORS).map((t) => h("li", { text: t }));
    if (total > SHOWN_ERRORS) items.push(h("li", { text: `and ${formatCount(total - SHOWN_ERRORS)} more problems` }));
    errorList.replaceChildren(...items);
  }

  function renderPreview(p) {
    if (!p.inputs.length) {
      preview.replaceChildren();
      return;
    }
    const rows = p.inputs.slice(0, PREVIEW_ROWS);
    const objectCols = p.columns.length ? p.columns.slice(0, 8) : null;
    const head = objectCols ? ["line", ...objectCols] : ["line", "input"];
    const body = rows.map((input, k) => {
      const cells = objectCols
        ? objectCols.map((c) =>
            input && typeof input === "object"
              ? typeof input[c] === "string"
                ? input[c]
                : JSON.stringify(input[c] ?? "")
              : "",
          )
        : [typeof input === "string" ? input : JSON.stringify(input)];
      return h("tr", {}, [h("td", { text: String(p.lines[k]) }), ...cells.map((c) => h("td", { text: clip(c) }))]);
    });
    preview.replaceChildren(
      h("table", { class: "group-preview-table" }, [
        h("caption", { text: `First ${rows.length} of ${formatCount(p.inputs.length)} rows` }),
        h("thead", {}, [
          h(
            "tr",
            {},
            head.map((c) => h("th", { scope: "col", text: clip(c, 30) })),
          ),
        ]),
        h("tbody", {}, body),
      ]),
    );
  }

  function updateButton() {
    const n = parsed && !parsed.errors.length ? parsed.inputs.length : 0;
    button.disabled = busy || n === 0;
    button.textContent = n ? `Create group (${formatCount(n)} run${n === 1 ? "" : "s"})` : "Create group";
    let values;
    try {
      values = readForm();
    } catch {
      values = null; // the form is not ready yet
    }
    if (values) {
      const out =
        values.outputMode === "json"
          ? "JSON output schema"
          : values.outputMode === "text"
            ? "text output"
            : "auto output";
      specLine.textContent = `Each run uses processor ${values.processor} and the form's ${out}${parsed && parsed.inputSchema ? "; the CSV headers are its input schema" : ""}.`;
    }
  }

  async function onFile() {
    const f = file.files && file.files[0];
    file.value = "";
    if (!f) return;
    if (f.size > MAX_CHARS * 3) {
      showErrors(
        [
          `${f.name} is ${formatCount(Math.round(f.size / 1024))} KB; at most ${formatCount(MAX_CHARS / 1024 / 1024)} MB of text is read.`,
        ],
        1,
      );
      return;
    }
    let text;
    try {
      text = await f.text();
    } catch (e) {
      showErrors([`${f.name} could not be read: ${e && e.message ? e.message : e}`], 1);
      return;
    }
    textarea.value = text;
    if (/\.jsonl$|\.ndjson$/i.test(f.name)) format.value = "jsonl";
    else if (/\.tsv$/i.test(f.name)) format.value = "tsv";
    else if (/\.csv$/i.test(f.name)) format.value = "csv";
    parseNow();
  }

  async function onClick() {
    if (timer) parseNow();
    if (!parsed || parsed.errors.length || !parsed.inputs.length || busy) return;
    failure.hidden = true;
    const plan = planGroup(parsed, readForm());
    if (plan.errors) {
      showErrors(plan.errors, plan.errors.length);
      failure.textContent = "Nothing was sent: fix the problems listed above.";
      failure.hidden = false;
      return;
    }
    busy = true;
    updateButton();
    status.textContent = `Creating a group of ${formatCount(plan.inputs.length)} runs…`;
    try {
      await onCreate(plan);
      status.textContent = "";
    } catch (e) {
      status.textContent = "";
      failure.textContent = `The group was not created: ${e && e.message ? e.message : e}`;
      failure.hidden = false;
    } finally {
      busy = false;
      updateButton();
    }
  }

  return {
    /** Show the recent groups (newest first) and a notice about unreadable stored data. */
    renderRecent(list, notice = "") {
      recentNotice.hidden = !notice;
      recentNotice.textContent = notice;
      recentTitle.hidden = list.length === 0;
      recent.hidden = list.length === 0;
      recent.replaceChildren(
        ...list.map((g) => {
          const b = h("button", { type: "button", class: "linklike", text: g.label || g.id, title: g.id });
          b.addEventListener("click", () => onOpen(g.id));
          const note = [
            g.runs ? `${formatCount(g.runs)} run${g.runs === 1 ? "" : "s"}` : "",
            g.at ? dateTime(g.at) : "",
          ]
            .filter(Boolean)
            .join(", ");
          return h("li", {}, [b, note ? h("span", { class: "help muted", text: ` ${note}` }) : null]);
        }),
      );
    },
    showFailure(text) {
      failure.textContent = text;
      failure.hidden = !text;
    },
  };
}
