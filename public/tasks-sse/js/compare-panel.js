// Compare processors: one input on 2 to 6 processors, side by side. (Wired by app.js.)

/** Set up the comparison UI; `ctx` is the page's context (see app.js). */
export function initCompare(ctx) {
  void ctx;
  return {
    /** True when the location hash names a comparison this panel opened. */
    handlesHash: () => false,
  };
}
