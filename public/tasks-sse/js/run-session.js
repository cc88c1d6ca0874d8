// One run as the page knows it: its event store, the stream client that feeds it, and the stream's
// state. Subscribers get the store's change records plus `stream` records ({ kind: "stream",
// state }); they never reach into the store. A kept run (from this browser's storage or an
// import) is loaded from its trace and has no stream until asked.

import { createEventStore } from "./event-store.js";
import { createStreamClient } from "./sse-client.js";
import { isFinishedStatus } from "./run-state.js";

/**
 * @param {object} o
 * @param {string} o.runId
 * @param {string} o.url            the run's events URL
 * @param {() => object} o.headers  request headers per connection (the key may change)
 * @param {object} [o.clientOptions] passed to createStreamClient (tests: fetchImpl, timers)
 */
export function createRunSession({ runId, url, headers, clientOptions = {} }) {
  let store = createEventStore();
  let client = null;
  let streamState = { state: "idle" };
  const listeners = new Set();

  function emit(changes) {
    if (!changes.length) return;
    for (const fn of listeners) fn(changes, session);
  }

  const session = {
    runId,
    /** Set while a 401 waits for a new key. */
    needsKey: false,
    /** Loaded from this browser's storage (or an import), not from the API. */
    kept: false,

    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },

    get streamState() {
      return streamState;
    },

    get streaming() {
      return Boolean(client && !client.ended);
    },

    /** Has this session ever been connected (or loaded from a trace)? */
    get started() {
      return Boolean(client) || store.summary().events > 0;
    },

    start() {
      if (client && !client.ended) return;
      client = createStreamClient({
        url,
        headers,
        onConnectionStart: () => emit(store.beginConnection()),
        onEvent: (event) => emit(store.add(event)),
        onState: (st) => {
          streamState = st;
          emit([{ kind: "stream", state: st }]);
        },
        ...clientOptions,
      });
      client.start();
    },

    stop(message) {
      if (client) client.stop(message);
    },

    /** A finished run has nothing more to stream; anything else may be resumed by hand. */
    canReconnect() {
      if (streamState.state === "ended" && streamState.reason === "completed") return false;
      return !(session.kept && isFinishedStatus(store.summary().status));
    },

    /** Replace the trace with a kept one ([{ type, data }]): a fresh store, replayed in order. */
    loadTrace(events) {
      store = createEventStore();
      store.beginConnection();
      for (const e of events) store.add(e);
    },

    snapshot: () => store.snapshot(),
    messages: (start, end) => store.messages(start, end),
    raw: (start, end) => store.raw(start, end),
    summary: () => store.summary(),
  };
  return session;
}
