// The floor: the least a Node proxy built on WHATWG fetch can cost, with no Pyodide and no Python.
// It forwards /tasks-sse/api/<path> to PARALLEL_API_ORIGIN with fetch() and pipes the body back,
// which is the shape of the local runtime's proxy path minus the Worker itself. Benchmark use only.
import http from "node:http";
import { Readable } from "node:stream";

const origin = process.env.PARALLEL_API_ORIGIN;
const port = Number(process.env.PORT);
const host = process.env.HOST || "127.0.0.1";
const PREFIX = "/tasks-sse/api";
const HOP = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "host"]);

http
  .createServer(async (req, res) => {
    if (!req.url.startsWith(PREFIX)) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
      return;
    }
    const headers = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k)) headers[k] = v;
    const init = { method: req.method, headers };
    if (req.method !== "GET" && req.method !== "HEAD") {
      init.body = Readable.toWeb(req);
      init.duplex = "half";
    }
    try {
      const upstream = await fetch(origin + req.url.slice(PREFIX.length), init);
      const out = { "access-control-allow-origin": "*" };
      upstream.headers.forEach((v, k) => {
        if (!HOP.has(k)) out[k] = v;
      });
      res.writeHead(upstream.status, out);
      if (upstream.body) {
        for await (const chunk of upstream.body) res.write(chunk);
      }
      res.end();
    } catch (err) {
      res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: String(err) }));
    }
  })
  .listen(port, host, () => console.log(`floor proxy http://${host}:${port}/tasks-sse/`));
