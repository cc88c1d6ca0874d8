// Request building: the TaskRunInput body, the parallel-beta list, form validation, error parsing.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  BETA,
  betaHeaderFor,
  buildCreateRequest,
  createRun,
  normalizeDomain,
  parseApiError,
  eventsUrl,
  describeDetail,
  ApiError,
  CREATE_TIMEOUT_MS,
} from "../../public/tasks-sse/js/api.js";
import { emptyFormValues } from "../../public/tasks-sse/js/form-values.js";

/** An empty form with a question and the lite processor (webhook event types unticked). */
function form(overrides = {}) {
  return {
    ...emptyFormValues(),
    input: "What does Parallel do?",
    processor: "lite",
    webhookEventTypes: [],
    ...overrides,
  };
}

test("a minimal text run: input, processor, enable_events; events beta only", () => {
  const r = buildCreateRequest(form());
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.body, { input: "What does Parallel do?", processor: "lite", enable_events: true });
  assert.equal(r.headers["parallel-beta"], BETA.events);
  assert.equal(r.headers["content-type"], "application/json");
});

test("webhook and MCP add their betas, comma-joined without spaces", () => {
  const r = buildCreateRequest(
    form({
      webhookUrl: "https://example.com/hook",
      webhookEventTypes: ["task_run.status"],
      mcpServers: JSON.stringify([{ type: "url", name: "docs", url: "https://mcp.example.com/mcp" }]),
    }),
  );
  assert.deepEqual(r.errors, []);
  assert.equal(r.headers["parallel-beta"], "events-sse-2025-07-24,webhook-2025-08-12,mcp-server-2025-07-17");
  assert.deepEqual(r.body.webhook, { url: "https://example.com/hook", event_types: ["task_run.status"] });
  assert.equal(r.body.mcp_servers[0].name, "docs");
  assert.equal(betaHeaderFor({ webhook: { url: "x" } }), "events-sse-2025-07-24,webhook-2025-08-12");
  assert.equal(betaHeaderFor({ mcp_servers: [] }), "events-sse-2025-07-24");
});

test("JSON input must be an object and is sent as one", () => {
  assert.equal(buildCreateRequest(form({ inputMode: "json", input: "[1,2]" })).errors[0].field, "input");
  assert.match(buildCreateRequest(form({ inputMode: "json", input: "{bad" })).errors[0].message, /Invalid JSON/);
  const r = buildCreateRequest(form({ inputMode: "json", input: '{"company": "Parallel"}' }));
  assert.deepEqual(r.body.input, { company: "Parallel" });
});

test("empty text input is refused", () => {
  const r = buildCreateRequest(form({ input: "   " }));
  assert.equal(r.body, null);
  assert.equal(r.errors[0].field, "input");
});

test("output schemas: text with description, JSON with json_schema, auto omitted", () => {
  const text = buildCreateRequest(form({ outputMode: "text", outputDescription: "A short summary" }));
  assert.deepEqual(text.body.task_spec, { output_schema: { type: "text", description: "A short summary" } });
  const schema = {
    type: "object",
    properties: { a: { type: "string" } },
    required: ["a"],
    additionalProperties: false,
  };
  const json = buildCreateRequest(form({ outputMode: "json", outputSchema: JSON.stringify(schema) }));
  assert.deepEqual(json.body.task_spec, { output_schema: { type: "json", json_schema: schema } });
  assert.deepEqual(json.warnings, []);
  assert.equal(buildCreateRequest(form()).body.task_spec, undefined);
});

test("an invalid output schema blocks the request with a path per problem", () => {
  const r = buildCreateRequest(
    form({ outputMode: "json", outputSchema: JSON.stringify({ type: "array", items: {} }) }),
  );
  assert.equal(r.body, null);
  assert.ok(r.errors.some((e) => e.field === "outputSchema" && e.path === "$.type"));
  assert.ok(r.errors.some((e) => e.field === "outputSchema" && e.path === "$.properties"));
});

test("input schema: JSON object or text", () => {
  const j = buildCreateRequest(form({ inputSchema: '{"type":"object","properties":{"company":{"type":"string"}}}' }));
  assert.equal(j.body.task_spec.input_schema.type, "json");
  assert.deepEqual(j.body.task_spec.output_schema, { type: "auto" });
  const t = buildCreateRequest(form({ inputSchema: "A company name" }));
  assert.deepEqual(t.body.task_spec.input_schema, { type: "text", description: "A company name" });
});

test("source policy: normalised, de-duplicated, validated, at most 200", () => {
  const r = buildCreateRequest(form({ includeDomains: ["Example.com", "example.com.", ".gov"], excludeDomains: [] }));
  assert.deepEqual(r.body.source_policy, { include_domains: ["example.com", ".gov"] });
  assert.match(
    normalizeDomain("https://example.com/x").error,
    /enter only the domain, e\.g\. example\.com, or the domain and path, example\.com\/x\./,
  );
  assert.ok(normalizeDomain("exa mple.com").error);
  assert.equal(normalizeDomain("co.uk").domain, "co.uk");
  const many = Array.from({ length: 201 }, (_, i) => `d${i}.com`);
  const over = buildCreateRequest(form({ includeDomains: many.slice(0, 150), excludeDomains: many.slice(150) }));
  assert.ok(over.errors.some((e) => /At most 200/.test(e.message)));
});

test("metadata rows: limits on key and value, duplicates, blank rows skipped", () => {
  const ok = buildCreateRequest(
    form({
      metadata: [
        { key: "sim_fault", value: "drop-after=5" },
        { key: "", value: "" },
      ],
    }),
  );
  assert.deepEqual(ok.body.metadata, { sim_fault: "drop-after=5" });
  const long = buildCreateRequest(form({ metadata: [{ key: "k".repeat(17), value: "v" }] }));
  assert.match(long.errors[0].message, /17 characters; the limit is 16/);
  const val = buildCreateRequest(form({ metadata: [{ key: "k", value: "v".repeat(513) }] }));
  assert.match(val.errors[0].message, /limit is 512/);
  const dup = buildCreateRequest(
    form({
      metadata: [
        { key: "a", value: "1" },
        { key: "a", value: "2" },
      ],
    }),
  );
  assert.match(dup.errors[0].message, /used twice/);
});

test("webhook URL must be http(s); MCP servers are checked", () => {
  assert.equal(buildCreateRequest(form({ webhookUrl: "javascript:alert(1)" })).errors[0].field, "webhookUrl");
  assert.equal(buildCreateRequest(form({ mcpServers: "{}" })).errors[0].field, "mcpServers");
  const bad = buildCreateRequest(form({ mcpServers: '[{"name":"x","url":"ftp://a"}]' }));
  assert.equal(bad.errors[0].path, "[0].url");
  const eleven = JSON.stringify(Array.from({ length: 11 }, (_, i) => ({ name: `s${i}`, url: "https://a.example" })));
  assert.ok(buildCreateRequest(form({ mcpServers: eleven })).errors.some((e) => /At most 10/.test(e.message)));
});

test("task spec plus input over 25,000 characters is refused", () => {
  const r = buildCreateRequest(form({ input: "x".repeat(25001) }));
  assert.ok(r.errors.some((e) => /25,000/.test(e.message)));
});

test("parseApiError reads Parallel's shape, FastAPI's shape, and anything else", () => {
  const p = parseApiError(
    403,
    '{"type":"error","error":{"ref_id":"abc-123","message":"Forbidden: invalid processor in request","detail":null}}',
  );
  assert.deepEqual(p, {
    status: 403,
    message: "Forbidden: invalid processor in request",
    refId: "abc-123",
    detail: null,
  });
  const f = parseApiError(422, '{"detail":[{"loc":["body","processor"],"msg":"field required","type":"missing"}]}');
  assert.equal(f.message, "processor: field required");
  assert.equal(parseApiError(502, "<html>bad gateway</html>").message, "Bad gateway");
  assert.equal(parseApiError(500, "").message, "Server error");
  assert.equal(parseApiError(418, "short and plain").message, "short and plain");
});

test("createRun posts the body with key and betas; errors carry message and ref_id", async () => {
  const calls = [];
  const fetchImpl = async (url, init) => {
    calls.push({ url, init });
    return new Response(JSON.stringify({ run_id: "trun_1", status: "queued", is_active: true }), { status: 202 });
  };
  const { body, headers } = buildCreateRequest(
    form({ webhookUrl: "https://h.example/x", webhookEventTypes: ["task_run.status"] }),
  );
  const run = await createRun({ apiBase: "/tasks-sse/api", apiKey: "k1", body, headers, fetchImpl });
  assert.equal(run.run_id, "trun_1");
  assert.equal(calls[0].url, "/tasks-sse/api/v1/tasks/runs");
  assert.equal(calls[0].init.method, "POST");
  assert.equal(calls[0].init.headers["x-api-key"], "k1");
  assert.equal(calls[0].init.headers["parallel-beta"], "events-sse-2025-07-24,webhook-2025-08-12");
  assert.deepEqual(JSON.parse(calls[0].init.body), body);

  const failing = async () =>
    new Response(
      '{"type":"error","error":{"ref_id":"r-9","message":"Payment required: insufficient credit in account"}}',
      { status: 402 },
    );
  await assert.rejects(
    createRun({ apiBase: "", apiKey: "k", body, fetchImpl: failing }),
    (e) => e.status === 402 && e.refId === "r-9" && /insufficient credit/.test(e.message),
  );
  const down = async () => {
    throw new TypeError("fetch failed");
  };
  await assert.rejects(
    createRun({ apiBase: "", apiKey: "k", body, fetchImpl: down }),
    (e) => e.status === 0 && /Network error/.test(e.message),
  );
});

test("eventsUrl uses the beta events path and encodes the id", () => {
  assert.equal(eventsUrl("/tasks-sse/api", "trun_ab"), "/tasks-sse/api/v1beta/tasks/runs/trun_ab/events");
  assert.equal(eventsUrl("/b", "a/b"), "/b/v1beta/tasks/runs/a%2Fb/events");
});

test("source-policy entries: domains, extensions and domain/path prefixes, as the API takes them", () => {
  const ok = (raw, want) => assert.deepEqual(normalizeDomain(raw), { domain: want }, raw);
  ok("Example.COM.", "example.com");
  ok(".gov", ".gov");
  ok(".co.uk", ".co.uk");
  ok("docs.python.org/3/", "docs.python.org/3"); // trailing slashes are ignored by the API
  ok("YouTube.com/Shorts", "youtube.com/Shorts"); // the host is case-insensitive, the path is not
  ok("bücher.de", "xn--bcher-kva.de");
  const bad = (raw, why) => assert.match(normalizeDomain(raw).error ?? "", why, raw);
  bad("not a domain", /"not a domain" is not a domain: a domain has no spaces/);
  bad("not", /not a domain: use a full domain such as not\.com, or an extension such as \.not/);
  bad("docs.python.org/3?x=1", /query, fragment or colon/);
  bad("example.com:8080", /port/);
  bad("a..b", /not a valid domain/);
  bad("-a.com", /not a valid domain/);
  bad(".gov/x", /cannot have a path/);
  bad("a.123", /all digits/);
  bad("", /Empty/);
  // A bad entry given to the request builder is an error on its own field, and nothing is sent.
  const r = buildCreateRequest(form({ includeDomains: ["not a domain"], excludeDomains: ["ok.org", "no"] }));
  assert.equal(r.body, null);
  assert.deepEqual(
    r.errors.map((e) => e.field),
    ["includeDomains", "excludeDomains"],
  );
});

test("422 errors read as field: message, in the simulator's and FastAPI's shapes", () => {
  const sim = parseApiError(
    422,
    JSON.stringify({
      type: "error",
      error: {
        ref_id: "r-1",
        message: "Unprocessable content: request validation error",
        detail: {
          field: "task_spec.output_schema.json_schema",
          errors: [
            {
              loc: ["body", "task_spec", "output_schema", "json_schema"],
              msg: "'format' is not supported",
              type: "value_error",
            },
          ],
        },
      },
    }),
  );
  assert.equal(sim.message, "task_spec.output_schema.json_schema: 'format' is not supported");
  assert.equal(sim.refId, "r-1");
  assert.deepEqual(describeDetail(sim.detail), [sim.message]);
  const listed = parseApiError(
    422,
    JSON.stringify({
      detail: [
        { loc: ["body", "mcp_servers", 0, "url"], msg: "bad url" },
        { loc: ["body", "metadata"], msg: "too long" },
        { loc: ["query", "timeout"], msg: "not a number" },
        { loc: ["body", "input"], msg: "missing" },
      ],
    }),
  );
  assert.equal(
    listed.message,
    "mcp_servers[0].url: bad url; metadata: too long; query.timeout: not a number; and 1 more",
  );
  assert.equal(describeDetail(listed.detail).length, 4);
  assert.equal(
    parseApiError(422, '{"error":{"message":"m","detail":{"field":"input","message":"is empty"}}}').message,
    "input: is empty",
  );
  // Not a validation detail: the API's message stays, the detail is listed as it is.
  const other = parseApiError(400, '{"error":{"message":"Bad thing","detail":{"hint":"x"}}}');
  assert.equal(other.message, "Bad thing");
  assert.deepEqual(describeDetail(other.detail), ["hint: x"]);
});

test("createRun takes (body, headers, options) too, gives up after its deadline, and can be cancelled", async () => {
  const { body, headers } = buildCreateRequest(form());
  const seen = [];
  const hanging = (url, init) =>
    new Promise((_resolve, reject) => {
      seen.push({ url, init });
      init.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
    });
  await assert.rejects(
    createRun(body, headers, { apiBase: "/b", apiKey: "k", timeoutMs: 20, fetchImpl: hanging }),
    (e) =>
      e instanceof ApiError &&
      e.status === 0 &&
      e.code === "timeout" &&
      /did not answer within 0 seconds/.test(e.message),
  );
  assert.equal(seen[0].url, "/b/v1/tasks/runs");
  assert.equal(seen[0].init.headers["x-api-key"], "k");
  assert.equal(CREATE_TIMEOUT_MS, 60_000);

  const controller = new AbortController();
  const pending = createRun(body, headers, { apiKey: "k", signal: controller.signal, fetchImpl: hanging });
  controller.abort();
  await assert.rejects(pending, (e) => e.code === "cancelled" && /^Cancelled/.test(e.message));
  assert.equal(seen[1].url, "/tasks-sse/api/v1/tasks/runs");

  // An answer that arrives in time clears the deadline: nothing fires later.
  const fast = async () => new Response('{"run_id":"trun_2"}', { status: 202 });
  assert.equal((await createRun(body, headers, { apiKey: "k", timeoutMs: 50, fetchImpl: fast })).run_id, "trun_2");
  // A body that stalls after the headers is under the same deadline.
  const stallBody = async (_url, init) =>
    new Response(
      new ReadableStream({
        start(c) {
          init.signal.addEventListener("abort", () => c.error(new DOMException("aborted", "AbortError")));
        },
      }),
      { status: 202 },
    );
  await assert.rejects(
    createRun(body, headers, { apiKey: "k", timeoutMs: 20, fetchImpl: stallBody }),
    (e) => e.code === "timeout",
  );
});
