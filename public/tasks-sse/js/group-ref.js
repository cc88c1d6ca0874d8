// Naming a task group: its id (tgrp_…), a playground link (…/tasks-sse/#group=tgrp_…) or an API
// URL holding one. Pure.

const GROUP_ID = /^tgrp_[A-Za-z0-9]{1,100}$/;
const GROUP_ID_IN_TEXT = /(?:^|[^A-Za-z0-9_])(tgrp_[A-Za-z0-9]{1,100})(?![A-Za-z0-9_])/;

export function isGroupId(value) {
  return typeof value === "string" && GROUP_ID.test(value);
}

/** The group a location hash names ("#group=tgrp_…"); null otherwise. */
export function groupIdFromHash(hash) {
  const h = String(hash ?? "").replace(/^#/, "");
  if (!h.includes("group=")) return null;
  const id = new URLSearchParams(h).get("group");
  return isGroupId(id) ? id : null;
}

export function hashForGroup(groupId) {
  return `#group=${groupId}`;
}

/** The group id in typed text: an id, a link with #group=, or text holding one; null if none. */
export function parseGroupRef(text) {
  const s = String(text ?? "").trim();
  if (!s || s.length > 2048) return null;
  if (isGroupId(s)) return s;
  const fromHash = groupIdFromHash(s.includes("#") ? s.slice(s.indexOf("#")) : "");
  if (fromHash) return fromHash;
  // Text naming a run too (an API URL of a group's run) is about that run, not the group.
  if (/(?:^|[^A-Za-z0-9_])trun_/.test(s)) return null;
  const m = GROUP_ID_IN_TEXT.exec(s);
  return m ? m[1] : null;
}
