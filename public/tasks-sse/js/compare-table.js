// The aligned JSON outputs of a comparison: one row per field path, one cell per processor, each
// row saying whether the columns with JSON output agree. Built from compare-align.js's result.

import { h } from "./dom.js";

const STATE_WORDS = { same: "same", differs: "differs", missing: "missing" };

export function createCompareTable() {
  const summary = h("p", { class: "compare-fields-summary" });
  const onlyDiff = h("input", { type: "checkbox", id: "compare-only-diff" });
  const filter = h("label", { class: "inline compare-only-diff" }, [onlyDiff, " Only fields that differ"]);
  const table = h("table", { class: "compare-table" });
  // Focusable, so a keyboard can scroll a wide table (it may hold no other control).
  const scroller = h(
    "div",
    { class: "compare-table-wrap", tabindex: "0", role: "region", "aria-label": "Aligned fields" },
    [table],
  );
  const element = h("section", { class: "compare-fields", "aria-labelledby": "compare-fields-title", hidden: true }, [
    h("h3", { id: "compare-fields-title", text: "JSON output, field by field" }),
    summary,
    filter,
    scroller,
  ]);
  let last = null;
  onlyDiff.addEventListener("change", () => last && paint(last.aligned, last.processors));

  function paint(aligned, processors) {
    last = { aligned, processors };
    if (aligned.compared.length === 0) {
      element.hidden = true;
      table.replaceChildren();
      return;
    }
    element.hidden = false;
    const { same, differs, missing } = aligned.counts;
    const total = same + differs + missing;
    const n = aligned.compared.length;
    summary.textContent =
      `${total} field${total === 1 ? "" : "s"} across ${n} JSON output${n === 1 ? "" : "s"}: ` +
      `${same} same, ${differs} differ${differs === 1 ? "s" : ""}, ${missing} missing in some.` +
      (aligned.truncated ? " The outputs are too large to compare in full: the first fields are shown." : "") +
      (n === 1 ? " Differences show once a second JSON output arrives." : "");
    const head = h("tr", {}, [
      h("th", { scope: "col", text: "Field" }),
      h("th", { scope: "col", text: "Compared" }),
      ...processors.map((p) => h("th", { scope: "col", text: p })),
    ]);
    const body = h("tbody");
    for (const row of aligned.rows) {
      if (onlyDiff.checked && row.state === "same") continue;
      const missingNames = row.missingIn.map((i) => processors[i]).join(", ");
      body.append(
        h("tr", { class: `compare-row row-${row.state}`, dataset: { state: row.state } }, [
          h("th", { scope: "row" }, [h("code", { text: row.path })]),
          h("td", {
            class: "compare-mark",
            text: row.state === "missing" ? `missing in ${missingNames}` : STATE_WORDS[row.state],
          }),
          ...row.cells.map((cell) =>
            cell === null
              ? h("td", { class: "cell-none muted", text: "no JSON output" })
              : cell === undefined
                ? h("td", { class: "cell-missing muted", text: "(missing)" })
                : h("td", { class: "cell-value" }, [h("code", { text: cell.text })]),
          ),
        ]),
      );
    }
    table.replaceChildren(
      h("caption", { class: "visually-hidden", text: "JSON output fields aligned across the processors" }),
      h("thead", {}, [head]),
      body,
    );
  }

  return { element, paint };
}
