// The run view's output block: the final output (or the run's failure), rendered once it arrives.

import { h } from "./dom.js";
import { renderOutput } from "./render-output.js";

export function createOutputView() {
  const output = h("div", { class: "output" });
  const element = h("section", { class: "panel-block output-block", "aria-label": "Output" }, [output]);
  let pending = null;
  return {
    element,
    show() {
      output.replaceChildren();
      pending = null;
    },
    take(c) {
      if (c.kind !== "output") return false;
      pending = c;
      return true;
    },
    commit() {
      if (pending) renderOutput(output, { output: pending.output, run: pending.run });
      pending = null;
    },
  };
}
