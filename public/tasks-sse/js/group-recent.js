// Recently opened task groups, kept in localStorage: ids with a label, row count and time. Stored
// data is checked entry by entry; anything unreadable is reported and dropped, never thrown.

import { isGroupId } from "./group-ref.js";
import { RECENT_GROUPS_KEY } from "./names.js";

export { RECENT_GROUPS_KEY };
export const MAX_RECENT = 20;
const VERSION = 1;

function clean(e) {
  if (!e || typeof e !== "object" || !isGroupId(e.id)) return null;
  return {
    id: e.id,
    label: typeof e.label === "string" ? e.label.slice(0, 120) : "",
    runs: Number.isSafeInteger(e.runs) && e.runs >= 0 ? e.runs : 0,
    at: typeof e.at === "string" && e.at.length <= 40 ? e.at : "",
  };
}

/** @param {Storage|null} storage */
export function createRecentGroups(storage) {
  let list = [];

  function save() {
    if (!storage) return;
    try {
      storage.setItem(RECENT_GROUPS_KEY, JSON.stringify({ version: VERSION, groups: list }));
    } catch {
      /* full or denied: the list lives for this page only */
    }
  }

  return {
    /** Read the stored list; { notice } says what was unreadable (and dropped). */
    load() {
      list = [];
      if (!storage) return { notice: "" };
      let raw;
      try {
        raw = storage.getItem(RECENT_GROUPS_KEY);
      } catch {
        return { notice: "This browser does not let the page read its list of recent groups." };
      }
      if (raw === null) return { notice: "" };
      let parsed;
      try {
        parsed = JSON.parse(raw);
      } catch {
        parsed = null;
      }
      if (!parsed || typeof parsed !== "object" || !Array.isArray(parsed.groups)) {
        save();
        return { notice: "The stored list of recent groups could not be read, so it was started afresh." };
      }
      const seen = new Set();
      let dropped = 0;
      for (const e of parsed.groups.slice(0, MAX_RECENT * 2)) {
        const c = clean(e);
        if (!c || seen.has(c.id)) {
          dropped += 1;
          continue;
        }
        seen.add(c.id);
        list.push(c);
      }
      list = list.slice(0, MAX_RECENT);
      if (dropped) {
        save();
        return {
          notice: `${dropped} unreadable entr${dropped === 1 ? "y was" : "ies were"} removed from the recent groups.`,
        };
      }
      return { notice: "" };
    },
    list() {
      return list.map((e) => ({ ...e }));
    },
    /** Put a group first (merging what is known of it). */
    add(entry) {
      const old = list.find((e) => e.id === entry.id);
      const c = clean({ ...old, ...entry });
      if (!c) return;
      list = [c, ...list.filter((e) => e.id !== c.id)].slice(0, MAX_RECENT);
      save();
    },
    remove(id) {
      list = list.filter((e) => e.id !== id);
      save();
    },
    /** Forget every group (the sign-in panel's "also clear this browser's task history"). */
    clear() {
      list = [];
      if (!storage) return;
      try {
        storage.removeItem(RECENT_GROUPS_KEY);
      } catch {
        /* denied: nothing was readable either */
      }
    },
  };
}
