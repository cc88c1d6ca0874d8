// The create form: reads its values into the shape api.buildCreateRequest takes, validates as the
// user types (each problem shown next to its field), manages domain chips and metadata rows.

import { h } from "./dom.js";
import { PROCESSORS, DEFAULT_PROCESSOR, describeProcessor, findProcessor, eventsOnByDefault } from "./processors.js";
import { buildCreateRequest, normalizeDomain, LIMITS, describeDetail, validationLine } from "./api.js";
import { placeApiErrors } from "./form-errors.js";
import { EXAMPLE_OUTPUT_SCHEMA } from "./schema-check.js";
import { formValuesFromBody } from "./form-values.js";
import { createCopyCode } from "./copy-code.js";

// Each field with its own problem slot (a .field-error[data-for]) and the control it describes.
// outputSchema has its own list of problems with paths (see showProblems).
const CONTROLS = {
  input: "#input",
  processor: "#processor",
  outputDescription: "#output-description",
  outputSchema: "#output-schema",
  inputSchema: "#input-schema",
  includeDomains: "#include-domain",
  excludeDomains: "#exclude-domain",
  afterDate: "#after-date",
  webhookUrl: "#webhook-url",
  metadata: "#metadata-rows input",
  mcpServers: "#mcp-servers",
};
const ADVANCED = [
  "inputSchema",
  "includeDomains",
  "excludeDomains",
  "afterDate",
  "webhookUrl",
  "metadata",
  "mcpServers",
];
// Entries in the domain fields are separated by commas, semicolons or new lines; never by spaces,
// so "not a domain" is one entry (and an error), not three domains.
const ENTRY_SEPARATORS = /[,;\n]+/;

export function createForm(form, { onSubmit }) {
  const $ = (sel) => form.querySelector(sel);
  const processor = $("#processor");
  const processorInfo = $("#processor-info");
  const runButton = $("#run-button");
  const cancelButton = $("#cancel-button");
  const formError = $("#form-error");
  const betaInfo = $("#beta-info");
  const schemaProblems = $("#output-schema-problems");
  const metadataRows = $("#metadata-rows");
  const domainCount = $("#domain-count");
  const chips = { includeDomains: [], excludeDomains: [] };
  const copyCode = createCopyCode(document.getElementById("copy-code"));
  let submitted = false;
  let timer = null;
  // A 422's problems shown beside their fields ({field, loc, where, message, value}): each stays
  // until its field's value (as read() gives it) changes, or the next Run.
  let apiProblems = [];
  const valueOf = (values, field) => JSON.stringify(values[field]);

  // processors
  for (const p of PROCESSORS) {
    const opt = h("option", { value: p.name, text: describeProcessor(p) });
    processor.append(opt);
  }
  processor.value = DEFAULT_PROCESSOR;
  function showProcessor() {
    const p = findProcessor(processor.value);
    processorInfo.textContent = p
      ? `$${p.pricePer1k.toLocaleString("en-US")} per 1,000 runs · expected latency ${p.latency} · about ${p.fields.replace("~", "")} output fields${p.fast ? " · fast variant" : ""}${eventsOnByDefault(p.name) ? " · records events by default" : ""}`
      : "";
  }
  processor.addEventListener("change", showProcessor);
  showProcessor();

  // output schema modes
  function outputMode() {
    return form.querySelector('input[name="outputMode"]:checked').value;
  }
  function showOutputMode() {
    const mode = outputMode();
    for (const el of form.querySelectorAll("[data-output-mode]")) el.hidden = el.dataset.outputMode !== mode;
    if (mode === "json" && $("#output-schema").value.trim() === "")
      $("#output-schema").value = JSON.stringify(EXAMPLE_OUTPUT_SCHEMA, null, 2);
  }
  for (const r of form.querySelectorAll('input[name="outputMode"]'))
    r.addEventListener("change", () => {
      showOutputMode();
      validateSoon();
    });
  $("#schema-example").addEventListener("click", () => {
    $("#output-schema").value = JSON.stringify(EXAMPLE_OUTPUT_SCHEMA, null, 2);
    validateSoon();
  });

  // domain chips: each field's entry problems, and whether its last entry hit the limit in all
  const entry = {
    includeDomains: { problems: [], limited: false },
    excludeDomains: { problems: [], limited: false },
  };
  const chipBoxes = {};
  function showEntry(field) {
    const { problems, limited } = entry[field];
    const all = limited
      ? [...problems, `At most ${LIMITS.domains} domains in all: remove one to add another.`]
      : problems;
    chipBoxes[field].error.textContent = all.join(" ");
    chipBoxes[field].error.hidden = all.length === 0;
  }
  function totalDomains() {
    return chips.includeDomains.length + chips.excludeDomains.length;
  }
  for (const box of form.querySelectorAll("[data-chips]")) {
    const field = box.dataset.chips;
    const input = box.querySelector("input");
    const list = box.querySelector(".chips");
    const error = box.querySelector(".chip-error"); // this entry's problems; validation has its own slot
    chipBoxes[field] = { input, list, error };
    const add = () => {
      const parts = pendingEntries(field);
      const problems = [];
      const kept = [];
      let limited = false;
      for (const part of parts) {
        const n = normalizeDomain(part);
        if (n.error) {
          problems.push(n.error);
          kept.push(part);
        } else if (chips[field].includes(n.domain)) {
          problems.push(`${n.domain} is already in the list.`);
        } else if (totalDomains() >= LIMITS.domains) {
          limited = true;
          kept.push(part);
        } else chips[field].push(n.domain);
      }
      input.value = kept.join(", ");
      entry[field] = { problems, limited };
      renderChips(field);
      validateSoon();
    };
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === ",") {
        e.preventDefault();
        add();
      } else if (e.key === "Backspace" && input.value === "" && chips[field].length) {
        chips[field].pop();
        renderChips(field);
        validateSoon();
      }
    });
    box.querySelector(".chip-add").addEventListener("click", add);
    input.addEventListener("blur", () => {
      if (input.value.trim()) add();
    });
  }
  function pendingEntries(field) {
    return chipBoxes[field].input.value
      .split(ENTRY_SEPARATORS)
      .map((p) => p.trim())
      .filter(Boolean);
  }
  function renderChips(field) {
    const { list, input } = chipBoxes[field];
    const frag = document.createDocumentFragment();
    chips[field].forEach((d, i) => {
      const remove = h("button", { type: "button", class: "chip-remove", "aria-label": `Remove ${d}`, text: "×" });
      remove.addEventListener("click", () => {
        chips[field].splice(i, 1);
        renderChips(field);
        validateSoon();
        input.focus();
      });
      frag.append(h("li", { class: "chip" }, [h("span", { text: d }), remove]));
    });
    list.replaceChildren(frag);
    const total = totalDomains();
    domainCount.textContent = `${total} of ${LIMITS.domains} domains.`;
    // Room again: the limit notice from an earlier entry no longer applies, in either field.
    for (const f of Object.keys(entry)) {
      if (f === field || total < LIMITS.domains) {
        if (total < LIMITS.domains && entry[f].limited) entry[f].limited = false;
        showEntry(f);
      }
    }
  }

  // metadata rows
  function addMetadataRow(key = "", value = "") {
    const n = metadataRows.children.length + 1;
    const k = h("input", {
      type: "text",
      class: "meta-key",
      "aria-label": `Metadata key ${n}`,
      placeholder: "key",
      autocomplete: "off",
    });
    const v = h("input", {
      type: "text",
      class: "meta-value",
      "aria-label": `Metadata value ${n}`,
      placeholder: "value",
      autocomplete: "off",
    });
    k.value = key;
    v.value = value;
    const remove = h("button", {
      type: "button",
      class: "small",
      "aria-label": `Remove metadata row ${n}`,
      text: "Remove",
    });
    const row = h("li", { class: "metadata-row" }, [k, v, remove]);
    remove.addEventListener("click", () => {
      row.remove();
      validateSoon();
      $("#metadata-add").focus();
    });
    metadataRows.append(row);
    return row;
  }
  $("#metadata-add").addEventListener("click", () => addMetadataRow().querySelector(".meta-key").focus());

  // On by default for every processor, so even lite and base runs show their progress.
  const enableEvents = $("#enable-events");

  function read(withPending = false) {
    return {
      inputMode: form.querySelector('input[name="inputMode"]:checked').value,
      input: $("#input").value,
      processor: processor.value,
      outputMode: outputMode(),
      outputDescription: $("#output-description").value,
      outputSchema: $("#output-schema").value,
      inputSchema: $("#input-schema").value,
      // On Run, text still in an entry box counts: a run never goes without a domain the user typed.
      includeDomains: [...chips.includeDomains, ...(withPending ? pendingEntries("includeDomains") : [])],
      excludeDomains: [...chips.excludeDomains, ...(withPending ? pendingEntries("excludeDomains") : [])],
      afterDate: $("#after-date").value,
      webhookUrl: $("#webhook-url").value,
      webhookEventTypes: [...form.querySelectorAll('input[name="webhookEventTypes"]:checked')].map((c) => c.value),
      metadata: [...metadataRows.querySelectorAll(".metadata-row")].map((r) => ({
        key: r.querySelector(".meta-key").value,
        value: r.querySelector(".meta-value").value,
      })),
      mcpServers: $("#mcp-servers").value,
      enableEvents: enableEvents.checked,
    };
  }

  function fieldError(field) {
    return form.querySelector(`.field-error[data-for="${field}"]`);
  }

  function showProblems({ errors, warnings }) {
    const quiet = !submitted;
    const fromApi = (field) => apiProblems.filter((p) => p.field === field);
    // Before the first Run, an empty input is not yet an error worth showing.
    const emptyInput = $("#input").value.trim() === "";
    for (const field of Object.keys(CONTROLS)) {
      const el = fieldError(field);
      if (!el) continue;
      // A domain entry's own problems are already shown under it; not twice.
      const shownByEntry = chipBoxes[field] ? entry[field].problems : [];
      const all = errors.filter((e) => e.field === field && !(quiet && field === "input" && emptyInput));
      const mine = all.filter((e) => !shownByEntry.includes(e.message));
      const api = fromApi(field);
      el.textContent = [...mine.map((e) => e.message), ...api.map(validationLine)].join(" ");
      el.hidden = mine.length + api.length === 0;
      const control = field === "metadata" ? null : $(CONTROLS[field]);
      const invalid = all.length > 0 || shownByEntry.length > 0 || api.length > 0;
      if (control) control.setAttribute("aria-invalid", String(invalid));
    }
    // Excluded-domain warning shares the exclude field's slot when there is no error there.
    const excl = fieldError("excludeDomains");
    const exclWarn = warnings.find((w) => w.field === "excludeDomains");
    if (excl.hidden && exclWarn) {
      excl.textContent = exclWarn.message;
      excl.hidden = false;
      excl.dataset.level = "warning";
    } else delete excl.dataset.level;

    const schemaErrors = [
      ...errors.filter((e) => e.field === "outputSchema"),
      ...fromApi("outputSchema").map((p) => ({ path: p.where, message: p.message })),
    ];
    const schemaWarnings = warnings.filter((w) => w.field === "outputSchema");
    const frag = document.createDocumentFragment();
    for (const [list, level] of [
      [schemaErrors, "error"],
      [schemaWarnings, "warning"],
    ]) {
      for (const p of list) {
        frag.append(
          h("li", { class: `problem problem-${level}`, dataset: { path: p.path || "" } }, [
            h("span", { class: "problem-level", text: level === "error" ? "Error" : "Warning" }),
            p.path ? h("code", { class: "problem-path", text: p.path }) : null,
            h("span", { class: "problem-message", text: p.message }),
          ]),
        );
      }
    }
    schemaProblems.replaceChildren(frag);
    $("#output-schema").setAttribute("aria-invalid", String(schemaErrors.length > 0));
  }

  function validate(withPending = false) {
    timer = null;
    const values = read(withPending);
    apiProblems = apiProblems.filter((p) => valueOf(values, p.field) === p.value);
    const result = buildCreateRequest(values);
    showProblems(result);
    betaInfo.textContent = result.body ? `parallel-beta: ${result.headers["parallel-beta"]}` : "";
    copyCode.update(result);
    return result;
  }
  function validateSoon() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(validate, 120);
  }
  form.addEventListener("input", validateSoon);
  form.addEventListener("change", validateSoon);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitted = true;
    apiProblems = [];
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    const result = validate(true);
    if (!result.body) {
      const first = result.errors[0];
      showApiError(null);
      formError.hidden = false;
      const n = result.errors.length;
      // A problem whose field has no slot on the page is listed here, so none goes unseen.
      const unplaced = result.errors.filter((e) => e.field !== "outputSchema" && !fieldError(e.field));
      formError.replaceChildren(
        h("strong", { text: "Not sent: " }),
        h("span", {
          text: `${n} problem${n === 1 ? "" : "s"} to fix${unplaced.length === n ? ":" : " (shown next to the fields)."}`,
        }),
        unplaced.length
          ? h(
              "ul",
              { class: "error-detail" },
              unplaced.map((e) => h("li", { text: e.message })),
            )
          : null,
      );
      focusField(first.field);
      return;
    }
    onSubmit(result);
  });

  /** Focus a field's control; `loc` (an API location) picks the metadata row whose key it names. */
  function focusField(field, loc = []) {
    if (ADVANCED.includes(field)) $("#advanced").open = true;
    if (field === "outputSchema" || field === "outputDescription") showOutputMode();
    const row =
      field === "metadata" && typeof loc[1] === "string"
        ? [...metadataRows.querySelectorAll(".meta-key")].find((k) => k.value.trim() === loc[1])
        : null;
    const el = row || $(CONTROLS[field] || CONTROLS.input);
    if (el) el.focus();
  }

  function hasField(field) {
    return field === "outputSchema" || Boolean(fieldError(field));
  }

  /**
   * Show an API error inline: message, ref_id and any validation detail. null clears it.
   * A 422's problems about fields of this form show beside those fields (the first one gets the
   * focus); the box keeps the count, the ref_id and whatever names no field here.
   */
  function showApiError(err) {
    if (!err) {
      formError.hidden = true;
      formError.replaceChildren();
      if (apiProblems.length) {
        apiProblems = [];
        validate();
      }
      return;
    }
    formError.hidden = false;
    const { placed, unplaced } =
      err.status === 422 ? placeApiErrors(err.detail, { outputMode: outputMode(), hasField }) : { placed: [] };
    if (placed.length) {
      showPlacedApiError(err, placed, unplaced);
      return;
    }
    const parts = [
      h("strong", { text: err.status ? `HTTP ${err.status}: ` : "Error: " }),
      h("span", { class: "error-message", text: err.message }),
    ];
    if (err.refId) parts.push(h("span", { class: "ref-id", text: ` (ref_id ${err.refId})` }));
    // Detail lines the message already says (a 422's "field: message") are not repeated.
    const details = describeDetail(err.detail).filter((d) => !String(err.message).includes(d));
    if (details.length) {
      const ul = h("ul", { class: "error-detail" });
      for (const d of details.slice(0, 20)) ul.append(h("li", { text: d }));
      parts.push(ul);
    }
    formError.replaceChildren(...parts);
  }

  function showPlacedApiError(err, placed, unplaced) {
    const values = read();
    apiProblems = placed.map((p) => ({ ...p, value: valueOf(values, p.field) }));
    validate();
    const n = placed.length + unplaced.length;
    const next = placed.length === 1 ? "its field" : "their fields";
    const summary = unplaced.length
      ? `The API found ${n} problems; ${placed.length} shown next to ${next}, and:`
      : `The API found ${n === 1 ? "a problem" : `${n} problems`}, shown next to ${next}.`;
    formError.replaceChildren(
      h("strong", { text: `HTTP ${err.status}: ` }),
      h("span", { class: "error-message", text: summary }),
      err.refId ? h("span", { class: "ref-id", text: ` (ref_id ${err.refId})` }) : null,
      unplaced.length
        ? h(
            "ul",
            { class: "error-detail" },
            unplaced.slice(0, 20).map((line) => h("li", { text: line })),
          )
        : null,
    );
    focusField(placed[0].field, placed[0].loc);
  }

  let cancelHandler = null;
  cancelButton.addEventListener("click", () => {
    const cb = cancelHandler;
    if (!cb) return;
    cancelHandler = null;
    cancelButton.disabled = true;
    cb();
  });

  /**
   * While a create request is out: Run shows "Creating…" and is disabled; with `onCancel`, a Cancel
   * button beside it calls it (once). setBusy(false) puts Run back and hides Cancel.
   */
  function setBusy(busy, { onCancel } = {}) {
    const hadFocus = document.activeElement === runButton || document.activeElement === cancelButton;
    runButton.disabled = busy;
    runButton.textContent = busy ? "Creating…" : "Run";
    form.setAttribute("aria-busy", String(busy));
    cancelHandler = busy && typeof onCancel === "function" ? onCancel : null;
    cancelButton.hidden = !cancelHandler;
    cancelButton.disabled = false;
    // Focus stays on a live control: Cancel while busy (Run is disabled), Run afterwards.
    if (hadFocus) (cancelHandler ? cancelButton : runButton).focus();
  }

  function setChips(field, list) {
    chips[field] = [];
    entry[field] = { problems: [], limited: false };
    const { problems } = entry[field];
    const kept = []; // entries this page cannot take stay in the entry box, beside their problem
    for (const raw of list) {
      const n = normalizeDomain(raw);
      if (n.error) {
        problems.push(n.error);
        kept.push(raw);
      } else if (!chips[field].includes(n.domain)) chips[field].push(n.domain);
    }
    chipBoxes[field].input.value = kept.join(", ");
    renderChips(field);
  }

  /**
   * Fill the form from a TaskRunInput body (what the form sends, or GET /v1/tasks/runs/{id}/input).
   * Returns { notCarried: string[] }: what the form has no control for, for a notice.
   */
  function load(body) {
    const { values, notCarried } = formValuesFromBody(body);
    form.querySelector(`input[name="inputMode"][value="${values.inputMode}"]`).checked = true;
    $("#input").value = values.input;
    processor.value = values.processor;
    showProcessor();
    form.querySelector(`input[name="outputMode"][value="${values.outputMode}"]`).checked = true;
    $("#output-description").value = values.outputDescription;
    $("#output-schema").value = values.outputSchema;
    showOutputMode();
    $("#input-schema").value = values.inputSchema;
    setChips("includeDomains", values.includeDomains);
    setChips("excludeDomains", values.excludeDomains);
    $("#after-date").value = values.afterDate;
    $("#webhook-url").value = values.webhookUrl;
    for (const c of form.querySelectorAll('input[name="webhookEventTypes"]'))
      c.checked = values.webhookEventTypes.includes(c.value);
    metadataRows.replaceChildren();
    for (const { key, value } of values.metadata) addMetadataRow(key, value);
    if (values.metadata.length === 0) addMetadataRow();
    $("#mcp-servers").value = values.mcpServers;
    enableEvents.checked = values.enableEvents;
    const advancedUsed =
      values.inputSchema ||
      values.includeDomains.length ||
      values.excludeDomains.length ||
      values.afterDate ||
      values.webhookUrl ||
      values.metadata.length ||
      values.mcpServers ||
      !values.enableEvents;
    if (advancedUsed) $("#advanced").open = true;
    submitted = false;
    showApiError(null);
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    validate();
    return { notCarried };
  }

  showOutputMode();
  addMetadataRow();
  validate();

  return { read, validate, showApiError, setBusy, load, addMetadataRow, setConfig: (cfg) => copyCode.setConfig(cfg) };
}
