// A resilient fetch-based SSE client for one run's event stream.
//
// EventSource cannot send x-api-key, so this reads fetch's ReadableStream, decodes it with
// TextDecoder("utf-8", { ignoreBOM: true }) in streaming mode and parses it with sse.js.
// It reconnects after a network error, a 5xx/429, or a clean close while the run is still active
// (the API closes every stream after 570 s), with exponential backoff and jitter (about 1 s doubling
// to 30 s) and an attempt limit that resets whenever events flow again. 401, 403 and 404 stop it
// with a clear message. Stop aborts the fetch at once (the AbortController's signal is passed to fetch).
//
// States reported through onState({ state, ... }):
//   "connecting" { attempt }          "live" { attempt }
//   "reconnecting" { delayMs, at (Date.now() when scheduled), attempt, maxAttempts, reason }
//   "ended" { reason: "completed" | "stopped" | "error" | "gave-up", message?, status?, refId? }

import { createSSEParser } from "./sse.js";
import { isTerminalState } from "./run-state.js";
import { parseApiError } from "./api.js";

export const DEFAULT_BACKOFF = Object.freeze({ baseMs: 1000, maxMs: 30000, maxAttempts: 8 });
// A long replay can arrive in one read (a buffered body is handed over at once): it is parsed in
// slices, and the main thread is given back between them once a slice run took this long.
const SLICE_CHARS = 16 * 1024;
const YIELD_AFTER_MS = 8;
const clock = () => (typeof performance !== "undefined" ? performance.now() : Date.now());

/** Let other tasks (rendering, input) run. */
function yieldTask() {
  if (globalThis.scheduler && typeof globalThis.scheduler.yield === "function") return globalThis.scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}
const FATAL = new Set([401, 403, 404]);

/** Delay before reconnect attempt `attempt` (1-based): base * 2^(attempt-1), capped, with +-20% jitter. */
export function backoffDelay(attempt, { baseMs = 1000, maxMs = 30000 } = {}, random = Math.random) {
  const raw = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = raw * (0.8 + 0.4 * random());
  return Math.round(Math.min(maxMs, jittered));
}

/**
 * @param {object} o
 * @param {string} o.url
 * @param {() => object} o.headers            called per connection (the key may change)
 * @param {(event: {type: string, data: string, lastEventId: string}) => void} o.onEvent
 * @param {(s: object) => void} [o.onState]
 * @param {() => void} [o.onConnectionStart]  a new connection answered 200: the replay starts
 * @param {(event) => boolean} [o.isTerminal] does this event end the run
 * @param {typeof fetch} [o.fetchImpl]
 * @param {object} [o.backoff]
 * @param {() => number} [o.random]
 * @param {(fn: () => void, ms: number) => any} [o.setTimer]
 * @param {(id: any) => void} [o.clearTimer]
 */
export function createStreamClient({
  url,
  headers = () => ({}),
  onEvent,
  onState = () => {},
  onConnectionStart = () => {},
  isTerminal = isTerminalState,
  fetchImpl = (...args) => globalThis.fetch(...args),
  backoff = DEFAULT_BACKOFF,
  random = Math.random,
  setTimer = (fn, ms) => setTimeout(fn, ms),
  clearTimer = (id) => clearTimeout(id),
}) {
  const limits = { ...DEFAULT_BACKOFF, ...backoff };
  let controller = null;
  let timer = null;
  let attempt = 0; // consecutive failed attempts since events last flowed
  let stopped = false;
  let ended = false;
  let retryMs = null; // from the stream's retry: field, if any

  function finish(info) {
    if (ended) return;
    ended = true;
    stopped = true;
    if (timer !== null) clearTimer(timer);
    timer = null;
    onState({ state: "ended", ...info });
  }

  function scheduleReconnect(reason) {
    if (stopped) return;
    attempt += 1;
    if (attempt > limits.maxAttempts) {
      finish({ reason: "gave-up", message: `Gave up after ${limits.maxAttempts} attempts: ${reason}` });
      return;
    }
    const base = retryMs !== null ? Math.max(retryMs, 250) : limits.baseMs;
    const delayMs = backoffDelay(attempt, { baseMs: base, maxMs: limits.maxMs }, random);
    onState({ state: "reconnecting", delayMs, at: Date.now(), attempt, maxAttempts: limits.maxAttempts, reason });
    timer = setTimer(() => {
      timer = null;
      connect();
    }, delayMs);
  }

  async function connect() {
    if (stopped) return;
    controller = new AbortController();
    const { signal } = controller;
    onState({ state: "connecting", attempt });
    let response;
    try {
      response = await fetchImpl(url, {
        headers: { accept: "text/event-stream", ...headers() },
        signal,
        cache: "no-store",
      });
    } catch (e) {
      if (stopped || signal.aborted) return;
      scheduleReconnect(`network error (${e && e.message ? e.message : e})`);
      return;
    }
    if (stopped) return;
    if (!response.ok) {
      let text;
      try {
        text = await response.text();
      } catch {
        text = "";
      }
      const err = parseApiError(response.status, text);
      if (FATAL.has(response.status)) {
        finish({ reason: "error", status: response.status, message: err.message, refId: err.refId });
      } else if (response.status >= 500 || response.status === 429 || response.status === 408) {
        scheduleReconnect(`HTTP ${response.status}: ${err.message}`);
      } else {
        finish({ reason: "error", status: response.status, message: err.message, refId: err.refId });
      }
      return;
    }
    if (!response.body) {
      finish({ reason: "error", message: "The browser returned no response body to stream." });
      return;
    }

    onConnectionStart();
    onState({ state: "live", attempt });
    let terminal = false;
    let sawEvents = false;
    const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
    const parser = createSSEParser({
      onEvent: (event) => {
        if (!sawEvents) {
          sawEvents = true;
          attempt = 0; // events flow again: the attempt limit starts over
        }
        if (isTerminal(event)) terminal = true;
        onEvent(event);
      },
      onRetry: (ms) => {
        retryMs = ms;
      },
    });
    const reader = response.body.getReader();
    let since = clock();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (stopped) return;
        const text = decoder.decode(value, { stream: true });
        for (let i = 0; i < text.length; i += SLICE_CHARS) {
          parser.feed(text.length <= SLICE_CHARS ? text : text.slice(i, i + SLICE_CHARS));
          if (clock() - since > YIELD_AFTER_MS) {
            await yieldTask();
            since = clock();
            if (stopped) return;
          }
        }
      }
      parser.feed(decoder.decode());
      parser.end();
    } catch (e) {
      if (stopped || signal.aborted) return;
      parser.end();
      if (terminal) {
        finish({ reason: "completed" });
        return;
      }
      scheduleReconnect(`stream interrupted (${e && e.message ? e.message : e})`);
      return;
    }
    if (stopped) return;
    if (terminal) {
      finish({ reason: "completed" });
    } else {
      scheduleReconnect("the server closed the stream while the run is still active");
    }
  }

  return {
    start() {
      if (controller || ended) return;
      connect();
    },
    /** Stop at once: abort the fetch, cancel a pending reconnect. */
    stop(message = "Stopped.") {
      if (ended) return;
      stopped = true;
      if (controller) controller.abort();
      finish({ reason: "stopped", message });
    },
    get ended() {
      return ended;
    },
  };
}
