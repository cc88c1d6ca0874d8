// Task groups: create one from CSV or JSON Lines, watch it live, export its results. (Wired by app.js.)
//
// One group is shown at a time. Its store (group-store.js) is fed by the add-runs answers, the
// runs stream (when a group made elsewhere is opened) and the group's event stream, which resumes
// after its last cursor whenever it reconnects; the view (group-view.js) renders the store.

import { ApiError } from "./api.js";
import { onApiKeyChange } from "./auth.js";
import { createStreamClient } from "./sse-client.js";
import { downloadText, formatCount, localStore } from "./dom.js";
import { addRuns, createGroup, getGroup, groupEventsUrl, readGroupRuns } from "./group-api.js";
import { createGroupStore } from "./group-store.js";
import { createGroupView } from "./group-view.js";
import { createGroupCreate } from "./group-create.js";
import { createRecentGroups } from "./group-recent.js";
import { FORGET_HISTORY_EVENT } from "./names.js";
import { groupIdFromHash, hashForGroup, parseGroupRef } from "./group-ref.js";
import { exportFileName, resultsToCsv, resultsToJsonl } from "./group-export.js";

const RUN_STATES_PER_FLUSH = 200; // runs-stream states handed to the store at once

function nextTask() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function messageOf(e) {
  return e && e.message ? e.message : String(e);
}

/** True for the event that says no run of the group is active any more. */
function isGroupIdle(event) {
  if (event.type !== "task_group_status") return false;
  try {
    const d = JSON.parse(event.data);
    return Boolean(d && d.status && d.status.is_active === false);
  } catch {
    return false;
  }
}

/** Set up the task-group UI; `ctx` is the page's context (see app.js). */
export function initGroups(ctx) {
  const recent = createRecentGroups(localStore());
  let current = null; // { store, client, plan, failed: [{ batch, message }], abort }
  const view = createGroupView(document.getElementById("group-panel"), {
    onOpenRun: (runId) =>
      ctx.openRun(
        runId,
        current ? { href: hashForGroup(current.store.groupId), label: "Back to the task group" } : null,
      ),
    onExport,
    onRetryFailed,
    onReconnect: () => current && startStream(current, true),
  });
  const card = createGroupCreate(document.getElementById("group-create"), {
    readForm: () => ctx.form.read(),
    onCreate: createAndAdd,
    onOpen: (id) => openGroup(id, { focus: true }),
  });
  onApiKeyChange((key) => {
    if (!key || !current || !current.needsKey) return;
    const { groupId } = current.store;
    current = null;
    openGroup(groupId);
  });
  const { notice } = recent.load();
  card.renderRecent(recent.list(), notice);
  window.addEventListener(FORGET_HISTORY_EVENT, () => {
    recent.clear();
    card.renderRecent(recent.list());
  });

  const api = () => ({ apiBase: ctx.config().apiBase, apiKey: ctx.getApiKey() });

  function needKey(what) {
    if (ctx.getApiKey()) return false;
    ctx.promptSignIn(`Sign in or paste an API key to ${what}.`);
    return true;
  }

  function reportError(e, store, doing) {
    const status = e instanceof ApiError ? e.status : 0;
    if (status === 401) ctx.reportRejectedKey(`The API rejected the key (401): ${messageOf(e)}`);
    const text =
      status === 404
        ? `The API has no group ${store.groupId} for this key (404): ${messageOf(e)}`
        : `Could not ${doing}${status ? ` (HTTP ${status})` : ""}: ${messageOf(e)}`;
    store.setStream({ state: "error", message: text });
  }

  function remember(store, extra = {}) {
    const s = store.summary();
    recent.add({ id: store.groupId, runs: s.total, at: s.createdAt || new Date().toISOString(), ...extra });
    card.renderRecent(recent.list());
  }

  /** Make `store` the shown group. */
  function show(store, { focus = false } = {}) {
    if (current && current.store !== store) stop(current);
    if (!current || current.store !== store) current = { store, client: null, plan: null, failed: [] };
    ctx.deselectRun();
    ctx.showMain("group");
    view.show(store);
    // The address changes in a task of its own: replaceState can take tens of ms on a busy machine.
    const hash = hashForGroup(store.groupId);
    if (location.hash !== hash) setTimeout(() => current && current.store === store && ctx.replaceHash(hash), 0);
    if (focus) view.focusTitle();
    return current;
  }

  function stop(g) {
    if (g.client) g.client.stop("another group was opened.");
    g.client = null;
    if (g.abort) g.abort.abort();
  }

  /** (Re)start the group's event stream, resuming after the last event received. */
  function startStream(g, force = false) {
    if (g.client && !g.client.ended && !force) return;
    if (g.client) g.client.stop("restarted.");
    const { store } = g;
    const client = createStreamClient({
      url: "",
      // Each connection asks for the events after the last cursor seen, so a reconnect resumes.
      fetchImpl: (_url, init) => fetch(groupEventsUrl(ctx.config().apiBase, store.groupId, store.lastEventId), init),
      headers: () => {
        const key = ctx.getApiKey();
        return key ? { "x-api-key": key } : {};
      },
      onEvent: (event) => store.applyEvent(event),
      onState: (st) => {
        if (g.client !== client) return;
        store.setStream(st);
        if (st.state === "ended" && st.reason === "error" && st.status === 401)
          ctx.reportRejectedKey(`The API rejected the key (401): ${st.message}`);
        if (st.state === "ended" && st.reason === "completed") remember(store);
      },
      isTerminal: isGroupIdle,
    });
    g.client = client;
    client.start();
  }

  /** Open a group made anywhere: its status, its runs (with inputs), then its live events. */
  async function openGroup(groupId, { focus = false } = {}) {
    if (current && current.store.groupId === groupId) {
      show(current.store, { focus });
      return;
    }
    const store = createGroupStore(groupId);
    const g = show(store, { focus });
    if (needKey("open a task group")) {
      g.needsKey = true; // opened as soon as a key is given
      store.setStream({
        state: "error",
        message: "Sign in or paste an API key first: the group is read from the API with it.",
      });
      return;
    }
    store.setStream({ state: "loading", message: "Reading the group…" });
    g.abort = new AbortController();
    try {
      store.setGroup(await getGroup({ ...api(), groupId }));
      let pending = [];
      let seen = 0;
      const total = store.summary().total;
      await readGroupRuns({
        ...api(),
        groupId,
        includeInput: true,
        signal: g.abort.signal,
        onRun: (e) => {
          pending.push(e);
          seen += 1;
          if (pending.length >= RUN_STATES_PER_FLUSH) {
            store.applyRunStates(pending);
            pending = [];
            store.setStream({
              state: "loading",
              message: `Reading the group's runs: ${formatCount(seen)} of ${formatCount(total)}…`,
            });
          }
        },
      }).then((r) => {
        store.applyRunStates(pending);
        return r;
      });
    } catch (e) {
      if (current !== g) return;
      reportError(e, store, "read the group");
      return;
    }
    if (current !== g) return;
    remember(store);
    startStream(g);
  }

  /** Create a group and add its runs in batches; a failed batch is reported and the rest go on. */
  async function createAndAdd(plan) {
    if (needKey("create a task group")) throw new Error("no API key yet: sign in or paste a key above.");
    const group = await createGroup(api());
    const store = createGroupStore(group.taskgroup_id);
    store.setGroup(group);
    const g = show(store, { focus: true });
    g.plan = plan;
    remember(store, { label: labelFor(plan), runs: plan.inputs.length });
    await nextTask(); // the panel shows before the first batch is serialised and sent
    await sendBatches(g, plan.batches);
  }

  function labelFor(plan) {
    const first = plan.rowInputs[0];
    const text =
      typeof first === "string" ? first : Object.values(first || {}).find((v) => typeof v === "string") || "";
    const clipped = text.length > 40 ? `${text.slice(0, 39)}…` : text;
    return `${formatCount(plan.inputs.length)} runs: ${clipped}${plan.inputs.length > 1 ? ", …" : ""}`;
  }

  async function sendBatches(g, batches) {
    const { store, plan } = g;
    const total = plan.inputs.length;
    g.failed = g.failed.filter((f) => !batches.includes(f.batch));
    const count = (list) => list.reduce((n, b) => n + b.items.length, 0);
    let done = total - count(batches) - count(g.failed.map((f) => f.batch));
    const progress = (busy) =>
      store.setAdding({
        done,
        total,
        busy,
        failed: g.failed.map((f) => ({ count: f.batch.items.length, text: failureText(f, plan) })),
      });
    progress(true);
    // Batches go on when another group is opened meanwhile: no row is dropped for a view change.
    for (const batch of batches) {
      try {
        const answer = await addRuns({
          ...api(),
          groupId: store.groupId,
          inputs: batch.items,
          defaultTaskSpec: plan.defaultTaskSpec,
          beta: plan.beta,
        });
        const ids = Array.isArray(answer.run_ids) ? answer.run_ids : [];
        store.addRuns(
          ids,
          plan.rowInputs.slice(batch.start, batch.start + ids.length),
          plan.lines.slice(batch.start, batch.start + ids.length),
        );
        done += batch.items.length;
        // A stream that ended (every run so far finished) follows the new runs.
        if (current === g) startStream(g);
      } catch (e) {
        g.failed.push({ batch, message: messageOf(e), status: e instanceof ApiError ? e.status : 0 });
        if (e instanceof ApiError && e.status === 401)
          ctx.reportRejectedKey(`The API rejected the key (401): ${messageOf(e)}`);
      }
      progress(true);
    }
    progress(false);
    remember(store);
  }

  function failureText(f, plan) {
    const from = f.batch.start;
    const to = from + f.batch.items.length - 1;
    return `Rows ${formatCount(from + 1)}–${formatCount(to + 1)} (lines ${formatCount(plan.lines[from])}–${formatCount(plan.lines[to])}) were not added${f.status ? ` (HTTP ${f.status})` : ""}: ${f.message}`;
  }

  function onRetryFailed() {
    const g = current;
    if (!g || !g.plan || !g.failed.length) return;
    sendBatches(
      g,
      g.failed.map((f) => f.batch),
    );
  }

  async function onExport(format) {
    const g = current;
    if (!g || needKey("export the group's results")) return;
    const { store } = g;
    const total = store.summary().total;
    view.setExport(`Reading results: 0 of ${formatCount(total)} runs…`, true);
    const results = [];
    try {
      await readGroupRuns({
        ...api(),
        groupId: store.groupId,
        includeInput: true,
        includeOutput: true,
        onRun: (e) => {
          results.push({
            runId: e.run.run_id,
            status: e.run.status,
            input: e.input && typeof e.input === "object" && "input" in e.input ? e.input.input : (e.input ?? null),
            output: e.output ?? null,
            error: e.run.error ?? null,
          });
          if (results.length % 100 === 0)
            view.setExport(`Reading results: ${formatCount(results.length)} of ${formatCount(total)} runs…`, true);
        },
      });
    } catch (e) {
      view.setExport(`Export failed: ${messageOf(e)}`, false);
      return;
    }
    const text = format === "csv" ? resultsToCsv(results) : resultsToJsonl(results);
    downloadText(
      exportFileName(store.groupId, format),
      text,
      format === "csv" ? "text/csv;charset=utf-8" : "application/x-ndjson",
    );
    const unfinished = results.filter((r) => r.status !== "completed").length;
    view.setExport(
      `Exported ${formatCount(results.length)} runs${unfinished ? ` (${formatCount(unfinished)} without a completed output)` : ""}.`,
      false,
    );
  }

  return {
    /** True when the location hash names a group (the panel then opens it). */
    handlesHash(hash) {
      const id = groupIdFromHash(hash);
      if (!id) return false;
      openGroup(id);
      return true;
    },
    /** Open a group named by typed text (an id or link); false when the text names no group. */
    openRef(text) {
      const id = parseGroupRef(text);
      if (!id) return false;
      openGroup(id, { focus: true });
      return true;
    },
  };
}
