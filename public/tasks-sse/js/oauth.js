// "Sign in with Parallel": OAuth 2.0 authorization code + PKCE (RFC 7636), authorization server
// metadata (RFC 8414) and dynamic client registration (RFC 7591).
//
// No DOM here: every effect (fetch, storage, the current URL) is passed in, so the browser page and
// `node --test` drive the same code. The page's CSP is connect-src 'self', so every fetch goes to
// this site's OAuth proxy (config.oauth.proxyBase + the provider's pathname); only the authorize step
// is a top-level navigation straight to the provider.

import { codeChallengeS256, generateCodeVerifier, randomToken } from "./pkce.js";

// Control characters in text from elsewhere, replaced by spaces before it is shown.
// eslint-disable-next-line no-control-regex -- matching them is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]+/g;

/** sessionStorage: the sign-in in flight in this tab (state, verifier, client, token URL). */
export const PENDING_KEY = "tasks-sse.oauth.pending";
/** localStorage: registered client_ids, per provider and redirect URI. */
export const CLIENTS_KEY = "tasks-sse.oauth.clients";
/** Query parameters an authorization response may carry; all are removed from the address bar. */
export const CALLBACK_PARAMS = ["code", "state", "error", "error_description", "error_uri", "iss"];
export const DEFAULT_SCOPE = "key:read";
export const CLIENT_NAME = "Parallel Task API playground (tasks-sse)";
export const METADATA_PATH = "/.well-known/oauth-authorization-server";

const MAX_PROVIDER_TEXT = 300;

/** An error meant for the user: `message` is complete words; `code` is for the page's logic. */
export class OAuthError extends Error {
  constructor(code, message, extra = {}) {
    super(message);
    this.name = "OAuthError";
    this.code = code;
    Object.assign(this, extra);
  }
}

// --- endpoints -------------------------------------------------------------------------------

function isLoopback(hostname) {
  return hostname === "localhost" || hostname === "127.0.0.1" || hostname === "[::1]";
}

/** The issuer identifier without a trailing slash; throws unless it is an http(s) URL. */
export function normaliseIssuer(issuer) {
  let u;
  try {
    u = new URL(String(issuer));
  } catch {
    throw new OAuthError("config", "The sign-in provider is not configured (config.json has no valid oauth.issuer).");
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") {
    throw new OAuthError("config", "The sign-in provider's address must be an http(s) URL.");
  }
  return u.origin + u.pathname.replace(/\/+$/, "");
}

/** Where this page asks for the provider's RFC 8414 metadata (well-known path inserted before the issuer's path). */
export function metadataProxyUrl({ issuer, proxyBase }) {
  const path = new URL(normaliseIssuer(issuer)).pathname.replace(/\/+$/, "");
  return proxyBase + METADATA_PATH + path;
}

/**
 * Map a provider endpoint onto this site's OAuth proxy: same pathname (and query) under proxyBase.
 * Only endpoints on the issuer's origin can be mapped; anything else is unreachable under the CSP.
 */
export function toProxyUrl(endpoint, { issuer, proxyBase }) {
  let u;
  try {
    u = new URL(String(endpoint));
  } catch {
    throw new OAuthError("unreachable_endpoint", "The sign-in provider named an endpoint that is not a valid URL.");
  }
  const origin = new URL(normaliseIssuer(issuer)).origin;
  if (u.origin !== origin) {
    throw new OAuthError(
      "unreachable_endpoint",
      `The sign-in provider named an endpoint on ${u.origin}, not on ${origin}; this page can only reach the provider through its own proxy.`,
    );
  }
  return proxyBase + u.pathname + u.search;
}

/** The authorization endpoint is a navigation target: https, or http on a loopback host. */
export function checkAuthorizationEndpoint(endpoint) {
  let u;
  try {
    u = new URL(String(endpoint));
  } catch {
    throw new OAuthError("config", "The sign-in provider's authorization endpoint is not a valid URL.");
  }
  if (u.protocol === "https:" || (u.protocol === "http:" && isLoopback(u.hostname))) return u.href;
  throw new OAuthError("config", "The sign-in provider's authorization endpoint must use https.");
}

function checkProxyBase(proxyBase) {
  if (typeof proxyBase !== "string" || !/^\/[^/\\]/.test(proxyBase)) {
    throw new OAuthError("config", "config.json has no valid oauth.proxyBase (a path on this site).");
  }
  return proxyBase.replace(/\/+$/, "");
}

/** The endpoints config.json names, with registration and token mapped onto the proxy. */
export function endpointsFromConfig(oauth) {
  if (!oauth || typeof oauth !== "object") {
    throw new OAuthError("config", "Sign-in is not configured on this site (config.json has no oauth section).");
  }
  const issuer = normaliseIssuer(oauth.issuer);
  const proxyBase = checkProxyBase(oauth.proxyBase);
  const at = { issuer, proxyBase };
  return {
    issuer,
    proxyBase,
    authorizationEndpoint: checkAuthorizationEndpoint(oauth.authorizationEndpoint),
    registrationUrl: toProxyUrl(oauth.registrationEndpoint, at),
    tokenUrl: toProxyUrl(oauth.tokenEndpoint, at),
    source: "config",
  };
}

async function readJson(res) {
  try {
    const text = await res.text();
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * The provider's endpoints: its RFC 8414 metadata when it serves it, else config.json's.
 * Metadata that is served but unsafe (another issuer, no S256) is an error, not a fallback.
 */
export async function discover({ config, fetch }) {
  const fallback = endpointsFromConfig(config && config.oauth);
  const at = { issuer: fallback.issuer, proxyBase: fallback.proxyBase };
  let res;
  try {
    res = await fetch(metadataProxyUrl(at), { headers: { accept: "application/json" }, credentials: "omit" });
  } catch {
    return fallback;
  }
  if (res.status !== 200) return fallback;
  const meta = await readJson(res);
  if (!isObject(meta)) return fallback;

  if (meta.issuer !== undefined && safeIssuer(meta.issuer) !== fallback.issuer) {
    throw new OAuthError(
      "issuer_mismatch",
      "The sign-in provider's metadata names a different issuer than this site is configured for; sign-in was stopped.",
    );
  }
  const methods = meta.code_challenge_methods_supported;
  if (Array.isArray(methods) && !methods.includes("S256")) {
    throw new OAuthError(
      "pkce_unsupported",
      "The sign-in provider does not support PKCE with S256, which this page requires.",
    );
  }
  const authMethods = meta.token_endpoint_auth_methods_supported;
  if (Array.isArray(authMethods) && !authMethods.includes("none")) {
    throw new OAuthError(
      "public_client_unsupported",
      "The sign-in provider does not accept browser apps without a client secret.",
    );
  }
  return {
    issuer: fallback.issuer,
    proxyBase: fallback.proxyBase,
    authorizationEndpoint: meta.authorization_endpoint
      ? checkAuthorizationEndpoint(meta.authorization_endpoint)
      : fallback.authorizationEndpoint,
    registrationUrl: meta.registration_endpoint ? toProxyUrl(meta.registration_endpoint, at) : fallback.registrationUrl,
    tokenUrl: meta.token_endpoint ? toProxyUrl(meta.token_endpoint, at) : fallback.tokenUrl,
    source: "metadata",
  };
}

function safeIssuer(v) {
  try {
    return normaliseIssuer(v);
  } catch {
    return "";
  }
}

// --- client registration (RFC 7591), cached per provider + redirect URI ------------------------

export function clientCacheKey(issuer, redirectUri) {
  return `${normaliseIssuer(issuer)} ${redirectUri}`;
}

function readClients(storage) {
  try {
    const v = JSON.parse(storage.getItem(CLIENTS_KEY) || "{}");
    return isObject(v) ? v : {};
  } catch {
    return {};
  }
}

function writeClients(storage, clients) {
  try {
    storage.setItem(CLIENTS_KEY, JSON.stringify(clients));
  } catch {
    // A cache only: without it the page registers again next time.
  }
}

export function loadClientId(storage, issuer, redirectUri) {
  const entry = readClients(storage)[clientCacheKey(issuer, redirectUri)];
  return isObject(entry) && typeof entry.client_id === "string" ? entry.client_id : "";
}

export function saveClientId(storage, issuer, redirectUri, clientId, now = Date.now()) {
  const clients = readClients(storage);
  clients[clientCacheKey(issuer, redirectUri)] = { client_id: clientId, registered_at: now };
  writeClients(storage, clients);
}

export function forgetClientId(storage, issuer, redirectUri) {
  const clients = readClients(storage);
  const key = clientCacheKey(issuer, redirectUri);
  if (!(key in clients)) return;
  delete clients[key];
  writeClients(storage, clients);
}

/** The client metadata this page registers: a public browser client (no secret). */
export function registrationRequest(redirectUri, clientName = CLIENT_NAME) {
  return {
    client_name: clientName,
    redirect_uris: [redirectUri],
    token_endpoint_auth_method: "none",
    grant_types: ["authorization_code"],
    response_types: ["code"],
  };
}

/** Register this page with the provider; returns the client_id. */
export async function registerClient({ endpoints, redirectUri, fetch, clientName }) {
  let res;
  try {
    res = await fetch(endpoints.registrationUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(registrationRequest(redirectUri, clientName)),
      credentials: "omit",
    });
  } catch {
    throw new OAuthError(
      "network",
      "Could not reach Parallel to register this page (network error). Check the connection and try again.",
    );
  }
  const body = await readJson(res);
  if (!res.ok) {
    const err = isObject(body) && typeof body.error === "string" ? body : {};
    const what = err.error
      ? `Parallel refused to register this page for sign-in (HTTP ${res.status}, ${providerText(err.error)}).`
      : `Could not register this page with Parallel: the provider or this site's proxy answered HTTP ${res.status}. Try again later, or paste a key.`;
    throw new OAuthError("registration_failed", what + saidSuffix(err.error_description), {
      status: res.status,
      providerError: err.error || "",
    });
  }
  if (!isObject(body) || typeof body.client_id !== "string" || !body.client_id) {
    throw new OAuthError(
      "registration_failed",
      "Parallel's registration answer had no client_id; sign-in cannot continue.",
    );
  }
  if (Array.isArray(body.redirect_uris) && !body.redirect_uris.includes(redirectUri)) {
    throw new OAuthError(
      "registration_failed",
      "Parallel registered this page with a different return address; sign-in cannot continue.",
    );
  }
  return body.client_id;
}

/** The cached client_id for this provider and redirect URI, or a fresh registration. */
export async function ensureClient({ endpoints, redirectUri, storage, fetch, clientName }) {
  const cached = loadClientId(storage, endpoints.issuer, redirectUri);
  if (cached) return { clientId: cached, registered: false };
  const clientId = await registerClient({ endpoints, redirectUri, fetch, clientName });
  saveClientId(storage, endpoints.issuer, redirectUri, clientId);
  return { clientId, registered: true };
}

// --- authorize ---------------------------------------------------------------------------------

export function buildAuthorizeUrl({
  authorizationEndpoint,
  clientId,
  redirectUri,
  scope = DEFAULT_SCOPE,
  codeChallenge,
  state,
}) {
  const u = new URL(authorizationEndpoint);
  const params = {
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: "code",
    scope,
    code_challenge: codeChallenge,
    code_challenge_method: "S256",
    state,
  };
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  u.hash = "";
  return u.href;
}

/**
 * Start a sign-in: discover, register (or reuse) the client, make the PKCE pair and state, keep them
 * in `session` (sessionStorage), and return the authorization URL to navigate to.
 */
export async function beginSignIn({ config, redirectUri, fetch, storage, session, scope, clientName }) {
  const endpoints = await discover({ config, fetch });
  const { clientId } = await ensureClient({ endpoints, redirectUri, storage, fetch, clientName });
  const verifier = generateCodeVerifier();
  const codeChallenge = await codeChallengeS256(verifier);
  const state = randomToken(32);
  const pending = {
    v: 1,
    state,
    verifier,
    clientId,
    redirectUri,
    issuer: endpoints.issuer,
    tokenUrl: endpoints.tokenUrl,
    createdAt: Date.now(),
  };
  try {
    session.setItem(PENDING_KEY, JSON.stringify(pending));
  } catch {
    throw new OAuthError(
      "storage",
      "This browser refused to keep the sign-in state (sessionStorage is unavailable), so sign-in cannot work here. Paste a key instead.",
    );
  }
  return buildAuthorizeUrl({
    authorizationEndpoint: endpoints.authorizationEndpoint,
    clientId,
    redirectUri,
    scope: scope || (config && config.oauth && config.oauth.scope) || DEFAULT_SCOPE,
    codeChallenge,
    state,
  });
}

// --- callback ----------------------------------------------------------------------------------

/** The authorization response in `href`, or null when the URL is not a callback. */
export function readCallback(href) {
  const p = new URL(href).searchParams;
  if (!p.has("code") && !p.has("error")) return null;
  return {
    code: p.get("code") || "",
    state: p.get("state") || "",
    error: p.get("error") || "",
    errorDescription: p.get("error_description") || "",
    iss: p.get("iss") || "",
  };
}

/** `href` without the authorization response parameters, as a path + query + hash for replaceState. */
export function cleanCallbackUrl(href) {
  const u = new URL(href);
  for (const name of CALLBACK_PARAMS) u.searchParams.delete(name);
  return u.pathname + u.search + u.hash;
}

export function readPending(session) {
  let v;
  try {
    v = JSON.parse(session.getItem(PENDING_KEY) || "null");
  } catch {
    return null;
  }
  const fields = ["state", "verifier", "clientId", "redirectUri", "issuer", "tokenUrl"];
  if (!isObject(v) || !fields.every((f) => typeof v[f] === "string" && v[f])) return null;
  return v;
}

export function clearPending(session) {
  try {
    session.removeItem(PENDING_KEY);
  } catch {
    // Nothing to clear.
  }
}

/**
 * A sign-in started in this tab never came back (the user returned without a callback, for example
 * from a provider error page that cannot redirect, such as an unknown client_id). Drop it, and drop
 * the cached registration so the next attempt registers afresh. Returns whether one was pending.
 */
export function abandonPending({ session, storage }) {
  const pending = readPending(session);
  clearPending(session);
  if (!pending) return false;
  forgetClientId(storage, pending.issuer, pending.redirectUri);
  return true;
}

function providerText(s) {
  // Provider text is untrusted: the page shows it via textContent; here it is only trimmed.
  return String(s).replace(CONTROL_CHARS, " ").trim().slice(0, MAX_PROVIDER_TEXT);
}

function saidSuffix(description) {
  const text = description ? providerText(description) : "";
  return text ? ` Parallel said: "${text}"` : "";
}

/** An OAuth error code from the provider, in words. */
export function describeProviderError(error, description = "") {
  const known = {
    access_denied: "You declined the sign-in at Parallel, so no key was shared. Sign in again or paste a key.",
    invalid_client:
      "Parallel did not recognise this page's app registration (invalid_client). The registration was forgotten; sign in again to register afresh.",
    unauthorized_client:
      "Parallel does not allow this page's app registration to sign in (unauthorized_client). The registration was forgotten; sign in again to register afresh.",
    invalid_scope: "Parallel refused the permission this page asks for (invalid_scope).",
    invalid_request: "Parallel rejected the sign-in request as invalid (invalid_request). Sign in again.",
    unsupported_response_type: "Parallel does not support this kind of sign-in (unsupported_response_type).",
    server_error: "Parallel had an internal error during sign-in (server_error). Try again in a moment.",
    temporarily_unavailable: "Parallel's sign-in is temporarily unavailable. Try again in a moment.",
  };
  const base =
    known[error] || `Parallel reported a sign-in error (${providerText(error) || "unknown"}). Sign in again.`;
  return base + saidSuffix(description);
}

/**
 * Finish a sign-in from an authorization response. The pending record is single-use: it is removed
 * before anything else. A missing or mismatched state is refused before any request is made.
 * Returns { apiKey } on success; throws OAuthError otherwise.
 */
export async function completeSignIn({ callback, session, storage, fetch, proxyBase }) {
  const pending = readPending(session);
  clearPending(session);
  const stateOk = Boolean(pending && callback.state && callback.state === pending.state);

  if (callback.error) {
    // Shown either way (no request follows); acted on only when the state proves it is ours.
    if (stateOk && callback.error !== "access_denied") forgetClientId(storage, pending.issuer, pending.redirectUri);
    throw new OAuthError(
      callback.error === "access_denied" ? "access_denied" : "provider_error",
      describeProviderError(callback.error, callback.errorDescription),
      { providerError: callback.error },
    );
  }
  if (!pending) {
    throw new OAuthError(
      "state_mismatch",
      "This page received a sign-in response it did not start in this tab, so it was refused and no key was requested. Sign in again.",
    );
  }
  if (!callback.state) {
    throw new OAuthError(
      "state_mismatch",
      "The sign-in response carried no state, so it was refused and no key was requested. Sign in again.",
    );
  }
  if (!stateOk) {
    throw new OAuthError(
      "state_mismatch",
      "The sign-in response does not match the sign-in this tab started (state mismatch), so it was refused and no key was requested. Sign in again.",
    );
  }
  if (callback.iss && safeIssuer(callback.iss) !== pending.issuer) {
    throw new OAuthError(
      "issuer_mismatch",
      "The sign-in response came from a different provider than the one this tab asked, so it was refused and no key was requested.",
    );
  }
  if (!callback.code) {
    throw new OAuthError("provider_error", "The sign-in response carried no code. Sign in again.");
  }
  const base = proxyBase ? checkProxyBase(proxyBase) : "";
  if (!pending.tokenUrl.startsWith(base + "/") || !/^\/[^/\\]/.test(pending.tokenUrl)) {
    throw new OAuthError(
      "config",
      "The stored sign-in names a token endpoint outside this site's proxy; it was refused.",
    );
  }

  const form = new URLSearchParams({
    grant_type: "authorization_code",
    code: callback.code,
    client_id: pending.clientId,
    redirect_uri: pending.redirectUri,
    code_verifier: pending.verifier,
  });
  let res;
  try {
    res = await fetch(pending.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: form.toString(),
      credentials: "omit",
    });
  } catch {
    throw new OAuthError("network", "Could not reach Parallel to finish the sign-in (network error). Sign in again.");
  }
  const body = await readJson(res);
  if (!res.ok) {
    const err = isObject(body) && typeof body.error === "string" ? body.error : "";
    const said = saidSuffix(isObject(body) ? body.error_description : "");
    if (err === "invalid_client" || err === "unauthorized_client") {
      forgetClientId(storage, pending.issuer, pending.redirectUri);
      throw new OAuthError("invalid_client", describeProviderError(err, isObject(body) ? body.error_description : ""), {
        status: res.status,
        providerError: err,
      });
    }
    if (err === "invalid_grant") {
      throw new OAuthError(
        "invalid_grant",
        "Parallel did not accept this sign-in code: it was already used, has expired, or does not belong to this sign-in (invalid_grant). Sign in again." +
          said,
        { status: res.status, providerError: err },
      );
    }
    throw new OAuthError(
      "token_failed",
      `Parallel did not hand over a key (HTTP ${res.status}${err ? `, ${providerText(err)}` : ""}). Sign in again.` +
        said,
      { status: res.status, providerError: err },
    );
  }
  if (!isObject(body) || typeof body.access_token !== "string" || !body.access_token.trim()) {
    throw new OAuthError("token_failed", "Parallel's answer held no key (no access_token). Sign in again.");
  }
  return { apiKey: body.access_token.trim() };
}
