// Every Task API processor with its documented price, latency and field capacity
// (from Parallel's pricing and choose-a-processor pages).
// -fast variants cost the same and run 2-5x faster.

const BASE = [
  { name: "lite", price: 5, latency: "10s–60s", fastLatency: "10s–20s", fields: "~2" },
  { name: "base", price: 10, latency: "15s–100s", fastLatency: "15s–50s", fields: "~5" },
  { name: "core", price: 25, latency: "60s–5min", fastLatency: "15s–100s", fields: "~10" },
  { name: "core2x", price: 50, latency: "60s–10min", fastLatency: "15s–3min", fields: "~10" },
  { name: "pro", price: 100, latency: "2min–10min", fastLatency: "30s–5min", fields: "~20" },
  { name: "ultra", price: 300, latency: "5min–25min", fastLatency: "1min–10min", fields: "~20" },
  { name: "ultra2x", price: 600, latency: "5min–50min", fastLatency: "1min–20min", fields: "~25" },
  { name: "ultra4x", price: 1200, latency: "5min–90min", fastLatency: "1min–40min", fields: "~25" },
  { name: "ultra8x", price: 2400, latency: "5min–2hr", fastLatency: "1min–1hr", fields: "~25" },
];

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
  return ["pro", "ultra", "ultra2x", "ultra4x", "ultra8x"].includes(base);
}
