// The run view's raw events: every accepted event as sent, behind a toggle. It renders only the
// newest RAW_EAGER events until asked for more, and reads them from the session on demand.

import { h } from "./dom.js";

const RAW_EAGER = 200;
const RAW_MORE = 500;

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

/** `schedule` asks the run view for another frame (a long trace renders over several). */
export function createRawView({ schedule }) {
  const toggle = h("button", {
    type: "button",
    class: "small",
    "aria-expanded": "false",
    "aria-controls": "raw-events",
    text: "Show raw events",
  });
  const more = h("button", { type: "button", class: "small", hidden: true });
  const list = h("ol", { class: "raw-list" });
  // Focusable and named: it scrolls, so keyboard users must be able to reach it.
  const box = h(
    "div",
    {
      id: "raw-events",
      class: "raw-box",
      role: "region",
      tabindex: "0",
      "aria-label": "Raw events, scrollable",
      hidden: true,
    },
    [more, list],
  );
  const element = h("section", { class: "panel-block", "aria-label": "Raw events" }, [
    h("div", { class: "raw-head" }, [h("h3", { text: "Raw events" }), toggle]),
    box,
  ]);

  let session = null;
  let open = false;
  let total = 0; // raw events the session holds
  let from = 0; // the oldest rendered
  let to = 0; // after the newest rendered

  function reset() {
    list.replaceChildren();
    total = session ? session.summary().events : 0;
    from = Math.max(0, total - RAW_EAGER);
    to = from;
    updateMore();
  }

  function updateMore() {
    more.hidden = from === 0;
    more.textContent = `Show ${Math.min(RAW_MORE, from)} earlier of ${from} not shown`;
  }

  toggle.addEventListener("click", () => {
    open = !open;
    box.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = open ? "Hide raw events" : "Show raw events";
    if (open) {
      reset();
      schedule();
    } else list.replaceChildren();
  });
  more.addEventListener("click", () => {
    if (!session) return;
    const start = Math.max(0, from - RAW_MORE);
    const frag = document.createDocumentFragment();
    for (const r of session.raw(start, from)) frag.append(rawItem(r));
    list.prepend(frag);
    from = start;
    updateMore();
  });

  return {
    element,
    show(s) {
      session = s;
      if (open) reset();
      else total = s.summary().events;
    },
    take(c) {
      if (c.kind !== "raw") return false;
      total = Math.max(total, c.item.seq);
      return true;
    },
    commit() {
      if (!open || !session) return;
      const end = Math.min(total, to + RAW_MORE);
      if (to < end) {
        const frag = document.createDocumentFragment();
        for (const r of session.raw(to, end)) frag.append(rawItem(r));
        list.append(frag);
        to = end;
      }
      if (to < total) schedule();
    },
  };
}
