// The run view's messages block: timestamped progress messages by kind, error events, and events of
// unknown types as JSON. While following the stream the DOM keeps only the newest MSG_WINDOW
// messages (older ones on request), and a burst bigger than the window is never built at all.
// Geometry is read only at the start of a frame, before any DOM write: no forced layout.

import { h, clockTime } from "./dom.js";
import { jsonTree } from "./render-output.js";

const MSG_WINDOW = 400;
const MSG_MORE = 400;
const KNOWN_KINDS = new Set(["plan", "search", "result", "tool_call", "tool", "exec_status"]);
const now = () => performance.now();

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

/** `schedule` asks the run view for another frame (to scroll after layout). */
export function createMessagesView({ schedule }) {
  const count = h("span", { class: "count muted", text: "0" });
  const list = h("ol", { class: "messages", "aria-label": "Progress messages" });
  const earlier = h("button", { type: "button", class: "small msg-earlier", hidden: true });
  const box = h(
    "div",
    { class: "messages-box", tabindex: "0", role: "region", "aria-label": "Progress messages, scrollable" },
    [h("div", {}, [earlier, list])],
  );
  const errors = h("ul", { class: "event-errors", "aria-label": "Error events" });
  const others = h("div", { class: "other-events" });
  const element = h("section", { class: "panel-block", "aria-label": "Messages" }, [
    h("h3", {}, ["Messages ", count]),
    box,
    errors,
    others,
  ]);

  let session = null;
  let total = 0; // messages the store holds
  let limit = MSG_WINDOW; // how many messages the DOM may hold
  let shown = 0; // how many it holds (the newest ones)
  let queued = 0; // message records waiting in the run view's queue
  let skip = 0;
  let frag = null;
  let errFrag = null;
  let otherFrag = null;
  let added = 0;

  // Follow the newest message while the reader is at the bottom. Only the reader's own scrolling
  // (wheel, touch, keys, scrollbar) decides; scroll events our own writes cause are ignored.
  let follow = true;
  let scrollPending = 0; // frames in which to (re)scroll to the newest message
  let intentUntil = 0;
  const intent = () => {
    intentUntil = now() + 1000;
  };
  for (const type of ["wheel", "touchstart", "touchmove", "pointerdown", "keydown"]) {
    box.addEventListener(type, intent, { passive: true });
  }
  box.addEventListener(
    "scroll",
    () => {
      if (now() > intentUntil) return;
      follow = box.scrollTop + box.clientHeight >= box.scrollHeight - 8;
    },
    { passive: true },
  );

  earlier.addEventListener("click", () => {
    if (!session) return;
    const end = total - queued - shown;
    const start = Math.max(0, end - MSG_MORE);
    const items = document.createDocumentFragment();
    for (const m of session.messages(start, end)) items.append(messageItem(m));
    list.prepend(items);
    shown += end - start;
    limit = shown + MSG_WINDOW; // keep what the reader asked for, and keep following
    updateEarlier();
  });

  function updateEarlier() {
    const hiddenCount = total - shown - queued;
    earlier.hidden = hiddenCount <= 0;
    if (hiddenCount > 0)
      earlier.textContent = `Show ${Math.min(MSG_MORE, hiddenCount)} earlier of ${hiddenCount} older messages`;
  }

  /** Drop the `n` oldest message nodes (one range deletion, no per-node layout). */
  function trim(n) {
    const range = document.createRange();
    range.setStartBefore(list.firstChild);
    range.setEndAfter(list.children[n - 1]);
    range.deleteContents();
    shown -= n;
  }

  return {
    element,
    show(s) {
      session = s;
      list.replaceChildren();
      errors.replaceChildren();
      others.replaceChildren();
      total = 0;
      shown = 0;
      queued = 0;
      limit = MSG_WINDOW;
      follow = true;
      count.textContent = "0";
      updateEarlier();
    },
    /** A record joined the queue. */
    enqueued(c) {
      if (c.kind === "message") {
        queued += 1;
        total += 1;
      }
    },
    /** A frame starts: reads first (layout is clean), then decide what a burst skips. */
    beginFrame() {
      if (scrollPending > 0) {
        // Last frame's messages are laid out: scrolling to them costs no extra layout. A few frames
        // in a row, because messages scrolled into view get their real height (content-visibility).
        scrollPending -= 1;
        if (follow) box.scrollTop = box.scrollHeight;
        if (scrollPending > 0) schedule();
      }
      skip = follow ? Math.max(0, queued - limit) : 0;
      if (skip > 0 && shown > 0) {
        list.replaceChildren();
        shown = 0;
      }
      added = 0;
    },
    take(c) {
      if (c.kind === "message") {
        queued -= 1;
        if (skip > 0) {
          skip -= 1;
          return false;
        }
        (frag ||= document.createDocumentFragment()).append(messageItem(c.item));
        added += 1;
      } else if (c.kind === "error") (errFrag ||= document.createDocumentFragment()).append(errorItem(c.item));
      else if (c.kind === "other") (otherFrag ||= document.createDocumentFragment()).append(otherItem(c.item));
      else return false;
      return true;
    },
    commit() {
      if (added) {
        list.append(frag);
        shown += added;
        // While the reader is scrolled up, nothing is trimmed from under them.
        if (shown > limit && follow) trim(shown - limit);
      }
      if (errFrag) errors.append(errFrag);
      if (otherFrag) others.append(otherFrag);
      frag = errFrag = otherFrag = null;
      count.textContent = String(total);
      updateEarlier();
      if (added && follow) {
        scrollPending = 3;
        schedule(); // the scroll happens next frame, after this one's layout
      }
    },
  };
}
