// The local runtime's lean subrequest fetch (runtime/http-fetch.mjs) against a loopback node:http
// server: what goes up the wire, and how a body stream the Worker ends early is sent.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";

import { leanFetch, leanRequestOf } from "../../runtime/http-fetch.mjs";
import { knownLength, subrequestBodies } from "../../runtime/stream-marks.mjs";

/** A server that records each request (raw headers, body, whether it ended) and answers JSON. */
async function withServer(fn) {
  const seen = [];
  const server = http.createServer((req, res) => {
    const record = { headers: req.headers, rawNames: [], body: Buffer.alloc(0), complete: false };
    for (let i = 0; i < req.rawHeaders.length; i += 2) record.rawNames.push(req.rawHeaders[i].toLowerCase());
    seen.push(record);
    req.on("data", (chunk) => {
      record.body = Buffer.concat([record.body, chunk]);
    });
    req.on("end", () => {
      record.complete = true;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ length: record.body.length }));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    return await fn(`http://127.0.0.1:${server.address().port}`, seen);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

function call(url, init) {
  const request = leanRequestOf(url, init);
  assert.ok(request, "the lean fetch serves this call");
  return leanFetch(request, init, init.signal);
}

/** A stream of `chunks`, one per pull, that then closes (or errors with `error`). */
function streamOf(chunks, { error = null } = {}) {
  let next = 0;
  return new ReadableStream({
    pull(controller) {
      if (next < chunks.length) controller.enqueue(chunks[next++]);
      else if (error) controller.error(error);
      else controller.close();
    },
  });
}

test("adds no headers of its own (only Node's Host and Connection)", async () => {
  await withServer(async (origin, seen) => {
    const response = await call(`${origin}/x`, { method: "GET", headers: [["x-a", "1"]], redirect: "manual" });
    assert.equal(response.status, 200);
    await response.text();
    assert.deepEqual(new Set(seen[0].rawNames), new Set(["x-a", "host", "connection"]));
  });
});

test("a body stream with a known length goes up with Content-Length, not chunked", async () => {
  await withServer(async (origin, seen) => {
    const body = streamOf([new Uint8Array(3000).fill(1), new Uint8Array(2000).fill(2)]);
    knownLength.set(body, 5000);
    const response = await call(`${origin}/x`, { method: "POST", body, duplex: "half", redirect: "manual" });
    assert.deepEqual(await response.json(), { length: 5000 });
    assert.equal(seen[0].headers["content-length"], "5000");
    assert.equal(seen[0].headers["transfer-encoding"], undefined);
  });
});

test("a stream of unknown length goes chunked", async () => {
  await withServer(async (origin, seen) => {
    const body = streamOf([new Uint8Array(10)]);
    const response = await call(`${origin}/x`, { method: "POST", body, duplex: "half", redirect: "manual" });
    assert.deepEqual(await response.json(), { length: 10 });
    assert.equal(seen[0].headers["transfer-encoding"], "chunked");
  });
});

test("a body stream that errors ends the upload cleanly and the fetch answers", async () => {
  await withServer(async (origin, seen) => {
    const body = streamOf([new Uint8Array(4096).fill(7)], { error: new Error("cut short by the Worker") });
    const response = await call(`${origin}/x`, { method: "POST", body, duplex: "half", redirect: "manual" });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { length: 4096 });
    assert.equal(seen[0].complete, true);
  });
});

test("the answer's body is marked as a subrequest body", async () => {
  await withServer(async (origin) => {
    const response = await call(`${origin}/x`, { method: "GET", redirect: "manual" });
    assert.ok(subrequestBodies.has(response.body));
    await response.text();
  });
});
