// Node's fetch where it differs from workerd's, patched before the Worker loads:
// - a streamed request body needs `duplex: "half"` in Node (workerd needs nothing);
// - the calls a proxy makes (http:/https:, redirect "manual", a plain or streamed body) go to
//   http-fetch.mjs, a fetch on node:http that costs a fraction of Node's per request and adds no
//   headers of its own; RUNTIME_LEAN_FETCH=0 sends everything to Node's fetch;
// - on Node's fetch, a request body stream with a known length goes up with its Content-Length,
//   one that errors still ends the upload (the upstream gets the shorter body as complete), and
//   the answer's body is marked as a subrequest body (the bridge cancels it when the client
//   leaves). Node's fetch adds headers of its own (see runtime/README.md).
//
// A subrequest is not linked to the client of the request that made it: on workerd a client that
// leaves before the answer's headers does not cancel the subrequest either. (After the headers,
// a client that leaves cancels a subrequest body passed through as the response body.)

import { leanFetch, leanRequestOf } from "./http-fetch.mjs";
import { knownLength, subrequestBodies } from "./stream-marks.mjs";

/** `body` as a stream that ends (rather than errors) where `body` errors. */
function endingOnError(body) {
  const reader = body.getReader();
  return new ReadableStream({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch {
        controller.close();
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

function marked(response) {
  if (response.body) subrequestBodies.add(response.body);
  return response;
}

export function installFetchShim() {
  const nodeFetch = globalThis.fetch;
  const lean = process.env.RUNTIME_LEAN_FETCH !== "0";
  globalThis.fetch = function fetch(input, init) {
    const leanRequest = lean ? leanRequestOf(input, init) : null;
    if (leanRequest) return leanFetch(leanRequest, init, init.signal);
    let options = init;
    const body = options?.body;
    if (body instanceof ReadableStream) {
      const headers = new Headers(options.headers);
      const length = knownLength.get(body);
      if (length !== undefined && !headers.has("content-length") && !headers.has("transfer-encoding")) {
        headers.set("content-length", String(length)); // undici sends a stream with it as is
        options = { ...options, headers, duplex: "half" };
      } else {
        options = { ...options, body: endingOnError(body), duplex: "half" };
      }
    } else if (body != null && options.duplex === undefined) {
      options = { ...options, duplex: "half" };
    }
    return nodeFetch(input, options).then(marked);
  };
}
