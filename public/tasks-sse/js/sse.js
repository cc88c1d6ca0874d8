// Server-Sent Events parser: the HTML Living Standard's "event stream interpretation", fed decoded text.
// Contract: createSSEParser({ onEvent, onRetry }) -> { feed(text), end() }.
// The caller decodes with TextDecoder("utf-8", { ignoreBOM: true }) and { stream: true }, so the one
// leading U+FEFF of the stream arrives here and is stripped here.

const LF = 10;
const CR = 13;
const LINE_END = /[\r\n]/g;
const DIGITS = /^[0-9]+$/;

/**
 * @param {{ onEvent?: (e: {type: string, data: string, lastEventId: string}) => void,
 *           onRetry?: (ms: number) => void }} handlers
 */
export function createSSEParser({ onEvent = () => {}, onRetry = () => {} } = {}) {
  let started = false; // has any character arrived yet (for the BOM)
  let pendingCR = false; // the last chunk ended with CR: a leading LF in the next one is its pair
  let partial = ""; // an unterminated line carried into the next chunk
  let data = "";
  let hasData = false;
  let eventType = "";
  let lastEventId = "";

  function dispatch() {
    if (!hasData) {
      // A block without data dispatches nothing, and its event type is forgotten.
      eventType = "";
      return;
    }
    const event = { type: eventType || "message", data, lastEventId };
    data = "";
    hasData = false;
    eventType = "";
    onEvent(event);
  }

  function processLine(line) {
    if (line === "") {
      dispatch();
      return;
    }
    const colon = line.indexOf(":");
    if (colon === 0) return; // comment
    let field;
    let value;
    if (colon === -1) {
      field = line;
      value = "";
    } else {
      field = line.slice(0, colon);
      value = line.charCodeAt(colon + 1) === 32 ? line.slice(colon + 2) : line.slice(colon + 1);
    }
    switch (field) {
      case "event":
        eventType = value;
        break;
      case "data":
        data = hasData ? data + "\n" + value : value;
        hasData = true;
        break;
      case "id":
        if (!value.includes("\u0000")) lastEventId = value;
        break;
      case "retry":
        if (DIGITS.test(value)) onRetry(parseInt(value, 10));
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  function feed(text) {
    if (typeof text !== "string" || text.length === 0) return;
    if (!started) {
      started = true;
      if (text.charCodeAt(0) === 0xfeff) {
        text = text.slice(1);
        if (text.length === 0) return;
      }
    }
    let i = 0;
    if (pendingCR) {
      pendingCR = false;
      if (text.charCodeAt(0) === LF) i = 1;
    }
    const n = text.length;
    while (i < n) {
      LINE_END.lastIndex = i;
      const match = LINE_END.exec(text);
      if (match === null) {
        partial += text.slice(i);
        return;
      }
      const j = match.index;
      const line = partial === "" ? text.slice(i, j) : partial + text.slice(i, j);
      partial = "";
      let next = j + 1;
      if (text.charCodeAt(j) === CR) {
        if (next === n) pendingCR = true;
        else if (text.charCodeAt(next) === LF) next += 1;
      }
      processLine(line);
      i = next;
    }
  }

  /** The stream ended: an unterminated last block (or line) is dropped, as the standard says. */
  function end() {
    partial = "";
    data = "";
    hasData = false;
    eventType = "";
    pendingCR = false;
  }

  return { feed, end };
}
