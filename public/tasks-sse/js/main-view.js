// The main column shows one thing at a time: nothing yet, one run, a comparison, or a task group.
// Each panel is a section in index.html; this is the only place that decides which one is visible.

const PANELS = Object.freeze({
  empty: "run-empty",
  run: "run-panel",
  compare: "compare-panel",
  group: "group-panel",
});

let current = "empty";

/** Show the named panel and hide the others. */
export function showMain(name) {
  if (!Object.hasOwn(PANELS, name)) throw new Error(`unknown main panel: ${name}`);
  current = name;
  for (const [key, id] of Object.entries(PANELS)) {
    const el = document.getElementById(id);
    if (el) el.hidden = key !== name;
  }
}

export function shownMain() {
  return current;
}
