// Under --optimize-for-size V8 grows the young generation while much of it survives scavenges
// and shrinks it again later. With steady sequential traffic that shows as a sawtooth of about
// 15 MB in resident memory (no trend, but 8% of the runtime's RSS). Not letting the young
// generation grow (--semi-space-growth-factor=1) keeps RSS flat within 2%, but a burst of
// hundreds of requests opened at once then runs about 25% slower, because it needs the room.
// So growth is allowed only while many requests are in flight: bursts get the room, and steady
// traffic keeps the small, flat heap. V8 reads this flag each time it would grow the space.

import v8 from "node:v8";

const GROW_AT = 8; // requests in flight
const STOP_AT = 2; // hysteresis: do not flip on every request around one threshold
const BURST_FACTOR = 16; // reach the largest size in one or two scavenges

let enabled = false;
let active = 0;
let growing = true;

function allowGrowth(on) {
  if (growing === on) return;
  growing = on;
  v8.setFlagsFromString(`--semi-space-growth-factor=${on ? BURST_FACTOR : 1}`);
}

/** Switch the load-aware young generation on (call once, before serving). */
export function enableLoadAwareYoungGeneration() {
  enabled = true;
  allowGrowth(false);
}

export function requestStarted() {
  active += 1;
  if (enabled && active >= GROW_AT) allowGrowth(true);
}

export function requestEnded() {
  active -= 1;
  if (enabled && active <= STOP_AT) allowGrowth(false);
}
