// A small TOML reader for the subset wrangler.toml uses here: comments, [tables], dotted
// table names, key = value with basic/literal strings, integers, floats, booleans and arrays
// (also spread over several lines). Anything else is a clear error naming the line, so a config
// the runtime cannot read is never half-applied.

export class TomlError extends Error {}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

export function parseToml(text, source = "TOML") {
  const root = {};
  let table = root;
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const where = `${source}:${i + 1}`;
    let line = stripComment(lines[i]).trim();
    if (!line) continue;
    if (line.startsWith("[[")) throw new TomlError(`${where}: arrays of tables are not supported`);
    if (line.startsWith("[")) {
      if (!line.endsWith("]")) throw new TomlError(`${where}: malformed table header`);
      table = root;
      for (const part of splitKey(line.slice(1, -1), where)) {
        table[part] ??= {};
        if (typeof table[part] !== "object" || Array.isArray(table[part])) {
          throw new TomlError(`${where}: "${part}" is not a table`);
        }
        table = table[part];
      }
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0) throw new TomlError(`${where}: expected key = value`);
    const keys = splitKey(line.slice(0, eq), where);
    let raw = line.slice(eq + 1).trim();
    // An array may continue over the next lines until its brackets balance.
    while (raw.startsWith("[") && !bracketsClosed(raw) && i + 1 < lines.length) {
      i++;
      raw += " " + stripComment(lines[i]).trim();
    }
    const [value, rest] = parseValue(raw, where);
    if (rest.trim()) throw new TomlError(`${where}: unexpected text after value`);
    let target = table;
    for (const k of keys.slice(0, -1)) target = target[k] ??= {};
    target[keys.at(-1)] = value;
  }
  return root;
}

function stripComment(line) {
  let quote = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === "#") {
      return line.slice(0, i);
    }
  }
  return line;
}

function bracketsClosed(raw) {
  let depth = 0;
  let quote = null;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "[") depth++;
    else if (c === "]") depth--;
  }
  return depth <= 0;
}

function splitKey(text, where) {
  return text.split(".").map((part) => {
    const key = part.trim();
    if (/^".*"$/.test(key) || /^'.*'$/.test(key)) return key.slice(1, -1);
    if (!BARE_KEY.test(key)) throw new TomlError(`${where}: invalid key "${key}"`);
    return key;
  });
}

const ESCAPES = { b: "\b", t: "\t", n: "\n", f: "\f", r: "\r", '"': '"', "\\": "\\" };

function parseValue(raw, where) {
  raw = raw.trimStart();
  if (raw.startsWith('"')) {
    let out = "";
    for (let i = 1; i < raw.length; i++) {
      const c = raw[i];
      if (c === '"') return [out, raw.slice(i + 1)];
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = raw[++i];
      if (e in ESCAPES) out += ESCAPES[e];
      else if (e === "u" || e === "U") {
        const len = e === "u" ? 4 : 8;
        out += String.fromCodePoint(parseInt(raw.slice(i + 1, i + 1 + len), 16));
        i += len;
      } else throw new TomlError(`${where}: invalid escape \\${e}`);
    }
    throw new TomlError(`${where}: unterminated string`);
  }
  if (raw.startsWith("'")) {
    const end = raw.indexOf("'", 1);
    if (end < 0) throw new TomlError(`${where}: unterminated string`);
    return [raw.slice(1, end), raw.slice(end + 1)];
  }
  if (raw.startsWith("[")) {
    const items = [];
    let rest = raw.slice(1).trimStart();
    while (!rest.startsWith("]")) {
      const [item, after] = parseValue(rest, where);
      items.push(item);
      rest = after.trimStart();
      if (rest.startsWith(",")) rest = rest.slice(1).trimStart();
      else if (!rest.startsWith("]")) throw new TomlError(`${where}: expected , or ] in array`);
    }
    return [items, rest.slice(1)];
  }
  const m = /^(true|false|[+-]?\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(raw);
  if (!m) throw new TomlError(`${where}: unsupported value "${raw}"`);
  const token = m[1];
  const value = token === "true" ? true : token === "false" ? false : Number(token.replaceAll("_", ""));
  return [value, raw.slice(token.length)];
}
