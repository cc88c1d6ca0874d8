// The playground's wiring: configuration, sign-in panel, create form, history, and one stream
// session per watched run (event store + SSE client). The selected session is rendered by the
// run view; others keep streaming in the background so their history status stays current.
//
// Performance marks for the bench: "tasks-sse:run-click" when Run is pressed and
// "tasks-sse:first-event-rendered" when the first event of a stream reaches the DOM.
// The render benchmark uses the real path through ./bench-feed.js (see there).

import { getApiKey, initAuth, onApiKeyChange, showSignIn } from "./auth.js";
import { createRun, eventsUrl, ApiError } from "./api.js";
import { createEventStore } from "./event-store.js";
import { createStreamClient } from "./sse-client.js";
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
    const entry = history.get(runId) || { runId, status: "unknown", processor: "", createdAt: "", inputPreview: "" };
    s = { runId, entry, store: createEventStore(), client: null, streamState: { state: "idle" }, canReconnect: null };
    // A finished run has nothing more to stream; anything else may be resumed by hand.
    s.canReconnect = () => !(s.streamState.state === "ended" && s.streamState.reason === "completed");
    state.sessions.set(runId, s);
  }
  return s;
}

function activeStreams() {
  let n = 0;
  for (const s of state.sessions.values()) if (s.client && !s.client.ended) n += 1;
  return n;
}

function startStream(s) {
  if (s.client && !s.client.ended) return;
  const client = createStreamClient({
    url: eventsUrl(state.config.apiBase, s.runId),
    headers: () => {
      const key = getApiKey();
      return key ? { "x-api-key": key } : {};
    },
    onConnectionStart: () => s.store.beginConnection(),
    onEvent: (event) => onStreamEvent(s, event),
    onState: (st) => onStreamState(s, st),
  });
  s.client = client;
  client.start();
}

function onStreamEvent(s, event) {
  const result = s.store.add(event);
  if (result.kind === "state" && result.action !== "duplicate") {
    const run = s.store.state.run;
    s.entry =
      history.upsert({
        runId: s.runId,
        status: run.status,
        isActive: run.is_active === true,
        processor: run.processor || s.entry.processor,
        modifiedAt: run.modified_at || "",
        outputType: s.store.state.output ? s.store.state.output.type || "" : "",
        error:
          run.error && run.error.message
            ? `${run.error.message}${run.error.ref_id ? ` (ref_id ${run.error.ref_id})` : ""}`
            : "",
      }) || s.entry;
    renderHistory();
  }
  if (result.inferred) {
    s.entry = history.upsert({ runId: s.runId, status: "running" }) || s.entry;
    renderHistory();
  }
  if (state.selected === s.runId) runView.enqueue(result);
}

function onStreamState(s, st) {
  s.streamState = st;
  if (st.state === "ended") {
    if (st.reason === "error" && st.status === 401) {
      promptSignIn(`The API rejected the key while streaming ${s.runId} (401): ${st.message}`);
      s.needsKey = true;
    } else if (st.reason === "error" && st.status === 404) {
      s.entry =
        history.upsert({ runId: s.runId, isActive: false, error: `Run not found (404): ${st.message}` }) || s.entry;
      renderHistory();
    } else if (st.reason === "completed" && s.store.state.run) {
      s.entry = history.upsert({ runId: s.runId, isActive: false }) || s.entry;
      renderHistory();
    }
    // A background session that finished frees its slot for a waiting active run.
    resumeActive();
  }
  if (state.selected === s.runId) runView.setStreamState(st);
}

function select(runId) {
  state.selected = runId;
  const s = sessionFor(runId);
  document.getElementById("run-empty").hidden = true;
  runView.show(s);
  renderHistory();
  if (!s.client || s.client.ended) {
    // A finished run replays its trace and output on connect; an active one streams live.
    if (!s.client || s.entry.isActive || s.store.state.raw.length === 0) startStream(s);
  }
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
    if (s.client || s.needsKey) continue;
    startStream(s);
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

function onFlush({ session, rendered }) {
  if (state.awaitingFirstEvent && rendered > 0 && session.store.state.raw.length > 0) {
    state.awaitingFirstEvent = false;
    performance.mark("tasks-sse:first-event-rendered");
  }
}

async function main() {
  runView = createRunView(document.getElementById("run-panel"), {
    onStop: (s) => s.client && s.client.stop("stopped by you. Press Reconnect to resume."),
    onReconnect: (s) => {
      s.needsKey = false;
      startStream(s);
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
      if (s && s.client) s.client.stop("removed from history.");
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
        startStream(s);
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
  for (const s of state.sessions.values()) if (s.client) s.client.stop("history cleared.");
  state.sessions.clear();
  state.selected = null;
  history.clear();
  runView.hide();
  document.getElementById("run-empty").hidden = false;
  renderHistory();
}

/**
 * Hooks for bench-feed.js, which pushes synthetic events through the real store and view.
 * Not used by the page itself.
 */
export const benchHooks = {
  /** Select a new, stream-less session for `runId` and return it. */
  openSession(runId, entry = {}) {
    const s = sessionFor(runId);
    s.entry = {
      runId,
      status: "running",
      processor: "bench",
      createdAt: new Date().toISOString(),
      inputPreview: "synthetic events",
      ...entry,
    };
    state.selected = runId;
    document.getElementById("run-empty").hidden = true;
    runView.show(s);
    return s;
  },
  /** Feed one parsed SSE event to a session exactly as a stream would. */
  ingest(s, event) {
    const result = s.store.add(event);
    if (state.selected === s.runId) runView.enqueue(result);
  },
  whenFlushed: () => runView.whenFlushed(),
  ready: null,
};

benchHooks.ready = main();
