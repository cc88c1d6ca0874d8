// PKCE (RFC 7636) helpers: a code verifier from the platform CSPRNG and its S256 challenge.
// Pure ES module: runs in the browser and under Node 20 (both have globalThis.crypto).

/** RFC 7636 section 4.1 "unreserved" characters: 66 symbols. */
export const VERIFIER_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

const VERIFIER_RE = /^[A-Za-z0-9\-._~]{43,128}$/;
// The largest multiple of 66 that fits in a byte; bytes at or above it are discarded so that every
// character is equally likely (no modulo bias).
const BYTE_LIMIT = 256 - (256 % VERIFIER_ALPHABET.length);

function cryptoApi() {
  const c = globalThis.crypto;
  if (!c || typeof c.getRandomValues !== "function") {
    throw new Error("This browser has no Web Crypto API (crypto.getRandomValues), which sign-in needs.");
  }
  return c;
}

/**
 * A fresh code verifier: `length` (43..128, default 64) characters of [A-Za-z0-9-._~], drawn from
 * crypto.getRandomValues with rejection sampling. 64 characters carry about 386 bits of entropy.
 */
export function generateCodeVerifier(length = 64) {
  if (!Number.isInteger(length) || length < 43 || length > 128) {
    throw new RangeError("A PKCE code verifier must be 43 to 128 characters long.");
  }
  const c = cryptoApi();
  let out = "";
  while (out.length < length) {
    const bytes = c.getRandomValues(new Uint8Array(length * 2));
    for (const b of bytes) {
      if (b >= BYTE_LIMIT) continue;
      out += VERIFIER_ALPHABET[b % VERIFIER_ALPHABET.length];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Base64url without padding (RFC 4648 section 5), as PKCE and OAuth use it. */
export function base64UrlEncode(bytes) {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = "";
  for (const b of view) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** `nBytes` (default 32) random bytes from the CSPRNG, base64url encoded: for `state` and the like. */
export function randomToken(nBytes = 32) {
  return base64UrlEncode(cryptoApi().getRandomValues(new Uint8Array(nBytes)));
}

/** The S256 code challenge: base64url(SHA-256(ASCII(verifier))), no padding. */
export async function codeChallengeS256(verifier) {
  if (typeof verifier !== "string" || !VERIFIER_RE.test(verifier)) {
    throw new TypeError("A PKCE code verifier must be 43 to 128 characters of [A-Za-z0-9-._~].");
  }
  const c = cryptoApi();
  if (!c.subtle) {
    throw new Error("This page needs a secure context (https or localhost) for SHA-256 (crypto.subtle).");
  }
  const digest = await c.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64UrlEncode(new Uint8Array(digest));
}
