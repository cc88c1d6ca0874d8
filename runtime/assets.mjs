// Static assets the way Workers Static Assets serves them (html_handling "auto-trailing-slash",
// not_found_handling "none"): exact files, `name.html` for `/name`, `dir/index.html` for `/dir/`,
// 307 to the canonical URL (`/dir` -> `/dir/`, `/page.html` -> `/page`, `/dir/index.html` ->
// `/dir/`), 404 with an empty body on a miss, ETag + 304, and the `_headers` rules (on a 404 too).

import crypto from "node:crypto";
import fsp from "node:fs/promises";
import path from "node:path";
import { headersFileLoader, headersFor } from "./headers-file.mjs";

// As wrangler uploads them: the `mime` package's type, with `; charset=utf-8` on text/* types.
const CONTENT_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".htm": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".webmanifest": "application/manifest+json",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".xml": "application/xml",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".ico": "image/vnd.microsoft.icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".otf": "font/otf",
  ".wasm": "application/wasm",
  ".pdf": "application/pdf",
};

// Files that configure the assets and are never served themselves.
const NEVER_SERVED = new Set(["_headers", "_redirects", ".assetsignore", "_worker.js"]);

export function contentTypeFor(file) {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
}

export class AssetServer {
  constructor(directory) {
    this.root = path.resolve(directory);
    this.rules = headersFileLoader(path.join(this.root, "_headers"));
    this.etags = new Map(); // file -> { mtimeMs, size, etag }
  }

  /** The file for a URL path, or null if it does not name one inside the directory. */
  async #file(urlPath) {
    let decoded;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      return null;
    }
    if (decoded.includes("\0") || decoded.includes("\\")) return null;
    const segments = decoded.split("/");
    // No dot segments, no hidden files (.git, .env ...) except .well-known, no config files.
    const refused = (s) => s === ".." || s === "." || (s.startsWith(".") && s !== ".well-known") || NEVER_SERVED.has(s);
    if (segments.some(refused)) return null;
    const file = path.resolve(this.root, "." + decoded);
    if (file !== this.root && !file.startsWith(this.root + path.sep)) return null;
    try {
      const stat = await fsp.stat(file);
      return stat.isFile() ? { file, stat } : null;
    } catch {
      return null;
    }
  }

  /**
   * What the asset router does with `urlPath`: { serve: {file, stat} } or { redirect: path } or null
   * (no asset: the Worker runs next).
   */
  async resolve(urlPath) {
    if (urlPath.endsWith("/index.html")) {
      const dir = urlPath.slice(0, -"index.html".length);
      if (await this.#file(urlPath)) return { redirect: dir };
    } else if (urlPath.endsWith(".html")) {
      const hit = await this.#file(urlPath);
      if (hit) return { redirect: urlPath.slice(0, -".html".length) };
    }
    if (urlPath.endsWith("/")) {
      const index = await this.#file(urlPath + "index.html");
      if (index) return { serve: index };
      if (urlPath !== "/" && (await this.#file(urlPath.slice(0, -1) + ".html"))) {
        return { redirect: urlPath.slice(0, -1) };
      }
      return null;
    }
    if (!urlPath.endsWith(".html")) {
      const exact = await this.#file(urlPath);
      if (exact) return { serve: exact };
      const html = await this.#file(urlPath + ".html");
      if (html) return { serve: html };
      if (await this.#file(urlPath + "/index.html")) return { redirect: urlPath + "/" };
    }
    return null;
  }

  #etag(file, stat, body) {
    const known = this.etags.get(file);
    if (known && known.mtimeMs === stat.mtimeMs && known.size === stat.size) return known.etag;
    const etag = `"${crypto.createHash("sha1").update(body).digest("hex").slice(0, 32)}"`;
    this.etags.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, etag });
    return etag;
  }

  #withRules(urlPath, headers) {
    const { set, unset } = headersFor(this.rules(), urlPath);
    for (const name of unset) headers.delete(name);
    for (const [name, value] of set) headers.set(name, value);
    return headers;
  }

  /** A WHATWG Response for `request`, or null when no asset matches (used by the router). */
  async match(request) {
    const url = new URL(request.url);
    const found = await this.resolve(url.pathname);
    if (!found) return null;
    if (found.redirect) {
      const headers = new Headers({ location: found.redirect + url.search });
      return new Response(null, { status: 307, headers: this.#withRules(url.pathname, headers) });
    }
    const { file, stat } = found.serve;
    const body = await fsp.readFile(file);
    const etag = this.#etag(file, stat, body);
    const headers = new Headers({
      "content-type": contentTypeFor(file),
      etag,
      "cache-control": "public, max-age=0, must-revalidate",
    });
    this.#withRules(url.pathname, headers);
    const inm = request.headers.get("if-none-match");
    if (inm && inm.split(",").some((t) => t.trim().replace(/^W\//, "") === etag)) {
      return new Response(null, { status: 304, headers });
    }
    headers.set("content-length", String(body.length));
    return new Response(request.method === "HEAD" ? null : body, { status: 200, headers });
  }

  /**
   * The ASSETS binding's answer: the asset; on a miss a 404 with an empty body that still carries
   * the `_headers` rules for its path; 405 for methods other than GET/HEAD.
   */
  async fetch(request) {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response(null, { status: 405, headers: { allow: "GET, HEAD" } });
    }
    const found = await this.match(request);
    if (found) return found;
    return new Response(null, { status: 404, headers: this.#withRules(new URL(request.url).pathname, new Headers()) });
  }
}
