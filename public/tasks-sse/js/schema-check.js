// Client-side checks of an output JSON schema against Parallel's documented rules
// (Parallel's output-schema documentation), so a bad schema is caught before it costs a request.
// Each problem carries a JSON-pointer-like path ("$.properties.name") so the page can show it in place.

import { TASK_API } from "./processors.js";

// The limits, from the data file the simulator and the tests read too.
const L = TASK_API.limits;
export const LIMITS = Object.freeze({
  depth: L.schema_depth,
  properties: L.schema_properties,
  stringLength: L.schema_string_chars,
  enumValues: L.schema_enum_values,
  bigEnumThreshold: L.schema_large_enum_values,
  bigEnumStringLength: L.schema_large_enum_chars,
  taskSpecChars: L.task_spec_chars,
  taskSpecPlusInputChars: L.task_spec_and_input_chars,
});

export const UNSUPPORTED_KEYWORDS = Object.freeze([...TASK_API.output_schema.unsupported_keywords]);

export const BASIS_LIKE_NAMES = Object.freeze([...TASK_API.output_schema.basis_like_names]);

const SCHEMA_ARRAYS = ["anyOf", "oneOf", "allOf", "prefixItems"];
const SCHEMA_MAPS = ["properties", "$defs", "definitions"];
const SCHEMA_SINGLE = ["items", "additionalProperties", "not", "if", "then", "else"];

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function typesOf(node) {
  if (typeof node.type === "string") return [node.type];
  if (Array.isArray(node.type)) return node.type;
  return [];
}

function keyPath(base, key) {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

/** Sum of the lengths of every string in the schema, keys included (property names count). */
function totalStringLength(value) {
  if (typeof value === "string") return value.length;
  if (Array.isArray(value)) return value.reduce((n, v) => n + totalStringLength(v), 0);
  if (isObject(value)) {
    let n = 0;
    for (const [k, v] of Object.entries(value)) n += k.length + totalStringLength(v);
    return n;
  }
  return 0;
}

/**
 * Check an output schema.
 * @param {unknown} schema the parsed json_schema
 * @returns {{errors: {path: string, message: string}[], warnings: {path: string, message: string}[]}}
 */
export function checkOutputSchema(schema) {
  const errors = [];
  const warnings = [];
  const err = (path, message) => errors.push({ path, message });
  const warn = (path, message) => warnings.push({ path, message });

  if (!isObject(schema)) {
    err("$", "The schema must be a JSON object.");
    return { errors, warnings };
  }
  if (schema.type !== "object") err("$.type", 'The root "type" must be "object".');
  if (!isObject(schema.properties) || Object.keys(schema.properties).length === 0) {
    err("$.properties", 'The root must have "properties" with at least one field.');
  }
  if ("anyOf" in schema) err("$.anyOf", 'The root may not use "anyOf".');

  let propertyCount = 0;
  let enumValues = 0;
  let maxDepth = 0;

  function visit(node, path, depth) {
    if (!isObject(node)) return;
    const types = typesOf(node);
    // Depth counts container levels (objects and arrays); a primitive leaf adds none.
    const container = types.includes("object") || types.includes("array") || "properties" in node || "items" in node;
    if (container && depth > maxDepth) maxDepth = depth;
    if (types.length === 1 && types[0] === "null") {
      err(`${path}.type`, 'A standalone "null" type is not allowed; combine it, e.g. ["string", "null"].');
    }
    for (const keyword of UNSUPPORTED_KEYWORDS) {
      if (keyword in node) err(keyPath(path, keyword), `"${keyword}" is not supported.`);
    }
    if (Array.isArray(node.enum)) {
      enumValues += node.enum.length;
      if (node.enum.length > LIMITS.bigEnumThreshold) {
        const chars = totalStringLength(node.enum);
        if (chars > LIMITS.bigEnumStringLength) {
          err(
            `${path}.enum`,
            `An enum with more than ${LIMITS.bigEnumThreshold} values may hold at most ${LIMITS.bigEnumStringLength.toLocaleString("en-US")} characters (this one has ${chars.toLocaleString("en-US")}).`,
          );
        }
      }
    }
    if (isObject(node.properties)) {
      const names = Object.keys(node.properties);
      propertyCount += names.length;
      const required = Array.isArray(node.required) ? node.required : [];
      for (const name of names) {
        const childPath = keyPath(`${path}.properties`, name);
        if (!required.includes(name)) warn(childPath, `"${name}" is not listed in "required"; every field should be.`);
        if (BASIS_LIKE_NAMES.includes(name.toLowerCase())) {
          warn(
            childPath,
            `"${name}" looks like research basis; the API returns citations, reasoning and confidence in "basis" already.`,
          );
        }
      }
      if (node.additionalProperties !== false) {
        warn(`${path}.additionalProperties`, '"additionalProperties" should be false.');
      }
    }
    for (const key of SCHEMA_MAPS) {
      if (isObject(node[key])) {
        const inc = key === "properties" ? 1 : 0;
        for (const [name, child] of Object.entries(node[key])) {
          visit(child, keyPath(`${path}.${key}`, name), depth + inc);
        }
      }
    }
    for (const key of SCHEMA_ARRAYS) {
      if (Array.isArray(node[key])) node[key].forEach((child, i) => visit(child, `${path}.${key}[${i}]`, depth));
    }
    for (const key of SCHEMA_SINGLE) {
      if (isObject(node[key])) visit(node[key], `${path}.${key}`, depth + (key === "items" ? 1 : 0));
    }
  }

  visit(schema, "$", 1);

  if (maxDepth > LIMITS.depth) err("$", `The schema nests ${maxDepth} levels deep; the limit is ${LIMITS.depth}.`);
  if (propertyCount > LIMITS.properties)
    err("$", `The schema has ${propertyCount} properties; the limit is ${LIMITS.properties}.`);
  if (enumValues > LIMITS.enumValues)
    err("$", `The schema has ${enumValues} enum values; the limit is ${LIMITS.enumValues}.`);
  const chars = totalStringLength(schema);
  if (chars > LIMITS.stringLength) {
    err(
      "$",
      `The schema's strings total ${chars.toLocaleString("en-US")} characters; the limit is ${LIMITS.stringLength.toLocaleString("en-US")}.`,
    );
  }
  return { errors, warnings };
}

/** Size limits on the whole request (task spec alone, and task spec plus input). */
export function checkSizes(taskSpec, input) {
  const errors = [];
  const specChars = taskSpec ? JSON.stringify(taskSpec).length : 0;
  const inputChars = typeof input === "string" ? input.length : JSON.stringify(input ?? "").length;
  if (specChars > LIMITS.taskSpecChars) {
    errors.push({
      path: "task_spec",
      message: `The task spec is ${specChars.toLocaleString("en-US")} characters; the limit is ${LIMITS.taskSpecChars.toLocaleString("en-US")}.`,
    });
  }
  if (specChars + inputChars > LIMITS.taskSpecPlusInputChars) {
    errors.push({
      path: "input",
      message: `Task spec plus input is ${(specChars + inputChars).toLocaleString("en-US")} characters; the limit is ${LIMITS.taskSpecPlusInputChars.toLocaleString("en-US")}.`,
    });
  }
  return errors;
}

/** A sensible starting schema for the JSON output editor. */
export const EXAMPLE_OUTPUT_SCHEMA = Object.freeze({
  type: "object",
  properties: {
    founded_year: { type: "string", description: "Year the company was founded, e.g. 1998." },
    headquarters: { type: "string", description: "City and country of the headquarters." },
    ceo: { type: "string", description: "Full name of the current chief executive." },
    products: {
      type: "array",
      description: "Up to five flagship products.",
      items: { type: "string" },
    },
  },
  required: ["founded_year", "headquarters", "ceo", "products"],
  additionalProperties: false,
});
