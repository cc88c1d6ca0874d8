// The stream client with a scripted fetch: reconnect on drop, clean close, 5xx; stop on 401/403/404;
// backoff growth and the attempt limit; immediate stop.
import { test } from "node:test";
import assert from "node:assert/strict";

import { backoffDelay, createStreamClient } from "../../public/tasks-sse/js/sse-client.js";

const frame = (obj) => `event: ${obj.type}\ndata: ${JSON.stringify(obj)}\n\n`;
const running = frame({ type: "task_run.state", run: { status: "running", is_active: true } });
const done = frame({
  type: "task_run.state",
  run: { status: "completed", is_active: false },
  output: { type: "text", content: "ok" },
});
const msg = (m) => frame({ type: "task_run.progress_msg.plan", message: m, timestamp: "t" });

function streamResponse(chunks, { error = false } = {}) {
  const enc = new TextEncoder();
  return new Response(
    new ReadableStream({
      start(controller) {
        for (const c of chunks) controller.enqueue(enc.encode(c));
        if (error) controller.error(new TypeError("network error"));
        else controller.close();
      },
    }),
    { status: 200, headers: { "content-type": "text/event-stream" } },
  );
}

function harness(script, backoff = { baseMs: 1000, maxMs: 30000, maxAttempts: 3 }) {
  const states = [];
  const events = [];
  const timers = [];
  let calls = 0;
  let connections = 0;
  let resolveEnd;
  const ended = new Promise((r) => {
    resolveEnd = r;
  });
  const client = createStreamClient({
    url: "/events",
    headers: () => ({ "x-api-key": "k" }),
    fetchImpl: async (url, init) => {
      const step = script[Math.min(calls, script.length - 1)];
      calls += 1;
      assert.equal(init.headers["x-api-key"], "k");
      assert.equal(init.headers.accept, "text/event-stream");
      assert.ok(init.signal instanceof AbortSignal);
      return step(init);
    },
    onEvent: (e) => events.push(JSON.parse(e.data)),
    onConnectionStart: () => {
      connections += 1;
    },
    onState: (s) => {
      states.push(s);
      if (s.state === "ended") resolveEnd(s);
    },
    backoff,
    random: () => 0.5,
    setTimer: (fn, ms) => {
      timers.push(ms);
      queueMicrotask(fn);
      return timers.length;
    },
    clearTimer: () => {},
  });
  return {
    client,
    states,
    events,
    timers,
    ended,
    get calls() {
      return calls;
    },
    get connections() {
      return connections;
    },
  };
}

test("backoff: about 1 s doubling to 30 s, with bounded jitter", () => {
  assert.equal(
    backoffDelay(1, {}, () => 0.5),
    1000,
  );
  assert.equal(
    backoffDelay(2, {}, () => 0.5),
    2000,
  );
  assert.equal(
    backoffDelay(5, {}, () => 0.5),
    16000,
  );
  assert.equal(
    backoffDelay(9, {}, () => 0.5),
    30000,
  );
  assert.equal(
    backoffDelay(1, {}, () => 0),
    800,
  );
  assert.equal(
    backoffDelay(1, {}, () => 0.999999),
    1200,
  );
  assert.ok(backoffDelay(20, {}, () => 0.999999) <= 30000);
});

test("a completed run streams once and ends", async () => {
  const h = harness([() => streamResponse([running, msg("a"), done])]);
  h.client.start();
  const end = await h.ended;
  assert.equal(end.reason, "completed");
  assert.equal(h.calls, 1);
  assert.deepEqual(
    h.states.map((s) => s.state),
    ["connecting", "live", "ended"],
  );
  assert.equal(h.events.length, 3);
});

test("a dropped stream and a clean close while active reconnect; the attempt count resets when events flow", async () => {
  const h = harness([
    () => streamResponse([running, msg("a")], { error: true }),
    () => streamResponse([running, msg("a"), msg("b")]), // clean close, still running
    () => streamResponse([running, msg("a"), msg("b"), done]),
  ]);
  h.client.start();
  const end = await h.ended;
  assert.equal(end.reason, "completed");
  assert.equal(h.calls, 3);
  assert.equal(h.connections, 3);
  const reconnects = h.states.filter((s) => s.state === "reconnecting");
  assert.equal(reconnects.length, 2);
  assert.deepEqual(
    reconnects.map((s) => s.attempt),
    [1, 1],
  );
  assert.match(reconnects[1].reason, /closed the stream/);
});

test("5xx responses back off with growing delays, then give up at the attempt limit", async () => {
  const h = harness([
    () => new Response('{"type":"error","error":{"message":"upstream down","ref_id":"r"}}', { status: 502 }),
  ]);
  h.client.start();
  const end = await h.ended;
  assert.equal(end.reason, "gave-up");
  assert.equal(h.calls, 4);
  assert.deepEqual(h.timers, [1000, 2000, 4000]);
  assert.match(end.message, /upstream down/);
});

for (const status of [401, 403, 404]) {
  test(`${status} stops with the API's message and no retry`, async () => {
    const h = harness([
      () =>
        new Response(JSON.stringify({ type: "error", error: { message: `msg ${status}`, ref_id: "ref-1" } }), {
          status,
        }),
    ]);
    h.client.start();
    const end = await h.ended;
    assert.equal(end.reason, "error");
    assert.equal(end.status, status);
    assert.equal(end.message, `msg ${status}`);
    assert.equal(end.refId, "ref-1");
    assert.equal(h.calls, 1);
  });
}

test("a finished run's replay cut before its final state reconnects to get the output", async () => {
  const opening = frame({ type: "task_run.state", run: { status: "completed", is_active: false }, output: null });
  const h = harness([
    () => streamResponse([opening, msg("a")]), // clean close before the final state
    () => streamResponse([opening, msg("a"), done]),
  ]);
  h.client.start();
  const end = await h.ended;
  assert.equal(end.reason, "completed");
  assert.equal(h.calls, 2);
});

test("network errors before a response reconnect", async () => {
  let n = 0;
  const h = harness([
    async () => {
      n += 1;
      if (n < 2) throw new TypeError("fetch failed");
      return streamResponse([running, done]);
    },
  ]);
  h.client.start();
  const end = await h.ended;
  assert.equal(end.reason, "completed");
  assert.equal(h.calls, 2);
});

test("stop aborts the in-flight fetch at once", async () => {
  let signal;
  const h = harness([
    (init) => {
      signal = init.signal;
      return new Promise(() => {});
    },
  ]);
  h.client.start();
  await new Promise((r) => setImmediate(r));
  h.client.stop();
  const end = await h.ended;
  assert.equal(end.reason, "stopped");
  assert.equal(signal.aborted, true);
});
