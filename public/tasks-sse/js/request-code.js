// "Copy as code": the form's request (the TaskRunInput body and its parallel-beta values, as
// api.buildCreateRequest makes them) written as code a developer can run: curl, Python and
// TypeScript with Parallel's official SDKs, and this site's one-call /tasks-sse/run. Pure, so Node
// tests can check the quoting. Every value is untrusted text: each goes through one quoting helper
// per language, never pasted in raw.

export const DEFAULT_API_ORIGIN = "https://api.parallel.ai";
export const CODE_TABS = Object.freeze([
  { id: "curl", label: "curl" },
  { id: "python", label: "Python" },
  { id: "typescript", label: "TypeScript" },
  { id: "run", label: "One call" },
]);

/** A shell word for any text: single quotes, each ' written as '\'' (nothing expands inside). */
export function shellQuote(text) {
  return `'${String(text).replace(/'/g, `'\\''`)}'`;
}

// A JSON string literal is a valid Python and JS/TS string literal: JSON escapes (\" \\ \n \t
// \uXXXX ...) mean the same in all three, and JSON.stringify never writes the one Python lacks (\/).
const stringLiteral = (text) => JSON.stringify(String(text));

/** A Python literal for a JSON value (dicts, lists, True/False/None), indented by 4. */
export function pythonLiteral(value, depth = 0) {
  const pad = "    ".repeat(depth + 1);
  const end = "    ".repeat(depth);
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return Number.isFinite(value) ? JSON.stringify(value) : "None";
  if (typeof value === "string") return stringLiteral(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((v) => `${pad}${pythonLiteral(v, depth + 1)},\n`).join("")}${end}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, v]) => `${pad}${stringLiteral(k)}: ${pythonLiteral(v, depth + 1)},\n`).join("")}${end}}`;
}

/** A JS/TS literal for a JSON value: JSON itself, indented by 2 and shifted by `depth` levels. */
export function jsLiteral(value, depth = 0) {
  return JSON.stringify(value ?? null, null, 2).replace(/\n/g, `\n${"  ".repeat(depth)}`);
}

function betaList(betas) {
  const list = Array.isArray(betas) ? betas : String(betas ?? "").split(",");
  return list.map((b) => String(b).trim()).filter(Boolean);
}

// The TaskRunInput fields, in the order the form shows them; the SDKs take each as a parameter.
const FIELDS = [
  "input",
  "processor",
  "task_spec",
  "source_policy",
  "metadata",
  "webhook",
  "mcp_servers",
  "enable_events",
];

function orderedFields(body) {
  const known = FIELDS.filter((k) => body[k] !== undefined);
  const rest = Object.keys(body).filter((k) => !FIELDS.includes(k) && body[k] !== undefined);
  return [...known, ...rest];
}

/** Where the API calls go: the simulator's or the API's origin, as config.json says. */
export function apiBase({ upstream } = {}) {
  return String(upstream || DEFAULT_API_ORIGIN).replace(/\/+$/, "");
}

function curlCreate(body, betas, base) {
  const beta = betaList(betas);
  const lines = [
    `curl -sS --fail-with-body -X POST ${shellQuote(`${base}/v1/tasks/runs`)}`,
    `-H "x-api-key: $PARALLEL_API_KEY"`,
    `-H 'content-type: application/json'`,
    ...(beta.length ? [`-H ${shellQuote(`parallel-beta: ${beta.join(",")}`)}`] : []),
    `--data-binary ${shellQuote(JSON.stringify(body, null, 2))}`,
  ];
  const events = [
    `curl -sS -N ${shellQuote(`${base}/v1beta/tasks/runs/`)}"$RUN_ID/events"`,
    `-H "x-api-key: $PARALLEL_API_KEY"`,
    `-H 'accept: text/event-stream'`,
    `-H 'parallel-beta: events-sse-2025-07-24'`,
  ];
  return [
    "# Create the run (reads your key from PARALLEL_API_KEY); it prints the run, or the error.",
    `CREATED=$(${lines.join(" \\\n  ")})`,
    'echo "$CREATED"',
    `RUN_ID=$(printf '%s' "$CREATED" | sed -n 's/.*"run_id" *: *"\\([^"]*\\)".*/\\1/p')`,
    "",
    "# Then stream its events until the run ends.",
    events.join(" \\\n  "),
    "",
  ].join("\n");
}

function curlOneCall(body, betas, origin) {
  const beta = betaList(betas);
  const lines = [
    `curl -sS -N ${shellQuote(`${String(origin).replace(/\/+$/, "")}/tasks-sse/run`)}`,
    `-H "x-api-key: $PARALLEL_API_KEY"`,
    `-H 'content-type: application/json'`,
    `-H 'accept: text/event-stream'`,
    ...(beta.length ? [`-H ${shellQuote(`parallel-beta: ${beta.join(",")}`)}`] : []),
    `--data-binary ${shellQuote(JSON.stringify(body, null, 2))}`,
  ];
  return [
    "# One call to this site: creates the run and streams its events, then `event: done` with the result.",
    lines.join(" \\\n  "),
    "",
  ].join("\n");
}

function python(body, betas, base) {
  const beta = betaList(betas);
  const client =
    base === DEFAULT_API_ORIGIN
      ? "client = Parallel()"
      : `client = Parallel(base_url=os.environ.get("PARALLEL_BASE_URL", ${stringLiteral(base)}))`;
  const args = orderedFields(body).map((k) => `    ${k}=${pythonLiteral(body[k], 1)},`);
  if (beta.length) args.push(`    betas=${pythonLiteral(beta, 1)},`);
  return [
    "# pip install parallel-web",
    ...(base === DEFAULT_API_ORIGIN ? [] : ["import os", ""]),
    "from parallel import Parallel",
    "",
    "# Reads your key from PARALLEL_API_KEY.",
    client,
    "",
    "run = client.task_run.create(",
    ...args,
    ")",
    'print("run", run.run_id)',
    "",
    "# Waits for the run to finish.",
    "result = client.task_run.result(run.run_id)",
    "print(result.output.content)",
    "",
  ].join("\n");
}

// Plain ES module syntax with no type annotations: valid TypeScript that Node also runs as is.
function typescript(body, betas, base) {
  const beta = betaList(betas);
  const client =
    base === DEFAULT_API_ORIGIN
      ? "const client = new Parallel();"
      : `const client = new Parallel({ baseURL: process.env.PARALLEL_BASE_URL ?? ${stringLiteral(base)} });`;
  const args = orderedFields(body).map((k) => `  ${k}: ${jsLiteral(body[k], 1)},`);
  if (beta.length) args.push(`  betas: ${jsLiteral(beta, 1)},`);
  return [
    "// npm install parallel-web",
    'import Parallel from "parallel-web";',
    "",
    "// Reads your key from PARALLEL_API_KEY.",
    client,
    "",
    "const run = await client.taskRun.create({",
    ...args,
    "});",
    'console.log("run", run.run_id);',
    "",
    "// Waits for the run to finish.",
    "const result = await client.taskRun.result(run.run_id);",
    "console.log(result.output.content);",
    "",
  ].join("\n");
}

/**
 * The four snippets for a create request.
 * @param {object} body the TaskRunInput the form sends
 * @param {string|string[]} betas the parallel-beta values (the header's comma-joined text or a list)
 * @param {{mode?: string, upstream?: string, origin: string}} where config.json's mode and
 *   upstream (the API origin; the simulator's in simulator mode), and this site's origin
 * @returns {{curl: string, python: string, typescript: string, run: string}}
 */
export function requestCode(body, betas, { mode, upstream, origin } = {}) {
  const base = apiBase({ upstream });
  // The simulator's key is public (the page shows it too); a real key is never written out.
  const note = (comment) =>
    mode === "simulator" ? `${comment} This targets the simulator: export PARALLEL_API_KEY=sim-dev-key\n` : "";
  return {
    curl: note("#") + curlCreate(body, betas, base),
    python: note("#") + python(body, betas, base),
    typescript: note("//") + typescript(body, betas, base),
    run: note("#") + curlOneCall(body, betas, origin || ""),
  };
}
