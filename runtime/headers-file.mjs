// `_headers` in the assets directory, as Workers Static Assets reads it: a URL pattern on its own
// line, then indented `Name: value` lines that apply to matching asset responses, and
// `! Name` lines that remove a header an earlier rule set. `*` is a splat (matches anything,
// slashes too) and `:name` a placeholder (one path segment); both may be reused in values.
// When several rules match, their values for the same header are joined with ", ".

import fs from "node:fs";

export function parseHeadersFile(text, source = "_headers") {
  const rules = [];
  let current = null;
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const indented = /^\s/.test(raw);
    if (!indented) {
      current = { pattern: line, matcher: compilePattern(line), set: [], unset: [] };
      rules.push(current);
      return;
    }
    if (!current) throw new Error(`${source}:${i + 1}: header line before any URL pattern`);
    if (line.startsWith("!")) {
      current.unset.push(line.slice(1).trim().toLowerCase());
      return;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) throw new Error(`${source}:${i + 1}: expected "Name: value"`);
    current.set.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  });
  return rules;
}

function compilePattern(pattern) {
  // Absolute URL patterns (https://host/path) match on the path only here: the local runtime
  // has a single host.
  let p = pattern;
  const abs = /^[a-z]+:\/\/[^/]*(\/.*)?$/i.exec(p);
  if (abs) p = abs[1] ?? "/";
  const names = [];
  let re = "";
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === "*") {
      names.push("splat");
      re += "(.*)";
    } else if (c === ":" && /[A-Za-z_]/.test(p[i + 1] ?? "")) {
      const m = /^[A-Za-z_]\w*/.exec(p.slice(i + 1));
      names.push(m[0]);
      re += "([^/]+)";
      i += m[0].length;
    } else {
      re += c.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
    }
  }
  const regex = new RegExp(`^${re}$`);
  return (path) => {
    const m = regex.exec(path);
    if (!m) return null;
    const params = {};
    names.forEach((n, j) => {
      params[n] = m[j + 1];
    });
    return params;
  };
}

function substitute(value, params) {
  return value.replace(/:([A-Za-z_]\w*)/g, (all, name) => (name in params ? params[name] : all));
}

/** The header changes for `path`: { set: Map(name -> value), unset: Set(name) }. */
export function headersFor(rules, path) {
  const set = new Map();
  const unset = new Set();
  for (const rule of rules) {
    const params = rule.matcher(path);
    if (!params) continue;
    for (const name of rule.unset) {
      unset.add(name);
      set.delete(name);
    }
    for (const [name, value] of rule.set) {
      const v = substitute(value, params);
      set.set(name, set.has(name) ? `${set.get(name)}, ${v}` : v);
    }
  }
  return { set, unset };
}

/** Rules from `file`, re-read when it changes (so edits show up without a restart). */
export function headersFileLoader(file) {
  let cached = { mtimeMs: -1, rules: [] };
  return () => {
    let stat;
    try {
      stat = fs.statSync(file);
    } catch {
      return [];
    }
    if (stat.mtimeMs !== cached.mtimeMs) {
      cached = { mtimeMs: stat.mtimeMs, rules: parseHeadersFile(fs.readFileSync(file, "utf8"), file) };
    }
    return cached.rules;
  };
}
