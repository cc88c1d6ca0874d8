// Tiny DOM helpers. Text only ever goes in through textContent; attributes through setAttribute;
// a link's href only when the URL is http(s). No innerHTML anywhere in the playground.

/** Create an element: h("li", { class: "msg", text: "hi", dataset: { kind: "plan" } }, [children]). */
export function h(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") node.textContent = String(v);
    else if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k === "hidden") node.hidden = Boolean(v);
    else if (k === "href") throw new Error("use safeLink() for links");
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return node;
}

/** The URL string if it is an absolute http(s) URL, else "". */
export function httpUrl(value) {
  try {
    const u = new URL(String(value));
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : "";
  } catch {
    return "";
  }
}

/** A link for http(s) URLs (opened in a new tab, no referrer), plain text for anything else. */
export function safeLink(url, label) {
  const href = httpUrl(url);
  const text = label === undefined || label === null || label === "" ? String(url) : String(label);
  if (!href) return h("span", { class: "unlinked-url", text });
  const a = h("a", { class: "ext", rel: "noopener noreferrer nofollow", target: "_blank", text });
  a.href = href;
  return a;
}

// Formatters are built once: toLocale*String builds one per call, which dominates long renders.
let timeFormat = null;
let dateTimeFormat = null;

/** Local time "HH:MM:SS" for an RFC 3339 timestamp; the raw string if it does not parse. */
export function clockTime(ts) {
  if (!ts) return "";
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return String(ts);
  timeFormat ||= new Intl.DateTimeFormat(undefined, {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  });
  return timeFormat.format(d);
}

/** Local date and time, short. */
export function dateTime(ts) {
  if (!ts) return "";
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return String(ts);
  dateTimeFormat ||= new Intl.DateTimeFormat(undefined, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  });
  return dateTimeFormat.format(d);
}

let countFormat = null;

/** A count with thousands separators ("1,050"), from one formatter built once. */
export function formatCount(n) {
  countFormat ||= new Intl.NumberFormat("en");
  return countFormat.format(n);
}

/** This page's localStorage, or null where the browser denies it (the page then keeps nothing). */
export function localStore() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** Copy text to the clipboard; resolves true on success. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** Offer `text` as a file download (a Blob URL on a temporary link; nothing leaves the browser). */
export function downloadText(filename, text, type = "application/json") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
