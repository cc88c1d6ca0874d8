// Pasted rows for a task group: CSV or TSV (RFC 4180) or JSON Lines, read into one run input per
// row. Pure: no DOM, no fetch, so Node tests drive it with hostile text.
//
// CSV: the first record is the header; each later record becomes an object {header: cell} and the
// headers an input schema (every field a required string). JSON Lines: each line is a JSON object
// (or a JSON string, for a text input). Problems are reported per line ("line 7: ..."); any error
// means nothing is sent, so a group never silently loses a row.

export const MAX_ROWS = 5000; // runs one paste may create (the API takes 1,000 per request)
export const MAX_CHARS = 10 * 1024 * 1024; // pasted or loaded text
export const MAX_COLUMNS = 200;
export const MAX_DEPTH = 64; // nesting of a JSON Lines input
export const SHOWN_ERRORS = 20;

export const FORMATS = Object.freeze({ csv: "CSV", tsv: "TSV", jsonl: "JSON Lines" });

const LINE_BREAK = /\r\n|\n|\r/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text with lone UTF-16 surrogates replaced by U+FFFD, and how many there were. */
export function wellFormed(text) {
  let n = 0;
  const fixed = text.replace(LONE_SURROGATE, () => {
    n += 1;
    return "\uFFFD";
  });
  return { text: fixed, replaced: n };
}

/** The format the text looks like: "jsonl" when its first line is JSON, "tsv" with tabs, else "csv". */
export function detectFormat(text) {
  const s = String(text ?? "").replace(/^\uFEFF/, "");
  const first = s.split(/\r\n|\n|\r/).find((l) => l.trim() !== "") ?? "";
  const t = first.trim();
  if (t.startsWith("{") || (t.startsWith('"') && t.endsWith('"') && !t.includes(","))) {
    try {
      JSON.parse(t);
      return "jsonl";
    } catch {
      if (t.startsWith("{")) return "jsonl"; // a broken object is still meant as JSON Lines
    }
  }
  if (first.includes("\t") && !first.includes(",")) return "tsv";
  if (first.includes("\t") && countOutsideQuotes(first, "\t") > countOutsideQuotes(first, ",")) return "tsv";
  return "csv";
}

function countOutsideQuotes(line, ch) {
  let n = 0;
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (c === ch && !quoted) n += 1;
  }
  return n;
}

/**
 * RFC 4180 records: quoted fields, "" escapes, CRLF/LF/CR line ends, newlines inside quotes.
 * A quote inside an unquoted field is kept as text (spreadsheets paste `5" disk`); text after a
 * closing quote, or a quote never closed, is an error on the record's first line.
 * @returns {{ records: {line: number, fields: string[]}[], errors: {line: number, message: string}[] }}
 */
export function parseDelimited(text, delimiter = ",") {
  const s = String(text ?? "");
  const records = [];
  const errors = [];
  let fields = [];
  let field = "";
  let line = 1; // physical line of the current character
  let recordLine = 1;
  let i = 0;
  let quoted = false; // inside a quoted field
  let afterQuote = false; // a quoted field just closed
  let broken = false; // this record already has an error
  const n = s.length;
  const endRecord = () => {
    fields.push(field);
    if (!broken) records.push({ line: recordLine, fields });
    fields = [];
    field = "";
    afterQuote = false;
    broken = false;
  };
  while (i < n) {
    const c = s[i];
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        afterQuote = true;
        i += 1;
        continue;
      }
      // Copy a run of ordinary characters at once: long quoted cells stay linear.
      let j = s.indexOf('"', i);
      if (j === -1) j = n;
      const chunk = s.slice(i, j);
      const breaks = chunk.match(LINE_BREAK);
      if (breaks) line += breaks.length;
      field += chunk;
      i = j;
      continue;
    }
    if (c === delimiter) {
      fields.push(field);
      field = "";
      afterQuote = false;
      i += 1;
      continue;
    }
    if (c === "\r" || c === "\n") {
      endRecord();
      i += c === "\r" && s[i + 1] === "\n" ? 2 : 1;
      line += 1;
      recordLine = line;
      continue;
    }
    if (afterQuote) {
      if (!broken) errors.push({ line: recordLine, message: "text after a closing quote (quote the whole cell)" });
      broken = true;
      i += 1;
      continue;
    }
    if (c === '"' && field === "") {
      quoted = true;
      i += 1;
      continue;
    }
    field += c;
    i += 1;
  }
  if (quoted) {
    errors.push({ line: recordLine, message: 'a quoted cell is never closed (a missing ")' });
  } else if (field !== "" || fields.length > 0 || afterQuote) {
    endRecord();
  }
  return { records, errors };
}

const isBlank = (fields) => fields.every((f) => f.trim() === "");

/** An input schema for text columns: every header a required string. */
export function schemaForColumns(columns) {
  const properties = {};
  for (const c of columns) properties[c] = { type: "string" };
  return { type: "object", properties, required: [...columns], additionalProperties: false };
}

function readDelimited(text, delimiter) {
  const { records, errors } = parseDelimited(text, delimiter);
  const rows = records.filter((r) => !isBlank(r.fields));
  const out = { columns: [], inputs: [], lines: [], errors, inputSchema: null };
  if (rows.length === 0) {
    if (!errors.length) errors.push({ line: 1, message: "no header row: the first line names the columns" });
    return out;
  }
  const header = rows[0];
  const columns = header.fields.map((h) => h.trim());
  if (columns.length > MAX_COLUMNS)
    errors.push({ line: header.line, message: `${columns.length} columns; at most ${MAX_COLUMNS}` });
  const seen = new Set();
  columns.forEach((name, i) => {
    if (name === "") errors.push({ line: header.line, message: `column ${i + 1} has no name in the header` });
    else if (seen.has(name))
      errors.push({ line: header.line, message: `column "${clip(name)}" appears twice in the header` });
    seen.add(name);
  });
  out.columns = columns;
  for (const r of rows.slice(1)) {
    if (r.fields.length !== columns.length) {
      errors.push({
        line: r.line,
        message: `${r.fields.length} cell${r.fields.length === 1 ? "" : "s"}, but the header has ${columns.length}`,
      });
      continue;
    }
    const input = {};
    columns.forEach((name, k) => {
      input[name] = r.fields[k];
    });
    out.inputs.push(input);
    out.lines.push(r.line);
  }
  out.inputSchema = columns.length ? schemaForColumns(columns) : null;
  return out;
}

/** Depth of nested arrays and objects (iterative: hostile nesting cannot overflow the stack). */
export function jsonDepth(value) {
  let max = 0;
  const stack = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop();
    if (v === null || typeof v !== "object") continue;
    if (d > max) max = d;
    if (max > MAX_DEPTH) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

function readJsonLines(text) {
  const out = { columns: [], inputs: [], lines: [], errors: [], inputSchema: null };
  const seen = new Set();
  const lines = text.split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === "") continue;
    const line = i + 1;
    let value;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      out.errors.push({
        line,
        message: `not valid JSON (${e instanceof RangeError ? "nested too deeply" : oneLine(e.message)})`,
      });
      continue;
    }
    if (typeof value === "string") {
      if (value.trim() === "") out.errors.push({ line, message: "an empty string; a text input needs some text" });
      else {
        out.inputs.push(value);
        out.lines.push(line);
      }
      continue;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      out.errors.push({
        line,
        message: `not a JSON object (${Array.isArray(value) ? "an array" : value === null ? "null" : typeof value}); each line is one run's input`,
      });
      continue;
    }
    if (Object.keys(value).length === 0) {
      out.errors.push({ line, message: "an empty object; a run's input needs at least one field" });
      continue;
    }
    if (jsonDepth(value) > MAX_DEPTH) {
      out.errors.push({ line, message: `nested more than ${MAX_DEPTH} levels deep` });
      continue;
    }
    for (const k of Object.keys(value)) {
      if (!seen.has(k) && seen.size < MAX_COLUMNS) {
        seen.add(k);
        out.columns.push(k);
      }
    }
    out.inputs.push(value);
    out.lines.push(line);
  }
  if (out.inputs.length === 0 && out.errors.length === 0)
    out.errors.push({ line: 1, message: "no rows: paste one JSON object per line" });
  return out;
}

function oneLine(s) {
  return String(s ?? "")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 160);
}

function clip(s, max = 40) {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * Read pasted text into run inputs.
 * @param {string} text
 * @param {{ format?: "auto"|"csv"|"tsv"|"jsonl" }} [options]
 * @returns {{ format: string, detected: string, inputs: (object|string)[], lines: number[],
 *             columns: string[], inputSchema: object|null, errors: {line: number, message: string}[],
 *             warnings: string[] }}
 */
export function readRows(text, { format = "auto" } = {}) {
  const warnings = [];
  let s = String(text ?? "");
  const detected = detectFormat(s);
  const chosen = format === "auto" || !Object.hasOwn(FORMATS, format) ? detected : format;
  const result = (r) => ({ format: chosen, detected, warnings, ...r });
  if (s.length > MAX_CHARS) {
    return result({
      inputs: [],
      lines: [],
      columns: [],
      inputSchema: null,
      errors: [
        {
          line: 1,
          message: `the text is ${s.length.toLocaleString("en")} characters; at most ${MAX_CHARS.toLocaleString("en")}`,
        },
      ],
    });
  }
  if (s.startsWith("\uFEFF")) s = s.slice(1);
  const fixed = wellFormed(s);
  if (fixed.replaced)
    warnings.push(
      `${fixed.replaced} broken character${fixed.replaced === 1 ? " was" : "s were"} (lone UTF-16 surrogate${fixed.replaced === 1 ? "" : "s"}) replaced by \uFFFD.`,
    );
  const r = chosen === "jsonl" ? readJsonLines(fixed.text) : readDelimited(fixed.text, chosen === "tsv" ? "\t" : ",");
  if (r.inputs.length > MAX_ROWS) {
    r.errors.push({
      line: r.lines[MAX_ROWS],
      message: `${r.inputs.length.toLocaleString("en")} rows; at most ${MAX_ROWS.toLocaleString("en")} per group from this page`,
    });
  }
  r.errors.sort((a, b) => a.line - b.line);
  return result(r);
}

/** "line 7: not a JSON object", for lists. */
export function describeError(e) {
  return `line ${e.line}: ${e.message}`;
}

/** UTF-8 length of a string, without allocating an encoded copy. */
export function utf8Length(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i += 1;
    } else n += 3;
  }
  return n;
}

/**
 * Split request items into consecutive batches of at most `maxCount` items whose JSON stays
 * under `maxBytes` (the Worker refuses larger bodies). An item too large alone is in `tooLarge`.
 * @returns {{ batches: {start: number, items: any[]}[], tooLarge: number[] }}
 */
export function planBatches(items, { maxCount = 1000, maxBytes = 900 * 1024 } = {}) {
  const out = [];
  const tooLarge = [];
  let current = null;
  let bytes = 0;
  items.forEach((item, i) => {
    const size = utf8Length(JSON.stringify(item)) + 1;
    if (size > maxBytes) {
      tooLarge.push(i);
      current = null;
      return;
    }
    if (!current || current.items.length >= maxCount || bytes + size > maxBytes) {
      current = { start: i, items: [] };
      out.push(current);
      bytes = 0;
    }
    current.items.push(item);
    bytes += size;
  });
  return { batches: out, tooLarge };
}
