// JSON outputs side by side: each column's value is flattened to field paths (`a.b`,
// `key_executives.0.name`) and the columns are merged into one list of rows in tree order (object
// keys in the order they first appear, array items by index), so a field any column has sits beside
// the same field of the others. Each row says whether the columns that have JSON output agree.
//
// Outputs come from the network: the work is bounded (depth, rows, keys per object, characters per
// value) and nothing here throws on any JSON value. Map/Set only: a key such as "__proto__" is data.

export const ALIGN_LIMITS = Object.freeze({
  maxDepth: 24, // deeper values are shown whole (as bounded JSON text) at this depth
  maxRows: 1000, // rows beyond this are counted as left out, not built
  maxKeys: 2000, // keys (or items) read per object (or array) per column
  maxValueChars: 2000, // characters of a value shown (the comparison still uses the whole value)
});

/** A column without JSON output (text, none yet, failed): it takes no part in the comparison. */
export const NO_JSON = Symbol("no JSON output");
const MISSING = Symbol("missing");

const isContainer = (v) => v !== null && typeof v === "object";

/** Own keys of a container, at most `max`; arrays give their indices as strings. */
function keysOf(v, max) {
  const out = [];
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length && out.length < max; i += 1) out.push(String(i));
    return { keys: out, cut: v.length > max };
  }
  let cut = false;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    if (out.length >= max) {
      cut = true;
      break;
    }
    out.push(k);
  }
  return { keys: out, cut };
}

/** JSON text of a value, bounded: a huge string or subtree never becomes a huge string. */
export function boundedJson(v, maxChars = ALIGN_LIMITS.maxValueChars) {
  if (typeof v === "string") {
    const s = v.length > maxChars ? v.slice(0, maxChars) : v;
    return JSON.stringify(s) + (v.length > maxChars ? "…" : "");
  }
  if (!isContainer(v)) {
    try {
      const s = JSON.stringify(v);
      return s === undefined ? String(v) : s;
    } catch {
      return String(v);
    }
  }
  // A container shown whole (past the depth limit): written piece by piece with a budget.
  let out = "";
  let budget = maxChars;
  let cut = false;
  const write = (s) => {
    if (budget <= 0) {
      cut = true;
      return false;
    }
    if (s.length > budget) cut = true;
    out += s.length > budget ? s.slice(0, budget) : s;
    budget -= s.length;
    return budget > 0;
  };
  const walk = (x, depth) => {
    if (!isContainer(x)) return write(boundedJson(x, budget));
    if (depth > 64) return write(Array.isArray(x) ? "[…]" : "{…}");
    const arr = Array.isArray(x);
    if (!write(arr ? "[" : "{")) return false;
    const { keys } = keysOf(x, Math.max(1, budget));
    for (let i = 0; i < keys.length; i += 1) {
      if (i && !write(",")) return false;
      if (!arr && !write(`${JSON.stringify(keys[i])}:`)) return false;
      if (!walk(x[keys[i]], depth + 1)) return false;
    }
    return write(arr ? "]" : "}");
  };
  walk(v, 0);
  return cut ? `${out}…` : out;
}

const SAME_BUDGET = 20_000; // values visited per comparison of two containers shown whole

/**
 * Equality of two leaf values (or of two containers shown whole), without building strings while
 * the values are small; bigger ones are compared by their JSON text.
 */
function same(a, b) {
  if (a === b) return true;
  if (!isContainer(a) || !isContainer(b)) return false;
  const budget = { left: SAME_BUDGET };
  const deep = (x, y, depth) => {
    if (x === y) return true;
    if (!isContainer(x) || !isContainer(y) || Array.isArray(x) !== Array.isArray(y)) return false;
    if (depth > 64 || (budget.left -= 1) < 0) throw budget;
    const kx = keysOf(x, ALIGN_LIMITS.maxKeys);
    const ky = keysOf(y, ALIGN_LIMITS.maxKeys);
    if (kx.cut || ky.cut) throw budget;
    if (kx.keys.length !== ky.keys.length) return false;
    for (const k of kx.keys) {
      if (!Object.prototype.hasOwnProperty.call(y, k)) return false;
      if (!deep(x[k], y[k], depth + 1)) return false;
    }
    return true;
  };
  try {
    return deep(a, b, 0);
  } catch (e) {
    if (e !== budget) throw e;
    // Too big or deep to walk here: the values were parsed from JSON, so their text decides.
    try {
      return JSON.stringify(a) === JSON.stringify(b);
    } catch {
      return false; // too deep even for that: not shown as the same
    }
  }
}

/** Words for an empty or cut container's cell. */
function containerLabel(v) {
  if (Array.isArray(v)) return v.length === 0 ? "[]" : `[${v.length} items]`;
  for (const k in v) if (Object.prototype.hasOwnProperty.call(v, k)) return "{…}";
  return "{}";
}

/**
 * Align the JSON outputs of several columns.
 *
 * @param {Array<unknown>} values  one per column: the output's content, or NO_JSON
 * @returns {{
 *   rows: { path: string, segments: string[], cells: ({ text: string } | null | undefined)[],
 *           state: "same" | "differs" | "missing", missingIn: number[] }[],
 *   compared: number[],   // the columns that have JSON output
 *   counts: { same: number, differs: number, missing: number },
 *   truncated: boolean,   // rows, keys or depth were cut: the table says so
 * }}
 * A cell is null when that column has no JSON output, undefined when the column lacks the field.
 */
export function alignJson(values, limits = ALIGN_LIMITS) {
  const lim = { ...ALIGN_LIMITS, ...limits };
  const cols = Array.isArray(values) ? values : [];
  const compared = [];
  cols.forEach((v, i) => {
    if (v !== NO_JSON && v !== undefined) compared.push(i);
  });
  const rows = [];
  const counts = { same: 0, differs: 0, missing: 0 };
  let truncated = false;

  // at[i]: MISSING, or { value } (a leaf, or a container shown whole), or { shape } (a container
  // whose fields have rows of their own: this row only shows its shape).
  function addRow(segments, at) {
    if (rows.length >= lim.maxRows) {
      truncated = true;
      return false;
    }
    const cells = cols.map(() => null);
    const missingIn = [];
    let first = null;
    let agree = true;
    for (const i of compared) {
      const c = at[i];
      if (c === MISSING) {
        cells[i] = undefined;
        missingIn.push(i);
        continue;
      }
      cells[i] = { text: "shape" in c ? c.shape : boundedJson(c.value, lim.maxValueChars) };
      if (!first) first = c;
      else if (agree) agree = !("shape" in c) && !("shape" in first) && same(first.value, c.value);
    }
    const state = missingIn.length ? "missing" : agree ? "same" : "differs";
    counts[state] += 1;
    const path = segments.length ? segments.join(".") : "(whole output)";
    rows.push({ path, segments: [...segments], cells, state, missingIn });
    return true;
  }

  // here[i]: column i's value at this path, or MISSING.
  function walk(here, segments, depth) {
    if (rows.length >= lim.maxRows) {
      truncated = true;
      return;
    }
    const present = compared.filter((i) => here[i] !== MISSING);
    const branches = present.filter((i) => isContainer(here[i]) && keysOf(here[i], 1).keys.length > 0);
    if (branches.length === 0 || depth >= lim.maxDepth) {
      if (branches.length) truncated = true; // shown whole below the depth limit
      addRow(
        segments,
        here.map((v) => (v === MISSING ? MISSING : { value: v })),
      );
      return;
    }
    // A leaf (or an empty container) where another column has fields: one row for this path,
    // the containers showing only their shape; their fields follow on rows of their own.
    if (branches.length < present.length) {
      const at = here.map((v, i) =>
        v === MISSING ? MISSING : branches.includes(i) ? { shape: containerLabel(v) } : { value: v },
      );
      if (!addRow(segments, at)) return;
    }
    // Children: keys in the order they first appear across the columns (array indices ascend).
    const order = new Set();
    for (const i of branches) {
      const { keys, cut } = keysOf(here[i], lim.maxKeys);
      if (cut) truncated = true;
      for (const k of keys) order.add(k);
    }
    for (const k of order) {
      if (rows.length >= lim.maxRows) {
        truncated = true;
        return;
      }
      const next = cols.map((_, i) =>
        branches.includes(i) && Object.prototype.hasOwnProperty.call(here[i], k) ? here[i][k] : MISSING,
      );
      walk(next, [...segments, k], depth + 1);
    }
  }

  if (compared.length)
    walk(
      cols.map((v) => (v === NO_JSON || v === undefined ? MISSING : v)),
      [],
      0,
    );
  return { rows, compared, counts, truncated };
}
