// The create form's "Compare processors" box: pick 2 to 6 processors and press Compare. The form's
// own checks run first (the same as Run); then `onCompare({ processors, body, headers })`.

import { h } from "./dom.js";
import { PROCESSORS } from "./processors.js";
import { COMPARE_MAX, COMPARE_MIN } from "./history.js";
import { pickProblem } from "./compare-create.js";
import { formatUsd } from "./compare-state.js";

export function createCompareLaunch(root, { form, onCompare }) {
  const boxes = PROCESSORS.map((p) =>
    h("input", { type: "checkbox", value: p.name, class: "compare-pick-box", dataset: { processor: p.name } }),
  );
  const list = h(
    "ul",
    { class: "compare-pick-list" },
    PROCESSORS.map((p, i) =>
      h("li", {}, [
        h("label", {}, [boxes[i], ` ${p.name}`]),
        h("span", { class: "muted compare-pick-price", text: `${formatUsd(p.pricePer1k / 1000)}/run` }),
      ]),
    ),
  );
  const count = h("span", { id: "compare-count", class: "help muted" });
  const button = h("button", {
    type: "button",
    id: "compare-button",
    text: "Compare",
    "aria-describedby": "compare-count",
  });
  const error = h("div", { id: "compare-error", class: "api-error", role: "alert", hidden: true });
  const box = h("details", { class: "compare-box", id: "compare-box" }, [
    h("summary", { text: "Compare processors" }),
    h("p", {
      class: "help muted",
      text: `Run this input on ${COMPARE_MIN} to ${COMPARE_MAX} processors at once and see them side by side: status, time, events, sources, price and output.`,
    }),
    h("fieldset", { class: "compare-pick" }, [
      h("legend", { text: `Run it on (pick ${COMPARE_MIN} to ${COMPARE_MAX})` }),
      list,
    ]),
    h("div", { class: "compare-launch-row" }, [button, count]),
    error,
  ]);
  root.replaceChildren(box);

  const picked = () => boxes.filter((b) => b.checked).map((b) => b.value);
  function showCount() {
    const n = picked().length;
    count.textContent = `${n} picked${n > COMPARE_MAX ? ` (at most ${COMPARE_MAX})` : n < COMPARE_MIN ? ` (at least ${COMPARE_MIN})` : ""}.`;
  }
  list.addEventListener("change", showCount);
  showCount();

  function showError(parts) {
    if (!parts) {
      error.hidden = true;
      error.replaceChildren();
      return;
    }
    error.hidden = false;
    error.replaceChildren(...parts);
  }

  button.addEventListener("click", () => {
    performance.mark("tasks-sse:compare-click");
    const processors = picked();
    const problem = pickProblem(processors);
    if (problem) {
      showError([h("strong", { text: "Not compared: " }), h("span", { text: problem })]);
      (boxes.find((b) => b.checked) || boxes[0]).focus();
      return;
    }
    const result = form.validate(true);
    if (!result.body) {
      const n = result.errors.length;
      showError([
        h("strong", { text: "Not compared: " }),
        h("span", { text: `${n} problem${n === 1 ? "" : "s"} in the form to fix first:` }),
        h(
          "ul",
          { class: "error-detail" },
          result.errors.slice(0, 20).map((e) => h("li", { text: e.path ? `${e.path}: ${e.message}` : e.message })),
        ),
      ]);
      return;
    }
    showError(null);
    onCompare({ processors, body: result.body, headers: result.headers });
  });

  return {
    showError(text) {
      showError(text ? [h("strong", { text: "Not compared: " }), h("span", { text })] : null);
    },
    setBusy(busy, n = 0) {
      button.disabled = busy;
      button.textContent = busy ? `Creating ${n} runs…` : "Compare";
    },
    /** Tick exactly these processors (the e2e tests and "compare again"). */
    pick(names) {
      for (const b of boxes) b.checked = names.includes(b.value);
      showCount();
    },
  };
}
