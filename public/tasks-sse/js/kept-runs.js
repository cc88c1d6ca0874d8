// Results kept in this browser: each finished run's input, task spec, output and event trace, in
// IndexedDB, so history shows them offline and after the API forgets the run. Bounded by count and
// size; the oldest kept runs are evicted first, and the caller is told which. When IndexedDB is
// missing, blocked or broken, every call resolves quietly (nothing kept) and `notice` says so: the
// page works as before.

import { KEPT_DB_NAME } from "./names.js";

export const DEFAULT_MAX_RUNS = 200;
export const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;
const DB_VERSION = 1;
const INDEX = "index"; // { runId, keptAt, bytes }: what eviction needs, without reading bodies
const BODIES = "bodies"; // { runId, run, input, output, events }

/**
 * Which kept runs to evict so that `incoming` fits: oldest first, until at most `maxRuns` runs and
 * `maxBytes` bytes remain (the incoming one included). `index`: [{ runId, keptAt, bytes }].
 */
export function evictionPlan(index, incoming, { maxRuns = DEFAULT_MAX_RUNS, maxBytes = DEFAULT_MAX_BYTES } = {}) {
  const others = index.filter((r) => r.runId !== incoming.runId).sort((a, b) => a.keptAt - b.keptAt);
  let runs = others.length + 1;
  let bytes = others.reduce((n, r) => n + r.bytes, 0) + incoming.bytes;
  const evict = [];
  for (const r of others) {
    if (runs <= maxRuns && bytes <= maxBytes) break;
    evict.push(r.runId);
    runs -= 1;
    bytes -= r.bytes;
  }
  return evict;
}

/** The size a record takes, near enough: its JSON length. */
export function recordBytes(record) {
  return JSON.stringify(record).length;
}

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
  });
}

/**
 * @param {{ indexedDB?: IDBFactory, name?: string, maxRuns?: number, maxBytes?: number, now?: () => number }} o
 */
/** The browser's IndexedDB, or null where reading it throws (some privacy modes, sandboxes). */
function browserIndexedDB() {
  try {
    return globalThis.indexedDB || null;
  } catch {
    return null;
  }
}

export function createKeptRuns({
  indexedDB = browserIndexedDB(),
  name = KEPT_DB_NAME,
  maxRuns = DEFAULT_MAX_RUNS,
  maxBytes = DEFAULT_MAX_BYTES,
  now = () => Date.now(),
} = {}) {
  let dbPromise = null;
  let notice = "";

  function unavailable(e) {
    notice = `Results cannot be kept in this browser (IndexedDB: ${e && e.message ? e.message : "unavailable"}). History still works; results come from the API while it has them.`;
    return null;
  }

  function open() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise((resolve) => {
      if (!indexedDB) return resolve(unavailable(new Error("not available")));
      let req;
      try {
        req = indexedDB.open(name, DB_VERSION);
      } catch (e) {
        return resolve(unavailable(e));
      }
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains(INDEX)) db.createObjectStore(INDEX, { keyPath: "runId" });
        if (!db.objectStoreNames.contains(BODIES)) db.createObjectStore(BODIES, { keyPath: "runId" });
      };
      req.onsuccess = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains(INDEX) || !db.objectStoreNames.contains(BODIES)) {
          db.close();
          return resolve(unavailable(new Error("the kept-results database has an unknown layout")));
        }
        resolve(db);
      };
      req.onerror = () => resolve(unavailable(req.error));
      req.onblocked = () => resolve(unavailable(new Error("blocked by another tab")));
    });
    return dbPromise;
  }

  /** Keep a run: { runId, run, input, output, events }. Resolves { kept, evicted: runIds }. */
  async function put(record) {
    const db = await open();
    if (!db) return { kept: false, evicted: [] };
    const body = {
      runId: record.runId,
      run: record.run ?? null,
      input: record.input ?? null,
      output: record.output ?? null,
      events: record.events || [],
    };
    const entry = { runId: record.runId, keptAt: now(), bytes: recordBytes(body) };
    if (entry.bytes > maxBytes) return { kept: false, evicted: [], tooBig: true };
    try {
      const index = await request(db.transaction(INDEX).objectStore(INDEX).getAll());
      const evicted = evictionPlan(index, entry, { maxRuns, maxBytes });
      const tx = db.transaction([INDEX, BODIES], "readwrite");
      for (const id of evicted) {
        tx.objectStore(INDEX).delete(id);
        tx.objectStore(BODIES).delete(id);
      }
      tx.objectStore(INDEX).put(entry);
      tx.objectStore(BODIES).put(body);
      await done(tx);
      return { kept: true, evicted };
    } catch (e) {
      notice = `A result could not be kept in this browser (${e && e.message ? e.message : e}).`;
      return { kept: false, evicted: [] };
    }
  }

  async function get(runId) {
    const db = await open();
    if (!db) return null;
    try {
      const body = await request(db.transaction(BODIES).objectStore(BODIES).get(runId));
      return body && Array.isArray(body.events) ? body : null;
    } catch (e) {
      notice = `A kept result could not be read (${e && e.message ? e.message : e}).`;
      return null;
    }
  }

  async function remove(runId) {
    const db = await open();
    if (!db) return;
    try {
      const tx = db.transaction([INDEX, BODIES], "readwrite");
      tx.objectStore(INDEX).delete(runId);
      tx.objectStore(BODIES).delete(runId);
      await done(tx);
    } catch {
      /* the entry stays; nothing else depends on it */
    }
  }

  async function clear() {
    const db = await open();
    if (!db) return;
    try {
      const tx = db.transaction([INDEX, BODIES], "readwrite");
      tx.objectStore(INDEX).clear();
      tx.objectStore(BODIES).clear();
      await done(tx);
    } catch {
      /* nothing more to do */
    }
  }

  return {
    open,
    put,
    get,
    remove,
    clear,
    get notice() {
      return notice;
    },
    clearNotice() {
      notice = "";
    },
  };
}
