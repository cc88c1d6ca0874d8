// "Copy as code": every option the form sets appears in each snippet, and hostile text is quoted so
// that each language reads back exactly the value the form holds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { buildCreateRequest } from "../../public/tasks-sse/js/api.js";
import {
  requestCode,
  shellQuote,
  pythonLiteral,
  jsLiteral,
  CODE_TABS,
} from "../../public/tasks-sse/js/request-code.js";

const HOSTILE = 'it\'s "q" \\ back\\slash\n$(touch /tmp/pwned-rc) `id` $HOME \\n\t☃ 😀 \u2028 é';
const SIM = { mode: "simulator", upstream: "http://127.0.0.1:8788/", origin: "http://127.0.0.1:8787" };

function fullRequest() {
  const r = buildCreateRequest({
    inputMode: "json",
    input: JSON.stringify({ question: HOSTILE }),
    processor: "core",
    outputMode: "json",
    outputSchema: JSON.stringify({
      type: "object",
      properties: { answer: { type: "string", description: "the answer" } },
      required: ["answer"],
      additionalProperties: false,
    }),
    outputDescription: "",
    inputSchema: "A question",
    includeDomains: ["example.com"],
    excludeDomains: ["example.org"],
    afterDate: "2024-01-02",
    webhookUrl: "https://hooks.example.com/x",
    webhookEventTypes: ["task_run.status"],
    metadata: [{ key: "team", value: HOSTILE.slice(0, 100) }],
    mcpServers: JSON.stringify([{ type: "url", name: "tools", url: "https://mcp.example.com/mcp" }]),
    enableEvents: false,
  });
  assert.ok(r.body, JSON.stringify(r.errors));
  return r;
}

test("four tabs, one snippet each", () => {
  const { body, headers } = fullRequest();
  const code = requestCode(body, headers["parallel-beta"], SIM);
  assert.deepEqual(Object.keys(code).sort(), CODE_TABS.map((t) => t.id).sort());
});

test("every option and beta value appears in every snippet", () => {
  const { body, headers } = fullRequest();
  const code = requestCode(body, headers["parallel-beta"], SIM);
  const betas = headers["parallel-beta"].split(",");
  assert.equal(betas.length, 3);
  for (const [tab, text] of Object.entries(code)) {
    for (const word of ["core", "example.com", "example.org", "2024-01-02", "hooks.example.com", "task_run.status"])
      assert.ok(text.includes(word), `${tab} lacks ${word}`);
    for (const word of ["mcp.example.com", "A question", "the answer", "team"])
      assert.ok(text.includes(word), `${tab} lacks ${word}`);
    for (const b of betas) assert.ok(text.includes(b), `${tab} lacks ${b}`);
  }
  for (const key of Object.keys(body)) {
    assert.match(code.python, new RegExp(`^    ${key}=`, "m"), `python lacks ${key}`);
    assert.match(code.typescript, new RegExp(`^  ${key}: `, "m"), `typescript lacks ${key}`);
  }
  assert.match(code.python, /enable_events=False/);
  assert.match(code.typescript, /enable_events: false/);
});

test("the key is read from PARALLEL_API_KEY, never written out", () => {
  const { body, headers } = fullRequest();
  const code = requestCode(body, headers["parallel-beta"], { ...SIM, mode: "live" });
  assert.match(code.curl, /x-api-key: \$PARALLEL_API_KEY/);
  assert.match(code.run, /x-api-key: \$PARALLEL_API_KEY/);
  assert.match(code.python, /Parallel\(base_url=os\.environ\.get\("PARALLEL_BASE_URL"/);
  for (const text of Object.values(code)) assert.ok(!/sk-|sim-dev-key|api_key=|apiKey:/.test(text));
});

test("against the simulator the snippets target it; live against Parallel's API", () => {
  const { body, headers } = fullRequest();
  const sim = requestCode(body, headers["parallel-beta"], SIM);
  assert.ok(sim.curl.includes("'http://127.0.0.1:8788/v1/tasks/runs'"));
  assert.ok(sim.curl.includes("'http://127.0.0.1:8788/v1beta/tasks/runs/'\"$RUN_ID/events\""));
  assert.ok(sim.python.includes('"PARALLEL_BASE_URL", "http://127.0.0.1:8788"'));
  assert.ok(sim.typescript.includes('process.env.PARALLEL_BASE_URL ?? "http://127.0.0.1:8788"'));
  assert.ok(sim.run.includes("'http://127.0.0.1:8787/tasks-sse/run'"));
  const live = requestCode(body, headers["parallel-beta"], { mode: "live", upstream: "", origin: "https://x.dev" });
  assert.ok(live.curl.includes("'https://api.parallel.ai/v1/tasks/runs'"));
  assert.ok(live.python.includes("client = Parallel()"));
  assert.ok(live.typescript.includes("new Parallel();"));
});

test("shell quoting: bash reads back the exact text", () => {
  for (const text of [HOSTILE, "", "'", "''", "a'b'c", "\\'", "$'x'", "!!", "\n"]) {
    const out = execFileSync("bash", ["-c", `printf '%s' ${shellQuote(text)}`], { encoding: "utf8" });
    assert.equal(out, text);
  }
});

test("Python literals: python3 reads back the exact value", () => {
  const value = { [HOSTILE]: [HOSTILE, 1, 2.5, -3e21, true, false, null, {}, []], nested: { "'": '"' } };
  const src = `import json, sys\nsys.stdout.write(json.dumps(${pythonLiteral(value)}))`;
  const out = execFileSync("python3", ["-c", src], { encoding: "utf8" });
  assert.deepEqual(JSON.parse(out), value);
});

test("JS/TS literals evaluate to the exact value", () => {
  const value = { [HOSTILE]: [HOSTILE, 1, true, null, { a: "\u2029" }] };
  const parsed = new Function(`return ${jsLiteral(value, 1)};`)();
  assert.deepEqual(parsed, value);
});

test("a snippet's JSON body for curl is the body, byte for byte after shell unquoting", () => {
  const { body, headers } = fullRequest();
  const { curl } = requestCode(body, headers["parallel-beta"], SIM);
  const quoted = curl.match(/--data-binary ('(?:[^']|'\\'')*')/)[1];
  const out = execFileSync("bash", ["-c", `printf '%s' ${quoted}`], { encoding: "utf8" });
  assert.deepEqual(JSON.parse(out), body);
});
