// Sign-in and API-key storage for the playground (issue 5 owns this module).
// STUB: the interface below is fixed; the playground imports only these names.
const KEY = "tasks-sse.apiKey";
const listeners = new Set();

/** The stored API key, or "" when signed out. */
export function getApiKey() {
  try { return localStorage.getItem(KEY) || ""; } catch { return ""; }
}

/** Keep `key` (localStorage, as the page states) and tell listeners. */
export function setApiKey(key) {
  localStorage.setItem(KEY, key);
  for (const cb of listeners) cb(key);
}

/** Forget the key and tell listeners. */
export function forgetApiKey() {
  localStorage.removeItem(KEY);
  for (const cb of listeners) cb("");
}

/** Call `cb(key)` whenever the key changes; returns an unsubscribe function. */
export function onApiKeyChange(cb) {
  listeners.add(cb);
  return () => listeners.delete(cb);
}

/** Finish an OAuth callback if the URL holds one, then render the sign-in panel into `container`. */
export async function initAuth({ config, container }) { void config; void container; }

/** Bring the sign-in panel forward with a reason (e.g. after a 401). */
export function showSignIn(reason) { void reason; }
