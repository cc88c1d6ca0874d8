// The history panel: newest first, each run with a status badge, processor, created time and an
// input preview; select to open its details and stream; copy its run id; delete one; clear all.
// A comparison (one input on several processors) is one entry of its own look; opening it asks the
// comparison panel (OPEN_COMPARISON_EVENT), and deleting it tells the panel too.

import { h, dateTime, copyText } from "./dom.js";
import { statusBadge } from "./view-header.js";
import { isComparison, OPEN_COMPARISON_EVENT, REMOVED_COMPARISON_EVENT } from "./history.js";

/** Ask the page (the comparison panel) to do something with a comparison. */
function signal(name, id) {
  window.dispatchEvent(new CustomEvent(name, { detail: { id } }));
}

export function createHistoryView(root, { onSelect, onDelete, onClear }) {
  const notice = h("p", { class: "notice", role: "status", hidden: true });
  const dismiss = h("button", { type: "button", class: "small", text: "Dismiss" });
  const noticeBox = h("div", { class: "notice-box", hidden: true }, [notice, dismiss]);
  // After a delete: say what went, and offer it back until the next delete or dismissal.
  const undoText = h("span", { class: "undo-text" });
  const undoBtn = h("button", { type: "button", class: "small", text: "Undo" });
  const undoDismiss = h("button", { type: "button", class: "small", text: "Dismiss" });
  const undoBox = h("div", { class: "notice-box undo-box", role: "status", hidden: true }, [
    undoText,
    undoBtn,
    undoDismiss,
  ]);
  let undoAction = null;
  let undoDone = null;
  function closeUndo(restore) {
    const action = restore ? undoAction : undoDone;
    undoAction = undoDone = null;
    undoBox.hidden = true;
    if (action) action();
  }
  undoBtn.addEventListener("click", () => closeUndo(true));
  undoDismiss.addEventListener("click", () => closeUndo(false));
  const list = h("ul", { class: "history-list", "aria-label": "Task runs" });
  const empty = h("p", {
    class: "muted history-empty",
    text: "No task runs yet. Runs you create are kept here, in this browser.",
  });
  const clear = h("button", { type: "button", class: "small danger", text: "Clear all" });
  const confirmBox = h("div", { class: "confirm", hidden: true }, [
    h("span", { text: "Remove every run from this browser's history? " }),
    h("button", { type: "button", class: "small danger confirm-yes", text: "Yes, clear all" }),
    h("button", { type: "button", class: "small confirm-no", text: "Cancel" }),
  ]);
  root.replaceChildren(
    h("div", { class: "history-head" }, [h("h2", { id: "history-title", text: "History" }), clear]),
    confirmBox,
    noticeBox,
    undoBox,
    empty,
    list,
  );
  root.setAttribute("aria-labelledby", "history-title");

  dismiss.addEventListener("click", () => {
    noticeBox.hidden = true;
  });
  clear.addEventListener("click", () => {
    confirmBox.hidden = false;
    confirmBox.querySelector(".confirm-no").focus();
  });
  confirmBox.querySelector(".confirm-no").addEventListener("click", () => {
    confirmBox.hidden = true;
    clear.focus();
  });
  confirmBox.querySelector(".confirm-yes").addEventListener("click", () => {
    confirmBox.hidden = true;
    onClear();
    clear.focus();
  });

  function comparisonItem(entry) {
    const n = entry.members.length;
    const open = h("button", { type: "button", class: "history-open" }, [
      h("span", { class: "history-line" }, [
        h("span", { class: "badge compare-badge", text: "Compare" }),
        h("span", { class: "history-processor", text: `${n} processors` }),
        h("time", { class: "muted", datetime: entry.createdAt || null, text: dateTime(entry.createdAt) }),
      ]),
      h("span", { class: "history-compare-processors muted", text: entry.members.map((m) => m.processor).join(" · ") }),
      h("span", { class: "history-preview", text: entry.inputPreview || "(no input)" }),
    ]);
    open.addEventListener("click", () => signal(OPEN_COMPARISON_EVENT, entry.runId));
    const del = h("button", {
      type: "button",
      class: "small danger",
      "aria-label": `Delete comparison ${entry.runId} from history`,
      text: "Delete",
    });
    del.addEventListener("click", () => {
      onDelete(entry.runId);
      signal(REMOVED_COMPARISON_EVENT, entry.runId);
    });
    return h("li", { class: "history-item history-comparison", dataset: { runId: entry.runId, kind: "compare" } }, [
      open,
      h("div", { class: "history-tools" }, [h("code", { class: "history-id", text: entry.runId }), del]),
    ]);
  }

  function item(entry, selected) {
    if (isComparison(entry)) return comparisonItem(entry);
    const open = h("button", { type: "button", class: "history-open", "aria-current": selected ? "true" : null }, [
      h("span", { class: "history-line" }, [
        statusBadge(entry.status),
        h("span", { class: "history-processor", text: entry.processor || "?" }),
        h("time", { class: "muted", datetime: entry.createdAt || null, text: dateTime(entry.createdAt) }),
        entry.kept ? h("span", { class: "badge kept", text: "kept locally" }) : null,
      ]),
      h("span", { class: "history-preview", text: entry.inputPreview || "(no input)" }),
    ]);
    open.addEventListener("click", () => onSelect(entry.runId));
    const copy = h("button", {
      type: "button",
      class: "small",
      "aria-label": `Copy id ${entry.runId}`,
      text: "Copy id",
    });
    copy.addEventListener("click", async () => {
      const ok = await copyText(entry.runId);
      copy.textContent = ok ? "Copied" : "Copy failed";
      setTimeout(() => {
        copy.textContent = "Copy id";
      }, 1500);
    });
    const del = h("button", {
      type: "button",
      class: "small danger",
      "aria-label": `Delete run ${entry.runId} from history`,
      text: "Delete",
    });
    del.addEventListener("click", () => onDelete(entry.runId));
    const li = h(
      "li",
      { class: `history-item${selected ? " selected" : ""}`, dataset: { runId: entry.runId, status: entry.status } },
      [open, h("div", { class: "history-tools" }, [h("code", { class: "history-id", text: entry.runId }), copy, del])],
    );
    if (selected) {
      const details = h("dl", { class: "history-details" }, [
        h("dt", { text: "Run id" }),
        h("dd", {}, [h("code", { text: entry.runId })]),
        h("dt", { text: "Status" }),
        h("dd", { text: `${entry.status}${entry.isActive ? " (active)" : ""}` }),
        h("dt", { text: "Processor" }),
        h("dd", { text: entry.processor || "?" }),
        h("dt", { text: "Created" }),
        h("dd", { text: entry.createdAt || "?" }),
        entry.kept ? h("dt", { text: "Result" }) : null,
        entry.kept ? h("dd", { text: "Kept locally, in this browser: shown without the API." }) : null,
        entry.error ? h("dt", { text: "Error" }) : null,
        entry.error ? h("dd", { text: entry.error }) : null,
        h("dt", { text: "Input" }),
        h("dd", {}, [h("pre", { class: "history-input", text: entry.input || entry.inputPreview || "" })]),
      ]);
      li.append(details);
    }
    return li;
  }

  return {
    render(entries, selectedId) {
      const frag = document.createDocumentFragment();
      for (const e of entries) frag.append(item(e, e.runId === selectedId));
      list.replaceChildren(frag);
      empty.hidden = entries.length > 0;
      clear.disabled = entries.length === 0;
    },
    /**
     * Offer to undo a delete: `restore` puts it back; `finish` runs when the offer goes (another
     * delete or Dismiss) and makes the delete final.
     */
    offerUndo(text, restore, finish) {
      closeUndo(false);
      undoText.textContent = `${text} `;
      undoAction = restore;
      undoDone = finish;
      undoBox.hidden = false;
      undoBtn.focus();
    },
    showNotice(text) {
      notice.textContent = text;
      notice.hidden = !text;
      noticeBox.hidden = !text;
    },
  };
}
