// Waiting out backpressure on a Node writable: shared by the bridge (response bodies out) and the
// lean fetch (request bodies up).

/**
 * Resolve once `writable` asks for more ("drain"), or once `closer` closes: a peer that went
 * away must not leave the pump waiting forever. `closer` defaults to the writable itself.
 */
export function drained(writable, closer = writable) {
  return new Promise((resolve) => {
    const ready = () => {
      writable.off("drain", ready);
      closer.off("close", ready);
      resolve();
    };
    writable.on("drain", ready);
    closer.on("close", ready);
  });
}
