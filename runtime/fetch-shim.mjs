// Node's fetch where it differs from workerd's, patched before the Worker loads:
// - a streamed request body needs `duplex: "half"` in Node (workerd needs nothing);
// - a subrequest made while serving a request is cancelled when that request's client goes away
//   before the answer's headers arrived (workerd cancels a request's subrequests with it). After
//   that, the client going away cancels the response body, which cancels the upstream body.
//
// The link covers the subrequests a Worker starts synchronously while the request is dispatched
// (up to its first await of something else, which is where a proxy calls fetch: the entrypoint
// runs eagerly). AsyncLocalStorage would follow later awaits too, but it turns on promise hooks
// for the whole process, which costs every stream chunk; this costs nothing.
//
// The calls a proxy makes (http:/https:, redirect "manual", a plain or streamed body) go to
// http-fetch.mjs, a fetch on node:http that costs a fraction of Node's per request;
// RUNTIME_LEAN_FETCH=0 sends everything to Node's fetch.

import { leanFetch, leanRequestOf } from "./http-fetch.mjs";

let currentSignal = null;

/**
 * A request's "client went away" signal: the part of AbortSignal its subrequests use (`aborted`,
 * `reason`, add/removeEventListener("abort")), without an AbortController per request, which
 * was ~2% of the CPU of a burst of requests.
 */
export class ClientSignal {
  aborted = false;
  reason = undefined;
  #listeners = null;

  addEventListener(type, listener) {
    if (type === "abort" && !this.aborted) (this.#listeners ??= new Set()).add(listener);
  }

  removeEventListener(type, listener) {
    this.#listeners?.delete(listener);
  }

  abort(reason) {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.#listeners;
    this.#listeners = null;
    if (listeners) for (const listener of listeners) listener.call(this);
  }
}

/** Run `fn` (which dispatches one request) with `signal` as its client's abort signal. */
export function withClientSignal(signal, fn) {
  const outer = currentSignal;
  currentSignal = signal;
  try {
    return fn();
  } finally {
    currentSignal = outer;
  }
}

export function installFetchShim() {
  const nodeFetch = globalThis.fetch;
  const lean = process.env.RUNTIME_LEAN_FETCH !== "0";
  globalThis.fetch = function fetch(input, init) {
    const leanRequest = lean ? leanRequestOf(input, init) : null;
    if (leanRequest) {
      const signals = [];
      if (currentSignal) signals.push(currentSignal);
      if (init.signal) signals.push(init.signal);
      return leanFetch(leanRequest, init, signals);
    }
    let options = init;
    if (options && options.body != null && options.duplex === undefined) {
      options = { ...options, duplex: "half" };
    }
    const clientSignal = currentSignal;
    if (!clientSignal) return nodeFetch(input, options);
    if (clientSignal.aborted) return Promise.reject(clientSignal.reason);

    // Link by hand rather than AbortSignal.any: the listener on the long-lived client signal is
    // removed as soon as the fetch settles, so nothing accumulates per subrequest.
    const controller = new AbortController();
    const own = options?.signal;
    const onClientAbort = () => controller.abort(clientSignal.reason);
    clientSignal.addEventListener("abort", onClientAbort, { once: true });
    if (own) {
      if (own.aborted) controller.abort(own.reason);
      else own.addEventListener("abort", () => controller.abort(own.reason), { once: true });
    }
    const done = () => clientSignal.removeEventListener("abort", onClientAbort);
    const pending = nodeFetch(input, { ...options, signal: controller.signal });
    pending.then(done, done);
    return pending;
  };
}
