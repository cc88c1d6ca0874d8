// The run view: header, stream state (an ARIA live region), status timeline, progress bar and
// sources scorecard (updated in place), timestamped messages by kind, error events, unknown events
// as JSON, the final output, and a raw-events toggle.
//
// Rendering is batched: event-store results are queued and flushed once per animation frame into
// DocumentFragments, within a time budget per frame, so a 5,000-event replay never blocks the main
// thread for long (no task over 50 ms) and layout runs once per frame, not once per event.
// The raw view renders only the newest RAW_EAGER events until asked for more.

import { h, clockTime, dateTime, copyText, safeLink } from "./dom.js";
import { renderOutput, jsonTree } from "./render-output.js";

const FRAME_BUDGET_MS = 8;
const RAW_EAGER = 200;
const RAW_MORE = 500;
const SAMPLE_MAX = 25;
const MSG_WINDOW = 400; // messages kept in the DOM while following the stream; older ones on request
const MSG_MORE = 400;
const KNOWN_KINDS = new Set(["plan", "search", "result", "tool_call", "tool", "exec_status"]);

const now = () => (typeof performance !== "undefined" ? performance.now() : Date.now());

function nextFrame(fn) {
  if (typeof document !== "undefined" && document.hidden) return setTimeout(fn, 100);
  return requestAnimationFrame(fn);
}

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

/** Words for a stream state from the SSE client. */
export function describeStreamState(s, secondsLeft) {
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
      if (s.reason === "completed") return "Ended: the run finished and the stream closed.";
      if (s.reason === "stopped") return `Ended: ${s.message || "stopped"}`;
      if (s.reason === "gave-up") return `Ended: ${s.message}. Press Reconnect to try again.`;
      return `Ended with an error${s.status ? ` (HTTP ${s.status})` : ""}: ${s.message}${s.refId ? ` (ref_id ${s.refId})` : ""}`;
    default:
      return String(s.state);
  }
}

export function createRunView(root, { onStop = () => {}, onReconnect = () => {}, onFlush = () => {} } = {}) {
  // --- the DOM, built once ---
  const title = h("h2", { id: "run-title", class: "run-title", tabindex: "-1", text: "Run" });
  const statusSlot = h("span", { class: "run-status" });
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

  const timeline = h("ol", { class: "timeline", "aria-label": "Status timeline" });
  const progress = h("progress", { class: "progress", max: "100", "aria-label": "Progress" });
  const progressLabel = h("span", { class: "progress-label muted", text: "No progress reported yet." });
  const considered = h("dd", { class: "stat-considered", text: "–" });
  const read = h("dd", { class: "stat-read", text: "–" });
  const sample = h("ul", { class: "sources-sample", "aria-label": "Sample of sources read" });

  const msgCount = h("span", { class: "count muted", text: "0" });
  const messages = h("ol", { class: "messages", "aria-label": "Progress messages" });
  const msgEarlier = h("button", { type: "button", class: "small msg-earlier", hidden: true });
  const messagesBox = h(
    "div",
    { class: "messages-box", tabindex: "0", "aria-label": "Progress messages, scrollable" },
    [h("div", {}, [msgEarlier, messages])],
  );
  const errors = h("ul", { class: "event-errors", "aria-label": "Error events" });
  const others = h("div", { class: "other-events" });
  const output = h("div", { class: "output" });

  const rawToggle = h("button", {
    type: "button",
    class: "small",
    "aria-expanded": "false",
    "aria-controls": "raw-events",
    text: "Show raw events",
  });
  const rawMore = h("button", { type: "button", class: "small", hidden: true });
  const rawList = h("ol", { class: "raw-list" });
  const rawBox = h("div", { id: "raw-events", class: "raw-box", hidden: true }, [rawMore, rawList]);

  root.replaceChildren(
    h("div", { class: "run-head" }, [
      title,
      statusSlot,
      h("div", { class: "run-actions" }, [copyId, stopBtn, reconnectBtn]),
    ]),
    meta,
    streamState,
    streamInfo,
    runError,
    h("section", { class: "panel-block", "aria-label": "Status and progress" }, [
      h("h3", { text: "Status" }),
      timeline,
      h("div", { class: "progress-row" }, [progress, progressLabel]),
      h("dl", { class: "scorecard" }, [
        h("div", {}, [h("dt", { text: "Sources considered" }), considered]),
        h("div", {}, [h("dt", { text: "Sources read" }), read]),
      ]),
      h("details", { class: "sample-details" }, [h("summary", { text: "Sample of sources read" }), sample]),
    ]),
    h("section", { class: "panel-block", "aria-label": "Messages" }, [
      h("h3", {}, ["Messages ", msgCount]),
      messagesBox,
      errors,
      others,
    ]),
    h("section", { class: "panel-block output-block", "aria-label": "Output" }, [output]),
    h("section", { class: "panel-block", "aria-label": "Raw events" }, [
      h("div", { class: "raw-head" }, [h("h3", { text: "Raw events" }), rawToggle]),
      rawBox,
    ]),
  );

  // --- state ---
  let session = null;
  let queue = [];
  let head = 0;
  let scheduled = false;
  let rawOpen = false;
  let rawFrom = 0; // index in store.state.raw of the oldest rendered raw event
  let rawTo = 0; // index after the newest rendered raw event
  let countdown = null;
  let msgLimit = MSG_WINDOW; // how many messages the DOM may hold
  let msgShown = 0; // how many it holds (the newest ones)
  let msgQueued = 0; // messages waiting in the queue

  // Follow the newest message while the reader is at the bottom. Geometry is read only in the scroll
  // handler and at the start of a frame, before any DOM write, when layout is already clean: no
  // forced synchronous layout, ever.
  let follow = true;
  let scrollPending = 0; // frames in which to (re)scroll to the newest message
  // Only the reader's own scrolling (wheel, touch, keys, scrollbar) decides whether to follow; the
  // scroll events our own scrolling, trimming and scroll anchoring cause are ignored.
  let intentUntil = 0;
  const intent = () => {
    intentUntil = now() + 1000;
  };
  for (const type of ["wheel", "touchstart", "touchmove", "pointerdown", "keydown"]) {
    messagesBox.addEventListener(type, intent, { passive: true });
  }
  messagesBox.addEventListener(
    "scroll",
    () => {
      if (now() > intentUntil) return;
      follow = messagesBox.scrollTop + messagesBox.clientHeight >= messagesBox.scrollHeight - 8;
    },
    { passive: true },
  );

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
  rawToggle.addEventListener("click", () => {
    rawOpen = !rawOpen;
    rawBox.hidden = !rawOpen;
    rawToggle.setAttribute("aria-expanded", String(rawOpen));
    rawToggle.textContent = rawOpen ? "Hide raw events" : "Show raw events";
    if (rawOpen) {
      resetRaw();
      schedule();
    } else {
      rawList.replaceChildren();
    }
  });
  rawMore.addEventListener("click", () => {
    if (!session) return;
    const all = session.store.state.raw;
    const from = Math.max(0, rawFrom - RAW_MORE);
    const frag = document.createDocumentFragment();
    for (let i = from; i < rawFrom; i++) frag.append(rawItem(all[i]));
    rawList.prepend(frag);
    rawFrom = from;
    updateRawMore();
  });

  function resetRaw() {
    rawList.replaceChildren();
    const total = session ? session.store.state.raw.length : 0;
    rawFrom = Math.max(0, total - RAW_EAGER);
    rawTo = rawFrom;
    updateRawMore();
  }

  function updateRawMore() {
    rawMore.hidden = rawFrom === 0;
    rawMore.textContent = `Show ${Math.min(RAW_MORE, rawFrom)} earlier of ${rawFrom} not shown`;
  }

  function rawItem(r) {
    let pretty = r.data;
    try {
      pretty = JSON.stringify(JSON.parse(r.data), null, 2);
    } catch {
      /* not JSON: as sent */
    }
    return h("li", { class: "raw-item" }, [
      h("span", { class: "raw-type", text: `#${r.seq} ${r.type}` }),
      h("pre", { class: "code", text: pretty }),
    ]);
  }

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    nextFrame(flush);
  }

  function messageItem(m) {
    const kind = KNOWN_KINDS.has(m.kind) ? m.kind : "other";
    return h("li", { class: `msg kind-${kind}`, dataset: { kind: m.kind } }, [
      h("time", { class: "msg-time", datetime: m.timestamp || null, text: clockTime(m.timestamp) || "–" }),
      h("span", { class: "msg-kind", text: m.kind }),
      h("span", { class: "msg-text", text: m.message }),
    ]);
  }

  function errorItem(e) {
    return h("li", { class: "api-error event-error" }, [
      h("strong", { text: "Error event: " }),
      h("span", { class: "error-message", text: e.message }),
      e.refId ? h("span", { class: "ref-id", text: ` (ref_id ${e.refId})` }) : null,
    ]);
  }

  function otherItem(o) {
    const d = h("details", { class: "other-event" }, [h("summary", { text: `Event "${o.type}" (not a known type)` })]);
    d.append(typeof o.data === "string" ? h("pre", { class: "code", text: o.data }) : jsonTree(o.data));
    return d;
  }

  function applyStats(stats) {
    if (stats.progress === null) {
      progress.removeAttribute("value");
      progressLabel.textContent = "Progress not reported.";
    } else {
      const p = Math.max(0, Math.min(100, stats.progress));
      progress.value = p;
      progressLabel.textContent = `${Math.round(p)}%`;
    }
    considered.textContent = stats.considered === null ? "–" : stats.considered.toLocaleString();
    read.textContent = stats.read === null ? "–" : stats.read.toLocaleString();
    const frag = document.createDocumentFragment();
    for (const url of stats.sample.slice(0, SAMPLE_MAX)) frag.append(h("li", {}, [linkOrText(url)]));
    sample.replaceChildren(frag);
  }

  function linkOrText(url) {
    return safeLink(url, url);
  }

  function applyState(item) {
    statusSlot.replaceChildren(statusBadge(item.status));
    if (item.output || (item.run && item.run.error))
      renderOutput(output, { output: item.output || session.store.state.output, run: item.run });
    if (item.status === "completed") {
      progress.value = 100;
      progressLabel.textContent = "100%";
    }
  }

  function timelineItem(t) {
    return h(
      "li",
      {
        class: `tl-item status-${t.status}`,
        title: t.inferred ? "No state event for this step: inferred from the first progress event" : null,
      },
      [
        statusBadge(t.status),
        h("time", { class: "muted", text: ` ${clockTime(t.at)}` }),
        t.inferred ? h("span", { class: "muted inferred", text: " (from events)" }) : null,
      ],
    );
  }

  function flush() {
    scheduled = false;
    if (!session) {
      queue = [];
      head = 0;
      msgQueued = 0;
      return;
    }
    if (scrollPending > 0) {
      // Last frame's messages are laid out by now: scrolling to them costs no extra layout.
      // A few frames in a row, because messages scrolled into view get their real height
      // (content-visibility) and push the bottom further down once.
      scrollPending -= 1;
      if (follow) messagesBox.scrollTop = messagesBox.scrollHeight;
      if (scrollPending > 0) schedule();
    }
    const start = now();
    const msgFrag = document.createDocumentFragment();
    const errFrag = document.createDocumentFragment();
    const otherFrag = document.createDocumentFragment();
    const tlFrag = document.createDocumentFragment();
    let stats = null;
    let state = null;
    let rendered = 0;
    let newMessages = 0;
    // A burst (a long replay) queues more messages than the DOM window keeps: the oldest of them,
    // and everything shown now, would be trimmed at once, so they are never built at all.
    let skip = follow ? Math.max(0, msgQueued - msgLimit) : 0;
    if (skip > 0 && msgShown > 0) {
      messages.replaceChildren();
      msgShown = 0;
    }
    while (head < queue.length) {
      if ((rendered & 15) === 15 && now() - start > FRAME_BUDGET_MS) break;
      const r = queue[head++];
      if (r.kind === "message" && skip > 0) {
        skip -= 1;
        msgQueued -= 1;
        continue;
      }
      rendered += 1;
      if (r.kind === "message") {
        msgFrag.append(messageItem(r.item));
        newMessages += 1;
        msgQueued -= 1;
      } else if (r.kind === "stats") stats = r.item;
      else if (r.kind === "state") {
        state = r.item;
        if (r.timeline) tlFrag.append(timelineItem(r.timeline));
      } else if (r.kind === "error") errFrag.append(errorItem(r.item));
      else if (r.kind === "other") otherFrag.append(otherItem(r.item));
    }
    if (head >= queue.length) {
      queue = [];
      head = 0;
    }

    // Writes only from here on; one read (for scrolling) at the end.
    if (newMessages) {
      messages.append(msgFrag);
      msgShown += newMessages;
      // While the reader is scrolled up, nothing is trimmed from under them.
      if (msgShown > msgLimit && follow) trimMessages(msgShown - msgLimit);
    }
    if (tlFrag.childNodes.length) timeline.append(tlFrag);
    if (errFrag.childNodes.length) errors.append(errFrag);
    if (otherFrag.childNodes.length) others.append(otherFrag);
    if (stats) applyStats(stats);
    if (state) applyState(state);
    const st = session.store.state;
    msgCount.textContent = String(st.messages.length);
    updateEarlier(st);
    streamInfo.textContent = `${st.raw.length} event${st.raw.length === 1 ? "" : "s"} · ${st.connections} connection${st.connections === 1 ? "" : "s"} · ${st.duplicates} replayed event${st.duplicates === 1 ? "" : "s"} skipped`;
    if (rawOpen) {
      const all = st.raw;
      const end = Math.min(all.length, rawTo + RAW_MORE);
      if (rawTo < end) {
        const frag = document.createDocumentFragment();
        for (let i = rawTo; i < end; i++) frag.append(rawItem(all[i]));
        rawList.append(frag);
        rawTo = end;
      }
      if (rawTo < all.length) scheduled || schedule();
    }
    if (newMessages && follow) {
      scrollPending = 3;
      schedule(); // the scroll happens next frame, after this one's layout
    }
    if (queue.length) schedule();
    onFlush({ session, rendered, pending: queue.length - head });
  }

  /** Drop the `n` oldest message nodes (one range deletion, no per-node layout). */
  function trimMessages(n) {
    const range = document.createRange();
    range.setStartBefore(messages.firstChild);
    range.setEndAfter(messages.children[n - 1]);
    range.deleteContents();
    msgShown -= n;
  }

  function updateEarlier(st) {
    const hiddenCount = st.messages.length - msgShown - msgQueued;
    msgEarlier.hidden = hiddenCount <= 0;
    if (hiddenCount > 0)
      msgEarlier.textContent = `Show ${Math.min(MSG_MORE, hiddenCount)} earlier of ${hiddenCount} older messages`;
  }

  msgEarlier.addEventListener("click", () => {
    if (!session) return;
    const st = session.store.state;
    const end = st.messages.length - msgQueued - msgShown;
    const start = Math.max(0, end - MSG_MORE);
    const frag = document.createDocumentFragment();
    for (let i = start; i < end; i++) frag.append(messageItem(st.messages[i]));
    messages.prepend(frag);
    msgShown += end - start;
    msgLimit = msgShown + MSG_WINDOW; // keep what the user asked for, and keep following
    updateEarlier(st);
  });

  function enqueue(result) {
    if (!result || result.action === "duplicate") {
      schedule(); // keeps the skipped-count line current
      return;
    }
    if (result.kind === "state") {
      const st = session.store.state;
      const tl = result.action === "append" ? st.timeline[st.timeline.length - 1] : null;
      queue.push({ kind: "state", item: result.item, timeline: tl });
    } else {
      if (result.inferred)
        queue.push({ kind: "state", item: { status: "running", run: null, output: null }, timeline: result.inferred });
      if (result.kind === "message") msgQueued += 1;
      queue.push(result);
    }
    schedule();
  }

  function setStreamState(s) {
    if (countdown) {
      clearInterval(countdown);
      countdown = null;
    }
    streamState.dataset.state = s.state;
    streamState.textContent = describeStreamState(s);
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
    reconnectBtn.hidden = active || !(session && session.canReconnect && session.canReconnect());
    if (s.state === "ended" && s.reason === "error") {
      runError.hidden = false;
      runError.replaceChildren(
        h("strong", { text: s.status ? `HTTP ${s.status}: ` : "Error: " }),
        h("span", { class: "error-message", text: s.message || "" }),
        s.refId ? h("span", { class: "ref-id", text: ` (ref_id ${s.refId})` }) : null,
      );
    } else if (active) {
      runError.hidden = true;
    }
  }

  function setHeader(entry) {
    title.textContent = entry.runId;
    statusSlot.replaceChildren(statusBadge(entry.status));
    meta.replaceChildren(
      h("span", { text: `Processor ${entry.processor || "?"}` }),
      h("span", { text: ` · created ${dateTime(entry.createdAt) || "?"}` }),
      entry.inputPreview ? h("span", { class: "meta-input", text: ` · input: ${entry.inputPreview}` }) : null,
    );
  }

  /** Show a session (its store may already hold events: they are queued and rendered in frames). */
  function show(s) {
    session = s;
    queue = [];
    head = 0;
    msgQueued = 0;
    root.hidden = false;
    timeline.replaceChildren();
    messages.replaceChildren();
    msgShown = 0;
    msgLimit = MSG_WINDOW;
    follow = true;
    errors.replaceChildren();
    others.replaceChildren();
    output.replaceChildren();
    sample.replaceChildren();
    runError.hidden = true;
    progress.removeAttribute("value");
    progressLabel.textContent = "No progress reported yet.";
    considered.textContent = "–";
    read.textContent = "–";
    setHeader(s.entry);
    const st = s.store.state;
    for (const t of st.timeline)
      queue.push({ kind: "state", item: { status: t.status, run: null, output: null }, timeline: t });
    for (const m of st.messages.slice(-MSG_WINDOW)) queue.push({ kind: "message", item: m });
    msgQueued = Math.min(MSG_WINDOW, st.messages.length);
    for (const e of st.errors) queue.push({ kind: "error", item: e });
    for (const o of st.others) queue.push({ kind: "other", item: o });
    if (st.stats) queue.push({ kind: "stats", item: st.stats });
    if (st.run) queue.push({ kind: "state", item: { status: st.status, run: st.run, output: st.output } });
    if (rawOpen) resetRaw();
    setStreamState(s.streamState || { state: "idle" });
    schedule();
  }

  function hide() {
    session = null;
    root.hidden = true;
  }

  return {
    show,
    hide,
    enqueue,
    setStreamState,
    setHeader,
    get session() {
      return session;
    },
    /** Resolves after the queue has drained into the DOM. */
    whenFlushed() {
      return new Promise((resolve) => {
        const check = () => (queue.length === 0 && !scheduled ? resolve() : nextFrame(check));
        check();
      });
    },
  };
}
