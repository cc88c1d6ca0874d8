// OAuth flow logic (public/tasks-sse/js/oauth.js) and the pasted-key check (auth.js), driven with
// fake fetch and storage: discovery, endpoint mapping, registration cache, authorize URL, callback.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  CLIENTS_KEY,
  OAuthError,
  PENDING_KEY,
  abandonPending,
  beginSignIn,
  buildAuthorizeUrl,
  cleanCallbackUrl,
  completeSignIn,
  discover,
  ensureClient,
  loadClientId,
  metadataProxyUrl,
  readCallback,
  readPending,
  saveClientId,
  toProxyUrl,
} from "../../public/tasks-sse/js/oauth.js";
import { codeChallengeS256 } from "../../public/tasks-sse/js/pkce.js";
import { normaliseApiKey, verifyApiKey } from "../../public/tasks-sse/js/auth.js";
import { memoryStorage } from "./support/memory-storage.js";

const ISSUER = "https://platform.example.test";
const REDIRECT = "http://127.0.0.1:8787/tasks-sse/";
const CONFIG = {
  apiBase: "/tasks-sse/api",
  mode: "simulator",
  oauth: {
    issuer: ISSUER,
    proxyBase: "/tasks-sse/oauth",
    scope: "key:read",
    authorizationEndpoint: `${ISSUER}/getKeys/authorize`,
    registrationEndpoint: `${ISSUER}/getKeys/register`,
    tokenEndpoint: `${ISSUER}/getKeys/token`,
  },
};
const METADATA = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/getKeys/authorize`,
  registration_endpoint: `${ISSUER}/getKeys/register`,
  token_endpoint: `${ISSUER}/getKeys/token`,
  response_types_supported: ["code"],
  code_challenge_methods_supported: ["S256"],
  token_endpoint_auth_methods_supported: ["none"],
};

function json(status, body) {
  return new Response(body === undefined ? "" : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** A fake fetch answering by "METHOD path"; records every call. Unknown routes answer 404. */
function fakeFetch(routes) {
  const calls = [];
  const fn = async (url, init = {}) => {
    const method = (init.method || "GET").toUpperCase();
    calls.push({ url, method, init });
    const handler = routes[`${method} ${url}`];
    if (!handler) return json(404, { error: "not_found" });
    return typeof handler === "function" ? handler(url, init, calls) : handler;
  };
  fn.calls = calls;
  return fn;
}

function registrationRoute(clientIds) {
  let n = 0;
  return (url, init) => {
    const body = JSON.parse(init.body);
    return json(201, { ...body, client_id: clientIds[n++] || `client-${n}` });
  };
}

test("endpoint mapping: issuer-origin endpoints go through the proxy with the same pathname", () => {
  const at = { issuer: ISSUER, proxyBase: "/tasks-sse/oauth" };
  assert.equal(toProxyUrl(`${ISSUER}/getKeys/token`, at), "/tasks-sse/oauth/getKeys/token");
  assert.equal(toProxyUrl(`${ISSUER}/getKeys/register?x=1`, at), "/tasks-sse/oauth/getKeys/register?x=1");
  assert.equal(metadataProxyUrl(at), "/tasks-sse/oauth/.well-known/oauth-authorization-server");
  assert.equal(
    metadataProxyUrl({ issuer: `${ISSUER}/tenant/`, proxyBase: "/p" }),
    "/p/.well-known/oauth-authorization-server/tenant",
  );
  assert.throws(
    () => toProxyUrl("https://evil.example/getKeys/token", at),
    (e) => e.code === "unreachable_endpoint",
  );
  assert.throws(() => toProxyUrl("not a url", at), OAuthError);
});

test("discovery uses the provider's metadata through the proxy", async () => {
  const fetch = fakeFetch({
    "GET /tasks-sse/oauth/.well-known/oauth-authorization-server": json(200, {
      ...METADATA,
      token_endpoint: `${ISSUER}/oauth/token`,
      authorization_endpoint: `${ISSUER}/oauth/authorize`,
    }),
  });
  const ep = await discover({ config: CONFIG, fetch });
  assert.equal(ep.source, "metadata");
  assert.equal(ep.tokenUrl, "/tasks-sse/oauth/oauth/token");
  assert.equal(ep.registrationUrl, "/tasks-sse/oauth/getKeys/register");
  assert.equal(ep.authorizationEndpoint, `${ISSUER}/oauth/authorize`);
  assert.deepEqual(
    fetch.calls.map((c) => c.url),
    ["/tasks-sse/oauth/.well-known/oauth-authorization-server"],
  );
});

test("discovery falls back to config.json when metadata is absent, broken or unreachable", async () => {
  for (const answer of [
    json(404, {}),
    json(502, {}),
    new Response("<html>", { status: 200 }),
    () => {
      throw new TypeError("down");
    },
  ]) {
    const fetch = fakeFetch({ "GET /tasks-sse/oauth/.well-known/oauth-authorization-server": answer });
    const ep = await discover({ config: CONFIG, fetch });
    assert.equal(ep.source, "config");
    assert.equal(ep.tokenUrl, "/tasks-sse/oauth/getKeys/token");
    assert.equal(ep.registrationUrl, "/tasks-sse/oauth/getKeys/register");
    assert.equal(ep.authorizationEndpoint, `${ISSUER}/getKeys/authorize`);
  }
});

test("discovery refuses metadata without S256, for another issuer, or with foreign endpoints", async () => {
  const cases = [
    [{ ...METADATA, code_challenge_methods_supported: ["plain"] }, "pkce_unsupported"],
    [{ ...METADATA, issuer: "https://evil.example" }, "issuer_mismatch"],
    [{ ...METADATA, token_endpoint: "https://evil.example/token" }, "unreachable_endpoint"],
    [{ ...METADATA, token_endpoint_auth_methods_supported: ["client_secret_basic"] }, "public_client_unsupported"],
    [{ ...METADATA, authorization_endpoint: "javascript:alert(1)" }, "config"],
  ];
  for (const [meta, code] of cases) {
    const fetch = fakeFetch({ "GET /tasks-sse/oauth/.well-known/oauth-authorization-server": json(200, meta) });
    await assert.rejects(discover({ config: CONFIG, fetch }), (e) => e instanceof OAuthError && e.code === code);
  }
  // Absent code_challenge_methods_supported is accepted (checked only when present).
  const { code_challenge_methods_supported: _omit, ...noMethods } = METADATA;
  const fetch = fakeFetch({ "GET /tasks-sse/oauth/.well-known/oauth-authorization-server": json(200, noMethods) });
  assert.equal((await discover({ config: CONFIG, fetch })).source, "metadata");
});

test("a missing oauth section or proxyBase is a clear configuration error", async () => {
  await assert.rejects(discover({ config: {}, fetch: fakeFetch({}) }), (e) => e.code === "config");
  await assert.rejects(
    discover({ config: { oauth: { ...CONFIG.oauth, proxyBase: "//evil" } }, fetch: fakeFetch({}) }),
    (e) => e.code === "config",
  );
});

test("authorize URL carries every parameter, and keeps nothing else", () => {
  const u = new URL(
    buildAuthorizeUrl({
      authorizationEndpoint: `${ISSUER}/getKeys/authorize#frag`,
      clientId: "client-1",
      redirectUri: REDIRECT,
      scope: "key:read",
      codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      state: "st&ate=1",
    }),
  );
  assert.equal(u.origin + u.pathname, `${ISSUER}/getKeys/authorize`);
  assert.equal(u.hash, "");
  assert.deepEqual(Object.fromEntries(u.searchParams), {
    client_id: "client-1",
    redirect_uri: REDIRECT,
    response_type: "code",
    scope: "key:read",
    code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    code_challenge_method: "S256",
    state: "st&ate=1",
  });
});

test("beginSignIn registers once, caches the client per provider + redirect URI, keeps PKCE state in the session", async () => {
  const storage = memoryStorage();
  const session = memoryStorage();
  const fetch = fakeFetch({
    "GET /tasks-sse/oauth/.well-known/oauth-authorization-server": json(200, METADATA),
    "POST /tasks-sse/oauth/getKeys/register": registrationRoute(["client-A", "client-B"]),
  });
  const url1 = new URL(await beginSignIn({ config: CONFIG, redirectUri: REDIRECT, fetch, storage, session }));
  const reg = fetch.calls.find((c) => c.method === "POST");
  assert.deepEqual(JSON.parse(reg.init.body), {
    client_name: "Parallel Task API playground (tasks-sse)",
    redirect_uris: [REDIRECT],
    token_endpoint_auth_method: "none",
    grant_types: ["authorization_code"],
    response_types: ["code"],
  });
  assert.equal(url1.searchParams.get("client_id"), "client-A");
  assert.equal(url1.searchParams.get("scope"), "key:read");
  const pending = readPending(session);
  assert.equal(pending.state, url1.searchParams.get("state"));
  assert.match(pending.state, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(await codeChallengeS256(pending.verifier), url1.searchParams.get("code_challenge"));
  assert.equal(pending.tokenUrl, "/tasks-sse/oauth/getKeys/token");
  assert.equal(loadClientId(storage, ISSUER, REDIRECT), "client-A");
  // Neither the verifier nor the key goes anywhere near the URL.
  assert.ok(!url1.href.includes(pending.verifier));

  // Second sign-in: cached client, fresh state and verifier, no second registration.
  const url2 = new URL(await beginSignIn({ config: CONFIG, redirectUri: REDIRECT, fetch, storage, session }));
  assert.equal(fetch.calls.filter((c) => c.method === "POST").length, 1);
  assert.equal(url2.searchParams.get("client_id"), "client-A");
  assert.notEqual(url2.searchParams.get("state"), url1.searchParams.get("state"));
  assert.notEqual(url2.searchParams.get("code_challenge"), url1.searchParams.get("code_challenge"));

  // Another redirect URI (or provider) registers separately.
  const other = "http://localhost:9999/tasks-sse/";
  const url3 = new URL(await beginSignIn({ config: CONFIG, redirectUri: other, fetch, storage, session }));
  assert.equal(url3.searchParams.get("client_id"), "client-B");
  assert.equal(loadClientId(storage, ISSUER, REDIRECT), "client-A");
  assert.equal(loadClientId(storage, ISSUER, other), "client-B");
});

test("registration errors are reported in words; a changed redirect URI is refused", async () => {
  const storage = memoryStorage();
  let fetch = fakeFetch({
    "POST /tasks-sse/oauth/getKeys/register": json(400, {
      error: "invalid_redirect_uri",
      error_description: "https required",
    }),
  });
  await assert.rejects(
    ensureClient({
      endpoints: { issuer: ISSUER, registrationUrl: "/tasks-sse/oauth/getKeys/register" },
      redirectUri: REDIRECT,
      storage,
      fetch,
    }),
    (e) =>
      e.code === "registration_failed" && /invalid_redirect_uri/.test(e.message) && /https required/.test(e.message),
  );
  fetch = fakeFetch({
    "POST /tasks-sse/oauth/getKeys/register": json(201, { client_id: "x", redirect_uris: ["https://other/"] }),
  });
  await assert.rejects(
    ensureClient({
      endpoints: { issuer: ISSUER, registrationUrl: "/tasks-sse/oauth/getKeys/register" },
      redirectUri: REDIRECT,
      storage,
      fetch,
    }),
    (e) => e.code === "registration_failed",
  );
  assert.equal(loadClientId(storage, ISSUER, REDIRECT), "");
});

test("callback URLs: read and cleaned, other query and hash kept", () => {
  const href = `${REDIRECT}?view=runs&code=auth_abc&state=s1&iss=${encodeURIComponent(ISSUER)}#run-1`;
  assert.deepEqual(readCallback(href), { code: "auth_abc", state: "s1", error: "", errorDescription: "", iss: ISSUER });
  assert.equal(cleanCallbackUrl(href), "/tasks-sse/?view=runs#run-1");
  assert.equal(cleanCallbackUrl(`${REDIRECT}?error=access_denied&error_description=no&state=s`), "/tasks-sse/");
  assert.equal(readCallback(`${REDIRECT}?view=runs`), null);
  assert.equal(readCallback(`${REDIRECT}?state=only`), null);
});

async function pendingSession(overrides = {}) {
  const session = memoryStorage();
  session.setItem(
    PENDING_KEY,
    JSON.stringify({
      v: 1,
      state: "good-state",
      verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
      clientId: "client-A",
      redirectUri: REDIRECT,
      issuer: ISSUER,
      tokenUrl: "/tasks-sse/oauth/getKeys/token",
      createdAt: 0,
      ...overrides,
    }),
  );
  return session;
}

const tokenOk = () => json(200, { access_token: "minted-key-123", token_type: "bearer" });

test("a mismatched, missing or unexpected state is refused with no token request", async () => {
  const cases = [
    [{ code: "c", state: "bad-state" }, await pendingSession()],
    [{ code: "c", state: "" }, await pendingSession()],
    [{ code: "c", state: "good-state" }, memoryStorage()],
    [
      { code: "c", state: "good-state" },
      (() => {
        const s = memoryStorage();
        s.setItem(PENDING_KEY, "{not json");
        return s;
      })(),
    ],
  ];
  for (const [cb, session] of cases) {
    const fetch = fakeFetch({ "POST /tasks-sse/oauth/getKeys/token": tokenOk });
    await assert.rejects(
      completeSignIn({
        callback: { error: "", errorDescription: "", iss: "", ...cb },
        session,
        storage: memoryStorage(),
        fetch,
        proxyBase: "/tasks-sse/oauth",
      }),
      (e) => e.code === "state_mismatch" && /no key was requested/.test(e.message),
    );
    assert.equal(fetch.calls.length, 0, "no request may follow a bad state");
    assert.equal(session.getItem(PENDING_KEY), null, "the pending sign-in is single-use");
  }
});

test("a matching callback exchanges the code with the exact form body and clears the session", async () => {
  const session = await pendingSession();
  const fetch = fakeFetch({ "POST /tasks-sse/oauth/getKeys/token": tokenOk });
  const out = await completeSignIn({
    callback: { code: "auth_code_1", state: "good-state", error: "", errorDescription: "", iss: ISSUER },
    session,
    storage: memoryStorage(),
    fetch,
    proxyBase: "/tasks-sse/oauth",
  });
  assert.deepEqual(out, { apiKey: "minted-key-123" });
  assert.equal(fetch.calls.length, 1);
  const { url, init } = fetch.calls[0];
  assert.equal(url, "/tasks-sse/oauth/getKeys/token");
  assert.equal(init.headers["content-type"], "application/x-www-form-urlencoded");
  assert.deepEqual(Object.fromEntries(new URLSearchParams(init.body)), {
    grant_type: "authorization_code",
    code: "auth_code_1",
    client_id: "client-A",
    redirect_uri: REDIRECT,
    code_verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
  });
  assert.equal(session.getItem(PENDING_KEY), null);
});

test("provider errors in the callback are put in words and never reach the token endpoint", async () => {
  const storage = memoryStorage();
  saveClientId(storage, ISSUER, REDIRECT, "client-A");
  const fetch = fakeFetch({});
  await assert.rejects(
    completeSignIn({
      callback: { code: "", state: "good-state", error: "access_denied", errorDescription: "User said no", iss: "" },
      session: await pendingSession(),
      storage,
      fetch,
    }),
    (e) => e.code === "access_denied" && /declined/.test(e.message) && /User said no/.test(e.message),
  );
  assert.equal(loadClientId(storage, ISSUER, REDIRECT), "client-A", "a denial keeps the registration");
  await assert.rejects(
    completeSignIn({
      callback: { code: "", state: "good-state", error: "invalid_client", errorDescription: "", iss: "" },
      session: await pendingSession(),
      storage,
      fetch,
    }),
    (e) => e.code === "provider_error" && /register afresh/.test(e.message),
  );
  assert.equal(
    loadClientId(storage, ISSUER, REDIRECT),
    "",
    "a rejected client is forgotten so the next sign-in re-registers",
  );
  await assert.rejects(
    completeSignIn({
      callback: { code: "", state: "good-state", error: "weird_thing", errorDescription: "a\nb", iss: "" },
      session: await pendingSession(),
      storage,
      fetch,
    }),
    (e) => /weird_thing/.test(e.message) && /"a b"/.test(e.message),
  );
  // An error with a forged state is shown but not acted on.
  saveClientId(storage, ISSUER, REDIRECT, "client-A");
  await assert.rejects(
    completeSignIn({
      callback: { code: "", state: "forged", error: "invalid_client", errorDescription: "", iss: "" },
      session: await pendingSession(),
      storage,
      fetch,
    }),
  );
  assert.equal(loadClientId(storage, ISSUER, REDIRECT), "client-A");
  assert.equal(fetch.calls.length, 0);
});

test("token errors: a reused code (invalid_grant), a rejected client, a server failure, no access_token", async () => {
  const storage = memoryStorage();
  saveClientId(storage, ISSUER, REDIRECT, "client-A");
  const cb = { code: "c", state: "good-state", error: "", errorDescription: "", iss: "" };
  const attempt = async (answer) =>
    completeSignIn({
      callback: cb,
      session: await pendingSession(),
      storage,
      proxyBase: "/tasks-sse/oauth",
      fetch: fakeFetch({ "POST /tasks-sse/oauth/getKeys/token": answer }),
    });
  await assert.rejects(
    attempt(json(400, { error: "invalid_grant", error_description: "code already used" })),
    (e) => e.code === "invalid_grant" && /already used/.test(e.message),
  );
  assert.equal(loadClientId(storage, ISSUER, REDIRECT), "client-A");
  await assert.rejects(attempt(json(401, { error: "invalid_client" })), (e) => e.code === "invalid_client");
  assert.equal(
    loadClientId(storage, ISSUER, REDIRECT),
    "",
    "invalid_client at the token step forgets the registration",
  );
  await assert.rejects(
    attempt(json(503, { type: "error" })),
    (e) => e.code === "token_failed" && /503/.test(e.message),
  );
  await assert.rejects(attempt(json(200, { token_type: "bearer" })), (e) => e.code === "token_failed");
  await assert.rejects(
    attempt(() => {
      throw new TypeError("offline");
    }),
    (e) => e.code === "network",
  );
});

test("a stored token URL outside the proxy, or a response from another issuer, is refused", async () => {
  const fetch = fakeFetch({});
  await assert.rejects(
    completeSignIn({
      callback: { code: "c", state: "good-state", error: "", errorDescription: "", iss: "" },
      session: await pendingSession({ tokenUrl: "https://evil.example/token" }),
      storage: memoryStorage(),
      fetch,
      proxyBase: "/tasks-sse/oauth",
    }),
    (e) => e.code === "config",
  );
  await assert.rejects(
    completeSignIn({
      callback: { code: "c", state: "good-state", error: "", errorDescription: "", iss: "https://evil.example" },
      session: await pendingSession(),
      storage: memoryStorage(),
      fetch,
      proxyBase: "/tasks-sse/oauth",
    }),
    (e) => e.code === "issuer_mismatch",
  );
  assert.equal(fetch.calls.length, 0);
});

test("a sign-in that never came back is dropped, and so is its cached registration (re-register next time)", async () => {
  const storage = memoryStorage();
  saveClientId(storage, ISSUER, REDIRECT, "client-stale");
  const session = await pendingSession({ clientId: "client-stale" });
  assert.equal(abandonPending({ session, storage }), true);
  assert.equal(session.getItem(PENDING_KEY), null);
  assert.equal(loadClientId(storage, ISSUER, REDIRECT), "");
  assert.equal(abandonPending({ session, storage }), false);

  const fetch = fakeFetch({ "POST /tasks-sse/oauth/getKeys/register": registrationRoute(["client-fresh"]) });
  const url = new URL(await beginSignIn({ config: CONFIG, redirectUri: REDIRECT, fetch, storage, session }));
  assert.equal(url.searchParams.get("client_id"), "client-fresh");
});

test("a corrupt client cache is ignored, not fatal", async () => {
  const storage = memoryStorage({ [CLIENTS_KEY]: "[1,2" });
  assert.equal(loadClientId(storage, ISSUER, REDIRECT), "");
  const fetch = fakeFetch({ "POST /tasks-sse/oauth/getKeys/register": registrationRoute(["client-new"]) });
  const { clientId, registered } = await ensureClient({
    endpoints: { issuer: ISSUER, registrationUrl: "/tasks-sse/oauth/getKeys/register" },
    redirectUri: REDIRECT,
    storage,
    fetch,
  });
  assert.equal(clientId, "client-new");
  assert.equal(registered, true);
});

test("pasted keys: the Worker's verdict accepts or rejects; 429/5xx/network neither", async () => {
  // The Worker's /tasks-sse/key-check answers the verdict as a 200, so no check logs a failed request.
  const path = "/tasks-sse/key-check";
  const check = (answer) => {
    const fetch = fakeFetch({ [`GET ${path}`]: answer });
    return verifyApiKey("key-1", { checkUrl: path, fetch }).then((v) => ({ v, fetch }));
  };
  const { v: ok, fetch } = await check(json(200, { valid: true }));
  assert.deepEqual(ok, { ok: true });
  assert.equal(fetch.calls[0].init.headers["x-api-key"], "key-1");
  assert.equal(fetch.calls[0].init.body, undefined, "a check sends nothing but the key");
  const no = (await check(json(200, { valid: false, status: 401, message: "Unauthorized\u0007" }))).v;
  assert.equal(no.verdict, "rejected");
  assert.match(no.message, /HTTP 401: Unauthorized/);
  assert.match((await check(json(200, { valid: false, status: 403, message: "" }))).v.message, /refused/);
  // A 200 without a verdict is no verdict.
  assert.equal((await check(json(200, { taskgroup_id: "tgrp_1" }))).v.verdict, "unknown");
  for (const answer of [
    json(429, {}),
    json(500, {}),
    json(502, { type: "error", error: { message: "upstream unreachable" } }),
    () => {
      throw new TypeError("x");
    },
  ]) {
    const { v } = await check(answer);
    assert.equal(v.ok, false);
    assert.equal(v.verdict, "unknown");
    assert.match(v.message, /not saved/);
  }
  assert.match(
    (await check(json(502, { type: "error", error: { message: "upstream unreachable" } }))).v.message,
    /upstream unreachable/,
  );
});

test("pasted keys are trimmed; blank or multi-word input is refused before any request", () => {
  assert.equal(normaliseApiKey("  abc-123 \n"), "abc-123");
  assert.throws(() => normaliseApiKey("   "), /Paste an API key/);
  assert.throws(() => normaliseApiKey("two words"), /does not look like an API key/);
  assert.throws(() => normaliseApiKey("caf\u00e9"), /does not look like an API key/);
});
