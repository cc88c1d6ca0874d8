// PKCE helpers (public/tasks-sse/js/pkce.js): RFC 7636 Appendix B and the verifier's shape.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  VERIFIER_ALPHABET,
  base64UrlEncode,
  codeChallengeS256,
  generateCodeVerifier,
  randomToken,
} from "../../public/tasks-sse/js/pkce.js";

const VERIFIER_RE = /^[A-Za-z0-9\-._~]{43,128}$/;

test("RFC 7636 Appendix B: the verifier gives the published S256 challenge", async () => {
  const challenge = await codeChallengeS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
  assert.equal(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
});

test("RFC 7636 Appendix B: the 32 octets encode to the published verifier", () => {
  const octets = [
    116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91,
    88, 5, 88, 83, 132, 141, 121,
  ];
  assert.equal(base64UrlEncode(new Uint8Array(octets)), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
});

test("verifiers are 43-128 characters of the unreserved alphabet, over many draws", () => {
  for (let i = 0; i < 2000; i++) {
    const v = generateCodeVerifier();
    assert.match(v, VERIFIER_RE);
  }
  for (const n of [43, 44, 64, 100, 127, 128]) {
    for (let i = 0; i < 50; i++) assert.match(generateCodeVerifier(n), new RegExp(`^[A-Za-z0-9\\-._~]{${n}}$`));
  }
});

test("every alphabet character turns up, so the draw covers the whole alphabet", () => {
  const seen = new Set();
  for (let i = 0; i < 400; i++) for (const ch of generateCodeVerifier(128)) seen.add(ch);
  assert.equal(seen.size, VERIFIER_ALPHABET.length);
});

test("two verifiers differ, and so do their challenges", async () => {
  const a = generateCodeVerifier();
  const b = generateCodeVerifier();
  assert.notEqual(a, b);
  assert.notEqual(await codeChallengeS256(a), await codeChallengeS256(b));
  const many = new Set(Array.from({ length: 500 }, () => generateCodeVerifier(43)));
  assert.equal(many.size, 500);
});

test("a challenge is 43 base64url characters without padding", async () => {
  for (let i = 0; i < 50; i++) {
    const c = await codeChallengeS256(generateCodeVerifier());
    assert.match(c, /^[A-Za-z0-9_-]{43}$/);
  }
});

test("lengths outside 43..128 and malformed verifiers are refused", async () => {
  for (const n of [0, 42, 129, 1.5, "64"]) assert.throws(() => generateCodeVerifier(n), RangeError);
  for (const bad of ["short", "x".repeat(129), "a".repeat(42) + " ", "a".repeat(43) + "+", 42, null]) {
    await assert.rejects(codeChallengeS256(bad), TypeError);
  }
});

test("randomToken is base64url of the requested number of bytes and never repeats", () => {
  const t = randomToken(32);
  assert.match(t, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(randomToken(), randomToken());
});
