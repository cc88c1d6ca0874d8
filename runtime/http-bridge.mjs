// Node's HTTP server on one side, WHATWG Request/Response on the other, with bodies streamed both
// ways: the request body is a ReadableStream fed from the socket with backpressure, and the
// response body is written chunk by chunk as it arrives (Nagle off, so each SSE event leaves at
// once).
//
// A client that goes away, as on workerd: `request.signal` aborts (with the
// `enable_request_signal` compatibility flag); a response body passed through from a subrequest
// is cancelled (so the upstream connection closes); a body the Worker makes itself is no longer
// read, and its pending writes stay pending.

import http from "node:http";
import zlib from "node:zlib";
import { drained } from "./backpressure.mjs";
import { WorkerError } from "./pyodide-host.mjs";
import { knownLength, subrequestBodies } from "./stream-marks.mjs";
import { requestEnded, requestStarted } from "./young-generation.mjs";

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
const HOST_HEADER = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;
const BODY_HIGH_WATER = 64 * 1024;

// Node's fetch hands the Worker decoded bodies but keeps Content-Encoding; workerd encodes a
// body on the way out to match its Content-Encoding, so the runtime does too (when the client
// accepts that coding; otherwise it sends identity and drops the header). The encoders flush
// after every chunk so an encoded event stream still flows event by event.
const ENCODERS = {
  gzip: () => zlib.createGzip({ flush: zlib.constants.Z_SYNC_FLUSH }),
  deflate: () => zlib.createDeflate({ flush: zlib.constants.Z_SYNC_FLUSH }),
  br: () => zlib.createBrotliCompress({ flush: zlib.constants.BROTLI_OPERATION_FLUSH }),
};

function accepts(acceptEncoding, coding) {
  if (!acceptEncoding) return false;
  return acceptEncoding.split(",").some((part) => {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return (name === coding || name === "*") && !(q && Number(q.slice(2)) === 0);
  });
}

/**
 * The request body as a byte ReadableStream with backpressure on the socket. If the Worker cancels
 * it (e.g. a body over its size limit), the rest is read and dropped so that the Worker's answer
 * (a 413) still reaches the client; the connection then closes.
 */
function bodyStream(req, length) {
  let cancelled = false;
  const stream = new ReadableStream(
    {
      start(controller) {
        req.on("data", (chunk) => {
          if (cancelled) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if (controller.desiredSize <= 0) req.pause();
        });
        req.on("end", () => cancelled || controller.close());
        req.on("error", (err) => cancelled || controller.error(err));
        req.on("aborted", () => cancelled || controller.error(new Error("client aborted the request body")));
      },
      pull() {
        req.resume();
      },
      cancel() {
        cancelled = true;
        req.bodyCancelled = true;
        req.resume();
      },
    },
    { highWaterMark: BODY_HIGH_WATER, size: (chunk) => chunk.byteLength },
  );
  // The stream carries its length (workerd's does): a subrequest sends it with Content-Length.
  if (length !== null) knownLength.set(stream, length);
  return stream;
}

/** null: no body; -1: a body of unknown length (chunked); else the Content-Length. */
function bodyLength(req) {
  if (req.method === "GET" || req.method === "HEAD") return null;
  if (req.headers["transfer-encoding"]) return -1;
  const length = req.headers["content-length"];
  if (length === undefined || length === "0") return null;
  const n = Number(length);
  return Number.isSafeInteger(n) ? n : -1;
}

/**
 * The incoming Request when the `enable_request_signal` compatibility flag is set: `signal`
 * aborts when the client disconnects. Its AbortController is made only if the Worker reads
 * `signal`, so a request that never looks costs nothing more.
 */
class SignalledRequest extends Request {
  #controller = null;
  #gone = null;

  get signal() {
    if (this.#controller === null) {
      this.#controller = new AbortController();
      if (this.#gone !== null) this.#controller.abort(this.#gone);
    }
    return this.#controller.signal;
  }

  /** A clone's signal follows the client too (undici links clones only to its own signals). */
  clone() {
    const copy = super.clone();
    const original = this;
    Object.defineProperty(copy, "signal", { configurable: true, get: () => original.signal });
    return copy;
  }

  clientLeft() {
    if (this.#gone !== null) return;
    this.#gone = new DOMException("The client disconnected", "AbortError");
    this.#controller?.abort(this.#gone);
  }
}

/** Printable, query-free path for the log (the query may hold secrets; paths cannot inject lines). */
export function logPath(rawUrl) {
  const q = rawUrl.indexOf("?");
  const p = q < 0 ? rawUrl : rawUrl.slice(0, q);
  return p.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c)).slice(0, 512);
}

function toRequest(req, fallbackHost, requestSignal) {
  const hostHeader = req.headers.host;
  const host = hostHeader && HOST_HEADER.test(hostHeader) ? hostHeader : fallbackHost;
  if (!req.url.startsWith("/")) throw new RangeError("request target is not a path");
  const url = `http://${host}${req.url}`;
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
  // Without the flag, request.signal never aborts (workerd's default): a plain Request.
  const init = { method: req.method, headers };
  const length = bodyLength(req);
  if (length !== null) {
    init.body = bodyStream(req, length < 0 ? null : length);
    init.duplex = "half";
  }
  return requestSignal ? new SignalledRequest(url, init) : new Request(url, init);
}

function plain(res, status, text) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function writeResponse(req, res, response) {
  const headers = {};
  for (const [name, value] of response.headers) {
    if (name !== "set-cookie") headers[name] = value;
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers["set-cookie"] = cookies;

  const status = response.status;
  const noBody = req.method === "HEAD" || NULL_BODY_STATUS.has(status) || response.body === null;
  let encoder = null;
  const coding = headers["content-encoding"]?.trim().toLowerCase();
  if (!noBody && coding in ENCODERS) {
    delete headers["content-length"];
    if (accepts(req.headers["accept-encoding"], coding)) encoder = ENCODERS[coding]();
    else delete headers["content-encoding"];
  }
  // The Worker answered without reading the whole upload: do not reuse this connection.
  if (req.bodyCancelled && !req.complete) headers.connection = "close";
  try {
    res.writeHead(status, response.statusText || undefined, headers);
  } catch {
    res.writeHead(status, headers); // a status text Node refuses: use its own reason phrase
  }
  if (noBody) {
    res.end();
    if (response.body) response.body.cancel().catch(() => {});
    return;
  }

  const body = response.body;
  const passedThrough = subrequestBodies.has(body);
  const reader = body.getReader();
  let clientGone = false;
  const onClose = () => {
    if (res.writableFinished) return;
    clientGone = true;
    encoder?.destroy();
    // A subrequest's body is cancelled: its upstream connection closes. A stream the Worker
    // made is let go unread and uncancelled (releasing the lock fails only our pending read):
    // on workerd, the Worker's pending write() and close() on it never settle either.
    if (passedThrough) reader.cancel(new Error("client went away")).catch(() => {});
    else reader.releaseLock();
  };
  if (res.destroyed) {
    onClose(); // the client left before the headers: nothing will be written
    return;
  }
  res.on("close", onClose);
  const sink = encoder ?? res;
  if (encoder) {
    encoder.on("data", (chunk) => res.write(chunk));
    encoder.on("end", () => res.end());
  }
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (clientGone) return;
      if (done) break;
      if (!sink.write(value)) await drained(sink, res);
      if (clientGone) return;
    }
    sink.end();
  } catch {
    if (clientGone) return;
    // A subrequest's body cut by its upstream: workerd ends the response cleanly (the chunked
    // terminator), and so does the runtime. A stream the Worker errored is cut, so that the
    // client sees a truncated response.
    if (passedThrough) sink.end();
    else res.destroy();
  } finally {
    res.off("close", onClose);
    reader.releaseLock();
  }
}

/**
 * An http.Server that turns each request into a WHATWG Request for `handle(request, path)` and
 * writes back the Response it resolves to. `log(line)` gets one line per request.
 * `requestSignal` (the `enable_request_signal` flag): request.signal aborts when the client leaves.
 */
export function createHttpServer({ handle, log, fallbackHost, requestSignal = false }) {
  const server = http.createServer({ noDelay: true, keepAlive: true, keepAliveTimeout: 5000 });
  server.on("connection", (socket) => socket.setNoDelay(true));
  server.on("clientError", (err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    else socket.destroy();
  });
  server.on("request", (req, res) => {
    const started = performance.now();
    const path = logPath(req.url);
    let status = 0;
    let request = null;
    requestStarted();
    res.on("close", () => {
      requestEnded();
      if (!res.writableFinished) request?.clientLeft?.();
      const ms = (performance.now() - started).toFixed(1);
      log(`${req.method} ${path} ${status || "-"} ${ms}ms${res.writableFinished ? "" : " (client closed)"}`);
    });

    try {
      request = toRequest(req, fallbackHost, requestSignal);
    } catch {
      status = 400;
      plain(res, 400, "Bad Request\n");
      return;
    }
    const pathname = new URL(request.url).pathname;
    handle(request, pathname)
      .then((response) => {
        status = response.status;
        return writeResponse(req, res, response);
      })
      .catch((err) => {
        status = 500;
        if (err instanceof WorkerError)
          log(`worker: uncaught exception in fetch (answered 500):\n${err.traceback.trimEnd()}`);
        else log(`runtime: error while answering ${req.method} ${path}: ${err?.stack ?? err}`);
        plain(res, 500, "Internal Server Error\n");
      });
  });
  return server;
}
