// The create form: reads its values into the shape api.buildCreateRequest takes, validates as the
// user types (each problem shown next to its field), manages domain chips and metadata rows.

import { h } from "./dom.js";
import { PROCESSORS, DEFAULT_PROCESSOR, describeProcessor, findProcessor, eventsOnByDefault } from "./processors.js";
import { buildCreateRequest, normalizeDomain, LIMITS, describeDetail } from "./api.js";
import { EXAMPLE_OUTPUT_SCHEMA } from "./schema-check.js";

const FIELDS = ["input", "inputSchema", "includeDomains", "excludeDomains", "webhookUrl", "metadata", "mcpServers"];

export function createForm(form, { onSubmit }) {
  const $ = (sel) => form.querySelector(sel);
  const processor = $("#processor");
  const processorInfo = $("#processor-info");
  const runButton = $("#run-button");
  const formError = $("#form-error");
  const betaInfo = $("#beta-info");
  const schemaProblems = $("#output-schema-problems");
  const metadataRows = $("#metadata-rows");
  const domainCount = $("#domain-count");
  const chips = { includeDomains: [], excludeDomains: [] };
  let submitted = false;
  let timer = null;

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

  // domain chips
  for (const box of form.querySelectorAll("[data-chips]")) {
    const field = box.dataset.chips;
    const input = box.querySelector("input");
    const list = box.querySelector(".chips");
    const error = box.querySelector(".chip-error"); // this entry's problems; validation has its own slot
    const add = () => {
      const parts = input.value.split(/[\s,]+/).filter(Boolean);
      const problems = [];
      for (const part of parts) {
        const n = normalizeDomain(part);
        if (n.error) {
          problems.push(n.error);
          continue;
        }
        if (chips[field].includes(n.domain)) {
          problems.push(`${n.domain} is already in the list.`);
          continue;
        }
        if (chips.includeDomains.length + chips.excludeDomains.length >= LIMITS.domains) {
          problems.push(`At most ${LIMITS.domains} domains in all.`);
          break;
        }
        chips[field].push(n.domain);
      }
      input.value = problems.length ? parts.filter((p) => normalizeDomain(p).error).join(" ") : "";
      error.textContent = problems.join(" ");
      error.hidden = problems.length === 0;
      renderChips(field, list);
      validateSoon();
    };
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === ",") {
        e.preventDefault();
        add();
      } else if (e.key === "Backspace" && input.value === "" && chips[field].length) {
        chips[field].pop();
        renderChips(field, list);
        validateSoon();
      }
    });
    box.querySelector(".chip-add").addEventListener("click", add);
    input.addEventListener("blur", () => {
      if (input.value.trim()) add();
    });
  }
  function renderChips(field, list) {
    const frag = document.createDocumentFragment();
    chips[field].forEach((d, i) => {
      const remove = h("button", { type: "button", class: "chip-remove", "aria-label": `Remove ${d}`, text: "×" });
      remove.addEventListener("click", () => {
        chips[field].splice(i, 1);
        renderChips(field, list);
        validateSoon();
        form.querySelector(`[data-chips="${field}"] input`).focus();
      });
      frag.append(h("li", { class: "chip" }, [h("span", { text: d }), remove]));
    });
    list.replaceChildren(frag);
    const total = chips.includeDomains.length + chips.excludeDomains.length;
    domainCount.textContent = `${total} of ${LIMITS.domains} domains.`;
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

  function read() {
    return {
      inputMode: form.querySelector('input[name="inputMode"]:checked').value,
      input: $("#input").value,
      processor: processor.value,
      outputMode: outputMode(),
      outputDescription: $("#output-description").value,
      outputSchema: $("#output-schema").value,
      inputSchema: $("#input-schema").value,
      includeDomains: [...chips.includeDomains],
      excludeDomains: [...chips.excludeDomains],
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
    for (const field of FIELDS) {
      const el = fieldError(field);
      if (!el) continue;
      // Before the first Run, an empty input is not yet an error worth showing.
      const emptyInput = $("#input").value.trim() === "";
      const mine = errors.filter((e) => e.field === field && !(quiet && field === "input" && emptyInput));
      el.textContent = mine.map((e) => e.message).join(" ");
      el.hidden = mine.length === 0;
      const control =
        field === "input"
          ? $("#input")
          : field === "inputSchema"
            ? $("#input-schema")
            : field === "webhookUrl"
              ? $("#webhook-url")
              : field === "mcpServers"
                ? $("#mcp-servers")
                : null;
      if (control) control.setAttribute("aria-invalid", String(mine.length > 0));
    }
    // Excluded-domain warning shares the exclude field's slot when there is no error there.
    const excl = fieldError("excludeDomains");
    const exclWarn = warnings.find((w) => w.field === "excludeDomains");
    if (excl.hidden && exclWarn) {
      excl.textContent = exclWarn.message;
      excl.hidden = false;
      excl.dataset.level = "warning";
    } else delete excl.dataset.level;

    const schemaErrors = errors.filter((e) => e.field === "outputSchema");
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

  function validate() {
    timer = null;
    const result = buildCreateRequest(read());
    showProblems(result);
    betaInfo.textContent = result.body ? `parallel-beta: ${result.headers["parallel-beta"]}` : "";
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
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    const result = validate();
    if (!result.body) {
      const first = result.errors[0];
      showApiError(null);
      formError.hidden = false;
      formError.replaceChildren(
        h("strong", { text: "Not sent: " }),
        h("span", {
          text: `${result.errors.length} problem${result.errors.length === 1 ? "" : "s"} to fix (shown next to the fields).`,
        }),
      );
      focusField(first.field);
      return;
    }
    onSubmit(result);
  });

  function focusField(field) {
    const map = {
      input: "#input",
      processor: "#processor",
      outputSchema: "#output-schema",
      inputSchema: "#input-schema",
      includeDomains: "#include-domain",
      excludeDomains: "#exclude-domain",
      webhookUrl: "#webhook-url",
      mcpServers: "#mcp-servers",
      metadata: "#metadata-rows input",
    };
    if (["inputSchema", "includeDomains", "excludeDomains", "webhookUrl", "mcpServers", "metadata"].includes(field))
      $("#advanced").open = true;
    const el = $(map[field] || "#input");
    if (el) el.focus();
  }

  /** Show an API error inline: message, ref_id and any validation detail. null clears it. */
  function showApiError(err) {
    if (!err) {
      formError.hidden = true;
      formError.replaceChildren();
      return;
    }
    formError.hidden = false;
    const parts = [
      h("strong", { text: err.status ? `HTTP ${err.status}: ` : "Error: " }),
      h("span", { class: "error-message", text: err.message }),
    ];
    if (err.refId) parts.push(h("span", { class: "ref-id", text: ` (ref_id ${err.refId})` }));
    const details = describeDetail(err.detail);
    if (details.length) {
      const ul = h("ul", { class: "error-detail" });
      for (const d of details.slice(0, 20)) ul.append(h("li", { text: d }));
      parts.push(ul);
    }
    formError.replaceChildren(...parts);
  }

  function setBusy(busy) {
    runButton.disabled = busy;
    runButton.textContent = busy ? "Creating…" : "Run";
    form.setAttribute("aria-busy", String(busy));
  }

  showOutputMode();
  addMetadataRow();
  validate();

  return { read, validate, showApiError, setBusy, addMetadataRow };
}
