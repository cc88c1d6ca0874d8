// Sign-in and API-key storage for the playground: the key in localStorage, "Sign in with Parallel"
// (OAuth, see oauth.js), pasting a key (checked before it is kept), and forgetting it.
// The playground imports getApiKey, setApiKey, forgetApiKey, onApiKeyChange, initAuth, showSignIn,
// markKeyRejected.
//
// Secrets (key, code, verifier) never go to the console, a URL or innerHTML; provider text reaches
// the page only through textContent.

import {
  OAuthError,
  abandonPending,
  beginSignIn,
  cleanCallbackUrl,
  completeSignIn,
  readCallback,
  readPending,
} from "./oauth.js";
import { API_KEY_STORAGE as KEY, FORGET_HISTORY_EVENT } from "./names.js";

// Control characters in text from elsewhere, replaced by spaces before it is shown.
// eslint-disable-next-line no-control-regex -- matching them is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]+/g;

// The Worker checks a key without side effects (it asks the API for a run that cannot exist) and
// answers the verdict as a 200, because a browser logs every 4xx it receives as a console error.
const KEY_CHECK_URL = "/tasks-sse/key-check";

const listeners = new Set();

function notify(key) {
  for (const cb of [...listeners]) {
    try {
      cb(key);
    } catch (err) {
      // A listener's failure must not stop the others; report it without any key material.
      console.error("tasks-sse: an API-key listener failed:", err && err.name);
    }
  }
}

/** The stored API key, or "" when signed out. */
export function getApiKey() {
  try {
    return localStorage.getItem(KEY) || "";
  } catch {
    return "";
  }
}

/** Keep `key` (localStorage, as the page states) and tell listeners. Throws if storage refuses. */
export function setApiKey(key) {
  localStorage.setItem(KEY, key);
  rejected = null; // a key kept again (checked or signed in) starts trusted
  notify(key);
}

/** Forget the key and tell listeners. */
export function forgetApiKey() {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // Storage unavailable: nothing was stored.
  }
  notify("");
}

/** Call `cb(key)` whenever the key changes (also from another tab); returns an unsubscribe function. */
export function onApiKeyChange(cb) {
  listeners.add(cb);
  return () => listeners.delete(cb);
}

if (typeof window !== "undefined" && typeof window.addEventListener === "function") {
  window.addEventListener("storage", (e) => {
    if (e.key === KEY || e.key === null) notify(getApiKey());
  });
}

// --- the authorization response is taken out of the address bar as soon as this module loads ---
// (before any await, before the page's other modules run), so no code stays in the URL or history.

let callbackInUrl = takeCallbackFromUrl();

function takeCallbackFromUrl() {
  if (typeof location === "undefined" || typeof history === "undefined") return null;
  let cb;
  try {
    cb = readCallback(location.href);
    if (cb) history.replaceState(history.state, "", cleanCallbackUrl(location.href));
  } catch {
    return null;
  }
  return cb;
}

// --- pasted keys ---------------------------------------------------------------------------------

/** A pasted key, trimmed, or throws with words when it cannot be an API key. */
export function normaliseApiKey(raw) {
  const key = String(raw ?? "").trim();
  if (!key) throw new Error("Paste an API key first.");
  if (key.length > 512 || !/^[\x21-\x7e]+$/.test(key)) {
    throw new Error(
      "That does not look like an API key: a key is one line of letters, digits and symbols, without spaces.",
    );
  }
  return key;
}

function errorMessageFrom(body) {
  const msg = body && body.error && typeof body.error.message === "string" ? body.error.message : "";
  return msg.replace(CONTROL_CHARS, " ").trim().slice(0, 200);
}

/**
 * Check a key with the Worker's /tasks-sse/key-check: `{valid: true}` means the API accepted it,
 * `{valid: false, status, message}` that it did not; anything else (429, 5xx, network) means the
 * check could not be made, and the key is neither accepted nor rejected.
 * Returns { ok: true } or { ok: false, verdict: "rejected" | "unknown", message }.
 */
export async function verifyApiKey(key, { checkUrl = KEY_CHECK_URL, fetch = globalThis.fetch } = {}) {
  const rejected = (why) => ({ ok: false, verdict: "rejected", message: why });
  const unknown = (why) => ({
    ok: false,
    verdict: "unknown",
    message: `Could not check the key: ${why}. The key was not saved; try again.`,
  });
  let res;
  try {
    res = await fetch(checkUrl, {
      method: "GET",
      headers: { "x-api-key": key, accept: "application/json" },
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    return unknown("the request did not get through (network error)");
  }
  let body;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (res.ok && body && body.valid === true) return { ok: true };
  if (res.ok && body && body.valid === false) {
    const said = typeof body.message === "string" ? body.message.replace(CONTROL_CHARS, " ").trim() : "";
    const status = `HTTP ${body.status}${said ? `: ${said.slice(0, 200)}` : ""}`;
    if (body.status === 403) return rejected(`Parallel refused this key (${status}).`);
    return rejected(`Parallel did not accept this key (${status}). Check it and try again.`);
  }
  const said = errorMessageFrom(body);
  const status = `HTTP ${res.status}${said ? `: ${said}` : ""}`;
  if (res.ok) return unknown(`unexpected answer ${status}`);
  if (res.status === 429) return unknown("Parallel is limiting requests right now (HTTP 429)");
  if (res.status >= 500) return unknown(`the API or this site's proxy answered ${status}`);
  return unknown(`unexpected answer ${status}`);
}

// --- the panel -----------------------------------------------------------------------------------

let panel = null; // { root, els..., config }
let currentConfig = null;
// The stored key the API turned away, and what it said; cleared when the key changes.
let rejected = null; // { key, message }

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else if (k.startsWith("data-") || k.startsWith("aria-") || k === "role" || k === "for") node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) node.append(c);
  return node;
}

function redirectUri() {
  // The playground's root (this module lives in <root>/js/): stable across the page's own routes.
  const u = new URL("../", import.meta.url);
  return u.origin + u.pathname;
}

function keyCheckUrl() {
  return (currentConfig && typeof currentConfig.keyCheckUrl === "string" && currentConfig.keyCheckUrl) || KEY_CHECK_URL;
}

function setStatus(text, kind = "info") {
  if (!panel) return;
  panel.status.dataset.kind = kind;
  panel.status.textContent = text;
}

function setBusy(busy) {
  if (!panel) return;
  panel.root.setAttribute("aria-busy", busy ? "true" : "false");
  for (const b of [panel.signIn, panel.pasteButton, panel.signOut]) b.disabled = busy;
  panel.signIn.disabled = busy || !oauthAvailable();
}

function oauthAvailable() {
  return Boolean(currentConfig && currentConfig.oauth && currentConfig.oauth.issuer);
}

function render() {
  if (!panel) return;
  const key = getApiKey();
  const signedIn = Boolean(key);
  if (rejected && rejected.key !== key) rejected = null;
  const ending = key.length >= 12 ? ` ending in "${key.slice(-4)}"` : "";
  panel.root.dataset.signedIn = signedIn ? "true" : "false";
  panel.root.dataset.keyState = !signedIn ? "none" : rejected ? "rejected" : "stored";
  panel.summary.textContent = !signedIn
    ? "Not signed in: sign in with Parallel or paste an API key to create and watch task runs."
    : rejected
      ? `Key rejected: Parallel did not accept the API key${ending} stored in this browser${rejected.message ? ` (${rejected.message})` : ""}. Sign in again with Parallel or paste another key; "Forget key" removes it.`
      : `Signed in: an API key${ending} is stored in this browser.`;
  panel.signIn.textContent = signedIn ? "Sign in again with Parallel" : "Sign in with Parallel";
  panel.pasteLabel.textContent = signedIn ? "Or replace it with another API key" : "Or paste an API key";
  panel.signedIn.hidden = !signedIn;
  panel.signIn.disabled = panel.root.getAttribute("aria-busy") === "true" || !oauthAvailable();
}

function buildPanel(container) {
  const status = el("p", {
    class: "auth-status",
    role: "status",
    "aria-live": "polite",
    "aria-atomic": "true",
    "data-kind": "info",
  });
  const summary = el("p", { class: "auth-summary" });
  const signIn = el("button", { type: "button", class: "auth-signin", text: "Sign in with Parallel" });
  const input = el("input", {
    id: "auth-key-input",
    type: "password",
    name: "apiKey",
    autocomplete: "off",
    spellcheck: false,
    class: "auth-key-input",
  });
  input.setAttribute("autocapitalize", "off");
  input.setAttribute("aria-describedby", "auth-storage-note");
  const pasteLabel = el("label", { for: "auth-key-input", text: "Or paste an API key" });
  const pasteButton = el("button", { type: "submit", class: "auth-paste-submit", text: "Check and save key" });
  const pasteForm = el("form", { class: "auth-paste", noValidate: true }, [
    pasteLabel,
    el("div", { class: "auth-row" }, [input, pasteButton]),
  ]);
  const forgetHistory = el("input", { type: "checkbox", id: "auth-forget-history", class: "auth-forget-history" });
  const signOut = el("button", { type: "button", class: "auth-signout", text: "Forget key (sign out)" });
  const signedIn = el("div", { class: "auth-signed-in" }, [
    el("div", { class: "auth-row" }, [
      signOut,
      el("span", { class: "auth-check" }, [
        forgetHistory,
        el("label", { for: "auth-forget-history", text: "Also clear this browser's task history" }),
      ]),
    ]),
  ]);
  const note = el("p", {
    id: "auth-storage-note",
    class: "auth-note",
    text:
      'Your API key is stored in this browser\'s localStorage (entry "tasks-sse.apiKey") and sent only ' +
      'to this site\'s proxy, which passes it to Parallel. Forget it at any time with "Forget key".',
  });
  const root = el("section", { class: "auth-panel", "aria-labelledby": "auth-title", "data-signed-in": "false" }, [
    el("h2", { id: "auth-title", class: "auth-title", text: "API key" }),
    summary,
    signedIn,
    el("div", { class: "auth-actions" }, [signIn]),
    pasteForm,
    note,
    status,
  ]);
  root.tabIndex = -1;
  container.replaceChildren(root);

  signIn.addEventListener("click", onSignInClick);
  pasteForm.addEventListener("submit", onPasteSubmit);
  signOut.addEventListener("click", onSignOutClick);
  return { root, status, summary, signIn, input, pasteLabel, pasteButton, pasteForm, forgetHistory, signOut, signedIn };
}

async function onSignInClick() {
  if (!oauthAvailable()) {
    setStatus("Sign-in with Parallel is not configured on this site. Paste an API key instead.", "error");
    return;
  }
  setBusy(true);
  setStatus("Contacting Parallel…", "info");
  try {
    const url = await beginSignIn({
      config: currentConfig,
      redirectUri: redirectUri(),
      fetch: globalThis.fetch.bind(globalThis),
      storage: localStorage,
      session: sessionStorage,
    });
    setStatus("Taking you to Parallel to sign in…", "info");
    window.location.assign(url);
  } catch (err) {
    setBusy(false);
    setStatus(messageOf(err), "error");
  }
}

async function onPasteSubmit(event) {
  event.preventDefault();
  let key;
  try {
    key = normaliseApiKey(panel.input.value);
  } catch (err) {
    setStatus(err.message, "error");
    panel.input.focus();
    return;
  }
  setBusy(true);
  setStatus("Checking the key with Parallel…", "info");
  const verdict = await verifyApiKey(key, { checkUrl: keyCheckUrl(), fetch: globalThis.fetch.bind(globalThis) });
  setBusy(false);
  if (!verdict.ok) {
    setStatus(verdict.message, "error");
    panel.input.focus();
    return;
  }
  try {
    setApiKey(key);
  } catch {
    setStatus("The key is valid, but this browser refused to store it (localStorage unavailable or full).", "error");
    return;
  }
  panel.input.value = "";
  setStatus("Key accepted and saved in this browser's localStorage.", "success");
}

function onSignOutClick() {
  const alsoHistory = panel.forgetHistory.checked;
  forgetApiKey();
  if (alsoHistory) window.dispatchEvent(new CustomEvent(FORGET_HISTORY_EVENT));
  panel.forgetHistory.checked = false;
  setStatus(
    alsoHistory
      ? "Signed out: the API key and the task history were removed from this browser."
      : "Signed out: the API key was removed from this browser.",
    "success",
  );
  panel.signIn.focus();
}

function messageOf(err) {
  if (err instanceof OAuthError) return err.message;
  return "Sign-in failed unexpectedly. Try again, or paste an API key.";
}

async function finishCallback(callback) {
  setBusy(true);
  setStatus("Finishing sign-in with Parallel…", "info");
  try {
    const { apiKey } = await completeSignIn({
      callback,
      session: sessionStorage,
      storage: localStorage,
      fetch: globalThis.fetch.bind(globalThis),
      proxyBase: currentConfig && currentConfig.oauth ? currentConfig.oauth.proxyBase : undefined,
    });
    setApiKey(apiKey);
    setStatus("Signed in with Parallel. Your API key is stored in this browser's localStorage.", "success");
    return true;
  } catch (err) {
    setStatus(messageOf(err), "error");
    return false;
  } finally {
    setBusy(false);
  }
}

function abandonedMessage() {
  return "The last sign-in did not come back from Parallel, so it was cancelled. Sign in again (this page registers itself afresh), or paste a key.";
}

/**
 * Finish an OAuth callback if the URL held one, then render the sign-in panel into `container`.
 * Resolves to true when a callback completed with a key, false otherwise.
 */
export async function initAuth({ config, container } = {}) {
  currentConfig = config || null;
  if (container) {
    panel = buildPanel(container);
    listeners.delete(render);
    onApiKeyChange(render);
    render();
    if (!oauthAvailable())
      setStatus("Sign-in with Parallel is unavailable (no provider configured); paste an API key instead.", "info");
  }
  if (typeof window !== "undefined") {
    window.removeEventListener("pageshow", onPageShow);
    window.addEventListener("pageshow", onPageShow);
  }

  const callback = callbackInUrl;
  callbackInUrl = null;
  if (callback) return finishCallback(callback);
  if (abandonPending({ session: sessionStorage, storage: localStorage })) setStatus(abandonedMessage(), "info");
  return false;
}

function onPageShow(event) {
  // Back from the provider via the back/forward cache: the page did not reload, so reset it here.
  if (!event.persisted) return;
  if (readPending(sessionStorage) && abandonPending({ session: sessionStorage, storage: localStorage })) {
    setStatus(abandonedMessage(), "info");
  }
  setBusy(false);
  render();
}

/**
 * The API turned the stored key away (a 401 or 403): the panel stops saying "Signed in" and says the
 * key was rejected and how to fix it. Calling it again for the same key changes nothing; a new key
 * (pasted, signed in, or from another tab) clears the state.
 */
export function markKeyRejected(message) {
  const key = getApiKey();
  if (!key) return;
  const said = String(message ?? "")
    .replace(CONTROL_CHARS, " ")
    .trim()
    .slice(0, 300);
  if (rejected && rejected.key === key) return;
  rejected = { key, message: said };
  render();
}

/** Bring the sign-in panel forward with a reason (e.g. after a 401). */
export function showSignIn(reason) {
  if (!panel) return;
  render();
  if (reason) setStatus(String(reason), "error");
  panel.root.scrollIntoView({ block: "nearest" });
  (panel.signIn.disabled ? panel.input : panel.signIn).focus();
}
