// Parallel's official TypeScript SDK (npm `parallel-web`) against one base URL: the simulator or
// the Worker's proxy in front of it. Usage: node node_sdk_contract.mjs <baseURL> <apiKey>
// The SDK does not validate responses at run time, so each answer's shape is checked here
// against the SDK's own type declarations (required keys, enums, discriminators).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import Parallel, {
  APIError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
} from "parallel-web";

const [baseURL, apiKey] = process.argv.slice(2);
const STATUSES = ["queued", "action_required", "running", "completed", "failed", "cancelling", "cancelled"];
const MESSAGE_TYPES = ["plan", "search", "result", "tool_call", "exec_status", "extract"].map(
  (k) => `task_run.progress_msg.${k}`,
);
// In Parallel's docs' sample stream, in neither SDK's enum: the one documented exception.
const UNTYPED = "task_run.progress_msg.tool";
const SCHEMA = {
  type: "object",
  properties: {
    founded: { type: "integer", description: "Year founded" },
    key_executives: { type: "array", items: { type: "string" }, description: "Executives" },
  },
  required: ["founded", "key_executives"],
  additionalProperties: false,
};

const client = (opts = {}) => new Parallel({ apiKey, baseURL, maxRetries: 0, timeout: 60_000, ...opts });
const fault = (text) => ({ headers: { "x-sim-fault": `${text};tag=${randomUUID()}` } });

function checkRun(run) {
  for (const k of ["run_id", "interaction_id", "processor"]) assert.equal(typeof run[k], "string", k);
  assert.ok(STATUSES.includes(run.status), run.status);
  assert.equal(typeof run.is_active, "boolean");
  assert.equal(run.is_active, ["queued", "running", "cancelling"].includes(run.status));
  if (run.error != null) checkError(run.error);
  return run;
}

function checkError(error) {
  assert.equal(typeof error.ref_id, "string");
  assert.equal(typeof error.message, "string");
  assert.ok(error.detail == null || typeof error.detail === "object");
}

function checkOutput(output) {
  assert.ok(["text", "json"].includes(output.type));
  assert.ok(Array.isArray(output.basis));
  for (const b of output.basis) {
    assert.equal(typeof b.field, "string");
    assert.equal(typeof b.reasoning, "string");
    for (const c of b.citations ?? []) assert.equal(typeof c.url, "string");
  }
  assert.equal(typeof output.content, output.type === "text" ? "string" : "object");
}

function checkRunEvent(e) {
  if (e.type === "task_run.state") {
    checkRun(e.run);
    if (e.output != null) checkOutput(e.output);
  } else if (e.type === "task_run.progress_stats") {
    assert.equal(typeof e.progress_meter, "number");
    assert.equal(typeof e.source_stats, "object");
  } else if (e.type.startsWith("task_run.progress_msg.")) {
    assert.ok(MESSAGE_TYPES.includes(e.type) || e.type === UNTYPED, e.type);
    assert.equal(typeof e.message, "string");
  } else if (e.type === "error") {
    checkError(e.error);
  } else {
    assert.fail(`unknown event type ${e.type}`);
  }
}

async function collect(stream) {
  const out = [];
  for await (const e of stream) out.push(e);
  return out;
}

const tests = {
  async createWithEveryParameter() {
    const c = client();
    const run = checkRun(
      await c.taskRun.create({
        input: { company: "Acme Corp", country: "FR" },
        processor: "lite",
        advanced_settings: { location: "fr", data_sources: { free: ["partner-a"] } },
        enable_events: true,
        mcp_servers: [{ name: "crm", url: "https://mcp.example.com/sse", allowed_tools: ["lookup"] }],
        memory_scope_key: "team-research",
        metadata: { who: "contract-test", n: 3 },
        previous_interaction_id: "trun_0123456789abcdef0123456789abcdef",
        source_policy: {
          include_domains: ["docs.python.org/3", ".gov"],
          exclude_domains: ["reddit.com"],
          after_date: "2024-01-31",
        },
        task_spec: { output_schema: { type: "json", json_schema: SCHEMA } },
        webhook: { url: "https://hooks.example.com/p", event_types: ["task_run.status"] },
        betas: ["mcp-server-2025-07-17"],
      }),
    );
    assert.equal(run.status, "queued");
    assert.equal(checkRun(await c.taskRun.retrieve(run.run_id)).run_id, run.run_id);
    const input = await c.taskRun.retrieveInput(run.run_id);
    assert.equal(input.memory_scope_key, "team-research");
    assert.equal(input.source_policy.include_domains[0], "docs.python.org/3");
    const result = await c.taskRun.result(run.run_id, { timeout: 60 });
    checkRun(result.run);
    checkOutput(result.output);
    assert.equal(result.run.status, "completed");
    const n = result.output.content.key_executives.length;
    const fields = new Set(result.output.basis.map((b) => b.field));
    for (let i = 0; i < n; i++) assert.ok(fields.has(`key_executives.${i}`));
  },

  async resultTimeoutIs408() {
    const c = client();
    const run = await c.taskRun.create({ input: "A slow one", processor: "ultra8x" });
    await assert.rejects(
      c.taskRun.result(run.run_id, { timeout: 0 }),
      (e) => e instanceof APIError && e.status === 408,
    );
  },

  async eventsEachMatchTheirType() {
    const c = client();
    const run = await c.taskRun.create({ input: "Acme Corp history", processor: "core-fast", enable_events: true });
    await c.taskRun.result(run.run_id, { timeout: 60 });
    const events = await collect(await c.taskRun.events(run.run_id));
    events.forEach(checkRunEvent);
    assert.equal(events[0].type, "task_run.state");
    assert.equal(events.at(-1).run.status, "completed");
    assert.ok(events.some((e) => e.type === "task_run.progress_stats"));
  },

  async inStreamErrorEvent() {
    const c = client();
    const run = await c.taskRun.create({ input: "Acme", processor: "lite" });
    const events = await collect(await c.taskRun.events(run.run_id, fault("stream-error-after=1")));
    events.forEach(checkRunEvent);
    assert.deepEqual(
      events.map((e) => e.type),
      ["task_run.state", "error"],
    );
  },

  async everyFinalStatus() {
    const c = client();
    const cases = {
      "": "completed",
      "[sim:fail]": "failed",
      "[sim:cancel]": "cancelled",
      "[sim:action-required]": "action_required",
    };
    for (const [marker, status] of Object.entries(cases)) {
      const run = await c.taskRun.create({ input: `Acme ${marker}`, processor: "lite" });
      const events = await collect(await c.taskRun.events(run.run_id));
      events.forEach(checkRunEvent);
      assert.equal(events.at(-1).run.status, status);
    }
  },

  async taskGroups() {
    const c = client();
    const group = await c.taskGroup.create({ metadata: { batch: "contract" } });
    assert.equal(typeof group.taskgroup_id, "string");
    assert.equal(typeof group.status.is_active, "boolean");
    const added = await c.taskGroup.addRuns(group.taskgroup_id, {
      inputs: [
        { input: "Acme", processor: "lite" },
        { input: "Globex [sim:fail]", processor: "lite" },
      ],
      default_task_spec: { output_schema: "One line" },
    });
    assert.equal(added.run_ids.length, 2);
    const events = await collect(await c.taskGroup.events(group.taskgroup_id, { timeout: 60 }));
    for (const e of events) {
      if (e.type === "task_group_status") assert.equal(typeof e.event_id, "string");
      else checkRunEvent(e);
    }
    assert.equal(events.at(-1).status.is_active, false);
    const got = await c.taskGroup.retrieve(group.taskgroup_id);
    assert.deepEqual(got.status.task_run_status_counts, { completed: 1, failed: 1 });
    const runs = await collect(await c.taskGroup.getRuns(group.taskgroup_id, { include_output: true }));
    runs.forEach(checkRunEvent);
    assert.equal(runs.length, 2);
    const one = checkRun(await c.taskGroup.retrieveRun(added.run_ids[0], { taskgroup_id: group.taskgroup_id }));
    assert.equal(one.taskgroup_id, group.taskgroup_id);
  },

  async errorClasses() {
    const c = client();
    const classes = {
      400: BadRequestError,
      401: AuthenticationError,
      402: APIError,
      403: PermissionDeniedError,
      404: NotFoundError,
      409: ConflictError,
      422: UnprocessableEntityError,
      429: RateLimitError,
      500: InternalServerError,
      503: InternalServerError,
    };
    for (const [status, cls] of Object.entries(classes)) {
      await assert.rejects(
        c.taskRun.create({ input: "x", processor: "lite" }, fault(`fail-first=1:${status}`)),
        (e) => e instanceof cls && e.status === Number(status) && typeof e.error.error.ref_id === "string",
      );
    }
    await assert.rejects(c.taskRun.create({ input: "x", processor: "nope" }), PermissionDeniedError);
    await assert.rejects(
      new Parallel({ apiKey: "wrong", baseURL, maxRetries: 0 }).taskRun.retrieve("trun_x"),
      AuthenticationError,
    );
  },

  async retriesHonourRetryAfter() {
    for (const status of [429, 503]) {
      const run = await client({ maxRetries: 2 }).taskRun.create(
        { input: `retry ${status}`, processor: "lite" },
        fault(`fail-first=2:${status};retry-after-ms=20`),
      );
      assert.equal(run.status, "queued");
      await assert.rejects(
        client({ maxRetries: 1 }).taskRun.create(
          { input: "again", processor: "lite" },
          fault(`fail-first=2:${status};retry-after-ms=20`),
        ),
        (e) => e.status === status,
      );
    }
  },
};

// The checks are independent: run them together, report each.
const outcomes = await Promise.allSettled(Object.values(tests).map((fn) => fn()));
let failed = 0;
Object.keys(tests).forEach((name, i) => {
  const o = outcomes[i];
  if (o.status === "fulfilled") {
    console.log(`ok ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}: ${o.reason?.stack ?? o.reason}`);
  }
});
process.exit(failed ? 1 : 0);
