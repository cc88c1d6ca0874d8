// What the runtime knows about a body stream that WHATWG streams cannot say, shared by the bridge
// and the subrequest fetch. workerd's native streams carry both facts; here a weak mark does.
// Marks are weak: a stream that is gone takes its mark with it.

/** Request body streams with a known length (the client sent Content-Length): stream -> bytes. */
export const knownLength = new WeakMap();

/**
 * Response bodies that come straight from a subrequest. When the client leaves, the bridge
 * cancels these (so the upstream connection closes, as workerd's native pipe does) but leaves a
 * stream the Worker made itself alone: on workerd its pending writes never settle.
 */
export const subrequestBodies = new WeakSet();
