// The run view's messages block: timestamped progress messages by kind, error events, and events of
// unknown types as JSON. While following the stream the DOM keeps only the newest MSG_WINDOW
// messages (older ones on request), and a burst bigger than the window is never built at all.
// Geometry is read only at the start of a frame, before any DOM write: no forced layout.
// A filter (message types, text search) is UI state kept here: while one is set, the counts and the
// window above count only matching messages, a new message is tested once as it arrives, and a
// change of filter rebuilds the list once from the session's messages.

import { h, clockTime } from "./dom.js";
import { jsonTree } from "./render-output.js";
import { filterMessages, isFilterActive, makeMessageFilter, matchesMessage } from "./find-in-run.js";

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
  const kindsBox = h("fieldset", { class: "msg-kinds" }, [h("legend", { text: "Message types" })]);
  const search = h("input", { type: "search", class: "msg-search", "aria-label": "Search messages" });
  const matchCount = h("span", { class: "msg-match-count muted", text: "0 of 0 messages" });
  const filterBar = h("div", { class: "msg-filter", role: "group", "aria-label": "Filter messages" }, [
    kindsBox,
    h("label", { class: "msg-search-label" }, ["Search ", search]),
    matchCount,
  ]);
  const errors = h("ul", { class: "event-errors", "aria-label": "Error events" });
  const others = h("div", { class: "other-events" });
  const element = h("section", { class: "panel-block", "aria-label": "Messages" }, [
    h("h3", {}, ["Messages ", count]),
    filterBar,
    box,
    errors,
    others,
  ]);

  let session = null;
  let all = 0; // messages the store holds
  let total = 0; // of those, the ones the filter lets through
  let limit = MSG_WINDOW; // how many messages the DOM may hold
  let shown = 0; // how many it holds (the newest ones)
  let queued = 0; // message records waiting in the run view's queue (that pass the filter)
  let queuedAll = 0; // message records waiting, matching or not
  let skip = 0;
  let frag = null;
  let errFrag = null;
  let otherFrag = null;
  let added = 0;
  let filter = makeMessageFilter();
  const hiddenKinds = new Set();
  const kinds = new Set(); // message types seen, each with a checkbox
  let newKinds = [];

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
    for (const m of takenMatches().slice(start, end)) items.append(messageItem(m));
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

  /** The messages already taken from the queue that pass the filter, oldest first. */
  function takenMatches() {
    return filterMessages(session.messages(0, all - queuedAll), filter);
  }
  function updateCounts() {
    count.textContent = String(all);
    matchCount.textContent = `${total} of ${all} message${all === 1 ? "" : "s"}`;
  }

  /** The filter changed: rebuild the list once from the session (the newest window of matches). */
  function applyFilter() {
    filter = makeMessageFilter(hiddenKinds, search.value);
    if (!session) return;
    const matches = takenMatches();
    const waiting = session.messages(all - queuedAll, all);
    queued = isFilterActive(filter) ? waiting.filter((m) => matchesMessage(filter, m)).length : waiting.length;
    total = matches.length + queued;
    limit = MSG_WINDOW;
    const items = document.createDocumentFragment();
    for (const m of matches.slice(Math.max(0, matches.length - limit))) items.append(messageItem(m));
    list.replaceChildren(items);
    shown = Math.min(matches.length, limit);
    follow = true;
    updateCounts();
    updateEarlier();
    scrollPending = 3;
    schedule();
  }

  search.addEventListener("input", applyFilter);

  function addKindBoxes() {
    for (const kind of newKinds) {
      const box = h("input", { type: "checkbox", value: kind });
      box.checked = !hiddenKinds.has(kind);
      box.addEventListener("change", () => {
        if (box.checked) hiddenKinds.delete(kind);
        else hiddenKinds.add(kind);
        applyFilter();
      });
      kindsBox.append(h("label", { class: "msg-kind-choice" }, [box, ` ${kind}`]));
    }
    newKinds = [];
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
      all = 0;
      total = 0;
      shown = 0;
      queued = 0;
      queuedAll = 0;
      limit = MSG_WINDOW;
      follow = true;
      // A new run keeps the search text and the unticked types (they are the reader's), but lists
      // only the types this run has.
      kinds.clear();
      newKinds = [];
      kindsBox.replaceChildren(kindsBox.firstChild);
      updateCounts();
      updateEarlier();
    },
    /** A record joined the queue. */
    enqueued(c) {
      if (c.kind === "message") {
        all += 1;
        queuedAll += 1;
        if (!kinds.has(c.item.kind)) {
          kinds.add(c.item.kind);
          newKinds.push(c.item.kind);
        }
        if (matchesMessage(filter, c.item)) {
          queued += 1;
          total += 1;
        }
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
        queuedAll -= 1;
        if (!matchesMessage(filter, c.item)) return false;
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
      if (newKinds.length) addKindBoxes();
      updateCounts();
      updateEarlier();
      if (added && follow) {
        scrollPending = 3;
        schedule(); // the scroll happens next frame, after this one's layout
      }
    },
  };
}
