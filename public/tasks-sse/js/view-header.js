// The run view's header: run id, status badge, processor and input, the run's actions, the stream
// state (an ARIA live region with a reconnect countdown), the counts line and a stream error.

import { h, dateTime, copyText } from "./dom.js";
import { countsLine, streamEndMeaning } from "./run-state.js";

const STATUS_LABELS = {
  queued: "Queued",
  action_required: "Action required",
  running: "Running",
  completed: "Completed",
  failed: "Failed",
  cancelling: "Cancelling",
  cancelled: "Cancelled",
};

export function statusLabel(status) {
  return STATUS_LABELS[status] || (status ? String(status) : "Unknown");
}

/** A status badge element (also used by the history list). */
export function statusBadge(status) {
  const s = String(status || "unknown");
  return h("span", { class: `badge status status-${/^[a-z_]+$/.test(s) ? s : "unknown"}`, text: statusLabel(s) });
}

/** Words for a stream state from the SSE client; `meaning` from run-state's streamEndMeaning. */
export function describeStreamState(s, secondsLeft, meaning = null) {
  switch (s.state) {
    case "idle":
      return "Not streaming.";
    case "connecting":
      return s.attempt ? `Connecting (attempt ${s.attempt + 1})…` : "Connecting…";
    case "live":
      return "Live: receiving events.";
    case "reconnecting": {
      const n = secondsLeft ?? Math.max(0, Math.ceil(((s.at || Date.now()) + s.delayMs - Date.now()) / 1000));
      return `Reconnecting in ${n} s (attempt ${s.attempt} of ${s.maxAttempts}) — ${s.reason}.`;
    }
    case "ended":
      if (meaning === "forgotten-finished")
        return "Ended: the API no longer has this run (HTTP 404). It had finished; its result was not kept in this browser.";
      if (meaning === "forgotten-kept")
        return "Ended: the API no longer has this run (HTTP 404); its result is kept in this browser.";
      if (meaning === "forgotten-active")
        return "Ended: the API no longer has this run (HTTP 404), although it was still active when last seen. Its events so far are shown.";
      if (s.reason === "error" && s.status === 401)
        return "Ended: the API rejected the key (HTTP 401). Sign in again or paste another key in the key panel; the stream then resumes.";
      if (s.reason === "completed") return "Ended: the run finished and the stream closed.";
      if (s.reason === "stopped") return `Ended: ${s.message || "stopped"}`;
      if (s.reason === "gave-up") return `Ended: ${s.message}. Press Reconnect to try again.`;
      return `Ended with an error${s.status ? ` (HTTP ${s.status})` : ""}: ${s.message}${s.refId ? ` (ref_id ${s.refId})` : ""}`;
    default:
      return String(s.state);
  }
}

export function createHeaderView({ onStop, onReconnect, actions = [] }) {
  const title = h("h2", { id: "run-title", class: "run-title", tabindex: "-1", text: "Run" });
  const statusSlot = h("span", { class: "run-status" });
  const kept = h("span", { class: "badge kept", text: "kept locally", hidden: true });
  const meta = h("p", { class: "run-meta muted" });
  const copyId = h("button", { type: "button", class: "small", text: "Copy run id" });
  const stopBtn = h("button", { type: "button", class: "small", text: "Stop stream" });
  const reconnectBtn = h("button", { type: "button", class: "small", text: "Reconnect", hidden: true });
  const streamState = h("p", {
    class: "stream-state",
    role: "status",
    "aria-live": "polite",
    "aria-atomic": "true",
    dataset: { state: "idle" },
    text: "Not streaming.",
  });
  const streamInfo = h("p", { class: "stream-info muted" });
  const runError = h("div", { class: "api-error run-error", role: "alert", hidden: true });
  const element = h("div", { class: "run-header" }, [
    h("div", { class: "run-head" }, [
      title,
      statusSlot,
      kept,
      h("div", { class: "run-actions" }, [copyId, stopBtn, reconnectBtn, ...actions]),
    ]),
    meta,
    streamState,
    streamInfo,
    runError,
  ]);

  let session = null;
  let countdown = null;
  let lastStatus = ""; // the last status the stream reported
  let entryStatus = ""; // the status history knew before
  let statusDirty = false;
  let counts = null;

  copyId.addEventListener("click", async () => {
    if (!session) return;
    const ok = await copyText(session.runId);
    copyId.textContent = ok ? "Copied" : "Copy failed";
    setTimeout(() => {
      copyId.textContent = "Copy run id";
    }, 1500);
  });
  stopBtn.addEventListener("click", () => session && onStop(session));
  reconnectBtn.addEventListener("click", () => session && onReconnect(session));

  function setStream(s) {
    if (countdown) clearInterval(countdown);
    countdown = null;
    const meaning = streamEndMeaning(s, { kept: session && session.kept, lastStatus: lastStatus || entryStatus });
    streamState.dataset.state = s.state;
    streamState.textContent = describeStreamState(s, undefined, meaning);
    if (s.state === "reconnecting") {
      const deadline = (s.at || Date.now()) + s.delayMs;
      countdown = setInterval(() => {
        const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
        streamState.textContent = describeStreamState(s, left);
        if (left <= 0) {
          clearInterval(countdown);
          countdown = null;
        }
      }, 1000);
    }
    const active = s.state === "connecting" || s.state === "live" || s.state === "reconnecting";
    stopBtn.hidden = !active;
    // A run the API forgot cannot be resumed: no Reconnect that could only fail again.
    reconnectBtn.hidden = active || Boolean(meaning) || !(session && session.canReconnect());
    // A rejected key is reported by the key panel, once; this view does not raise a second alert.
    if (s.state === "ended" && s.reason === "error" && !meaning && s.status !== 401) {
      runError.hidden = false;
      runError.replaceChildren(
        h("strong", { text: s.status ? `HTTP ${s.status}: ` : "Error: " }),
        h("span", { class: "error-message", text: s.message || "" }),
        s.refId ? h("span", { class: "ref-id", text: ` (ref_id ${s.refId})` }) : null,
      );
    } else {
      runError.hidden = true;
    }
  }

  return {
    element,
    title,
    show(s, entry) {
      session = s;
      lastStatus = "";
      entryStatus = entry.status === "unknown" ? "" : entry.status;
      runError.hidden = true;
      setEntry(entry);
      setStream(s.streamState);
    },
    setEntry,
    // Records only note what changed; the DOM is written once per frame, in commit().
    take(c) {
      if (c.kind === "status") {
        lastStatus = c.status;
        statusDirty = true;
      } else if (c.kind === "counts") counts = c.counts;
      else if (c.kind === "stream") setStream(c.state);
      else return false;
      return true;
    },
    commit() {
      if (statusDirty) statusSlot.replaceChildren(statusBadge(lastStatus));
      statusDirty = false;
      if (counts) streamInfo.textContent = countsLine(counts);
      counts = null;
    },
  };

  function setEntry(entry) {
    title.textContent = entry.runId;
    if (!lastStatus) statusSlot.replaceChildren(statusBadge(entry.status));
    kept.hidden = !(session && session.kept);
    meta.replaceChildren(
      h("span", { text: `Processor ${entry.processor || "?"}` }),
      h("span", { text: ` · created ${dateTime(entry.createdAt) || "?"}` }),
      entry.inputPreview ? h("span", { class: "meta-input", text: ` · input: ${entry.inputPreview}` }) : null,
    );
  }
}
