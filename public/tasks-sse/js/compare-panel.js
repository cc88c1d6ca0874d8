// Compare processors: one input on 2 to 6 processors, side by side. (Wired by app.js.)
//
// The box under Run picks the processors (compare-launch.js); Compare creates one run each
// (compare-create.js) and shows one column per processor in the main column: live status, elapsed
// time, events, sources read, price per run and output, with JSON outputs aligned field by field
// below (compare-align.js, compare-table.js). Columns follow the page's run sessions
// (ctx.sessionFor), so a run opened from its column shares its stream; change records are folded
// per column (compare-state.js) and painted once per animation frame. A comparison is one history
// entry (history.js); its runs are not listed on their own.
//
// Connections: browsers allow about 6 HTTP/1.1 connections per origin and each column holds a
// stream. The creates all answer before any stream opens (a create never waits behind a stream),
// nothing else is fetched while the columns stream, and a finished run's stream ends, which frees
// its connection.
//
// Performance marks: "tasks-sse:compare-click" when Compare is pressed (compare-launch.js) and
// "tasks-sse:compare-first-event-all" when every created column has painted its first event.

import { h, dateTime } from "./dom.js";
import { createRun } from "./api.js";
import { statusBadge } from "./view-header.js";
import {
  comparisonEntry,
  isComparison,
  isComparisonId,
  newComparisonId,
  OPEN_COMPARISON_EVENT,
  REMOVED_COMPARISON_EVENT,
} from "./history.js";
import { createCompareLaunch } from "./compare-launch.js";
import { createComparisonRuns } from "./compare-create.js";
import {
  announcement,
  applyChanges,
  elapsedSeconds,
  emptyColumn,
  formatElapsed,
  formatUsd,
  isRunning,
  pricePerRun,
  streamNote,
} from "./compare-state.js";
import { alignJson, NO_JSON } from "./compare-align.js";
import { createCompareTable } from "./compare-table.js";
import { isFinishedStatus } from "./run-state.js";
import { fetchRun } from "./open-run.js";
import { comparisonFromHash, hashForComparison } from "./compare-link.js";
import { entryFromRun } from "./history.js";

const TEXT_OUTPUT_MAX_CHARS = 200_000;
// Badges for a column before its run reports a status.
const STAND_IN = {
  creating: { text: "Creating…", look: "queued" },
  "not created": { text: "Not created", look: "failed" },
  loading: { text: "Loading…", look: "queued" },
};
const standIn = (status) =>
  h("span", { class: `badge status status-${STAND_IN[status].look}`, text: STAND_IN[status].text });
const TICK_MS = 200;

/** Set up the comparison UI; `ctx` is the page's context (see app.js). */
export function initCompare(ctx) {
  const root = document.getElementById("compare-panel");
  const launchRoot = document.getElementById("compare-launch");
  const title = h("h2", { id: "compare-title", tabindex: "-1", text: "Comparison" });
  const meta = h("p", { class: "compare-meta muted" });
  const preview = h("p", { class: "compare-input" });
  const notice = h("p", { class: "compare-notice", hidden: true });
  const live = h("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
  const columnsList = h("ul", { class: "compare-columns", "aria-label": "Comparison columns" });
  const columnsWrap = h(
    "div",
    { class: "compare-scroll", tabindex: "0", role: "region", "aria-label": "Side-by-side view" },
    [columnsList],
  );
  const table = createCompareTable();
  root.replaceChildren(
    h("div", { class: "compare-head" }, [title, meta, preview]),
    notice,
    live,
    columnsWrap,
    table.element,
  );

  /** The comparison shown: { id, body|null, columns: [{ state, view, unsubscribe, session }] }. */
  let current = null;
  let frame = 0;
  let ticker = 0;
  let pendingAnnouncements = [];

  const launch = createCompareLaunch(launchRoot, { form: ctx.form, onCompare: startComparison });

  // --- columns ---------------------------------------------------------------------------

  function columnView(processor, index) {
    const id = `compare-col-${index}`;
    const status = h("span", { class: "compare-status" });
    const note = h("span", { class: "compare-stream-note muted" });
    const elapsed = h("dd", { class: "compare-elapsed", text: "–" });
    const events = h("dd", { class: "compare-events", text: "0" });
    const sources = h("dd", { class: "compare-sources", text: "–" });
    const price = h("dd", { class: "compare-price", text: formatUsd(pricePerRun(processor)) });
    const error = h("p", { class: "compare-error field-error", hidden: true });
    const output = h("div", { class: "compare-output" });
    const open = h("button", {
      type: "button",
      class: "small",
      text: "Open in run view",
      "aria-label": `Open in run view (${processor})`,
      hidden: true,
    });
    const runId = h("code", { class: "compare-run-id" });
    const element = h("li", { class: "compare-col", "aria-labelledby": id }, [
      h("h3", { id, class: "compare-col-title", text: processor }),
      h("div", { class: "compare-status-row" }, [status, note]),
      h("dl", { class: "compare-facts" }, [
        h("div", {}, [h("dt", { text: "Elapsed" }), elapsed]),
        h("div", {}, [h("dt", { text: "Events" }), events]),
        h("div", {}, [h("dt", { text: "Sources read" }), sources]),
        h("div", {}, [h("dt", { text: "Price per run" }), price]),
      ]),
      error,
      h("div", { class: "compare-output-block" }, [h("h4", { text: "Output" }), output]),
      h("div", { class: "compare-col-tools" }, [runId, open]),
    ]);
    return { element, status, note, elapsed, events, sources, error, output, open, runId, shown: {} };
  }

  function paintColumn(col) {
    const { state: c, view: v } = col;
    if (v.shown.status !== c.status) {
      v.status.replaceChildren(STAND_IN[c.status] ? standIn(c.status) : statusBadge(c.status));
      v.shown.status = c.status;
    }
    v.note.textContent = streamNote(c) || "";
    v.elapsed.textContent = formatElapsed(elapsedSeconds(c));
    v.events.textContent = String(c.events);
    v.sources.textContent =
      c.sourcesRead === null || c.sourcesRead === undefined
        ? "–"
        : `${c.sourcesRead}${typeof c.sourcesConsidered === "number" ? ` of ${c.sourcesConsidered} considered` : ""}`;
    const err = c.createError || c.runError;
    v.error.textContent = err ? (c.createError ? `Not created: ${err}` : `Failed: ${err}`) : "";
    v.error.hidden = !err;
    if (c.runId && v.shown.runId !== c.runId) {
      v.runId.textContent = c.runId;
      v.open.hidden = false;
      v.shown.runId = c.runId;
    }
    if (v.shown.output !== c.output) {
      v.shown.output = c.output;
      v.output.replaceChildren(outputBlock(c));
    } else if (!c.output && v.shown.outputNote !== outputNote(c)) {
      v.output.replaceChildren(outputBlock(c));
    }
    v.shown.outputNote = outputNote(c);
  }

  function outputNote(c) {
    if (c.output) return "";
    if (c.createError) return "No run, so no output.";
    if (isFinishedStatus(c.status)) return "No output.";
    return "Not yet.";
  }

  function outputBlock(c) {
    const out = c.output;
    if (!out) return h("p", { class: "muted", text: outputNote(c) });
    if (out.type === "json") {
      const fields = out.content && typeof out.content === "object" ? Object.keys(out.content).length : 0;
      return h("p", {
        class: "muted",
        text: `JSON with ${fields} top-level field${fields === 1 ? "" : "s"}: compared field by field below.`,
      });
    }
    const text = typeof out.content === "string" ? out.content : JSON.stringify(out.content ?? null);
    const cut = text.length > TEXT_OUTPUT_MAX_CHARS;
    return h("div", {}, [
      // Focusable: the box scrolls, and a keyboard must be able to scroll it.
      h("pre", {
        class: "compare-text",
        tabindex: "0",
        role: "region",
        "aria-label": `Text output (${c.processor})`,
        text: cut ? text.slice(0, TEXT_OUTPUT_MAX_CHARS) : text,
      }),
      cut ? h("p", { class: "muted", text: "Cut here: open the run for all of it." }) : null,
    ]);
  }

  function attach(col, session) {
    col.session = session;
    const fold = (changes) => {
      const r = applyChanges(col.state, changes);
      col.state = r.column;
      if (r.finishedNow) pendingAnnouncements.push(announcement(col.state));
      if (r.changed) {
        col.dirty = true;
        schedule();
      }
    };
    fold(session.snapshot());
    if (session.streamState && session.streamState.state !== "idle")
      fold([{ kind: "stream", state: session.streamState }]);
    col.unsubscribe = session.subscribe((changes) => fold(changes));
  }

  function schedule() {
    if (frame) return;
    frame = requestAnimationFrame(flush);
  }

  function flush() {
    frame = 0;
    if (!current) return;
    let outputsChanged = false;
    for (const col of current.columns) {
      if (!col.dirty) continue;
      col.dirty = false;
      if (col.view.shown.output !== col.state.output) outputsChanged = true;
      paintColumn(col);
    }
    if (outputsChanged) paintTable();
    if (current.awaitingFirstEvents && current.created) {
      const withRuns = current.columns.filter((c) => c.state.runId);
      if (withRuns.length && withRuns.every((c) => c.state.events > 0)) {
        current.awaitingFirstEvents = false;
        performance.mark("tasks-sse:compare-first-event-all");
      }
    }
    if (pendingAnnouncements.length) {
      const done = current.columns.filter((c) => c.state.createError || isFinishedStatus(c.state.status)).length;
      const all = done === current.columns.length ? ` All ${done} columns are done.` : "";
      live.textContent = pendingAnnouncements.filter(Boolean).join(" ") + all;
      pendingAnnouncements = [];
    }
    keepTicking();
  }

  function paintTable() {
    const values = current.columns.map((c) =>
      c.state.output && c.state.output.type === "json" ? c.state.output.content : NO_JSON,
    );
    table.paint(
      alignJson(values),
      current.columns.map((c) => c.state.processor),
    );
  }

  function keepTicking() {
    const running = current && current.columns.some((c) => isRunning(c.state));
    if (running && !ticker) ticker = setInterval(tick, TICK_MS);
    else if (!running && ticker) {
      clearInterval(ticker);
      ticker = 0;
    }
  }

  function tick() {
    if (!current || root.hidden) return;
    for (const col of current.columns) {
      if (isRunning(col.state)) col.view.elapsed.textContent = formatElapsed(elapsedSeconds(col.state));
    }
    keepTicking();
  }

  // --- showing a comparison --------------------------------------------------------------

  function detach() {
    if (!current) return;
    for (const col of current.columns) if (col.unsubscribe) col.unsubscribe();
    current = null;
  }

  function show({ id, processors, inputPreview, createdAt, members = null }) {
    detach();
    pendingAnnouncements = [];
    live.textContent = "";
    notice.hidden = true;
    const columns = processors.map((processor, i) => {
      const m = members ? members[i] : null;
      const col = {
        state: emptyColumn(processor, m ? { runId: m.runId, error: m.error, status: m.runId ? "loading" : "" } : {}),
        view: columnView(processor, i),
        dirty: true,
      };
      col.view.open.addEventListener("click", () => {
        if (col.state.runId)
          ctx.openRun(col.state.runId, {
            href: hashForComparison(id, current ? current.columns.map((c) => c.state) : []),
            label: "Back to the comparison",
          });
      });
      return col;
    });
    current = { id, columns, awaitingFirstEvents: false, created: Boolean(members) };
    columnsList.className = `compare-columns compare-cols-${processors.length}`;
    columnsList.replaceChildren(...columns.map((c) => c.view.element));
    title.textContent = `Comparison of ${processors.length} processors`;
    const total = processors.reduce((sum, p) => sum + (pricePerRun(p) || 0), 0);
    meta.replaceChildren(
      createdAt ? h("time", { datetime: createdAt, text: dateTime(createdAt) }) : "",
      createdAt ? " · " : "",
      `${formatUsd(total)} for one run on each · `,
      h("code", { text: id }),
    );
    preview.textContent = inputPreview ? `Input: ${inputPreview}` : "";
    table.paint({ rows: [], compared: [], counts: { same: 0, differs: 0, missing: 0 } }, processors);
    ctx.deselectRun();
    ctx.showMain("compare");
    // Later, in a task of its own: replaceState can block for tens of ms on a busy machine, and
    // the creates and the first paint come first.
    setTimeout(() => {
      if (current && current.id === id) ctx.replaceHash(hashForComparison(id, members || []));
    }, 0);
    title.focus({ preventScroll: true });
    title.scrollIntoView({ block: "nearest" });
    schedule();
    return current;
  }

  /** Join a column to its run's session: start the stream unless it already runs or is over. */
  function follow(col, { body = null, run = null } = {}) {
    const s = ctx.sessionFor(col.state.runId);
    if (body) {
      s.input = body;
      s.inputRequested = true; // the run view needs no extra request for it
      s.entry = { ...s.entry, ...entryFromRun(run || { run_id: col.state.runId }, body) };
    } else if (!s.entry.processor) s.entry = { ...s.entry, processor: col.state.processor };
    if (run) col.state = { ...col.state, createdAt: run.created_at || "", status: run.status || col.state.status };
    attach(col, s);
    const over = isFinishedStatus(s.summary().status) && s.summary().events > 0;
    if (s.streaming || over) return;
    if (!ctx.getApiKey()) {
      s.needsKey = true; // the page starts it when a key arrives
      return;
    }
    s.needsKey = false;
    s.start();
  }

  async function startComparison({ processors, body, headers }) {
    const apiKey = ctx.getApiKey();
    if (!apiKey) {
      launch.showError("No API key yet: sign in with Parallel or paste a key above, then press Compare again.");
      ctx.promptSignIn("Sign in or paste an API key to compare processors.");
      return;
    }
    const id = newComparisonId();
    const createdAt = new Date().toISOString();
    let cmp = null;
    // The creates go out first; the panel is built while they travel (they settle later).
    const creating = createComparisonRuns({
      body,
      headers,
      processors,
      createRun: ({ body: b, headers: hd }) =>
        createRun({ apiBase: ctx.config().apiBase, apiKey, body: b, headers: hd }),
      onSettled: (i, m) => {
        if (current !== cmp) return;
        const col = cmp.columns[i];
        col.state = m.run
          ? { ...col.state, runId: m.run.run_id, status: m.run.status || "queued", createdAt: m.run.created_at || "" }
          : emptyColumn(m.processor, { error: m.error });
        if (m.error) pendingAnnouncements.push(announcement(col.state));
        col.dirty = true;
        schedule();
      },
    });
    cmp = show({ id, processors, inputPreview: entryFromRun({ run_id: id }, body).inputPreview, createdAt });
    cmp.awaitingFirstEvents = true;
    launch.setBusy(true, processors.length);
    let members;
    try {
      members = await creating;
    } finally {
      launch.setBusy(false);
    }
    if (members.some((m) => m.status === 401))
      ctx.reportRejectedKey("The API rejected the key (401) when creating the comparison's runs.");
    const created = members.filter((m) => m.run);
    if (created.length === 0) {
      if (current === cmp) {
        cmp.awaitingFirstEvents = false;
        notice.textContent = "No run was created, so this comparison is not kept in the history.";
        notice.hidden = false;
      }
      launch.showError("No run could be created: each column says why.");
      return;
    }
    const entry = comparisonEntry({
      id,
      body,
      createdAt,
      members: members.map((m) => ({ processor: m.processor, runId: m.run ? m.run.run_id : "", error: m.error })),
    });
    ctx.history.upsert(entry);
    ctx.renderHistory();
    if (current === cmp && !root.hidden) ctx.replaceHash(hashForComparison(id, entry.members));
    if (current !== cmp) return; // another comparison was opened meanwhile
    cmp.created = true;
    // Every create has answered: only now do the streams open (see the top).
    members.forEach((m, i) => {
      if (m.run) follow(cmp.columns[i], { body, run: m.run });
    });
    schedule();
  }

  /** Show a comparison from the history: its runs are read again from the API (or their sessions). */
  function reopen(entry) {
    if (current && current.id === entry.runId) {
      ctx.deselectRun();
      ctx.showMain("compare");
      ctx.replaceHash(hashForComparison(entry.runId, entry.members));
      title.focus({ preventScroll: true });
      return;
    }
    const cmp = show({
      id: entry.runId,
      processors: entry.members.map((m) => m.processor),
      inputPreview: entry.inputPreview,
      createdAt: entry.createdAt,
      members: entry.members,
    });
    if (!ctx.getApiKey() && entry.members.some((m) => m.runId)) {
      notice.textContent = "Sign in or paste an API key to load these runs: their events are read from the API.";
      notice.hidden = false;
      ctx.promptSignIn("Sign in or paste an API key to load this comparison.");
    }
    cmp.columns.forEach((col) => {
      if (col.state.runId) follow(col);
    });
  }

  function openById(id, linked = null) {
    const entry = ctx.history.get(id);
    if (isComparison(entry)) {
      reopen(entry);
      return;
    }
    if (linked) {
      openLinked(id, linked);
      return;
    }
    detach();
    columnsList.replaceChildren();
    table.paint({ rows: [], compared: [], counts: { same: 0, differs: 0, missing: 0 } }, []);
    title.textContent = "Comparison not found";
    meta.replaceChildren(h("code", { text: id }));
    preview.textContent = "";
    notice.textContent =
      "This browser's history has no such comparison, and the link does not name its runs (a link copied from the address bar once the runs exist does). Its runs can still be opened by id.";
    notice.hidden = false;
    ctx.deselectRun();
    ctx.showMain("compare");
  }

  /** A comparison from a link made in another browser: it joins this history, then reopens. */
  function openLinked(id, members) {
    const entry = ctx.history.upsert(comparisonEntry({ id, body: null, createdAt: "", members }));
    if (!entry) return;
    ctx.renderHistory();
    reopen(entry);
    const apiKey = ctx.getApiKey();
    if (!apiKey) return;
    // Its input comes from the first run (every column had the same one).
    fetchRun({ apiBase: ctx.config().apiBase, apiKey, runId: members[0].runId })
      .then(({ input }) => {
        if (!input) return;
        const fields = comparisonEntry({ id, body: input, createdAt: "", members });
        const updated = ctx.history.upsert({ runId: id, inputPreview: fields.inputPreview, input: fields.input });
        ctx.renderHistory();
        if (updated && current && current.id === id) preview.textContent = `Input: ${updated.inputPreview}`;
      })
      .catch(() => {}); // the columns' streams say what is wrong
  }

  window.addEventListener(OPEN_COMPARISON_EVENT, (e) => {
    const id = e.detail && e.detail.id;
    if (isComparisonId(id)) openById(id);
  });
  window.addEventListener(REMOVED_COMPARISON_EVENT, (e) => {
    const id = e.detail && e.detail.id;
    if (!current || current.id !== id) return;
    detach();
    if (!root.hidden) {
      ctx.showMain("empty");
      ctx.replaceHash(location.pathname + location.search);
    }
  });

  return {
    /** True when the location hash names a comparison (it is shown). */
    handlesHash(hash) {
      const named = comparisonFromHash(hash);
      if (!named) return false;
      if (!(current && current.id === named.id && !root.hidden)) openById(named.id, named.members);
      return true;
    },
  };
}
