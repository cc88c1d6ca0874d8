// Every Task API processor with its documented price, latency and field capacity, from the one
// data file the simulator and the tests read too (../task-api.json).
// -fast variants cost the same and run 2-5x faster.

/** The data file: fetched in the page, read from disk under Node (the JS tests). */
async function loadTaskApi() {
  const url = new URL("../task-api.json", import.meta.url);
  if (url.protocol === "file:") {
    const { readFile } = await import("node:fs/promises");
    return JSON.parse(await readFile(url, "utf8"));
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`task-api.json: HTTP ${res.status}`);
  return res.json();
}

/** Processors and request limits, as the data file has them. */
export const TASK_API = Object.freeze(await loadTaskApi());
const TABLE = TASK_API;

/** Seconds as the docs write a latency bound: "20s", "5min", "2hr". */
export function formatSeconds(s) {
  if (s >= 3600 && s % 3600 === 0) return `${s / 3600}hr`;
  if (s >= 60 && s % 60 === 0) return `${s / 60}min`;
  return `${s}s`;
}

const span = ([lo, hi]) => `${formatSeconds(lo)}–${formatSeconds(hi)}`;

const BASE = TABLE.processors.map((p) => ({
  name: p.name,
  price: p.usd_per_1k_runs,
  latency: span(p.latency_s),
  fastLatency: span(p.fast_latency_s),
  fields: `~${p.fields}`,
  eventsByDefault: p.events_by_default,
}));

/** All processors in order: each standard one followed by its -fast variant. */
export const PROCESSORS = BASE.flatMap((p) => [
  { name: p.name, pricePer1k: p.price, latency: p.latency, fields: p.fields, fast: false },
  { name: `${p.name}-fast`, pricePer1k: p.price, latency: p.fastLatency, fields: p.fields, fast: true },
]);

export const DEFAULT_PROCESSOR = "lite";

export function findProcessor(name) {
  return PROCESSORS.find((p) => p.name === name) || null;
}

/** One line for a select option, e.g. "pro · $100 / 1K runs · 2min–10min · ~20 fields". */
export function describeProcessor(p) {
  return `${p.name} · $${p.pricePer1k.toLocaleString("en-US")} / 1K runs · ${p.latency} · ${p.fields} fields`;
}

/** Processors that record progress events by default (pro and above). */
export function eventsOnByDefault(name) {
  const base = String(name).replace(/-fast$/, "");
  return BASE.some((p) => p.name === base && p.eventsByDefault);
}
