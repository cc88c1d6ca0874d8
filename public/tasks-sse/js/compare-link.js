// A comparison's link: "#compare=cmp_…&runs=lite:trun_…,base:trun_…". The runs travel in the link so
// that it opens the comparison in any browser whose key can read them, not only where it was made.

import { isComparisonId } from "./history.js";

const LINK_MEMBER = /^([a-z0-9-]{1,32}):(trun_[A-Za-z0-9]{1,64})$/;

/**
 * A comparison's link: its id and, once its runs exist, "processor:run_id" for each column, so
 * the link opens the comparison in any browser whose key can read the runs.
 */
export function hashForComparison(id, members = []) {
  const runs = members.filter((m) => m.runId).map((m) => `${m.processor}:${m.runId}`);
  return runs.length ? `#compare=${id}&runs=${runs.join(",")}` : `#compare=${id}`;
}

/**
 * The comparison a location hash names: { id, members } (members null when the link lists no
 * usable columns: 2 to 6 "processor:run_id" pairs), or null when it names none.
 */
export function comparisonFromHash(hash) {
  const params = new URLSearchParams(String(hash ?? "").replace(/^#/, ""));
  const id = params.get("compare");
  if (!isComparisonId(id)) return null;
  const pairs = String(params.get("runs") || "")
    .split(",")
    .slice(0, 7)
    .map((p) => LINK_MEMBER.exec(p));
  const ok = pairs.length >= 2 && pairs.length <= 6 && pairs.every(Boolean);
  return { id, members: ok ? pairs.map((m) => ({ processor: m[1], runId: m[2], error: "" })) : null };
}
