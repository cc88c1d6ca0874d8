// Names more than one module uses: storage keys and the page's own DOM events. Import them from
// here; never spell them out again (a second copy drifts).

/** localStorage: the API key (pasted or from Sign in with Parallel). */
export const API_KEY_STORAGE = "tasks-sse.apiKey";
/** localStorage: the run history (versioned JSON). */
export const HISTORY_KEY = "tasks-sse.history";
/** localStorage prefix: history data that could not be read, set aside rather than lost. */
export const BACKUP_KEY = "tasks-sse.history.backup";

/** localStorage: the task groups opened or made in this browser (group-recent.js). */
export const RECENT_GROUPS_KEY = "tasks-sse.groups";

/** window event: the sign-in panel asks the page to forget its history too. */
export const FORGET_HISTORY_EVENT = "tasks-sse:forget-history";

/** IndexedDB: finished runs' results kept in this browser (kept-runs.js). */
export const KEPT_DB_NAME = "tasks-sse.kept";
