// The run view's actions on the selected run: Run again and Edit as new (its settings into the
// form), Export JSON and Export Markdown; and reading an import file. Buttons show only when the
// run has what they need (its input; its run object).

import { h, downloadText } from "./dom.js";
import { IMPORT_MAX_BYTES, parseRunExport, runToJson, runToMarkdown } from "./run-export.js";

/** What an export holds, from a session. */
export function exportRecord(s) {
  const summary = s.summary();
  const events = s.raw().map((r) => ({ type: r.type, data: r.data }));
  return { run: summary.run, input: s.input || null, output: summary.output, events };
}

/**
 * @param {object} o
 * @param {() => object|null} o.current  the selected session
 * @param {(body: object, submit: boolean) => void} o.loadIntoForm
 */
export function createRunActions({ current, loadIntoForm }) {
  const buttons = {};
  const make = (key, text, onClick) => {
    const b = h("button", { type: "button", class: "small", text, hidden: true });
    b.addEventListener("click", () => {
      const s = current();
      if (s) onClick(s);
    });
    buttons[key] = b;
    return b;
  };
  const elements = [
    make("again", "Run again", (s) => loadIntoForm(s.input, true)),
    make("edit", "Edit as new", (s) => loadIntoForm(s.input, false)),
    make("json", "Export JSON", (s) =>
      downloadText(`${s.runId}.json`, JSON.stringify(runToJson(exportRecord(s)), null, 2)),
    ),
    make("markdown", "Export Markdown", (s) =>
      downloadText(`${s.runId}.md`, runToMarkdown(exportRecord(s)), "text/markdown"),
    ),
  ];

  return {
    elements,
    /** Show the actions the session supports. */
    update(s) {
      const hasInput = Boolean(s && s.input);
      buttons.again.hidden = !hasInput;
      buttons.edit.hidden = !hasInput;
      const hasRun = Boolean(s && s.summary().run);
      buttons.json.hidden = !hasRun;
      buttons.markdown.hidden = !hasRun;
    },
  };
}

/** Read and check an import file: { record } or { error } in words. */
export async function readImportFile(file) {
  if (file.size > IMPORT_MAX_BYTES) return parseRunExport("", { size: file.size });
  try {
    return parseRunExport(await file.text(), { size: file.size });
  } catch (e) {
    return { error: `The file could not be read (${e && e.message ? e.message : e}).` };
  }
}
