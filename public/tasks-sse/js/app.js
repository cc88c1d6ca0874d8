// The playground's wiring: configuration, sign-in panel, create form, history, and one run
// session per watched run (run-session.js: event store + stream client). The selected session is
// rendered by the run view; others keep streaming in the background so their history status stays
// current. History follows each session's change records; nothing here reads a store.
//
// Performance marks: "tasks-sse:run-click" when Run is pressed and "tasks-sse:first-event-rendered"
// when the first event of that run's stream reaches the DOM.

import { getApiKey, initAuth, markKeyRejected, onApiKeyChange, showSignIn } from "./auth.js";
import { createRun, eventsUrl, ApiError } from "./api.js";
import { fetchRun, hashForRun, parseRunRef, runIdFromHash } from "./open-run.js";
import { createRunSession } from "./run-session.js";
import { historyFieldsFromRun, isFinishedStatus } from "./run-state.js";
import { createKeptRuns } from "./kept-runs.js";
import { createRunActions, readImportFile } from "./run-actions.js";
import { createHistory, entryFromRun } from "./history.js";
import { FORGET_HISTORY_EVENT, HISTORY_KEY } from "./names.js";
import { createForm } from "./form.js";
import { createRunView } from "./render-run.js";
import { createHistoryView } from "./render-history.js";
import { showMain, shownMain } from "./main-view.js";
import { localStore } from "./dom.js";
import { initCompare } from "./compare-panel.js";
import { initGroups } from "./group-panel.js";

const MAX_BACKGROUND_STREAMS = 4; // browsers allow ~6 HTTP/1.1 connections per origin

const state = {
  config: { apiBase: "/tasks-sse/api", mode: "unknown" },
  sessions: new Map(), // runId -> session
  selected: null,
  awaitingFirstEvent: false,
  back: null, // { runId, href, label }: the panel the selected run was opened from
  keyRejected: false, // reported once per rejection
};

const history = createHistory({ storage: localStore() });
const kept = createKeptRuns();
let runView;
let historyView;
let form;
let panels = []; // the comparison and task-group panels (compare-panel.js, group-panel.js)
let groups;
const runActions = createRunActions({
  current: () => state.sessions.get(state.selected) || null,
  loadIntoForm,
});

async function loadConfig() {
  const badge = document.getElementById("mode-badge");
  try {
    const r = await fetch("config.json", { cache: "no-store" });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    const cfg = await r.json();
    state.config = { ...state.config, ...cfg };
    const mode = cfg.mode === "simulator" ? "simulator" : cfg.mode === "live" ? "live" : "unknown";
    badge.dataset.mode = mode;
    badge.textContent =
      mode === "simulator"
        ? "Simulator mode: offline, runs are simulated and free (key sim-dev-key)."
        : mode === "live"
          ? `Live: runs go to ${cfg.upstream || "Parallel's API"} and use your credits.`
          : "Mode unknown.";
  } catch (e) {
    badge.dataset.mode = "unknown";
    badge.textContent = `Could not load config.json (${e.message}); using ${state.config.apiBase}.`;
  }
}

// --- sign-in prompt -------------------------------------------------------------------------

function promptSignIn(reason) {
  const box = document.getElementById("signin-prompt");
  document.getElementById("signin-reason").textContent = ` ${reason}`;
  box.hidden = false;
  try {
    showSignIn(reason);
  } catch {
    /* the panel may not be ready */
  }
}

function hideSignInPrompt() {
  document.getElementById("signin-prompt").hidden = true;
}

/**
 * The API rejected the key (401): said once, by the sign-in panel, however many requests and
 * streams met it. A new key clears it (onApiKeyChange).
 */
function reportRejectedKey(message) {
  if (state.keyRejected) return;
  state.keyRejected = true;
  markKeyRejected(message);
}

// --- sessions -------------------------------------------------------------------------------

function sessionFor(runId) {
  let s = state.sessions.get(runId);
  if (!s) {
    s = createRunSession({
      runId,
      url: eventsUrl(state.config.apiBase, runId),
      headers: () => {
        const key = getApiKey();
        return key ? { "x-api-key": key } : {};
      },
    });
    s.entry = history.get(runId) || { runId, status: "unknown", processor: "", createdAt: "", inputPreview: "" };
    s.subscribe((changes) => onSessionChanges(s, changes));
    state.sessions.set(runId, s);
  }
  return s;
}

function activeStreams() {
  let n = 0;
  for (const s of state.sessions.values()) if (s.streaming) n += 1;
  return n;
}

/** Merge fields into a run's history entry; empty strings never overwrite what is known. */
function updateEntry(s, fields) {
  const clean = { runId: s.runId };
  for (const [k, v] of Object.entries(fields)) if (v !== "" || k === "error") clean[k] = v;
  // A run the history does not list (a comparison's column) keeps its fields on its session only.
  if (!history.get(s.runId)) {
    s.entry = { ...s.entry, ...clean };
    return;
  }
  s.entry = history.upsert(clean) || s.entry;
  renderHistory();
}

/** History follows the run: its status (reported or implied), its output, how its stream ended. */
function onSessionChanges(s, changes) {
  for (const c of changes) {
    if (c.kind === "status") {
      if (c.run && state.selected === s.runId) updateRunActions(s);
      updateEntry(s, c.run ? historyFieldsFromRun(c.run, s.summary().output) : { status: c.status });
    } else if (c.kind === "output" && c.output) {
      updateEntry(s, { outputType: typeof c.output.type === "string" ? c.output.type : "" });
    } else if (c.kind === "stream") onStreamState(s, c.state);
  }
}

function onStreamState(s, st) {
  if (st.state !== "ended") return;
  keepResult(s);
  if (st.reason === "error" && st.status === 401) {
    reportRejectedKey(`The API rejected the key (401): ${st.message}`);
    s.needsKey = true;
  } else if (st.reason === "error" && st.status === 404) {
    // A finished run the API forgot is still finished; an active one is reported lost.
    const finished = isFinishedStatus(s.summary().status || s.entry.status);
    updateEntry(s, {
      isActive: false,
      error: finished
        ? ""
        : `The API no longer has this run (404), although it was ${s.summary().status || s.entry.status || "active"} when last seen: ${st.message}`,
    });
  } else if (st.reason === "completed" && s.summary().run) {
    updateEntry(s, { isActive: false });
  }
  // A background session that finished frees its slot for a waiting active run.
  resumeActive();
}

async function select(runId) {
  state.selected = runId;
  const s = sessionFor(runId);
  showMain("run");
  runView.show(s, s.entry);
  runView.setBack(state.back && state.back.runId === runId ? state.back : null);
  runView.setInput(s.input || null);
  updateRunActions(s);
  renderHistory();
  if (location.hash !== hashForRun(runId)) history_replace(hashForRun(runId));
  if (s.streaming || (s.started && !s.entry.isActive && s.summary().events > 0)) return;
  // A result kept in this browser needs no API (offline, or after the API forgot the run).
  if (!s.started && s.entry.kept && !s.entry.isActive) {
    const record = await kept.get(runId);
    showKeptNotice();
    if (record) {
      restoreKept(s, record);
      if (state.selected === runId) {
        runView.show(s, s.entry);
        runView.setInput(s.input || null);
        updateRunActions(s);
      }
      return;
    }
    updateEntry(s, { kept: false }); // gone from storage: the API is asked again
    if (state.selected !== runId) return;
  }
  // A finished run replays its trace and output on connect; an active one streams live.
  s.start();
  if (!s.input) loadInput(s);
}

function restoreKept(s, record) {
  s.kept = true;
  s.input = record.input || s.input || null;
  s.loadTrace(record.events);
}

/** Keep a finished run's result in this browser (once per session). */
async function keepResult(s) {
  const summary = s.summary();
  if (s.kept || s.keeping || !isFinishedStatus(summary.status) || summary.events === 0) return;
  s.keeping = true;
  const events = s.raw().map((r) => ({ type: r.type, data: r.data }));
  const result = await kept.put({
    runId: s.runId,
    run: summary.run,
    input: s.input || null,
    output: summary.output,
    events,
  });
  if (result.kept) {
    s.kept = true;
    if (history.get(s.runId)) updateEntry(s, { kept: true });
  }
  for (const id of result.evicted) if (history.get(id)) history.upsert({ runId: id, kept: false });
  if (result.evicted.length) {
    historyView.showNotice(
      `${result.evicted.length} older kept result${result.evicted.length === 1 ? " was" : "s were"} removed from this browser to make room (at most 200 runs or 50 MB are kept).`,
    );
    renderHistory();
  }
  showKeptNotice();
}

function showKeptNotice() {
  if (kept.notice) {
    historyView.showNotice(kept.notice);
    kept.clearNotice();
  }
}

/** Bring the run view into sight and move focus to its title (on narrow screens it is below the form). */
function focusRun() {
  const title = document.getElementById("run-title");
  if (!title) return;
  title.focus({ preventScroll: true });
  // Wide screens keep the run view in sight already (sticky column); narrow ones stack it below.
  if (window.matchMedia("(max-width: 900px)").matches) title.scrollIntoView({ block: "start" });
  else title.scrollIntoView({ block: "nearest" });
}

function history_replace(hash) {
  try {
    window.history.replaceState(window.history.state, "", hash);
  } catch {
    /* not essential */
  }
}

/** Streams for runs that were active when the page was last closed (bounded). */
function resumeActive() {
  for (const e of history.list()) {
    if (activeStreams() >= MAX_BACKGROUND_STREAMS) break;
    if (!e.isActive) continue;
    const s = sessionFor(e.runId);
    if (s.started || s.needsKey) continue;
    s.start();
  }
}

function renderHistory() {
  historyView.render(history.list(), state.selected);
}

// --- open a run made anywhere -----------------------------------------------------------------

/** Fetch what the API knows of a run (its input and task spec) for the run view and history. */
async function loadInput(s) {
  const apiKey = getApiKey();
  if (!apiKey || s.inputRequested) return;
  s.inputRequested = true;
  try {
    const { run, input } = await fetchRun({ apiBase: state.config.apiBase, apiKey, runId: s.runId });
    if (input) setInput(s, input);
    updateEntry(s, { ...historyFieldsFromRun(run, null), ...inputFields(input) });
  } catch {
    s.inputRequested = false; // the stream says what is wrong; a later selection tries again
  }
}

function inputFields(input) {
  if (!input) return {};
  const e = entryFromRun({}, input);
  return { inputPreview: e.inputPreview, input: e.input, processor: input.processor || "" };
}

function setInput(s, input) {
  s.input = input;
  if (state.selected === s.runId) {
    runView.setInput(input);
    updateRunActions(s);
  }
}

// --- run actions and import ------------------------------------------------------------------

/** Put a run's settings in the form; Run again also sends it. */
function loadIntoForm(body, submit) {
  form.load(body);
  if (submit) document.getElementById("create-form").requestSubmit();
  else {
    document.getElementById("create-title").scrollIntoView({ block: "nearest" });
    document.getElementById("input").focus();
  }
}

function updateRunActions(s) {
  runActions.update(s);
}

/** Import a JSON export: checked, kept like a finished run of this browser, and shown. */
async function onImport(event) {
  const file = event.target.files && event.target.files[0];
  event.target.value = "";
  showImportError("");
  if (!file) return;
  const parsed = await readImportFile(file);
  if (parsed.error) {
    showImportError(`Not imported: ${parsed.error}`);
    return;
  }
  const record = parsed.record;
  const s = sessionFor(record.runId);
  s.stop("replaced by an imported copy.");
  restoreKept(s, record);
  const result = await kept.put(record);
  showKeptNotice();
  s.entry =
    history.upsert({
      ...entryFromRun(record.run, record.input || {}),
      ...historyFieldsFromRun(record.run, record.output),
      kept: result.kept,
    }) || s.entry;
  select(record.runId);
  focusRun();
}

function showImportError(message) {
  const el = document.getElementById("import-run-error");
  el.textContent = message;
  el.hidden = !message;
}

function showOpenError(message) {
  const el = document.getElementById("open-run-error");
  el.textContent = message;
  el.hidden = !message;
}

/** Open a run by id: from history if known, else from the API (then it joins the history). */
async function openRun(runId) {
  showOpenError("");
  if (history.get(runId) || state.sessions.has(runId)) {
    select(runId);
    focusRun();
    return;
  }
  const apiKey = getApiKey();
  if (!apiKey) {
    showOpenError("Sign in or paste an API key first: the run is read from the API with it.");
    promptSignIn("Sign in or paste an API key to open a run.");
    return;
  }
  try {
    const { run, input } = await fetchRun({ apiBase: state.config.apiBase, apiKey, runId });
    const entry = history.upsert({ ...entryFromRun(run, input || {}), createdAt: run.created_at || "" });
    const s = sessionFor(runId);
    s.entry = entry || s.entry;
    if (input) s.input = input;
    s.inputRequested = true;
    select(runId);
    focusRun();
  } catch (e) {
    const status = e instanceof ApiError ? e.status : 0;
    const message = e && e.message ? e.message : String(e);
    if (status === 401) {
      showOpenError(`The API rejected the key (401): ${message}`);
      reportRejectedKey(`The API rejected the key (401): ${message}`);
    } else if (status === 404) {
      showOpenError(`The API has no run ${runId} for this key (404): ${message}`);
    } else showOpenError(`Could not open ${runId}${status ? ` (HTTP ${status})` : ""}: ${message}`);
  }
}

function onOpenSubmit(event) {
  event.preventDefault();
  const field = document.getElementById("open-run-ref");
  if (groups.openRef(field.value)) {
    showOpenError("");
    return;
  }
  const runId = parseRunRef(field.value);
  if (!runId) {
    showOpenError("That is not a run id (trun_…) or a link to a run.");
    field.focus();
    return;
  }
  field.value = runId;
  openRun(runId);
}

// --- create ---------------------------------------------------------------------------------

async function onSubmit({ body, headers }) {
  performance.mark("tasks-sse:run-click");
  const apiKey = getApiKey();
  if (!apiKey) {
    form.showApiError({
      status: 0,
      message: "No API key yet: sign in with Parallel or paste a key above, then press Run again.",
    });
    promptSignIn("Sign in or paste an API key to create task runs.");
    return;
  }
  form.showApiError(null);
  const cancel = new AbortController();
  form.setBusy(true, { onCancel: () => cancel.abort() });
  try {
    const run = await createRun({ apiBase: state.config.apiBase, apiKey, body, headers, signal: cancel.signal });
    const entry = history.upsert(entryFromRun(run, body));
    hideSignInPrompt();
    const s = sessionFor(run.run_id);
    s.entry = entry || s.entry;
    s.input = body;
    s.inputRequested = true;
    state.awaitingFirstEvent = true;
    select(run.run_id);
    focusRun();
  } catch (e) {
    const err =
      e instanceof ApiError ? e : new ApiError({ status: 0, message: String(e && e.message ? e.message : e) });
    form.showApiError(err);
    if (err.status === 401) reportRejectedKey(`The API rejected the key (401): ${err.message}`);
  } finally {
    form.setBusy(false);
  }
}

// --- start ----------------------------------------------------------------------------------

function onFlush({ events }) {
  if (state.awaitingFirstEvent && events > 0) {
    state.awaitingFirstEvent = false;
    performance.mark("tasks-sse:first-event-rendered");
  }
}

async function main() {
  runView = createRunView(document.getElementById("run-panel"), {
    actions: runActions.elements,
    onStop: (s) => s.stop("stopped by you. Press Reconnect to resume."),
    onReconnect: (s) => {
      s.needsKey = false;
      s.start();
    },
    onFlush,
  });
  historyView = createHistoryView(document.getElementById("history"), {
    onSelect: (runId) => {
      select(runId);
      focusRun();
    },
    onDelete: deleteRun,
    onClear: clearHistory,
  });
  form = createForm(document.getElementById("create-form"), { onSubmit });
  document.getElementById("open-run-form").addEventListener("submit", onOpenSubmit);
  document.getElementById("import-run").addEventListener("change", onImport);
  const ctx = panelContext();
  const compare = initCompare(ctx);
  groups = initGroups(ctx);
  panels = [compare, groups];
  window.addEventListener("hashchange", () => {
    if (panels.some((p) => p.handlesHash(location.hash))) return;
    const runId = runIdFromHash(location.hash);
    if (runId && (runId !== state.selected || shownMain() !== "run")) openRun(runId);
  });
  document.getElementById("signin-focus").addEventListener("click", () => showSignIn("Sign in or paste an API key."));
  window.addEventListener(FORGET_HISTORY_EVENT, clearHistory);
  // Another tab changed the history: read it again, so neither tab overwrites the other's runs.
  window.addEventListener("storage", (e) => {
    if (e.key !== HISTORY_KEY && e.key !== null) return;
    const { notice: n } = history.load();
    if (n) historyView.showNotice(n);
    renderHistory();
  });

  const { notice } = history.load();
  if (notice) historyView.showNotice(notice);
  renderHistory();

  await loadConfig();
  form.setConfig(state.config);
  try {
    await initAuth({ config: state.config, container: document.getElementById("auth-panel") });
  } catch (e) {
    console.error("tasks-sse: the sign-in panel failed to start:", e && e.name);
    document.getElementById("key-note").hidden = false; // the panel normally says where the key is kept
  }
  onApiKeyChange((key) => {
    if (!key) return;
    state.keyRejected = false;
    hideSignInPrompt();
    for (const s of state.sessions.values()) {
      if (s.needsKey) {
        s.needsKey = false;
        s.start();
      }
    }
  });

  // Resume: the run in the address bar (known here or not), else the newest active run, is
  // selected; others stream too.
  const fromHash = runIdFromHash(location.hash);
  const entries = history.list();
  const target = entries.find((e) => e.runId === fromHash) || entries.find((e) => e.isActive);
  const panelHash = panels.some((p) => p.handlesHash(location.hash));
  if (getApiKey()) {
    if (fromHash) openRun(fromHash);
    else if (target && !panelHash) select(target.runId);
    resumeActive();
  } else if (target) {
    promptSignIn("Sign in or paste an API key to resume streaming your active runs.");
    for (const e of entries) if (e.isActive) sessionFor(e.runId).needsKey = true;
  }
}

/**
 * What the comparison and task-group panels may use of the page: they create runs and sessions
 * through it and open a run in the run view, but never reach into this module's state.
 */
function panelContext() {
  return {
    config: () => state.config,
    getApiKey,
    form,
    history,
    sessionFor,
    renderHistory,
    showMain,
    promptSignIn,
    reportRejectedKey,
    replaceHash: history_replace,
    /**
     * Open a run (known here or read from the API) in the run view; `back` ({ href, label }) puts
     * a link back to the panel it came from above the run.
     */
    openRun: (runId, back = null) => {
      state.back = back ? { runId, href: back.href, label: back.label } : null;
      openRun(runId);
    },
    /** The run view no longer shows a run (a panel took the main column). */
    deselectRun: () => {
      state.selected = null;
      renderHistory();
    },
  };
}

/** Remove a run from history, with an Undo until the next delete; its kept result goes then. */
function deleteRun(runId) {
  const entry = history.get(runId);
  const index = history.indexOf(runId);
  const s = state.sessions.get(runId);
  if (s) s.stop("removed from history.");
  state.sessions.delete(runId);
  history.remove(runId);
  if (state.selected === runId) {
    state.selected = null;
    runView.hide();
    if (shownMain() === "run") showMain("empty");
    history_replace(location.pathname + location.search);
  }
  renderHistory();
  if (!entry) return;
  historyView.offerUndo(
    `Removed ${runId} from history.`,
    () => {
      history.restore(entry, index);
      renderHistory();
    },
    () => {
      if (!history.get(runId)) kept.remove(runId);
    },
  );
}

function clearHistory() {
  kept.clear();
  for (const s of state.sessions.values()) s.stop("history cleared.");
  state.sessions.clear();
  state.selected = null;
  history.clear();
  runView.hide();
  showMain("empty");
  renderHistory();
}

main();
