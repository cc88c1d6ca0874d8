import http from "node:http";
import { loadConfig } from "./config.mjs";
import { startWorkerHost } from "./pyodide-host.mjs";
import { installFetchShim } from "./fetch-shim.mjs";
const up = http.createServer((req, res) => { req.resume(); req.on("end", () => { res.writeHead(200, {"content-type": "application/json"}); res.end('{"ok":true}'); }); });
await new Promise(r => up.listen(0, "127.0.0.1", r));
process.env.PARALLEL_API_ORIGIN = `http://127.0.0.1:${up.address().port}`;
installFetchShim();
const config = loadConfig();
const host = await startWorkerHost({ config, pyodideDir: "node_modules/pyodide", wheelFile: ".cache/wheels/workers_runtime_sdk-1.9.5-py3-none-any.whl", snapshotDir: ".cache/pyodide-snapshot", assetsHandler: null, log: console.log });
async function bench(name, mk, n) {
  for (let i = 0; i < 200; i++) { const r = await host.dispatch(mk()); await r.arrayBuffer(); }
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < n; i++) { const r = await host.dispatch(mk()); await r.arrayBuffer(); }
  const c = process.cpuUsage(c0); const t = performance.now() - t0;
  console.log(name, "wall/req", (t/n).toFixed(3), "ms; cpu/req", ((c.user+c.system)/1000/n).toFixed(3), "ms");
}
const which = process.argv[2] ?? "all";
const mk = {
  config: () => new Request("http://127.0.0.1:8787/tasks-sse/config.json"),
  get: () => new Request("http://127.0.0.1:8787/tasks-sse/api/v1/tasks/runs/abc", { headers: { "x-api-key": "k", accept: "application/json" } }),
  post: () => new Request("http://127.0.0.1:8787/tasks-sse/api/v1/tasks/runs", { method: "POST", body: '{"input":"x","processor":"lite"}', headers: { "x-api-key": "k", "content-type": "application/json" } }),
  postcl: () => new Request("http://127.0.0.1:8787/tasks-sse/api/v1/tasks/runs", { method: "POST", body: '{"input":"x","processor":"lite"}', headers: { "x-api-key": "k", "content-type": "application/json", "content-length": "32" } }),
};
const N = Number(process.env.N ?? 2000);
for (const name of which.split(",")) await bench(name, mk[name], N);
if (!process.env.BARE) process.exit(0);
// direct node fetch baseline
{
  const n = 2000; const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < n; i++) { const r = await fetch(process.env.PARALLEL_API_ORIGIN + "/v1/tasks/runs", { method: "POST", body: '{"input":"x"}', headers: { "x-api-key": "k" } }); await r.arrayBuffer(); }
  const c = process.cpuUsage(c0); console.log("bare fetch", "wall/req", ((performance.now()-t0)/n).toFixed(3), "cpu/req", ((c.user+c.system)/1000/n).toFixed(3));
}
process.exit(0);
