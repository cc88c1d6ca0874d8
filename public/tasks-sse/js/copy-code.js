// The "Copy as code" panel under the form: four tabs (a WAI-ARIA tablist: arrow keys, Home and End
// move between them) showing the form's current request as code, and a Copy button.
// Snippets go into <code> through textContent only.

import { h } from "./dom.js";
import { CODE_TABS, requestCode } from "./request-code.js";

/**
 * @param {HTMLElement} root the panel's container (a <details>)
 * @returns {{ update(result: {body?: object, headers?: object}): void, setConfig(cfg: {mode?: string, upstream?: string}): void }}
 */
export function createCopyCode(root) {
  const tablist = root.querySelector('[role="tablist"]');
  const copyButton = root.querySelector(".copy-code-copy");
  const status = root.querySelector(".copy-code-status");
  let where = { mode: "unknown", upstream: "", origin: location.origin };
  let request = null; // the last { body, headers } the form produced, or null while it has errors
  let selected = CODE_TABS[0].id;

  const tabs = [];
  const panels = [];
  for (const { id, label } of CODE_TABS) {
    const tab = h("button", {
      type: "button",
      role: "tab",
      id: `code-tab-${id}`,
      "aria-controls": `code-panel-${id}`,
      text: label,
    });
    const code = h("code");
    const panel = h("div", { role: "tabpanel", id: `code-panel-${id}`, "aria-labelledby": tab.id, tabindex: "0" }, [
      h("pre", { class: "code-snippet" }, [code]),
    ]);
    tab.addEventListener("click", () => select(id));
    tabs.push(tab);
    panels.push({ id, panel, code });
  }
  tablist.append(...tabs);
  tablist.after(...panels.map((p) => p.panel));

  tablist.addEventListener("keydown", (e) => {
    const i = CODE_TABS.findIndex((t) => t.id === selected);
    const n = CODE_TABS.length;
    const to = { ArrowRight: (i + 1) % n, ArrowLeft: (i - 1 + n) % n, Home: 0, End: n - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    select(CODE_TABS[to].id);
    tabs[to].focus();
  });

  function select(id) {
    selected = id;
    CODE_TABS.forEach((t, i) => {
      const on = t.id === id;
      tabs[i].setAttribute("aria-selected", String(on));
      tabs[i].tabIndex = on ? 0 : -1;
      panels[i].panel.hidden = !on;
    });
    status.textContent = "";
  }

  function render() {
    const code = request ? requestCode(request.body, request.headers["parallel-beta"] || "", where) : null;
    for (const { id, code: el } of panels)
      el.textContent = code ? code[id] : "The form has problems to fix; the code appears once it is valid.";
    copyButton.disabled = !code;
  }

  copyButton.addEventListener("click", async () => {
    const text = panels.find((p) => p.id === selected).code.textContent;
    try {
      await navigator.clipboard.writeText(text);
      status.textContent = "Copied.";
    } catch {
      // No clipboard access (an insecure origin, or refused): select the text for Ctrl+C instead.
      const range = document.createRange();
      range.selectNodeContents(panels.find((p) => p.id === selected).code);
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      status.textContent = "Could not copy: the code is selected, press Ctrl+C (⌘C).";
    }
  });

  select(selected);
  render();
  return {
    update(result) {
      request = result && result.body ? { body: result.body, headers: result.headers || {} } : null;
      render();
    },
    /** Where the snippets point: the page's config says whether it runs against the simulator. */
    setConfig(cfg) {
      where = { mode: cfg.mode, upstream: cfg.upstream, origin: location.origin };
      render();
    },
  };
}
