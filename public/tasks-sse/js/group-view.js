// The task-group panel: id and link, counts per status, a progress bar, the add-runs progress,
// export buttons and a table of runs. It follows a group store's change records and renders at
// most once per animation frame (store changes at most every STORE_RENDER_MS); the table holds only
// the rows in sight (plus a margin), so a group of thousands of runs costs the same per frame as
// one of twenty.

import { h, copyText, dateTime, formatCount } from "./dom.js";
import { STATUS_ORDER } from "./group-store.js";
import { hashForGroup } from "./group-ref.js";
import { rowsToBuild } from "./group-window.js";

const OVERSCAN = 8; // rows rendered above and below the visible ones
const MAX_NEW_ROWS = 8; // rows built in one frame at most (see group-window.js)
const FALLBACK_ROW_PX = 34;
// A group's events can arrive hundreds a second. Rendering each frame for them spends most of the
// main thread on style, layout, paint and commit (the panel's numbers change every frame), so
// store changes render at most this often; scrolling, resizing and the filter still render in the
// next frame.
const STORE_RENDER_MS = 100;
// One formatter: toLocaleString builds one per call, which shows in a render per frame.

// Writes that change nothing are skipped: assigning textContent replaces the text node even when
// the text is the same, and that dirties layout and paint of the whole panel on every frame.
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}
function setHidden(el, hidden) {
  if (el.hidden !== hidden) el.hidden = hidden;
}
function setAttr(el, name, value) {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}
function setNumber(el, name, value) {
  if (el[name] !== value) el[name] = value;
}

/**
 * @param {HTMLElement} root  the #group-panel section
 * @param {{ onOpenRun: (runId: string) => void, onExport: (format: "csv"|"jsonl") => void,
 *           onRetryFailed: () => void, onReconnect: () => void }} actions
 */
export function createGroupView(root, actions) {
  let store = null;
  let unsubscribe = null;
  let frame = 0;
  let timer = 0; // a store-driven render waiting for STORE_RENDER_MS to pass
  let lastRender = -Infinity;
  let dirty = { status: true, rows: true, all: true };
  let filter = "";
  let list = null; // row indexes under the filter (null: all rows)
  let rowPx = 0;
  let viewportPx = 0;
  let scrollTopPx = 0;
  const shown = new Map(); // row index -> { tr, status, preview, pos }
  let lastAnnounced = "";
  let countKeys = null; // the statuses the count list shows, in order ("" for none)
  let failuresText = ""; // the add-runs failures shown

  const title = h("h2", { id: "group-title", tabindex: "-1", text: "Task group" });
  const idCode = h("code", { class: "group-id" });
  const copyBtn = h("button", { type: "button", class: "small", text: "Copy link" });
  const copyStatus = h("span", { class: "help muted", role: "status" });
  const created = h("span", { class: "help muted" });
  const stateLine = h("p", { class: "group-stream help" });
  const reconnectBtn = h("button", { type: "button", class: "small", text: "Reconnect", hidden: true });
  const progressLabel = h("span", { id: "group-progress-label", class: "group-progress-label" });
  const progress = h("progress", {
    id: "group-progress",
    max: "1",
    value: "0",
    "aria-labelledby": "group-progress-label",
  });
  const counts = h("ul", { class: "group-counts", "aria-label": "Runs per status" });
  const announce = h("p", { class: "visually-hidden", role: "status" });
  const adding = h("div", { class: "group-adding", hidden: true });
  const addingText = h("p", { class: "help", role: "status" });
  const addingBar = h("progress", { max: "1", value: "0", "aria-label": "Runs added" });
  const failures = h("ul", { class: "group-failures field-error" });
  const retryBtn = h("button", { type: "button", class: "small", text: "Retry the rows not added", hidden: true });
  adding.append(addingText, addingBar, failures, retryBtn);
  const exportCsv = h("button", { type: "button", class: "small", text: "Export CSV" });
  const exportJsonl = h("button", { type: "button", class: "small", text: "Export JSON Lines" });
  const exportStatus = h("span", { class: "help muted", role: "status" });
  const filterSelect = h("select", { id: "group-filter" });
  const tableBody = h("tbody");
  const topPad = h("tr", { class: "group-pad", "aria-hidden": "true" }, [h("td", { colspan: "4" })]);
  const bottomPad = h("tr", { class: "group-pad", "aria-hidden": "true" }, [h("td", { colspan: "4" })]);
  tableBody.append(topPad, bottomPad);
  const table = h("table", { class: "group-runs", "aria-labelledby": "group-runs-caption" }, [
    h("caption", { id: "group-runs-caption", class: "visually-hidden", text: "Runs in this group" }),
    h("thead", {}, [
      h("tr", { "aria-rowindex": "1" }, [
        h("th", { scope: "col", class: "col-n", text: "#" }),
        h("th", { scope: "col", class: "col-run", text: "Run" }),
        h("th", { scope: "col", class: "col-status", text: "Status" }),
        h("th", { scope: "col", class: "col-input", text: "Input" }),
      ]),
    ]),
    tableBody,
  ]);
  const scroller = h(
    "div",
    { class: "group-table-scroll", tabindex: "0", role: "region", "aria-label": "Runs in this group (scrolls)" },
    [table],
  );
  const emptyNote = h("p", { class: "help muted", text: "No runs in this group yet." });

  root.replaceChildren(
    h("div", { class: "group-head" }, [
      title,
      h("p", { class: "group-idline" }, [idCode, " ", copyBtn, " ", copyStatus]),
      created,
    ]),
    h("div", { class: "group-progress" }, [progressLabel, progress]),
    counts,
    announce,
    h("div", { class: "group-streamline" }, [stateLine, reconnectBtn]),
    adding,
    h("div", { class: "group-tools" }, [
      h("label", { for: "group-filter", text: "Show" }),
      filterSelect,
      h("span", { class: "group-tools-gap" }),
      exportCsv,
      exportJsonl,
      exportStatus,
    ]),
    scroller,
    emptyNote,
  );

  copyBtn.addEventListener("click", async () => {
    if (!store) return;
    const url = `${location.origin}${location.pathname}${hashForGroup(store.groupId)}`;
    copyStatus.textContent = (await copyText(url)) ? "Link copied." : `Copy this link: ${url}`;
  });
  reconnectBtn.addEventListener("click", () => actions.onReconnect());
  retryBtn.addEventListener("click", () => actions.onRetryFailed());
  exportCsv.addEventListener("click", () => actions.onExport("csv"));
  exportJsonl.addEventListener("click", () => actions.onExport("jsonl"));
  filterSelect.addEventListener("change", () => {
    filter = filterSelect.value;
    resetRows();
    schedule({ rows: true, scrollTop: true });
  });
  tableBody.addEventListener("click", (e) => {
    const btn = e.target.closest("button[data-run-id]");
    if (btn) actions.onOpenRun(btn.dataset.runId);
  });
  // The scroll position and the viewport's height are read when they change (scroll events,
  // ResizeObserver reports: layout is clean then), not in render: other parts of the page may
  // have dirtied layout by then, and reading it would force a layout in the middle of the frame.
  scroller.addEventListener(
    "scroll",
    () => {
      scrollTopPx = scroller.scrollTop;
      schedule({ rows: true });
    },
    { passive: true },
  );
  if (typeof ResizeObserver === "function")
    new ResizeObserver((entries) => {
      viewportPx = entries[entries.length - 1].contentRect.height;
      scrollTopPx = scroller.scrollTop; // a scroller shown again may have lost its position
      schedule({ rows: true });
    }).observe(scroller);

  /** Render `what` in the next frame, or (`fromStore`) no sooner than STORE_RENDER_MS after the last render. */
  function schedule(what, fromStore = false) {
    dirty = { ...dirty, ...what };
    if (frame || !store) return;
    const wait = fromStore ? lastRender + STORE_RENDER_MS - performance.now() : 0;
    if (wait <= 0) {
      clearTimeout(timer);
      timer = 0;
      frame = requestAnimationFrame(render);
    } else if (!timer)
      timer = setTimeout(() => {
        timer = 0;
        if (!frame && store) frame = requestAnimationFrame(render);
      }, wait);
  }

  function onChanges(changes) {
    const what = {};
    for (const c of changes) {
      if (c.kind === "rows" || c.kind === "run") {
        what.rows = true;
        what.status = true; // counts without a group status come from rows
        if (filter) list = null; // membership may change
      } else what.status = true;
    }
    schedule(what, true);
  }

  function resetRows() {
    for (const { tr } of shown.values()) tr.remove();
    shown.clear();
    list = null;
  }

  function render() {
    frame = 0;
    if (!store) return;
    lastRender = performance.now();
    const what = dirty;
    dirty = {};
    const geometry = what.rows ? readGeometry(what) : null;
    if (what.status) renderStatus();
    if (what.rows) renderRows(geometry);
    if (what.focus) {
      title.focus({ preventScroll: true });
      title.scrollIntoView({ block: "nearest" });
    }
  }

  function readGeometry(what) {
    // Read once per group (the row height is fixed by CSS), before anything is written this frame.
    if (!rowPx && shown.size) {
      const measured = shown.values().next().value.tr.getBoundingClientRect().height;
      if (measured > 0) rowPx = measured;
    }
    if (!viewportPx) viewportPx = scroller.clientHeight; // no ResizeObserver report yet
    if (what.scrollTop) {
      scroller.scrollTop = 0;
      scrollTopPx = 0;
    }
    return { top: scrollTopPx };
  }

  function renderStatus() {
    const s = store.summary();
    setText(idCode, s.groupId);
    setText(created, s.createdAt ? `Created ${dateTime(s.createdAt)}` : "");
    setNumber(progress, "max", Math.max(1, s.total));
    setNumber(progress, "value", s.finished);
    const pct = s.total ? Math.floor((s.finished / s.total) * 100) : 0;
    setText(
      progressLabel,
      `${formatCount(s.finished)} of ${formatCount(s.total)} run${s.total === 1 ? "" : "s"} finished (${pct}%)`,
    );
    const keys = [
      ...STATUS_ORDER.filter((k) => s.counts[k]),
      ...Object.keys(s.counts).filter((k) => !STATUS_ORDER.includes(k) && s.counts[k]),
    ];
    renderCounts(keys, s.counts);
    // The filter offers the statuses present, keeping the chosen one.
    const options = ["", ...keys];
    if (filter && !options.includes(filter)) options.push(filter);
    const current = [...filterSelect.options].map((o) => o.value).join("|");
    if (current !== options.join("|")) {
      filterSelect.replaceChildren(
        ...options.map((k) => h("option", { value: k, text: k ? `${k.replace("_", " ")} only` : "All runs" })),
      );
      filterSelect.value = filter;
    }
    renderStream(s);
    renderAdding(s.adding);
    const done = s.total > 0 && !s.isActive && s.finished === s.total && !(s.adding && s.adding.done < s.adding.total);
    const say = done ? `All ${formatCount(s.total)} runs finished.` : "";
    if (say !== lastAnnounced) {
      announce.textContent = say;
      lastAnnounced = say;
    }
  }

  /** The count per status: the list is rebuilt only when the statuses change, else numbers update. */
  function renderCounts(keys, n) {
    if (keys.join("|") !== countKeys) {
      countKeys = keys.join("|");
      const items = keys.map((k) =>
        h("li", { class: "group-count", dataset: { status: k } }, [
          h("span", { class: "group-count-n", text: formatCount(n[k]) }),
          ` ${k.replace("_", " ")}`,
        ]),
      );
      if (!items.length) items.push(h("li", { class: "group-count muted", text: "No runs yet" }));
      counts.replaceChildren(...items);
      return;
    }
    keys.forEach((k, i) => setText(counts.children[i].firstChild, formatCount(n[k])));
  }

  function renderStream(s) {
    const st = s.stream || { state: "idle" };
    let text = "";
    let canReconnect = false;
    if (st.state === "connecting") text = "Connecting to the group's events…";
    else if (st.state === "live") text = "Live: updates as runs finish.";
    else if (st.state === "reconnecting")
      text = `Connection lost (${st.reason}); reconnecting in ${Math.round(st.delayMs / 1000)} s, attempt ${st.attempt} of ${st.maxAttempts}.`;
    else if (st.state === "ended") {
      if (st.reason === "completed")
        text = s.isActive ? "The event stream ended." : "Every run has finished; the event stream is closed.";
      else {
        text = `The event stream stopped: ${st.message || st.reason}${st.status ? ` (HTTP ${st.status})` : ""}.`;
        canReconnect = true;
      }
    } else if (st.state === "loading") text = st.message || "Reading the group…";
    else if (st.state === "error") text = st.message;
    setText(stateLine, text);
    if (stateLine.dataset.state !== st.state) stateLine.dataset.state = st.state;
    setHidden(reconnectBtn, !canReconnect);
  }

  function renderAdding(a) {
    setHidden(adding, !a);
    if (!a) return;
    setHidden(addingBar, !a.busy);
    setNumber(addingBar, "max", Math.max(1, a.total));
    setNumber(addingBar, "value", a.done);
    const failedRows = a.failed.reduce((n, f) => n + f.count, 0);
    setText(
      addingText,
      a.done + failedRows < a.total
        ? `Adding runs: ${formatCount(a.done)} of ${formatCount(a.total)} added…`
        : failedRows
          ? `${formatCount(a.done)} of ${formatCount(a.total)} runs added; ${formatCount(failedRows)} not added.`
          : `All ${formatCount(a.total)} runs added.`,
    );
    const texts = a.failed.map((f) => f.text);
    if (texts.join("\n") !== failuresText) {
      failuresText = texts.join("\n");
      failures.replaceChildren(...texts.map((text) => h("li", { text })));
    }
    setHidden(retryBtn, !(failedRows && !a.busy));
  }

  function currentList() {
    if (!filter) return null;
    if (!list) list = store.indexesWithStatus(filter);
    return list;
  }

  function renderRows({ top }) {
    const l = currentList();
    const n = l ? l.length : store.rowCount;
    setHidden(emptyNote, store.rowCount > 0);
    setHidden(scroller, store.rowCount === 0);
    setAttr(table, "aria-rowcount", String(n + 1));
    const px = rowPx || FALLBACK_ROW_PX;
    const height = viewportPx || 400;
    const { first, last, partial } = rowsToBuild({
      first: Math.max(0, Math.floor(top / px) - OVERSCAN),
      last: Math.min(n, Math.ceil((top + height) / px) + OVERSCAN),
      inSight: Math.floor(top / px),
      isNew: (p) => !shown.has(l ? l[p] : p),
      maxNew: MAX_NEW_ROWS,
    });
    if (partial) schedule({ rows: true }); // the rest of the window in the next frame
    const wanted = new Set();
    for (let p = first; p < last; p++) wanted.add(l ? l[p] : p);
    for (const [index, r] of shown)
      if (!wanted.has(index)) {
        r.tr.remove();
        shown.delete(index);
      }
    // Rows already shown keep their place (a focused button stays focused); new ones go around them.
    let next = topPad.nextSibling;
    for (let p = first; p < last; p++) {
      const index = l ? l[p] : p;
      let r = shown.get(index);
      if (!r) {
        r = makeRow(index);
        shown.set(index, r);
        tableBody.insertBefore(r.tr, next);
      } else if (r.tr === next) next = next.nextSibling;
      else tableBody.insertBefore(r.tr, next);
      updateRow(r, index, p);
    }
    setPadHeight(topPad, first * px);
    setPadHeight(bottomPad, (n - last) * px);
    setHidden(topPad, first === 0);
    setHidden(bottomPad, last >= n);
    // The first rows' real height (and the viewport's) are read at the start of the next frame;
    // not while the panel is hidden or has no rows (nothing to measure: that would ask for a frame
    // forever; the ResizeObserver reports when the table gets a size).
    if (shown.size && !root.hidden && (!rowPx || !viewportPx)) schedule({ rows: true });
  }

  function setPadHeight(pad, px) {
    const height = `${px}px`;
    if (pad.firstChild.style.height !== height) pad.firstChild.style.height = height;
  }

  function makeRow(index) {
    const row = store.rowAt(index);
    const btn = h("button", {
      type: "button",
      class: "linklike run-open",
      dataset: { runId: row.runId },
      text: row.runId,
      title: `Open ${row.runId} in the run view`,
    });
    const badge = h("span", { class: "status-badge" });
    const input = h("td", { class: "col-input" });
    const num = h("td", { class: "col-n", text: formatCount(index + 1) });
    const tr = h("tr", { dataset: { runId: row.runId } }, [
      num,
      h("td", { class: "col-run" }, [btn]),
      h("td", { class: "col-status" }, [badge]),
      input,
    ]);
    return { tr, badge, input, status: null, preview: null, pos: -1 };
  }

  function updateRow(r, index, pos) {
    const row = store.rowAt(index);
    if (r.pos !== pos) {
      r.tr.setAttribute("aria-rowindex", String(pos + 2));
      r.pos = pos;
    }
    if (r.status !== row.status) {
      r.badge.textContent = row.status.replace("_", " ");
      r.badge.dataset.status = row.status;
      r.tr.dataset.status = row.status;
      r.status = row.status;
    }
    const preview = row.error ? `${row.preview}${row.preview ? " — " : ""}${row.error}` : row.preview;
    if (r.preview !== preview) {
      // (row.preview is computed by the store on first read: only rows in sight pay for it.)
      r.input.textContent = preview;
      r.input.title = preview;
      r.preview = preview;
    }
  }

  return {
    /** Follow a group store (replacing the one shown). */
    show(next) {
      if (unsubscribe) unsubscribe();
      store = next;
      filter = "";
      filterSelect.value = "";
      resetRows();
      rowPx = 0;
      viewportPx = 0;
      exportStatus.textContent = "";
      copyStatus.textContent = "";
      lastAnnounced = "";
      unsubscribe = store.subscribe(onChanges);
      schedule({ status: true, rows: true, scrollTop: true });
    },
    /** Move focus to the panel's title (in the next frame, with the panel rendered). */
    focusTitle() {
      schedule({ focus: true });
    },
    setExport(text, busy = false) {
      exportStatus.textContent = text;
      exportCsv.disabled = busy;
      exportJsonl.disabled = busy;
    },
    get store() {
      return store;
    },
  };
}
