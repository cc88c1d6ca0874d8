// A lean fetch for the common subrequest: http:/https:, redirect "manual", a body that is absent,
// a string, bytes or a ReadableStream. It is built on node:http with a keep-alive Agent and
// answers a WHATWG Response whose body is a ReadableStream read from the socket with backpressure.
// Node's own fetch (undici) costs several times more CPU per request, which is what a burst of
// hundreds of streams opened at once is made of; anything this does not handle goes to it.
//
// Behaviour kept from workerd's fetch: a 3xx comes back as is; no header is added (Node's http
// adds only `Connection: keep-alive` and `Host`); a request body stream with a known length (a
// client body that came with Content-Length) goes up with that Content-Length, any other stream
// chunked; a body stream that errors ends the upstream request cleanly (the upstream gets the
// shorter body as complete) and the fetch still answers. gzip/deflate/br bodies are decoded and
// Content-Encoding is kept (the http-bridge re-encodes on the way out); header names are
// lowercase; a network error rejects with TypeError("fetch failed") and its cause; an abort
// before the headers rejects with the signal's reason, after them it errors the body; cancelling
// the body destroys the upstream request.

import http from "node:http";
import https from "node:https";
import zlib from "node:zlib";
import { drained } from "./backpressure.mjs";
import { knownLength, subrequestBodies } from "./stream-marks.mjs";

const AGENT_OPTIONS = { keepAlive: true, scheduling: "lifo", timeout: 4000 };
const AGENTS = { "http:": new http.Agent(AGENT_OPTIONS), "https:": new https.Agent(AGENT_OPTIONS) };
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
const BODY_HIGH_WATER = 64 * 1024;
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const DECODERS = {
  gzip: () => zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH }),
  "x-gzip": () => zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH }),
  deflate: () => zlib.createInflate({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH }),
  br: () =>
    zlib.createBrotliDecompress({
      flush: zlib.constants.BROTLI_OPERATION_FLUSH,
      finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
    }),
};

/**
 * The parsed URL and options when this fetch can serve the call, else null (use Node's fetch).
 * `input` must be a string or URL; `init` may carry method, headers, body, redirect, signal,
 * duplex and nothing else that changes the request.
 */
export function leanRequestOf(input, init) {
  if (typeof input !== "string" && !(input instanceof URL)) return null;
  if (!init || init.redirect !== "manual") return null;
  for (const key in init) {
    if (!(
      key === "method" ||
      key === "headers" ||
      key === "body" ||
      key === "redirect" ||
      key === "signal" ||
      key === "duplex"
    )) {
      if (init[key] !== undefined) return null;
    }
  }
  const method = init.method === undefined ? "GET" : String(init.method).toUpperCase();
  if (!METHODS.has(method)) return null;
  const body = init.body ?? null;
  if (body !== null) {
    if (method === "GET" || method === "HEAD") return null; // Node's fetch raises the TypeError
    if (!(
      typeof body === "string" ||
      body instanceof Uint8Array ||
      body instanceof ArrayBuffer ||
      body instanceof ReadableStream
    ))
      return null;
  }
  let url;
  try {
    url = input instanceof URL ? input : new URL(input);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (url.username || url.password) return null;
  return { url, method, body };
}

function outgoingHeaders(init, body) {
  const headers = {};
  const given = init.headers;
  if (given instanceof Headers) {
    for (const [name, value] of given) headers[name] = value;
  } else if (given) {
    for (const [name, value] of given instanceof Map || Array.isArray(given) ? given : Object.entries(given)) {
      const key = String(name).toLowerCase();
      headers[key] = key in headers ? `${headers[key]}, ${value}` : String(value);
    }
  }
  if (typeof body === "string" && headers["content-type"] === undefined)
    headers["content-type"] = "text/plain;charset=UTF-8";
  return headers;
}

function fetchFailed(cause) {
  return new TypeError("fetch failed", { cause });
}

/** The response body as a byte ReadableStream with backpressure on `source` (res or a decoder). */
function bodyStream(res, source, finish) {
  let closed = false;
  const stream = new ReadableStream(
    {
      start(controller) {
        source.on("data", (chunk) => {
          if (closed) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if (controller.desiredSize <= 0) source.pause();
        });
        source.on("end", () => {
          if (closed) return;
          closed = true;
          finish();
          controller.close();
        });
        const fail = (err) => {
          if (closed) return;
          closed = true;
          finish();
          controller.error(err instanceof Error ? err : fetchFailed(err));
        };
        source.on("error", fail);
        res.on("aborted", () => fail(fetchFailed(new Error("upstream closed the response early"))));
        res.on("close", () => {
          if (!res.complete) fail(fetchFailed(new Error("upstream closed the response early")));
        });
        res.errorBody = fail;
      },
      pull() {
        source.resume();
      },
      cancel() {
        closed = true;
        finish();
        res.destroy();
        if (source !== res) source.destroy();
      },
    },
    { highWaterMark: BODY_HIGH_WATER, size: (chunk) => chunk.byteLength },
  );
  subrequestBodies.add(stream);
  return stream;
}

/**
 * Send `body` up `req`. A stream that errors (e.g. the Worker ended an upload early) ends a
 * chunked request cleanly, as workerd does: the upstream receives the shorter body as complete
 * and answers. With a declared length that cannot be honoured, the request is cut instead.
 */
async function pumpBody(body, req, chunked) {
  if (typeof body === "string" || body instanceof Uint8Array) {
    req.end(body);
    return;
  }
  if (body instanceof ArrayBuffer) {
    req.end(new Uint8Array(body));
    return;
  }
  const reader = body.getReader();
  for (;;) {
    let next;
    try {
      next = await reader.read();
    } catch (err) {
      if (chunked && !req.destroyed) req.end();
      else req.destroy(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (next.done) break;
    try {
      if (req.destroyed) throw new Error("upstream request closed");
      if (!req.write(next.value)) await drained(req);
    } catch (err) {
      reader.cancel(err).catch(() => {});
      req.destroy(err);
      return;
    }
  }
  req.end();
}

/**
 * fetch() for a call leanRequestOf accepted. `signal` (the caller's, or undefined) cancels it;
 * its listener is removed as soon as the body ends.
 */
export function leanFetch({ url, method, body }, init, signal) {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const headers = outgoingHeaders(init, body);
    let chunked = false;
    if (headers["content-length"] === undefined) {
      if (body === null) {
        if (method === "POST" || method === "PUT" || method === "PATCH") headers["content-length"] = "0";
      } else if (typeof body === "string") {
        headers["content-length"] = String(Buffer.byteLength(body));
      } else if (!(body instanceof ReadableStream)) {
        headers["content-length"] = String(body.byteLength);
      } else if (knownLength.has(body) && headers["transfer-encoding"] === undefined) {
        headers["content-length"] = String(knownLength.get(body));
      } else {
        chunked = true;
      }
    }
    const req = (url.protocol === "https:" ? https : http).request(url, {
      method,
      headers,
      agent: AGENTS[url.protocol],
    });
    req.setNoDelay?.(true);
    let settled = false;
    let bodyDone = false;
    let res = null;
    const onAbort = () => {
      const reason = signal.reason;
      if (!settled) {
        settled = true;
        reject(reason);
      } else if (res && !bodyDone) {
        res.errorBody?.(reason);
      }
      req.destroy();
    };
    const unlisten = () => signal?.removeEventListener("abort", onAbort);
    signal?.addEventListener("abort", onAbort, { once: true });

    req.on("error", (err) => {
      if (!settled) {
        settled = true;
        unlisten();
        reject(fetchFailed(err));
      } else if (res && !bodyDone) {
        res.errorBody?.(fetchFailed(err));
      }
    });
    // A 101 answer to a plain request (no WebSocket was asked for): a failed fetch, as in undici.
    req.on("upgrade", (incoming, socket) => {
      socket.destroy();
      if (settled) return;
      settled = true;
      unlisten();
      reject(fetchFailed(new Error(`unexpected ${incoming.statusCode} answer to a plain request`)));
    });
    req.on("response", (incoming) => {
      res = incoming;
      const status = incoming.statusCode;
      const raw = incoming.rawHeaders;
      const list = [];
      for (let i = 0; i < raw.length; i += 2) list.push([raw[i], raw[i + 1]]);
      const finish = () => {
        bodyDone = true;
        unlisten();
      };
      let stream = null;
      if (method === "HEAD" || NULL_BODY_STATUS.has(status)) {
        incoming.resume();
        finish();
      } else {
        const coding = incoming.headers["content-encoding"]?.trim().toLowerCase();
        let source = incoming;
        if (coding in DECODERS) {
          source = DECODERS[coding]();
          incoming.pipe(source);
        }
        stream = bodyStream(incoming, source, finish);
      }
      let response;
      try {
        response = new Response(stream, { status, statusText: incoming.statusMessage ?? "", headers: list });
      } catch (err) {
        settled = true;
        finish();
        req.destroy();
        reject(fetchFailed(err));
        return;
      }
      settled = true;
      resolve(response);
    });
    if (body === null) req.end();
    else pumpBody(body, req, chunked);
  });
}
