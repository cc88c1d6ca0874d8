// The run view: composes the sub-views (header and stream state, status and progress, messages,
// output, raw events) and feeds them a session's change records.
//
// Rendering is batched: change records are queued and flushed once per animation frame into the
// sub-views, within a time budget per frame, so a 5,000-event replay never blocks the main thread
// for long and layout runs once per frame, not once per event. Each sub-view builds into its own
// fragment while records are taken and writes to the DOM once, in commit().

import { h } from "./dom.js";
import { createHeaderView } from "./view-header.js";
import { createProgressView } from "./view-progress.js";
import { createMessagesView } from "./view-messages.js";
import { createOutputView } from "./view-output.js";
import { createRawView } from "./view-raw.js";
import { createInputView } from "./view-input.js";

export { statusBadge, statusLabel, describeStreamState } from "./view-header.js";

const FRAME_BUDGET_MS = 8;
// "#group=tgrp_…" or "#compare=cmp_…&runs=lite:trun_…,base:trun_…": a place on this page.
const IN_PAGE_HASH = /^#[a-z]+=[A-Za-z0-9_]{1,128}(&[a-z]+=[A-Za-z0-9_:,-]{1,1024})?$/;
const now = () => performance.now();

function nextFrame(fn) {
  if (typeof document !== "undefined" && document.hidden) return setTimeout(fn, 100);
  return requestAnimationFrame(fn);
}

/**
 * @param {HTMLElement} root
 * @param {object} o
 * @param {(session) => void} o.onStop
 * @param {(session) => void} o.onReconnect
 * @param {({ session, rendered, events }) => void} [o.onFlush]  after each frame's writes
 * @param {HTMLElement[]} [o.actions]  extra buttons for the header (export, run again...)
 * @param {HTMLElement[]} [o.extras]  blocks shown under the header (notices)
 */
export function createRunView(root, { onStop, onReconnect, onFlush = () => {}, actions = [], extras = [] }) {
  const header = createHeaderView({ onStop, onReconnect, actions });
  const parts = [
    header,
    createProgressView(),
    createMessagesView({ schedule }),
    createOutputView(),
    createRawView({ schedule }),
  ];
  const input = createInputView();
  // "Back to the comparison / task group" when the run was opened from one of those panels.
  const back = h("p", { class: "run-back", hidden: true });
  root.replaceChildren(back, header.element, ...extras, input.element, ...parts.slice(1).map((p) => p.element));

  let session = null;
  let unsubscribe = null;
  let queue = [];
  let head = 0;
  let scheduled = false;

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    nextFrame(flush);
  }

  function enqueue(changes) {
    for (const c of changes) {
      queue.push(c);
      for (const p of parts) if (p.enqueued) p.enqueued(c);
    }
    schedule();
  }

  function flush() {
    scheduled = false;
    if (!session) {
      queue = [];
      head = 0;
      return;
    }
    for (const p of parts) if (p.beginFrame) p.beginFrame();
    const start = now();
    let taken = 0;
    let rendered = 0;
    let events = 0;
    while (head < queue.length) {
      if ((taken & 15) === 15 && now() - start > FRAME_BUDGET_MS) break;
      const c = queue[head++];
      taken += 1;
      if (c.kind === "raw") events += 1;
      for (const p of parts) if (p.take(c)) rendered += 1;
    }
    if (head >= queue.length) {
      queue = [];
      head = 0;
    }
    for (const p of parts) if (p.commit) p.commit();
    if (queue.length) schedule();
    onFlush({ session, rendered, events });
  }

  /** Show a session: its current state is rebuilt from a snapshot, then its changes follow. */
  function show(s, entry) {
    if (unsubscribe) unsubscribe();
    session = s;
    queue = [];
    head = 0;
    root.hidden = false;
    for (const p of parts) p.show(s, entry);
    enqueue(s.snapshot());
    unsubscribe = s.subscribe((changes) => enqueue(changes));
  }

  function hide() {
    if (unsubscribe) unsubscribe();
    unsubscribe = null;
    session = null;
    root.hidden = true;
  }

  return {
    show,
    hide,
    setEntry: (entry) => header.setEntry(entry),
    setInput: (body) => input.setInput(body),
    /** A link back to where the run was opened from ({ href, label }), or null for none. */
    setBack(link) {
      const ok = link && IN_PAGE_HASH.test(link.href);
      back.hidden = !ok;
      back.replaceChildren();
      if (!ok) return;
      const a = h("a", { text: `← ${link.label}` });
      a.href = link.href; // only ever a hash on this page (checked above)
      back.append(a);
    },
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
