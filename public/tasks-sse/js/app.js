// The playground's wiring: configuration, sign-in panel, create form, history, and one run
// session per watched run (run-session.js: event store + stream client). The selected session is
// rendered by the run view; others keep streaming in the background so their history status stays
// current. History follows each session's change records; nothing here reads a store.
//
// Performance marks: "tasks-sse:run-click" when Run is pressed and "tasks-sse:first-event-rendered"
// when the first event of that run's stream reaches the DOM.

import { getApiKey, initAuth, onApiKeyChange, showSignIn } from "./auth.js";
import { createRun, eventsUrl, ApiError } from "./api.js";
import { createRunSession } from "./run-session.js";
import { historyFieldsFromRun } from "./run-state.js";
import { createHistory, entryFromRun } from "./history.js";
import { FORGET_HISTORY_EVENT, HISTORY_KEY } from "./names.js";
import { createForm } from "./form.js";
import { createRunView } from "./render-run.js";
import { createHistoryView } from "./render-history.js";

const MAX_BACKGROUND_STREAMS = 4; // browsers allow ~6 HTTP/1.1 connections per origin

const state = {
  config: { apiBase: "/tasks-sse/api", mode: "unknown" },
  sessions: new Map(), // runId -> session
  selected: null,
  awaitingFirstEvent: false,
};

const history = createHistory({ storage: safeStorage() });
let runView;
let historyView;
let form;

function safeStorage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

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
  s.entry = history.upsert(clean) || s.entry;
  renderHistory();
}

/** History follows the run: its status (reported or implied), its output, how its stream ended. */
function onSessionChanges(s, changes) {
  for (const c of changes) {
    if (c.kind === "status") {
      updateEntry(s, c.run ? historyFieldsFromRun(c.run, s.summary().output) : { status: c.status });
    } else if (c.kind === "output" && c.output) {
      updateEntry(s, { outputType: typeof c.output.type === "string" ? c.output.type : "" });
    } else if (c.kind === "stream") onStreamState(s, c.state);
  }
}

function onStreamState(s, st) {
  if (st.state !== "ended") return;
  if (st.reason === "error" && st.status === 401) {
    promptSignIn(`The API rejected the key while streaming ${s.runId} (401): ${st.message}`);
    s.needsKey = true;
  } else if (st.reason === "error" && st.status === 404) {
    updateEntry(s, { isActive: false, error: `Run not found (404): ${st.message}` });
  } else if (st.reason === "completed" && s.summary().run) {
    updateEntry(s, { isActive: false });
  }
  // A background session that finished frees its slot for a waiting active run.
  resumeActive();
}

function select(runId) {
  state.selected = runId;
  const s = sessionFor(runId);
  document.getElementById("run-empty").hidden = true;
  runView.show(s, s.entry);
  renderHistory();
  // A finished run replays its trace and output on connect; an active one streams live.
  if (!s.streaming && (!s.started || s.entry.isActive || s.summary().events === 0)) s.start();
  if (location.hash !== `#${runId}`) history_replace(`#${runId}`);
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
  form.setBusy(true);
  try {
    const run = await createRun({ apiBase: state.config.apiBase, apiKey, body, headers });
    const entry = history.upsert(entryFromRun(run, body));
    hideSignInPrompt();
    const s = sessionFor(run.run_id);
    s.entry = entry || s.entry;
    state.awaitingFirstEvent = true;
    select(run.run_id);
    focusRun();
  } catch (e) {
    const err =
      e instanceof ApiError ? e : new ApiError({ status: 0, message: String(e && e.message ? e.message : e) });
    form.showApiError(err);
    if (err.status === 401) promptSignIn(`The API rejected the key (401): ${err.message}`);
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
    onDelete: (runId) => {
      const s = state.sessions.get(runId);
      if (s) s.stop("removed from history.");
      state.sessions.delete(runId);
      history.remove(runId);
      if (state.selected === runId) {
        state.selected = null;
        runView.hide();
        document.getElementById("run-empty").hidden = false;
        history_replace(location.pathname + location.search);
      }
      renderHistory();
    },
    onClear: clearHistory,
  });
  form = createForm(document.getElementById("create-form"), { onSubmit });
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
  try {
    await initAuth({ config: state.config, container: document.getElementById("auth-panel") });
  } catch (e) {
    console.error("tasks-sse: the sign-in panel failed to start:", e && e.name);
    document.getElementById("key-note").hidden = false; // the panel normally says where the key is kept
  }
  onApiKeyChange((key) => {
    if (!key) return;
    hideSignInPrompt();
    for (const s of state.sessions.values()) {
      if (s.needsKey) {
        s.needsKey = false;
        s.start();
      }
    }
  });

  // Resume: the run in the address bar, else the newest active run, is selected; others stream too.
  const fromHash = location.hash.slice(1);
  const entries = history.list();
  const target = entries.find((e) => e.runId === fromHash) || entries.find((e) => e.isActive);
  if (getApiKey()) {
    if (target) select(target.runId);
    resumeActive();
  } else if (target) {
    promptSignIn("Sign in or paste an API key to resume streaming your active runs.");
    for (const e of entries) if (e.isActive) sessionFor(e.runId).needsKey = true;
  }
}

function clearHistory() {
  for (const s of state.sessions.values()) s.stop("history cleared.");
  state.sessions.clear();
  state.selected = null;
  history.clear();
  runView.hide();
  document.getElementById("run-empty").hidden = false;
  renderHistory();
}

main();
