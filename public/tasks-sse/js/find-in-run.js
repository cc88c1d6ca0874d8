// Pure logic for finding things in a run: which progress messages a filter (message types and a
// text search) lets through, and the output's fields with the basis entry each one has.
// No DOM here, so the run view's filter and field picker are unit-tested in Node.

/**
 * A message filter: `hiddenKinds` are the message types unticked; `query` is searched in the
 * message's text, case-insensitively (blank searches nothing).
 */
export function makeMessageFilter(hiddenKinds = [], query = "") {
  return { hiddenKinds: new Set(hiddenKinds), query: String(query).trim().toLowerCase() };
}

/** Does the filter let anything less than every message through? */
export function isFilterActive(filter) {
  return filter.hiddenKinds.size > 0 || filter.query !== "";
}

/** Does message `m` ({ kind, message }) pass the filter? */
export function matchesMessage(filter, m) {
  if (filter.hiddenKinds.has(m.kind)) return false;
  if (!filter.query) return true;
  return typeof m.message === "string" && m.message.toLowerCase().includes(filter.query);
}

/** The messages that pass, in order (one pass, no copies when the filter is off). */
export function filterMessages(messages, filter) {
  if (!isFilterActive(filter)) return messages;
  return messages.filter((m) => matchesMessage(filter, m));
}

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The value at a basis field path ("name", "items.2") in the output's content, or undefined. */
export function valueAtField(content, field) {
  if (isObject(content) && Object.hasOwn(content, field)) return content[field];
  let v = content;
  for (const part of String(field).split(".")) {
    if (Array.isArray(v) && /^\d+$/.test(part)) v = v[Number(part)];
    else if (isObject(v) && Object.hasOwn(v, part)) v = v[part];
    else return undefined;
  }
  return v;
}

/**
 * The output's fields, each with its basis entry: the content's top-level fields first (in order),
 * then fields only the basis names ("items.0", or "output" for a text output).
 * Returns [{ field, value, basis|null }].
 */
export function outputFields(output) {
  if (!isObject(output)) return [];
  const basis = Array.isArray(output.basis) ? output.basis.filter((b) => isObject(b) && b.field != null) : [];
  const byField = new Map();
  for (const b of basis) if (!byField.has(String(b.field))) byField.set(String(b.field), b);
  const fields = [];
  const seen = new Set();
  const add = (field) => {
    if (seen.has(field)) return;
    seen.add(field);
    fields.push({ field, value: valueAtField(output.content, field), basis: byField.get(field) || null });
  };
  if (isObject(output.content)) for (const k of Object.keys(output.content)) add(k);
  for (const f of byField.keys()) add(f);
  return fields;
}
